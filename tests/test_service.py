"""The HTTP service, tested against the real server: ``notelint serve`` under uvicorn on a
free loopback port, with answers compared to the CLI's for the same notes."""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")
pytest.importorskip("schemathesis")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples").glob("*.txt"))
MARKER = "ZZQX-PATIENT-MARKER"  # must never come back in an error body or a log line


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(base: str, process: subprocess.Popen | None = None, timeout: float = 90) -> list[int]:
    """Poll /healthz until 200; the statuses seen on the way."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            status = httpx.get(f"{base}/healthz", timeout=5).status_code
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        seen.append(status)
        if status == 200:
            return seen
        time.sleep(0.05)
    raise TimeoutError("server not ready")


@pytest.fixture(scope="module")
def notes() -> dict[str, dict]:
    """Every sample twice: ``n<i>`` as written, ``n<i>c`` with M62.48 claimed."""
    out = {}
    for i, path in enumerate(SAMPLES):
        text = path.read_text(encoding="utf-8")
        out[f"n{i}"] = {"id": f"n{i}", "text": text, "codes": []}
        out[f"n{i}c"] = {"id": f"n{i}c", "text": text, "codes": ["M62.48"]}
    return out


@pytest.fixture(scope="module")
def cli_results(notes, tmp_path_factory) -> dict[str, dict]:
    """The CLI's result of every note, by id."""
    folder = tmp_path_factory.mktemp("cli")
    batch = folder / "notes.jsonl"
    batch.write_text("".join(json.dumps(n) + "\n" for n in notes.values()), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "notelint", "check", str(batch), "--format", "jsonl",
                          "--exit-zero", "-q"], cwd=folder, capture_output=True, text=True, check=True)
    results = [json.loads(line) for line in run.stdout.splitlines()]
    return {r["source"]: r for r in results}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict]:
    """``notelint serve --workers 2`` on a free loopback port; its stderr goes to a file."""
    folder = tmp_path_factory.mktemp("server")
    port = _free_port()
    log = folder / "server.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "notelint", "serve", "--port", str(port),
                                    "--workers", "2"], cwd=folder, stdout=stderr, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        yield {"base": base, "log": log}
    finally:
        process.terminate()
        process.wait(timeout=30)


def _post_note(base: str, note: dict, client=httpx) -> dict:
    response = client.post(f"{base}/v1/lint", json=note, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_single_lint_equals_cli(server, notes, cli_results):
    result = _post_note(server["base"], notes["n3c"])
    assert result == cli_results["n3c"]
    assert result["claimed_codes"][0] == "M62.48"


def test_metadata_reaches_the_result_and_a_bad_value_is_422(server, notes):
    meta = {"provider": "Dr Ames", "specialty": "PM&R", "facility": "North", "vendor": "ScribeCo",
            "encounter_date": "2026-11-30"}
    result = _post_note(server["base"], {**notes["n2"], **meta})
    assert result["meta"] == meta
    assert _post_note(server["base"], notes["n2"])["meta"] == dict.fromkeys(meta)
    response = httpx.post(f"{server['base']}/v1/lint", json={**notes["n2"], "vendor": "x" * 201})
    assert response.status_code == 422 and "vendor" in response.json()["error"]["message"]


def test_note_without_id_is_named_request(server, notes):
    result = _post_note(server["base"], {"text": notes["n1"]["text"]})
    assert result["source"] == "request"


def test_empty_text_is_an_error_result(server):
    response = httpx.post(f"{server['base']}/v1/lint", json={"text": "  "})
    assert response.status_code == 200
    assert response.json()["error"]["kind"] == "empty"


def test_batch_streams_one_result_per_line_with_bad_lines(server, notes, cli_results):
    good = [notes["n0"], notes["n5c"], notes["n7"]]
    lines = [json.dumps(good[0]), "not json " + MARKER, json.dumps({"id": "x", "txt": MARKER}),
             json.dumps(good[1]), "", json.dumps({"id": "y", "text": 12}), json.dumps(good[2])]
    response = httpx.post(f"{server['base']}/v1/lint/batch", content="\n".join(lines) + "\n",
                          headers={"content-type": "application/x-ndjson"}, timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    results = [json.loads(line) for line in response.text.splitlines()]
    assert len(results) == len(lines)
    assert [r["error"]["kind"] if r["error"] else None for r in results] == [
        None, "bad-json", "bad-record", None, "bad-json", "bad-record", None]
    assert [results[0], results[3], results[6]] == [cli_results[n["id"]] for n in good]
    assert MARKER not in response.text


def _document(note: dict, content_type: str = "text/plain; charset=utf-8") -> dict:
    return {"resourceType": "DocumentReference", "id": note["id"], "status": "current",
            "content": [{"attachment": {"contentType": "text/html", "data": "PHA+PC9wPg=="}},
                        {"attachment": {"contentType": content_type,
                                        "data": base64.b64encode(note["text"].encode()).decode()}}]}


def test_fhir_document_reference_equals_cli(server, notes, cli_results):
    response = httpx.post(f"{server['base']}/v1/fhir/DocumentReference",
                          params={"codes": ["M62.48"]}, json=_document(notes["n4c"]), timeout=60)
    assert response.status_code == 200, response.text
    assert response.json() == cli_results["n4c"]


def test_fhir_bundle_gives_a_result_per_document(server, notes, cli_results):
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": _document(notes["n2"])},
        {"resource": {"resourceType": "Patient", "id": "p1"}},
        {"resource": _document(notes["n9"])}]}
    response = httpx.post(f"{server['base']}/v1/fhir/DocumentReference", json=bundle, timeout=60)
    assert response.status_code == 200, response.text
    assert response.json()["results"] == [cli_results["n2"], cli_results["n9"]]


@pytest.mark.parametrize(("resource", "field"), [
    ({"resourceType": "DocumentReference", "status": "current"}, "DocumentReference.content"),
    ({"resourceType": "DocumentReference", "status": "current",
      "content": [{"attachment": {"contentType": "text/plain", "data": [MARKER]}}]},
     "DocumentReference.content[0].attachment.data"),
    ({"resourceType": "DocumentReference", "status": "current",
      "content": [{"attachment": {"contentType": "text/plain", "data": "aGk="}}], MARKER: 1},
     f"DocumentReference.{MARKER}"),
    ({"resourceType": "DocumentReference", "status": "current", "content": []},
     "DocumentReference.content"),
    ({"resourceType": "DocumentReference", "status": MARKER, "content": [{"attachment": {}}]},
     "DocumentReference.status"),
    ({"resourceType": "DocumentReference", "status": "current",
      "content": [{"attachment": {"contentType": "text/plain", "data": "\u0084" + MARKER}}]},
     "DocumentReference.content[0].attachment.data"),
    ({"resourceType": "Bundle", "type": "batch", "entry": [{"resource": {"resourceType": MARKER}}]},
     "Bundle.entry[0].resource.resourceType"),
    ({"resourceType": "Patient", "name": [{"text": MARKER}]}, "resourceType"),
])
def test_invalid_fhir_is_422_naming_the_field(server, resource, field):
    response = httpx.post(f"{server['base']}/v1/fhir/DocumentReference", json=resource)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["kind"] == "invalid-fhir"
    assert error["message"].startswith(f"{field}: ")
    if field != f"DocumentReference.{MARKER}":  # an unknown key is named, but no value is echoed
        assert MARKER not in response.text


def test_fhir_without_plain_text_is_an_error_result(server, notes):
    document = _document(notes["n1"], content_type="application/pdf")
    response = httpx.post(f"{server['base']}/v1/fhir/DocumentReference", json=document)
    assert response.status_code == 200
    assert response.json()["error"]["kind"] == "no-text"


def test_over_the_size_limit_is_413(server):
    body = json.dumps({"text": MARKER + "x" * 1_100_000})
    response = httpx.post(f"{server['base']}/v1/lint", content=body,
                          headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["kind"] == "too-large"
    assert MARKER not in response.text


def test_over_the_size_limit_without_content_length_is_413(server):
    def chunks() -> Iterator[bytes]:  # chunked transfer: no Content-Length to refuse early
        yield b'{"text": "'
        for _ in range(20):
            yield b"x" * 60_000

    response = httpx.post(f"{server['base']}/v1/lint", content=chunks(),
                          headers={"content-type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize(("body", "status"), [
    ('{"text": "' + MARKER, 400),
    ('{"txt": "' + MARKER + '"}', 422),
    ('{"text": ["' + MARKER + '"]}', 422),
    ('{"text": "a", "codes": "' + MARKER + '"}', 422),
])
def test_bad_requests_never_echo_text(server, body, status):
    response = httpx.post(f"{server['base']}/v1/lint", content=body,
                          headers={"content-type": "application/json"})
    assert response.status_code == status
    assert set(response.json()) == {"error"}
    assert MARKER not in response.text


def test_missing_text_names_the_field(server):
    response = httpx.post(f"{server['base']}/v1/lint", json={"codes": ["M62.48"]})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "text: Field required"


def test_rules_catalogue(server):
    from notelint.rules import RULES
    from notelint.rules.registry import Rule, RuleDoc

    rules = httpx.get(f"{server['base']}/v1/rules").json()
    assert [r["code"] for r in rules] == list(RULES)
    assert all(r["why"] and r["fix"] and r["reference"] for r in rules)
    # the service shows the registry's own records (one model: RuleDoc), the check aside
    assert rules == [RuleDoc.model_validate(r.model_dump()).model_dump() for r in RULES.values()]
    assert set(rules[0]) == set(RuleDoc.model_fields) == set(Rule.model_fields) - {"check"}
    schema = httpx.get(f"{server['base']}/openapi.json").json()["components"]["schemas"]
    assert set(schema["RuleDoc"]["properties"]) == set(RuleDoc.model_fields)


def test_unknown_path_has_the_error_body(server):
    response = httpx.get(f"{server['base']}/v2/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["kind"] == "not-found"


def test_load_200_requests_from_8_clients_equal_cli(server, notes, cli_results):
    ids = sorted(notes)
    order = [ids[i % len(ids)] for i in range(200)]

    def client(share: list[str]) -> list[tuple[str, dict]]:
        with httpx.Client(timeout=120) as http:
            return [(i, _post_note(server["base"], notes[i], http)) for i in share]

    with ThreadPoolExecutor(8) as pool:
        answers = [a for part in pool.map(client, [order[k::8] for k in range(8)]) for a in part]
    assert len(answers) == 200
    mismatched = [i for i, result in answers if result != cli_results[i]]
    assert mismatched == []


def test_access_log_has_no_text(server, notes):
    text = f"{MARKER}: right hamstring contracture, popliteal angle 60 degrees."
    _post_note(server["base"], {"text": text})
    time.sleep(0.2)
    log = server["log"].read_text()
    assert MARKER not in log
    assert notes["n0"]["text"].splitlines()[0][:30] not in log
    assert re.search(rf"POST /v1/lint 200 [0-9.]+ms chars={len(text)}\b", log)
    assert re.search(r"POST /v1/lint 413 [0-9.]+ms chars=0\b", log)


def test_remote_host_is_refused_without_allow_remote():
    run = subprocess.run([sys.executable, "-m", "notelint", "serve", "--host", "0.0.0.0"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "--allow-remote" in run.stderr


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("10.1.2.3", False), ("example.org", False)])
def test_is_loopback(host, loopback):
    from notelint.interfaces.server import is_loopback

    assert is_loopback(host) is loopback


def test_healthz_is_503_until_the_pipeline_is_loaded(linter, tmp_path):
    import uvicorn

    from notelint.interfaces.service import create_app

    released = tmp_path / "released"  # the load runs in a lint process: a file, not an Event

    class Release:
        def set(self):
            released.touch()

    release = Release()

    def slow_load():
        end = time.monotonic() + 60
        while not released.exists() and time.monotonic() < end:
            time.sleep(0.01)
        return linter

    port = _free_port()
    config = uvicorn.Config(create_app(load=slow_load), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert httpx.get(f"{base}/healthz").status_code == 503
        assert httpx.get(f"{base}/healthz").json()["status"] == "loading"
        pending = ThreadPoolExecutor(1).submit(
            httpx.post, f"{base}/v1/lint", json={"text": "Left biceps contracture."}, timeout=60)
        time.sleep(0.2)
        assert not pending.done()  # a lint request waits for the load, it is not refused
        release.set()
        assert _wait_ready(base) == [200]
        assert pending.result().json()["suggested_codes"] == ["M62.422"]
    finally:
        release.set()
        server.should_exit = True
        thread.join(timeout=30)


def test_openapi_fuzz(server, tmp_path):
    """Schemathesis, every check, against the real server (the pytest plugin of schemathesis
    4.32 does not run on pytest 9.2, so its command line runs). Two per-operation exceptions
    are explained in tests/fuzz/schemathesis.toml."""
    fuzz = ROOT / "tests" / "fuzz"
    st = Path(sys.executable).with_name("schemathesis")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": str(fuzz)}
    run = subprocess.run(
        [str(st), "--no-color", "--config-file", str(fuzz / "schemathesis.toml"), "run",
         f"{server['base']}/openapi.json", "--max-examples",
         os.environ.get("NOTELINT_FUZZ_EXAMPLES", "25"), "--seed", os.environ.get("NOTELINT_FUZZ_SEED", "1")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:]
    assert "6 selected / 6 total" in run.stdout
    assert "No issues found" in run.stdout
