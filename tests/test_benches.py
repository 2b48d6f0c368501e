"""Every bench in bench/ runs in its --smoke mode (seconds, tiny sizes), so a bench that breaks
fails `make test` instead of rotting until someone needs its figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# bench/_*.py are helpers the benches import, not benches.
BENCHES = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))


def test_there_are_benches_to_check() -> None:
    assert len(BENCHES) >= 5


@pytest.mark.parametrize("bench", BENCHES, ids=lambda path: path.stem)
def test_bench_runs_in_smoke_mode(bench: Path, tmp_path: Path) -> None:
    if "--smoke" not in bench.read_text(encoding="utf-8"):
        pytest.fail(f"{bench.name} has no --smoke mode")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(bench), "--smoke"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.strip(), f"{bench.name} printed no figures"
