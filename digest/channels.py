"""Alerts and digests through chat channels and webhooks (all by Apprise), each with its rules.

Each [[channel]] says which schools, which risk levels and categories it wants, whether it gets
the weekly digest, and its quiet hours (UK time): during them anything but a high-risk alert is
held until they end. Deliveries are recorded in the store before sending (crawler/store/
channels.py), marked sent only when Apprise reports success, and retried on the next run
otherwise (a refusal or an exception): never lost, never twice. The webhook URL is read from the
environment at send time, turned into its Apprise URL (digest/channel_urls.py), never stored,
and scrubbed from every error kept in the outbox.
"""

from __future__ import annotations

import hashlib
import logging
import os
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlencode, urlsplit

from crawler.ground.config import Channel, Config, School
from crawler.ground.errors import ChannelSendError, SentUnconfirmed
from crawler.ground.outbound import OutboundPolicy, guarded, scrub_url
from crawler.ground.vocab import LONDON, Risk
from crawler.store import ChannelDelivery, ClaimedDelivery, Store
from digest.channel_formats import defang_links, plain_text
from digest.channel_urls import ChannelURLError, apprise_url, quiet_apprise, server_asset
from digest.contents import Item, WeekDigest, mention_item
from digest.mailer import MailSettingsError, connect, smtp_password
from digest.safety import header_value

CLAIM_LEASE = timedelta(minutes=10)
DEFAULT_WINDOW = timedelta(days=7)


@dataclass
class ChannelReport:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # delivery id -> error


def schools_of(config: Config, channel: Channel) -> list[School]:
    if channel.schools is None:
        return list(config.school)
    return [school for school in config.school if school.id in channel.schools]


def quiet_until(quiet_hours: str | None, at: datetime) -> datetime | None:
    """When the quiet hours that contain `at` end (UTC), or None outside them."""
    if not quiet_hours:
        return None
    start_text, end_text = quiet_hours.split("-")
    start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
    local = at.astimezone(LONDON)
    now = local.time().replace(tzinfo=None)
    inside = start <= now < end if start < end else (now >= start or now < end)
    if not inside:
        return None
    day: date = local.date() if now < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=LONDON).astimezone(UTC)


def queue_channel_alerts(config: Config, store: Store, at: datetime | None = None) -> list[str]:
    """One delivery per (channel, school) for the mentions that channel wants and has not had."""
    at = at or datetime.now(UTC)
    window = config.email.alert_window if config.email is not None else DEFAULT_WINDOW
    deliveries = []
    for channel in config.channel:
        for school in schools_of(config, channel):
            rows = store.unalerted_for_channel(channel.name, school.id, channel.risks, at - window)
            if channel.categories:
                wanted = set(channel.categories)
                rows = [row for row in rows if wanted & set(row["categories"] or [])]
            if rows:
                items = [mention_item(row, config.web.base_url) for row in rows]
                deliveries.append(_alert(channel, school, items, at))
    return store.queue_deliveries(deliveries)


def queue_channel_digests(
    config: Config, store: Store, digests: Sequence[WeekDigest], subjects: dict[str, str],
    at: datetime | None = None,
) -> list[str]:
    """The week's digest summary for each channel that asked for it (once per week)."""
    at = at or datetime.now(UTC)
    deliveries = []
    for channel in config.channel:
        if not channel.digest:
            continue
        ids = {school.id for school in schools_of(config, channel)}
        for digest in digests:
            if digest.school_id in ids:
                deliveries.append(_digest(channel, digest, subjects[digest.school_id], at))
    return store.queue_deliveries(deliveries)


def deliver_channels(config: Config, store: Store, at: datetime | None = None) -> ChannelReport:
    """Sends every due delivery once; a failure stays queued with attempts+1 and its error."""
    report = ChannelReport()
    if not config.channel:
        return report
    channels = {channel.name: channel for channel in config.channel}
    for delivery in store.claim_deliveries(CLAIM_LEASE, at):
        channel = channels.get(delivery.channel)
        try:
            if channel is None:
                raise ChannelSendError(f"no [[channel]] named {delivery.channel!r} any more")
            if channel.type == "email":
                _send_email(config, channel, delivery)
            else:
                send(channel, delivery)
        except SentUnconfirmed as exc:
            store.mark_delivered(delivery.delivery_id, note=str(exc))
            report.sent.append(delivery.delivery_id)
            continue
        except ChannelSendError as exc:
            store.mark_delivery_failed(delivery.delivery_id, str(exc))
            report.failed[delivery.delivery_id] = str(exc)
            continue
        store.mark_delivered(delivery.delivery_id)
        report.sent.append(delivery.delivery_id)
    return report


def send(channel: Channel, delivery: ClaimedDelivery) -> None:
    """One message through Apprise to the channel's URL (read from the environment now), under
    the outbound policy (crawler/ground/outbound.py): public addresses only unless the channel
    allows private ones, no redirect unless it allows them, its time cap over everything."""
    url = os.environ.get(channel.url_env or "", "").strip()
    if not url:
        raise ChannelSendError(f"the environment variable {channel.url_env} (the "
                               f"{channel.type} URL) is not set")
    try:
        target = with_idempotency_key(apprise_url(channel.type, url), delivery.delivery_id)
    except ChannelURLError as exc:
        raise ChannelSendError(f"{channel.url_env}: {exc}") from None
    secrets = (url, target)
    policy = OutboundPolicy(allow_private=channel.allow_private,
                            follow_redirects=channel.follow_redirects,
                            time_cap=channel.timeout.total_seconds())
    with quiet_apprise() as apprise:
        plugin = apprise.Apprise.instantiate(target, asset=server_asset(apprise))
        if plugin is None:
            raise ChannelSendError(f"{channel.url_env}: Apprise does not recognise the URL")
        notifier = apprise.Apprise(asset=server_asset(apprise))
        notifier.add(plugin)
        body = plain_text(delivery.payload, escape=defang_links, title=False)
        with (apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log,
              guarded(policy) as exchange):
            try:
                delivered = notifier.notify(
                    title=defang_links(delivery.title), body=body,
                    body_format=apprise.NotifyFormat.TEXT,
                    notify_type=(apprise.NotifyType.WARNING
                                 if delivery.payload.get("risk") == Risk.HIGH
                                 else apprise.NotifyType.INFO),
                )
            except Exception as exc:  # a plugin's own failure must not lose the delivery
                raise ChannelSendError(scrub(
                    f"{plugin.service_name} failed: {type(exc).__name__}: {exc}", secrets
                )) from None
            said = log.getvalue().strip().splitlines()
    if not delivered and exchange.unanswered:
        raise SentUnconfirmed(scrub(
            f"{plugin.service_name} read the message but gave no answer"
            f"{' within ' + format(policy.time_cap, 'g') + 's' if exchange.timed_out else ''}: "
            "not sent again, so that it arrives at most once", secrets))
    if not delivered:
        why = exchange.refusal or exchange.redirect
        if why is None and exchange.timed_out:
            why = f"gave up after {policy.time_cap:g}s"
        reason = f": {why}" if why else (f": {said[-1]}" if said else "")
        raise ChannelSendError(scrub(f"{plugin.service_name} did not take the message{reason}",
                                     secrets))


IDEMPOTENCY_HEADER = "Idempotency-Key"


def with_idempotency_key(target: str, delivery_id: str) -> str:
    """A JSON webhook's Apprise URL carrying the delivery's id as the Idempotency-Key header and
    an `idempotency_key` field in the body, so a receiver can drop a copy it already has.
    Other services' formats are fixed by the service and take the URL as it is."""
    if urlsplit(target).scheme.lower() not in ("json", "jsons"):
        return target
    separator = "&" if "?" in target else "?"
    return target + separator + urlencode({f"+{IDEMPOTENCY_HEADER}": delivery_id,
                                           ":idempotency_key": delivery_id})


def scrub(text: str, secrets: Sequence[str]) -> str:
    """The text with each secret URL, and each token in one (its host included), replaced by
    *** (see crawler.ground.outbound.scrub_url)."""
    return scrub_url(text, *secrets)


def _send_email(config: Config, channel: Channel, delivery: ClaimedDelivery) -> None:
    """A plain-text message to the channel's own addresses through the [email] server."""
    settings = config.email
    if settings is None or settings.smtp_host is None:
        raise ChannelSendError("no SMTP server: set [email] smtp_host to send to this channel")
    message = EmailMessage(policy=SMTP)
    message["Subject"] = header_value(delivery.title)
    message["From"] = settings.sender
    message["To"] = ", ".join(channel.to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=delivery.delivery_id.replace(".", "-")[:60],
                                       domain=settings.sender.rsplit("@", 1)[-1])
    message.set_content(plain_text(delivery.payload))
    try:
        connection = connect(settings, smtp_password(settings))
    except MailSettingsError as exc:
        raise ChannelSendError(str(exc)) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise ChannelSendError(f"cannot reach {settings.smtp_host}: {exc}") from None
    try:
        connection.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise ChannelSendError(f"SMTP refused the message: {exc}") from None
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


def _alert(channel: Channel, school: School, items: list[Item], at: datetime) -> ChannelDelivery:
    top = min((Risk(item.risk or Risk.LOW) for item in items), key=lambda risk: risk.urgency)
    ids = tuple(sorted(item.id for item in items))
    fingerprint = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    what = risk_counts(items)
    title = (f"Action needed today: {what} about {school.name}" if top is Risk.HIGH
             else f"{what.capitalize()} about {school.name}")
    payload = {
        "schema": "schoolwatch.alert/1", "kind": "alert", "risk": top.value, "title": title,
        "school": {"id": school.id, "name": school.name},
        "facts": [["School", school.name], ["Risk", top.value], ["Posts", str(len(items))]],
        "items": [_item_payload(item) for item in items],
    }
    return ChannelDelivery(
        delivery_id=f"alert.{channel.name}.{school.id}.{fingerprint}", channel=channel.name,
        kind="alert", school_id=school.id, title=title, payload=payload, risk=top.value,
        not_before=None if top is Risk.HIGH else quiet_until(channel.quiet_hours, at),
        mention_ids=ids,
    )


def risk_counts(items: Sequence[Item]) -> str:
    """"1 high-risk and 5 medium-risk posts": each level counted, most urgent first, so a title
    never calls a medium-risk post high."""
    counts: dict[Risk, int] = {}
    for item in items:
        risk = Risk(item.risk or Risk.LOW)
        counts[risk] = counts.get(risk, 0) + 1
    parts = [f"{counts[risk]} {risk}-risk" for risk in Risk.most_urgent_first() if risk in counts]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{joined} post{'s' if len(items) > 1 else ''}"


def _digest(channel: Channel, digest: WeekDigest, subject: str, at: datetime) -> ChannelDelivery:
    failed = digest.failed_sources
    facts = [
        ["Week", digest.week.label], ["Mentions", str(digest.mentions)],
        ["Last week", str(digest.last_week)], ["Need action", str(digest.need_action)],
        ["Sources", f"{len(digest.sources)} watched, {len(failed)} failed this week"],
    ]
    facts += [[f"Failed: {line.name}", line.last_error or "failed"] for line in failed]
    payload = {
        "schema": "schoolwatch.digest/1", "kind": "digest", "title": subject,
        "school": {"id": digest.school_id, "name": digest.school_name},
        "week": digest.week.label, "facts": facts,
        "items": [_item_payload(item) for item in digest.action_items],
    }
    return ChannelDelivery(
        delivery_id=f"digest.{channel.name}.{digest.school_id}.{digest.week.label}",
        channel=channel.name, kind="digest", school_id=digest.school_id, title=subject,
        payload=payload, week=digest.week.label,
        not_before=quiet_until(channel.quiet_hours, at),
    )


def _item_payload(item: Item) -> dict[str, Any]:
    return {
        "id": item.id, "title": item.title, "url": item.url, "link": item.link,
        "source": item.source,
        "when": item.when.strftime("%a %d %b %H:%M"), "risk": item.risk,
        "categories": item.category_labels,
        "reasons": [{"category": r.category, "phrase": r.phrase} for r in item.reasons],
        "excerpt": item.excerpt, "actions": list(item.actions),
        "evidence": {"fetched_at": item.fetched_at.isoformat(), "sha256": item.raw_sha256},
    }
