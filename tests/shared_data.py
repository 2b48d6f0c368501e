"""Where the team's shared data (../shared beside the checkout) lives, and skipping without it.

A user's clone has no ../shared, so every test that reads it skips with a reason; CI has it and
runs them all. SCHOOLWATCH_SHARED points the locator elsewhere (the fresh-clone test points it at
a folder that does not exist).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_ENV = "SCHOOLWATCH_SHARED"
SKIP_REASON = "../shared is not beside the checkout (a fresh clone): real-world files absent"


def shared_folder() -> Path:
    configured = os.environ.get(SHARED_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1].parent / "shared"


REALWORLD = shared_folder() / "realworld"


def needs_realworld(folder: str = "") -> pytest.MarkDecorator:
    """Skips the test (or module, as `pytestmark`) when ../shared/realworld/<folder> is absent."""
    return pytest.mark.skipif(not (REALWORLD / folder).is_dir(), reason=SKIP_REASON)
