"""PhraseFirstMatcher gives exactly medspaCy's matches (same spans, same rules, same pruning)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notelint.matching import orth_sequences

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

    from notelint.components import target_rules
    from notelint.lexicon import load_lexicon

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples").glob("*.txt"))]
    if CORPUS.is_file():
        texts += [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]
    lexicon = load_lexicon()
    nlp("warm up")
    for group, rules in (("anatomy", lexicon.anatomy), ("concepts", lexicon.concepts)):
        ours = nlp.get_pipe(f"notelint_{group}")._matcher._TargetMatcher__matcher
        plain = TargetMatcher(nlp, name=f"plain_{group}", result_type=None)
        plain.add(target_rules(rules))
        plain = plain._TargetMatcher__matcher
        every_literal = " . ".join(r.literal for r in rules)
        found = 0
        for text in [*texts, every_literal, every_literal.upper()]:
            doc = nlp.get_pipe("notelint_sentences")(nlp.make_doc(text))
            mine, theirs = ([(m.rule_map[nlp.vocab.strings[i]].category,
                              m.rule_map[nlp.vocab.strings[i]].literal, s, e) for i, s, e in m(doc)]
                            for m in (ours, plain))
            assert mine == theirs
            found += len(mine)
        assert found > 100
