"""Accuracy of the classifier: TweetEval test splits beside the published leaderboard, and the
held-out school set. Run from the repo root: `.venv/bin/python bench/classify_eval.py`.

TweetEval test texts are only scored here, never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from classifiers.model import SENTIMENTS  # noqa: E402
from classifiers.settings import ClassifierSettings  # noqa: E402
from classifiers.training.schoolset import DATA_FILE  # noqa: E402
from classifiers.training.train import read_tweeteval  # noqa: E402
from classifiers.triage import CATEGORIES, Classifier, ClassifyRequest  # noqa: E402

# From /work/shared/datasets/README.md (TweetEval leaderboard, test sets).
LEADERBOARD = {
    "sentiment": {"TimeLMs-2021": 73.7, "RoBERTa-base": 71.3, "FastText": 62.9, "SVM": 62.9},
    "offensive": {"TimeLMs-2021": 82.2, "RoBERTa-base": 79.5, "FastText": 73.4, "SVM": 52.3},
    "hate": {"TimeLMs-2021": 55.1, "RoBERTa-base": 46.6, "FastText": 50.6, "SVM": 36.7},
}
TARGETS = {"sentiment": 68.0, "offensive": 75.0}


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


def tweeteval(classifier: Classifier, datasets: Path) -> dict[str, float]:
    model = classifier.model
    results: dict[str, float] = {}
    texts, labels = read_tweeteval(datasets, "sentiment", "test")
    probs = np.stack([p.sentiment for p in model.predict(texts)])
    results["sentiment"] = 100 * float(
        np.mean(recall_per_class(np.array(labels), probs.argmax(1), 3))
    )
    for task in ("offensive", "hate"):
        texts, labels = read_tweeteval(datasets, task, "test")
        preds = model.predict(texts)
        scores = np.array([getattr(p, task) for p in preds])
        results[task] = 100 * float(
            np.mean(f1_per_class(np.array(labels), (scores >= 0.5).astype(int), 2))
        )
    return results


def school(classifier: Classifier, split: str) -> None:
    rows = [json.loads(line) for line in DATA_FILE.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if split == "all" or r["split"] == split]
    out = classifier.classify(
        [ClassifyRequest(r["text"], r["school"], tuple(r["staff"])) for r in rows]
    )
    gold_s = np.array([SENTIMENTS.index(r["sentiment"]) for r in rows])
    pred_s = np.array([SENTIMENTS.index(c.sentiment) for c in out])
    print(f"\nSchool set, split={split} ({len(rows)} posts)")
    sentiment_f1 = np.mean(f1_per_class(gold_s, pred_s, 3))
    print(f"  sentiment macro-F1      {sentiment_f1:.3f}   (target >= 0.85)")
    p, r, n = prf([x["risk"] == "high" for x in rows], [c.risk == "high" for c in out])
    print(f"  high-risk recall        {r:.3f}   (target >= 0.95)   [{n} high posts]")
    print(f"  high-risk precision     {p:.3f}   (target >= 0.80)")
    levels = ("none", "low", "medium", "high")
    exact = np.mean([x["risk"] == c.risk for x, c in zip(rows, out, strict=True)])
    print(f"  risk level accuracy     {exact:.3f}")
    print("  risk confusion (rows gold, cols predicted): " + " ".join(f"{lv:>6}" for lv in levels))
    for g in levels:
        counts = [
            sum(1 for x, c in zip(rows, out, strict=True) if x["risk"] == g and c.risk == q)
            for q in levels
        ]
        print(f"    {g:>6} " + " ".join(f"{k:>6}" for k in counts))
    print(f"  {'category':<16}{'precision':>10}{'recall':>8}{'gold n':>8}")
    for cat in CATEGORIES:
        p, r, n = prf([cat in x["categories"] for x in rows], [cat in c.categories for c in out])
        print(f"  {cat:<16}{p:>10.3f}{r:>8.3f}{n:>8}")
    missed = [x for x, c in zip(rows, out, strict=True) if x["risk"] == "high" and c.risk != "high"]
    for x in missed[:10]:
        print(f"  MISSED high: {x['text'][:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=REPO_ROOT.parent / "shared" / "datasets")
    parser.add_argument("--split", choices=("test", "train", "all"), default="test")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16", "int8"), default="auto")
    parser.add_argument("--skip-tweeteval", action="store_true")
    parser.add_argument("--weights", type=Path, default=None, help="default: the shipped heads")
    args = parser.parse_args()
    started = time.perf_counter()
    classifier = Classifier.from_settings(
        ClassifierSettings(precision=args.precision, weights=args.weights)
    )
    print(f"model_version {classifier.model_version}")
    if not args.skip_tweeteval:
        ours = tweeteval(classifier, args.datasets)
        print("\nTweetEval test sets (sentiment: macro-recall; offensive, hate: macro-F1)")
        names = list(LEADERBOARD["sentiment"])
        print(f"  {'task':<10}{'ours':>7}{'target':>8}" + "".join(f"{n:>14}" for n in names))
        for task, value in ours.items():
            target = TARGETS.get(task)
            shown = f"{target:.1f}" if target else "-"
            row = "".join(f"{LEADERBOARD[task][n]:>14.1f}" for n in names)
            print(f"  {task:<10}{value:>7.1f}{shown:>8}{row}")
    school(classifier, args.split)
    print(f"\n({time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()
