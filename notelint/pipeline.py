"""Build notelint's spaCy pipeline: a blank English model with medspaCy and scispaCy parts.

Order of the components and what each adds::

    notelint_sentences    clinical sentence boundaries (headers, lists, comma-joined lines)
    notelint_anatomy      medspaCy TargetMatcher: muscles and side words
                          -> doc.spans["notelint_anatomy"]
    notelint_concepts     medspaCy TargetMatcher: contracture mentions and cues
                          -> doc.spans["notelint_concepts"]
    medspacy_context      ConText over the concepts: negated, uncertain, historical,
                          hypothetical, family
    abbreviation_detector scispaCy (Schwartz & Hearst 2003): "rectus femoris (RF) ... RF"
    notelint_measures     ROM degrees and strength grades from the regexes of patterns/
"""

from __future__ import annotations

import os
import sys
import types
import warnings
from functools import cache
from typing import Any

import spacy
from spacy.lang.en import English
from spacy.language import Language

from notelint.lexicon import Lexicon, Rule, load_lexicon
from notelint.phrases import expand

ANATOMY = "notelint_anatomy"
CONCEPTS = "notelint_concepts"


def _quiet_medspacy_import() -> None:
    """Import medspaCy's components without QuickUMLS, which notelint never uses.

    ``import medspacy`` pulls in QuickUMLS (and with it nltk and scipy), about
    two seconds of start-up for a component we do not load. A stand-in module
    for ``quickumls.spacy_component`` is registered only when the real package
    is not already imported; nothing of it is ever called.
    """
    if "quickumls" not in sys.modules and not os.environ.get("NOTELINT_REAL_QUICKUMLS"):
        stub = types.ModuleType("quickumls")
        stub.spacy_component = types.ModuleType("quickumls.spacy_component")  # type: ignore[attr-defined]
        sys.modules.setdefault("quickumls", stub)
        sys.modules.setdefault("quickumls.spacy_component", stub.spacy_component)  # type: ignore[attr-defined]
    from loguru import logger

    logger.disable("PyRuSH")  # per-token DEBUG logging, if PyRuSH is ever loaded


def _target_rules(rules: list[Rule], nlp: Language) -> list:
    """medspaCy TargetRules for lexicon entries; a MUSCLE entry gives one rule per synonym,
    a simple token pattern one phrase rule per phrase it matches (see notelint.phrases)."""
    from medspacy.target_matcher import TargetRule

    out = []
    for rule in rules:
        meta = {**rule.metadata, "literal": rule.literal, "where": rule.where}
        if rule.category == "MUSCLE":
            for synonym in dict.fromkeys([rule.literal, *rule.metadata["synonyms"]]):
                attr = "ORTH" if synonym.isupper() else "LOWER"
                words = synonym.split() if attr == "ORTH" else None
                pattern = [{"ORTH": w} for w in words] if words else None
                out.append(TargetRule(synonym, "MUSCLE", pattern=pattern, metadata=meta))
        elif (phrases := expand(rule.pattern, nlp)) is not None:
            out.extend(TargetRule(p, rule.category, metadata=meta) for p in phrases)
        else:
            out.append(TargetRule(rule.literal, rule.category, pattern=rule.pattern, metadata=meta))
    return out


def _context_rules(default_path: str, ours: dict[str, Any], nlp: Language) -> list:
    """medspaCy's default ConText rules, less those ``patterns/`` excludes, plus ours;
    simple token patterns become phrase rules (see notelint.phrases)."""
    from medspacy.context import ConTextRule

    excluded = set(ours.get("exclude_default", []))
    rules = [r for r in ConTextRule.from_json(default_path) if r.literal not in excluded]
    rules += [ConTextRule.from_dict(r) for r in ours["context_rules"]]
    out = []
    for rule in rules:
        phrases = expand(rule.pattern, nlp)
        if phrases is None:
            out.append(rule)
            continue
        for phrase in phrases:
            out.append(ConTextRule(
                phrase, rule.category, direction=rule.direction, allowed_types=rule.allowed_types,
                excluded_types=rule.excluded_types, max_scope=rule.max_scope,
                max_targets=rule.max_targets, terminated_by=rule.terminated_by,
                metadata=rule.metadata))
    return out


# Transcribed notes join lines with commas (",PLAN:,", "5/5,EXTREMITIES:,hip"): split
# a comma or colon glued between words so that headers and words become tokens.
_EXTRA_INFIXES = (r"(?<=[0-9A-Za-z.)%:\]]),(?=[A-Za-z(])", r"(?<=[A-Za-z]),(?=[0-9])",
                  r"(?<=[A-Za-z]):(?=[,A-Za-z(])")
_EXTRA_PREFIXES = (r",",)


class ClinicalEnglishDefaults(English.Defaults):
    """English with the infixes and prefixes of comma-joined clinical text."""

    infixes = (*English.Defaults.infixes, *_EXTRA_INFIXES)
    prefixes = (*English.Defaults.prefixes, *_EXTRA_PREFIXES)


@spacy.registry.languages("en_clinical")
class ClinicalEnglish(English):
    """spaCy's English, tokenizing clinical notes (built once, not patched after)."""

    lang = "en_clinical"
    Defaults = ClinicalEnglishDefaults


def build(lexicon: Lexicon | None = None) -> Language:
    """A new notelint pipeline built from ``patterns/``."""
    _quiet_medspacy_import()
    import medspacy.components  # noqa: F401  (registers medspaCy's factories)
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  (registers the factory)

    import notelint.measures
    import notelint.sentences  # noqa: F401  (registers notelint_sentences)

    # scispaCy's abbreviation matcher warns on every note without parentheses
    warnings.filterwarnings("ignore", message=r"\[W036\]")
    lexicon = lexicon or load_lexicon()
    nlp = ClinicalEnglish()
    nlp.add_pipe("notelint_sentences", config={"no_break_after": lexicon.sentences["no_break_after"]})
    for name, rules in ((ANATOMY, lexicon.anatomy), (CONCEPTS, lexicon.concepts)):
        matcher = nlp.add_pipe(
            "medspacy_target_matcher", name=name,
            config={"result_type": "group", "span_group_name": name},
        )
        with nlp.select_pipes(enable=[]):  # medspaCy runs nlp() on every phrase it adds
            matcher.add(_target_rules(rules, nlp))
    context = nlp.add_pipe(
        "medspacy_context",
        config={"input_span_type": "group", "span_group_name": CONCEPTS, "rules": None},
    )
    with nlp.select_pipes(enable=[]):
        context.add(_context_rules(context.DEFAULT_RULES_FILEPATH, lexicon.context_rules, nlp))
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("notelint_measures")
    return nlp


@cache
def default_pipeline() -> Language:
    """The shared pipeline, built once per process."""
    return build()
