"""Shared fixtures: one real notelint pipeline per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from notelint.nlp.pipeline import default_pipeline
from notelint.result.linter import Linter

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def nlp():
    return default_pipeline()


@pytest.fixture(scope="session")
def linter(nlp):
    return Linter(nlp)


@pytest.fixture(scope="session")
def evidence_of(nlp):
    """Evidence of a text, from the real pipeline."""
    from notelint.evidence.extract import extract

    def run(text: str) -> dict:
        return extract(nlp(text))

    return run


@pytest.fixture(scope="session")
def lint_text(linter):
    """The result object of one text (codes as in a JSONL record)."""
    from notelint.io.note import from_text

    def run(text: str, codes: list[str] | None = None) -> dict:
        (result,) = list(linter.lint([from_text("note", text, codes)]))
        return result

    return run


@pytest.fixture(scope="module")
def service_client(linter):
    """The service's app over the session's linter, through Starlette's test client (no
    server, no lint processes)."""
    import warnings

    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient
    from notelint.interfaces.service import create_app

    with TestClient(create_app(load=lambda: linter), raise_server_exceptions=False) as test_client:
        yield test_client
