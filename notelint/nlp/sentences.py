"""Rule-based sentence boundaries for clinical text (the ``notelint_sentences`` component).

ConText scopes end at sentence boundaries, so they must be right on notes:
all-capitals section headers (``ASSESSMENT:``) stand alone, a title-case
header (``Exam:``) starts a sentence that keeps its content (``Contractures:
none``), numbered list items
and new lines start sentences, and the comma-joined lines of transcribed notes
(``",PLAN:,"``) are split at their headers. A period ends a sentence unless it
follows a known abbreviation (``patterns/sentences.json``). This replaces
PyRuSH, which is about 20 times slower than tokenizing and logs every token.
"""


import re
from collections.abc import Iterable
from functools import cache

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from notelint.lexicon import load_lexicon
from notelint.nlp.batched import BatchedPipe
from notelint.nlp.doctext import doc_text
from notelint.nlp.sections import Sections, section_of_title

# An all-capitals header anywhere ("PLAN:", ",PHYSICAL EXAMINATION:,") or a short
# title-case header at the start of a line ("Assessment:", "Family history:").
# An all-caps header starts at a capital not preceded by a letter; the lookbehind comes after
# the first character so that ``re`` jumps from capital to capital (five times faster than
# "(?<![A-Za-z])[A-Z]...", which is tried at every position; a test compares the two).
_CAPS_HEADER = re.compile(r"[A-Z](?<![A-Za-z].)[A-Z/&() -]{1,58}[A-Z)]\s*:(?!\d)")
_LINE_HEADER = re.compile(r"(?m)^[ \t]*[A-Z][A-Za-z/&() -]{0,40}:(?![\d/])")
# ... or one right after the comma that a comma-joined transcription put for its line break
_COMMA_HEADER = re.compile(r", ?(?=[A-Z][a-z])([A-Z][A-Za-z/&() -]{1,40}):(?![\d/])")
# ... or a capitals title alone between commas, where it lost its colon too
# ("PHYSICAL EXAMINATION, MUSCULOSKELETAL, RIGHT LOWER EXTREMITY, incisions well healed")
_CAPS_TITLE = r"[ \t]*([A-Z][A-Z/& ]{2,40}[A-Z])(?=[ \t]*,)"
_CAPS_COMMA = re.compile(r"[,\n]" + _CAPS_TITLE)  # after a comma or a line break (a literal: fast)
_CAPS_FIRST = re.compile(_CAPS_TITLE)  # ... or at the start of the text
# A numbered item (group 1, after its blanks): at the start of the text, of a line or of a
# comma-joined line. Past the first position it is found from the newline or comma itself
# (again so that ``re`` jumps between them).
_ITEM = r"[ \t]*(\(?\d{1,2}[.)])(?=\s+[A-Za-z])"
_NUMBERED_FIRST = re.compile(_ITEM)
_NUMBERED_LATER = re.compile(rf"[\n,]{_ITEM}")
_PERIOD = re.compile(r"([.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(])")
_NEWLINE = re.compile(r"\n\s*(?=\S)")
_LAST_WORD = re.compile(r"([A-Za-z.]+)$")
_LIST_NUMBER = re.compile(r"(?:^|\n|,)[ \t]*\(?\d{1,2}$")


Header = tuple[int, int, str, bool]


def _label(title: str) -> bool:
    """An abbreviation before its value ("SLR: 80 deg, negative", "MMT: 4/5", "ROM:"), not a
    section: one all-capitals word of at most five letters that names no known section. It
    opens a sentence and keeps its content, as a title-case header does."""
    return title.isalpha() and len(title) <= 5 and section_of_title(title) is None


def headers(text: str) -> list[Header]:
    """Section headers: ``(start, end, title, all_caps)`` in text order."""
    # a closing parenthesis the title never opened ends a parenthetical, not a header:
    # "MRI lumbar spine (ordered by PCP): disc protrusion"
    found = [(m.start(), m.end(), m.group()[:-1], not _label(m.group()[:-1].strip()))
             for m in _CAPS_HEADER.finditer(text)
             if m.group().count(")") <= m.group().count("(")]
    caps = {start for start, *_ in found}
    for match in _LINE_HEADER.finditer(text):
        start = match.start() + len(match.group()) - len(match.group().lstrip())
        if start not in caps:
            found.append((start, match.end(), match.group()[:-1].strip(), False))
            caps.add(start)
    for match in _COMMA_HEADER.finditer(text):
        if match.start(1) not in caps:
            found.append((match.start(1), match.end(), match.group(1).strip(), False))
            caps.add(match.start(1))
    first = _CAPS_FIRST.match(text)
    for match in [*([first] if first else []), *_CAPS_COMMA.finditer(text)]:
        if match.start(1) not in caps and _comma_caps_title(match.group(1)):
            found.append((match.start(1), match.end(1), match.group(1), True))
            caps.add(match.start(1))
    # a lower-case title alone between commas, where a run-on transcription lost its line
    # breaks and colons (", exam, hip flexion 115 degrees", ", assessment, mild ...")
    if (titles := _comma_titles()) is not None:
        for match in titles.finditer(text):
            if match.start(1) not in caps:
                found.append((match.start(1), match.end(1), match.group(1), False))
    return sorted(found)


def _comma_caps_title(title: str) -> bool:
    """Whether capitals alone between commas are a title: a known section title of four
    letters or more ("MUSCULOSKELETAL", "IMPRESSION"), or two or more words of three letters
    or more ("RIGHT LOWER EXTREMITY"); not an abbreviation listed among others ("AROM, PROM")."""
    words = title.split()
    if len(words) >= 2:
        return all(len(w) >= 3 for w in words)
    return len(title) >= 4 and section_of_title(title) is not None


@cache
def _comma_titles() -> re.Pattern[str] | None:
    """The titles a run-on clinic note may write alone between commas (``run_on_titles`` of
    ``patterns/sections.jsonl``: "exam", "assessment", "plan"; not a subsection such as
    "range of motion", which a sentence lists too)."""
    titles = sorted({t for rule in load_lexicon().of("SECTION")
                     for t in rule.metadata.get("run_on_titles", [])}, key=len, reverse=True)
    if not titles:
        return None
    return re.compile(r",[ \t]*(" + "|".join(map(re.escape, titles)) + r")(?=[ \t]*,)")


def sentence_starts(text: str, no_break_after: Iterable[str],
                    found: list[Header] | None = None) -> list[int]:
    """Character offsets where a new sentence starts, sorted (``found``: the text's
    :func:`headers`, when known)."""
    starts: set[int] = {0}
    for start, end, _title, caps in headers(text) if found is None else found:
        starts.add(start)
        if caps:
            starts.add(end)
        # a title-case header ("Exam:", "Contractures: none") starts a sentence but stays in it
    starts.update(numbered_items(text))
    for match in _NEWLINE.finditer(text):
        before = text[max(0, match.start() - 200) : match.start()].rstrip()
        following = text[match.end() : match.end() + 1]
        # a wrapped line (no end punctuation, continues in lower case) is one sentence
        if (following.islower() and before and before[-1] not in ".:;!?"
                and "\n\n" not in match.group()):
            continue
        starts.add(match.end())
    skip = {a.lower().rstrip(".") for a in no_break_after}
    for match in _PERIOD.finditer(text):
        if match.group(1) == ".":
            stop = match.start(1)
            word = _LAST_WORD.search(text, max(0, stop - 20), stop)
            if word and (word.group(1).lower().rstrip(".") in skip or len(word.group(1)) == 1):
                continue
            if stop and text[stop - 1].isdigit() and text[match.end() : match.end() + 1].isdigit():
                continue
            if _LIST_NUMBER.search(text, max(0, stop - 6), stop):
                continue  # "1. Hamstring contracture": a list number, not a sentence end
        starts.add(match.end())
    return sorted(s for s in starts if s < len(text))


def numbered_items(text: str) -> list[int]:
    """Where numbered list items (``1.``, ``(2)``) begin, past their leading blanks."""
    found = [first.start(1)] if (first := _NUMBERED_FIRST.match(text)) else []
    return found + [match.start(1) for match in _NUMBERED_LATER.finditer(text)]


def first_tokens(doc: Doc) -> list[int]:
    """``[sent.start for sent in doc.sents]``, read from the SENT_START array instead of
    making a Span per sentence (what ``doc.sents`` costs is mostly those Spans)."""
    if "sents" in doc.user_hooks or not doc.has_annotation("SENT_START"):
        return [sent.start for sent in doc.sents]  # a hook decides, or spaCy's own error
    if not len(doc):
        return []
    flags = doc.to_array(SENT_START).astype("int64")  # 1: starts a sentence, -1 or 0: not
    return [0, *(numpy.flatnonzero(flags[1:] == 1) + 1).tolist()]


class ClinicalSentencizer(BatchedPipe):
    """Sets ``Token.is_sent_start`` from :func:`sentence_starts` and ``doc._.notelint_sections``
    (:class:`notelint.nlp.sections.Sections`) from the same headers."""

    def __init__(self, no_break_after: Iterable[str]) -> None:
        self.no_break_after = tuple(no_break_after)
        if not Doc.has_extension("notelint_sections"):
            Doc.set_extension("notelint_sections", default=None)

    def __call__(self, doc: Doc) -> Doc:
        found = headers(doc_text(doc))
        doc._.notelint_sections = Sections.from_headers(found)
        if not len(doc):
            return doc
        starts = sentence_starts(doc_text(doc), self.no_break_after, found)
        token_starts = doc.to_array([IDX])
        values = numpy.full(len(doc), -1, dtype="int32")  # -1: not a sentence start
        values[0] = 1
        tokens = numpy.searchsorted(token_starts, numpy.asarray(starts, dtype=token_starts.dtype))
        values[numpy.minimum(tokens, len(doc) - 1)] = 1
        # keep every other annotation, replace only SENT_START
        return doc.from_array([SENT_START], values.reshape(-1, 1).astype("uint64"))


@Language.factory("notelint_sentences", default_config={"no_break_after": None})
def make_sentencizer(nlp: Language, name: str, no_break_after: list[str] | None) -> ClinicalSentencizer:
    """spaCy factory of :class:`ClinicalSentencizer` (abbreviations default to ``patterns/``)."""
    if no_break_after is None:
        no_break_after = load_lexicon().sentences["no_break_after"]
    return ClinicalSentencizer(no_break_after)
