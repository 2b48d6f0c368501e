"""The shipped model folder (`classifiers/model/`) and its manifest.

The folder is package data of the wheel: `encoder.onnx` (the encoder with the trained adapters
merged, int8 dynamic-quantised), `tokenizer.json`, `heads.safetensors` (the decision layer) and
`manifest.json`, which names the format, the encoder and the sha256 and size of every file.
`python -m classifiers.training.export` writes the encoder, tokenizer and manifest; the heads
training refreshes the manifest through `refresh_manifest` after writing new heads. At run time
only numpy, tokenizers and onnxruntime read this folder: no torch, no cache, no export.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from crawler.ground.errors import ModelLoadError

MODEL_DIR = Path(__file__).parent / "model"
MANIFEST = "manifest.json"
ENCODER_FILE = "encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
HEADS_FILE = "heads.safetensors"
# Bump when the folder's layout or the encoder's inputs/outputs change; the loader refuses
# any other version with a line that says how to re-export.
FORMAT_VERSION = 1
REQUIRED_FILES = (ENCODER_FILE, TOKENIZER_FILE, HEADS_FILE)


def file_entry(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def _atomic_write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    with partial.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)


def write_manifest(folder: Path = MODEL_DIR, **fields: Any) -> dict[str, Any]:
    """(Re)writes the folder's manifest: `fields` over the existing ones, and a fresh sha256
    and size for every file in the folder. The one helper the export and the heads training
    share, so the manifest never describes files that are not there."""
    path = folder / MANIFEST
    manifest: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    manifest.update(fields)
    manifest["format_version"] = FORMAT_VERSION
    manifest["files"] = {
        child.name: file_entry(child)
        for child in sorted(folder.iterdir())
        if child.is_file() and child.name != MANIFEST and not child.name.startswith(".")
    }
    _atomic_write(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def refresh_manifest(folder: Path = MODEL_DIR, **fields: Any) -> dict[str, Any]:
    """After new heads are written into `folder`: re-hash its files, keep everything else."""
    if not (folder / MANIFEST).is_file():
        raise ModelLoadError(
            f"{folder} has no {MANIFEST}; export the encoder first with "
            "`python -m classifiers.training.export`"
        )
    return write_manifest(folder, **fields)


def read_manifest(folder: Path = MODEL_DIR) -> dict[str, Any]:
    """The manifest of a model folder, after the cheap checks (format, files present with the
    recorded sizes). Full hashes are checked by `verify_model`, not on every start."""
    if not folder.is_dir():
        raise ModelLoadError(f"model folder {folder} does not exist")
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelLoadError(
            f"{folder} is not a schoolwatch model folder (no {MANIFEST}); export one with "
            "`python -m classifiers.training.export`"
        ) from None
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{path} cannot be read: {exc}") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(
            f"{path} is model format {manifest.get('format_version')!r}; this schoolwatch reads "
            f"format {FORMAT_VERSION}: re-export with `python -m classifiers.training.export`"
        )
    files = manifest.get("files", {})
    for name in REQUIRED_FILES:
        if name not in files:
            raise ModelLoadError(f"{path} lists no {name}")
        actual = folder / name
        if not actual.is_file():
            raise ModelLoadError(f"model file {actual} is missing")
        if actual.stat().st_size != files[name]["bytes"]:
            raise ModelLoadError(
                f"{actual} is {actual.stat().st_size} bytes but {MANIFEST} says "
                f"{files[name]['bytes']}: a file was replaced without refreshing the manifest "
                "(`python -m classifiers.training.heads` or `... .export` do it)"
            )
    return manifest


def verify_model(folder: Path = MODEL_DIR) -> list[str]:
    """Every file whose sha256 differs from the manifest's (empty when the folder is intact)."""
    manifest = read_manifest(folder)
    return [
        name
        for name, entry in manifest["files"].items()
        if not (folder / name).is_file() or file_entry(folder / name)["sha256"] != entry["sha256"]
    ]
