"""`schoolwatch sources suggest`: ready-made [[source]] blocks for a school, printed or added."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
import tomlkit

from crawler.engine.runner import run_spider
from crawler.ground.config import Config, School, load_config, resolve_config_path
from crawler.ground.config_edit import append_tables, load_document, save_document, tables
from crawler.ground.errors import UnknownNameError
from schoolwatch.ui import config_option, console, errors_console, esc
from spiders.suggest import (
    Suggestion,
    alert_howto,
    on_mirror,
    social_sources,
    suggest_sources,
)
from spiders.suggest_lookup import WIKI, ArticleFound, article_lookup

LOOKUP_SPIDER = "spiders.suggest_lookup.WikipediaLookupSpider"
OFFLINE = ("offline: no Wikipedia article looked up; run again with a connection or add it "
           "by hand")


@click.command("suggest")
@config_option
@click.option("--school", "school_id", metavar="ID", help="The school's id.")
@click.option("--all", "all_schools", is_flag=True, help="Every school in the config.")
@click.option("--add", is_flag=True, help="Append the suggested sources to the config.")
@click.option("--no-lookup", is_flag=True,
              help="Do not ask Wikipedia whether the school has an article (works offline).")
@click.option("--base", metavar="URL",
              help="Build every address on this mirror instead (each host as its first folder: "
                   "BASE/news.google.com/rss/search?...), e.g. a caching proxy or the demo's "
                   "fixture sites.")
@click.option("--youtube", "youtube", multiple=True, metavar="CHANNEL_ID",
              help="A YouTube channel id (UC...) to follow: the school's, local news (repeatable).")
@click.option("--mastodon", metavar="SERVER",
              help="The local Mastodon server: follow #Town and #SchoolName there.")
@click.option("--bluesky", "bluesky", multiple=True, metavar="HANDLE",
              help="A Bluesky account to follow, e.g. ashcombepost.bsky.social (repeatable).")
def suggest_command(
    config_path: Path | None, school_id: str | None, all_schools: bool, add: bool,
    no_lookup: bool, base: str | None, youtube: tuple[str, ...], mastodon: str | None,
    bluesky: tuple[str, ...],
) -> None:
    """Print [[source]] blocks for a school (--school ID) or every school (--all): Google News
    and Bing News search RSS, Reddit search RSS (site-wide and the town's subreddit), its
    Wikipedia article's history, its Ofsted report page and Parent View results, and how to make
    a Google or Talkwalker Alert feed.

    With --add they are appended to the config (sources already there are skipped).
    """
    if bool(school_id) == all_schools:
        raise click.UsageError("give --school ID or --all")
    path = resolve_config_path(config_path)
    config = load_config(path)
    schools = list(config.school)
    if school_id:
        school = config.get_school(school_id)
        if school is None:
            known = ", ".join(s.id for s in config.school)
            raise UnknownNameError(f"no school has id {school_id!r} (known: {known})")
        schools = [school]
    titles = {} if no_lookup else _wikipedia_titles(config, schools, base)
    suggestions: list[Suggestion] = []
    for school in schools:
        suggestions += suggest_sources(
            school, wikipedia_title=titles.get(school.id)
        ) + social_sources(school, youtube=youtube, mastodon=mastodon, bluesky=bluesky)
    if base:
        suggestions = [_moved(suggestion, base) for suggestion in suggestions]
    if not add:
        click.echo(_blocks(suggestions))
        for school in schools:
            click.echo("# " + alert_howto(school).replace("\n", "\n# ").rstrip("# \n"))
        return
    document = load_document(path)
    have = {str(source.get("url")) for source in tables(document, "source")}
    names = {str(source.get("name")) for source in tables(document, "source")}
    new: list[Suggestion] = []
    for suggestion in suggestions:
        if suggestion.url not in have and suggestion.name not in names:
            new.append(suggestion)
            have.add(suggestion.url)
            names.add(suggestion.name)
    if new:
        append_tables(document, "source", [(s.values(), s.why) for s in new])
        save_document(document, path)
    for suggestion in new:
        console.print(f"Added source [bold]{esc(suggestion.name)}[/] ({esc(suggestion.why)})",
                      highlight=False)
    skipped = len(suggestions) - len(new)
    if skipped:
        console.print(f"[dim]{skipped} suggested source(s) were already in {esc(path)}.[/]")
    for school in schools:
        console.print(alert_howto(school), highlight=False, markup=False)


def _wikipedia_titles(config: Config, schools: list[School], base: str | None) -> dict[str, str]:
    """Each school's English Wikipedia article, looked up through the crawl engine; a look-up
    that could not be made is said in one line, and the other suggestions still come."""
    wiki = on_mirror(WIKI, base) if base else WIKI
    lookups = [article_lookup(s.id, [s.name, *s.aliases], wiki) for s in schools]
    with console.status("Looking for Wikipedia articles about the school(s)..."):
        found: list[ArticleFound] = run_spider(config.crawl, LOOKUP_SPIDER, lookups=lookups)
    if any(answer.unreachable for answer in found):
        errors_console.print(f"[yellow]{esc(OFFLINE)}[/]", highlight=False, soft_wrap=True)
    names = {school.id: school.name for school in schools}
    for answer in found:
        if answer.error and not answer.unreachable:
            errors_console.print(
                f"[yellow]warning:[/] Wikipedia look-up for {esc(names[answer.school_id])} "
                f"failed: {esc(answer.error)}; no article suggested (add it by hand)",
                highlight=False, soft_wrap=True,
            )
    return {answer.school_id: answer.title for answer in found if answer.title}


def _moved(suggestion: Suggestion, base: str) -> Suggestion:
    return replace(suggestion, url=on_mirror(suggestion.url, base))


def _blocks(suggestions: list[Suggestion]) -> str:
    document = tomlkit.document()
    append_tables(document, "source", [(s.values(), s.why) for s in suggestions])
    return tomlkit.dumps(document)
