"""Stage 2: the shipped heads, fitted on frozen encoder vectors in a few minutes.

`python -m classifiers.training.heads [--datasets DIR] [--out FILE]`

Reads the real school posts' `train` split, TweetEval `val` splits and the stage-1 adapters
(`classifiers/training/data/adapters.safetensors`). The encoder (with the adapters merged) is
frozen; its mean-pooled vectors are computed once and cached under build/embeddings. Heads are
L2-regularised logistic regressions:

* risk: three binary heads, P(risk >= low), P(>= medium), P(high), on the real posts' vectors
  with their deterministic signals beside them (classifiers/signals.py); P(high) adds the
  severity and specificity views (classifiers/fitting.py);
* categories: one binary head each, on the real posts;
* sentiment: multinomial, class-balanced, on the real posts;
* offensive, hate: carried over from stage 1 (trained end-to-end on TweetEval train).

Each sigmoid head is calibrated by Platt scaling on out-of-fold scores (5 folds grouped by
site, so every fold is scored on sites it never saw) and the calibration is folded into its
weights. Thresholds are chosen on the same out-of-fold probabilities, never on dev: high risk
at the highest threshold that keeps train recall >= HIGH_RECALL (precision first, within the
recall floor); medium at MEDIUM_RECALL of high+medium; each category at its best out-of-fold
F1. The dev split and TweetEval test splits are read only by bench/classify_eval.py.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.encoder import bundled_encoder_path, encoder_fingerprint
from classifiers.fitting import (
    RISK_LEVELS,
    best_f1_threshold,
    calibrated_head,
    fit_risk_heads,
    fit_sentiment_head,
    group_folds,
    site_of,
)
from classifiers.model import (
    DEFAULT_WEIGHTS,
    MODEL_CATEGORIES,
    RISK_HEAD,
    WEIGHTS_FORMAT,
)
from classifiers.model_files import MANIFEST, refresh_manifest
from classifiers.signals import SIGNAL_NAMES, signal_features
from classifiers.training.data import (
    ADAPTERS,
    DEFAULT_CACHE,
    DEFAULT_DATASETS,
    EmbeddingCache,
    read_real,
    read_tweeteval,
)
from classifiers.training.heads_embed import load_embedder, read_adapters
from classifiers.versions import SUMMARY, curvature, summarise, write_summary
from crawler.ground.vocab import Sentiment

SEED = 13


def macro_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    scores = []
    for c in (0, 1):
        tp = float(((pred == c) & (gold == c)).sum())
        wrong = float((pred != gold).sum())
        scores.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    return float(np.mean(scores))


def precision_recall(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    tp = float((pred & (y == 1)).sum())
    return tp / max(pred.sum(), 1), tp / max(y.sum(), 1)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--adapters", type=Path, default=ADAPTERS)
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    train = read_real(args.datasets, "train")
    if not train:
        raise SystemExit(f"no real school posts under {args.datasets}; nothing to train on")
    embedder, key = load_embedder(args.adapters, threads=args.threads)
    cache = EmbeddingCache(args.cache, embedder.encode, key)
    x = cache.vectors("real-train", [r["text"] for r in train])
    splits = group_folds([site_of(r["source"]) for r in train])
    tensors: dict[str, np.ndarray] = {}
    heads: dict[str, dict[str, Any]] = {}
    thresholds: dict[str, float] = {}

    # Risk: P(>= low), P(>= medium), P(high), on the vectors and the deterministic signals.
    signals = np.stack([signal_features(r["text"]) for r in train])
    risk = fit_risk_heads(np.hstack([x, signals]), [r["risk"] for r in train], splits)
    for name in RISK_HEAD:
        y = np.array([r["risk"] in RISK_LEVELS[name] for r in train], dtype=int)
        p, r = precision_recall(y, risk.oof[name] >= risk.thresholds[f"risk_{name}"])
        print(f"risk {name:<16} t={risk.thresholds[f'risk_{name}']:.3f}  "
              f"out-of-fold precision {p:.3f} recall {r:.3f}")
    thresholds.update(risk.thresholds)
    # What `schoolwatch model update` refits on: sums over hundreds of posts, never posts.
    dev = read_real(args.datasets, "dev")
    dev_x = np.hstack([cache.vectors("real-dev", [r["text"] for r in dev]),
                       np.stack([signal_features(r["text"]) for r in dev])])
    summary = args.out.parent / SUMMARY.name
    hessians = {name: curvature(np.hstack([x, signals]), risk.coef[k], float(risk.bias[k]))
                for k, name in enumerate(RISK_HEAD)}
    write_summary(summary, hessians, summarise(dev_x, [r["risk"] for r in dev]))
    print(f"wrote {summary} ({summary.stat().st_size / 1e6:.1f} MB)")
    tensors["head.risk.weight"] = risk.coef
    tensors["head.risk.bias"] = risk.bias
    heads["risk"] = {"kind": "sigmoid", "labels": list(RISK_HEAD), "signals": list(SIGNAL_NAMES)}

    cat_w, cat_b = [], []
    for name in MODEL_CATEGORIES:
        y = np.array([name in r["categories"] for r in train], dtype=int)
        head = calibrated_head(x, y, splits)
        cat_w.append(head.coef)
        cat_b.append(head.bias)
        thresholds[name] = best_f1_threshold(y, head.oof)
        p, r = precision_recall(y, head.oof >= thresholds[name])
        print(f"category {name:<15} C={head.c:<6} n={y.sum():<4} t={thresholds[name]:.3f}  "
              f"out-of-fold precision {p:.3f} recall {r:.3f}")
    tensors["head.categories.weight"] = np.stack(cat_w)
    tensors["head.categories.bias"] = np.array(cat_b, dtype=np.float32)
    heads["categories"] = {"kind": "sigmoid", "labels": list(MODEL_CATEGORIES)}

    # Sentiment: the real posts only, class-balanced, so neutral questions and notices are a
    # class of their own (grouped-by-site CV in classifiers/fitting.py beside SENTIMENT_C).
    order = Sentiment.model_order()
    coef, bias = fit_sentiment_head(x, np.array([order.index(r["sentiment"]) for r in train]))
    adapters, first_pass, meta = read_adapters(args.adapters)
    tensors["head.sentiment.weight"] = coef
    tensors["head.sentiment.bias"] = bias
    heads["sentiment"] = {"kind": "softmax", "labels": list(Sentiment.model_order())}

    # Offensive / hate: stage-1 two-way softmax heads, as one sigmoid each (logit difference).
    for name in ("offensive", "hate"):
        weight = first_pass[f"{name}.weight"].numpy()
        bias = first_pass[f"{name}.bias"].numpy()
        tensors[f"head.{name}.weight"] = (weight[1] - weight[0])[None].astype(np.float32)
        tensors[f"head.{name}.bias"] = np.array([bias[1] - bias[0]], dtype=np.float32)
        heads[name] = {"kind": "sigmoid", "labels": [name]}
        # Its decision threshold: the best macro-F1 on the TweetEval val split (never test).
        texts, labels = read_tweeteval(args.datasets, name, "val")
        vectors = cache.vectors(f"tweet-{name}-val", texts)
        scores = vectors @ tensors[f"head.{name}.weight"][0] + tensors[f"head.{name}.bias"][0]
        probs = 1.0 / (1.0 + np.exp(-scores))
        gold = np.array(labels)
        thresholds[name] = max(
            (round(float(t), 2) for t in np.arange(0.3, 0.85, 0.05)),
            key=lambda t: macro_f1(gold, (probs >= t).astype(int)),
        )
        print(f"{name} threshold {thresholds[name]} (TweetEval val macro-F1 "
              f"{macro_f1(gold, (probs >= thresholds[name]).astype(int)):.3f})")
    for key_name, value in adapters.items():
        tensors[f"encoder.{key_name}"] = value.numpy()

    folder = bundled_encoder_path()
    metadata = {
        "format": WEIGHTS_FORMAT,
        "hidden_size": str(x.shape[1]),
        "encoder_fingerprint": encoder_fingerprint(folder),
        "lora_rank": meta["lora_rank"],
        "lora_alpha": meta["lora_alpha"],
        "heads": json.dumps(heads),
        "thresholds": json.dumps({k: round(v, 4) for k, v in sorted(thresholds.items())}),
        "trained_on": "school_posts_real train (+ stage-1 adapters, offensive and hate heads)",
    }
    # lazy: sklearn and safetensors load only in the training step that uses them
    from safetensors.numpy import save_file

    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(args.out),
              metadata=metadata)
    if (args.out.parent / MANIFEST).is_file():
        # The shipped folder's manifest must describe the heads and summary just written.
        refresh_manifest(args.out.parent)
    elapsed = time.perf_counter() - started
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {elapsed:.0f}s")


if __name__ == "__main__":
    main()
