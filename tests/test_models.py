"""models/: the packaged spaCy pipeline (configuration, tokenizer), loadable with spacy.load;
its vocabulary is read from patterns/, never copied into it."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import islice

from conftest import ROOT
from spacy.attrs import IDX, NORM, ORTH, SPACY

from notelint.nlp.pipeline import MODEL_NAME, save

SHIPPED = ROOT / "models" / MODEL_NAME
TEXT_FILES = ("config.cfg", "meta.json")
COLUMNS = [IDX, ORTH, SPACY, NORM]  # a token's place, text, trailing space and lexeme


def test_models_no_drift_from_patterns(tmp_path):
    rebuilt = save(tmp_path / MODEL_NAME)
    for name in TEXT_FILES:
        assert (rebuilt / name).read_text(encoding="utf-8") == \
            (SHIPPED / name).read_text(encoding="utf-8"), (
            f"models/{MODEL_NAME}/{name} differs from patterns/: run `python -m notelint.nlp.pipeline`")


def test_models_hold_no_copy_of_the_vocabulary():
    """patterns/ is the one vocabulary source: the saved pipeline keeps no rule file."""
    copies = [p.relative_to(SHIPPED) for p in SHIPPED.rglob("*.json*")
              if p.parent != SHIPPED and p.parent.name.startswith("notelint_")]
    assert copies == []


def test_models_spacy_load_through_entry_points():
    code = (
        "import json, spacy\n"
        f"nlp = spacy.load({str(SHIPPED)!r})\n"
        "doc = nlp('Right hamstring contracture, no spasm. Knee flexion 0-95 degrees, 4-/5.')\n"
        "print(json.dumps({'pipes': nlp.pipe_names,\n"
        "  'anatomy': [s.text for s in doc.spans['notelint_anatomy']],\n"
        "  'negated': [s.text for s in doc.spans['notelint_concepts'] if s._.is_negated],\n"
        "  'rom': [m.value for m in doc._.notelint_rom],\n"
        "  'strength': [m.value for m in doc._.notelint_strength]}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT.parent)
    data = json.loads(out.stdout)
    assert data["pipes"][0] == "notelint_sentences" and "notelint_context" in data["pipes"]
    assert data["anatomy"] == ["Right", "hamstring", "Knee"]
    assert data["negated"] == ["spasm"]
    assert data["rom"] == [95] and data["strength"] == ["4-/5"]


def test_models_saved_tokenizer_is_the_language_default():
    """default_pipeline() makes the tokenizer from ClinicalEnglish's defaults instead of
    reading models/.../tokenizer: the two must be the same, byte for byte."""
    from notelint.nlp.pipeline import ClinicalEnglish, default_pipeline

    saved = (SHIPPED / "tokenizer").read_bytes()
    assert ClinicalEnglish().tokenizer.to_bytes(exclude=["vocab"]) == saved
    assert default_pipeline().tokenizer.to_bytes(exclude=["vocab"]) == saved


def test_models_load_without_the_rest_of_medspacy():
    """The pipeline imports medspaCy's TargetMatcher and ConText only (not PyRuSH, loguru,
    QuickUMLS); ``import medspacy`` afterwards still gives the whole package."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from notelint.nlp.pipeline import default_pipeline\n"
            "doc = default_pipeline()('No right hamstring contracture.')\n"
            "print([s._.is_negated for s in doc.spans['notelint_concepts']])\n"
            "print(sorted(m for m in ('PyRuSH', 'loguru', 'nltk', 'scipy', 'medspacy.components')\n"
            "             if m in sys.modules))\n"
            "import medspacy\n"
            "print(medspacy.__version__ > '1', medspacy.load().pipe_names)\n")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr[-2000:]
    negated, modules, whole = child.stdout.splitlines()
    assert negated == "[True]"
    assert modules == "[]"
    assert whole == "True ['medspacy_pyrush', 'medspacy_target_matcher', 'medspacy_context']"


def _texts() -> list[str]:
    """The samples, and corpus notes when the corpus is there (the dev notes and the first
    500 of every specialty)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples").glob("*.txt"))]
    for name in ("mtsamples-dev.jsonl", "mtsamples-wild.jsonl"):
        path = ROOT.parent / "shared" / "corpus" / name
        if path.is_file():
            with path.open(encoding="utf-8") as lines:
                texts += [json.loads(line)["text"] for line in islice(lines, 500)]
    return texts


def test_models_tokens_are_spacys_own_with_every_chunk_cached():
    """ClinicalEnglish.make_doc caches each new chunk of a note by tokenizing it alone first
    (spaCy stops caching after a note's first special case): the tokens, their spaces and
    their lexemes are those of spaCy's tokenizer on the whole text, note after note."""
    from notelint.nlp.pipeline import ClinicalEnglish

    ours, plain = ClinicalEnglish(), ClinicalEnglish()
    for text in ["Dr. Smith: can't reach overhead.\n\n  R hamstring (Dr.) 4-/5, 90°.", *_texts()]:
        for _ in range(2):  # seen for the first time, then from the cache
            doc, expected = ours.make_doc(text), plain.tokenizer(text)
            assert doc.to_array(COLUMNS).tolist() == expected.to_array(COLUMNS).tolist()


def test_models_a_note_seen_before_is_tokenized_from_the_cache():
    """Once a note was tokenized, its chunks come from the cache: the affix rules are not
    tried again, also after a special case ("Dr.") early in the note. spaCy's own tokenizer
    tries them again on every chunk after the special case."""
    from notelint.nlp.pipeline import ClinicalEnglish

    text = "Dr. Lee saw her. Right hamstrings tight (popliteal angle 60°), 4-/5, can't squat."
    calls = []
    for nlp, tokenize in ((ours := ClinicalEnglish(), ours.make_doc),
                          (plain := ClinicalEnglish(), plain.tokenizer)):
        suffix = nlp.tokenizer.suffix_search

        def counted(string, suffix=suffix):
            calls.append(string)
            return suffix(string)

        nlp.tokenizer.suffix_search = counted
        tokenize(text)
        calls.clear()
        tokenize(text)
        found, calls[:] = len(calls), []
        assert (found == 0) if nlp is ours else (found > 0)


def test_models_the_chunks_remembered_are_bounded(monkeypatch):
    """Past the bound, ClinicalEnglish forgets the chunks it cached and starts again; the
    tokens stay spaCy's."""
    from notelint.nlp import pipeline

    monkeypatch.setattr(pipeline, "_CACHED_CHUNKS", 6)
    ours, plain = pipeline.ClinicalEnglish(), pipeline.ClinicalEnglish()
    for text in ["Dr. Lee: R hamstring 4-/5.", "Left gastrocnemius tight, can't squat (90°).",
                 "Dr. Lee: R hamstring 4-/5."]:
        assert ours.make_doc(text).to_array(COLUMNS).tolist() == \
            plain.tokenizer(text).to_array(COLUMNS).tolist()
        assert len(ours._cached_chunks) <= 6
