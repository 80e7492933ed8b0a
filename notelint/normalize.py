"""Same-length normalization of note text before it reaches the pipeline.

Equivalent forms must give equal findings: a non-breaking space, a tab, a
carriage return, smart quotes, an en dash or a masculine-ordinal "º" used as a
degree sign are replaced one character for one character. The copy has exactly
the offsets of the original, and every reported ``text`` is sliced from the
original note, never from this copy.
"""

from __future__ import annotations

_TABLE = str.maketrans({
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\t": " ",
    "\r": " ", "\u000b": " ", "\u000c": " ",
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201f": '"', "\u2033": '"',
    "\u2013": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u00ba": "\u00b0", "\u02da": "\u00b0",
})


def same_length(text: str) -> str:
    """``text`` with equivalent characters unified; ``len`` and offsets unchanged."""
    return text.translate(_TABLE)
