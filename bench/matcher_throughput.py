"""Matcher throughput in MB/s with 1 school and with 1,000 schools, measured in one run.

The matcher makes one Aho-Corasick pass over a document for all schools, so the two figures
should be close: cost must not grow with the number of schools. Each figure is the median and
spread of 3 passes after a warm-up pass.

    .venv/bin/python bench/matcher_throughput.py
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from crawler.ground.matching import Matcher, SchoolTerms

WORDS = [
    "the",
    "school",
    "head",
    "teacher",
    "parents",
    "pupils",
    "reception",
    "year",
    "six",
    "homework",
    "uniform",
    "playground",
    "governors",
    "nativity",
    "trip",
    "lunch",
    "queue",
    "gate",
    "traffic",
    "bus",
    "stop",
    "park",
    "council",
    "weather",
    "football",
    "results",
    "ofsted",
    "report",
    "lovely",
    "awful",
    "brilliant",
    "worried",
    "kind",
    "staff",
    "office",
    "newsletter",
    "term",
    "half",
    "holiday",
    "club",
    "breakfast",
    "music",
    "choir",
    "assembly",
    "maths",
    "reading",
    "phonics",
    "sats",
    "test",
    "teacher",
]


def corpus(documents: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for n in range(documents):
        words = [rng.choice(WORDS) for _ in range(rng.randint(60, 300))]
        if n % 10 == 0:
            words.insert(rng.randrange(len(words)), "Oakfield 417 Primary School")
        if n % 13 == 0:
            words.insert(rng.randrange(len(words)), "St. Mary's CofE Academy")  # not watched
        texts.append(" ".join(words).capitalize() + ".")
    return texts


def schools(count: int) -> list[SchoolTerms]:
    """`count` schools, always including Oakfield 417, the one the corpus mentions."""
    numbers = [417, *[n for n in range(count + 1) if n != 417][: count - 1]]
    return [
        SchoolTerms(
            f"oakfield-{n}",
            f"Oakfield {n} Primary School",
            aliases=(f"Oakfield {n} Primary",),
            ambiguous=(f"Oakfield {n}",),
            exclude=(f"Oakfield {n} Park",),
        )
        for n in numbers
    ]


def throughput(matcher: Matcher, texts: list[str], repeats: int = 3) -> tuple[list[float], int]:
    """MB/s of each of `repeats` passes over the corpus, after one warm-up pass."""
    size_mb = sum(len(t.encode()) for t in texts) / 1e6
    found = sum(len(matcher.match("", text)) for text in texts)  # warm-up
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        found = sum(len(matcher.match("", text)) for text in texts)
        rates.append(size_mb / (time.perf_counter() - started))
    return rates, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="200 documents: checks the bench runs (make test).")
    texts = corpus(200 if parser.parse_args().smoke else 6000)
    size = sum(len(t.encode()) for t in texts) / 1e6
    print(f"corpus: {len(texts)} documents, {size:.1f} MB")
    results = {}
    for count in (1, 1000):
        started = time.perf_counter()
        matcher = Matcher(schools(count))
        build = time.perf_counter() - started
        rates, found = throughput(matcher, texts)
        results[count] = statistics.median(rates)
        print(
            f"{count:>5} school(s): median {results[count]:6.1f} MB/s, spread "
            f"{min(rates):.1f}-{max(rates):.1f} (n={len(rates)} after a warm-up; {found} "
            f"matches, automaton built in {build * 1000:.0f} ms)"
        )
    print(f"ratio 1,000 schools / 1 school (medians): {results[1000] / results[1]:.2f}")


if __name__ == "__main__":
    main()
