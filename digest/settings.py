"""The [email] section: where mail goes and how. The password lives only in the environment."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crawler.durations import Duration

DEFAULT_SENDER = "schoolwatch@localhost"


class EmailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

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
