"""What each channel type is sent: one payload (digest/channels.py) in each service's format.

- webhook: the payload itself, JSON (schema "schoolwatch.alert/1" or "schoolwatch.digest/1");
- teams: a message with one Adaptive Card (version 1.4), the shape a Power Automate "When a
  Teams webhook request is received" workflow posts to a channel;
- slack: an incoming-webhook message with a plain-text fallback and Block Kit blocks;
- google_chat: a space webhook message ({"text": ...});
- apprise: a title and a plain-text body, for Apprise to format for its service.

Crawled text is hostile: it is only ever placed where the service shows it as plain text
(Slack plain_text, Teams TextBlocks with markdown characters escaped, Chat text with &, < and >
escaped), and only http(s) addresses become links.
"""

from __future__ import annotations

from typing import Any

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_ITEMS = 10


def render(channel_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    if channel_type == "teams":
        return teams_card(payload)
    if channel_type == "slack":
        return slack_message(payload)
    if channel_type == "google_chat":
        return {"text": plain_text(payload, escape=_chat_escape)}
    return payload


def plain_text(payload: dict[str, Any], escape: Any = None) -> str:
    """The whole message as text: title, facts, then each item with its reason and action."""
    esc = escape or (lambda text: text)
    lines = [esc(payload["title"])]
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


def teams_card(payload: dict[str, Any]) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": _md(payload["title"]), "weight": "Bolder",
         "size": "Medium", "wrap": True,
         **({"color": "Attention"} if payload.get("risk") == "high" else {})},
    ]
    facts = [{"title": name, "value": _md(str(value))} for name, value in _facts(payload)]
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    for item in payload.get("items", [])[:MAX_ITEMS]:
        parts: list[dict[str, Any]] = [
            {"type": "TextBlock", "text": _md(item["title"]), "weight": "Bolder", "wrap": True},
            {"type": "TextBlock", "text": _md(f"{item['source']} · {item['when']}"),
             "isSubtle": True, "spacing": "None", "wrap": True},
        ]
        for reason in item.get("reasons", []):
            parts.append({"type": "TextBlock", "wrap": True,
                          "text": _md(f"{reason['category']}: \"{reason['phrase']}\"")})
        if item.get("excerpt"):
            parts.append({"type": "TextBlock", "text": _md(item["excerpt"]), "wrap": True})
        for action in item.get("actions", [])[:2]:
            parts.append({"type": "TextBlock", "text": _md(f"Do: {action}"), "wrap": True})
        if item.get("url"):
            parts.append({"type": "ActionSet", "actions": [
                {"type": "Action.OpenUrl", "title": "Open the post", "url": item["url"]}]})
        body.append({"type": "Container", "separator": True, "items": parts})
    card = {"$schema": ADAPTIVE_SCHEMA, "type": "AdaptiveCard", "version": "1.4", "body": body}
    return {"type": "message",
            "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}]}


def slack_message(payload: dict[str, Any]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": payload["title"][:150]}},
    ]
    facts = [f"{name}: {value}" for name, value in _facts(payload)]
    if facts:
        blocks.append({"type": "section", "text": {"type": "plain_text",
                                                    "text": "\n".join(facts)[:3000]}})
    for item in payload.get("items", [])[:MAX_ITEMS]:
        lines = [item["title"], f"{item['source']}, {item['when']}"]
        lines += [f"{r['category']}: \"{r['phrase']}\"" for r in item.get("reasons", [])]
        if item.get("excerpt"):
            lines.append(item["excerpt"])
        lines += [f"Do: {action}" for action in item.get("actions", [])[:2]]
        block: dict[str, Any] = {"type": "section",
                                 "text": {"type": "plain_text", "text": "\n".join(lines)[:3000]}}
        if item.get("url"):
            block["accessory"] = {"type": "button", "url": item["url"],
                                  "text": {"type": "plain_text", "text": "Open"}}
        blocks += [{"type": "divider"}, block]
    return {"text": payload["title"], "blocks": blocks[:50]}


def _facts(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(name), str(value)) for name, value in payload.get("facts", [])]


def _md(text: str) -> str:
    """Adaptive Card TextBlocks read markdown: crawled text must not make a hidden link. A
    zero-width space after '[' and before '(' breaks the link syntax without showing anything
    (backslash escapes are not honoured by every Teams client and would show)."""
    return text.replace("[", "[\u200b").replace("](", "]\u200b(")


def _chat_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
