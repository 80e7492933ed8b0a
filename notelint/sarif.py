"""SARIF 2.1.0 output (``--format sarif``), for code-scanning and review tools.

One run; the driver lists every rule with its documentation; each finding is a
result with a physical location (the note as artifact, a region with start
line, column, character offset and length). Inputs that could not be linted
are tool execution notifications.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from notelint import __version__
from notelint.rules import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


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
        location = {"artifactLocation": {"uri": result["source"]}}
        if result["error"]:
            notifications.append({"level": "error", "message": {"text": result["error"]["message"]},
                                  "descriptor": {"id": result["error"]["kind"]},
                                  "locations": [{"physicalLocation": location}]})
            continue
        for f in result["findings"]:
            region = {"startLine": f["line"], "startColumn": f["column"],
                      "charOffset": f["start"], "charLength": f["end"] - f["start"]}
            entry = {"ruleId": f["rule"], "ruleIndex": index[f["rule"]],
                     "level": LEVELS[f["severity"]], "message": {"text": f["message"]},
                     "locations": [{"physicalLocation": {**location, "region": region}}],
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
