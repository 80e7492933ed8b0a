"""``--format html``: one self-contained review report for chart reviewers.

No script, font, style or image is loaded from anywhere: the file opens on a
clinical workstation with no internet. It holds a summary table across notes,
then each note's text with its evidence highlighted by type (legend at the
top), and its findings beside it; each finding links to a marker at the text
it concerns, and the marker links back.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any, TextIO

from notelint import __version__
from notelint.rules.registry import ROUTING

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
:target { outline: 2px solid #b71c1c; }
"""


def _style() -> str:
    colours = "\n".join(f".ev.{css} {{ background: {colour}; }}"
                        for _, css, _, colour in HIGHLIGHTS)
    return STYLE + colours


def _spans(result: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    """Non-overlapping evidence spans ``(start, end, css, label)``, in text order; a
    negated, hypothetical, historical, uncertain or family item is struck through."""
    chosen: list[tuple[int, int, str, str]] = []
    for field, css, label, _ in HIGHLIGHTS:
        for item in result["evidence"].get(field, []):
            start, end = item["start"], item["end"]
            if end <= start or any(start < e and s < end for s, e, _, _ in chosen):
                continue
            status = item.get("status", "affirmed")
            if status == "affirmed":
                chosen.append((start, end, css, label))
            else:
                chosen.append((start, end, f"{css} not-affirmed", f"{label} ({status})"))
    return sorted(chosen)


def _note_html(number: int, text: str, result: dict[str, Any]) -> str:
    markers: dict[int, list[int]] = {}
    for i, finding in enumerate(result["findings"]):
        markers.setdefault(finding["start"], []).append(i)
    pieces: list[str] = []
    position = 0
    spans = _spans(result)

    emitted: set[int] = set()

    def plain(upto: int) -> None:
        nonlocal position
        for offset in sorted(o for o in markers if position <= o < upto and o not in emitted):
            emitted.add(offset)
            pieces.append(escape(text[position:offset]))
            pieces.extend(f'<a class="marker" id="n{number}-m{i}" href="#n{number}-f{i}" '
                          f'title="{escape(result["findings"][i]["rule"])}">'
                          f'{escape(result["findings"][i]["rule"])}</a>' for i in markers[offset])
            position = offset
        pieces.append(escape(text[position:upto]))
        position = upto

    for start, end, css, label in spans:
        plain(start)
        pieces.append(f'<span class="ev {css}" title="{escape(label)}">')
        plain(end)
        pieces.append("</span>")
    plain(len(text))
    for offset in sorted(o for o in markers if o not in emitted):
        pieces.extend(f'<a class="marker" id="n{number}-m{i}" href="#n{number}-f{i}">'
                      f'{escape(result["findings"][i]["rule"])}</a>' for i in markers[offset])
    items = "".join(
        f'<li id="n{number}-f{i}"><a href="#n{number}-m{i}">{escape(f["rule"])} '
        f'{escape(f["name"])}</a> <span class="sev {f["severity"]}">{f["severity"]}</span> '
        f'(line {f["line"]}, col {f["column"]})<br>{escape(f["message"])}'
        + (f' <b>Suggest {escape(", ".join(f["suggestions"]))}</b>' if f["suggestions"] else "")
        + "</li>"
        for i, f in enumerate(result["findings"]))
    findings = f'<ol class="findings-list">{items}</ol>' if items else "<p>No findings.</p>"
    codes = (f'<b class="verdict">{escape(result["verdict"])}</b>: '
             f'claimed {escape(", ".join(result["claimed_codes"]) or "none")}; '
             f'suggested {escape(", ".join(result["suggested_codes"]) or "none")}')
    return (f'<h2 id="n{number}">{escape(result["source"])}</h2><p>{codes}</p>'
            f'<div class="note"><div class="text">{"".join(pieces)}</div>'
            f'<div class="findings">{findings}</div></div>')


def write(results: Iterable[tuple[dict[str, Any], str]], out: TextIO) -> None:
    """The report of ``results``: each a result with its own note's text (never looked up
    by ``source``, which two notes can share)."""
    results = list(results)
    rows, notes = [], []
    for number, (result, text) in enumerate(results):
        counts = {s: sum(f["severity"] == s for f in result["findings"])
                  for s in ("error", "warning", "info")}
        status = (f'<span class="error">{escape(result["error"]["message"])}</span>'
                  if result["error"] else ("applicable" if result["applicable"] else "not applicable"))
        # the codes the routing findings name instead of M62.4- ("not-m62.4": M24.562)
        instead = dict.fromkeys(c for f in result["findings"] if f["rule"] in ROUTING
                                for c in f["suggestions"])
        rows.append(f'<tr><td><a href="#n{number}">{escape(result["source"])}</a></td>'
                    f'<td class="verdict">{escape(result["verdict"])}</td>'
                    f'<td>{escape(", ".join(result["claimed_codes"]))}</td>'
                    f'<td>{escape(", ".join([*result["suggested_codes"], *instead]))}</td>'
                    f'<td>{counts["error"]}</td><td>{counts["warning"]}</td><td>{counts["info"]}</td>'
                    f"<td>{status}</td></tr>")
        if result["error"] is None:
            notes.append(_note_html(number, text, result))
    legend = "".join(f'<span class="ev {css}">{escape(label)}</span>'
                     for _, css, label, _ in HIGHLIGHTS)
    out.write(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>notelint review report</title><style>{_style()}</style></head><body>"
        f"<h1>notelint {escape(__version__)} review report: {len(results)} notes</h1>"
        "<table class=\"summary\"><thead><tr><th>Note</th><th>Verdict</th><th>Claimed</th>"
        "<th>Suggested</th>"
        "<th>Errors</th><th>Warnings</th><th>Info</th><th>Status</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<p class=\"legend\">Legend: {legend}</p>{''.join(notes)}</body></html>\n")
