"""Provider queries (issue 18): every query drafted for every sample and corpus note is held to
the points of the AHIMA/ACDIS "Guidelines for Achieving a Compliant Query Practice" (2022
update), on the real pipeline's output.

- indicators are quoted from this note only, at the offsets, line and column they claim;
- a query is open-ended, or multiple choice whose options the note's evidence supports, plus
  "Other (please specify)" and "Clinically undetermined"; never a bare yes/no;
- non-leading: no word about payment, DRGs, quality scores or audits, no code number, no
  option marked as preferred, in anything the provider reads;
- one question per query; findings about one contracture are one question;
- every kind has a sample, and renders in text, JSON and HTML; the API and the service
  give the same queries as the CLI. The MTSamples notes (none applicable) give none.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES
from goldens import results

import notelint
from notelint.errors import PatternError
from notelint.interfaces.cli import cli
from notelint.io.note import from_text
from notelint.lexicon import patterns_dir
from notelint.result.queries import CODE_NUMBER, load_templates, templates

CORPUS = sorted((ROOT.parent / "shared" / "corpus").glob("*.jsonl"))
# what a query must never say to a provider (AHIMA/ACDIS 2022: a query may not indicate the
# financial or quality impact of the answer); matched as whole words, case-insensitive
BANNED = ("reimbursement", "reimburse", "payment", "pay", "paid", "payer", "DRG", "MS-DRG",
          "APR-DRG", "quality score", "quality scores", "quality measure", "quality", "audit",
          "audits", "auditor", "audited", "billing", "bill", "billed", "billable", "revenue",
          "denial", "denied", "money", "financial", "CMI", "case mix", "HCC", "RAF",
          "risk adjustment", "code", "codes", "coding", "coder", "ICD", "ICD-10", "ICD-10-CM",
          "CPT", "LCD", "CMS")
# what would present one option as the expected answer
PREFERRED = ("recommended", "preferred", "most likely", "likely", "probable", "suggested",
             "best", "consistent with", "should")
YES_NO = {"yes", "no"}
_PREFERRED = re.compile(r"\b(" + "|".join(re.escape(w) for w in PREFERRED) + r")\b", re.IGNORECASE)
_BANNED = re.compile(r"\b(" + "|".join(re.escape(w) for w in BANNED) + r")\b", re.IGNORECASE)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|[\n\r\u2028\u2029\x0b\x0c\x1c-\x1e\x85]",
                                                   text)]
    line = max(i for i, start in enumerate(starts) if start <= offset)
    return line + 1, offset - starts[line] + 1


@pytest.fixture(scope="module")
def sample_runs() -> list[tuple[str, dict]]:
    """Every sample's text and result, as the CLI lints it."""
    found = results()
    return [((SAMPLES / Path(source).name).read_text(encoding="utf-8"), result)
            for source, result in found.items()]


@pytest.fixture(scope="module")
def corpus_runs(linter) -> list[tuple[str, dict]]:
    """Every note of ../shared/corpus/*.jsonl with its result (none when the corpus is absent)."""
    notes = [from_text(str(record["id"]), record["text"], None)
             for path in CORPUS for record in map(json.loads, path.open(encoding="utf-8"))]
    return [(note.text, result) for note, result in zip(notes, linter.lint(iter(notes)), strict=True)]


@pytest.fixture(scope="module")
def tuning_runs(linter) -> list[tuple[str, dict]]:
    """The synthetic coded notes of evaluation/tuning/ with their results (the blind sets stay
    out of every test)."""
    from notelint.io.inputs import jsonl

    notes = [note for path in sorted((ROOT / "evaluation" / "tuning").glob("*.jsonl"))
             for note in jsonl(path.open("rb"), str(path), None, 1_000_000)]
    return [(note.text, result) for note, result in zip(notes, linter.lint(iter(notes)), strict=True)]


def _queries(runs: list[tuple[str, dict]]) -> list[tuple[str, dict, dict]]:
    return [(text, result, query) for text, result in runs for query in result["queries"]]


def _provider_text(query: dict) -> list[str]:
    """What the provider reads: the question, the options and the quoted indicators."""
    return [query["question"], *query["options"], *(i["text"] for i in query["indicators"])]


def test_queries_samples_draft_every_kind(sample_runs):
    kinds = {q["kind"] for _, _, q in _queries(sample_runs)}
    assert kinds == set(templates().kinds), "every query kind needs a sample that drafts it"


def test_queries_only_for_applicable_notes(sample_runs):
    for _, result in sample_runs:
        if not result["applicable"]:
            assert result["queries"] == []
        assert isinstance(result["queries"], list)


def _check_compliance(text: str, result: dict, query: dict) -> None:
    where = f"{result['source']} [{query['kind']}]"
    assert set(query) == {"kind", "question", "options", "indicators", "resolves", "reason"}
    # one question: one question mark, at its end
    assert query["question"].count("?") == 1 and query["question"].endswith("?"), where
    assert query["question"].startswith("Please clarify"), where
    # non-leading: nothing about payment, quality or audits; no code number; nothing preferred
    for words in _provider_text(query):
        assert not _BANNED.search(words), f"{where}: banned word {_BANNED.search(words).group()!r}"
        assert not CODE_NUMBER.search(words), f"{where}: code number in {words!r}"
    for option in query["options"]:
        # whole words: "should" leads, the "shoulder" joint does not
        assert not _PREFERRED.search(option), f"{where}: {option!r} leads"
    # open-ended, or multiple choice ending with the two generic options; never yes/no
    options = query["options"]
    if options:
        assert options[-2:] == templates().generic(), where
        assert len(options) >= 3 and len(set(options)) == len(options), where
        assert not {o.lower().strip(".") for o in options} & YES_NO, where
    # indicators: quoted from this note, at the offsets, line and column they claim
    assert query["indicators"], f"{where}: a query needs clinical indicators"
    for item in query["indicators"]:
        assert text[item["start"]:item["end"]] == item["text"], where
        assert item["text"].strip() == item["text"] and item["text"], where
        assert (item["line"], item["column"]) == _line_column(text, item["start"]), where
    # the coder's side: the findings it settles are the note's, and a reason
    assert set(query["resolves"]) <= {f["rule"] for f in result["findings"]}, where
    assert query["reason"].strip(), where


def test_queries_samples_are_compliant(sample_runs):
    drafted = _queries(sample_runs)
    assert len(drafted) >= len(templates().kinds)
    for text, result, query in drafted:
        _check_compliance(text, result, query)


def test_queries_tuning_notes_are_compliant(tuning_runs):
    drafted = _queries(tuning_runs)
    assert len(tuning_runs) >= 100 and len(drafted) >= 20
    for text, result, query in drafted:
        _check_compliance(text, result, query)


@pytest.mark.skipif(not CORPUS, reason="../shared/corpus absent")
def test_queries_corpus_notes_draft_none(corpus_runs):
    assert len(corpus_runs) >= 150
    drafted = _queries(corpus_runs)
    for text, result, query in drafted:  # would any be drafted, each must still comply
        _check_compliance(text, result, query)
    assert [r["source"] for _, r, _ in drafted] == [], "no corpus note is applicable"


def _option_record(option: str, option_set: str) -> tuple[object, dict[str, str]]:
    """The option wording of patterns/queries.jsonl an option was made from, and its slots
    (the wording with the most fixed words first: "{side_a}" matches anything)."""
    fixed = sorted((r for r in templates().options if r.set == option_set),
                   key=lambda r: -len(re.sub(r"\{\w+\}", "", r.text)))
    for record in fixed:
        parts = re.split(r"\{(\w+)\}", record.text)
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+)" for i, p in enumerate(parts))
        match = re.fullmatch(pattern, option)
        if match:
            return record, match.groupdict()
    raise AssertionError(f"option {option!r} is not worded by the {option_set!r} options of "
                         "patterns/queries.jsonl")


def test_queries_options_are_supported_by_the_note(sample_runs):
    generic = templates().generic()
    checked = 0
    for text, result, query in _queries(sample_runs):
        kind = templates().kinds[query["kind"]]
        for option in query["options"]:
            if option in generic:
                continue
            record, slots = _option_record(option, kind.options)
            # the evidence lists that support it hold an item of this note
            assert any(result["evidence"][name] for name in record.supported_by), option
            # and what it names is in the note's own words: a muscle, joint, side, site or cause
            for value in slots.values():
                for word in re.split(r"[\s,]+", value.lower()):
                    if word not in {"and", "of", "the", "joint", "joints"}:
                        assert word in text.lower(), f"{option!r}: {word!r} is not in the note"
            if record.set == "causes":
                assert option.lower() in {c["cause"] for c in result["evidence"]["causes"]}
            if record.set == "basis":
                lists = {"muscle": ("myogenic", "contractures"), "joint": ("arthrogenic", "contractures"),
                         "spasm": ("spasm",), "neural": ("neural",)}[record.value]
                assert any(i.get("status", "affirmed") == "affirmed"
                           for name in lists for i in result["evidence"][name]), option
            checked += 1
    assert checked >= 5


def test_queries_grouping_one_contracture_is_one_question(sample_runs):
    by_source = {r["source"]: r for _, r in sample_runs}
    result = by_source["samples/lower-leg-contracture-no-muscle-no-side-m6240.txt"]
    assert {"NL101", "NL102", "NL201"} <= {f["rule"] for f in result["findings"]}
    site = [q for q in result["queries"] if {"NL101", "NL102", "NL201"} & set(q["resolves"])]
    assert len(site) == 1 and site[0]["kind"] == "muscle-site"
    assert set(site[0]["resolves"]) >= {"NL101", "NL102", "NL201"}
    assert "side" in site[0]["question"] and site[0]["options"] == []


def test_queries_each_finding_is_settled_by_one_query_at_most(sample_runs):
    for _, result in sample_runs:
        seen: list[str] = []
        for query in result["queries"]:
            assert not set(query["resolves"]) & set(seen), result["source"]
            seen.extend(query["resolves"])


def _sample_of_each_kind(sample_runs) -> dict[str, str]:
    found: dict[str, str] = {}
    for _, result in sample_runs:
        for query in result["queries"]:
            found.setdefault(query["kind"], result["source"])
    return found


def test_queries_every_kind_renders_in_text_json_and_html(sample_runs, monkeypatch):
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    for kind, source in sorted(_sample_of_each_kind(sample_runs).items()):
        expected = next(r for _, r in sample_runs if r["source"] == source)
        query = next(q for q in expected["queries"] if q["kind"] == kind)
        shown = runner.invoke(cli, ["query", source])
        assert shown.exit_code == 0, shown.output
        assert query["question"] in shown.stdout and f"[{kind}]" in shown.stdout
        for item in query["indicators"]:
            assert f"line {item['line']}, column {item['column']}: \"{item['text']}\"" in shown.stdout
        for option in query["options"]:
            assert f"[ ] {option}" in shown.stdout
        document = json.loads(runner.invoke(cli, ["query", source, "--format", "json"]).stdout)
        assert document["results"][0]["queries"] == expected["queries"]
        page = runner.invoke(cli, ["query", source, "--format", "html"]).stdout
        assert f'class="query {kind}"' in page
        assert html.escape(query["question"]) in page
        for option in query["options"]:
            assert html.escape(option) in page


def test_queries_check_results_carry_them(monkeypatch):
    monkeypatch.chdir(ROOT)
    source = "samples/m6248-claimed-no-muscle-no-site.txt"
    lines = CliRunner().invoke(cli, ["check", source, "--format", "jsonl"]).stdout.splitlines()
    (result,) = map(json.loads, lines)
    assert [q["kind"] for q in result["queries"]] == ["muscle-site", "basis"]
    # the contract's other fields, in their order, with queries after the findings
    assert list(result) == ["source", "applicable", "verdict", "claimed_codes", "suggested_codes",
                            "findings", "queries", "evidence", "error", "meta"]


def test_queries_text_report_lists_every_applicable_note(sample_runs, monkeypatch):
    monkeypatch.chdir(ROOT)
    shown = CliRunner().invoke(cli, ["query", "samples/"])
    assert shown.exit_code == 0
    for _, result in sample_runs:
        heads = [line for line in shown.stdout.splitlines() if line.startswith(f"{result['source']}: ")]
        if not result["applicable"]:
            assert heads == []
        elif result["queries"]:
            assert heads[0].startswith(f"{result['source']}: {len(result['queries'])} provider quer")
        else:
            assert heads[0].startswith(f"{result['source']}: no provider query ({result['verdict']};")
    assert re.search(r"^Drafted \d+ provider queries for \d+ of \d+ notes \(\d+ applicable\)\.$",
                     shown.stdout, re.MULTILINE)


def test_queries_python_api(sample_runs):
    source = "samples/right-gastroc-toe-walker-possible-cp.txt"
    text = (ROOT / source).read_text(encoding="utf-8")
    expected = next(r for _, r in sample_runs if r["source"] == source)["queries"]
    drafted = notelint.query(text)
    assert all(isinstance(q, notelint.Query) for q in drafted)
    assert [q.to_dict() for q in drafted] == expected
    assert notelint.lint(text).queries == drafted
    assert notelint.query("Knee exam normal.") == []


def test_queries_service_endpoint(service_client, lint_text):
    client = service_client
    text = (SAMPLES / "historical-gastrocnemius-contracture-claimed-m62461.txt").read_text(encoding="utf-8")
    response = client.post("/v1/query", json={"id": "enc-7", "text": text})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "enc-7"
    assert body["queries"] == lint_text(text)["queries"]
    assert [q["kind"] for q in body["queries"]] == ["contracture-status"]
    assert client.post("/v1/query", json={"codes": []}).status_code == 422
    assert "/v1/query" in client.get("/openapi.json").json()["paths"]


# --- the templates are data, validated when loaded -----------------------------------------------

@pytest.fixture
def copy_of_patterns(tmp_path):
    folder = tmp_path / "patterns"
    shutil.copytree(patterns_dir(), folder)
    return folder


def _kind(**changes):
    meta = {"triggers": ["NL101"], "resolves": ["NL101"],
            "questions": {"open": "Please clarify: which muscle is involved?"}, "options": "none",
            "indicators": ["contractures"], "reason": "{rules}: the muscle decides the site."}
    meta.update(changes)
    return {"literal": "extra", "category": "QUERY", "metadata": meta}


@pytest.mark.parametrize(("entry", "problem"), [
    (_kind(questions={"open": "Please clarify: which {organ} is involved?"}), "unknown slot(s) ['organ']"),
    (_kind(questions={"open": "Is M62.451 right? Or M62.452?"}), "one question"),
    (_kind(questions={"open": "Please clarify: is it M62.451 or not?"}), "code number"),
    (_kind(options="organs"), "unknown options 'organs'"),
    (_kind(triggers=["NL999"]), "rule codes"),
    (_kind(indicators=["vitals"]), "evidence names"),
    (_kind(reason="{payer} wants it"), "unknown slot(s) ['payer']"),
    ({"literal": "Option {x}", "category": "QUERY_OPTION",
      "metadata": {"set": "basis", "value": "muscle", "supported_by": ["myogenic"]}}, "unknown slot"),
    ({"literal": "Muscle", "category": "QUERY_OPTION",
      "metadata": {"set": "basis", "value": "muscle", "supported_by": []}}, "evidence that supports it"),
    ({"literal": "Tendon", "category": "QUERY_OPTION",
      "metadata": {"set": "basis", "value": "tendon", "supported_by": ["myogenic"]}}, "unknown value"),
    ({"literal": "x", "category": "QUERY_KIND"}, "category 'QUERY_KIND'"),
])
def test_queries_bad_template_names_file_and_line(copy_of_patterns, entry, problem):
    path = copy_of_patterns / "queries.jsonl"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
    line = sum(1 for _ in path.open(encoding="utf-8"))
    with pytest.raises(PatternError) as info:
        load_templates(copy_of_patterns)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert problem in str(info.value)


def test_queries_packaged_templates_load():
    loaded = load_templates()
    assert {"muscle-site", "side", "basis", "shortening-vs-spasm", "multiple-sites",
            "underlying-cause", "study-results", "conflicting-side", "conflicting-site",
            "contracture-status"} <= set(loaded.kinds)
    assert loaded.generic() == ["Other (please specify)", "Clinically undetermined"]
