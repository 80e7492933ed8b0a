"""Turn simple token patterns into literal phrases, so that spaCy's PhraseMatcher can run them.

medspaCy matches a rule with a token ``pattern`` through spaCy's ``Matcher``,
whose cost grows with every optional token and ``IN`` list; a rule without a
pattern is matched by the ``PhraseMatcher``, a hash lookup. A pattern made only
of ``LOWER`` values (a string or an ``IN`` list), each optional or not, is a
finite set of phrases: expanding it keeps its matches and makes matching
several times faster. (One difference, on purpose: a word the tokenizer splits,
``end-feel``, now matches as its tokens do in a note.) Other patterns (``ORTH``,
``IS_PUNCT``, regex) are left as they are.
"""

from __future__ import annotations

from itertools import product
from typing import Any

MAX_PHRASES = 2000


def _alternatives(token: dict[str, Any]) -> list[str] | None:
    if set(token) - {"LOWER", "OP"} or token.get("OP", "?") != "?":
        return None
    value = token.get("LOWER")
    if isinstance(value, str):
        words = [value]
    elif isinstance(value, dict) and set(value) == {"IN"}:
        words = list(value["IN"])
    else:
        return None
    return [*words, ""] if token.get("OP") == "?" else words


def expand(pattern: Any) -> list[str] | None:
    """The phrases a token pattern matches, or ``None`` when it is not a simple pattern.

    A word the tokenizer splits (``end-feel`` -> ``end - feel``) is matched as
    the same tokens in the note, which is what its author meant: the token
    ``Matcher`` would never have matched it.
    """
    if not isinstance(pattern, list) or not pattern:
        return None
    choices = [_alternatives(token) for token in pattern]
    if any(c is None for c in choices):
        return None
    total = 1
    for c in choices:
        total *= len(c)
    if total > MAX_PHRASES:
        return None
    words = {w for c in choices for w in c if w}
    if any(w != w.lower() for w in words):
        return None
    phrases = {" ".join(w for w in combo if w) for combo in product(*choices)}
    phrases.discard("")
    return sorted(phrases)
