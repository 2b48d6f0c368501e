"""Accuracy of the classifier: the real school posts' dev split (issue 10 targets) and the
TweetEval test splits beside the published leaderboard.
Run from the repo root: `.venv/bin/python bench/classify_eval.py [--precision P]`.

Reads ../shared/datasets (skips with a reason when absent). Texts are only scored here, never
printed: the real posts are their authors' and TweetEval texts are research data.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from classifiers.decide import CATEGORIES, Classifier, ClassifyRequest  # noqa: E402
from classifiers.training.data import read_real, read_tweeteval  # noqa: E402
from crawler.ground.config import ClassifierSettings  # noqa: E402
from crawler.ground.vocab import Sentiment  # noqa: E402

# From /work/shared/datasets/README.md (TweetEval leaderboard, test sets).
LEADERBOARD = {
    "sentiment": {"TimeLMs-2021": 73.7, "RoBERTa-base": 71.3, "FastText": 62.9, "SVM": 62.9},
    "offensive": {"TimeLMs-2021": 82.2, "RoBERTa-base": 79.5, "FastText": 73.4, "SVM": 52.3},
    "hate": {"TimeLMs-2021": 55.1, "RoBERTa-base": 46.6, "FastText": 50.6, "SVM": 36.7},
}
TARGETS = {"sentiment": 70.0, "offensive": 78.0}


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
            np.mean(f1_per_class(
                np.array(labels), (scores >= model.thresholds.get(task, 0.5)).astype(int), 2
            ))
        )
    return results


def check(value: float, target: float, higher: bool = True) -> str:
    met = value >= target if higher else value <= target
    return "met" if met else "MISSED"


def school(classifier: Classifier, datasets: Path, split: str, limit: int | None) -> None:
    rows = read_real(datasets, split)[:limit]
    if not rows:
        print(f"\nReal school posts: skipped ({datasets / 'school_posts_real'} is absent)")
        return
    out = classifier.classify([ClassifyRequest(r["text"], r["school"]) for r in rows])
    gold_s = np.array([Sentiment.model_order().index(r["sentiment"]) for r in rows])
    pred_s = np.array([Sentiment.model_order().index(c.sentiment) for c in out])
    print(f"\nReal school posts, split={split} ({len(rows)} posts)")
    sentiment_f1 = float(np.mean(f1_per_class(gold_s, pred_s, 3)))
    print(f"  sentiment macro-F1          {sentiment_f1:.3f}   (target >= 0.75: "
          f"{check(sentiment_f1, 0.75)})")
    p, r, n = prf([x["risk"] == "high" for x in rows], [c.risk == "high" for c in out])
    print(f"  high-risk recall            {r:.3f}   (target >= 0.90: {check(r, 0.90)})"
          f"   [{n} high posts]")
    print(f"  high-risk precision         {p:.3f}   (target >= 0.50: {check(p, 0.50)})")
    gold_hm = [x["risk"] in ("high", "medium") for x in rows]
    _, r_hm, n_hm = prf(gold_hm, [c.risk in ("high", "medium") for c in out])
    print(f"  high+medium recall          {r_hm:.3f}   (target >= 0.85: {check(r_hm, 0.85)})"
          f"   [{n_hm} posts]")
    quiet = [c for x, c in zip(rows, out, strict=True) if x["risk"] in ("none", "low")]
    raised = sum(c.risk == "high" for c in quiet) / max(len(quiet), 1)
    print(f"  none/low raised to high     {raised:.3f}   (target <= 0.05: "
          f"{check(raised, 0.05, higher=False)})   [{len(quiet)} posts]")
    levels = ("none", "low", "medium", "high")
    exact = np.mean([x["risk"] == c.risk for x, c in zip(rows, out, strict=True)])
    print(f"  risk level accuracy         {exact:.3f}")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=REPO_ROOT.parent / "shared" / "datasets")
    parser.add_argument("--split", choices=("dev", "train"), default="dev")
    parser.add_argument(
        "--precision", choices=("auto", "fp32", "int8", "bf16", "torch-fp32"), default="auto"
    )
    parser.add_argument("--skip-tweeteval", action="store_true")
    parser.add_argument("--weights", type=Path, default=None, help="default: the shipped heads")
    parser.add_argument("--smoke", action="store_true",
                        help="12 posts, no TweetEval: checks the bench runs (make test).")
    args = parser.parse_args()
    limit = 12 if args.smoke else None
    args.skip_tweeteval = args.skip_tweeteval or args.smoke
    started = time.perf_counter()
    classifier = Classifier.from_settings(
        ClassifierSettings(precision=args.precision, weights=args.weights)
    )
    print(f"model_version {classifier.model_version}")
    school(classifier, args.datasets, args.split, limit)
    if not (args.datasets / "tweeteval").is_dir():
        print(f"\nTweetEval: skipped ({args.datasets / 'tweeteval'} is absent)")
    elif not args.skip_tweeteval:
        ours = tweeteval(classifier, args.datasets)
        print("\nTweetEval test sets (sentiment: macro-recall; offensive, hate: macro-F1)")
        names = list(LEADERBOARD["sentiment"])
        print(f"  {'task':<10}{'ours':>7}{'target':>8}" + "".join(f"{n:>14}" for n in names))
        for task, value in ours.items():
            target = TARGETS.get(task)
            shown = f"{target:.1f}" if target else "-"
            row = "".join(f"{LEADERBOARD[task][n]:>14.1f}" for n in names)
            print(f"  {task:<10}{value:>7.1f}{shown:>8}{row}")
    print(f"\n({time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()
