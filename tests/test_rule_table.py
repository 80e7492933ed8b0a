"""The rule table: every rule's record holds a note that fires it (``example``) and one on
which it must stay silent (``quiet``); both are linted here as written, with the codes they
write ("Assessment: M62.451", "Claimed: M24.562")."""

from __future__ import annotations

import pytest

from notelint.rules import RULES


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_table_example_fires_its_rule(lint_text, code):
    fired = {f["rule"] for f in lint_text(RULES[code].example)["findings"]}
    assert code in fired, (RULES[code].example, sorted(fired))


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_table_quiet_note_does_not(lint_text, code):
    result = lint_text(RULES[code].quiet)
    assert result["applicable"] or code == "NL308", RULES[code].quiet  # a quiet note is checked
    assert code not in {f["rule"] for f in result["findings"]}, RULES[code].quiet


# branches that small mutations of the rule logic left untested (issue 19)

def test_rule_table_a_historical_cause_still_asks_for_its_code(lint_text):
    result = lint_text("Left biceps contracture with palpable shortening; history of stroke in "
                       "2019. Claimed: M62.422.")
    assert "NL601" in {f["rule"] for f in result["findings"]}


def test_rule_table_a_site_without_sided_codes_needs_no_side(lint_text):
    result = lint_text("Lumbar paraspinal contracture with palpable shortening. Claimed: M62.48.")
    assert result["applicable"]
    assert "NL102" not in {f["rule"] for f in result["findings"]}
    sided = lint_text("Hamstring contracture with palpable shortening. Claimed: M62.459.")
    assert "NL102" in {f["rule"] for f in sided["findings"]}


@pytest.mark.parametrize(("select", "ignore", "on"), [
    (("NL2",), ("NL20",), {"NL201": False, "NL205": False, "NL301": False}),
    (("NL201",), ("NL2",), {"NL201": True, "NL202": False}),   # the longer prefix wins
    ((), ("NL6",), {"NL601": False, "NL101": True}),
    (("NL2",), ("NL2",), {"NL201": False}),    # the same prefix in both: ignore wins, as in ruff
    (("NL201",), ("NL201",), {"NL201": False}),
    (("ALL",), ("NL6",), {"NL601": False, "NL101": True}),  # ALL is the shortest prefix
])
def test_rule_table_select_and_ignore_longest_prefix_wins(select, ignore, on):
    from notelint.config import Config

    config = Config(select=select, ignore=ignore)
    assert {code: config.enabled(code) for code in on} == on


def test_rule_table_bilateral_m6249_follows_the_bilateral_policy(lint_text):
    """Right and left contractures of one site under a claimed M62.49: by default they are two
    codes of one site (NL202 asks for them); with ``bilateral = "multiple-sites"`` M62.49 is
    the claim the policy wants, and NL202 stays silent."""
    text = ("Right and left hamstring contractures, popliteal angle 60 degrees on each side. "
            "Assessment: M62.49.")
    default = lint_text(text)
    assert "NL202" in {f["rule"] for f in default["findings"]}
    assert default["suggested_codes"] == ["M62.451", "M62.452"]
    from notelint import lint

    policy = lint(text, config={"bilateral": "multiple-sites"})
    assert policy["suggested_codes"] == ["M62.49"]
    assert "NL202" not in {f["rule"] for f in policy["findings"]}
