"""Is a school name or alias specific enough to match on? A name that is only common words
("of", "the school", "Primary Academy") or too short to mean anything ("HG") matches unrelated
posts by the hundred, so the config refuses it."""

from __future__ import annotations

import re

from crawler.ground.matching import normalise

MIN_LETTERS = 3
# English function words and the words every school name shares: none names a school alone.
_COMMON = """
a an and are as at be been but by do for from had has have he her his i if in into is it its
me my no not of on or our she so that the their them they this to up us was we were what when
where which who will with you your all any can new old one two big little great good best
school schools primary secondary academy academies college high junior juniors infant infants
nursery church england c e cofe ce rc roman catholic saint st sixth form free trust community
county voluntary aided controlled foundation grammar middle upper lower first village park
road lane street green hill north south east west centre center kids children parents pupils
students teachers staff class year term uk london
"""
COMMON_WORDS = frozenset(_COMMON.split())
# A capital standing for a word, as parents shorten a name ("St A's" for St Aidan's): it reads as
# a common word once normalised ("as"), but it is the school's own shorthand.
_INITIAL = re.compile(r"[A-Z](?:['’]s|\.)?")


def name_problem(name: str, *, needs_context: bool = False) -> str | None:
    """Why this name cannot identify a school, or None when it can. With needs_context (an
    ambiguous name, which only counts beside school context), shorthand with an initial such
    as "St A's" is allowed; as a name or plain alias it is still refused."""
    words = normalise(name).split()
    letters = sum(ch.isalnum() for ch in "".join(words))
    if letters < MIN_LETTERS:
        return (f"{name!r} is too short to mean anything (at least {MIN_LETTERS} letters or "
                "digits): it would match unrelated posts")
    if needs_context and any(_INITIAL.fullmatch(token) for token in name.split()):
        return None
    if all(word in COMMON_WORDS for word in words):
        return (f"{name!r} is only common words: it would match unrelated posts; use the "
                "school's own name")
    return None
