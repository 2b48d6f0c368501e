"""The school's Ofsted report page (reports.ofsted.gov.uk/provider/21/URN for primary schools,
/provider/23/URN for secondary ones): one document per published report, with its type, its
inspection and publication dates, the grades and the PDF.

The live page (as public scrapers record it: abuyak/Schools functions/research/govuk.js; the
demo's reports.ofsted.gov.uk pages are rebuilt from it) lists the reports as li.timeline__day,
each with a <time> (the inspection, no datetime attribute) and a link to its PDF on
files.ofsted.gov.uk whose hidden span.nonvisual reads "School inspection, pdf - 21 July 2023":
the document's name and its publication date. The latest inspection's overall grade and sub-
judgements stand above the list (div.subjudgements__overall, div.subjudgements__rates__item).
Each report is read from the smallest block around its link, so a redesign that keeps link,
dates and words together keeps working. The report's address is the PDF's, so a report is stored
once and a new one is a new mention, dated when it was published (and flagged in that week's
digest).
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
OVERALL = "Overall effectiveness"
_GRADE_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in GRADE_WORDS) + r")\b", re.I)
_PDF_LINK = ("//a[contains(@href, 'files.ofsted.gov.uk') or "
             "contains(translate(@href, 'PDF', 'pdf'), '.pdf')]")
_DATE_TEXT = re.compile(
    r"\b(\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December) \d{4})\b"
)


_ANSWER_404 = {"handle_httpstatus_list": [304, 404]}  # a 404 reaches parse_reports


class OfstedSpider(SourceSpider):
    name = "ofsted"
    handle_httpstatus_list = [304]  # noqa: RUF012 - SourceSpider.request puts it in the meta

    async def start(self) -> AsyncIterator[Any]:
        request = self.request(self.source.url, self.parse_reports, conditional=True,
                               meta=_ANSWER_404)
        if request is not None:
            yield request

    def parse_reports(self, response: Response, tried: str | None = None) -> Iterator[Any]:
        if self.unchanged(response):
            return
        reports = read_reports(response.text, response.url) if response.status != 404 else []
        if not reports:
            # Not found under this phase's path (a config written before `phase` was
            # recorded): the other phase's address is tried once before giving up.
            other = None if tried or response.status != 404 else other_phase_url(response.url)
            request = other and self.request(other, self.parse_reports, meta=_ANSWER_404,
                                             cb_kwargs={"tried": response.url})
            if request:
                yield request
                return
            where = f"{tried} nor on {response.url}" if tried else response.url
            self.record_error(UnreadableContentError(
                f"no inspection report links on {where} (is it an Ofsted report page?)"
            ))
            return
        fetched_at = datetime.now(UTC)
        for report in reports:
            yield self.document(
                response, url=report["pdf"], title=report["title"], text=report["text"],
                published_at=report["published_at"], fetched_at=fetched_at, platform="ofsted",
                author="Ofsted",
                extra={"ofsted": {key: report[key] for key in
                                  ("type", "inspection_date", "published", "grades",
                                   "judgements", "pdf")}
                       | {"report_page": response.url}},
            )


_PROVIDER = re.compile(r"/provider/(21|23)/(\d+)/?$")


def other_phase_url(url: str) -> str | None:
    """/provider/21/URN <-> /provider/23/URN (primary and secondary), else None."""
    found = _PROVIDER.search(url)
    if found is None:
        return None
    other = "23" if found.group(1) == "21" else "21"
    return f"{url[: found.start()]}/provider/{other}/{found.group(2)}"


def read_reports(html: str, url: str) -> list[dict[str, Any]]:
    """Every report on the page, newest first as the page lists them."""
    page = Selector(text=html)
    school = " ".join(page.xpath("//h1//text()").getall()).strip() or url
    latest = _latest_judgements(page)
    reports: list[dict[str, Any]] = []
    seen: set[str] = set()
    for link in page.xpath(_PDF_LINK):
        href = (link.attrib.get("href") or "").strip()
        if not href or href in seen:
            continue
        seen.add(href)
        reports.append(_report(link, school, url, latest))
    return reports


def _report(
    link: Selector, school: str, url: str, latest: tuple[date | None, dict[str, str]]
) -> dict[str, Any]:
    block = _block(link)
    # The hidden span ("School inspection, pdf - 21 July 2023") names the document and its
    # publication date for screen readers; it is read, then kept out of the words shown.
    hidden = _words(block.xpath(_HIDDEN + "//text()").getall())
    visible = _without_hidden(block)
    text = html_to_text(visible)
    label, _, published_words = hidden.rpartition(" - ") if " - " in hidden else ("", "", "")
    what = (label.split(",")[0].strip() if label else "") or _words(
        link.xpath(".//text()[not(ancestor::*[" + _HIDDEN_TEST + "])]").getall()
    ) or "Ofsted report"
    kind = _kind(f"{what} {text}")
    inspected, published = _dates(block, text)
    published = _parse_day(published_words) or published
    day = inspected
    if kind == "conversion letter":  # dated, but no inspection
        inspected = None
    judgements = latest[1] if inspected is not None and inspected == latest[0] else {}
    if judgements:
        grades = [grade for area, grade in judgements.items() if area == OVERALL]
    else:
        grades = list(dict.fromkeys(m.group(1).capitalize() for m in _GRADE_RE.finditer(text)))
    when = day.strftime("%-d %B %Y") if day else "date not given"
    parts = [f"{school}: {what}" + (f", inspection of {when}" if inspected else f" of {when}")]
    if published:
        parts[0] += f", published {published:%-d %B %Y}"
    if grades:
        parts.append(f"Judgement: {'; '.join(grades)}")
    parts += [f"{area}: {grade}" for area, grade in judgements.items() if area != OVERALL]
    sentence = ". ".join(parts) + "."
    return {
        "title": f"Ofsted: {what} ({when})",
        "text": sentence,
        "pdf": _absolute((link.attrib.get("href") or "").strip(), url),
        "type": kind,
        "inspection_date": inspected.isoformat() if inspected else None,
        "published": published.isoformat() if published else None,
        "published_at": _moment(published or day),
        "grades": grades,
        "judgements": judgements,
    }


def _kind(words: str) -> str:
    """inspection, monitoring, conversion letter or other, from the document's name."""
    lowered = words.lower()
    if "conversion" in lowered:
        return "conversion letter"
    if "monitoring" in lowered:
        return "monitoring"
    if "inspection" in lowered or "report" in lowered:
        return "inspection"
    return "other"


def _latest_judgements(page: Selector) -> tuple[date | None, dict[str, str]]:
    """The latest inspection's date and grades: div.subjudgements__overall ("The overall
    outcome of the inspection on 26 April 2022 was: <strong>Good</strong>") and each
    div.subjudgements__rates__item (a label, then <strong>grade</strong>)."""
    overall = page.css("div.subjudgements__overall")
    if not overall:
        return None, {}
    said = _words(overall[0].xpath(".//text()[not(ancestor::strong)]").getall())
    written = _DATE_TEXT.search(said)
    judgements: dict[str, str] = {}
    grade = _words(overall[0].xpath(".//strong//text()").getall())
    if grade:
        judgements[OVERALL] = grade
    for item in page.css("div.subjudgements__rates__item"):
        area = _words(item.xpath(".//text()[not(ancestor::strong)]").getall()).rstrip(":")
        value = _words(item.xpath(".//strong//text()").getall())
        if area and value:
            judgements[area] = value
    return (_parse_day(written.group(1)) if written else None), judgements


_HIDDEN_TEST = "contains(concat(' ', normalize-space(@class), ' '), ' nonvisual ')"
_HIDDEN = ".//*[" + _HIDDEN_TEST + "]"


def _without_hidden(block: Selector) -> str:
    markup = block.get()
    for hidden in block.xpath(_HIDDEN).getall():
        markup = markup.replace(hidden, " ", 1)
    return markup


def _words(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())


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
