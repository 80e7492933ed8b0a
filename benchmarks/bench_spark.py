"""Benchmark: ``notelint batch --engine spark`` on local[1] and local[2] against
``notelint check --jobs 1`` and ``--jobs 2``, on the same notes, in one run.

Usage (from the repository root, with the spark extra and Java installed)::

    python -m benchmarks.bench_spark [--corpus ../shared/corpus/mtsamples-dev.jsonl]
                                   [--notes 1000] [--repeat 3]

Each figure is the wall time of a whole command (JSONL in; JSON Lines to /dev/null for
the CLI, a Parquet folder for Spark), the median of ``--repeat`` runs taken in turn,
so that a machine whose speed drifts affects every command alike. The start-up (the
interpreter, the JVM, Spark's Python workers and their pipelines) is measured with a
one-note input and reported on its own; the steady rate excludes it:
``(notes - 1) / (time(all notes) - time(one note))``. The notes are the corpus when
present, else the synthetic samples, repeated up to ``--notes``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench import DEFAULT_CORPUS, load_notes, run, write_jsonl


def _java_version() -> str:
    try:
        shown = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    except OSError:
        return "no java"
    return shown.splitlines()[0] if shown else "java"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_spark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--notes", type=int, default=1000, help="notes in the batch")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    import pyspark

    notes, origin = load_notes(args.corpus)
    with tempfile.TemporaryDirectory(prefix="notelint-bench-spark-") as folder:
        return _bench(args, notes, origin, Path(folder), pyspark.__version__)


def _bench(args: argparse.Namespace, notes: list[dict], origin: str, tmp: Path,
           spark_version: str) -> int:
    batch = write_jsonl(tmp / "all.jsonl", notes, args.notes)
    one = write_jsonl(tmp / "one.jsonl", notes, 1)
    py = sys.executable
    commands = {
        "notelint check --jobs 1": [py, "-m", "notelint", "check", "--format", "jsonl", "--jobs", "1"],
        "notelint check --jobs 2": [py, "-m", "notelint", "check", "--format", "jsonl", "--jobs", "2"],
    }
    for cores in (1, 2):
        commands[f"notelint batch local[{cores}]"] = [
            py, "-m", "notelint", "batch", "--engine", "spark", "--master", f"local[{cores}]",
            "--overwrite", "-q"]
    print(f"notes: {args.notes} ({len(notes)} notes: {origin}, repeated); machine: "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, pyspark "
          f"{spark_version}, {_java_version()}")

    full: dict[str, list[float]] = {name: [] for name in commands}
    single: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            spark = "batch" in name
            for source, times in ((batch, full[name]), (one, single[name])):
                output = [str(tmp / "out.parquet")] if spark else []
                times.append(run([*command, str(source), *output])[0])

    print(f"\nmedian of {args.repeat} runs in turn; start-up excluded = (notes - 1) / "
          "(time(all) - time(one note))")
    print(f"  {'command':<26} {'start-up excluded':>18} {'end to end':>14} {'start-up':>10}")
    steady: dict[str, float] = {}
    for name in commands:
        whole, start = statistics.median(full[name]), statistics.median(single[name])
        steady[name] = (args.notes - 1) / (whole - start)
        print(f"  {name:<26} {steady[name]:12.1f} notes/s {args.notes / whole:8.1f} notes/s "
              f"{start:8.1f} s")
    for spark_name, cli_name in (("notelint batch local[1]", "notelint check --jobs 1"),
                                 ("notelint batch local[2]", "notelint check --jobs 2")):
        print(f"  {spark_name} / {cli_name}, start-up excluded: "
              f"{steady[spark_name] / steady[cli_name]:.2f}")
    spark_scaling = steady["notelint batch local[2]"] / steady["notelint batch local[1]"]
    cli_scaling = steady["notelint check --jobs 2"] / steady["notelint check --jobs 1"]
    print(f"  local[2] / local[1]: {spark_scaling:.2f}; --jobs 2 / --jobs 1: {cli_scaling:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
