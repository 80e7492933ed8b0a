"""ROM degree values of tables whose unit is written once, in a caption or header.

Flowsheets and templated notes write goniometry as a table::

    Goniometry (L / R), degrees:
      1st MTP extension ............ 25 / 70
    | Muscle length (deg) | R | L |
    | Popliteal angle | 15 | 55 |

No number of such a row has a unit of its own, so the regular expressions of
``patterns/rom.jsonl`` (which need one, or a motion word governing the value) do
not read them. :class:`RomTables` does: a caption line holds one of the ``table``
words of ``ROM_FRAME`` (``deg``, ``degrees``, ``°``) and no value with a unit; each
of the rows after it (up to ``window`` lines, until a blank line) whose label names a
motion (the ``motion`` words of ``ROM_FRAME``) and holds none of its ``not_rows``
words (a row of grades) gives one value per number.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from notelint.lexicon import Rule

_LINE = re.compile(r"([^\n]*)(?:\n|$)")
_VALUE_WITH_UNIT = re.compile(r"\d\s*(?:°|deg)", re.IGNORECASE)
# a number standing alone in a cell: not part of a fraction ("5/5", "4/5"), a date or a decimal
_NUMBER = re.compile(r"(?<![\w./+])([-\u2212]?\d{1,3})(?![\w.]|\s*/\s*5\b|/\d)")
# where a row's label ends: its first cell, dotted leaders, a colon, or the first number
_LABEL_END = re.compile(r"\|\s*(?=\S)|\.{3,}|:|(?=\s[-\u2212]?\d)")


def _letter(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isalpha()


class RomTables:
    """Finds the degree values of ROM tables (see the module docstring)."""

    def __init__(self, rules: list[Rule], is_motion: Callable[[str], bool]) -> None:
        tables = [r for r in rules if r.metadata["role"] == "table"]
        words = sorted({w for r in tables for w in r.metadata["words"]}, key=len, reverse=True)
        self.words = [w.lower() for w in words]
        self.window = max((r.metadata["window"] for r in tables), default=0)
        self.is_motion = is_motion
        grades = sorted({w.lower() for r in tables for w in r.metadata.get("not_rows", [])})
        self.grades = (re.compile(r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, grades))
                                  + r")(?![A-Za-z])", re.IGNORECASE) if grades else None)

    def values(self, text: str) -> list[tuple[int, int, int, str]]:
        """``(start, end, degrees, label)`` of each table value, in text order."""
        found: list[tuple[int, int, int, str]] = []
        done = -1  # where the last caption's line ends: one caption per line
        for start, end in self._captions(text):
            if start < done:
                continue
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", end)
            done = line_end = len(text) if line_end < 0 else line_end
            if _VALUE_WITH_UNIT.search(text, line_start, line_end):
                continue
            # the rows after it (the caption's own line may be the header row: "ROM (PROM,
            # deg) | Motion | R | L |"), up to a blank line
            for count, row in enumerate(_LINE.finditer(text, line_end + 1)):
                if count == self.window or not row.group(1).strip():
                    break
                found += self._row(row.start(), row.group(1))
        return sorted(set(found))

    def _captions(self, text: str) -> list[tuple[int, int]]:
        """Where the caption words stand, as whole words, in text order (found with
        ``str.find`` on the lowercase text: ten times faster than a case-blind regex)."""
        lower = text.lower()
        if len(lower) != len(text):  # a letter whose lowercase is longer: no offsets to share
            lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        hits = set()
        for word in self.words:
            at = lower.find(word)
            while at >= 0:
                if not _letter(text, at - 1) and not _letter(text, at + len(word)):
                    hits.add((at, at + len(word)))
                at = lower.find(word, at + 1)
        return sorted(hits)

    def _row(self, start: int, row: str) -> list[tuple[int, int, int, str]]:
        body = row.strip().strip("|").strip()
        offset = start + row.index(body) if body else start
        end = _LABEL_END.search(body)
        if end is None or end.start() == 0:
            return []
        label = body[: end.start()].strip(" .:|")
        if not label or not self.is_motion(label) or (self.grades and self.grades.search(body)):
            return []  # a row of grades ("MMT knee flex | 5/5 | 4 minus") is no goniometry
        return [(offset + m.start(1), offset + m.end(1), int(m.group(1).replace("\u2212", "-")),
                 label)
                for m in _NUMBER.finditer(body, end.start())
                if -180 <= int(m.group(1).replace("\u2212", "-")) <= 360]
