"""Golden tests and the rule meta-tests over samples/.

- every sample's result equals its reviewed golden file;
- every sample's findings are exactly the rules its hand-written expectation lists;
- every rule fires on at least one sample and stays quiet on at least one applicable sample;
- every rule has its documentation, and the README rule table is current.
"""

from __future__ import annotations

import json

import pytest
from goldens import SAMPLES, golden_path, render, results

from notelint.report.ruledocs import rules_markdown
from notelint.rules import RULES

EXPECTATIONS = {e["sample"]: e for e in map(json.loads, (SAMPLES / "expectations.jsonl").open())}
SAMPLE_FILES = sorted(p.name for p in SAMPLES.glob("*.txt"))


@pytest.fixture(scope="module")
def sample_results():
    return results()


def test_samples_each_has_golden_and_expectation():
    assert len(SAMPLE_FILES) >= 25
    assert sorted(EXPECTATIONS) == SAMPLE_FILES
    for name in SAMPLE_FILES:
        assert golden_path(SAMPLES / name).is_file(), f"{name} has no golden file"


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_samples_golden(sample_results, name):
    expected = golden_path(SAMPLES / name).read_text(encoding="utf-8")
    assert render(sample_results[f"samples/{name}"]) == expected, (
        "output changed: run `python tests/goldens.py` and review `git diff samples/`")


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_samples_fire_exactly_the_expected_rules(sample_results, name):
    result = sample_results[f"samples/{name}"]
    expected = EXPECTATIONS[name]
    assert result["applicable"] == expected["applicable"]
    assert sorted({f["rule"] for f in result["findings"]}) == sorted(expected["fires"])
    assert result["suggested_codes"] == expected["suggested"]


@pytest.mark.parametrize("code", sorted(RULES))
def test_samples_every_rule_fires_somewhere_and_is_quiet_somewhere(code):
    fires = [e for e in EXPECTATIONS.values() if code in e["fires"]]
    quiet = [e for e in EXPECTATIONS.values() if e["applicable"] and code not in e["fires"]]
    assert fires, f"{code} has no sample that fires it"
    assert quiet, f"{code} has no applicable sample where it must stay quiet"


@pytest.mark.parametrize("code", sorted(RULES))
def test_samples_every_rule_is_documented(code):
    spec = RULES[code]
    for text in (spec.name, spec.summary, spec.why, spec.example, spec.fix, spec.reference):
        assert text.strip(), f"{code} lacks documentation"


def test_samples_spans_index_the_original_text(sample_results):
    for name in SAMPLE_FILES:
        text = (SAMPLES / name).read_text(encoding="utf-8")
        result = sample_results[f"samples/{name}"]
        for items in result["evidence"].values():
            for item in items:
                assert text[item["start"]:item["end"]] == item["text"]
        for finding in result["findings"]:
            line_start = text.rfind("\n", 0, finding["start"]) + 1
            assert finding["line"] == text.count("\n", 0, finding["start"]) + 1
            assert finding["column"] == finding["start"] - line_start + 1


def test_readme_rule_table_is_current():
    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert table == rules_markdown(), "run `python -m notelint.report.ruledocs` to regenerate the table"
