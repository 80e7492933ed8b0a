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


# -- issue 15: measurements read in context (tuning forms; the blind set is never edited) --

def rom_items(evidence_of, text):
    return [(i["degrees"], i["range"]) for i in evidence_of(text)["rom"]]


@pytest.mark.parametrize(("text", "expected"), [
    ("Knee flexion 0 to 90 degrees.", [(90, [0, 90])]),
    ("Elbow flexion 10-95.", [(95, [10, 95])]),
    ("Left knee: -10 to 110 degrees.", [(110, [-10, 110])]),
    ("Left knee reveals a range of -10 degrees extension, 126 flexion.", [(-10, None), (126, None)]),
    ("Straight leg raising was limited to 45 degrees on the right and 90 degrees on the left.",
     [(45, None), (90, None)]),
    ("Unable to elevate his arms greater than 90 degrees.", [(90, None)]),
    ("Lateral bending of 30 degrees in either direction.", [(30, None)]),
    ("PROCEDURE:, Examination under anesthesia showed flexion to 120 degrees.", [(120, None)]),
    ("PROCEDURE:, Examination under anesthesia: flexion contracture at 20 degrees.", [(20, None)]),
    ("Knee flexion contracture at 20 degrees on exam.", [(20, None)]),
    # an aside between the motion and its value; a joint's present-tense motion verb
    ("Prone knee flexion (hip neutral) 95 deg right, 105 deg left.", [(95, None), (105, None)]),
    ("Thomas: thigh rests on the table, knee extends to 45 deg right.", [(45, None)]),
])
def test_measures_rom_in_context(evidence_of, text, expected):
    assert rom_items(evidence_of, text) == [(d, list(r) if r else None) for d, r in expected]


@pytest.mark.parametrize("text", [
    "In the ER, this was 101 to 102 degrees Fahrenheit.",
    "The prostate was frozen down to minus 150 degrees.",
    "The patient was rotated 90 degrees away and a shoulder roll was placed.",
    "Trialing of the hip with the hip flexed at 90 degrees and internally rotated to 30 degrees.",
    "Contrast was injected in the 4 degree LAO view.",
    "Trocars were placed under vision of the 30 degree laparoscope.",
    "The peritomy was extended 360 degrees.",
    "Lying flat at 30 degrees, pressure 150/80.",
    "Head of the bed elevated at 20-30 degrees at night.",
    "A 15 degree intermetatarsal angle and a 45 degree hallux valgus angle.",
    "The Q-angle was decreased to approximately 15 degrees.",
    "Temperature max at ER is 102.",
    "Released from an ER 1 week prior.",
    "PROCEDURE IN DETAIL:, The knee was flexed to 90 degrees and the tourniquet inflated.",
    "GOALS:, Knee flexion to 120 degrees in 4 weeks.",
    "The nucleus was rotated 90 degrees with a spatula.",
    "OPERATIVE FINDINGS:, The patella tracked centrally at 45 degrees of flexion.",
    "PROCEDURE:, The meniscus was probed with the knee in approximately 20 degrees of flexion.",
])
def test_measures_not_a_patients_rom(evidence_of, text):
    assert rom(evidence_of, text) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Hip flexors 4+/4+.", ["4+/5", "4+/5"]),
    ("STRENGTH:  Elbow flexion three out of five, grip four minus out of five.", ["3/5", "4-/5"]),
    ("Lower extremities: 4/4 proximally.", ["4/5", "4/5"]),
    ("Upper extremities: 5/5 proximally, 5/4 @ elbow/wrist/hand.", ["5/5", "5/5", "4/5"]),
    ("Strength 5/5 except for 5/4+ hip extensors.", ["5/5", "5/5", "4+/5"]),
    ("4/4 strength in BLE.", ["4/5", "4/5"]),
    ("Deltoid +2/5.", ["2+/5"]),
    ("Trace weakness at the quadriceps -5/5.", ["5-/5"]),
    ("Motor strength +5/5 bilaterally.", ["5/5"]),
    ("Motor strength is 4 plus out of 5 in the deltoids.", ["4+/5"]),
    ("Hip abductors: R -4, L +5.", ["4-/5", "5/5"]),
    ("Handgrip is about 4/5 on the left, right side is 5/5.", ["4/5", "5/5"]),
])
def test_measures_strength_in_context(evidence_of, text, expected):
    assert grades(evidence_of, text) == expected


@pytest.mark.parametrize("text", [
    "Reflexes: BUE 2+/2+, Patellar 3/3, Ankles 3+/3+ with clonus.",
    "Reflexes: 2+/2+ BUE. 2/2 BLE. Babinski signs present.",
    "Reflexes: 2/2 brachioradialis and biceps. 2/2+ triceps, 1+/1+ patellae, 1/1 Achilles.",
    "Exam:, Strength is only 2/4.",
    "Pupils 4/4 decreasing to 2/2.",
    "Grade 2/5 murmur at the apex.",
    "GCS 3/15 on arrival.",
    "Recalled 3/5 words.",
    "LONG-TERM GOALS:, Hip rotation strength to be 4+/5.",
])
def test_measures_not_a_grade(evidence_of, text):
    assert grades(evidence_of, text) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Goniometry (R / L), degrees:\n  Knee extension ......... -20 / 0\n  Ankle DF ............... 5 / 15\n",
     [-20, 0, 5, 15]),
    ("| Muscle length (deg) | R | L |\n| Popliteal angle | 60 | 25 |\n| MMT knee flex | 5/5 | 4 minus |\n",
     [60, 25]),
    ("ROM (PROM, deg) | Motion | R | L |\n    | Elbow extension | -35 | 0 |\n", [-35, 0]),
])
def test_measures_rom_tables_with_the_unit_in_the_caption(evidence_of, text, expected):
    # a caption's unit governs the rows below it whose label names a motion; grades are no ROM
    assert [i["degrees"] for i in evidence_of(text)["rom"]] == expected


@pytest.mark.parametrize("text", [
    "Vitals (temp in degrees):\n  Temperature ...... 98 / 99\n",
    "Goniometry, degrees:\n\n  Knee extension ... -20 / 0\n",  # a blank line ends the table
    "GOALS:, ROM in degrees:\n  Knee flexion ...... 120 / 120\n",
])
def test_measures_not_rom_tables(evidence_of, text):
    assert evidence_of(text)["rom"] == []
