"""The frozen, adapted encoder used to compute training vectors (torch fp32, the reference)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from classifiers.encoder import (
    TorchBackend,
    bundled_encoder_path,
    encoder_fingerprint,
    encoder_width,
    load_tokenizer,
    load_torch_encoder,
)
from classifiers.model import Embedder


def read_adapters(path: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(adapters, first-pass heads, metadata) of a stage-1 file as torch tensors."""
    # lazy: safetensors loads only when stored embeddings are read
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata() or {}
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    adapters = {k.removeprefix("encoder."): v for k, v in tensors.items() if "lora_" in k}
    heads = {k.removeprefix("heads."): v for k, v in tensors.items() if k.startswith("heads.")}
    return adapters, heads, meta


def load_embedder(
    adapters_path: Path, folder: Path | None = None, *, threads: int = 2, max_tokens: int = 256
) -> tuple[Embedder, str]:
    """The embedder and a key naming its exact state (for the embedding cache)."""
    folder = folder or bundled_encoder_path()
    adapters, _, meta = read_adapters(adapters_path)
    encoder = load_torch_encoder(
        folder, adapters, int(meta["lora_rank"]), float(meta["lora_alpha"])
    )
    embedder = Embedder(
        load_tokenizer(folder),
        TorchBackend(encoder, "torch-fp32", threads),
        encoder_width(folder),
        batch_size=32,
        max_tokens=max_tokens,
    )
    key = f"{encoder_fingerprint(folder)}-{adapters_path.stat().st_size}-{meta.get('seed')}"
    return embedder, f"{key}-{max_tokens}"
