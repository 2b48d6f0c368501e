"""`schoolwatch school add`: a [[school]] block from the DfE's GIAS file, by URN or by trust."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import click
import tomlkit

from crawler.ground.config import resolve_config_path
from crawler.ground.config_edit import append_tables, load_document, save_document, tables, validate
from crawler.ground.errors import SchoolwatchError
from crawler.ground.gias import (
    GiasSchool,
    find_trust,
    find_urn,
    read_gias,
    read_gias_rows,
    search,
)
from crawler.ground.matching import normalise
from crawler.ground.school_names import name_forms, school_id
from schoolwatch.ui import config_option, console, errors_console, esc, print_rows, program


def school_values(
    school: GiasSchool, taken_ids: set[str], leads: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The [[school]] keys for one GIAS row, in the order a person reads them."""
    forms = name_forms(school.name, school.town, school.locality)
    name_key = normalise(school.name)
    context = [
        place for place in dict.fromkeys((school.town, school.locality))
        if place and normalise(place) not in name_key
    ]
    return {
        "id": school_id(school.name, taken_ids, school.urn),
        "name": school.name,
        "urn": school.urn,
        "aliases": forms.aliases,
        "ambiguous": forms.ambiguous,
        "context": context,
        "staff": [school.head] if school.head else [],
        "leads": list(leads),
        "website": school.website,
        "phase": school.phase or None,
        "last_inspection": school.last_inspection,
    }


def _comment(school: GiasSchool, gias: Path) -> str:
    return (
        f"From GIAS ({gias.name}, URN {school.urn}, {school.status}) on "
        f"{date.today().isoformat()}.\nCheck the aliases and ambiguous names; add `leads`."
    )


@click.group("school")
def school_group() -> None:
    """Add the schools you watch to the config."""


@school_group.command("add")
@config_option
@click.option("--gias", "gias_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The GIAS establishment CSV (edubasealldata...csv from "
                   "get-information-schools.service.gov.uk > Downloads).")
@click.option("--urn", "urns", type=int, multiple=True, metavar="URN",
              help="The school's unique reference number (repeatable).")
@click.option("--trust", metavar="NAME",
              help="Add every open school of this trust (the file's 'Trusts (name)').")
@click.option("--lead", "leads", multiple=True, metavar="EMAIL",
              help="An ORM lead's email address for the new schools (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print the [[school]] blocks; change nothing.")
def add_command(
    config_path: Path | None, gias_path: Path, urns: tuple[int, ...], trust: str | None,
    leads: tuple[str, ...], dry_run: bool,
) -> None:
    """Add a school (--urn) or a whole trust (--trust) from the GIAS file to the config.

    Writes the official name, its usual short forms as aliases, the town as context, the head
    teacher as staff, the website, the URN and the last inspection date. Comments and order in
    the config are kept; the file is only written when the result is a valid config.
    """
    if not urns and not trust:
        raise click.UsageError("give --urn N or --trust NAME")
    read = read_gias_rows(gias_path)
    for line in read.skipped:
        errors_console.print(f"[yellow]warning:[/] {esc(line)}", highlight=False)
    rows = read.schools
    chosen = [find_urn(rows, urn) for urn in urns]
    if trust:
        chosen += find_trust(rows, trust)
    path = resolve_config_path(config_path)
    document = load_document(path)
    existing = tables(document, "school")
    watched = {int(school["urn"]): str(school["id"]) for school in existing if "urn" in school}
    taken = {str(school.get("id")) for school in existing}
    entries: list[tuple[Mapping[str, Any], str | None]] = []
    for school in dict.fromkeys(chosen):
        if school.urn in watched:
            if urns and school.urn in urns:
                raise SchoolwatchError(
                    f"URN {school.urn} is already in {path} as school {watched[school.urn]!r}"
                )
            console.print(f"[dim]{esc(school.name)} (URN {school.urn}) is already watched.[/]")
            continue
        values = school_values(school, taken, leads)
        taken.add(values["id"])
        entries.append((values, _comment(school, gias_path)))
    if not entries:
        return
    append_tables(document, "school", entries)
    if dry_run:
        validate(document, path)
        preview = tomlkit.document()
        append_tables(preview, "school", entries)
        click.echo(tomlkit.dumps(preview))
        return
    save_document(document, path)
    for values, _ in entries:
        console.print(f"Added [bold]{esc(values['id'])}[/] ({esc(values['name'])}, URN "
                      f"{values['urn']}) to {esc(path)}", highlight=False)
    console.print(f"Next: [bold]{esc(program())} sources suggest --school "
                  f"{esc(entries[0][0]['id'])} "
                  "--add[/] for ready-made sources.", highlight=False, soft_wrap=True)


@school_group.command("find")
@click.option("--gias", "gias_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The GIAS establishment CSV.")
@click.argument("words", nargs=-1, required=True)
def find_command(gias_path: Path, words: tuple[str, ...]) -> None:
    """Find a school's URN in the GIAS file by WORDS of its name or town (quoted or not)."""
    wanted = " ".join(words)
    found = search(read_gias(gias_path), wanted)
    if not found:
        raise SchoolwatchError(f"no school in {gias_path.name} has {wanted!r} in its name or town")
    rows = [[str(school.urn), esc(school.name), esc(school.town),
             esc(school.status), esc(school.trust)] for school in found]
    print_rows(f"Schools matching {wanted!r}", ["URN", "name", "town", "status", "trust"], rows,
               styles=["" if school.is_open else "dim" for school in found])
