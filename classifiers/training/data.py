"""Training data readers and the embedding cache (frozen encoder vectors, computed once).

All labelled data lives outside the repo in ../shared/datasets; nothing here is needed at run
time. Texts are never printed: the real posts are their authors' (see the dataset README).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.training.schoolset import DATA_FILE

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATASETS = REPO_ROOT.parent / "shared" / "datasets"
REAL_POSTS = Path("school_posts_real") / "posts.jsonl"
# The LoRA adapters (and TweetEval offensive/hate heads) that classifiers.training.train writes;
# classifiers.training.heads fits the shipped heads on top of them.
ADAPTERS = Path(__file__).parent / "data" / "adapters.safetensors"
DEFAULT_CACHE = REPO_ROOT / "build" / "embeddings"


def read_tweeteval(root: Path, task: str, split: str) -> tuple[list[str], list[int]]:
    folder = root / "tweeteval" / task
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = [int(x) for x in (folder / f"{split}_labels.txt").read_text().split()]
    if len(texts) != len(labels):
        raise SystemExit(f"{folder}: {split} texts and labels differ in length")
    return texts, labels


def read_real(root: Path, split: str) -> list[dict[str, Any]]:
    """Real school posts of one split ("train" or "dev"); [] when the data set is absent."""
    path = root / REAL_POSTS
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if r["split"] == split]


def read_synthetic(split: str = "train") -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in DATA_FILE.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if split == "all" or r["split"] == split]


class EmbeddingCache:
    """Post vectors of a text list, stored under a key of (encoder state, texts)."""

    def __init__(self, folder: Path, embed: Any, encoder_key: str) -> None:
        self.folder = folder
        self.embed = embed
        self.encoder_key = encoder_key

    def vectors(self, name: str, texts: Sequence[str]) -> np.ndarray:
        digest = hashlib.sha256(self.encoder_key.encode())
        for text in texts:
            digest.update(text.encode() + b"\0")
        path = self.folder / f"{name}-{digest.hexdigest()[:16]}.npy"
        if path.is_file():
            return np.load(path)
        encoded = self.embed(list(texts))
        vectors = np.stack([e.vector for e in encoded]).astype(np.float32)
        self.folder.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
        return vectors
