"""The Python API: typed results whose to_dict() is the CLI's JSON result object."""

from __future__ import annotations

import json

from click.testing import CliRunner

import notelint
from notelint.interfaces.cli import cli

NOTE = "Right hamstring contracture, popliteal angle 60 degrees, 4-/5, crouch gait.\n"


def test_api_lint_returns_typed_result():
    result = notelint.lint(NOTE, codes=["M62.48"])
    assert isinstance(result, notelint.Result)
    assert result.suggested_codes == ["M62.451"]
    assert {f.rule for f in result.findings} >= {"NL201"} and result.verdict == "recode"
    assert all(isinstance(f, notelint.Finding) for f in result.findings)


def test_api_to_dict_equals_cli_json(tmp_path):
    path = tmp_path / "n.txt"
    path.write_text(NOTE, encoding="utf-8")
    cli_result = json.loads(CliRunner().invoke(
        cli, ["check", str(path), "--format", "json", "--code", "M62.48"]).stdout)["results"][0]
    api_result = notelint.lint(NOTE, codes=["M62.48"], source=str(path)).to_dict()
    assert api_result == cli_result
    assert notelint.Result.from_dict(api_result).to_dict() == api_result


def test_api_config_mapping():
    result = notelint.lint(NOTE, codes=["M62.48"], config={"select": ["NL2"]})
    assert {f.rule[:3] for f in result.findings} == {"NL2"}


def test_api_lint_many_in_order_with_bad_items_and_jobs():
    items = [NOTE, {"id": "b", "text": "No contractures."}, {"id": "c"}, NOTE * 2]
    for jobs in (1, 2):
        results = list(notelint.lint_many(items, jobs=jobs))
        assert [r.source for r in results] == ["1", "b", "c", "4"]
        assert [r.applicable for r in results] == [True, False, False, True]
        assert results[2].error["kind"] == "bad-record"
