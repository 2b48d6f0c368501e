"""A forkserver for queue workers, holding Scrapy and the spiders imported.

A spawned crawl child spends most of a second importing Scrapy's components; a worker that runs
many short source crawls starts its children from a forkserver that imported them once
(crawler/engine/preload.py).
"""

from __future__ import annotations

import multiprocessing
from typing import Any

PRELOAD = "crawler.engine.preload"


def forkserver_context() -> Any:
    """A multiprocessing context whose children fork from a server that imported PRELOAD;
    the server starts (and imports) now, not at the first crawl."""
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD])
    forkserver.ensure_running()
    return context
