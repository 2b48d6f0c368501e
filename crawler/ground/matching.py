"""Finds which schools a document mentions, in one pass over the text for all schools.

Text and aliases are normalised the same way (case, accents, apostrophes, punctuation, "&"),
and spelling variants ("St"/"Saint", "C of E"/"CofE") are added as extra automaton keys, so one
Aho-Corasick automaton serves every school and the cost does not grow with their number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

import ahocorasick

from crawler.ground.items import Match

_APOSTROPHES = str.maketrans("", "", "'’‘`´")
_NON_WORD = re.compile(r"[\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f]+")
# Tokens of the original text, split exactly as normalise() splits them.
_ORIGINAL_TOKEN = re.compile(r"&|[^\W_]+(?:['’‘`´]+[^\W_]+)*")

# Words that make an ambiguous name (a place, a park, a road) mean the school.
SCHOOL_CONTEXT = re.compile(
    r"\b(?:schools?|pupils?|teachers?|teaching|head(?:teacher|master|mistress)?s?|"
    r"heads|ofsted|year \d{1,2}|y\d{1,2}|reception|nursery|ks[1-5]|key stage|classroom|class|"
    r"ds\d?|dd\d?|dcs|kids?|children|child|parents? evening|senco|sen|send|pta|uniform|"
    r"homework|term|governors?|curriculum|playground|school run|catchment|admissions|sats|"
    r"gcses?|a levels?|sixth form|academy|primary|secondary|infants?|juniors?|staff|"
    r"detention|exclusion|excluded|bullying|bullied|inspection|inspectors?|"
    # Short forms real posts use: an Ofsted grade, the gate, placements, phases, events.
    r"ri|requires improvement|special measures|the gates?|school gates?|work experience|"
    r"secondaries|primaries|year group|open (?:evening|day|morning)|intake|places|appeals?|"
    r"form tutor|head of year|sixth formers?|prom|leavers|nativity|sports day|inset|"
    r"half term|supply teachers?|ta|tas|pupil premium|ehcp|mocks?|11 plus|transition|"
    r"school trip|timetable|lessons?|exams?|results day|ks\d|sendco|safeguarding|"
    r"classmates?|dinner ladies|lunch ?time|break ?time|assembly|ptfa|drop ?off|school run|"
    r"lollipop|inspected|tutors?|breakfast club|after school|spaces?)\b"
)
CONTEXT_WINDOW_TOKENS = 25
# Words right after a shared name that make it another organisation or a place: "Hollins Green
# Primary Care Centre", "Hollins Green Cricket Club", "Hollins Green Academy of Dance", "Hollins
# Green Road". Checked after every name and alias of every school, so no school has to list its
# namesakes in `exclude`.
OTHER_ORGANISATION = re.compile(
    r"^(?:(?:primary )?care (?:centre|center|home)|medical (?:centre|practice)|"
    r"health (?:centre|center)|surgery|dental|dentists?|pharmacy|vets?|hospital|hospice|"
    r"(?:cricket|football|rugby|tennis|golf|bowls?|bowling|hockey|sailing|rowing|running|"
    r"cycling|swimming|boxing|social|working mens|sports|youth|squash|netball|athletics)\s"
    r"(?:and \w+ )?club|club|fc|afc|rfc|cc|united|rovers|athletic|harriers|wanderers|"
    r"(?:parish |methodist |baptist |united reformed |free |evangelical )?church|chapel|parish|"
    r"methodist|baptist|mosque|gurdwara|synagogue|temple|"
    r"(?:(?:academy|school|college) )?of (?:dance|performing arts|ballet|music|drama|motoring|"
    r"martial arts|english|languages|driving)|dance (?:academy|school|studio|centre|company)|"
    r"ballet|stage school|theatre school|driving school|swim(?:ming)? school|"
    r"road|rd|street|lane|ln|avenue|ave|close|crescent|drive|way|grove|terrace|gardens|"
    r"place|hill|roundabout|bypass|station|bus station|bus stop|"
    r"retail park|shopping (?:centre|center|park)|industrial (?:estate|park)|business park|"
    r"trading estate|leisure centre|sports centre|community centre|village hall|library|"
    r"cemetery|crematorium|allotments?|nature reserve|country park|golf course|"
    r"hotel|inn|arms|pub|tavern|garage|garden centre|farm|estate|housing|ward|"
    r"residents association|nursing home|retirement)\b"
)
# A disambiguation hook: (normalised words before an ambiguous hit, the hit, the words after)
# -> probability that the text is about the school. The roof passes one (an encoder-based
# check in classifiers); the ground never imports it.
Disambiguate = Callable[[str, str, str], float]
# With a hook, an ambiguous hit with no context word still counts when the hook is this sure
# (precision first: the words are the reliable evidence, the hook adds what they miss).
DISAMBIGUATE_BAR = 0.9


def normalise(text: str) -> str:
    """Lower case, no accents or apostrophes, '&' as 'and', single spaces between words."""
    text = text.casefold()
    if not text.isascii():  # ASCII has no accents to take off
        text = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    text = text.translate(_APOSTROPHES).replace("&", " and ")
    return _NON_WORD.sub(" ", text).strip()


_VARIANTS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"\b(?:st|saint)\b"), ("st", "saint")),
    (re.compile(r"\b(?:c of e|cofe|church of england)\b"), ("c of e", "cofe", "church of england")),
    (re.compile(r"\b(?:rc|roman catholic)\b"), ("rc", "roman catholic")),
]


def spelling_variants(alias: str) -> set[str]:
    """Every spelling of a normalised alias that should match it."""
    variants = {alias}
    for pattern, spellings in _VARIANTS:
        expanded = set()
        for variant in variants:
            if pattern.search(variant):
                expanded.update(pattern.sub(spelling, variant) for spelling in spellings)
            else:
                expanded.add(variant)
        variants = expanded
    # "Netherton's" normalises to "nethertons" (apostrophes go): the possessive is the name too.
    variants |= {f"{variant}s" for variant in variants if not variant.endswith("s")}
    return {variant for variant in variants if variant}


@dataclass(frozen=True)
class SchoolTerms:
    """The names one school is known by, as the config gives them."""

    school_id: str
    name: str
    aliases: Sequence[str] = ()
    ambiguous: Sequence[str] = ()
    exclude: Sequence[str] = ()
    context: Sequence[str] = ()  # place names that, near an ambiguous name, also mean the school


# Automaton payload: (school_id, original phrase, role, normalised length).
_Entry = tuple[str, str, str, int]
_ROLE_RANK = {"name": 0, "alias": 1, "ambiguous": 2}


class Matcher:
    """One automaton over every school's names, aliases, ambiguous names and exclusions."""

    def __init__(
        self, schools: Iterable[SchoolTerms], disambiguate: Disambiguate | None = None
    ) -> None:
        self._disambiguate = disambiguate
        self._automaton = ahocorasick.Automaton()
        keys: dict[str, list[_Entry]] = {}
        self.school_ids: list[str] = []
        self._context: dict[str, re.Pattern[str]] = {}
        for school in schools:
            self.school_ids.append(school.school_id)
            places = [re.escape(normalise(place)) for place in school.context if normalise(place)]
            if places:
                self._context[school.school_id] = re.compile(rf"\b(?:{'|'.join(places)})\b")
            phrases = (
                [(school.name, "name")]
                + [(alias, "alias") for alias in school.aliases]
                + [(alias, "ambiguous") for alias in school.ambiguous]
                + [(phrase, "exclude") for phrase in school.exclude]
            )
            for phrase, role in phrases:
                for variant in spelling_variants(normalise(phrase)):
                    entry = (school.school_id, phrase, role, len(variant))
                    keys.setdefault(f" {variant} ", []).append(entry)
        for key, entries in keys.items():
            self._automaton.add_word(key, tuple(entries))
        if keys:
            self._automaton.make_automaton()
        self._empty = not keys

    @classmethod
    def from_config(
        cls, schools: Iterable[object], disambiguate: Disambiguate | None = None
    ) -> Matcher:
        return cls(
            (
                SchoolTerms(
                    school_id=s.id,  # type: ignore[attr-defined]
                    name=s.name,  # type: ignore[attr-defined]
                    aliases=s.aliases,  # type: ignore[attr-defined]
                    ambiguous=s.ambiguous,  # type: ignore[attr-defined]
                    exclude=s.exclude,  # type: ignore[attr-defined]
                    context=getattr(s, "context", ()),
                )
                for s in schools
            ),
            disambiguate,
        )

    def match(self, title: str, text: str, only: set[str] | None = None) -> list[Match]:
        """The best match per school found in the title or the text; title wins ties."""
        best: dict[str, tuple[tuple[int, int], Match]] = {}
        for field_rank, (field, value) in enumerate((("title", title), ("text", text))):
            for match, role in self._match_field(field, value, only):
                rank = (_ROLE_RANK[role], field_rank)
                current = best.get(match.school_id)
                if current is None or rank < current[0]:
                    best[match.school_id] = (rank, match)
        return [match for _, match in sorted(best.values(), key=lambda pair: pair[1].school_id)]

    def _match_field(
        self, field: str, value: str, only: set[str] | None
    ) -> list[tuple[Match, str]]:
        if self._empty or not value:
            return []
        norm = f" {normalise(value)} "
        hits: list[tuple[int, int, _Entry]] = []
        excluded: dict[str, list[tuple[int, int]]] = {}
        for end, entries in self._automaton.iter(norm):
            for entry in entries:
                school_id, _, role, length = entry
                if only is not None and school_id not in only:
                    continue
                start = end - length  # span of the phrase without its padding spaces
                if role == "exclude":
                    excluded.setdefault(school_id, []).append((start, end))
                else:
                    hits.append((start, end, entry))
        found: list[tuple[Match, str]] = []
        for start, end, (school_id, phrase, role, _) in hits:
            if any(s <= start and end <= e for s, e in excluded.get(school_id, ())):
                continue
            if OTHER_ORGANISATION.match(norm[end:].lstrip()):
                continue  # "X Cricket Club", "X Road": a namesake, not the school
            if role == "ambiguous" and not self._about_school(school_id, norm, start, end):
                continue
            offset, context = _locate(value, norm, start, end)
            found.append((Match(school_id, phrase, field, offset, context), role))
        return found


    def _about_school(self, school_id: str, norm: str, start: int, end: int) -> bool:
        before, name, after = context_window(norm, start, end)
        window = f"{before} {after}"
        places = self._context.get(school_id)
        if SCHOOL_CONTEXT.search(window) or (places is not None and places.search(window)):
            return True
        if self._disambiguate is None:
            return False
        return self._disambiguate(before, name, after) >= DISAMBIGUATE_BAR


def context_window(norm: str, start: int, end: int) -> tuple[str, str, str]:
    """Up to CONTEXT_WINDOW_TOKENS normalised words before and after a hit, and the hit."""
    before = norm[:start].split()[-CONTEXT_WINDOW_TOKENS:]
    after = norm[end:].split()[:CONTEXT_WINDOW_TOKENS]
    return " ".join(before), norm[start:end].strip(), " ".join(after)


def _locate(original: str, norm: str, start: int, end: int) -> tuple[int, str]:
    """Maps a span of the normalised text back to the original: offset and a short context."""
    first_token = norm[1:start].count(" ")  # norm starts with one padding space
    token_count = norm[start:end].strip().count(" ") + 1
    tokens = list(
        islice(_ORIGINAL_TOKEN.finditer(original), first_token, first_token + token_count)
    )
    if not tokens:
        return 0, original[:120]
    begin, finish = tokens[0].start(), tokens[-1].end()
    left = max(0, begin - 60)
    right = min(len(original), finish + 60)
    context = " ".join(original[left:right].split())
    return begin, context
