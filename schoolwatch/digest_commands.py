"""CLI: `schoolwatch digest`, `schoolwatch alerts` and `schoolwatch outbox`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from crawler.ground.config import Config
from crawler.ground.errors import DeliveryFailedError
from crawler.store import QueryResult, Store
from digest.alerts import queue_alerts
from digest.channels import deliver_channels, queue_channel_alerts, queue_channel_digests
from digest.mailer import DeliveryReport, deliver_pending, outbox_dir
from digest.outbox import list_messages
from digest.weekly import compose_digests, queue_digests, select_schools
from digest.weeks import Week
from schoolwatch.ui import (
    catch_up_first,
    config_option,
    console,
    esc,
    existing_store,
    load_from_option,
    print_result,
)


def preview_paths(target: Path, school_ids: list[str]) -> dict[str, Path]:
    """One file per school: FILE itself for one school, FILE-<school>.html for several."""
    if len(school_ids) == 1:
        return {school_ids[0]: target}
    return {
        school_id: target.with_name(f"{target.stem}-{school_id}{target.suffix or '.html'}")
        for school_id in school_ids
    }


def deliver_and_report(config: Config, store: Store) -> DeliveryReport:
    report = deliver_pending(config, store)
    if report.outbox_only:
        console.print(
            f"No SMTP server configured ([email] smtp_host): {report.pending} message(s) wait "
            f"in the outbox, {outbox_dir(config)}", highlight=False, soft_wrap=True,
        )
        return report
    console.print(
        f"Sent {len(report.sent)}, failed {len(report.failed)}, still queued {report.pending}.",
        highlight=False, soft_wrap=True,
    )
    if report.failed:
        first = next(iter(report.failed.values()))
        raise DeliveryFailedError(
            f"{len(report.failed)} message(s) not sent ({first}); they stay queued and are "
            "retried on the next run (see `schoolwatch outbox`)"
        )
    return report


@click.command("digest")
@config_option
@click.option("--school", "school_id", metavar="ID", help="Only this school. Default: every one.")
@click.option("--week", "week_text", metavar="YYYY-Www",
              help="ISO week, e.g. 2026-W47 (Monday to Sunday, UK time). Default: last week.")
@click.option("--send", is_flag=True, help="Then send every queued message over SMTP.")
@click.option("--preview", "preview", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the HTML to this file, to open in a browser.")
@click.option("--dry-run", is_flag=True, help="Compose (and preview) only: queue nothing.")
def digest_command(
    config_path: Path | None, school_id: str | None, week_text: str | None, send: bool,
    preview: Path | None, dry_run: bool,
) -> None:
    """Compose each school's weekly digest and queue it in the outbox (a .eml copy per message).

    A digest is queued once per school and week: running again does not queue or send it
    twice. Without --send nothing is sent; --send also delivers every queued message.
    """
    config = load_from_option(config_path)
    week = Week.parse(week_text) if week_text else Week.previous(datetime.now(UTC))
    schools = select_schools(config, school_id)
    store = existing_store(config) if dry_run else Store(config.store.path)
    if not dry_run:
        catch_up_first(config)
    if dry_run:
        composed = compose_digests(config, store, week, schools)
        htmls = {digest.school_id: c.preview_html for digest, c in composed}
        for _, message in composed:
            console.print(f"[bold]{esc(message.message.subject)}[/] (dry run: not queued)",
                          highlight=False, soft_wrap=True)
    else:
        outcomes = queue_digests(config, store, week, schools)
        htmls = {o.school_id: o.composed.preview_html for o in outcomes}
        for outcome in outcomes:
            state = "queued" if outcome.queued else "already queued earlier, not queued again"
            console.print(f"[bold]{esc(outcome.composed.message.subject)}[/]: {state}",
                          highlight=False, soft_wrap=True)
            if outcome.eml_path:
                console.print(f"  {outcome.eml_path}", highlight=False, soft_wrap=True,
                              markup=False)
        for delivery_id in queue_channel_digests(
            config, store, [o.digest for o in outcomes],
            {o.school_id: o.composed.message.subject for o in outcomes},
        ):
            console.print(f"Queued channel digest {delivery_id}", highlight=False,
                          soft_wrap=True)
    if preview is not None:
        for school, path in preview_paths(preview, list(htmls)).items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(htmls[school], encoding="utf-8")
            console.print(f"Preview: {path}", highlight=False, soft_wrap=True, markup=False)
    if send and not dry_run:
        deliver_channels_and_report(config, store)
        deliver_and_report(config, store)


@click.command("alerts")
@config_option
@click.option("--send", is_flag=True, help="Then send every queued message over SMTP.")
def alerts_command(config_path: Path | None, send: bool) -> None:
    """Queue an alert for each school with high-risk mentions no alert has covered yet.

    One message per school lists every new high-risk mention with its evidence and the
    recommended action. A mention is alerted once, however often this runs.
    """
    config = load_from_option(config_path)
    store = Store(config.store.path)
    catch_up_first(config)
    result = queue_alerts(config, store)
    if not result.queued:
        console.print("No new high-risk mentions to alert.")
    for message_id in result.queued:
        console.print(f"Queued alert {message_id}", highlight=False, soft_wrap=True, markup=False)
        console.print(f"  {result.eml_paths[message_id]}", highlight=False, soft_wrap=True,
                      markup=False)
    for delivery_id in queue_channel_alerts(config, store):
        console.print(f"Queued channel alert {delivery_id}", highlight=False, soft_wrap=True)
    if send:
        deliver_channels_and_report(config, store)
        deliver_and_report(config, store)


OUTBOX_TABLE = ("status", "kind", "school", "subject", "recipients", "created", "attempts",
                "last_error")


def _columns(result: QueryResult, names: tuple[str, ...]) -> QueryResult:
    keep = [result.columns.index(name) for name in names if name in result.columns]
    return QueryResult([result.columns[i] for i in keep],
                       [tuple(row[i] for i in keep) for row in result.rows])


def deliver_channels_and_report(config: Config, store: Store) -> None:
    """Sends what is due on the [[channel]]s; failures stay queued and are shown."""
    report = deliver_channels(config, store)
    if config.channel:
        console.print(f"Channels: delivered {len(report.sent)}, failed {len(report.failed)}.")
    for delivery_id, error in report.failed.items():
        console.print(f"  [yellow]{esc(delivery_id)}[/]: {esc(error)} (stays queued)",
                      highlight=False,
                      soft_wrap=True)


@click.command("outbox")
@config_option
@click.option("--pending", is_flag=True, help="Only messages not sent yet.")
@click.option("--send", is_flag=True, help="Send the queued messages now.")
@click.option("--limit", default=50, show_default=True, help="Show at most this many.")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True, help="How to print the rows.")
def outbox_command(
    config_path: Path | None, pending: bool, send: bool, limit: int, output_format: str
) -> None:
    """List queued and sent messages: kind, school, recipients, attempts and last error; then
    the channel deliveries (sent, queued, or held by quiet hours) when channels are set up."""
    config = load_from_option(config_path)
    store = Store(config.store.path) if send else existing_store(config)
    if send:
        catch_up_first(config)
        deliver_channels_and_report(config, store)
        deliver_and_report(config, store)
    messages = list_messages(store, pending_only=pending, limit=limit)
    if output_format == "table":  # what fits a terminal; csv and json keep every column
        messages = _columns(messages, OUTBOX_TABLE)
    print_result(messages, output_format)
    if config.channel:
        print_result(store.list_deliveries(pending_only=pending, limit=limit), output_format)
