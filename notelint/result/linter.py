"""Lint notes: run the pipeline, extract the evidence, apply the rules, build results.

A result is the object of docs/output.md (:mod:`notelint.result.model`): ``source``,
``applicable``, ``verdict``, ``claimed_codes``, ``suggested_codes``, ``findings``,
``queries`` (the provider queries, :mod:`notelint.result.queries`), ``evidence``, ``error``, ``meta``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language

from notelint import codes
from notelint.budget import OverBudget, within
from notelint.config import Config
from notelint.errors import INTERNAL, TIMEOUT, InputError
from notelint.evidence.extract import EVIDENCE_FIELDS, extract
from notelint.evidence.suggest import affirmed_muscle_contractures, documented_sites, suggest
from notelint.io import meta as note_meta
from notelint.io.note import Note
from notelint.nlp.normalize import LineIndex, same_length
from notelint.result.queries import draft
from notelint.rules import RULES, Hit, NoteFacts
from notelint.rules.registry import ROUTING, silenced, verdict

Result = dict[str, Any]
# an ICD-10-CM code written in the note, with its dot: "M62.451", "I69.351"; not preceded
# by a letter, digit or dot. That test sits after the first letter
# ("(?<![A-Za-z0-9.].)"), not before it, so that re scans for the letter in C rather
# than trying the pattern at every character: same matches, half the time.
_NOTE_CODE = re.compile(r"([A-TV-Z](?<![A-Za-z0-9.].)[0-9][0-9A-Z]\.[0-9A-Z]{1,4})(?![0-9A-Za-z])")
# a three-character code without a dot counts only in parentheses: "(G35)"
_NOTE_CATEGORY = re.compile(r"\(([A-TV-Z][0-9][0-9])\)")
# seconds a note may take (--timeout): generous, a 1 MB note takes about 7 s on one core
DEFAULT_TIMEOUT = 60.0


def codes_in_text(text: str) -> dict[str, tuple[int, int]]:
    """ICD-10-CM codes written in the note, with the span of their first occurrence.

    M62.4- codes must be codes of the tabular; other codes are taken as written
    (they only matter to NL601, and checking them would load the whole tabular).
    """
    found: dict[str, tuple[int, int]] = {}
    for match in _NOTE_CODE.finditer(text):
        code = codes.normalize(match.group(1))
        if code.startswith("M62.4") and code not in codes.table():
            continue
        found.setdefault(code, match.span(1))
    for match in _NOTE_CATEGORY.finditer(text):
        if codes.is_valid(match.group(1)):  # rare: loads the tabular only then
            found.setdefault(match.group(1), match.span(1))
    return found


def error_result(source: str, error: InputError, meta: dict[str, str | None] | None = None) -> Result:
    """The result of an input that could not be linted (with the metadata its input gave)."""
    return {"source": source, "applicable": False, "verdict": "not-applicable",
            "claimed_codes": [], "suggested_codes": [],
            "findings": [], "queries": [], "evidence": {name: [] for name in EVIDENCE_FIELDS},
            "error": {"kind": error.kind, "message": error.message},
            "meta": dict(meta) if meta else note_meta.empty()}


class Linter:
    """Lints notes with one pipeline and one configuration.

    ``timeout`` is the time budget of a note, in seconds (None or 0: none); a note that
    runs over it is a ``timeout`` error result (see :meth:`lint`).
    """

    def __init__(self, nlp: Language, config: Config | None = None,
                 codes_for_all: Iterable[str] = (),
                 timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self.nlp = nlp
        self.config = config or Config()
        self.codes_for_all = [codes.normalize(c) for c in codes_for_all]
        self.timeout = timeout

    def _hits(self, facts: NoteFacts) -> dict[str, list[Hit]]:
        """Every rule's hits, less those that a routing or more specific finding silences
        (a silenced rule stays silent even where the silencing rule is not selected)."""
        hits: dict[str, list[Hit]] = {}
        for code, spec in RULES.items():
            if spec.needs_claim and not facts.claimed_m624:
                continue
            if found := list(spec.check(facts)):
                hits[code] = found
        mentions = any(c["kind"] != "excluded" for c in facts.evidence["contractures"])
        quiet = silenced(set(hits), mentions)
        return {code: found for code, found in hits.items() if code not in quiet}

    def _findings(self, hits: dict[str, list[Hit]], text: str) -> list[dict[str, Any]]:
        lines = LineIndex(text)
        findings = [self._finding(code, RULES[code].name, RULES[code].severity, hit, lines)
                    for code, found in hits.items() if self.config.enabled(code) for hit in found]
        findings.sort(key=lambda f: (f["start"], f["rule"]))
        return findings

    def _finding(self, code: str, name: str, severity: str, hit: Hit,
                 lines: LineIndex) -> dict[str, Any]:
        line, column = lines.locate(hit.start)
        suggestions = list(hit.suggestions) or ([hit.suggestion] if hit.suggestion else [])
        return {"rule": code, "name": name,
                "severity": self.config.severity_of(code, severity),
                "message": hit.message, "start": hit.start, "end": hit.end,
                "line": line, "column": column,
                "suggestion": suggestions[0] if suggestions else None, "suggestions": suggestions}

    def result(self, note: Note, doc: Any) -> Result:
        """The result of one processed note."""
        evidence = extract(doc, note.text)
        in_text = codes_in_text(note.text)
        claimed = list(dict.fromkeys([*self.codes_for_all,
                                      *(codes.normalize(c) for c in note.codes), *in_text]))
        suggested = suggest(evidence, self.config.bilateral)
        facts = NoteFacts(note.text, evidence, claimed, in_text, suggested,
                          documented_sites(evidence), self.config.bilateral)
        applicable = bool(facts.claimed_m624) or bool(affirmed_muscle_contractures(evidence))
        hits = self._hits(facts) if applicable else {}
        if any(code in hits for code in ROUTING):
            suggested = []  # the condition is routed away from M62.4-
        findings = self._findings(hits, note.text)
        result = {"source": note.source, "applicable": applicable,
                  "verdict": verdict(applicable, findings, facts.claimed_m624, suggested),
                  "claimed_codes": claimed, "suggested_codes": suggested, "findings": findings,
                  "queries": [], "evidence": evidence, "error": None, "meta": dict(note.meta)}
        result["queries"] = draft(result, note.text)  # the provider queries (notelint.result.queries)
        return result

    def lint(self, notes: Iterable[Note], batch_size: int = 32) -> Iterator[Result]:
        """Results for ``notes``, in input order; unreadable notes give error results.

        A note that makes the pipeline fail gives an ``internal`` error result
        (the message names the exception class, never the note's text) and the
        rest of the batch is still linted.

        The time budget (``timeout``, :mod:`notelint.budget`): the pipeline pass over a
        batch has the budget of one note; past it, or when the pass fails, each note of
        the batch is taken alone, its pipeline pass and rules within the budget. After a
        batch's pass, each note's rules have the budget. A note over the budget is a
        ``timeout`` error result and the batch goes on.
        """
        pending: list[Note] = []

        def flush() -> Iterator[Result]:
            readable = [n for n in pending if n.error is None]
            try:
                docs = within(self.timeout, lambda: list(self.nlp.pipe(
                    (same_length(n.text) for n in readable), batch_size=batch_size)))
            except (Exception, OverBudget):
                docs = [self._alone(n) for n in readable]
            processed = iter(docs)
            for note in pending:
                if note.error is not None:
                    yield error_result(note.source, note.error, note.meta)
                    continue
                doc = next(processed)
                if isinstance(doc, dict):
                    yield doc
                    continue
                result = self._safe_result(note, doc)
                # ConText's modifiers, kept in the doc's extension data, point back at the doc:
                # clearing it lets the doc go now, not at the next full garbage collection
                doc.user_data.clear()
                yield result
            pending.clear()

        for note in notes:
            pending.append(note)
            if len(pending) >= batch_size:
                yield from flush()
        yield from flush()

    def _alone(self, note: Note) -> Result:
        """The result of one note taken alone, its pipeline pass and rules within the budget."""

        def work() -> Result:
            doc = self.nlp(same_length(note.text))
            result = self.result(note, doc)
            doc.user_data.clear()
            return result

        try:
            return within(self.timeout, work)
        except OverBudget:
            return self._over_budget(note)
        except Exception as exc:  # one bad note must not stop a batch
            return internal_error(note, exc)

    def _safe_result(self, note: Note, doc: Any) -> Result:
        try:
            return within(self.timeout, lambda: self.result(note, doc))
        except OverBudget:
            return self._over_budget(note)
        except Exception as exc:  # one bad note must not stop a batch
            return internal_error(note, exc)

    def _over_budget(self, note: Note) -> Result:
        message = (f"{note.source}: took over the time budget of {self.timeout:g} s "
                   "(--timeout); note not linted")
        return error_result(note.source, InputError(TIMEOUT, message), note.meta)


def internal_error(note: Note, exc: Exception) -> Result:
    """An error result for a note notelint failed on; no note text, no traceback.

    With ``NOTELINT_DEBUG=1`` (``notelint --debug``) the exception is re-raised,
    so a developer sees the traceback, which may quote note text.
    """
    if os.environ.get("NOTELINT_DEBUG"):
        raise exc
    message = f"{note.source}: internal error ({exc.__class__.__name__}); note not linted"
    return error_result(note.source, InputError(INTERNAL, message), note.meta)
