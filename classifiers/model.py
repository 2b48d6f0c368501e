"""Sentence encoder + small calibrated heads, loaded once per process.

The shipped model folder (model_files.py) holds the encoder as int8 ONNX with the trained LoRA
adapters merged into it, its tokenizer, and the heads file: linear heads fitted on the
encoder's mean-pooled vectors plus the adapters themselves (for the torch reference and for
re-exporting), about a megabyte. Heads run in numpy. Sigmoid heads are calibrated (Platt scaling
on out-of-fold scores, folded into the weights), so their outputs read as probabilities.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.encoder import (
    OnnxBackend,
    TorchBackend,
    cache_dir,
    encoder_fingerprint,
    encoder_width,
    export_onnx,
    load_tokenizer,
    load_torch_encoder,
    reference_encoder_folder,
)
from classifiers.model_files import ENCODER_FILE, HEADS_FILE, MODEL_DIR, read_manifest
from classifiers.quoting import pick_sentence, sentence_spans
from classifiers.signals import signal_features, with_signals
from crawler.ground.errors import ModelLoadError
from crawler.ground.vocab import Category

# Categories the shipped heads judge by meaning; personal_data and named_pupil are rules only.
MODEL_CATEGORIES = (
    Category.SAFEGUARDING,
    Category.THREAT,
    Category.HARASSMENT,
    Category.ALLEGATION,
    Category.EXTREMISM_HATE,
    Category.COMPLAINT,
    Category.MEDIA_ENQUIRY,
    Category.INSPECTION,
)
RISK_HEAD = ("at_least_low", "at_least_medium", "high")
# Evidence key for "the most negative sentence", used when a criticism has no category of its own.
NEGATIVE_EVIDENCE = "negative"
DEFAULT_WEIGHTS = MODEL_DIR / HEADS_FILE
WEIGHTS_FORMAT = "2"
# Windows of a long post overlap by this many tokens so a phrase cut at a border is seen whole.
WINDOW_STRIDE = 32
# Padded tokens per encoder batch (6 windows of 256 tokens, 12 of 128): on 64 long posts the
# peak was 1,040 MB at 4096 and 450 MB at 1536, at the same speed.
TOKEN_BUDGET = 1536

# torch fp32 is the reference; "fp32" and "int8" run the exported ONNX graph with onnxruntime.
PRECISIONS = ("auto", "fp32", "int8", "bf16", "torch-fp32")
# Chosen by measurement (bench/classify_speed.py, bench/classify_eval.py --precision): onnxruntime
# int8 is the fastest here and keeps the dev-split figures of torch fp32 within 0.01.
AUTO_PRECISION = "int8"


def resolve_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise ModelLoadError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    return AUTO_PRECISION if precision == "auto" else precision


@dataclass(frozen=True)
class Head:
    """A linear layer in numpy: softmax over labels, or one sigmoid per label."""

    labels: tuple[str, ...]
    kind: str  # "softmax" | "sigmoid"
    weight: np.ndarray  # (len(labels), hidden)
    bias: np.ndarray  # (len(labels),)

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors @ self.weight.T + self.bias
        if self.kind == "softmax":
            logits = logits - logits.max(-1, keepdims=True)
            exp = np.exp(logits)
            return exp / exp.sum(-1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-logits))


@dataclass(frozen=True)
class WeightsInfo:
    path: Path
    hidden_size: int
    fingerprint: str
    rank: int
    alpha: float
    thresholds: dict[str, float]
    digest: str
    adapters_digest: str


def read_weights(path: Path) -> tuple[WeightsInfo, dict[str, Any], dict[str, Head]]:
    """The adapters (as torch-ready numpy arrays) and the heads of a weights file."""
    # lazy: safetensors and torch load only when weights are read or trained
    from safetensors.numpy import load_file

    if not path.is_file():
        raise ModelLoadError(
            f"classifier weights {path} not found; train them with "
            "`python -m classifiers.training.heads`"
        )
    try:
        # lazy: safetensors and torch load only when weights are read or trained
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as handle:
            meta = handle.metadata() or {}
        tensors = load_file(str(path))
        if meta.get("format") != WEIGHTS_FORMAT:
            raise ValueError(f"weights format {meta.get('format')!r}, expected {WEIGHTS_FORMAT}")
        adapters = {
            k.removeprefix("encoder."): v for k, v in tensors.items() if k.startswith("encoder.")
        }
        digest = hashlib.sha256()
        for key in sorted(adapters):
            digest.update(key.encode() + adapters[key].tobytes())
        # Heads refitted on the shipped encoder carry no adapters: nothing to match then.
        adapters_digest = digest.hexdigest()[:12] if adapters else ""
        heads = {
            name: Head(
                labels=tuple(spec["labels"]),
                kind=spec["kind"],
                weight=tensors[f"head.{name}.weight"].astype(np.float32),
                bias=tensors[f"head.{name}.bias"].astype(np.float32),
            )
            for name, spec in json.loads(meta["heads"]).items()
        }
        info = WeightsInfo(
            path=path,
            hidden_size=int(meta["hidden_size"]),
            fingerprint=meta["encoder_fingerprint"],
            rank=int(meta["lora_rank"]),
            alpha=float(meta["lora_alpha"]),
            thresholds={k: float(v) for k, v in json.loads(meta["thresholds"]).items()},
            digest=hashlib.sha256(path.read_bytes()).hexdigest()[:12],
            adapters_digest=adapters_digest,
        )
    except (OSError, KeyError, ValueError) as exc:
        raise ModelLoadError(f"{path} is not a schoolwatch classifier weights file: {exc}") from exc
    return info, adapters, heads


@dataclass(frozen=True)
class Encoded:
    """A post as vectors: one per window (mean-pooled) and one per sentence (in context)."""

    windows: np.ndarray  # (n_windows, hidden)
    sentences: np.ndarray  # (n_sentences, hidden); sentences with no token are dropped
    spans: list[tuple[int, int]] = field(default_factory=list)  # character span per sentence

    @property
    def vector(self) -> np.ndarray:
        return self.windows.mean(0)


@dataclass(frozen=True)
class Prediction:
    sentiment: np.ndarray  # probabilities over Sentiment.model_order()
    categories: dict[str, float]  # calibrated probability per category, worst window
    risk: dict[str, float]  # P(risk >= low), P(>= medium), P(high), worst window
    offensive: float
    hate: float
    # category (or NEGATIVE_EVIDENCE) -> (start, end) of the sentence that scores highest for it
    evidence: dict[str, tuple[int, int]]


def risk_inputs(head: Head, text: str, windows: np.ndarray) -> np.ndarray:
    """The windows, followed by the post's deterministic signals when the head was fitted with
    them (it is then SIGNAL_COUNT columns wider than the encoder)."""
    if head.weight.shape[1] == windows.shape[1]:
        return windows
    return with_signals(windows, signal_features(text))


class Embedder:
    """Tokenizer + encoder backend: texts in, pooled window and sentence vectors out."""

    def __init__(
        self, tokenizer: Any, backend: Any, hidden: int, *, batch_size: int, max_tokens: int
    ) -> None:
        self.tokenizer = tokenizer
        self.backend = backend
        self.hidden = hidden
        self.batch_size = batch_size
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_tokens, stride=WINDOW_STRIDE)
        self.pad_id = self.tokenizer.token_to_id("[PAD]") or 0

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        """Pooled vectors per window and per sentence, in length-sorted batches."""
        if not texts:
            return []
        windows: list[tuple[int, Any]] = []
        for t, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            windows.append((t, encoding))
            windows.extend((t, extra) for extra in encoding.overflowing)
        pooled = np.zeros((len(windows), self.hidden), dtype=np.float32)
        spans = [sentence_spans(t) for t in texts]
        starts = [np.array([a for a, _ in s]) for s in spans]
        sent_sum = [np.zeros((len(s), self.hidden), dtype=np.float32) for s in spans]
        sent_count = [np.zeros(len(s), dtype=np.float32) for s in spans]
        # Length-sorted batches keep padding (wasted compute) to a minimum.
        order = sorted(range(len(windows)), key=lambda i: len(windows[i][1].ids))
        for chunk in self._batches(order, [len(w.ids) for _, w in windows]):
            width = max(len(windows[i][1].ids) for i in chunk)
            ids = np.full((len(chunk), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                n = len(windows[i][1].ids)
                ids[row, :n] = windows[i][1].ids
                mask[row, :n] = 1
            states = self.backend(ids, mask)
            # The same pooling sentence-transformers uses (special tokens included).
            weights = mask[..., None].astype(np.float32)
            pooled[chunk] = (states * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
            for row, i in enumerate(chunk):
                owner, encoding = windows[i]
                offs = np.array(encoding.offsets, dtype=np.int64).reshape(-1, 2)
                real = offs[:, 1] > offs[:, 0]  # special tokens have empty offsets
                sid = np.searchsorted(starts[owner], offs[real, 0], side="right") - 1
                sid = np.clip(sid, 0, len(starts[owner]) - 1)
                np.add.at(sent_sum[owner], sid, states[row, : len(offs)][real])
                np.add.at(sent_count[owner], sid, 1.0)
        owners = np.array([t for t, _ in windows])
        out: list[Encoded] = []
        for t in range(len(texts)):
            present = sent_count[t] > 0
            out.append(
                Encoded(
                    windows=pooled[owners == t],
                    sentences=sent_sum[t][present] / np.maximum(sent_count[t][present, None], 1),
                    spans=[s for s, keep in zip(spans[t], present, strict=True) if keep],
                )
            )
        return out

    def _batches(self, order: list[int], lengths: list[int]) -> list[list[int]]:
        """Up to batch_size windows, and at most TOKEN_BUDGET padded tokens, per batch: long
        windows go in smaller batches, so the attention buffers (and peak memory) stay bounded."""
        batches: list[list[int]] = []
        current: list[int] = []
        for i in order:  # ascending length: the newest window is the widest of its batch
            if current and (
                len(current) >= self.batch_size or (len(current) + 1) * lengths[i] > TOKEN_BUDGET
            ):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        return batches


class EncoderModel:
    """Tokenizer + encoder backend + heads. Construct once; `predict` is batched.

    The default precision runs the shipped model folder (`classifiers/model/`, see
    model_files.py) with onnxruntime: no torch, no export, nothing written. 'fp32', 'torch-fp32'
    and 'bf16' are for measuring against the reference and need the [train] extra.
    """

    def __init__(
        self,
        model_folder: Path | None = None,
        weights: Path | None = None,
        *,
        batch_size: int = 32,
        max_tokens: int = 256,
        threads: int | None = None,
        precision: str = "auto",
    ) -> None:
        self.precision = resolve_precision(precision)
        if self.precision == "int8":
            folder = model_folder or MODEL_DIR
            manifest = read_manifest(folder)
            encoder = manifest["encoder"]
            self.info, _, self.heads = read_weights(weights or folder / HEADS_FILE)
            hidden, fingerprint = int(encoder["hidden_size"]), encoder["fingerprint"]
            tokenizer = load_tokenizer(folder)
        else:
            folder = reference_encoder_folder(model_folder)
            self.info, adapters, self.heads = read_weights(weights or DEFAULT_WEIGHTS)
            hidden, fingerprint = encoder_width(folder), encoder_fingerprint(folder)
            tokenizer = load_tokenizer(folder)
        if hidden != self.info.hidden_size:
            raise ModelLoadError(
                f"the heads in {self.info.path} were trained for a {self.info.hidden_size}-wide "
                f"encoder but {folder} is {hidden}-wide; train heads for it with "
                f"`python -m classifiers.training.train --model {folder} --out heads.safetensors` "
                "and set [classifier] weights to that file"
            )
        if fingerprint != self.info.fingerprint or (
            self.precision == "int8"
            and self.info.adapters_digest not in ("", encoder["adapters_digest"])
        ):
            raise ModelLoadError(
                f"the heads in {self.info.path} belong to a different encoder than {folder}; "
                f"train them for it with `python -m classifiers.training.train --model {folder} "
                "--out heads.safetensors` and set [classifier] weights to that file"
            )
        if self.precision == "int8":
            backend: Any = OnnxBackend(folder / ENCODER_FILE, threads)
        else:
            backend = self._reference_backend(folder, adapters, threads)
        self.embedder = Embedder(
            tokenizer, backend, hidden, batch_size=batch_size, max_tokens=max_tokens
        )
        self.encoder_folder = folder

    def _reference_backend(
        self, folder: Path, adapters: dict[str, Any], threads: int | None
    ) -> Any:
        try:
            import torch  # lazy: only the reference precisions need it ([train] extra)
        except ImportError:
            raise ModelLoadError(
                f"precision {self.precision!r} needs torch: install schoolwatch[train], or use "
                "the default precision, which runs the shipped model without it"
            ) from None
        state = {k: torch.from_numpy(v) for k, v in adapters.items()}
        encoder = load_torch_encoder(folder, state, self.info.rank, self.info.alpha)
        if self.precision in ("torch-fp32", "bf16"):
            return TorchBackend(encoder, self.precision, threads)
        # onnxruntime fp32, for comparing against the shipped int8: exported once into the cache.
        name = f"encoder-{self.info.fingerprint}-{self.info.adapters_digest}-fp32.onnx"
        return OnnxBackend(export_onnx(encoder, cache_dir() / name, int8=False), threads)

    @property
    def thresholds(self) -> dict[str, float]:
        return self.info.thresholds

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        return self.embedder.encode(texts)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        encoded = self.encode(texts)
        return [self.predict_encoded(t, e) for t, e in zip(texts, encoded, strict=True)]

    def predict_encoded(self, text: str, encoded: Encoded) -> Prediction:
        heads = self.heads
        # Sentiment averages the windows; risk signals take the worst window, so a threat in
        # the last paragraph of a long review still counts in full.
        sentiment = heads["sentiment"](encoded.vector[None])[0]
        categories = heads["categories"](encoded.windows).max(0)
        risk = heads["risk"](risk_inputs(heads["risk"], text, encoded.windows)).max(0)
        evidence: dict[str, tuple[int, int]] = {}
        if len(encoded.spans):
            sent_scores = heads["categories"](encoded.sentences)
            for c, name in enumerate(heads["categories"].labels):
                evidence[name] = pick_sentence(text, encoded.spans, sent_scores[:, c], name)
            negative = heads["sentiment"](encoded.sentences)[:, 0]
            evidence[NEGATIVE_EVIDENCE] = pick_sentence(text, encoded.spans, negative, "complaint")
        return Prediction(
            sentiment=sentiment,
            categories=dict(zip(heads["categories"].labels, map(float, categories), strict=True)),
            risk=dict(zip(RISK_HEAD, map(float, risk), strict=True)),
            offensive=float(heads["offensive"](encoded.windows).max()),
            hate=float(heads["hate"](encoded.windows).max()),
            evidence=evidence,
        )
