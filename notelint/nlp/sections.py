"""The section every offset of a note belongs to (RULES.md, "Reading conventions").

Headers are found by their shape where sentences are split
(:func:`notelint.nlp.sentences.headers`): an all-capitals title anywhere
(``",PLAN:,"`` in comma-joined transcriptions) or a title-case one at the start
of a line (``Assessment:``). ``patterns/sections.jsonl`` names them: a title is
looked up whole, then by its longest known first words ("procedure in detail"
is a procedure). An all-capitals title that names no known section starts an
``other`` section; an unknown title-case one is part of the text around it.

medspaCy's Sectionizer reads the same kind of rules, but it sets a Python
attribute on every token (measured: 1.7 ms a note, half of what tokenizing
costs); notelint keeps only the header offsets and answers by bisection.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from notelint.lexicon import load_lexicon

OTHER = "other"
_SPACES = re.compile(r"[\s,]+")


@cache
def _titles() -> dict[str, str]:
    """Known section titles (lower case, single-spaced) -> section name."""
    return {title: rule.metadata["section"] for rule in load_lexicon().of("SECTION")
            for title in rule.metadata["titles"]}


def section_of_title(title: str) -> str | None:
    """The section a header title names, or None when it names none."""
    words = _SPACES.sub(" ", title.strip(" \t-&/")).lower().split(" ")
    titles = _titles()
    for n in range(len(words), 0, -1):
        found = titles.get(" ".join(words[:n]))
        if found:
            return found
    return None


@dataclass(frozen=True)
class Sections:
    """Section boundaries of one note: ``starts[i]`` begins a section named ``names[i]``."""

    starts: tuple[int, ...]
    names: tuple[str, ...]

    @classmethod
    def from_headers(cls, headers: list[tuple[int, int, str, bool]]) -> Sections:
        """Sections from ``(start, end, title, all_caps)`` headers in text order."""
        starts, names = [0], ["preamble"]
        for start, _end, title, caps in headers:
            name = section_of_title(title)
            if name is None and not caps:
                continue
            starts.append(start)
            names.append(name or OTHER)
        return cls(tuple(starts), tuple(names))

    def at(self, offset: int) -> str:
        """The name of the section ``offset`` is in (``preamble`` before the first header)."""
        return self.names[bisect_right(self.starts, offset) - 1]

    def start_of(self, offset: int) -> int:
        """Where the section ``offset`` is in starts."""
        return self.starts[bisect_right(self.starts, offset) - 1]
