"""Turn a processed ``Doc`` into the ``evidence`` object of OUTPUT.md.

Every item carries ``text``, ``start`` and ``end`` (character offsets into the
original note) plus its values. Cue items also carry the ConText ``status``
of their span, so a negated "no spasm" stays visible but never counts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

import numpy
from spacy.attrs import ORTH
from spacy.tokens import Doc, Span

from notelint.doctext import doc_text
from notelint.pipeline import ANATOMY, CONCEPTS
from notelint.sentences import first_tokens

Item = dict[str, Any]
EVIDENCE_FIELDS = ("contractures", "muscles", "rom", "strength", "function", "myogenic",
                   "arthrogenic", "spasm", "neural", "studies", "causes", "excluded", "sides")
CUE_FIELDS = {"MYOGENIC": "myogenic", "ARTHROGENIC": "arthrogenic", "SPASM": "spasm",
              "NEURAL": "neural"}
# which ConText attribute wins when several apply to one span
_STATUS_ORDER = (("is_family", "family"), ("is_negated", "negated"),
                 ("is_hypothetical", "hypothetical"), ("is_uncertain", "uncertain"),
                 ("is_historical", "historical"))


def status(span: Span) -> str:
    """The ConText status of a span: affirmed unless a modifier says otherwise."""
    for attr, name in _STATUS_ORDER:
        if getattr(span._, attr, False):
            return name
    return "affirmed"


def _meta(span: Span) -> dict[str, Any]:
    return span._.target_rule.metadata or {}


def _base(span: Span | tuple[int, int], text: str) -> Item:
    start, end = (span.start_char, span.end_char) if isinstance(span, Span) else span
    return {"text": text[start:end], "start": start, "end": end}


class _Mentions:
    """The note's matched spans, grouped by category and by sentence."""

    def __init__(self, doc: Doc, text: str) -> None:
        self.doc = doc
        self.text = text  # the original note: doc.text may be its same-length normalized copy
        # sentence of every token, computed once (Span.sent rescans the doc each time)
        self.starts = first_tokens(doc)
        self.ends = [*self.starts[1:], len(doc)] if self.starts else []
        self.sent_of: list[int] = numpy.repeat(numpy.arange(len(self.starts)),
                                               numpy.subtract(self.ends, self.starts)).tolist()
        self._semicolons: list[int] | None = None
        spans = [*doc.spans.get(ANATOMY, []), *doc.spans.get(CONCEPTS, [])]
        self.by_label: dict[str, list[Span]] = {}
        for span in sorted(spans, key=lambda s: (s.start, s.end)):
            self.by_label.setdefault(span.label_, []).append(span)
        self.muscles = self._with_abbreviations(self.by_label.get("MUSCLE", []))

    def of(self, label: str) -> list[Span]:
        return self.by_label.get(label, [])

    def sentence(self, span: Span) -> Span:
        """The sentence a span starts in."""
        number = self.sent_of[span.start]
        return self.doc[self.starts[number] : self.ends[number]]

    def last_semicolon(self, span: Span) -> int:
        """The last ``;`` token of the span's sentence before the span, or -1."""
        if self._semicolons is None:
            orth = self.doc.to_array(ORTH)
            self._semicolons = numpy.flatnonzero(orth == self.doc.vocab.strings[";"]).tolist()
        before = bisect_left(self._semicolons, span.start) - 1
        if before < 0 or self._semicolons[before] < self.starts[self.sent_of[span.start]]:
            return -1
        return self._semicolons[before]

    def in_sentence(self, label: str, span: Span) -> list[Span]:
        key = self.sent_of[span.start]
        return [s for s in self.of(label) if self.sent_of[s.start] == key]

    def muscles_in_sentence(self, span: Span) -> list[Span]:
        key = self.sent_of[span.start]
        return [m for m in self.muscles if self.sent_of[m.start] == key]

    def muscles_near(self, span: Span) -> list[Span]:
        """Muscles of the span's sentence, else of the sentence right after it."""
        same = self.muscles_in_sentence(span)
        following = self.sent_of[span.start] + 1
        if same or following >= len(self.starts):
            return same
        return [m for m in self.muscles if self.sent_of[m.start] == following]

    def _with_abbreviations(self, muscles: list[Span]) -> list[Span]:
        """Add muscles written as an abbreviation defined in the note ("rectus femoris (RF)")."""
        abbreviations = getattr(self.doc._, "abbreviations", None) or []
        by_range = {(m.start, m.end): m for m in muscles}
        added = list(muscles)
        for short in abbreviations:
            long_form = short._.long_form
            if long_form is None or (short.start, short.end) in by_range:
                continue
            if long_form.end <= short.start <= long_form.end + 1:
                continue  # the definition itself: "vastus lateralis (VL)"
            muscle = by_range.get((long_form.start, long_form.end)) or next(
                (m for m in muscles if long_form.start <= m.start and m.end <= long_form.end), None)
            if muscle is None:
                continue
            alias = Span(self.doc, short.start, short.end, label="MUSCLE")
            alias._.target_rule = muscle._.target_rule
            by_range[(short.start, short.end)] = alias
            added.append(alias)
        return sorted(added, key=lambda s: s.start)


def _laterality(muscle: Span, mentions: _Mentions) -> str | None:
    """The side of a muscle: the side words before it in its sentence, else just after it."""
    sides = mentions.in_sentence("SIDE", muscle)
    # a semicolon ends the reach of a side word: "Right TA 3+/5; quadriceps 4+/5 bilaterally"
    clause = mentions.last_semicolon(muscle)
    before = [s for s in sides if clause < s.start and s.end <= muscle.start]
    if before:
        chosen = {_meta(before[-1])["side"]}
        # "right and left hamstrings", "R/L": sides joined just before the muscle
        for previous, current in zip(reversed(before[:-1]), reversed(before[1:]), strict=False):
            gap = mentions.doc[previous.end : current.start]
            if len(gap) > 2 or any(t.lower_ not in {"and", "&", "/", ",", "or"} for t in gap):
                break
            chosen.add(_meta(previous)["side"])
        if {"right", "left"} <= chosen or "bilateral" in chosen:
            return "bilateral"
        return chosen.pop()
    muscles_after = [m for m in mentions.muscles if m.start >= muscle.end]
    for side in sides:
        if side.start >= muscle.end and side.start - muscle.end <= 6:
            if any(m.start < side.start + 4 and m.start > side.end - 1 for m in muscles_after):
                return None  # the side word belongs to the next muscle
            return _meta(side)["side"]
    return None


def _muscle_item(muscle: Span, mentions: _Mentions) -> Item:
    meta = _meta(muscle)
    item = _base(muscle, mentions.text)
    item.update(site=meta["site"], laterality=_laterality(muscle, mentions),
                muscle=meta.get("literal"))
    if meta.get("classified_elsewhere"):
        item["classified_elsewhere"] = meta["classified_elsewhere"]
    return item


def _contracture_item(span: Span, mentions: _Mentions, muscle_items: dict[int, Item]) -> Item:
    meta = _meta(span)
    kind = meta.get("kind", "auto")
    linked = [muscle_items[m.start_char] for m in mentions.muscles_near(span)]
    item = _base(span, mentions.text)
    item["status"] = status(span)
    if kind == "auto":
        own = [m for m in linked if not m.get("classified_elsewhere")]
        if own:
            kind = "muscle"
        elif linked:
            kind = "excluded"
            item["category_code"] = linked[0]["classified_elsewhere"]
            item["condition"] = f"contracture of {linked[0]['muscle']}"
            item["relation"] = "elsewhere"
        else:
            kind = "unknown"
    item["kind"] = kind
    if meta.get("category_code"):
        item["category_code"] = meta["category_code"]
        item["condition"] = meta.get("condition", span.text)
        item["relation"] = meta.get("relation", "elsewhere")
    item["muscles"] = [m["start"] for m in linked]
    return item


def _cue_items(spans: Iterable[Span], mentions: _Mentions) -> list[Item]:
    items = []
    for span in spans:
        if _meta(span).get("needs_muscle") and not mentions.muscles_in_sentence(span):
            continue
        item = _base(span, mentions.text)
        item["status"] = status(span)
        items.append(item)
    return items


def _function_items(mentions: _Mentions) -> list[Item]:
    """Functional limits: a self-sufficient phrase, or an activity in a sentence that has a limiter."""
    items = []
    for span in mentions.of("FUNCTION"):
        role = _meta(span).get("role")
        if role == "limiter":
            continue
        if role == "activity":
            limiters = mentions.in_sentence("FUNCTION", span)
            limiters = [s for s in limiters if _meta(s).get("role") == "limiter"]
            if not limiters:
                continue
            item_status = status(limiters[0]) if status(span) == "affirmed" else status(span)
        else:
            item_status = status(span)
        item = _base(span, mentions.text)
        item["status"] = item_status
        items.append(item)
    return items


def _study_items(mentions: _Mentions) -> list[Item]:
    text = mentions.text
    items = []
    for span in mentions.of("STUDY"):
        ordered = mentions.in_sentence("STUDY_ORDERED", span)
        results = [r for r in mentions.in_sentence("STUDY_RESULT", span) if r.start >= span.end]
        item = _base(span, text)
        item.update(study=_meta(span)["study"], status=status(span))
        if results:
            end = mentions.sentence(span).end_char
            findings = (results[0].start_char, end)
            item.update(state="resulted", findings=_base(findings, text))
            item["findings"]["text"] = item["findings"]["text"].rstrip()
            item["findings"]["end"] = item["findings"]["start"] + len(item["findings"]["text"])
        elif ordered:
            item.update(state="ordered", findings=None)
        else:
            item.update(state="mentioned", findings=None)
        items.append(item)
    return items


def _cause_items(mentions: _Mentions) -> list[Item]:
    items = []
    for span in mentions.of("CAUSE"):
        meta = _meta(span)
        item = _base(span, mentions.text)
        item.update(cause=meta["cause"], category_code=meta["category_code"],
                    code_prefixes=meta["code_prefixes"],
                    category_name=meta.get("category_name", meta["cause"]), status=status(span))
        items.append(item)
    return items


def extract(doc: Doc, text: str | None = None) -> dict[str, list[Item]]:
    """The evidence of one processed note, keyed as in OUTPUT.md.

    ``text`` is the original note when ``doc`` was made from its normalized copy
    (:mod:`notelint.normalize`); every item's ``text`` is sliced from it.
    """
    text = doc_text(doc) if text is None else text
    if len(text) != len(doc_text(doc)):
        raise ValueError("the original text and the processed text differ in length")
    mentions = _Mentions(doc, text)
    muscle_items = {m.start_char: _muscle_item(m, mentions) for m in mentions.muscles}
    evidence: dict[str, list[Item]] = {name: [] for name in EVIDENCE_FIELDS}
    evidence["contractures"] = [_contracture_item(s, mentions, muscle_items)
                                for s in mentions.of("CONTRACTURE")]
    evidence["muscles"] = list(muscle_items.values())
    evidence["rom"] = [{**_base((m.start, m.end), text), "degrees": m.value, "motion": m.motion,
                        "range": list(m.range) if m.range else None}
                       for m in doc._.notelint_rom]
    evidence["strength"] = [{**_base((m.start, m.end), text), "grade": m.value}
                            for m in doc._.notelint_strength]
    evidence["function"] = _function_items(mentions)
    for label, name in CUE_FIELDS.items():
        evidence[name] = _cue_items(mentions.of(label), mentions)
    evidence["studies"] = _study_items(mentions)
    evidence["causes"] = _cause_items(mentions)
    for span in mentions.of("EXCLUDED"):
        meta = _meta(span)
        evidence["excluded"].append({**_base(span, text), "status": status(span),
                                     "condition": meta["condition"],
                                     "category_code": meta["category_code"],
                                     "relation": meta.get("relation", "excludes1")})
    evidence["sides"] = [{**_base(span, text), "side": _meta(span)["side"]}
                         for span in mentions.of("SIDE")]
    return evidence
