"""A crawl's child process: started with spawn (Twisted's reactor cannot restart in-process),
stopped on timeout (the scheduler's hard limit), following its parent when that dies, and
bringing back either a result, progress events or the child's error as its own type.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import multiprocessing
import os
import pickle
import queue as queue_module
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from typing import Any

from crawler.ground import errors
from crawler.ground.errors import CrawlProcessError, CrawlTimeoutError

# ---- parent side --------------------------------------------------------------------------


def run_in_child(
    target: Callable[[dict[str, Any], Any], Any],
    job: dict[str, Any],
    on_progress: Callable[[Any], None] | None,
    timeout: float | None,
    context: Any = None,
    preload: tuple[str, ...] = (),
    while_starting: Callable[[], None] | None = None,
) -> Any:
    """Runs `target(job, channel)` (a module-level function, so that it pickles) in a child
    process and returns its result; progress the child puts on the channel goes to
    `on_progress`. A domain error in the child is raised again here as its own type.

    The child imports the `preload` modules before anything else, the target's module and the
    job's classes included: for a module whose import costs more the more modules are loaded.
    `while_starting` runs here once the child has started: work of the parent's own that then
    overlaps the child's start-up instead of following its end."""
    context = context or multiprocessing.get_context("spawn")
    channel = context.Queue()
    # Pickled here, unpickled by the child after its preload (multiprocessing would unpickle
    # the arguments, and import what they need, before the child's code runs).
    work = pickle.dumps((target, job), protocol=pickle.HIGHEST_PROTOCOL)
    process = context.Process(target=_child_main, args=(work, preload, channel),
                              name="schoolwatch-crawl")
    with _main_module_hidden():
        process.start()
    if while_starting is not None:
        while_starting()
    deadline = time.monotonic() + timeout if timeout else None
    result: Any = None
    failure: tuple[str, str] | None = None
    interrupted = False
    while True:
        try:
            kind, payload = channel.get(timeout=0.2)
        except queue_module.Empty:
            if not process.is_alive():
                break
            if deadline is not None and time.monotonic() > deadline:
                _stop(process)
                raise CrawlTimeoutError(
                    f"the crawl did not finish within {timeout:g}s and was stopped"
                ) from None
            continue
        except KeyboardInterrupt:
            # The child got the same Ctrl-C: it stops fetching and still writes what it has.
            if interrupted:
                _stop(process)
                raise
            interrupted = True
            continue
        if kind == "progress" and on_progress is not None:
            on_progress(payload)
        elif kind == "result":
            result = payload
            break
        elif kind == "error":
            failure = payload
            break
    process.join()
    if failure is not None:
        raise _rebuild_error(*failure)
    if result is None:
        raise CrawlProcessError(
            f"the crawl process ended without a result (exit code {process.exitcode})"
        )
    return result


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Starts the child without re-running the parent's __main__ in it.

    A spawned child imports the parent's main script (for `schoolwatch`, the whole CLI: click,
    rich, the digest, matplotlib: seconds and ~100 MiB) so that functions defined there can be
    unpickled. The child's entry point lives in this module, so it needs none of that.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _stop(process: Any) -> None:
    process.terminate()
    process.join(10)
    if process.is_alive():
        process.kill()
        process.join()


def _rebuild_error(type_name: str, message: str) -> Exception:
    error_type = getattr(errors, type_name, None)
    if isinstance(error_type, type) and issubclass(error_type, errors.SchoolwatchError):
        try:
            return error_type(message)
        except TypeError:
            pass
    return CrawlProcessError(message)


# ---- child side ---------------------------------------------------------------------------


ORPHAN_STOP = 3.0
ORPHAN_GRACE = 30.0


def _exit_with_parent() -> None:
    """The child follows its parent: when the parent dies (kill -9, a crash), the child stops
    fetching as on Ctrl-C twice (what it has is spooled and written, its runs marked
    interrupted) and is gone within ORPHAN_GRACE seconds even if that write cannot finish."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)  # Scrapy stops taking new requests
        time.sleep(ORPHAN_STOP)
        os.kill(os.getpid(), signal.SIGTERM)  # a second one drops those in flight
        time.sleep(ORPHAN_GRACE)
        os._exit(3)

    threading.Thread(target=watch, name="schoolwatch-orphan-watch", daemon=True).start()


# The child keeps every document it collects until the one store write at the end, so its heap
# only grows; with the default thresholds the cyclic collector keeps re-scanning it (measured:
# ~15% of a forum crawl). Collections come less often, and what is loaded before the crawl is
# frozen out of them.
CHILD_GC_THRESHOLDS = (10_000, 50, 100)


def _child_main(work: bytes, preload: tuple[str, ...], channel: Any) -> None:
    gc.set_threshold(*CHILD_GC_THRESHOLDS)
    _exit_with_parent()
    try:
        for name in preload:
            importlib.import_module(name)
        target, job = pickle.loads(work)
        channel.put(("result", target(job, channel)))
    except errors.SchoolwatchError as exc:
        channel.put(("error", (type(exc).__name__, str(exc))))
    except BaseException as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        channel.put(("error", ("CrawlProcessError", f"the crawl process failed: {detail}")))
