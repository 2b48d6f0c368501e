"""Screen prints: headless Chromium (Playwright driving Debian's chromium, no browser download)
loads the live page and keeps a full-page PNG and a PDF, with the final URL, the HTTP status
and the time.

The browser gets the crawler's rules: every request goes through RequestGuard (public
addresses only unless allow_private, redirects included), no downloads, no service workers,
no WebSockets, no permission prompts, dialogs dismissed; a response larger than max_bytes is
refused; the picture's height and the PDF's pages are capped. A hostile page cannot hang the
caller: the capture runs in its own process group, killed outright at the deadline (a page
spinning in `while(true){}` stops answering Playwright, so in-process timeouts alone are not
enough).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.ground.config import EvidenceSettings
from crawler.ground.screenprint import (
    BrowserMissingError,
    CaptureFailedError,
    CaptureRefusedError,
    CaptureTimeoutError,
    PageTooLargeError,
    ScreenPrint,
    ScreenPrintError,
)

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
PDF_HEADER = (
    '<div style="font-size:8px;width:100%;padding:0 8mm;font-family:sans-serif;">'
    'Printed by schoolwatch <span class="date"></span> from <span class="url"></span></div>'
)
PDF_FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;font-family:sans-serif;">'
    'page <span class="pageNumber"></span> of <span class="totalPages"></span></div>'
)
LOAD_SLICE_MS = 250
# What the child is given beyond its own deadline to launch and shut the browser down.
GRACE_SECONDS = 15.0


def chromium_path() -> str | None:
    """Debian's chromium, or None when it is not installed (screen prints are then off)."""
    for candidate in CHROMIUM_PATHS:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium")


def screen_prints_off(settings: EvidenceSettings) -> str | None:
    """One line saying why screen prints are not being taken, or None when they are."""
    if settings.screen_prints is False:
        return "Screen prints are off ([evidence] screen_prints = false)."
    if chromium_path() is None:
        return ("Screen prints are off: Chromium is not installed (apt-get install chromium); "
                "only the page's bytes are kept as evidence.")
    if not playwright_installed():
        return ("Screen prints are off: the playwright package is not installed (pip install "
                "playwright, or the [screenprints] extra, in schoolwatch's venv); only the "
                "page's bytes are kept as evidence.")
    return None


def playwright_installed() -> bool:
    """Playwright drives the browser; a runtime-only install (no extras) lacks it."""
    return importlib.util.find_spec("playwright") is not None


@dataclass(frozen=True)
class CaptureLimits:
    timeout: float = 30.0  # seconds for the page to load and be drawn
    max_bytes: int = 10_000_000  # largest single response ([crawl] max_bytes)
    width: int = 1280
    max_height: int = 16_000  # pixels of a full-page picture
    max_pdf_pages: int = 20


@dataclass(frozen=True)
class CaptureRequest:
    url: str
    user_agent: str
    allow_private: bool = False
    trusted: tuple[tuple[str, int | None], ...] = ()
    limits: CaptureLimits = CaptureLimits()


_ERRORS: dict[str, type[ScreenPrintError]] = {
    "refused": CaptureRefusedError,
    "failed": CaptureFailedError,
}


def capture(request: CaptureRequest) -> ScreenPrint:
    """Takes one screen print in a child process; raises a ScreenPrintError saying why not."""
    browser = chromium_path()
    if browser is None:
        raise BrowserMissingError()
    with tempfile.TemporaryDirectory(prefix="schoolwatch-print-") as folder:
        out = Path(folder)
        order = {"request": _as_json(request), "chromium": browser, "out": str(out)}
        (out / "request.json").write_text(json.dumps(order), encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler.engine.screenprint", str(out / "request.json")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: the browser dies with it
        )
        deadline = request.limits.timeout + GRACE_SECONDS
        try:
            _, stderr = process.communicate(timeout=deadline)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise CaptureTimeoutError(request.url, request.limits.timeout) from None
        finally:
            _kill_group(process)  # whatever it left behind (a stuck renderer)
        result_path = out / "result.json"
        if not result_path.exists():
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise CaptureFailedError(f"the browser stopped: {tail[0][:300]}")
        result = json.loads(result_path.read_text(encoding="utf-8"))
        if result["outcome"] == "timeout":
            raise CaptureTimeoutError(request.url, request.limits.timeout)
        if result["outcome"] == "too_large":
            raise PageTooLargeError(result.get("url") or request.url, request.limits.max_bytes)
        if result["outcome"] != "ok":
            raise _ERRORS.get(result["outcome"], CaptureFailedError)(result["message"])
        return ScreenPrint(
            requested_url=request.url,
            final_url=result["final_url"],
            http_status=result["http_status"],
            captured_at=datetime.fromisoformat(result["captured_at"]),
            png=(out / "page.png").read_bytes(),
            pdf=(out / "page.pdf").read_bytes(),
        )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _as_json(request: CaptureRequest) -> dict[str, Any]:
    return {**asdict(request), "trusted": [list(pair) for pair in request.trusted]}


# ---- the child: runs Playwright, writes page.png, page.pdf and result.json ------------------


def _child(order_path: str) -> None:
    order = json.loads(Path(order_path).read_text(encoding="utf-8"))
    out = Path(order["out"])
    raw = order["request"]
    limits = CaptureLimits(**raw["limits"])
    outcome = _capture_in_browser(order["chromium"], raw, limits, out)
    (out / "result.json").write_text(json.dumps(outcome), encoding="utf-8")


def _capture_in_browser(
    chromium: str, raw: dict[str, Any], limits: CaptureLimits, out: Path
) -> dict[str, Any]:
    # Playwright is heavy and only the capture child needs it: imported here, not at the top.
    # lazy: playwright and the browser guard load only when a screen print is taken
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from crawler.engine.browser_guard import RequestGuard, chromium_flags
    from crawler.engine.browser_proxy import GuardProxy

    url = raw["url"]
    guard = RequestGuard(raw["allow_private"],
                         frozenset((host, port) for host, port in raw["trusted"]))
    first = guard.problem(url)
    if first:
        return {"outcome": "refused", "message": f"refused {url}: {first}"}
    timeout_ms = limits.timeout * 1000
    with GuardProxy(guard, limits.max_bytes, limits.timeout) as proxy, \
            sync_playwright() as playwright:
        # Loopback too goes through the proxy (Chromium would otherwise bypass it for
        # localhost), so nothing reaches any address the guard has not vetted.
        browser = playwright.chromium.launch(
            executable_path=chromium, timeout=timeout_ms,
            args=[*chromium_flags(), f"--proxy-server={proxy.address}",
                  "--proxy-bypass-list=<-loopback>"])

        def refusal() -> dict[str, Any] | None:
            if proxy.too_large:
                return {"outcome": "too_large", "url": proxy.too_large}
            return None

        try:
            context = browser.new_context(
                user_agent=raw["user_agent"], viewport={"width": limits.width, "height": 900},
                accept_downloads=False, service_workers="block", permissions=[],
                timezone_id="Europe/London", locale="en-GB",
            )
            context.route_web_socket("**/*", lambda socket: socket.close())
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.dismiss())
            page.set_default_timeout(timeout_ms)
            try:
                response = page.goto(url, wait_until="commit", timeout=timeout_ms)
                # In slices, so a response the proxy cut off ends the wait at once.
                deadline = time.monotonic() + limits.timeout
                while True:
                    if refused := refusal():
                        return refused
                    try:
                        page.wait_for_load_state("load", timeout=LOAD_SLICE_MS)
                        break
                    except PlaywrightTimeout:
                        if time.monotonic() > deadline:
                            return {"outcome": "timeout"}
                if refused := refusal():
                    return refused
                png = page.screenshot(full_page=True, type="png", timeout=timeout_ms, clip={
                    "x": 0, "y": 0, "width": limits.width, "height": limits.max_height})
                page.emulate_media(media="screen")
                # Chromium fills the header's date and url: a printed page carries "the time,
                # date and address of site" a school's policy asks for.
                pdf = page.pdf(print_background=True, format="A4",
                               page_ranges=f"1-{limits.max_pdf_pages}",
                               display_header_footer=True, header_template=PDF_HEADER,
                               footer_template=PDF_FOOTER,
                               margin={"top": "18mm", "bottom": "14mm", "left": "8mm",
                                       "right": "8mm"})
            except PlaywrightTimeout:
                return refusal() or {"outcome": "timeout"}
            except PlaywrightError as exc:
                if refused := refusal():
                    return refused
                if proxy.refused:
                    return {"outcome": "refused", "message": proxy.refused[0]}
                return {"outcome": "failed", "message": _first_line(str(exc))}
            (out / "page.png").write_bytes(png)
            (out / "page.pdf").write_bytes(pdf)
            return {
                "outcome": "ok",
                "final_url": page.url,
                "http_status": response.status if response else None,
                "captured_at": datetime.now(UTC).isoformat(),
            }
        finally:
            browser.close()


def _first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), message)[:300]


if __name__ == "__main__":
    _child(sys.argv[1])
