"""Throughput of the classifier, against naive baselines in the same run.

* posts/s on 100-word and on mixed 50-300-word posts (stitched from sentences of the fictional
  synthetic school set): the naive one-at-a-time transformers `pipeline("feature-extraction")`
  (fp32, mean pooling in Python), plain batched torch fp32 of our model (`torch-fp32`), and our
  onnxruntime fp32 and int8 paths; all of ours include rules, triage and reasons. Each figure
  is the MEDIAN of --repeats timed runs after one warm-up run, with the spread (min-max).

Cold start and peak memory of `schoolwatch classify`: bench/classify_startup.py.

Run: `.venv/bin/python bench/classify_speed.py` (quiet machine; --threads defaults to 2).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from classifiers.decide import Classifier, ClassifyRequest  # noqa: E402
from classifiers.encoder import bundled_encoder_path  # noqa: E402
from classifiers.model import AUTO_PRECISION  # noqa: E402
from classifiers.training.schoolset import DATA_FILE  # noqa: E402
from crawler.ground.config import ClassifierSettings  # noqa: E402


def make_posts(words: tuple[int, int], count: int, seed: int = 7) -> list[str]:
    """Posts of the given word range stitched from school-set sentences (fictional schools)."""
    rng = random.Random(seed)
    rows = [json.loads(line)["text"] for line in DATA_FILE.read_text().splitlines()]
    posts = []
    for _ in range(count):
        target = rng.randint(*words)
        parts: list[str] = []
        while sum(len(p.split()) for p in parts) < target:
            parts.append(rng.choice(rows))
        posts.append(" ".join(" ".join(parts).split()[:target]))
    return posts


def timed(run: Callable[[], object], repeats: int) -> list[float]:
    run()  # warm-up: allocator, first-call kernels, lazy initialisation
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def rate(count: int, times: list[float]) -> str:
    rates = sorted(count / t for t in times)
    return f"{statistics.median(rates):7.1f} ({rates[0]:.1f}-{rates[-1]:.1f})"


def naive_runner(posts: list[str]) -> Callable[[], object]:
    import torch
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    folder = str(bundled_encoder_path())
    extractor = pipeline("feature-extraction", model=folder, tokenizer=folder)

    def run() -> None:
        for post in posts:
            tokens = extractor(post, tokenize_kwargs={"truncation": True, "max_length": 256})
            torch.tensor(tokens[0]).mean(0)  # the pooled embedding

    return run


def ours_runner(classifier: Classifier, posts: list[str]) -> Callable[[], object]:
    requests = [ClassifyRequest(p, staff=("Mr Pendry",)) for p in posts]
    return lambda: classifier.classify(requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--naive-posts", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true",
                        help="a few posts, one repeat: checks the bench runs (make test).")
    args = parser.parse_args()
    if args.smoke:
        args.posts, args.naive_posts, args.repeats = 4, 2, 1
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    settings = ClassifierSettings(threads=args.threads)
    variants = {
        name: Classifier.from_settings(settings.model_copy(update={"precision": name}))
        for name in ("torch-fp32", "fp32", "int8")
    }
    print(f"threads={args.threads}  repeats={args.repeats} after a warm-up  "
          f"default precision (auto) = {AUTO_PRECISION}")
    print("posts/s, median (min-max)")
    header = f"{'posts':<14}{'naive':>22}" + "".join(f"{n:>22}" for n in variants)
    print(header + f"{'default/naive':>15}{'default/torch':>15}")
    for label, words in (("100 words", (100, 100)), ("50-300 words", (50, 300))):
        posts = make_posts(words, args.posts)
        naive_posts = posts[: args.naive_posts]
        naive_times = timed(naive_runner(naive_posts), args.repeats)
        times = {n: timed(ours_runner(c, posts), args.repeats) for n, c in variants.items()}
        naive_rate = statistics.median(len(naive_posts) / t for t in naive_times)
        default_rate = statistics.median(len(posts) / t for t in times[AUTO_PRECISION])
        torch_rate = statistics.median(len(posts) / t for t in times["torch-fp32"])
        print(f"{label:<14}{rate(len(naive_posts), naive_times):>22}"
              + "".join(f"{rate(len(posts), t):>22}" for t in times.values())
              + f"{default_rate / naive_rate:>14.1f}x{default_rate / torch_rate:>14.1f}x")
    print("targets: mixed posts >= 5x naive and >= 1.5x plain batched fp32 (torch-fp32)")


if __name__ == "__main__":
    main()
