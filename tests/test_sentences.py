"""Clinical sentence boundaries (ConText scopes end at them)."""

from __future__ import annotations

import pytest


def sentences(nlp, text):
    return [s.text.strip() for s in nlp(text).sents if s.text.strip()]


@pytest.mark.parametrize(("text", "expected"), [
    ("ASSESSMENT: Right hamstring contracture. Plan: stretch.",
     ["ASSESSMENT:", "Right hamstring contracture.", "Plan: stretch."]),
    ("HPI:,  Knee pain.,PLAN:,  Stretching.", ["HPI:", ",  Knee pain.,", "PLAN:", ",  Stretching."]),
    ("1. Hamstring contracture\n2. Spasm of the neck", ["1. Hamstring contracture",
                                                        "2. Spasm of the neck"]),
    ("Seen by Dr. Smith today. Knee flexion 90 deg. and ext 0.",
     ["Seen by Dr. Smith today.", "Knee flexion 90 deg. and ext 0."]),
    ("Strength 4/5\nReflexes 2+", ["Strength 4/5", "Reflexes 2+"]),
    ("The hamstrings are tight and\nlimit knee extension.",
     ["The hamstrings are tight and\nlimit knee extension."]),
    ("Temp 98.6. BP 120/80.", ["Temp 98.6.", "BP 120/80."]),
])
def test_sentences_clinical_boundaries(nlp, text, expected):
    assert sentences(nlp, text) == expected
