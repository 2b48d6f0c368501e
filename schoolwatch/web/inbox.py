"""The inbox: filtered list, counts per status, bulk actions, CSV export and the weekly chart."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from crawler.ground.errors import TriageError
from crawler.ground.vocab import UNCLASSIFIED, MentionStatus, Risk, Sentiment
from crawler.store.inbox import (
    NEEDS_ACTION_FIRST,
    ORDERS,
    PAGE_SIZE,
    InboxFilter,
)
from schoolwatch.web.shared import checked_form, login_required, scope_of, web_of

FILTER_KEYS = ("school", "status", "risk", "category", "sentiment", "source", "since", "until",
               "q", "assigned_to", "order")
CHART_WEEKS = 12
# Said above the bulk form when a bulk action came back unapplied (a fixed text per code: no
# text from the address is ever shown).
BULK_ERRORS = {
    "reason": "Nothing was changed: say why the ticked mentions are false positives (the "
              "reason box), then apply again. Your ticks are kept.",
}


def _ticked(value: str | None) -> set[int]:
    return {int(part) for part in (value or "").split(",")[:PAGE_SIZE] if part.isdigit()}


# Filters are clamped to what a store can hold: a date far outside them, or a page past the
# millionth, is a typed URL or an attack, and must not reach the SQL as an overflow (a 500).
EARLIEST, LATEST = date(1990, 1, 1), date(2199, 12, 31)
MAX_PAGE = 1_000_000


def _date(value: str | None) -> date | None:
    try:
        chosen = date.fromisoformat(value.strip()[:10]) if value else None
    except ValueError:
        return None
    return None if chosen is None else min(max(chosen, EARLIEST), LATEST)


def page_number(value: str | None) -> int:
    """The page asked for, from 1 to MAX_PAGE (anything else, however long, is page 1)."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return MAX_PAGE if len(text) > 7 else min(max(1, int(text)), MAX_PAGE)


def parse_filter(params: Any) -> InboxFilter:
    """Only known values count; anything else is ignored rather than passed on."""

    def pick(key: str, allowed: tuple[str, ...] | None = None) -> str | None:
        value = (params.get(key) or "").strip()[:200]
        if not value or (allowed is not None and value not in allowed):
            return None
        return value

    return InboxFilter(
        school=pick("school"),
        status=pick("status", tuple(s.value for s in MentionStatus)),
        risk=pick("risk", Risk.most_urgent_first()),
        category=pick("category"),
        sentiment=pick("sentiment", tuple(Sentiment)),
        source=pick("source"),
        since=_date(params.get("since")),
        until=_date(params.get("until")),
        q=pick("q"),
        assigned_to=pick("assigned_to"),
        order=pick("order", ORDERS) or NEEDS_ACTION_FIRST,
    )


def filter_query(f: InboxFilter, **changes: Any) -> str:
    values = {key: getattr(f, key) for key in FILTER_KEYS}
    values.update(changes)
    if values.get("order") == NEEDS_ACTION_FIRST:  # the default needs no place in the address
        values["order"] = None
    return urlencode({k: str(v) for k, v in values.items() if v not in (None, "")})


@login_required
async def inbox_page(request: Request) -> Response:
    web = web_of(request)
    user = request.scope["user"]
    f = parse_filter(request.query_params)
    page = page_number(request.query_params.get("page"))
    result = await web.db(web.store.inbox, f, scope_of(user), limit=PAGE_SIZE,
                          offset=(page - 1) * PAGE_SIZE)
    choices = await web.choices(scope_of(user))
    context = {
        "f": f, "page": page, "result": result, "choices": choices,
        "schools": [s for s in web.config.school if user.sees(s.id)],
        "statuses": list(MentionStatus), "risks": Risk.most_urgent_first(),
        "sentiments": tuple(Sentiment),
        "query": filter_query(f), "filter_query": filter_query,
        "pages": max(1, -(-result.total // PAGE_SIZE)),
        "flash": request.query_params.get("done"),
        "coverage_warning": await web.coverage_warning(scope_of(user)),
        "bulk_error": BULK_ERRORS.get(request.query_params.get("bulk_error", "")),
        "bulk_status": request.query_params.get("bulk_status"),
        "ticked": _ticked(request.query_params.get("ticked")),
    }
    template = "_results.html" if request.headers.get("hx-request") else "inbox.html"
    return web.render(request, template, context)


def _csv_cell(value: Any) -> Any:
    """Crawled text must not become a spreadsheet formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(map(str, value))
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
async def export_csv(request: Request) -> Response:
    web = web_of(request)
    rows = await web.db(web.store.inbox_export, parse_filter(request.query_params),
                        scope_of(request.scope["user"]))
    out = io.StringIO()
    columns = ["id", "school_id", "happened_at", "source", "url", "title", "author", "sentiment",
               "risk", "categories", "status", "status_reason", "assigned_to", "text"]
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": 'attachment; filename="mentions.csv"'})


@login_required
async def bulk(request: Request) -> Response:
    web = web_of(request)
    user = request.scope["user"]
    form = await checked_form(request)
    if form is None:
        return web.error(request, 403, "This form lacks its CSRF token: reload and try again.")
    if not user.can_act:
        return web.error(request, 403, "A viewer cannot change mentions.")
    try:
        ids = [int(value) for value in form.get("ids") or []]
    except ValueError:
        return web.error(request, 400, "Bad mention ids.")
    if not ids:
        return web.error(request, 400, "Tick at least one mention.")
    back = str(form.get("back") or "")
    query = back if back and "/" not in back else ""
    separator = "&" if query else ""
    status = str(form.get("status") or "")
    if status == MentionStatus.FALSE_POSITIVE and not str(form.get("reason") or "").strip():
        # Back to the same view with the boxes still ticked and the reason asked for.
        kept = urlencode({"bulk_error": "reason", "bulk_status": status,
                          "ticked": ",".join(map(str, ids))})
        return RedirectResponse(f"/mentions?{query}{separator}{kept}#bulk", status_code=303)
    try:
        changed = await web.db(web.store.set_status, ids, str(form.get("status") or ""),
                               user.email, reason=str(form.get("reason") or ""),
                               schools=scope_of(user))
    except TriageError as exc:
        return web.error(request, 400 if "no mention" not in str(exc) else 404, str(exc))
    return RedirectResponse(f"/mentions?{query}{separator}done={changed}", status_code=303)


@login_required
async def chart_page(request: Request) -> Response:
    web = web_of(request)
    since = datetime.now(UTC) - timedelta(weeks=CHART_WEEKS)
    rows = await web.db(web.store.weekly_counts, scope_of(request.scope["user"]), since)
    weeks: dict[date, dict[str, Any]] = {}
    for row in rows:
        week = weeks.setdefault(row["week"], {"sentiment": {}, "risk": {}, "total": 0})
        week["sentiment"][row["sentiment"]] = week["sentiment"].get(row["sentiment"], 0) + row["n"]
        week["risk"][row["risk"]] = week["risk"].get(row["risk"], 0) + row["n"]
        week["total"] += row["n"]
    ordered = sorted(weeks.items())
    top = max((w["total"] for _, w in ordered), default=0) or 1
    bars = []
    for index, (monday, week) in enumerate(ordered):
        y = 200.0
        parts = []
        # Stacked from the bottom of the bar: negative lowest, as in the report.
        for name in (*reversed(Sentiment.shown_order()), UNCLASSIFIED):
            count = week["sentiment"].get(name, 0)
            height = 180.0 * count / top
            y -= height
            if count:
                parts.append({"name": name, "y": round(y, 1), "height": round(height, 1),
                              "count": count})
        bars.append({"x": 40 + index * 50, "monday": monday, "parts": parts, **week})
    return web.render(request, "chart.html", {
        "bars": bars, "top": top, "risks": (*Risk.most_urgent_first(), UNCLASSIFIED),
        "coverage_warning": await web.coverage_warning(scope_of(request.scope["user"]))})
