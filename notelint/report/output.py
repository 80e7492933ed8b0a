"""Formatters: the text report for people, JSON and JSON Lines for programs (OUTPUT.md)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, TextIO

from notelint.errors import one_line
from notelint.rules import RULES, SEVERITY_ORDER
from notelint.version import __version__

Result = dict[str, Any]


def json_line(result: Result) -> str:
    """One result as a JSON Lines line."""
    return json.dumps(result, ensure_ascii=False) + "\n"


def write_json(results: Iterable[Result], out: TextIO) -> None:
    """The single JSON document of OUTPUT.md, written as results arrive."""
    out.write(f'{{"notelint_version": {json.dumps(__version__)}, "results": [')
    for i, result in enumerate(results):
        out.write(("," if i else "") + "\n  " + json.dumps(result, ensure_ascii=False))
    out.write("\n]}\n")


# what a source line may not show raw: controls (tab included), DEL, C1, line and paragraph
# separators, bidi controls; each is shown as one space, so the caret still lines up
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SOURCE_WIDTH = 120  # the most characters of a source line shown; a longer one is cut around the span
_MARGIN = 40  # characters shown before the span when a line is cut


def source_lines(text: str, start: int, end: int, line: int, column: int) -> list[str]:
    """The note's line at a finding and a caret under its span (``  8 | text`` then
    ``    |    ^^^^``); a line over :data:`SOURCE_WIDTH` characters is cut around the span."""
    from notelint.nlp.normalize import LINE_BREAK

    line_start = start - (column - 1)
    found = LINE_BREAK.search(text, line_start)
    line_end = found.start() if found else len(text)
    shown_from, shown_to = line_start, line_end
    prefix = suffix = ""
    if line_end - line_start > SOURCE_WIDTH:
        shown_from = max(line_start, start - _MARGIN)
        shown_to = min(line_end, shown_from + SOURCE_WIDTH)
        prefix = "..." if shown_from > line_start else ""
        suffix = "..." if shown_to < line_end else ""
    shown = _UNSHOWN.sub(" ", text[shown_from:shown_to])
    span_end = min(max(end, start + 1), shown_to)
    caret = " " * (len(prefix) + start - shown_from) + "^" * max(1, span_end - start)
    gutter = str(line)
    return [f"{gutter} | {prefix}{shown}{suffix}".rstrip(), f"{' ' * len(gutter)} | {caret}"]


class TextReport:
    """``path:line:col: NL201 [error] message``, grouped by note, with a summary line; with
    ``show_source``, each finding's line of the note and a caret under its span; with
    ``statistics``, counts only (findings by rule, then verdicts, most frequent first)."""

    def __init__(self, out: TextIO, statistics: bool = False, show_source: bool = False) -> None:
        self.out = out
        self.statistics = statistics
        self.show_source = show_source
        self.notes = 0
        self.applicable = 0
        self.errors = 0
        self.by_severity: Counter[str] = Counter()
        self.by_rule: Counter[str] = Counter()
        self.by_verdict: Counter[str] = Counter()

    def add(self, result: Result, text: str | None = None) -> None:
        """Report one result; ``text`` is its note's, for the source lines."""
        self.notes += 1
        source = one_line(result["source"])  # an id or a file name may hold any character
        if result["error"]:
            self.errors += 1
            self.out.write(one_line(f"{result['error']['message']} [{result['error']['kind']}]") + "\n")
            return
        if not result["applicable"]:
            return
        self.applicable += 1
        self.by_verdict[result["verdict"]] += 1
        for f in result["findings"]:
            if not f.get("baselined"):
                self.by_severity[f["severity"]] += 1
                self.by_rule[f["rule"]] += 1
        if self.statistics:
            return
        claimed = ", ".join(result["claimed_codes"]) or "none"
        suggested = ", ".join(result["suggested_codes"]) or "none"
        # the code line leads every applicable note, with its verdict, findings or not
        self.out.write(f"{source}: {result['verdict']}: claimed {claimed}; suggested {suggested}\n")
        if not result["findings"]:
            return
        findings = result["findings"]
        for i, f in enumerate(findings):
            fix = f"  [suggest {', '.join(f['suggestions'])}]" if f["suggestions"] else ""
            mark = "  (baselined)" if f.get("baselined") else ""
            self.out.write(f"{source}:{f['line']}:{f['column']}: {f['rule']} "
                           f"[{f['severity']}] {one_line(f['message'])}{fix}{mark}\n")
            # findings at one span share one quote of it, after the last of them
            same_next = i + 1 < len(findings) and (findings[i + 1]["start"], findings[i + 1]["end"]) \
                == (f["start"], f["end"])
            if self.show_source and text and not same_next:
                for shown in source_lines(text, f["start"], f["end"], f["line"], f["column"]):
                    self.out.write(f"  {shown}\n")
        self.out.write("\n")

    def close(self) -> None:
        if self.statistics and self.by_rule:
            for code, count in sorted(self.by_rule.items(), key=lambda item: (-item[1], item[0])):
                name = RULES[code].name if code in RULES else ""
                self.out.write(f"{count:5d}  {code}  {name}\n")
            self.out.write("\n")
        if self.statistics and self.by_verdict:
            for verdict, count in sorted(self.by_verdict.items(), key=lambda item: (-item[1], item[0])):
                self.out.write(f"{count:5d}  {verdict}\n")
            self.out.write("\n")
        total = sum(self.by_severity.values())
        parts = ", ".join(f"{self.by_severity[s]} {s}{'s' if self.by_severity[s] != 1 else ''}"
                          for s in sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.get, reverse=True))
        noun = "note" if self.notes == 1 else "notes"
        line = (f"Checked {self.notes} {noun}: {self.applicable} applicable, "
                f"{total} finding{'s' if total != 1 else ''} ({parts})")
        self.out.write(line + _input_errors(self.errors) + ".\n")


def _input_errors(count: int) -> str:
    """A summary line's ", 2 input errors" (nothing when there are none)."""
    return f", {count} input error{'s' if count != 1 else ''}" if count else ""


def error_line(result: Result) -> str:
    """The report line of an input that could not be linted: its message and kind."""
    return one_line(f"{result['error']['message']} [{result['error']['kind']}]") + "\n"


class QueryReport:
    """``notelint query``: each applicable note's provider queries, written for a CDI specialist
    to send: the question, the indicators quoted with their line and column, the options, and
    for the coder the findings each query settles and why. An applicable note with nothing to
    ask has one line saying so."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.notes = 0
        self.applicable = 0
        self.queried = 0
        self.queries = 0
        self.errors = 0

    def add(self, result: Result) -> None:
        self.notes += 1
        source = one_line(result["source"])
        if result["error"]:
            self.errors += 1
            self.out.write(error_line(result))
            return
        if not result["applicable"]:
            return
        self.applicable += 1
        queries = result["queries"]
        claimed = ", ".join(result["claimed_codes"]) or "none"
        if not queries:  # every applicable note gets its line: reviewed, nothing to ask
            self.out.write(f"{source}: no provider query ({result['verdict']}; claimed {claimed})\n")
            return
        self.queried += 1
        self.queries += len(queries)
        noun = "query" if len(queries) == 1 else "queries"
        self.out.write(f"{source}: {len(queries)} provider {noun} ({result['verdict']}; "
                       f"claimed {claimed})\n")
        for number, query in enumerate(queries, start=1):
            self.out.write(f"\n  Query {number} of {len(queries)} [{query['kind']}]\n")
            self.out.write(f"  {one_line(query['question'])}\n")
            self.out.write("  Clinical indicators in this note:\n")
            for item in query["indicators"]:
                self.out.write(f"    line {item['line']}, column {item['column']}: "
                               f"\"{one_line(item['text'])}\"\n")
            if query["options"]:
                self.out.write("  Please select one:\n")
                for option in query["options"]:
                    self.out.write(f"    [ ] {one_line(option)}\n")
            else:
                self.out.write("  Response: open-ended, in your own words in the record.\n")
            self.out.write(f"  For the coder: {one_line(query['reason'])}\n")
        self.out.write("\n")

    def close(self) -> None:
        noun = "note" if self.notes == 1 else "notes"
        line = (f"Drafted {self.queries} provider quer{'y' if self.queries == 1 else 'ies'} for "
                f"{self.queried} of {self.notes} {noun} ({self.applicable} applicable)")
        self.out.write(line + _input_errors(self.errors) + ".\n")


def evidence_table(result: Result, out: TextIO) -> None:
    """The evidence of one note, one line per item, for ``notelint extract``."""
    out.write(f"== {one_line(result['source'])}\n")
    if result["error"]:
        out.write(f"   error: {one_line(result['error']['message'])}\n")
        return
    for name, items in result["evidence"].items():
        for item in items:
            values = {k: v for k, v in item.items() if k not in {"text", "start", "end"}}
            shown = " ".join(f"{k}={v}" for k, v in values.items() if v not in (None, [], ""))
            out.write(f"   {name:<12} {item['start']:>5}-{item['end']:<5} "
                      f"{item['text']!r:<40} {shown}\n")
