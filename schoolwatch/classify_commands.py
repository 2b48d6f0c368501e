"""`schoolwatch classify`: tag JSON lines from stdin, or the mentions in the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from schoolwatch.ui import config_if_any, config_option, console, errors_console, load_from_option


@click.command("classify")
@config_option
@click.option("--pending", is_flag=True,
              help="Tag the stored mentions not yet tagged by the current model.")
@click.option("--all", "everything", is_flag=True,
              help="Re-tag every stored mention (after changing [classifier] settings).")
def classify_command(config_path: Path | None, pending: bool, everything: bool) -> None:
    """Tag posts with sentiment, risk, categories and the reason for each.

    Without options: reads JSON lines from stdin, each with a "text" and optionally a "school"
    (its name), "staff" (a list of names) and an "id", and writes one JSON line per input, in
    input order, with sentiment, sentiment_score, risk, categories, reasons and model_version
    (or an "error" for a line that could not be read). No config is needed.

    With --pending or --all: tags mentions in the store of the config.
    """
    if pending or everything:
        _classify_store(config_path, everything)
        return
    # lazy: the classifier (numpy, onnxruntime) loads only when this command runs
    from classifiers.decide import Classifier
    from classifiers.stream import classify_jsonl
    from classifiers.versions import settings_with_active

    config = config_if_any(config_path)
    if config is None:
        classifier = Classifier.with_defaults()
    else:
        classifier = Classifier.from_settings(
            settings_with_active(config.classifier, config.store.path))
    errors = classify_jsonl(sys.stdin, sys.stdout, classifier)
    if errors:
        errors_console.print(
            f"[yellow]warning:[/] {errors} line(s) could not be read (see their \"error\")",
            highlight=False,
        )


def _classify_store(config_path: Path | None, everything: bool) -> None:
    # lazy: the classifier (numpy, onnxruntime) loads only when this command runs
    from classifiers.stored import classify_stored
    from crawler.store import Store

    config = load_from_option(config_path)
    with console.status("Loading the model...") as status:

        def show(done: int, total: int) -> None:
            status.update(f"Tagged {done} of {total} mention(s)...")

        outcome = classify_stored(config, Store(config.store.path), everything=everything,
                                  on_progress=show)
    console.print(f"Tagged {outcome.classified} mention(s) with {outcome.model_version}: "
                  f"{outcome.risk_summary or 'none'}{outcome.upgrade_summary}.", markup=False)
