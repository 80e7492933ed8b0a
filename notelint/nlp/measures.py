"""Range-of-motion degrees and manual-muscle-test grades (the ``notelint_measures`` component).

Values are read with the regular expressions of ``patterns/rom.jsonl`` and
``patterns/strength.jsonl`` straight from ``doc.text``, so every span indexes
the original note. Named groups carry the value (``deg``, ``neg``, ``word``,
``zero`` for ROM; ``g``, ``m``, ``g2``, ``m2`` for grades); the exclusion and
context word lists of the same files decide what is not a measurement
(temperatures, Cobb angles, reflexes, pain scores).
"""


import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from notelint.lexicon import Lexicon, Rule, load_lexicon
from notelint.nlp.batched import BatchedPipe
from notelint.nlp.doctext import ANATOMY, doc_text
from notelint.nlp.prefilter import NoteChars, Prefiltered
from notelint.nlp.sections import Sections
from notelint.nlp.spans import DisjointSpans
from notelint.nlp.tables import RomTables

# a grade written as a word (group ``gw`` of a STRENGTH pattern)
_GRADE_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_CLAUSE_BREAK = re.compile(r"[\n;]|\.\s|,(?=[A-Z ]*[A-Z]:)")


@dataclass(frozen=True)
class Measure:
    """One ROM value or strength grade found in a note."""

    start: int
    end: int
    value: Any
    motion: str | None = None
    range: tuple[int, int] | None = None


def _words_regex(words: list[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(w) for w in words), key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(alternatives) + r")(?![A-Za-z])", re.IGNORECASE)


def _frame_regex(words: Iterable[str], prefix: str = "") -> re.Pattern[str]:
    """Frame words, longest first; short all-capital abbreviations ("ER", "DF") match in
    capitals only, so that "er" or "add" in prose is no frame."""
    abbreviations = sorted((w for w in words if w.isupper() and len(w) <= 4), key=len, reverse=True)
    rest = sorted((w for w in words if w not in abbreviations), key=len, reverse=True)
    parts = [f"(?i:{'|'.join(map(re.escape, rest))})"] if rest else []
    parts += [re.escape(w) for w in abbreviations]
    return re.compile(prefix + r"(?<![A-Za-z])(" + "|".join(parts) + r")(?![A-Za-z])")


class RomFrames:
    """Decides whether a degree value measures a patient's joint position or motion.

    The words of ``patterns/rom.jsonl``'s ``ROM_FRAME`` entries have roles: a
    ``motion`` (flexion, lacks, popliteal angle, SLR...), a ``joint``, an
    ``exclude`` frame (temperatures, views, implants, cuts, positioning...), a
    ``goal``, and an ``exam`` cue (an exam under anaesthesia). :meth:`governs`:

    1. a word right after the value decides first: "of flexion" makes it ROM,
       "angle", "view", "Fahrenheit", "laparoscope" make it not;
    2. a goal (therapy targets) or a ``procedure`` word (trialing, implants, positioning)
       anywhere before it in its clause makes it not ROM;
    3. otherwise the nearest frame word before it in its clause governs: a
       motion makes it ROM, an excluding frame does not; a joint makes it ROM
       only when no excluding frame stands anywhere in the clause;
    4. a clause with no frame word reads under the clause before it (a motion
       there, and no excluding word);
    5. inside a procedure section, only a motion with no excluding word in its
       clause, or an exam under anaesthesia, measures a patient; a value right after a
       ``position`` preposition there, its motion named only after it ("tracked centrally at
       45 degrees of flexion", "in 20 degrees of flexion"), is where the joint was held, not a
       measured range ("range of motion was verified at 0 degrees" is one).
    """

    def __init__(self, rules: list[Rule]) -> None:
        before = [r for r in rules if not r.metadata.get("after") and r.metadata["role"] in
                  {"motion", "joint", "exclude"}]
        self.roles = {w.lower(): r.metadata["role"] for r in before for w in r.metadata["words"]}
        self.window = max((r.metadata["window"] for r in before), default=60)
        self.before = _frame_regex(self.roles)
        after = [r for r in rules if r.metadata.get("after")]
        self.after_roles = {w.lower(): r.metadata["role"] for r in after for w in r.metadata["words"]}
        # one word may stand between: "4 degree LAO view", "15 degrees of fixed flexion"
        self.after = _frame_regex(self.after_roles,
                                  prefix=r"[\s,:]*(?:(?:of|in|at)\s+)?(?:the\s+)?(?:[A-Za-z]+\s+)??")
        self.after_window = max((r.metadata["window"] for r in after), default=30)
        self.goals = [(_words_regex(r.metadata["words"]), r.metadata["window"])
                      for r in rules if r.metadata["role"] in {"goal", "procedure"}]
        self.exam = [(_words_regex(r.metadata["words"]), r.metadata["window"])
                     for r in rules if r.metadata["role"] == "exam"]
        position = [w for r in rules if r.metadata["role"] == "position" for w in r.metadata["words"]]
        # the preposition stands right before the value ("at about 30", "in 20 degrees")
        self.position = (re.compile(r"(?<![A-Za-z])(?:" + "|".join(
            sorted(map(re.escape, position), key=len, reverse=True)) + r")\s+(?:-\s*)?$", re.IGNORECASE)
            if position else None)
        self.position_window = max((r.metadata["window"] for r in rules
                                    if r.metadata["role"] == "position"), default=0)

    def governs(self, text: str, value_start: int, end: int, section: str | None = None,
                section_start: int = 0, previous: int = -1) -> bool:
        """Whether the value at ``text[value_start:end]`` is a patient's ROM (``previous``:
        where the ROM value before it ends, so that "45 degrees on the right and 90 degrees
        on the left" reads both under one motion)."""
        following = self.after.match(text, end, end + self.after_window)
        after = None
        if following:
            after = self.after_roles.get(following.group(1).lower())
        if after == "exclude":
            return False
        if any(_last_hit(rx, text, _clause_start(text, value_start, w), value_start) >= 0
               for rx, w in self.goals):
            return False
        clause = _clause_start(text, value_start, self.window)
        hits = [(m.start(), self.roles.get(m.group().lower()))
                for m in self.before.finditer(text, clause, value_start)]
        roles = [role for _, role in hits]
        # a parenthesis closed before the value is an aside ("knee flexion (hip neutral) 95
        # deg"): the frame word before it governs, when there is one
        governing = [role for start, role in hits if not _in_aside(text, start, value_start)]
        last = (governing or roles or [None])[-1]
        if section == "procedure" and not any(
                _last_hit(rx, text, max(section_start, value_start - w), value_start) >= 0
                for rx, w in self.exam):
            # an operation: only a measured motion with no positioning or device frame
            if last != "motion" and self.position and self.position.search(
                    text, max(section_start, value_start - self.position_window), value_start):
                return False
            return (last == "motion" or after == "motion") and "exclude" not in roles
        if last == "exclude":
            return False
        if last == "motion" or after == "motion":
            return True
        if clause <= previous and not any(start >= previous and role == "exclude"
                                          for start, role in hits):
            return True  # the motion of the value before it, in the same clause
        if not roles and clause > 0:
            # no frame of its own: "Range of motion, active on the right. He stops at about 95
            # degrees." reads under the motion of the clause before, where nothing excludes it
            before = _clause_start(text, clause - 1, self.window)
            roles = [self.roles.get(m.group().lower()) for m in self.before.finditer(text, before, clause)]
            return "motion" in roles and "exclude" not in roles
        return last == "joint" and "exclude" not in roles


def _clause_start(text: str, position: int, window: int) -> int:
    start = max(0, position - window)
    for match in _CLAUSE_BREAK.finditer(text, start, position):
        start = match.end()
    return start


def _in_aside(text: str, position: int, end: int) -> bool:
    """Whether ``position`` lies in a parenthesis that closes before ``end``."""
    close = text.find(")", position, end)
    return close >= 0 and text.rfind("(", 0, position) > text.rfind(")", 0, position)


def _last_hit(regex: re.Pattern[str], text: str, start: int, end: int) -> int:
    """Offset of the last match of ``regex`` in ``text[start:end]``, or -1."""
    last = -1
    for match in regex.finditer(text, start, end):
        last = match.start()
    return last


def _keep_longest(candidates: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """The longest candidates that overlap no longer one (ties: the first), in text order."""
    kept: DisjointSpans[Any] = DisjointSpans()
    for start, end, value in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        kept.add(start, end, value)
    return list(kept)


def _prefiltered(rule: Rule) -> Prefiltered:
    """The compiled pattern of a measurement entry with its ``metadata.scan`` prefilter."""
    return Prefiltered(re.compile(rule.pattern), rule.metadata["scan"])


class MeasureExtractor:
    """Finds ROM degree values and strength grades in a text."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.rom_rules = [(r, _prefiltered(r)) for r in lexicon.of("ROM")]
        self.numbers: dict[str, int] = {}
        for rule in lexicon.of("ROM_NUMBER"):
            self.numbers.update(rule.metadata["numbers"])
        motions = [w for r in lexicon.of("ROM_MOTION") for w in r.metadata["words"]]
        joints = [w for r in lexicon.of("ROM_MOTION") for w in r.metadata["joints"]]
        joint = "|".join(sorted(map(re.escape, joints), key=len, reverse=True))
        motion = "|".join(sorted(map(re.escape, motions), key=len, reverse=True))
        self.motion_re = re.compile(
            rf"(?<![A-Za-z])(?:(?:{joint})\s+)?(?:{motion})(?![A-Za-z])", re.IGNORECASE
        )
        self.frames = RomFrames(lexicon.of("ROM_FRAME"))
        motion_words = _words_regex([w for r in lexicon.of("ROM_FRAME")
                                     if r.metadata["role"] == "motion" and not r.metadata.get("after")
                                     for w in r.metadata["words"]])
        self.jaw_rules = [_prefiltered(r) for r in lexicon.of("ROM_MM")]
        self.strength_rules = [(r, _prefiltered(r)) for r in lexicon.of("STRENGTH")]
        contexts = lexicon.of("STRENGTH_CONTEXT")
        self.strength_context = [(_words_regex(r.metadata["words"]), r.metadata["window"])
                                 for r in contexts if r.metadata.get("strength", "strong") == "strong"]
        self.strength_regions = [(_words_regex(r.metadata["words"]), r.metadata["window"])
                                 for r in contexts if r.metadata.get("strength") == "region"]
        self.tables = RomTables(lexicon.of("ROM_FRAME"),
                                lambda label: motion_words.search(label) is not None)
        prefix = r"[\s,:]*(?:(?:in|of|at|on|with)\s+)?(?:the\s+)?"
        self.strength_after, self.region_after = (
            _frame_regex([w for r in contexts if r.metadata.get("strength") == role
                          for w in r.metadata["words"]], prefix=prefix)
            for role in ("after", "region_after"))
        self.strength_exclude = [(_words_regex(r.metadata["words"]), r.metadata["window"])
                                 for r in lexicon.of("STRENGTH_EXCLUDE")
                                 if not r.metadata.get("absolute") and not r.metadata.get("after")]
        self.exclude_after = _frame_regex(
            [w for r in lexicon.of("STRENGTH_EXCLUDE") if r.metadata.get("after")
             for w in r.metadata["words"]], prefix=r"[\s,:]*(?:(?:at|in|of)\s+)?(?:the\s+)?")
        self.strength_veto = [(_words_regex(r.metadata["words"]), r.metadata["window"])
                              for r in lexicon.of("STRENGTH_EXCLUDE") if r.metadata.get("absolute")]

    # -- ROM -------------------------------------------------------------
    def _degrees(self, match: re.Match[str]) -> float | None:
        groups = match.groupdict()
        if groups.get("zero"):
            return 0
        if groups.get("word"):
            return self.numbers.get(groups["word"].lower())
        value = int(groups["deg"])
        if groups.get("neg"):
            value = -value
        return value if -180 <= value <= 360 else None

    def _motion(self, text: str, start: int, value_start: int, end: int,
                floor: int) -> tuple[str | None, int]:
        """The motion named just before the value (or just after, 'of flexion')."""
        clause = max(_clause_start(text, value_start, 45), floor)
        best = None
        for match in self.motion_re.finditer(text, clause, value_start):
            best = match
        if best is not None:
            return best.group(), best.start()
        after = re.match(r"\s*(?:of\s+)?", text[end : end + 4])
        offset = end + (after.end() if after else 0)
        following = self.motion_re.match(text, offset, offset + 30)
        if following:
            return following.group(), start
        return None, start

    def rom(self, text: str, words: NoteChars | None = None,
            sections: Sections | None = None) -> list[Measure]:
        """Every ROM degree value of ``text`` (``words``: its word starts, if known;
        ``sections``: its sections, if known) that :class:`RomFrames` takes as a patient's."""
        words = words or NoteChars(text)
        candidates = []
        for rule, regex in self.rom_rules:
            for match in regex.finditer(text, words):
                value = self._degrees(match)
                if value is None:
                    continue
                value_start = next(match.start(g) for g in ("neg", "deg", "word", "zero")
                                   if g in match.re.groupindex and match.start(g) >= 0)
                arc = None
                if match.re.groupindex.get("from") and match.group("from") is not None:
                    arc = (int(match.group("from").replace("\u2212", "-")), value)
                # a rule whose match ends with its motion ("126 flexion") has its frame inside
                end = match.end("deg") if rule.metadata.get("motion_in_match") else match.end()
                candidates.append((match.start(), match.end(), (value, value_start, arc, end)))
        found: list[Measure] = []
        floor = 0
        tables = {start: (end, value, label) for start, end, value, label in self.tables.values(text)
                  if not sections or sections.at(start) not in {"goals", "procedure", "plan"}}
        # a table's own reading outweighs a regular expression's over the same characters
        candidates = [c for c in candidates
                      if not any(c[0] < end and start < c[1] for start, (end, _, _) in tables.items())]
        candidates += [(start, end, (value, start, None, end)) for start, (end, value, _) in tables.items()]
        for start, end, (value, value_start, arc, value_end) in _keep_longest(candidates):
            if start in tables and tables[start][0] == end:
                found.append(Measure(start, end, value, tables[start][2]))  # its row names the motion
                floor = end
                continue
            section = sections.at(start) if sections else None
            section_start = sections.start_of(start) if sections else 0
            if section == "goals" or not self.frames.governs(
                    text, value_start, value_end, section, section_start, floor or -1):
                continue
            motion, span_start = self._motion(text, start, value_start, end, floor)
            found.append(Measure(min(span_start, start), end, value, motion, arc))
            floor = end
        return found

    def jaw(self, text: str, words: NoteChars | None = None) -> list[Measure]:
        """Interincisal (mouth) openings in millimetres: the jaw's range of motion."""
        words = words or NoteChars(text)
        found = [(m.start(), m.end(), int(m.group("mm"))) for rx in self.jaw_rules
                 for m in rx.finditer(text, words)]
        return [Measure(start, end, value, "interincisal opening")
                for start, end, value in _keep_longest(found)]

    # -- strength --------------------------------------------------------
    def _strength_frame_ok(self, text: str, start: int, end: int, rule: Rule,
                           muscles: list[tuple[int, int]]) -> bool:
        """Whether a strength frame governs the grade at ``text[start:end]``.

        The nearest frame before it in its clause decides first: an excluding word
        (reflex, pulse, murmur...) nearer than any strength word or muscle makes it no
        grade; a strength word or muscle makes it one. Else a strength word, joint,
        motion or muscle just after it frames it ("4/4 strength", "5/4 @ elbow"). A body
        region before or after it ("BUE", "throughout") frames it only where no
        excluding word stands in its clause, and never a signed bare grade.
        """
        if any(_last_hit(rx, text, _clause_start(text, start, w), start) >= 0
               for rx, w in self.strength_veto) or self.exclude_after.match(text, end, end + 25):
            return False
        clause = _clause_start(text, start, 80)
        strong = max((_last_hit(rx, text, _clause_start(text, start, w), start)
                      for rx, w in self.strength_context), default=-1)
        # the muscles (sorted by start) whose span lies in the clause before the grade
        first, last = bisect_left(muscles, (clause,)), bisect_left(muscles, (start,))
        strong = max([strong, *(m for m, m_end in muscles[first:last] if m_end <= start)])
        exclude = max((_last_hit(rx, text, _clause_start(text, start, w), start)
                       for rx, w in self.strength_exclude), default=-1)
        if exclude > strong:
            return False
        after = bisect_left(muscles, (end,))
        if strong >= 0 or self.strength_after.match(text, end, end + 25) or (
                after < len(muscles) and muscles[after][0] <= end + 25):
            return True
        if exclude >= 0 or rule.metadata.get("strong_context"):
            return False
        return bool(self.region_after.match(text, end, end + 25)) or any(
            _last_hit(rx, text, _clause_start(text, start, w), start) >= 0
            for rx, w in self.strength_regions)

    @staticmethod
    def _grade(digit: str, modifier: str | None, sign: str | None = None) -> str:
        """``<digit><+|-|>/5``; a sign written before the digit is its modifier ("+2/5" is
        2+/5, "-5/5" is 5-/5), except a plus before the top grade ("+5/5" is 5/5)."""
        if not modifier and sign == "+" and digit == "5":
            sign = None
        mark = (modifier or sign or "").strip().lower()
        mark = {"plus": "+", "minus": "-"}.get(mark, mark)
        return f"{digit}{mark}/5"

    def strength(self, text: str, words: NoteChars | None = None,
                 muscles: list[tuple[int, int]] | None = None,
                 sections: Sections | None = None) -> list[Measure]:
        """Every manual-muscle-test grade of ``text`` (two for a right/left pair);
        ``muscles``: the character spans of the muscles named in it, if known;
        ``sections``: its sections, if known (a goal is a target, not a grade)."""
        words = words or NoteChars(text)
        muscles = sorted(muscles or [])
        candidates = []
        for rule, regex in self.strength_rules:
            for match in regex.finditer(text, words):
                groups = match.groupdict()
                side = rule.metadata.get("side_before")
                if side and not re.search(side, text[max(0, match.start() - 8):match.start()]):
                    continue
                section = sections.at(match.start()) if sections else None
                if section in {"goals", "reflexes"}:
                    continue  # a target, or a reflex, pulse or sensory list
                if not self._strength_frame_ok(text, match.start(), match.end(), rule, muscles):
                    continue
                digit = groups.get("g") or str(_GRADE_WORDS[groups["gw"].lower()])
                grades = [self._grade(digit, groups.get("m"), groups.get("pre"))]
                if rule.metadata.get("pair"):
                    signed = any(groups.get(k) for k in ("m", "m2", "pre", "pre2"))
                    if not signed and groups["g"] < groups["g2"]:
                        continue  # "2/4": a score out of 4, not two grades
                    grades.append(self._grade(groups["g2"], groups.get("m2"), groups.get("pre2")))
                candidates.append((match.start(), match.end(), grades))
        found = []
        for start, end, grades in _keep_longest(candidates):
            end = start + len(text[start:end].rstrip())
            found.extend(Measure(start, end, grade) for grade in grades)
        return found


class MeasureComponent(BatchedPipe):
    """Stores ``doc._.notelint_rom`` and ``doc._.notelint_strength``; its rules are read
    from ``patterns/`` on first use (``to_disk`` saves no copy of them)."""

    def __init__(self, rules: list[Rule] | None = None) -> None:
        self.rules = rules
        self._extractor: MeasureExtractor | None = None
        for attr in ("notelint_rom", "notelint_strength", "notelint_jaw"):
            if not Doc.has_extension(attr):
                Doc.set_extension(attr, default=None)

    @property
    def extractor(self) -> MeasureExtractor:
        """The extractor, built on first use from the rules (default: ``patterns/``)."""
        if self._extractor is None:
            if self.rules is None:
                self.rules = load_lexicon().measures
            self._extractor = MeasureExtractor(Lexicon([], [], self.rules, {}, {}))
        return self._extractor

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        words = NoteChars(text)
        sections = getattr(doc._, "notelint_sections", None)
        doc._.notelint_rom = self.extractor.rom(text, words, sections)
        doc._.notelint_jaw = self.extractor.jaw(text, words)
        muscle = doc.vocab.strings["MUSCLE"]
        muscles = [(s.start_char, s.end_char) for s in doc.spans.get(ANATOMY, ()) if s.label == muscle]
        doc._.notelint_strength = self.extractor.strength(text, words, muscles, sections)
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)  # the rules stay in patterns/ only

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "MeasureComponent":
        self.rules, self._extractor = None, None  # read from patterns/ on first use
        return self


@Language.factory("notelint_measures")
def make_measures(nlp: Language, name: str) -> MeasureComponent:
    """spaCy factory of :class:`MeasureComponent` (rules from ``patterns/`` or ``from_disk``)."""
    return MeasureComponent()
