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

Two more shortcuts, both read from the parse as well:

- **Required strings** (:func:`required_strings`): sets of strings of which every
  match holds one ("deg" or "°" for a degree value). A note without them is
  not searched at all; most notes name no degrees.
- **All-ASCII notes** (:class:`AsciiPlan`): a table of the two-character starts
  a match can have (there ``\\d`` is ``[0-9]``, so digit patterns get one too),
  and a one-character negative lookbehind at the start of the pattern
  (``(?<![\\d.,/])``), both applied to the whole note in one numpy pass.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from re import _casefix as casefix  # type: ignore[attr-defined]
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as parser  # type: ignore[attr-defined]
from typing import Any

import numpy

# Characters whose lowercase (as ``re`` folds case) is not their ``upper()``'s: the dotted
# capital I folds to i, the Kelvin sign to k. tests/test_regexscan.py rebuilds the list
# from every code point, so a Python with newer Unicode data fails there.
ODD_UPPER = ("\u0130\u01c5\u01c8\u01cb\u01f2\u03f4\u1e9e\u1f88\u1f89\u1f8a\u1f8b\u1f8c\u1f8d\u1f8e"
             "\u1f8f\u1f98\u1f99\u1f9a\u1f9b\u1f9c\u1f9d\u1f9e\u1f9f\u1fa8\u1fa9\u1faa\u1fab\u1fac"
             "\u1fad\u1fae\u1faf\u1fbc\u1fcc\u1ffc\u2126\u212a\u212b")
_ODD_BY_LOWER: dict[str, list[str]] = {}
for _odd in ODD_UPPER:
    _ODD_BY_LOWER.setdefault(chr(_sre.unicode_tolower(ord(_odd))), []).append(_odd)
_MAX_SET = 512  # wider first-character sets (\d is all Unicode digits) become "any digit or ..."


_ASCII_CATEGORIES = {category: {chr(c) for c in range(128) if re.match(pattern, chr(c))}
                     for category, pattern in ((sre.CATEGORY_DIGIT, r"\d"), (sre.CATEGORY_SPACE, r"\s"),
                                               (sre.CATEGORY_WORD, r"\w"))}


class _Unknown(Exception):
    """A construct the first-character analysis does not handle."""


def _cased(chars: set[str], flags: int) -> set[str]:
    """``chars`` and, case-insensitively, every character ``re`` folds to them (the long s for s)."""
    if not flags & re.IGNORECASE:
        return chars
    out = {c for ch in chars for c in (ch.lower(), ch.upper(), ch) if len(c) == 1}
    for ch in list(out):
        out.update(chr(extra) for extra in casefix._EXTRA_CASES.get(ord(ch), ()))
    for ch in list(out):
        out.update(_ODD_BY_LOWER.get(ch, ()))
    return out


def _class(items: list[tuple[Any, Any]], flags: int, ascii: bool = False) -> tuple[set[str], bool]:
    """Characters of a ``[...]`` class, and whether it holds every digit (``\\d``).
    ``ascii``: of those an all-ASCII text can hold (``\\d``, ``\\s``, ``\\w`` as characters)."""
    chars: set[str] = set()
    digits = False
    for op, value in items:
        if op is sre.LITERAL:
            chars.add(chr(value))
        elif op is sre.RANGE and value[1] - value[0] < _MAX_SET:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        elif op is sre.CATEGORY and ascii and value in _ASCII_CATEGORIES:
            chars |= _ASCII_CATEGORIES[value]
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


def _prefixes(items: Any, flags: int, k: int, ascii: bool = False) -> set[str]:
    """Every string of ``k`` characters a match of the parsed sequence can begin with; a
    shorter string where the sequence can end sooner (what follows it then comes next).
    ``ascii``: in an all-ASCII text, where ``\\d`` is ``[0-9]``."""
    current = {""}
    for op, value in items:
        grown: set[str] = set()
        for start in current:
            if len(start) >= k:
                grown.add(start)
            else:
                grown.update(start + rest
                             for rest in _item_prefixes(op, value, flags, k - len(start), ascii))
        current = grown
    return current


def _item_prefixes(op: Any, value: Any, flags: int, k: int, ascii: bool) -> set[str]:
    if op is sre.LITERAL:
        return _cased({chr(value)}, flags)
    if op is sre.IN:
        chars, digits = _class(value, flags, ascii)
        if digits:
            raise _Unknown(op)
        return chars
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return {""}
    if op is sre.SUBPATTERN:
        _group, add, remove, items = value
        return _prefixes(items, (flags | add) & ~remove, k, ascii)
    if op is sre.BRANCH:
        return {p for alternative in value[1] for p in _prefixes(alternative, flags, k, ascii)}
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
                       for q in (_prefixes(items, flags, k - len(p), ascii) if len(p) < k else {""})}
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


_MAX_STRINGS = 64  # a node that can match more strings than this counts as "any string"
_EMPTY = frozenset({("", False)})

# A string a match holds, and whether it matches case-insensitively.
Factor = tuple[str, bool]
Factors = tuple[frozenset[Factor] | None, list[frozenset[Factor]]]


def _product(left: frozenset[Factor] | None, right: frozenset[Factor] | None) -> frozenset[Factor] | None:
    """Every concatenation of a string of ``left`` with one of ``right``; None if unknown or too many."""
    if left is None or right is None or len(left) * len(right) > _MAX_STRINGS:
        return None
    return frozenset((a + b, ca or cb) for a, ca in left for b, cb in right)


def _covers(short: Factor, long: Factor) -> bool:
    """Whether ``long`` in a text means ``short`` is there too."""
    (s, s_case), (t, t_case) = short, long
    return s.lower() in t.lower() if s_case else not t_case and s in t


def _needed(strings: frozenset[Factor]) -> frozenset[Factor] | None:
    """``strings`` as a set one of which every match holds: None if one is empty (then a
    match need hold nothing), only the shortest where one string holds another."""
    if any(not s for s, _ in strings):
        return None
    kept: list[Factor] = []
    for string in sorted(strings, key=lambda f: (len(f[0]), not f[1], f[0])):  # shortest first
        if not any(_covers(shorter, string) for shorter in kept):
            kept.append(string)
    return frozenset(kept)


def _sequence_factors(items: Any, flags: int) -> Factors:
    """(every string the parsed sequence can match, if few; sets of strings of which a match
    holds at least one each). Consecutive items of few strings join into longer strings."""
    required: list[frozenset[Factor]] = []
    whole: frozenset[Factor] | None = _EMPTY
    run: frozenset[Factor] = _EMPTY
    for op, value in items:
        exact, needed = _item_factors(op, value, flags)
        required.extend(needed)
        whole = _product(whole, exact)
        joined = _product(run, exact)
        if joined is None:  # the run of known strings ends here
            if (closed := _needed(run)) is not None:
                required.append(closed)
            joined = exact if exact is not None else _EMPTY
        run = joined
    if (closed := _needed(run)) is not None:
        required.append(closed)
    return whole, required


def _item_factors(op: Any, value: Any, flags: int) -> Factors:
    case = bool(flags & re.IGNORECASE)
    if op is sre.LITERAL:
        return frozenset({(chr(value), case)}), []
    if op is sre.IN:
        if all(item is sre.LITERAL for item, _ in value) and len(value) <= 16:
            return frozenset((chr(c), case) for _, c in value), []
        return None, []
    if op in (sre.AT, sre.ASSERT_NOT):
        return _EMPTY, []
    if op is sre.ASSERT:  # zero width, but what it looks at is in the text
        return _EMPTY, _sequence_factors(value[1], flags)[1]
    if op is sre.SUBPATTERN:
        _group, add, remove, items = value
        return _sequence_factors(items, (flags | add) & ~remove)
    if op is sre.BRANCH:
        alternatives = [_sequence_factors(alternative, flags) for alternative in value[1]]
        exact: frozenset[Factor] | None = frozenset()
        for strings, _ in alternatives:
            exact = None if exact is None or strings is None else exact | strings
        if exact is not None and len(exact) > _MAX_STRINGS:
            exact = None
        if not all(needed for _, needed in alternatives):
            return exact, []
        # a match holds one string of the set its alternative needs: the union of one set each
        picked = [max(needed, key=_strength) for _, needed in alternatives]
        union = _needed(frozenset().union(*picked))
        return exact, [union] if union is not None else []
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, items = value
        strings, needed = _sequence_factors(items, flags)
        exact = None
        if strings is not None and high <= 4:
            power: frozenset[Factor] | None = _EMPTY
            exact = _EMPTY if low == 0 else frozenset()
            for count in range(1, high + 1):
                power = _product(power, strings)
                if power is None:
                    exact = None
                    break
                if count >= low:
                    exact |= power
        return exact, needed if low >= 1 else []
    return None, []  # anything else: a match may hold any string


def _strength(strings: frozenset[Factor]) -> tuple[int, int]:
    """How much a set narrows: longer shortest string first, then fewer strings."""
    return min(len(s) for s, _ in strings), -len(strings)


def required_strings(regex: re.Pattern[str]) -> list[frozenset[Factor]]:
    """Sets of strings read from the parsed pattern: every match holds at least one string
    of each set (case-insensitively where flagged). Empty when nothing is known."""
    try:
        parsed = parser.parse(regex.pattern, regex.flags)
    except re.error:
        return []
    return _required(list(parsed), parsed.state.flags)


def _required(items: Any, flags: int) -> list[frozenset[Factor]]:
    return list(dict.fromkeys(_sequence_factors(items, flags)[1]))


_ASCII_WORD = numpy.array([chr(c).isalnum() or c == ord("_") for c in range(128)])


class WordStarts:
    """Where words begin in a text: a letter not preceded by a word character (``re``'s
    ``\\w``: ``str.isalnum()`` or ``_``), which is where ``\\b`` then a letter matches."""

    def __init__(self, text: str) -> None:
        codes = numpy.frombuffer(text.encode("utf-32-le"), dtype=numpy.uint32)
        self.ascii = text.isascii()
        if self.ascii:
            ascii_codes = codes
            word = _ASCII_WORD[codes]
        else:
            high = codes >= 128
            ascii_codes = numpy.where(high, 0, codes)  # NUL: not a word character
            word = _ASCII_WORD[ascii_codes]
            others = numpy.unique(codes[high]).tolist()
            word |= numpy.isin(codes, [c for c in others if chr(c).isalnum()])
        self.codes, self.ascii_codes = codes, ascii_codes
        self.starts = word.copy()
        self.starts[1:] &= ~word[:-1]
        self.text = text
        self._lower: str | None = None
        self._pairs: numpy.ndarray | None = None

    def holds_one(self, sensitive: tuple[str, ...], insensitive: tuple[str, ...]) -> bool:
        """Whether the text holds one of ``sensitive`` as it is or one of ``insensitive``
        (lowercase ASCII) in any case. A text that is not all ASCII is taken to hold every
        ``insensitive`` string: ``re`` matches ``s`` to the long s, which ``lower`` keeps."""
        if any(s in self.text for s in sensitive):
            return True
        if not insensitive or not self.ascii:
            return bool(insensitive)
        if self._lower is None:
            self._lower = self.text.lower()
        return any(s in self._lower for s in insensitive)

    def ascii_positions(self, plan: AsciiPlan) -> list[int]:
        """Of an all-ASCII text: the positions, in order, ``plan`` lets a match start at."""
        if self._pairs is None:  # each character's code and the next one's (NUL at the end)
            following = numpy.zeros_like(self.codes)
            following[:-1] = self.codes[1:]
            self._pairs = (self.codes << 7) | following
        hits = plan.pairs[self._pairs]
        if plan.word_start:
            hits &= self.starts
        if plan.behind is not None:
            hits[1:] &= ~plan.behind[self.codes[:-1]]
        return numpy.flatnonzero(hits).tolist()

    def positions(self, regex: AnchoredRegex) -> list[int]:
        """The word starts, in order, whose first letter is one of ``regex.letters``."""
        hits = regex.ascii_table[self.ascii_codes]
        if not self.ascii and regex.other_letters:
            hits |= numpy.isin(self.codes, regex.other_letters)
        return numpy.flatnonzero(self.starts & hits).tolist()


@dataclass(frozen=True)
class AsciiPlan:
    """Where a match can start in an all-ASCII text (in it, ``\\d`` is ``[0-9]``)."""

    pairs: numpy.ndarray  # by ``code << 7 | next code``: the first two characters can begin a match
    word_start: bool  # the match starts with ``\\b`` and a letter: only at a word start
    behind: numpy.ndarray | None  # by code: a character the match cannot follow


def _ascii_plan(items: Any, flags: int) -> AsciiPlan | None:
    """The :class:`AsciiPlan` of a parsed pattern, or None if its start cannot be worked out."""
    try:
        begins = {b for b in _prefixes(items, flags, 2, ascii=True) if b.isascii()}
    except _Unknown:
        return None
    if not begins or "" in begins:
        return None
    pairs = numpy.zeros(128 * 128, dtype=bool)
    for begin in begins:
        if len(begin) == 2:
            pairs[ord(begin[0]) << 7 | ord(begin[1])] = True
        else:  # the match may be one character long: any character may follow
            pairs[ord(begin) << 7:(ord(begin) + 1) << 7] = True
    word_start = _starts_at_word_boundary(items) and all(b[0].isalpha() for b in begins)
    behind = numpy.zeros(128, dtype=bool)
    for op, value in items:  # the zero-width items the pattern starts with
        if op not in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            break
        direction, body = value if op is sre.ASSERT_NOT else (0, [])
        if direction == -1 and len(body) == 1 and body[0][0] in (sre.LITERAL, sre.IN):
            try:  # a one-character negative lookbehind: what the match cannot follow
                chars = _item_prefixes(*body[0], flags, 1, True)
            except _Unknown:
                continue
            behind[[ord(c) for c in chars if c.isascii()]] = True
    return AsciiPlan(pairs, word_start, behind if behind.any() else None)


class AnchoredRegex:
    """A compiled pattern whose ``finditer`` only tries positions a match can start at."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.starts: re.Pattern[str] | None = None
        self.letters: frozenset[str] | None = None
        self.ascii_table = numpy.zeros(128, dtype=bool)  # of letters: ASCII ones, then others
        self.other_letters: list[int] = []
        # strings a match must hold, one of each set: a text without them is not searched
        self.required: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        self._parsed: tuple[list[Any], int] | None = None
        try:
            parsed = parser.parse(regex.pattern, regex.flags)
        except re.error:
            return
        self._parsed = (list(parsed), parsed.state.flags)
        self.required = [(tuple(s for s, case in strings if not case),
                          tuple(s.lower() for s, case in strings if case))
                         for strings in _required(*self._parsed)
                         if all(s.isascii() for s, case in strings if case)]
        try:
            chars, digits, nullable = _first(*self._parsed)
        except _Unknown:
            return
        if nullable or not (chars or digits):
            return
        if _starts_at_word_boundary(self._parsed[0]) and not digits and all(c.isalpha() for c in chars):
            self.letters = frozenset(chars)
            self.ascii_table[[ord(c) for c in chars if ord(c) < 128]] = True
            self.other_letters = sorted(ord(c) for c in chars if ord(c) >= 128)
            return
        cls = "".join(re.escape(c) for c in sorted(chars)) + (r"\d" if digits else "")
        self.starts = re.compile(f"[{cls}]")

    # Worked out on first use, not at start-up: a one-note run needs few of them.
    @cached_property
    def ascii_plan(self) -> AsciiPlan | None:
        """Where a match can start in an all-ASCII text, if that can be worked out."""
        return _ascii_plan(*self._parsed) if self._parsed is not None else None

    @cached_property
    def _begins(self) -> tuple[frozenset[str] | None, frozenset[str]]:
        if self.letters is None or self._parsed is None:
            return None, frozenset()
        try:
            begins = _prefixes(*self._parsed, 2)
        except _Unknown:
            return None, frozenset()
        if "" in begins:
            return None, frozenset()
        return (frozenset(p for p in begins if len(p) == 2),
                frozenset(p for p in begins if len(p) == 1))

    @property
    def pairs(self) -> frozenset[str] | None:
        """The two characters a match of a word-start pattern can begin with, if known."""
        return self._begins[0]

    @property
    def singles(self) -> frozenset[str]:
        """The characters a match can be when it is one character long."""
        return self._begins[1]

    def finditer(self, text: str, words: WordStarts | None = None) -> Iterator[re.Match[str]]:
        """The matches of ``regex.finditer(text)``. ``words`` are the text's word starts,
        found once for all patterns of a note."""
        positions: Iterable[int]
        if self._parsed is not None:  # then required strings or a start plan may apply
            words = words or WordStarts(text)
            if not all(words.holds_one(*strings) for strings in self.required):
                return
        if words is not None and words.ascii and self.ascii_plan is not None:
            positions = words.ascii_positions(self.ascii_plan)
        elif words is not None and self.letters is not None:
            positions = words.positions(self)
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
