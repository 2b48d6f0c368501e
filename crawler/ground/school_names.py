"""The names people actually use for a school, worked out from its official name.

Official names are long ("St Aldhelm's Church of England Voluntary Aided Primary School");
parents write "St Aldhelm's Primary", "St Aldhelm's CofE" or just "St Aldhelm's". The matcher
already treats St/Saint, C of E/CofE/Church of England, RC/Roman Catholic, "&"/"and", accents and
apostrophes as the same, so only the shorter forms are listed here:

- aliases (always the school): the name without "The", without a trailing ", Town", without
  "Community"/"Voluntary Aided"/"Academy" words, the phase word without "School" ("... Primary"),
  and the religious designation dropped or kept short;
- ambiguous (the school only with school words or its town nearby): the bare name left when
  every school word is gone ("Hollins Green", "St Aldhelm's") and the initials ("HGPS"), unless
  that bare name is the town itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.ground.matching import normalise

_RELIGIOUS = (
    r"church of england|c\.? ?of\.? ?e\.?|cofe|c\.?e\.?|roman catholic|r\.?c\.?|catholic|"
    r"methodist|anglican|jewish|muslim|islamic|sikh|hindu|christian|free church|"
    r"church of england and methodist|ecumenical|united reformed"
)
_STATUS = r"voluntary aided|voluntary controlled|\(?v\.?a\.?\)?|\(?v\.?c\.?\)?|aided|controlled"
_PHASE = (
    r"primary|junior|infants?|infants'|first|middle|secondary|high|grammar|"
    r"nursery|nursery and infant|junior and infant|infant and junior|all-through|special|"
    r"church"
)
_KIND = r"school|academy|college|free school|studio school|university technical college|utc"

_RELIGIOUS_RE = re.compile(rf"\s*\b(?:{_RELIGIOUS})(?:\s+(?:{_STATUS}))?\b\.?", re.IGNORECASE)
_STATUS_RE = re.compile(r"\s*(?:\b(?:voluntary aided|voluntary controlled)\b|\((?:va|vc)\))",
                        re.IGNORECASE)
_COMMUNITY_RE = re.compile(r"\s*\b(?:community|county|foundation)\b", re.IGNORECASE)
_KIND_END_RE = re.compile(rf"\s+\b(?:{_KIND})$", re.IGNORECASE)
_PHASE_END_RE = re.compile(rf"\s+\b(?:{_PHASE})$", re.IGNORECASE)
_THE_RE = re.compile(r"^the\s+", re.IGNORECASE)
_SUFFIX_RE = re.compile(r"\s*,\s*[^,]+$")
_SAINT_RE = re.compile(r"^(?:st\.?|saint|ss\.?|holy|our lady|sacred heart)\b", re.IGNORECASE)


@dataclass
class NameForms:
    aliases: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


def name_forms(official: str, town: str = "", locality: str = "") -> NameForms:
    """Aliases and ambiguous short forms of an official school name."""
    name = _tidy(official)
    forms = NameForms()
    seen = {normalise(name)}

    def add(target: list[str], phrase: str) -> None:
        phrase = _tidy(phrase)
        key = normalise(phrase)
        if key and key not in seen and len(key) >= 3:
            seen.add(key)
            target.append(phrase)

    places = {normalise(town), normalise(locality)} - {""}
    bases = [name]
    for transform in (_drop_the, _drop_suffix, _drop_status, _drop_community, _catholic_as_rc):
        bases += [transform(base) for base in bases]
    for base in _unique(bases):
        add(forms.aliases, base)
        without_school = _drop_kind_after_phase(base)
        add(forms.aliases, without_school)
        secular = _drop_religious(base)
        if _KIND_END_RE.search(secular) or _PHASE_END_RE.search(_drop_kind_after_phase(secular)):
            add(forms.aliases, secular)
            add(forms.aliases, _drop_kind_after_phase(secular))
        short_religious = _core(base, keep_religious=True)
        bare = _core(base, keep_religious=False)
        if short_religious != bare and normalise(bare) not in places:
            add(forms.aliases, short_religious)  # "St Mary's C of E"
    core = _core(name, keep_religious=False)
    if normalise(core) not in (normalise(town), normalise(name)):
        add(forms.ambiguous, core)
    initials = _initials(_drop_religious(_drop_status(_drop_the(_drop_suffix(name)))))
    if initials:
        add(forms.ambiguous, initials)
    for base in list(forms.aliases):
        if re.search(r"\binfant$", base, re.IGNORECASE):
            add(forms.aliases, base + "s")  # "Oakfield Infants"
    if town and _SAINT_RE.match(core):
        add(forms.aliases, f"{core} {town}")  # "St Bede's, Brackenford"
    forms.aliases = [alias for alias in forms.aliases if normalise(alias) not in places]
    forms.ambiguous = [name for name in forms.ambiguous if normalise(name) != normalise(town)]
    return forms


def school_id(official: str, taken: set[str] | None = None, urn: int | None = None) -> str:
    """A short, stable, lower-case id from the name without its designations
    ("hollins-green-primary"); the URN, then a number, tell apart schools that share it."""
    base = _drop_kind_after_phase(_drop_religious(_drop_status(_drop_the(_drop_suffix(
        _tidy(official))))))
    slug = re.sub(r"[^a-z0-9]+", "-", normalise(base).replace(" ", "-")).strip("-") or "school"
    taken = taken or set()
    if slug in taken and urn is not None:
        slug = f"{slug}-{urn}"
    number = 2
    candidate = slug
    while candidate in taken:
        candidate = f"{slug}-{number}"
        number += 1
    return candidate


def _tidy(name: str) -> str:
    name = name.replace("’", "'").replace("‘", "'").replace("`", "'")
    name = re.sub(r"\bSt\.(?=\s)", "St", name)
    return " ".join(name.replace(" ,", ",").split()).strip(" ,-")


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for item in items:
        key = normalise(item)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def _catholic_as_rc(name: str) -> str:
    """"St Bede's Catholic Primary" is also written "St Bede's RC Primary"."""
    return re.sub(r"(?<!roman )\bcatholic\b", "RC", name, flags=re.IGNORECASE)


def _drop_the(name: str) -> str:
    return _THE_RE.sub("", name)


def _drop_suffix(name: str) -> str:
    """"St Mary's CofE Primary School, Ashcombe" -> "St Mary's CofE Primary School"."""
    shorter = _SUFFIX_RE.sub("", name)
    return shorter if _KIND_END_RE.search(shorter) else name


def _drop_status(name: str) -> str:
    return _tidy(_STATUS_RE.sub("", name))


def _drop_community(name: str) -> str:
    shorter = _tidy(_COMMUNITY_RE.sub("", name))
    return shorter if len(shorter.split()) >= 2 else name


def _drop_religious(name: str, min_words: int = 2) -> str:
    shorter = _tidy(_RELIGIOUS_RE.sub("", name))
    return shorter if len(shorter.split()) >= min_words else name


def _drop_kind_after_phase(name: str) -> str:
    """"Hollins Green Primary School" -> "Hollins Green Primary"; a lone "X School" stays."""
    shorter = _KIND_END_RE.sub("", name)
    if shorter != name and _PHASE_END_RE.search(shorter):
        return shorter
    return name


def _core(name: str, keep_religious: bool) -> str:
    """The name with every school word gone: "Hollins Green", "St Aldhelm's"."""
    core = _drop_status(_drop_community(_drop_the(_drop_suffix(name))))
    for _ in range(4):
        core = _KIND_END_RE.sub("", core)
        core = _PHASE_END_RE.sub("", core)
    if not keep_religious:
        core = _drop_religious(core, min_words=1)
    return _tidy(core) or name


def _initials(name: str) -> str:
    """"Hollins Green Primary School" -> "HGPS": four or five capitalised words (three letters
    are too often something else)."""
    words = [word for word in re.split(r"[\s-]+", name) if word]
    if not 4 <= len(words) <= 5 or not all(word[0].isupper() for word in words):
        return ""
    return "".join(word[0] for word in words)
