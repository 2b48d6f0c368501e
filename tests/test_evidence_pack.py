"""Screen prints at first sighting and on demand, and the evidence pack of a case: a real
store, pages on a local server captured by Debian's chromium, the zip unpacked and every hash
checked."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.engine.screenprint import chromium_path
from crawler.ground.config import Config, config_from_dict
from crawler.ground.items import CrawlResult
from crawler.store import ClassificationRow, Store
from schoolwatch.cli import cli
from schoolwatch.demo.server import FixtureServer, send
from schoolwatch.evidence import screen_prints_at_first_sighting, take_screen_print
from tests.web_helpers import SCHOOLS, _document

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="needs Debian's chromium: apt-get install -y chromium (make test installs it)",
)
POST = (b"<!doctype html><html><body><h1>Hollins Green Primary</h1>"
        b"<p>A threatening post about a teacher.</p></body></html>")


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureServer]:
    routes = {"/t/1": lambda handler: send(handler, 200, POST, "text/html; charset=utf-8")}
    with FixtureServer(routes=routes) as server:
        yield server


def _config(tmp_path: Path, **evidence: object) -> Config:
    return config_from_dict({
        "store": {"path": str(tmp_path / "store.duckdb")},
        "crawl": {"allow_private": True, "user_agent": "schoolwatch-test"},
        "school": [{"id": sid, "name": name} for sid, name in SCHOOLS],
        "evidence": {"timeout": "20s", **evidence},
    }, "test.toml", base_dir=tmp_path)


def _mentions(store: Store, urls: list[str], risk: str = "high") -> list[int]:
    when = datetime.now(UTC) - timedelta(hours=1)
    documents = [_document(url, "Hollins Green Primary teacher", "Hollins Green Primary: a "
                           f"threat {n} {url}", when, "hollins-green", "Hollins Green Primary")
                 for n, url in enumerate(urls)]
    store.write_crawl(CrawlResult(schools=SCHOOLS, sources=[("forum", "forum", "http://x/", None)],
                      runs=[], documents=documents, validators=[]))
    ids = {row[0]: row[1] for row in store.query("SELECT url, id FROM mention_records").rows}
    store.write_classifications([
        ClassificationRow(ids[url], "negative", 0.9, risk, ("threat",), {}, "test-model")
        for url in urls])
    return [ids[url] for url in urls]


def test_high_risk_mentions_are_screen_printed_once_at_first_sighting(
    tmp_path: Path, site: FixtureServer
) -> None:
    config = _config(tmp_path)
    store = Store(config.store.path)
    good, missing = _mentions(store, [site.base_url + "/t/1", "http://127.0.0.1:9/gone"])
    _mentions(store, [site.base_url + "/t/1?calm"], risk="low")

    taken = screen_prints_at_first_sighting(config, store)
    assert sorted(t.error is None for t in taken) == [False, True]
    (shot,) = store.screen_prints(good)
    assert (shot["final_url"], shot["http_status"], shot["captured_by"]) == (
        site.base_url + "/t/1", 200, "schoolwatch")
    assert shot["png_bytes"] > 1000 and shot["pdf_bytes"] > 1000
    (failed,) = store.screen_prints(missing)
    assert failed["error"] and failed["png_sha256"] is None
    assert screen_prints_at_first_sighting(config, store) == []  # each page once, not in a loop

    off = _config(tmp_path / "off", screen_prints=False)
    off_store = Store(off.store.path)
    _mentions(off_store, [site.base_url + "/t/1"])
    assert screen_prints_at_first_sighting(off, off_store) == []


def test_the_evidence_pack_holds_every_file_with_a_hash_that_checks(
    tmp_path: Path, site: FixtureServer
) -> None:
    config = _config(tmp_path)
    config_path = tmp_path / "schoolwatch.toml"
    config_path.write_text(
        f'[store]\npath = "{config.store.path}"\n[crawl]\nallow_private = true\n'
        '[[school]]\nid = "hollins-green"\nname = "Hollins Green Primary School"\n'
        '[[school]]\nid = "oakfield"\nname = "Oakfield Academy"\n', encoding="utf-8")
    store = Store(config.store.path)
    (mention_id,) = _mentions(store, [site.base_url + "/t/1"])
    case = store.get_case(store.open_case(mention_id, "the parent asked", "lead@school.example"))
    store.set_status([mention_id], "follow_up", "lead@school.example")
    taken = take_screen_print(config, store, mention_id, "lead@school.example", case_id=case.id)
    assert taken.error is None

    out = tmp_path / "case.zip"
    result = CliRunner().invoke(cli, ["case", "pack", str(case.id), "--out", str(out),
                                      "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli, ["case", "pack", str(case.id), "--out", str(out),
                                     "--config", str(config_path)])
    assert again.exit_code == 1 and "already exists" in again.output

    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    sums = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in sums}
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert on_disk == {*listed, "SHA256SUMS"}
    for path, digest in listed.items():
        assert hashlib.sha256((folder / path).read_bytes()).hexdigest() == digest, path

    metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    mention = store.mention(mention_id, None)
    (shot,) = store.screen_prints(mention_id)
    hashes = {f["sha256"] for f in metadata["files"]}
    assert {mention["raw_sha256"], shot["png_sha256"], shot["pdf_sha256"]} <= hashes
    for entry in metadata["files"]:
        assert hashlib.sha256((folder / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    png = next(f for f in metadata["files"] if f["path"].endswith(".png"))
    assert (folder / png["path"]).read_bytes().startswith(b"\x89PNG")
    assert metadata["mention"]["url"] == site.base_url + "/t/1"
    sentences = [entry["sentence"] for entry in metadata["audit"]]
    assert f"lead@school.example opened takedown case {case.id}" in sentences
    assert "lead@school.example marked this follow up" in sentences

    summary = (folder / "summary.html").read_text(encoding="utf-8")
    assert f"Evidence: takedown case {case.id}" in summary
    assert shot["png_sha256"] in summary and "sha256sum -c SHA256SUMS" in summary
    assert store.audit_entries(mention_id=mention_id)[0].action == "evidence_pack"
