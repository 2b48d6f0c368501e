"""Parent View's two question sets and how they line up.

From September 2019 parents answered 14 statements on an agree/disagree scale; from November
2025, 10 questions, the last answered yes/no (the wording of both sets as c-wilkinson/
school-finder's parent_view.py and its tests record them). Six questions ask the same thing in
both sets, in other words and under other numbers; each of those is stored under one name, so
its trend runs across the change. Every other question is stored under its own words: "The
school lets me know how my child is doing" (2019) is not "The school communicates well with me"
(2025), and a yes/no "Would you recommend..." is not the 2019 agree-scale statement, so no trend
joins them.
"""

from __future__ import annotations

import re

AGREE_SCALE = ("strongly_agree", "agree", "disagree", "strongly_disagree", "dont_know")
YES_NO = ("yes", "no")
_ANSWER_KEYS = {"strongly agree": "strongly_agree", "agree": "agree", "disagree": "disagree",
                "strongly disagree": "strongly_disagree", "don't know": "dont_know",
                "yes": "yes", "no": "no"}

# (stored name, words found in the 2019 statement, words found in the 2025 question)
SHARED = (
    ("My child is happy at this school", "child is happy", "child is happy"),
    ("My child feels safe at this school", "child feels safe", "child feels safe"),
    ("The school makes sure its pupils are well behaved", "well behaved", "well behaved"),
    ("Bullying is dealt with quickly and effectively", "dealt with the bullying quickly",
     "bullying took place, the school dealt with it quickly"),
    ("SEND: the school gives them the support they need to succeed",
     "support they need to succeed", "support they need to succeed"),
    ("Concerns raised with the school are dealt with properly", "raised concerns",
     "raised concerns"),
)
# Wording only the November 2025 set uses.
_NEW_SET = ("best interests at heart", "communicates well with me", "would you recommend",
            "right support to enable them to learn well", "when the bullying took place")


def answer_key(label: str) -> str | None:
    """"Don’t know" -> dont_know; None for a label that is no answer."""
    return _ANSWER_KEYS.get(" ".join(label.replace("’", "'").lower().split()))


def question_set(questions: list[str]) -> str:
    """"2025" when any question is worded as only the November 2025 set words it, else "2019"."""
    words = " ".join(_plain(q) for q in questions)
    return "2025" if any(marker in words for marker in _NEW_SET) else "2019"


def metric(question: str) -> str:
    """The name a question's agree share is stored under (see the module's doc)."""
    plain = _plain(question)
    for name, *wordings in SHARED:
        if any(wording in plain for wording in wordings):
            return name
    return question.strip().rstrip(".").strip()


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[’']", "'", text).lower().split())
