"""Combines the model's scores and the rules into sentiment, risk, categories and reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from classifiers.model import (
    MODEL_CATEGORIES,
    NEGATIVE_EVIDENCE,
    SENTIMENTS,
    EncoderModel,
    Prediction,
)
from classifiers.rules import (
    RULES_VERSION,
    find_child_harm,
    find_named_pupil,
    find_personal_data,
    find_staff_allegation,
    find_threat,
)
from crawler.config import ClassifierSettings
from crawler.vocab import Category, Risk, Sentiment

CATEGORIES = tuple(Category)
RISK_LEVELS = tuple(Risk)
# Any of these means "act today".
HIGH_CATEGORIES = frozenset(
    {
        Category.SAFEGUARDING,
        Category.THREAT,
        Category.NAMED_PUPIL,
        Category.PERSONAL_DATA,
        Category.ALLEGATION,
        Category.EXTREMISM_HATE,
    }
)
MEDIUM_CATEGORIES = frozenset({Category.HARASSMENT, Category.MEDIA_ENQUIRY})


@dataclass(frozen=True)
class ClassifyRequest:
    text: str
    school: str | None = None
    staff: tuple[str, ...] = ()


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


def decide(
    request: ClassifyRequest, prediction: Prediction, thresholds: dict[str, float], version: str
) -> Classification:
    reasons: dict[str, str] = {}
    # A school named after a person ("Sophie Scholl Academy") must not read as a pupil's name.
    pupil_text = request.text
    if request.school:
        pupil_text = pupil_text.replace(request.school, "the school")
    rule_hits = {
        "personal_data": find_personal_data(request.text),
        "named_pupil": find_named_pupil(pupil_text),
        "allegation": find_staff_allegation(request.text, request.staff),
        "threat": find_threat(request.text),
        "safeguarding": find_child_harm(request.text),
    }
    for name, phrase in rule_hits.items():
        if phrase:
            # A threat fragment ("wait till I see") only reads as a threat with its sentence.
            reasons[name] = _sentence_around(request.text, phrase) if name == "threat" else phrase
    for index, name in enumerate(MODEL_CATEGORIES):
        if name not in reasons and prediction.categories[index] >= thresholds.get(name, 0.5):
            reasons[name] = prediction.evidence.get(name, request.text[:160])

    sentiment_index = int(prediction.sentiment.argmax())
    sentiment = SENTIMENTS[sentiment_index]
    negative = float(prediction.sentiment[0])
    if not reasons and negative >= thresholds.get("criticism", 0.6):
        # A clearly negative post that no category explains is still criticism ("low"): the
        # complaint head alone misses plain grumbles that do not use complaint vocabulary.
        reasons["complaint"] = prediction.evidence.get(NEGATIVE_EVIDENCE, request.text[:160])
    _, at_least_medium, high = (float(x) for x in prediction.risk_at_least)

    if HIGH_CATEGORIES & reasons.keys():
        risk = Risk.HIGH
    elif high >= thresholds.get("risk_high", 0.3) and "harassment" in reasons:
        # "Severe abuse of staff" has no category of its own: the risk head decides how severe
        # the flagged harassment is. It never upgrades a mere complaint (too many false alarms).
        risk = Risk.HIGH
    elif MEDIUM_CATEGORIES & reasons.keys():
        risk = Risk.MEDIUM
    elif "complaint" in reasons:
        # A complaint "gaining traction" (petitions, shares, MPs, protests) is medium.
        risk = Risk.MEDIUM if at_least_medium >= thresholds.get("risk_medium", 0.5) else Risk.LOW
    elif "inspection" in reasons and sentiment == Sentiment.NEGATIVE:
        risk = Risk.LOW
    else:
        risk = Risk.NONE
    ordered = tuple(c for c in CATEGORIES if c in reasons)
    return Classification(
        sentiment=sentiment,
        sentiment_score=round(float(prediction.sentiment[sentiment_index]), 4),
        risk=risk,
        categories=ordered,
        reasons={c: reasons[c] for c in ordered},
        model_version=version,
    )


class Classifier:
    """Loads the encoder and heads once; `classify` is batched and keeps input order."""

    def __init__(self, model: EncoderModel) -> None:
        self.model = model
        info = model.info
        # Precision is part of the version: bf16/int8/fp32 can differ near a threshold.
        self.model_version = (
            f"{info.path.stem}-{info.digest}-rules{RULES_VERSION}-{model.precision}"
        )

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
