"""Config problems as a user reads them: every problem listed, each under a key that names the
entry (`source 'reddit-local' (#2).every`, counting from 1), never "and 1 more"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from crawler.ground.errors import ConfigError, KeyedProblems

# Array-of-tables sections and the key that names each entry.
_NAMED_BY = {"source": "name", "school": "id", "channel": "name"}


def entry_label(section: str, index: int, raw: Any) -> str:
    """`source 'reddit-local' (#2)`: the entry's name when it has one, its place from 1."""
    name = raw.get(_NAMED_BY.get(section, ""), None) if isinstance(raw, dict) else None
    if isinstance(name, str) and name:
        return f"{section} {name!r} (#{index + 1})"
    return f"{section} #{index + 1}"


def as_config_error(
    exc: ValidationError, shown: str, raw: dict[str, Any], also: Sequence[tuple[str, str]] = ()
) -> ConfigError:
    """Every problem pydantic found, then those found beside it (`also`) under keys not
    already named."""
    problems: list[tuple[str, str]] = []
    for error in exc.errors():
        context_error = (error.get("ctx") or {}).get("error")
        if isinstance(context_error, KeyedProblems):
            prefix = key_path(error["loc"], raw)
            problems += [
                (f"{prefix}.{key}" if prefix else key, problem)
                for key, problem in context_error.problems
            ]
        else:
            problems.append((key_path(error["loc"], raw), _problem(error)))
    named = {key for key, _ in problems}
    problems += [(key, problem) for key, problem in also if key not in named]
    return config_error(shown, problems)


def config_error(shown: str, problems: list[tuple[str, str]]) -> ConfigError:
    """One problem: `file: key: problem`, one line. More: each on its own line, all of them."""
    if len(problems) == 1:
        return ConfigError(shown, *problems[0])
    lines = "\n".join(f"  {key}: {problem}" if key else f"  {problem}" for key, problem in problems)
    error = ConfigError(shown, "", f"{len(problems)} problems:\n{lines}")
    error.key = problems[0][0]
    return error


def validation_summary(exc: ValidationError) -> str:
    """Every problem of a model built outside a config file (e.g. `extract`'s source), one line."""
    parts = []
    for error in exc.errors():
        context_error = (error.get("ctx") or {}).get("error")
        if isinstance(context_error, KeyedProblems):
            parts += [f"{key}: {problem}" for key, problem in context_error.problems]
        else:
            where = key_path(error["loc"], None)
            parts.append(f"{where}: {_problem(error)}" if where else _problem(error))
    return "; ".join(parts)


def key_path(loc: tuple[Any, ...], raw: Any) -> str:
    path = ""
    node = raw
    parts = [part for part in loc if not str(part).startswith("function-")]
    for position, part in enumerate(parts):
        if isinstance(part, int):
            section = str(parts[position - 1]) if position else ""
            entry = node[part] if isinstance(node, list) and part < len(node) else None
            if section in _NAMED_BY and path == section:
                path = entry_label(section, part, entry)
            else:
                path += f"[{part + 1}]"
            node = entry
        else:
            path += f".{part}" if path else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return path


def _problem(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against config/example.toml)"
    if kind == "bool_type":
        return f"{error.get('input')!r} is not true or false (write true or false, unquoted)"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
