"""A forkserver for queue workers, holding Scrapy and the spiders imported.

A spawned crawl child spends most of a second importing Scrapy's components; a worker that runs
many short source crawls starts its children from a forkserver that imported them once
(preload.py).
"""

from __future__ import annotations

import multiprocessing
import sys
from typing import Any

PRELOAD = "crawler.app.queue.preload"


def forkserver_context() -> Any:
    """A multiprocessing context whose children fork from a server that imported PRELOAD;
    the server starts (and imports) now, not at the first crawl.

    Each child also runs the parent's main module again (multiprocessing does, to find the
    target), so the server imports that too: for `schoolwatch worker` the whole CLI, which
    would otherwise cost every crawl most of a second."""
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    preload = [PRELOAD]
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name not in ("__main__", "") and not spec.name.endswith(
        ".__main__"
    ):
        preload.append(spec.name)  # python -m crawler.cli
    elif getattr(main, "__file__", None):
        preload.insert(0, "__main__")  # a script: the forkserver imports it by path
    context.set_forkserver_preload(preload)
    forkserver.ensure_running()
    return context
