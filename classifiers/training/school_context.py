"""Trains the school-vs-not-school head: `python -m classifiers.training.school_context`.

Fictional contexts from classifiers.training.school_contexts (templates, and the sentences of
the synthetic school set naming their school), normalised and masked exactly as the matcher
hands them over; logistic regression on the frozen encoder (the shipped adapters),
C chosen by 5-fold cross-validation grouped by template. Takes under a minute.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from classifiers.model import EncoderModel
from classifiers.model_files import MANIFEST, refresh_manifest
from classifiers.school_context import WEIGHTS, masked
from classifiers.training.heads import fit_logistic
from classifiers.training.school_contexts import OTHER, SCHOOL, synthetic_school_posts
from crawler.ground.matching import CONTEXT_WINDOW_TOKENS, normalise

C_GRID = (0.03, 0.1, 0.3, 1.0)


def examples() -> tuple[list[str], np.ndarray, list[int]]:
    texts, labels, groups = [], [], []
    synthetic = synthetic_school_posts()
    for label, templates in ((1, SCHOOL), (0, OTHER), (1, synthetic)):
        for index, template in enumerate(templates):
            before, _, after = normalise(template.replace("{X}", " XMASKX ")).partition("xmaskx")
            before_words = before.split()[-CONTEXT_WINDOW_TOKENS:]
            after_words = after.split()[:CONTEXT_WINDOW_TOKENS]
            texts.append(masked(" ".join(before_words), " ".join(after_words)))
            labels.append(label)
            groups.append(hash((label, index, len(templates))) % 1000)
    return texts, np.array(labels), groups


def main(argv: Sequence[str] | None = None) -> None:
    # lazy: sklearn and safetensors load only when this head is trained
    from safetensors.numpy import save_file
    from sklearn.model_selection import GroupKFold

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args(argv)
    model = EncoderModel(precision="torch-fp32", batch_size=32, max_tokens=128)
    texts, y, groups = examples()
    x = np.stack([e.vector for e in model.encode(texts)])
    splits = list(GroupKFold(5).split(x, y, groups))

    def accuracy(c: float) -> float:
        right = 0
        for train, test in splits:
            coef, bias = fit_logistic(x[train], y[train], c)
            right += int((((x[test] @ coef[0] + bias[0]) > 0) == y[test]).sum())
        return right / len(y)

    scores = {c: accuracy(c) for c in C_GRID}
    best = max(scores, key=lambda c: scores[c])
    coef, bias = fit_logistic(x, y, best)
    # fit_logistic balances the classes, so the many synthetic school posts do not swamp it.
    print(f"{len(y)} contexts; cross-validated accuracy by C: "
          + ", ".join(f"{c}: {a:.3f}" for c, a in scores.items()))
    save_file(
        {"weight": np.ascontiguousarray(coef[0]), "bias": np.ascontiguousarray(bias)},
        str(args.out),
        metadata={"adapters_digest": json.dumps(model.info.adapters_digest), "C": str(best)},
    )
    if (args.out.parent / MANIFEST).is_file():
        refresh_manifest(args.out.parent)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
