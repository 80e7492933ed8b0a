"""Accuracy of notelint against hand annotations, printed like a benchmark.

Usage::

    python -m evaluation.evaluate [--corpus ../shared/corpus/mtsamples-dev.jsonl]
                                [--gold evaluation/gold] [--samples samples] [--errors]

Two gold sets:

* real notes: ``evaluation/gold/*.jsonl`` holds note ids, offsets and values
  only (see ``evaluation/ANNOTATION.md``); the text is read from the corpus,
  and this part is skipped when the corpus file is absent;
* synthetic notes: ``samples/expectations.jsonl``, written by hand per sample
  (values in order, the exact set of rules that must fire, the suggested code).

``--errors`` lists every false positive and false negative with its context
(note text: for development on public or synthetic notes only).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path("../shared/corpus/mtsamples-dev.jsonl")
DEFAULT_WILD = Path("../shared/corpus/mtsamples-wild.jsonl")


@dataclass
class Score:
    """Counts of one field: true positives, false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self, name: str) -> str:
        return (f"{name:<28} {self.tp:>5} {self.fp:>5} {self.fn:>5} "
                f"{self.precision:>9.3f} {self.recall:>7.3f} {self.f1:>7.3f}")


def _context(text: str, start: int, end: int, width: int = 50) -> str:
    left = text[max(0, start - width) : start].replace("\n", " ")
    right = text[end : end + width].replace("\n", " ")
    return f"...{left}[{text[start:end]}]{right}..."


def match_spans(gold: list[dict[str, Any]], pred: list[dict[str, Any]], key: str,
                score: Score, source: str, text: str) -> None:
    """Match items by overlapping span and equal value; each gold item matches once."""
    used: set[int] = set()
    for p in pred:
        hit = next((i for i, g in enumerate(gold) if i not in used and g[key] == p[key]
                    and g["start"] < p["end"] and p["start"] < g["end"]), None)
        if hit is None:
            score.fp += 1
            score.errors.append(f"FP {source} {key}={p[key]!r} {_context(text, p['start'], p['end'])}")
        else:
            used.add(hit)
            score.tp += 1
    for i, g in enumerate(gold):
        if i not in used:
            score.fn += 1
            score.errors.append(f"FN {source} {key}={g[key]!r} {_context(text, g['start'], g['end'])}")


def match_values(gold: Iterable[Any], pred: Iterable[Any], score: Score, source: str) -> None:
    """Match values as multisets (synthetic gold has values, not offsets)."""
    g, p = Counter(map(json.dumps, gold)), Counter(map(json.dumps, pred))
    score.tp += sum((g & p).values())
    for value, n in (p - g).items():
        score.fp += n
        score.errors.append(f"FP {source} {value}")
    for value, n in (g - p).items():
        score.fn += n
        score.errors.append(f"FN {source} {value}")


def _linter() -> Any:
    from notelint.nlp.pipeline import default_pipeline
    from notelint.result.linter import Linter

    return Linter(default_pipeline())


def _lint_texts(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    from notelint.io.note import from_text

    return list(_linter().lint(from_text(source, text) for source, text in pairs))


def _print_scores(title: str, scores: dict[str, Score], show_errors: bool) -> None:
    print(f"\n{title}")
    print(f"{'field':<28} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>9} {'recall':>7} {'f1':>7}")
    for name, score in scores.items():
        print(score.row(name))
    if show_errors:
        for name, score in scores.items():
            for line in score.errors:
                print(f"  [{name}] {line}")


def read_corpus(*corpora: Path) -> dict[str, str]:
    """Note text by id, from one or more corpus files (JSON Lines with ``id`` and ``text``)."""
    notes = {}
    for corpus in corpora:
        with corpus.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                notes[record["id"]] = record["text"]
    return notes


def read_gold(gold_dir: Path) -> list[dict[str, Any]]:
    """Every annotation line of the ``*.jsonl`` files of a gold folder, in file order."""
    return [json.loads(line) for path in sorted(gold_dir.glob("*.jsonl"))
            for line in path.open(encoding="utf-8") if line.strip()]


def evaluate_real(corpus: Path | dict[str, str], gold_dir: Path, show_errors: bool,
                  title: str = "Real notes", lint_all: bool = True) -> dict[str, Any]:
    """Scores on the annotated real notes, and applicability on the whole corpus.

    ``corpus`` is a corpus file or note texts by id; with ``lint_all`` false only the
    annotated notes are linted (and applicability is counted on them).
    """
    notes = read_corpus(corpus) if isinstance(corpus, Path) else corpus
    gold = read_gold(gold_dir)
    if not lint_all:
        notes = {g["id"]: notes[g["id"]] for g in gold}
    results = {r["source"]: r for r in _lint_texts(list(notes.items()))}
    scores = {name: Score() for name in ("rom degrees", "strength grades", "contracture status",
                                         "contracture kind")}
    status_ok = status_total = 0
    for g in gold:
        text, result = notes[g["id"]], results[g["id"]]
        ev = result["evidence"]
        match_spans(g["rom"], ev["rom"], "degrees", scores["rom degrees"], g["id"], text)
        match_spans(g["strength"], ev["strength"], "grade", scores["strength grades"], g["id"], text)
        match_spans(g["contractures"], ev["contractures"], "status",
                    scores["contracture status"], g["id"], text)
        match_spans(g["contractures"], ev["contractures"], "kind",
                    scores["contracture kind"], g["id"], text)
        for gc in g["contractures"]:
            status_total += 1
            status_ok += any(pc["status"] == gc["status"] and pc["start"] < gc["end"]
                             and gc["start"] < pc["end"] for pc in ev["contractures"])
    wrongly = [r["source"] for r in results.values() if r["applicable"]]
    affirmed = [r["source"] for r in results.values()
                if any(c["status"] == "affirmed" and c["kind"] == "muscle"
                       for c in r["evidence"]["contractures"])]
    where = corpus if isinstance(corpus, Path) else f"{len(notes)} notes"
    _print_scores(f"{title}: {len(gold)} annotated notes ({gold_dir}) of {where}", scores,
                  show_errors)
    accuracy = status_ok / status_total if status_total else 1.0
    print(f"contracture status accuracy: {accuracy:.3f} ({status_ok}/{status_total} mentions)")
    print(f"notes wrongly marked applicable: {len(wrongly)} of {len(notes)} {wrongly or ''}")
    print(f"notes with an affirmed muscle contracture: {len(affirmed)} of {len(notes)} "
          f"{affirmed or ''}")
    return {"scores": scores, "wrongly_applicable": wrongly, "affirmed": affirmed,
            "status_accuracy": accuracy}


def evaluate_samples(samples: Path, show_errors: bool) -> dict[str, Any]:
    """Scores on the synthetic samples against their hand-written expectations."""
    from notelint.rules import RULES

    expected = [json.loads(line) for line in (samples / "expectations.jsonl").open()
                if line.strip()]
    pairs = [(e["sample"], (samples / e["sample"]).read_text(encoding="utf-8")) for e in expected]
    results = {r["source"]: r for r in _lint_texts(pairs)}
    fields = {name: Score() for name in ("rom degrees", "strength grades", "muscle site",
                                         "muscle laterality", "contracture status")}
    rules = {code: Score() for code in RULES}
    code_ok = applicable_ok = 0
    for e in expected:
        r, name = results[e["sample"]], e["sample"]
        ev = r["evidence"]
        match_values(e["rom"], [i["degrees"] for i in ev["rom"]], fields["rom degrees"], name)
        match_values(e["strength"], [i["grade"] for i in ev["strength"]],
                     fields["strength grades"], name)
        match_values([(m["text"].lower(), m["site"]) for m in e["muscles"]],
                     [(m["text"].lower(), m["site"]) for m in ev["muscles"]],
                     fields["muscle site"], name)
        match_values([(m["text"].lower(), m["laterality"]) for m in e["muscles"]],
                     [(m["text"].lower(), m["laterality"]) for m in ev["muscles"]],
                     fields["muscle laterality"], name)
        match_values(e["contractures"], [c["status"] for c in ev["contractures"]],
                     fields["contracture status"], name)
        fired = {f["rule"] for f in r["findings"]}
        for code, score in rules.items():
            want, got = code in e["fires"], code in fired
            score.tp += want and got
            if got and not want:
                score.fp += 1
                score.errors.append(f"FP {name}")
            if want and not got:
                score.fn += 1
                score.errors.append(f"FN {name}")
        code_ok += r["suggested_codes"] == e["suggested"]
        applicable_ok += r["applicable"] == e["applicable"]
        if show_errors and r["suggested_codes"] != e["suggested"]:
            print(f"  [suggested] {name}: expected {e['suggested']}, got {r['suggested_codes']}")
    _print_scores(f"Synthetic samples: {len(expected)} ({samples}/expectations.jsonl)",
                  fields, show_errors)
    _print_scores("Findings per rule (synthetic samples)", rules, show_errors)
    unexpected = sum(s.fp for s in rules.values())
    missed = sum(s.fn for s in rules.values())
    print(f"suggested-code accuracy: {code_ok}/{len(expected)}; applicability: "
          f"{applicable_ok}/{len(expected)}; unexpected findings: {unexpected}; "
          f"missed findings: {missed}")
    return {"fields": fields, "rules": rules, "unexpected": unexpected, "missed": missed,
            "code_ok": code_ok, "total": len(expected), "applicable_ok": applicable_ok}


# the rule catalogue of RULES.md: a scenario's silent checks are every code it does not
# expect (fixed here, so that first-run and final figures share one denominator)
CATALOGUE = ("NL101", "NL102", "NL201", "NL202", "NL203", "NL204", "NL205", "NL301", "NL302",
             "NL303", "NL304", "NL305", "NL306", "NL307", "NL308", "NL401", "NL402", "NL403",
             "NL501", "NL601", "NL602")


def evaluate_scenarios(folder: Path, show_errors: bool, title: str = "Coded scenarios"
                       ) -> dict[str, Any]:
    """Scores on coded scenario notes (``*.jsonl``: ``id``, ``text``, ``codes``, ``expect``).

    Must-fire recall: the share of expected rules that fire. Wrong fires: the share of
    silent checks (catalogue codes neither expected nor in ``may_fire``) that fire.
    """
    from notelint.io.note import from_text

    cases = read_gold(folder)
    notes = [from_text(c["id"], c["text"], c.get("codes", [])) for c in cases]
    results = {r["source"]: r for r in _linter().lint(notes)}
    fired_ok = fire_total = wrong = silent_total = 0
    counts = Counter[str]()
    per_rule = {code: Score() for code in CATALOGUE}
    errors: list[str] = []
    for case in cases:
        expect, result = case["expect"], results[case["id"]]
        fired = {f["rule"] for f in result["findings"]}
        must, may = set(expect["fire"]), set(expect.get("may_fire", []))
        fired_ok += len(must & fired)
        fire_total += len(must)
        silent = [c for c in CATALOGUE if c not in must and c not in may]
        silent_total += len(silent)
        wrong += sum(c in fired for c in silent)
        for code in CATALOGUE:
            score = per_rule[code]
            if code in must:
                score.tp += code in fired
                score.fn += code not in fired
            elif code in fired and code not in may:
                score.fp += 1
        checks = {"code": result["suggested_codes"] == expect["suggested_codes"],
                  "applicable": result["applicable"] == expect["applicable"],
                  "verdict": result.get("verdict") == expect.get("verdict")}
        counts.update(k for k, ok in checks.items() if ok)
        if show_errors:
            missed, extra = sorted(must - fired), sorted((fired - must) - may)
            if missed or extra or not all(checks.values()):
                errors.append(f"{case['id']} [{case.get('style', '')}] missed {missed} wrong {extra}"
                              f" code {result['suggested_codes']} (want {expect['suggested_codes']})"
                              f" applicable {result['applicable']} verdict {result.get('verdict')}"
                              f" (want {expect.get('verdict')})")
    n = len(cases)
    recall = fired_ok / fire_total if fire_total else 1.0
    wrong_rate = wrong / silent_total if silent_total else 0.0
    print(f"\n{title}: {n} notes ({folder})")
    print(f"must-fire recall {recall:.3f} ({fired_ok}/{fire_total}); must-stay-silent checks "
          f"that fired {wrong_rate:.3%} ({wrong}/{silent_total}); suggested code right "
          f"{counts['code'] / n:.3f} ({counts['code']}/{n}); applicability "
          f"{counts['applicable']}/{n}; verdict {counts['verdict']}/{n}")
    print(f"{'rule':<28} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>9} {'recall':>7} {'f1':>7}")
    for code, score in per_rule.items():
        if score.tp or score.fp or score.fn:
            print(score.row(code))
    for line in errors:
        print(f"  {line}")
    return {"recall": recall, "wrong_rate": wrong_rate, "code": counts["code"] / n,
            "applicable": counts["applicable"] / n, "verdict": counts["verdict"] / n, "n": n}


def sample_wild(corpus: Path, kind: str, n: int, seed: int, width: int = 80) -> list[dict[str, Any]]:
    """``n`` reported items of ``kind`` (``rom`` or ``strength``) drawn at random from a corpus,
    each with its note id, offsets, value and context, for a person to judge."""
    import random

    notes = read_corpus(corpus)
    items = []
    for result in _lint_texts(list(notes.items())):
        text = notes[result["source"]]
        for item in result["evidence"][kind]:
            value = item.get("degrees", item.get("grade"))
            items.append({"id": result["source"], "start": item["start"], "end": item["end"],
                          "value": value, "context": _context(text, item["start"], item["end"],
                                                              width)})
    random.Random(seed).shuffle(items)
    return items[:n]


def judged_wild(corpus: Path, judged: Path) -> dict[str, Counter[str]]:
    """Every ROM and strength item reported on ``corpus`` now, against the judgments of
    ``judged`` (JSON Lines: ``kind``, ``id``, ``start``, ``verdict``): per kind, how many are
    judged ``correct``, ``wrong``, or not judged yet (``unjudged``: judge them before quoting
    a precision)."""
    verdicts = {(j["kind"], j["id"], j["start"]): j["verdict"]
                for j in map(json.loads, judged.read_text(encoding="utf-8").splitlines()) if j}
    notes = read_corpus(corpus)
    counts: dict[str, Counter[str]] = {"rom": Counter(), "strength": Counter()}
    for result in _lint_texts(list(notes.items())):
        for kind, tally in counts.items():
            for item in result["evidence"][kind]:
                tally[verdicts.get((kind, result["source"], item["start"]), "unjudged")] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    """Run both evaluations; exit 0 (the figures are the output, not a pass/fail)."""
    parser = argparse.ArgumentParser(prog="python -m evaluation.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--gold", type=Path, default=Path("evaluation/gold"),
                        help="annotations used while developing the patterns")
    parser.add_argument("--heldout", type=Path, default=Path("evaluation/heldout"),
                        help="annotations never used for development")
    parser.add_argument("--samples", type=Path, default=Path("samples"))
    parser.add_argument("--wild", type=Path, default=DEFAULT_WILD,
                        help="the unlabelled corpus of every specialty")
    parser.add_argument("--blind", type=Path, default=Path("evaluation/blind"),
                        help="frozen blind sets: real-note gold and coded scenarios")
    parser.add_argument("--errors", action="store_true", help="list false positives and negatives")
    parser.add_argument("--sample-wild", type=int, metavar="N",
                        help="print N reported items of --kind drawn at random from --wild "
                             "(JSON Lines with context, for a person to judge) and stop")
    parser.add_argument("--kind", choices=("rom", "strength"), default="rom")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--judged", type=Path, metavar="FILE",
                        help="score every item reported on --wild against these judgments "
                             "(evaluation/judged-wild/*.jsonl) and stop")
    args = parser.parse_args(argv)
    if args.judged:
        if not args.wild.is_file():
            print(f"{args.wild} is absent", file=sys.stderr)
            return 2
        for kind, tally in judged_wild(args.wild, args.judged).items():
            judged = tally["correct"] + tally["wrong"]
            precision = f"{tally['correct'] / judged:.3f}" if judged else "n/a"
            print(f"{kind}: {sum(tally.values())} reported; {tally['correct']} correct, "
                  f"{tally['wrong']} wrong, {tally['unjudged']} not judged; precision {precision}")
        return 0
    if args.sample_wild:
        if not args.wild.is_file():
            print(f"{args.wild} is absent", file=sys.stderr)
            return 2
        for item in sample_wild(args.wild, args.kind, args.sample_wild, args.seed):
            print(json.dumps(item))
        return 0
    evaluate_samples(args.samples, args.errors)
    if args.corpus.is_file():
        evaluate_real(args.corpus, args.gold, args.errors, "Real notes, development set")
        if args.heldout.is_dir():
            evaluate_real(args.corpus, args.heldout, args.errors, "Real notes, held-out set")
    else:
        print(f"\nReal notes: skipped ({args.corpus} is absent)")
    evaluate_blind(args.blind, args.corpus, args.wild, args.errors)
    return 0


def evaluate_blind(blind: Path, dev: Path, wild: Path, show_errors: bool) -> dict[str, Any]:
    """The frozen blind sets (never tuned on): real-note gold and coded scenarios."""
    figures: dict[str, Any] = {}
    scenarios = blind / "scenarios"
    if scenarios.is_dir():
        figures["scenarios"] = evaluate_scenarios(scenarios, show_errors,
                                                  "Blind coded scenarios (frozen, never tuned on)")
    real = blind / "real"
    if real.is_dir() and dev.is_file() and wild.is_file():
        figures["real"] = evaluate_real(read_corpus(dev, wild), real, show_errors,
                                        "Blind real notes (frozen, never tuned on)", lint_all=False)
    elif real.is_dir():
        print(f"\nBlind real notes: skipped ({dev} or {wild} is absent)")
    return figures


if __name__ == "__main__":
    sys.exit(main())
