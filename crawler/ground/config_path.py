"""Which config file a command reads: kept apart from the config models so that a command that
may run without a config (`schoolwatch classify` on stdin) finds out without loading pydantic."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_FILENAME = "schoolwatch.toml"
CONFIG_ENV = "SCHOOLWATCH_CONFIG"


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
