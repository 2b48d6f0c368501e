"""Accuracy of the classifier on real school posts: cross-validation grouped by site, the dev
split, and the TweetEval test splits beside the published leaderboard (issue 23 targets).
Run from the repo root: `.venv/bin/python bench/classify_eval.py [--precision P] [--smoke]`.

Grouped-by-site CV: the train posts are split in 5 folds so that no site (a source's domain)
is in two folds; for each fold the risk and sentiment heads are refitted on the other four with
the shipped training code (classifiers/fitting.py, thresholds from folds inside those four only)
and the fold is classified with them and the rules, as `schoolwatch classify` would. So every
figure there is on text from sites the heads never saw. Dev is scored with the shipped model.

Reads ../shared/datasets (skips with a reason when absent). Texts are only scored here, never
printed: the real posts are their authors' and TweetEval texts are research data.
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from classifiers.decide import CATEGORIES, Classification, Classifier, ClassifyRequest  # noqa: E402
from classifiers.decide import decide as decide_one  # noqa: E402
from classifiers.fitting import (  # noqa: E402
    FOLDS,
    fit_risk_heads,
    fit_sentiment_head,
    group_folds,
    site_of,
)
from classifiers.model import RISK_HEAD, Head  # noqa: E402
from classifiers.signals import signal_features  # noqa: E402
from classifiers.training.data import read_real, read_tweeteval  # noqa: E402
from crawler.ground.config import ClassifierSettings  # noqa: E402
from crawler.ground.vocab import Sentiment  # noqa: E402

# From /work/shared/datasets/README.md (TweetEval leaderboard, test sets).
LEADERBOARD = {
    "sentiment": {"TimeLMs-2021": 73.7, "RoBERTa-base": 71.3, "FastText": 62.9, "SVM": 62.9},
    "offensive": {"TimeLMs-2021": 82.2, "RoBERTa-base": 79.5, "FastText": 73.4, "SVM": 52.3},
    "hate": {"TimeLMs-2021": 55.1, "RoBERTa-base": 46.6, "FastText": 50.6, "SVM": 36.7},
}
TWEET_TARGETS = {"sentiment": 70.0, "offensive": 79.0}
SMOKE_POSTS = 120


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    higher: bool = True

    def verdict(self, value: float) -> str:
        met = value >= self.value if self.higher else value <= self.value
        return f"{'>=' if self.higher else '<='} {self.value:g}: {'met' if met else 'MISSED'}"


TARGETS = {
    "high_auc": Target("high-risk ROC-AUC", 0.95),
    "precision_at_90": Target("precision at recall 0.90", 0.50),
    "high_recall": Target("high-risk recall", 0.90),
    "high_precision": Target("high-risk precision", 0.50),
    "quiet_raised": Target("none/low raised to high", 0.03, higher=False),
    "medium_raised": Target("medium raised to high", 0.30, higher=False),
    "serious_recall": Target("high+medium recall", 0.88),
    "sentiment_f1": Target("sentiment macro-F1", 0.75),
    "neutral_recall": Target("neutral recall", 0.65),
}


def recall_per_class(gold: np.ndarray, pred: np.ndarray, n: int) -> list[float]:
    return [float((pred[gold == c] == c).mean()) if (gold == c).any() else 0.0 for c in range(n)]


def f1_per_class(gold: np.ndarray, pred: np.ndarray, n: int) -> list[float]:
    scores = []
    for c in range(n):
        tp = float(((pred == c) & (gold == c)).sum())
        fp = float(((pred == c) & (gold != c)).sum())
        fn = float(((pred != c) & (gold == c)).sum())
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return scores


def prf(gold: Sequence[bool], pred: Sequence[bool]) -> tuple[float, float, int]:
    g, p = np.asarray(gold), np.asarray(pred)
    tp = float((g & p).sum())
    precision = tp / p.sum() if p.sum() else float("nan")
    recall = tp / g.sum() if g.sum() else float("nan")
    return precision, recall, int(g.sum())


def ranking(gold: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """High-vs-rest ROC-AUC of a score, and the best precision at recall >= 0.90."""
    from sklearn.metrics import precision_recall_curve, roc_auc_score

    if gold.all() or not gold.any():
        return float("nan"), float("nan")
    precision, recall, _ = precision_recall_curve(gold, score)
    return float(roc_auc_score(gold, score)), float(precision[recall >= 0.90].max())


def figures(rows: list[dict[str, Any]], out: list[Classification],
            high_score: np.ndarray) -> dict[str, float]:
    gold_high = np.array([r["risk"] == "high" for r in rows])
    said_high = np.array([c.risk == "high" for c in out])
    auc, p90 = ranking(gold_high, high_score)
    precision, recall, _ = prf(gold_high, said_high)
    gold_risk = np.array([r["risk"] for r in rows])
    quiet, medium = np.isin(gold_risk, ["none", "low"]), gold_risk == "medium"
    _, serious, _ = prf(np.isin(gold_risk, ["high", "medium"]),
                        [c.risk in ("high", "medium") for c in out])
    gold_s = np.array([Sentiment.model_order().index(r["sentiment"]) for r in rows])
    pred_s = np.array([Sentiment.model_order().index(c.sentiment) for c in out])
    neutral = Sentiment.model_order().index("neutral")
    return {
        "high_auc": auc,
        "precision_at_90": p90,
        "high_recall": recall,
        "high_precision": precision,
        "quiet_raised": float(said_high[quiet].mean()) if quiet.any() else float("nan"),
        "medium_raised": float(said_high[medium].mean()) if medium.any() else float("nan"),
        "serious_recall": serious,
        "sentiment_f1": float(np.mean(f1_per_class(gold_s, pred_s, 3))),
        "neutral_recall": float((pred_s[gold_s == neutral] == neutral).mean()),
    }


def classify_encoded(classifier: Classifier, heads: dict[str, Head], thresholds: dict[str, float],
                     rows: list[dict[str, Any]], encoded: list[Any]
                     ) -> tuple[list[Classification], np.ndarray]:
    """The rows through the shipped decision code, with these heads; and each one's P(high)
    (1.0 where a rule made it high, as the decision does)."""
    model = copy.copy(classifier.model)
    model.heads = heads
    out, score = [], []
    for row, enc in zip(rows, encoded, strict=True):
        prediction = model.predict_encoded(row["text"], enc)
        result = decide_one(ClassifyRequest(row["text"], row["school"]), prediction, thresholds,
                            classifier.model_version)
        out.append(result)
        rule_high = result.risk == "high" and prediction.risk["high"] < thresholds["risk_high"]
        score.append(1.0 if rule_high else prediction.risk["high"])
    return out, np.array(score)


def site_cv(classifier: Classifier, rows: list[dict[str, Any]], folds: int
            ) -> tuple[list[dict[str, Any]], list[Classification], np.ndarray]:
    """Every train post classified by heads fitted without its site."""
    encoded = classifier.model.encode([r["text"] for r in rows])
    vectors = np.stack([e.vector for e in encoded])
    with_signals = np.hstack([vectors, np.stack([signal_features(r["text"]) for r in rows])])
    sites = [site_of(r["source"]) for r in rows]
    risk = np.array([r["risk"] for r in rows])
    sentiment = np.array([Sentiment.model_order().index(r["sentiment"]) for r in rows])
    out: list[Classification | None] = [None] * len(rows)
    score = np.zeros(len(rows))
    for train, test in group_folds(sites, folds):
        inner = group_folds([sites[i] for i in train], folds)
        fitted = fit_risk_heads(with_signals[train], risk[train], inner)
        coef, bias = fit_sentiment_head(vectors[train], sentiment[train])
        heads = dict(classifier.model.heads)
        heads["risk"] = Head(tuple(RISK_HEAD), "sigmoid", fitted.coef, fitted.bias)
        heads["sentiment"] = Head(Sentiment.model_order(), "softmax", coef, bias)
        thresholds = {**classifier.model.thresholds, **fitted.thresholds}
        part, part_score = classify_encoded(
            classifier, heads, thresholds, [rows[i] for i in test], [encoded[i] for i in test]
        )
        for i, result, s in zip(test, part, part_score, strict=True):
            out[i], score[i] = result, s
    return rows, [c for c in out if c is not None], score


def print_figures(title: str, rows: list[dict[str, Any]], out: list[Classification],
                  score: np.ndarray) -> None:
    counts = {level: sum(r["risk"] == level for r in rows) for level in ("high", "medium")}
    print(f"\n{title} ({len(rows)} posts, {counts['high']} high, {counts['medium']} medium)")
    for key, value in figures(rows, out, score).items():
        target = TARGETS[key]
        print(f"  {target.name:<28}{value:>7.3f}   ({target.verdict(value)})")
    levels = ("none", "low", "medium", "high")
    print("  risk confusion (rows gold, cols predicted): " + " ".join(f"{lv:>6}" for lv in levels))
    for g in levels:
        counts_row = [sum(1 for x, c in zip(rows, out, strict=True)
                          if x["risk"] == g and c.risk == q) for q in levels]
        print(f"    {g:>6} " + " ".join(f"{k:>6}" for k in counts_row))


def print_categories(rows: list[dict[str, Any]], out: list[Classification]) -> None:
    print(f"  {'category':<16}{'precision':>10}{'recall':>8}{'gold n':>8}")
    for cat in CATEGORIES:
        p, r, n = prf([cat in x["categories"] for x in rows], [cat in c.categories for c in out])
        # n/a: no post tagged (precision) or labelled (recall) with it, e.g. vandalism, which
        # only an edit to a Wikipedia article can be.
        print(f"  {cat:<16}{_score(p):>10}{_score(r):>8}{n:>8}")


def _score(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def tweeteval(classifier: Classifier, datasets: Path, limit: int | None) -> dict[str, float]:
    model = classifier.model
    results: dict[str, float] = {}
    texts, labels = read_tweeteval(datasets, "sentiment", "test")
    texts, labels = texts[:limit], labels[:limit]
    probs = np.stack([p.sentiment for p in model.predict(texts)])
    results["sentiment"] = 100 * float(
        np.mean(recall_per_class(np.array(labels), probs.argmax(1), 3))
    )
    for task in ("offensive", "hate"):
        texts, labels = read_tweeteval(datasets, task, "test")
        texts, labels = texts[:limit], labels[:limit]
        scores = np.array([getattr(p, task) for p in model.predict(texts)])
        pred = (scores >= model.thresholds.get(task, 0.5)).astype(int)
        results[task] = 100 * float(np.mean(f1_per_class(np.array(labels), pred, 2)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=REPO_ROOT.parent / "shared" / "datasets")
    parser.add_argument(
        "--precision", choices=("auto", "fp32", "int8", "bf16", "torch-fp32"), default="auto"
    )
    parser.add_argument("--skip-tweeteval", action="store_true")
    parser.add_argument("--skip-cv", action="store_true")
    parser.add_argument("--weights", type=Path, default=None, help="default: the shipped heads")
    parser.add_argument("--smoke", action="store_true",
                        help=f"{SMOKE_POSTS} posts of each split, 2 folds, 200 tweets: "
                        "checks the bench runs, its figures mean nothing")
    args = parser.parse_args()
    started = time.perf_counter()
    if not (args.datasets / "school_posts_real").is_dir():
        print(f"skipped: {args.datasets / 'school_posts_real'} is absent")
        return
    classifier = Classifier.from_settings(
        ClassifierSettings(precision=args.precision, weights=args.weights)
    )
    print(f"model_version {classifier.model_version}")
    limit = SMOKE_POSTS if args.smoke else None
    if not args.skip_cv:
        train = read_real(args.datasets, "train")[:limit]
        rows, out, score = site_cv(classifier, train, 2 if args.smoke else FOLDS)
        print_figures(f"Grouped-by-site CV of the train split, {2 if args.smoke else FOLDS} folds",
                      rows, out, score)
    dev = read_real(args.datasets, "dev")[:limit]
    predictions = classifier.model.predict([r["text"] for r in dev])
    out = classifier.classify([ClassifyRequest(r["text"], r["school"]) for r in dev])
    score = np.array([1.0 if c.risk == "high" and p.risk["high"] < classifier.model.thresholds[
        "risk_high"] else p.risk["high"] for p, c in zip(predictions, out, strict=True)])
    print_figures("Dev split, shipped model", dev, out, score)
    print_categories(dev, out)
    if not (args.datasets / "tweeteval").is_dir():
        print(f"\nTweetEval: skipped ({args.datasets / 'tweeteval'} is absent)")
    elif not args.skip_tweeteval:
        ours = tweeteval(classifier, args.datasets, 200 if args.smoke else None)
        print("\nTweetEval test sets (sentiment: macro-recall; offensive, hate: macro-F1)")
        names = list(LEADERBOARD["sentiment"])
        print(f"  {'task':<10}{'ours':>7}{'target':>8}" + "".join(f"{n:>14}" for n in names))
        for task, value in ours.items():
            target = TWEET_TARGETS.get(task)
            shown = f"{target:.1f}" if target else "-"
            row = "".join(f"{LEADERBOARD[task][n]:>14.1f}" for n in names)
            print(f"  {task:<10}{value:>7.1f}{shown:>8}{row}")
    print(f"\n({time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()
