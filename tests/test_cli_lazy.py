"""The CLI imports a command's module only when that command runs or help lists it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from schoolwatch.cli import LAZY_SUBCOMMANDS, cli

ROOT = Path(__file__).resolve().parents[1]


def test_each_lazy_command_loads_under_its_own_name() -> None:
    for name in LAZY_SUBCOMMANDS:
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.name == name


def test_top_level_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:", 1)[1]
    for name in [*LAZY_SUBCOMMANDS, "crawl", "demo", "extract", "init", "query", "sources"]:
        assert f"\n  {name} " in listed, name


def test_crawl_help_imports_no_other_command_and_no_scrapy() -> None:
    script = (
        "import sys\nfrom schoolwatch.cli import cli\n"
        "cli(['crawl', '--help'], standalone_mode=False)\n"
        "print(sorted(m for m in sys.modules if m.endswith('_commands') or m == 'scrapy'"
        " or m.startswith('schoolwatch.queue')))\n"
    )
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": path}, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
