"""Builds the school-domain labelled set (`classifiers/training/data/school_posts.jsonl`).

Run `python -m classifiers.training.schoolset` to regenerate it. Every school, person, phone
number and address is fictional. Posts come from hand-written templates in the voice of parent
forums, review sites and local-news comment threads; slots are filled with seeded random choices
so the file is reproducible. The held-out split is chosen per *template* (not per post), so the
evaluation never sees a sentence pattern the model trained on.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "school_posts.jsonl"
SEED = 20240611
# One template in this many (per primary label) is held out for evaluation.
HELD_OUT_EVERY = 4

SCHOOLS = [
    "Brambleford Primary",
    "St Aldric's C of E Primary",
    "Hollin Vale Academy",
    "Kestrel Park School",
    "Marsh Lane Junior School",
    "Thornbury Heath High",
    "Wyecombe Community College",
    "Larkspur Infant School",
    "Ashgrove Church School",
    "Pennycress Primary Academy",
    "Redmoor Grammar",
    "Fenwick Bridge Secondary",
]
SHORT = {
    "Brambleford Primary": "Brambleford",
    "St Aldric's C of E Primary": "St Aldric's",
    "Hollin Vale Academy": "Hollin Vale",
    "Kestrel Park School": "Kestrel Park",
    "Marsh Lane Junior School": "Marsh Lane",
    "Thornbury Heath High": "Thornbury Heath",
    "Wyecombe Community College": "Wyecombe",
    "Larkspur Infant School": "Larkspur",
    "Ashgrove Church School": "Ashgrove",
    "Pennycress Primary Academy": "Pennycress",
    "Redmoor Grammar": "Redmoor",
    "Fenwick Bridge Secondary": "Fenwick Bridge",
}
STAFF = [
    "Mr Pendry",
    "Mrs Okafor",
    "Ms Hallworth",
    "Mr Dunmore",
    "Miss Carrow",
    "Mrs Whitlock",
    "Mr Ashby",
    "Mrs Trelawney",
    "Mr Baptiste",
    "Ms Kowalczyk",
]
PUPILS = [
    "Tom",
    "Aisha",
    "Oliver",
    "Amelia",
    "Jack",
    "Isla",
    "Harry",
    "Freya",
    "Mohammed",
    "Poppy",
    "Leo",
    "Ruby",
    "Alfie",
    "Maisie",
    "Noah",
    "Zara",
    "Charlie",
    "Evie",
    "Kai",
    "Maya",
    "Finley",
    "Sophie",
    "Theo",
    "Lily",
    "Archie",
    "Priya",
    "Jacob",
    "Grace",
    "Reuben",
    "Ellie",
]
YEARS = [
    "Year 1",
    "Year 2",
    "Year 3",
    "Year 4",
    "Year 5",
    "Year 6",
    "Year 7",
    "Year 8",
    "Year 9",
    "Year 10",
    "Year 11",
    "reception",
]
CLASSES = ["4B", "5H", "class 3", "Oak class", "Willow class", "6C", "2P", "Kingfisher class"]
TOWNS = ["Brambleford", "Hollinbury", "Kestrelton", "Wyecombe", "Marshby", "Fenwick"]
PHONES = [
    "07700 900123",
    "+44 7700 900456",
    "07700900789",
    "+447700900321",
    "0161 496 0732",
    "(0113) 496 0011",
    "020 7946 0958",
    "07700-900-654",
    "+44 (0)7700 900 987",
]
EMAILS = [
    "j.smith1984@examplemail.co.uk",
    "karenb@example.com",
    "dadof3.marshby@example.org",
    "lisa.t@example.net",
    "m.pendry.home@example.com",
]
POSTCODES = ["BF4 7QT", "HV12 3LP", "KP1 9ZZ", "WY3 2AB", "M60 2LA", "LS1 4DY"]
STREETS = [
    "14 Cedar Close",
    "22 Millbrook Road",
    "7 Orchard Way",
    "3 Station Terrace",
    "41 Chapel Lane",
    "9 Rowan Gardens",
]
PAPERS = [
    "the Brambleford Echo",
    "Hollinbury Gazette",
    "the Wyecombe Chronicle",
    "Kestrelton Live",
    "the Marshby Mercury",
]

Cat = tuple[str, ...]


@dataclass(frozen=True)
class Template:
    text: str
    sentiment: str
    risk: str
    categories: Cat = ()
    # Staff names attached to the request; the allegation rule only fires for configured staff.
    with_staff: bool = True
    # How many filled copies to emit; short fixed posts need fewer.
    copies: int = 4


def T(text: str, sentiment: str, risk: str, *cats: str, staff: bool = True, n: int = 4) -> Template:
    return Template(text, sentiment, risk, tuple(cats), staff, n)


NEG, NEU, POS = "negative", "neutral", "positive"

TEMPLATES: list[Template] = [
    # ---- none: everyday positive / neutral, incl. alarming words used positively ----
    T(
        "Anti-bullying week at {s} was brilliant, {kid} came home buzzing about the odd socks day "
        "and the assembly about being kind online.",
        POS,
        "none",
        n=5,
    ),
    T(
        "Really impressed with how {s} handled the e-safety evening. Practical tips on screen time "
        "and who to talk to if something online worries them. Well worth going.",
        POS,
        "none",
    ),
    T(
        "Just want to say a massive thank you to the staff at {s}. My son was so anxious about "
        "starting and they've been amazing with him. He now skips in every morning!",
        POS,
        "none",
    ),
    T(
        "The Christmas nativity at {s} was a triumph, not a dry eye in the hall. Well done to all "
        "the little shepherds.",
        POS,
        "none",
    ),
    T(
        "{s} sports day was fab this year. Lovely weather, great organisation and the parents' "
        "race was absolutely brutal, I'm still aching.",
        POS,
        "none",
    ),
    T(
        "Anyone know what time pick up is on Friday at {s}? Letter says early finish but doesn't "
        "say when.",
        NEU,
        "none",
    ),
    T(
        "Does anyone have a spare {sh} PE top in age 7-8? Happy to pay, ours has mysteriously "
        "vanished.",
        NEU,
        "none",
    ),
    T(
        "Reminder: the {sh} PTA summer fair is on Saturday 12-3pm. Cake donations to the school "
        "office by Friday please.",
        NEU,
        "none",
    ),
    T(
        "The safeguarding training for volunteers at {s} is on Tuesday evening in the library, "
        "anyone helping on trips needs to go.",
        NEU,
        "none",
    ),
    T(
        "Great talk at {s} today from the local police about staying safe near the railway. The "
        "kids were glued to it.",
        POS,
        "none",
    ),
    T(
        "Killer costumes at the {sh} Halloween disco, the Year 6 zombies absolutely smashed it.",
        POS,
        "none",
    ),
    T(
        "My daughter is dying to go back after the holidays, says {s} is the best school in the "
        "world. Can't argue with that.",
        POS,
        "none",
    ),
    T(
        "Has anyone's child done the Year 6 residential with {s}? Wondering what kit they really "
        "need.",
        NEU,
        "none",
    ),
    T(
        "Not a single complaint from us about {s}. Teachers are approachable and the head is out "
        "on the gate every morning.",
        POS,
        "none",
    ),
    T(
        "Honestly can't fault {s}. Reports are thorough, homework is sensible and the after-school "
        "club is a lifesaver.",
        POS,
        "none",
    ),
    T(
        "Does {s} still do the breakfast club from 7.45? Thinking about applying for September.",
        NEU,
        "none",
    ),
    T("Parents' evening at {s} next week, slots book online via the app.", NEU, "none"),
    T(
        "The drama club at {s} put on Bugsy Malone and it was a riot. Proper talent in that "
        "school.",
        POS,
        "none",
    ),
    T(
        "{s} raised over £2,000 for the hospice with the sponsored walk. Brilliant effort from "
        "everyone.",
        POS,
        "none",
    ),
    T(
        "Bomb-proof wellies needed for forest school at {sh}, the field is a swamp. Any "
        "recommendations?",
        NEU,
        "none",
    ),
    T(
        "We moved from another area and {s} has been a breath of fresh air. Our two are thriving.",
        POS,
        "none",
    ),
    T(
        "The road outside {s} is being resurfaced over half term according to the council notice.",
        NEU,
        "none",
    ),
    T(
        "Lovely to see the new library open at {s}. The mural the pupils painted is stunning.",
        POS,
        "none",
    ),
    T("Open morning at {s} is on the 14th, tours every half hour from 9.", NEU, "none"),
    T("No complaints at all, {s} dealt with a friendship wobble quickly and kindly.", POS, "none"),
    T("The {sh} choir sang at the care home today. The residents loved it.", POS, "none"),
    T(
        "I was worried about the move to {s} but I needn't have been. Not a bad word to say.",
        POS,
        "none",
    ),
    T(
        "Taking part in the Stop Hate assembly at {s} made my son really think. Good on the "
        "school for tackling it.",
        POS,
        "none",
    ),
    T(
        "Fire drill at {s} this morning apparently, my lot were thrilled to stand on the field "
        "in the rain.",
        NEU,
        "none",
    ),
    T("Mock exams at {s} start on Monday. Revision timetables went out by email.", NEU, "none"),
    T("Is the {sh} uniform shop open in the holidays or is it online only now?", NEU, "none"),
    T(
        "So proud of the {sh} netball team, county champions! Coach {staff} deserves a medal.",
        POS,
        "none",
    ),
    T("We went to the school fete at {s}, wasn't bad at all, the tombola was a hit.", POS, "none"),
    # ---- inspection ----
    T(
        "{s} just got Good in its Ofsted, up from Requires Improvement. Well deserved, the new "
        "head has turned it around.",
        POS,
        "none",
        "inspection",
    ),
    T(
        "Ofsted are in at {s} tomorrow and Thursday apparently. Letter came home today.",
        NEU,
        "none",
        "inspection",
    ),
    T(
        "Read the new Ofsted report for {s}. Outstanding for behaviour and personal development, "
        "which matches what we see.",
        POS,
        "none",
        "inspection",
    ),
    T(
        "{s} has been rated Inadequate by Ofsted. Leadership was criticised and the report "
        "mentions weak safeguarding records. Parents are worried.",
        NEG,
        "low",
        "inspection",
        "complaint",
    ),
    T(
        "Shocked that {s} was downgraded to Requires Improvement. The inspectors said reading "
        "isn't taught consistently.",
        NEG,
        "low",
        "inspection",
        "complaint",
    ),
    T(
        "The SIAMS inspection report for {s} is out, judged Excellent. Lovely comments about the "
        "worship.",
        POS,
        "none",
        "inspection",
    ),
    T(
        "Anyone read the latest inspection report on {s}? Trying to decide between it and the "
        "academy up the road.",
        NEU,
        "none",
        "inspection",
    ),
    # ---- low: mild complaint / criticism, sarcasm, mixed reviews ----
    T(
        "Great, another INSET day at {s} two days after half term. Really helpful for working "
        "parents, thanks so much.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Oh brilliant, {s} has changed the uniform supplier again. Only £38 for a jumper. "
        "Fantastic.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Love how {s} tells us about non-uniform day at 9pm the night before. Organisation at its "
        "finest.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Teaching at {s} is good but communication is dire. Found out about the trip from another "
        "parent, not the school.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Mixed feelings about {s}. Lovely teachers in the infants but the juniors seem chaotic "
        "and homework is never marked.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "The pick-up queue at {s} is a nightmare, cars parked on the zigzags every single day. "
        "Someone is going to get hurt.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "School dinners at {s} are not great. My son says the portions are tiny and it's pasta "
        "every day.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "I'd give {s} three stars. Kind staff, but the SEN support has been slow and we had to "
        "chase the EHCP paperwork ourselves.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "The new homework app {s} uses is rubbish. Never loads and the kids lose their work.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Not impressed with {s} this term. Three supply teachers in Year 5 and no explanation.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Why does {s} need £15 for a trip to a farm 10 minutes away? It's getting ridiculous.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Not the worst school but {s} really needs to sort its after-school club booking system "
        "out.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Yet again the {sh} newsletter has the wrong dates in it. Does anyone proofread these?",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Well done {s}, cancelling the Christmas fair with a day's notice. Kids were gutted.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Good academically but {s} is obsessed with uniform. Sent home for the wrong colour "
        "socks, really?",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "The heating at {s} has been broken for a week and they're telling kids to wear coats in "
        "class.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Two stars. Reception class at {s} lovely, but the office staff are rude on the phone and "
        "emails go unanswered.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "Is it just me or has {s} gone downhill since the academy trust took over?",
        NEG,
        "low",
        "complaint",
    ),
    # ---- medium: complaint gaining traction ----
    T(
        "Over 400 parents have now signed the petition about the {s} uniform changes. The local "
        "paper has picked it up, keep sharing!",
        NEG,
        "medium",
        "complaint",
    ),
    T(
        "Please share as widely as possible. {s} is ignoring parents about the SEN cuts and we "
        "need this seen. We're going to the governors AND the council.",
        NEG,
        "medium",
        "complaint",
    ),
    T(
        "This thread about {s} has 300 comments now. Clearly it's not just us who feel the school "
        "isn't listening.",
        NEG,
        "medium",
        "complaint",
    ),
    T(
        "Organising a protest outside {s} on Friday at pick up over the closure of the nursery. "
        "Bring placards, let's make some noise.",
        NEG,
        "medium",
        "complaint",
    ),
    T(
        "We've contacted our MP about {s}. Dozens of families are pulling their children out over "
        "the way exclusions are handled.",
        NEG,
        "medium",
        "complaint",
    ),
    T(
        "My post about the {sh} toilets has been shared 2k times. The school still hasn't replied.",
        NEG,
        "medium",
        "complaint",
    ),
    # ---- medium: media enquiry ----
    T(
        "Journalist at {p} here. Are you a parent at {s}? We'd like to hear your experience of "
        "the recent changes, DM me.",
        NEU,
        "medium",
        "media_enquiry",
    ),
    T(
        "Hi all, I'm a reporter with {p} looking into complaints about {s}. Happy to speak off "
        "the record.",
        NEU,
        "medium",
        "media_enquiry",
    ),
    T(
        "BBC Look North are doing a piece on {s} and want parents to talk on camera. Anyone "
        "interested?",
        NEU,
        "medium",
        "media_enquiry",
    ),
    T(
        "{p} has contacted {s} for comment about the exclusions story and is asking parents to "
        "get in touch.",
        NEU,
        "medium",
        "media_enquiry",
    ),
    T(
        "Producer from a Channel 4 documentary here, researching academy trusts. Would any "
        "{sh} families speak to us in confidence?",
        NEU,
        "medium",
        "media_enquiry",
    ),
    # ---- medium: harassment / abuse of staff ----
    T(
        "{staff} at {s} is a useless waste of space. Absolute joke of a teacher, shouldn't be "
        "allowed near kids.",
        NEG,
        "medium",
        "harassment",
    ),
    T("The head at {s} is a smug, lying cow. Everyone knows it.", NEG, "medium", "harassment"),
    T(
        "Whoever is running {s} is a total moron. Clown show from top to bottom.",
        NEG,
        "medium",
        "harassment",
    ),
    T(
        "{staff} is pathetic. Fat, lazy and clueless, no wonder the kids run rings round them.",
        NEG,
        "medium",
        "harassment",
    ),
    T(
        "The {sh} receptionist is a stuck-up witch, talks to parents like dirt.",
        NEG,
        "medium",
        "harassment",
    ),
    T(
        "Shut up and do your job {staff}, nobody cares about your stupid rules.",
        NEG,
        "medium",
        "harassment",
    ),
    T(
        "That lot at {s} are a bunch of idiots, every single one of them.",
        NEG,
        "medium",
        "harassment",
    ),
    T(
        "Kids at {s} are calling my son names every day and nobody stops it. The school's answer "
        "is 'ignore them'.",
        NEG,
        "medium",
        "harassment",
        "complaint",
    ),
    # ---- high: severe abuse of staff (harassment + hostility) ----
    T(
        "{staff} is a disgusting excuse for a human. Vile, vile woman. Hope everyone who sees her "
        "in town tells her what they think.",
        NEG,
        "high",
        "harassment",
    ),
    T(
        "Everyone should go round to {staff}'s and let her know what a scumbag she is. We know "
        "where she lives.",
        NEG,
        "high",
        "harassment",
        "threat",
    ),
    # ---- high: threat ----
    T(
        "If {staff} touches my son again I will kill him. I'm not joking.",
        NEG,
        "high",
        "threat",
        "allegation",
    ),
    T(
        "Someone needs to teach the head of {s} a lesson. Wait till I see him at the gates.",
        NEG,
        "high",
        "threat",
    ),
    T("I'm going to smash {staff}'s car up tonight, see how he likes it.", NEG, "high", "threat"),
    T("Watch your back {staff}. You won't be smiling after Friday.", NEG, "high", "threat"),
    T("Somebody should burn {s} to the ground. I'd happily do it myself.", NEG, "high", "threat"),
    T(
        "I'll be waiting outside {s} at 3:15 for the dad who shoved my kid. He's getting battered.",
        NEG,
        "high",
        "threat",
    ),
    T(
        "There's going to be a shooting at {s}, everyone will see.",
        NEG,
        "high",
        "threat",
        staff=False,
    ),
    T(
        "Bring a knife to {sh} tomorrow and sort the bullies out, that's what I told my lad.",
        NEG,
        "high",
        "threat",
        "safeguarding",
    ),
    T(
        "That teacher deserves a good kicking and I know people who'll do it.",
        NEG,
        "high",
        "threat",
    ),
    # ---- high: safeguarding ----
    T(
        "My daughter told me a man has been waiting by the back gate of {s} and offering the "
        "girls sweets and lifts. I've told the office but nothing's happened.",
        NEG,
        "high",
        "safeguarding",
    ),
    T(
        "I've seen a kid from {s} in the park every night till midnight with bruises on his arms. "
        "I think something is going on at home.",
        NEG,
        "high",
        "safeguarding",
    ),
    T(
        "My son says an older boy at {s} has been sending him explicit pictures and asking for "
        "photos back. What do I do?",
        NEG,
        "high",
        "safeguarding",
    ),
    T(
        "A child at {s} said she's scared to go home because her stepdad hurts her. The school "
        "hasn't done anything.",
        NEG,
        "high",
        "safeguarding",
    ),
    T(
        "Worried about a little one in my son's class at {s}, always hungry, same dirty clothes "
        "all week, says nobody's at home.",
        NEG,
        "high",
        "safeguarding",
    ),
    T(
        "A teacher at {s} has been messaging pupils on Snapchat late at night. My daughter showed "
        "me. This isn't right.",
        NEG,
        "high",
        "safeguarding",
    ),
    T(
        "Pupils from {s} are being picked up by older lads in cars after school, looks like "
        "they're being groomed to run drugs.",
        NEG,
        "high",
        "safeguarding",
    ),
    T(
        "My Year 8 has been self-harming since the bullying started at {s} and the school said "
        "they can't do anything.",
        NEG,
        "high",
        "safeguarding",
        "harassment",
    ),
    T(
        "Someone in the {sh} year group chat is sharing nudes of a girl in year 9. It's "
        "everywhere.",
        NEG,
        "high",
        "safeguarding",
    ),
    T(
        "The kids were left alone on the coach for an hour on the {sh} trip with no adult at all. "
        "Anything could have happened.",
        NEG,
        "high",
        "safeguarding",
        "complaint",
    ),
    T(
        "My son came home from {s} with a handprint on his arm and says a member of staff "
        "grabbed him.",
        NEG,
        "high",
        "safeguarding",
    ),
    T(
        "A girl at {s} told my daughter she's being made to sleep in the shed. Who do I report "
        "this to?",
        NEG,
        "high",
        "safeguarding",
    ),
    # ---- high: extremism / hate ----
    T(
        "{s} is being overrun by immigrants. Send the lot of them back where they came from.",
        NEG,
        "high",
        "extremism_hate",
    ),
    T(
        "Kids at {s} are chanting racist stuff about the Muslim pupils and the school is hushing "
        "it up.",
        NEG,
        "high",
        "extremism_hate",
        "harassment",
    ),
    T(
        "These people are vermin and their kids shouldn't be allowed in our schools. {s} should "
        "be for English kids only.",
        NEG,
        "high",
        "extremism_hate",
    ),
    T(
        "Someone sprayed a swastika on the {sh} wall overnight along with anti-Jewish slogans.",
        NEG,
        "high",
        "extremism_hate",
    ),
    T(
        "My son was shown far-right recruitment videos by an older pupil at {s}. They're trying "
        "to radicalise kids.",
        NEG,
        "high",
        "extremism_hate",
        "safeguarding",
    ),
    T(
        "Gay teachers like the one at {s} are perverts and shouldn't be near children.",
        NEG,
        "high",
        "extremism_hate",
    ),
    # ---- hard negatives: alarming words in positive or neutral use ----
    T(
        "The anti-racism workshop at {s} was superb. My daughter came home explaining privilege "
        "better than I could.",
        POS,
        "none",
    ),
    T(
        "{s} Year 6 smashed their SATs, absolutely killed it! Proud of every one of them.",
        POS,
        "none",
    ),
    T(
        "Safeguarding at {s} is first class in my experience. They picked up a worry about my "
        "nephew quickly and handled it with real care.",
        POS,
        "none",
    ),
    T(
        "The new head at {s} is a threat to the old guard, in the best possible way. Finally some "
        "ambition.",
        POS,
        "none",
    ),
    T(
        "My son's teacher at {s} is an absolute legend, he'd kill me for posting this but he "
        "loves her.",
        POS,
        "none",
    ),
    T(
        "The Year 9s did a brilliant assembly at {s} about knife crime and how to walk away. Very "
        "powerful.",
        POS,
        "none",
    ),
    T(
        "Police visited {s} today to talk about online grooming. Really sensible, age-appropriate "
        "session.",
        POS,
        "none",
    ),
    T(
        "Bullying is not tolerated at {s} and they mean it. A boy said something nasty to my son "
        "and it was dealt with same day.",
        POS,
        "none",
    ),
    T("I could murder a coffee after the {sh} school run this morning.", NEU, "none"),
    T("Don't shoot me but I actually like the new {sh} homework policy.", POS, "none"),
    T(
        "Holocaust Memorial Day assembly at {s} was handled beautifully. The kids asked such "
        "thoughtful questions.",
        POS,
        "none",
    ),
    # ---- named pupil (rules territory; labels for evaluation) ----
    T(
        "{kid} in {y} keeps hitting my son and nothing is done. Her mum just laughs about it.",
        NEG,
        "high",
        "named_pupil",
        "harassment",
        "complaint",
    ),
    T(
        "Has anyone else's child had trouble with {kid} in {cls}? He's been pushing kids over at "
        "lunch.",
        NEG,
        "high",
        "named_pupil",
        "complaint",
    ),
    T(
        "My DD's friend {kid} ({age}) hasn't been in school for two weeks and isn't answering "
        "messages. Getting worried.",
        NEG,
        "high",
        "named_pupil",
        "safeguarding",
    ),
    T(
        "Well done to {kid} in {y} at {s} for winning the county chess tournament!",
        POS,
        "high",
        "named_pupil",
    ),
    T(
        "{kid}, {age}, from {s} got her photo in the paper today, so proud.",
        POS,
        "high",
        "named_pupil",
    ),
    T(
        "The {y} boy {kid} is a little thug, everyone at {sh} knows it.",
        NEG,
        "high",
        "named_pupil",
        "harassment",
    ),
    T(
        "Our {kid} in {cls} at {sh} came home crying again after lunch. Third time this week.",
        NEG,
        "high",
        "named_pupil",
        "complaint",
    ),
    T(
        "{kid} aged {age} walks home alone from {s} past the main road, I've seen it myself.",
        NEG,
        "high",
        "named_pupil",
        "safeguarding",
    ),
    # ---- lookalike names: capitalised words that look like names but are not pupils ----
    T(
        "Will {y} get their reports before the summer? {sh} said July last time.",
        NEU,
        "none",
        staff=True,
    ),
    T("Grace before meals at {s} is new this term, fine by us.", NEU, "none"),
    T("We hope {y} enjoy the trip to the coast, pictures on the {sh} blog please!", POS, "none"),
    T("May half term dates for {s} are on the website now.", NEU, "none"),
    T("{s} is at the top of Hill Road, turn left by the Co-op.", NEU, "none"),
    T("Reading in {y} at {s} has really improved with the new phonics scheme.", POS, "none"),
    # ---- personal data ----
    T(
        "Anyone from {s} who saw what happened at pick up, please ring me on {phone}.",
        NEG,
        "high",
        "personal_data",
    ),
    T(
        "That dad from {sh} who keeps blocking the drive lives at {street}, {town} {pc}. Go and "
        "tell him yourselves.",
        NEG,
        "high",
        "personal_data",
    ),
    T(
        "If you want to complain about {staff} email her directly at {email}, she deserves it.",
        NEG,
        "high",
        "personal_data",
        "harassment",
    ),
    T(
        "Selling {sh} uniform, age 9-10, good condition. Text {phone}.",
        NEU,
        "high",
        "personal_data",
    ),
    T(
        "Lost a blue lunchbox at {s} yesterday. If found please call {phone} or drop to {street}.",
        NEU,
        "high",
        "personal_data",
    ),
    T(
        "Here's the home number for {staff}: {phone}. Ring her and ask why she excluded my boy.",
        NEG,
        "high",
        "personal_data",
        "harassment",
    ),
    T(
        "Childminder available near {s}, {pc} area, DBS checked. Email {email}.",
        NEU,
        "high",
        "personal_data",
    ),
    # ---- allegation against a configured staff member ----
    T(
        "{staff} at {s} hit my son. He's got a bruise and the head won't tell me anything.",
        NEG,
        "high",
        "allegation",
        "safeguarding",
    ),
    T(
        "I've heard {staff} has been having an affair with a sixth former. Disgusting if true.",
        NEG,
        "high",
        "allegation",
        "safeguarding",
    ),
    T(
        "{staff} was drunk at the {sh} Christmas fair, stank of booze and could barely stand.",
        NEG,
        "high",
        "allegation",
    ),
    T(
        "Everyone knows {staff} steals from the PTA funds. Where did the money go?",
        NEG,
        "high",
        "allegation",
    ),
    T(
        "{staff} screamed in my daughter's face and pushed her against the wall. I'm reporting "
        "it to the LADO.",
        NEG,
        "high",
        "allegation",
        "safeguarding",
    ),
    T(
        "{staff} bullies the SEN kids, mocks them in front of the class. My son is terrified of "
        "her.",
        NEG,
        "high",
        "allegation",
        "safeguarding",
    ),
    T(
        "Apparently {staff} was arrested last week, that's why he's off. The school is covering "
        "it up.",
        NEG,
        "high",
        "allegation",
    ),
    # ---- staff named without accusation (should stay low/none) ----
    T(
        "{staff} is retiring after 30 years at {s}. What a career, she taught half the town.",
        POS,
        "none",
    ),
    T(
        "Thank you {staff} for the extra maths sessions, my daughter finally gets fractions.",
        POS,
        "none",
    ),
    T(
        "{staff} was a bit strict at parents' evening but fair. We know where we stand.",
        NEU,
        "none",
    ),
    # ---- negation / sarcasm twists ----
    T(
        "Not a threat, just saying: if {s} doesn't fix the crossing someone will get run over. "
        "Please email the council.",
        NEG,
        "low",
        "complaint",
    ),
    T("I wouldn't say {s} is bad, just very average. Does the job.", NEU, "none"),
    T("Can't say {s} has ever let us down. Solid school.", POS, "none"),
    T(
        "Oh yes, {s} is SO welcoming. Took them four weeks to answer one email.",
        NEG,
        "low",
        "complaint",
    ),
    T(
        "It's not that {s} doesn't care, they're just overwhelmed. Staff are stretched thin.",
        NEU,
        "low",
        "complaint",
    ),
    T("Never thought I'd say this but {s} handled the bullying brilliantly.", POS, "none"),
]

# Second batch, written after the first evaluation showed weak spots (sarcasm, plain grumbles,
# traction, media, inspection, severe abuse). Its held-out templates are chosen the same way
# but within this list, so the first batch's test split stays exactly as it was.
EXTRA_TEMPLATES: list[Template] = [
    T("Fab. Another 'wellbeing survey' from {s} while the actual problems get ignored. Cheers.",
      NEG, "low", "complaint"),
    T("Thanks {s} for the two hours' notice that the school is closing early. Really appreciated "
      "by everyone who has a job.", NEG, "low", "complaint"),
    T("Absolutely loving the fourth letter this term from {s} asking for money. Marvellous.",
      NEG, "low", "complaint"),
    T("Oh good, the {sh} car park has been locked again at pick up. What a surprise.", NEG, "low",
      "complaint"),
    T("Genius idea from {s} to hold the meeting at 2pm on a weekday. Who exactly is that for?",
      NEG, "low", "complaint"),
    T("Top marks {s}, lost my son's coat for the third time. Impressive stuff.", NEG, "low",
      "complaint"),
    T("Very disappointed with {s}. My daughter's reading book hasn't been changed since "
      "September.", NEG, "low", "complaint"),
    T("The communication from {s} is shocking. Nobody answers the phone and the website is out "
      "of date.", NEG, "low", "complaint"),
    T("We're thinking of moving our son from {s}. The class sizes have crept up and he's getting "
      "lost.", NEG, "low", "complaint"),
    T("Homework at {s} is pointless colouring in. Expected more from a school with its "
      "reputation.", NEG, "low", "complaint"),
    T("One star. {s} lost our application form twice and then blamed us.", NEG, "low",
      "complaint"),
    T("The after-school club at {s} has doubled its price with no warning. Not happy.", NEG,
      "low", "complaint"),
    T("Bit gutted with {s} to be honest. The music teacher left and they've just dropped "
      "music.", NEG, "low", "complaint"),
    T("Nearly 1,000 people have shared my post about the {sh} exclusions. The school needs to "
      "answer us publicly.", NEG, "medium", "complaint"),
    T("Parents from {s} are meeting with the local councillor tonight, over 60 families have "
      "signed up. Keep the pressure on.", NEG, "medium", "complaint"),
    T("Our open letter to the governors of {s} now has 250 signatures. Add yours before "
      "Friday.", NEG, "medium", "complaint"),
    T("The {sh} Facebook group is kicking off about the new behaviour policy, 500 comments and "
      "counting.", NEG, "medium", "complaint"),
    T("Reporter from {p} here. We're running a story on {s} and the staff walkout, would any "
      "parents like to comment?", NEU, "medium", "media_enquiry"),
    T("I've been asked by {p} to talk about what happened at {s}. Should I?", NEU, "medium",
      "media_enquiry"),
    T("Local radio want to interview parents about the {sh} closure tomorrow morning, message "
      "me if you're up for it.", NEU, "medium", "media_enquiry"),
    T("Ofsted report for {s} published today: Good in all areas. Congratulations to the staff.",
      POS, "none", "inspection"),
    T("{s} has had its monitoring visit from Ofsted. The letter says leaders are taking "
      "effective action.", POS, "none", "inspection"),
    T("Inspectors were in {s} all week. Kids said they came into lessons and asked about "
      "bullying.", NEU, "none", "inspection"),
    T("Does anyone know when the next Ofsted inspection is due at {s}? The last report was "
      "2019.", NEU, "none", "inspection"),
    T("The inspection report for {s} says behaviour in corridors is poor. No surprise to any "
      "parent.", NEG, "low", "inspection", "complaint"),
    T("Can't believe Ofsted rated {s} Requires Improvement again. Third time in a row.", NEG,
      "low", "inspection", "complaint"),
    T("{staff} is a nasty, spiteful bully of a woman and I hope she rots. Everyone share this.",
      NEG, "high", "harassment"),
    T("That vile creature {staff} needs hounding out of {sh}. Make her life hell, she deserves "
      "it.", NEG, "high", "harassment"),
    T("The head at {s} is an arrogant prat who couldn't run a bath.", NEG, "medium",
      "harassment"),
    T("Absolute state of the teachers at {s}. Thick as mince, the lot of them.", NEG, "medium",
      "harassment"),
    T("Some of the older lads at {s} have been following my daughter home and shouting vile "
      "things at her. School say it's outside their hours.", NEG, "high", "safeguarding",
      "harassment"),
    T("My son's been coming home from {s} with money missing and he won't say who's taking "
      "it. He's terrified.", NEG, "high", "safeguarding"),
    T("There's a post going round the {sh} kids' group chat telling a girl to kill herself. "
      "Please check your children's phones.", NEG, "high", "safeguarding", "harassment"),
    T("Leaflets from a far-right group were handed out at the {sh} gates this morning, aimed "
      "at the kids.", NEG, "high", "extremism_hate", "safeguarding"),
    T("Another brilliant workshop at {s} on staying safe from grooming. Every parent should "
      "go.", POS, "none"),
    T("My little one came home from {s} talking about consent and body safety, handled really "
      "well for her age.", POS, "none"),
    T("The Year 8 debate at {s} about extremism and free speech was seriously impressive.",
      POS, "none"),
    T("Our daughter's anxiety has been handled so well by the pastoral team at {s}. Can't "
      "thank them enough.", POS, "none"),
    T("The kids absolutely slayed the {sh} talent show, my cheeks hurt from smiling.", POS,
      "none"),
    T("Not gonna lie, I was dreading the {sh} parents' evening but the teachers were "
      "lovely.", POS, "none"),
    T("Didn't expect much from {s} after the rumours but honestly it's been great.", POS,
      "none"),
    T("Would anyone from {s} like to car share for the Year 5 trip drop off?", NEU, "none"),
    T("What's the policy at {s} on taking holidays in term time? Asking before I book.", NEU,
      "none"),
    T("New term, new shoes, new pencil case. {s} here we come.", POS, "none"),
]

# A few longer reviews stitched from fragments, so the set has 100 to 300-word posts too.
LONG_OPEN = [
    "We've had three children go through {s} now, so I feel I can give a fair picture.",
    "Long post, sorry. We moved to {town} last spring and chose {s} after a lot of research.",
    "I've been meaning to write this review of {s} for a while.",
]
LONG_GOOD = [
    "The early years team are genuinely lovely and the phonics teaching is clearly working.",
    "Communication has improved a lot since the new head arrived; the weekly newsletter is "
    "actually useful.",
    "Our eldest struggled with anxiety and the pastoral lead checked in with her every week.",
    "The range of clubs is good for a school this size: choir, coding, football and gardening.",
]
LONG_BAD = [
    "The car park at drop-off is chaos and nobody seems to enforce anything.",
    "Homework is set inconsistently; some weeks nothing, some weeks three worksheets.",
    "We waited months for an assessment for our middle one and had to chase constantly.",
    "Lunches are a weak spot and the portions are small for the older children.",
]
LONG_CLOSE_GOOD = [
    "Overall I'd recommend it, especially if your child needs a nurturing start.",
    "All in all a happy, well-run school and we're glad we chose it.",
]
LONG_CLOSE_BAD = [
    "Overall we're disappointed and are looking at other schools for September.",
    "I really wanted to like it, but at the moment I can't recommend it.",
]
LONG_RISK = [
    (
        "Also, and I hate writing this, {staff} grabbed my son by the collar last month and "
        "nobody has investigated.",
        ("allegation", "safeguarding"),
    ),
    ("If anyone wants to compare notes call me on {phone}, happy to chat.", ("personal_data",)),
    (
        "And honestly if {staff} speaks to my daughter like that again I'll knock his teeth out.",
        ("threat",),
    ),
]


def _fill(text: str, rng: random.Random, school: str, staff: str) -> str:
    values = {
        "s": school,
        "sh": SHORT[school],
        "staff": staff,
        "kid": rng.choice(PUPILS),
        "y": rng.choice(YEARS[:-1]),
        "cls": rng.choice(CLASSES),
        "age": str(rng.randint(5, 15)),
        "town": rng.choice(TOWNS),
        "phone": rng.choice(PHONES),
        "email": rng.choice(EMAILS),
        "pc": rng.choice(POSTCODES),
        "street": rng.choice(STREETS),
        "p": rng.choice(PAPERS),
    }
    return text.format(**values)


def _held_out_templates(templates: list[Template]) -> set[int]:
    # Every 4th template of each primary label is held out, so each category has unseen
    # patterns in the evaluation; the offset comes from a hash so it is not always the first.
    groups: dict[str, list[int]] = {}
    for index, tpl in enumerate(templates):
        primary = tpl.categories[0] if tpl.categories else f"none-{tpl.sentiment}"
        groups.setdefault(primary, []).append(index)
    held: set[int] = set()
    for name, members in groups.items():
        offset = hashlib.sha256(name.encode()).digest()[0] % HELD_OUT_EVERY
        held.update(m for i, m in enumerate(members) if i % HELD_OUT_EVERY == offset)
    return held


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    held = _held_out_templates(TEMPLATES)
    held |= {len(TEMPLATES) + i for i in _held_out_templates(EXTRA_TEMPLATES)}
    for t_index, tpl in enumerate(TEMPLATES + EXTRA_TEMPLATES):
        split = "test" if t_index in held else "train"
        for _ in range(tpl.copies):
            school = rng.choice(SCHOOLS)
            staff_names = rng.sample(STAFF, 2)
            text = _fill(tpl.text, rng, school, staff_names[0])
            rows.append(
                {
                    "text": text,
                    "school": school,
                    "staff": staff_names if tpl.with_staff else [],
                    "sentiment": tpl.sentiment,
                    "risk": tpl.risk,
                    "categories": sorted(tpl.categories),
                    "template": t_index,
                    "split": split,
                }
            )
    # Long reviews: one template family per (good/bad, with/without a buried risk sentence).
    for index in range(48):
        school = rng.choice(SCHOOLS)
        staff_names = rng.sample(STAFF, 2)
        good = index % 2 == 0
        parts = [rng.choice(LONG_OPEN)]
        parts += rng.sample(LONG_GOOD, 3 if good else 1) + rng.sample(LONG_BAD, 1 if good else 3)
        cats: tuple[str, ...] = () if good else ("complaint",)
        risk = "none" if good else "low"
        if index % 3 == 0:
            sentence, extra = LONG_RISK[(index // 3) % len(LONG_RISK)]
            parts.append(sentence)
            cats = tuple(sorted(set(cats) | set(extra)))
            risk = "high"
        parts.append(rng.choice(LONG_CLOSE_GOOD if good else LONG_CLOSE_BAD))
        text = " ".join(_fill(p, rng, school, staff_names[0]) for p in parts)
        rows.append(
            {
                "text": text,
                "school": school,
                "staff": staff_names,
                "sentiment": POS if good and risk == "none" else NEG,
                "risk": risk,
                "categories": sorted(cats),
                "template": 1000 + index % 6,
                "split": "test" if index % 4 == 3 else "train",
            }
        )
    return rows


def main() -> None:
    rows = build()
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    with DATA_FILE.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    test = sum(1 for r in rows if r["split"] == "test")
    print(f"wrote {len(rows)} posts ({test} held out) to {DATA_FILE}")


if __name__ == "__main__":
    main()
