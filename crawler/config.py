"""Settings: declared once here, with defaults and help text, validated once on load (pydantic)."""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from crawler.durations import Duration, parse_duration  # noqa: F401  (re-exported)
from crawler.errors import ConfigError
from crawler.vocab import PLATFORM_NAMES, SOURCE_KINDS, Category, Risk

CONFIG_FILENAME = "schoolwatch.toml"
CONFIG_ENV = "SCHOOLWATCH_CONFIG"

_SLUG = r"^[a-z0-9][a-z0-9_-]*$"



class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSettings(_Section):
    path: Path = Field(
        Path("data/schoolwatch.duckdb"),
        description="DuckDB file holding every mention and its evidence; relative to the config.",
    )
    keep_days: int | None = Field(
        None,
        ge=1,
        description="Delete mentions and their raw bodies first seen more than this many days "
        "ago (UK GDPR storage limitation); evidence of an open takedown case is kept until the "
        "case closes. Default: keep everything.",
    )


class CrawlSettings(_Section):
    user_agent: str = Field(
        "schoolwatch/0.1 (self-hosted school reputation monitor)",
        description="User-Agent sent with every request; include a contact address.",
        min_length=3,
    )
    obey_robots: bool = Field(
        True, description="Honour robots.txt (turn off only for your own sites)."
    )
    timeout: Duration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )
    max_bytes: int = Field(
        10_000_000, gt=0, description="Largest response body accepted, in bytes; larger ones fail."
    )
    retries: int = Field(2, ge=0, le=10, description="Retries for timeouts and 5xx answers.")
    delay: Duration | None = Field(
        timedelta(seconds=1), description="Pause between requests to one site (politeness)."
    )
    per_site: int = Field(2, ge=1, le=32, description="Requests in flight at once to one site.")
    max_pages: int = Field(
        20, ge=1, description="Pages one source may fetch per run (feeds and forums alike)."
    )

    @field_validator("delay", mode="before")
    @classmethod
    def _no_delay(cls, value: Any) -> Any:
        return None if value in (0, "0", "", "0s") else value


class School(_Section):
    id: str = Field(pattern=_SLUG, description="Short stable id, e.g. 'hollins-green'.")
    name: str = Field(min_length=2, description="The school's full name.")
    aliases: list[str] = Field(
        default_factory=list, description="Other names that mean the school."
    )
    ambiguous: list[str] = Field(
        default_factory=list,
        description="Names shared with other things: count only with school context nearby.",
    )
    exclude: list[str] = Field(
        default_factory=list, description="Phrases that mean it is NOT the school."
    )
    staff: list[str] = Field(default_factory=list, description="Staff names, for risk rules.")
    leads: list[str] = Field(default_factory=list, description="ORM leads' email addresses.")
    last_inspection: date | None = Field(
        None, description="Date of the last Ofsted inspection: where `schoolwatch check` starts."
    )
    urn: int | None = Field(
        None, ge=100000, le=999999,
        description="The DfE unique reference number; Ofsted and Parent View pages use it.",
    )
    website: str | None = Field(None, description="The school's own website.")
    context: list[str] = Field(
        default_factory=list,
        description="Place names (the town, the locality) that, near an ambiguous name, also "
        "mean the school.",
    )

    @field_validator("leads")
    @classmethod
    def _emails(cls, leads: list[str]) -> list[str]:
        for address in leads:
            if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", address):
                raise ValueError(f"{address!r} is not an email address")
        return leads


class Source(_Section):
    name: str = Field(pattern=_SLUG, description="Short unique name, shown in runs and errors.")
    kind: str = Field(description="Which spider reads it: " + ", ".join(SOURCE_KINDS) + ".")
    url: str = Field(description="Where the source starts (http or https).")
    schools: list[str] | None = Field(
        None, description="School ids this source is about; default: every school."
    )
    every: Duration = Field(timedelta(hours=6), description="How often the scheduler crawls it.")
    platform: str | None = Field(None, description="Forum engine, when detection is not enough.")
    max_pages: int | None = Field(None, ge=1, description="Overrides [crawl] max_pages.")
    options: dict[str, Any] = Field(
        default_factory=dict, description="Kind-specific options (e.g. generic forum selectors)."
    )

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in SOURCE_KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of: {', '.join(SOURCE_KINDS)}")
        return kind

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, platform: str | None) -> str | None:
        if platform is not None and platform not in PLATFORM_NAMES:
            raise ValueError(
                f"unknown platform {platform!r}; expected one of: {', '.join(PLATFORM_NAMES)}"
            )
        return platform

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url


CHANNEL_TYPES = ("email", "teams", "slack", "google_chat", "webhook", "apprise")
_RISKS = tuple(risk.value for risk in Risk.most_urgent_first() if risk is not Risk.NONE)
_CATEGORIES = tuple(category.value for category in Category)


class Channel(_Section):
    """One recipient with its own rules: a person's email, a chat channel or a webhook."""

    name: str = Field(pattern=_SLUG, description="Short unique name, shown in the outbox.")
    type: str = Field(
        description="email (addresses in `to`, sent through [email]), teams (a Power Automate "
        "workflow URL), slack (an incoming webhook), google_chat (a space webhook), webhook "
        "(any URL taking JSON) or apprise (any Apprise URL: Discord, Telegram, ntfy...). "
        "All but email are delivered by Apprise."
    )
    url_env: str | None = Field(
        None,
        description="NAME of the environment variable holding the webhook URL, or the "
        "Apprise URL for that service (a secret: never the URL itself); every type but email "
        "needs it.",
    )
    to: list[str] = Field(
        default_factory=list, description="For type = email: the recipients' addresses."
    )
    schools: list[str] | None = Field(None, description="School ids; default: every school.")
    risks: list[str] = Field(
        default_factory=lambda: ["high"],
        description="Alert on mentions at these risk levels: high, medium, low.",
    )
    categories: list[str] = Field(
        default_factory=list,
        description="Only mentions with one of these categories (e.g. safeguarding, "
        "named_pupil); default: any.",
    )
    digest: bool = Field(False, description="Also send the weekly digest's summary here.")
    quiet_hours: str | None = Field(
        None,
        description="'21:00-07:00' in UK time: anything but a high-risk alert waits until the "
        "end (high risk is never held).",
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, kind: str) -> str:
        if kind not in CHANNEL_TYPES:
            raise ValueError(f"unknown type {kind!r}; expected one of: {', '.join(CHANNEL_TYPES)}")
        return kind

    @field_validator("url_env")
    @classmethod
    def _variable_name(cls, name: str | None) -> str | None:
        if name is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(
                f"{name!r} is not an environment variable name (put the URL in the "
                "environment, and its name here)"
            )
        return name

    @field_validator("to")
    @classmethod
    def _addresses(cls, addresses: list[str]) -> list[str]:
        for address in addresses:
            if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", address):
                raise ValueError(f"{address!r} is not an email address")
        return addresses

    @model_validator(mode="after")
    def _where_to(self) -> Channel:
        if self.type == "email" and not self.to:
            raise ValueError("a channel of type email needs `to` (the addresses)")
        if self.type != "email" and not self.url_env:
            raise ValueError(f"a channel of type {self.type} needs `url_env` (the NAME of the "
                             "environment variable holding its URL)")
        return self

    @field_validator("risks")
    @classmethod
    def _known_risks(cls, risks: list[str]) -> list[str]:
        for risk in risks:
            if risk not in _RISKS:
                raise ValueError(f"unknown risk {risk!r}; expected: {', '.join(_RISKS)}")
        return risks

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, categories: list[str]) -> list[str]:
        for category in categories:
            if category not in _CATEGORIES:
                raise ValueError(
                    f"unknown category {category!r}; expected: {', '.join(_CATEGORIES)}"
                )
        return categories

    @field_validator("quiet_hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        clock = r"(?:[01]\d|2[0-3]):[0-5]\d"
        if value is not None and not re.fullmatch(f"{clock}-{clock}", value.replace(" ", "")):
            raise ValueError(f"{value!r} is not a time range like '21:00-07:00'")
        return value.replace(" ", "") if value else value


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleSettings(_Section):
    timezone: str = Field(
        "Europe/London", description="Time zone of the digest day and time (IANA name)."
    )
    digest_day: str = Field(
        "mon", description="Day the weekly digest goes: " + ", ".join(_WEEKDAYS) + "."
    )
    digest_time: time = Field(time(7, 0), description="Time of day the digest goes, e.g. '07:00'.")
    misfire_grace: Duration = Field(
        timedelta(hours=12),
        description="A digest missed while the machine was off is sent on start-up if it is "
        "at most this late; older ones are skipped.",
    )
    crawl_timeout: Duration = Field(
        timedelta(minutes=30), description="Stop a crawl that runs longer than this."
    )
    stop_timeout: Duration = Field(
        timedelta(seconds=60),
        description="On SIGTERM or Ctrl-C, how long a running crawl may take to write what it "
        "has before it is killed (nothing half-written is kept).",
    )
    recheck_every: Duration = Field(
        timedelta(days=1), description="How often reported posts are re-checked for removal."
    )
    retention_every: Duration = Field(
        timedelta(days=1), description="How often [store] keep_days is applied."
    )
    deliver_every: Duration = Field(
        timedelta(minutes=5),
        description="With [[channel]]s: how often held (quiet hours) and failed channel "
        "messages are tried again between crawls.",
    )

    @field_validator("digest_day")
    @classmethod
    def _weekday(cls, day: str) -> str:
        day = day.strip().lower()[:3]
        if day not in _WEEKDAYS:
            raise ValueError(f"expected one of: {', '.join(_WEEKDAYS)}")
        return day

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not a known time zone, e.g. 'Europe/London'") from None
        return name


class QueueSettings(_Section):
    """Crawl workers on several machines (docs/scaling.md); without [queue], crawls run here."""

    url: str = Field(
        description="Redis broker, e.g. 'redis://queue.example.internal:6379/0' or "
        "'unix:///run/redis/redis.sock'. The password is never written here: it comes from the "
        "environment variable named by password_env.",
    )
    password_env: str = Field(
        "SCHOOLWATCH_REDIS_PASSWORD",
        description="Environment variable holding the Redis password (unset: no password).",
    )
    namespace: str = Field(
        "schoolwatch", pattern=_SLUG, description="Prefix of every Redis key this install uses."
    )
    visibility_timeout: Duration = Field(
        timedelta(seconds=60),
        description="A job whose worker stops sending heartbeats for this long (killed, machine "
        "lost) goes back on the queue for another worker.",
    )
    max_tries: int = Field(
        3, ge=1, le=20,
        description="Tries of one job before it goes to the dead-letter list and shows as the "
        "source's last error.",
    )
    retry_delay: Duration = Field(
        timedelta(seconds=30), description="Wait before a failed job is tried again."
    )
    job_timeout: Duration = Field(
        timedelta(minutes=30), description="A worker stops a source crawl running longer."
    )
    ingest_in_run: bool = Field(
        True,
        description="`schoolwatch run` also writes the workers' results to the store; set false "
        "when `schoolwatch ingest` runs as its own service.",
    )

    @field_validator("url")
    @classmethod
    def _redis_url(cls, url: str) -> str:
        if not re.match(r"^(rediss?|unix)://", url):
            raise ValueError(f"{url!r} is not a redis://, rediss:// or unix:// URL")
        if re.match(r"^rediss?://[^/@]*:[^/@]+@", url):
            raise ValueError("put the Redis password in the environment (password_env), not here")
        return url


class ClassifierSettings(_Section):
    """The [classifier] section."""

    model: Path | None = Field(
        None,
        description=(
            "Local Hugging Face encoder folder to use instead of the bundled all-MiniLM-L6-v2. "
            "The bundled heads only fit the bundled encoder: train heads for another encoder "
            "with `python -m classifiers.training.train --model DIR --out FILE` and set `weights`."
        ),
    )
    weights: Path | None = Field(
        None,
        description="Trained heads/adapters (.safetensors); default = the ones shipped with "
        "schoolwatch for the bundled encoder.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Posts encoded together.")
    max_tokens: int = Field(
        256,
        ge=16,
        le=512,
        description="Tokens per window; longer posts are split into overlapping windows so "
        "nothing at the end of a long post is ignored.",
    )
    threads: int | None = Field(
        None, ge=1, description="CPU threads for inference; default = all cores torch sees."
    )
    precision: Literal["auto", "fp32", "int8", "bf16", "torch-fp32"] = Field(
        "auto",
        description="Encoder arithmetic. 'int8' and 'fp32' run the encoder exported to ONNX with "
        "onnxruntime (int8 = dynamic quantisation; exported once per machine into the cache "
        "folder, $SCHOOLWATCH_CACHE or ~/.cache/schoolwatch); 'torch-fp32' and 'bf16' run it "
        "with torch. 'auto' is chosen by measurement (bench/classify_speed.py and "
        "bench/classify_eval.py --precision): see classifiers/README.md.",
    )


DEFAULT_SENDER = "schoolwatch@localhost"


class EmailSettings(_Section):
    """The [email] section."""

    sender: str = Field(description="From address of every digest and alert.")
    smtp_host: str | None = Field(
        None, description="SMTP server; leave out to write messages to the outbox only."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587 for STARTTLS).")
    starttls: bool = Field(True, description="Upgrade the connection with STARTTLS before login.")
    username: str | None = Field(None, description="SMTP login; leave out for a local relay.")
    password_env: str | None = Field(
        None,
        description="Name of the environment variable holding the SMTP password (never the "
        "password itself).",
    )
    outbox: Path = Field(
        Path("data/outbox"),
        description="Folder for a .eml copy of every message; relative to the config file.",
    )
    timeout: Duration = Field(
        timedelta(seconds=30), description="Give up on the SMTP server after this long."
    )
    alert_window: Duration = Field(
        timedelta(days=7),
        description="Alert only on high-risk mentions fetched within this long (so a first "
        "run over old data does not flood the inbox).",
    )

    @field_validator("sender")
    @classmethod
    def _email(cls, sender: str) -> str:
        if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", sender):
            raise ValueError(f"{sender!r} is not an email address")
        return sender

    @field_validator("password_env")
    @classmethod
    def _variable_name(cls, name: str | None) -> str | None:
        if name is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(
                f"{name!r} is not an environment variable name (put the password in the "
                "environment, and its name here)"
            )
        return name


class WebSettings(_Section):
    """The [web] section: the inbox served by `schoolwatch serve`."""

    base_url: str | None = Field(
        None,
        description="The inbox's address as the leads reach it (e.g. "
        "'https://schoolwatch.school.example.org'): digests, alerts and reports link each "
        "mention to base_url/mentions/ID. Leave out for no links.",
    )
    secret_file: Path | None = Field(
        None,
        description="File holding the session-signing secret, created on first use (mode 600). "
        "Default: ~/.local/state/schoolwatch/session-secret. $SCHOOLWATCH_SECRET_KEY wins.",
    )
    session_hours: int = Field(12, ge=1, le=24 * 30, description="A login lasts this long.")
    secure_cookies: bool = Field(
        False,
        description="Send the session cookie over HTTPS only: turn on behind a TLS proxy.",
    )
    login_attempts: int = Field(
        5, ge=1, le=100, description="Failed logins allowed per email address (four times "
        "as many per client) in 15 minutes before login is refused for a while.",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
            raise ValueError(f"{url!r} is not an http(s) address")
        return url.rstrip("/")


class Config(_Section):
    store: StoreSettings = Field(default_factory=StoreSettings)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    school: list[School] = Field(min_length=1, description="The schools to watch.")
    source: list[Source] = Field(default_factory=list, description="Where to look.")
    classifier: ClassifierSettings = Field(
        default_factory=ClassifierSettings, description="How mentions are tagged for risk."
    )
    email: EmailSettings | None = Field(
        None, description="How digests and alerts are sent; without it they go to the outbox only."
    )
    queue: QueueSettings | None = Field(
        None, description="Crawl on worker machines through Redis; without it, crawls run here."
    )
    web: WebSettings = Field(default_factory=WebSettings, description="The web inbox.")
    channel: list[Channel] = Field(
        default_factory=list,
        description="Chat channels and webhooks, each with its own schools, risks and hours.",
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Config:
        school_ids = [school.id for school in self.school]
        _no_duplicates("school", school_ids)
        _no_duplicates("source", [source.name for source in self.source])
        for index, source in enumerate(self.source):
            for school_id in source.schools or []:
                if school_id not in school_ids:
                    raise _KeyedError(
                        f"source[{index}].schools", f"no school has id {school_id!r}"
                    )
        _no_duplicates("channel", [channel.name for channel in self.channel])
        for index, channel in enumerate(self.channel):
            for school_id in channel.schools or []:
                if school_id not in school_ids:
                    raise _KeyedError(
                        f"channel[{index}].schools", f"no school has id {school_id!r}"
                    )
        return self

    def schools_for(self, source: Source) -> list[School]:
        if source.schools is None:
            return list(self.school)
        return [school for school in self.school if school.id in source.schools]

    def get_source(self, name: str) -> Source | None:
        return next((s for s in self.source if s.name == name), None)

    def get_school(self, school_id: str) -> School | None:
        return next((s for s in self.school if s.id == school_id), None)


class _KeyedError(ValueError):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def _no_duplicates(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise _KeyedError(f"{section}[{index}]", f"duplicate {section} {name!r}")
        seen.add(name)


def resolve_config_path(option: str | os.PathLike[str] | None) -> Path:
    """--config wins; else ./schoolwatch.toml when present; else $SCHOOLWATCH_CONFIG."""
    if option:
        return Path(option)
    local = Path(CONFIG_FILENAME)
    if local.exists():
        return local
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    return local


def load_config(path: str | os.PathLike[str]) -> Config:
    """Loads and validates a config file; relative paths inside it resolve against its folder."""
    path = Path(path)
    shown = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            shown, "", "no such file (write one with 'schoolwatch init', or pass --config)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(shown, "", f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(shown, "", f"invalid TOML: {exc}") from None
    return config_from_dict(raw, shown, base_dir=path.resolve().parent)


def config_from_dict(raw: dict[str, Any], shown: str, base_dir: Path) -> Config:
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise _as_config_error(exc, shown) from None
    def anchored(path: Path) -> Path:
        return path if path.is_absolute() else base_dir / path

    update: dict[str, Any] = {
        "store": config.store.model_copy(update={"path": anchored(config.store.path)})
    }
    if config.web.secret_file is not None:
        update["web"] = config.web.model_copy(
            update={"secret_file": anchored(config.web.secret_file)}
        )
    if config.email is not None:
        update["email"] = config.email.model_copy(update={"outbox": anchored(config.email.outbox)})
    models = {"model": config.classifier.model, "weights": config.classifier.weights}
    classifier_paths = {key: anchored(value) for key, value in models.items() if value is not None}
    if classifier_paths:
        update["classifier"] = config.classifier.model_copy(update=classifier_paths)
    return config.model_copy(update=update)


def _as_config_error(exc: ValidationError, shown: str) -> ConfigError:
    errors = exc.errors()
    first = errors[0]
    context_error = (first.get("ctx") or {}).get("error")
    if isinstance(context_error, _KeyedError):
        key, problem = context_error.key, context_error.problem
    else:
        key = _key_path(first["loc"])
        problem = _problem(first)
    if len(errors) > 1:
        problem += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ConfigError(shown, key, problem)


def _key_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not str(part).startswith("function-"):
            path += f".{part}" if path else str(part)
    return path


def _problem(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against config/example.toml)"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
