"""notelint's serializable spaCy components around medspaCy and scispaCy.

medspaCy's TargetMatcher and ConText keep their rules in memory only, so a
pipeline built from them cannot be saved. These components hold the
``patterns/`` entries they are built from; ``patterns/`` is the one vocabulary
source: ``nlp.to_disk`` saves the pipeline's configuration, not a copy of the
rules, and a pipeline loaded with ``spacy.load`` (factories registered through
the ``spacy_factories`` entry point) reads ``patterns/`` when a matcher is first
used, so an edit of a pattern file takes effect on the next run.
"""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from notelint.lexicon import ANATOMY_FILES, CONCEPT_FILES, Rule, load_lexicon
from notelint.nlp.batched import BatchedPipe
from notelint.nlp.doctext import doc_text
from notelint.nlp.medspacy_internals import import_medspacy, set_matcher_of_target_matcher
from notelint.nlp.phrases import expand

GROUPS = {"anatomy": ANATOMY_FILES, "concepts": CONCEPT_FILES}


def target_rules(rules: list[Rule]) -> list:
    """medspaCy TargetRules for lexicon entries; a MUSCLE entry gives one rule per synonym,
    a simple token pattern one phrase rule per phrase it matches (see notelint.nlp.phrases)."""
    import_medspacy()
    from medspacy.target_matcher import TargetRule

    out = []
    for rule in rules:
        meta = {**rule.metadata, "literal": rule.literal, "where": rule.where}
        if rule.category == "MUSCLE":
            for synonym in dict.fromkeys([rule.literal, *rule.metadata["synonyms"]]):
                attr = "ORTH" if synonym.isupper() else "LOWER"
                words = synonym.split() if attr == "ORTH" else None
                pattern = [{"ORTH": w} for w in words] if words else None
                out.append(TargetRule(synonym, "MUSCLE", pattern=pattern, metadata=meta))
        elif rule.category in {"REGION", "JOINT", "LIMB"}:
            out.extend(TargetRule(w, rule.category, metadata=meta)
                       for w in dict.fromkeys(rule.metadata["words"]))
        elif (phrases := expand(rule.pattern)) is not None:
            out.extend(TargetRule(p, rule.category, metadata=meta) for p in phrases)
        else:
            out.append(TargetRule(rule.literal, rule.category, pattern=rule.pattern, metadata=meta))
    return out


def _scope_ends_at(stops: frozenset[str],
                   forward: frozenset[str] = frozenset()) -> Callable[[Span, Span, Span], bool]:
    """A ConText ``on_modifies`` callback: the modifier reaches no target past one of the
    ``stops`` tokens (``metadata.scope_ends_at`` of a rule: "to prevent" ends at a comma), nor
    a target after it past one of the ``forward`` tokens (``metadata.forward_ends_at``: a
    checked "[x] no" negates the finding right after it, "[x] no effusion", not the next field)."""

    both = stops | forward

    def reaches(target: Span, modifier: Span, between: Span) -> bool:
        ends = both if target.start >= modifier.end else stops
        return not any(token.text in ends for token in between
                       if not modifier.start <= token.i < modifier.end)

    return reaches


_CLAUSE_ENDS = frozenset({",", ";", "."})


def _not_into_measured_clause(clause: dict[str, Any],
                              then: Callable[[Span, Span, Span], bool] | None
                              ) -> Callable[[Span, Span, Span], bool]:
    """A ConText ``on_modifies`` callback (``measured_clause`` of the ConText rules file): the
    modifier does not reach past a comma into a clause that reports its own result, a number
    with a degree word, a grade over 5 or a result word ("capsule not restricted, popliteal
    angle 40 degrees"); ``then``: the rule's own callback, asked as well."""
    results = frozenset(w.lower() for w in clause.get("result_words", []))
    units = frozenset(w.lower() for w in clause.get("unit_words", []))

    def measured(doc: Doc, start: int, end: int) -> bool:
        for i in range(start, end):
            token = doc[i]
            if token.lower_ in results:
                return True
            if token.like_num and i + 1 < len(doc) and (
                    doc[i + 1].lower_ in units or (doc[i + 1].text == "/" and i + 2 < len(doc)
                                                   and doc[i + 2].text == "5")):
                return True
        return False

    def reaches(target: Span, modifier: Span, between: Span) -> bool:
        if then is not None and not then(target, modifier, between):
            return False
        doc = target.doc
        low = min(modifier.end_char, target.end_char)
        if doc_text(doc).find(",", low, max(modifier.start_char, target.start_char)) < 0:
            return True  # no comma between them
        sentence = target.sent
        start = target.start
        while start > sentence.start and doc[start - 1].text not in _CLAUSE_ENDS:
            start -= 1
        end = target.end
        while end < sentence.end and doc[end].text not in _CLAUSE_ENDS:
            end += 1
        return not measured(doc, start, end)

    return reaches


def context_rules(default_path: str, ours: dict[str, Any]) -> list:
    """medspaCy's default ConText rules, less those ``patterns/`` excludes, plus ours;
    simple token patterns become phrase rules (see notelint.nlp.phrases)."""
    import_medspacy()
    from medspacy.context import ConTextRule

    excluded = set(ours.get("exclude_default", []))
    rules = [r for r in ConTextRule.from_json(default_path) if r.literal not in excluded]
    rules += [ConTextRule.from_dict(r) for r in ours["context_rules"]]
    clause = ours.get("measured_clause", {})
    for rule in rules:
        stops = (rule.metadata or {}).get("scope_ends_at", [])
        forward = (rule.metadata or {}).get("forward_ends_at", [])
        if stops or forward:
            rule.on_modifies = _scope_ends_at(frozenset(stops), frozenset(forward))
        if rule.category in clause.get("categories", []) and rule.direction != "PSEUDO":
            rule.on_modifies = _not_into_measured_clause(clause, rule.on_modifies)
    out = []
    for rule in rules:
        phrases = expand(rule.pattern)
        if phrases is None:
            out.append(rule)
            continue
        for phrase in phrases:
            out.append(ConTextRule(
                phrase, rule.category, direction=rule.direction, allowed_types=rule.allowed_types,
                excluded_types=rule.excluded_types, max_scope=rule.max_scope,
                max_targets=rule.max_targets, terminated_by=rule.terminated_by,
                on_modifies=rule.on_modifies, metadata=rule.metadata))
    return out


class PatternMatcher(BatchedPipe):
    """A medspaCy TargetMatcher over one group of ``patterns/`` ("anatomy" or "concepts");
    its spans go to ``doc.spans[name]``."""

    def __init__(self, nlp: Language, name: str, group: str) -> None:
        if group not in GROUPS:
            raise ValueError(f"unknown pattern group {group!r}; one of {sorted(GROUPS)}")
        self.nlp, self.name, self.group = nlp, name, group
        self.rules: list[Rule] | None = None
        self._matcher: Any = None

    def _packaged_rules(self) -> list[Rule]:
        lexicon = load_lexicon()
        return lexicon.anatomy if self.group == "anatomy" else lexicon.concepts

    def _build(self) -> None:
        import_medspacy()
        from medspacy.target_matcher import TargetMatcher

        if self.rules is None:
            self.rules = self._packaged_rules()
        from notelint.nlp.matching import PhraseFirstMatcher

        matcher = TargetMatcher(self.nlp, name=self.name, result_type="group",
                                span_group_name=self.name)
        # medspaCy's own matcher, but exact-token patterns run as ORTH phrases (notelint.nlp.matching)
        set_matcher_of_target_matcher(matcher, PhraseFirstMatcher(self.nlp, name=self.name,
                                                                  group_phrases=True))
        matcher.add(target_rules(self.rules))
        self._matcher = matcher

    def __call__(self, doc: Doc) -> Doc:
        if self._matcher is None:
            self._build()
        return self._matcher(doc)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)  # the rules stay in patterns/ only

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "PatternMatcher":
        self.rules, self._matcher = None, None  # read from patterns/ on first use
        return self


class PatternContext(BatchedPipe):
    """medspaCy ConText over ``doc.spans[span_group]``, with medspaCy's default rules less
    those ``patterns/context_rules.json`` excludes, plus its own."""

    def __init__(self, nlp: Language, name: str, span_group: str) -> None:
        self.nlp, self.name, self.span_group = nlp, name, span_group
        self.rules: dict[str, Any] | None = None
        self._context: Any = None

    def _build(self) -> None:
        import_medspacy()
        from notelint.nlp.context import SentenceScopedConText

        if self.rules is None:
            self.rules = load_lexicon().context_rules
        context = SentenceScopedConText(self.nlp, name=self.name, rules=None, input_span_type="group",
                                        span_group_name=self.span_group, group_phrases=True)
        context.add(context_rules(context.DEFAULT_RULES_FILEPATH, self.rules))
        self._context = context

    def __call__(self, doc: Doc) -> Doc:
        if self._context is None:
            self._build()
        return self._context(doc)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)  # the rules stay in patterns/ only

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "PatternContext":
        self.rules, self._context = None, None  # read from patterns/ on first use
        return self


@Language.factory("notelint_target_matcher", default_config={"group": "concepts"})
def make_target_matcher(nlp: Language, name: str, group: str) -> PatternMatcher:
    """spaCy factory of :class:`PatternMatcher`."""
    return PatternMatcher(nlp, name, group)


@Language.factory("notelint_context", default_config={"span_group": "notelint_concepts"})
def make_context(nlp: Language, name: str, span_group: str) -> PatternContext:
    """spaCy factory of :class:`PatternContext`."""
    return PatternContext(nlp, name, span_group)


@Language.factory("notelint_abbreviations")
def make_abbreviations(nlp: Language, name: str) -> Any:
    """scispaCy's AbbreviationDetector (Schwartz & Hearst, 2003), under a notelint name so
    that a saved pipeline finds its factory through notelint's entry points."""
    from notelint.nlp.abbreviations import ParenthesisAbbreviationDetector

    return ParenthesisAbbreviationDetector(nlp, name=name)
