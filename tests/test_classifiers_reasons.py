"""Reasons point at the evidence: each category's quoted span carries that category's signal."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers import Classifier, ClassifierSettings, ClassifyRequest
from classifiers.quoting import REASON_CHARS, pick_sentence, quote, sentence_spans
from classifiers.rules import CUES, has_cue
from tests.shared_data import shared_folder

DATASETS = shared_folder() / "datasets"
REAL = DATASETS / "school_posts_real" / "posts.jsonl"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_settings(ClassifierSettings())


def normalised(text: str) -> str:
    return " ".join(text.split())


def test_the_sentence_with_the_cue_wins_over_a_higher_scored_question() -> None:
    text = "Has anyone done an appeal before? A teacher slapped him across the face today."
    spans = sentence_spans(text)
    # The model scores the question higher; the cue ("slapped") still decides the quote.
    chosen = pick_sentence(text, spans, np.array([0.9, 0.6]), "safeguarding")
    assert "slapped" in text[chosen[0] : chosen[1]]
    assert pick_sentence(text, spans, np.array([0.9, 0.6]), "media_enquiry") == spans[0]


def test_a_long_sentence_is_quoted_around_its_cue() -> None:
    filler = "the car park and the lunch menu and the uniform shop and the newsletter " * 6
    text = f"We were told about {filler} and then that he had been assaulted at break {filler}"
    reason = quote(text, (0, len(text)), "safeguarding")
    assert "assaulted" in reason
    assert len(reason) <= REASON_CHARS
    assert reason.startswith("…") and reason.endswith("…")


def test_reasons_of_own_cases_quote_the_signal(classifier: Classifier) -> None:
    posts = [
        "Our son didn't get a place at our first choice school. Has anyone done an appeal "
        "before? Last week a supply teacher slapped him across the face in the corridor.",
        "Lovely school overall and the plays are great. But the racist abuse my daughter gets "
        "on the bus every day is ignored and she was called a slur again on Monday.",
        "Great sports day! If that PE teacher humiliates my lad again I will kill him, "
        "I mean it.",
        "I'm a reporter at the Evening Post writing a story about the academy trust, please "
        "get in touch if your child was affected. Thanks for reading.",
    ]
    results = classifier.classify([ClassifyRequest(p) for p in posts])
    assert [r.risk for r in results[:3]] == ["high", "high", "high"]
    assert "media_enquiry" in results[3].categories
    for post, result in zip(posts, results, strict=True):
        for category, reason in result.reasons.items():
            assert normalised(reason).strip("…") in normalised(post)
            if category in CUES and has_cue(category, post):
                assert has_cue(category, reason), (category, reason)
    assert "appeal" not in " ".join(results[0].reasons.values())


@pytest.mark.skipif(not REAL.is_file(), reason="../shared/datasets/school_posts_real is absent")
def test_reasons_on_dev_posts_quote_the_signal(classifier: Classifier) -> None:
    import json

    rows = [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line]
    rows = [r for r in rows if r["split"] == "dev"]
    results = classifier.classify([ClassifyRequest(r["text"]) for r in rows])
    checked, failures = 0, []
    for row, result in zip(rows, results, strict=True):
        for category, reason in result.reasons.items():
            if normalised(reason).strip("…") not in normalised(row["text"]):
                failures.append((row["id"], category, "not a span of the post"))
            # A correct category whose signal is in the post must be quoted with the signal.
            if category in row["categories"] and has_cue(category, row["text"]):
                checked += 1
                if not has_cue(category, reason):
                    failures.append((row["id"], category, "no cue in the reason"))
    # Ids and categories only: the posts are their authors' and are never printed.
    assert checked >= 10
    assert not failures, failures


def test_school_context_check_ranks_school_talk_above_village_talk() -> None:
    from classifiers.school_context import SchoolContextCheck

    check = SchoolContextCheck()
    school, village = check.probabilities(
        [
            ("my daughter is being picked on at", "and her form tutor does nothing"),
            ("bin collections in", "are delayed because of the bank holiday"),
        ]
    )
    assert 0.0 <= village < school <= 1.0
    assert school >= 0.9 and village < 0.1
