"""``--format html``: one self-contained review report for chart reviewers.

No script, font, style or image is loaded from anywhere: the file opens on a
clinical workstation with no internet. It holds a summary table across notes
(verdict, claimed codes, suggested codes or the codes a routing finding names
instead), then each note's text with its evidence highlighted by type (legend at
the top), and its findings beside it; each finding links to a marker at the text
it concerns, and the marker links back. The provider queries drafted for the
note (:mod:`notelint.result.queries`) follow its findings.

Where evidence overlaps (a popliteal angle is a ROM measure and myogenic evidence),
every type shows: the first type of :data:`HIGHLIGHTS` colours the background, each
other type adds an underline of its colour below the text, stacked. Evidence that is
not affirmed (negated, hypothetical, historical, uncertain, family) is struck
through, or, as an underline, dashed; the legend says so.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any, TextIO

from notelint.rules.registry import ROUTING
from notelint.version import __version__

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
.text { line-height: 2.1; }
.ev { border-radius: 3px; padding: 0 1px; }
.ev.not-affirmed { opacity: 0.55; text-decoration: line-through; }
.also { text-decoration-line: underline; text-decoration-thickness: 3px; text-decoration-skip-ink: none; }
.also.l1 { text-underline-offset: 3px; } .also.l2 { text-underline-offset: 7px; }
.also.l3 { text-underline-offset: 11px; } .also.l4 { text-underline-offset: 15px; }
.also.not-affirmed { text-decoration-style: dashed; }
.legend .note, .legend .also { display: inline; padding: 0; margin: 0 0 0 12px; }
.legend .also { margin: 0; }
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


MAX_LAYERS = 4  # underlines stacked under a background colour; more types share the title only


def _style() -> str:
    colours = "\n".join(f".ev.{css} {{ background: {colour}; }} "
                        f".also.{css} {{ text-decoration-color: {colour}; }}"
                        for _, css, _, colour in HIGHLIGHTS)
    return STYLE + colours


def _spans(result: dict[str, Any]) -> list[tuple[int, int, list[tuple[str, str]]]]:
    """The note's evidence cut into segments ``(start, end, layers)`` in text order, where
    ``layers`` are the ``(css, label)`` of every type covering the segment, in the order
    of :data:`HIGHLIGHTS` (one layer a type); a negated, hypothetical, historical,
    uncertain or family item's css has ``not-affirmed``."""
    items = []
    for rank, (field, css, label, _) in enumerate(HIGHLIGHTS):
        for item in result["evidence"].get(field, []):
            start, end = item["start"], item["end"]
            if end <= start:
                continue
            status = item.get("status", "affirmed")
            layer = (css, label) if status == "affirmed" else (f"{css} not-affirmed", f"{label} ({status})")
            items.append((start, end, rank, layer))
    cuts = sorted({offset for start, end, _, _ in items for offset in (start, end)})
    covering: list[dict[int, tuple[str, str]]] = [{} for _ in cuts]
    for start, end, rank, layer in items:
        for i in range(bisect_left(cuts, start), bisect_left(cuts, end)):
            # an affirmed item of a type wins over a struck-through one at the same text
            if rank not in covering[i] or "not-affirmed" in covering[i][rank][0]:
                covering[i][rank] = layer
    return [(cuts[i], cuts[i + 1], [covering[i][rank] for rank in sorted(covering[i])])
            for i in range(len(cuts) - 1) if covering[i]]


def _pieces(text: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The note's text cut at its evidence segments and finding markers, in order: text, a
    marker (``marker``: the finding's index), a highlight's ``open`` (its css, title and
    underline ``layers``) or ``close`` (with the number of layers to close).
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

    for start, end, layers in _spans(result):
        plain(start)
        (css, _), *under = layers
        pieces.append({"open": css, "label": "; ".join(label for _, label in layers),
                       "layers": [{"css": c, "level": level}
                                  for level, (c, _) in enumerate(under[:MAX_LAYERS], start=1)]})
        plain(end)
        pieces.append({"close": True, "layers": min(len(under), MAX_LAYERS)})
    plain(len(text))
    for offset in sorted(o for o in markers if o not in emitted):
        pieces.extend(marker(i, False) for i in markers[offset])
    return pieces


@cache
def _template() -> Template:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("notelint.report", "templates"),
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
                     "instead": list(instead),
                     "claimed": result["claimed_codes"],
                     "suggested": [*result["suggested_codes"], *instead],
                     "counts": {s: sum(f["severity"] == s for f in result["findings"])
                                for s in ("error", "warning", "info")},
                     "error": result["error"]["message"] if result["error"] else None,
                     "applicable": result["applicable"]})
        if result["error"] is None:
            notes.append({"number": number, "source": result["source"],
                          "verdict": result["verdict"], "claimed": result["claimed_codes"],
                          "suggested": result["suggested_codes"], "instead": list(instead),
                          "findings": result["findings"],
                          "queries": result.get("queries", []), "pieces": _pieces(text, result)})
    legend = [{"css": css, "text": label} for _, css, label, _ in HIGHLIGHTS]
    out.write(_template().render(style=_style(), version=__version__, rows=rows, notes=notes,
                                 legend=legend))
