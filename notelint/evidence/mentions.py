"""What a note mentions, as extraction reads it: the spans of the pipeline by label,
sentence and section (:class:`Mentions`), their ConText status, their lexicon metadata, the
sides and section titles around them, and the items every evidence field is made of."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

import numpy
from spacy.attrs import LOWER, ORTH
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from notelint.lexicon import load_lexicon
from notelint.nlp.doctext import ANATOMY, CONCEPTS
from notelint.nlp.sentences import first_tokens, headers

Item = dict[str, Any]
# which ConText attribute wins when several apply to one span
_STATUS_ORDER = (("is_family", "family"), ("is_negated", "negated"),
                 ("is_hypothetical", "hypothetical"), ("is_uncertain", "uncertain"),
                 ("is_historical", "historical"))


# a section changes what an affirmed mention in it means (RULES.md, "Reading conventions")
_SECTION_STATUS = {"family_history": "family", "consent": "hypothetical", "goals": "hypothetical"}
# a title's side word, or its capital letter alone ("Exam L elbow:")
_TITLE_SIDE = re.compile(r"\b((?i:right|left|bilateral|bilat)|[RLB](?=[ \t]+[A-Za-z]))\b")
_TITLE_SIDE_CAPS = re.compile(r"\b(RIGHT|LEFT|BILATERAL)\b")
# a line in capitals standing alone as a title, perhaps closed by a pipe
_CAPS_LINE = re.compile(r"(?m)^[ \t]*([A-Z][A-Z /&-]{2,58}[A-Z])[ \t]*\|?[ \t]*$")


def _title_scope_end(text: str, end: int) -> int:
    """Where a header's reach ends: the end of its line when it has content there
    ("RIGHT LOWER EXTREMITY: WNL"), else the end of the text (the next header comes first)."""
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    return line_end if text[end:line_end].strip(" \t|:") else len(text)


def _side_word(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    word = match.group(1).lower()
    return "bilateral" if word.startswith("bilat") or word == "b" else \
        {"r": "right", "l": "left"}.get(word, word)


@cache
def _reporting_verbs() -> frozenset[str]:
    return frozenset(load_lexicon().context_rules.get("reporting_verbs", []))


_CLAUSE_JOINS = frozenset({"with", "and", "or", "but", "while", "whereas", "vs", "versus"})


@cache
def _context_words() -> tuple[frozenset[int], frozenset[int]]:
    """The ids of every ``not_after`` and every ``not_before`` word of the lexicon (a span is
    checked against its own only when one of these stands beside it)."""
    lexicon = load_lexicon()
    rules = [*lexicon.anatomy, *lexicon.concepts]
    after = frozenset(get_string_id(w) for rule in rules for w in rule.metadata.get("not_after", ()))
    # "ultrasound-guided": the word after the hyphen, so the hyphen too
    before = frozenset(get_string_id(w) for rule in rules
                       for w in [*rule.metadata.get("not_before", ()), "-"])
    return after, before


@cache
def _joint_words() -> dict[str, dict[str, Any]]:
    """The metadata of the joint each one-word joint word names ("elbow", "knees")."""
    return {word: rule.metadata for rule in load_lexicon().of("JOINT")
            for word in rule.metadata["words"] if " " not in word}


@cache
def _normal_words() -> frozenset[str]:
    return frozenset(load_lexicon().context_rules.get("normal_words", []))


def called_normal(muscle: Span) -> bool:
    """Whether a word such as "normal" stands in the two tokens before the muscle ("with a
    normal soleus") or in the four after it, in its clause ("hamstring length within normal
    limits")."""
    doc = muscle.doc
    if any(doc[i].lower_ in _normal_words() for i in range(max(0, muscle.start - 2), muscle.start)):
        return True
    for i in range(muscle.end, min(len(doc), muscle.end + 4)):
        if doc[i].is_punct or doc[i].lower_ in _CLAUSE_JOINS:  # "... shortening with a normal soleus"
            return False
        if doc[i].lower_ in _normal_words():
            return True
    return False


def _reported(span: Span) -> bool:
    """Whether every FAMILY modifier of the span is a reporter: a reporting verb stands
    between the relative and the span ("His wife, who is his caregiver, reports that ...")."""
    family = [m for m in span._.modifiers if m.category == "FAMILY"]
    verbs = _reporting_verbs()
    return bool(family) and all(
        any(t.lower_ in verbs for t in span.doc[m.modifier_span[1] : span.start]) for m in family)


def _unchecked(span: Span) -> bool:
    """Whether an empty check box stands right before the span ("[ ] Needs assist")."""
    doc, start = span.doc, span.start
    if start >= 1 and doc[start - 1].text in {"[]", "()"}:
        return True
    return start >= 2 and (doc[start - 2].text, doc[start - 1].text) in {("[", "]"), ("(", ")")}


def status(span: Span) -> str:
    """The ConText status of a span: affirmed unless a modifier, or the section it stands in
    (family history, consent, goals), says otherwise; a relative reporting is no experiencer;
    an option of a template left unchecked ("[ ] Needs assist", "[ ] crepitus") is negated."""
    if _unchecked(span):
        return "negated"
    for attr, name in _STATUS_ORDER:
        if getattr(span._, attr, False):
            if name == "family" and _reported(span):
                continue
            return name
    return _SECTION_STATUS.get(section_of(span) or "", "affirmed")


def section_of(span: Span) -> str | None:
    """The name of the section a span stands in (None when sections are unknown)."""
    return section_at(span.doc, span.start_char)


def section_at(doc: Doc, offset: int) -> str | None:
    """The name of the section a character offset of the doc stands in (None when sections
    are unknown)."""
    known = _METADATA.get()
    if known is not None and known.get(_SECTIONS) is not None:
        sections = known[_SECTIONS]
    else:
        sections = getattr(doc._, "notelint_sections", None)
        if known is not None:
            known[_SECTIONS] = sections
    return sections.at(offset) if sections is not None else None


def _word_after(span: Span) -> str | None:
    """The lower-case word right after a span, past a hyphen ("ultrasound-guided": guided)."""
    doc, end = span.doc, span.end
    if end < len(doc) and doc[end].text == "-":
        end += 1
    return doc[end].lower_ if end < len(doc) else None


# the metadata of the spans of the note being read, by (start, end, label): a span's
# extension attribute costs a few microseconds a read, and a note reads it a hundred times
# (and, under _SECTIONS, the note's sections)
_METADATA: ContextVar[dict[Any, Any] | None] = ContextVar("notelint_metadata", default=None)
_SECTIONS = "sections"


@contextmanager
def metadata_cache() -> Iterator[None]:
    """Within it (one note's extraction), :func:`span_metadata` and :func:`section_at` keep
    what they read."""
    token = _METADATA.set({})
    try:
        yield
    finally:
        _METADATA.reset(token)


def span_metadata(span: Span) -> dict[str, Any]:
    known = _METADATA.get()
    if known is None:
        return span._.target_rule.metadata or {}
    key = (span.start, span.end, span.label)
    found = known.get(key)
    if found is None:
        found = known[key] = span._.target_rule.metadata or {}
    return found


def base_item(span: Span | tuple[int, int], text: str) -> Item:
    start, end = (span.start_char, span.end_char) if isinstance(span, Span) else span
    return {"text": text[start:end], "start": start, "end": end}


class Mentions:
    """The note's matched spans, grouped by category and by sentence."""

    def __init__(self, doc: Doc, text: str) -> None:
        self.doc = doc
        self.text = text  # the original note: doc.text may be its same-length normalized copy
        # sentence of every token, computed once (Span.sent rescans the doc each time)
        self.starts = first_tokens(doc)
        self.ends = [*self.starts[1:], len(doc)] if self.starts else []
        self.sent_of: list[int] = numpy.repeat(numpy.arange(len(self.starts)),
                                               numpy.subtract(self.ends, self.starts)).tolist()
        self._marks: dict[str, list[int]] = {}
        spans = [*doc.spans.get(ANATOMY, []), *doc.spans.get(CONCEPTS, [])]
        self.by_label: dict[str, list[Span]] = {}
        # the ids of the words beside each span, checked against every not_after / not_before
        # word of the lexicon first (its own are read only then)
        not_after, not_before = _context_words()
        lower, size = doc.to_array(LOWER).tolist(), len(doc)
        for span in sorted(spans, key=lambda s: (s.start, s.end)):
            if span.start and lower[span.start - 1] in not_after and \
                    doc[span.start - 1].lower_ in span_metadata(span).get("not_after", ()):
                continue  # another thing's word ("skin tightness", "hepatitis B")
            if span.end < size and lower[span.end] in not_before and \
                    _word_after(span) in span_metadata(span).get("not_before", ()):
                continue  # ... or a word that makes it another thing ("ultrasound-guided")
            self.by_label.setdefault(span.label_, []).append(span)
        self.muscles = self._with_abbreviations(self.by_label.get("MUSCLE", []))
        self._sentences: dict[str | None, dict[int, list[Span]]] = {}
        self._title_starts: list[int] = []
        self._title_ends: list[int] = []
        self._title_sides: list[str | None] | None = None
        self._titles: list[str] = []
        self._note_side: str | None = None

    def _of_a_limb(self, side: Span, reach: int = 4) -> bool:
        """Whether a side word names the side of a muscle, body region or joint, or of a limb
        injury or implant ("R tibial plateau fracture"), standing within ``reach`` tokens after
        it; not of an organ ("right lower lobe") nor of a brain lesion ("L MCA infarct")."""
        for label in ("MUSCLE", "REGION", "JOINT", "CAUSE"):
            for span in self.in_sentence(label, side):
                if side.end <= span.start <= side.end + reach and \
                        (label != "CAUSE" or "by_place" in span_metadata(span)):
                    return True
        return False

    def _read_titles(self) -> None:
        """The note's titles, once: headers with a colon and capital lines without one, each
        with its side word and where its reach ends; and the side of the whole note."""
        if self._title_sides is not None:
            return
        text = self.text
        # headers with a colon, and capital lines without one ("LEFT LOWER EXTREMITY")
        found = [(start, end, title) for start, end, title, _ in headers(text)]
        found += [(m.start(1), m.end(), m.group(1)) for m in _CAPS_LINE.finditer(text)]
        found.sort()
        self._title_starts = [start for start, _, _ in found]
        self._title_sides = [_side_word(_TITLE_SIDE.search(title)) for _, _, title in found]
        self._titles = [title for _, _, title in found]
        # a header with content on its own line ("RIGHT LOWER EXTREMITY: WNL") holds that line
        self._title_ends = [_title_scope_end(text, end) for _, end, _ in found]
        first_line = text.lstrip()[:120].split("\n", 1)[0].rstrip()
        if not first_line.endswith(":"):  # a title, not the first section's header
            self._note_side = _side_word(_TITLE_SIDE_CAPS.search(first_line))
        if self._note_side is None:  # else a side field ("Operative side: RIGHT"), one side
            fields = {span_metadata(side)["side"] for field in self.of("SIDE_FIELD")
                      for side in self.in_sentence("SIDE", field)
                      if side.start == field.end + 1 and self.doc[field.end].text == ":"}
            self._note_side = fields.pop() if len(fields) == 1 else None
        if self._note_side is None:  # else the one side the note gives its limbs, if one
            named = {span_metadata(side)["side"] for side in self.of("SIDE") if self._of_a_limb(side)}
            self._note_side = named.pop() if len(named) == 1 and "bilateral" not in named \
                else None

    def _title_at(self, offset: int) -> int | None:
        """The index of the title whose reach holds an offset, or None."""
        self._read_titles()
        at = bisect_right(self._title_starts, offset) - 1
        return at if at >= 0 and offset < self._title_ends[at] else None

    def title_side(self, offset: int) -> str | None:
        """The side a title puts on what stands under it with no side of its own: the side
        word of the section header above (``LEFT KNEE:``, ``Exam - Right shoulder:``), else
        of the note's title line (``Hand Therapy Evaluation - RIGHT UPPER EXTREMITY``)."""
        at = self._title_at(offset)
        side = self._title_sides[at] if at is not None and self._title_sides else None
        return side or self._note_side

    def title_joint(self, offset: int) -> tuple[dict[str, Any], str | None] | None:
        """The joint the section title above an offset names, with the title's side ("Exam L
        elbow:"), or None."""
        at = self._title_at(offset)
        if at is None or self._title_sides is None:
            return None
        words = re.findall(r"[a-z]+", self._titles[at].lower())
        joint = next((meta for word in words if (meta := _joint_words().get(word))), None)
        return (joint, self._title_sides[at]) if joint else None

    def of(self, label: str) -> list[Span]:
        return self.by_label.get(label, [])

    def sentence(self, span: Span) -> Span:
        """The sentence a span starts in."""
        number = self.sent_of[span.start]
        return self.doc[self.starts[number] : self.ends[number]]

    def last_semicolon(self, span: Span) -> int:
        """The last ``;`` token of the span's sentence before the span, or -1."""
        return self._last_of(";", span)

    def last_break(self, span: Span) -> int:
        """The last ``,`` or ``;`` token of the span's sentence before the span, or -1."""
        return max(self._last_of(";", span), self._last_of(",", span))

    def breaks_between(self, start: int, end: int) -> bool:
        """Whether a ``,`` or ``;`` token stands between tokens ``start`` and ``end``."""
        for mark in (",", ";"):
            found = self._marks_at(mark)
            if bisect_left(found, start) < bisect_left(found, end):
                return True
        return False

    def _marks_at(self, mark: str) -> list[int]:
        found = self._marks.get(mark)
        if found is None:
            orth = self.doc.to_array(ORTH)
            found = self._marks[mark] = numpy.flatnonzero(
                orth == self.doc.vocab.strings[mark]).tolist()
        return found

    def _last_of(self, mark: str, span: Span) -> int:
        found = self._marks_at(mark)
        before = bisect_left(found, span.start) - 1
        if before < 0 or found[before] < self.starts[self.sent_of[span.start]]:
            return -1
        return found[before]

    def _per_sentence(self, label: str) -> dict[int, list[Span]]:
        """The spans of a label (``None``: the muscles, abbreviations included) by sentence,
        indexed once, so that a lookup costs the sentence's spans, not the note's."""
        index = self._sentences.get(label)
        if index is None:
            index = {}
            for span in self.muscles if label is None else self.of(label):
                index.setdefault(self.sent_of[span.start], []).append(span)
            self._sentences[label] = index
        return index

    def in_sentence(self, label: str, span: Span) -> list[Span]:
        return list(self._per_sentence(label).get(self.sent_of[span.start], ()))

    def in_sentences_around(self, label: str, span: Span) -> list[Span]:
        """The spans of a label in the span's sentence and the sentences just before and after."""
        index, key = self._per_sentence(label), self.sent_of[span.start]
        return [*index.get(key - 1, ()), *index.get(key, ()), *index.get(key + 1, ())]

    def in_sentence_or_next(self, label: str, span: Span) -> list[Span]:
        index, key = self._per_sentence(label), self.sent_of[span.start]
        return [*index.get(key, ()), *index.get(key + 1, ())]

    def muscles_in_sentence(self, span: Span) -> list[Span]:
        return list(self._per_sentence(None).get(self.sent_of[span.start], ()))

    def muscles_near(self, span: Span) -> list[Span]:
        """Muscles of the span's sentence, else of the sentence right after it when that one is
        in the same section (an assessment's next sentence may be the plan's "MRI ordered to
        evaluate the rotator cuff")."""
        index, key = self._per_sentence(None), self.sent_of[span.start]
        found = index.get(key)
        if found:
            return list(found)
        following = index.get(key + 1, ())
        if following and section_at(self.doc, following[0].start_char) != section_of(span):
            return []
        return list(following)

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


def nearest(spans: list[Span], span: Span, before: int, after: int) -> list[Span]:
    """Spans of the same sentence that end at most ``before`` tokens before ``span`` or start
    at most ``after`` tokens after it, nearest first."""
    near = [s for s in spans if span.start - before <= s.end <= span.start
            or span.end <= s.start <= span.end + after]
    return sorted(near, key=lambda s: min(abs(span.start - s.end), abs(s.start - span.end)))


def muscle_chain(adjacent: list[Span], muscles: list[Span], span: Span, gap: int = 6) -> list[Span]:
    """The muscles next to a mention and those listed on with them ("contracture of the right
    gastrocnemius-soleus and of the right hamstrings"): each within ``gap`` tokens of the last."""
    if not adjacent:
        return adjacent
    chain = sorted(adjacent, key=lambda m: m.start)
    for muscle in sorted(muscles, key=lambda m: m.start):
        if muscle.start >= span.end and chain[-1].start >= span.end and \
                0 <= muscle.start - chain[-1].end <= gap and muscle not in chain:
            chain.append(muscle)
    for muscle in sorted(muscles, key=lambda m: -m.start):
        if muscle.end <= span.start and chain[0].end <= span.start and \
                0 <= chain[0].start - muscle.end <= gap and muscle not in chain:
            chain.insert(0, muscle)
    return chain


def side_before(span: Span, mentions: Mentions, reach: int = 3) -> str | None:
    """The side word standing at most ``reach`` tokens before ``span`` in its clause."""
    clause = mentions.last_semicolon(span)
    sides = [s for s in mentions.in_sentence("SIDE", span)
             if clause < s.start and span.start - reach <= s.end <= span.start]
    return span_metadata(sides[-1])["side"] if sides else None


def side_after(span: Span, mentions: Mentions, reach: int = 2) -> str | None:
    """The side word standing at most ``reach`` tokens after ``span`` ("lower leg, bilateral")."""
    sides = [s for s in mentions.in_sentence("SIDE", span) if span.end <= s.start <= span.end + reach]
    return span_metadata(sides[0])["side"] if sides else None


def combined_side(sides: list[str | None]) -> str | None:
    known = {s for s in sides if s}
    if "bilateral" in known or {"right", "left"} <= known:
        return "bilateral"
    return known.pop() if len(known) == 1 else None
