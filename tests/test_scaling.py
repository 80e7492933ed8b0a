"""Issue 21, case 1: lint cost proportional to note length.

Counted, not timed (timing on a shared 2-core machine swings by 2x): the profiler's
count of function calls, Cython's included, is the same on every run, and a
quadratic scan shows in it as surely as in seconds (the abbreviation matcher's
``( any+ )`` pattern, the per-item scans of every span of a label). The count runs in
a fresh interpreter, so that nothing earlier tests leave behind (service threads, lint
process pools, timers) runs under the profiler. The seconds per 100 kB at each size are
printed by ``python -m benchmarks.bench --scaling``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

COUNT = """
import cProfile, json, pstats, sys
from pathlib import Path
from notelint.io.note import from_text
from notelint.result.linter import Linter
from notelint.nlp.pipeline import default_pipeline

linter = Linter(default_pipeline(), timeout=None)  # one whole pass, no time budget
base = "".join(p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.txt")))
list(linter.lint([from_text("warm", base, [])]))  # components load their patterns once
per_char = {}
for size in (10_000, 100_000, 1_000_000):
    text = (base * (size // len(base) + 1))[:size]
    profile = cProfile.Profile()
    profile.runcall(lambda: list(linter.lint([from_text("long", text, [])])))
    per_char[size] = pstats.Stats(profile).total_calls / size
print(json.dumps(per_char))
"""


def test_scaling_calls_per_character_stay_flat_from_10_kb_to_1_mb():
    done = subprocess.run([sys.executable, "-c", COUNT, str(SAMPLES)], capture_output=True,
                          text=True, timeout=1200, check=True)
    per_char = {int(size): calls for size, calls in json.loads(done.stdout).items()}
    assert per_char[1_000_000] <= 1.5 * per_char[10_000], per_char
    assert per_char[100_000] <= 1.5 * per_char[10_000], per_char
