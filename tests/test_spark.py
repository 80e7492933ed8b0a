"""notelint on Spark, local[2]: the CLI's results note by note, bad rows as error rows.

Skipped without pyspark or Java, except in CI (``CI`` set), where they must run.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES

if os.environ.get("CI"):
    import pyspark  # noqa: F401  (CI installs the spark extra and Java: these tests must run)
else:
    pytest.importorskip("pyspark")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Spark needs a Java runtime", allow_module_level=True)

from notelint.interfaces.cli import cli
from notelint.interfaces.spark import SCHEMA, lint_dataframe, schema, session

CORPUS = ROOT.parent / "shared" / "corpus" / "mtsamples-dev.jsonl"
CODES = [[], ["M62.48"], ["M62.451", "G80.1"], [], ["m62.452"], ["M62.49", "I69.351"]]
NOTE = "Right hamstring contracture, popliteal angle 60 degrees, 4-/5, crouch gait.\n"


def sample_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]


def note_texts(count: int) -> list[str]:
    """Every real corpus note once when the corpus is present (never copied here), the
    synthetic samples for the rest, in a fixed shuffled order."""
    texts = []
    if CORPUS.is_file():
        with CORPUS.open(encoding="utf-8") as handle:
            texts = [json.loads(line)["text"] for line in handle][:count]
    samples = sample_texts()
    texts += [samples[i % len(samples)] for i in range(count - len(texts))]
    random.Random(0).shuffle(texts)
    return texts


def records(texts: list[str]) -> list[dict]:
    # every third note names its provider and scribe vendor (the metadata of results' meta)
    return [{"id": f"n{i:04d}", "text": text, "codes": CODES[i % len(CODES)],
             **({"provider": f"Dr {'ABC'[i % 2]}", "vendor": "ScribeCo"} if i % 3 == 0 else {})}
            for i, text in enumerate(texts)]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def cli_results(path: Path, *options: str) -> dict[str, dict]:
    """``notelint check --format jsonl`` on a JSONL file: result objects by source."""
    run = CliRunner().invoke(cli, ["check", "--format", "jsonl", *options, str(path)])
    assert run.exit_code in (0, 1, 2), run.output
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    return {r["source"]: r for r in lines}


def as_result(row: dict) -> dict:
    """A Spark output row as the CLI's result object (``id`` is ``source``)."""
    result = {"source": row["id"], **{k: row[k] for k in SCHEMA.fieldNames()[1:]}}
    result["evidence"] = json.loads(row["evidence_json"])
    return {k: result[k] for k in ("source", "applicable", "verdict", "claimed_codes",
                                   "suggested_codes", "findings", "queries", "evidence", "error", "meta")}


def rows_of(df) -> list[dict]:
    return [r.asDict(recursive=True) for r in df.collect()]


@pytest.fixture(scope="session")
def thousand(tmp_path_factory):
    """1,000 notes as JSONL and the CLI's results for them (made before Spark starts)."""
    path = write_jsonl(tmp_path_factory.mktemp("spark") / "notes.jsonl", records(note_texts(1000)))
    return path, cli_results(path, "--jobs", "2")


@pytest.fixture(scope="session")
def spark():
    spark = session("local[2]")
    yield spark
    spark.stop()


def test_spark_1000_notes_equal_the_cli_note_by_note(thousand, spark):
    path, expected = thousand
    notes = spark.createDataFrame([json.loads(line) for line in path.open(encoding="utf-8")],
                                  "id string, text string, codes array<string>, provider string, "
                                  "vendor string")
    out = lint_dataframe(notes, codes_col="codes", evidence=True)
    assert out.schema == schema(evidence=True)
    rows = rows_of(out)
    assert len(rows) == 1000 and {r["id"] for r in rows} == set(expected)
    for row in rows:
        assert json.dumps(as_result(row)) == json.dumps(expected[row["id"]]), row["id"]
    fired = {f["rule"] for row in rows for f in row["findings"]}
    assert len(fired) >= 15 and sum(r["applicable"] for r in rows) >= 200  # not vacuous
    assert all(r["error"] is None for r in rows)


def test_spark_bad_rows_are_error_rows_and_the_rest_is_linted(spark):
    notes = spark.createDataFrame([
        ("good", NOTE, "M62.48; g80.1"), ("null-text", None, None), ("empty", "", None),
        ("blank", "  \n\t", None), (None, NOTE, None), ("", NOTE, None),
        ("bom", "\ufeff" + NOTE, "M62.451"), ("after", NOTE, None),
    ], "id string, text string, codes string").coalesce(1)
    rows = {r["id"] or f"(missing {i})": r for i, r in enumerate(rows_of(
        lint_dataframe(notes, codes_col="codes")))}
    assert len(rows) == 8
    kinds = {k: (r["error"] or {}).get("kind") for k, r in rows.items()}
    assert kinds == {"good": None, "null-text": "bad-record", "empty": "empty", "blank": "empty",
                     "(missing 4)": "bad-record", "(missing 5)": "bad-record", "bom": None,
                     "after": None}
    assert rows["null-text"]["error"]["message"] == "null-text: 'text' is not a string"
    assert rows["(missing 4)"]["error"]["message"] == "(no id): no 'id'"
    assert rows["empty"]["applicable"] is False and rows["empty"]["findings"] == []
    expected = CliRunner().invoke(cli, ["check", "-", "--format", "json", "--code", "M62.48",
                                        "--code", "G80.1"], input=NOTE)
    good = json.loads(expected.stdout)["results"][0]
    assert rows["good"]["claimed_codes"] == good["claimed_codes"] == ["M62.48", "G80.1"]
    assert rows["good"]["findings"] == good["findings"]
    # offsets count the byte-order mark, as notelint check does
    assert rows["bom"]["findings"][0]["start"] == rows["after"]["findings"][0]["start"] + 1
    messages = " ".join(r["error"]["message"] for r in rows.values() if r["error"])
    assert "hamstring" not in messages


def test_spark_column_types_and_names(spark):
    numbers = spark.createDataFrame([(1, 42), (2, None)], "note_id long, body long")
    rows = rows_of(lint_dataframe(numbers, text_col="body", id_col="note_id"))
    assert [(r["id"], r["error"]["kind"]) for r in rows] == [("1", "bad-record"), ("2", "bad-record")]
    arrays = spark.createDataFrame([("a", NOTE, [None, "M62.48"])],
                                   "id string, text string, codes array<string>")
    (row,) = rows_of(lint_dataframe(arrays, codes_col="codes"))
    assert row["error"]["message"] == "a: 'codes' is not a list of strings"
    with pytest.raises(ValueError, match="no column 'text'"):
        lint_dataframe(numbers)
    with pytest.raises(ValueError, match="must be a string or an array of strings"):
        lint_dataframe(spark.createDataFrame([("a", NOTE, {"x": 1})], "id string, text string, "
                                             "codes map<string,int>"), codes_col="codes")
    configured = lint_dataframe(spark.createDataFrame([("a", NOTE + "M62.48\n")], "id string, text string"),
                                config={"select": ["NL2"], "severity": {"NL201": "info"}})
    (row,) = rows_of(configured)
    assert {f["rule"][:3] for f in row["findings"]} == {"NL2"}
    assert {f["severity"] for f in row["findings"] if f["rule"] == "NL201"} == {"info"}


@pytest.fixture(scope="session")
def small(tmp_path_factory):
    """The synthetic samples and two bad rows, in JSONL, CSV and Parquet, and the CLI's results."""
    folder = tmp_path_factory.mktemp("batch")
    rows = records(sample_texts())
    jsonl = write_jsonl(folder / "in.jsonl", rows)
    with jsonl.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "broken", "text": \n')
        handle.write(json.dumps({"id": "number", "text": 7}) + "\n")
    with (folder / "in.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "text", "codes", "provider", "vendor"])
        writer.writerows([r["id"], r["text"], ", ".join(r["codes"]), r.get("provider", ""),
                          r.get("vendor", "")] for r in rows)
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), folder / "in.parquet")
    return folder, cli_results(jsonl), len(rows)


def run_batch(*args: str):
    return CliRunner().invoke(cli, ["batch", "--engine", "spark", *args])


def read_output(path: Path) -> list[dict]:
    """The rows of a batch output folder, part files in name order (Spark's row order)."""
    import pyarrow.parquet as pq

    rows: list[dict] = []
    for part in sorted(path.glob("part-*")):
        if part.name.endswith(".parquet"):
            rows += pq.read_table(part).to_pylist()
        else:
            rows += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines()]
    return rows


@pytest.mark.parametrize(("source", "target"), [("in.jsonl", "out.parquet"), ("in.csv", "out.jsonl"),
                                               ("in.parquet", "out-parquet")])
def test_batch_formats_equal_the_cli(spark, small, source, target):  # spark: the active session
    folder, expected, count = small
    out = folder / target
    run = run_batch(str(folder / source), str(out), "--evidence", "--partitions", "3")
    assert run.exit_code == 0, run.output
    rows = read_output(out)
    good = [r for r in rows if r["id"] in expected and expected[r["id"]]["error"] is None]
    assert len(good) == count
    assert [r["id"] for r in good] == [f"n{i:04d}" for i in range(count)]  # input order kept
    for row in good:
        assert json.dumps(as_result(row)) == json.dumps(expected[row["id"]]), row["id"]
    if source == "in.jsonl":
        bad = {(r["id"], r["error"]["kind"]) for r in rows if r["error"]}
        assert bad == {(None, "bad-json"), ("number", "bad-record")}
    if target.endswith(".jsonl"):  # every field, nulls included, in schema order
        assert list(rows[0]) == [*SCHEMA.fieldNames(), "evidence_json"]
        assert rows[0]["error"] is None and "suggestion" in rows[0]["findings"][0]


def test_batch_usage_errors_are_one_line_exit_2(small, tmp_path):
    folder, _, _ = small
    cases = [
        ([str(tmp_path / "nope.jsonl"), str(tmp_path / "o")], "no such file or folder"),
        ([str(SAMPLES / "forearm-fcu-other-site-claimed.txt"), str(tmp_path / "o")],
         "unknown format"),
        ([str(folder / "in.jsonl"), str(folder)], "already exists; pass --overwrite"),
        ([str(folder / "in.csv"), str(tmp_path / "o"), "--text-col", "body"], "no column 'body'"),
        ([str(folder / "in.jsonl"), str(tmp_path / "o"), "--id-col", "key"], "are for Parquet and CSV"),
    ]
    for args, words in cases:
        run = run_batch(*args)
        assert run.exit_code == 2, (args, run.output)
        assert words in run.stderr and len(run.stderr.strip().splitlines()) <= 2, run.stderr
        assert "Traceback" not in run.stderr


def python(*code_and_args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *code_and_args], capture_output=True, text=True,
                          env=env, timeout=300, cwd=ROOT)


def test_batch_without_pyspark_or_java_says_what_to_install(small, tmp_path):
    folder, _, _ = small
    args = ["batch", "--engine", "spark", str(folder / "in.jsonl"), str(tmp_path / "o")]
    no_pyspark = python("-c", "import sys; sys.modules['pyspark'] = None; "
                        "from notelint.interfaces.cli import main; main()", *args)
    assert no_pyspark.returncode == 2
    assert no_pyspark.stderr.strip().splitlines() == [
        'notelint: error: notelint batch needs pyspark: pip install "notelint[spark]"']
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(tmp_path)  # no java on it; the interpreter is named by its full path
    no_java = python("-m", "notelint", *args, env=env)
    assert no_java.returncode == 2 and "needs a Java 17 runtime" in no_java.stderr
    assert len(no_java.stderr.strip().splitlines()) == 1


def test_batch_end_to_end_in_a_new_process_keeps_stderr_quiet(tmp_path):
    """The real entry point: its own JVM, workers on this Python, nothing on stderr but the
    summary, even for bad rows."""
    rows = [{"id": "a", "text": NOTE, "codes": ["M62.48"]}, {"id": "b", "text": 7}, {"id": "c"}]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "results.parquet"
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYSPARK_PYTHON", "LOG4J_CONFIGURATION_FILE"}}  # set by the fixture
    run = python("-m", "notelint", "batch", "--master", "local[1]", str(source), str(out), env=env)
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stderr.splitlines()
             if not line.startswith("WARNING: Using incubator modules")]  # the JVM's own notice
    assert lines == [f"notelint: 3 rows to {out} (parquet): 1 applicable, 2 findings, 2 error rows"]
    assert run.stdout == ""
    written = read_output(out)
    assert [(r["id"], r["error"] and r["error"]["kind"]) for r in written] == [
        ("a", None), ("b", "bad-record"), ("c", "bad-record")]
    assert [f["rule"] for f in written[0]["findings"]] == ["NL201", "NL602"]
