"""Fuzzing (issue 21): the JSONL reader, the FHIR reader, the configuration loader and the
HTTP endpoints, each under Hypothesis and over a corpus of the issue's cases (numbers of
5,000 digits, nesting 100,000 deep, lone surrogates, a byte-order mark, CR-only and CRLF
line breaks, ``charset=undefined``, 300 nested extensions, codes that are not codes).

The properties: a reader never raises past a line or a resource (each bad one is one
error note, the others are read); one result per input line, in order; every string of
a note is valid Unicode; no error message quotes the note's text; the configuration
loader raises ConfigError or nothing; the service never answers 500 and a batch answer
has one line per input line.

Budget, fixed for CI: each property has its own ``max_examples`` (:data:`BUDGET`, 4,210
examples in all) and ``deadline=None`` (a note takes milliseconds to seconds under a loaded
CI runner, which is not what is tested). On this 2-core machine the module takes about
30 s (pipeline load included), well under the 60 s it may add to CI.
The seed is Hypothesis' own (a failure prints it, and ``.hypothesis/`` replays it).
The OpenAPI-driven fuzzing of the same endpoints is tests/test_service.py::test_openapi_fuzz
(schemathesis, tests/fuzz/).
"""

from __future__ import annotations

import base64
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_reliability import BIG_NUMBER, DEEP, NOTE, SURROGATE_ID, _document, _nested_extensions

from notelint.config import ConfigError, from_mapping, load_file
from notelint.io import fhir
from notelint.io.inputs import fhir_file, jsonl
from notelint.io.note import Note

MARKER = "Qxzzyq"  # in every generated note's text: no error message may quote it
BUDGET = {"jsonl": 1000, "jsonl_records": 600, "fhir": 500, "fhir_file": 200, "config": 600,
          "toml": 500, "http_lint": 300, "http_batch": 150, "http_fhir": 300, "cli": 60}


def _budget(name: str) -> Any:
    return settings(max_examples=BUDGET[name], deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def _valid_unicode(note: Note) -> None:
    fields = [note.source, note.text, *note.codes]
    if note.error is not None:
        fields += [note.error.kind, note.error.message]
        assert MARKER not in note.error.message and "\n" not in note.error.message
    for value in fields:
        value.encode("utf-8")  # raises on a lone surrogate


# --- the corpus: the cases ---------------------------------------------------------------

AWKWARD_LINES = [
    BIG_NUMBER.encode(), DEEP.encode(), SURROGATE_ID.encode(),
    b'{"id": "a\\udfff", "text": "Left biceps contracture \\ud83d.", "codes": ["\\udc80"]}',
    b'{"id": 1e999, "text": "x"}', b'{"id": -0, "text": "x", "n": 1e-99999}',
    b'{"text": "' + b"\xff" * 3 + b'"}', b"\xef\xbb\xbf{}", b"\xef\xbb\xbf",
    b'{"id": "x", "text": "y", "codes": "' + b"1" * 5000 + b'"}', b"\x00", b"{" * 3000,
    b'{"text": "a", "codes": ["hello world", "<script>"]}', b'{"text": "a", "codes": {}}',
    b'{"text": "a", "codes": 0}', b'{"text": "a", "codes": [null]}', b'{"text": "\\u2028\\u2029"}',
    b'{"id": "\\u001b[2J\\n", "text": "a"}', b'{"id": true, "text": "a"}', b'{"id": [], "text": 1}',
    b"[1, 2]", b"null", b'"text"', b"", b"   ", b"\xed\xa0\x80", b"\xc0\xaf",
    b'{"text": "a", "text": "b"}', b'{"id": "dup", "text": "a"}', b'{"id": "dup", "text": "b"}',
]

AWKWARD_RESOURCES: list[Any] = [
    _document("u", content_type="text/plain; charset=undefined"),
    _document("z", content_type="text/plain; charset=zlib"),
    _document("w", content_type="text/plain; charset=utf-16", data=base64.b64encode(
        NOTE.encode("utf-16")).decode()),
    _document("n", content_type="text/html"), _document("b", data="!!notbase64"),
    _document("e", data=base64.b64encode(b"\xff\xfe\x00").decode()),
    _nested_extensions(300), _nested_extensions(30),
    {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": _document("same")}, {"resource": _document("same")}]},
    {"resourceType": "Bundle", "type": "collection", "entry": []},
    {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patient"}}]},
    {"resourceType": "Patient"}, {"resourceType": 5}, {}, [], "DocumentReference", 1e308, None,
    {"resourceType": "DocumentReference", "status": "current", "content": []},
    {"resourceType": "DocumentReference", "id": "\ud800", "status": "current",
     "content": [{"attachment": {"contentType": "text/plain", "data": "QQ=="}}]},
]


# --- the JSONL reader ----------------------------------------------------------------------------

_SEPARATORS = st.sampled_from([b"\n", b"\r\n", b"\r"])
_LINE = st.one_of(st.sampled_from(AWKWARD_LINES),
                  st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")))


@_budget("jsonl")
@given(st.lists(_LINE, max_size=12), _SEPARATORS, st.booleans())
@example([line for line in AWKWARD_LINES], b"\r", True)
@example([b'{"text": "a"}'] * 3, b"\r", False)
def test_fuzz_jsonl_reader_gives_one_note_per_line(lines, separator, bom):
    """Whatever the lines hold and whichever line break a file uses (LF, CRLF, CR only),
    with or without a byte-order mark: one note per line, never an exception."""
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(line + separator for line in lines)
    notes = list(jsonl(io.BytesIO(data), "batch.jsonl", None))
    assert len(notes) == len(lines)  # a blank line too is a line (an error note)
    for note in notes:
        _valid_unicode(note)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
_RECORD = st.fixed_dictionaries(
    {}, optional={"id": st.one_of(st.text(max_size=12), st.integers(), _JSON),
                  "text": st.one_of(st.text(max_size=80).map(lambda t: f"{MARKER} {t}"), _JSON),
                  "codes": st.one_of(st.lists(st.sampled_from(
                      ["M62.48", "m62451", "G35", "M62.4", "hello", "", "M62.45X1"]), max_size=3),
                      _JSON)})


@_budget("jsonl_records")
@given(st.lists(st.one_of(_RECORD, _JSON), min_size=1, max_size=10))
def test_fuzz_jsonl_records_of_any_shape(records):
    """JSON of any shape on each line (objects with or without id, text, codes of any
    type): one note per line; a good record is a note with its text, never an error."""
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    notes = list(jsonl(io.BytesIO(data), "r.jsonl", None))
    assert len(notes) == len(records)
    for record, note in zip(records, notes, strict=True):
        _valid_unicode(note)
        if note.error is None:  # its text, a lone surrogate mended one character for one
            assert isinstance(record, dict) and len(note.text) == len(record["text"])


# --- the FHIR reader -----------------------------------------------------------------------------

_CONTENT_TYPE = st.one_of(
    st.sampled_from(["text/plain", "text/plain; charset=utf-8", "text/plain; charset=undefined",
                     "text/plain; charset=latin-1", "text/plain; charset=utf-16", "text/html",
                     "text/plain; charset=rot13", "text/plain;charset=", ""]),
    st.text(max_size=30))
_DATA = st.one_of(st.text(max_size=60).map(lambda t: base64.b64encode(
    f"{MARKER} {t}".encode("utf-8", "surrogatepass")).decode()), st.text(max_size=20), _JSON)


def _resource(draw: Any) -> Any:
    document = {"resourceType": "DocumentReference",
                "id": draw(st.one_of(st.from_regex(r"[A-Za-z0-9\-.]{1,64}", fullmatch=True),
                                     st.text(max_size=10), _JSON)),
                "status": draw(st.sampled_from(["current", "superseded", "entered-in-error", "x"])),
                "content": [{"attachment": {"contentType": draw(_CONTENT_TYPE), "data": draw(_DATA)}}
                            for _ in range(draw(st.integers(0, 2)))]}
    for key in draw(st.lists(st.sampled_from(list(document)), max_size=2)):
        document[key] = draw(_JSON)  # a field of the wrong type
    if draw(st.booleans()):
        document["extension"] = [_nested_extensions(draw(st.integers(0, 40)))["extension"][0]]
    return document


@st.composite
def _resources(draw: Any) -> Any:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return _resource(draw)
    if kind == 1:
        return {"resourceType": "Bundle", "type": draw(st.sampled_from(["collection", "batch", "x"])),
                "entry": [{"resource": _resource(draw)} for _ in range(draw(st.integers(0, 3)))]}
    if kind == 2:
        return draw(st.sampled_from(AWKWARD_RESOURCES))
    return draw(_JSON)


@_budget("fhir")
@given(_resources())
def test_fuzz_fhir_reader_raises_only_its_own_error(resource):
    """A DocumentReference, a Bundle or any JSON: notes (one per DocumentReference, each
    valid Unicode, no text in messages) or FhirError, nothing else."""
    try:
        notes = fhir.notes(resource, ["M62.48"])
    except fhir.FhirError as exc:
        assert MARKER not in str(exc)
        return
    assert notes
    for note in notes:
        _valid_unicode(note)


@_budget("fhir_file")
@given(st.one_of(_resources().map(lambda r: json.dumps(r).encode()),
                 st.sampled_from([BIG_NUMBER.encode(), DEEP.encode(), b"\xef\xbb\xbf{}", b"\xff",
                                  b'{"resourceType": "Bundle"' + b"\r" * 3 + b"}"]),
                 st.binary(max_size=80)))
def test_fuzz_fhir_file_is_read_to_error_notes_never_an_exception(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.json"
        path.write_bytes(data)
        notes = list(fhir_file(path, "doc.json", 1_000_000))
    assert notes
    for note in notes:
        _valid_unicode(note)


# --- the configuration loader ---------------------------------------------------------------------

_KEYS = st.sampled_from(["select", "ignore", "severity", "bilateral", "fail-on", "tool", "timeout",
                         "Select", ""])
_VALUES = st.one_of(_JSON, st.sampled_from(["NL2", "NL201, NL4", "NL9", "nl101", "XX999",
                                            "right-left", "warning", "info"]),
                    st.dictionaries(st.sampled_from(["NL201", "XX999", "nl101", ""]),
                                    st.sampled_from(["info", "error", "fatal", 5])),
                    st.lists(st.sampled_from(["NL2", "NL9", "", "NL101", 7]), max_size=3))


@_budget("config")
@given(st.one_of(st.dictionaries(_KEYS, _VALUES, max_size=4), _JSON))
def test_fuzz_config_table_is_config_or_config_error(table):
    try:
        conf = from_mapping(table, "notelint.toml")
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("notelint.toml") and "\n" not in message
        return
    assert all(conf.enabled(code) in (True, False) for code in ("NL101", "NL201"))


@_budget("toml")
@given(st.sampled_from(["notelint.toml", "pyproject.toml"]),
       st.one_of(st.text(max_size=200), st.binary(max_size=80),
                 st.sampled_from(['tool = 5', '[tool]\nnotelint = "x"', 'select = ["NL9"]',
                                  '[severity]\nXX999 = "info"', 'select = "NL2"\nfail-on = 3',
                                  "\ufeffselect = []", "a = " + "[" * 5000, "n = " + "1" * 5000,
                                  "[tool.notelint]\nselect = [\"NL2\"]\nbogus = 1"])))
def test_fuzz_config_file_is_config_or_config_error(name, content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "replace"))
        try:
            load_file(path)
        except ConfigError as exc:
            assert str(exc).startswith(str(path))


# --- the HTTP endpoints ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(service_client):
    return service_client


def _json_lines(text: str) -> list[Any]:
    """JSON Lines split at LF only: str.splitlines would also split at a U+2028 or U+0085
    that a JSON string holds raw (valid JSON, written as is with ensure_ascii=False)."""
    assert text.endswith("\n") or not text
    return [json.loads(line) for line in text.split("\n")[:-1]]


def _error_body(response: Any) -> None:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"kind", "message"}
    assert MARKER not in response.text


_LINT_BODIES = st.one_of(
    _RECORD.map(lambda r: json.dumps(r).encode()), _JSON.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=80), st.sampled_from(AWKWARD_LINES))


@_budget("http_lint")
@given(_LINT_BODIES)
def test_fuzz_http_lint_never_500(client, body):
    response = client.post("/v1/lint", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (200, 400, 422), response.text[:300]
    if response.status_code == 200:
        assert set(response.json()) >= {"source", "findings", "error"}
    else:
        _error_body(response)


@_budget("http_batch")
@given(st.lists(st.one_of(_RECORD.map(lambda r: json.dumps(r).encode()), _LINE),
                min_size=1, max_size=8), _SEPARATORS)
def test_fuzz_http_batch_one_result_per_line(client, lines, separator):
    body = b"".join(line + separator for line in lines)
    response = client.post("/v1/lint/batch", content=body)
    if not body.strip():
        assert response.status_code == 422
        return
    assert response.status_code == 200, response.text[:300]
    rows = _json_lines(response.text)
    assert len(rows) == len(lines)
    assert all(MARKER not in json.dumps(r["error"]) for r in rows)


@_budget("http_fhir")
@given(st.one_of(_resources().map(lambda r: json.dumps(r).encode()), st.binary(max_size=60),
                 st.sampled_from([BIG_NUMBER.encode(), DEEP.encode()])),
       st.lists(st.sampled_from(["M62.48", "hello world", "<script>", "\ufffd", ""]), max_size=2))
def test_fuzz_http_fhir_never_500(client, body, codes):
    response = client.post("/v1/fhir/DocumentReference", content=body,
                           params=[("codes", code) for code in codes],
                           headers={"content-type": "application/fhir+json"})
    assert response.status_code in (200, 400, 422), response.text[:300]
    if response.status_code != 200:
        _error_body(response)


# --- end to end: the CLI on a fuzzed JSONL file ------------------------------------------------------

@_budget("cli")
@given(st.lists(st.one_of(_RECORD.map(lambda r: json.dumps(r).encode()), _LINE), min_size=1,
                max_size=10), _SEPARATORS)
def test_fuzz_cli_one_result_per_jsonl_line(lines, separator):
    from click.testing import CliRunner

    from notelint.interfaces.cli import cli

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "batch.jsonl"
        path.write_bytes(b"".join(line + separator for line in lines))
        result = CliRunner().invoke(cli, ["check", str(path), "--format", "jsonl", "-q"])
    assert result.exit_code in (0, 1, 2) and "internal error" not in result.output
    rows = _json_lines(result.stdout)
    assert len(rows) == len(lines)
    assert all(MARKER not in json.dumps(r["error"]) for r in rows)
    assert MARKER not in result.stderr
