from __future__ import annotations

from classifiers.decide import CATEGORIES
from classifiers.model import MODEL_CATEGORIES
from crawler.ground.vocab import Category, Risk, RunStatus, Sentiment
from digest import policy


def test_every_category_has_guidance_and_the_classifier_lists_them_all() -> None:
    assert set(policy.CATEGORIES) == set(Category)
    assert tuple(Category) == CATEGORIES
    assert set(MODEL_CATEGORIES) <= set(Category)


def test_the_model_heads_use_the_vocabulary_order() -> None:
    assert Risk.model_order() == (Risk.NONE, Risk.LOW, Risk.MEDIUM, Risk.HIGH)
    assert Sentiment.model_order() == (Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE)


def test_risks_sort_most_urgent_first_and_unknown_words_last() -> None:
    ranked = sorted(["none", None, "high", "odd", "low", "medium"], key=policy.risk_rank)
    assert ranked == ["high", "medium", "low", "none", None, "odd"]


def test_a_member_is_its_stored_word() -> None:
    assert RunStatus.INTERRUPTED == "interrupted" and f"{Risk.HIGH}" == "high"


def test_every_source_kind_has_a_spider_and_every_platform_a_description() -> None:
    from crawler.ground.vocab import PLATFORM_NAMES, SOURCE_KINDS
    from spiders import SPIDERS
    from spiders.platforms import get_platform

    assert tuple(SPIDERS) == SOURCE_KINDS
    for name in PLATFORM_NAMES:
        options = {"post": "div.post", "text": "div.text"} if name == "generic" else None
        assert get_platform(name, options).name == name
