"""Rule behaviour details not covered by a whole sample."""

from __future__ import annotations

import pytest


def findings(result, code):
    return [f for f in result["findings"] if f["rule"] == code]


def test_rules_nl302_names_each_piece_of_evidence_once(lint_text):
    result = lint_text("Right hamstring contracture. Osteoarthritis of the knee; knee osteoarthritis "
                       "with effusion.", codes=["M62.451"])
    (finding,) = findings(result, "NL302")
    assert finding["message"].startswith("'Osteoarthritis', 'effusion' point to a joint")


def test_rules_need_a_claim_only_where_the_spec_says(lint_text):
    result = lint_text("Right hamstring contracture after a stroke.")
    fired = {f["rule"] for f in result["findings"]}
    assert result["applicable"] and not fired & {"NL201", "NL202", "NL203", "NL204", "NL305", "NL601"}
    assert {"NL301", "NL401", "NL402", "NL403"} <= fired


def test_rules_not_applicable_note_is_quiet(lint_text):
    result = lint_text("No contractures. Hamstring tightness, spasm of the neck, EMG ordered.")
    assert result["applicable"] is False and result["findings"] == []


def _finding(result: dict, rule: str) -> dict:
    (finding,) = [f for f in result["findings"] if f["rule"] == rule]
    return finding


def test_rules_routing_findings_suggest_the_billable_code_of_the_place_and_side(lint_text):
    joint = lint_text("Right elbow flexion contracture, hard end-feel, heterotopic ossification.",
                      ["M62.421"])
    assert _finding(joint, "NL302")["suggestions"] == ["M24.521"]
    both = lint_text("Bilateral knee flexion contractures with effusion and capsular pattern.",
                     ["M62.451"])
    assert _finding(both, "NL302")["suggestions"] == ["M24.561", "M24.562"]
    no_side = lint_text("Knee flexion contracture with hard end-feel.", ["M62.459"])
    nl302 = _finding(no_side, "NL302")
    assert nl302["suggestions"] == ["M24.56-"] and "the side to be documented" in nl302["message"]
    spasm = lint_text("Lumbar paraspinal spasm, tender, relaxes with heat.", ["M62.48"])
    assert _finding(spasm, "NL303")["suggestions"] == ["M62.830"]
    calf = lint_text("Night cramps in the calf, resolve with stretching.", ["M62.461"])
    assert _finding(calf, "NL303")["suggestions"] == ["R25.2"]  # a cramp is R25.2
    heel = lint_text("Bilateral heel cord contractures, ankle DF to neutral.", ["M62.471"])
    assert _finding(heel, "NL307")["suggestions"] == ["M67.01", "M67.02"]


def test_rules_cause_codes_name_the_implant_or_the_injury_of_the_place(lint_text):
    note = ("Left hamstring contracture, popliteal angle 55 degrees, after left total knee "
            "arthroplasty. Difficulty with stairs.")
    assert _finding(lint_text(note, ["M62.452"]), "NL601")["suggestions"] == ["Z96.652"]
    note = ("Right gastrocnemius contracture after a right ankle fracture, Silfverskiold positive, "
            "DF -5 degrees.")
    cause = _finding(lint_text(note, ["M62.461"]), "NL601")
    assert cause["suggestions"] == ["S82.-"] and "7th character S" in cause["message"]
    note = "Right biceps contracture, palpable shortening. Plan: serial casting, splinting."
    assert not [f for f in lint_text(note, ["M62.421"])["findings"] if f["rule"] == "NL601"]


def test_rules_two_single_site_codes_are_nl205s_not_nl202s(lint_text):
    note = ("Right hamstring contracture, popliteal angle 60 degrees; right gastrocnemius "
            "contracture, Silfverskiold positive. Difficulty with stairs.")
    fired = {f["rule"] for f in lint_text(note, ["M62.451", "M62.461"])["findings"]}
    assert "NL205" in fired and "NL202" not in fired
    fired = {f["rule"] for f in lint_text(note, ["M62.451"])["findings"]}
    assert "NL202" in fired  # one single-site code for two sites


def test_rules_hereditary_spastic_paraplegia_is_its_own_cause(lint_text):
    note = ("Bilateral hamstring contractures, popliteal angle 60 degrees, due to hereditary "
            "spastic paraplegia. Difficulty with stairs.")
    (cause,) = lint_text(note)["evidence"]["causes"]
    assert cause["cause"] == "hereditary spastic paraplegia"
    assert not [f for f in lint_text(note, ["M62.451", "M62.452", "G11.4"])["findings"]
                if f["rule"] == "NL601"]


@pytest.mark.parametrize(("note", "causes"), [
    ("Right biceps contracture, palpable shortening, with right hemiparesis.", ["stroke"]),
    ("Right biceps contracture with right hemiparesis after diffuse axonal injury.",
     ["traumatic brain injury"]),   # a deficit is its named cause's, not a stroke
    ("Bilateral gastroc-soleus contracture with equinus gait, 2/2 spastic diplegic CP.",
     ["cerebral palsy"]),
])
def test_rules_a_deficit_stands_for_a_cause_only_when_none_is_named(lint_text, note, causes):
    assert [c["cause"] for c in lint_text(note)["evidence"]["causes"]] == causes


def test_rules_nl305_leaves_a_contracture_classified_elsewhere_to_nl307(lint_text):
    note = ("Silfverskiold test negative, consistent with contracture of the tendo-Achilles rather "
            "than gastrocnemius involvement. Impression: bilateral heel cord contractures.")
    fired = {f["rule"] for f in lint_text(note, ["M62.471", "M62.472"])["findings"]}
    assert "NL307" in fired and "NL305" not in fired


def test_rules_nl203_needs_a_documented_side_to_contradict(lint_text):
    result = lint_text("Finger flexor (FDS/FDP) contracture of the forearm, palpably shortened, "
                       "wrist extension 15 degrees.", ["M62.432"])
    fired = {f["rule"]: f["message"] for f in result["findings"]}
    assert "NL203" not in fired and "NL102" in fired  # no side documented: NL102, not NL203
    assert not any("side is ;" in message for message in fired.values())
