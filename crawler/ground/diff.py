"""What one text added to and removed from another, word by word (difflib)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKENS = re.compile(r"\S+")


@dataclass(frozen=True)
class TextChange:
    added: list[str]
    removed: list[str]

    @property
    def added_text(self) -> str:
        return "\n".join(self.added)

    @property
    def removed_text(self) -> str:
        return "\n".join(self.removed)


def text_change(before: str, after: str) -> TextChange:
    """The runs of words `after` has that `before` lacks, and the reverse."""
    old = _TOKENS.findall(before)
    new = _TOKENS.findall(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    added: list[str] = []
    removed: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("insert", "replace") and j2 > j1:
            added.append(" ".join(new[j1:j2]))
        if tag in ("delete", "replace") and i2 > i1:
            removed.append(" ".join(old[i1:i2]))
    return TextChange([a for a in added if a], [r for r in removed if r])
