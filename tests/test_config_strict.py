"""Config that should not pass (issue 12 item 7): bare-number durations, loose booleans, BOMs,
FIFOs, unknown options, non-public source URLs; errors name the entry and list every problem."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.ground.config import load_config
from crawler.ground.errors import ConfigError

SCHOOL = '[[school]]\nid = "hg"\nname = "Hollins Green Primary School"\n'


def source(name: str, url: str = "https://news.example.org/rss", **extra: str) -> str:
    lines = [f'[[source]]\nname = "{name}"\nkind = "{extra.pop("kind", "feed")}"\nurl = "{url}"']
    lines += [f"{key} = {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def error_of(tmp_path: Path, text: str | bytes) -> ConfigError:
    path = tmp_path / "bad.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value


def test_a_bare_number_duration_is_refused_naming_the_source(tmp_path: Path) -> None:
    error = error_of(tmp_path, SCHOOL + source("news") + source("reddit-local", every="6"))
    assert error.key == "source 'reddit-local' (#2).every"
    assert "6 has no unit" in str(error) and "'6h'" in str(error)


@pytest.mark.parametrize("value", ['"no"', '"yes"', "0", "1", '"false"'])
def test_obey_robots_takes_only_true_or_false(tmp_path: Path, value: str) -> None:
    error = error_of(tmp_path, f"[crawl]\nobey_robots = {value}\n" + SCHOOL)
    assert error.key == "crawl.obey_robots" and "not true or false" in str(error)


def test_a_byte_order_mark_from_notepad_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "notepad.toml"
    path.write_bytes("\ufeff".encode() + (SCHOOL + source("news")).encode())
    config = load_config(path)
    assert config.school[0].id == "hg" and config.source[0].every == timedelta(hours=6)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo)


def test_unknown_forum_options_are_refused_and_known_ones_pass(tmp_path: Path) -> None:
    error = error_of(tmp_path, SCHOOL + source(
        "board", "https://forum.example.org/", kind="forum",
        options='{ post = ".post", txet = ".body", order = "newest_first" }'))
    assert error.key == "source 'board' (#1).options"
    assert "unknown option 'txet'" in str(error) and "known: platform, order, post" in str(error)
    path = tmp_path / "good.toml"
    path.write_text(SCHOOL + source(
        "board", "https://forum.example.org/", kind="forum",
        options='{ post = ".post", text = ".body" }'), encoding="utf-8")
    assert load_config(path).source[0].options == {"post": ".post", "text": ".body"}


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:8080/feed",
        "http://localhost/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/rss",
        "http://192.168.1.1/rss",
        "http://172.16.0.1/rss",
        "http://2130706433/rss",
        "http://0x7f000001/rss",
        "http://0177.0.0.1/rss",
        "http://[::1]/rss",
        "http://[::ffff:127.0.0.1]/rss",
        "http://[::ffff:169.254.169.254]/rss",
        "http://[fd00::1]/rss",
    ],
)
def test_non_public_source_urls_are_refused(tmp_path: Path, url: str) -> None:
    error = error_of(tmp_path, SCHOOL + source("news", url))
    assert error.key == "source 'news' (#1).url"
    assert "allow_private" in str(error) or "not an http(s) URL" in str(error)


def test_allow_private_lets_your_own_network_in(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text("[crawl]\nallow_private = true\n" + SCHOOL
                    + source("intranet", "http://10.0.0.5/rss"), encoding="utf-8")
    assert load_config(path).crawl.allow_private is True


def test_an_option_url_is_checked_too(tmp_path: Path) -> None:
    error = error_of(tmp_path, SCHOOL + source(
        "wiki", "https://en.wikipedia.org/wiki/X", kind="wikipedia",
        options='{ api = "http://169.254.169.254/w/api.php" }'))
    assert error.key == "source 'wiki' (#1).options.api"


def test_every_problem_is_listed_counting_from_one(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        "[crawl]\nobey_robots = \"no\"\n" + SCHOOL
        + source("news", every="6") + source("intranet", "http://127.0.0.1/")
        + source("wiki", kind="wikipedia", every='"soon"'),
    )
    message = str(error)
    assert "4 problems:" in message and "more" not in message
    for key in ("crawl.obey_robots", "source 'news' (#1).every",
                "source 'intranet' (#2).url", "source 'wiki' (#3).every"):
        assert f"  {key}: " in message, message


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("name", '"of"', "too short"), ("name", '"Primary School"', "only common words"),
     ("aliases", '["The School"]', "only common words"), ("aliases", '["HG"]', "too short"),
     ("ambiguous", '["St. Mary"]', None), ("aliases", '["of the"]', "only common words"),
     ("aliases", '["St A\'s"]', "only common words"),
     ("ambiguous", '["of the"]', "only common words")],
)
def test_names_that_would_match_anything_are_refused(
    tmp_path: Path, field: str, value: str, words: str | None
) -> None:
    text = '[[school]]\nid = "hg"\n' + (
        f"name = {value}\n" if field == "name" else
        f'name = "Hollins Green Primary School"\n{field} = {value}\n')
    path = tmp_path / "names.toml"
    path.write_text(text, encoding="utf-8")
    if words is None:
        assert load_config(path).school[0].ambiguous == ["St. Mary"]
        return
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == f"school 'hg' (#1).{field}" and words in str(caught.value)


def test_parents_shorthand_is_an_ambiguous_name_that_needs_school_context(
    tmp_path: Path,
) -> None:
    from crawler.ground.matching import Matcher

    path = tmp_path / "shorthand.toml"
    path.write_text('[[school]]\nid = "sta"\nname = "St Aidan\'s Catholic Primary School"\n'
                    'ambiguous = ["St A\'s", "HGPS"]\n', encoding="utf-8")
    config = load_config(path)
    assert config.school[0].ambiguous == ["St A's", "HGPS"]
    matcher = Matcher.from_config(config.school)
    assert [m.school_id for m in matcher.match("", "St A's PTA cake sale is after school.")] == [
        "sta"]
    assert matcher.match("", "Off to St A's for midnight mass, the choir was lovely.") == []


def test_a_school_called_of_no_longer_matches_every_post() -> None:
    from crawler.ground.names import name_problem

    assert name_problem("of") and name_problem("the") and name_problem("Primary Academy")
    assert name_problem("HGPS") is None and name_problem("St Aldhelm's") is None
    assert name_problem("Oakfield 3") is None
