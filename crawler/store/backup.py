"""Backups of the store that `run`, `serve` and workers never notice, and their restore.

DuckDB lets one process write or many read. A backup opens the store read-only: a write in
progress finishes first, readers (the web inbox) carry on beside it, and the next writer waits
only while the file is copied (the lock is held for the copy alone; counting and hashing happen
on the copy afterwards). The copy is built in a hidden `.NAME.partial-PID` folder and renamed to
NAME once its manifest is written, so a backup killed half way never looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import duckdb

from crawler.ground.errors import BackupError, StoreLockedError, StoreMissingError
from crawler.ground.vocab import now
from crawler.store.base import LOCK_WAIT_WRITE, connect, migration_names, newer_schema_error

FORMAT_VERSION = 1
MANIFEST = "backup-manifest.json"
STORE_FILE = "store.duckdb"
CONFIG_FILE = "schoolwatch.toml"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def describe_store(path: Path) -> dict[str, Any]:
    """Schema, row counts per table and a digest of the evidence keys of a (quiet) store file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        migrations = [r[0] for r in con.execute(
            "SELECT name FROM schema_migrations ORDER BY name").fetchall()]
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema = 'main' ORDER BY table_name"
        ).fetchall()]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}
        keys = con.execute("SELECT sha256 FROM raw_responses ORDER BY sha256").fetchall()
    finally:
        con.close()
    evidence = hashlib.sha256("\n".join(k[0] for k in keys).encode()).hexdigest()
    return {
        "schema": {"version": migrations[-1] if migrations else None, "migrations": migrations},
        "tables": counts,
        "evidence": {"raw_responses": len(keys), "sha256_of_keys": evidence},
    }


def backup_store(store: Path, dest: Path, config_file: Path | None = None) -> dict[str, Any]:
    """Copies the store (and the config) into the new folder `dest`; returns its manifest."""
    if not store.is_file():
        raise StoreMissingError(f"no store at {store}: nothing to back up")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists and is not empty; back up into a new folder")
    partial = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        started = time.monotonic()
        con = connect(store, read_only=True, wait=LOCK_WAIT_WRITE)
        try:
            shutil.copyfile(store, partial / STORE_FILE)
            wal = store.with_name(store.name + ".wal")
            if wal.is_file():  # a write the last writer left to replay: part of the state
                shutil.copyfile(wal, partial / (STORE_FILE + ".wal"))
        finally:
            con.close()
        locked = time.monotonic() - started
        files = {STORE_FILE: partial / STORE_FILE}
        if (partial / (STORE_FILE + ".wal")).is_file():
            files[STORE_FILE + ".wal"] = partial / (STORE_FILE + ".wal")
        if config_file is not None and config_file.is_file():
            shutil.copyfile(config_file, partial / CONFIG_FILE)
            files[CONFIG_FILE] = partial / CONFIG_FILE
        manifest = {
            "format_version": FORMAT_VERSION,
            "created_at": now().isoformat(),
            "source": str(store.resolve()),
            "lock_seconds": round(locked, 3),
            "files": {n: {"sha256": _sha256(p), "bytes": p.stat().st_size}
                      for n, p in files.items()},
            **describe_store(partial / STORE_FILE),
        }
        for path in files.values():
            _fsync(path)
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        _fsync(partial / MANIFEST)
        if dest.exists():
            dest.rmdir()  # empty, checked above
        partial.rename(dest)
        _fsync(dest.parent)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def read_backup(folder: Path) -> dict[str, Any]:
    """The manifest of a complete backup whose files match it; BackupError otherwise."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(
            f"{folder} is not a complete schoolwatch backup (no {MANIFEST}): an interrupted "
            "backup, or the wrong folder"
        ) from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {exc}") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{folder} is backup format {manifest.get('format_version')!r}; this schoolwatch "
            f"reads format {FORMAT_VERSION}"
        )
    for name, entry in manifest["files"].items():
        path = folder / name
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            raise BackupError(f"{path} does not match the backup's manifest (damaged or changed)")
    return manifest


def restore_store(folder: Path, store: Path, *, replace: bool = False) -> dict[str, Any]:
    """Puts the backup in `folder` at `store`. An existing store is refused unless `replace`,
    and then only when no process has it open; it is kept beside as `<name>.before-restore-*`."""
    manifest = read_backup(folder)
    unknown = sorted(set(manifest["schema"]["migrations"]) - set(migration_names()))
    if unknown:
        raise newer_schema_error(folder / STORE_FILE, unknown)
    store.parent.mkdir(parents=True, exist_ok=True)
    incoming = store.with_name(f".{store.name}.restore-{os.getpid()}")
    wal = incoming.with_name(incoming.name + ".wal")
    try:
        shutil.copyfile(folder / STORE_FILE, incoming)
        if (folder / (STORE_FILE + ".wal")).is_file():
            shutil.copyfile(folder / (STORE_FILE + ".wal"), wal)
            duckdb.connect(str(incoming)).close()  # replays the log into the file
        restored = describe_store(incoming)
        if restored["tables"] != manifest["tables"] or restored["evidence"] != manifest["evidence"]:
            raise BackupError(f"the store copied from {folder} does not match its manifest")
        _fsync(incoming)
        _swap_in(incoming, store, replace)
    finally:
        incoming.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
    return manifest


def _swap_in(incoming: Path, store: Path, replace: bool) -> None:
    if not store.exists():
        incoming.replace(store)
        return
    if not replace:
        raise BackupError(
            f"{store} already exists; restore will not overwrite a store (pass --replace to "
            "put the backup in its place and keep the current one beside it)"
        )
    try:
        con = connect(store, read_only=False, wait=0)
    except StoreLockedError:
        raise BackupError(
            f"{store} is in use (run, serve or a worker has it open): stop them, then restore"
        ) from None
    try:
        aside = store.with_name(f"{store.name}.before-restore-{now():%Y%m%dT%H%M%SZ}")
        store.replace(aside)
        incoming.replace(store)
    finally:
        con.close()
