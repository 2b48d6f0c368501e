"""Ambiguous school names: does the matcher count the school uses and only those?

Hand-written cases (fictional schools and places, written for this bench, none from the
training contexts in classifiers/training/school_contexts.py): a school whose short name is
also a village, a park, a club, a church, a road... Prints precision, recall and F1 of a
mention for three matchers: the context words alone, plus the other-organisation names, plus
the encoder check (classifiers.school_context) on ambiguous hits. Target: F1 >= 0.96.
Run: `.venv/bin/python bench/ambiguous_names.py`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from crawler.ground import matching  # noqa: E402
from crawler.ground.matching import Matcher, SchoolTerms  # noqa: E402

SCHOOLS = [
    SchoolTerms("netherton", "Netherton Primary School", ("Netherton Primary",), ("Netherton",)),
    SchoolTerms("castle-hill", "Castle Hill Academy", ("Castle Hill Academy",), ("Castle Hill",)),
    SchoolTerms("oldfield", "Oldfield Park Junior School", (), ("Oldfield Park", "Oldfield")),
    SchoolTerms("wickham", "Wickham Church of England Primary", ("Wickham Primary",),
                ("Wickham",)),
    # Parents' shorthand: refused as plain aliases, counted only beside school context.
    SchoolTerms("st-aidans", "St Aidan's Catholic Primary School", ("St Aidan's Primary",),
                ("St A's",)),
    SchoolTerms("hollins-green", "Hollins Green Primary School", ("Hollins Green Primary",),
                ("HGPS",)),
]

# (text, school id it is about, or None)
CASES: list[tuple[str, str | None]] = [
    # About the school, often without the word "school".
    ("Netherton is RI now, the new head starts after Easter.", "netherton"),
    ("Pick up at Netherton is chaos, cars parked on the zigzags every day.", "netherton"),
    ("Has anyone's child done work experience through Netherton? Year 10 here.", "netherton"),
    ("We got Netherton for reception! So relieved.", "netherton"),
    ("Netherton's new behaviour policy is so strict, DD got a detention for a pen.", "netherton"),
    ("Our two went through Netherton and it was fine, lovely teachers.", "netherton"),
    ("Netherton have finally sorted the SEN provision, our son has a 1:1 now.", "netherton"),
    ("Castle Hill results were the best in the borough this summer.", "castle-hill"),
    ("Choosing secondaries: Castle Hill or Fairlands? DS is sporty.", "castle-hill"),
    ("Castle Hill sixth formers volunteered at the food bank all week.", "castle-hill"),
    ("My daughter is being picked on at Castle Hill and her tutor does nothing.",
     "castle-hill"),
    ("The Castle Hill head sent a letter about phones, they're banned from Monday.",
     "castle-hill"),
    ("Castle Hill were inspected last month and kept their good rating.", "castle-hill"),
    ("Oldfield Park have a new breakfast club from 7.45, great for working parents.",
     "oldfield"),
    ("Oldfield's year 4 trip to the museum was cancelled at the last minute.", "oldfield"),
    ("Oldfield Park juniors got through to the county chess final!", "oldfield"),
    ("The teachers at Oldfield Park really care, our shy lad has come out of his shell.",
     "oldfield"),
    ("Wickham have put the school day up by 20 minutes from September.", "wickham"),
    ("Our DD's first week at Wickham went really well, she's made friends.", "wickham"),
    ("Wickham's nativity is on the 14th, tickets from the office.", "wickham"),
    ("Wickham were in the paper for their reading scores, well done kids.", "wickham"),
    ("Is Wickham any good for a child with dyslexia? We're moving in the summer.", "wickham"),
    ("The lollipop lady outside Netherton deserves a medal.", "netherton"),
    ("Castle Hill kids are always polite on the bus, credit to them.", "castle-hill"),
    ("Netherton's PTA quiz night raised enough for new playground equipment.", "netherton"),
    ("DD starts reception at St A's in September, any tips for the first week?", "st-aidans"),
    ("St A's PTA cake sale is on Friday after school.", "st-aidans"),
    ("HGPS year 3 trip to the farm was brilliant, thank you to the teachers.", "hollins-green"),
    ("Is HGPS oversubscribed? We are just outside the catchment.", "hollins-green"),
    # Not about the school: the same names as places, clubs, churches, roads, shops.
    ("Netherton Cricket Club are hosting a family fun day on Sunday.", None),
    ("Accident on Netherton Road, avoid if you can.", None),
    ("The Netherton Primary Care Centre flu clinic is on Saturday morning.", None),
    ("House prices in Netherton have gone through the roof.", None),
    ("Netherton Methodist Church coffee morning raised £400 for the hospice.", None),
    ("Walking the dog round Netherton this morning, the frost was beautiful.", None),
    ("Castle Hill Academy of Dance summer showcase was stunning.", None),
    ("Castle Hill Retail Park is getting a Primark.", None),
    ("The view from Castle Hill at sunset is worth the climb.", None),
    ("Castle Hill Rovers lost 2-0 in the cup.", None),
    ("Roadworks on Castle Hill are causing long queues into town.", None),
    ("Castle Hill Community Centre has a new toddler group on Tuesdays.", None),
    ("Oldfield Park parkrun had a record 400 runners.", None),
    ("Oldfield Park station is closed for engineering works this weekend.", None),
    ("Anyone know a good hairdresser in Oldfield Park?", None),
    ("Oldfield Tennis Club open day, free coaching for all ages.", None),
    ("The Oldfield Arms quiz is on Thursdays, great food too.", None),
    ("Wickham village fete is on the green this Saturday.", None),
    ("Wickham Medical Practice phone lines are impossible.", None),
    ("Wickham FC under 9s are looking for a new coach.", None),
    ("Bin collections in Wickham are delayed because of the bank holiday.", None),
    ("Wickham Parish Church bell ringers are recruiting.", None),
    ("The Wickham bypass plans have been approved by the council.", None),
    ("Lovely afternoon at Wickham Garden Centre, the cafe is great.", None),
    ("Netherton Leisure Centre pool is closed for repairs.", None),
    ("Power cut in Castle Hill again, third time this month.", None),
    ("Off to St A's for midnight mass, the choir was beautiful.", None),
    ("HGPS is a rare genetic condition that causes rapid ageing.", None),
    ("The St A's fun run raised two thousand pounds for the hospice.", None),
]


def score(matcher: Matcher) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for text, gold in CASES:
        found = {m.school_id for m in matcher.match("", text)}
        tp += int(gold in found) if gold else 0
        fp += len(found - {gold})
        fn += int(gold is not None and gold not in found)
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="every sixth case: checks the bench runs (make test).")
    if parser.parse_args().smoke:
        CASES[:] = CASES[::6]
    print(f"{len(CASES)} cases, {sum(g is not None for _, g in CASES)} about a school")
    print(f"{'matcher':<44}{'precision':>10}{'recall':>8}{'F1':>7}")
    suffix = matching.OTHER_ORGANISATION
    matching.OTHER_ORGANISATION = __import__("re").compile(r"(?!x)x")  # never matches
    rows = [("context words only", Matcher(SCHOOLS))]
    p, r, f = score(rows[0][1])
    print(f"{rows[0][0]:<44}{p:>10.3f}{r:>8.3f}{f:>7.3f}")
    matching.OTHER_ORGANISATION = suffix
    p, r, f = score(Matcher(SCHOOLS))
    print(f"{'+ other-organisation names':<44}{p:>10.3f}{r:>8.3f}{f:>7.3f}")
    from classifiers.school_context import school_probability

    started = time.perf_counter()
    p, r, f = score(Matcher(SCHOOLS, disambiguate=school_probability))
    elapsed = time.perf_counter() - started
    print(f"{'+ encoder check on ambiguous hits':<44}{p:>10.3f}{r:>8.3f}{f:>7.3f}"
          f"   (target F1 >= 0.96; {elapsed:.1f}s incl. model load)")


if __name__ == "__main__":
    main()
