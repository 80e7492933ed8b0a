"""Muscles, sides, contracture status and kind, cues, studies and causes."""

from __future__ import annotations

import pytest


def sides(evidence_of, text):
    return [(m["text"], m["laterality"]) for m in evidence_of(text)["muscles"]]


@pytest.mark.parametrize(("text", "expected"), [
    ("Right hamstring contracture.", [("hamstring", "right")]),
    ("L gastrocnemius contracture.", [("gastrocnemius", "left")]),
    ("Rt biceps contracture.", [("biceps", "right")]),
    ("Contracture of the hamstrings (R).", [("hamstrings", "right")]),
    ("B/L hamstring tightness.", [("hamstring", "bilateral")]),
    ("Bilat gastroc contractures.", [("gastroc", "bilateral")]),
    ("Right-sided pec minor contracture.", [("pec minor", "right")]),
    ("Right hamstrings and gastrocnemius are contracted.",
     [("hamstrings", "right"), ("gastrocnemius", "right")]),
    ("Right hamstring and left gastrocnemius contractures.",
     [("hamstring", "right"), ("gastrocnemius", "left")]),
    ("Hamstrings are tight bilaterally.", [("Hamstrings", "bilateral")]),
    ("Right and left hamstring contractures.", [("hamstring", "bilateral")]),
    ("Hamstring contracture.", [("Hamstring", None)]),
])
def test_extract_laterality(evidence_of, text, expected):
    assert sides(evidence_of, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a title's side holds for what stands under it with no side of its own
    ("Hand Therapy Evaluation - RIGHT UPPER EXTREMITY\nThe finger flexors (FDS) are shortened.",
     [("finger flexors", "right"), ("FDS", "right")]),
    # ... and ends with its section (here the note names both sides elsewhere)
    ("LEFT KNEE:\nHamstrings tight, popliteal angle 50 degrees.\nPLAN:\nStretch the gastrocnemius."
     "\nRight knee brace.", [("Hamstrings", "left"), ("gastrocnemius", None)]),
    # a note that gives its limbs one side only gives it to all of them (ICD-10-CM I.B.13:
    # laterality read from the record); a side of an organ or a brain lesion is none of them
    ("LEFT KNEE:\nHamstrings tight, popliteal angle 50 degrees.\nPLAN:\nStretch the gastrocnemius.",
     [("Hamstrings", "left"), ("gastrocnemius", "left")]),
    ("Right lower lobe pneumonia. L MCA infarct.\nGastrocnemius contracture.",
     [("Gastrocnemius", None)]),
    ("R tibial plateau fracture, ORIF.\nGastrocnemius contracture.",
     [("Gastrocnemius", "right")]),
    ("Exam - Right shoulder:\nPectoralis minor shortened; left biceps normal.",
     [("Pectoralis minor", "right"), ("biceps", "left")]),
    ("Right hamstring contracture.\nGastrocnemius tight.\nLeft hip flexors normal.",
     [("hamstring", "right"), ("Gastrocnemius", None), ("hip flexors", "left")]),  # a sentence, no title
    ("PT NOTE\nLEFT LOWER EXTREMITY\n| Palpation | shortened rectus femoris |\n"
     "RIGHT LOWER EXTREMITY: WNL, rectus femoris normal.\nPlan: stretch the quadriceps.",
     [("rectus femoris", "left"), ("rectus femoris", "right"), ("quadriceps", None)]),
])
def test_extract_laterality_from_titles(evidence_of, text, expected):
    assert sides(evidence_of, text) == expected


@pytest.mark.parametrize(("text", "status"), [
    ("Right hamstring contracture.", "affirmed"),
    ("No contractures noted.", "negated"),
    ("No evidence of contracture of the hamstrings.", "negated"),
    ("Stretching program to prevent contracture of the gastrocnemius.", "hypothetical"),
    ("At risk of contracture of the hip flexors.", "hypothetical"),
    ("R/o hamstring contracture.", "uncertain"),
    ("Possible biceps contracture.", "uncertain"),
    ("History of hamstring contracture, status post release.", "historical"),
    ("Mother has a hamstring contracture.", "family"),
    # 'resolved' with no subject of its own is said of the sentence's condition, however far
    ("Left gastrocnemius contracture after a calf strain treated with stretching and casting, "
     "resolved by early 2023.", "historical"),
    ("Left gastrocnemius contracture from 2022 after a left calf strain, treated with PT "
     "stretching and resolved by early 2023.", "historical"),
    ("Contracture of muscle, left lower leg - M62.462 (carried forward from problem list, "
     "resolved).", "historical"),
    # a consent list, however it is introduced
    ("I have explained the risks, including bleeding, infection and recurrence of the "
     "contracture of the biceps.", "hypothetical"),
    # a period of life long past dates what it is said of; a child patient is not one
    ("He recalls a left hamstring contracture in high school after a femur fracture.",
     "historical"),
    ("Contracture of muscle, left thigh (hamstrings) in adolescence, resolved after casting.",
     "historical"),
    ("Hamstring contracture in a child with spastic diplegia.", "affirmed"),
    # a next clause that says 'it resolved' with a pronoun for its subject
    ("He developed a contracture of the left hamstrings that limited knee extension for a "
     "year; it resolved completely with physical therapy.", "historical"),
    ("Right hamstring contracture persists; the spasm resolved.", "affirmed"),
    # a problem line answered 'ruled out'
    ("2. Contracture: ruled out.", "negated"),
    # a question mark written before the finding
    ("- ? early R biceps contracture vs dynamic tone only.", "uncertain"),
    # ... and with a subject of its own, only of that subject
    ("Left gastrocnemius contracture persists after a calf strain treated with stretching "
     "and casting; the calf spasm has resolved.", "affirmed"),
])
def test_extract_contracture_status(evidence_of, text, status):
    assert [c["status"] for c in evidence_of(text)["contractures"]] == [status]


@pytest.mark.parametrize(("text", "kind"), [
    ("Referral Dx | Contracture, right hand | M24.541", "joint"),  # the M24.5- code's own words
    ("Equinus consistent with contracture of the tendo-Achilles.", "excluded"),
    ("MSK: contracture noted; firm muscular end-feel on passive stretch.", "muscle"),
    ("MSK: contracture noted, unchanged.", "unknown"),
    ("Right hamstring contracture.", "muscle"),
    ("Contracture of muscle, right thigh.", "muscle"),
    ("Elbow joint contracture.", "joint"),
    ("Right knee flexion contracture.", "joint"),
    ("The upper extremities have flexion contractures with striae on the upper arms.", "joint"),
    ("Left forearm contracture with palpable shortening.", "muscle"),
    ("Contracted PIP joint of the second toe.", "joint"),
    ("Bladder-neck contracture on cystoscopy.", "excluded"),
    ("Dupuytren's contracture of the ring finger.", "excluded"),
    ("Heel cord contracture on the left.", "excluded"),
    ("Left Achilles tendon contracture.", "excluded"),
    ("Right knee flexion contracture. Hamstrings shortened, popliteal angle 60 degrees.",
     "muscle"),
    # the joint whose measurement the mention annotates; a normal muscle-length test is no
    # myogenic evidence, nor is fibrosis of no muscle ("peripatellar fibrosis")
    ("R knee ROM 15-85 deg (flexion contracture of 15 deg), dense peripatellar fibrosis. "
     "Hamstring length normal, popliteal angle 25 deg bilaterally.", "joint"),
])
def test_extract_contracture_kind(evidence_of, text, kind):
    assert evidence_of(text)["contractures"][0]["kind"] == kind


def test_extract_header_does_not_leak_history(evidence_of):
    text = "HISTORY OF PRESENT ILLNESS: Right hamstring contracture limits walking."
    assert evidence_of(text)["contractures"][0]["status"] == "affirmed"


def test_extract_comma_joined_sections(evidence_of):
    text = "FAMILY HISTORY:,  Mother with contractures.,PHYSICAL EXAM:,  Right biceps contracture."
    assert [c["status"] for c in evidence_of(text)["contractures"]] == ["family", "affirmed"]


def test_extract_abbreviation_defined_in_note(evidence_of):
    text = ("Tightness of the right rectus femoris (RF) on Ely test. "
            "RF contracture limits running.")
    muscles = evidence_of(text)["muscles"]
    assert [(m["text"], m["site"]) for m in muscles] == [("rectus femoris", "thigh"),
                                                          ("RF", "thigh")]


def test_extract_a_diagnosis_set_aside_is_negated(evidence_of):
    evidence = evidence_of("Myogenic contracture of the left pectoralis major. Glenohumeral "
                           "capsule not restricting; adhesive capsulitis not supported.")
    assert [(a["text"], a["status"]) for a in evidence["arthrogenic"]] == \
        [("adhesive capsulitis", "negated")]
    assert [c["status"] for c in evidence["contractures"]] == ["affirmed"]


@pytest.mark.parametrize(("text", "status"), [
    ("PIP flex 35 deg vs 95 deg with MCP flexed, firm muscular end-feel.", "affirmed"),
    ("Web space abduction 30 deg vs L, firm muscular end-feel.", "affirmed"),
    ("Spasm vs muscular end-feel of the hamstrings, unclear.", "uncertain"),  # a differential
])
def test_extract_vs_before_a_value_compares(evidence_of, text, status):
    assert [m["status"] for m in evidence_of(text)["myogenic"]] == [status]


def test_extract_a_finding_the_assessment_sets_aside_is_negated(evidence_of):
    evidence = evidence_of("Assessment: restriction from sciatic neural tension; hamstring muscle "
                           "length is not the problem.")
    assert [(m["text"], m["status"]) for m in evidence["myogenic"]] == [("muscle length", "negated")]


def test_extract_cues_carry_status(evidence_of):
    ev = evidence_of("Thomas test negative. Popliteal angle 50 degrees. No spasm. Positive slump.")
    assert [(c["text"], c["status"]) for c in ev["myogenic"]] == [
        ("Thomas test", "negated"), ("Popliteal angle", "affirmed")]
    assert [c["status"] for c in ev["spasm"]] == ["negated"]
    assert [c["text"] for c in ev["neural"]] == ["slump"]


def test_extract_studies_ordered_and_resulted(evidence_of):
    ev = evidence_of("EMG ordered. MRI of the thigh showed fibrosis of the hamstrings.")
    studies = [(s["study"], s["state"]) for s in ev["studies"]]
    assert studies == [("EMG", "ordered"), ("MRI", "resulted")]
    assert ev["studies"][1]["findings"]["text"].startswith("showed fibrosis")


@pytest.mark.parametrize(("text", "cause"), [
    ("Left biceps contracture after a stroke.", "stroke"),
    ("Spastic diplegic cerebral palsy.", "cerebral palsy"),
    ("T10 spinal cord injury.", "spinal cord injury"),
    ("Sequela of traumatic brain injury.", "traumatic brain injury"),
    ("Multiple sclerosis for 10 years.", "multiple sclerosis"),
    ("Burn scar over the forearm.", "burn scar"),
    ("Postoperative scarring of the thigh.", "post-procedural scarring"),
    ("Six weeks of casting.", "immobilisation"),
    ("Compartment syndrome of the leg in 2019.", "compartment syndrome"),
    ("Secondary progressive MS since 2004.", "multiple sclerosis"),
    ("Right hemiparesis after a L MCA infarct.", "stroke"),  # the deficit is the stroke's
    ("Bed-bound resident.", "immobilisation"),
    ("Bed-bound since a L MCA infarct.", "stroke"),  # a state with a named cause is the cause's
])
def test_extract_causes(evidence_of, text, cause):
    assert [c["cause"] for c in evidence_of(text)["causes"]] == [cause]


def test_extract_function_needs_a_limit(evidence_of):
    assert evidence_of("Gait is normal.")["function"] == []
    assert evidence_of("Drives his car to work.")["function"] == []
    assert [f["text"] for f in evidence_of("Difficulty getting in and out of the car.")
            ["function"]] == ["car"]
    assert [f["text"] for f in evidence_of("Difficulty with stairs.")["function"]] == ["stairs"]
    assert [f["text"] for f in evidence_of("Crouch gait.")["function"]] == ["Crouch gait"]


@pytest.mark.parametrize(("text", "shortened"), [
    ("R elbow lacks 35 degrees of extension; biceps and brachialis palpably shortened.",
     {"biceps": True, "brachialis": True}),
    ("Muscle shortening of the right hamstrings and gastrocnemius.",
     {"hamstrings": True, "gastrocnemius": True}),
    ("Finger extension limited with the wrist neutral (FDS/FDP shortening).",
     {"FDS": True, "FDP": True}),
    ("Biceps strength 4/5; no shortening of the hamstrings.", {"Biceps": False, "hamstrings": False}),
])
def test_extract_muscles_documented_as_shortened(evidence_of, text, shortened):
    muscles = evidence_of(text)["muscles"]
    assert {m["text"]: m["shortened"] for m in muscles} == shortened


def test_extract_a_shortened_muscle_at_another_site_is_a_second_site(lint_text):
    note = ("Contracture of muscle, right upper arm - M62.421.\n"
            "R elbow lacks 35 degrees of extension; firm muscular end-feel; biceps palpably "
            "shortened. R finger extension limited to -40 degrees (FDS/FDP shortening).\n"
            "Needs assist for dressing after a stroke.")
    result = lint_text(note)
    assert result["suggested_codes"] == ["M62.49"]
    assert "NL202" in {f["rule"] for f in result["findings"]}


def test_extract_a_contracture_takes_the_side_its_muscle_has_elsewhere(evidence_of):
    evidence = evidence_of("HAND SURGERY FOLLOW-UP\nLEFT UPPER EXTREMITY EXAM |\n"
                           "  MMT | FPL 4-/5, musculotendinous junction shortened\n"
                           "Assessment | Myogenic contracture of the flexor pollicis longus.")
    (contracture,) = evidence["contractures"]
    assert (contracture["site"], contracture["laterality"]) == ("forearm", "left")


@pytest.mark.parametrize(("text", "state", "findings"), [
    ("Born at 29 weeks, PVL on infant MRI.", "resulted", "PVL"),
    ("Fibrosis of the medial gastrocnemius on ultrasound.", "resulted",
     "Fibrosis of the medial gastrocnemius"),
    ("Will follow up on MRI.", "ordered", None),
    ("Ortho ordered MRI L lower leg; results not yet available.", "ordered", None),
    ("MRI of the leg: results pending.", "ordered", None),
    ("MRI of the leg: fibrosis of the soleus.", "resulted", "fibrosis of the soleus."),
])
def test_extract_study_findings_before_the_study_and_results_still_to_come(
        evidence_of, text, state, findings):
    (study,) = evidence_of(text)["studies"]
    assert study["state"] == state
    assert (study["findings"] or {}).get("text") == findings


def test_extract_calves_are_a_region_and_calf_muscles_a_muscle_group(lint_text):
    region = lint_text("Impression: Contracture of muscle, lower leg, bilateral (calves); palpable "
                       "shortening, ankle DF -15 degrees.", ["M62.461", "M62.462"])
    assert not region["evidence"]["muscles"]
    (contracture,) = region["evidence"]["contractures"]
    assert (contracture["site"], contracture["laterality"]) == ("lower_leg", "bilateral")
    assert "NL101" in {f["rule"] for f in region["findings"]}  # a region documents no muscle
    group = lint_text("Contracture of the right calf muscles; ankle DF -15 degrees.")
    assert [m["text"] for m in group["evidence"]["muscles"]] == ["calf muscles"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Right biceps contracture. He can no longer bring a fork to his mouth.", "affirmed"),
    ("Right biceps contracture. He no longer needs help with transfers.", "negated"),
    ("Right hamstring contracture. Mechanical lift with two-person assist for all transfers.",
     "affirmed"),
])
def test_extract_function_limiters_own_their_negation(text, expected):
    # the negation of "can no longer" belongs to the ability; "no longer needs help" is none
    import notelint

    assert {f["status"] for f in notelint.lint(text).evidence["function"]} == {expected}


@pytest.mark.parametrize(("text", "side"), [
    ("His left leg was pinned under a pallet. Exam: shortening of the flexor hallucis longus. "
     "Impression: contracture of the flexor hallucis longus.", "left"),
    ("Burns of the left anterior upper arm. Assessment: biceps brachii contracture, myogenic.",
     "left"),
    ("Right upper extremity: wrist extension 15 degrees. Assessment: muscle contracture of the "
     "forearm.", "right"),
])
def test_extract_side_from_the_region_or_limb_elsewhere(text, side):
    # a sideless contracture takes the one side the note gives its region, else its limb
    import notelint

    (contracture,) = notelint.lint(text).evidence["contractures"]
    assert contracture["laterality"] == side


def test_extract_two_sideless_contractures_of_one_region_both_take_its_side():
    # the side the note gives a region serves every sideless contracture there, not the first
    import notelint

    text = ("Burns of the left anterior upper arm. Assessment: biceps brachii contracture. "
            "Also brachialis contracture, myogenic.")
    assert [c["laterality"] for c in notelint.lint(text).evidence["contractures"]] == ["left", "left"]


@pytest.mark.parametrize(("text", "status"), [
    # "not ... alone", "not only": the restriction has more than one source, none is denied
    ("The restriction is not from the scar alone: shortened, fibrotic adductor pollicis.",
     "affirmed"),
    ("Not only tightness: the hamstrings are shortened.", "affirmed"),
    ("The hamstrings are not shortened.", "negated"),
])
def test_extract_not_alone_is_no_negation(evidence_of, text, status):
    assert {c["status"] for c in evidence_of(text)["myogenic"]} == {status}


def test_extract_a_study_not_needed_is_not_ordered(evidence_of):
    (study,) = evidence_of("Plan: stretching; MRI not needed at this time.")["studies"]
    assert study["status"] == "negated"
    (study,) = evidence_of("Plan: stretching; MRI of the thigh ordered.")["studies"]
    assert (study["status"], study["state"]) == ("affirmed", "ordered")


@pytest.mark.parametrize(("text", "expected"), [
    # a side closing the muscle's own clause is nearer than one of an earlier comma clause
    ("popliteal angle 60 on the right and 20 on the left, the hamstrings are taut and "
     "shortened on the right", [("hamstrings", "right")]),
    ("hip flexion 100 right, quadriceps 5/5 bilaterally", [("quadriceps", "bilateral")]),
    # ... and a side word of the same clause before the muscle still wins
    ("on the left, hamstrings shortened on exam", [("hamstrings", "left")]),
])
def test_extract_side_closing_the_clause(evidence_of, text, expected):
    assert sides(evidence_of, text) == expected


@pytest.mark.parametrize(("text", "compared"), [
    # a range that changes with the other joint the muscle crosses: the muscle limits it
    ("Ankle dorsiflexion 0 degrees with the knee straight, 15 degrees with the knee bent.", True),
    ("Wrist extension is 15 degrees with the fingers extended and 55 degrees with the fingers "
     "flexed.", True),
    # one position alone is a test position, not a comparison
    ("Ankle dorsiflexion 0 degrees with the knee straight.", False),
    # a difference under 10 degrees is a normal two-joint range
    ("Dorsiflexion 15 degrees with the knee straight and 20 degrees with the knee bent.", False),
    # the neck's position changes a range by neural tension (slump), not by muscle length
    ("Knee extension stops at -30 degrees with the neck flexed and -5 degrees with the neck "
     "extended.", False),
])
def test_extract_muscle_length_by_position_comparison(evidence_of, text, compared):
    found = [c["text"] for c in evidence_of(text)["myogenic"] if c["text"].startswith("with")]
    assert bool(found) == compared


@pytest.mark.parametrize(("text", "label", "status"), [
    # a checked "[x] no" negates the finding right after it, not the next field
    ("Knee joint: [x] no effusion  [x] stable  [ ] crepitus", "arthrogenic", "negated"),
    ("Effusion: [ ] yes [x] no", "arthrogenic", "negated"),
    # an option left unchecked is not documented
    ("Functional status: [x] Independent with stairs  [ ] Needs assist", "function", "negated"),
    ("SLR neg B at 80 deg.", "neural", "negated"),  # "neg" is a spaCy symbol: now matched
])
def test_extract_templated_fields(evidence_of, text, label, status):
    found = [item["status"] for item in evidence_of(text)[label]]
    assert found == ([status] if status else [])


def test_extract_shorthand_b_is_bilateral(evidence_of):
    assert sides(evidence_of, "B HS PROM and stretch.") == [("HS", "bilateral")]
    assert evidence_of("Hepatitis B, hamstring tightness.")["sides"] == []


def test_extract_joint_disease_of_a_past_history_list_is_not_evidence(evidence_of):
    assert evidence_of("PMH: BPH, mild OA B knees.\nHamstring contracture.")["arthrogenic"] == []
    assert [a["text"] for a in evidence_of("Assessment: knee contracture due to OA.")
            ["arthrogenic"]] == ["OA"]


def test_extract_a_cue_takes_the_joint_of_its_section_title(evidence_of):
    (cue,) = evidence_of("Exam L elbow: flexion 105 deg, extension lacks 40 deg; pronation 60 "
                         "deg, supination 45 deg; capsular thickening palpable.")["arthrogenic"]
    assert (cue["joint"], cue["laterality"]) == ("elbow", "left")


@pytest.mark.parametrize(("text", "state"), [
    ("EMG/NCS (2024, outside hospital, report reviewed): chronic median neuropathy.", "resulted"),
    ("Plan: ultrasound-guided botulinum toxin to the biceps.", None),  # a guide, no study
    ("Plan: botulinum toxin under EMG guidance.", None),
])
def test_extract_study_reports_and_guidance(evidence_of, text, state):
    assert [s["state"] for s in evidence_of(text)["studies"]][:1] == ([state] if state else [])
