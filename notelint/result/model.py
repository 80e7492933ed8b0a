"""The result model: one typed description of the result object of docs/output.md.

Everything that states the shape of a result is derived from these pydantic models:

- the JSON Schema of ``docs/result.schema.json`` (:func:`json_schema`; ``python -m
  notelint.result.model`` rewrites it, a test fails when it is stale and validates every
  golden in ``samples/`` against it);
- the service's OpenAPI response schema (:mod:`notelint.interfaces.service` uses :class:`Result`);
- ``notelint.interfaces.spark.SCHEMA`` (:func:`spark_fields`, a walk over these models);
- the Python API's typed results (``notelint.Result`` is :class:`Result`).

The linter builds results as plain dicts (fast, and in the key order of the JSON
output); ``Result.model_validate(d).to_dict() == d`` for every result. Models forbid
unknown keys, so a field the linter adds without adding it here fails the golden
schema test. A key that only some items carry (a contracture's ``category_code``) is
optional: absent, not null, when it does not apply; ``to_dict`` leaves out what the
input left out. Items read as mappings too (``result.error["kind"]``), as the dicts do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from notelint.io.meta import MAX_CHARS as META_MAX_CHARS
from notelint.rules.registry import VERDICTS

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "result.schema.json"
SCHEMA_ID = "https://notelint.invalid/schemas/result.schema.json"

Status = Literal["affirmed", "negated", "hypothetical", "historical", "uncertain", "family"]
Site = Literal["shoulder", "upper_arm", "forearm", "hand", "thigh", "lower_leg", "ankle_foot", "other"]
Laterality = Literal["right", "left", "bilateral"]
Severity = Literal["error", "warning", "info"]
Verdict = Literal[VERDICTS]  # type: ignore[valid-type]
Number = int | float  # int first: 60 stays 60, never 60.0
Offset = Annotated[int, Field(ge=0)]
# an optional key: absent, or a value of its type (never null)
Absent = SkipJsonSchema[None]


class Model(BaseModel):
    """Base of every result model: unknown keys are errors; items read as mappings too."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __getitem__(self, key: str) -> Any:
        """``item["key"]``: the mapping-style access of the result dicts."""
        if key not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default) if key in type(self).model_fields else default

    def to_dict(self) -> dict[str, Any]:
        """The JSON object, with exactly the keys the object was made with (or set)."""
        return self.model_dump(mode="json", exclude_unset=True)


class Span(Model):
    """Quoted text of the note: ``text == note[start:end]`` (character offsets)."""

    text: str
    start: Offset
    end: Offset


class Contracture(Span):
    """A contracture mention, with the contracture as assembled from the whole note."""

    status: Status
    kind: Literal["muscle", "joint", "excluded", "unknown"]
    category_code: str | Absent = Field(None, description="the code of a condition classified elsewhere")
    condition: str | Absent = None
    relation: str | Absent = None
    muscles: list[Offset] = Field(description="the start offsets of the muscles[] items it concerns")
    site: Site | None
    laterality: Laterality | None
    site_from: Literal["muscle", "region", "code_text"] | None
    joint: str | None
    joint_sites: list[Site] | Absent = None


class Muscle(Span):
    site: Site
    laterality: Laterality | None
    muscle: str | None
    shortened: bool
    classified_elsewhere: str | Absent = None


class Rom(Span):
    degrees: Number
    motion: str | None
    range: Annotated[list[Number], Field(min_length=2, max_length=2)] | None


class JawOpening(Span):
    millimetres: Number


class Strength(Span):
    grade: str = Field(pattern=r"^[0-5][+-]?/5$")


class Cue(Span):
    """Function, myogenic, neural and spasm evidence (spasm items name their code)."""

    status: Status
    category_code: str | Absent = None
    spasm_site: str | None = None


class Arthrogenic(Span):
    status: Status
    joint_sites: list[Site] | None
    joint: str | None
    laterality: Laterality | None


class Study(Span):
    study: str
    status: Status
    state: Literal["resulted", "ordered", "mentioned"]
    findings: Span | None


class Cause(Span):
    cause: str
    category_code: str
    code_prefixes: list[str]
    category_name: str
    status: Status
    laterality: Laterality | None = None


class Excluded(Span):
    status: Status
    condition: str
    category_code: str
    relation: str
    laterality: Laterality | None


class Side(Span):
    side: str


class Evidence(Model):
    """What the note documents, by kind; every list present, empty when none."""

    contractures: list[Contracture]
    muscles: list[Muscle]
    rom: list[Rom]
    strength: list[Strength]
    function: list[Cue]
    myogenic: list[Cue]
    arthrogenic: list[Arthrogenic]
    spasm: list[Cue]
    neural: list[Cue]
    studies: list[Study]
    causes: list[Cause]
    excluded: list[Excluded]
    sides: list[Side]
    jaw_opening: list[JawOpening]


class Finding(Model):
    """A rule that fired at a span of the note."""

    rule: str = Field(pattern=r"^NL[0-9]{3}$")
    name: str
    severity: Severity
    message: str
    start: Offset
    end: Offset
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    suggestion: str | None
    suggestions: list[str]
    baselined: bool | Absent = Field(None, description="only with --baseline and --show-baselined")


class Error(Model):
    """Why an input could not be linted; the message never quotes note text."""

    kind: str
    message: str


MetaValue = Annotated[str, Field(max_length=META_MAX_CHARS)] | None


class Meta(Model):
    """The note's metadata from its input (null where it gave none); never note text."""

    provider: MetaValue
    specialty: MetaValue
    facility: MetaValue
    vendor: MetaValue
    encounter_date: Annotated[str, Field(pattern=r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")] | None


class Indicator(Model):
    """Quoted evidence of a query."""

    text: str
    start: Offset
    end: Offset
    line: int = Field(ge=1)
    column: int = Field(ge=1)


class Query(Model):
    """A provider query drafted for the note."""

    kind: str
    question: str
    options: list[str]
    indicators: list[Indicator]
    resolves: list[str]
    reason: str


class Result(Model):
    """The result of one note (docs/output.md)."""

    source: str
    applicable: bool
    verdict: Verdict
    claimed_codes: list[str]
    suggested_codes: list[str]
    findings: list[Finding]
    queries: list[Query] = Field(default_factory=list)
    evidence: Evidence = Field(repr=False)
    error: Error | None
    meta: Meta = Field(default_factory=lambda: Meta.model_validate(dict.fromkeys(Meta.model_fields)))

    @classmethod
    def from_dict(cls, data: Any) -> Result:
        """The model of a result object (raises pydantic's ValidationError if it is not one)."""
        return cls.model_validate(data)


class Results(Model):
    """The single JSON document of ``--format json`` (and of a FHIR Bundle's results)."""

    notelint_version: str
    results: list[Result]


def _untitled(schema: Any) -> Any:
    """``schema`` without the titles pydantic gives each property (its name, capitalised)."""
    if isinstance(schema, dict):
        return {key: ({name: _untitled({k: v for k, v in prop.items() if k != "title"})
                       for name, prop in value.items()} if key == "properties" else _untitled(value))
                for key, value in schema.items()}
    if isinstance(schema, list):
        return [_untitled(item) for item in schema]
    return schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a result object."""
    schema = _untitled(Result.model_json_schema())
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def render_schema() -> str:
    return json.dumps(json_schema(), indent=1, ensure_ascii=False) + "\n"


# --- Spark: the result's fields as Spark types (notelint.interfaces.spark builds its schema from these) ---

def spark_fields(model: type[BaseModel], skip: frozenset[str] = frozenset()) -> list[tuple[str, Any, bool]]:
    """``(name, type, nullable)`` of each field of ``model`` but ``skip`` and the optional
    keys (``Absent``): ``type`` is ``"string"``, ``"integer"``, ``"boolean"``, ``"double"``,
    ``("array", type)`` or ``("struct", fields)``."""
    fields = []
    for name, info in model.model_fields.items():
        if name in skip or _is_absent_optional(info.annotation):
            continue
        kind, nullable = _spark_type(info.annotation)
        fields.append((name, kind, nullable))
    return fields


def _is_absent_optional(annotation: Any) -> bool:
    return any(isinstance(m, SkipJsonSchema) for m in getattr(annotation, "__metadata__", ())) or \
        any(_is_absent_optional(a) for a in getattr(annotation, "__args__", ()) if a is not type(None))


def _spark_type(annotation: Any) -> tuple[Any, bool]:
    import types
    import typing

    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _spark_type(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        if all(typing.get_origin(a) is Literal or a is str for a in args) and args:
            return "string", nullable
        if set(args) == {int, float}:
            return "double", nullable
        (only,) = args
        return _spark_type(only)[0], nullable
    if origin is Literal:
        return "string", False
    if origin is list:
        (item,) = typing.get_args(annotation)
        return ("array", _spark_type(item)[0]), False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ("struct", spark_fields(annotation)), False
    return {str: "string", int: "integer", bool: "boolean", float: "double"}[annotation], False


def main() -> None:
    SCHEMA_PATH.write_text(render_schema(), encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA_PATH}\n")


if __name__ == "__main__":
    main()
