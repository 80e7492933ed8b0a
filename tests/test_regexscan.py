"""AnchoredRegex finds exactly what ``re.finditer`` finds, only faster."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notelint.lexicon import load_lexicon
from notelint.regexscan import AnchoredRegex

PATTERNS = [r.pattern for r in load_lexicon().measures if r.category in ("ROM", "STRENGTH")]
PIECES = ["flexion", "Extension", "DF", "PF", "ROM", "lacks", "to", "of", "is", " ", "  ", "\n", ",",
          ".", "/", "-", "\u2212", "+", "°", "degrees", "deg", "5", "4", "0", "90", "120", "-10", "minus ",
          "5/5", "4+/5", "over", "strength", "Motor", "neutral", "forty-five", "one hundred", "\u017ftrength",
          "\u212a", "é", "_", "x", "F", "C", "3-4/5", "to 5", "dorsiflexion"]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_anchored_regex_equals_finditer(pattern, text):
    regex = re.compile(pattern)
    assert [m.span() for m in AnchoredRegex(regex).finditer(text)] == [
        m.span() for m in regex.finditer(text)]


def test_every_measurement_pattern_is_anchored():
    """If a pattern is edited into a form the analysis cannot read, it still works (plain
    finditer), but it is slow: this says so."""
    for pattern in PATTERNS:
        anchored = AnchoredRegex(re.compile(pattern))
        assert anchored.starts is not None or anchored.letters is not None, pattern


@pytest.mark.parametrize(("pattern", "text", "spans"), [
    (r"(?i)\bstrength\b", "\u017ftrength and STRENGTH", [(0, 8), (13, 21)]),
    (r"(?<!\d)\d+", "a12b3", [(1, 3), (4, 5)]),
    (r"\b(?:ab|cd)", "xab ab cd", [(4, 6), (7, 9)]),
    (r"x*y", "xxy y", [(0, 3), (4, 5)]),
    # a word character before the letter (Unicode letters and digits, _) is no word start
    (r"\b(?:ab|cd)", "\u00e9ab _cd \u0663ab 1cd ab\u00b0 cd", [(16, 18), (20, 22)]),
])
def test_anchored_regex_cases(pattern, text, spans):
    assert [m.span() for m in AnchoredRegex(re.compile(pattern)).finditer(text)] == spans


@pytest.mark.parametrize(("pattern", "pairs", "singles"), [
    (r"\b(?:ab|cd)", {"ab", "cd"}, set()),
    (r"(?i)\black", {"la", "lA", "La", "LA"}, set()),
    (r"\bx*y", {"xx", "xy"}, {"y"}),                  # "y" alone may be the whole match
    (r"\b(?:a|b)(?=c)", set(), {"a", "b"}),  # zero width after the one character
])
def test_two_character_starts(pattern, pairs, singles):
    anchored = AnchoredRegex(re.compile(pattern))
    assert (anchored.pairs, anchored.singles) == (pairs, singles)


@pytest.mark.parametrize("text", ["xy y xxy", "xab ab cd", "Lack LACK lacks", "ac bc a", "y", "x", ""])
def test_two_character_starts_keep_every_match(text):
    for pattern in (r"\bx*y", r"\b(?:ab|cd)", r"(?i)\black", r"\b(?:a|b)(?=c)"):
        regex = re.compile(pattern)
        assert [m.span() for m in AnchoredRegex(regex).finditer(text)] == [
            m.span() for m in regex.finditer(text)]


def test_unreadable_pattern_falls_back():
    regex = re.compile(r"(?=a)\w|.?b")  # nullable first item, a lookahead: falls back
    anchored = AnchoredRegex(regex)
    assert [m.span() for m in anchored.finditer("ab cb")] == [m.span() for m in regex.finditer("ab cb")]
