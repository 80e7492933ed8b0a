"""medspaCy's ConText, skipping the sentences that hold no target.

A ConText modifier's scope never leaves its sentence (when the component has no
``max_scope`` window, as here), so a modifier in a sentence without a target
can neither modify a target nor limit another modifier's scope (scopes that do
not overlap never interact). :class:`SentenceScopedConText` drops those
modifiers and builds medspaCy's graph one sentence at a time, so its cost (the
square of the number of modifiers, times the targets) stays small. Results are the
same as medspaCy's; the tests compare both on every sample and corpus note.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from notelint.nlp import medspacy_internals as internals
from notelint.nlp.matching import PhraseFirstMatcher
from notelint.nlp.sentences import first_tokens

internals.import_medspacy()  # before any medspaCy module: without QuickUMLS (see medspacy_internals)
from medspacy.context import ConText  # noqa: E402
from medspacy.context.context_graph import ConTextGraph  # noqa: E402
from medspacy.context.context_modifier import ConTextModifier  # noqa: E402


class SentenceScopedConText(ConText):  # type: ignore[misc]
    """ConText whose graph holds only the modifiers in sentences that hold a target, and
    whose rules match with :class:`notelint.nlp.matching.PhraseFirstMatcher`."""

    def __init__(self, nlp: Language, name: str = "medspacy_context",
                 phrase_matcher_attr: str = "LOWER", prune_on_modifier_overlap: bool = True,
                 rules: Any = None, group_phrases: bool = False, **kwargs: Any) -> None:
        super().__init__(nlp, name=name, phrase_matcher_attr=phrase_matcher_attr,
                         prune_on_modifier_overlap=prune_on_modifier_overlap, rules=None, **kwargs)
        internals.set_matcher_of_context(self, PhraseFirstMatcher(
            nlp, name=name, phrase_matcher_attr=phrase_matcher_attr, prune=prune_on_modifier_overlap,
            group_phrases=group_phrases))
        if rules is not None:
            self.add(rules)

    def __call__(self, doc: Doc, targets: Any = None) -> Doc:
        if self.max_scope or targets or self.input_span_type != "group":
            return super().__call__(doc, targets)  # a window may cross sentences: the full run
        spans = doc.spans[self.span_group_name]
        graph = ConTextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
        graph.targets, graph.modifiers, graph.edges = spans, [], []
        if len(spans):
            starts = first_tokens(doc)

            def sentence(token: int) -> int:
                return starts[bisect_right(starts, token) - 1]

            by_sentence: dict[int, tuple[list[Any], list[Any]]] = {}
            straddles = False
            for span in spans:
                by_sentence.setdefault(sentence(span.start), ([], []))[0].append(span)
                straddles |= sentence(span.end - 1) != sentence(span.start)
            matcher = internals.matcher_of_context(self)
            for match_id, start, end in matcher(doc):
                if (group := by_sentence.get(sentence(start))) is None:
                    continue
                straddles |= sentence(end - 1) != sentence(start)
                rule = matcher.rule_map[self.nlp.vocab[match_id].text]
                group[1].append(ConTextModifier(rule, start, end, doc, max_scope=self.max_scope))
            # one graph per sentence (scopes stay in their sentence); a span across a
            # sentence boundary could meet another sentence's, so then one graph for all
            groups = ([(list(spans), [m for _, ms in by_sentence.values() for m in ms])]
                      if straddles else [by_sentence[k] for k in sorted(by_sentence)])
            for sentence_targets, modifiers in groups:
                part = ConTextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
                part.targets, part.modifiers = sentence_targets, modifiers
                part.update_scopes()
                part.apply_modifiers()
                graph.modifiers += part.modifiers
                graph.edges += part.edges
            for target, modifier in graph.edges:
                target._.modifiers += (modifier,)
            if self.context_attributes_mapping:
                self.set_context_attributes(graph.edges)
        doc._.context_graph = graph
        return doc
