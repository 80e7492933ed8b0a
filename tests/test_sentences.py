"""Clinical sentence boundaries (ConText scopes end at them)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


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


_PIECES = ["\n", ",", " ", "\t", "(", "1", "12", "123", ".", ")", "A", "a", "x", "AB", "HEAD", ":",
           "5", "/", "&", "-", "\u00e9", "\r", "EXAM", "PLAN:"]


@settings(max_examples=3000, deadline=None)
@given(text=st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_sentences_fast_header_and_list_regexes_equal_the_plain_ones(text):
    """The header and numbered-item regexes, rewritten so that ``re`` can jump to where a
    match may start, find exactly what their plain forms find."""
    import re

    from notelint.nlp import sentences as s

    caps = re.compile(r"(?<![A-Za-z])[A-Z][A-Z/&() -]{1,58}[A-Z)]\s*:(?!\d)")
    numbered = re.compile(r"(?m)(?:^|(?<=,))[ \t]*\(?\d{1,2}[.)](?=\s+[A-Za-z])")
    assert [m.span() for m in s._CAPS_HEADER.finditer(text)] == [m.span() for m in caps.finditer(text)]
    assert s.numbered_items(text) == [m.start() + len(m.group()) - len(m.group().lstrip())
                                      for m in numbered.finditer(text)]


def test_sentences_an_abbreviation_before_its_value_is_a_label_not_a_section(nlp):
    doc = nlp("Objective:\n  SLR: 80 deg bilat, negative; slump negative\n  MMT: hip 4/5\n"
              "PLAN: stretching\n")
    sentences = [s.text.strip() for s in doc.sents]
    assert "SLR: 80 deg bilat, negative; slump negative" in sentences  # the test keeps its result
    assert "PLAN:" in sentences  # a section header still stands alone
    sections = doc._.notelint_sections
    assert sections.at(doc.text.index("MMT")) == "exam"  # no section of its own


def test_sentences_a_test_result_after_its_values_negates_the_test(evidence_of):
    evidence = evidence_of("Exam:\n  SLR: 80 deg bilat, negative; slump negative\n")
    assert [(n["text"], n["status"]) for n in evidence["neural"]] == \
        [("SLR", "negated"), ("slump", "negated")]


def test_run_on_transcription_titles_between_commas_start_sentences():
    # a run-on note with no colons or periods: ", exam, ", ", assessment, " are its headers, so
    # "no functional limitations" does not reach the assessment's contracture
    import notelint

    text = ("patient reports no functional limitations, exam, hip flexion 115 degrees right, "
            "assessment, mild right hamstring contracture, plan, daily stretching")
    (contracture,) = notelint.lint(text).evidence["contractures"]
    assert contracture["status"] == "affirmed"
    # a subsection word listed in a sentence is no header
    from notelint.nlp.sentences import headers

    assert headers("stability, range of motion, as well as the length") == []
