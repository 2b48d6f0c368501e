"""`make test` on a fresh clone: no ../shared beside the checkout must mean skips, not failures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.shared_data import SHARED_ENV

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _users_of_shared_data() -> list[Path]:
    return sorted(
        path for path in TESTS.glob("test_*.py")
        if "tests.shared_data import" in path.read_text(encoding="utf-8")
        and path.name != Path(__file__).name
    )


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, SHARED_ENV: str(tmp_path / "no-shared-here")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_only_the_locator_knows_where_shared_data_lives() -> None:
    """A test that builds its own ../shared path would fail on a fresh clone instead of skipping."""
    offenders = [
        path.name for path in TESTS.glob("*.py")
        if path.name not in {"shared_data.py", Path(__file__).name}
        and re.search(r"""["']shared["']|Path\(\s*["']\.\./shared""",
                     path.read_text(encoding="utf-8"))
        and "tests.shared_data import" not in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_the_whole_suite_collects_without_shared(tmp_path: Path) -> None:
    result = _pytest(tmp_path, "--collect-only", "tests")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_tests_that_read_shared_skip_with_a_reason_without_it(tmp_path: Path) -> None:
    users = _users_of_shared_data()
    assert users, "the real-world tests should use tests.shared_data"
    result = _pytest(tmp_path, "-rs", *(str(path.relative_to(ROOT)) for path in users))
    assert result.returncode == 0, result.stdout[-3000:]
    assert "failed" not in result.stdout and "error" not in result.stdout.lower()
    assert "../shared is not beside the checkout" in result.stdout
