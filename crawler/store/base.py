"""Opening the DuckDB file, named migrations, transactions and Arrow inserts: what every table
family's module builds on.

DuckDB allows one read-write process and no reader beside it, so every writer opens the file,
writes in one transaction and closes it; readers retry for a few seconds while a write is on.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

from crawler.ground.errors import (
    QueryError,
    StoreError,
    StoreLockedError,
    StoreMissingError,
    StoreSchemaNewerError,
)
from crawler.ground.vocab import now
from crawler.store.sandbox import SANDBOX_SETTINGS, check_statement, run_sandboxed

LOCK_WAIT_READ = 5.0
LOCK_WAIT_WRITE = 120.0
MIGRATIONS = "crawler.store.migrations"


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def connect(
    path: Path, *, read_only: bool, wait: float, settings: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Opens the file, retrying while another process holds the lock."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=settings or {})
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open the store {path}: {exc}") from None
            holder = _holder(exc)
        except duckdb.ConnectionException as exc:
            # A connection of this process opened the other way (read-only against read-write)
            # is still closing, e.g. a web request's reader just after its response: wait for
            # it as for another process's lock.
            if "different configuration" not in str(exc):
                raise StoreError(f"cannot open the store {path}: {exc}") from None
            holder = "another connection in this process"
        if time.monotonic() >= deadline:
            raise StoreLockedError(
                f"the store {path} stayed locked for {wait:g}s by {holder} "
                "(another schoolwatch command, or a DuckDB session left open elsewhere)"
            )
        time.sleep(0.2)


def _holder(exc: duckdb.IOException) -> str:
    """"process 1234" from DuckDB's lock message, when it names one."""
    found = re.search(r"\(PID (\d+)\)", str(exc))
    return f"process {found.group(1)}" if found else "another process"


def migration_names() -> list[str]:
    folder = resources.files(MIGRATIONS)
    return sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".sql"))


def newer_schema_error(path: Path, unknown: Sequence[str]) -> StoreSchemaNewerError:
    return StoreSchemaNewerError(
        f"{path} was written by a newer schoolwatch (its schema has {', '.join(unknown)}, "
        f"this one knows up to {migration_names()[-1]}): upgrade schoolwatch to open it"
    )


def apply_migrations(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> list[str]:
    """Brings the store to this release's schema: every pending migration in ONE transaction
    (a failed upgrade leaves the store as it was), after copying a store that already holds
    data to `<name>.before-<first pending migration>` beside it."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    known = migration_names()
    unknown = sorted(done - set(known))
    if unknown:
        raise newer_schema_error(path or Path("the store"), unknown)
    pending = [name for name in known if name not in done]
    if not pending:
        return []
    if done and path is not None:
        _copy_before_upgrade(con, path, pending[0])
    folder = resources.files(MIGRATIONS)
    upgraded_at = now()  # one upgrade, one time
    with in_transaction(con):
        for name in pending:
            con.execute(folder.joinpath(name).read_text(encoding="utf-8"))
            con.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                [name, upgraded_at],
            )
    return pending


def _copy_before_upgrade(con: duckdb.DuckDBPyConnection, path: Path, first: str) -> None:
    """The store as the older release left it. The caller's read-write connection is the lock:
    nothing else can write while the file is copied."""
    con.execute("CHECKPOINT")
    target = path.with_name(f"{path.name}.before-{first.removesuffix('.sql')}")
    if target.exists():  # an earlier attempt at this same upgrade already saved it
        return
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(path, partial)
    partial.replace(target)


@contextmanager
def in_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Committed when the block ends, rolled back if it raises."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, batch: pa.Table) -> None:
    """Inserts an Arrow table by column name (never by position)."""
    if batch.num_rows == 0:
        return
    con.register("_batch", batch)
    try:
        names = ", ".join(batch.column_names)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _batch")
    finally:
        con.unregister("_batch")


def draw_ids(con: duckdb.DuckDBPyConnection, sequence: str, count: int) -> list[int]:
    """`count` fresh ids from a DuckDB sequence (see migrations/0040_id_sequences.sql)."""
    if count == 0:
        return []
    rows = con.execute(f"SELECT nextval('{sequence}') FROM range(?)", [count]).fetchall()
    return [row[0] for row in rows]


class SharedReader:
    """The one read-only connection of a `StoreBase.one_reader()` block, opened lazily."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.connection: duckdb.DuckDBPyConnection | None = None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


_shared_reader: ContextVar[SharedReader | None] = ContextVar("store_shared_reader",
                                                             default=None)
_migrated: set[Path] = set()


def _close_shared(path: Path) -> None:
    shared = _shared_reader.get()
    if shared is not None and shared.path == path:
        shared.close()


class StoreBase:
    """A DuckDB file. Each method opens the file for as short a time as it can."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @contextmanager
    def writer(self, wait: float = LOCK_WAIT_WRITE) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection on a migrated store, closed on exit."""
        _close_shared(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = connect(self.path, read_only=False, wait=wait)
        try:
            apply_migrations(con, self.path)
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self, wait: float = LOCK_WAIT_WRITE) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: the file is locked for the block and committed as a whole."""
        with self.writer(wait) as con, in_transaction(con):
            yield con

    @contextmanager
    def reader(self, wait: float = LOCK_WAIT_READ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection; creates and migrates the store first if it is new. Inside
        `one_reader()` every read shares one connection, opened at the first."""
        shared = _shared_reader.get()
        if shared is not None and shared.path == self.path:
            if shared.connection is None:
                shared.connection = self._open_reader(wait)
            yield shared.connection
            return
        con = self._open_reader(wait)
        try:
            yield con
        finally:
            con.close()

    def _open_reader(self, wait: float) -> duckdb.DuckDBPyConnection:
        if not self.path.exists():
            with self.writer(wait=wait):
                pass
        con = connect(self.path, read_only=True, wait=wait)
        if self.path in _migrated:  # migrations are never undone: checked once per process
            return con
        try:
            done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
        except duckdb.Error:
            done = set()
        pending = set(migration_names()) - done if done else {"schema_migrations"}
        if unknown := sorted(done - set(migration_names())):
            con.close()
            raise newer_schema_error(self.path, unknown)
        if pending:
            con.close()
            with self.writer(wait=wait):
                pass
            con = connect(self.path, read_only=True, wait=wait)
        _migrated.add(self.path)
        return con

    @contextmanager
    def one_reader(self) -> Iterator[None]:
        """Every read of this store in the block (this thread, and threads started from its
        context) shares one read-only connection, opened at the first read and closed at the
        end: one open of the file instead of one per read. A write in the block closes it
        first (DuckDB refuses a read-only and a read-write connection to one file at once in
        one process), and the next read opens it again. The caller keeps other threads of
        this process from using the store meanwhile (the web inbox: one request at a time)."""
        shared = SharedReader(self.path)
        token = _shared_reader.set(shared)
        try:
            yield
        finally:
            _shared_reader.reset(token)
            shared.close()

    def require_existing(self) -> None:
        """For commands that only read: a missing file is a mistake (a typo in the path), not an
        empty school, so it is refused rather than created."""
        if not self.path.is_file():
            raise StoreMissingError(
                f"no store at {self.path}: nothing has been crawled into it yet (check [store] "
                "path in the config, or run a crawl first)"
            )

    def migrate(self) -> list[str]:
        _close_shared(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = connect(self.path, read_only=False, wait=LOCK_WAIT_WRITE)
        try:
            return apply_migrations(con, self.path)
        finally:
            con.close()

    def user_query(self, sql: str) -> QueryResult:
        """Runs a user's SQL (the `query` command) in the sandbox: one SELECT over the store's
        tables; no files, network, extensions, settings or writes. A missing store is refused."""
        self.require_existing()
        check_statement(sql)
        _close_shared(self.path)
        con = connect(self.path, read_only=True, wait=LOCK_WAIT_READ, settings=SANDBOX_SETTINGS)
        try:
            columns, rows = run_sandboxed(con, sql)
        finally:
            con.close()
        return QueryResult(columns, rows)

    def query(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> QueryResult:
        """Runs the store's own read-only SQL (a user's SQL goes through `user_query`)."""
        with self.reader() as con:
            try:
                cursor = con.execute(sql, params or [])
            except duckdb.Error as exc:
                raise QueryError(str(exc).splitlines()[0]) from None
            if cursor.description is None:
                return QueryResult([], [])
            columns = [column[0] for column in cursor.description]
            return QueryResult(columns, cursor.fetchall())
