"""The Python API: ``lint`` one note, ``lint_many`` a batch.

>>> import notelint
>>> result = notelint.lint("Right hamstring contracture, popliteal angle 60 degrees.",
...                        codes=["M62.48"])
>>> result.suggested_codes
['M62.451']
>>> [f.rule for f in result.findings][:2]
['NL201', 'NL204']

``notelint.query(text)`` gives the provider queries drafted for the note
(:mod:`notelint.result.queries`). ``Result``, ``Finding`` and ``Query`` are the typed result
model of :mod:`notelint.result.model` (pydantic, frozen); ``Result.to_dict()`` is exactly
the result object of docs/output.md, as the CLI's ``--format json`` writes it. The
pipeline is built once per process and reused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from notelint.config import Config, config_of
from notelint.result.model import Finding, Query, Result

__all__ = ["Finding", "Query", "Result", "lint", "lint_many", "query"]

DEFAULT_TIMEOUT = 60.0  # seconds a note may take (notelint.result.linter.DEFAULT_TIMEOUT)


def _claimed(codes: Iterable[str]) -> list[str]:
    """``codes`` claimed for every note, checked as a record's are; :class:`UsageError`
    otherwise (a string is not a list of codes)."""
    from notelint.errors import UsageError
    from notelint.io.inputs import codes_problem

    listed = [codes] if isinstance(codes, str) else list(codes)
    problem = codes_problem(listed) if not isinstance(codes, str) else "'codes' is a string, not a list"
    if problem:
        raise UsageError(problem)
    return listed


def lint(text: str, codes: Iterable[str] | None = None,
         config: Config | Mapping[str, Any] | None = None, source: str = "<text>",
         timeout: float | None = DEFAULT_TIMEOUT) -> Result:
    """Lint one note. ``codes`` are claimed codes; ``config`` a :class:`Config` or a
    mapping with the keys of ``[tool.notelint]``; ``timeout`` as for :func:`lint_many`."""
    (result,) = lint_many([{"id": source, "text": text, "codes": list(codes or [])}],
                          config=config, timeout=timeout)
    return result


def query(text: str, codes: Iterable[str] | None = None,
          config: Config | Mapping[str, Any] | None = None, source: str = "<text>",
          timeout: float | None = DEFAULT_TIMEOUT) -> list[Query]:
    """The provider queries drafted for one note (empty when it is not applicable); the
    arguments are :func:`lint`'s. ``lint(text).queries`` holds the same list."""
    return list(lint(text, codes, config, source, timeout).queries)


def lint_many(items: Iterable[str | Mapping[str, Any]], jobs: int = 1,
              config: Config | Mapping[str, Any] | None = None,
              codes: Iterable[str] = (),
              timeout: float | None = DEFAULT_TIMEOUT) -> Iterator[Result]:
    """Lint a batch lazily, results in input order.

    Each item is a note's text or a mapping ``{"id", "text", "codes"}`` as in the
    JSONL input; a bad item gives a result whose ``error`` is set. ``codes`` are
    claimed for every note. A note that takes over ``timeout`` seconds (default 60;
    None or 0: no limit) is a result whose error kind is ``timeout``, in any thread.
    """
    from notelint import codes as code_facts
    from notelint.errors import UsageError
    from notelint.interfaces.parallel import lint_many as run
    from notelint.io.inputs import from_record

    seen: set[str] = set()

    def notes() -> Iterator[Any]:
        for number, item in enumerate(items, start=1):
            record = {"text": item} if isinstance(item, str) else item
            if isinstance(record, Mapping):  # an item without an id is named by its number
                record = {"id": str(number), **record}
            yield from_record(record, f"item {number}", seen)

    claimed = [code_facts.normalize(c) for c in _claimed(codes)]
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float)
                                or timeout < 0):
        raise UsageError(f"timeout must be a number of seconds, not {timeout!r}")
    for result in run(notes(), config_of(config), claimed, jobs, timeout or None):
        yield Result.from_dict(result)
