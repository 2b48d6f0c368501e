"""One huge post holds up no alert (issue 12 item 14): the classifier reads a bounded beginning
of each post, the stored result says how much, and huge posts go last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from classifiers import stored
from crawler.store import Store
from tests.mail_helpers import Post, make_config, write_posts


@dataclass
class _Result:
    sentiment: str = "neutral"
    sentiment_score: float = 0.5
    risk: str = "none"
    categories: tuple[str, ...] = ()
    reasons: tuple[tuple[str, str], ...] = ()
    model_version: str = "fake-1"


class _FakeClassifier:
    model_version = "fake-1"

    def __init__(self) -> None:
        self.seen: list[int] = []

    def classify(self, requests: list[Any]) -> list[_Result]:
        self.seen += [len(request.text) for request in requests]
        return [_Result() for _ in requests]


def test_a_huge_post_is_read_to_the_bound_and_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path)
    huge = "Hollins Green Primary " + "blah " * 1_000_000
    write_posts(config, [Post("Huge", huge, datetime.now(UTC)),
                         Post("Small", "Hollins Green Primary gate.", datetime.now(UTC))])
    fake = _FakeClassifier()
    monkeypatch.setattr(stored, "classifier_for", lambda settings: fake)
    outcome = stored.classify_stored(config, Store(config.store.path))
    assert outcome.classified == 2
    limit = config.classifier.max_chars
    assert fake.seen[0] < 100 and fake.seen[1] == limit  # the small one first
    rows = Store(config.store.path).query(
        "SELECT m.title, c.read_chars, c.text_chars FROM classifications c "
        "JOIN mention_records m ON m.id = c.mention_id ORDER BY m.title"
    ).rows
    assert rows[0][0] == "Huge" and rows[0][1] == limit and rows[0][2] > 5_000_000
    assert rows[1] == ("Small", None, None)
