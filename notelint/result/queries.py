"""Provider queries: the questions a CDI specialist sends the provider, drafted from a result.

A finding tells the coder what is missing; only the provider can add it, and in chart
review that happens through a query. :func:`draft` reads a result's findings and
evidence (never the pipeline) and writes one query per open question, grouped so that
one question covers every finding it would settle (NL101, NL102 and NL201 about one
contracture are one muscle-and-side question).

Each query follows the AHIMA/ACDIS "Guidelines for Achieving a Compliant Query
Practice" (2022 update):

- its clinical indicators are quoted verbatim from this note, at their offsets;
- it is open-ended, or multiple choice whose options are each supported by evidence in
  the note, plus "Other (please specify)" and "Clinically undetermined";
- it is non-leading: options in a fixed order, no code numbers and nothing about
  payment in what the provider reads; the coder-facing ``reason`` may name codes;
- one question per query.

The kinds, their questions (templates with named slots), option wordings and terms are
data in ``patterns/queries.jsonl``, validated when loaded: a bad entry is a
:class:`~notelint.errors.PatternError` naming the file and line.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from notelint.errors import PatternError
from notelint.lexicon import Rule, load_file, patterns_dir
from notelint.nlp.normalize import LineIndex
from notelint.nlp.sections import Sections
from notelint.nlp.sentences import headers

Result = dict[str, Any]
Query = dict[str, Any]

QUERY_FILE = "queries.jsonl"
CATEGORIES = ("QUERY", "QUERY_OPTION", "QUERY_TERM")
# the slots a question or an option may name, and those of the coder-facing reason
QUESTION_SLOTS = frozenset({"section", "subject", "site", "study", "state", "status", "side_a",
                            "side_b", "section_a", "section_b", "site_a", "site_b", "muscles",
                            "joint", "cause"})
REASON_SLOTS = frozenset({"rules", "claimed", "suggested", "site", "state", "status"})
QUESTION_FORMS = ("open", "open_side", "choice")
OPTION_SETS = ("none", "basis", "spasm", "status", "conflict_side", "conflict_site", "causes")
# the option values each set must word (the builders ask for them by value)
OPTION_VALUES: dict[str, frozenset[str]] = {
    "basis": frozenset({"muscle", "joint", "spasm", "neural"}),
    "spasm": frozenset({"spasm", "shortening"}),
    "status": frozenset({"present", "historical", "hypothetical", "uncertain"}),
    "conflict_side": frozenset({"a", "b", "both"}),
    "conflict_site": frozenset({"a", "b", "both"}),
    "causes": frozenset({"cause"}),
    "generic": frozenset({"other", "undetermined"}),
}
QUERY_KEYS = frozenset({"triggers", "resolves", "questions", "options", "indicators", "reason",
                        "source"})
EVIDENCE_NAMES = ("contractures", "muscles", "rom", "strength", "function", "myogenic",
                  "arthrogenic", "spasm", "neural", "studies", "causes", "excluded", "sides",
                  "jaw_opening")
OTHER, UNDETERMINED = "other", "undetermined"
# a code number, which the provider-facing text never holds: "M62.451", "M62", "I69.-"
CODE_NUMBER = re.compile(r"(?<![A-Za-z0-9])[A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z-]{0,4})?(?![A-Za-z0-9])")
# the end of a clause, for quoting an indicator with the words around it
# (a period inside a code or a number, "M24.541", "2.5", or a colon before a digit, "10:30",
# does not)
_CLAUSE_END = re.compile(r"[;()\[\]|\n\r\u2028\u2029]|(?<![0-9A-Za-z])\.|\.(?![0-9A-Za-z])|:(?![0-9])")
_PHRASE_END = re.compile(r"[;,()\[\]|\n\r\u2028\u2029]|(?<![0-9A-Za-z])\.|\.(?![0-9A-Za-z])|:(?![0-9])")
_CLAUSE_MAX = 160
_PER_LIST = 2  # indicators quoted from each evidence list
_NOT_FINDING_SECTIONS = frozenset({"plan", "goals", "consent"})


@dataclass(frozen=True)
class Kind:
    """One query kind of ``patterns/queries.jsonl``."""

    name: str
    triggers: tuple[str, ...]
    resolves: tuple[str, ...]
    questions: dict[str, str]
    options: str
    indicators: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Option:
    """One option wording: its set (the query kind's ``options``), its value and the evidence
    lists whose items support it."""

    text: str
    set: str
    value: str
    supported_by: tuple[str, ...]


@dataclass(frozen=True)
class Templates:
    """Every validated entry of ``patterns/queries.jsonl``."""

    kinds: dict[str, Kind]
    options: list[Option]
    terms: dict[str, dict[str, str]]

    def option(self, option_set: str, value: str) -> Option:
        return next(o for o in self.options if o.set == option_set and o.value == value)

    def generic(self) -> list[str]:
        """'Other (please specify)' and 'Clinically undetermined', as the data words them."""
        return [self.option("generic", OTHER).text, self.option("generic", UNDETERMINED).text]

    def term(self, name: str, key: str) -> str:
        return self.terms[name].get(key, key.replace("_", " "))


def _slots(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"bad template {template!r} ({exc})") from None


def _provider_text(rule: Rule, text: str, what: str) -> None:
    """What the provider reads: only known slots, no code number."""
    try:
        unknown = _slots(text) - QUESTION_SLOTS
    except ValueError as exc:
        raise PatternError(rule.path, rule.line, f"{what}: {exc}") from None
    if unknown:
        raise PatternError(rule.path, rule.line, f"{what}: unknown slot(s) {sorted(unknown)}; "
                                                 f"allowed: {sorted(QUESTION_SLOTS)}")
    if CODE_NUMBER.search(text):
        raise PatternError(rule.path, rule.line, f"{what}: a code number in what the provider reads")


def _kind(rule: Rule, rule_codes: Iterable[str]) -> Kind:
    meta = rule.metadata

    def fail(problem: str) -> None:
        raise PatternError(rule.path, rule.line, problem)

    unknown = set(meta) - QUERY_KEYS
    if unknown:
        fail(f"unknown metadata key(s) {sorted(unknown)}; allowed: {sorted(QUERY_KEYS)}")
    known = set(rule_codes)
    for key in ("triggers", "resolves"):
        value = meta.get(key)
        if not isinstance(value, list) or any(code not in known for code in value):
            fail(f"'metadata.{key}' must be a list of rule codes (NL101 ...)")
    questions = meta.get("questions")
    if not isinstance(questions, dict) or not questions:
        fail("'metadata.questions' must be an object of question templates")
    for form, question in questions.items():
        if form not in QUESTION_FORMS:
            fail(f"unknown question form {form!r}; one of {list(QUESTION_FORMS)}")
        if not isinstance(question, str) or question.count("?") != 1 or not question.endswith("?"):
            fail(f"question {form!r} must be one question: a string with one '?', at its end")
        _provider_text(rule, question, f"question {form!r}")
    options = meta.get("options")
    if options not in OPTION_SETS:
        fail(f"unknown options {options!r}; one of {list(OPTION_SETS)}")
    if options != "none" and "choice" not in questions:
        fail("a query with options needs a 'choice' question")
    if options == "none" and "open" not in questions:
        fail("an open-ended query needs an 'open' question")
    indicators = meta.get("indicators")
    if not isinstance(indicators, list) or any(i not in EVIDENCE_NAMES for i in indicators):
        fail(f"'metadata.indicators' must list evidence names, each one of {list(EVIDENCE_NAMES)}")
    reason = meta.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        fail("'metadata.reason' must be a non-empty string")
    try:
        unknown_slots = _slots(reason) - REASON_SLOTS
    except ValueError as exc:
        raise PatternError(rule.path, rule.line, f"reason: {exc}") from None
    if unknown_slots:
        fail(f"reason: unknown slot(s) {sorted(unknown_slots)}; allowed: {sorted(REASON_SLOTS)}")
    return Kind(rule.literal, tuple(meta["triggers"]), tuple(meta["resolves"]), dict(questions),
                options, tuple(indicators), reason)


def _option(rule: Rule) -> Option:
    meta = rule.metadata
    if meta.get("set") not in (*OPTION_SETS[1:], "generic"):
        raise PatternError(rule.path, rule.line, f"unknown option set {meta.get('set')!r}")
    allowed = sorted(OPTION_VALUES[meta["set"]])
    if meta.get("value") not in allowed:
        raise PatternError(rule.path, rule.line, f"unknown value {meta.get('value')!r} of option "
                                                 f"set {meta['set']!r}; one of {allowed}")
    supported = meta.get("supported_by")
    if not isinstance(supported, list) or any(s not in EVIDENCE_NAMES for s in supported):
        raise PatternError(rule.path, rule.line, "'metadata.supported_by' must list evidence names")
    if meta["set"] != "generic" and not supported:
        raise PatternError(rule.path, rule.line, "an option must name the evidence that supports it")
    _provider_text(rule, rule.literal, "option")
    return Option(rule.literal, meta["set"], meta["value"], tuple(supported))


def load_templates(folder: Path | None = None) -> Templates:
    """Load and validate ``queries.jsonl`` of ``folder`` (default: the packaged patterns)."""
    from notelint.rules import RULES

    path = (folder or patterns_dir()) / QUERY_FILE
    kinds: dict[str, Kind] = {}
    options: list[Option] = []
    terms: dict[str, dict[str, str]] = {}
    for rule in load_file(path, CATEGORIES):
        if rule.category == "QUERY":
            if rule.literal in kinds:
                raise PatternError(rule.path, rule.line, f"query kind {rule.literal!r} twice")
            kinds[rule.literal] = _kind(rule, RULES)
        elif rule.category == "QUERY_OPTION":
            options.append(_option(rule))
        else:
            words = rule.metadata.get("words")
            if not isinstance(words, dict) or not all(isinstance(v, str) and v for v in words.values()):
                raise PatternError(rule.path, rule.line, "'metadata.words' must map keys to words")
            for value in words.values():
                _provider_text(rule, value, "term")
            terms[rule.literal] = dict(words)
    sets = {o.set for o in options}
    for kind in kinds.values():
        if kind.options != "none" and kind.options not in sets:
            raise PatternError(str(path), None, f"query kind {kind.name!r}: no options of set "
                                                f"{kind.options!r}")
    values = {(o.set, o.value) for o in options}
    for option_set, needed in OPTION_VALUES.items():
        missing = sorted(v for v in needed if (option_set, v) not in values)
        if missing and (option_set == "generic" or option_set in sets):
            raise PatternError(str(path), None, f"option set {option_set!r} lacks the value(s) {missing}")
    for name in ("section", "study", "site", "status", "joint", "state"):
        if name not in terms:
            raise PatternError(str(path), None, f"the QUERY_TERM {name!r} is missing")
    return Templates(kinds, options, terms)


@cache
def templates() -> Templates:
    """The packaged query templates, loaded once."""
    return load_templates()


# --- reading a result --------------------------------------------------------------------------

@dataclass
class _Note:
    """One result and its note's text, as the query builders read them."""

    result: Result
    text: str
    lines: LineIndex = field(init=False)
    sections: Sections = field(init=False)
    used: set[int] = field(default_factory=set)  # findings already settled by a query
    _muscles: dict[int, dict[str, Any]] = field(init=False)
    _affirmed: dict[str, list[dict[str, Any]]] = field(init=False)

    def __post_init__(self) -> None:

        self.lines = LineIndex(self.text)
        self.sections = Sections.from_headers(headers(self.text))
        self._muscles = {m["start"]: m for m in self.evidence["muscles"]}
        self._affirmed = {}

    @property
    def evidence(self) -> dict[str, list[dict[str, Any]]]:
        return self.result["evidence"]

    def affirmed(self, name: str) -> list[dict[str, Any]]:
        """Affirmed items of an evidence list; a muscle named in the plan, the goals or a
        consent is a treatment's target, not an indicator."""
        found = self._affirmed.get(name)
        if found is None:
            found = [i for i in self.evidence.get(name, []) if i.get("status", "affirmed") == "affirmed"
                     and not (name == "muscles"
                              and self.sections.at(i["start"]) in _NOT_FINDING_SECTIONS)]
            self._affirmed[name] = found
        return found

    def fired(self, *rules: str) -> list[int]:
        """Indices of the unsettled findings of ``rules``."""
        return [i for i, f in enumerate(self.result["findings"])
                if f["rule"] in rules and i not in self.used]

    def routed(self) -> bool:
        """Whether a routing finding (NL302-NL307) sends the condition away from M62.4-."""
        from notelint.rules.registry import ROUTING

        return any(f["rule"] in ROUTING for f in self.result["findings"])

    def finding(self, index: int) -> dict[str, Any]:
        return self.result["findings"][index]

    def section(self, offset: int) -> str:
        return templates().term("section", self.sections.at(offset))

    def muscle_at(self, start: int) -> dict[str, Any] | None:
        return self._muscles.get(start)

    def contractures(self) -> list[dict[str, Any]]:
        """Affirmed contracture mentions of a muscle (or of no tissue named)."""
        return [c for c in self.affirmed("contractures") if c["kind"] in {"muscle", "unknown"}]

    def main_contracture(self) -> dict[str, Any] | None:
        """The mention a question points at: the assessment's, else the first."""
        found = self.contractures()
        in_assessment = [c for c in found if self.sections.at(c["start"]) == "assessment"]
        return (in_assessment or found or [None])[0]

    def linked_muscles(self, contractures: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The muscles the contractures concern (not one classified elsewhere), once each, in
        text order. In a long note every mention may list the same muscles: their union is
        taken in C, so the cost stays proportional to the muscles, not to the lists."""
        starts: set[int] = set().union(*(c.get("muscles", ()) for c in contractures))
        found = (self._muscles.get(start) for start in sorted(starts))
        return [m for m in found if m and not m.get("classified_elsewhere")]

    def muscles_of(self, contracture: dict[str, Any] | None) -> list[str]:
        """The muscles a contracture concerns, each in the note's own words (lower case) at
        its first mention, in order, once each."""
        words: dict[str, str] = {}
        for muscle in self.linked_muscles([contracture] if contracture else []):
            words.setdefault(muscle.get("muscle") or muscle["text"], words_of(muscle))
        return list(words.values())

    def clause(self, item: dict[str, Any]) -> dict[str, Any]:
        """The indicator of an evidence item: its clause, verbatim, at original offsets (less
        a code written beside the item); its phrase (up to commas) when the clause is long,
        the item alone when that is too."""
        start, end = item["start"], item["end"]
        c_start, c_end = start, end
        for ends in (_CLAUSE_END, _PHRASE_END):
            lo = max(0, start - _CLAUSE_MAX)
            before = [m.end() for m in ends.finditer(self.text, lo, start)]
            after = ends.search(self.text, end)
            a = before[-1] if before else lo
            b = after.start() if after else len(self.text)
            # a code written before or after the item is left out of the quote ("M62.459
            # hamstring contracture" quotes "hamstring contracture")
            codes = [m.span() for m in CODE_NUMBER.finditer(self.text, a, b)]
            a = max([a, *(e for _, e in codes if e <= start)])
            b = min([b, *(s for s, _ in codes if s >= end)])
            while a < start and self.text[a] in " \t-*,:\u2013\u2014\u2022":
                a += 1
            while b > end and self.text[b - 1] in " \t,:-\u2013\u2014":
                b -= 1
            if b - a <= _CLAUSE_MAX and not CODE_NUMBER.search(self.text[a:b]):
                c_start, c_end = a, b
                break
        line, column = self.lines.locate(c_start)
        return {"text": self.text[c_start:c_end], "start": c_start, "end": c_end,
                "line": line, "column": column}

    def indicators(self, items: Iterable[dict[str, Any]], limit: int = 6) -> list[dict[str, Any]]:
        """Indicators of ``items``, in text order, each clause once."""
        seen: dict[tuple[int, int], dict[str, Any]] = {}
        for item in items:
            if item["end"] <= item["start"]:
                continue
            quoted = self.clause(item)
            if CODE_NUMBER.search(quoted["text"]):
                continue
            seen.setdefault((quoted["start"], quoted["end"]), quoted)
        found = sorted(seen.values(), key=lambda i: i["start"])
        return found[:limit]

    def kind_items(self, kind: Kind, first: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
        """The items quoted for a kind: ``first``, then up to two affirmed items of each of the
        kind's evidence lists."""
        items = list(first)
        for name in kind.indicators:
            items.extend(self.affirmed(name)[:_PER_LIST])
        return items


def words_of(item: dict[str, Any]) -> str:
    """An evidence item's text as words inside a sentence: lower case, unless it is an
    abbreviation ("FDS", "SCM") written in capitals."""
    text = item["text"]
    return text if text.isupper() and len(text) <= 6 else text.lower()


def _listed(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else "".join(words)


def _codes(codes: list[str]) -> str:
    return ", ".join(codes) or "none"


def _reason(kind: Kind, note: _Note, resolved: list[int], **slots: str) -> str:
    from notelint.rules import RULES

    rules = sorted({note.finding(i)["rule"] for i in resolved})
    named = ", ".join(f"{code} {RULES[code].name}" for code in rules) or "No finding as written"
    return kind.reason.format(rules=named, claimed=_codes(note.result["claimed_codes"]),
                              suggested=_codes(note.result["suggested_codes"]), **slots)


def _query(kind: Kind, form: str, note: _Note, resolved: list[int],
           indicators: list[dict[str, Any]], options: list[str] | None = None,
           reason_slots: dict[str, str] | None = None, **slots: str) -> Query:
    note.used.update(resolved)
    return {"kind": kind.name, "question": kind.questions[form].format(**slots),
            "options": [*options, *templates().generic()] if options else [],
            "indicators": indicators,
            "resolves": sorted({note.finding(i)["rule"] for i in resolved}),
            "reason": _reason(kind, note, resolved, **(reason_slots or {}))}


def _side_word(side: str) -> str:
    return {"right": "the right", "left": "the left", "bilateral": "both sides"}.get(side, side)


# --- the builders, one per kind ------------------------------------------------------------------

def _muscle_site(kind: Kind, note: _Note) -> Iterator[Query]:
    if not note.fired(*kind.triggers):
        return
    anchor = note.main_contracture()
    # the side is asked with the muscle unless the note documents one
    ask_side = bool(note.fired("NL102")) or not any(c["laterality"] for c in note.contractures())
    resolved = note.fired(*kind.resolves)
    offset = anchor["start"] if anchor else note.finding(resolved[0])["start"]
    items = note.kind_items(kind, [anchor] if anchor else [])
    yield _query(kind, "open_side" if ask_side else "open", note, resolved,
                 note.indicators(items), section=note.section(offset))


def _side(kind: Kind, note: _Note) -> Iterator[Query]:
    for index in note.fired(*kind.triggers):
        if index in note.used:
            continue
        finding = note.finding(index)
        muscle = note.muscle_at(finding["start"])
        # NL102 points at the muscle, or at the contracture that names the site without one
        at = muscle or next((c for c in note.contractures() if c["start"] == finding["start"]), None)
        site_name = (at or {}).get("site") or next(
            (c["site"] for c in note.contractures() if c["site"]), None)
        if site_name is None:
            continue
        subject = (f"{words_of(muscle)} contracture" if muscle
                   else f"contracture of the {templates().term('site', site_name)}")
        resolved = [index]
        # a claim less specific than an unspecified-side code waits on the same answer
        resolved += [i for i in note.fired("NL201") if i not in resolved and all(
            s.endswith("9") for s in note.finding(i)["suggestions"])]
        related = [m for m in note.affirmed("muscles") if muscle and m["muscle"] == muscle["muscle"]]
        related += [c for c in note.contractures() if c["site"] == site_name]
        items = related + [i for name in ("rom",) for i in note.affirmed(name)[:_PER_LIST]]
        yield _query(kind, "open", note, resolved, note.indicators(items),
                     reason_slots={"site": templates().term("site", site_name)},
                     subject=subject, section=note.section(finding["start"]))


def _conflicts(note: _Note) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Side conflicts between sections: the same muscle (or contracture site) documented as
    right in one section and left in another, with no section giving both and none bilateral."""
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for muscle in note.linked_muscles(note.contractures()):
        if muscle["laterality"] and muscle.get("muscle"):
            by_key.setdefault((muscle["site"], muscle["muscle"]), []).append(muscle)
    for contracture in note.contractures():  # a contracture that names no muscle: its site
        if not contracture["muscles"] and contracture["site"] and contracture["laterality"]:
            by_key.setdefault((contracture["site"], ""), []).append(contracture)
    for (site, _name), items in by_key.items():
        sides = {i["laterality"] for i in items}
        if sides != {"right", "left"}:
            continue
        per_section: dict[str, set[str]] = {}
        for item in items:
            per_section.setdefault(note.sections.at(item["start"]), set()).add(item["laterality"])
        if len(per_section) < 2 or any(len(s) > 1 for s in per_section.values()):
            continue
        first = min(items, key=lambda i: i["start"])
        second = min((i for i in items if i["laterality"] != first["laterality"]),
                     key=lambda i: i["start"])
        # the muscle in the note's words, or the site of a contracture that names none
        words = words_of(first) if first.get("muscle") else templates().term("site", site)
        yield words, first, second


def _conflicting_side(kind: Kind, note: _Note) -> Iterator[Query]:
    if note.routed():
        return  # the condition is routed away from M62.4-: its basis is the question
    for name, first, second in _conflicts(note):
        subject = name if name.endswith("contracture") else f"{name} contracture"
        side_a, side_b = first["laterality"], second["laterality"]
        options = [note_option("conflict_side", "a", side_a=side_a.capitalize()),
                   note_option("conflict_side", "b", side_b=side_b.capitalize()),
                   note_option("conflict_side", "both")]
        resolved = note.fired(*kind.resolves)
        site = next((c["site"] for c in note.contractures() if c["site"]), "")
        yield _query(kind, "choice", note, resolved, note.indicators([first, second]), options,
                     reason_slots={"site": templates().term("site", site)}, subject=subject,
                     side_a=_side_word(side_a), side_b=_side_word(side_b),
                     section_a=note.section(first["start"]), section_b=note.section(second["start"]))


def _conflicting_site(kind: Kind, note: _Note) -> Iterator[Query]:
    """A contracture whose body region or code words name a site that no muscle of the note's
    contractures is at, on the same side, in another section than those muscles."""
    if note.routed():
        return  # the condition is routed away from M62.4-: its basis is the question
    regions = [c for c in note.contractures() if not c["muscles"] and c["site"]
               and c["site_from"] in {"region", "code_text"} and c["site"] != "other"]
    named = note.linked_muscles(note.contractures())
    if not regions or not named or note.fired("NL101"):
        return
    muscle_sites = {m["site"] for m in named}
    for region in regions:
        if region["site"] in muscle_sites:
            continue
        muscle = next((m for m in named if not m["laterality"] or not region["laterality"]
                       or m["laterality"] == region["laterality"]), None)
        if muscle is None or note.sections.at(muscle["start"]) == note.sections.at(region["start"]):
            continue
        side = region["laterality"] or muscle["laterality"]
        place = f"{side} " if side and side != "bilateral" else ""
        site_a = f"{place}{templates().term('site', region['site'])}"
        site_b = f"{place}{words_of(muscle)}"
        options = [note_option("conflict_site", "a", site_a=site_a[:1].upper() + site_a[1:]),
                   note_option("conflict_site", "b", site_b=site_b[:1].upper() + site_b[1:]),
                   note_option("conflict_site", "both")]
        resolved = note.fired(*kind.resolves)
        yield _query(kind, "choice", note, resolved, note.indicators([region, muscle]), options,
                     site_a=site_a, site_b=site_b, section_a=note.section(region["start"]),
                     section_b=note.section(muscle["start"]))
        return


def note_option(option_set: str, value: str, **slots: str) -> str:
    """An option's wording with its slots filled."""
    return templates().option(option_set, value).text.format(**slots)


def _basis_options(note: _Note) -> tuple[list[str], list[dict[str, Any]]]:
    """The basis options the note's evidence supports, in the data's order, and the items
    that support them."""
    named = [c for c in note.contractures() if c["kind"] == "muscle" and c["muscles"]]
    joints = [c for c in note.affirmed("contractures") if c["kind"] == "joint"]
    found: dict[str, list[dict[str, Any]]] = {
        "muscle": note.affirmed("myogenic") + named,
        "joint": note.affirmed("arthrogenic") + joints,
        "spasm": note.affirmed("spasm"),
        "neural": note.affirmed("neural")}
    words: dict[str, str] = {}
    for muscle in note.linked_muscles(named):
        words.setdefault(muscle.get("muscle") or muscle["text"], words_of(muscle))
    muscles = list(words.values())
    joint = next((i.get("joint") for i in found["joint"] if i.get("joint")), None)
    options, items = [], []
    for option in templates().options:
        if option.set != "basis" or not found.get(option.value):
            continue
        options.append(option.text.format(
            muscles=_listed(muscles) if muscles else "muscle",
            joint=templates().term("joint", joint) if joint else "joint"))
        items.extend(found[option.value][:_PER_LIST])
    return options, items


def _basis(kind: Kind, note: _Note) -> Iterator[Query]:
    fired = note.fired(*kind.triggers)
    if not fired:
        return
    options, items = _basis_options(note)
    anchor = note.main_contracture() or (note.affirmed("contractures") or [None])[0]
    muscles = note.muscles_of(anchor)
    subject = f"{_listed(muscles)} contracture" if muscles else "contracture"
    offset = anchor["start"] if anchor else note.finding(fired[0])["start"]
    resolved = note.fired(*kind.resolves)
    if len(options) >= 2:
        yield _query(kind, "choice", note, resolved,
                     note.indicators([*([anchor] if anchor else []), *items]), options,
                     subject=subject, section=note.section(offset))
    elif "NL301" in {note.finding(i)["rule"] for i in fired} and not note.fired("NL302", "NL304"):
        yield _query(kind, "open", note, resolved, note.indicators(note.kind_items(
            kind, [anchor] if anchor else [])), subject=subject, section=note.section(offset))


def _spasm(kind: Kind, note: _Note) -> Iterator[Query]:
    fired = note.fired(*kind.triggers)
    if not fired:
        return
    spasm = note.affirmed("spasm")
    shortening = [c for c in note.evidence["contractures"]
                  if c["status"] not in {"negated", "family"} and c["kind"] != "excluded"]
    shortening += note.affirmed("myogenic")
    offset = spasm[0]["start"] if spasm else note.finding(fired[0])["start"]
    items = [*spasm[:_PER_LIST], *shortening[:_PER_LIST]]
    if spasm and shortening:
        options = [note_option("spasm", "spasm"), note_option("spasm", "shortening")]
        yield _query(kind, "choice", note, fired, note.indicators(items), options,
                     section=note.section(offset))
    else:
        yield _query(kind, "open", note, fired, note.indicators(items), section=note.section(offset))


def _multiple_sites(kind: Kind, note: _Note) -> Iterator[Query]:
    from notelint import codes

    multiple = codes.code_for("multiple", None)
    if multiple not in note.result["claimed_codes"]:
        return  # two sites documented under a single-site code: the coder's to recode
    fired = note.fired(*kind.triggers)
    if fired:
        yield _query(kind, "open", note, fired, note.indicators(note.kind_items(kind)))


def _cause(kind: Kind, note: _Note) -> Iterator[Query]:
    fired = note.fired(*kind.triggers)
    if not fired:
        return
    # causes the note raises without affirming them: "possible", "to be excluded", a risk
    raised = [c for c in note.evidence["causes"] if c["status"] in {"uncertain", "hypothetical"}
              and note.sections.at(c["start"]) not in _NOT_FINDING_SECTIONS]
    names = list(dict.fromkeys(c["cause"] for c in raised))
    if not names:
        return  # nothing to offer: an open question about an optional detail is no query
    anchor = note.main_contracture()
    muscles = note.muscles_of(anchor)
    subject = f"{_listed(muscles)} contracture" if muscles else "contracture"
    options = [note_option("causes", "cause", cause=n[:1].upper() + n[1:]) for n in names]
    offset = anchor["start"] if anchor else raised[0]["start"]
    yield _query(kind, "choice", note, fired,
                 note.indicators([*raised, *([anchor] if anchor else [])]), options,
                 subject=subject, section=note.section(offset))


# studies asked about together: EMG and nerve conduction are one electrodiagnostic study
_STUDY_FAMILY = {"EMG": "EDX", "NCS": "EDX"}


def _study_results(kind: Kind, note: _Note) -> Iterator[Query]:
    """One question per study: the NL501 findings of EMG and of nerve conduction ("EMG/NCS
    ordered") are one query, as one electrodiagnostic study."""
    by_family: dict[str, list[int]] = {}
    studies = {s["start"]: s for s in note.evidence["studies"]}
    for index in note.fired(*kind.triggers):
        study = studies.get(note.finding(index)["start"])
        if study is not None:
            family = _STUDY_FAMILY.get(study["study"], study["study"])
            by_family.setdefault(family, []).append(index)
    for indices in by_family.values():
        found = [studies[note.finding(i)["start"]] for i in indices]
        words = " and ".join(dict.fromkeys(templates().term("study", s["study"]) for s in found))
        state = found[0].get("state") or "mentioned"
        yield _query(kind, "open", note, indices, note.indicators(found),
                     reason_slots={"state": state}, study=words,
                     state=templates().term("state", state))


def _status(kind: Kind, note: _Note) -> Iterator[Query]:
    fired = note.fired(*kind.triggers)
    mentions = [c for c in note.evidence["contractures"]
                if c["status"] in {"historical", "hypothetical", "uncertain"} and c["kind"] != "excluded"]
    if not fired or not mentions:
        return  # no contracture at all, or only negated ones: the note is clear
    mention = mentions[0]
    mentions = [m for m in mentions if m["status"] == mention["status"]]  # what it asks about
    muscles = note.muscles_of(mention)
    subject = f"{_listed(muscles)} contracture" if muscles else "contracture"
    options = [note_option("status", "present"), note_option("status", mention["status"])]
    yield _query(kind, "choice", note, fired, note.indicators(mentions), options,
                 reason_slots={"status": templates().term("status", mention["status"])},
                 subject=subject, section=note.section(mention["start"]))


BUILDERS: dict[str, Callable[[Kind, _Note], Iterator[Query]]] = {
    "muscle-site": _muscle_site,
    "side": _side,
    "conflicting-side": _conflicting_side,
    "conflicting-site": _conflicting_site,
    "basis": _basis,
    "shortening-vs-spasm": _spasm,
    "multiple-sites": _multiple_sites,
    "underlying-cause": _cause,
    "study-results": _study_results,
    "contracture-status": _status,
}


def draft(result: Result, text: str) -> list[Query]:
    """The provider queries of one result (``text`` is its note): none for a note that is not
    applicable or could not be linted."""
    if result.get("error") or not result.get("applicable"):
        return []
    note = _Note(result, text)
    queries: list[Query] = []
    for name, kind in templates().kinds.items():
        builder = BUILDERS.get(name)
        if builder is None:
            raise PatternError(QUERY_FILE, None, f"query kind {name!r} has no builder")
        # a query with no clinical indicator to quote is not a compliant query: none is sent
        queries.extend(q for q in builder(kind, note) if q["indicators"])
    return queries
