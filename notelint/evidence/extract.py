"""Turn a processed ``Doc`` into the ``evidence`` object of OUTPUT.md.

Every item carries ``text``, ``start`` and ``end`` (character offsets into the
original note) plus its values. Cue items also carry the ConText ``status``
of their span, so a negated "no spasm" stays visible but never counts.
"""

from __future__ import annotations

from spacy.tokens import Doc

from notelint.evidence.causes import cause_items
from notelint.evidence.contractures import (
    assessment_speaks_last,
    code_words_follow_the_note,
    contracture_item,
    mark_shortened,
    muscle_item,
    whole_note,
)
from notelint.evidence.cues import CUE_FIELDS, cue_items, function_items
from notelint.evidence.mentions import (
    Item,
    Mentions,
    base_item,
    metadata_cache,
    side_before,
    span_metadata,
    status,
)
from notelint.evidence.studies import study_items
from notelint.nlp.doctext import doc_text

EVIDENCE_FIELDS = ("contractures", "muscles", "rom", "strength", "function", "myogenic",
                   "arthrogenic", "spasm", "neural", "studies", "causes", "excluded", "sides",
                   "jaw_opening")


def extract(doc: Doc, text: str | None = None) -> dict[str, list[Item]]:
    """The evidence of one processed note, keyed as in OUTPUT.md.

    ``text`` is the original note when ``doc`` was made from its normalized copy
    (:mod:`notelint.nlp.normalize`); every item's ``text`` is sliced from it.
    """
    text = doc_text(doc) if text is None else text
    if len(text) != len(doc_text(doc)):
        raise ValueError("the original text and the processed text differ in length")
    with metadata_cache():
        return _extract(doc, text)


def _extract(doc: Doc, text: str) -> dict[str, list[Item]]:
    mentions = Mentions(doc, text)
    muscle_items = {m.start_char: muscle_item(m, mentions) for m in mentions.muscles}
    evidence: dict[str, list[Item]] = {name: [] for name in EVIDENCE_FIELDS}
    evidence["contractures"] = [contracture_item(s, mentions, muscle_items)
                                for s in mentions.of("CONTRACTURE")]
    evidence["muscles"] = list(muscle_items.values())
    mark_shortened(muscle_items, mentions)
    whole_note(evidence["contractures"], evidence["muscles"], mentions)
    assessment_speaks_last(evidence["contractures"], mentions)
    code_words_follow_the_note(evidence["contractures"], mentions.of("CONTRACTURE"), text)
    evidence["rom"] = [{**base_item((m.start, m.end), text), "degrees": m.value, "motion": m.motion,
                        "range": list(m.range) if m.range else None}
                       for m in doc._.notelint_rom]
    evidence["jaw_opening"] = [{**base_item((m.start, m.end), text), "millimetres": m.value}
                               for m in doc._.notelint_jaw or []]
    evidence["strength"] = [{**base_item((m.start, m.end), text), "grade": m.value}
                            for m in doc._.notelint_strength]
    evidence["function"] = function_items(mentions)
    for label, name in CUE_FIELDS.items():
        evidence[name] = cue_items(mentions.of(label), mentions, joints=name == "arthrogenic")
    evidence["studies"] = study_items(mentions)
    evidence["causes"] = cause_items(mentions)
    for span in mentions.of("EXCLUDED"):
        meta = span_metadata(span)
        evidence["excluded"].append({**base_item(span, text), "status": status(span),
                                     "condition": meta["condition"],
                                     "category_code": meta["category_code"],
                                     "relation": meta.get("relation", "excludes1"),
                                     "laterality": side_before(span, mentions, 6)})
    evidence["sides"] = [{**base_item(span, text), "side": span_metadata(span)["side"]}
                         for span in mentions.of("SIDE")]
    return evidence
