"""A forkserver for queue workers, holding Scrapy and the spiders imported.

A spawned crawl child spends most of a second importing Scrapy's components; a worker that runs
many short source crawls starts its children from a forkserver that imported them once
(preload.py).
"""

from __future__ import annotations

import multiprocessing
import sys
from multiprocessing import forkserver
from typing import Any

PRELOAD = "schoolwatch.queue.preload"


def forkserver_context() -> Any:
    """A multiprocessing context whose children fork from a server that imported PRELOAD;
    the server starts (and imports) now, not at the first crawl.

    Each child also runs the parent's main module again (multiprocessing does, to find the
    target), so the server imports that too: for `schoolwatch worker` the whole CLI, which
    would otherwise cost every crawl most of a second."""
    context = multiprocessing.get_context("forkserver")
    # The CLI, for the `schoolwatch` console script: multiprocessing runs that script again in
    # each child, which imports the CLI (its '__main__' preload never gets the script's path).
    preload = [PRELOAD, "schoolwatch.cli"]
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name not in preload and not spec.name.endswith("__main__"):
        preload.append(spec.name)  # python -m schoolwatch.cli, or another module run with -m
    context.set_forkserver_preload(preload)
    forkserver.ensure_running()
    return context
