"""`schoolwatch backup DIR` and `schoolwatch restore DIR`: see crawler/store/backup.py."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.ground.config import resolve_config_path
from crawler.store.backup import backup_store, restore_store
from schoolwatch.ui import config_option, console, load_from_option


@click.command("backup")
@config_option
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup_command(config_path: Path | None, folder: Path) -> None:
    """Copy the store and the config into FOLDER (new or empty), with a manifest.

    Safe while `run`, `serve` and workers keep going: the store is read-only locked only while
    its file is copied (a crawl's next write waits that long; the inbox keeps serving), and
    FOLDER appears only once the copy is complete. For a nightly copy:
    `schoolwatch backup /var/backups/schoolwatch/$(date +%F)`.
    """
    config = load_from_option(config_path)
    manifest = backup_store(config.store.path, folder, resolve_config_path(config_path))
    rows = sum(manifest["tables"].values())
    console.print(
        f"Backed up {config.store.path} to [bold]{folder}[/]: {rows:,} rows in "
        f"{len(manifest['tables'])} tables, schema {manifest['schema']['version']}, "
        f"{manifest['files']['store.duckdb']['bytes'] / 1e6:.1f} MB (store locked for "
        f"{manifest['lock_seconds']:.2f}s).", highlight=False, soft_wrap=True,
    )


@click.command("restore")
@config_option
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--replace", is_flag=True,
              help="Put the backup in place of an existing store (which is kept beside it as "
              "<store>.before-restore-<time>). Refused while run, serve or a worker has it open.")
def restore_command(config_path: Path | None, folder: Path, replace: bool) -> None:
    """Restore the store at the config's [store] path from a backup FOLDER.

    Checks the backup against its manifest (hashes, row counts, schema) first; refuses a backup
    made by a newer schoolwatch, and never overwrites a store unless --replace. The config in
    the backup (schoolwatch.toml) is not copied over yours: compare them yourself.
    """
    config = load_from_option(config_path)
    manifest = restore_store(folder, config.store.path, replace=replace)
    console.print(
        f"Restored {config.store.path} from [bold]{folder}[/] (made {manifest['created_at']}, "
        f"{sum(manifest['tables'].values()):,} rows, schema {manifest['schema']['version']}).",
        highlight=False, soft_wrap=True,
    )
