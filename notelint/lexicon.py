"""Load and validate the data files of ``patterns/``.

Every file is JSON Lines shaped like medspaCy rules (``literal``, ``category``,
``pattern``, ``metadata``) or, for ConText, medspaCy's own ``context_rules``
JSON. Each entry is checked when the pipeline loads; a bad entry raises
:class:`~notelint.errors.PatternError` naming the file and line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from notelint.errors import PatternError

SITES = ("shoulder", "upper_arm", "forearm", "hand", "thigh", "lower_leg", "ankle_foot", "other")
SIDES = ("right", "left", "bilateral")
# the site axis of M62.83- (muscle spasm of back / of calf); any other spasm is M62.838
SPASM_SITES = ("back", "calf")
KINDS = ("auto", "motion", "muscle", "joint", "excluded", "unknown")
RULE_KEYS = frozenset({"literal", "category", "pattern", "metadata"})

# file name -> the categories its entries may have
CONCEPT_FILES: dict[str, tuple[str, ...]] = {
    "contractures.jsonl": ("CONTRACTURE",),
    "excluded.jsonl": ("EXCLUDED",),
    "myogenic.jsonl": ("MYOGENIC",),
    "arthrogenic.jsonl": ("ARTHROGENIC",),
    "spasm.jsonl": ("SPASM",),
    "neural.jsonl": ("NEURAL",),
    "function.jsonl": ("FUNCTION",),
    "studies.jsonl": ("STUDY", "STUDY_ORDERED", "STUDY_RESULT", "STUDY_PENDING"),
    "causes.jsonl": ("CAUSE",),
}
ANATOMY_FILES: dict[str, tuple[str, ...]] = {
    "muscles.jsonl": ("MUSCLE",),
    "laterality.jsonl": ("SIDE", "SIDE_FIELD"),
    "regions.jsonl": ("REGION", "JOINT", "LIMB"),
}
ROM_ROLES = ("motion", "joint", "exclude", "procedure", "goal", "exam", "position", "table")
SECTION_FILES: dict[str, tuple[str, ...]] = {"sections.jsonl": ("SECTION",)}
SECTION_NAMES = ("history", "past_history", "family_history", "social_history", "exam",
                 "procedure", "assessment", "plan", "goals", "studies", "consent", "reflexes", "other")
MEASURE_FILES: dict[str, tuple[str, ...]] = {
    "rom.jsonl": ("ROM", "ROM_NUMBER", "ROM_MOTION", "ROM_FRAME", "ROM_MM"),
    "strength.jsonl": ("STRENGTH", "STRENGTH_CONTEXT", "STRENGTH_EXCLUDE"),
}


@dataclass(frozen=True)
class Rule:
    """One validated entry of a pattern file."""

    literal: str
    category: str
    pattern: list[dict[str, Any]] | str | None
    metadata: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    line: int = 0

    @property
    def where(self) -> str:
        """``file:line`` of the entry, for messages."""
        return f"{self.path}:{self.line}"


def patterns_dir() -> Path:
    """The folder of the packaged pattern files."""
    return Path(str(resources.files("notelint.patterns")))


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PatternError(str(path), None, "pattern file is missing") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise PatternError(str(path), number, f"not valid JSON ({exc.msg})") from None
        if not isinstance(entry, dict):
            raise PatternError(str(path), number, "an entry must be a JSON object")
        yield number, entry


def _check_token_pattern(pattern: Any, path: str, line: int) -> None:
    if not isinstance(pattern, list) or not pattern:
        raise PatternError(path, line, "'pattern' must be a non-empty list of token dicts or a regex")
    for token in pattern:
        if not isinstance(token, dict) or not token:
            raise PatternError(path, line, "every token of 'pattern' must be a non-empty object")
        for key in token:
            if key not in {"LOWER", "ORTH", "TEXT", "OP", "IS_DIGIT", "LIKE_NUM", "IS_PUNCT"}:
                raise PatternError(path, line, f"unsupported token attribute {key!r}")


def _check_regex(pattern: str, path: str, line: int) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise PatternError(path, line, f"invalid regular expression ({exc})") from None


def load_file(path: Path, categories: tuple[str, ...]) -> list[Rule]:
    """Read one JSONL pattern file and validate every entry."""
    rules: list[Rule] = []
    name = str(path)
    for line, entry in _read_jsonl(path):
        unknown = set(entry) - RULE_KEYS
        if unknown:
            raise PatternError(name, line, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(RULE_KEYS)}")
        literal = entry.get("literal")
        if not isinstance(literal, str) or not literal.strip():
            raise PatternError(name, line, "'literal' must be a non-empty string")
        category = entry.get("category")
        if category not in categories:
            raise PatternError(name, line, f"category {category!r} is not one of {list(categories)}")
        pattern = entry.get("pattern")
        if isinstance(pattern, str):
            _check_regex(pattern, name, line)
        elif pattern is not None:
            _check_token_pattern(pattern, name, line)
        metadata = entry.get("metadata", {})
        if not isinstance(metadata, dict):
            raise PatternError(name, line, "'metadata' must be an object")
        rule = Rule(literal, category, pattern, metadata, name, line)
        _check_metadata(rule)
        rules.append(rule)
    return rules


SCAN_KEYS = frozenset({"first", "ignore_case", "word_start", "begins", "not_after", "requires"})


def _one_character_class(value: Any) -> bool:
    if not isinstance(value, str) or not (value.startswith("[") and value.endswith("]")):
        return False
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def _scan_problem(scan: Any) -> str | None:
    """Why a measurement entry's prefilter is malformed, or None (``notelint.nlp.prefilter``)."""
    if not isinstance(scan, dict):
        return "is missing: a measurement pattern needs its prefilter"
    if unknown := set(scan) - SCAN_KEYS:
        return f"has unknown key(s) {sorted(unknown)}; allowed: {sorted(SCAN_KEYS)}"
    if not _one_character_class(scan.get("first")):
        return "needs 'first', a character class such as \"[-+0-5]\""
    if "not_after" in scan and not _one_character_class(scan["not_after"]):
        return "'not_after' must be a character class"
    if any(not isinstance(scan.get(k, False), bool) for k in ("ignore_case", "word_start")):
        return "'ignore_case' and 'word_start' must be true or false"
    begins = scan.get("begins", [])
    if not isinstance(begins, list) or any(not isinstance(b, str) or len(b) != 2 for b in begins):
        return "'begins' must be a list of two-character strings"
    requires = scan.get("requires", [])
    if not isinstance(requires, list) or any(
            not isinstance(group, list) or not group or any(not isinstance(s, str) or not s for s in group)
            for group in requires):
        return "'requires' must be a list of non-empty lists of non-empty strings"
    return None


# The metadata keys each category may have (besides COMMON_KEYS): a misspelt key ("rol",
# "category_cod") is a load error naming the file and line, not a KeyError on every note.
COMMON_KEYS = frozenset({"source", "note", "not_after", "not_before"})
METADATA_KEYS: dict[str, frozenset[str]] = {
    "MUSCLE": frozenset({"site", "synonyms", "reason", "spasm_site", "classified_elsewhere"}),
    "SIDE": frozenset({"side"}),
    "SIDE_FIELD": frozenset(),
    "REGION": frozenset({"site", "words", "spasm_site"}),
    "JOINT": frozenset({"sites", "words", "code_word"}),
    "LIMB": frozenset({"sites", "words"}),
    "CONTRACTURE": frozenset({"kind", "code_text", "category_code", "condition", "relation"}),
    "EXCLUDED": frozenset({"category_code", "condition", "relation"}),
    "MYOGENIC": frozenset({"shortening", "needs_muscle", "position", "min_difference"}),
    "ARTHROGENIC": frozenset({"disease"}),
    "SPASM": frozenset({"category_code", "spasm_site"}),
    "NEURAL": frozenset(),
    "FUNCTION": frozenset({"role"}),
    "STUDY": frozenset({"study"}),
    "STUDY_ORDERED": frozenset(),
    "STUDY_RESULT": frozenset(),
    "STUDY_PENDING": frozenset(),
    "CAUSE": frozenset({"cause", "category_code", "category_name", "code_prefixes", "deficit",
                        "by_place", "place"}),
    "SECTION": frozenset({"section", "titles", "run_on_titles"}),
    "ROM": frozenset({"value", "scan", "motion_in_match"}),
    "ROM_MM": frozenset({"value", "scan"}),
    "ROM_NUMBER": frozenset({"numbers"}),
    "ROM_MOTION": frozenset({"words", "joints"}),
    "ROM_FRAME": frozenset({"role", "window", "words", "after", "not_rows"}),
    "STRENGTH": frozenset({"value", "scan", "needs_context", "strong_context", "side_before", "pair"}),
    "STRENGTH_CONTEXT": frozenset({"window", "words", "strength"}),
    "STRENGTH_EXCLUDE": frozenset({"window", "words", "absolute", "after"}),
    # patterns/queries.jsonl (checked further by notelint.result.queries.load_templates)
    "QUERY": frozenset({"triggers", "resolves", "questions", "options", "indicators", "reason"}),
    "QUERY_OPTION": frozenset({"set", "value", "supported_by"}),
    "QUERY_TERM": frozenset({"words"}),
}


def _check_metadata(rule: Rule) -> None:
    meta = rule.metadata

    def fail(problem: str) -> None:
        raise PatternError(rule.path, rule.line, problem)

    allowed = COMMON_KEYS | METADATA_KEYS.get(rule.category, frozenset())
    if unknown := sorted(set(meta) - allowed):
        fail(f"unknown metadata key(s) {unknown} for a {rule.category}; allowed: {sorted(allowed)}")

    if meta.get("spasm_site", "back") not in SPASM_SITES:
        fail(f"unknown spasm_site {meta['spasm_site']!r}; one of {list(SPASM_SITES)}")
    if not isinstance(meta.get("code_word", ""), str) or not isinstance(meta.get("category_code", ""), str):
        fail("'metadata.code_word' and 'metadata.category_code' must be strings")
    for key, where in (("not_after", "after"), ("not_before", "before")):
        words = meta.get(key, [])
        if not isinstance(words, list) or not all(isinstance(w, str) and w and w == w.lower()
                                                  for w in words):
            fail(f"'metadata.{key}' must be a list of lower-case words "
                 f"(the cue does not count {where} one)")
    if rule.category == "MUSCLE":
        if meta.get("site") not in SITES:
            fail(f"unknown site {meta.get('site')!r}; one of {list(SITES)}")
        synonyms = meta.get("synonyms")
        if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip() for s in synonyms):
            fail("'metadata.synonyms' must be a list of non-empty strings")
    elif rule.category in {"REGION", "JOINT", "LIMB"}:
        words = meta.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) and w == w.lower() and w
                                                  for w in words):
            fail("'metadata.words' must be a list of lower-case words")
        sites = [meta.get("site")] if rule.category == "REGION" else meta.get("sites")
        if not isinstance(sites, list) or not sites or any(s not in SITES for s in sites):
            fail(f"unknown site(s) {sites!r}; each one of {list(SITES)}")
    elif rule.category == "SIDE" and meta.get("side") not in SIDES:
        fail(f"unknown side {meta.get('side')!r}; one of {list(SIDES)}")
    elif rule.category == "CONTRACTURE" and meta.get("kind") not in KINDS:
        fail(f"unknown kind {meta.get('kind')!r}; one of {list(KINDS)}")
    elif rule.category in {"ROM", "STRENGTH", "ROM_MM"}:
        if not isinstance(rule.pattern, str):
            fail(f"a {rule.category} entry needs a regex 'pattern'")
        problem = _scan_problem(meta.get("scan"))
        if problem:
            fail(f"'metadata.scan' {problem} (see notelint/nlp/prefilter.py)")
    elif rule.category in {"ROM_FRAME", "STRENGTH_CONTEXT", "STRENGTH_EXCLUDE"}:
        if not isinstance(meta.get("words"), list) or not isinstance(meta.get("window"), int):
            fail("needs 'metadata.words' (list) and 'metadata.window' (int)")
        if rule.category == "ROM_FRAME" and meta.get("role") not in ROM_ROLES:
            fail(f"unknown role {meta.get('role')!r}; one of {list(ROM_ROLES)}")
    elif rule.category == "CAUSE" and not {"cause", "category_code", "code_prefixes"} <= set(meta):
        fail("a CAUSE needs 'metadata.cause', 'metadata.category_code' and 'metadata.code_prefixes'")
    elif rule.category == "STUDY" and meta.get("study") not in {"EMG", "NCS", "MRI", "US"}:
        fail("a STUDY needs 'metadata.study', one of EMG, NCS, MRI, US")
    elif rule.category == "SECTION":
        if meta.get("section") not in SECTION_NAMES:
            fail(f"unknown section {meta.get('section')!r}; one of {list(SECTION_NAMES)}")
        titles = meta.get("titles")
        if not isinstance(titles, list) or not all(isinstance(t, str) and t == t.lower().strip()
                                                   and t for t in titles):
            fail("'metadata.titles' must be a list of lower-case titles")
        run_on = meta.get("run_on_titles", [])
        if not isinstance(run_on, list) or any(t not in titles for t in run_on):
            fail("'metadata.run_on_titles' must list some of its 'titles' (the ones that may "
                 "stand alone between commas)")


def _load_group(folder: Path, files: dict[str, tuple[str, ...]]) -> list[Rule]:
    rules: list[Rule] = []
    for name, categories in files.items():
        rules.extend(load_file(folder / name, categories))
    return rules


@dataclass(frozen=True)
class Lexicon:
    """Every validated pattern notelint uses."""

    anatomy: list[Rule]
    concepts: list[Rule]
    measures: list[Rule]
    context_rules: dict[str, Any]
    sentences: dict[str, Any]
    sections: list[Rule] = field(default_factory=list)

    def of(self, category: str) -> list[Rule]:
        """All rules of one category, in file order."""
        return [r for r in (*self.anatomy, *self.concepts, *self.measures, *self.sections)
                if r.category == category]


def _check_muscle_synonyms(rules: list[Rule]) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.category != "MUSCLE":
            continue
        for synonym in {rule.literal, *rule.metadata["synonyms"]}:
            key = synonym if synonym.isupper() else synonym.lower()
            other = seen.get(key)
            if other is not None and other is not rule:
                raise PatternError(rule.path, rule.line, f"synonym {synonym!r} is also at line {other.line}")
            seen[key] = rule


def check_context_rules(path: Path) -> dict[str, Any]:
    """Read and validate a ConText rules file (medspaCy's format plus ``exclude_default``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PatternError(str(path), None, f"cannot read ConText rules ({exc})") from None
    for key in ("reporting_verbs", "normal_words"):
        if not all(isinstance(v, str) for v in data.get(key, [])):
            raise PatternError(str(path), None, f"'{key}' must be a list of words")
    if not isinstance(data.get("exclude_default", []), list):
        raise PatternError(str(path), None, "'exclude_default' must be a list of rule literals")
    clause = data.get("measured_clause", {})
    if not isinstance(clause, dict) or set(clause) - {"categories", "result_words", "unit_words"} or not all(
            isinstance(v, list) and all(isinstance(w, str) and w for w in v) for v in clause.values()):
        raise PatternError(str(path), None, "'measured_clause' must be an object of word lists: "
                                            "'categories', 'result_words', 'unit_words'")
    allowed = {"literal", "category", "direction", "pattern", "metadata", "allowed_types",
               "excluded_types", "max_targets", "max_scope"}
    for number, rule in enumerate(data.get("context_rules", []), start=1):
        unknown = set(rule) - allowed
        if unknown:
            raise PatternError(str(path), None, f"rule {number}: unknown key(s) {sorted(unknown)}")
        if rule.get("direction") not in {"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"}:
            raise PatternError(str(path), None, f"rule {number}: bad direction {rule.get('direction')!r}")
        for key in ("scope_ends_at", "forward_ends_at"):
            stops = (rule.get("metadata") or {}).get(key, [])
            if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops):
                raise PatternError(str(path), None, f"rule {number}: '{key}' must be a list "
                                                    "of tokens ('[\",\", \";\"]')")
    return data


@cache
def load_lexicon(folder: Path | None = None) -> Lexicon:
    """Load and validate every pattern file of ``folder`` (default: the packaged ones)."""
    folder = folder or patterns_dir()
    anatomy = _load_group(folder, ANATOMY_FILES)
    _check_muscle_synonyms(anatomy)
    concepts = _load_group(folder, CONCEPT_FILES)
    measures = _load_group(folder, MEASURE_FILES)
    context_rules = check_context_rules(folder / "context_rules.json")
    try:
        sentences = json.loads((folder / "sentences.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PatternError(str(folder / "sentences.json"), None, f"cannot read ({exc})") from None
    sections = _load_group(folder, SECTION_FILES)
    return Lexicon(anatomy, concepts, measures, context_rules, sentences, sections)
