"""Time series kept beside the mentions (Parent View results): written with the crawl that read
them, read back per school for the digest's flags and the report's trend."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    pass

from crawler.ground.columns import arrow_timestamp
from crawler.ground.items import SeriesPoint
from crawler.store.base import StoreBase, insert_arrow


def write_series(con: duckdb.DuckDBPyConnection, points: Sequence[SeriesPoint]) -> None:
    if not points:
        return
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    batch = pa.table({
        "source": pa.array([p.source for p in points], pa.string()),
        "school_id": pa.array([p.school_id for p in points], pa.string()),
        "series": pa.array([p.series for p in points], pa.string()),
        "observed_at": pa.array([p.observed_at for p in points], arrow_timestamp()),
        "as_of": pa.array([p.as_of for p in points], pa.date32()),
        "metric": pa.array([p.metric for p in points], pa.string()),
        "value": pa.array([float(p.value) for p in points], pa.float64()),
        "detail": pa.array([json.dumps(p.detail) if p.detail else None for p in points],
                           pa.string()),
    })
    insert_arrow(con, "series_points", batch)


class SeriesStore(StoreBase):
    def series_readings(
        self, school_id: str, series: str, until: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Every reading of the school's series up to `until`, oldest first: one dict per
        reading with its time, date and {metric: value}."""
        if not self.path.exists():
            return []
        rows = self.query(
            "SELECT observed_at, as_of, metric, value FROM series_points "
            "WHERE school_id = ? AND series = ? AND (? IS NULL OR observed_at < ?) "
            "ORDER BY observed_at, metric",
            [school_id, series, until, until],
        ).rows
        readings: dict[datetime, dict[str, Any]] = {}
        for observed_at, as_of, metric, value in rows:
            reading = readings.setdefault(
                observed_at, {"observed_at": observed_at, "as_of": as_of, "values": {}}
            )
            reading["values"][metric] = value
        return list(readings.values())
