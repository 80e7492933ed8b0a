"""SentenceScopedConText gives exactly medspaCy ConText's results, on every sample and
(when present) every corpus note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "mtsamples-dev.jsonl"


def _notes() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples").glob("*.txt"))]
    if CORPUS.is_file():
        texts += [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]
    return texts


def _summary(doc) -> list[tuple]:
    return [(s.start, s.end, s._.is_negated, s._.is_uncertain, s._.is_historical,
             s._.is_hypothetical, s._.is_family,
             tuple((m.category, m.modifier_span, m.scope_span) for m in s._.modifiers))
            for s in doc.spans["notelint_concepts"]]


@pytest.fixture(scope="module")
def plain_context(nlp):
    from medspacy.context import ConText

    from notelint.lexicon import load_lexicon
    from notelint.nlp.components import context_rules

    context = ConText(nlp, name="plain", rules=None, input_span_type="group",
                      span_group_name="notelint_concepts")
    context.add(context_rules(context.DEFAULT_RULES_FILEPATH, load_lexicon().context_rules))
    return context


def test_sentence_scoped_context_equals_medspacy(nlp, plain_context):
    from notelint.nlp.context import SentenceScopedConText

    ours = nlp.get_pipe("notelint_context")
    before = [(name, pipe) for name, pipe in nlp.pipeline][: nlp.pipe_names.index("notelint_context")]
    nlp("warm up")
    assert isinstance(ours._context, SentenceScopedConText)
    compared = 0
    for text in _notes():
        docs = []
        for context in (ours, plain_context):
            doc = nlp.make_doc(text)
            for _name, pipe in before:
                doc = pipe(doc)
            docs.append(context(doc))
        assert _summary(docs[0]) == _summary(docs[1])
        compared += any(s._.modifiers for s in docs[1].spans["notelint_concepts"])
    assert compared >= 20  # the comparison covered notes where ConText did modify targets
