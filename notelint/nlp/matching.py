"""medspaCy's rule matcher with exact-token patterns moved to a PhraseMatcher.

spaCy's token ``Matcher`` walks every token of a note even for a handful of
patterns; here most of the lexicon is already phrases (``notelint.nlp.phrases``),
and what is left is patterns that name exact token texts (``{"ORTH": "FCU"}``,
``{"ORTH": {"IN": ["SLR", "SLRs"]}}``, ``[{"LOWER": "b"}, {"ORTH": "/"},
{"LOWER": "l"}]``). :class:`PhraseFirstMatcher` matches those as token
sequences with a PhraseMatcher on ORTH and skips the token Matcher when it is
left empty. A fixed-length pattern whose first token names exact texts (ConText's
``: none``) runs only where such a token is, on a window of the doc.

Phrases are added to the PhraseMatcher when first needed: a phrase waits, keyed
by one of its words (the longest lowercase ASCII word that the tokenizer keeps
whole), until a note holds a token with that lowercase text; a note without it
cannot match the phrase. Tokenizing the 3,400 phrases and adding them takes a
third of a second, which a one-note run no longer pays. Phrases that could be
the same tokens share a key (or are all added before the first note) and are
added together in rule order, so each PhraseMatcher node lists its rules in the
order it would if all were added at once, and two rules of the same span prune
the same way. Matches, their order before overlap pruning and so the
pruned result are the same as medspaCy's MedspacyMatcher; a test compares them.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from itertools import product
from typing import Any

import numpy
from spacy.attrs import IDS, LOWER, ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.strings import get_string_id
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from notelint.nlp import medspacy_internals as internals

internals.import_medspacy()  # before any medspaCy module: without QuickUMLS (see medspacy_internals)
from medspacy.common.medspacy_matcher import MedspacyMatcher  # noqa: E402
from medspacy.util import tuple_overlaps  # noqa: E402

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


def _exact(token: dict[str, Any]) -> tuple[str, list[str]] | None:
    for attr in ("ORTH", "LOWER"):
        value = token.get(attr)
        values = value["IN"] if isinstance(value, dict) and list(value) == ["IN"] else [value]
        if value is not None and all(isinstance(v, str) for v in values):
            return attr, list(values)
    return None


def anchor_texts(pattern: Any) -> list[tuple[int, str, list[str]]] | None:
    """``(offset, attribute, texts)`` of each token of a fixed-length token pattern that
    names exact ORTH or LOWER texts, when its first token does; else None."""
    if not isinstance(pattern, list) or not pattern or not all(
            isinstance(t, dict) and "OP" not in t for t in pattern):
        return None
    found = [(offset, *spec) for offset, token in enumerate(pattern)
             if (spec := _exact(token)) is not None]
    return found if found and found[0][0] == 0 else None


def phrase_key(text: str, tokenizer: Tokenizer) -> str | None:
    """The word a phrase waits on: its longest lowercase ASCII word that is not one of
    the tokenizer's special cases (so one whole token of it); None when it has none."""
    words = [w for w in text.split(" ")
             if w.isascii() and w.isalpha() and w.islower() and w not in tokenizer.rules]
    return max(words, key=len) if words else None


def phrase_keys(texts: list[str], tokenizer: Tokenizer) -> list[str | None]:
    """:func:`phrase_key` of each phrase, or None for all phrases of the same characters
    (whitespace aside) when their keys differ: ``dupuytren's`` has no key and
    ``dupuytren 's`` has one, but both are the same two tokens and must reach the
    PhraseMatcher in rule order."""
    keys = [phrase_key(text, tokenizer) for text in texts]
    chars = ["".join(text.split()) for text in texts]
    seen: dict[str, set[str | None]] = {}
    for same, key in zip(chars, keys, strict=True):
        seen.setdefault(same, set()).add(key)
    return [key if len(seen[same]) == 1 else None for same, key in zip(chars, keys, strict=True)]


def prune_overlapping(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """medspaCy's ``prune_overlapping_matches`` (strategy "longest"), step for step, with a
    deque where it pops the head of a list (quadratic in the matches of a note: a fifth of the
    matchers' time). ``tests/test_matching.py`` compares the two on every note's matches."""
    while True:
        if not matches:
            return matches
        unpruned = deque(sorted(matches, key=lambda m: (m[1], m[2])))
        pruned: list[tuple[int, int, int]] = []
        current = unpruned.popleft()
        while True:
            if not unpruned:
                pruned.append(current)
                break
            following = unpruned.popleft()
            if tuple_overlaps(current[1:], following[1:]):
                pruned.append(max(current, following, key=lambda m: m[2] - m[1]))
                if not unpruned:
                    break
                current = unpruned.popleft()
            else:
                pruned.append(current)
                current = following
        if len(pruned) == len(matches):
            return pruned
        matches = pruned


def _any_of(values: numpy.ndarray, hashes: numpy.ndarray) -> numpy.ndarray:
    """``numpy.isin(values, hashes)`` for a handful of hashes, ten times faster."""
    hit = numpy.zeros(len(values), dtype=bool)
    for value in hashes:
        hit |= values == value
    return hit


class _PhraseQueue:
    """Stands in for MedspacyMatcher's tokenizer and PhraseMatcher while it adds a phrase
    rule: the phrase is queued as text, with its rule order."""

    def __init__(self, queued: list[tuple[int, str, str, Any]], rule_map: dict[str, Any]) -> None:
        self.queued, self.rule_map = queued, rule_map

    def __call__(self, text: str) -> str:
        return text  # MedspacyMatcher's ``self.nlp(text)``: kept as text until needed

    def add(self, rule_id: str, texts: list[str], on_match: Any = None) -> None:
        (text,) = texts
        self.queued.append((len(self.rule_map), rule_id, text, on_match))  # its rule's order


class PhraseFirstMatcher(MedspacyMatcher):  # type: ignore[misc]
    """A MedspacyMatcher whose exact-token patterns run on an ORTH PhraseMatcher."""

    def __init__(self, nlp: Language, name: str = "medspacy_matcher",
                 phrase_matcher_attr: str = "LOWER", prune: bool = True,
                 group_phrases: bool = False) -> None:
        super().__init__(nlp, name=name, phrase_matcher_attr=phrase_matcher_attr, prune=prune)
        self._group = group_phrases
        self._orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._phrase_attr = IDS[phrase_matcher_attr.upper()]
        self._vocab = nlp.vocab
        self._anchored = Matcher(nlp.vocab)
        # per anchored pattern: (token offset, ORTH 0 or LOWER 1, hashes) its tokens must match
        self._anchors: list[list[tuple[int, int, numpy.ndarray]]] = []
        self._window = 0
        # (rule order, rule id, phrase, on_match) of phrase rules not yet added: all of them
        # until the first note (_queued), then those waiting on a word (_pending, by its hash)
        self._queued: list[tuple[int, str, str, Any]] = []
        self._pending: dict[int, list[tuple[int, str, str, Any]]] = {}
        self._started = False
        # (id of a lexicon entry's metadata, category) -> the PhraseMatcher key of its phrases
        self._keys: dict[tuple[int, str], str] = {}
        self._tied: set[str] = set()

    def add(self, rules: Iterable[Any]) -> None:
        tokens = internals.token_matcher(self)
        tokenizer, phrases = self.nlp, internals.phrase_matcher(self)
        queue = _PhraseQueue(self._queued, internals.rule_map(self))
        for rule in rules:
            if rule.pattern is None:
                # medspaCy's own add (rule id, lowercasing), with the phrase queued
                self.nlp = queue
                internals.set_phrase_matcher(self, queue)
                try:
                    super().add([rule])
                finally:
                    self.nlp = tokenizer
                    internals.set_phrase_matcher(self, phrases)
                continue
            super().add([rule])
            if (sequences := orth_sequences(rule.pattern)) is not None:
                tokens.remove(internals.rule_id(rule))
                self._orth.add(internals.rule_id(rule), [Doc(self._vocab, words=seq) for seq in sequences],
                               on_match=rule.on_match)
            elif (anchors := anchor_texts(rule.pattern)) is not None:
                tokens.remove(internals.rule_id(rule))
                self._anchored.add(internals.rule_id(rule), [rule.pattern], on_match=rule.on_match)
                self._anchors.append([
                    (offset, 0 if attr == "ORTH" else 1,
                     numpy.array([self._vocab.strings.add(t) for t in texts], dtype=numpy.uint64))
                    for offset, attr, texts in anchors])
                self._window = max(self._window, len(rule.pattern))

    def _add_phrases(self, entries: Iterable[tuple[int, str, str, Any]]) -> None:
        """Add phrases to the PhraseMatcher as the arrays of their tokens' attribute (what
        it makes of a Doc, and what it is given back when unpickled), which skips its
        per-Doc annotation checks: a third of the cost of a first pass over new notes."""
        phrases = internals.phrase_matcher(self)
        attr = self._phrase_attr
        for _, rule_id, text, on_match in sorted(entries):
            phrases.add(self._key_of(rule_id, text), [self.nlp(text).to_array(attr).tolist()],
                        on_match=on_match)

    def _key_of(self, rule_id: str, text: str) -> str:
        """The PhraseMatcher key of a phrase rule: the rules one lexicon entry was expanded to
        (its synonyms, its phrases; they share the entry's metadata object and category) share
        the key of the first of them added, so that a match means the same rule and spaCy makes
        one key, not one lexeme per phrase (a third of a first pass over new notes). A phrase
        whose words another rule's phrase has too keeps its own key: ties between two rules
        matching the same words are broken by key order, as in medspaCy (ConText's pruning).
        With ``group_phrases`` only (the target matchers name the entry, not the phrase)."""
        rule = internals.rule_map(self)[rule_id]
        if (not self._group or rule.metadata is None
                or "".join(text.lower().split()) in self._tied):
            return rule_id
        return self._keys.setdefault((id(rule.metadata), rule.category), rule_id)

    def _start(self) -> None:
        """Add the keyless phrases and queue the others by key, before the first note; rules
        added after that are added at once, with all that still waits."""
        queued, self._queued = self._queued, []
        if self._started:
            waiting = [entry for entries in self._pending.values() for entry in entries]
            self._pending = {}
            self._add_phrases([*waiting, *queued])
            return
        self._started = True
        # phrases whose words another rule's phrase also has: their ties are broken by key order
        seen = Counter("".join(text.lower().split()) for _, _, text, _ in queued)
        self._tied = {same for same, count in seen.items() if count > 1}
        keys = phrase_keys([text for _, _, text, _ in queued], self.nlp)
        for entry, key in zip(queued, keys, strict=True):
            if key is not None:
                # the id a token's LOWER holds: a symbol's own id for spaCy's symbols ("neg",
                # "det", "num"), which hash_string would miss, else the string's hash
                self._pending.setdefault(get_string_id(key), []).append(entry)
        self._add_phrases(entry for entry, key in zip(queued, keys, strict=True) if key is None)

    def _add_pending(self, doc: Doc) -> None:
        """Add the phrases waiting on a word of ``doc``, in rule order."""
        found = [self._pending.pop(key) for key in numpy.unique(doc.to_array(LOWER)).tolist()
                 if key in self._pending]
        self._add_phrases(entry for entries in found for entry in entries)

    def _anchored_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """Matches of the anchored patterns: the Matcher on a window at each token where
        one of them could start (its exact-text tokens all there), keeping what starts there."""
        if not len(self._anchored) or not len(doc):
            return []
        keys = doc.to_array([ORTH, LOWER])
        size = len(doc)
        possible = numpy.zeros(size, dtype=bool)
        for anchors in self._anchors:
            here = numpy.ones(size, dtype=bool)
            for offset, column, hashes in anchors:
                fits = max(size - offset, 0)  # starts from which the token is in the doc
                here[fits:] = False
                here[:fits] &= _any_of(keys[offset:, column], hashes)
            possible |= here
        found = []
        for start in numpy.flatnonzero(possible).tolist():
            for match_id, begin, end in self._anchored(doc[start:start + self._window]):
                if begin == 0:
                    found.append((match_id, start, start + end))
        return found

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        tokens = internals.token_matcher(self)
        if self._queued:
            self._start()
        if self._pending and len(doc):
            self._add_pending(doc)
        # the order of MedspacyMatcher: token patterns (now partly ORTH phrases), phrases,
        # regular expressions; pruning keeps the first of two equal spans
        matches = list(tokens(doc)) if len(tokens) else []
        matches += self._anchored_matches(doc)
        matches += self._orth(doc)
        matches += internals.phrase_matcher(self)(doc)
        if internals.holds_regexes(self):
            matches += internals.regex_matcher(self)(doc)
        if internals.prunes(self):
            matches = prune_overlapping(matches)
        return matches
