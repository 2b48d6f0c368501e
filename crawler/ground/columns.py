"""Arrow columns from the crawl's Python objects, and the one column type of its times.

pyarrow (with numpy, ~0.2 s and tens of MiB) is imported only inside these functions, so that a
process that only reads the store, or a crawl that brings nothing new, never loads it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa


def arrow_timestamp() -> pa.DataType:
    """The column type of every TIMESTAMPTZ written through Arrow."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa

    return pa.timestamp("us", tz="UTC")


def column(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    """An Arrow column from Python values. Many of a crawl's columns hold one value throughout
    (the source kind, a status, a field that is always empty): found at C speed by list.count
    and repeated, rather than converted row by row."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa

    if values and values.count(values[0]) == len(values):
        return same_values(values, kind)
    return pa.array(values, kind)


def attribute_columns(
    objects: Sequence[Any], attributes: Sequence[tuple[str, pa.DataType]]
) -> dict[str, pa.Array]:
    """Arrow columns of the named attributes of dataclass instances, converted in one pass over
    their __dict__s as a struct: about half the time of one list and one array per column."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa

    struct = pa.array([vars(item) for item in objects], pa.struct(list(attributes)))
    return {name: array for (name, _), array in zip(attributes, struct.flatten(), strict=True)}


def same_values(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    """A column holding one value (or none) throughout."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa

    if not values or values[0] is None:
        return pa.nulls(len(values), kind)
    return pa.repeat(pa.scalar(values[0], kind), len(values))


def timestamp_array(values: Sequence[datetime | None]) -> pa.Array:
    """A TIMESTAMPTZ column from Python datetimes. A crawl's rows share few distinct times (one
    per fetched page), and pyarrow converts each aware datetime slowly (its UTC offset is asked
    for every row), so each distinct time is converted once and the rows index into them."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa

    if not values or values.count(values[0]) == len(values):
        return same_values(values, arrow_timestamp())
    distinct = dict.fromkeys(values)
    if len(distinct) * 4 > len(values):
        return pa.array(values, arrow_timestamp())
    index = {value: number for number, value in enumerate(distinct)}
    return pa.DictionaryArray.from_arrays(
        pa.array([index[value] for value in values], pa.int32()),
        pa.array(list(distinct), arrow_timestamp()),
    ).dictionary_decode()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Holds off Python's cyclic garbage collector while a crawl's documents become columns.
    Building 100k rows makes hundreds of thousands of small tuples, and each collection they
    trigger walks every object of the crawl's documents. Nothing built here is cyclic."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
