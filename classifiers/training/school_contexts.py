"""Training contexts for the school-vs-not-school check on ambiguous names (all fictional).

Each template holds `{X}`, a short place-like name shared by a school and by other things (a
village, a park, a club, a road, a church). School templates talk about the school in the
voice of parents, pupils, teachers and local news, often without the word "school"; the others
use the same name for anything else. bench/ambiguous_names.py scores the check on different,
hand-written cases and names, never these.
"""

from __future__ import annotations

import json
import random
import re

from classifiers.training.schoolset import DATA_FILE, SHORT

NAMES = [
    "Brookfield", "Ashby Vale", "Kingsmead", "Oakridge", "Millbrook", "Hawthorn Hill",
    "Elmstead", "Westgate", "Fairview", "Stonebridge", "Larchwood", "Riverside", "Highfield",
    "Bramley", "Copperfield", "Foxhollow", "Thornton", "Redwood", "Meadowbank", "Penhale",
]

SCHOOL = [
    "My DD started reception at {X} in September and she loves it.",
    "{X} got RI again, the head has been there two years and nothing has changed.",
    "Anyone's kids at {X}? Thinking of applying for year 7.",
    "The queue at the {X} gate this morning was ridiculous, we were late for registration.",
    "{X} have cancelled work experience for year 10 this year.",
    "Looking at secondaries, {X} or Kingsway, which one has better pastoral care?",
    "Ofsted were in at {X} last week, the report is out next month.",
    "My son's form tutor at {X} never answers emails.",
    "{X} sports day was brilliant, well done to all the staff.",
    "Does {X} do a breakfast club? We need drop off before 8.",
    "Got our offer today, {X} was our first choice!",
    "The new head at {X} has changed the uniform again, another £80.",
    "{X} results were great this year, 70% got grade 5 in English and maths.",
    "Our DS has been excluded from {X} for a week over a phone.",
    "{X}'s SENCO has been amazing with our daughter's EHCP.",
    "Is it true {X} is joining the academy trust?",
    "Nativity at {X} was so sweet, the year 2s sang beautifully.",
    "Parents at {X} are furious about the new homework policy.",
    "{X} are looking for parent governors, meeting on Tuesday.",
    "Detentions at {X} are given for the smallest things.",
    "We appealed for a place at {X} and won!",
    "Year 11 mocks at {X} start after half term.",
    "The PTA at {X} raised £3,000 at the summer fair.",
    "Teachers at {X} are striking on Thursday.",
    "How is {X} for children with autism? Considering moving him.",
    "{X} has a great sixth form, my eldest got into Durham.",
    "Bullying at {X} is being ignored, my daughter dreads going in.",
    "Leavers' assembly at {X} had everyone in tears.",
    "Catchment for {X} has shrunk again this year.",
    "{X} were rated outstanding in their last inspection.",
    "Kids from {X} were messing about on the bus again.",
    "My niece teaches at {X} and says the behaviour is tough.",
    "Open evening at {X} is on the 12th, worth going?",
    "{X} have a new lunch menu and the kids hate it.",
    "The maths department at {X} is brilliant.",
    "{X} won the county netball tournament, proud of our girls!",
    "Transition days at {X} for the new year 7s went really well.",
    "The year 6 SATs results at {X} were well above average.",
    "{X} pupils raised money for the food bank.",
    "Supply teachers every week at {X}, no wonder the kids are behind.",
    "Took the kids to {X} this morning and the head was on the door as usual.",
    "{X} primary have closed due to the snow.",
    "The school run to {X} takes 20 minutes in traffic.",
    "Does anyone know if {X} does the 11 plus prep?",
    "Our little one cried at the {X} gates every day for a month.",
    "Parking outside {X} at drop off is a nightmare, the head has written to parents again.",
    "{X}'s new reading scheme has really helped our year 1.",
    "The after school club at {X} finishes at 6, which works for us.",
    "{X} had a charity non-uniform day for Children in Need.",
    "Our son moved to {X} in year 9 and settled in quickly.",
    "{X} sent home a letter about nits again.",
    "Staff turnover at {X} is really high, three teachers left at Christmas.",
    "Anyone's child at {X} been on the year 6 residential?",
    "{X} have started a phone-free policy, phones locked away all day.",
    "{X} were on the local news for their eco garden the kids built.",
]

OTHER = [
    "Traffic through {X} is terrible at rush hour.",
    "Lovely walk around {X} this afternoon, the bluebells are out.",
    "{X} Cricket Club are looking for new members for the summer season.",
    "The houses in {X} have gone up so much in price.",
    "Roadworks on {X} Road until the end of March.",
    "{X} Retail Park has a new Costa opening next week.",
    "Sunday service at {X} Methodist Church starts at 10.30.",
    "{X} Academy of Dance show was beautiful, the tap number was a highlight.",
    "Lost cat in {X}, black with a white paw, please message me.",
    "Parkrun at {X} Park was muddy today.",
    "{X} Primary Care Centre has changed its opening hours.",
    "The pub in {X} does a great Sunday roast.",
    "Flooding in {X} again after the storm last night.",
    "{X} FC won 3-1 on Saturday, great goal in the last minute.",
    "New housing estate planned for the fields behind {X}.",
    "The bus from {X} into town is always late.",
    "{X} Library is closed for refurbishment.",
    "{X} Community Centre hosts a quiz night every Friday.",
    "Burglaries in {X} are up, lock your sheds.",
    "{X} Medical Practice can never give you an appointment.",
    "Car boot sale at {X} Farm this Sunday.",
    "We moved to {X} three years ago and love the village.",
    "{X} Garden Centre has its Christmas grotto open.",
    "Speeding cars on the main road through {X} are a danger.",
    "{X} Tennis Club courts have been resurfaced.",
    "The council wants to close {X} leisure centre.",
    "Anyone recommend a plumber in {X}?",
    "{X} Rovers under 12s are playing away this weekend.",
    "Planning application for a Tesco Express in {X}.",
    "{X} Church bells were ringing all morning for the wedding.",
    "The {X} ward councillor is holding a surgery on Saturday.",
    "{X} Dance Studio is running a summer ballet camp.",
    "Fox spotted in the gardens on {X} Close again.",
    "{X} Hotel has a lovely spa.",
    "The {X} bypass was gridlocked after the accident.",
    "Power cut across {X} last night.",
    "{X} allotments have a waiting list of two years.",
    "Great views from the top of {X} on a clear day.",
    "{X} Golf Club is hosting the county championship.",
    "The {X} Arms has new owners and a new menu.",
    "{X} Residents Association meets on Wednesday about the parking.",
    "Train from {X} station to London takes an hour.",
    "Fireworks display at {X} Park on the 5th.",
    "Anyone know what the new building on {X} Lane is?",
    "{X} Nursing Home is looking for volunteers to visit residents.",
    "Pick up a leaflet at the {X} post office about the new recycling rules.",
    "The lollipop-shaped sign at {X} roundabout has been knocked over again.",
    "{X} high street is full of empty shops now.",
    "Breakfast at the cafe in {X} was lovely, great bacon rolls.",
    "Police are appealing for witnesses after a break-in at a house in {X}.",
    "The {X} farmers market is on the first Saturday of the month.",
    "Our new puppy loves the woods near {X}.",
    "Ambulance response times in {X} are shocking.",
    "{X} Running Club meets at the car park every Wednesday at 7.",
    "Council tax in {X} is going up again.",
    "New cycle lane on the road out of {X} is a waste of money.",
    "The river at {X} burst its banks and the footpath is closed.",
    "Does anyone know a good dentist near {X}?",
    "The {X} Christmas lights switch-on is on Friday night.",
    "Charity shop in {X} has loads of books for 50p.",
    "Road closed in {X} for the carnival procession.",
    "{X} Wanderers are top of the league after beating Ashton.",
    "We had our wedding reception at {X} Manor, highly recommend.",
    "Speed cameras going up on the way into {X}.",
    "The takeaway in {X} got a hygiene rating of 1.",
    "{X} Bowls Club is celebrating 100 years.",
    "Fly-tipping along the lanes around {X} is getting worse.",
    "{X} Scouts are collecting Christmas trees for recycling.",
    "The new GP surgery in {X} still has no doctors.",
    "{X} Brass Band is playing on the bandstand on Sunday.",
    "Anyone else hear the sirens in {X} last night?",
    "Broadband in {X} is painfully slow.",
    "{X} Swimming Club gala results are on their website.",
    "The old mill at {X} is being turned into flats.",
    "Kids' football at {X} Rec on Saturday mornings, all welcome.",
    "{X} Baptist Church foodbank needs tinned goods.",
    "Queues at {X} tip were an hour long on Sunday.",
    "Lovely pub lunch at the {X} Inn after our walk.",
    "The {X} by-election result was announced this morning.",
    "Estate agents say {X} is the most popular postcode for families.",
    "{X} Theatre has a panto on until January.",
    "Heron spotted at {X} pond this morning.",
    "The market in {X} used to be so busy, now it's half empty.",
    "{X} Harriers had 30 runners in the half marathon.",
]


def synthetic_school_posts() -> list[str]:
    """Sentences of the synthetic school set naming their school, the name replaced by {X}."""
    posts = []
    for line in DATA_FILE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        school, text = row.get("school") or "", row["text"]
        for name in (school, SHORT.get(school, "")):
            if name and name in text:
                # Only the sentence naming the school: contexts as short as the matcher's.
                sentence = next(s for s in re.split(r"(?<=[.!?])\s+", text) if name in s)
                posts.append(sentence.replace(name, "{X}"))
                break
    return posts


def contexts(seed: int = 7) -> list[tuple[str, int]]:
    """(text, 1 = about the school) pairs: every template with several names."""
    rng = random.Random(seed)
    rows: list[tuple[str, int]] = []
    for label, templates in ((1, SCHOOL), (0, OTHER)):
        for template in templates:
            for name in rng.sample(NAMES, 4):
                rows.append((template.format(X=name), label))
    return rows
