"""Causes a note gives for a contracture (stroke, cerebral palsy, immobilization...),
with their place."""

from __future__ import annotations

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

# ... and a cause named in the plan or the goals is a treatment or a target, not an event
_NOT_CAUSE_SECTIONS = frozenset({"plan", "goals", "consent"})


def cause_items(mentions: Mentions) -> list[Item]:
    items = []
    for span in mentions.of("CAUSE"):
        meta = span_metadata(span)
        item = base_item(span, mentions.text)
        cause_status = "hypothetical" if section_of(span) in _NOT_CAUSE_SECTIONS else status(span)
        item.update(cause=meta["cause"], category_code=meta["category_code"],
                    code_prefixes=meta["code_prefixes"],
                    category_name=meta.get("category_name", meta["cause"]), status=cause_status)
        place, side = _cause_place(span, mentions)
        if place in meta.get("by_place", {}):
            # the injury or implant named with its place: "left ankle fracture" -> S82.-
            item.update(category_code=meta["by_place"][place], laterality=side)
        items.append(item)
    # a deficit ("hemiparesis") stands for its usual cause only where the note names no cause:
    # "hemiparesis after diffuse axonal injury" is the injury's
    named = any(not span_metadata(span).get("deficit") and item["status"] in {"affirmed", "historical"}
                for span, item in zip(mentions.of("CAUSE"), items, strict=True))
    return [item for span, item in zip(mentions.of("CAUSE"), items, strict=True)
            if not (named and span_metadata(span).get("deficit"))]


def _cause_place(span: Span, mentions: Mentions) -> tuple[str | None, str | None]:
    """The place a cause names (its own words, "knee arthroplasty", a place word in the data,
    else the nearest joint or body region within a few words: a joint's tabular word or the M62.4
    site) and the side before it."""
    own = span_metadata(span).get("place")
    near = nearest([*mentions.in_sentence("JOINT", span), *mentions.in_sentence("REGION", span)],
                 span, 4, 4)
    inside = [s for s in mentions.in_sentence("JOINT", span)
              if span.start <= s.start and s.end <= span.end]
    where = (inside or near or [None])[0]
    if where is None:
        return own, side_before(span, mentions, 4)
    meta = span_metadata(where)
    return own or meta.get("code_word") or meta.get("site"), \
        side_before(where, mentions) or side_before(span, mentions, 4)
