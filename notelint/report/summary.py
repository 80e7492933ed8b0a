"""``notelint summary RESULTS.jsonl --by provider``: a run's results counted by group.

Reads the results of ``notelint check --format jsonl`` (or the single document of
``--format json``) and counts, per group: notes, applicable notes, input errors, each
verdict, findings, and findings by rule. Groups are a metadata field (``provider``,
``specialty``, ``facility``, ``vendor``: ``(none)`` where a note has none), a
``verdict``, or a ``rule`` (a note counts in the group of every rule that has a
finding in it, and only that rule's findings are counted there). A ``total`` row
counts every note once. Written as a table, CSV or JSON; no note text is read or
written (results hold evidence quotes; a summary never shows them).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, TextIO

from notelint.errors import NotelintError, one_line

GROUPINGS = ("provider", "specialty", "facility", "vendor", "rule", "verdict")
# the verdicts of RULES.md, in their order (notelint.rules.registry.VERDICTS; a test keeps them equal)
VERDICTS = ("supported", "recode", "query", "not-m62.4", "not-applicable")
NONE = "(none)"
TOTAL = "total"

Result = dict[str, Any]


class SummaryError(NotelintError):
    """Results that cannot be read; the message names the file and line, never quotes it."""


@dataclass
class Counts:
    """The counts of one group."""

    notes: int = 0
    applicable: int = 0
    errors: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)

    def add(self, result: Result, findings: Iterable[dict[str, Any]]) -> None:
        self.notes += 1
        self.applicable += bool(result["applicable"])
        self.errors += result.get("error") is not None
        self.verdicts[result["verdict"]] += 1
        self.rules.update(f["rule"] for f in findings)

    @property
    def findings(self) -> int:
        return sum(self.rules.values())

    def to_dict(self, rules: list[str]) -> dict[str, Any]:
        return {"notes": self.notes, "applicable": self.applicable, "errors": self.errors,
                "verdicts": {v: self.verdicts[v] for v in VERDICTS}, "findings": self.findings,
                "rules": {r: self.rules[r] for r in rules}}


def _check(result: Any, where: str) -> Result:
    if not isinstance(result, dict) or not {"source", "applicable", "verdict", "findings"} <= set(result) \
            or not isinstance(result["findings"], list):
        raise SummaryError(f"{where}: not a notelint result (run 'notelint check --format jsonl')")
    return result


def read(stream: IO[str], name: str) -> Iterator[Result]:
    """The results of a ``--format jsonl`` or ``--format json`` output; :class:`SummaryError`
    for anything else."""
    from notelint.io.note import JsonError, load_json

    first = stream.readline()
    if first.startswith('{"notelint_version"'):  # the single document of --format json
        try:
            document = load_json(first + stream.read())
        except JsonError as exc:
            raise SummaryError(f"{name}: {exc}") from None
        if not isinstance(document, dict) or not isinstance(document.get("results"), list):
            raise SummaryError(f"{name}: not a notelint results document")
        for i, result in enumerate(document["results"]):
            yield _check(result, f"{name}: result {i + 1}")
        return
    number, line = 1, first
    while line:
        if line.strip():
            where = f"{name}:{number}"
            try:
                yield _check(load_json(line, "a JSON result"), where)
            except JsonError as exc:
                raise SummaryError(f"{where}: {exc}") from None
        number, line = number + 1, stream.readline()


def _groups_of(result: Result, by: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """The groups ``result`` counts in, each with the findings counted there."""
    if by == "verdict":
        return [(result["verdict"], result["findings"])]
    if by == "rule":
        rules = dict.fromkeys(f["rule"] for f in result["findings"])
        return [(r, [f for f in result["findings"] if f["rule"] == r]) for r in rules]
    value = (result.get("meta") or {}).get(by)
    return [(value if isinstance(value, str) and value else NONE, result["findings"])]


@dataclass
class Summary:
    """Results counted by ``by`` (one of :data:`GROUPINGS`), and in total."""

    by: str
    groups: dict[str, Counts] = field(default_factory=dict)
    total: Counts = field(default_factory=Counts)

    def add(self, result: Result) -> None:
        self.total.add(result, result["findings"])
        for group, findings in _groups_of(result, self.by):
            self.groups.setdefault(group, Counts()).add(result, findings)

    def ordered(self) -> list[tuple[str, Counts]]:
        """Groups in a stable order: rules and verdicts in their catalogue order, names
        alphabetically with ``(none)`` last."""
        from notelint.rules import RULES

        if self.by == "rule":
            order = {code: i for i, code in enumerate(RULES)}
            return sorted(self.groups.items(), key=lambda g: (order.get(g[0], len(order)), g[0]))
        if self.by == "verdict":
            return sorted(self.groups.items(), key=lambda g: VERDICTS.index(g[0])
                          if g[0] in VERDICTS else len(VERDICTS))
        return sorted(self.groups.items(), key=lambda g: (g[0] == NONE, g[0].casefold(), g[0]))

    def rules(self) -> list[str]:
        """The rules with findings, in catalogue order (none by rule: each group is one)."""
        from notelint.rules import RULES

        if self.by == "rule":
            return []
        return [code for code in RULES if self.total.rules[code]] + sorted(
            code for code in self.total.rules if code not in RULES)

    def header(self) -> list[str]:
        return [self.by, "notes", "applicable", "errors", *VERDICTS, "findings", *self.rules()]

    def table_rows(self) -> list[list[Any]]:
        rules = self.rules()
        return [[name, c.notes, c.applicable, c.errors, *(c.verdicts[v] for v in VERDICTS), c.findings,
                 *(c.rules[r] for r in rules)]
                for name, c in [*self.ordered(), (TOTAL, self.total)]]

    def to_dict(self) -> dict[str, Any]:
        rules = self.rules()
        return {"by": self.by,
                "groups": [{"group": name, **c.to_dict(rules)} for name, c in self.ordered()],
                "total": self.total.to_dict(rules)}


def summarize(results: Iterable[Result], by: str) -> Summary:
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    summary = Summary(by)
    for result in results:
        summary.add(result)
    return summary


def write(summary: Summary, fmt: str, out: TextIO) -> None:
    """Write ``summary`` as ``table``, ``csv`` or ``json``."""
    if fmt == "json":
        out.write(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1) + "\n")
        return
    header, rows = summary.header(), summary.table_rows()
    if fmt == "csv":
        from notelint.report.csvqueue import cell

        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([[cell(v) for v in row] for row in rows])
        return
    cells = [header, *([one_line(str(v)) for v in row] for row in rows)]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(header))]
    for row in cells:
        first = str(row[0]).ljust(widths[0])
        rest = "  ".join(str(v).rjust(w) for v, w in zip(row[1:], widths[1:], strict=True))
        out.write(f"{first}  {rest}".rstrip() + "\n")

