"""notelint's spaCy pipeline: built from ``patterns/``, saved in ``models/``, loaded from there.

Components, in order, and what each adds::

    notelint_sentences      clinical sentence boundaries (headers, lists, comma-joined lines)
    notelint_anatomy        medspaCy TargetMatcher: muscles and side words
                            -> doc.spans["notelint_anatomy"]
    notelint_concepts       medspaCy TargetMatcher: contracture mentions and cues
                            -> doc.spans["notelint_concepts"]
    notelint_context        medspaCy ConText over the concepts: negated, uncertain,
                            historical, hypothetical, family
    notelint_abbreviations  scispaCy (Schwartz & Hearst 2003): "rectus femoris (RF) ... RF"
    notelint_measures       ROM degrees and strength grades from the regexes of patterns/

``build()`` makes it from ``patterns/``; ``python -m notelint.nlp.pipeline`` saves it
to ``models/notelint_m624`` with ``nlp.to_disk``; ``default_pipeline()`` loads
that with ``spacy.load`` (a test fails when it drifts from ``patterns/``).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import spacy
from spacy.attrs import LOWER, NORM
from spacy.lang.en import English
from spacy.language import Language
from spacy.tokens import Doc

from notelint.lexicon import Lexicon
from notelint.nlp.doctext import ANATOMY, CONCEPTS
from notelint.nlp.doctext import KEY as DOC_TEXT
from notelint.nlp.normalize import visible

MODEL_NAME = "notelint_m624"

# Transcribed notes join lines with commas (",PLAN:,", "5/5,EXTREMITIES:,hip"): split
# a comma or colon glued between words so that headers and words become tokens.
_EXTRA_INFIXES = (r"(?<=[0-9A-Za-z.)%:\]]),(?=[A-Za-z(])", r"(?<=[A-Za-z]),(?=[0-9])",
                  r"(?<=[A-Za-z]):(?=[,A-Za-z(])")
_EXTRA_PREFIXES = (r",",)
_CACHED_CHUNKS = 200_000  # chunks ClinicalEnglish remembers having put in the cache, at most


def _lower(word: str) -> str:
    return visible(word).lower()


class ClinicalEnglishDefaults(English.Defaults):
    """English with the infixes and prefixes of comma-joined clinical text, whose words are
    matched without their invisible format characters (:mod:`notelint.nlp.normalize`)."""

    infixes = (*English.Defaults.infixes, *_EXTRA_INFIXES)
    prefixes = (*English.Defaults.prefixes, *_EXTRA_PREFIXES)
    lex_attr_getters: ClassVar[dict[int, Callable[[str], Any]]] = {
        **English.Defaults.lex_attr_getters, LOWER: _lower, NORM: _lower}


@spacy.registry.languages("en_clinical")
class ClinicalEnglish(English):
    """spaCy's English, tokenizing clinical notes (built once, not patched after)."""

    lang = "en_clinical"
    Defaults = ClinicalEnglishDefaults

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cached_chunks: set[str] = set()

    def make_doc(self, text: str) -> Doc:
        """Tokenize ``text``, keeping it for :func:`notelint.nlp.doctext.doc_text`."""
        self._cache_chunks(text)
        doc = super().make_doc(text)
        doc.user_data[DOC_TEXT] = text
        return doc

    def _cache_chunks(self, text: str) -> None:
        """Tokenize each whitespace-separated chunk of ``text`` not seen before on its own,
        which puts it in the tokenizer's cache.

        spaCy's tokenizer caches each chunk's tokens, but within one text it stops caching
        after the first chunk that holds a special case ("Dr.", "can't"; spaCy issue 13950:
        its ``has_special`` flag is never reset), so on clinical notes a fifth of the chunks are
        split by the affix rules again at every note, most of the tokenizer's time. A
        chunk alone is cached unless it holds a special case itself, and a cached chunk
        gives the tokens it would give in the text (the cache is keyed by the chunk alone):
        the tokens are spaCy's own (a test compares them on every sample and corpus note).
        """
        chunks = set(text.split())
        new = chunks - self._cached_chunks
        if not new:
            return
        if len(self._cached_chunks) + len(new) > _CACHED_CHUNKS:
            # a bound on what this remembers, for a process that lints notes for ever (a
            # service); the chunks stay in spaCy's cache, which grows as its vocabulary does
            self._cached_chunks.clear()
        tokenizer = self.tokenizer
        for chunk in new:
            tokenizer(chunk)
        self._cached_chunks |= new


def _register() -> None:
    """Register notelint's factories (also declared as ``spacy_factories`` entry points)."""
    import notelint.nlp.components
    import notelint.nlp.measures
    import notelint.nlp.sentences  # noqa: F401

    # scispaCy's abbreviation matcher warns on every note without parentheses
    warnings.filterwarnings("ignore", message=r"\[W036\]")


def build(lexicon: Lexicon | None = None) -> Language:
    """A new notelint pipeline made from ``patterns/`` (or the given lexicon)."""
    from notelint.lexicon import load_lexicon

    _register()
    lexicon = lexicon or load_lexicon()
    nlp = ClinicalEnglish()
    nlp.add_pipe("notelint_sentences", config={"no_break_after": lexicon.sentences["no_break_after"]})
    anatomy = nlp.add_pipe("notelint_target_matcher", name=ANATOMY, config={"group": "anatomy"})
    concepts = nlp.add_pipe("notelint_target_matcher", name=CONCEPTS, config={"group": "concepts"})
    context = nlp.add_pipe("notelint_context", config={"span_group": CONCEPTS})
    nlp.add_pipe("notelint_abbreviations")
    measures = nlp.add_pipe("notelint_measures")
    anatomy.rules, concepts.rules = lexicon.anatomy, lexicon.concepts
    context.rules, measures.rules = lexicon.context_rules, lexicon.measures
    return nlp


def model_path() -> Path:
    """The packaged pipeline folder (``models/notelint_m624`` in the source tree)."""
    return Path(str(resources.files("notelint.models"))) / MODEL_NAME


def load(path: Path | None = None) -> Language:
    """Load a saved notelint pipeline (default: the packaged one)."""
    _register()
    return spacy.load(path or model_path())


@cache
def default_pipeline() -> Language:
    """The shared pipeline: the packaged model, loaded once per process.

    One tiny note goes through it at once, so that the matchers (built on first
    use) exist before ``--jobs`` forks workers that share them.
    """
    if model_path().is_dir():
        # its saved tokenizer is ClinicalEnglish's own (a test checks the bytes): making it
        # from the language defaults only, not again from disk, saves a fifth of a second
        _register()
        nlp = spacy.load(model_path(), exclude=["tokenizer"])
    else:
        nlp = build()
    nlp("Right hamstring contracture.")
    return nlp


def save(path: Path | None = None) -> Path:
    """Build from ``patterns/`` and save with ``nlp.to_disk`` (default: the packaged folder)."""
    path = path or model_path()
    nlp = build()
    nlp.meta.update({"name": "m624", "version": _version(),
                     "description": "notelint: M62.4- documentation evidence from clinical notes",
                     "author": "notelint", "license": "MIT"})
    nlp.to_disk(path)
    return path


def _version() -> str:
    from notelint.version import __version__

    return __version__


if __name__ == "__main__":
    sys.stdout.write(f"saved {save()}\n")
