"""A busy week makes a longer count, not a longer email: the most urgent items, then a link."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from crawler.store import Store
from digest import weekly
from digest.compose import compose_digest
from digest.weekly import ACTION_ITEMS_SHOWN, build_digest, week_in_inbox
from digest.weeks import Week
from tests.mail_helpers import Post, make_config, write_posts

WEEK = Week.parse("2026-W20")
MONDAY = WEEK.start + timedelta(hours=9)


def crowded_week(action: int) -> list[Post]:
    """`action` medium-risk posts, then three high-risk ones, older than every medium one."""
    posts = [
        Post(f"Medium {n}", f"Complaint {n} about Hollins Green Primary pick-up.",
             MONDAY + timedelta(days=2, minutes=n), risk="medium", sentiment="negative",
             categories=("complaint",))
        for n in range(action)
    ]
    posts += [
        Post(f"High {n}", f"Hollins Green Primary threat {n}. Ring 07700 900{n:03d}.",
             MONDAY + timedelta(minutes=n), risk="high", sentiment="negative",
             categories=("threat",))
        for n in range(3)
    ]
    return posts


def test_the_email_lists_the_most_urgent_items_and_counts_the_rest(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    write_posts(config, crowded_week(ACTION_ITEMS_SHOWN + 7))
    digest = build_digest(config, Store(config.store.path), config.school[0], WEEK)
    total = ACTION_ITEMS_SHOWN + 10
    assert digest.need_action == total and digest.action_more == 10
    shown = [item.title for item in digest.action_items]
    assert len(shown) == ACTION_ITEMS_SHOWN
    assert shown[:3] == ["High 2", "High 1", "High 0"]  # high first, newest first
    assert all(title.startswith("Medium") for title in shown[3:])
    assert digest.full_list_url is None  # no inbox: the report lists every unresolved item

    composed = compose_digest(digest, "schoolwatch@localhost", ())
    text = composed.text
    assert f"NEEDS ACTION ({total})" in text
    assert f"...and 10 more needing action (the {ACTION_ITEMS_SHOWN} most urgent are above)." \
        in text
    assert "Every unresolved item is in the report: schoolwatch check --school hollins-green" \
        in text
    assert text.count("[MEDIUM RISK]") == ACTION_ITEMS_SHOWN - 3
    assert "07700 900" not in text and "[phone removed]" in text
    assert f"Needs action ({total})" in composed.preview_html
    assert "…and 10 more needing action" in composed.preview_html
    assert "<code>schoolwatch check --school hollins-green</code>" in composed.preview_html


def test_with_an_inbox_the_link_goes_to_the_week_there(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    school = config.school[0]
    inbox = config.model_copy(
        update={"web": config.web.model_copy(update={"base_url": "https://watch.example.org"})}
    )
    assert week_in_inbox(inbox, school, WEEK) == (
        "https://watch.example.org/mentions?school=hollins-green&since=2026-05-11"
        "&until=2026-05-17"
    )
    assert week_in_inbox(config, school, WEEK) is None

    write_posts(config, crowded_week(ACTION_ITEMS_SHOWN))
    digest = build_digest(inbox, Store(config.store.path), school, WEEK)
    text = compose_digest(digest, "schoolwatch@localhost", ()).text
    assert "See the whole week in the inbox: https://watch.example.org/mentions?school=" in text


def test_themes_read_the_newest_negative_posts_and_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path)
    write_posts(config, [
        Post(f"Queue {n}", "The one-way system at pick-up is a shambles.",
             MONDAY + timedelta(hours=n), risk="low", sentiment="negative")
        for n in range(5)
    ])
    monkeypatch.setattr(weekly, "THEME_POSTS", 3)
    digest = build_digest(config, Store(config.store.path), config.school[0], WEEK)
    assert (digest.theme_posts, digest.negative_posts) == (3, 5)
    assert ("one-way system", 3) in digest.themes
    text = compose_digest(digest, "schoolwatch@localhost", ()).text
    assert "(From the newest 3 of the week's 5 negative posts.)" in text
