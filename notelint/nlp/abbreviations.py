"""scispaCy's AbbreviationDetector, skipping notes that have no parenthesis, in linear time.

The detector finds definitions written as ``long form (SHORT)`` with a token
Matcher that walks every token; a note without a ``(`` has none, and its
``doc._.abbreviations`` stays empty either way. Most notes have none.

Its pattern ``( any+ )`` matches every ``(`` with every later ``)`` of the note,
so its cost grew with the square of a long note's length; the candidates it keeps
have at most 8 tokens inside the parentheses (``filter_matches``), so the pattern
here stops there: the same definitions, found in linear time (issue 21, case 1).
"""

from __future__ import annotations

from scispacy.abbreviation import AbbreviationDetector
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from notelint.nlp.batched import BatchedPipe
from notelint.nlp.doctext import doc_text


class ParenthesisAbbreviationDetector(BatchedPipe, AbbreviationDetector):  # type: ignore[misc]
    """AbbreviationDetector (Schwartz & Hearst, 2003) that runs only when the text has ``(``."""

    # scispaCy's filter_matches drops a parenthesis holding more than 8 tokens
    MAX_INSIDE = 8

    def __init__(self, nlp: Language, name: str = "abbreviation_detector") -> None:
        super().__init__(nlp, name=name)
        self.matcher = Matcher(nlp.vocab)
        self.matcher.add("parenthesis", [[{"ORTH": "("}, {"OP": f"{{1,{self.MAX_INSIDE}}}"},
                                          {"ORTH": ")"}]])

    def __call__(self, doc: Doc) -> Doc:
        if "(" not in doc_text(doc):
            return doc
        return super().__call__(doc)
