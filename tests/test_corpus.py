"""Real transcribed notes (MTSamples): what the linter must not flag, and how well it reads.

Skipped when ../shared/corpus/mtsamples-dev.jsonl is absent; the text never
enters the repository (the gold files hold ids, offsets and values only).
"""

from __future__ import annotations

import pytest
from conftest import ROOT

from evaluation.evaluate import evaluate_real

CORPUS = ROOT.parent / "shared" / "corpus" / "mtsamples-dev.jsonl"
pytestmark = pytest.mark.skipif(not CORPUS.is_file(), reason="MTSamples corpus absent")


@pytest.fixture(scope="module")
def development():
    return evaluate_real(CORPUS, ROOT / "evaluation" / "gold", False)


def test_corpus_no_note_is_applicable(development):
    assert development["wrongly_applicable"] == []
    assert development["affirmed"] == []


def test_corpus_rom_and_strength_f1(development):
    assert development["scores"]["rom degrees"].f1 >= 0.95
    assert development["scores"]["strength grades"].f1 >= 0.95


def test_corpus_heldout_rom_and_strength_f1():
    heldout = evaluate_real(CORPUS, ROOT / "evaluation" / "heldout", False)
    assert heldout["scores"]["rom degrees"].f1 >= 0.95
    assert heldout["scores"]["strength grades"].f1 >= 0.95


WILD = ROOT.parent / "shared" / "corpus" / "mtsamples-wild.jsonl"


@pytest.mark.skipif(not WILD.is_file(), reason="wild corpus absent")
def test_corpus_wild_items_are_judged_and_precise():
    # every ROM and strength item reported on the 2,078 wild notes has a person's judgment
    # (evaluation/judged-wild/); a new item fails here until it is judged
    from evaluation.evaluate import judged_wild

    (judged,) = sorted((ROOT / "evaluation" / "judged-wild").glob("*.jsonl"))
    for kind, tally in judged_wild(WILD, judged).items():
        assert tally["unjudged"] == 0, kind
        assert tally["correct"] / max(1, tally["correct"] + tally["wrong"]) >= 0.95, kind
