"""Backups while the store is being written, restore, a killed backup, and upgrades."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import duckdb
import pytest

from crawler.ground.errors import BackupError, StoreSchemaNewerError
from crawler.store import Store
from crawler.store.backup import MANIFEST, backup_store, read_backup, restore_store
from crawler.store.base import migration_names
from tests.store_helpers import Post, write_posts

ROOT = Path(__file__).resolve().parent.parent
FIRST_SCHEMA = Path(__file__).parent / "fixtures" / "first_schema" / "0001_initial.sql"

# A crawl's writes in another process (DuckDB's lock is per process): batches of new posts
# through the store's crawl writer, until the test has taken its backups.
WRITER = """
import sys, time
from pathlib import Path
from crawler.store import Store
from tests.store_helpers import Post, write_posts
store, stop = Store(sys.argv[1]), Path(sys.argv[2])
n = 0
while not stop.exists():
    write_posts(store, [Post(f"https://forum.example/t/{n}-{i}", f"Post {n}-{i} about the school "
                             + "words " * 200) for i in range(20)])
    n += 1
    print(n, flush=True)
"""


def _store_with_posts(path: Path, count: int = 5) -> Store:
    store = Store(path)
    write_posts(store, [Post(f"https://forum.example/p/{i}", f"Post {i} about Hollins Green")
                        for i in range(count)])
    return store


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_backups_taken_while_a_crawl_writes_restore_to_matching_stores(tmp_path: Path) -> None:
    live = tmp_path / "live.duckdb"
    _store_with_posts(live)
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live), str(stop)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    manifests: list[dict[str, Any]] = []
    seen = 0
    try:
        for k in range(3):
            # Wait until the writer has committed more than the last backup saw (its earlier
            # lines may still sit in the pipe), so each backup catches a later moment.
            while 5 + 20 * int(writer.stdout.readline()) <= seen:
                pass
            manifests.append(backup_store(live, tmp_path / f"backup-{k}"))
            seen = manifests[-1]["tables"]["mention_records"]
    finally:
        stop.touch()
        writer.communicate(timeout=120)
    assert writer.returncode == 0
    # Each backup saw a different moment of the crawl.
    counts = [m["tables"]["mention_records"] for m in manifests]
    assert counts == sorted(set(counts)), counts
    final = {r[0]: r[1] for r in _rows(live, "SELECT id, raw_sha256 FROM mention_records")}
    for k, manifest in enumerate(manifests):
        restored = tmp_path / f"restored-{k}.duckdb"
        assert restore_store(tmp_path / f"backup-{k}", restored) == manifest
        counts = {t: _rows(restored, f'SELECT count(*) FROM "{t}"')[0][0]
                  for t in manifest["tables"]}
        assert counts == manifest["tables"]
        # Every stored body still hashes to its key, and every mention's evidence is there.
        for sha, body in _rows(restored, "SELECT sha256, body_zlib FROM raw_responses"):
            assert hashlib.sha256(zlib.decompress(body)).hexdigest() == sha
        mentions = _rows(restored, "SELECT id, raw_sha256 FROM mention_records")
        assert mentions and all(final[i] == sha for i, sha in mentions)
        assert not _rows(restored, "SELECT raw_sha256 FROM mention_records WHERE raw_sha256 "
                                   "NOT IN (SELECT sha256 FROM raw_responses)")


def test_restore_never_overwrites_a_store_unless_asked_and_keeps_the_old_one(
    tmp_path: Path,
) -> None:
    store = _store_with_posts(tmp_path / "store.duckdb")
    backup_store(store.path, tmp_path / "backup")
    write_posts(store, [Post("https://forum.example/later", "A later post about the school")])
    with pytest.raises(BackupError, match="will not overwrite"):
        restore_store(tmp_path / "backup", store.path)
    restore_store(tmp_path / "backup", store.path, replace=True)
    assert _rows(store.path, "SELECT count(*) FROM mention_records")[0][0] == 5
    (aside,) = tmp_path.glob("store.duckdb.before-restore-*")
    assert _rows(aside, "SELECT count(*) FROM mention_records")[0][0] == 6


def test_a_backup_killed_half_way_leaves_nothing_that_looks_complete(tmp_path: Path) -> None:
    store = _store_with_posts(tmp_path / "store.duckdb")
    killed_after_copy = f"""
import os, shutil, signal
from pathlib import Path
from crawler.store import backup
real_copy = shutil.copyfile
def copy_then_die(src, dst):
    real_copy(src, dst)
    os.kill(os.getpid(), signal.SIGKILL)
shutil.copyfile = copy_then_die
backup.backup_store(Path({str(store.path)!r}), Path({str(tmp_path / "nightly")!r}))
"""
    result = subprocess.run([sys.executable, "-c", killed_after_copy], cwd=ROOT, timeout=60)
    assert result.returncode == -9
    assert not (tmp_path / "nightly").exists()
    (partial,) = tmp_path.glob(".nightly.partial-*")
    assert not (partial / MANIFEST).exists()
    with pytest.raises(BackupError, match="not a complete schoolwatch backup"):
        restore_store(partial, tmp_path / "restored.duckdb")
    assert not (tmp_path / "restored.duckdb").exists()
    # The next backup into the same name is unaffected.
    made = backup_store(store.path, tmp_path / "nightly")
    assert read_backup(tmp_path / "nightly") == made


def test_a_damaged_backup_is_refused(tmp_path: Path) -> None:
    store = _store_with_posts(tmp_path / "store.duckdb")
    backup_store(store.path, tmp_path / "backup")
    with (tmp_path / "backup" / "store.duckdb").open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"\xff" * 16)
    with pytest.raises(BackupError, match="does not match the backup's manifest"):
        restore_store(tmp_path / "backup", tmp_path / "restored.duckdb")


def test_a_store_of_a_newer_schema_is_refused_with_one_line(tmp_path: Path) -> None:
    store = _store_with_posts(tmp_path / "store.duckdb")
    con = duckdb.connect(str(store.path))
    con.execute("INSERT INTO schema_migrations VALUES ('9999_from_the_future.sql', now())")
    con.close()
    backup_store(store.path, tmp_path / "backup")
    with pytest.raises(StoreSchemaNewerError, match="newer schoolwatch") as caught:
        restore_store(tmp_path / "backup", tmp_path / "restored.duckdb")
    assert "\n" not in str(caught.value) and "9999_from_the_future.sql" in str(caught.value)
    assert not (tmp_path / "restored.duckdb").exists()
    with pytest.raises(StoreSchemaNewerError):
        store.query("SELECT count(*) FROM mention_records")


def test_a_store_of_the_first_release_is_upgraded_in_one_go_after_a_copy(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (name VARCHAR NOT NULL, "
                "applied_at TIMESTAMPTZ NOT NULL)")
    con.execute(FIRST_SCHEMA.read_text())
    con.execute("INSERT INTO schema_migrations VALUES ('0001_initial.sql', now())")
    con.execute("INSERT INTO schools VALUES ('hollins-green', 'Hollins Green Primary School')")
    con.close()
    store = Store(path)
    assert store.query("SELECT name FROM schools").rows == [("Hollins Green Primary School",)]
    applied = [r[0] for r in store.query("SELECT name FROM schema_migrations ORDER BY 1").rows]
    assert applied == migration_names()
    # One transaction: every migration after the first carries the same applied_at.
    stamps = store.query("SELECT DISTINCT applied_at FROM schema_migrations "
                         "WHERE name <> '0001_initial.sql'").rows
    assert len(stamps) == 1
    (before,) = tmp_path.glob("store.duckdb.before-*")
    assert _rows(before, "SELECT name FROM schema_migrations") == [("0001_initial.sql",)]
    # The upgraded store takes new writes.
    write_posts(store, [Post("https://forum.example/new", "A post about Hollins Green")])
    assert store.query("SELECT count(*) FROM mention_records").rows == [(1,)]


def test_backup_and_restore_commands(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from schoolwatch.cli import cli

    config = tmp_path / "schoolwatch.toml"
    config.write_text('[store]\npath = "store.duckdb"\n\n[[school]]\nid = "hollins-green"\n'
                      'name = "Hollins Green Primary School"\n')
    _store_with_posts(tmp_path / "store.duckdb")
    runner = CliRunner()
    made = runner.invoke(cli, ["backup", "--config", str(config), str(tmp_path / "b")])
    assert made.exit_code == 0, made.output
    assert "Backed up" in made.output and (tmp_path / "b" / "schoolwatch.toml").is_file()
    refused = runner.invoke(cli, ["restore", "--config", str(config), str(tmp_path / "b")])
    assert refused.exit_code == 1 and "--replace" in refused.output
    done = runner.invoke(cli, ["restore", "--config", str(config), str(tmp_path / "b"),
                               "--replace"])
    assert done.exit_code == 0 and "Restored" in done.output
