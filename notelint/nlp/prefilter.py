"""``finditer`` for the measurement regexes, tried only where the data says a match can start.

Python's ``re`` scans fast only for a pattern that starts with a literal or a character
class; the ROM and strength patterns start with a lookbehind or ``\\b``, so ``re`` tries
each one at every position of a note (about 4 ms a note for the fifteen of them). Each
measurement entry of ``patterns/`` therefore carries a ``metadata.scan`` prefilter, written
beside its pattern:

- ``first``: a character class every match starts with;
- ``ignore_case``: the class is read case-insensitively, as the pattern reads its start;
- ``word_start``: a match starts a word (the pattern begins with ``\\b`` and a letter);
- ``begins``: the two characters (compared case-insensitively) a match can begin with;
- ``not_after``: a character class a match never follows (the pattern's leading
  negative lookbehind);
- ``requires``: lists of strings; every match holds one string of each list (compared
  case-insensitively), so a note without them is not searched.

:class:`Prefiltered` finds the positions that pass, with numpy over the note's characters
(:class:`NoteChars`, built once per note for all patterns), and calls the pattern's
``match`` there, in order, resuming after each match as ``finditer`` does. A prefilter
that admits a position it could have excluded costs time; one that excludes a real start
loses a match, which ``tests/test_prefilter.py`` guards by comparing every pattern with
``re.finditer`` on generated texts and on every note at hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

import numpy

_ASCII = [chr(code) for code in range(128)]
_WORD = re.compile(r"\w")


def _table(cls: re.Pattern[str] | None) -> numpy.ndarray:
    """By ASCII code: whether the one-character class ``cls`` holds the character."""
    return numpy.array([bool(cls and cls.fullmatch(c)) for c in _ASCII])


_ASCII_WORD = _table(_WORD)


class NoteChars:
    """A note's characters as numpy codes, and where its words start (a word character, as
    ``re``'s ``\\w`` reads one, not preceded by another), found once for every pattern."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.codes = numpy.frombuffer(text.encode("utf-32-le"), dtype=numpy.uint32)
        self.high = [] if self.ascii else numpy.unique(self.codes[self.codes >= 128]).tolist()
        self.clipped = self.codes if self.ascii else numpy.where(self.codes >= 128, 0, self.codes)
        self._masks: dict[tuple[str, int], numpy.ndarray] = {}

    def mask(self, table: numpy.ndarray, cls: re.Pattern[str]) -> numpy.ndarray:
        """By position: whether the character is in the class of ``table`` (ASCII codes)
        and ``cls`` (the same class, asked of the note's other characters). Patterns share
        classes, so each class is worked out once per note; the caller must not change it."""
        key = (cls.pattern, cls.flags)
        hits = self._masks.get(key)
        if hits is None:
            hits = table[self.clipped]
            if self.high:
                hits |= numpy.isin(self.codes, [c for c in self.high if cls.fullmatch(chr(c))])
            self._masks[key] = hits
        return hits

    @cached_property
    def word_starts(self) -> numpy.ndarray:
        word = self.mask(_ASCII_WORD, _WORD)
        starts = word.copy()
        starts[1:] &= ~word[:-1]
        return starts

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @cached_property
    def pairs(self) -> numpy.ndarray:
        """By position: the ASCII code of the character and of the next one, ``code << 7 |
        next`` (0 for a character that is not ASCII and after the last one)."""
        following = numpy.zeros_like(self.clipped)
        following[:-1] = self.clipped[1:]
        return (self.clipped << 7) | following

    @cached_property
    def high_pair(self) -> numpy.ndarray:
        """By position: the character or the next one is not ASCII."""
        high = self.codes >= 128
        out = high.copy()
        out[:-1] |= high[1:]
        return out


class Prefiltered:
    """A compiled measurement pattern with its data prefilter (``metadata.scan``)."""

    def __init__(self, regex: re.Pattern[str], scan: dict[str, Any]) -> None:
        self.regex = regex
        flags = re.IGNORECASE if scan.get("ignore_case") else 0
        self.first = re.compile(scan["first"], flags)
        self.first_table = _table(self.first)
        self.not_after = re.compile(scan["not_after"]) if scan.get("not_after") else None
        self.after_table = _table(self.not_after)
        self.word_start = bool(scan.get("word_start"))
        self.requires = [tuple(s.lower() for s in strings) for strings in scan.get("requires", [])]
        self.begins: numpy.ndarray | None = None
        if scan.get("begins"):
            self.begins = numpy.zeros(128 * 128, dtype=bool)
            for begin in scan["begins"]:
                for a in {begin[0].lower(), begin[0].upper()}:
                    for b in {begin[1].lower(), begin[1].upper()}:
                        if a.isascii() and b.isascii():
                            self.begins[ord(a) << 7 | ord(b)] = True

    def positions(self, chars: NoteChars) -> list[int]:
        """The positions of the note, in order, at which a match may start."""
        hits = chars.mask(self.first_table, self.first).copy()
        if self.word_start:
            hits &= chars.word_starts
        if self.begins is not None:
            hits &= self.begins[chars.pairs] | chars.high_pair
        if self.not_after is not None:
            hits[1:] &= ~chars.mask(self.after_table, self.not_after)[:-1]
        return numpy.flatnonzero(hits).tolist()

    def finditer(self, text: str, chars: NoteChars | None = None) -> Iterator[re.Match[str]]:
        """The matches of ``regex.finditer(text)``; ``chars`` is the note's :class:`NoteChars`."""
        chars = chars or NoteChars(text)
        # a note that is not all ASCII may hold what case-insensitive ``re`` folds to them
        if chars.ascii and not all(any(s in chars.lower for s in strings) for strings in self.requires):
            return
        resume = 0
        match = self.regex.match
        for position in self.positions(chars):
            if position < resume:
                continue
            found = match(text, position)
            if found is not None:
                yield found
                resume = max(found.end(), position + 1)
