"""SARIF 2.1.0 output (``--format sarif``), for code-scanning and review tools.

One run; the driver lists every rule with its documentation; each finding is a
result with a physical location (the note as artifact, a region with start and end
line and column, character offset and length; columns count Unicode code points,
``columnKind: unicodeCodePoints``) and ``partialFingerprints`` (``notelint/v1``: the
baseline fingerprint of :mod:`notelint.report.baseline`, which survives edits elsewhere in
the note, so code-scanning tools track a finding across runs). Inputs that could not
be linted are tool execution notifications.

With ``--baseline`` and ``--show-baselined``, each result has ``baselineState``:
``unchanged`` for a finding the baseline records, ``new`` for the others.

Standard input (``-``) has no URI: it is an entry of the run's ``artifacts`` (described
as standard input, role ``analysisTarget``) and its locations point at it by ``index``.

Artifact URIs (:func:`location`): a result's ``source`` is a path, a JSON Lines or
FHIR id, ``-`` or ``file.jsonl:N``, and each is written as a valid URI reference,
percent-encoded (``#``, ``%``, ``?``, spaces, ``:`` and non-ASCII):

- an absolute path is a ``file://`` URI;
- ``file.jsonl:N`` (a JSON Lines line that could not be read, when the file exists)
  is the file's URI with the region ``startLine: N``;
- anything else (a relative path, an id, ``-``) is a relative reference; ``:`` is
  encoded, so that ``bad.jsonl:2`` or an id ``c:1`` never reads as a URI scheme.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from typing import Any, TextIO
from urllib.parse import quote

from notelint.rules import RULES
from notelint.version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


_LINE_OF_FILE = re.compile(r"(.+):([1-9][0-9]*)")


def uri(path: str) -> str:
    """``path`` as a URI reference: a ``file://`` URI when it is absolute, else a relative
    reference; every character but unreserved ones and ``/`` percent-encoded (UTF-8)."""
    encoded = quote(path, safe="/")
    return f"file://{encoded}" if os.path.isabs(path) else encoded


STDIN = "-"
_STDIN_LOCATION = {"index": 0, "description": {"text": "standard input"}}


def location(source: str) -> dict[str, Any]:
    """The physical location of a result's ``source`` (see the module's docstring)."""
    if source == STDIN:
        return {"artifactLocation": dict(_STDIN_LOCATION)}
    line_of_file = _LINE_OF_FILE.fullmatch(source)
    if line_of_file and os.path.isfile(line_of_file.group(1)):
        return {"artifactLocation": {"uri": uri(line_of_file.group(1))},
                "region": {"startLine": int(line_of_file.group(2))}}
    return {"artifactLocation": {"uri": uri(source)}}


def _rule(index: int, code: str) -> dict[str, Any]:
    spec = RULES[code]
    return {
        "id": code, "name": spec.name,
        "shortDescription": {"text": spec.summary},
        "fullDescription": {"text": spec.why},
        "help": {"text": f"{spec.fix} Example: {spec.example} Reference: {spec.reference}",
                 "markdown": f"**Fix:** {spec.fix}\n\n**Example:** {spec.example}\n\n"
                             f"**Reference:** {spec.reference}"},
        "defaultConfiguration": {"level": LEVELS[spec.severity]},
        "properties": {"index": index, "needs_claim": spec.needs_claim},
    }


def _region(finding: dict[str, Any], lines: Any) -> dict[str, Any]:
    region = {"startLine": finding["line"], "startColumn": finding["column"]}
    if lines is not None:
        end_line, end_column = lines.locate(max(finding["end"], finding["start"]))
        region |= {"endLine": end_line, "endColumn": end_column}
    return region | {"charOffset": finding["start"], "charLength": finding["end"] - finding["start"]}


def document(pairs: Iterable[tuple[dict[str, Any], str | None]]) -> dict[str, Any]:
    """The SARIF log of a run: each result with its note's text (None: no end of region and
    no fingerprint)."""
    from notelint.nlp.normalize import LineIndex
    from notelint.report.baseline import FINGERPRINT_KEY, fingerprint

    codes = list(RULES)
    index = {code: i for i, code in enumerate(codes)}
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    stdin = False
    for result, text in pairs:
        stdin = stdin or result["source"] == STDIN
        if result["error"]:
            where = location(result["source"])
            notifications.append({"level": "error", "message": {"text": result["error"]["message"]},
                                  "descriptor": {"id": result["error"]["kind"]},
                                  "locations": [{"physicalLocation": where}]})
            continue
        artifact = {"artifactLocation": location(result["source"])["artifactLocation"]}  # the note
        lines = LineIndex(text) if text is not None else None
        for f in result["findings"]:
            entry = {"ruleId": f["rule"], "ruleIndex": index[f["rule"]],
                     "level": LEVELS[f["severity"]], "message": {"text": f["message"]},
                     "locations": [{"physicalLocation": {**artifact, "region": _region(f, lines)}}]}
            if text is not None:
                entry["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(f["rule"], text, f["start"],
                                                                             f["end"])}
            if "baselined" in f:  # --baseline with --show-baselined
                entry["baselineState"] = "unchanged" if f["baselined"] else "new"
            entry["properties"] = {"suggestedCodes": result["suggested_codes"]}
            if f["suggestion"]:
                entry["properties"]["suggestion"] = f["suggestion"]
            sarif_results.append(entry)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "notelint", "version": __version__,
                            "informationUri": "https://pypi.org/project/notelint/",
                            "rules": [_rule(i, c) for i, c in enumerate(codes)]}},
    }
    if stdin:
        run["artifacts"] = [{"description": {"text": "standard input"}, "roles": ["analysisTarget"],
                             "mimeType": "text/plain"}]
    run |= {"columnKind": "unicodeCodePoints", "results": sarif_results,
            "invocations": [{"executionSuccessful": not notifications,
                             "toolExecutionNotifications": notifications}]}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def write(pairs: Iterable[tuple[dict[str, Any], str | None]], out: TextIO) -> None:
    """Write the SARIF log of ``pairs`` (each result with its note's text)."""
    json.dump(document(pairs), out, indent=1, ensure_ascii=False)
    out.write("\n")
