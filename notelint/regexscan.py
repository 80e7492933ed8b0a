"""Faster ``finditer`` for the measurement regexes, with exactly the same matches.

Python's ``re`` tries a pattern at every position of the text unless it starts
with a literal or a character class; the ROM and strength patterns start with
a lookbehind or ``\\b``, so each one walks the whole note. :class:`AnchoredRegex`
works out from the parsed pattern the characters a match can start with, finds
only those positions (one C-speed scan), and calls ``match`` there, in order,
resuming after each match as ``finditer`` does. A pattern that starts with
``\\b`` and a letter is tried only where a word begins with one of its letters
(:class:`WordStarts`, found once per note with numpy) and whose next character
can follow it (the pattern's possible first two characters, also read from the
parse). A pattern whose first characters cannot be worked out keeps the plain
``finditer``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from re import _casefix as casefix  # type: ignore[attr-defined]
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as parser  # type: ignore[attr-defined]
from typing import Any

import numpy

_MAX_SET = 512  # wider first-character sets (\d is all Unicode digits) become "any digit or ..."


class _Unknown(Exception):
    """A construct the first-character analysis does not handle."""


def _cased(chars: set[str], flags: int) -> set[str]:
    """``chars`` and, case-insensitively, every character ``re`` folds to them (the long s for s)."""
    if not flags & re.IGNORECASE:
        return chars
    out = {c for ch in chars for c in (ch.lower(), ch.upper(), ch) if len(c) == 1}
    for ch in list(out):
        out.update(chr(extra) for extra in casefix._EXTRA_CASES.get(ord(ch), ()))
    return out


def _class(items: list[tuple[Any, Any]], flags: int) -> tuple[set[str], bool]:
    """Characters of a ``[...]`` class, and whether it holds every digit (``\\d``)."""
    chars: set[str] = set()
    digits = False
    for op, value in items:
        if op is sre.LITERAL:
            chars.add(chr(value))
        elif op is sre.RANGE and value[1] - value[0] < _MAX_SET:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        elif op is sre.CATEGORY and value is sre.CATEGORY_DIGIT:
            digits = True
        else:
            raise _Unknown(op)
    return _cased(chars, flags), digits


def _first(items: Any, flags: int) -> tuple[set[str], bool, bool]:
    """(first characters, every digit too, can match empty) of a parsed sequence."""
    chars: set[str] = set()
    digits = False
    for op, value in items:
        sub, sub_digits, nullable = _op(op, value, flags)
        chars |= sub
        digits |= sub_digits
        if not nullable:
            return chars, digits, False
    return chars, digits, True


def _op(op: Any, value: Any, flags: int) -> tuple[set[str], bool, bool]:
    if op is sre.LITERAL:
        return _cased({chr(value)}, flags), False, False
    if op is sre.IN:
        chars, digits = _class(value, flags)
        return chars, digits, False
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return set(), False, True  # zero width: the next item starts the match
    if op is sre.SUBPATTERN:
        _group, add, remove, items = value
        return _first(items, (flags | add) & ~remove)
    if op is sre.BRANCH:
        chars, digits, nullable = set(), False, False
        for alternative in value[1]:
            sub, sub_digits, sub_nullable = _first(alternative, flags)
            chars |= sub
            digits |= sub_digits
            nullable |= sub_nullable
        return chars, digits, nullable
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, _high, items = value
        chars, digits, nullable = _first(items, flags)
        return chars, digits, nullable or low == 0
    raise _Unknown(op)


def _prefixes(items: Any, flags: int, k: int) -> set[str]:
    """Every string of ``k`` characters a match of the parsed sequence can begin with; a
    shorter string where the sequence can end sooner (what follows it then comes next)."""
    current = {""}
    for op, value in items:
        grown: set[str] = set()
        for start in current:
            if len(start) >= k:
                grown.add(start)
            else:
                grown.update(start + rest for rest in _item_prefixes(op, value, flags, k - len(start)))
        current = grown
    return current


def _item_prefixes(op: Any, value: Any, flags: int, k: int) -> set[str]:
    if op is sre.LITERAL:
        return _cased({chr(value)}, flags)
    if op is sre.IN:
        chars, digits = _class(value, flags)
        if digits:
            raise _Unknown(op)
        return chars
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return {""}
    if op is sre.SUBPATTERN:
        _group, add, remove, items = value
        return _prefixes(items, (flags | add) & ~remove, k)
    if op is sre.BRANCH:
        return {p for alternative in value[1] for p in _prefixes(alternative, flags, k)}
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, items = value
        found, current = set(), {""}
        for count in range(k + 2):  # past k + 1 repetitions nothing new can begin
            complete = all(len(p) >= k for p in current)  # more repetitions change nothing
            if count >= low or complete:
                found |= current
            if count >= high or complete:
                return found
            current = {p + q for p in current
                       for q in (_prefixes(items, flags, k - len(p)) if len(p) < k else {""})}
        return found | current
    raise _Unknown(op)


def _starts_at_word_boundary(items: Any) -> bool:
    """Whether every match begins with ``\\b`` (through groups and alternatives)."""
    if not items:
        return False
    op, value = items[0]
    if op is sre.SUBPATTERN:
        return _starts_at_word_boundary(list(value[3]))
    if op is sre.BRANCH:
        return all(_starts_at_word_boundary(list(alternative)) for alternative in value[1])
    return op is sre.AT and value is sre.AT_BOUNDARY


_ASCII_WORD = numpy.array([chr(c).isalnum() or c == ord("_") for c in range(128)])


class WordStarts:
    """Where words begin in a text: a letter not preceded by a word character (``re``'s
    ``\\w``: ``str.isalnum()`` or ``_``), which is where ``\\b`` then a letter matches."""

    def __init__(self, text: str) -> None:
        codes = numpy.frombuffer(text.encode("utf-32-le"), dtype=numpy.uint32)
        ascii_codes = numpy.where(codes < 128, codes, 0)  # NUL: not a word character
        word = _ASCII_WORD[ascii_codes]
        self.ascii = bool((codes < 128).all())
        if not self.ascii:
            others = numpy.unique(codes[codes >= 128]).tolist()
            word |= numpy.isin(codes, [c for c in others if chr(c).isalnum()])
        self.codes, self.ascii_codes = codes, ascii_codes
        self.starts = word.copy()
        self.starts[1:] &= ~word[:-1]

    def positions(self, regex: AnchoredRegex) -> list[int]:
        """The word starts, in order, whose first letter is one of ``regex.letters``."""
        hits = regex.ascii_table[self.ascii_codes]
        if not self.ascii and regex.other_letters:
            hits |= numpy.isin(self.codes, regex.other_letters)
        return numpy.flatnonzero(self.starts & hits).tolist()


class AnchoredRegex:
    """A compiled pattern whose ``finditer`` only tries positions a match can start at."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.starts: re.Pattern[str] | None = None
        self.letters: frozenset[str] | None = None
        self.ascii_table = numpy.zeros(128, dtype=bool)  # of letters: ASCII ones, then others
        self.other_letters: list[int] = []
        # the two characters a match can begin with (one where it may be one long), if known
        self.pairs: frozenset[str] | None = None
        self.singles: frozenset[str] = frozenset()
        try:
            parsed = parser.parse(regex.pattern, regex.flags)
            chars, digits, nullable = _first(list(parsed), parsed.state.flags)
        except (_Unknown, re.error):
            return
        if nullable or not (chars or digits):
            return
        if _starts_at_word_boundary(list(parsed)) and not digits and all(c.isalpha() for c in chars):
            self.letters = frozenset(chars)
            self.ascii_table[[ord(c) for c in chars if ord(c) < 128]] = True
            self.other_letters = sorted(ord(c) for c in chars if ord(c) >= 128)
            try:
                begins = _prefixes(list(parsed), parsed.state.flags, 2)
            except _Unknown:
                return
            if "" not in begins:
                self.pairs = frozenset(p for p in begins if len(p) == 2)
                self.singles = frozenset(p for p in begins if len(p) == 1)
            return
        cls = "".join(re.escape(c) for c in sorted(chars)) + (r"\d" if digits else "")
        self.starts = re.compile(f"[{cls}]")

    def finditer(self, text: str, words: WordStarts | None = None) -> Iterator[re.Match[str]]:
        """The matches of ``regex.finditer(text)``. ``words`` are the text's word starts,
        found once for all patterns of a note."""
        positions: Iterable[int]
        if self.letters is not None:
            positions = (words or WordStarts(text)).positions(self)
            if self.pairs is not None:
                pairs, singles = self.pairs, self.singles
                positions = [p for p in positions if text[p:p + 2] in pairs or text[p] in singles]
        elif self.starts is not None:
            positions = (m.start() for m in self.starts.finditer(text))
        else:
            yield from self.regex.finditer(text)
            return
        resume = 0
        match = self.regex.match
        for position in positions:
            if position < resume:
                continue
            found = match(text, position)
            if found is not None:
                yield found
                resume = max(found.end(), position + 1)
