"""medspaCy's rule matcher with exact-token patterns moved to a PhraseMatcher.

spaCy's token ``Matcher`` walks every token of a note even for a handful of
patterns; here most of the lexicon is already phrases (``notelint.phrases``),
and what is left is patterns that name exact token texts (``{"ORTH": "FCU"}``,
``{"ORTH": {"IN": ["SLR", "SLRs"]}}``, ``[{"LOWER": "b"}, {"ORTH": "/"},
{"LOWER": "l"}]``). :class:`PhraseFirstMatcher` matches those as token
sequences with a PhraseMatcher on ORTH and skips the token Matcher when it is
left empty. A fixed-length pattern whose first token names exact texts (ConText's
``: none``) runs only where such a token is, on a window of the doc. Matches,
their order before overlap pruning and so the pruned result are the same as
medspaCy's MedspacyMatcher; a test compares them.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import product
from typing import Any

import numpy
from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.util import prune_overlapping_matches
from spacy.attrs import LOWER, ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

MAX_SEQUENCES = 256


def _texts(attr: str, value: Any) -> list[str] | None:
    values = value["IN"] if isinstance(value, dict) and list(value) == ["IN"] else [value]
    if not all(isinstance(v, str) and v for v in values):
        return None
    if attr == "ORTH":
        return list(values)
    # LOWER: every casing of a short ASCII word; "k" is left out because the Kelvin sign
    # also lowercases to it, which an ORTH phrase would miss
    if not all(v.isascii() and v == v.lower() and len(v) <= 4 and "k" not in v for v in values):
        return None
    return [
        "".join(chars) for v in values
        for chars in product(*({c, c.upper()} for c in v))
    ]


def orth_sequences(pattern: Any) -> list[list[str]] | None:
    """The token-text sequences a token pattern matches, when it only names exact texts
    (ORTH, ORTH IN, LOWER of a short word); else None."""
    if not isinstance(pattern, list) or not pattern:
        return None
    choices = []
    for token in pattern:
        if not isinstance(token, dict) or len(token) != 1:
            return None
        (attr, value), = token.items()
        texts = _texts(attr, value) if attr in ("ORTH", "LOWER") else None
        if texts is None:
            return None
        choices.append(sorted(set(texts)))
    count = 1
    for texts in choices:
        count *= len(texts)
    if count > MAX_SEQUENCES:
        return None
    return [list(seq) for seq in product(*choices)]


def anchor_texts(pattern: Any) -> tuple[str, list[str]] | None:
    """``(attribute, texts)`` of the first token of a fixed-length token pattern, when
    that token names exact ORTH or LOWER texts; else None."""
    if not isinstance(pattern, list) or not pattern or not all(
            isinstance(t, dict) and "OP" not in t for t in pattern):
        return None
    for attr in ("ORTH", "LOWER"):
        value = pattern[0].get(attr)
        values = value["IN"] if isinstance(value, dict) and list(value) == ["IN"] else [value]
        if value is not None and all(isinstance(v, str) for v in values):
            return attr, list(values)
    return None


class PhraseFirstMatcher(MedspacyMatcher):  # type: ignore[misc]
    """A MedspacyMatcher whose exact-token patterns run on an ORTH PhraseMatcher."""

    def __init__(self, nlp: Language, name: str = "medspacy_matcher",
                 phrase_matcher_attr: str = "LOWER", prune: bool = True) -> None:
        super().__init__(nlp, name=name, phrase_matcher_attr=phrase_matcher_attr, prune=prune)
        self._orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._vocab = nlp.vocab
        self._anchored = Matcher(nlp.vocab)
        self._anchors: dict[str, set[int]] = {"ORTH": set(), "LOWER": set()}
        self._window = 0

    def add(self, rules: Iterable[Any]) -> None:
        tokens = self._MedspacyMatcher__matcher
        for rule in rules:
            super().add([rule])
            if (sequences := orth_sequences(rule.pattern)) is not None:
                tokens.remove(rule._rule_id)
                self._orth.add(rule._rule_id, [Doc(self._vocab, words=seq) for seq in sequences],
                               on_match=rule.on_match)
            elif (anchor := anchor_texts(rule.pattern)) is not None:
                tokens.remove(rule._rule_id)
                self._anchored.add(rule._rule_id, [rule.pattern], on_match=rule.on_match)
                self._anchors[anchor[0]].update(self._vocab.strings.add(t) for t in anchor[1])
                self._window = max(self._window, len(rule.pattern))

    def _anchored_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """Matches of the anchored patterns: the Matcher on a window at each token whose
        text is a first token of one of them, keeping what starts there."""
        if not len(self._anchored) or not len(doc):
            return []
        keys = doc.to_array([ORTH, LOWER])
        starts = numpy.nonzero(
            numpy.isin(keys[:, 0], numpy.fromiter(self._anchors["ORTH"], dtype=numpy.uint64))
            | numpy.isin(keys[:, 1], numpy.fromiter(self._anchors["LOWER"], dtype=numpy.uint64)))[0]
        found = []
        for start in starts.tolist():
            for match_id, begin, end in self._anchored(doc[start:start + self._window]):
                if begin == 0:
                    found.append((match_id, start, start + end))
        return found

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        tokens = self._MedspacyMatcher__matcher
        regexes = self._MedspacyMatcher__regex_matcher
        # the order of MedspacyMatcher: token patterns (now partly ORTH phrases), phrases,
        # regular expressions; pruning keeps the first of two equal spans
        matches = list(tokens(doc)) if len(tokens) else []
        matches += self._anchored_matches(doc)
        matches += self._orth(doc)
        matches += self._MedspacyMatcher__phrase_matcher(doc)
        if regexes._patterns:
            matches += regexes(doc)
        if self._prune:
            matches = prune_overlapping_matches(matches)
        return matches
