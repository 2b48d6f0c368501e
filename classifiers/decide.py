"""Combines the model's scores and the rules into sentiment, risk, categories and reasons."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from classifiers.model import (
    DEFAULT_WEIGHTS,
    NEGATIVE_EVIDENCE,
    EncoderModel,
    Prediction,
    resolve_precision,
)
from classifiers.quoting import clip, quote
from classifiers.rules import (
    RULES_VERSION,
    find_child_harm,
    find_named_pupil,
    find_personal_data,
    find_staff_allegation,
    find_threat,
)
from crawler.ground.errors import ModelLoadError
from crawler.ground.vocab import Category, Risk, Sentiment

if TYPE_CHECKING:
    from crawler.ground.config import ClassifierSettings

CATEGORIES = tuple(Category)
RISK_LEVELS = tuple(Risk)
# Categories that make a post "act today" when the risk head agrees it is high.
HIGH_CATEGORIES = (
    Category.SAFEGUARDING,
    Category.THREAT,
    Category.ALLEGATION,
    Category.EXTREMISM_HATE,
    Category.NAMED_PUPIL,
    Category.PERSONAL_DATA,
)
# Deterministic rules that make a post high on their own: each is specific evidence the rubric
# names (third-party personal data, a named pupil, an explicit threat, an accusation against a
# configured member of staff). A parent's report of their own child hurt is safeguarding but
# its level is left to the risk head (a kick in the playground is medium, an assault high).
HIGH_RULES = frozenset(
    {Category.PERSONAL_DATA, Category.NAMED_PUPIL, Category.THREAT, Category.ALLEGATION}
)
# The cumulative risk heads, least severe first: P(>= low) >= P(>= medium) by definition.
CUMULATIVE_RISK = ("at_least_low", "at_least_medium")


@dataclass(frozen=True)
class ClassifyRequest:
    text: str
    school: str | None = None
    staff: tuple[str, ...] = ()
    # The text is what one edit added to an encyclopedia article about the school (a Wikipedia
    # revision), not a post: criticism there is vandalism of the school's public page.
    article_edit: bool = False


@dataclass(frozen=True)
class Classification:
    sentiment: str
    sentiment_score: float
    risk: str
    categories: tuple[str, ...]
    reasons: dict[str, str] = field(default_factory=dict)
    model_version: str = ""


def _sentence_around(text: str, phrase: str) -> str:
    start = text.find(phrase)
    if start < 0:
        return phrase
    begin = max(text.rfind(stop, 0, start) for stop in ".!?\n") + 1
    ends = [i for i in (text.find(stop, start + len(phrase)) for stop in ".!?\n") if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    sentence = " ".join(text[begin:end].split())
    return sentence if len(sentence) <= 160 else phrase


def coherent_risk(risk: dict[str, float]) -> dict[str, float]:
    """The risk probabilities with P(>= low) and P(>= medium) in their necessary order.

    The two heads are fitted separately and can cross (the demo's article "rated Good at its
    last inspection" reads P(>= medium) 0.50 but P(>= low) 0.16: a post 84% likely to be no
    risk at all). The monotone rearrangement (sorting the pair; Chernozhukov, Fernandez-Val
    and Galichon, "Quantile and probability curves without crossing", 2010) is never further
    from the true ordered probabilities than the crossed pair. P(high) is left alone: it is a
    score of its own, tuned to miss as few high posts as possible. Grouped-by-site CV of the
    train split: 4 fewer none posts called medium, 1 medium post fewer (README).
    """
    ordered = sorted((risk[name] for name in CUMULATIVE_RISK), reverse=True)
    return {**risk, **dict(zip(CUMULATIVE_RISK, ordered, strict=True))}


def decide(
    request: ClassifyRequest, prediction: Prediction, thresholds: dict[str, float], version: str
) -> Classification:
    text = request.text
    reasons: dict[str, str] = {}
    # A school named after a person ("Sophie Scholl Academy") must not read as a pupil's name.
    pupil_text = text.replace(request.school, "the school") if request.school else text
    rule_hits = {
        "personal_data": find_personal_data(text),
        "named_pupil": find_named_pupil(pupil_text),
        "allegation": find_staff_allegation(text, request.staff),
        "threat": find_threat(text),
        "safeguarding": find_child_harm(text),
    }
    for name, phrase in rule_hits.items():
        if phrase:
            # A threat fragment ("wait till I see") only reads as a threat with its sentence.
            reasons[name] = _sentence_around(text, phrase) if name == "threat" else phrase

    def evidence(name: str) -> str:
        span = prediction.evidence.get(name)
        category = "complaint" if name == NEGATIVE_EVIDENCE else name
        return quote(text, span, category) if span else clip(text)

    for name, probability in prediction.categories.items():
        if name not in reasons and probability >= thresholds.get(name, 0.5):
            reasons[name] = evidence(name)

    risk_probability = coherent_risk(prediction.risk)
    if HIGH_RULES & {k for k, v in rule_hits.items() if v} or risk_probability[
        "high"
    ] >= thresholds.get("risk_high", 0.5):
        risk = Risk.HIGH
    elif risk_probability["at_least_medium"] >= thresholds.get("risk_at_least_medium", 0.5):
        risk = Risk.MEDIUM
    elif risk_probability["at_least_low"] >= thresholds.get("risk_at_least_low", 0.5):
        risk = Risk.LOW
    else:
        risk = Risk.NONE
    sentiment_index = int(prediction.sentiment.argmax())
    sentiment = Sentiment.model_order()[sentiment_index]
    if request.article_edit and risk != Risk.NONE and sentiment == Sentiment.NEGATIVE:
        # Criticism added to the school's own encyclopedia article is not a parent's complaint
        # to answer but a defaced public page to undo and report: the rubric's abuse of staff
        # or a complaint escalated in public, at least medium.
        reasons[Category.VANDALISM] = evidence(NEGATIVE_EVIDENCE)
        risk = max(risk, Risk.MEDIUM, key=Risk.model_order().index)
    if risk == Risk.HIGH and not set(HIGH_CATEGORIES) & reasons.keys():
        # High on the risk head alone: say which kind of harm it most resembles, and where.
        likeliest = max(
            (c for c in HIGH_CATEGORIES if c in prediction.categories),
            key=lambda c: prediction.categories[c],
        )
        reasons[likeliest] = evidence(likeliest)
    if risk != Risk.NONE and not reasons:
        # A criticism no category explains still needs a sentence a person can check.
        reasons["complaint"] = evidence(NEGATIVE_EVIDENCE)

    ordered = tuple(c for c in CATEGORIES if c in reasons)
    return Classification(
        sentiment=sentiment,
        sentiment_score=round(float(prediction.sentiment[sentiment_index]), 4),
        risk=risk,
        categories=ordered,
        reasons={c: reasons[c] for c in ordered},
        model_version=version,
    )


def version_string(weights: Path, digest: str, precision: str) -> str:
    # Precision is part of the version: int8/fp32/bf16 can differ near a threshold.
    return f"{weights.stem}-{digest}-rules{RULES_VERSION}-{precision}"


def model_version(settings: ClassifierSettings) -> str:
    """The version a Classifier of these settings stamps, without loading any model (so a
    crawl with nothing pending never imports onnxruntime or torch)."""
    weights = settings.weights or DEFAULT_WEIGHTS
    try:
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
    except OSError as exc:
        raise ModelLoadError(f"classifier weights {weights} cannot be read: {exc}") from exc
    return version_string(weights, digest, resolve_precision(settings.precision))


class Classifier:
    """Loads the encoder and heads once; `classify` is batched and keeps input order."""

    def __init__(self, model: EncoderModel) -> None:
        self.model = model
        self.model_version = version_string(model.info.path, model.info.digest, model.precision)

    @classmethod
    def with_defaults(cls) -> Classifier:
        """The shipped model with the [classifier] defaults, without reading settings (so
        `classify` on stdin with no config never loads pydantic); tests check these defaults
        are ClassifierSettings' own."""
        return cls(EncoderModel())

    @classmethod
    def from_settings(cls, settings: ClassifierSettings) -> Classifier:
        return cls(
            EncoderModel(
                settings.model,
                settings.weights,
                batch_size=settings.batch_size,
                max_tokens=settings.max_tokens,
                threads=settings.threads,
                precision=settings.precision,
            )
        )

    def classify(self, requests: Sequence[ClassifyRequest]) -> list[Classification]:
        predictions = self.model.predict([r.text for r in requests])
        thresholds = self.model.thresholds
        return [
            decide(request, prediction, thresholds, self.model_version)
            for request, prediction in zip(requests, predictions, strict=True)
        ]
