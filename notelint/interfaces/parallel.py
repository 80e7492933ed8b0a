"""Lint a batch on several processes, results in input order, memory bounded.

Workers are forked after the pipeline is loaded, so they share it copy-on-write
and start at once. Notes go to the pool in windows: at most ``WINDOW`` chunks
are in flight, so a 10,000-note batch never sits in memory whole.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from notelint.config import Config
from notelint.io.note import Note
from notelint.result.linter import DEFAULT_TIMEOUT, Linter, Result

CHUNK = 8
WINDOW = 16

_worker: Linter | None = None


def _init_worker(config: Config, codes: list[str], timeout: float | None) -> None:
    global _worker
    from notelint.nlp.pipeline import default_pipeline

    # the parent handles interrupts and ends the pool; a worker must not print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker = Linter(default_pipeline(), config, codes, timeout)


def _lint_chunk(notes: list[Note]) -> list[Result]:
    assert _worker is not None
    return list(_worker.lint(notes))


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def lint_many(notes: Iterable[Note], config: Config, codes: list[str],
              jobs: int = 1, timeout: float | None = DEFAULT_TIMEOUT) -> Iterator[Result]:
    """Results of ``notes`` in input order, on ``jobs`` processes; a note over ``timeout``
    seconds is a ``timeout`` error result (each worker keeps its own budget, see
    :mod:`notelint.budget`: a worker is never stuck on a note)."""
    from notelint.nlp.pipeline import default_pipeline

    nlp = default_pipeline()
    if jobs <= 1:
        yield from Linter(nlp, config, codes, timeout).lint(notes)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_init_worker, initargs=(config, codes, timeout)) as pool:
        for window in _chunks(_chunks(notes, CHUNK), WINDOW * jobs):
            for results in pool.imap(_lint_chunk, window):
                yield from results
