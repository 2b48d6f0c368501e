"""Shared by the benches that time this tree against an older commit on the same machine (a
helper module, not a bench: tests/test_benches.py skips names starting with _)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def baseline_tree(ref: str, into: Path) -> Path | None:
    """The code at `ref` (git archive) unpacked into `into`, or None when this clone's history
    does not hold `ref`."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref],
                             capture_output=True)
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into
