"""The sentiment split as a small PNG, drawn on matplotlib's Agg canvas (no pyplot, no display)."""

from __future__ import annotations

import io
from typing import Any

from crawler.ground.vocab import (
    SENTIMENTS_SHOWN,
    UNCLASSIFIED,
    Sentiment,
    sentiment_colour,
    sentiment_label,
)


def _figure(width: float, height: float, dpi: int) -> Any:
    """A figure on an Agg canvas. matplotlib is imported here, when a chart is drawn: a crawl
    that only queues alerts never pays for it."""
    # lazy: matplotlib loads only when a chart is drawn
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


def sentiment_chart(counts: dict[str, int]) -> bytes:
    """One horizontal bar per sentiment with its count; about 500 x 190 pixels."""
    names = [name for name in SENTIMENTS_SHOWN if counts.get(name, 0) or name != UNCLASSIFIED]
    values = [counts.get(name, 0) for name in names]
    figure = _figure(4.2, 0.34 * len(names) + 0.2, 120)
    axes = figure.add_axes((0.36, 0.04, 0.56, 0.92))
    positions = list(range(len(names)))[::-1]
    axes.barh(positions, values, color=[sentiment_colour(n) for n in names], height=0.65)
    axes.set_yticks(positions, [sentiment_label(n) for n in names], fontsize=10)
    axes.set_xticks([])
    peak = max(values) if any(values) else 1
    axes.set_xlim(0, peak * 1.15)
    for position, value in zip(positions, values, strict=True):
        axes.text(value + peak * 0.02, position, str(value), va="center", fontsize=10)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def monthly_sentiment_chart(months: list[tuple[str, dict[str, int]]]) -> bytes:
    """Mentions per month as bars stacked by sentiment, for the pre-inspection report."""
    labels = [label for label, _ in months]
    figure = _figure(7.2, 2.6, 150)
    axes = figure.add_axes((0.07, 0.22, 0.91, 0.70))
    bottoms = [0] * len(months)
    positions = list(range(len(months)))
    # Stacked from the bottom: negative lowest, where a rise is easiest to see.
    for name in (*reversed(Sentiment.shown_order()), UNCLASSIFIED):
        values = [counts.get(name, 0) for _, counts in months]
        if not any(values) and name == UNCLASSIFIED:
            continue
        axes.bar(positions, values, bottom=bottoms, color=sentiment_colour(name), width=0.7,
                 label=sentiment_label(name))
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_xticks(positions, [label.replace(" ", "\n") for label in labels], fontsize=7)
    axes.tick_params(axis="y", labelsize=7)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_xlim(-0.6, len(months) - 0.4)
    axes.set_ylim(0, max(max(bottoms, default=0), 1) * 1.15)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(loc="upper left", fontsize=7, frameon=False, ncol=4)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def rating_trend_chart(months: list[tuple[str, float | None]]) -> bytes:
    """Average review rating per month (1 to 5 stars); months without reviews are gaps."""
    figure = _figure(7.2, 1.9, 150)
    axes = figure.add_axes((0.07, 0.26, 0.91, 0.66))
    positions = list(range(len(months)))
    values = [value if value is not None else float("nan") for _, value in months]
    axes.plot(positions, values, marker="o", color="#1e3a5f", linewidth=1.5, markersize=4)
    axes.set_xticks(positions, [label.replace(" ", "\n") for label, _ in months], fontsize=7)
    axes.set_ylim(0.8, 5.2)
    axes.set_yticks([1, 2, 3, 4, 5], ["1★", "2★", "3★", "4★", "5★"], fontsize=7)
    axes.set_xlim(-0.6, len(months) - 0.4)
    axes.grid(axis="y", color="#e5e7eb", linewidth=0.6)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
