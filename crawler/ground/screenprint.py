"""The shape of a screen print as the browser hands it to the store, and the typed ways a
capture can fail (each says why in words, as the mention page shows it)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from crawler.ground.errors import (  # noqa: F401  (re-exported: the screen-print errors)
    BrowserMissingError,
    CaptureFailedError,
    CaptureRefusedError,
    CaptureTimeoutError,
    PageTooLargeError,
    ScreenPrintError,
)

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
