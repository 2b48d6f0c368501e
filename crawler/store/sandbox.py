"""The `query` command's connection: user SQL reads the store's tables and nothing else.

The wall is DuckDB's own: a read-only connection with external access off (no files, no
network, no extensions) and the configuration locked so no statement can turn it back on. The
statement check in front of it only gives each refusal one clear line.
"""

from __future__ import annotations

from typing import Any

import duckdb

from crawler.ground.errors import QueryError

SANDBOX_SETTINGS: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}
_READING = {"SELECT", "EXPLAIN"}
_REFUSED_AS_IO = {"COPY", "ATTACH", "DETACH", "EXPORT", "LOAD", "COPY_DATABASE"}


def check_statement(sql: str) -> None:
    """Raises QueryError unless `sql` is exactly one SELECT (or EXPLAIN) statement."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(first_line(exc)) from None
    if not statements:
        raise QueryError('no SQL given: pass one SELECT, e.g. "SELECT * FROM mentions LIMIT 10"')
    if len(statements) > 1:
        raise QueryError(f"one statement at a time, please: got {len(statements)}")
    kind = statements[0].type.name
    if kind in _READING:
        return
    if kind in _REFUSED_AS_IO:
        raise QueryError(
            f"{kind} is refused: query reads only the store's tables, and never files, other "
            "databases, the network or extensions"
        )
    if kind in {"CALL", "PRAGMA"}:
        raise QueryError(f"{kind} is refused: query runs SELECT (and EXPLAIN) only")
    raise QueryError(f"{kind} is refused: query is read-only (SELECT and EXPLAIN only)")


def run_sandboxed(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    check_statement(sql)
    try:
        cursor = con.execute(sql)
        if cursor.description is None:
            return [], []
        return [column[0] for column in cursor.description], cursor.fetchall()
    except duckdb.PermissionException:
        raise QueryError(
            "refused: query reads only the store's tables; files, the network and extensions "
            "are off"
        ) from None
    except duckdb.Error as exc:
        message = first_line(exc)
        if "read-only" in message or "configuration has been locked" in message:
            raise QueryError(f"refused: query is read-only ({message})") from None
        raise QueryError(message) from None


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
