"""Adds [[school]] and [[source]] tables to a config file, keeping its comments and order.

tomlkit round-trips the file: everything the user wrote stays byte for byte, new tables go after
the last table of their kind. The result is validated as a whole before anything is written, and
written atomically, so a failed edit leaves the old file untouched.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Comment, Item, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from crawler.ground.config import Config, config_from_dict
from crawler.ground.errors import ConfigError

NEW_CONFIG = """\
# schoolwatch configuration, started by `schoolwatch school add`. Every key is explained in
# config/example.toml (`schoolwatch init example.toml` writes a copy).

[store]
path = "data/schoolwatch.duckdb"   # relative to this file

[crawl]
# Sent with every request: say who you are and how to reach you.
user_agent = "schoolwatch/0.1 (self-hosted school reputation monitor)"
"""


def load_document(path: Path) -> TOMLDocument:
    """The config as an editable document; a new one when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = NEW_CONFIG
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "", f"cannot read: {exc}") from None
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(str(path), "", f"invalid TOML: {exc}") from None


def tables(document: TOMLDocument, key: str) -> list[Mapping[str, Any]]:
    value = document.get(key)
    return list(value) if isinstance(value, AoT | list) else []


def append_tables(
    document: TOMLDocument, key: str, entries: Iterable[tuple[Mapping[str, Any], str | None]]
) -> None:
    """Appends one table per (values, comment) to the array of tables `key`."""
    existing = document.get(key)
    if not isinstance(existing, AoT):
        existing = tomlkit.aot()
        if document.as_string() and not document.as_string().endswith("\n\n"):
            document.add(tomlkit.nl())
        document.append(key, existing)
    # Comments after the last table introduce what follows it (the next section): keep them there.
    trailing = _take_trailing_comments(existing[-1]) if len(existing) else []
    for values, comment in entries:
        table: Table = tomlkit.table()
        if comment:
            for line in comment.splitlines():
                table.add(tomlkit.comment(line))
        for name, value in values.items():
            if value is None or value == [] or value == {}:
                continue
            table.add(name, _item(value))
        existing.append(table)
    if trailing:
        last = existing[-1]
        last.add(tomlkit.nl())
        for item in trailing:
            last.add(item)


def _take_trailing_comments(table: Table) -> list[Item]:
    body = table.value.body
    trailing: list[Item] = []
    while body and body[-1][0] is None and isinstance(body[-1][1], Comment | Whitespace):
        trailing.insert(0, body.pop()[1])
    while trailing and isinstance(trailing[0], Whitespace):
        trailing.pop(0)
    return trailing if any(isinstance(item, Comment) for item in trailing) else []


def validate(document: TOMLDocument, path: Path) -> Config:
    """The config the edited document would load as; ConfigError naming the key otherwise."""
    return config_from_dict(document.unwrap(), str(path), base_dir=path.resolve().parent)


def save_document(document: TOMLDocument, path: Path) -> Config:
    """Validates, then replaces the file in one step, keeping its mode, owner and group (a
    config that a service reads through its group stays readable after a root edit)."""
    config = validate(document, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(tomlkit.dumps(document))
            _same_permissions(file.fileno(), path)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return config


def _same_permissions(fd: int, path: Path) -> None:
    """The old file's mode and ownership on the new one; a new file gets what `init` gives
    (0666 less the umask), not mkstemp's 0600."""
    try:
        old = path.stat()
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        return
    os.fchmod(fd, stat.S_IMODE(old.st_mode))
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(PermissionError):  # only root may give a file away
            os.fchown(fd, old.st_uid, old.st_gid)


def _item(value: Any) -> Any:
    if isinstance(value, dict):
        inline = tomlkit.inline_table()
        inline.update({key: _item(item) for key, item in value.items()})
        return inline
    if isinstance(value, list) and len(repr(value)) > 80:
        array = tomlkit.array()
        array.extend(value)
        return array.multiline(True)
    return tomlkit.item(value)
