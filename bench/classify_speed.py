"""Throughput of the classifier on realistic posts, against a naive baseline in the same run.

Baseline: a transformers `pipeline("feature-extraction")` fed one post at a time (fp32, mean
pooling in Python), which is how the encoder is often used first. Ours: `Classifier.classify`
on the whole list (length-sorted batches, windows of max_tokens, inference mode, rules and
triage included) in each encoder precision; "default" is precision="auto" (bf16 on CPUs with
AMX/AVX512-BF16, else int8). Run: `.venv/bin/python bench/classify_speed.py`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import torch  # noqa: E402

from classifiers.model import bundled_encoder_path  # noqa: E402
from classifiers.settings import ClassifierSettings  # noqa: E402
from classifiers.training.schoolset import DATA_FILE  # noqa: E402
from classifiers.triage import Classifier, ClassifyRequest  # noqa: E402


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


def naive(posts: list[str]) -> float:
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    folder = str(bundled_encoder_path())
    extractor = pipeline("feature-extraction", model=folder, tokenizer=folder)
    extractor(posts[0], tokenize_kwargs={"truncation": True, "max_length": 256})
    started = time.perf_counter()
    for post in posts:
        tokens = extractor(post, tokenize_kwargs={"truncation": True, "max_length": 256})
        vector = torch.tensor(tokens[0]).mean(0)  # noqa: F841 - the pooled embedding
    return len(posts) / (time.perf_counter() - started)


def ours(classifier: Classifier, posts: list[str]) -> float:
    requests = [ClassifyRequest(p, staff=("Mr Pendry",)) for p in posts]
    classifier.classify(requests[:8])  # warm-up (allocator, first-call kernels)
    started = time.perf_counter()
    classifier.classify(requests)
    return len(posts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--naive-posts", type=int, default=60)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    settings = ClassifierSettings(threads=args.threads)
    loaded = time.perf_counter()
    classifier = Classifier.from_settings(settings)
    load_s = time.perf_counter() - loaded
    variants = {
        name: Classifier.from_settings(settings.model_copy(update={"precision": name}))
        for name in ("fp32", "int8", "bf16")
    }
    print(f"threads={args.threads}  model load {load_s:.1f}s  default {classifier.model_version}")
    print(
        f"{'posts':<14}{'naive/s':>9}"
        + "".join(f"{'ours ' + n + '/s':>14}" for n in variants)
        + f"{'default/s':>11}{'ratio':>7}"
    )
    for label, words in (("100 words", (100, 100)), ("50-300 words", (50, 300))):
        posts = make_posts(words, args.posts)
        base = naive(posts[: args.naive_posts])
        rates = [ours(variant, posts) for variant in variants.values()]
        default = ours(classifier, posts)
        print(
            f"{label:<14}{base:>9.1f}"
            + "".join(f"{r:>14.1f}" for r in rates)
            + f"{default:>11.1f}{default / base:>6.1f}x"
        )
    print("targets: >= 5x naive and >= 100 posts/s for 100-word posts")


if __name__ == "__main__":
    main()
