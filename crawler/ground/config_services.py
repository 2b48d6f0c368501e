"""Settings of the services around the crawl: delivery channels, the schedule, the queue, the
web inbox, the classifier and email, with the base every settings section shares.
crawler.ground.config re-exports each of them and declares the rest (store, crawl, schools,
sources) and the whole Config.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from crawler.ground.durations import Duration
from crawler.ground.vocab import Category, Risk


def env_variable_name(name: str | None, secret: str) -> str | None:
    """A setting that names the environment variable holding a secret (never the secret)."""
    if name is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(
            f"{name!r} is not an environment variable name (put {secret} in the "
            "environment, and its name here)"
        )
    return name


SLUG = r"^[a-z0-9][a-z0-9_-]*$"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


CHANNEL_TYPES = ("email", "teams", "slack", "google_chat", "webhook", "apprise")
_RISKS = tuple(risk.value for risk in Risk.most_urgent_first() if risk is not Risk.NONE)
_CATEGORIES = tuple(category.value for category in Category)


class Channel(Section):
    """One recipient with its own rules: a person's email, a chat channel or a webhook."""

    name: str = Field(pattern=SLUG, description="Short unique name, shown in the outbox.")
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
    allow_private: StrictBool = Field(
        False,
        description="Deliver to an address on this machine or a private network (a webhook on "
        "your intranet). Off: public addresses only, checked after DNS and at every redirect.",
    )
    follow_redirects: StrictBool = Field(
        False,
        description="Follow a redirect the service answers with (each hop still checked). Off: "
        "a redirect is reported as the error and nothing is sent on.",
    )
    timeout: Duration = Field(
        timedelta(seconds=30),
        description="The most one delivery may take, connecting, sending and waiting included.",
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
        return env_variable_name(name, "the URL")

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


class ScheduleSettings(Section):
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
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not a known time zone, e.g. 'Europe/London'") from None
        return name


class QueueSettings(Section):
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
        "schoolwatch", pattern=SLUG, description="Prefix of every Redis key this install uses."
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
        timedelta(minutes=30), description="A worker stops a job's crawl running longer."
    )
    sources_per_job: int = Field(10, ge=1, le=100, description="The most sources of one site "
                                 "in a job, read in one crawl by a worker (1: a job per source).")
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
        parts = urlsplit(url)
        in_query = any(name.strip().lower() == "password"
                       for name, _ in parse_qsl(parts.query, keep_blank_values=True))
        if parts.password is not None or in_query or re.search(r":[^/@]*@", parts.netloc):
            raise ValueError("put the Redis password in the environment (password_env), not in "
                             "the URL")
        return url


class WebSettings(Section):
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


class ClassifierSettings(Section):
    """The [classifier] section."""

    model: Path | None = Field(
        None,
        description=(
            "Model folder to use instead of the shipped one (encoder.onnx, tokenizer.json, "
            "heads.safetensors, manifest.json, as `python -m classifiers.training.export --out "
            "DIR` writes it); with precision 'fp32', 'torch-fp32' or 'bf16', a local Hugging Face "
            "encoder folder. The shipped heads only fit the shipped encoder: train heads for "
            "another encoder with `python -m classifiers.training.train --model DIR --out FILE` "
            "and set `weights`."
        ),
    )
    weights: Path | None = Field(
        None,
        description="Trained heads/adapters (.safetensors); default = the heads in the model "
        "folder.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Posts encoded together.")
    max_tokens: int = Field(
        256,
        ge=16,
        le=512,
        description="Tokens per window; longer posts are split into overlapping windows so "
        "nothing at the end of a long post is ignored.",
    )
    max_chars: int = Field(
        20_000,
        ge=1_000,
        description="Characters of one post the classifier reads; a longer post is classified "
        "on its beginning and the stored result says how much was read (a 5 MB post cannot "
        "hold up every other alert).",
    )
    threads: int | None = Field(None, ge=1, description="CPU threads for inference; default all.")
    precision: Literal["auto", "fp32", "int8", "bf16", "torch-fp32"] = Field(
        "auto",
        description="Encoder arithmetic. 'auto' and 'int8' run the shipped int8 ONNX encoder "
        "with onnxruntime (no torch needed). The reference precisions need the [train] extra: "
        "'fp32' runs an fp32 ONNX export (made once into $SCHOOLWATCH_CACHE or "
        "~/.cache/schoolwatch), 'torch-fp32' and 'bf16' run the encoder with torch. 'auto' is "
        "chosen by measurement (bench/classify_speed.py and bench/classify_eval.py "
        "--precision): see classifiers/README.md.",
    )


DEFAULT_SENDER = "schoolwatch@localhost"


class EmailSettings(Section):
    """The [email] section."""

    sender: str = Field(description="From address of every digest and alert.")
    smtp_host: str | None = Field(
        None, description="SMTP server; leave out to write messages to the outbox only."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587 for STARTTLS).")
    starttls: StrictBool = Field(
        True, description="Upgrade the connection with STARTTLS before login."
    )
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
        return env_variable_name(name, "the password")
class EvidenceSettings(Section):
    """The [evidence] section: screen prints of pages, the evidence schools' policies ask for."""

    screen_prints: bool | None = Field(
        None,
        description="Take a screen print (full-page PNG and PDF, with the time, final URL, HTTP "
        "status and SHA-256 of each file) of every high-risk mention at first sighting, and "
        "offer one on each mention and case page. Default: on when Chromium is installed "
        "(apt-get install chromium); `schoolwatch sources` says when it is not.",
    )
    timeout: Duration = Field(
        timedelta(seconds=30),
        description="Give up on one screen print after this long (the browser is then killed).",
    )
