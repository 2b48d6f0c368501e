"""The sentiment split as a small PNG, drawn on matplotlib's Agg canvas (no pyplot, no display)."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

COLOURS = {
    "positive": "#2e7d32",
    "neutral": "#9e9e9e",
    "negative": "#c62828",
    "unclassified": "#cfd8dc",
}
LABELS = {
    "positive": "Positive",
    "neutral": "Neutral",
    "negative": "Negative",
    "unclassified": "Not yet classified",
}


def sentiment_chart(counts: dict[str, int]) -> bytes:
    """One horizontal bar per sentiment with its count; about 500 x 190 pixels."""
    names = [name for name in COLOURS if counts.get(name, 0) or name != "unclassified"]
    values = [counts.get(name, 0) for name in names]
    figure = Figure(figsize=(4.2, 0.34 * len(names) + 0.2), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.36, 0.04, 0.56, 0.92))
    positions = list(range(len(names)))[::-1]
    axes.barh(positions, values, color=[COLOURS[n] for n in names], height=0.65)
    axes.set_yticks(positions, [LABELS[n] for n in names], fontsize=10)
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
