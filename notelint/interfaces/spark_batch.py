"""``notelint batch``: lint a table of notes on Spark and write one result row per note.

The input is Parquet, JSON Lines or CSV with ``id``, ``text`` and (optionally)
``codes`` columns; the output is Parquet or JSON Lines with the schema of
:data:`notelint.interfaces.spark.SCHEMA`. pyspark is imported only when the command runs.
Exit status: 0 when the output is written (bad rows are error rows in it), 2 for a
usage, input, configuration or Spark error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from notelint.errors import NotelintError
from notelint.interfaces.run_options import fail, run_config

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".json": "jsonl", ".csv": "csv"}
COMPRESSION = {".gz", ".bz2", ".deflate", ".snappy", ".lz4", ".zst"}
ROW = "_notelint_row"




def _is_remote(path: str) -> bool:
    return "://" in path or path.startswith("dbfs:")


def _format_of_name(name: str) -> str | None:
    suffixes = [s.lower() for s in Path(name).suffixes]
    while suffixes and suffixes[-1] in COMPRESSION:
        suffixes.pop()
    return FORMATS.get(suffixes[-1]) if suffixes else None


def detect_format(path: str) -> str | None:
    """The format of an input file, or of the data files of a folder (Spark's output)."""
    if _is_remote(path) or not Path(path).is_dir():
        return _format_of_name(path)
    found = {_format_of_name(p.name) for p in Path(path).rglob("*")
             if p.is_file() and not p.name.startswith(("_", "."))}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def _spark_missing() -> str | None:
    """Why the Spark extra cannot be used, or None."""
    try:
        import notelint.interfaces.spark  # noqa: F401
    except ImportError as exc:
        if (exc.name or "").split(".")[0] == "pyspark":
            return 'notelint batch needs pyspark: pip install "notelint[spark]"'
        return (f"notelint batch needs pyspark, pandas and pyarrow ({exc.name or 'one'} is "
                'missing or broken): pip install "notelint[spark]"')
    return None


def _java_missing() -> bool:
    import shutil

    home = os.environ.get("JAVA_HOME")
    return not (shutil.which("java") or (home and Path(home, "bin", "java").is_file()))


def _read(spark: Any, path: str, fmt: str) -> Any:
    if fmt == "parquet":
        return spark.read.parquet(path)
    if fmt == "csv":  # notes hold newlines and quotes: RFC 4180 quoting
        return (spark.read.option("header", True).option("multiLine", True)
                .option("escape", '"').csv(path))
    return spark.read.text(path)  # JSON Lines: parsed line by line as notelint check does


def _spread(df: Any, partitions: int) -> Any:
    """At least ``partitions`` partitions, rows kept in input order (so is the output)."""
    from pyspark.sql import functions as F

    if df.rdd.getNumPartitions() >= partitions:
        return df
    numbered = df.withColumn(ROW, F.monotonically_increasing_id())
    return numbered.repartitionByRange(partitions, ROW).sortWithinPartitions(ROW).drop(ROW)


def _summary(spark: Any, output: str, fmt: str, evidence: bool) -> str:
    from pyspark.sql import functions as F

    from notelint.interfaces.spark import schema

    reader = spark.read.schema(schema(evidence))
    written = reader.parquet(output) if fmt == "parquet" else reader.json(output)
    rows, applicable, findings, failed = written.agg(
        F.count(F.lit(1)), F.sum(F.col("applicable").cast("int")),
        F.sum(F.size("findings")), F.count("error")).first()
    return (f"notelint: {_count(rows, 'row')} to {output} ({fmt}): {applicable or 0:,} applicable, "
            f"{_count(findings or 0, 'finding')}, {_count(failed, 'error row')}")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@click.command()
@click.argument("input_path", metavar="INPUT")
@click.argument("output_path", metavar="OUTPUT")
@click.option("--engine", type=click.Choice(["spark"]), default="spark", show_default=True,
              help="Where the notes are linted.")
@click.option("--master", default="local[*]", show_default=True,
              help="Spark master URL: local[N], spark://host:port, yarn, k8s://...")
@click.option("--input-format", type=click.Choice(["auto", "parquet", "jsonl", "csv"]),
              default="auto", show_default=True, help="auto: from the suffix of INPUT or its files.")
@click.option("--output-format", type=click.Choice(["auto", "parquet", "jsonl"]), default="auto",
              show_default=True, help="auto: jsonl when OUTPUT ends in .jsonl or .json, else parquet.")
@click.option("--id-col", default="id", show_default=True, help="Column of note ids.")
@click.option("--text-col", default="text", show_default=True, help="Column of note texts.")
@click.option("--codes-col", default="codes", show_default=True,
              help="Column of claimed codes (array, or a string like 'M62.48, G80.1'); "
                   "ignored when absent.")
@click.option("--partitions", type=click.IntRange(min=1), default=None,
              help="Spread the notes over at least N partitions [default: 2 per core].")
@click.option("--evidence", is_flag=True, help="Add evidence_json (the OUTPUT.md evidence object).")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No summary line on stderr.")
@click.option("--select", multiple=True, help="Only these rules (codes or prefixes, e.g. NL2).")
@click.option("--ignore", multiple=True, help="Skip these rules (codes or prefixes).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Configuration file (default: notelint.toml or pyproject.toml, found upward).")
@click.option("--bilateral", type=click.Choice(["right-left", "multiple-sites"]), default=None,
              help="Same site on both sides: right and left codes, or M62.49.")
def batch(input_path: str, output_path: str, engine: str, master: str, input_format: str,
          output_format: str, id_col: str, text_col: str, codes_col: str,
          partitions: int | None, evidence: bool, overwrite: bool, quiet: bool,
          select: tuple[str, ...], ignore: tuple[str, ...], config_file: str | None,
          bilateral: str | None) -> None:
    """Lint a table of notes (Parquet, JSONL or CSV: id, text, codes) on Spark; write
    one result row per note to OUTPUT (a Parquet or JSON Lines folder)."""

    problem = _spark_missing()
    if problem:
        fail(problem)
    if not _is_remote(input_path) and not Path(input_path).exists():
        fail(f"{input_path}: no such file or folder")
    in_fmt = input_format if input_format != "auto" else detect_format(input_path)
    if in_fmt is None:
        fail(f"{input_path}: unknown format; name it .parquet, .jsonl or .csv, "
              "or pass --input-format")
    if in_fmt == "jsonl" and (id_col, text_col, codes_col) != ("id", "text", "codes"):
        fail("--id-col, --text-col and --codes-col are for Parquet and CSV; JSON Lines records "
              "have id, text and codes, as notelint check reads them")
    out_fmt = output_format if output_format != "auto" else (
        "jsonl" if _format_of_name(output_path) == "jsonl" else "parquet")
    if not overwrite and not _is_remote(output_path) and Path(output_path).exists():
        fail(f"{output_path}: already exists; pass --overwrite to replace it")
    try:
        conf = run_config(config_file, select, ignore, bilateral)
    except NotelintError as exc:
        fail(str(exc))
    _run(master, input_path, in_fmt, output_path, out_fmt, conf,
         (id_col, text_col, codes_col), partitions, evidence, overwrite, quiet)


def _run(master: str, input_path: str, in_fmt: str, output_path: str,
         out_fmt: str, conf: Any, columns: tuple[str, str, str], partitions: int | None,
         evidence: bool, overwrite: bool, quiet: bool) -> None:
    from pyspark.errors import PySparkException
    from pyspark.sql import SparkSession

    from notelint.interfaces import spark as engine_spark

    owned = SparkSession.getActiveSession() is None
    if owned and _java_missing():
        fail("Spark needs a Java 17 runtime and none was found: install one (Debian: "
              "apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
    id_col, text_col, codes_col = columns
    spark = None
    try:
        spark = engine_spark.session(master)
        notes = _read(spark, input_path, in_fmt)
        notes = _spread(notes, partitions or 2 * spark.sparkContext.defaultParallelism)
        if in_fmt == "jsonl":
            results = engine_spark.lint_json_lines(notes, config=conf, evidence=evidence)
        else:
            present = codes_col if codes_col in notes.columns else None
            results = engine_spark.lint_dataframe(notes, text_col, id_col, present, conf, evidence)
        writer = results.write.mode("overwrite" if overwrite else "errorifexists")
        if out_fmt == "parquet":
            writer.parquet(output_path)
        else:
            writer.option("ignoreNullFields", False).json(output_path)
        summary = None if quiet else _summary(spark, output_path, out_fmt, evidence)
    except ValueError as exc:  # a missing column, a codes column of another type
        fail(f"{input_path}: {exc}")
    except PySparkException as exc:  # path, format, master: Spark's own one-line reason
        fail(f"spark: {_first_line(exc)}")
    except Exception as exc:
        if os.environ.get("NOTELINT_DEBUG"):
            raise
        fail(f"spark job failed ({exc.__class__.__name__}); run with --debug for details")
    finally:
        if owned and spark is not None:
            spark.stop()
    if summary:
        click.echo(summary, err=True)


def _first_line(exc: Exception) -> str:
    get_message = getattr(exc, "getMessage", None)
    text = get_message() if callable(get_message) else str(exc)
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0][:300] if lines else exc.__class__.__name__
