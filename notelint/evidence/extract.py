"""Turn a processed ``Doc`` into the ``evidence`` object of OUTPUT.md.

Every item carries ``text``, ``start`` and ``end`` (character offsets into the
original note) plus its values. Cue items also carry the ConText ``status``
of their span, so a negated "no spasm" stays visible but never counts.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from contextvars import ContextVar
from functools import cache
from typing import Any

import numpy
from spacy.attrs import LOWER, ORTH
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from notelint.evidence.suggest import sides_agree
from notelint.lexicon import load_lexicon
from notelint.nlp.doctext import ANATOMY, CONCEPTS, doc_text
from notelint.nlp.sentences import first_tokens, headers

Item = dict[str, Any]
EVIDENCE_FIELDS = ("contractures", "muscles", "rom", "strength", "function", "myogenic",
                   "arthrogenic", "spasm", "neural", "studies", "causes", "excluded", "sides",
                   "jaw_opening")
CUE_FIELDS = {"MYOGENIC": "myogenic", "ARTHROGENIC": "arthrogenic", "SPASM": "spasm",
              "NEURAL": "neural"}
# which ConText attribute wins when several apply to one span
_STATUS_ORDER = (("is_family", "family"), ("is_negated", "negated"),
                 ("is_hypothetical", "hypothetical"), ("is_uncertain", "uncertain"),
                 ("is_historical", "historical"))


# a section changes what an affirmed mention in it means (RULES.md, "Reading conventions")
_SECTION_STATUS = {"family_history": "family", "consent": "hypothetical", "goals": "hypothetical"}
# ... and a cause named in the plan or the goals is a treatment or a target, not an event
_NOT_CAUSE_SECTIONS = frozenset({"plan", "goals", "consent"})
_PAST_LISTS = frozenset({"past_history", "other"})  # PMH/PSH, medications, allergies, ROS
# a clause that says its condition resolved, with a pronoun for the condition
_PRONOUN_RESOLVED = re.compile(r"[\s;.,]*(?:it|this|these|they|both)\s+(?:has\s+|have\s+|had\s+)?"
                               r"(?:since\s+|completely\s+|fully\s+|later\s+|eventually\s+)?"
                               r"resolved\b", re.IGNORECASE)
# a side word in a header title (any case), or in capitals in the note's title line
# sections that say what is to be done or looked for, not what was found
PLANNED = frozenset({"plan", "goals"})
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


# an M62.4- code written beside a mention (before it, or on its line just after it)
_M624_CODE = re.compile(r"[^\n]{0,40}?(?<![A-Za-z0-9])M62\.?4[0-9]{0,2}(?![0-9A-Za-z])")
# an M24.5- (contracture of joint) code written on the mention's line, just after it
_JOINT_CODE_AFTER = re.compile(r"[^\n]{0,40}?(?<![A-Za-z0-9])M24\.?5[0-9A-Z]{0,2}(?![0-9A-Za-z])")


@cache
def _reporting_verbs() -> frozenset[str]:
    return frozenset(load_lexicon().context_rules.get("reporting_verbs", []))


_CLAUSE_JOINS = frozenset({"with", "and", "or", "but", "while", "whereas", "vs", "versus"})


@cache
def _region_word_sites() -> dict[str, str]:
    """The M62.4 site of each one-word body region word ("hands": hand)."""
    return {word: rule.metadata["site"] for rule in load_lexicon().of("REGION")
            for word in rule.metadata["words"] if " " not in word}


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


def _called_normal(muscle: Span) -> bool:
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


def _meta(span: Span) -> dict[str, Any]:
    known = _METADATA.get()
    if known is None:
        return span._.target_rule.metadata or {}
    key = (span.start, span.end, span.label)
    found = known.get(key)
    if found is None:
        found = known[key] = span._.target_rule.metadata or {}
    return found


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
        self._marks: dict[str, list[int]] = {}
        spans = [*doc.spans.get(ANATOMY, []), *doc.spans.get(CONCEPTS, [])]
        self.by_label: dict[str, list[Span]] = {}
        # the ids of the words beside each span, checked against every not_after / not_before
        # word of the lexicon first (its own are read only then)
        not_after, not_before = _context_words()
        lower, size = doc.to_array(LOWER).tolist(), len(doc)
        for span in sorted(spans, key=lambda s: (s.start, s.end)):
            if span.start and lower[span.start - 1] in not_after and \
                    doc[span.start - 1].lower_ in _meta(span).get("not_after", ()):
                continue  # another thing's word ("skin tightness", "hepatitis B")
            if span.end < size and lower[span.end] in not_before and \
                    _word_after(span) in _meta(span).get("not_before", ()):
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
                        (label != "CAUSE" or "by_place" in _meta(span)):
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
            fields = {_meta(side)["side"] for field in self.of("SIDE_FIELD")
                      for side in self.in_sentence("SIDE", field)
                      if side.start == field.end + 1 and self.doc[field.end].text == ":"}
            self._note_side = fields.pop() if len(fields) == 1 else None
        if self._note_side is None:  # else the one side the note gives its limbs, if one
            named = {_meta(side)["side"] for side in self.of("SIDE") if self._of_a_limb(side)}
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


def _owned_by_region(side: Span, muscle: Span, mentions: _Mentions) -> bool:
    """Whether a side word belongs to a body region or joint right after it, of another site
    than the muscle's, that the muscle does not follow ("right elbow ... hamstrings")."""
    site = _meta(muscle)["site"]
    for label in ("REGION", "JOINT"):
        for region in mentions.in_sentence(label, side):
            if side.end <= region.start <= side.end + 1:
                sites = [_meta(region)["site"]] if label == "REGION" else _meta(region)["sites"]
                # the muscle lies in that region ("MRI of the R thigh ... semimembranosus")
                return site not in sites and not (region.end <= muscle.start <= region.end + 1)
    return False


def _laterality(muscle: Span, mentions: _Mentions) -> str | None:
    """The side of a muscle: the side words before it in its sentence (not one that belongs to
    a region named between), else just after it."""
    sides = mentions.in_sentence("SIDE", muscle)
    # a semicolon ends the reach of a side word: "Right TA 3+/5; quadriceps 4+/5 bilaterally"
    clause = mentions.last_semicolon(muscle)
    before = [s for s in sides if clause < s.start and s.end <= muscle.start
              and not _owned_by_region(s, muscle, mentions)]
    if before and before[-1].start < mentions.last_break(muscle):
        # the side before stands in an earlier clause: a side closing the muscle's own clause
        # is nearer ("..., the hamstrings are taut and shortened on the right")
        after = _side_closing_clause(muscle, sides, mentions)
        if after is not None:
            return after
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
    muscles_after = [m for m in mentions.muscles_in_sentence(muscle) if m.start >= muscle.end]
    for side in sides:
        if side.start >= muscle.end and side.start - muscle.end <= 6:
            if any(m.start < side.start + 4 and m.start > side.end - 1 for m in muscles_after):
                break  # the side word belongs to the next muscle
            return _meta(side)["side"]
    return mentions.title_side(muscle.start_char)


def _side_closing_clause(muscle: Span, sides: list[Span], mentions: _Mentions,
                         reach: int = 8) -> str | None:
    """The side word after a muscle within ``reach`` tokens, in its clause (no comma or
    semicolon between) and before any other muscle: "quadriceps 5/5 bilaterally"."""
    others = [m.start for m in mentions.muscles_in_sentence(muscle) if m.start >= muscle.end]
    for side in sides:
        if muscle.end <= side.start <= muscle.end + reach:
            if any(start < side.start for start in others) or \
                    mentions.breaks_between(muscle.end, side.start):
                return None
            return _meta(side)["side"]
    return None


def _muscle_item(muscle: Span, mentions: _Mentions) -> Item:
    meta = _meta(muscle)
    item = _base(muscle, mentions.text)
    item.update(site=meta["site"], laterality=_laterality(muscle, mentions),
                muscle=meta.get("literal"), shortened=False)
    if meta.get("classified_elsewhere"):
        item["classified_elsewhere"] = meta["classified_elsewhere"]
    return item


def _near(spans: list[Span], span: Span, before: int, after: int) -> list[Span]:
    """Spans of the same sentence that end at most ``before`` tokens before ``span`` or start
    at most ``after`` tokens after it, nearest first."""
    near = [s for s in spans if span.start - before <= s.end <= span.start
            or span.end <= s.start <= span.end + after]
    return sorted(near, key=lambda s: min(abs(span.start - s.end), abs(s.start - span.end)))


def _chain(adjacent: list[Span], muscles: list[Span], span: Span, gap: int = 6) -> list[Span]:
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


def _side_before(span: Span, mentions: _Mentions, reach: int = 3) -> str | None:
    """The side word standing at most ``reach`` tokens before ``span`` in its clause."""
    clause = mentions.last_semicolon(span)
    sides = [s for s in mentions.in_sentence("SIDE", span)
             if clause < s.start and span.start - reach <= s.end <= span.start]
    return _meta(sides[-1])["side"] if sides else None


def _side_after(span: Span, mentions: _Mentions, reach: int = 2) -> str | None:
    """The side word standing at most ``reach`` tokens after ``span`` ("lower leg, bilateral")."""
    sides = [s for s in mentions.in_sentence("SIDE", span) if span.end <= s.start <= span.end + reach]
    return _meta(sides[0])["side"] if sides else None


def _combined_side(sides: list[str | None]) -> str | None:
    known = {s for s in sides if s}
    if "bilateral" in known or {"right", "left"} <= known:
        return "bilateral"
    return known.pop() if len(known) == 1 else None


def _joint_measured_before(span: Span, mentions: _Mentions, reach: int = 10) -> list[Span]:
    """A joint whose measurement the mention annotates, in its clause before it, with no
    muscle between: "R knee ROM 15-85 deg (flexion contracture of 15 deg)"."""
    muscles = [m.start for m in mentions.muscles_in_sentence(span) if m.start < span.start]
    found = [j for j in mentions.in_sentence("JOINT", span)
             if span.start - reach <= j.end <= span.start
             and not mentions.breaks_between(j.end, span.start)
             and not any(j.end <= start for start in muscles)
             and any(t.like_num for t in mentions.doc[j.end : span.start])]
    return found[-1:]


def _of_normal_muscles(cue: Span, mentions: _Mentions) -> bool:
    """Whether a myogenic cue stands in a sentence whose muscles the note all calls normal
    ("Hamstring length normal, popliteal angle 25 deg bilaterally"): the test was normal."""
    muscles = mentions.muscles_in_sentence(cue)
    return bool(muscles) and all(_called_normal(m) for m in muscles)


def _contracture_item(span: Span, mentions: _Mentions, muscle_items: dict[int, Item]) -> Item:
    """A contracture mention with its kind, muscles, site and side (RULES.md, "Kind" and
    "The note is read as a whole"): the anatomy next to the mention decides first (a muscle:
    the contracted tissue; a joint: a joint contracture unless myogenic evidence in its
    sentence attributes it to a muscle), then the muscles of its sentence or the next, then a
    body region or the code's own words ("contracture of muscle, left lower leg")."""
    meta = _meta(span)
    kind = meta.get("kind", "auto")
    sentence_muscles = mentions.muscles_in_sentence(span)
    adjacent = _chain(_near(sentence_muscles, span, 6, 6), sentence_muscles, span)
    joints = _near(mentions.in_sentence("JOINT", span), span, 4, 5) or \
        _joint_measured_before(span, mentions)
    regions = _near(mentions.in_sentence("REGION", span), span, 8, 10)
    item = _base(span, mentions.text)
    item["status"] = status(span)
    if item["status"] == "affirmed" and _resolved_after(span, mentions):
        item["status"] = "historical"
    myogenic = any(status(c) == "affirmed" and _cue_stands(c, mentions)
                   and not _of_normal_muscles(c, mentions)
                   for c in mentions.in_sentence_or_next("MYOGENIC", span))
    linked = adjacent or ([] if joints and not myogenic
                          else [m for m in mentions.muscles_near(span) if not _called_normal(m)])
    own = [muscle_items[m.start_char] for m in linked
           if not muscle_items[m.start_char].get("classified_elsewhere")]
    if kind in {"auto", "motion"}:
        # a motion ("flexion contracture") names no tissue: with no muscle, it is a joint's
        if own:
            kind = "muscle"
        elif linked:
            first = muscle_items[linked[0].start_char]
            kind = "excluded"
            item["category_code"] = first["classified_elsewhere"]
            item["condition"] = f"contracture of {first['muscle']}"
            item["relation"] = "elsewhere"
        elif joints or kind == "motion":
            kind = "muscle" if myogenic else "joint"
        elif _JOINT_CODE_AFTER.match(mentions.text, span.end_char):
            kind = "joint"  # the words of the M24.5- code beside it: "Contracture, right hand | M24.541"
        elif regions:
            kind = "muscle"
        else:  # no tissue named: the myogenic evidence beside it attributes it (RULES.md "Kind")
            kind = "muscle" if myogenic else "unknown"
    item["kind"] = kind
    if meta.get("category_code"):
        item["category_code"] = meta["category_code"]
        item["condition"] = meta.get("condition", span.text)
        item["relation"] = meta.get("relation", "elsewhere")
    item["muscles"] = [m.start_char for m in linked]
    item.update(site=None, laterality=None, site_from=None)
    if own:
        # the mention's own side ("Right knee flexion contracture ... attributed to the right
        # hamstrings: popliteal angle 70 degrees on the right versus 30 on the left") outweighs
        # the sides of muscles read in another clause, where a comparison names the other side
        written = _side_before(joints[0] if joints else span, mentions, 3) if not adjacent else None
        item.update(site=own[0]["site"], site_from="muscle",
                    laterality=written or _combined_side([m["laterality"] for m in own])
                    or _side_before(joints[0] if joints else span, mentions, 6))
    elif regions and kind in {"muscle", "unknown"}:
        region = regions[0]
        code_words = meta.get("code_text") and region.start >= span.end
        item.update(site=_meta(region)["site"], site_from="code_text" if code_words else "region",
                    laterality=_side_before(region, mentions) or _side_before(span, mentions, 6)
                    or _side_after(region, mentions))
    if meta.get("code_text"):
        # the code's words may name each side: "right thigh (M62.451) and left thigh (M62.452)"
        named = [r for r in regions if r.start >= span.end and _meta(r)["site"] == item["site"]]
        sides = [_side_before(r, mentions) for r in named]
        if len(named) > 1 and all(sides):
            item["laterality"] = _combined_side([item["laterality"], *sides])
    item["joint"] = _meta(joints[0]).get("code_word") if joints else None
    if kind == "excluded" and not item["laterality"]:
        item["laterality"] = _combined_side([muscle_items[m.start_char]["laterality"]
                                             for m in linked]) or _side_before(span, mentions, 6)
    if joints:
        item["joint_sites"] = sorted({s for j in joints for s in _meta(j)["sites"]})
        if item["laterality"] is None and kind == "joint":
            item["laterality"] = _side_before(joints[0], mentions) or _side_before(span, mentions, 6)
    return item


def _resolved_after(span: Span, mentions: _Mentions) -> bool:
    """Whether the clause after the mention's own says it resolved, with a pronoun for its
    subject ("a contracture of the left hamstrings that limited knee extension for a year;
    it resolved completely", "... Strayer recession; these have resolved")."""
    sentence = mentions.sentence(span)
    text = mentions.text
    semicolon = text.find(";", span.end_char, sentence.end_char)
    boundary = semicolon + 1 if semicolon >= 0 else sentence.end_char
    return _PRONOUN_RESOLVED.match(text, boundary, boundary + 80) is not None


def _whole_note(contractures: list[Item], muscles: list[Item], mentions: _Mentions) -> None:
    """A contracture that names no muscle takes the muscles the note documents for its region
    and side elsewhere (the exam, two paragraphs up): muscles whose sentence holds a
    myogenic cue, a contracture mention or a ROM value; with no region, only when they are all
    of one site."""
    _joint_named_for_muscle(contractures, mentions)
    pending = [item for item in contractures if not item["muscles"]
               and item["status"] == "affirmed" and item["kind"] in {"muscle", "unknown"}]
    sideless = [item for item in contractures if item["muscles"] and not item["laterality"]
                and item["status"] == "affirmed" and item["kind"] == "muscle"]
    if not pending and not sideless:
        return
    evidenced = {mentions.sent_of[s.start] for label in ("MYOGENIC", "CONTRACTURE")
                 for s in mentions.of(label) if label != "MYOGENIC" or _cue_stands(s, mentions)}
    evidenced |= {mentions.sent_of[t] for t in _tokens_of(mentions, mentions.doc._.notelint_rom)}
    by_start = {m.start_char: m for m in mentions.muscles}
    # the plan names what is to be done or looked for ("MRI ordered to evaluate rotator cuff
    # integrity and periarticular muscle fibrosis"), not a finding
    candidates = [m for m in muscles if not m.get("classified_elsewhere")
                  and mentions.sent_of[by_start[m["start"]].start] in evidenced
                  and section_at(mentions.doc, m["start"]) not in PLANNED
                  and not _called_normal(by_start[m["start"]])]
    # a contracture whose muscles have no side here takes the one side the note gives those
    # muscles where it documents them elsewhere ("Assessment: rectus femoris contracture";
    # the exam, under LEFT LOWER EXTREMITY: "shortened rectus femoris")
    by_name: dict[str, set[str]] = {}
    for muscle in candidates:
        if muscle["laterality"]:
            by_name.setdefault(muscle["muscle"], set()).add(muscle["laterality"])
    named = {m["start"]: m["muscle"] for m in muscles}
    # else the one side the note gives the region of its site ("full-thickness burns of the
    # left anterior upper arm" for a sideless biceps contracture)
    # or, failing that, to the limb the site is in ("his left leg was pinned under a pallet")
    by_site: dict[str, set[str]] = {}
    by_limb: dict[str, set[str]] = {}
    for region in mentions.of("REGION"):
        if side := _side_before(region, mentions):
            by_site.setdefault(_meta(region)["site"], set()).add(side)
    for limb in mentions.of("LIMB"):
        if side := _side_before(limb, mentions):
            for site in _meta(limb)["sites"]:
                by_limb.setdefault(site, set()).add(side)

    def given_elsewhere(site: str | None) -> set[str]:  # a copy: the caller pops its side
        return set(by_site.get(site, ()) or by_limb.get(site, ()))

    for item in sideless:
        sides = set().union(*(by_name.get(named.get(start), set()) for start in item["muscles"]))
        if len(sides := sides or given_elsewhere(item["site"])) == 1:
            item["laterality"] = sides.pop()
    for item in pending:
        found = candidates
        if item["site"]:
            found = [m for m in found if m["site"] == item["site"]
                     and sides_agree(item["laterality"], m["laterality"])]
        elif len({m["site"] for m in found}) != 1:
            continue
        if not found:
            continue
        item["muscles"] = [m["start"] for m in found]
        item["kind"] = "muscle"
        if not item["site"]:
            item.update(site=found[0]["site"], site_from="muscle")
        if not item["laterality"]:
            item["laterality"] = _combined_side([m["laterality"] for m in found])
    for item in pending:  # still sideless with a site (a region or the code's words)
        if item["site"] and not item["laterality"] and len(sides := given_elsewhere(item["site"])) == 1:
            item["laterality"] = sides.pop()
        elif item["site"] and not item["laterality"]:  # else the side its title or the note gives
            item["laterality"] = mentions.title_side(item["start"])


def _assessment_speaks_last(contractures: list[Item], mentions: _Mentions) -> None:
    """A contracture the history tells of takes the status the assessment gives the same
    contracture ("History: ... she then developed a left gastrocnemius contracture";
    "Assessment: left gastrocnemius contracture resolved"): when an assessment mention of its
    site, sides agreeing, is historical or negated and none there is affirmed. The history is
    a history section or text under no known heading ("Injury: ... a muscle contracture of the
    right hand was listed on the problem list in 12/2023")."""
    sections = getattr(mentions.doc._, "notelint_sections", None)
    if sections is None:
        return
    where = [sections.at(item["start"]) for item in contractures]
    verdicts: dict[tuple[str | None, str | None], set[str]] = {}
    for item, section in zip(contractures, where, strict=True):
        if section == "assessment" and item["site"]:
            verdicts.setdefault((item["site"], item["laterality"]), set()).add(item["status"])
    for item, section in zip(contractures, where, strict=True):
        told = section in {"history", "past_history", "preamble", "other", None}
        if not told or item["status"] != "affirmed":
            continue
        said = [statuses for (site, side), statuses in verdicts.items()
                if site == item["site"] and sides_agree(side, item["laterality"])]
        if said and not any("affirmed" in s for s in said):
            item["status"] = "historical" if any("historical" in s for s in said) else "negated"


def _code_words_follow_the_note(contractures: list[Item], spans: list[Span], text: str) -> None:
    """A code's own words copied beside it ("Problem list (auto-imported): M62.461 Contracture
    of muscle, right lower leg") are the claim, not a finding: when every other mention of that
    site, sides agreeing, is historical or negated, they take that status."""
    for item, span in zip(contractures, spans, strict=True):
        if not _meta(span).get("code_text") or item["status"] != "affirmed":
            continue
        line_start = text.rfind("\n", 0, span.start_char) + 1
        before = text[max(line_start, span.start_char - 25):span.start_char]
        if not (_M624_CODE.search(before) or _M624_CODE.match(text, span.end_char, span.end_char + 40)):
            continue  # not beside a written code: the note's own words
        others = [c for c in contractures if c is not item and c["site"] == item["site"]
                  and sides_agree(c["laterality"], item["laterality"])]
        statuses = {c["status"] for c in others}
        if others and "affirmed" not in statuses and statuses <= {"historical", "negated"}:
            item["status"] = "historical" if "historical" in statuses else "negated"


def _mark_shortened(muscle_items: dict[int, Item], mentions: _Mentions) -> None:
    """A muscle the note documents as shortened ("biceps and brachialis palpably shortened",
    "muscle shortening of the right hamstrings and gastrocnemius", "(FDS/FDP shortening)"):
    an affirmed shortening cue next to it, or next to the muscles listed with it."""
    for cue in mentions.of("MYOGENIC"):
        if not _meta(cue).get("shortening") or status(cue) != "affirmed":
            continue
        if section_of(cue) in PLANNED:
            continue  # "MRI ordered to evaluate ... periarticular muscle fibrosis"
        sentence = mentions.muscles_in_sentence(cue)
        for muscle in _chain(_near(sentence, cue, 6, 6), sentence, cue):
            muscle_items[muscle.start_char]["shortened"] = True


def _joint_named_for_muscle(contractures: list[Item], mentions: _Mentions) -> None:
    """A joint-named contracture ("Contracture, left shoulder", "knee flexion contracture") that
    the note attributes to a muscle elsewhere (a named muscle contracture at a site crossing that
    joint, myogenic evidence, and no arthrogenic finding at the joint) is that muscle's."""
    if not any(status(s) == "affirmed" and _cue_stands(s, mentions) for s in mentions.of("MYOGENIC")):
        return
    arthrogenic = [s for s in mentions.of("ARTHROGENIC") if status(s) == "affirmed"]
    named = [c for c in contractures if c["status"] == "affirmed" and c["kind"] == "muscle"
             and c["muscles"]]
    for item in contractures:
        if item["kind"] != "joint" or item["status"] != "affirmed" or arthrogenic:
            continue
        sites = set(item.get("joint_sites", ()))
        match = [c for c in named if c["site"] in sites
                 and sides_agree(item["laterality"], c["laterality"])]
        if match:
            item.update(kind="muscle", muscles=match[0]["muscles"], site=match[0]["site"],
                        laterality=item["laterality"] or match[0]["laterality"], site_from="muscle")


def _tokens_of(mentions: _Mentions, measures: list[Any] | None) -> list[int]:
    """The first token of each measure (character spans) of the note."""
    if not measures:
        return []
    starts = mentions.doc.to_array("IDX").tolist()
    return [max(0, bisect_left(starts, m.start + 1) - 1) for m in measures]


def _cue_stands(span: Span, mentions: _Mentions) -> bool:
    """Whether a cue is evidence where it stands: one that needs a muscle ("fibrosis") has one
    in its sentence; a joint position of a muscle-length comparison ("with the knee straight")
    has another position beside it ("..., 15 degrees with the knee bent"); a joint disease is
    not one of a past-history list. (A cue after a word of another tissue, "skin tightness",
    is no mention at all: :class:`_Mentions` drops it.)"""
    meta = _meta(span)
    if meta.get("needs_muscle") and not mentions.muscles_in_sentence(span):
        return False
    if (position := meta.get("position")) and not _compared(span, position, meta, mentions):
        return False
    # "PMH: BPH, mild OA B knees": a comorbidity, not this restriction's cause
    return not (meta.get("disease") and section_of(span) in _PAST_LISTS)


def _compared(span: Span, position: str, meta: dict[str, Any], mentions: _Mentions) -> bool:
    """Whether a joint position phrase is one side of a muscle-length comparison: another
    position stands in its sentence or one beside it, and the degrees read there differ by at
    least ``min_difference``."""
    around = mentions.in_sentences_around("MYOGENIC", span)
    if not any(_meta(other).get("position") not in {None, position} for other in around):
        return False
    number = mentions.sent_of[span.start]
    first, last = max(0, number - 1), min(len(mentions.starts) - 1, number + 1)
    start = mentions.doc[mentions.starts[first]].idx
    end = mentions.doc[mentions.ends[last] - 1].idx
    values = [m.value for m in mentions.doc._.notelint_rom or [] if start <= m.start <= end]
    return bool(values) and max(values) - min(values) >= meta.get("min_difference", 0)


def _cue_items(spans: Iterable[Span], mentions: _Mentions, joints: bool = False) -> list[Item]:
    """Cue items; with ``joints``, each carries the M62.4 sites of the joints named in its
    sentence (``joint_sites``, null when it names none), for "the same site" of NL302."""
    items = []
    for span in spans:
        if not _cue_stands(span, mentions):
            continue
        item = _base(span, mentions.text)
        item["status"] = status(span)
        if joints:
            named = _near(mentions.in_sentence("JOINT", span), span, 12, 12)
            item["joint_sites"] = sorted({s for j in named for s in _meta(j)["sites"]}) or None
            if not named:  # a joint disease placed by a body region ("osteoarthritis of hands")
                regions = _near(mentions.in_sentence("REGION", span), span, 4, 4)
                sites = {_meta(r)["site"] for r in regions}
                # ... also one a side word took in ("OA of both hands")
                sites |= {site for s in _near(mentions.in_sentence("SIDE", span), span, 4, 4)
                          if (site := _region_word_sites().get(s[-1].lower_))}
                item["joint_sites"] = sorted(sites) or None
            item["joint"] = _meta(named[0]).get("code_word") if named else None
            item["laterality"] = (_side_before(named[0], mentions) if named else None) \
                or _side_before(span, mentions, 6)
            if not item["joint_sites"] and (titled := mentions.title_joint(span.start_char)):
                # ... else the joint its section's title names ("Exam L elbow: ... capsular
                # thickening palpable")
                joint, side = titled
                item.update(joint_sites=sorted(joint["sites"]), joint=joint.get("code_word"),
                            laterality=item["laterality"] or side)
        elif _meta(span).get("category_code"):  # spasm: R25.2, or M62.83- by its site
            item["category_code"] = _meta(span)["category_code"]
            item["spasm_site"] = _spasm_site(span, mentions)
        items.append(item)
    return items


def _spasm_site(span: Span, mentions: _Mentions) -> str | None:
    """Where a spasm is, on the M62.83- axis: ``back``, ``calf`` or ``other`` (a muscle or body
    region near it with no spasm site of its own), or None when nothing near names one."""
    near = _near([*mentions.muscles_in_sentence(span), *mentions.in_sentence("REGION", span)],
                 span, 6, 6)
    return _meta(near[0]).get("spasm_site", "other") if near else None


def _negation_is_the_limiter(span: Span, limiters: list[Span]) -> bool:
    """Whether every negation of an activity is (part of) one of its limiters: the negation
    then belongs to the ability ("he can no longer bring a fork to his mouth")."""
    negations = [m.modifier_span for m in span._.modifiers if m.category == "NEGATED_EXISTENCE"]
    return bool(negations) and all(any(start < limiter.end and limiter.start < end
                                       for limiter in limiters) for start, end in negations)


def _function_items(mentions: _Mentions) -> list[Item]:
    """Functional limits: a self-sufficient phrase, or an activity in a sentence that has a limiter."""
    items = []
    for span in mentions.of("FUNCTION"):
        role = _meta(span).get("role")
        if role == "limiter" or section_of(span) == "goals":
            continue
        if role == "activity":
            limiters = mentions.in_sentence("FUNCTION", span)
            limiters = [s for s in limiters if _meta(s).get("role") == "limiter"]
            if not limiters:
                continue
            item_status = status(limiters[0]) if status(span) == "affirmed" else status(span)
            if item_status == "negated" and _negation_is_the_limiter(span, limiters):
                # "can no longer bring a fork to his mouth": the limiter's own "no" is no negation
                limiter = status(limiters[0])
                item_status = "affirmed" if limiter in {"affirmed", "negated"} else limiter
        else:
            item_status = status(span)
        item = _base(span, mentions.text)
        item["status"] = item_status
        items.append(item)
    return items


# a finding, then "on" / "per" and the study with at most two words before it, at its end
_FOUND_ON = re.compile(r"(?:^|[,;:|(]\s*|\s)((?!(?:follow|wait|based|depend)\w*\b)[A-Za-z][^,.;:|\n]{1,60}?)"
                       r"\s+(?:on|per)\s+(?:[A-Za-z]+\s+){0,2}$")
# a study's label, then a colon or a dash and its report ("MSK ultrasound today - 4 cm scar ...")
# a label (with at most one parenthesis: "EMG/NCS (2024, outside hospital, report reviewed):")
# then a colon or a dash, then the findings
_REPORTED = re.compile(r"[^:.;\n(]{0,40}?(?:\([^()\n]{0,60}\)[^:.;\n(]{0,20}?)?"
                       r"(?::|[ \t][-\u2013\u2014][ \t])[ \t]*"
                       r"(?=[A-Za-z0-9][A-Za-z0-9-]*\s+[A-Za-z])")


def _in_parenthesis(text: str, start: int, position: int) -> bool:
    """Whether ``position`` stands inside a parenthesis opened after ``start``."""
    return text.rfind("(", start, position) > text.rfind(")", start, position)


def _study_items(mentions: _Mentions) -> list[Item]:
    text = mentions.text
    items = []
    for span in mentions.of("STUDY"):
        waiting = mentions.in_sentence("STUDY_PENDING", span)
        ordered = mentions.in_sentence("STUDY_ORDERED", span) + waiting  # results to come
        pending = {p.start for p in waiting}
        # a result word with "pending" or "not yet available" right after it is none yet
        # ... and one inside a parenthesis is an aside about something else ("ordered to
        # evaluate for a neuropathy (B12 low-normal); study pending")
        results = [r for r in mentions.in_sentence("STUDY_RESULT", span) if r.start >= span.end
                   and not pending & set(range(r.end, r.end + 3))
                   and not _in_parenthesis(text, span.end_char, r.start_char)]
        item = _base(span, text)
        item.update(study=_meta(span)["study"], status=status(span))
        sentence_end = mentions.sentence(span).end_char
        # "MRI L upper arm 02/2025: fibrosis of the biceps ...": what follows its colon reports it
        # ("MRI: to be scheduled" is an order, not a report)
        # ... unless an order stands after the colon; one in the label before it ("MRI lumbar
        # spine 03/2025 (ordered by PCP): L5-S1 disc protrusion") was the order of this report
        colon = _REPORTED.match(text, span.end_char, sentence_end)
        report = colon.end() if colon else None
        # ... and the study as a heading of its own ("EMG:" on its line, its report below)
        sentence = mentions.sentence(span)
        if report is None and text[span.end_char:sentence_end].strip() == ":" \
                and sentence.end < len(mentions.doc):
            below = mentions.doc[sentence.end].sent
            if text[below.start_char:below.start_char + 1].isalnum() \
                    and not mentions.in_sentence("STUDY_ORDERED", below[0:1]):
                report, sentence_end = below.start_char, below.end_char
        if report is not None and any(o.start_char >= report for o in ordered):
            report = None
        if report is not None:
            ordered = []
        # "PVL on infant MRI", "denervation on EMG": the finding stands before the study
        sentence_start = sentence.start_char
        lo = max(sentence_start, span.start_char - 80)
        before = None if ordered or results or report is not None \
            else _FOUND_ON.search(text[lo:span.start_char])
        if before:
            item.update(state="resulted", findings=_base((lo + before.start(1), lo + before.end(1)),
                                                         text))
        elif results or report is not None:
            end = sentence_end
            findings = (results[0].start_char if results else report, end)
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
    named = any(not _meta(span).get("deficit") and item["status"] in {"affirmed", "historical"}
                for span, item in zip(mentions.of("CAUSE"), items, strict=True))
    return [item for span, item in zip(mentions.of("CAUSE"), items, strict=True)
            if not (named and _meta(span).get("deficit"))]


def _cause_place(span: Span, mentions: _Mentions) -> tuple[str | None, str | None]:
    """The place a cause names (its own words, "knee arthroplasty", a place word in the data,
    else the nearest joint or body region within a few words: a joint's tabular word or the M62.4
    site) and the side before it."""
    own = _meta(span).get("place")
    near = _near([*mentions.in_sentence("JOINT", span), *mentions.in_sentence("REGION", span)],
                 span, 4, 4)
    inside = [s for s in mentions.in_sentence("JOINT", span)
              if span.start <= s.start and s.end <= span.end]
    where = (inside or near or [None])[0]
    if where is None:
        return own, _side_before(span, mentions, 4)
    meta = _meta(where)
    return own or meta.get("code_word") or meta.get("site"), \
        _side_before(where, mentions) or _side_before(span, mentions, 4)


def extract(doc: Doc, text: str | None = None) -> dict[str, list[Item]]:
    """The evidence of one processed note, keyed as in OUTPUT.md.

    ``text`` is the original note when ``doc`` was made from its normalized copy
    (:mod:`notelint.nlp.normalize`); every item's ``text`` is sliced from it.
    """
    text = doc_text(doc) if text is None else text
    if len(text) != len(doc_text(doc)):
        raise ValueError("the original text and the processed text differ in length")
    token = _METADATA.set({})
    try:
        return _extract(doc, text)
    finally:
        _METADATA.reset(token)


def _extract(doc: Doc, text: str) -> dict[str, list[Item]]:
    mentions = _Mentions(doc, text)
    muscle_items = {m.start_char: _muscle_item(m, mentions) for m in mentions.muscles}
    evidence: dict[str, list[Item]] = {name: [] for name in EVIDENCE_FIELDS}
    evidence["contractures"] = [_contracture_item(s, mentions, muscle_items)
                                for s in mentions.of("CONTRACTURE")]
    evidence["muscles"] = list(muscle_items.values())
    _mark_shortened(muscle_items, mentions)
    _whole_note(evidence["contractures"], evidence["muscles"], mentions)
    _assessment_speaks_last(evidence["contractures"], mentions)
    _code_words_follow_the_note(evidence["contractures"], mentions.of("CONTRACTURE"), text)
    evidence["rom"] = [{**_base((m.start, m.end), text), "degrees": m.value, "motion": m.motion,
                        "range": list(m.range) if m.range else None}
                       for m in doc._.notelint_rom]
    evidence["jaw_opening"] = [{**_base((m.start, m.end), text), "millimetres": m.value}
                               for m in doc._.notelint_jaw or []]
    evidence["strength"] = [{**_base((m.start, m.end), text), "grade": m.value}
                            for m in doc._.notelint_strength]
    evidence["function"] = _function_items(mentions)
    for label, name in CUE_FIELDS.items():
        evidence[name] = _cue_items(mentions.of(label), mentions, joints=name == "arthrogenic")
    evidence["studies"] = _study_items(mentions)
    evidence["causes"] = _cause_items(mentions)
    for span in mentions.of("EXCLUDED"):
        meta = _meta(span)
        evidence["excluded"].append({**_base(span, text), "status": status(span),
                                     "condition": meta["condition"],
                                     "category_code": meta["category_code"],
                                     "relation": meta.get("relation", "excludes1"),
                                     "laterality": _side_before(span, mentions, 6)})
    evidence["sides"] = [{**_base(span, text), "side": _meta(span)["side"]}
                         for span in mentions.of("SIDE")]
    return evidence
