"""JSON lines in, JSON lines out: the contract behind `schoolwatch classify`.

Each input line is an object with `text` and optionally `school` (a name), `staff` (a list of
names) and `id` (echoed back). Each output line carries `line` (1-based input line number) and
either the classification or an `error` saying what was wrong with that line; a bad line never
stops the rest. Blank lines are not inputs and produce nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any, TextIO

from classifiers.decide import Classification, Classifier, ClassifyRequest
from crawler.ground.errors import BadLine

# Lines are classified in chunks: big enough for efficient batches, small enough that a long
# stdin stream shows results as it goes and never sits wholly in memory.
CHUNK = 256


def parse_line(line: str) -> tuple[ClassifyRequest, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(data, dict):
        raise BadLine("expected a JSON object with a 'text' field")
    text = data.get("text")
    if not isinstance(text, str):
        raise BadLine("'text' is missing or is not a string")
    school = data.get("school")
    if school is not None and not isinstance(school, str):
        raise BadLine("'school' must be a string")
    staff = data.get("staff", [])
    if staff is None:
        staff = []
    if not isinstance(staff, list) or not all(isinstance(s, str) for s in staff):
        raise BadLine("'staff' must be a list of names (strings)")
    return ClassifyRequest(text=text, school=school, staff=tuple(staff)), data.get("id")


def _result(number: int, ident: Any, result: Classification) -> dict[str, Any]:
    out: dict[str, Any] = {"line": number}
    if ident is not None:
        out["id"] = ident
    body = asdict(result)
    body["categories"] = list(result.categories)
    return out | body


def classify_jsonl(lines: Iterable[str], out: TextIO, classifier: Classifier) -> int:
    """Writes one JSON line per non-blank input line, in input order; returns the error count."""
    errors = 0
    pending: list[tuple[int, Any, ClassifyRequest | str]] = []

    def flush() -> None:
        requests = [item for _, _, item in pending if isinstance(item, ClassifyRequest)]
        results = iter(classifier.classify(requests))
        for number, ident, item in pending:
            if isinstance(item, ClassifyRequest):
                record = _result(number, ident, next(results))
            else:
                record = {"line": number, "error": item}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
        pending.clear()

    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            request, ident = parse_line(line)
            pending.append((number, ident, request))
        except BadLine as exc:
            errors += 1
            pending.append((number, None, str(exc)))
        if len(pending) >= CHUNK:
            flush()
    if pending:
        flush()
    return errors
