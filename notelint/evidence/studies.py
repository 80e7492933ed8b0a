"""Studies (EMG, MRI, ultrasound...) with what the note reports they found."""

from __future__ import annotations

import re

from notelint.evidence.mentions import Item, Mentions, base_item, span_metadata, status

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


def study_items(mentions: Mentions) -> list[Item]:
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
        item = base_item(span, text)
        item.update(study=span_metadata(span)["study"], status=status(span))
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
            item.update(state="resulted", findings=base_item((lo + before.start(1), lo + before.end(1)),
                                                         text))
        elif results or report is not None:
            end = sentence_end
            findings = (results[0].start_char if results else report, end)
            item.update(state="resulted", findings=base_item(findings, text))
            item["findings"]["text"] = item["findings"]["text"].rstrip()
            item["findings"]["end"] = item["findings"]["start"] + len(item["findings"]["text"])
        elif ordered:
            item.update(state="ordered", findings=None)
        else:
            item.update(state="mentioned", findings=None)
        items.append(item)
    return items
