"""Lint notes where they are: a Spark DataFrame of notes in, one result row per note out.

>>> from notelint.interfaces.spark import lint_dataframe, session
>>> spark = session("local[2]")
>>> notes = spark.createDataFrame([("n1", "Right hamstring contracture. M62.48")], "id string, text string")
>>> [f.rule for f in lint_dataframe(notes).first().findings][:2]
['NL201', 'NL204']

Partitions go through ``mapInPandas``: each Spark Python worker loads the notelint
pipeline once (:func:`notelint.nlp.pipeline.default_pipeline`, cached per process, and
Spark reuses its Python workers across tasks) and streams its rows through
:meth:`notelint.result.linter.Linter.lint` (``nlp.pipe`` in batches), the code that
``notelint check`` runs, via :func:`notelint.io.inputs.from_record`. So a row's result
is the CLI's result for the same JSONL record. A bad row (no id; null, non-string or
empty text; codes that are not strings) gives a row whose ``error`` is set, never a
failed job, and no message quotes note text.

This module is the only one that imports pyspark: ``import notelint`` and
``notelint check`` never pay for it.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow  # noqa: F401  (mapInPandas needs it: fail at import, not in the first job)
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    AtomicType,
    BooleanType,
    DataType,
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
)

from notelint import errors
from notelint.config import Config
from notelint.io.inputs import from_record
from notelint.io.meta import FIELDS as META_FIELDS
from notelint.io.note import DEFAULT_MAX_CHARS, Note, failed


def _spark(kind: Any) -> DataType:
    """A Spark type from :func:`notelint.result.model.spark_fields`' description of one."""
    if isinstance(kind, tuple) and kind[0] == "array":
        return ArrayType(_spark(kind[1]), False)
    if isinstance(kind, tuple) and kind[0] == "struct":
        return StructType([StructField(name, _spark(k), nullable) for name, k, nullable in kind[1]])
    return {"string": StringType(), "integer": IntegerType(), "boolean": BooleanType(),
            "double": DoubleType()}[kind]


def _result_schema() -> StructType:
    """The result model's fields (:mod:`notelint.result.model`) as Spark types: ``source``
    becomes ``id`` (null for a row that had none), ``evidence`` is the opt-in
    ``evidence_json``, and the CLI-only optional keys (a finding's ``baselined``) are left out."""
    from notelint.result.model import Result, spark_fields

    fields = spark_fields(Result, frozenset({"source", "evidence"}))
    return StructType([StructField("id", StringType(), True),
                       *(StructField(name, _spark(kind), nullable) for name, kind, nullable in fields)])


SCHEMA = _result_schema()
FINDING = next(f.dataType.elementType for f in SCHEMA.fields if f.name == "findings")
ERROR = next(f.dataType for f in SCHEMA.fields if f.name == "error")
# opt-in: the OUTPUT.md evidence object as JSON text (its items vary by kind and may gain fields)
EVIDENCE_JSON = StructField("evidence_json", StringType(), False)

NO_ID = "(no id)"  # names a row without an id in error messages
ROWS_PER_FRAME = 256  # rows per pandas DataFrame handed back to Spark
_CODE_SEPARATORS = re.compile(r"[\s,;]+")
_QUIET_LOG4J = """\
rootLogger.level = error
logger.shell.name = org.apache.spark.api.python.PythonGatewayServer
logger.shell.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = spark: %p %c{1}: %m%n
"""


def schema(evidence: bool = False) -> StructType:
    """The explicit schema of :func:`lint_dataframe`'s output (with ``evidence_json`` if asked)."""
    return StructType([*SCHEMA.fields, EVIDENCE_JSON]) if evidence else SCHEMA


def _column(name: str) -> Column:
    return F.col("`" + name.replace("`", "``") + "`")


def _types(df: DataFrame, *names: str | None) -> dict[str, DataType]:
    fields = {f.name: f.dataType for f in df.schema.fields}
    for name in names:
        if name is not None and name not in fields:
            raise ValueError(f"no column {name!r}; the columns are {', '.join(fields)}")
    return fields


def _codes_column(df_types: dict[str, DataType], codes_col: str | None) -> Column:
    if codes_col is None:
        return F.lit(None).cast("array<string>")
    kind = df_types[codes_col]
    if isinstance(kind, StringType):
        return _column(codes_col)  # "M62.48, G80.1" (CSV): split in the worker
    if isinstance(kind, ArrayType) and isinstance(kind.elementType, AtomicType):
        return _column(codes_col).cast("array<string>")
    raise ValueError(f"column {codes_col!r} must be a string or an array of strings, "
                     f"not {kind.simpleString()}")


def lint_dataframe(df: DataFrame, text_col: str = "text", id_col: str = "id",
                   codes_col: str | None = None,
                   config: Config | Mapping[str, Any] | None = None,
                   evidence: bool = False) -> DataFrame:
    """Lint every row of ``df``: one output row per input row, with the schema :data:`SCHEMA`.

    Args:
        df: The notes, one per row.
        text_col: The note text. A column that is not a string gives every row an error.
        id_col: The note id, returned as a string; a row without one gets an error.
        codes_col: Claimed codes: an array of strings, or a string of codes separated by
            commas, semicolons or spaces. None: only codes written in the note.
        config: A :class:`notelint.config.Config` or a mapping with the keys of
            ``[tool.notelint]``; None is the default configuration.
        evidence: Add ``evidence_json``, the docs/output.md ``evidence`` object as JSON.

    Columns named as the metadata fields (``provider``, ``specialty``, ``facility``,
    ``vendor``, ``encounter_date``) are the notes' metadata, read as text (``meta``).

    Returns:
        A lazy DataFrame; nothing runs until an action (a write, ``collect``...).

    Raises:
        ValueError: A named column is missing, or the codes column has another type.
    """
    from notelint.config import config_of

    types = _types(df, text_col, id_col, codes_col)
    text = (_column(text_col) if isinstance(types[text_col], StringType)
            else F.lit(None).cast("string"))  # not a string: "'text' is not a string" per row
    meta = [_column(name).cast("string").alias(name) for name in META_FIELDS if name in types]
    notes = df.select(_column(id_col).cast("string").alias("id"), text.alias("text"),
                      _codes_column(types, codes_col).alias("codes"), *meta)
    return notes.mapInPandas(_Task(config_of(config), "columns", evidence), schema(evidence))


def lint_json_lines(df: DataFrame, value_col: str = "value",
                    config: Config | Mapping[str, Any] | None = None,
                    evidence: bool = False) -> DataFrame:
    """Lint a column of JSON Lines records ``{"id", "text", "codes"}``, as ``notelint check``
    reads a ``.jsonl`` file (``spark.read.text(path)`` gives such a DataFrame).

    Each line is parsed in Python as the CLI parses it, so a line that is not JSON, or a
    record whose text is not a string, gives the CLI's error kinds. Arguments and output
    as :func:`lint_dataframe`.
    """
    from notelint.config import config_of

    _types(df, value_col)
    lines = df.select(_column(value_col).cast("string").alias("value"))
    return lines.mapInPandas(_Task(config_of(config), "json", evidence), schema(evidence))


def _note_id(value: Any) -> str | None:
    """The id as ``from_record`` names a note: a non-empty string or integer, as text."""
    return str(value) if isinstance(value, (str, int)) and str(value) else None


def _codes(value: Any) -> Any:
    """Codes from a Spark value: an array (numpy in pandas) becomes a list, a string is split."""
    if value is None:
        return []
    if isinstance(value, str):
        return [c for c in _CODE_SEPARATORS.split(value) if c]
    return value.tolist() if hasattr(value, "tolist") else value


def _without_id() -> tuple[None, Note]:
    return None, failed(NO_ID, errors.BAD_RECORD, f"{NO_ID}: no 'id'")


def _from_columns(record: dict[str, Any]) -> tuple[str | None, Note]:
    note_id = _note_id(record["id"])
    if note_id is None:
        return _without_id()
    fields = {"id": note_id, "text": record["text"], "codes": _codes(record["codes"]),
              **{name: record[name] for name in META_FIELDS if isinstance(record.get(name), str)}}
    return note_id, from_record(fields, note_id, set())


def _from_json(record: dict[str, Any]) -> tuple[str | None, Note]:
    line = record["value"]
    if line is None or not line.strip():
        return None, failed(NO_ID, errors.BAD_JSON, f"{NO_ID}: empty line, not a JSON object")
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None, failed(NO_ID, errors.BAD_JSON, f"{NO_ID}: not a JSON object")
    if not isinstance(data, dict):
        return None, from_record(data, NO_ID, set())
    note_id = _note_id(data.get("id"))
    if note_id is None:
        return _without_id()
    return note_id, from_record(data, note_id, set())


def _guarded(read: Any, record: dict[str, Any]) -> tuple[str | None, Note]:
    """A row read by ``read``; whatever a row holds, it becomes a note or an error note."""
    try:
        return read(record)
    except Exception as exc:  # e.g. JSON nested too deep: one bad row must not fail the job
        message = f"{NO_ID}: internal error ({exc.__class__.__name__}); row not linted"
        return None, failed(NO_ID, errors.INTERNAL, message)


@dataclass(frozen=True)
class _Task:
    """The function ``mapInPandas`` runs on each partition; pickled to the workers by
    reference to this module, so a worker imports notelint and loads the pipeline once."""

    config: Config
    source: str  # "columns" (id, text, codes) or "json" (value)
    evidence: bool

    def __call__(self, frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        read = _from_columns if self.source == "columns" else _from_json
        names = schema(self.evidence).fieldNames()
        linter = None
        for frame in frames:
            if linter is None:  # an empty partition never loads the pipeline
                linter = _linter(self.config)
            for start in range(0, len(frame), ROWS_PER_FRAME):
                records = frame.iloc[start:start + ROWS_PER_FRAME].to_dict("records")
                ids, notes = zip(*(_guarded(read, r) for r in records), strict=True)
                rows = [self._row(note_id, result)
                        for note_id, result in zip(ids, linter.lint(notes), strict=True)]
                yield pd.DataFrame(rows, columns=names)

    def _row(self, note_id: str | None, result: dict[str, Any]) -> dict[str, Any]:
        row = {"id": note_id, "applicable": result["applicable"], "verdict": result["verdict"],
               "claimed_codes": result["claimed_codes"],
               "suggested_codes": result["suggested_codes"],
               "findings": result["findings"], "error": result["error"],
               "meta": result.get("meta") or dict.fromkeys(META_FIELDS),
               "queries": result.get("queries", [])}
        if self.evidence:
            row["evidence_json"] = json.dumps(result["evidence"], ensure_ascii=False)
        return row


def _linter(config: Config) -> Any:
    from notelint.nlp.pipeline import default_pipeline
    from notelint.result.linter import Linter

    nlp = default_pipeline()  # once per worker process
    nlp.max_length = max(nlp.max_length, DEFAULT_MAX_CHARS + 1)  # as notelint check sets it
    return Linter(nlp, config)


def is_local(master: str) -> bool:
    """Whether a Spark master URL runs everything on this machine (``local``, ``local[4]``...)."""
    return master == "local" or master.startswith(("local[", "local-cluster["))


def session(master: str = "local[*]", app_name: str = "notelint") -> SparkSession:
    """The active Spark session, or a new one set up for notelint.

    A new session logs at ERROR only (log4j from the first line, unless
    ``LOG4J_CONFIGURATION_FILE`` is set), so nothing but real failures reaches
    stderr. On a local master its Python workers run this interpreter (unless
    ``PYSPARK_PYTHON`` is set), it listens on the loopback interface only and has no
    web UI.
    """
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if "LOG4J_CONFIGURATION_FILE" not in os.environ:
        os.environ["LOG4J_CONFIGURATION_FILE"] = str(_quiet_log4j())
    builder = SparkSession.builder.master(master).appName(app_name)
    if is_local(master):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        for key, value in {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                           "spark.driver.host": "127.0.0.1",
                           "spark.driver.bindAddress": "127.0.0.1"}.items():
            builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _quiet_log4j() -> Path:
    """A log4j2 configuration that keeps Spark's driver to ERROR lines on stderr."""
    path = Path(tempfile.gettempdir()) / "notelint-spark-log4j2.properties"
    if not path.is_file() or path.read_text(encoding="utf-8") != _QUIET_LOG4J:
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(_QUIET_LOG4J, encoding="utf-8")
        partial.replace(path)
    return path
