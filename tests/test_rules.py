"""Rule behaviour details not covered by a whole sample."""

from __future__ import annotations


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
