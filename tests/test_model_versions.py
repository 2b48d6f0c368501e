"""The classifier learns from a lead: false positives marked in the browser, `model update`,
similar new posts no longer high; `model list`, `model use` to roll back; a refit that would
lose dev recall is refused."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from classifiers.versions import CORRECTION_WEIGHT, RIDGE, refit_head
from crawler.ground.items import CrawlResult
from crawler.store import Store
from schoolwatch.cli import cli
from tests.web_helpers import PASSWORD, SCHOOLS, _document, add_user, serving, write_config_file

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None and not Path(CHROMIUM).exists(),
    reason="needs Debian's chromium: apt-get install -y chromium (make test installs it)",
)
playwright_api = pytest.importorskip("playwright.sync_api")

# Ordinary posts the shipped model raises to high (written for this test), and posts like them.
RAISED = [
    "How should Hollins Green Primary handle an allegation against a teacher? Asking for a "
    "governors training session next week.",
    "A national survey found one in four pupils has seen a fight filmed and shared on social "
    "media; Hollins Green Primary is running a talk on it.",
]
SIMILAR = [
    "How should Hollins Green Primary deal with an allegation made against a teacher? It is "
    "for our governors training evening next month.",
    "A national survey says one in four pupils has seen a fight filmed and shared online; "
    "Hollins Green Primary is holding a talk about it.",
]


def _write(store: Store, posts: list[str], first: int) -> list[int]:
    when = datetime.now(UTC) - timedelta(days=1)
    documents = [_document(f"http://forum.test/t/{first + i}", "Hollins Green Primary", text,
                           when, "hollins-green", "Hollins Green Primary")
                 for i, text in enumerate(posts)]
    result = store.write_crawl(CrawlResult(
        schools=SCHOOLS, sources=[("forum", "forum", "http://forum.test/", None)],
        runs=[], documents=documents, validators=[]))
    return sorted(result.new_mention_ids)


def _risks(store: Store, ids: list[int]) -> list[str]:
    return [store.query("SELECT risk FROM mentions WHERE id = ?", [i]).rows[0][0] for i in ids]


def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), terminal_width=200)
    return result


def test_false_positives_teach_the_model_and_a_version_can_be_rolled_back(
    tmp_path: Path,
) -> None:
    config_path = write_config_file(tmp_path)
    config = str(config_path)
    store = Store(tmp_path / "store.duckdb")
    raised = _write(store, RAISED, 1)
    assert _invoke("classify", "--pending", "--config", config).exit_code == 0
    assert _risks(store, raised) == ["high", "high"]
    before = store.query("SELECT mention_id, model_version FROM classifications "
                         "ORDER BY mention_id").rows
    add_user(store, "lead@school.example")

    with serving(config_path, tmp_path) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(15000)
        page.goto(url + "/login")
        page.fill("input[name=email]", "lead@school.example")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_url(url + "/mentions")
        for mention_id in raised:
            page.goto(f"{url}/mentions/{mention_id}")
            page.click("#fp-not-a-concern")  # one click from the alert's link
            page.wait_for_url(f"**/mentions/{mention_id}?done=status")
            assert page.locator("#status").inner_text() == "False positive"
        browser.close()

    updated = _invoke("model", "update", "--config", config)
    assert updated.exit_code == 0, updated.output
    assert "Model v1: fitted on 2 correction(s)" in updated.output
    assert "now active (was shipped)" in updated.output
    recall = float(updated.output.split("bundled dev split ")[1][:4])
    assert recall >= 0.90
    # Reviewed mentions keep the tags the lead saw.
    after = store.query("SELECT mention_id, model_version FROM classifications "
                        "ORDER BY mention_id").rows
    assert after == before

    similar = _write(store, SIMILAR, 10)
    assert _invoke("classify", "--pending", "--config", config).exit_code == 0
    assert "high" not in _risks(store, similar)

    listed = _invoke("model", "list", "--config", config)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert any(line.split()[:2] == ["*", "v1"] for line in lines), listed.output
    assert any(line.split()[:1] == ["shipped"] for line in lines), listed.output

    rolled = _invoke("model", "use", "shipped", "--config", config)
    assert rolled.exit_code == 0, rolled.output
    assert "Model shipped is now active" in rolled.output
    # Back on the shipped model, the unreviewed similar posts are high again.
    assert _risks(store, similar) == ["high", "high"]
    unknown = _invoke("model", "use", "v7", "--config", config)
    assert unknown.exit_code == 1 and "no model version 'v7'" in unknown.output


def test_a_refit_that_would_lose_dev_recall_is_refused_and_the_model_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from classifiers import versions

    config_path = write_config_file(tmp_path)
    store = Store(tmp_path / "store.duckdb")
    raised = _write(store, RAISED, 1)
    config = str(config_path)
    assert _invoke("classify", "--pending", "--config", config).exit_code == 0
    store.set_status(raised, "false_positive", "test", reason="not a concern")
    # A floor no refit can reach stands in for a refit that loses recall.
    monkeypatch.setattr(versions, "DEV_RECALL_FLOOR", 0.9999)
    refused = _invoke("model", "update", "--config", config)
    assert refused.exit_code == 1
    assert "refused: high-risk recall on the bundled dev split would be" in refused.output
    assert "still using model shipped" in refused.output
    assert versions.list_versions(versions.models_folder(tmp_path / "store.duckdb"))[0].active
    assert not (tmp_path / "models" / "v1").exists()


def test_the_refit_lands_on_the_minimum_of_its_loss() -> None:
    rng = np.random.default_rng(3)
    basis = rng.normal(size=(6, 6))
    hessian = basis @ basis.T + np.eye(6)
    coef, bias = rng.normal(size=5).astype(np.float32), 0.3
    x = rng.normal(size=(40, 5)).astype(np.float32)
    y = (rng.random(40) < 0.4).astype(float)
    new_coef, new_bias = refit_head(hessian, coef, bias, x, y)
    rows = np.hstack([x, np.ones((40, 1))]).astype(np.float64)
    step = np.append(new_coef - coef, new_bias - bias)
    prior = hessian + RIDGE * np.trace(hessian) / 6 * np.eye(6)

    def gradient(step: np.ndarray) -> np.ndarray:
        p = 1 / (1 + np.exp(-(rows @ np.append(coef, bias) + rows @ step)))
        return prior @ step + CORRECTION_WEIGHT * rows.T @ (p - y)

    # float32 weights round the step a little; still far nearer the minimum than the start.
    assert np.linalg.norm(gradient(step)) < 1e-4 * np.linalg.norm(gradient(np.zeros(6)))
    assert np.abs(step).max() > 0.01  # the corrections moved the head
    unchanged = refit_head(hessian, coef, bias, x[:0], y[:0])
    assert unchanged[0] is coef and unchanged[1] == bias
