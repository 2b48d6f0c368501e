"""`schoolwatch school add` from a GIAS file: reading it as DfE writes it, the names people use,
and a config edited without losing what the user wrote."""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.ground.config import load_config
from crawler.ground.gias import GiasFileError, find_trust, find_urn, read_gias
from crawler.ground.matching import Matcher, SchoolTerms
from crawler.ground.school_names import name_forms
from schoolwatch.cli import cli

GIAS = Path(__file__).parent / "fixtures" / "gias" / "edubasealldata-fictional.csv"
EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "example.toml"


def test_reads_the_windows_1252_file_as_it_is() -> None:
    raw = GIAS.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.split(b"\r\n")[0].count(b",") >= 100
    rows = {row.urn: row for row in read_gias(GIAS)}
    assert rows[141002].name == "St Aldhelm’s Church of England Academy"
    assert rows[141005].name == "St Thérèse of Lisieux Catholic Primary School"
    assert rows[141005].head == "Renée Dubois"
    assert rows[141001].last_inspection is not None
    assert rows[141001].last_inspection.isoformat() == "2024-03-12"
    assert rows[141001].website == "https://www.hollins-green.example.org"
    assert rows[141002].website == "https://st-aldhelms.example.org/"
    assert rows[141001].trust == "ASHCOMBE LEARNING TRUST"
    assert not rows[100001].is_open and rows[141009].is_open


def test_a_utf8_copy_reads_the_same(tmp_path: Path) -> None:
    copy = tmp_path / "utf8.csv"
    copy.write_bytes(GIAS.read_bytes().decode("cp1252").encode("utf-8-sig"))
    assert read_gias(copy) == read_gias(GIAS)


def test_a_file_without_the_gias_columns_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("id,name\n1,Somewhere\n", encoding="utf-8")
    with pytest.raises(GiasFileError, match="not a GIAS establishment file"):
        read_gias(other)


def test_a_closed_school_is_refused_naming_the_open_one_of_that_name() -> None:
    rows = read_gias(GIAS)
    with pytest.raises(GiasFileError, match=r"closed.*2015-08-31.*URN 141001"):
        find_urn(rows, 100001)
    assert find_urn(rows, 141001).name == "Hollins Green Primary School"
    with pytest.raises(GiasFileError, match="no establishment with URN 999999"):
        find_urn(rows, 999999)


def test_a_trust_brings_its_open_schools_only() -> None:
    rows = read_gias(GIAS)
    urns = [school.urn for school in find_trust(rows, "Ashcombe Learning Trust")]
    assert urns == [141001, 141002, 141004, 141009]  # 141008 closed; 100001 not in the trust
    with pytest.raises(GiasFileError, match="did you mean 'ASHCOMBE LEARNING TRUST'"):
        find_trust(rows, "Ashcombe Learning Trusts")


def _matcher() -> Matcher:
    schools = []
    for row in read_gias(GIAS):
        if not row.is_open:
            continue
        forms = name_forms(row.name, row.town, row.locality)
        schools.append(SchoolTerms(
            str(row.urn), row.name, forms.aliases, forms.ambiguous,
            context=[place for place in (row.town,) if place],
        ))
    return Matcher(schools)


@pytest.mark.parametrize(
    ("sentence", "urn"),
    [
        ("My daughter started at Saint Aldhelms CofE Academy in September.", "141002"),
        ("St Aldhelm's C of E have a new head from January", "141002"),
        ("St. Aldhelm’s Academy parents: the car park is chaos again", "141002"),
        ("Anyone got kids at St Bede's Primary? Thinking of applying", "141003"),
        ("St. Bede’s RC Primary School nativity was lovely", "141003"),
        ("Saint Bedes Catholic primary has a new breakfast club", "141003"),
        ("St Therese of Lisieux primary is oversubscribed again", "141005"),
        ("Oakfield Infants had a great sports day", "141007"),
        ("The Oakfield C of E Infant School fete raised £900", "141007"),
        ("Hollins Green Primary gets a new playground", "141001"),
        ("the head at Hollins Green said nothing about it", "141001"),
        ("HGPS staff were brilliant with my son", "141001"),
        ("Year 11 results at Ashcombe Academy are up", "141004"),
        ("Moorside Junior is closing, the council says", "141009"),
    ],
)
def test_generated_aliases_find_the_school_in_real_sentences(sentence: str, urn: str) -> None:
    assert [match.school_id for match in _matcher().match("", sentence)] == [urn]


@pytest.mark.parametrize(
    "sentence",
    [
        "Walking the dog in Hollins Green this morning",
        "St Aldhelm's church bells rang for an hour",
        "Ashcombe council approves the new bypass",
        "Oakfield Road is closed for resurfacing",
    ],
)
def test_short_forms_alone_do_not_match_places(sentence: str) -> None:
    assert _matcher().match("", sentence) == []


def test_school_add_keeps_the_config_as_the_user_wrote_it(tmp_path: Path) -> None:
    config = tmp_path / "schoolwatch.toml"
    original = EXAMPLE.read_text(encoding="utf-8")
    config.write_text(original, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["school", "add", "--config", str(config), "--gias", str(GIAS), "--urn", "141002",
              "--lead", "head@st-aldhelms.example.org"],
    )
    assert result.exit_code == 0, result.output
    edited = config.read_text(encoding="utf-8")
    removed = [line for line in difflib.ndiff(original.splitlines(), edited.splitlines())
               if line.startswith("- ")]
    assert removed == []  # every comment and line of the user's file is still there, in order
    # The new school follows the last [[school]], before the first [[source]].
    assert edited.index('id = "st-aldhelms-academy"') < edited.index("\n[[source]]\n")
    assert edited.index('id = "hollins-green"') < edited.index('id = "st-aldhelms-academy"')
    # ...and the comment introducing the sources still sits right above them.
    assert "# One [[source]] table per place to look.\n[[source]]" in edited
    loaded = load_config(config)
    school = loaded.get_school("st-aldhelms-academy")
    assert school is not None
    assert school.urn == 141002
    assert school.staff == ["Daniel Okafor"]
    assert school.leads == ["head@st-aldhelms.example.org"]
    assert school.context == ["Ashcombe"]
    assert school.last_inspection is not None and school.last_inspection.isoformat() == "2022-11-07"
    assert "St Aldhelm's Academy" in school.aliases


def test_school_add_writes_a_new_config_and_refuses_the_same_urn_twice(tmp_path: Path) -> None:
    config = tmp_path / "new.toml"
    runner = CliRunner()
    args = ["school", "add", "--config", str(config), "--gias", str(GIAS)]
    result = runner.invoke(cli, [*args, "--trust", "ashcombe learning trust"])
    assert result.exit_code == 0, result.output
    ids = [school.id for school in load_config(config).school]
    assert ids == ["hollins-green-primary", "st-aldhelms-academy", "ashcombe-academy",
                   "moorside-junior"]
    before = config.read_bytes()
    again = runner.invoke(cli, [*args, "--urn", "141001"])
    assert again.exit_code == 1
    assert "already in" in again.output
    assert config.read_bytes() == before


def test_an_edited_config_keeps_its_mode_and_group(tmp_path: Path) -> None:
    """A root edit of /etc/schoolwatch/schoolwatch.toml (0640 root:schoolwatch, docs/deploy.md)
    must leave it readable by the services; a new config is not left private to its writer."""
    fresh = tmp_path / "new.toml"
    args = ["school", "add", "--gias", str(GIAS)]
    umask = os.umask(0o022)
    try:
        result = CliRunner().invoke(cli, [*args, "--config", str(fresh), "--urn", "141001"])
    finally:
        os.umask(umask)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # as `init` writes it, not mkstemp's 0600
    config = tmp_path / "schoolwatch.toml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    config.chmod(0o640)
    other_group = 1 if os.geteuid() == 0 else os.getegid()  # only root may give a file away
    os.chown(config, -1, other_group)
    result = CliRunner().invoke(cli, [*args, "--config", str(config), "--urn", "141002"])
    assert result.exit_code == 0, result.output
    assert 'id = "st-aldhelms-academy"' in config.read_text(encoding="utf-8")
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert config.stat().st_gid == other_group


def test_an_invalid_result_is_not_written(tmp_path: Path) -> None:
    config = tmp_path / "schoolwatch.toml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    before = config.read_bytes()
    result = CliRunner().invoke(
        cli, ["school", "add", "--config", str(config), "--gias", str(GIAS), "--urn", "141001",
              "--lead", "not-an-address"],
    )
    assert result.exit_code == 2
    assert "not an email address" in result.output
    assert config.read_bytes() == before


def test_dry_run_prints_the_blocks_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "schoolwatch.toml"
    result = CliRunner().invoke(
        cli, ["school", "add", "--config", str(config), "--gias", str(GIAS), "--urn", "141007",
              "--dry-run"],
    )
    assert result.exit_code == 0, result.output
    assert not config.exists()
    assert 'name = "Oakfield Church of England Voluntary Controlled Infant School"' in result.output
    assert '"Oakfield Infants"' in result.output and "urn = 141007" in result.output


def test_school_find_lists_open_schools_first(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["school", "find", "--gias", str(GIAS), "hollins green"], terminal_width=160,
    )
    assert result.exit_code == 0, result.output
    assert result.output.index("141001") < result.output.index("100001")  # open, then closed
    missing = CliRunner().invoke(cli, ["school", "find", "--gias", str(GIAS), "nowhere"])
    assert missing.exit_code == 1 and "no school" in missing.output
