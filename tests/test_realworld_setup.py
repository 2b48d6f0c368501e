"""Set-up on real files nobody here wrote (../shared/realworld/gias): GIAS rows as DfE publishes
them, and the school blocks and suggested sources they lead to."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crawler.ground.config import School, load_config
from crawler.ground.gias import read_gias, read_gias_rows
from schoolwatch.cli import cli
from spiders.suggest import ofsted_reports_url, suggest_sources
from tests.shared_data import REALWORLD, needs_realworld

GIAS = REALWORLD / "gias"
ROWS = GIAS / "dfe-claim-payments__gias_establishments_cp1252.csv"
BLANK_NAME = GIAS / "dfe-claim-payments__gias_establishments_blank_name.csv"


@needs_realworld("gias")
def test_the_village_in_address3_is_context(tmp_path: Path) -> None:
    rows = {row.urn: row for row in read_gias(ROWS)}
    assert rows[126416].locality == "Tilshead"  # Locality is blank; Address3 names the village
    assert rows[106653].locality == "Penistone"  # Locality itself wins where it is given
    config = tmp_path / "schoolwatch.toml"
    result = CliRunner().invoke(cli, ["school", "add", "--config", str(config), "--gias",
                                      str(ROWS), "--urn", "126416"])
    assert result.exit_code == 0, result.output
    (school,) = load_config(config).school
    assert "Tilshead" in school.context


@needs_realworld("gias")
def test_a_row_with_a_blank_name_is_skipped_with_one_warning(tmp_path: Path) -> None:
    read = read_gias_rows(BLANK_NAME)
    assert read.schools == [] and read_gias(BLANK_NAME) == []
    assert read.skipped == [f"{BLANK_NAME.name}: line 2: URN 106653 has no name; skipped"]
    config = tmp_path / "schoolwatch.toml"
    result = CliRunner().invoke(cli, ["school", "add", "--config", str(config), "--gias",
                                      str(BLANK_NAME), "--urn", "106653"])
    assert result.exit_code == 1
    assert "String should have at least" not in result.output
    assert "no name" in result.output and "URN 106653" in result.output


@needs_realworld("gias")
def test_school_add_records_the_phase_and_suggest_builds_the_phase_s_ofsted_page(
    tmp_path: Path,
) -> None:
    config = tmp_path / "schoolwatch.toml"
    result = CliRunner().invoke(cli, ["school", "add", "--config", str(config), "--gias",
                                      str(ROWS), "--urn", "106653", "--urn", "126416"])
    assert result.exit_code == 0, result.output
    by_urn = {school.urn: school for school in load_config(config).school}
    assert by_urn[106653].phase == "Secondary" and by_urn[126416].phase == "Primary"
    urls = {s.kind: s.url for s in suggest_sources(by_urn[106653]) if s.kind == "ofsted"}
    assert urls == {"ofsted": "https://reports.ofsted.gov.uk/provider/23/106653"}
    urls = {s.kind: s.url for s in suggest_sources(by_urn[126416]) if s.kind == "ofsted"}
    assert urls == {"ofsted": "https://reports.ofsted.gov.uk/provider/21/126416"}


def test_the_ofsted_page_follows_the_phase() -> None:
    assert ofsted_reports_url(106653, "Secondary") == (
        "https://reports.ofsted.gov.uk/provider/23/106653"
    )
    assert ofsted_reports_url(106653, "Middle deemed secondary").endswith("/23/106653")
    assert ofsted_reports_url(126416, "Primary").endswith("/21/126416")
    assert ofsted_reports_url(126416, None).endswith("/21/126416")
    school = School(id="x", name="Penistone Grammar School", urn=106653, phase="Secondary")
    assert [s.url for s in suggest_sources(school) if s.kind == "ofsted"] == [
        "https://reports.ofsted.gov.uk/provider/23/106653"
    ]
