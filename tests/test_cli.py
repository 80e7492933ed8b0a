"""The notelint command line, run in-process with click's runner (same pipeline object)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from notelint.interfaces.cli import cli

GOOD = ("Right hamstring contracture, popliteal angle 60 degrees, knee flexion 4-/5, "
        "crouch gait due to cerebral palsy.\nAssessment: M62.451, G80.1.\n")
LESS_SPECIFIC = "Right hamstring contracture, popliteal angle 60 degrees.\nAssessment: M62.48\n"
NORMAL = "Knee exam normal. No contractures. Strength 5/5.\n"


@pytest.fixture
def notes(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "vague.txt").write_text(LESS_SPECIFIC, encoding="utf-8")
    (tmp_path / "normal.txt").write_text(NORMAL, encoding="utf-8")
    return tmp_path


def run(*args, stdin=None):
    return CliRunner().invoke(cli, list(args), input=stdin)


def test_cli_text_report_points_at_the_code(notes):
    result = run("check", str(notes / "vague.txt"))
    assert result.exit_code == 1
    line = f"{notes / 'vague.txt'}:2:13: NL201 [error] Documentation supports M62.451 (right thigh)"
    assert line in result.stdout
    assert result.stdout.rstrip().endswith(".")
    assert "Checked 1 note: 1 applicable" in result.stdout


def test_cli_json_matches_output_contract(notes):
    result = run("check", str(notes), "--format", "json")
    data = json.loads(result.stdout)
    assert data["notelint_version"]
    sources = [r["source"] for r in data["results"]]
    assert sources == sorted(sources) and len(sources) == 3
    keys = {"source", "applicable", "claimed_codes", "suggested_codes", "findings", "evidence",
            "error"}
    for r in data["results"]:
        assert keys <= set(r)
        for f in r["findings"]:
            assert {"rule", "name", "severity", "message", "start", "end", "line", "column",
                    "suggestion"} <= set(f)
    normal = next(r for r in data["results"] if r["source"].endswith("normal.txt"))
    assert normal["applicable"] is False and normal["findings"] == []


def test_cli_jsonl_streams_one_line_per_note(notes):
    result = run("check", str(notes), "--format", "jsonl")
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert all(json.loads(line)["error"] is None for line in lines)


def test_cli_jsonl_input_with_codes_and_bad_lines(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "a", "text": LESS_SPECIFIC.split("\n")[0], "codes": ["M62.48"]}),
        "{not json",
        json.dumps({"id": "c"}),
        json.dumps({"id": "a", "text": "again"}),
    ]) + "\n", encoding="utf-8")
    result = run("check", str(path), "--format", "jsonl")
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["source"] for r in rows] == ["a", f"{path}:2", "c", "a"]
    assert rows[0]["claimed_codes"] == ["M62.48"]
    assert [r["error"]["kind"] if r["error"] else None for r in rows] == [
        None, "bad-json", "bad-record", "duplicate-id"]


def test_cli_code_option_and_invalid_code(notes):
    result = run("check", str(notes / "good.txt"), "--code", "M62.459", "--format", "json")
    finding_rules = {f["rule"] for f in json.loads(result.stdout)["results"][0]["findings"]}
    assert "NL201" in finding_rules
    bad = run("check", str(notes / "good.txt"), "--code", "M62.999")
    assert bad.exit_code == 2
    assert "'M62.999' is not an ICD-10-CM code" in bad.stderr


def test_cli_select_ignore_severity_exit_zero(notes):
    path = str(notes / "vague.txt")
    only = json.loads(run("check", path, "--select", "NL2", "--format", "json").stdout)
    assert {f["rule"][:3] for f in only["results"][0]["findings"]} == {"NL2"}
    ignored = json.loads(run("check", path, "--ignore", "NL201,NL4", "--format", "json").stdout)
    rules = {f["rule"] for f in ignored["results"][0]["findings"]}
    assert "NL201" not in rules and not any(r.startswith("NL4") for r in rules)
    assert run("check", path, "--select", "NL602", "--severity", "warning").exit_code == 0
    assert run("check", path, "--select", "NL602", "--severity", "info").exit_code == 1
    assert run("check", path, "--exit-zero").exit_code == 0
    assert run("check", path, "--select", "NL999").exit_code == 2


def test_cli_statistics(notes):
    result = run("check", str(notes), "--statistics")
    assert "NL201  more-specific-code" in result.stdout


def test_cli_stdin():
    result = run("check", "-", "--format", "json", stdin=LESS_SPECIFIC)
    assert json.loads(result.stdout)["results"][0]["source"] == "-"


@pytest.mark.parametrize(("content", "kind", "words"), [
    (b"", "empty", "empty note"),
    (b"   \n\t ", "empty", "empty note"),
    (b"\x00\x01binary", "binary", "binary file"),
    ("Contracture \u00e9".encode("latin-1"), "encoding", "--encoding"),
])
def test_cli_bad_input_is_one_line_exit_2(tmp_path, content, kind, words):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    good = tmp_path / "z-good.txt"
    good.write_text(GOOD, encoding="utf-8")
    result = run("check", str(tmp_path), "--format", "jsonl")
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["error"]["kind"] == kind and words in rows[0]["error"]["message"]
    assert rows[1]["error"] is None  # the rest of the batch is still linted
    assert "Traceback" not in result.stderr


def test_cli_missing_path_and_empty_folder(tmp_path):
    result = run("check", str(tmp_path / "nope.txt"))
    assert result.exit_code == 2
    assert "no such file or folder" in result.stdout
    assert run("check", str(tmp_path)).exit_code == 2


def test_cli_encoding_option(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Right hamstring contracture, caf\u00e9.".encode("latin-1"))
    result = run("check", str(path), "--encoding", "latin-1", "--format", "json")
    assert json.loads(result.stdout)["results"][0]["applicable"] is True


def test_cli_config_file(tmp_path, notes):
    config = tmp_path / "notelint.toml"
    config.write_text('ignore = ["NL201"]\n[severity]\nNL602 = "error"\n', encoding="utf-8")
    data = json.loads(run("check", str(notes / "vague.txt"), "--config", str(config),
                          "--format", "json").stdout)
    findings = {f["rule"]: f["severity"] for f in data["results"][0]["findings"]}
    assert "NL201" not in findings and findings["NL602"] == "error"
    # NL201 speaks before NL204 about the M62.48 claim even where NL201 is not selected
    assert "NL204" not in findings
    config.write_text('colour = "red"\n', encoding="utf-8")
    bad = run("check", str(notes / "vague.txt"), "--config", str(config))
    assert bad.exit_code == 2 and "unknown key 'colour'" in bad.stderr


def test_cli_config_discovered_upward(tmp_path, notes, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.notelint]\nselect = ["NL201"]\n')
    sub = tmp_path / "deep"
    sub.mkdir()
    monkeypatch.chdir(sub)
    data = json.loads(run("check", str(notes / "vague.txt"), "--format", "json").stdout)
    assert {f["rule"] for f in data["results"][0]["findings"]} == {"NL201"}


def test_cli_bilateral_policy(tmp_path):
    path = tmp_path / "b.txt"
    path.write_text("Bilateral hamstring contractures, popliteal angle 60 degrees.\n")
    default = json.loads(run("check", str(path), "--format", "json").stdout)
    assert default["results"][0]["suggested_codes"] == ["M62.451", "M62.452"]
    multiple = json.loads(run("check", str(path), "--format", "json", "--bilateral",
                              "multiple-sites").stdout)
    assert multiple["results"][0]["suggested_codes"] == ["M62.49"]


def test_cli_extract(notes):
    table = run("extract", str(notes / "good.txt"))
    assert table.exit_code == 0 and "hamstring" in table.output
    data = json.loads(run("extract", str(notes / "good.txt"), "--format", "json").stdout)
    assert data["results"][0]["evidence"]["rom"][0]["degrees"] == 60


def test_cli_rule_docs():
    result = run("rule", "nl201")
    for heading in ("What it flags", "Why it matters", "Example", "How to fix", "Reference"):
        assert heading in result.stdout
    listing = run("rules").stdout.splitlines()
    assert len(listing) == 21 and listing[0].startswith("NL101  muscle-not-named")
    assert run("rule", "NL999").exit_code == 2


def test_cli_version():
    assert run("--version").output.startswith("notelint, version ")


def test_cli_progress_draws_only_on_a_terminal(monkeypatch):
    import io

    from notelint.interfaces import progress as module

    monkeypatch.setattr(module, "DELAY", 0.0)
    monkeypatch.setattr(module, "EVERY", 0.0)
    stream = io.StringIO()
    items = [{"n": i} for i in range(3)]
    assert list(module.progress(items, stream)) == items
    drawn = stream.getvalue()
    assert "notelint: 3 notes" in drawn and drawn.endswith("\r\033[K")


def _document(doc_id: str, text: str) -> dict:
    import base64

    return {"resourceType": "DocumentReference", "id": doc_id, "status": "current",
            "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                        "data": base64.b64encode(text.encode()).decode()}}]}


def test_cli_fhir_json_input_equals_the_text_note(notes, tmp_path):
    (tmp_path / "doc.json").write_text(json.dumps(_document("enc-42", LESS_SPECIFIC)))
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": _document("b1", GOOD)}, {"resource": {"resourceType": "Patient"}},
        {"resource": _document("b2", NORMAL)}]}
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    fhir = json.loads(run("check", str(tmp_path / "doc.json"), str(tmp_path / "bundle.json"),
                          "--format", "json").stdout)["results"]
    text = json.loads(run("check", str(notes / "vague.txt"), str(notes / "good.txt"),
                          str(notes / "normal.txt"), "--format", "json").stdout)["results"]
    assert [r["source"] for r in fhir] == ["enc-42", "b1", "b2"]
    assert [{**r, "source": None} for r in fhir] == [{**r, "source": None} for r in text]


def test_cli_invalid_fhir_json_is_one_line_exit_2(tmp_path):
    resource = _document("x", GOOD)
    resource["content"][0]["attachment"]["data"] = ["Right hamstring"]
    (tmp_path / "bad.json").write_text(json.dumps(resource))
    (tmp_path / "broken.json").write_text('{"resourceType": "Document')
    result = run("check", str(tmp_path / "bad.json"), str(tmp_path / "broken.json"), "--format", "jsonl")
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["error"]["kind"] for r in rows] == ["invalid-fhir", "bad-json"]
    assert "DocumentReference.content[0].attachment.data" in rows[0]["error"]["message"]
    assert "hamstring" not in result.stdout + result.stderr


def test_cli_run_in_a_callers_process_leaves_its_garbage_collector_alone(tmp_path):
    """Only the notelint command's own process pauses and freezes collection at start-up."""
    import gc

    note = tmp_path / "n.txt"
    note.write_text("Right hamstring contracture, popliteal angle 60 degrees.", encoding="utf-8")
    before = gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()
    result = CliRunner().invoke(cli, ["check", str(note), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    assert (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()) == before


def test_cli_start_up_collects_no_garbage_and_restores_collection(tmp_path):
    import subprocess
    import sys

    note = tmp_path / "n.txt"
    note.write_text("Right hamstring contracture, popliteal angle 60 degrees.", encoding="utf-8")
    code = ("import gc, sys\n"
            "big = []\n"
            "def count(phase, info):\n"
            "    if phase == 'start' and info['generation'] == 2: big.append(1)\n"
            "gc.callbacks.append(count)\n"
            "import atexit\n"
            "atexit.register(lambda: sys.stderr.write(f'{len(big)} {gc.get_threshold()[0]} '\n"
            "                                           f'{gc.get_freeze_count() > 10000}\\n'))\n"
            "from notelint.interfaces.cli import main; sys.argv[0] = 'notelint'; main()")
    child = subprocess.run([sys.executable, "-c", code, "check", str(note)], capture_output=True,
                           text=True, timeout=120)
    assert child.returncode == 1, child.stderr
    full, threshold, frozen = child.stderr.split()
    assert (full, frozen) == ("0", "True")  # no full collection; start-up's objects frozen
    assert int(threshold) > 0
