"""Digest at scale: compose one school's weekly digest with 1k and with 10k mentions in the week.

    .venv/bin/python bench/digest_scale.py [--sizes 1000 10000] [--repeats 3] [--smoke]

Each store holds one school's week of generated posts (about 2% high risk, 5% medium, 10% low,
a third negative, some with phone numbers and pupils' names for the redaction to find), all
classified. A timing is `build_digest` plus `compose_digest` (store read, items, themes, chart,
both templates, the MIME message): the median and min-max spread of --repeats runs after one
warm-up. The ratio of the medians comes from this run; the email size is the composed message.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from crawler.ground.config import Config, load_config
from crawler.ground.items import CrawlResult, Document, Match, MatchedDocument
from crawler.ground.text import content_hash
from crawler.ground.vocab import LONDON
from crawler.store import ClassificationRow, Store
from digest.compose import compose_digest
from digest.weekly import build_digest
from digest.weeks import Week

OPENINGS = [
    "The pick-up queue on Mill Lane", "Homework club", "The new uniform supplier",
    "Lunchtime supervision", "The school trip to the coast", "The reading scheme",
    "Parking outside the gates", "The after-school football", "Communication from the office",
    "The nativity rehearsals",
]
VERDICTS = [
    "is a shambles again this week", "has been brilliant for our DD", "needs sorting out",
    "was mentioned at the parents' forum", "keeps changing without notice",
    "has really improved since September", "is still not fixed despite complaints",
]
RISK_SHARES = [("high", 0.02), ("medium", 0.07), ("low", 0.17), ("none", 1.0)]
EXTRAS = [
    "", "", "", " Call me on 07700 900{n:03d} if you want to compare notes.",
    " My son Tom{n} in Year 4 came home upset.", " Email parent{n}@example.org for details.",
]


def write_week(config: Config, week: Week, count: int, seed: int = 7) -> None:
    store = Store(config.store.path)
    rng = random.Random(seed)
    documents = []
    span = (week.end - week.start).total_seconds()
    for n in range(count):
        text = (
            f"{rng.choice(OPENINGS)} at Hollins Green Primary {rng.choice(VERDICTS)}. "
            f"{rng.choice(OPENINGS)} {rng.choice(VERDICTS)}.{rng.choice(EXTRAS).format(n=n)} "
            + "More detail about the week. " * rng.randint(2, 8)
        )
        title = f"Thread {n}: {rng.choice(OPENINGS)}"
        url = f"https://forum.example.org/t/{n}"
        raw = f"<html><body>{title} {text}</body></html>".encode()
        published = week.start + timedelta(seconds=rng.uniform(0, span - 1))
        document = Document(
            url=url, title=title, text=text, fetched_at=published, final_url=url,
            http_status=200, raw_sha256=hashlib.sha256(raw).hexdigest(), raw_body=raw,
            content_type="text/html", published_at=published,
        )
        documents.append(
            MatchedDocument(
                document=document, source=f"forum-{n % 5}", source_kind="forum",
                canonical_url=url, content_hash=content_hash(title, text),
                matches=[Match("hg", "Hollins Green Primary", "text", 0, text[:40])],
            )
        )
    written = store.write_crawl(CrawlResult(
        schools=[(s.id, s.name) for s in config.school],
        sources=[(s.name, s.kind, s.url, s.platform) for s in config.source],
        runs=[], documents=documents, validators=[],
    ))
    rows = []
    for mention_id in written.new_mention_ids:
        roll = rng.random()
        risk = next(name for name, upto in RISK_SHARES if roll < upto)
        categories = {"high": ("named_pupil",), "medium": ("complaint",)}.get(risk, ())
        rows.append(
            ClassificationRow(
                mention_id=mention_id,
                sentiment=rng.choice(["negative", "neutral", "positive"]),
                sentiment_score=0.9, risk=risk, categories=categories,
                risk_reasons={c: "came home upset" for c in categories}, model_version="bench",
            )
        )
    store.write_classifications(rows)


def make_config(folder: Path) -> Config:
    sources = "".join(
        f'[[source]]\nname = "forum-{k}"\nkind = "forum"\nurl = "https://forum{k}.example.org/"\n'
        for k in range(5)
    )
    path = folder / "bench.toml"
    path.write_text(
        '[store]\npath = "bench.duckdb"\n[[school]]\nid = "hg"\n'
        'name = "Hollins Green Primary School"\naliases = ["Hollins Green Primary"]\n'
        'leads = ["head@hollins-green.example.org"]\n' + sources
    )
    return load_config(path)


def compose_once(config: Config, week: Week) -> tuple[float, int]:
    store = Store(config.store.path)
    started = time.perf_counter()
    digest = build_digest(config, store, config.school[0], week)
    composed = compose_digest(digest, "schoolwatch@example.org", ("head@example.org",))
    return time.perf_counter() - started, len(composed.message.body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true",
                        help="50 and 100 mentions, one repeat: checks the bench runs (make test).")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.repeats = [50, 100], 1
    week = Week.previous(datetime.now(LONDON))
    medians = {}
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            folder = Path(scratch) / str(size)
            folder.mkdir()
            config = make_config(folder)
            write_week(config, week, size)
            compose_once(config, week)  # warm-up: templates, matplotlib, caches
            samples = [compose_once(config, week) for _ in range(args.repeats)]
            seconds = [s for s, _ in samples]
            medians[size] = statistics.median(seconds)
            print(f"{size:>6} mentions in the week: compose median {medians[size]:.3f}s, "
                  f"spread {min(seconds):.3f}-{max(seconds):.3f}s, "
                  f"email {samples[-1][1] / 1024:.0f} KB (n={args.repeats})", flush=True)
    small, large = min(args.sizes), max(args.sizes)
    if small != large:
        print(f"ratio {large} / {small}: {medians[large] / medians[small]:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
