"""Recurring themes in negative posts: key phrases (one to three words) and how many posts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from digest.redact import redact

if TYPE_CHECKING:
    from crawler.ground.config import School

_STOP_TEXT = """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each few for from further get got had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself just let's like me more most much mustn't my
    myself no nor not now of off on once one only or other ought our ours ourselves out over own
    really same said say says shan't she she'd she'll she's should shouldn't so some still such
    than that that's the their theirs them themselves then there there's these they they'd
    they'll they're they've this those through to too under until up us very was wasn't we we'd
    we'll we're we've well were weren't what what's when when's where where's which while who
    who's whom why why's will with won't would wouldn't yet you you'd you'll you're you've your
    yours yourself yourselves also even ever every going gone im ive dont cant wont didnt doesnt
    isnt thats theyre youre anyone anything everyone everything someone something thing things
    lot lots many may might must need needs new old way ways back time times year years day days
    week weeks today yesterday tomorrow know think thought want wanted went go goes come came make
    made see seen look looks told tell asked ask take took put left right sure yes oh ok okay
    school schools primary academy pupil pupils child children kid kids parent parents mum mums
    dad dads removed name phone email address postcode
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"[a-z][a-z'’-]*[a-z]|[a-z]")


def key_phrases(
    texts: Iterable[str], *, ignore: Iterable[str] = (), top: int = 8, min_posts: int = 2
) -> list[tuple[str, int]]:
    """Phrases found in at least `min_posts` posts, with the number of posts, most common first.

    Counts posts, not occurrences, so one long rant cannot make a theme. A longer phrase wins
    over the shorter ones inside it when it is as common. `ignore` takes the school's own names.
    """
    ignored = set(STOP_WORDS)
    for name in ignore:
        ignored.update(_WORD.findall(name.casefold()))
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(_phrases(text, ignored))
    common = [(phrase, n) for phrase, n in counts.items() if n >= min_posts]
    common.sort(key=lambda item: (-item[1], -len(item[0].split()), item[0]))
    chosen: list[tuple[str, int]] = []
    for phrase, n in common:
        if any(phrase in longer and n <= m for longer, m in chosen):
            continue
        chosen.append((phrase, n))
        if len(chosen) == top:
            break
    return chosen


def _phrases(text: str, ignored: set[str]) -> set[str]:
    found: set[str] = set()
    # Sentences and clauses bound phrases: "gate. Nobody" is not a phrase.
    for clause in re.split(r"[.!?;:,()\[\]\"\n]+", text.casefold().replace("’", "'")):
        words = _WORD.findall(clause)
        for size in (1, 2, 3):
            for start in range(len(words) - size + 1):
                gram = words[start : start + size]
                if gram[0] in ignored or gram[-1] in ignored:
                    continue
                if size == 1 and len(gram[0]) < 4:
                    continue
                found.add(" ".join(gram))
    return found


def negative_themes(
    school: School, negative_rows: Iterable[Mapping[str, Any]], top: int = 8
) -> list[tuple[str, int]]:
    """Recurring phrases in a school's negative posts; its own names and staff do not count."""
    texts = [redact(f"{row['title'] or ''}. {row['text']}")
             for row in negative_rows]
    ignore = [school.name, *school.aliases, *school.ambiguous, *school.staff]
    return key_phrases(texts, ignore=ignore, top=top)
