"""`schoolwatch model update | list | use`: the classifier learns from this deployment's
corrections, and any version can be put back."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from crawler.ground.config import Config
from crawler.ground.vocab import Risk
from schoolwatch.ui import config_option, console, existing_store, load_from_option


@click.group("model")
def model_group() -> None:
    """The classifier's versions: refit it on your corrections, list them, roll back."""


def _folder(config: Config) -> Path:
    # lazy: numpy, safetensors and the model load only when a model command runs
    from classifiers.versions import models_folder

    return models_folder(config.store.path)


@model_group.command("update")
@config_option
def model_update(config_path: Path | None) -> None:
    """Refit the risk decision on the bundled training summary plus your corrections.

    Corrections are the mentions whose risk a person changed in the inbox (with that risk) and
    those marked false positive (as risk none). Each counts as twenty bundled posts. The new
    version is kept beside the store and becomes the active one, and the mentions nobody has
    reviewed are re-tagged with it. It is refused, and the current model kept, when its
    high-risk recall on the bundled dev split would fall below 0.90.
    """
    # lazy: numpy, safetensors and the model load only when a model command runs
    from classifiers.stored import classifier_for, classify_stored
    from classifiers.versions import Correction, update_model

    config = load_from_option(config_path)
    store = existing_store(config)
    corrections = [
        Correction(row["text"], row["risk"] if row["risk_corrected"] else Risk.NONE.value)
        for row in store.model_corrections()
    ]
    with console.status(f"Refitting on {len(corrections)} correction(s)..."):
        # The shipped heads are the base of every refit, whichever version is active.
        model = classifier_for(config.classifier).model
        outcome = update_model(model, _folder(config), corrections)
    console.print(
        f"Model {outcome.version.name}: fitted on {outcome.corrections} correction(s), "
        f"high-risk recall on the bundled dev split {outcome.dev_high_recall:.2f}; "
        f"now active (was {outcome.previous}).", markup=False,
    )
    with console.status("Re-tagging the mentions nobody has reviewed..."):
        tagged = classify_stored(config, store)
    console.print(f"Re-tagged {tagged.classified} unreviewed mention(s): "
                  f"{tagged.risk_summary or 'none'}.", markup=False)


@model_group.command("list")
@config_option
def model_list(config_path: Path | None) -> None:
    """The shipped model and every version made by `model update`; * marks the active one."""
    # lazy: numpy, safetensors and the model load only when a model command runs
    from classifiers.versions import list_versions

    config = load_from_option(config_path)
    table = Table("", "version", "made", "corrections", "dev high recall", box=None)
    for version in list_versions(_folder(config)):
        recall = "-" if version.dev_high_recall is None else f"{version.dev_high_recall:.2f}"
        table.add_row("*" if version.active else "", version.name, version.created or "package",
                      str(version.corrections), recall)
    console.print(table)


@model_group.command("use")
@config_option
@click.argument("version")
def model_use(config_path: Path | None, version: str) -> None:
    """Make VERSION the model `classify` uses ("shipped" for the package's own); the mentions
    nobody has reviewed are re-tagged with it."""
    # lazy: numpy, safetensors and the model load only when a model command runs
    from classifiers.stored import classify_stored
    from classifiers.versions import use_version

    config = load_from_option(config_path)
    chosen = use_version(_folder(config), version)
    console.print(f"Model {chosen.name} is now active.", markup=False)
    store = existing_store(config)
    with console.status("Re-tagging the mentions nobody has reviewed..."):
        tagged = classify_stored(config, store)
    console.print(f"Re-tagged {tagged.classified} unreviewed mention(s): "
                  f"{tagged.risk_summary or 'none'}.", markup=False)
