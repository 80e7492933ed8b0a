"""AnchoredRegex finds exactly what ``re.finditer`` finds, only faster."""

from __future__ import annotations

import _sre
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notelint.lexicon import load_lexicon
from notelint.nlp.regexscan import ODD_UPPER, AnchoredRegex, WordStarts, required_strings

PATTERNS = [r.pattern for r in load_lexicon().measures if r.category in ("ROM", "STRENGTH")]
PIECES = ["flexion", "Extension", "DF", "PF", "ROM", "lacks", "to", "of", "is", " ", "  ", "\n", ",",
          ".", "/", "-", "\u2212", "+", "°", "degrees", "deg", "5", "4", "0", "90", "120", "-10", "minus ",
          "5/5", "4+/5", "over", "strength", "Motor", "neutral", "forty-five", "one hundred", "\u017ftrength",
          "\u212a", "é", "_", "x", "F", "C", "3-4/5", "to 5", "dorsiflexion", "\t", "\x1c", "\x00",
          "\u0131", "\u0130", "LACK", "Neutral", "neutral", "at", "MOTOR", "5 to 4", "2011", "1.5", "m"]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
# all-ASCII texts take another path (AsciiPlan): tried on their own too
ascii_texts = st.lists(st.sampled_from([p for p in PIECES if p.isascii()]), max_size=40).map("".join)


def assert_same_matches(regex: re.Pattern[str], text: str) -> None:
    """AnchoredRegex finds in ``text`` the spans that ``re.finditer`` finds."""
    assert [m.span() for m in AnchoredRegex(regex).finditer(text)] == [
        m.span() for m in regex.finditer(text)]


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_anchored_regex_equals_finditer(pattern, text):
    assert_same_matches(re.compile(pattern), text)


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=200, deadline=None)
@given(text=ascii_texts)
def test_anchored_regex_equals_finditer_on_ascii(pattern, text):
    assert_same_matches(re.compile(pattern), text)


def test_every_measurement_pattern_is_anchored():
    """If a pattern is edited into a form the analysis cannot read, it still works (plain
    finditer), but it is slow: this says so."""
    for pattern in PATTERNS:
        anchored = AnchoredRegex(re.compile(pattern))
        assert anchored.starts is not None or anchored.letters is not None, pattern
        assert anchored.ascii_plan is not None, pattern


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
        assert_same_matches(re.compile(pattern), text)


def test_unreadable_pattern_falls_back():
    assert_same_matches(re.compile(r"(?=a)\w|.?b"), "ab cb")  # nullable first item, a lookahead


@pytest.mark.parametrize(("pattern", "required"), [
    (r"deg(?:rees?)?\b", [{("deg", False)}]),
    (r"(?i:lack)s?\s+\d+", [{("lack", True)}]),
    (r"\d+\s*(?:°|deg)", [{("°", False), ("deg", False)}]),
    (r"(?:a|bc)+x\w", [{("a", False), ("bc", False)}, {("x", False)}]),
    (r"\d(?=\s*(?i:mm|cm))", [{("mm", True), ("cm", True)}]),  # a lookahead's text is there
    (r"\d(?!mm)|x?", []),  # a negative lookahead, an empty match: nothing is sure
])
def test_required_strings(pattern, required):
    assert required_strings(re.compile(pattern)) == [frozenset(r) for r in required]


def test_odd_uppercase_list_is_current():
    """Every character ``re`` folds to a lowercase whose ``upper()`` is another character."""
    lower = _sre.unicode_tolower
    odd = "".join(chr(c) for c in range(0x110000) if lower(c) != c and chr(lower(c)).upper() != chr(c))
    assert odd == ODD_UPPER


@pytest.mark.parametrize(("pattern", "text"), [
    (r"(?i)\bir\b", "\u0130R ir"), (r"(?i)k\d", "\u212a1 k2"),
    (r"(?i)\black\b", "LACK"), (r"(?i)\bstrength", "\u017ftrength"), (r"(?i)is\b", "\u0130s \u0131s"),
    (r"(?<![\d.])\d+\s*deg", "12 deg 1.5 deg"), (r"\d\s", "1\x1c"),
])
def test_required_strings_keep_every_match(pattern, text):
    assert_same_matches(re.compile(pattern), text)
    assert_same_matches(re.compile(pattern), text.replace("deg", "dg"))  # its required string gone


def test_text_without_a_required_string_is_not_searched():
    anchored = AnchoredRegex(re.compile(r"(?<![\d.,/])\d{1,3}\s*(?:°|degrees?\b)"))
    words = WordStarts("flexion 90, extension 10")
    assert not words.holds_one(*anchored.required[0])
    assert list(anchored.finditer(words.text, words)) == []


def test_ascii_plan_reads_the_lookbehind_and_the_first_two_characters():
    plan = AnchoredRegex(re.compile(r"(?<![\d.])(?:minus\s)?\d{1,3}")).ascii_plan
    assert plan is not None and not plan.word_start
    assert "".join(chr(c) for c in plan.behind.nonzero()[0]) == ".0123456789"
    pairs = {chr(i >> 7) + chr(i & 127) for i in plan.pairs.nonzero()[0]}
    assert "mi" in pairs and "ma" not in pairs and "9x" in pairs  # one digit may be the whole match
    assert WordStarts("ma 12 mi 1.5 minus 3").ascii_positions(plan) == [3, 6, 9, 13, 19]  # "mi " too
