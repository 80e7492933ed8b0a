"""scispaCy's AbbreviationDetector, skipping notes that have no parenthesis.

The detector finds definitions written as ``long form (SHORT)`` with a token
Matcher that walks every token; a note without a ``(`` has none, and its
``doc._.abbreviations`` stays empty either way. Most notes have none.
"""

from __future__ import annotations

from scispacy.abbreviation import AbbreviationDetector
from spacy.tokens import Doc

from notelint.batching import BatchedPipe
from notelint.doctext import doc_text


class ParenthesisAbbreviationDetector(BatchedPipe, AbbreviationDetector):  # type: ignore[misc]
    """AbbreviationDetector (Schwartz & Hearst, 2003) that runs only when the text has ``(``."""

    def __call__(self, doc: Doc) -> Doc:
        if "(" not in doc_text(doc):
            return doc
        return super().__call__(doc)
