"""Model versions beside the store: what `schoolwatch model update`, `model list` and `model use`
act on.

A version is a refitted decision layer: the shipped heads file with its risk heads and their
thresholds refitted on the bundled training summary plus this deployment's corrections, in
`<store folder>/models/<name>/heads.safetensors` with a `manifest.json` saying what it was
fitted on. The encoder always comes from the package. `<store folder>/models/active` names the
version in use; without it (or with "shipped") the package's own heads are used.

The bundled training data is a summary, never posts: for each risk head, the curvature of
its training loss at the shipped weights (sum over the 1,432 train posts of p(1-p) x x^T, x being
the encoder vector with its deterministic signals), and for the 352 dev posts the number of
posts and mean vector per risk level with one covariance pooled over the levels
(`decision_summary.safetensors`, written by `python -m classifiers.training.heads`). No post, nor
its vector, can be read back from sums over hundreds of posts. The refit is the Laplace
approximation of refitting on the training posts plus the corrections: it minimises the
shipped heads' training loss as that quadratic around the shipped weights plus the corrections'
loss (CORRECTION_WEIGHT each), so with no corrections it returns the shipped heads, and a
correction moves the heads only where the training posts left room. Thresholds stay those
chosen on the training folds. Its high recall on dev is the share of the dev summary's high
posts (a Gaussian of their mean and the pooled covariance) above the high threshold: for the
shipped heads that estimate is 0.925 against 0.926 measured on the dev posts themselves.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from classifiers.fitting import RISK_LEVELS
from classifiers.model import DEFAULT_WEIGHTS, RISK_HEAD, EncoderModel
from classifiers.model_files import HEADS_FILE, MODEL_DIR
from classifiers.model_files import MANIFEST as MANIFEST_FILE
from classifiers.signals import signal_features
from crawler.ground.errors import ModelUpdateRefused, ModelVersionError
from crawler.ground.vocab import Risk

if TYPE_CHECKING:
    from crawler.ground.config import ClassifierSettings

SHIPPED = "shipped"
MODELS_FOLDER = "models"
ACTIVE_FILE = "active"
SUMMARY = MODEL_DIR / "decision_summary.safetensors"
SUMMARY_LEVELS = tuple(Risk)
# A correction counts as much as this many bundled posts: a school's own stream is what the
# model must fit, and a lead corrects few posts. At 20, half the train posts the shipped heads
# raise from none/low to high, marked "none", all drop below high while dev recall stays 0.926
# (at 5, 24% of them stay high).
CORRECTION_WEIGHT = 20.0
DEV_RECALL_FLOOR = 0.90
# Ridge added to the curvature, as a share of its mean diagonal.
RIDGE = 0.01
NEWTON_STEPS = 50
# Stop when the Newton decrement (predicted loss decrease, doubled) is below this.
NEWTON_TOLERANCE = 1e-10


@dataclass(frozen=True)
class Correction:
    """A mention a person judged: its text and the risk it should have had."""

    text: str
    risk: str


@dataclass(frozen=True)
class ModelVersion:
    name: str
    heads: Path  # the heads file this version classifies with
    created: str | None
    corrections: int
    dev_high_recall: float | None
    active: bool


@dataclass(frozen=True)
class UpdateOutcome:
    version: ModelVersion
    corrections: int
    dev_high_recall: float
    previous: str


def models_folder(store_path: Path) -> Path:
    return store_path.parent / MODELS_FOLDER


def active_name(folder: Path) -> str:
    marker = folder / ACTIVE_FILE
    name = marker.read_text(encoding="utf-8").strip() if marker.is_file() else ""
    return name or SHIPPED


def list_versions(folder: Path) -> list[ModelVersion]:
    """The shipped model first, then each refitted version in the order it was made."""
    active = active_name(folder)
    versions = [ModelVersion(SHIPPED, DEFAULT_WEIGHTS, None, 0, None, active == SHIPPED)]
    found = [p.parent for p in folder.glob(f"*/{MANIFEST_FILE}")] if folder.is_dir() else []
    for path in sorted(found, key=lambda p: _number(p.name)):
        manifest = _manifest(path)
        versions.append(ModelVersion(
            path.name, path / HEADS_FILE, manifest.get("created"),
            int(manifest.get("corrections", 0)), manifest.get("dev_high_recall"),
            active == path.name,
        ))
    return versions


def use_version(folder: Path, name: str) -> ModelVersion:
    """Makes a version the one `classify` uses (the shipped one with "shipped")."""
    for version in list_versions(folder):
        if version.name == name:
            if not version.heads.is_file():
                raise ModelVersionError(f"model version {name} has no {HEADS_FILE}")
            _write_atomic(folder / ACTIVE_FILE, name + "\n")
            return ModelVersion(**{**version.__dict__, "active": True})
    known = ", ".join(v.name for v in list_versions(folder))
    raise ModelVersionError(f"no model version {name!r} (known: {known})")


def settings_with_active(settings: ClassifierSettings, store_path: Path) -> ClassifierSettings:
    """The classifier settings with the active version's heads, unless [classifier] weights
    names a file of its own (an explicit choice wins)."""
    if settings.weights is not None:
        return settings
    name = active_name(models_folder(store_path))
    if name == SHIPPED:
        return settings
    heads = models_folder(store_path) / name / HEADS_FILE
    if not heads.is_file():
        raise ModelVersionError(
            f"the active model version {name} has no {heads}; "
            "pick another with `schoolwatch model use`"
        )
    return settings.model_copy(update={"weights": heads})


# ---- the bundled summary -------------------------------------------------------------------


def summarise(x: np.ndarray, risk: Sequence[str]) -> dict[str, np.ndarray]:
    """Counts and mean vectors per risk level, and the covariance pooled over the levels."""
    labels = np.asarray(risk)
    counts = np.array([(labels == level).sum() for level in SUMMARY_LEVELS], dtype=np.int64)
    means = np.stack([
        x[labels == level].mean(0) if n else np.zeros(x.shape[1])
        for level, n in zip(SUMMARY_LEVELS, counts, strict=True)
    ])
    centred = x - means[[SUMMARY_LEVELS.index(level) for level in labels]]
    covariance = centred.T @ centred / max(len(x) - len(SUMMARY_LEVELS), 1)
    return {"counts": counts, "means": means.astype(np.float32),
            "covariance": covariance.astype(np.float32)}


def curvature(x: np.ndarray, coef: np.ndarray, bias: float) -> np.ndarray:
    """The Hessian of a sigmoid head's log-loss over these rows, in (weights, bias)."""
    rows = np.hstack([x, np.ones((len(x), 1), dtype=x.dtype)]).astype(np.float64)
    p = 1.0 / (1.0 + np.exp(-(x @ coef + bias)))
    return (rows * (p * (1 - p))[:, None]).T @ rows


def write_summary(path: Path, hessians: dict[str, np.ndarray], dev: dict[str, np.ndarray]
                  ) -> None:
    # lazy: safetensors loads only when a heads or summary file is read or written
    from safetensors.numpy import save_file

    # float16 halves the file; the curvature is a prior, three digits are plenty.
    tensors = {f"train.hessian.{name}": h.astype(np.float16) for name, h in hessians.items()}
    tensors.update({f"dev.{key}": value for key, value in dev.items()})
    save_file(tensors, str(path), metadata={"levels": json.dumps(list(SUMMARY_LEVELS))})


def read_summary(path: Path = SUMMARY) -> dict[str, np.ndarray]:
    # lazy: safetensors loads only when a heads or summary file is read or written
    from safetensors.numpy import load_file

    if not path.is_file():
        raise ModelVersionError(f"the bundled training summary {path} is missing; "
                                "reinstall schoolwatch")
    return load_file(str(path))


def dev_high_recall(summary: dict[str, np.ndarray], coef: np.ndarray, bias: float,
                    threshold: float) -> float:
    """Share of the dev summary's high posts whose P(high) clears the threshold."""
    high = SUMMARY_LEVELS.index(Risk.HIGH)
    mean = summary["dev.means"][high].astype(np.float64)
    covariance = summary["dev.covariance"].astype(np.float64)
    margin = float(coef @ mean + bias - math.log(threshold / (1 - threshold)))
    spread = math.sqrt(max(float(coef @ covariance @ coef), 1e-12))
    return 0.5 * (1 + math.erf(margin / spread / math.sqrt(2)))


# ---- the refit -----------------------------------------------------------------------------


def refit_head(hessian: np.ndarray, coef: np.ndarray, bias: float, x: np.ndarray,
               y: np.ndarray) -> tuple[np.ndarray, float]:
    """A sigmoid head moved from (coef, bias) by the corrections (x, y), against the training
    loss's curvature (see the module's docstring)."""
    if not len(x):
        return coef, bias
    rows = np.hstack([x, np.ones((len(x), 1))]).astype(np.float64)
    base = rows @ np.append(coef, bias).astype(np.float64)
    # A small ridge keeps directions no training post constrained from running off.
    prior = hessian.astype(np.float64) + RIDGE * np.trace(hessian) / len(hessian) * np.eye(
        len(hessian))
    step = _newton(prior, rows, base, y)
    return (coef + step[:-1]).astype(np.float32), float(bias + step[-1])


def _newton(prior: np.ndarray, rows: np.ndarray, base: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The minimum of 0.5 s'Ps + CORRECTION_WEIGHT * logistic loss of (base + rows s, y).

    Convex and smooth with its Hessian at hand, so damped Newton reaches it in a few steps of
    one ~400x400 solve each. Written out rather than taken from scipy.optimize: that one call
    would add 140 MB of scipy to every install (issue 19 keeps the runtime under 800 MB)."""
    def loss(step: np.ndarray) -> float:
        logits = base + rows @ step
        data = float(np.sum(np.logaddexp(0, logits) - y * logits))
        return 0.5 * float(step @ prior @ step) + CORRECTION_WEIGHT * data

    step = np.zeros(len(prior))
    current = loss(step)
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(base + rows @ step)))
        grad = prior @ step + CORRECTION_WEIGHT * rows.T @ (p - y)
        curvature = prior + CORRECTION_WEIGHT * (rows.T * (p * (1 - p))) @ rows
        direction = np.linalg.solve(curvature, grad)
        decrease = float(grad @ direction)
        if decrease < NEWTON_TOLERANCE:
            break
        size = 1.0
        while (trial := loss(step - size * direction)) > current - 0.25 * size * decrease:
            size /= 2
            if size < 1e-8:
                return step
        step, current = step - size * direction, trial
    return step


def refit(summary: dict[str, np.ndarray], weight: np.ndarray, bias: np.ndarray,
          corrections: np.ndarray, corrected_risk: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The risk heads (RISK_HEAD order) refitted with the corrections (vectors with signals)."""
    labels = np.asarray(corrected_risk)
    coefs, biases = [], []
    for k, name in enumerate(RISK_HEAD):
        y = np.isin(labels, list(RISK_LEVELS[name])).astype(np.float64)
        coef, b = refit_head(summary[f"train.hessian.{name}"], weight[k], float(bias[k]),
                             corrections, y)
        coefs.append(coef)
        biases.append(b)
    return np.stack(coefs), np.array(biases, dtype=np.float32)


def update_model(model: EncoderModel, folder: Path, corrections: Sequence[Correction],
                 summary_path: Path = SUMMARY) -> UpdateOutcome:
    """Refits the risk heads with these corrections and makes the result the active version;
    raises ModelUpdateRefused (and changes nothing) when its dev high recall misses the floor."""
    summary = read_summary(summary_path)
    texts = [c.text for c in corrections]
    encoded = model.encode(texts)
    x = (np.hstack([np.stack([e.vector for e in encoded]),
                    np.stack([signal_features(t) for t in texts])])
         if texts else np.zeros((0, summary["train.means"].shape[1]), dtype=np.float32))
    shipped = model.heads["risk"]
    coef, bias = refit(summary, shipped.weight, shipped.bias, x, [c.risk for c in corrections])
    high = RISK_HEAD.index("high")
    recall = dev_high_recall(summary, coef[high], float(bias[high]),
                             model.thresholds["risk_high"])
    previous = active_name(folder)
    if recall < DEV_RECALL_FLOOR:
        raise ModelUpdateRefused(
            f"refused: high-risk recall on the bundled dev split would be {recall:.2f} "
            f"(< {DEV_RECALL_FLOOR:.2f}); still using model {previous}"
        )
    name = f"v{max((_number(v.name) for v in list_versions(folder)), default=0) + 1}"
    created = datetime.now(UTC).isoformat(timespec="seconds")
    _write_version(folder / name, model.info.path, coef, bias, {
        "name": name, "created": created, "corrections": len(corrections),
        "correction_weight": CORRECTION_WEIGHT, "dev_high_recall": round(recall, 4),
        "based_on": model.info.path.name, "based_on_digest": model.info.digest,
        "encoder_fingerprint": model.info.fingerprint,
    })
    version = use_version(folder, name)
    return UpdateOutcome(version, len(corrections), recall, previous)


def _write_version(target: Path, base: Path, coef: np.ndarray, bias: np.ndarray,
                   manifest: dict[str, object]) -> None:
    """The base heads file with the refitted risk heads, and its manifest."""
    # lazy: safetensors loads only when a heads or summary file is read or written
    from safetensors import safe_open
    from safetensors.numpy import save_file

    with safe_open(str(base), framework="numpy") as handle:
        metadata = dict(handle.metadata() or {})
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    tensors["head.risk.weight"] = coef.astype(np.float32)
    tensors["head.risk.bias"] = bias.astype(np.float32)
    metadata["trained_on"] = (f"bundled training summary + {manifest['corrections']} "
                              "corrections (schoolwatch model update)")
    target.mkdir(parents=True, exist_ok=True)
    partial = target / (HEADS_FILE + ".partial")
    save_file(tensors, str(partial), metadata=metadata)
    os.replace(partial, target / HEADS_FILE)
    _write_atomic(target / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _manifest(folder: Path) -> dict[str, object]:
    try:
        return json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelVersionError(f"{folder / MANIFEST_FILE} cannot be read: {exc}") from exc


def _number(name: str) -> int:
    return int(name[1:]) if name.startswith("v") and name[1:].isdigit() else 0
