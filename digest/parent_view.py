"""Parent View over time: what the digest flags and the pre-inspection report shows.

Flags (each reading against the one before it): a fall of FALL_POINTS or more in the share of
parents agreeing with any question, and the response count passing RESPONSES (Ofsted shows a
school's results once enough parents have answered, and inspectors read them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from crawler.store import Store

SERIES = "parent_view"
SUBMISSIONS = "submissions"
FALL_POINTS = 10.0
RESPONSES = 10


@dataclass(frozen=True)
class TrendLine:
    question: str
    first: float
    latest: float
    values: list[float]

    @property
    def change(self) -> float:
        return self.latest - self.first


@dataclass(frozen=True)
class ParentViewTrend:
    readings: int
    first_date: str
    latest_date: str
    submissions: list[int]
    lines: list[TrendLine]


def flags(readings: list[dict[str, Any]], since: datetime, until: datetime) -> list[str]:
    """What changed enough to flag, for the readings taken in [since, until)."""
    found: list[str] = []
    for before, reading in pairwise(readings):
        if not since <= reading["observed_at"] < until:
            continue
        old, new = before["values"], reading["values"]
        count_old, count_new = old.get(SUBMISSIONS), new.get(SUBMISSIONS)
        if count_old is not None and count_new is not None and count_old < RESPONSES <= count_new:
            found.append(f"Parent View responses passed {RESPONSES}: now {int(count_new)} "
                         f"(were {int(count_old)})")
        for metric, value in new.items():
            if metric == SUBMISSIONS or metric not in old:
                continue
            fall = old[metric] - value
            if fall >= FALL_POINTS:
                found.append(f"Parent View: \"{metric}\" fell {fall:.0f} points, "
                             f"from {old[metric]:.0f}% to {value:.0f}% agreeing")
    return found


def week_flags(store: Store, school_id: str, start: datetime, end: datetime) -> list[str]:
    return flags(store.series_readings(school_id, SERIES, until=end), start, end)


def trend(store: Store, school_id: str, since: datetime) -> ParentViewTrend | None:
    """Each question from the last reading before `since` (or the first after) to the latest."""
    readings = store.series_readings(school_id, SERIES)
    if not readings:
        return None
    earlier = [r for r in readings if r["observed_at"] < since]
    window = ([earlier[-1]] if earlier else []) + [r for r in readings if r["observed_at"] >= since]
    questions = [m for m in window[-1]["values"] if m != SUBMISSIONS]
    lines = []
    for question in sorted(questions, key=_question_number):
        values = [r["values"][question] for r in window if question in r["values"]]
        lines.append(TrendLine(question, values[0], values[-1], values))
    return ParentViewTrend(
        readings=len(window),
        first_date=_label(window[0]),
        latest_date=_label(window[-1]),
        submissions=[int(r["values"].get(SUBMISSIONS, 0)) for r in window],
        lines=lines,
    )


def _label(reading: dict[str, Any]) -> str:
    day = reading["as_of"] or reading["observed_at"].date()
    return day.strftime("%-d %b %Y")


def _question_number(metric: str) -> tuple[int, str]:
    head = metric.split(".", 1)[0].lstrip("Q")
    return (int(head) if head.isdigit() else 99, metric)
