"""Ofsted Parent View results: each question's answer split, stored as a time series (not as
mentions) whenever it changes.

How the live site serves them (as public scrapers record it: abuyak/Schools
functions/research/govuk.js, c-wilkinson/school-finder .../sources/parent_view.py):
/parent-view-results/urn/URN redirects to /parent-view-results/survey/result/ID/current and on
to /survey/result/ID/SURVEY, a page whose figures JavaScript draws. The print page
/survey/result-print/ID/SURVEY carries them without JavaScript: each question ("1. My child is
happy at this school") is followed by a chart image whose URL holds the percentages
(chd=t:SA,A,D,SD,DK; Yes,No for "Would you recommend..."). The count reads "Responses for this
school" (older pages: "Responses for year" or "Submissions"), the date "Figures based on 40
responses up to 03-06-2026". Pages that print their percentages as text are read too.

The question set changed in November 2025. A question asked in both sets is stored under one
name (questions.py), so its trend runs across the change; the others are stored under their own
words, so no trend joins two different questions.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from parsel import Selector
from scrapy.http import Response

from crawler.ground.errors import UnreadableContentError
from crawler.ground.items import SeriesPoint
from spiders.base import SourceSpider
from spiders.parent_view_questions import AGREE_SCALE, YES_NO, answer_key, metric, question_set

SERIES = "parent_view"
SUBMISSIONS = "submissions"
_QUESTION = re.compile(r"^Q?(\d{1,2})[.:)]?\s+(\S.*)$")
_ANSWER = re.compile(
    r"(Strongly agree|Strongly disagree|Agree|Disagree|Don['’]t know|Yes|No)\s*:?\s*"
    r"(\d{1,3}(?:\.\d+)?)\s*%", re.IGNORECASE,
)
_COUNT = re.compile(
    r"(?:Responses for this school|Responses for year|Submissions)\W{0,5}(\d[\d,]*)(?![\d/])",
    re.IGNORECASE,
)
_BASED_ON = re.compile(
    r"Figures based on (\d[\d,]*) responses?(?: up to (\d{1,2}[-/]\d{1,2}[-/]\d{4}))?",
    re.IGNORECASE,
)
_SURVEY_YEAR = re.compile(r"Responses for year\W{0,5}(\d{4}/\d{2})", re.IGNORECASE)
_RESULT_PAGE = re.compile(r"/parent-view-results/survey/result/(\d+)/(\d+)/?$")
_HEADINGS = {"h2", "h3", "h4", "h5", "caption", "legend", "dt", "th"}


class ParentViewSpider(SourceSpider):
    name = "parent_view"
    handle_httpstatus_list = [304]  # noqa: RUF012 - SourceSpider.request puts it in the meta

    async def start(self) -> AsyncIterator[Any]:
        # Not conditional: the page it redirects to can stay the same while the figures on its
        # print page change (the print page's own request is conditional)
        request = self.request(self.source.url, self.parse_page)
        if request is not None:
            yield request

    def parse_page(self, response: Response) -> Iterator[Any]:
        """The page the source's address leads to (after Scrapy followed the redirects): its
        figures if it shows them, else its print page."""
        if self.unchanged(response):
            return
        if read_results(response.text) is None:
            printed = _print_link(response) or print_page_url(response.url)
            if printed and printed != response.url:
                request = self.request(printed, self.parse_results, conditional=True)
                if request is not None:
                    yield request
                return
        yield from self.parse_results(response, checked=True)

    def parse_results(self, response: Response, checked: bool = False) -> Iterator[Any]:
        if not checked and self.unchanged(response):
            return
        results = read_results(response.text)
        if results is None:
            self.record_error(UnreadableContentError(
                f"no Parent View results on {response.url} (no response count or questions)"
            ))
            return
        for question in results["unread"]:
            self.warn(f"Parent View question {question!r}: chart without answer labels, skipped")
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
        if self.school_ids is None and self.matcher is None:
            return ""  # `schoolwatch extract`: trying the source for no school
        ids = sorted(self.school_ids or ())
        if len(ids) == 1:
            return ids[0]
        if self.matcher is not None:
            matches = self.matcher.match(name, "", only=set(ids) if ids else None)
            if matches:
                return matches[0].school_id
        return None


def print_page_url(url: str) -> str | None:
    """/survey/result/ID/SURVEY -> /survey/result-print/ID/SURVEY; None for other pages."""
    parts = urlsplit(url)
    found = _RESULT_PAGE.search(parts.path)
    if found is None:
        return None
    # what comes before stays (a mirror serving each host as its first folder)
    printed = f"/parent-view-results/survey/result-print/{found[1]}/{found[2]}"
    path = parts.path[: found.start()] + printed
    return urlunsplit(parts._replace(path=path, query="", fragment=""))


def _print_link(response: Response) -> str | None:
    href = response.xpath("//a[contains(@href, '/result-print/')]/@href").get()
    return response.urljoin(href) if href else None


def read_results(html: str) -> dict[str, Any] | None:
    """The figures on a results page, or None when it shows no count or no questions."""
    page = Selector(text=html)
    text = " ".join(" ".join(page.xpath("//body//text()").getall()).split())
    questions, unread = _questions(page)
    based_on = _BASED_ON.findall(text)
    count = _COUNT.search(text)
    submissions = (int(count.group(1).replace(",", "")) if count
                   else max((int(n.replace(",", "")) for n, _ in based_on), default=None))
    if submissions is None or not questions:
        return None
    up_to = [day for _, written in based_on if written and (day := _dmy(written))]
    times = page.xpath("//time/@datetime").getall()
    survey = _SURVEY_YEAR.search(text)
    school = page.xpath("//h1//text()").getall()
    return {
        "school": " ".join(" ".join(school).split()),
        "submissions": submissions,
        "as_of": max(up_to) if up_to else (_iso_day(times[0]) if times else None),
        "survey": survey.group(1) if survey else None,
        "question_set": question_set([q["question"] for q in questions]),
        "questions": questions,
        "unread": unread,
    }


def _questions(page: Selector) -> tuple[list[dict[str, Any]], list[str]]:
    """Each numbered question with the answers after it and before the next question: from its
    chart's URL when there is one, else from the percentages written beside the answers."""
    found: list[dict[str, Any]] = []
    texts: list[list[str]] = []
    unread: list[str] = []
    # lxml's text results know their element (getparent), which parsel's do not expose
    nodes = page.root.xpath(
        "//body//text()[normalize-space()] | //body//img[contains(@src, 'chd=')]"
    )
    for node in nodes:
        if not isinstance(node, str):  # a chart image
            if found and "chart" not in found[-1]:
                found[-1]["chart"] = node.get("src", "")
            continue
        value = " ".join(node.split())
        match = _QUESTION.match(value) if _is_heading(node.getparent()) else None
        if match:
            found.append({"no": int(match.group(1)), "question": match.group(2)})
            texts.append([])
        elif texts:
            texts[-1].append(value)
    questions = []
    for question, words in zip(found, texts, strict=True):
        chart = question.pop("chart", None)
        answers = _chart_answers(chart) if chart else _text_answers(" ".join(words))
        if chart and answers is None:
            unread.append(question["question"])
        if answers:
            questions.append(question | {"answers": answers})
    return questions, unread


def _is_heading(element: Any) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.lower() in _HEADINGS or "question-result" in (element.get("class") or "")


def _chart_answers(src: str) -> dict[str, float] | None:
    """chd=t:50,30,10,5,5 (the first series), labelled by chdl= when the chart names them."""
    query = parse_qs(urlsplit(src.replace("&amp;", "&")).query)
    data = unquote(query.get("chd", [""])[0])
    if not data.startswith("t:"):
        return None
    try:
        values = [float(v) for v in data[2:].split("|")[0].split(",") if v.strip()]
    except ValueError:
        return None
    labels = unquote(query.get("chdl", [""])[0]).split("|") if query.get("chdl") else []
    keys = [answer_key(label) for label in labels]
    if not keys or None in keys:
        keys = {len(AGREE_SCALE): list(AGREE_SCALE), len(YES_NO): list(YES_NO)}.get(len(values), [])
    if len(keys) != len(values):
        return None
    return {key: value for key, value in zip(keys, values, strict=True) if key}


def _text_answers(text: str) -> dict[str, float]:
    answers: dict[str, float] = {}
    for label, value in _ANSWER.findall(text):
        key = answer_key(label)
        if key and key not in answers:
            answers[key] = float(value)
    return answers


def points(
    results: dict[str, Any], source: str, school_id: str, observed_at: datetime
) -> list[SeriesPoint]:
    as_of = results["as_of"]
    made = [SeriesPoint(source, school_id, SERIES, observed_at, as_of, SUBMISSIONS,
                        results["submissions"])]
    asked = results.get("question_set") or question_set(
        [question["question"] for question in results["questions"]]
    )
    for question in results["questions"]:
        answers = question["answers"]
        agree = answers.get("strongly_agree", 0) + answers.get("agree", 0) + answers.get("yes", 0)
        made.append(SeriesPoint(
            source, school_id, SERIES, observed_at, as_of, metric(question["question"]), agree,
            {"answers": dict(answers), "question": f"{question['no']}. {question['question']}",
             "question_set": asked, "survey": results.get("survey")},
        ))
    return made


def _dmy(value: str) -> date | None:
    day, month, year = re.split(r"[-/]", value)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _iso_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
