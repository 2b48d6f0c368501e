"""The decision rules that place a Wikipedia edit: risk probabilities that cross are put back in
order, and an edit adding criticism to the school's article is at least medium."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.decide import ClassifyRequest, coherent_risk, decide
from classifiers.model import MODEL_CATEGORIES, NEGATIVE_EVIDENCE, Prediction
from crawler.ground.vocab import Category, Risk, Sentiment
from digest import policy

THRESHOLDS = {"risk_at_least_low": 0.62, "risk_at_least_medium": 0.36, "risk_high": 0.11}
TEXT = "Hollins Green Primary School\nThe head is useless, AVOID THIS SCHOOL!!!"


def _prediction(low: float, medium: float, high: float = 0.01,
                sentiment: Sentiment = Sentiment.NEGATIVE) -> Prediction:
    tone = np.full(3, 0.1)
    tone[Sentiment.model_order().index(sentiment)] = 0.8
    start = TEXT.index("The head")
    categories = {name: 0.5 if name == Category.COMPLAINT else 0.0 for name in MODEL_CATEGORIES}
    return Prediction(sentiment=tone, categories=categories,
                      risk={"at_least_low": low, "at_least_medium": medium, "high": high},
                      offensive=0.1, hate=0.0, evidence={NEGATIVE_EVIDENCE: (start, len(TEXT))})


def test_crossing_risk_probabilities_are_put_back_in_order() -> None:
    # P(>= medium) can never exceed P(>= low): heads fitted one by one can cross, and the
    # ordered pair (the monotone rearrangement) is what the thresholds are read against.
    crossed = {"at_least_low": 0.16, "at_least_medium": 0.50, "high": 0.004}
    assert coherent_risk(crossed) == {"at_least_low": 0.50, "at_least_medium": 0.16,
                                      "high": 0.004}
    ordered = {"at_least_low": 0.9, "at_least_medium": 0.4, "high": 0.2}
    assert coherent_risk(ordered) == ordered
    # Before: medium, as the medium head alone says; the low head says it is not even a
    # complaint (84% none), so neither reading makes it medium.
    result = decide(ClassifyRequest(TEXT), _prediction(0.16, 0.50, sentiment=Sentiment.POSITIVE),
                    THRESHOLDS, "v")
    assert result.risk == Risk.NONE
    # A post both heads call medium stays medium.
    assert decide(ClassifyRequest(TEXT), _prediction(0.9, 0.5), THRESHOLDS, "v").risk == "medium"


def test_an_edit_adding_criticism_to_the_schools_article_is_at_least_medium() -> None:
    complaint = _prediction(0.7, 0.02)
    as_post = decide(ClassifyRequest(TEXT), complaint, THRESHOLDS, "v")
    assert as_post.risk == Risk.LOW and Category.VANDALISM not in as_post.categories
    edit = decide(ClassifyRequest(TEXT, article_edit=True), complaint, THRESHOLDS, "v")
    assert edit.risk == Risk.MEDIUM
    assert edit.categories[0] == Category.VANDALISM
    assert "AVOID THIS SCHOOL" in edit.reasons[Category.VANDALISM]
    # High stays high, and says what to undo too.
    severe = decide(ClassifyRequest(TEXT, article_edit=True), _prediction(0.9, 0.9, 0.5),
                    THRESHOLDS, "v")
    assert severe.risk == Risk.HIGH and Category.VANDALISM in severe.categories


@pytest.mark.parametrize(
    ("low", "medium", "sentiment"),
    [
        (0.2, 0.1, Sentiment.NEGATIVE),  # no risk read: a plain fact, however worded
        (0.7, 0.02, Sentiment.NEUTRAL),  # a sourced inspection grade added neutrally
        (0.7, 0.02, Sentiment.POSITIVE),  # praise
    ],
)
def test_an_edit_that_adds_no_criticism_is_left_as_the_model_reads_it(
    low: float, medium: float, sentiment: Sentiment
) -> None:
    prediction = _prediction(low, medium, sentiment=sentiment)
    as_post = decide(ClassifyRequest(TEXT), prediction, THRESHOLDS, "v")
    edit = decide(ClassifyRequest(TEXT, article_edit=True), prediction, THRESHOLDS, "v")
    assert edit == as_post
    assert Category.VANDALISM not in edit.categories


def test_what_to_do_about_a_vandalised_article_comes_first_and_says_undo_it() -> None:
    first, *rest = policy.actions([Category.COMPLAINT, Category.VANDALISM])
    assert "undone" in first and "diff link" in first
    assert policy.label(Category.VANDALISM) == "Criticism added to the school's article"
    assert rest == [policy.CATEGORIES[Category.COMPLAINT].action]
