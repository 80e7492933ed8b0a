"""``--format html``: one self-contained review report for chart reviewers.

No script, font, style or image is loaded from anywhere: the file opens on a
clinical workstation with no internet. It holds a summary table across notes,
then each note's text with its evidence highlighted by type (legend at the
top), and its findings beside it; each finding links to a marker at the text
it concerns, and the marker links back. The provider queries drafted for the
note (:mod:`notelint.queries`) follow its findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any, TextIO

from notelint import __version__
from notelint.rules.registry import ROUTING
from notelint.spans import DisjointSpans

if TYPE_CHECKING:
    from jinja2 import Template

# evidence list -> (css class, legend label, colour); earlier entries win on overlap
HIGHLIGHTS = (
    ("muscles", "muscle", "Muscle", "#ffd54f"),
    ("sides", "side", "Side", "#ffab91"),
    ("rom", "rom", "ROM (degrees)", "#81d4fa"),
    ("strength", "strength", "Strength grade", "#a5d6a7"),
    ("myogenic", "myogenic", "Myogenic evidence", "#ce93d8"),
    ("arthrogenic", "arthrogenic", "Arthrogenic (joint)", "#ef9a9a"),
    ("spasm", "spasm", "Spasm / tightness", "#ffcc80"),
    ("neural", "neural", "Neural tension", "#b0bec5"),
    ("studies", "study", "Study", "#80cbc4"),
    ("causes", "cause", "Cause", "#bcaaa4"),
    ("contractures", "contracture", "Contracture mention", "#e6ee9c"),
    ("function", "function", "Functional limit", "#9fa8da"),
)

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px;
       color: #212121; }
h1 { font-size: 20px; }
h2 { font-size: 16px; margin-top: 32px; border-top: 1px solid #ccc; padding-top: 12px; }
table.summary { border-collapse: collapse; }
.summary th, .summary td { border: 1px solid #bbb; padding: 4px 8px; }
.legend span { display: inline-block; padding: 1px 6px; margin: 2px; border-radius: 3px; }
.note { display: flex; gap: 24px; align-items: flex-start; }
.text { flex: 3; white-space: pre-wrap; font-family: ui-monospace, Menlo, Consolas, monospace;
        background: #fafafa; border: 1px solid #ddd; padding: 12px; }
.findings { flex: 2; } .findings li { margin-bottom: 8px; }
.ev { border-radius: 3px; padding: 0 1px; }
.ev.not-affirmed { opacity: 0.55; text-decoration: line-through; }
a.marker { margin: 0 2px; font-size: 11px; vertical-align: super; color: #b71c1c;
           text-decoration: none; font-weight: bold; }
.error { color: #b71c1c; } .warning { color: #e65100; } .info { color: #1565c0; }
.sev { font-weight: bold; text-transform: uppercase; font-size: 11px; }
.queries > li { margin-bottom: 12px; } .queries ul li { margin-bottom: 2px; }
.question { font-weight: bold; } .label { font-size: 12px; color: #555; }
.indicators { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.reason { color: #555; font-size: 12px; }
:target { outline: 2px solid #b71c1c; }
"""


def _style() -> str:
    colours = "\n".join(f".ev.{css} {{ background: {colour}; }}"
                        for _, css, _, colour in HIGHLIGHTS)
    return STYLE + colours


def _spans(result: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    """Non-overlapping evidence spans ``(start, end, css, label)``, in text order; a
    negated, hypothetical, historical, uncertain or family item is struck through."""
    chosen: DisjointSpans[tuple[str, str]] = DisjointSpans()
    for field, css, label, _ in HIGHLIGHTS:
        for item in result["evidence"].get(field, []):
            start, end = item["start"], item["end"]
            if end <= start:
                continue
            status = item.get("status", "affirmed")
            if status == "affirmed":
                chosen.add(start, end, (css, label))
            else:
                chosen.add(start, end, (f"{css} not-affirmed", f"{label} ({status})"))
    return [(start, end, css, label) for start, end, (css, label) in chosen]


def _pieces(text: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The note's text cut at its evidence spans and finding markers, in order: text, a
    marker (``marker``: the finding's index), a highlight's ``open`` (its css) or ``close``.
    A marker inside a highlight stands where the finding starts; markers the walk never
    reaches (an offset past the text) come last, untitled."""
    markers: dict[int, list[int]] = {}
    for i, finding in enumerate(result["findings"]):
        markers.setdefault(finding["start"], []).append(i)
    pieces: list[dict[str, Any]] = []
    emitted: set[int] = set()
    position = 0

    def marker(i: int, titled: bool) -> dict[str, Any]:
        return {"marker": i, "rule": result["findings"][i]["rule"], "titled": titled}

    def plain(upto: int) -> None:
        nonlocal position
        for offset in sorted(o for o in markers if position <= o < upto and o not in emitted):
            emitted.add(offset)
            pieces.append({"text": text[position:offset]})
            pieces.extend(marker(i, True) for i in markers[offset])
            position = offset
        pieces.append({"text": text[position:upto]})
        position = upto

    for start, end, css, label in _spans(result):
        plain(start)
        pieces.append({"open": css, "label": label})
        plain(end)
        pieces.append({"close": True})
    plain(len(text))
    for offset in sorted(o for o in markers if o not in emitted):
        pieces.extend(marker(i, False) for i in markers[offset])
    return pieces


@cache
def _template() -> Template:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("notelint", "templates"),
                              autoescape=select_autoescape(default=True), keep_trailing_newline=True)
    return environment.get_template("report.html.j2")


def write(results: Iterable[tuple[dict[str, Any], str]], out: TextIO) -> None:
    """The report of ``results``: each a result with its own note's text (never looked up
    by ``source``, which two notes can share)."""
    rows, notes = [], []
    for number, (result, text) in enumerate(results):
        # the codes the routing findings name instead of M62.4- ("not-m62.4": M24.562)
        instead = dict.fromkeys(c for f in result["findings"] if f["rule"] in ROUTING
                                for c in f["suggestions"])
        rows.append({"number": number, "source": result["source"], "verdict": result["verdict"],
                     "claimed": result["claimed_codes"],
                     "suggested": [*result["suggested_codes"], *instead],
                     "counts": {s: sum(f["severity"] == s for f in result["findings"])
                                for s in ("error", "warning", "info")},
                     "error": result["error"]["message"] if result["error"] else None,
                     "applicable": result["applicable"]})
        if result["error"] is None:
            notes.append({"number": number, "source": result["source"],
                          "verdict": result["verdict"], "claimed": result["claimed_codes"],
                          "suggested": result["suggested_codes"], "findings": result["findings"],
                          "queries": result.get("queries", []), "pieces": _pieces(text, result)})
    legend = [{"css": css, "text": label} for _, css, label, _ in HIGHLIGHTS]
    out.write(_template().render(style=_style(), version=__version__, rows=rows, notes=notes,
                                 legend=legend))
