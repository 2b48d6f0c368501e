"""Ofsted Parent View results (parentview.ofsted.gov.uk/parent-view-results/urn/URN): each
question's answer split, stored as a time series (not as mentions) whenever it changes.

The page shows the number of submissions, the date of the figures, and for each question the
percentages answering "Strongly agree", "Agree", "Disagree", "Strongly disagree" and "Don't
know". The value kept per question is the share agreeing (strongly agree + agree).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any

from parsel import Selector
from scrapy.http import Response

from crawler.ground.errors import UnreadableContentError
from crawler.ground.items import SeriesPoint
from spiders.base import SourceSpider

SERIES = "parent_view"
SUBMISSIONS = "submissions"
_QUESTION = re.compile(r"^Q?(\d{1,2})[.:)]?\s+(\S.*)$")
_ANSWER = re.compile(
    r"(Strongly agree|Strongly disagree|Agree|Disagree|Don['’]t know|Yes|No)\s*:?\s*"
    r"(\d{1,3}(?:\.\d+)?)\s*%", re.IGNORECASE,
)
_SUBMISSIONS = re.compile(r"Submissions\W{0,5}(\d[\d,]*)", re.IGNORECASE)
_KEYS = {"strongly agree": "strongly_agree", "agree": "agree", "disagree": "disagree",
         "strongly disagree": "strongly_disagree", "don't know": "dont_know",
         "don’t know": "dont_know", "yes": "yes", "no": "no"}


class ParentViewSpider(SourceSpider):
    name = "parent_view"
    handle_httpstatus_list = [304]  # noqa: RUF012 - Scrapy reads this class attribute

    async def start(self) -> AsyncIterator[Any]:
        request = self.request(self.source.url, self.parse_results, conditional=True)
        if request is not None:
            yield request

    def parse_results(self, response: Response) -> Iterator[Any]:
        if self.unchanged(response):
            return
        results = read_results(response.text)
        if results is None:
            self.record_error(UnreadableContentError(
                f"no Parent View results on {response.url} (no submissions count or questions)"
            ))
            return
        school_id = self._school(results["school"])
        if school_id is None:
            self.warn(f"{results['school']!r} is none of this source's schools; set `schools`")
            return
        fingerprint = hashlib.sha1(json.dumps(results, sort_keys=True, default=str).encode())
        if self.state.get("figures") == fingerprint.hexdigest():
            return  # the same figures as last time: no new reading
        self.new_state["figures"] = fingerprint.hexdigest()
        self.series.extend(points(results, self.source.name, school_id, datetime.now(UTC)))
        self.run.items_seen += len(results["questions"])
        yield from ()

    def _school(self, name: str) -> str | None:
        ids = sorted(self.school_ids or ())
        if len(ids) == 1:
            return ids[0]
        if self.matcher is not None:
            matches = self.matcher.match(name, "", only=set(ids) if ids else None)
            if matches:
                return matches[0].school_id
        return None


def read_results(html: str) -> dict[str, Any] | None:
    page = Selector(text=html)
    text = " ".join(" ".join(page.xpath("//body//text()").getall()).split())
    submissions = _SUBMISSIONS.search(text)
    questions = []
    for heading in page.xpath("//h2 | //h3 | //h4 | //caption | //legend"):
        title = " ".join(" ".join(heading.xpath(".//text()").getall()).split())
        match = _QUESTION.match(title)
        if not match:
            continue
        block = heading.xpath("following-sibling::*[1]") or heading.xpath("..")
        block_text = " ".join(" ".join(block.xpath(".//text()").getall()).split())
        answers = {_KEYS[a.lower().replace("’", "'")]: float(v)
                   for a, v in _ANSWER.findall(block_text)}
        if answers:
            questions.append({"no": int(match.group(1)), "question": match.group(2),
                              "answers": answers})
    if submissions is None or not questions:
        return None
    times = page.xpath("//time/@datetime").getall()
    return {
        "school": " ".join(" ".join(page.xpath("//h1//text()").getall()).split()),
        "submissions": int(submissions.group(1).replace(",", "")),
        "as_of": _day(times[0]) if times else None,
        "questions": questions,
    }


def points(
    results: dict[str, Any], source: str, school_id: str, observed_at: datetime
) -> list[SeriesPoint]:
    as_of = results["as_of"]
    made = [SeriesPoint(source, school_id, SERIES, observed_at, as_of, SUBMISSIONS,
                        results["submissions"])]
    for question in results["questions"]:
        answers = question["answers"]
        agree = answers.get("strongly_agree", 0) + answers.get("agree", 0) + answers.get("yes", 0)
        made.append(SeriesPoint(
            source, school_id, SERIES, observed_at, as_of,
            f"Q{question['no']}. {question['question']}", agree, dict(answers),
        ))
    return made


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
