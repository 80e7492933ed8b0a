"""Range-of-motion degrees and manual-muscle-test grades (the ``notelint_measures`` component).

Values are read with the regular expressions of ``patterns/rom.jsonl`` and
``patterns/strength.jsonl`` straight from ``doc.text``, so every span indexes
the original note. Named groups carry the value (``deg``, ``neg``, ``word``,
``zero`` for ROM; ``g``, ``m``, ``g2``, ``m2`` for grades); the exclusion and
context word lists of the same files decide what is not a measurement
(temperatures, Cobb angles, reflexes, pain scores).
"""


import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from notelint.batching import BatchedPipe
from notelint.doctext import doc_text
from notelint.lexicon import Lexicon, Rule, load_lexicon
from notelint.regexscan import AnchoredRegex, WordStarts

_CLAUSE_BREAK = re.compile(r"[\n;]|\.\s|,(?=[A-Z ]*[A-Z]:)")


@dataclass(frozen=True)
class Measure:
    """One ROM value or strength grade found in a note."""

    start: int
    end: int
    value: Any
    motion: str | None = None


def _words_regex(words: list[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(w) for w in words), key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(alternatives) + r")(?![A-Za-z])", re.IGNORECASE)


def _clause_start(text: str, position: int, window: int) -> int:
    start = max(0, position - window)
    for match in _CLAUSE_BREAK.finditer(text, start, position):
        start = match.end()
    return start


def _last_hit(regex: re.Pattern[str], text: str, start: int, end: int) -> int:
    """Offset of the last match of ``regex`` in ``text[start:end]``, or -1."""
    last = -1
    for match in regex.finditer(text, start, end):
        last = match.start()
    return last


def _keep_longest(candidates: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    kept: list[tuple[int, int, Any]] = []
    for cand in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        if all(cand[1] <= k[0] or cand[0] >= k[1] for k in kept):
            kept.append(cand)
    return sorted(kept, key=lambda c: c[0])


class MeasureExtractor:
    """Finds ROM degree values and strength grades in a text."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.rom_rules = [(r, AnchoredRegex(re.compile(r.pattern))) for r in lexicon.of("ROM")]
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
        self.rom_exclude = [(_words_regex(r.metadata["words"]), r.metadata["window"])
                            for r in lexicon.of("ROM_EXCLUDE")]
        self.strength_rules = [(r, AnchoredRegex(re.compile(r.pattern))) for r in lexicon.of("STRENGTH")]
        self.strength_context = [(_words_regex(r.metadata["words"]), r.metadata["window"])
                                 for r in lexicon.of("STRENGTH_CONTEXT")]
        self.strength_exclude = [(_words_regex(r.metadata["words"]), r.metadata["window"])
                                 for r in lexicon.of("STRENGTH_EXCLUDE")
                                 if not r.metadata.get("absolute")]
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

    def _excluded(self, text: str, start: int) -> bool:
        for regex, window in self.rom_exclude:
            if _last_hit(regex, text, _clause_start(text, start, window), start) >= 0:
                return True
        return False

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

    def rom(self, text: str, words: WordStarts | None = None) -> list[Measure]:
        """Every ROM degree value of ``text`` (``words``: its word starts, if known)."""
        words = words or WordStarts(text)
        candidates = []
        for _rule, regex in self.rom_rules:
            for match in regex.finditer(text, words):
                value = self._degrees(match)
                if value is None:
                    continue
                value_start = next(match.start(g) for g in ("neg", "deg", "word", "zero")
                                   if g in match.re.groupindex and match.start(g) >= 0)
                candidates.append((match.start(), match.end(), (value, value_start)))
        found: list[Measure] = []
        floor = 0
        for start, end, (value, value_start) in _keep_longest(candidates):
            if self._excluded(text, start):
                continue
            motion, span_start = self._motion(text, start, value_start, end, floor)
            found.append(Measure(min(span_start, start), end, value, motion))
            floor = end
        return found

    # -- strength --------------------------------------------------------
    def _strength_context_ok(self, text: str, start: int, rule: Rule) -> bool:
        if any(_last_hit(rx, text, _clause_start(text, start, w), start) >= 0
               for rx, w in self.strength_veto):
            return False
        context = max((_last_hit(rx, text, _clause_start(text, start, w), start)
                       for rx, w in self.strength_context), default=-1)
        exclude = max((_last_hit(rx, text, _clause_start(text, start, w), start)
                       for rx, w in self.strength_exclude), default=-1)
        if rule.metadata.get("needs_context"):
            return context >= 0 and context > exclude
        return exclude < 0 or context > exclude

    @staticmethod
    def _grade(digit: str, modifier: str | None) -> str:
        sign = (modifier or "").strip().lower()
        sign = {"plus": "+", "minus": "-"}.get(sign, sign)
        return f"{digit}{sign}/5"

    def strength(self, text: str, words: WordStarts | None = None) -> list[Measure]:
        """Every manual-muscle-test grade of ``text`` (two for a right/left pair)."""
        words = words or WordStarts(text)
        candidates = []
        for rule, regex in self.strength_rules:
            for match in regex.finditer(text, words):
                if not self._strength_context_ok(text, match.start(), rule):
                    continue
                grades = [self._grade(match.group("g"), match.groupdict().get("m"))]
                if rule.metadata.get("needs_modifier_or_difference") and not (
                        match.group("m") or match.group("m2") or match.group("g") != match.group("g2")):
                    continue
                if rule.metadata.get("pair"):
                    grades.append(self._grade(match.group("g2"), match.groupdict().get("m2")))
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
        for attr in ("notelint_rom", "notelint_strength"):
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
        words = WordStarts(text)
        doc._.notelint_rom = self.extractor.rom(text, words)
        doc._.notelint_strength = self.extractor.strength(text, words)
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
