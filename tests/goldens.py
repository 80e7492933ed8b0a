"""Golden results of the samples: ``python tests/goldens.py`` rewrites them for review.

Each ``samples/NAME.txt`` has ``samples/NAME.expected.json``: the result object
of OUTPUT.md that ``notelint check samples/NAME.txt --format json`` gives for
it. A change in output shows up as a failing test and then as a reviewed diff
of these files, never as a surprise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def golden_path(sample: Path) -> Path:
    return sample.with_suffix(".expected.json")


def render(result: dict) -> str:
    return json.dumps(result, indent=1, ensure_ascii=False) + "\n"


def results() -> dict[str, dict]:
    """Lint every sample as the CLI does (source ``samples/NAME.txt``)."""
    from notelint.io import inputs
    from notelint.nlp.pipeline import default_pipeline
    from notelint.result.linter import Linter

    paths = sorted(SAMPLES.glob("*.txt"))
    notes = (inputs.decode(f"samples/{p.name}", p.read_bytes(), None, inputs.DEFAULT_MAX_CHARS)
             for p in paths)
    return {r["source"]: r for r in Linter(default_pipeline()).lint(notes)}


def main() -> None:
    for source, result in results().items():
        golden_path(SAMPLES.parent / source).write_text(render(result), encoding="utf-8")
    sys.stdout.write("goldens rewritten; review them with git diff samples/\n")


if __name__ == "__main__":
    main()
