"""`schoolwatch sources suggest`: exactly quoted search feeds, Ofsted pages by URN, and the whole
set-up (school add + sources suggest --add + crawl) on the demo's fixture sites, untouched."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from click.testing import CliRunner

from crawler.ground.config import School, load_config
from crawler.store import Store
from schoolwatch.cli import cli
from schoolwatch.demo import sites_folder
from schoolwatch.demo.server import FixtureServer, send
from spiders.suggest import (
    google_news_url,
    on_mirror,
    search_names,
    suggest_sources,
)

GIAS = Path(__file__).parent / "fixtures" / "gias" / "edubasealldata-fictional.csv"

ST_ALDHELMS = School(
    id="st-aldhelms-academy",
    name="St Aldhelm’s Church of England Academy",
    urn=141002,
    aliases=["St Aldhelm's Academy", "St Aldhelm's Church of England", "St Aldhelm's Ashcombe"],
    ambiguous=["St Aldhelm's"],
    context=["Ashcombe"],
)


def test_search_names_are_the_shortest_forms_that_cover_the_rest() -> None:
    # "St Aldhelm's Church of England" also finds the full name; "...Ashcombe" is for the matcher.
    assert search_names(ST_ALDHELMS) == ["St Aldhelm's Academy", "St Aldhelm's Church of England"]


def test_google_news_url_is_exactly_quoted_and_encoded() -> None:
    url = google_news_url(search_names(ST_ALDHELMS))
    assert url == (
        "https://news.google.com/rss/search?q=%22St+Aldhelm%27s+Academy%22+OR+"
        "%22St+Aldhelm%27s+Church+of+England%22+when%3A7d&hl=en-GB&gl=GB&ceid=GB:en"
    )
    query = parse_qs(urlsplit(url).query)
    assert query["q"] == ['"St Aldhelm\'s Academy" OR "St Aldhelm\'s Church of England" when:7d']
    assert query["ceid"] == ["GB:en"]


def test_a_name_with_an_ampersand_or_quotes_stays_one_phrase() -> None:
    school = School(id="smith-jones", name='Smith & Jones "New" Academy')
    url = google_news_url(search_names(school), window="")
    assert parse_qs(urlsplit(url).query)["q"] == ['"Smith & Jones New Academy"']
    assert "%26" in url and "&Jones" not in url


def test_suggestions_cover_news_reddit_and_ofsted_by_urn() -> None:
    by_name = {s.name: s for s in suggest_sources(ST_ALDHELMS, wikipedia_title="St Aldhelm's")}
    bing = by_name["st-aldhelms-academy-bing-news"].url
    assert parse_qs(urlsplit(bing).query)["format"] == ["RSS"]
    local = by_name["st-aldhelms-academy-reddit-ashcombe"].url
    assert local.startswith("https://www.reddit.com/r/Ashcombe/search.rss?")
    local_query = parse_qs(urlsplit(local).query)
    assert local_query["restrict_sr"] == ["on"] and local_query["sort"] == ["new"]
    assert '"St Aldhelm\'s"' in local_query["q"][0]  # the short name, within the town's subreddit
    assert by_name["st-aldhelms-academy-ofsted"].url == (
        "https://reports.ofsted.gov.uk/provider/21/141002"
    )
    assert by_name["st-aldhelms-academy-parent-view"].url.endswith("/urn/141002")
    assert by_name["st-aldhelms-academy-wikipedia"].url == (
        "https://en.wikipedia.org/w/index.php?title=St_Aldhelm's&action=history&feed=atom"
    )
    assert all(s.schools == ["st-aldhelms-academy"] for s in by_name.values())


def test_on_mirror_keeps_host_path_and_query() -> None:
    assert on_mirror("https://news.google.com/rss/search?q=%22a%22", "http://127.0.0.1:9/") == (
        "http://127.0.0.1:9/news.google.com/rss/search?q=%22a%22"
    )


ARTICLE = "/en.wikipedia.org/wiki/Hollins_Green_Primary_School"


def _article(seen: list[str]):
    def route(handler: BaseHTTPRequestHandler) -> None:
        seen.append(handler.headers.get("User-Agent", ""))
        body = (b'<html><head><link rel="canonical" '
                b'href="https://en.wikipedia.org/wiki/Hollins_Green_Primary_School"></head>'
                b'<body><h1 id="firstHeading">Hollins Green Primary School</h1></body></html>')
        send(handler, 200, body, "text/html; charset=utf-8")

    return route


def _suggest(config: Path, base: str, *extra: str):
    return CliRunner().invoke(cli, ["sources", "suggest", "--config", str(config), "--school",
                                    "hollins-green", "--base", base, *extra])


def _config(tmp_path: Path, allow_private: bool = True) -> Path:
    config = tmp_path / "schoolwatch.toml"
    config.write_text(
        f"[crawl]\nallow_private = {str(allow_private).lower()}\nretries = 0\n"
        'user_agent = "schoolwatch-test/1 (+https://school.example/contact)"\n\n'
        '[[school]]\nid = "hollins-green"\nname = "Hollins Green Primary School"\n',
        encoding="utf-8",
    )
    return config


def test_the_wikipedia_lookup_goes_through_the_engine(tmp_path: Path) -> None:
    seen: list[str] = []
    with FixtureServer(routes={ARTICLE: _article(seen)}) as server:
        found = _suggest(_config(tmp_path), server.base_url)
        missing_then = server.hits.get("/en.wikipedia.org/wiki/Hollins_Green_Primary", 0)
    assert found.exit_code == 0, found.output
    assert "Wikipedia history feed of 'Hollins Green Primary School'" in found.output
    assert seen == ["schoolwatch-test/1 (+https://school.example/contact)"]  # the crawl's UA
    assert missing_then == 0  # the full name was found first: no further look-up


def test_a_lookup_outside_the_guard_or_offline_says_so_in_one_line(tmp_path: Path) -> None:
    with FixtureServer(routes={ARTICLE: _article([])}) as server:
        guarded = _suggest(_config(tmp_path, allow_private=False), server.base_url)
    assert guarded.exit_code == 0, guarded.output
    assert "Wikipedia history feed" not in guarded.output
    assert "private" in guarded.output.lower() and "add it by hand" in guarded.output
    offline = _suggest(_config(tmp_path), "http://127.0.0.1:9")  # nothing listens there
    assert offline.exit_code == 0, offline.output
    line = ("offline: no Wikipedia article looked up; run again with a connection or add it "
            "by hand")
    assert offline.output.count(line) == 1
    assert "[[source]]" in offline.output  # the other suggestions are still given


def test_no_article_means_no_wikipedia_suggestion_and_no_warning(tmp_path: Path) -> None:
    with FixtureServer(routes={}) as server:  # every page a 404
        result = _suggest(_config(tmp_path), server.base_url)
    assert result.exit_code == 0, result.output
    assert "history feed" not in result.output
    assert "offline" not in result.output and "failed" not in result.output


def test_suggest_prints_blocks_and_the_alert_howto(tmp_path: Path) -> None:
    config = tmp_path / "schoolwatch.toml"
    runner = CliRunner()
    added = runner.invoke(cli, ["school", "add", "--config", str(config), "--gias", str(GIAS),
                                "--urn", "141002"])
    assert added.exit_code == 0, added.output
    before = config.read_bytes()
    result = runner.invoke(cli, ["sources", "suggest", "--config", str(config),
                                 "--school", "st-aldhelms-academy", "--no-lookup"])
    assert result.exit_code == 0, result.output
    assert result.output.count("[[source]]") >= 6
    assert "https://www.google.com/alerts" in result.output
    assert config.read_bytes() == before  # printing changes nothing
    unknown = runner.invoke(cli, ["sources", "suggest", "--config", str(config),
                                  "--school", "nope", "--no-lookup"])
    assert unknown.exit_code == 1 and "no school has id 'nope'" in unknown.output


def test_school_add_then_suggest_add_then_crawl_works_without_editing(tmp_path: Path) -> None:
    config = tmp_path / "schoolwatch.toml"
    runner = CliRunner()
    with FixtureServer(sites_folder()) as server:
        steps = [
            ["school", "add", "--config", str(config), "--gias", str(GIAS),
             "--urn", "141001", "--urn", "141002"],
            ["sources", "suggest", "--config", str(config), "--all", "--add", "--no-lookup",
             "--base", server.base_url],
        ]
        for step in steps:
            result = runner.invoke(cli, step, terminal_width=160)
            assert result.exit_code == 0, result.output
            if step[0] == "school":  # the fixture sites are on 127.0.0.1: a private network
                text = config.read_text(encoding="utf-8")
                allow = "[crawl]\nallow_private = true\n"
                text = (text.replace("[crawl]\n", allow, 1) if "[crawl]\n" in text
                        else allow + "\n" + text)
                config.write_text(text, encoding="utf-8")
        again = runner.invoke(cli, steps[1], terminal_width=160)  # nothing added twice
        assert "12 suggested source(s) were already in" in again.output
        crawl = runner.invoke(cli, ["crawl", "--config", str(config)], terminal_width=160)
        # Parent View as the live site serves it: /urn/N redirects twice, the print page has
        # the figures
        printed = "/parentview.ofsted.gov.uk/parent-view-results/survey/result-print"
        assert server.hits.get(f"{printed}/5101/17") == 1
        assert server.hits.get(f"{printed}/5102/17") == 1
    assert crawl.exit_code == 0, crawl.output
    loaded = load_config(config)
    assert len(loaded.source) == 12
    store = Store(loaded.store.path)
    sources_seen = {row[0] for row in store.query("SELECT DISTINCT source FROM mentions").rows}
    for expected in ("hollins-green-primary-google-news", "hollins-green-primary-bing-news",
                     "hollins-green-primary-reddit", "hollins-green-primary-reddit-ashcombe",
                     "hollins-green-primary-ofsted", "st-aldhelms-academy-google-news",
                     "st-aldhelms-academy-ofsted"):
        assert expected in sources_seen, (expected, sources_seen)
    urls = {row[0] for row in store.query("SELECT url FROM mentions").rows}
    # The Ofsted page gave one mention per report (its PDF); Parent View a series, no mention.
    assert "https://files.ofsted.gov.uk/v1/file/50246811" in urls
    assert not any("parentview" in url for url in urls)
    series = store.query(
        "SELECT school_id, count(*) FROM series_points GROUP BY ALL ORDER BY ALL"
    ).rows
    assert series == [("hollins-green-primary", 14), ("st-aldhelms-academy", 14)]
    # Bing's redirect link was unwrapped to the article itself.
    assert "https://www.ashcombepost.example/news/hollins-green-crossing-concerns" in urls
    # "Hollins Green" alone counted in r/Ashcombe only where school words were near it.
    titles = {row[0] for row in store.query("SELECT title FROM mentions").rows}
    assert "Year 2 places in Ashcombe?" in titles and "Bus stop moved" not in titles
