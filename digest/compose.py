"""Whole messages: multipart/alternative (text, then HTML with the chart as multipart/related).

Message-IDs are stable (a digest's comes from its school and week, an alert's from its mentions),
so a message that is queued twice by mistake, or retried, is recognisably the same message.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from crawler.ground.config import School
from digest.chart import sentiment_chart
from digest.contents import Item, WeekDigest
from digest.outbox import OutgoingMessage
from digest.render import render_alert, render_digest
from digest.safety import header_value


@dataclass(frozen=True)
class ComposedDigest:
    message: OutgoingMessage
    preview_html: str  # the HTML part with the chart inlined as a data: URL, for a browser
    text: str


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def digest_subject(digest: WeekDigest) -> str:
    week = f"w/c {digest.week.monday.day} {digest.week.monday:%b}"
    failed, total = len(digest.failed_sources), len(digest.sources)
    coverage = f"{failed} of {total} source{'' if total == 1 else 's'} failed" if failed else ""
    if digest.mentions == 0 and digest.unchecked:
        what = "every source failed" if total else "no source covers it"
        summary = f"not checked, {what}"
    elif digest.mentions == 0 and coverage:
        summary = f"no mentions found, but {coverage}"
    elif digest.mentions == 0:
        summary = "no mentions"
    elif digest.unclassified == digest.mentions:
        summary = f"{_plural(digest.mentions, 'mention')}, not yet classified"
    else:
        verb = "needs" if digest.need_action == 1 else "need"
        summary = f"{_plural(digest.mentions, 'mention')}, {digest.need_action} {verb} action"
    if digest.mentions and coverage:
        summary += f"; {coverage}"
    return header_value(f"{digest.school_name}: {summary} ({week})")


def alert_subject(school: School, items: list[Item]) -> str:
    what = "a high-risk post" if len(items) == 1 else f"{len(items)} high-risk posts"
    return header_value(f"Action needed today: {what} about {school.name}")


def compose_digest(
    digest: WeekDigest, sender: str, recipients: tuple[str, ...]
) -> ComposedDigest:
    subject = digest_subject(digest)
    domain = _domain(sender)
    message_id = f"digest.{digest.school_id}.{digest.week.label}@{domain}"
    chart = sentiment_chart(digest.sentiment) if digest.mentions else None
    chart_cid = f"chart.{digest.school_id}.{digest.week.label}@{domain}"
    html, text = render_digest(digest, subject, f"cid:{chart_cid}" if chart else None)
    preview_src = f"data:image/png;base64,{base64.b64encode(chart).decode()}" if chart else None
    preview_html, _ = render_digest(digest, subject, preview_src)
    body = _build(
        kind="digest",
        subject=subject,
        sender=sender,
        recipients=recipients,
        message_id=message_id,
        html=html,
        text=text,
        images=[(chart_cid, chart, "sentiment.png")] if chart else [],
    )
    message = OutgoingMessage(
        message_id=message_id,
        kind="digest",
        school_id=digest.school_id,
        subject=subject,
        sender=sender,
        recipients=recipients,
        body=body,
        week=digest.week.label,
    )
    return ComposedDigest(message, preview_html, text)


def compose_alert(
    school: School, items: list[Item], sender: str, recipients: tuple[str, ...]
) -> OutgoingMessage:
    subject = alert_subject(school, items)
    ids = sorted(item.id for item in items)
    fingerprint = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    message_id = f"alert.{school.id}.{fingerprint}@{_domain(sender)}"
    html, text = render_alert(school.name, items, subject)
    body = _build(
        kind="alert",
        subject=subject,
        sender=sender,
        recipients=recipients,
        message_id=message_id,
        html=html,
        text=text,
        images=[],
    )
    return OutgoingMessage(
        message_id=message_id,
        kind="alert",
        school_id=school.id,
        subject=subject,
        sender=sender,
        recipients=recipients,
        body=body,
        mention_ids=tuple(ids),
    )


def _build(
    *,
    kind: str,
    subject: str,
    sender: str,
    recipients: tuple[str, ...],
    message_id: str,
    html: str,
    text: str,
    images: list[tuple[str, bytes, str]],
) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["Subject"] = header_value(subject)
    message["From"] = Address("schoolwatch", addr_spec=header_value(sender))
    if recipients:
        message["To"] = ", ".join(header_value(address) for address in recipients)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{header_value(message_id)}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["X-Schoolwatch-Kind"] = kind
    if kind == "alert":
        message["Importance"] = "high"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    html_part = message.get_payload()[1]
    for cid, png, filename in images:
        html_part.add_related(
            png, maintype="image", subtype="png", cid=f"<{cid}>", disposition="inline",
            filename=filename,
        )
    return message.as_bytes()
