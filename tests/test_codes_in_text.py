"""Codes written in a note: where they are found, and that the faster regex finds the same."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from notelint.result.linter import _NOTE_CODE, codes_in_text

# the plain form: the test on the character before the code comes first
PLAIN = re.compile(r"(?<![A-Za-z0-9.])([A-TV-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4})(?![0-9A-Za-z])")


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["M", "62", ".", "4", "51", "Z", "U", "x", "a", " ", "(", ")", "\n", "I69",
                                 "M62.4", "1", "é"]), max_size=20).map("".join))
def test_note_code_regex_equals_plain_form(text):
    assert [m.span(1) for m in _NOTE_CODE.finditer(text)] == [m.span(1) for m in PLAIN.finditer(text)]


def test_codes_in_text():
    text = "Dx: M62.451 (right thigh). Not xM62.452 nor 1M62.453 nor .M62.454; G35 but (G35)."
    assert codes_in_text(text) == {"M62.451": (4, 11), "G35": (76, 79)}
