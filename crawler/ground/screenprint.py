"""The shape of a screen print as the browser hands it to the store, and the typed ways a
capture can fail (each says why in words, as the mention page shows it)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from crawler.ground.errors import SchoolwatchError

# Who took a screen print nobody asked for: the crawl, at a high-risk mention's first sighting.
AUTOMATIC_ACTOR = "schoolwatch"


@dataclass(frozen=True)
class ScreenPrint:
    """A picture of the page as it was: a full-page PNG and a PDF, with where and when."""

    requested_url: str
    final_url: str
    http_status: int | None
    captured_at: datetime
    png: bytes
    pdf: bytes

    @property
    def png_sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest()

    @property
    def pdf_sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


class ScreenPrintError(SchoolwatchError):
    """No screen print could be taken; the message says why."""


class BrowserMissingError(ScreenPrintError):
    def __init__(self) -> None:
        super().__init__("screen prints need Chromium: apt-get install chromium")


class CaptureRefusedError(ScreenPrintError):
    """The page, or something it led to, is not a public address (or not http(s))."""


class CaptureTimeoutError(ScreenPrintError):
    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(f"the page at {url} did not finish within {seconds:g}s")


class PageTooLargeError(ScreenPrintError):
    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"the page at {url} is larger than {limit:,} bytes")


class CaptureFailedError(ScreenPrintError):
    """The browser could not load or draw the page (connection refused, crash, download)."""
