"""Classifying stored mentions: the step after every crawl, and `schoolwatch classify --pending`.

The model loads once per process (a crawl command or the scheduler) and is reused; results are
written in chunks so the store's write lock is held only briefly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from crawler.ground.config import ClassifierSettings
from crawler.ground.vocab import ARTICLE_EDIT_KINDS, Risk
from crawler.store import ClassificationRow, Store

if TYPE_CHECKING:
    from classifiers.decide import Classifier
    from crawler.ground.config import Config

WRITE_CHUNK = 512


@dataclass(frozen=True)
class ClassifyOutcome:
    classified: int
    by_risk: dict[str, int]
    model_version: str
    # Of the classified: how many had been tagged by another model version, and how many of
    # those came out at a different risk level this time.
    retagged: int = 0
    risk_changed: int = 0

    @property
    def upgrade_summary(self) -> str:
        """"; 40 re-tagged from an older model, 3 at a new risk level", or ""."""
        if not self.retagged:
            return ""
        return (
            f"; {self.retagged} re-tagged from an older model, "
            f"{self.risk_changed} at a new risk level"
        )

    @property
    def risk_summary(self) -> str:
        """"2 high, 11 low, 10 none": the most urgent first."""
        return ", ".join(
            f"{self.by_risk[risk]} {risk}" for risk in Risk.most_urgent_first()
            if self.by_risk.get(risk)
        )


@lru_cache(maxsize=2)
def classifier_for(settings: ClassifierSettings) -> Classifier:
    """One loaded model per process and settings."""
    # lazy: the model modules (numpy, onnxruntime) load only when something is pending
    from classifiers.decide import Classifier

    return Classifier.from_settings(settings)


def classify_stored(
    config: Config,
    store: Store,
    *,
    everything: bool = False,
    never_classified: bool = False,
    ids: Sequence[int] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ClassifyOutcome:
    """Tags every mention not yet classified by this model version (or all, with everything;
    or, with never_classified, only those no model has classified: a stopped crawl's). Given
    `ids`, only those mentions are looked at: a crawl's new and changed ones, as its write
    returned them."""
    # lazy: the model modules (numpy, onnxruntime) load only when something is pending
    from classifiers.decide import ClassifyRequest, model_version
    from classifiers.versions import settings_with_active

    settings = settings_with_active(config.classifier, config.store.path)
    version = model_version(settings)
    if never_classified and ids is None:
        ids = store.unclassified_ids()
    pending = [] if ids == [] else store.pending_classification(
        version, everything=everything, ids=ids)
    if never_classified:
        pending = [mention for mention in pending if mention.previous_version is None]
    if not pending:
        # Nothing to tag: the model is never loaded (a crawl of unchanged sources stays light).
        return ClassifyOutcome(classified=0, by_risk={}, model_version=version)
    classifier = classifier_for(settings)
    limit = config.classifier.max_chars
    # Shortest first, each chunk written as it is done: a huge post never delays the others.
    pending.sort(key=lambda mention: len(mention.title) + len(mention.text))
    schools = {school.id: school for school in config.school}
    by_risk: dict[str, int] = {}
    done = retagged = risk_changed = 0
    for start in range(0, len(pending), WRITE_CHUNK):
        chunk = pending[start : start + WRITE_CHUNK]
        requests = []
        sizes = []
        for mention in chunk:
            school = schools.get(mention.school_id)
            text = f"{mention.title}\n{mention.text}" if mention.title else mention.text
            sizes.append(len(text))
            requests.append(
                ClassifyRequest(
                    text=text[:limit],
                    school=school.name if school else None,
                    staff=tuple(school.staff) if school else (),
                    # A revision that only removed text (a revert of vandalism) added nothing.
                    article_edit=mention.source_kind in ARTICLE_EDIT_KINDS
                    and mention.edit_adds_text,
                )
            )
        results = classifier.classify(requests)
        store.write_classifications(
            [
                ClassificationRow(
                    mention_id=mention.id,
                    sentiment=result.sentiment,
                    sentiment_score=result.sentiment_score,
                    risk=result.risk,
                    categories=tuple(result.categories),
                    risk_reasons=dict(result.reasons),
                    model_version=result.model_version,
                    read_chars=min(size, limit) if size > limit else None,
                    text_chars=size if size > limit else None,
                )
                for mention, result, size in zip(chunk, results, sizes, strict=True)
            ],
        )
        for mention, result in zip(chunk, results, strict=True):
            by_risk[result.risk] = by_risk.get(result.risk, 0) + 1
            if mention.previous_version and mention.previous_version != result.model_version:
                retagged += 1
                risk_changed += mention.previous_risk != result.risk
        done += len(chunk)
        if on_progress is not None:
            on_progress(done, len(pending))
    return ClassifyOutcome(
        classified=done,
        by_risk=by_risk,
        model_version=classifier.model_version,
        retagged=retagged,
        risk_changed=risk_changed,
    )
