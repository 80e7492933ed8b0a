"""PhraseFirstMatcher gives exactly medspaCy's matches (same spans, same rules, same pruning)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notelint.nlp import medspacy_internals as internals
from notelint.nlp.matching import orth_sequences

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "mtsamples-dev.jsonl"


@pytest.mark.parametrize(("pattern", "sequences"), [
    ([{"ORTH": "FCU"}], [["FCU"]]),
    ([{"ORTH": {"IN": ["SLR", "SLRs"]}}], [["SLR"], ["SLRs"]]),
    ([{"LOWER": "b"}, {"ORTH": "/"}, {"LOWER": "l"}],
     [["B", "/", "L"], ["B", "/", "l"], ["b", "/", "L"], ["b", "/", "l"]]),
    ([{"LOWER": "knee"}], None),          # "k": the Kelvin sign lowercases to k
    ([{"LOWER": "hamstring"}], None),     # too many casings: a LOWER phrase already
    ([{"ORTH": "a", "OP": "?"}], None),
    ([{"LOWER": {"REGEX": "^x"}}], None),
    ([], None),
    ("regex", None),
])
def test_orth_sequences(pattern, sequences):
    assert orth_sequences(pattern) == sequences


def test_phrase_first_matcher_equals_medspacy(nlp):
    from medspacy.target_matcher import TargetMatcher

    from notelint.lexicon import load_lexicon
    from notelint.nlp.components import target_rules

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples").glob("*.txt"))]
    if CORPUS.is_file():
        texts += [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]
    lexicon = load_lexicon()
    nlp("warm up")
    for group, rules in (("anatomy", lexicon.anatomy), ("concepts", lexicon.concepts)):
        ours = internals.matcher_of_target_matcher(nlp.get_pipe(f"notelint_{group}")._matcher)
        plain = TargetMatcher(nlp, name=f"plain_{group}", result_type=None)
        plain.add(target_rules(rules))
        plain = internals.matcher_of_target_matcher(plain)
        every_literal = " . ".join(r.literal for r in rules)
        found = 0
        for text in [*texts, every_literal, every_literal.upper()]:
            doc = nlp.get_pipe("notelint_sentences")(nlp.make_doc(text))
            # a match names its lexicon entry (the metadata's literal): the phrases of one entry
            # share one key in ours, so the phrase rule a match carries may be a sibling's
            mine, theirs = ([(m.rule_map[nlp.vocab.strings[i]].category,
                              m.rule_map[nlp.vocab.strings[i]].metadata["literal"], s, e)
                             for i, s, e in m(doc)]
                            for m in (ours, plain))
            assert mine == theirs
            found += len(mine)
        assert found > 100


@pytest.mark.parametrize("group", ["anatomy", "concepts", "context"])
def test_phrases_of_the_same_tokens_wait_on_the_same_word(nlp, group):
    """A phrase waits on one of its own tokens, and phrases of the same tokens on the
    same word (or none), so they reach the PhraseMatcher together and in rule order."""
    from notelint.nlp.components import PatternContext, PatternMatcher
    from notelint.nlp.matching import phrase_keys

    if group == "context":
        component = PatternContext(nlp, "fresh_context", "notelint_concepts")
        component._build()
        matcher = internals.matcher_of_context(component._context)
    else:
        component = PatternMatcher(nlp, f"fresh_{group}", group)
        component._build()
        matcher = internals.matcher_of_target_matcher(component._matcher)
    texts = [text for _, _, text, _ in matcher._queued]
    assert len(texts) == sum(rule.pattern is None for rule in matcher.rules)
    keys_of: dict[tuple[str, ...], set[str | None]] = {}
    for text, key in zip(texts, phrase_keys(texts, nlp.tokenizer), strict=True):
        tokens = tuple(t.lower_ for t in nlp.tokenizer(text))
        assert key is None or key in tokens, text
        keys_of.setdefault(tokens, set()).add(key)
    assert [k for k in keys_of.values() if len(k) > 1] == []
    matcher(nlp.make_doc(""))
    waiting = sum(len(entries) for entries in matcher._pending.values())
    assert waiting > 0.9 * len(texts)  # most phrases wait for a note that holds their word


def test_a_queued_phrase_is_added_when_a_note_holds_its_word(nlp):
    from notelint.nlp.matching import PhraseFirstMatcher

    matcher = PhraseFirstMatcher(nlp)
    matcher.add(target_rules_for(["flexor digitorum superficialis", "upper trapezius"]))
    assert len(matcher(nlp.make_doc("Left."))) == 0
    assert len(matcher._pending) == 2
    doc = nlp.make_doc("Tight Upper Trapezius, left.")
    assert [(s, e) for _, s, e in matcher(doc)] == [(1, 3)]
    assert len(matcher._pending) == 1  # "superficialis" still waits
    matcher.add(target_rules_for(["rectus femoris"]))  # after the first note: added at once
    doc = nlp.make_doc("flexor digitorum superficialis, rectus femoris")
    assert [(s, e) for _, s, e in matcher(doc)] == [(0, 3), (4, 6)]
    assert matcher._pending == {}


def test_a_phrase_waiting_on_a_spacy_symbol_is_added(nlp):
    # "neg" and "det" are spaCy symbols: a token's LOWER holds the symbol's id, not the
    # string's hash, so a phrase waiting on the hash would never be added
    from notelint.nlp.matching import PhraseFirstMatcher

    matcher = PhraseFirstMatcher(nlp)
    matcher.add(target_rules_for(["is neg", "det screen"]))
    assert [(s, e) for _, s, e in matcher(nlp.make_doc("Tinel is neg; det screen done"))] == \
        [(1, 3), (4, 6)]
    assert matcher._pending == {}


def target_rules_for(phrases):
    """TargetRules of phrases, or of (literal, token pattern) pairs."""
    from medspacy.target_matcher import TargetRule

    return [TargetRule(p, "MUSCLE") if isinstance(p, str) else TargetRule(p[0], "MUSCLE", pattern=p[1])
            for p in phrases]


COLON_NONE = [{"ORTH": ":"}, {"LOWER": {"IN": ["none", "no"]}}, {"IS_PUNCT": True}]


@pytest.mark.parametrize("pattern", [COLON_NONE, [*COLON_NONE, {"LOWER": "x"}]])
@pytest.mark.parametrize("text", ["", ":", ": none", ": none.", "x: none.", "Pain: none\n",
                                  "a b c d: no ,", ": no , x", ": no , y"])
def test_anchored_patterns_on_short_notes(nlp, pattern, text):
    """ConText's ``: none`` rules (anchored on their exact tokens) find what spaCy's
    Matcher finds, also where the pattern would run past the end of the note."""
    from spacy.matcher import Matcher

    from notelint.nlp.matching import PhraseFirstMatcher

    ours, plain = PhraseFirstMatcher(nlp), Matcher(nlp.vocab)
    ours.add(target_rules_for([("colon none", pattern)]))
    plain.add("x", [pattern])
    doc = nlp.make_doc(text)
    assert [(s, e) for _, s, e in ours(doc)] == [(s, e) for _, s, e in plain(doc)]


def test_no_pattern_walks_every_token(nlp):
    # a pattern that is neither a phrase nor anchored makes spaCy's token Matcher walk every
    # token of every note (profiled: a quarter of the lint); patterns/ must keep them out
    nlp("warm up")
    for name in ("notelint_anatomy", "notelint_concepts", "notelint_context"):
        pipe = nlp.get_pipe(name)
        matcher = (internals.matcher_of_context(pipe._context) if name == "notelint_context"
                   else internals.matcher_of_target_matcher(pipe._matcher))
        assert len(internals.token_matcher(matcher)) == 0, name


def test_prune_overlapping_equals_medspacy(nlp):
    # notelint.nlp.matching.prune_overlapping is medspaCy's prune_overlapping_matches with a deque:
    # the same result on every note's unpruned matches, in every matcher
    from medspacy.common.util import prune_overlapping_matches

    from notelint.nlp.matching import prune_overlapping

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples").glob("*.txt"))]
    if CORPUS.is_file():
        texts += [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]
    nlp("warm up")
    matchers = [internals.matcher_of_context(nlp.get_pipe("notelint_context")._context),
                *(internals.matcher_of_target_matcher(nlp.get_pipe(f"notelint_{g}")._matcher)
                  for g in ("anatomy", "concepts"))]
    compared = 0
    for matcher in matchers:
        internals.set_prunes(matcher, False)
        try:
            for text in texts:
                raw = matcher(nlp.get_pipe("notelint_sentences")(nlp.make_doc(text)))
                assert prune_overlapping(list(raw)) == prune_overlapping_matches(list(raw))
                compared += len(raw)
        finally:
            internals.set_prunes(matcher, True)
    assert compared > 1000
