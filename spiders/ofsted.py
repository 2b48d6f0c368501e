"""The school's Ofsted report page (reports.ofsted.gov.uk/provider/21/URN): one document per
inspection report, with its inspection and publication dates, the grade words and the PDF.

The page lists every report as a link to its PDF on files.ofsted.gov.uk, next to its dates and
judgement. Each report is read from the smallest block around its link, so a redesign that
keeps link, dates and words together keeps working. The report's address is the PDF's, so a
report is stored once and a new one is a new mention (and is flagged in the digest).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import Response

from crawler.ground.errors import UnreadableContentError
from crawler.ground.items import Document
from crawler.ground.text import html_to_text
from crawler.ground.vocab import LONDON
from spiders.base import SourceSpider

# Words of every Ofsted framework: report cards (from November 2025), the 2019 framework's
# four grades, and the short-inspection and monitoring outcomes.
GRADE_WORDS = (
    "Exceptional", "Strong standard", "Expected standard", "Needs attention",
    "Urgent improvement", "Outstanding", "Good", "Requires improvement", "Inadequate",
    "Serious weaknesses", "Special measures", "continues to be good",
    "continues to be outstanding", "Insufficient evidence", "Taking effective action",
    "Not taking effective action",
)
_GRADE_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in GRADE_WORDS) + r")\b", re.I)
_PDF_LINK = ("//a[contains(@href, 'files.ofsted.gov.uk') or "
             "contains(translate(@href, 'PDF', 'pdf'), '.pdf')]")
_DATE_TEXT = re.compile(
    r"\b(\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December) \d{4})\b"
)


class OfstedSpider(SourceSpider):
    name = "ofsted"
    handle_httpstatus_list = [304]  # noqa: RUF012 - Scrapy reads this class attribute

    async def start(self) -> AsyncIterator[Any]:
        request = self.request(self.source.url, self.parse_reports, conditional=True)
        if request is not None:
            yield request

    def parse_reports(self, response: Response) -> Iterator[Document]:
        if self.unchanged(response):
            return
        reports = read_reports(response.text, response.url)
        if not reports:
            self.record_error(UnreadableContentError(
                f"no inspection report links on {response.url} (is it an Ofsted report page?)"
            ))
            return
        fetched_at = datetime.now(UTC)
        for report in reports:
            yield self.document(
                response, url=report["pdf"], title=report["title"], text=report["text"],
                published_at=report["published_at"], fetched_at=fetched_at, platform="ofsted",
                author="Ofsted",
                extra={"ofsted": {key: report[key] for key in
                                  ("inspection_date", "published", "grades", "pdf")}
                       | {"report_page": response.url}},
            )


def read_reports(html: str, url: str) -> list[dict[str, Any]]:
    """Every report on the page, newest first as the page lists them."""
    page = Selector(text=html)
    school = " ".join(page.xpath("//h1//text()").getall()).strip() or url
    reports: list[dict[str, Any]] = []
    seen: set[str] = set()
    for link in page.xpath(_PDF_LINK):
        href = (link.attrib.get("href") or "").strip()
        if not href or href in seen:
            continue
        seen.add(href)
        block = _block(link)
        text = html_to_text(block.get())
        what = " ".join(" ".join(link.xpath(".//text()").getall()).split()) or "Ofsted report"
        inspected, published = _dates(block, text)
        grades = list(dict.fromkeys(m.group(1).capitalize() for m in _GRADE_RE.finditer(text)))
        when = inspected.strftime("%-d %B %Y") if inspected else "date not given"
        sentence = (f"{school}: {what}, inspection of {when}"
                    + (f", published {published:%-d %B %Y}" if published else "")
                    + (f". Judgement: {'; '.join(grades)}." if grades else "."))
        reports.append({
            "title": f"Ofsted: {what} ({when})",
            "text": sentence,
            "pdf": _absolute(href, url),
            "inspection_date": inspected.isoformat() if inspected else None,
            "published": published.isoformat() if published else None,
            "published_at": _moment(published or inspected),
            "grades": grades,
        })
    return reports


def _block(link: Selector) -> Selector:
    """The smallest ancestor holding this report's dates: a list item, else a small block."""
    for axis in ("ancestor::li[1]", "ancestor::tr[1]", "ancestor::article[1]"):
        found = link.xpath(axis)
        if found:
            return found[0]
    parent = link.xpath("..")
    for _ in range(3):
        if _DATE_TEXT.search(" ".join(parent.xpath(".//text()").getall())):
            return parent[0]
        parent = parent.xpath("..")
    return link


def _dates(block: Selector, text: str) -> tuple[date | None, date | None]:
    """(inspection date, publication date) from <time datetime> or written dates."""
    labelled: list[tuple[str, date]] = []
    for element in block.xpath(".//time[@datetime]"):
        value = _parse_day(element.attrib["datetime"][:10])
        context = " ".join(element.xpath("../text() | ../*/text()").getall()).lower()
        if value:
            labelled.append((context, value))
    if not labelled:
        labelled = [(text.lower(), d) for d in map(_parse_day, _DATE_TEXT.findall(text)) if d]
    inspected = next((d for c, d in labelled if "inspect" in c), None)
    published = next((d for c, d in labelled if "publish" in c), None)
    if inspected is None and labelled:
        inspected = labelled[0][1]
    return inspected, published


def _parse_day(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _moment(day: date | None) -> datetime | None:
    return datetime.combine(day, time(9, 0), tzinfo=LONDON) if day else None


def _absolute(href: str, base: str) -> str:
    return urljoin(base, href)
