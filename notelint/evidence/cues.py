"""Cue items (myogenic, arthrogenic, spasm, neural) where the cue stands for the muscle or
joint it is said of, and functional limits."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from spacy.tokens import Span

from notelint.evidence.mentions import (
    Item,
    Mentions,
    base_item,
    nearest,
    section_of,
    side_before,
    span_metadata,
    status,
)
from notelint.lexicon import load_lexicon

CUE_FIELDS = {"MYOGENIC": "myogenic", "ARTHROGENIC": "arthrogenic", "SPASM": "spasm",
              "NEURAL": "neural"}
_PAST_LISTS = frozenset({"past_history", "other"})  # PMH/PSH, medications, allergies, ROS


@cache
def _region_word_sites() -> dict[str, str]:
    """The M62.4 site of each one-word body region word ("hands": hand)."""
    return {word: rule.metadata["site"] for rule in load_lexicon().of("REGION")
            for word in rule.metadata["words"] if " " not in word}


def cue_stands(span: Span, mentions: Mentions) -> bool:
    """Whether a cue is evidence where it stands: one that needs a muscle ("fibrosis") has one
    in its sentence; a joint position of a muscle-length comparison ("with the knee straight")
    has another position beside it ("..., 15 degrees with the knee bent"); a joint disease is
    not one of a past-history list. (A cue after a word of another tissue, "skin tightness",
    is no mention at all: :class:`Mentions` drops it.)"""
    meta = span_metadata(span)
    if meta.get("needs_muscle") and not mentions.muscles_in_sentence(span):
        return False
    if (position := meta.get("position")) and not _compared(span, position, meta, mentions):
        return False
    # "PMH: BPH, mild OA B knees": a comorbidity, not this restriction's cause
    return not (meta.get("disease") and section_of(span) in _PAST_LISTS)


def _compared(span: Span, position: str, meta: dict[str, Any], mentions: Mentions) -> bool:
    """Whether a joint position phrase is one side of a muscle-length comparison: another
    position stands in its sentence or one beside it, and the degrees read there differ by at
    least ``min_difference``."""
    around = mentions.in_sentences_around("MYOGENIC", span)
    if not any(span_metadata(other).get("position") not in {None, position} for other in around):
        return False
    number = mentions.sent_of[span.start]
    first, last = max(0, number - 1), min(len(mentions.starts) - 1, number + 1)
    start = mentions.doc[mentions.starts[first]].idx
    end = mentions.doc[mentions.ends[last] - 1].idx
    values = [m.value for m in mentions.doc._.notelint_rom or [] if start <= m.start <= end]
    return bool(values) and max(values) - min(values) >= meta.get("min_difference", 0)


def cue_items(spans: Iterable[Span], mentions: Mentions, joints: bool = False) -> list[Item]:
    """Cue items; with ``joints``, each carries the M62.4 sites of the joints named in its
    sentence (``joint_sites``, null when it names none), for "the same site" of NL302."""
    items = []
    for span in spans:
        if not cue_stands(span, mentions):
            continue
        item = base_item(span, mentions.text)
        item["status"] = status(span)
        if joints:
            named = nearest(mentions.in_sentence("JOINT", span), span, 12, 12)
            item["joint_sites"] = sorted({s for j in named for s in span_metadata(j)["sites"]}) or None
            if not named:  # a joint disease placed by a body region ("osteoarthritis of hands")
                regions = nearest(mentions.in_sentence("REGION", span), span, 4, 4)
                sites = {span_metadata(r)["site"] for r in regions}
                # ... also one a side word took in ("OA of both hands")
                sites |= {site for s in nearest(mentions.in_sentence("SIDE", span), span, 4, 4)
                          if (site := _region_word_sites().get(s[-1].lower_))}
                item["joint_sites"] = sorted(sites) or None
            item["joint"] = span_metadata(named[0]).get("code_word") if named else None
            item["laterality"] = (side_before(named[0], mentions) if named else None) \
                or side_before(span, mentions, 6)
            if not item["joint_sites"] and (titled := mentions.title_joint(span.start_char)):
                # ... else the joint its section's title names ("Exam L elbow: ... capsular
                # thickening palpable")
                joint, side = titled
                item.update(joint_sites=sorted(joint["sites"]), joint=joint.get("code_word"),
                            laterality=item["laterality"] or side)
        elif span_metadata(span).get("category_code"):  # spasm: R25.2, or M62.83- by its site
            item["category_code"] = span_metadata(span)["category_code"]
            item["spasm_site"] = _spasm_site(span, mentions)
        items.append(item)
    return items


def _spasm_site(span: Span, mentions: Mentions) -> str | None:
    """Where a spasm is, on the M62.83- axis: ``back``, ``calf`` or ``other`` (a muscle or body
    region near it with no spasm site of its own), or None when nothing near names one."""
    near = nearest([*mentions.muscles_in_sentence(span), *mentions.in_sentence("REGION", span)],
                 span, 6, 6)
    return span_metadata(near[0]).get("spasm_site", "other") if near else None


def _negation_is_the_limiter(span: Span, limiters: list[Span]) -> bool:
    """Whether every negation of an activity is (part of) one of its limiters: the negation
    then belongs to the ability ("he can no longer bring a fork to his mouth")."""
    negations = [m.modifier_span for m in span._.modifiers if m.category == "NEGATED_EXISTENCE"]
    return bool(negations) and all(any(start < limiter.end and limiter.start < end
                                       for limiter in limiters) for start, end in negations)


def function_items(mentions: Mentions) -> list[Item]:
    """Functional limits: a self-sufficient phrase, or an activity in a sentence that has a limiter."""
    items = []
    for span in mentions.of("FUNCTION"):
        role = span_metadata(span).get("role")
        if role == "limiter" or section_of(span) == "goals":
            continue
        if role == "activity":
            limiters = mentions.in_sentence("FUNCTION", span)
            limiters = [s for s in limiters if span_metadata(s).get("role") == "limiter"]
            if not limiters:
                continue
            item_status = status(limiters[0]) if status(span) == "affirmed" else status(span)
            if item_status == "negated" and _negation_is_the_limiter(span, limiters):
                # "can no longer bring a fork to his mouth": the limiter's own "no" is no negation
                limiter = status(limiters[0])
                item_status = "affirmed" if limiter in {"affirmed", "negated"} else limiter
        else:
            item_status = status(span)
        item = base_item(span, mentions.text)
        item["status"] = item_status
        items.append(item)
    return items
