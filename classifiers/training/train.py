"""Stage 1, the LoRA adapters: `python -m classifiers.training.train [--model DIR]` (~15 min).

Writes `classifiers/training/data/adapters.safetensors` (adapters + first-pass heads). Stage 2,
`python -m classifiers.training.heads`, fits the shipped calibrated heads on the frozen,
adapted encoder in a few minutes; rerun it after this.

Data: TweetEval sentiment (validation split; the train split is not available), offensive and
hate (train splits), plus the school set's train split
(`classifiers/training/data/school_posts.jsonl`).
TweetEval *test* splits are never read here. Multi-task: each step takes one batch from one
task and updates the shared adapters plus that task's head. Seeded, so a rerun on the same
machine reproduces the weights.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from classifiers.encoder import add_lora, bundled_encoder_path, encoder_fingerprint
from classifiers.training.data import ADAPTERS, DEFAULT_DATASETS, read_tweeteval
from classifiers.training.schoolset import DATA_FILE
from crawler.ground.vocab import Risk, Sentiment

# The categories the first-pass heads learn from the synthetic set.
MODEL_CATEGORIES = (
    "safeguarding",
    "threat",
    "harassment",
    "extremism_hate",
    "complaint",
    "media_enquiry",
    "inspection",
)


class Heads(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.sentiment = nn.Linear(hidden, len(Sentiment.model_order()))
        self.offensive = nn.Linear(hidden, 2)
        self.hate = nn.Linear(hidden, 2)
        self.categories = nn.Linear(hidden, len(MODEL_CATEGORIES))
        self.risk = nn.Linear(hidden, len(Risk.model_order()))


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


def load_encoder(folder: Path) -> tuple[Any, nn.Module]:
    # lazy: transformers loads only when the encoder is fine-tuned
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    return tokenizer, AutoModel.from_pretrained(folder, local_files_only=True)


def read_school(split: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in DATA_FILE.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["split"] == split]


class Batches:
    """Tokenised examples of one task, served as shuffled length-bucketed batches."""

    def __init__(
        self, tokenizer: Any, texts: Sequence[str], targets: torch.Tensor, max_len: int
    ) -> None:
        enc = tokenizer(list(texts), truncation=True, max_length=max_len)
        self.ids: list[list[int]] = enc["input_ids"]
        self.targets = targets
        self.pad = tokenizer.pad_token_id or 0

    def epoch(self, rng: random.Random, batch_size: int) -> list[list[int]]:
        # Sort inside random buckets: batches are of similar length (fast) yet still vary.
        order = list(range(len(self.ids)))
        rng.shuffle(order)
        bucket = batch_size * 20
        batches: list[list[int]] = []
        for b in range(0, len(order), bucket):
            part = sorted(order[b : b + bucket], key=lambda i: len(self.ids[i]))
            batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
        return batches

    def tensors(self, index: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        width = max(len(self.ids[i]) for i in index)
        ids = torch.full((len(index), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(index), width), dtype=torch.long)
        for row, i in enumerate(index):
            ids[row, : len(self.ids[i])] = torch.tensor(self.ids[i])
            mask[row, : len(self.ids[i])] = 1
        return ids, mask, self.targets[index]


def balanced_weights(labels: Sequence[int], n: int) -> torch.Tensor:
    counts = np.bincount(np.asarray(labels), minlength=n).astype(np.float64)
    return torch.tensor(counts.sum() / (n * np.maximum(counts, 1)), dtype=torch.float32)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, default=None, help="encoder folder (default: bundled)"
    )
    parser.add_argument("--out", type=Path, default=ADAPTERS)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--tweet-epochs", type=float, default=1.0)
    parser.add_argument("--sentiment-epochs", type=float, default=3.0)
    parser.add_argument("--school-epochs", type=float, default=10.0)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    torch.set_num_threads(args.threads)
    folder = args.model or bundled_encoder_path()
    tokenizer, encoder = load_encoder(folder)
    for p in encoder.parameters():
        p.requires_grad_(False)
    alpha = 2.0 * args.rank
    add_lora(encoder, args.rank, alpha, dropout=0.1)
    hidden = int(encoder.config.hidden_size)
    heads = Heads(hidden)
    dropout = nn.Dropout(0.1)

    sent_texts, sent_labels = read_tweeteval(args.datasets, "sentiment", "val")
    off_texts, off_labels = read_tweeteval(args.datasets, "offensive", "train")
    hate_texts, hate_labels = read_tweeteval(args.datasets, "hate", "train")
    school = read_school("train")
    sentiments, risks = Sentiment.model_order(), Risk.model_order()
    school_sent = [sentiments.index(r["sentiment"]) for r in school]
    sent_all = sent_labels + school_sent
    cat_targets = torch.tensor(
        [[float(c in r["categories"]) for c in MODEL_CATEGORIES] for r in school]
    )
    school_targets = torch.cat(
        [
            cat_targets,
            torch.tensor(
                [[risks.index(r["risk"]), s] for r, s in zip(school, school_sent, strict=True)],
                dtype=torch.float32,
            ),
        ],
        dim=1,
    )
    tasks = {
        "sentiment": Batches(
            tokenizer, sent_texts + [r["text"] for r in school], torch.tensor(sent_all), 96
        ),
        "offensive": Batches(tokenizer, off_texts, torch.tensor(off_labels), 96),
        "hate": Batches(tokenizer, hate_texts, torch.tensor(hate_labels), 96),
        "school": Batches(tokenizer, [r["text"] for r in school], school_targets, 256),
    }
    epochs = {
        "sentiment": args.sentiment_epochs,
        "offensive": args.tweet_epochs,
        "hate": args.tweet_epochs,
        "school": args.school_epochs,
    }
    schedule: list[tuple[str, list[int]]] = []
    for name, batches in tasks.items():
        whole, frac = divmod(epochs[name], 1.0)
        for _ in range(int(whole)):
            schedule += [(name, b) for b in batches.epoch(rng, args.batch_size)]
        part = batches.epoch(rng, args.batch_size)
        schedule += [(name, b) for b in part[: int(len(part) * frac)]]
    rng.shuffle(schedule)

    sent_w = balanced_weights(sent_all, len(sentiments))
    cat_pos = cat_targets.mean(0).clamp(min=0.02)
    # Rare categories get a larger positive weight so the head does not learn "never".
    cat_pos_weight = ((1 - cat_pos) / cat_pos).clamp(max=8.0)
    risk_w = balanced_weights([risks.index(r["risk"]) for r in school], len(risks))
    losses = {
        "sentiment": nn.CrossEntropyLoss(weight=sent_w),
        "offensive": nn.CrossEntropyLoss(weight=balanced_weights(off_labels, 2)),
        "hate": nn.CrossEntropyLoss(weight=balanced_weights(hate_labels, 2)),
    }
    bce = nn.BCEWithLogitsLoss(pos_weight=cat_pos_weight)
    risk_ce = nn.CrossEntropyLoss(weight=risk_w)
    sent_ce = nn.CrossEntropyLoss(weight=sent_w)

    lora_params = [p for n, p in encoder.named_parameters() if "lora_" in n]
    optimiser = torch.optim.AdamW(
        [
            {"params": lora_params, "lr": args.lr},
            {"params": list(heads.parameters()), "lr": args.lr * 3},
        ],
        weight_decay=0.01,
    )
    total = len(schedule)
    warmup = max(1, total // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup)))
    )
    n_adapter = sum(p.numel() for p in lora_params)
    print(
        f"training {total} steps on {folder} ({hidden}-wide), {n_adapter:,} adapter parameters",
        flush=True,
    )
    encoder.train()
    started = time.perf_counter()
    running: dict[str, float] = {}
    for step, (name, index) in enumerate(schedule, 1):
        ids, mask, target = tasks[name].tensors(index)
        pooled = dropout(
            mean_pool(encoder(input_ids=ids, attention_mask=mask).last_hidden_state, mask)
        )
        if name == "school":
            n_cat = len(MODEL_CATEGORIES)
            loss = (
                bce(heads.categories(pooled), target[:, :n_cat])
                + risk_ce(heads.risk(pooled), target[:, n_cat].long())
                + 0.5 * sent_ce(heads.sentiment(pooled), target[:, n_cat + 1].long())
            )
        else:
            loss = losses[name](getattr(heads, name)(pooled), target.long())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        scheduler.step()
        value = loss.item()
        running[name] = 0.9 * running.get(name, value) + 0.1 * value
        if step % 50 == 0 or step == total:
            elapsed = time.perf_counter() - started
            shown = " ".join(f"{k}={v:.3f}" for k, v in sorted(running.items()))
            print(f"step {step}/{total} {elapsed:.0f}s loss {shown}", flush=True)

    elapsed = time.perf_counter() - started
    tensors = {
        f"encoder.{n}": p.detach().contiguous()
        for n, p in encoder.named_parameters()
        if "lora_" in n
    }
    tensors |= {f"heads.{n}": p.detach().contiguous() for n, p in heads.state_dict().items()}
    metadata = {
        "hidden_size": str(hidden),
        "encoder_fingerprint": encoder_fingerprint(folder),
        "encoder_name": folder.name,
        "lora_rank": str(args.rank),
        "lora_alpha": str(alpha),
        "thresholds": "{}",
        "train_seconds": f"{elapsed:.0f}",
        "train_steps": str(total),
        "seed": str(args.seed),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(args.out), metadata=metadata)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.1f} MB) after {elapsed / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
