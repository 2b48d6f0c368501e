"""The text every non-email channel (through Apprise) and every per-recipient email is sent.

One payload (digest/channels.py) becomes a title and a plain-text body; Apprise shapes it for
each service (an Adaptive Card for a Teams workflow, a Slack or Google Chat message, Apprise's
JSON document for a generic webhook), escaping it for the service's markup as plain text.

Crawled text is hostile. It goes to Apprise as plain text (NotifyFormat.TEXT), which Apprise
escapes for Markdown and HTML services; for chat channels it is also `defang_links`ed, so that
a client that ignores backslash escapes still cannot show "[click](evil)" as a hidden link. Only
the post's own address and the inbox link are written as bare addresses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MAX_ITEMS = 10


def plain_text(payload: dict[str, Any], escape: Callable[[str], str] | None = None,
               title: bool = True) -> str:
    """The whole message as text: title (unless the service shows it apart), facts, then each
    item with its reason and action."""
    esc = escape or (lambda text: text)
    lines = [esc(payload["title"])] if title else []
    lines += [f"{esc(name)}: {esc(value)}" for name, value in _facts(payload)]
    for item in payload.get("items", [])[:MAX_ITEMS]:
        lines.append("")
        lines.append(f"- {esc(item['title'])} ({esc(item['source'])}, {esc(item['when'])})")
        for reason in item.get("reasons", []):
            lines.append(f"  {esc(reason['category'])}: \"{esc(reason['phrase'])}\"")
        if item.get("excerpt"):
            lines.append(f"  {esc(item['excerpt'])}")
        for action in item.get("actions", [])[:2]:
            lines.append(f"  Do: {esc(action)}")
        if item.get("url"):
            lines.append(f"  {item['url']}")
        if item.get("link"):
            lines.append(f"  Act on it: {item['link']}")
    return "\n".join(lines)


def defang_links(text: str) -> str:
    """Crawled Markdown cannot make a link: a zero-width space after '[' and before '(' breaks
    the syntax without showing anything (some Teams clients show backslash escapes as typed)."""
    return text.replace("[", "[\u200b").replace("](", "]\u200b(")


def _facts(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(name), str(value)) for name, value in payload.get("facts", [])]
