"""Issue 21, case 1: lint cost proportional to note length.

Counted, not timed (timing on a shared 2-core machine swings by 2x): the profiler's
count of function calls, Cython's included, is the same on every run, and a
quadratic scan shows in it as surely as in seconds (the abbreviation matcher's
``( any+ )`` pattern, the per-item scans of every span of a label). The seconds
per 100 kB at each size are printed by ``python -m notelint.bench --scaling``.
"""

from __future__ import annotations

import cProfile
import pstats
from pathlib import Path

from notelint.inputs import from_text
from notelint.linter import Linter

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _calls(linter, text: str) -> int:
    profile = cProfile.Profile()
    profile.runcall(lambda: list(linter.lint([from_text("long", text, [])])))
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


def test_scaling_calls_per_character_stay_flat_from_10_kb_to_1_mb(linter):
    # no time budget: under the profiler a 1 MB note takes minutes, and what is counted
    # is the calls of one whole pass
    linter = Linter(linter.nlp, linter.config, timeout=None)
    base = "".join(p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt")))
    list(linter.lint([from_text("warm", base, [])]))  # components load their patterns once
    per_char = {}
    for size in (10_000, 100_000, 1_000_000):
        text = (base * (size // len(base) + 1))[:size]
        per_char[size] = _calls(linter, text) / size
    assert per_char[1_000_000] <= 1.5 * per_char[10_000], per_char
    assert per_char[100_000] <= 1.5 * per_char[10_000], per_char
