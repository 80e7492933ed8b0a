"""Chart review at team scale (issue 20), the whole loop on 200 generated notes.

check -> write a baseline -> edit 10 notes -> check with the baseline reports exactly the
new findings -> summary by provider and vendor -> a CSV work queue with one row per
finding. The notes are made from the samples' texts (never the corpus), each with its
own id, provider, specialty and scribe vendor; everything runs through one in-process
CLI over a JSON Lines file, the way a CDI team would run it.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from notelint.interfaces.cli import cli

PROVIDERS = ("Dr Ames", "Dr Baker", "Dr Chen", "Dr Diaz", "Dr Evans")
SPECIALTIES = ("PM&R", "Orthopaedics", "Neurology", "Hand therapy")
VENDORS = ("ScribeCo", "VoiceNote", "AmbientMD")
COUNT = 200
EDITED = range(0, COUNT, COUNT // 10)  # ten notes, spread over the batch
# an addendum put above the note (every line below it moves down) that documents an
# ordered study with no results yet: NL501 where the note is applicable
# a study no sample mentions, so that the finding it adds is new wherever the sample cycle falls
ADDENDUM = "Scribe addendum: diagnostic ultrasound of the muscle ordered today, results to follow.\n"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.stdout


def generated_notes() -> list[dict]:
    """200 JSON Lines records from the samples' texts, with varied ids and metadata."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    return [{"id": f"enc-{i:04d}", "text": texts[i % len(texts)],
             "provider": PROVIDERS[i % len(PROVIDERS)], "specialty": SPECIALTIES[i % len(SPECIALTIES)],
             "vendor": VENDORS[(i // 7) % len(VENDORS)], "encounter_date": f"2026-11-{1 + i % 28:02d}"}
            for i in range(COUNT)]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def results_of(path: Path, *options: str) -> list[dict]:
    _, out = run("check", str(path), "--format", "jsonl", "--exit-zero", *options)
    return [json.loads(line) for line in out.splitlines()]


def quoted(result: dict, text: str) -> Counter:
    """A note's findings as what they say and point at, wherever the text moved."""
    return Counter((f["rule"], text[f["start"]:f["end"]], f["message"]) for f in result["findings"])


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("team")
    records = generated_notes()
    notes = write_jsonl(folder / "november.jsonl", records)
    before = results_of(notes)
    baseline = folder / "reviewed.json"
    status, said = run("check", str(notes), "--write-baseline", str(baseline), "--reviewer", "CDI team",
                       "--reason", "queried and answered")
    edited_records = [{**r, "text": ADDENDUM + r["text"]} if i in EDITED else r
                      for i, r in enumerate(records)]
    edited = write_jsonl(folder / "november-edited.jsonl", edited_records)
    after = results_of(edited)
    new_only = results_of(edited, "--baseline", str(baseline))
    return {"folder": folder, "records": records, "edited_records": edited_records, "before": before,
            "after": after, "new_only": new_only, "baseline": baseline, "write_status": status,
            "write_said": said, "edited": edited}


def test_team_workflow_baseline_holds_every_finding_and_no_note_text(loop):
    assert loop["write_status"] == 0
    data = json.loads(loop["baseline"].read_text(encoding="utf-8"))
    entries = data["entries"]
    total = sum(len(r["findings"]) for r in loop["before"])
    assert total > COUNT  # the samples are mostly applicable, with several findings each
    assert len(entries) == total and f"Wrote {total} baseline entries" in loop["write_said"]
    assert Counter((e["source"], e["rule"]) for e in entries) == Counter(
        (r["source"], f["rule"]) for r in loop["before"] for f in r["findings"])
    assert {e["reviewer"] for e in entries} == {"CDI team"}
    assert {e["reason"] for e in entries} == {"queried and answered"}
    # hashes only: no quoted evidence, no word of any note
    raw = loop["baseline"].read_text(encoding="utf-8")
    for result in loop["before"]:
        for items in result["evidence"].values():
            for item in items:
                if len(item["text"]) >= 6:
                    assert item["text"] not in raw


def test_team_workflow_baseline_is_stable_under_reruns(loop, tmp_path):
    again = tmp_path / "again.json"
    again.write_bytes(loop["baseline"].read_bytes())
    run("check", str(loop["folder"] / "november.jsonl"), "--write-baseline", str(again),
        "--reviewer", "someone else")
    assert again.read_bytes() == loop["baseline"].read_bytes()  # kept as reviewed, byte for byte


def test_team_workflow_check_with_baseline_reports_exactly_the_new_findings(loop):
    records, before, after, new_only = (loop[k] for k in ("edited_records", "before", "after", "new_only"))
    assert [r["source"] for r in new_only] == [r["id"] for r in records]
    expected_total = 0
    for i, (old, new, reported) in enumerate(zip(before, after, new_only, strict=True)):
        original = loop["records"][i]["text"]
        text = records[i]["text"]
        expected = quoted(new, text) - quoted(old, original)  # what the edit added
        assert quoted(reported, text) == expected, reported["source"]
        if i not in EDITED:
            assert reported["findings"] == [], reported["source"]
        expected_total += sum(expected.values())
    # the addendum added findings (and moved every old one down a line: still baselined)
    assert expected_total >= 5
    assert {f["rule"] for r in new_only for f in r["findings"]} >= {"NL501"}
    assert all(f["line"] == 1 for r in new_only for f in r["findings"] if f["rule"] == "NL501")


def test_team_workflow_show_baselined_marks_the_old_findings(loop):
    status, out = run("check", str(loop["edited"]), "--baseline", str(loop["baseline"]),
                      "--show-baselined", "--format", "jsonl")
    shown = [json.loads(line) for line in out.splitlines()]
    assert [len(r["findings"]) for r in shown] == [len(r["findings"]) for r in loop["after"]]
    new = sum(not f["baselined"] for r in shown for f in r["findings"])
    assert new == sum(len(r["findings"]) for r in loop["new_only"])
    assert status == 1  # the new findings fail the run; the baselined ones alone would not


def test_team_workflow_stale_entries_are_reported(loop, tmp_path):
    """A note whose documentation was fixed leaves entries that match nothing: reported."""
    records = [dict(r) for r in loop["records"][:20]]
    fixed = next(i for i, r in enumerate(loop["before"][:20]) if r["findings"])
    records[fixed]["text"] = "Knee exam normal. No contractures. Strength 5/5.\n"
    notes = write_jsonl(tmp_path / "fixed.jsonl", records)
    _, out = run("check", str(notes), "--baseline", str(loop["baseline"]), "--no-show-source")
    stale = len(loop["before"][fixed]["findings"])
    assert f"{stale} stale entr" in out
    source = records[fixed]["id"]
    assert sum(line.startswith(f"  {source}: NL") for line in out.splitlines()) == stale


def test_team_workflow_summary_by_provider_and_vendor(loop, tmp_path):
    results = tmp_path / "results.jsonl"
    run("check", str(loop["edited"]), "--format", "jsonl", "-o", str(results))
    after = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    assert after == loop["after"]  # -o writes what standard output would have
    for by, names in (("provider", PROVIDERS), ("vendor", VENDORS)):
        status, out = run("summary", str(results), "--by", by, "--format", "json")
        assert status == 0
        summary = json.loads(out)
        groups = {g["group"]: g for g in summary["groups"]}
        assert sorted(groups) == sorted(names)
        for name, group in groups.items():
            mine = [r for r in after if r["meta"][by] == name]
            assert group["notes"] == len(mine)
            assert group["applicable"] == sum(r["applicable"] for r in mine)
            assert group["findings"] == sum(len(r["findings"]) for r in mine)
            assert group["verdicts"] == {v: sum(r["verdict"] == v for r in mine) for v in group["verdicts"]}
            assert group["rules"] == {code: sum(f["rule"] == code for r in mine for f in r["findings"])
                                      for code in group["rules"]}
        assert summary["total"]["notes"] == COUNT
        _, table = run("summary", str(results), "--by", by)
        lines = table.splitlines()
        assert lines[0].split()[:3] == [by, "notes", "applicable"]
        assert lines[-1].split()[:2] == ["total", str(COUNT)]


def test_team_workflow_csv_work_queue_one_row_per_finding(loop, tmp_path):
    queue = tmp_path / "queue.csv"
    run("check", str(loop["edited"]), "--format", "csv", "-o", str(queue))
    with queue.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    findings = [(r, f) for r in loop["after"] for f in r["findings"]]
    assert len(rows) == len(findings)
    for row, (result, finding) in zip(rows, findings, strict=True):
        assert row["source"] == result["source"] and row["verdict"] == result["verdict"]
        assert (row["provider"], row["vendor"]) == (result["meta"]["provider"], result["meta"]["vendor"])
        assert (row["rule"], row["severity"], row["message"]) == (
            finding["rule"], finding["severity"], finding["message"])
        assert (int(row["line"]), int(row["column"])) == (finding["line"], finding["column"])
        assert row["suggestion"] == (finding["suggestion"] or "")
    # the same rows reach standard output, where csv reads them too
    _, out = run("check", str(loop["edited"]), "--format", "csv")
    assert len(list(csv.DictReader(io.StringIO(out, newline="")))) == len(findings)
