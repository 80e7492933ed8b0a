"""ROM degrees and strength grades, read by the real pipeline."""

from __future__ import annotations

import pytest


def rom(evidence_of, text):
    return [(i["degrees"], i["motion"]) for i in evidence_of(text)["rom"]]


def grades(evidence_of, text):
    return [i["grade"] for i in evidence_of(text)["strength"]]


@pytest.mark.parametrize(("text", "expected"), [
    ("Right knee lacks 15 degrees of extension.", [(15, "extension")]),
    ("Knee flexion 0-95°.", [(95, "Knee flexion")]),
    ("Hip flexion 120/150 on the right.", [(120, "Hip flexion")]),
    ("PROM knee ext -20.", [(-20, "knee ext")]),
    ("Ankle DF to neutral only.", [(0, "Ankle DF")]),
    ("Shoulder abduction 20 deg.", [(20, "Shoulder abduction")]),
    ("Popliteal angle 60° on the left.", [(60, "Popliteal angle")]),
    ("Wrist extension 20 degrees and 30 degrees of ulnar deviation.",
     [(20, "Wrist extension"), (30, "ulnar deviation")]),
    ("Elbow flexes to ninety degrees.", [(90, None)]),
    ("Flexion 95+ degrees.", [(95, "Flexion")]),
])
def test_measures_rom_forms(evidence_of, text, expected):
    assert rom(evidence_of, text) == expected


@pytest.mark.parametrize("text", [
    "Temperature 98.6 degrees.",
    "T max 101 degrees F overnight.",
    "Cobb angle of 32 degrees at the thoracolumbar curve.",
    "Fracture with 20 degrees of angulation.",
    "Head of bed elevated to 30 degrees.",
    "The patient will achieve knee flexion to 120 degrees.",
    "Second-degree burn of the forearm.",
])
def test_measures_not_rom(evidence_of, text):
    assert rom(evidence_of, text) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Hamstrings 4-/5.", ["4-/5"]),
    ("MMT 3+/5 knee flexion.", ["3+/5"]),
    ("Strength 4/5 hip flex.", ["4/5"]),
    ("Hip flexors & extensors 4-/4-.", ["4-/5", "4-/5"]),
    ("Strength 5/5 throughout.", ["5/5"]),
    ("Grip strength 4 out of 5.", ["4/5"]),
    ("Biceps 4 plus over 5.", ["4+/5"]),
    ("Strength is grossly 4+-5/5.", ["4+/5"]),
])
def test_measures_strength_forms(evidence_of, text, expected):
    assert grades(evidence_of, text) == expected


@pytest.mark.parametrize("text", [
    "Reflexes 2+ and symmetric.",
    "DTRs 2+/2+ at the knees.",
    "Pain 5/10 today.",
    "Grade 2/6 systolic murmur.",
    "Seen on 4/5/2024.",
    "Percocet 5/325 one tablet.",
    "The patient will demonstrate 5/5 strength.",
])
def test_measures_not_strength(evidence_of, text):
    assert grades(evidence_of, text) == []


def test_measures_spans_index_original_text(evidence_of):
    text = "Knee:\r\n  flexion\t0-95°, MMT 4-/5."
    ev = evidence_of(text)
    for item in (*ev["rom"], *ev["strength"]):
        assert text[item["start"]:item["end"]] == item["text"]
