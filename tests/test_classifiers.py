"""Behaviour users rely on, checked against the real bundled model (it loads offline)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from classifiers import Classification, Classifier, ClassifierSettings, ClassifyRequest
from classifiers.stream import classify_jsonl
from crawler.ground.errors import ModelLoadError, SchoolwatchError


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.from_settings(ClassifierSettings())


def one(classifier: Classifier, text: str, staff: tuple[str, ...] = ()) -> Classification:
    return classifier.classify([ClassifyRequest(text, "Brambleford Primary", staff)])[0]


@pytest.mark.parametrize(
    "number",
    [
        "07700 900123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "07700900123",
        "(0113) 496 0011",
        "020 7946 0958",
    ],
)
def test_uk_phone_number_is_personal_data_and_high(classifier: Classifier, number: str) -> None:
    result = one(
        classifier, f"Anyone who saw what happened at pick up, please ring me on {number}."
    )
    assert "personal_data" in result.categories
    assert result.risk == "high"
    assert number in result.reasons["personal_data"]


def test_email_and_street_address_are_personal_data(classifier: Classifier) -> None:
    results = classifier.classify(
        [
            ClassifyRequest("Complain to her directly at karenb@example.com, she deserves it."),
            ClassifyRequest(
                "The dad who blocks the drive lives at 14 Cedar Close, Marshby BF4 7QT."
            ),
        ]
    )
    assert all("personal_data" in r.categories and r.risk == "high" for r in results)


def test_alarming_words_in_a_positive_post_are_not_a_risk(classifier: Classifier) -> None:
    result = one(classifier, "Anti-bullying week was brilliant, the kids loved odd socks day.")
    assert result.risk == "none"
    assert result.sentiment == "positive"
    assert result.categories == ()


def test_explicit_threat_is_high_with_the_phrase_as_reason(classifier: Classifier) -> None:
    result = one(classifier, "If that teacher touches my son again I will kill him.")
    assert result.risk == "high"
    assert "threat" in result.categories
    assert "kill him" in result.reasons["threat"]


def test_staff_allegation_rule_needs_the_configured_staff_name(classifier: Classifier) -> None:
    # The rule (high on its own) fires only for configured staff; without them the model may
    # still judge the allegation by meaning, but the rule's quoted accusation is not there.
    text = "Mr Hughes grabbed my daughter by the arm and the head won't tell me anything."
    with_staff = one(classifier, text, staff=("Mr Hughes",))
    other_staff = one(classifier, "Mr Hughes was lovely at the fair.", staff=("Mrs Okafor",))
    assert "allegation" in with_staff.categories and with_staff.risk == "high"
    assert "Mr Hughes" in with_staff.reasons["allegation"]
    assert "allegation" not in other_staff.categories


def test_named_pupil_with_year_or_age_context(classifier: Classifier) -> None:
    named = classifier.classify(
        [
            ClassifyRequest("Tom in Year 4 keeps pushing my son over at lunch."),
            ClassifyRequest("My DD's friend Aisha (7) hasn't been in school for two weeks."),
        ]
    )
    assert all("named_pupil" in r.categories and r.risk == "high" for r in named)
    lookalike = one(classifier, "We hope Year 6 enjoy the trip, photos on the blog please!")
    assert "named_pupil" not in lookalike.categories


def test_threat_at_the_end_of_a_long_post_is_not_truncated_away(classifier: Classifier) -> None:
    filler = "The car park at drop-off is chaotic and homework is set inconsistently. " * 40
    result = one(classifier, filler + "Wait till I see the head at the gates, he'll regret it.")
    assert result.risk == "high"
    assert "threat" in result.categories


def test_output_order_equals_input_order(classifier: Classifier) -> None:
    texts = [
        "Lovely nativity, well done everyone!",
        "Ring me on 07700 900456 if you saw it.",
        "Ofsted are in tomorrow and Thursday apparently.",
        "If anyone touches my kid again I will kill them.",
        "Does anyone have a spare PE top in age 7-8?",
        "Tom in Year 4 keeps pushing my son over.",
    ]
    forward = classifier.classify([ClassifyRequest(t) for t in texts])
    backward = classifier.classify([ClassifyRequest(t) for t in reversed(texts)])
    assert forward == backward[::-1]
    assert [r.risk == "high" for r in forward] == [False, True, False, True, False, True]
    assert "personal_data" in forward[1].categories
    assert "threat" in forward[3].categories
    assert "named_pupil" in forward[5].categories


def test_result_fields(classifier: Classifier) -> None:
    result = one(classifier, "Not impressed, three supply teachers this term and no explanation.")
    assert result.sentiment in {"negative", "neutral", "positive"}
    assert 0.0 <= result.sentiment_score <= 1.0
    assert result.risk in {"none", "low", "medium", "high"}
    assert set(result.reasons) == set(result.categories)
    assert result.model_version


def test_jsonl_bad_line_gives_an_error_line_and_the_rest_still_come_out(
    classifier: Classifier,
) -> None:
    lines = [
        json.dumps({"text": "Sports day was fab.", "id": "a"}),
        "{not json",
        "",
        json.dumps({"text": "Mr Hughes hit my son.", "staff": ["Mr Hughes"]}),
        json.dumps({"school": "Brambleford Primary"}),
        json.dumps({"text": "Ring 07700 900123", "staff": "Mr Hughes"}),
    ]
    out = io.StringIO()
    errors = classify_jsonl(lines, out, classifier)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert errors == 3
    assert [r["line"] for r in records] == [1, 2, 4, 5, 6]  # blank line 3 is not an input
    assert records[0]["id"] == "a" and records[0]["risk"] == "none"
    assert "error" in records[1] and "JSON" in records[1]["error"]
    assert "allegation" in records[2]["categories"] and records[2]["risk"] == "high"
    assert "text" in records[3]["error"]
    assert "staff" in records[4]["error"]
    for record in (records[0], records[2]):
        assert {
            "sentiment",
            "sentiment_score",
            "risk",
            "categories",
            "reasons",
            "model_version",
        } <= set(record)


def test_encoder_of_another_width_is_a_clear_domain_error(tmp_path: Path) -> None:
    from transformers import AutoTokenizer, BertConfig, BertModel

    from classifiers.encoder import bundled_encoder_path

    folder = tmp_path / "tiny-encoder"
    BertModel(
        BertConfig(
            hidden_size=64, num_hidden_layers=1, num_attention_heads=2, intermediate_size=128
        )
    ).save_pretrained(folder)
    AutoTokenizer.from_pretrained(bundled_encoder_path()).save_pretrained(folder)
    with pytest.raises(ModelLoadError, match="64-wide") as caught:
        Classifier.from_settings(ClassifierSettings(model=folder, precision="fp32"))
    assert isinstance(caught.value, SchoolwatchError)
    assert "python -m classifiers.training.train" in str(caught.value)


def test_missing_encoder_folder_is_a_domain_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        Classifier.from_settings(ClassifierSettings(model=tmp_path / "nope"))


def test_int8_path_used_on_cpus_without_bf16_still_flags_high_risk() -> None:
    int8 = Classifier.from_settings(ClassifierSettings(precision="int8"))
    results = int8.classify(
        [
            ClassifyRequest("Ring me on 07700 900123 if you saw it."),
            ClassifyRequest("I'm going to smash his car up tonight, see how he likes it."),
            ClassifyRequest("Anti-bullying week was brilliant, the kids loved odd socks day."),
        ]
    )
    assert [r.risk for r in results] == ["high", "high", "none"]
    assert int8.model_version.endswith("int8")


def test_classifying_with_the_default_precision_never_imports_torch(
    classifier: Classifier,
) -> None:
    import os
    import subprocess
    import sys

    classifier.classify([ClassifyRequest("warm the exported model cache")])
    probe = (
        "import sys\n"
        "from classifiers import Classifier, ClassifierSettings, ClassifyRequest\n"
        "c = Classifier.from_settings(ClassifierSettings())\n"
        "r = c.classify([ClassifyRequest('Ring me on 07700 900123')])[0]\n"
        "print(r.risk, 'torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = os.environ | {"PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=root, env=env)
    assert out.stdout.split() == ["high", "False", "False"]
