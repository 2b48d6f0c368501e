"""`schoolwatch case`: open, update and list takedown cases."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import click

from crawler.ground.dates import shown_moment
from crawler.ground.errors import SchoolwatchError
from crawler.ground.vocab import CaseStatus
from crawler.store import Store
from schoolwatch.cases import UPDATES, Case, list_cases, open_case, recheck_cases, update_case
from schoolwatch.evidence import evidence_pack
from schoolwatch.ui import (
    catch_up_first,
    config_option,
    console,
    esc,
    existing_store,
    load_from_option,
    print_rows,
    program,
)

_STATUS_STYLE = {
    CaseStatus.OPEN: "yellow",
    CaseStatus.REPORTED: "cyan",
    CaseStatus.REMOVED: "green",
    CaseStatus.REFUSED: "red",
}


@click.group("case")
def case_group() -> None:
    """Track takedown requests: a reported post is re-checked daily until it is gone."""


@case_group.command("open")
@config_option
@click.argument("mention_id", type=int)
@click.option("--note", default=None, help="Why, and who asked for removal.")
def case_open(config_path: Path | None, mention_id: int, note: str | None) -> None:
    """Open a case on MENTION_ID (the id column of the mentions view)."""
    config = load_from_option(config_path)
    catch_up_first(config)
    case = open_case(Store(config.store.path), mention_id, note)
    console.print(f"Opened case [bold]{case.id}[/] on mention {mention_id}: {esc(case.url)}",
                  highlight=False)
    console.print(f"When you have reported it: {program()} case update {case.id} "
                  "--status reported --note \"...\"", highlight=False, soft_wrap=True)


@case_group.command("update")
@config_option
@click.argument("case_id", type=int)
@click.option("--status", type=click.Choice([str(status) for status in UPDATES]), required=True,
              help="reported: asked the platform; removed / refused: the platform's answer "
                   "(both close the case).")
@click.option("--note", default=None, help="What was done or said (kept with the case).")
def case_update(config_path: Path | None, case_id: int, status: str, note: str | None) -> None:
    """Record what happened to case CASE_ID."""
    config = load_from_option(config_path)
    catch_up_first(config)
    case = update_case(Store(config.store.path), case_id, status, note)
    console.print(f"Case [bold]{case.id}[/] is now [{_STATUS_STYLE[case.status]}]{case.status}[/]")


@case_group.command("pack")
@config_option
@click.argument("case_id", type=int)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The zip to write (an existing file is not overwritten).")
def case_pack(config_path: Path | None, case_id: int, out: Path) -> None:
    """Write the evidence pack of case CASE_ID: screen prints (PNG and PDF), the page's exact
    bytes, a metadata JSON (URLs, times, hashes, who did what) and a one-page summary, with
    SHA256SUMS to check them."""
    config = load_from_option(config_path)
    if out.exists():
        raise SchoolwatchError(f"{out} already exists: choose another --out, or remove it first")
    try:
        actor = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        actor = "cli"
    pack = evidence_pack(existing_store(config), case_id, actor)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(pack)
    partial.replace(out)  # a half-written zip never carries the final name
    console.print(f"Wrote the evidence pack of case {case_id} to {esc(str(out))} "
                  f"({len(pack):,} bytes); check it with: unzip -d pack {esc(str(out))} && "
                  "(cd pack && sha256sum -c SHA256SUMS)", highlight=False)


@case_group.command("list")
@config_option
@click.option("--school", "school_id", metavar="ID", help="Only this school's cases.")
@click.option("--open", "unresolved_only", is_flag=True, help="Only cases not yet closed.")
def case_list(config_path: Path | None, school_id: str | None, unresolved_only: bool) -> None:
    """List cases with their status, age and what the last re-check saw."""
    config = load_from_option(config_path)
    cases = list_cases(existing_store(config), school_id=school_id,
                       unresolved_only=unresolved_only)
    _print_cases(cases)


@case_group.command("check")
@config_option
def case_check(config_path: Path | None) -> None:
    """Re-check every open or reported case now (the scheduler does this daily)."""
    config = load_from_option(config_path)
    catch_up_first(config)
    results = recheck_cases(config)
    for result in results:
        console.print(f"case {result.case_id}: {esc(result.detail)}  [dim]{esc(result.url)}[/]",
                      highlight=False)
    console.print(f"[dim]{len(results)} case(s) checked[/]")


def _print_cases(cases: list[Case]) -> None:
    now = datetime.now(UTC)
    rows = []
    for case in cases:
        style = _STATUS_STYLE.get(case.status, "white")
        check = case.last_check or "-"
        if case.last_checked_at:
            check = f"{shown_moment(case.last_checked_at, weekday=False)}: {check}"
        rows.append([
            str(case.id), str(case.mention_id), esc(case.school_id),
            f"[{style}]{case.status}[/]", f"{case.age_days(now)}d", f"{case.opened_at:%Y-%m-%d}",
            esc(check), esc(case.url) + (f"\n[dim]{esc(case.note)}[/]" if case.note else ""),
        ])
    print_rows("Takedown cases", ["case", "mention", "school", "status", "age", "opened",
                                  "last check", "url / note"], rows)
    console.print(f"[dim]{len(cases)} case{'s' if len(cases) != 1 else ''}[/]")
