"""Instant alerts: one message per school for the high-risk mentions no alert has covered yet.

Called after each crawl (and its classification). Alerted mention ids are recorded with the
message in one transaction, so re-running never alerts the same mention twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.ground.config import Config
from crawler.store import Store
from digest.compose import compose_alert
from digest.mailer import outbox_dir, sender
from digest.outbox import OutgoingMessage, QueueResult, queue_messages
from digest.weekly import high_risk_unalerted

DEFAULT_WINDOW = timedelta(days=7)


def queue_alerts(config: Config, store: Store, now: datetime | None = None) -> QueueResult:
    """Queues (and writes as .eml) one alert per school with new high-risk mentions.

    Only mentions fetched within [email] alert_window before `now` count, so a first run over
    months of old data does not flood the inbox. Schools without leads are left for later: their
    mentions stay unalerted until someone is there to tell.
    """
    now = now or datetime.now(UTC)
    window = config.email.alert_window if config.email is not None else DEFAULT_WINDOW
    messages: list[OutgoingMessage] = []
    for school in config.school:
        if not school.leads:
            continue
        items = high_risk_unalerted(store, school.id, now - window, config.web.base_url)
        if items:
            messages.append(compose_alert(school, items, sender(config), tuple(school.leads)))
    return queue_messages(store, messages, outbox_dir(config))
