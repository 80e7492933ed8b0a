"""Same-length normalization of note text before it reaches the pipeline.

Equivalent forms must give equal findings: a non-breaking space, a tab, a
carriage return, smart quotes, an en dash or a masculine-ordinal "º" used as a
degree sign are replaced one character for one character. A carriage return
alone and the Unicode line and paragraph separators end a line, as a newline
does. The copy has exactly the offsets of the original, and every reported
``text`` is sliced from the original note, never from this copy.

Invisible format characters (zero-width space and joiners, soft hyphen, bidi
controls, word joiner, byte-order mark) cannot be removed without moving every
offset after them, so they stay in the text and are ignored where words are
matched instead: a token's LOWER and NORM leave them out (:func:`visible`, the
lexical attributes of ``ClinicalEnglish``), so "ham\u200bstring" matches
"hamstring" and its span is the original's, invisible character included.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_TABLE = str.maketrans({
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\t": " ",
    "\r": " ", "\u000b": " ", "\u000c": " ", "\u2028": "\n", "\u2029": "\n",
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201f": '"', "\u2033": '"',
    "\u2013": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u00ba": "\u00b0", "\u02da": "\u00b0",
})


_LONE_CR = re.compile(r"\r(?!\n)")
# Unicode category Cf characters that carry no letter: they may sit inside or around a word
FORMAT_CHARACTERS = ("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d"
                     "\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")
_INVISIBLE = dict.fromkeys(map(ord, FORMAT_CHARACTERS))
# a line break for line and column: CRLF, CR, LF, and the Unicode line and paragraph separators
LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029]")


def same_length(text: str) -> str:
    """``text`` with equivalent characters unified; ``len`` and offsets unchanged."""
    if "\r" in text:  # a carriage return alone ends a line; one before a newline is a space
        text = _LONE_CR.sub("\n", text)
    return text.translate(_TABLE)


def visible(word: str) -> str:
    """``word`` without its invisible format characters."""
    return word.translate(_INVISIBLE)


class LineIndex:
    """Maps character offsets to 1-based line and column (a line ends at a newline, a carriage
    return, both, or a Unicode line or paragraph separator)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in LINE_BREAK.finditer(text)]

    def locate(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1
