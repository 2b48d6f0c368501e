"""The DfE's "Get Information about Schools" (GIAS) establishment CSV, read as it is.

The download (edubasealldataYYYYMMDD.csv) is Windows-1252 encoded, has 100+ columns in a
stable, named order, dates written DD-MM-YYYY, and keeps closed schools: a school that became an
academy appears twice under the same name, the closed one with the older URN. Only the columns
schoolwatch needs are read; the rest are ignored, so a new column in next month's file is fine.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from crawler.ground.errors import GiasFileError
from crawler.ground.matching import normalise

REQUIRED_COLUMNS = ("URN", "EstablishmentName", "EstablishmentStatus (name)")
OPEN_STATUSES = ("open", "open, but proposed to close")


@dataclass(frozen=True)
class GiasSchool:
    urn: int
    name: str
    status: str
    town: str = ""
    locality: str = ""
    county: str = ""
    postcode: str = ""
    website: str | None = None
    head_title: str = ""
    head_first: str = ""
    head_last: str = ""
    trust: str = ""
    phase: str = ""
    last_inspection: date | None = None
    closed_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.status.casefold() in OPEN_STATUSES

    @property
    def head(self) -> str | None:
        """The head teacher as a person's name, without the title ("Jane Alder")."""
        name = " ".join(part for part in (self.head_first, self.head_last) if part)
        return name or None


@dataclass(frozen=True)
class GiasRows:
    """The schools of a GIAS file, and one line for each row that had to be left out."""

    schools: list[GiasSchool]
    skipped: list[str]


def read_gias(path: str | Path) -> list[GiasSchool]:
    """Every usable row of the file, open and closed, in file order."""
    return read_gias_rows(path).schools


def read_gias_rows(path: str | Path) -> GiasRows:
    """Every row of the file, open and closed, in file order; a row without a name (DfE's
    files have them) is left out and said so, not a failure of the whole file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GiasFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    reader = csv.DictReader(io.StringIO(_decode(raw), newline=""))
    columns = reader.fieldnames or []
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise GiasFileError(
            f"{path}: not a GIAS establishment file (no column {', '.join(map(repr, missing))}); "
            "download 'all establishment data' from get-information-schools.service.gov.uk"
        )
    schools = []
    skipped = []
    for line, row in enumerate(reader, start=2):
        urn = (row.get("URN") or "").strip()
        if not urn.isdigit():
            raise GiasFileError(f"{path}: line {line}: URN {urn!r} is not a number")
        school = _school(int(urn), row)
        if not school.name:
            skipped.append(f"{path.name}: line {line}: URN {urn} has no name; skipped")
            continue
        schools.append(school)
    return GiasRows(schools, skipped)


def find_urn(schools: Iterable[GiasSchool], urn: int) -> GiasSchool:
    """The row for this URN; a closed school is refused, naming the open one of that name."""
    schools = list(schools)
    found = next((school for school in schools if school.urn == urn), None)
    if found is None:
        raise GiasFileError(f"no establishment with URN {urn} in the GIAS file")
    if not found.is_open:
        successors = [
            school for school in schools
            if school.is_open and normalise(school.name) == normalise(found.name)
        ]
        hint = (
            f"; the open school of that name is URN {successors[0].urn}" if successors else ""
        )
        closed = f" (closed {found.closed_on.isoformat()})" if found.closed_on else ""
        raise GiasFileError(f"URN {urn} ({found.name}) is {found.status.lower()}{closed}{hint}")
    return found


def find_trust(schools: Iterable[GiasSchool], trust: str) -> list[GiasSchool]:
    """The open schools of a trust (the `Trusts (name)` column), matched ignoring case."""
    schools = list(schools)
    wanted = normalise(trust)
    members = [school for school in schools if school.trust and normalise(school.trust) == wanted]
    if not members:
        names = sorted({school.trust for school in schools if school.trust})
        close = difflib.get_close_matches(trust.upper(), [n.upper() for n in names], n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise GiasFileError(f"no trust named {trust!r} in the GIAS file{hint}")
    open_members = [school for school in members if school.is_open]
    if not open_members:
        raise GiasFileError(f"trust {trust!r} has no open schools in the GIAS file")
    return open_members


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without a BOM) when it is valid, else Windows-1252 as DfE publishes it."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # cp1252 leaves five byte values undefined; the real file never uses them.
        return raw.decode("cp1252", errors="replace")


def _school(urn: int, row: dict[str, str | None]) -> GiasSchool:
    def cell(column: str) -> str:
        return " ".join((row.get(column) or "").split())

    return GiasSchool(
        urn=urn,
        name=cell("EstablishmentName"),
        status=cell("EstablishmentStatus (name)"),
        town=cell("Town"),
        # The village is in Locality, or (often, in real rows) in Address3 with Locality blank
        locality=cell("Locality") or cell("Address3"),
        county=cell("County (name)"),
        postcode=cell("Postcode"),
        website=_website(cell("SchoolWebsite")),
        head_title=cell("HeadTitle (name)"),
        head_first=cell("HeadFirstName"),
        head_last=cell("HeadLastName"),
        trust=cell("Trusts (name)"),
        phase=cell("PhaseOfEducation (name)"),
        last_inspection=_date(cell("OfstedLastInsp")),
        closed_on=_date(cell("CloseDate")),
    )


def _website(value: str) -> str | None:
    """GIAS websites come with or without a scheme ("www.school.sch.uk"): always give one."""
    value = value.strip()
    if not value or " " in value:
        return None
    if not re.match(r"^https?://", value, re.IGNORECASE):
        value = "https://" + value
    return value


def _date(value: str) -> date | None:
    for pattern in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def search(schools: Iterable[GiasSchool], words: str, limit: int = 20) -> list[GiasSchool]:
    """Schools whose name (or town) holds every word, open ones first."""
    wanted = normalise(words).split()
    found = [
        school for school in schools
        if all(word in normalise(f"{school.name} {school.town}").split() for word in wanted)
    ]
    found.sort(key=lambda school: (not school.is_open, school.name, school.urn))
    return found[:limit]
