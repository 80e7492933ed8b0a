"""SARIF 2.1.0 output (``--format sarif``), for code-scanning and review tools.

One run; the driver lists every rule with its documentation; each finding is a
result with a physical location (the note as artifact, a region with start
line, column, character offset and length). Inputs that could not be linted
are tool execution notifications.

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

from notelint import __version__
from notelint.rules import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


_LINE_OF_FILE = re.compile(r"(.+):([1-9][0-9]*)")


def uri(path: str) -> str:
    """``path`` as a URI reference: a ``file://`` URI when it is absolute, else a relative
    reference; every character but unreserved ones and ``/`` percent-encoded (UTF-8)."""
    encoded = quote(path, safe="/")
    return f"file://{encoded}" if os.path.isabs(path) else encoded


def location(source: str) -> dict[str, Any]:
    """The physical location of a result's ``source`` (see the module's docstring)."""
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


def document(results: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The SARIF log of a run."""
    codes = list(RULES)
    index = {code: i for i, code in enumerate(codes)}
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for result in results:
        if result["error"]:
            where = location(result["source"])
            notifications.append({"level": "error", "message": {"text": result["error"]["message"]},
                                  "descriptor": {"id": result["error"]["kind"]},
                                  "locations": [{"physicalLocation": where}]})
            continue
        artifact = {"artifactLocation": {"uri": uri(result["source"])}}  # the note itself
        for f in result["findings"]:
            region = {"startLine": f["line"], "startColumn": f["column"],
                      "charOffset": f["start"], "charLength": f["end"] - f["start"]}
            entry = {"ruleId": f["rule"], "ruleIndex": index[f["rule"]],
                     "level": LEVELS[f["severity"]], "message": {"text": f["message"]},
                     "locations": [{"physicalLocation": {**artifact, "region": region}}],
                     "properties": {"suggestedCodes": result["suggested_codes"]}}
            if f["suggestion"]:
                entry["properties"]["suggestion"] = f["suggestion"]
            sarif_results.append(entry)
    return {
        "$schema": SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "notelint", "version": __version__,
                                "informationUri": "https://pypi.org/project/notelint/",
                                "rules": [_rule(i, c) for i, c in enumerate(codes)]}},
            "results": sarif_results,
            "invocations": [{"executionSuccessful": not notifications,
                             "toolExecutionNotifications": notifications}],
        }],
    }


def write(results: Iterable[dict[str, Any]], out: TextIO) -> None:
    """Write the SARIF log of ``results``."""
    json.dump(document(results), out, indent=1, ensure_ascii=False)
    out.write("\n")
