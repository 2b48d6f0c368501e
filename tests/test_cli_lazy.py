"""The CLI imports a command's module only when that command runs or help lists it."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from classifiers.model import EncoderModel
from crawler.ground.config import ClassifierSettings
from schoolwatch.cli import LAZY_SUBCOMMANDS, cli

ROOT = Path(__file__).resolve().parents[1]


def run_python(script: str, cwd: Path | None = None,
               stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`script` in a fresh interpreter with this tree importable: what a process loads at start
    can only be seen from outside."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, input=stdin,
        env={**os.environ, "PYTHONPATH": path}, timeout=120,
    )


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
    done = run_python(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_classify_on_stdin_loads_no_store_crawler_or_templates() -> None:
    """`echo '{"text": ...}' | schoolwatch classify` with no config starts in well under a
    second because it never imports duckdb, scrapy, apscheduler, jinja2 or pydantic's config
    models (issue 19's cold start)."""
    script = (
        "import sys\nfrom schoolwatch.cli import cli\n"
        "try:\n    cli(['classify'], standalone_mode=False)\nfinally:\n"
        "    heavy = ('duckdb', 'scrapy', 'apscheduler', 'jinja2', 'torch', 'pydantic')\n"
        "    print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )
    done = run_python(script, cwd=ROOT / "tests", stdin='{"text": "The new head is lovely."}\n')
    assert done.returncode == 0, done.stderr
    assert '"sentiment"' in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_classify_without_a_config_uses_the_classifier_settings_defaults() -> None:
    """With no config, `classify` builds the model from EncoderModel's own defaults (to skip
    pydantic); they must be the [classifier] section's defaults, or the two would drift."""
    settings = ClassifierSettings()
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(EncoderModel.__init__).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }
    assert defaults == {
        "model_folder": settings.model,
        "weights": settings.weights,
        "batch_size": settings.batch_size,
        "max_tokens": settings.max_tokens,
        "threads": settings.threads,
        "precision": settings.precision,
    }
