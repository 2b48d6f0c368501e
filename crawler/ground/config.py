"""Settings: declared once here, with defaults and help text, validated once on load (pydantic)."""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from crawler.ground.config_errors import KeyedProblems, as_config_error, config_error, entry_label
from crawler.ground.config_path import CONFIG_ENV, CONFIG_FILENAME, resolve_config_path  # noqa: F401  (re-exported)

# Sections of the services around the crawl are declared beside the shared base, and
# re-exported here: every section stays importable from crawler.ground.config.
from crawler.ground.config_services import (  # noqa: F401  (re-exported)
    CHANNEL_TYPES,
    DEFAULT_SENDER,
    Channel,
    ClassifierSettings,
    EmailSettings,
    EvidenceSettings,
    QueueSettings,
    ScheduleSettings,
    WebSettings,
    env_variable_name,
)
from crawler.ground.config_services import SLUG as _SLUG
from crawler.ground.config_services import Section as _Section
from crawler.ground.durations import FROM_FILE, Duration, parse_duration  # noqa: F401  (re-exported)
from crawler.ground.errors import ConfigError
from crawler.ground.names import name_problem
from crawler.ground.netcheck import url_problem
from crawler.ground.vocab import PLATFORM_NAMES, SOURCE_KINDS, SOURCE_OPTIONS


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
    obey_robots: StrictBool = Field(
        True, description="Honour robots.txt (turn off only for your own sites)."
    )
    allow_private: StrictBool = Field(
        False,
        description="Allow sources on this machine or a private network (loopback, 10.x, "
        "192.168.x, link-local). Off by default: a source must be a public http(s) address, "
        "checked in the config and again at fetch time after DNS and redirects.",
    )
    timeout: Duration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )
    max_bytes: int = Field(
        10_000_000, gt=0, description="Largest response body accepted, in bytes; larger ones fail."
    )
    retries: int = Field(2, ge=0, le=10, description="Retries for timeouts and 5xx answers.")
    max_retry_after: Duration = Field(
        timedelta(seconds=60),
        description="Longest Retry-After (on 429 and 503) honoured by pausing that site; a "
        "longer one leaves the source for the next run.",
    )
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
    phase: str | None = Field(
        None,
        description="Phase of education as GIAS names it ('Primary', 'Secondary', ...): "
        "which Ofsted report page `sources suggest` builds.",
    )
    context: list[str] = Field(
        default_factory=list,
        description="Place names (the town, the locality) that, near an ambiguous name, also "
        "mean the school.",
    )

    @field_validator("name")
    @classmethod
    def _specific_name(cls, name: str) -> str:
        problem = name_problem(name)
        if problem:
            raise ValueError(problem)
        return name

    @field_validator("aliases")
    @classmethod
    def _specific_aliases(cls, names: list[str]) -> list[str]:
        problems = [problem for name in names if (problem := name_problem(name))]
        if problems:
            raise ValueError("; ".join(problems))
        return names

    @field_validator("ambiguous")
    @classmethod
    def _ambiguous_names(cls, names: list[str]) -> list[str]:
        # Counted only beside school context, so parents' shorthand ("St A's") may stand here.
        problems = [p for name in names if (p := name_problem(name, needs_context=True))]
        if problems:
            raise ValueError("; ".join(problems))
        return names

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

    def page_budget(self, crawl: CrawlSettings) -> int:
        """Pages this source may fetch per run: its own max_pages, else [crawl] max_pages."""
        return self.max_pages or crawl.max_pages

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

    @model_validator(mode="after")
    def _known_options(self) -> Source:
        allowed = SOURCE_OPTIONS.get(self.kind, ())
        unknown = sorted(set(self.options) - set(allowed))
        if unknown:
            known = ", ".join(allowed) if allowed else f"none for kind {self.kind!r}"
            raise KeyedProblems([
                ("options", f"unknown option {key!r} (known: {known})") for key in unknown
            ])
        platform = self.platform or self.options.get("platform")
        missing = [key for key in ("post", "text") if not self.options.get(key)]
        if platform == "generic" and missing and not self.options.get("thread_links"):
            raise KeyedProblems([(
                "options",
                "platform 'generic' needs the selectors " + " and ".join(map(repr, missing))
                + " (or at least 'thread_links' for a listing page)",
            )])
        return self


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
    evidence: EvidenceSettings = Field(
        default_factory=EvidenceSettings, description="Screen prints kept as evidence."
    )
    channel: list[Channel] = Field(
        default_factory=list,
        description="Chat channels and webhooks, each with its own schools, risks and hours.",
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Config:
        school_ids = [school.id for school in self.school]
        problems = _duplicates("school", [(s.id, s.model_dump()) for s in self.school])
        problems += _duplicates("source", [(s.name, s.model_dump()) for s in self.source])
        for index, source in enumerate(self.source):
            label = entry_label("source", index, {"name": source.name})
            problems += [
                (f"{label}.schools", f"no school has id {school_id!r}")
                for school_id in source.schools or [] if school_id not in school_ids
            ]
        problems += _duplicates("channel", [(c.name, c.model_dump()) for c in self.channel])
        for index, channel in enumerate(self.channel):
            label = entry_label("channel", index, {"name": channel.name})
            problems += [
                (f"{label}.schools", f"no school has id {school_id!r}")
                for school_id in channel.schools or [] if school_id not in school_ids
            ]
        if problems:
            raise KeyedProblems(problems)
        return self

    def schools_for(self, source: Source) -> list[School]:
        if source.schools is None:
            return list(self.school)
        return [school for school in self.school if school.id in source.schools]

    def get_source(self, name: str) -> Source | None:
        return next((s for s in self.source if s.name == name), None)

    def get_school(self, school_id: str) -> School | None:
        return next((s for s in self.school if s.id == school_id), None)


_URL_OPTIONS = ("api", "base_url")


def _private_url_problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """Source URLs (and URL options) that are not public http(s), read from the raw file so they
    are listed beside every other problem; none when [crawl] allow_private = true."""
    crawl = raw.get("crawl")
    if isinstance(crawl, dict) and crawl.get("allow_private") is True:
        return []
    sources = raw.get("source")
    problems = []
    for index, entry in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(entry, dict):
            continue
        options = entry.get("options") if isinstance(entry.get("options"), dict) else {}
        urls = [("url", entry.get("url"))] + [
            (f"options.{key}", options.get(key)) for key in _URL_OPTIONS if key in options
        ]
        problems += [
            (f"{entry_label('source', index, entry)}.{key}",
             f"{problem}; a source must be a public http(s) address (set [crawl] "
             "allow_private = true to crawl your own network)")
            for key, url in urls if isinstance(url, str) and (problem := url_problem(url))
        ]
    return problems


def _duplicates(section: str, entries: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    problems = []
    for index, (name, _) in enumerate(entries):
        if name in seen:
            problems.append(
                (entry_label(section, index, {}), f"duplicate {section} {name!r}")
            )
        seen.add(name)
    return problems


def load_config(path: str | os.PathLike[str]) -> Config:
    """Loads and validates a config file; relative paths inside it resolve against its folder."""
    path = Path(path)
    shown = str(path)
    try:
        if path.exists() and not path.is_file():
            # A FIFO or a device would block or never end: only a regular file is read.
            raise ConfigError(shown, "", "not a regular file (a config must be a .toml file)")
        # utf-8-sig: Windows Notepad starts the file with a byte-order mark.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
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
    private = _private_url_problems(raw)
    try:
        config = Config.model_validate(raw, context={FROM_FILE: True})
    except ValidationError as exc:
        error = as_config_error(exc, shown, raw, also=private)
        raise error from None
    if private:
        raise config_error(shown, private)
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
