"""HTML and plain-text bodies from the Jinja2 templates (autoescaped HTML, inline CSS, no JS)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from crawler.ground.dates import shown_moment
from crawler.ground.vocab import LONDON, Risk, sentiment_label
from digest.contents import Item, WeekDigest

REDACTION_NOTE = (
    "Phone numbers, email addresses, street addresses and pupils' names are removed from "
    "excerpts; the full text stays in schoolwatch, behind each link. Sent by schoolwatch."
)
DIGEST_FOOTER = (
    "A week runs Monday to Sunday, UK time; a post counts in the week it was published, or first "
    "seen when it has no date. " + REDACTION_NOTE
)


def _day(moment: datetime) -> str:
    return shown_moment(moment)


def _dated(moment: datetime) -> str:
    """A day with its year: the report spans months, often across a new year."""
    return moment.astimezone(LONDON).strftime("%a %-d %b %Y, %H:%M")


def _status(value: str) -> str:
    """A run's status in words: "not modified (304)", never "not_modified"."""
    return "not modified (304)" if value == "not_modified" else str(value).replace("_", " ")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%-d %b %Y %H:%M:%S %Z")


def _long_date(day: Any) -> str:
    return day.strftime("%a %-d %b %Y")


def _average(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _rating(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _stars(value: float | None) -> str:
    filled = max(0, min(5, round(value or 0)))
    return "★" * filled + "☆" * (5 - filled)


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("digest", "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        day=_day, dated=_dated, stamp=_stamp, long_date=_long_date, average=_average,
        rating=_rating, stars=_stars, status=_status,
    )
    env.globals["RISK_COLOUR"] = {risk.value: risk.colour for risk in Risk}
    return env


@cache
def html_environment() -> Environment:
    return _environment(autoescape=True)


@cache
def text_environment() -> Environment:
    return _environment(autoescape=False)


def trend(digest: WeekDigest) -> str:
    if digest.mentions == digest.last_week:
        return "same as last week"
    difference = digest.mentions - digest.last_week
    return f"{'up' if difference > 0 else 'down'} {abs(difference)} on last week"


def render_digest(digest: WeekDigest, subject: str, chart_src: str | None) -> tuple[str, str]:
    """(html, text) for a digest; `chart_src` is a cid: URL in mail, a data: URL in a preview."""
    context = {
        "d": digest,
        "subject": subject,
        "chart_src": chart_src,
        "trend": trend(digest),
        "footer": " ".join(filter(None, [digest.evidence_note, DIGEST_FOOTER])),
        "sentiment_label": sentiment_label,
        "evidence": False,
    }
    html = html_environment().get_template("digest.html.j2").render(context)
    text = text_environment().get_template("digest.txt.j2").render(context)
    return html, text


def render_alert(school_name: str, items: list[Item], subject: str) -> tuple[str, str]:
    context = {
        "school_name": school_name,
        "items": items,
        "subject": subject,
        "footer": REDACTION_NOTE,
        "evidence": True,
    }
    html = html_environment().get_template("alert.html.j2").render(context)
    text = text_environment().get_template("alert.txt.j2").render(context)
    return html, text
