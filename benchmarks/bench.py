"""Benchmark: notelint against medspaCy's default pipeline and bare tokenization, in one run.

Usage::

    python -m benchmarks.bench [--corpus ../shared/corpus/mtsamples-dev.jsonl]
                             [--baseline ../shared/tools/medspacy_baseline.py]
                             [--big 10000] [--repeat 5] [--scaling]
                             [--distinct ../shared/corpus/mtsamples-wild.jsonl]

``--scaling`` prints only the seconds per 100 kB of one note of 10 kB, 100 kB
and 1 MB (the notes joined end to end), beside bare tokenization of the same
note: lint cost must stay proportional to note length (issue 21).

Every figure is a wall time of a whole command on this machine, so start-up is
included and then taken out: the marginal cost per note is
``(time(all notes) - time(one note)) / (notes - 1)``, the median of
``--repeat`` interleaved runs, on the notes six times over. Peak RSS is read
from the child's own rusage. The notes are the corpus when present, else the
synthetic samples repeated.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = Path("../shared/corpus/mtsamples-dev.jsonl")
DEFAULT_BASELINE = Path("../shared/tools/medspacy_baseline.py")
DEFAULT_DISTINCT = Path("../shared/corpus/mtsamples-wild.jsonl")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
COPIES = 6  # the batch whose marginal cost is measured: the notes this many times over


def run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one command; its output is discarded."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        error = child.stderr.read().decode(errors="replace")[-500:] if child.stderr else ""
        raise SystemExit(f"benchmark command failed ({child.returncode}): {command}\n{error}")
    return seconds, usage.ru_maxrss // 1024


def median_time(command: list[str], repeat: int) -> float:
    return statistics.median(run(command)[0] for _ in range(repeat))


def load_notes(corpus: Path) -> tuple[list[dict], str]:
    if corpus.is_file():
        with corpus.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle], str(corpus)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    notes = [{"id": f"gen-{i}", "text": texts[i % len(texts)]} for i in range(150)]
    return notes, f"{len(texts)} synthetic samples, repeated"


def write_jsonl(path: Path, notes: list[dict], count: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            note = notes[i % len(notes)]
            handle.write(json.dumps({"id": f"n{i}", "text": note["text"]}) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    parser.add_argument("--big", type=int, default=10_000, help="notes in the memory batch")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scaling", action="store_true", help="seconds per 100 kB by note size")
    parser.add_argument("--distinct", type=Path, default=DEFAULT_DISTINCT,
                        help="notes linted once each, beside the repeated batch (skipped if absent)")
    args = parser.parse_args(argv)

    notes, origin = load_notes(args.corpus)
    if args.scaling:
        return scaling(notes, origin, args.repeat)
    n = len(notes)
    py = sys.executable
    lint = [py, "-m", "notelint", "check", "--format", "jsonl"]
    tmp = Path(tempfile.mkdtemp(prefix="notelint-bench-"))
    every = write_jsonl(tmp / "all.jsonl", notes, n)
    # the notes six times over: a one-note run's start-up varies by a few tenths of a second,
    # which divided by the notes is noise in the per-note cost (6n halves it against 3n)
    batch = write_jsonl(tmp / "batch.jsonl", notes, COPIES * n)
    one = write_jsonl(tmp / "one.jsonl", notes, 1)
    one_txt = tmp / "one.txt"
    one_txt.write_text(notes[0]["text"], encoding="utf-8")
    print(f"notes: {n} ({origin}); machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    def marginal(commands: dict[str, list[str]], batch: Path, count: int,
                 repeat: int) -> dict[str, float]:
        """Per-note cost of each command; runs interleaved, so that a machine whose speed
        drifts during the run affects every command alike."""
        full: dict[str, list[float]] = {name: [] for name in commands}
        single: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeat):
            for name, command in commands.items():
                full[name].append(run([*command, str(batch)])[0])
                single[name].append(run([*command, str(one)])[0])
        return {name: (statistics.median(full[name]) - statistics.median(single[name]))
                / (count - 1) for name in commands}

    baseline = [py, str(args.baseline)]
    has_baseline = args.baseline.is_file()
    commands = {"notelint check --format jsonl": lint}
    if has_baseline:
        commands["bare spaCy tokenization"] = [*baseline, "tokenizer"]
    costs = marginal(commands, batch, COPIES * n, args.repeat)
    costs.setdefault("bare spaCy tokenization", float("nan"))
    costs["medspaCy default pipeline"] = (marginal({"m": [*baseline, "medspacy"]}, every, n, 1)["m"]
                                          if has_baseline else float("nan"))
    ours = costs["notelint check --format jsonl"]
    tokens = costs["bare spaCy tokenization"]
    medspacy = costs["medspaCy default pipeline"]
    print(f"\nmarginal cost per note (notelint and tokenization: {COPIES * n} notes, median of "
          f"{args.repeat} interleaved runs; medspaCy: {n} notes, one run)")
    for name, value in costs.items():
        print(f"  {name:<32} {value * 1000:8.2f} ms/note")
    speedup, vs_tokens = medspacy / ours, ours / tokens
    print(f"  medspaCy / notelint: {speedup:.1f}x (target >= 8)   "
          f"notelint / tokenization: {vs_tokens:.2f}x (target <= 2)")
    if has_baseline and args.distinct.is_file():
        # the batch above repeats its notes, and both tokenizers cache what they saw: here
        # every note is new to the process (spaCy stops caching after a note's first special
        # case; notelint caches every chunk, see ClinicalEnglish.make_doc)
        distinct = [json.loads(line) for line in args.distinct.open(encoding="utf-8")]
        fresh = marginal({"notelint": lint, "tokenization": [*baseline, "tokenizer"]},
                         write_jsonl(tmp / "distinct.jsonl", distinct, len(distinct)),
                         len(distinct), max(args.repeat // 2, 1))
        print(f"  on {len(distinct)} notes each seen once ({args.distinct.name}): notelint "
              f"{fresh['notelint'] * 1000:.2f} ms/note, tokenization "
              f"{fresh['tokenization'] * 1000:.2f} ms/note, "
              f"{fresh['notelint'] / fresh['tokenization']:.2f}x")

    ours_starts, spacy_starts = [], []
    for _ in range(5):  # interleaved, like the per-note costs
        ours_starts.append(run([py, "-m", "notelint", "check", str(one_txt)])[0])
        spacy_starts.append(run([py, "-c", "import spacy"])[0])
    start_ours, start_spacy = statistics.median(ours_starts), statistics.median(spacy_starts)
    ratio = start_ours / start_spacy
    print(f"\nstart-up (median of 5): notelint check one-note.txt {start_ours:.2f} s; "
          f"python -c 'import spacy' {start_spacy:.2f} s; ratio {ratio:.2f} (target <= 1.5)")

    print("\nthroughput on the same notes (--format jsonl)")
    for jobs in (1, 2):
        seconds = median_time([*lint, "--jobs", str(jobs), str(every)], args.repeat)
        print(f"  --jobs {jobs}: {n / seconds:7.1f} notes/s ({seconds:.2f} s, start-up included)")

    small = write_jsonl(tmp / "small.jsonl", notes, max(args.big // 10, 1))
    big = write_jsonl(tmp / "big.jsonl", notes, args.big)
    _, rss_small = run([*lint, str(small)])
    big_seconds, rss_big = run([*lint, str(big)])
    print(f"\npeak RSS, one job: {args.big // 10} notes {rss_small} MB; {args.big} notes {rss_big} MB "
          f"({big_seconds:.0f} s; target <= 500 MB and flat)")

    checks = {
        "8x faster than medspaCy": speedup >= 8,
        "at most 2x tokenization": vs_tokens <= 2,
        "start-up at most 1.5x import spacy": ratio <= 1.5,
        "peak RSS <= 500 MB": rss_big <= 500,
        "RSS flat (10x notes, < 1.2x memory)": rss_big <= 1.2 * rss_small,
    }
    print()
    for name, ok in checks.items():
        print(f"  {'met    ' if ok else 'NOT MET'}  {name}")
    print("all targets met" if all(checks.values()) else "some targets not met")
    return 0


def scaling(notes: list[dict], origin: str, repeat: int) -> int:
    """Seconds per 100 kB at 10 kB, 100 kB and 1 MB, beside bare tokenization of the same note.

    Timed in this process, after a warm-up, with the median of ``repeat`` interleaved runs:
    a whole command's start-up varies by more than a 10 kB note costs.
    """
    import spacy

    from notelint.io.note import from_text
    from notelint.nlp.pipeline import default_pipeline
    from notelint.result.linter import Linter

    joined = "\n\n".join(n["text"] for n in notes)
    linter, tokenizer = Linter(default_pipeline()), spacy.blank("en")
    linter.nlp.max_length = tokenizer.max_length = 2_000_000
    list(linter.lint([from_text("warm-up", joined[:200_000], [])]))
    print(f"one note made of {origin}, joined end to end; median of {repeat} interleaved runs")
    print(f"{'size':>10}  {'notelint s/100 kB':>18}  {'tokenization s/100 kB':>22}  {'ratio':>6}")
    for size in (10_000, 100_000, 1_000_000):
        text = (joined * (size // len(joined) + 1))[:size]
        ours, tokens = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            list(linter.lint([from_text("n", text, [])]))
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            tokenizer(text)
            tokens.append(time.perf_counter() - start)
        per_ours = statistics.median(ours) / size * 100_000
        per_tokens = statistics.median(tokens) / size * 100_000
        print(f"{size:>10}  {per_ours:>18.3f}  {per_tokens:>22.3f}  {per_ours / per_tokens:>5.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
