"""The HTTP service of ``notelint serve``: the Python API over FastAPI.

Endpoints (JSON in and out; results are the result objects of OUTPUT.md):

- ``POST /v1/lint``: ``{"text", "codes", "id"}`` -> one result;
- ``POST /v1/query``: the same body -> one result, its ``queries`` the provider queries;
- ``POST /v1/lint/batch``: JSON Lines in, JSON Lines out, streamed as linted;
- ``POST /v1/fhir/DocumentReference``: a DocumentReference -> one result, or a
  Bundle -> ``{"notelint_version", "results"}``; claimed codes from ``?codes=``;
- ``GET /v1/rules``, ``GET /healthz``, ``GET /openapi.json``.

One process runs the event loop (HTTP, JSON, limits) and lints nothing; ``--workers``
lint processes, forked at start-up, each load the pipeline once and lint the notes
(:class:`LintPool`): requests queue behind the load, and ``/healthz`` answers 503 until
every process has loaded it. Error bodies are ``{"error": {"kind", "message"}}`` and never
quote note text; the access log has method, path, status, latency and note
length only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
import logging
import multiprocessing
import os
import signal
import stat
import time
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, StrictInt, StrictStr, StringConstraints, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException

from notelint import errors
from notelint.codes import SHAPE as CODE_SHAPE
from notelint.io.fhir import REQUIRED_CODES
from notelint.io.inputs import from_record, jsonl
from notelint.io.note import DEFAULT_MAX_CHARS, JsonError, Note, load_json
from notelint.result.model import Meta, Result, Results
from notelint.rules.registry import RuleDoc
from notelint.version import __version__

SETTINGS_ENV = "NOTELINT_SERVE_SETTINGS"
BATCH_CHUNK = 16
access_log = logging.getLogger("notelint.access")


@dataclass(frozen=True)
class Settings:
    """What ``notelint serve`` passes to each worker (as JSON in ``NOTELINT_SERVE_SETTINGS``)."""

    config_file: str | None = None
    max_bytes: int = 1_000_000
    max_batch_bytes: int = 64_000_000
    max_chars: int = DEFAULT_MAX_CHARS
    # POST requests the server reads and lints at once; the others wait unread (their bodies
    # stay in the socket), so it holds at most this many bodies in memory
    max_concurrent: int = 2
    workers: int = 1  # lint processes
    timeout: float = 60.0  # the time budget of one note, seconds (0: none)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> Settings:
        return cls(**json.loads(os.environ.get(SETTINGS_ENV, "{}")))


# --- the OpenAPI models: what integrators see in /openapi.json -------------------------------

# the shape of an ICD-10-CM code, as JSON Lines and the API take it: "M62.451", "m62451", "G35"
CodeText = Annotated[str, StringConstraints(strict=True, pattern=CODE_SHAPE)]


class _Note(BaseModel):
    text: StrictStr
    codes: list[CodeText] = Field(default_factory=list)
    id: StrictStr | StrictInt | None = None


# the note's metadata fields are the result model's (notelint.result.model.Meta), each optional
LintRequest = create_model(
    "LintRequest", __base__=_Note,
    __doc__="One note: its text, the codes claimed for it, an optional id (the result's source) "
            "and optional metadata (provider, specialty, facility, vendor, encounter_date).",
    **{name: (info.annotation, None) for name, info in Meta.model_fields.items()})


class ErrorDetail(BaseModel):
    kind: str
    message: str


class ErrorBody(BaseModel):
    """Every 4xx/5xx body; the message never quotes note text."""

    error: ErrorDetail


# the result objects of docs/output.md: the one result model (notelint.result.model)
ResultModel = Result
ResultsModel = Results


class Health(BaseModel):
    status: Literal["ok", "loading", "failed"]
    version: str


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


_HTTP_KINDS = {400: "malformed-json", 404: "not-found", 405: "method-not-allowed",
               413: "too-large", 503: "unavailable"}


def _error(status: int, kind: str, message: str,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"kind": kind, "message": message}}, status_code=status,
                        headers=headers)


# What /openapi.json says of a FHIR body: the part of R4 DocumentReference and Bundle that
# notelint reads (fhir.resources validates the whole resource; other elements are allowed).
_FHIR_CODE = {"type": "string", "pattern": r"^[^\s]+( [^\s]+)*$"}
_ATTACHMENT = {"type": "object", "additionalProperties": False, "properties": {
    "contentType": {**_FHIR_CODE, "examples": ["text/plain; charset=utf-8"]},
    "data": {"type": "string", "contentEncoding": "base64",
             "pattern": "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"}}}
_DOCUMENT = {
    "type": "object", "required": ["resourceType", "status", "content"],
    "additionalProperties": False,
    "properties": {
        "resourceType": {"const": "DocumentReference"},
        "id": {"type": "string", "pattern": r"^[A-Za-z0-9\-.]{1,64}$"},
        "status": {"enum": list(REQUIRED_CODES["DocumentReference", "status"])},
        "content": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["attachment"], "additionalProperties": False,
            "properties": {"attachment": _ATTACHMENT}}}}}
_BUNDLE = {
    "type": "object", "required": ["resourceType", "type", "entry"], "additionalProperties": False,
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"enum": list(REQUIRED_CODES["Bundle", "type"])},
        "entry": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["resource"], "additionalProperties": False,
            "properties": {"resource": _DOCUMENT}}}}}


# --- the lint pool ---------------------------------------------------------------------------

# the linter of a lint process (set by _start_process)
_process_linter: Any = None


def _quiet_inherited_sockets() -> None:
    """In a forked lint process: every inherited socket (the listening one, clients'
    connections) pointed at /dev/null, so that a connection the server closes is closed
    (a child holding a copy would keep it open). dup2, not close: a socket object the
    child inherited may close its number later, which must not close a pipe of the pool."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            with contextlib.suppress(OSError):
                if fd > 2 and fd != null and stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.dup2(null, fd)
    except OSError:  # no /proc: nothing to do but go on
        pass
    finally:
        os.close(null)


def _start_process(load: Callable[[], Any], loaded: Any, failed: Any) -> None:
    """A lint process's start: the server's signals are the parent's business; load the
    linter once (a failure is counted, never raised: it would break the whole pool)."""
    global _process_linter
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _quiet_inherited_sockets()
    try:
        _process_linter = load()
    except Exception as exc:
        logging.getLogger("notelint").error("pipeline failed to load (%s)", exc.__class__.__name__)
        with failed.get_lock():
            failed.value += 1
        return
    with loaded.get_lock():
        loaded.value += 1


def _loaded() -> bool:
    return _process_linter is not None


def _lint_in_process(notes: list[Note]) -> list[dict[str, Any]]:
    if _process_linter is None:
        raise RuntimeError("the pipeline failed to load")
    return list(_process_linter.lint(notes))


class LintPool:
    """``--workers`` lint processes behind the one event loop: each loads the pipeline
    once, then lints the chunks sent to it. Nothing is linted on the event loop's process,
    so a slow note never delays ``/healthz``, and it occupies one process for at most the
    time budget (``--timeout``) while the others serve other requests.

    Processes are forked (the ``load`` callable needs no pickling; the server has not
    bound its socket yet). A lint process that dies (killed, out of memory) breaks the
    pool: it is replaced by a new pool, and the requests that were on it are retried or
    answered with an error result, never left hanging.
    """

    def __init__(self, settings: Settings, load: Callable[[], Any] | None = None) -> None:
        self.settings = settings
        self.size = settings.workers
        self._load = load or functools.partial(_default_load, settings)
        self._context = multiprocessing.get_context("fork")
        self._loaded = self._context.Value("i", 0)
        self._failed = self._context.Value("i", 0)
        self._executor = self._new_executor()
        # the processes start (and load) now, not at the first request
        self._pings = [self._executor.submit(_loaded) for _ in range(self.size)]

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.size, mp_context=self._context,
                                   initializer=_start_process,
                                   initargs=(self._load, self._loaded, self._failed))

    @property
    def status(self) -> str:
        if self._failed.value:
            return "failed"
        return "ok" if self._loaded.value >= self.size else "loading"

    async def ready(self) -> None:
        """Wait for the pipeline; HTTP 503 if it failed to load."""
        try:
            loaded = await asyncio.gather(*(asyncio.wrap_future(p) for p in self._pings))
        except BrokenProcessPool:
            loaded = [False]
        if not all(loaded) or self._failed.value:
            raise HTTPException(503, "the pipeline failed to load")

    async def lint(self, notes: list[Note]) -> list[dict[str, Any]]:
        """Results of ``notes`` in order, linted on a lint process."""
        await self.ready()
        executor = self._executor
        try:
            return await asyncio.wrap_future(executor.submit(_lint_in_process, notes))
        except BrokenProcessPool:
            self._replace(executor)
            raise

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is not broken:  # another request replaced it already
            return
        logging.getLogger("notelint").error("a lint process died; starting new ones")
        broken.shutdown(wait=False, cancel_futures=True)
        self._loaded.value = 0
        self._executor = self._new_executor()
        self._pings = [self._executor.submit(_loaded) for _ in range(self.size)]

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _default_load(settings: Settings) -> Any:
    from notelint import config
    from notelint.nlp.pipeline import default_pipeline
    from notelint.result.linter import Linter

    conf = config.load(settings.config_file)
    nlp = default_pipeline()
    nlp.max_length = max(nlp.max_length, settings.max_chars + 1)
    return Linter(nlp, conf, timeout=settings.timeout or None)


# --- middleware: body limits, access log, no tracebacks ---------------------------------------

class Guard:
    """Outermost ASGI middleware: 413 over the body limit, at most ``max_concurrent`` POST
    requests read and linted at once (the others wait with their bodies unread), one
    access-log line per request (method, path, status, latency, note length), and a bare
    500 for an unexpected error, never a traceback that could quote a note."""

    def __init__(self, app: Any, settings: Settings, load: dict[str, int]) -> None:
        self.app = app
        self.settings = settings
        self.slots = asyncio.Semaphore(settings.max_concurrent)
        self.load = load  # "waiting": POST requests waiting for a slot (app.state.load)

    def _limit(self, path: str) -> int:
        return self.settings.max_batch_bytes if path == "/v1/lint/batch" else self.settings.max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        status = {"code": 500, "sent": False}
        limit = self._limit(scope["path"])

        async def watched_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
            await send(message)

        received = 0

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, f"request body over the limit of {limit:,} bytes")
            return message

        try:
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                response = _error(413, "too-large", f"request body over the limit of {limit:,} bytes")
                await response(scope, receive, watched_send)
            elif scope["method"] == "POST":  # a body to read: only max_concurrent at once
                self.load["waiting"] += 1
                try:
                    await self.slots.acquire()
                finally:
                    self.load["waiting"] -= 1
                try:
                    await self.app(scope, limited_receive, watched_send)
                finally:
                    self.slots.release()
            else:
                await self.app(scope, limited_receive, watched_send)
        except Exception as exc:
            logging.getLogger("notelint").error("internal error (%s) on %s %s", exc.__class__.__name__,
                                                errors.one_line(scope["method"]),
                                                errors.one_line(scope["path"]))
            if not status["sent"]:
                response = _error(500, errors.INTERNAL, f"internal error ({exc.__class__.__name__})")
                await response(scope, receive, watched_send)
        finally:
            # the path as decoded: "%0A" is a line break here, escaped so no line is forged
            access_log.info("%s %s %d %.1fms chars=%d", errors.one_line(scope["method"]),
                            errors.one_line(scope["path"]), status["code"],
                            (time.perf_counter() - started) * 1000, state.get("note_chars", 0))


# --- the app ----------------------------------------------------------------------------------

def _parse_batch(body: bytes, max_chars: int) -> list[Note]:
    """The notes of a /v1/lint/batch body, one per line (see :func:`notelint.io.inputs.jsonl`)."""
    return list(jsonl(io.BytesIO(body), "batch", None, max_chars))


def _field(location: Iterable[Any]) -> str:
    parts = [str(p) for p in location]
    return ".".join(parts[1:] if parts[:1] == ["body"] else parts) or "body"


def create_app(settings: Settings | None = None, load: Callable[[], Any] | None = None) -> FastAPI:
    """The service's app. ``load`` builds the linter (default: the packaged pipeline and
    the discovered configuration); it runs in each lint process at start-up."""
    settings = settings or Settings()
    worker: dict[str, LintPool] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker["lint"] = LintPool(settings, load)
        yield
        worker["lint"].close()

    app = FastAPI(title="notelint", version=__version__, lifespan=lifespan,
                  description="Documentation-gap linter for ICD-10-CM M62.4- (contracture of muscle).",
                  docs_url=None, redoc_url=None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return _error(400, "malformed-json", "the body is not valid JSON")
        first = problems[0]
        return _error(422, "invalid-request", f"{_field(first.get('loc', ()))}: {first.get('msg')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, _HTTP_KINDS.get(exc.status_code, "http-error"), str(exc.detail),
                      headers=exc.headers)

    async def run(request: Request, notes: list[Note]) -> list[dict[str, Any]]:
        request.state.note_chars = getattr(request.state, "note_chars", 0) + sum(
            len(n.text) for n in notes)
        return await worker["lint"].lint(notes)

    @app.post("/v1/lint", response_model=ResultModel, responses=_errors(400, 413, 422, 503))
    async def lint(body: LintRequest, request: Request) -> JSONResponse:  # type: ignore[valid-type]
        """Lint one note."""
        record = body.model_dump(exclude_none=True)
        (result,) = await run(request, [from_record(record, "request", set(), settings.max_chars)])
        return JSONResponse(result)

    @app.post("/v1/query", response_model=ResultModel, responses=_errors(400, 413, 422, 503))
    async def query(body: LintRequest, request: Request) -> JSONResponse:  # type: ignore[valid-type]
        """Draft the provider queries of one note: its result, whose ``queries`` hold them."""
        record = body.model_dump(exclude_none=True)
        (result,) = await run(request, [from_record(record, "request", set(), settings.max_chars)])
        return JSONResponse(result)

    @app.post("/v1/lint/batch", responses={
        200: {"description": "One result per input line, as JSON Lines, in input order.",
              "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
        **_errors(413, 422, 503)},
        openapi_extra={"requestBody": {"required": True, "content": {"application/x-ndjson": {
            "schema": {"type": "array", "minItems": 1,
                       "items": {"$ref": "#/components/schemas/LintRequest"}}}}}})
    async def lint_batch(request: Request) -> Response:
        """Lint JSON Lines (``{"id", "text", "codes"}`` per line); a bad line gives an error
        result. The body is read whole (up to the batch limit), the results are streamed."""
        body = await request.body()
        if not body.strip():
            return _error(422, "invalid-request", "body: no JSON Lines")
        # parsed on a thread of its own, never on the event loop (a batch of many tiny lines
        # takes seconds) nor on a lint process (it would wait behind other requests' notes)
        notes = await asyncio.to_thread(_parse_batch, body, settings.max_chars)
        del body
        await worker["lint"].ready()  # a 503 now, not a 200 whose stream breaks off
        request.state.note_chars = sum(len(n.text) for n in notes)

        async def lint_chunk(chunk: list[Note]) -> list[dict[str, Any]]:
            """The chunk's results; when linting it fails, each note is linted alone, and a
            note that fails alone is an internal error result: the stream always ends, with
            one line per input line."""
            try:
                return await worker["lint"].lint(chunk)
            except Exception as exc:
                if len(chunk) == 1:
                    from notelint.result.linter import internal_error

                    return [internal_error(chunk[0], exc)]
            return [result for note in chunk for result in await lint_chunk([note])]

        async def results() -> AsyncIterator[bytes]:
            for i in range(0, len(notes), BATCH_CHUNK):
                for result in await lint_chunk(notes[i:i + BATCH_CHUNK]):
                    yield (json.dumps(result, ensure_ascii=False) + "\n").encode()

        return StreamingResponse(results(), media_type="application/x-ndjson")

    @app.post("/v1/fhir/DocumentReference",
              response_model=ResultModel | ResultsModel, responses=_errors(400, 413, 422, 503),
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"oneOf": [_DOCUMENT, _BUNDLE]}}}}})
    async def lint_fhir(request: Request,
                        codes: Annotated[list[CodeText], Query(default_factory=list,
                                                               description="Claimed codes.")]
                        ) -> JSONResponse:
        """Lint the text/plain note of a FHIR R4 DocumentReference, or of each one in a Bundle."""
        from notelint.io import fhir
        from notelint.io.inputs import codes_problem

        problem = codes_problem(codes)
        if problem:
            return _error(422, "invalid-request", f"query: {problem}")
        try:
            resource = load_json(await request.body())
        except JsonError as exc:
            return _error(400, "malformed-json", f"the body is {exc}")
        try:
            notes = fhir.notes(resource, codes, max_chars=settings.max_chars)
        except fhir.FhirError as exc:
            return _error(422, errors.INVALID_FHIR, str(exc))
        results = await run(request, notes)
        if resource.get("resourceType") == "DocumentReference":
            return JSONResponse(results[0])
        return JSONResponse({"notelint_version": __version__, "results": results})

    @app.get("/v1/rules", response_model=list[RuleDoc])
    async def rules() -> list[dict[str, Any]]:
        """The rule catalogue with each rule's documentation (the registry's own records)."""
        from notelint.rules import RULES

        return [r.model_dump() for r in RULES.values()]

    @app.get("/healthz", response_model=Health, responses={503: {"model": Health}})
    async def healthz() -> JSONResponse:
        """200 once this worker's pipeline is loaded, 503 before (or if it failed)."""
        status = worker["lint"].status
        return JSONResponse({"status": status, "version": __version__},
                            status_code=200 if status == "ok" else 503)

    app.state.load = {"waiting": 0}
    app.add_middleware(Guard, settings=settings, load=app.state.load)
    return app


def app_from_env() -> Any:
    """The app of one ``notelint serve`` worker (uvicorn's factory)."""
    return create_app(Settings.from_env())
