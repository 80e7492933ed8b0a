"""``--format csv``: a work queue, one row per finding, for spreadsheet and queue tools.

Columns (:data:`COLUMNS`): the note's ``source``, its metadata (:mod:`notelint.io.meta`),
its ``verdict``, then the finding's ``rule``, ``severity``, ``line``, ``column``,
``message`` and ``suggestion``. A note without findings has no row. An input that could
not be linted has one row, its ``rule`` empty, ``severity`` ``error`` and its error
message, so no note drops out of the queue unseen. With ``--baseline`` and
``--show-baselined`` a last column, ``baselined``, says ``true`` or ``false``.

RFC 4180 (``csv`` module, CRLF line ends, UTF-8). A cell that a spreadsheet would run
as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
prefixed with ``'``; a number such as ``-10`` and a lone ``-`` (standard input) are not.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

from notelint.io.meta import FIELDS as META_FIELDS

COLUMNS = ("source", *META_FIELDS, "verdict", "rule", "severity", "line", "column", "message",
           "suggestion")
_FORMULA = re.compile(r"[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def cell(value: Any) -> str:
    """A value as a CSV cell: None is empty; a formula-looking string is defused."""
    if value is None:
        return ""
    text = str(value)
    if _FORMULA.match(text) and text != "-" and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def rows(result: dict[str, Any], baselined: bool = False) -> list[list[str]]:
    """The rows of one result."""
    meta = result.get("meta") or {}
    lead = [result["source"], *(meta.get(name) for name in META_FIELDS), result["verdict"]]
    out = []
    if result["error"]:
        row = [*lead, None, "error", None, None, result["error"]["message"], None]
        out.append([*row, None] if baselined else row)
    for f in result["findings"]:
        row = [*lead, f["rule"], f["severity"], f["line"], f["column"], f["message"], f["suggestion"]]
        out.append([*row, "true" if f.get("baselined") else "false"] if baselined else row)
    return [[cell(v) for v in row] for row in out]


def write(results: Iterable[dict[str, Any]], out: TextIO, baselined: bool = False) -> None:
    """The work queue of ``results``: a header, then each finding's row as it is linted."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*COLUMNS, "baselined"] if baselined else COLUMNS)
    for result in results:
        writer.writerows(rows(result, baselined))
        out.flush()
