"""Issue 17: every code notelint prints is a code of the ICD-10-CM tabular (billable, or a
category written with a dash) and agrees with the findings beside it, on every sample and on
every coded note of the blind and tuning sets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from notelint import codes
from notelint.evidence.suggest import sides_agree
from notelint.io.note import from_text
from notelint.rules.registry import ROUTING

ROOT = Path(__file__).resolve().parent.parent
# a code as printed: "M62.451", "M24.56-", "I69.-", "S82.-", "R25.2", "T20-" of "T20-T25"
CODE = re.compile(r"(?<![\w.])([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?)(-?)(?![\w])")
NAMING = ("NL201", "NL202", "NL308")  # findings that name the M62.4- code itself


def _notes() -> list:
    notes = [from_text(f"samples/{p.name}", p.read_text(encoding="utf-8"), [])
             for p in sorted((ROOT / "samples").glob("*.txt"))]
    for folder in ("evaluation/blind/scenarios", "evaluation/tuning"):
        for path in sorted((ROOT / folder).glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                case = json.loads(line)
                notes.append(from_text(case["id"], case["text"], case.get("codes", [])))
    return notes


@pytest.fixture(scope="module")
def results(linter):
    found = list(linter.lint(_notes()))
    assert len(found) > 200
    return found


def _printed(result: dict) -> set[str]:
    printed = set(result["suggested_codes"])
    for finding in result["findings"]:
        printed |= set(finding["suggestions"])
        printed |= {stem + dash for stem, dash in CODE.findall(finding["message"])}
    return printed


def _valid(code: str) -> bool:
    """Billable, or a category of the tabular written with its dash."""
    import simple_icd_10_cm as cm

    stem = code.removesuffix("-").removesuffix(".")
    if not cm.is_valid_item(stem):
        return False
    return cm.is_leaf(stem) != code.endswith("-")


def test_every_printed_code_is_in_the_tabular(results):
    bad = {f"{r['source']}: {code}" for r in results for code in _printed(r) if not _valid(code)}
    assert not bad, sorted(bad)


def test_suggested_codes_are_billable_m624_codes_the_evidence_documents(results):
    for result in results:
        evidence = result["evidence"]
        muscles = {m["start"]: m for m in evidence["muscles"]}
        contractures = [c for c in evidence["contractures"]
                        if c["status"] == "affirmed" and c["kind"] == "muscle"]
        for code in result["suggested_codes"]:
            assert codes.is_m624(code) and codes.table()[code]["billable"], (result["source"], code)
            site, side = codes.site_side(code)
            if site in {"multiple", "unspecified"}:
                continue
            # a contracture of that site, on that side, by its own words or its muscles'
            places = [(c["site"], c["laterality"]) for c in contractures]
            places += [(muscles[s]["site"], muscles[s]["laterality"] or c["laterality"])
                       for c in contractures for s in c["muscles"] if s in muscles]
            # ... or a muscle the note documents as shortened, beside a muscle contracture
            places += [(m["site"], m["laterality"]) for m in evidence["muscles"]
                       if m["shortened"] and contractures]
            assert any(p_site == site and sides_agree(p_side, side) for p_site, p_side in places), \
                (result["source"], code, places)
        pairs = [(a, b) for a in result["suggested_codes"] for b in result["suggested_codes"] if a < b]
        assert not any(codes.excludes(a, b) for a, b in pairs), (result["source"], pairs)


def test_findings_agree_with_the_suggested_codes_and_the_verdict(results):
    for result in results:
        fired = {f["rule"] for f in result["findings"]}
        where = (result["source"], sorted(fired), result["suggested_codes"])
        for finding in result["findings"]:
            assert finding["suggestion"] == (finding["suggestions"] or [None])[0], where
            if finding["rule"] in NAMING:
                assert set(finding["suggestions"]) <= set(result["suggested_codes"]), where
            if finding["rule"] in ROUTING:
                assert not any(codes.is_m624(c) for c in finding["suggestions"]), where
        if fired & set(ROUTING):
            assert result["suggested_codes"] == [], where  # routed away: no M62.4- code
            assert result["verdict"] == "not-m62.4", where
        if result["verdict"] == "supported":
            assert not [f for f in result["findings"] if f["severity"] in {"error", "warning"}], where
            assert set(result["suggested_codes"]) <= set(result["claimed_codes"]), where
        if not result["applicable"]:
            assert result["verdict"] == "not-applicable" and not result["suggested_codes"], where
