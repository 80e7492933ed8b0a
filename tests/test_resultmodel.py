"""One result model (issue 19): the JSON Schema of docs/, the service's schema and
spark.SCHEMA are derived from notelint.result.model and agree; every golden is valid."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import ROOT, SAMPLES

from notelint.result import model as resultmodel
from notelint.result.model import Result, json_schema, render_schema

GOLDENS = sorted(SAMPLES.glob("*.expected.json"))


@pytest.fixture(scope="module")
def schema():
    return json.loads((ROOT / "docs" / "result.schema.json").read_text(encoding="utf-8"))


def test_resultmodel_schema_file_is_current(schema):
    assert (ROOT / "docs" / "result.schema.json").read_text(encoding="utf-8") == render_schema(), (
        "run `python -m notelint.result.model` to regenerate docs/result.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: p.name)
def test_resultmodel_every_golden_is_valid_and_round_trips(schema, golden):
    data = json.loads(golden.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert Result.from_dict(data).to_dict() == data
    assert "meta" in data and set(data["meta"]) == set(resultmodel.Meta.model_fields)


def test_resultmodel_schema_rejects_what_the_contract_does_not_allow(schema):
    data = json.loads(GOLDENS[0].read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for broken in ({**data, "verdict": "maybe"}, {**data, "surprise": 1},
                   {**data, "meta": {**data["meta"], "provider": "x" * 201}},
                   {k: v for k, v in data.items() if k != "evidence"}):
        assert not validator.is_valid(broken)


def test_resultmodel_service_schema_is_the_models(schema):
    pytest.importorskip("fastapi")
    from notelint.interfaces.service import LintRequest, ResultModel, create_app

    assert ResultModel is Result
    components = create_app().openapi()["components"]["schemas"]
    assert components["Result"]["properties"].keys() == schema["properties"].keys()
    assert components["Finding"]["properties"].keys() == schema["$defs"]["Finding"]["properties"].keys()
    # the request takes the metadata the result carries
    assert set(resultmodel.Meta.model_fields) <= set(LintRequest.model_fields)


def _resolve(schema: dict, node: dict) -> dict:
    if "$ref" in node:
        return _resolve(schema, schema["$defs"][node["$ref"].rsplit("/", 1)[1]])
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    return _resolve(schema, options[0]) if len(options) == 1 and "type" not in node else node


def _agrees(spark_type, node: dict, schema: dict, where: str) -> None:
    from pyspark.sql.types import ArrayType, BooleanType, IntegerType, StringType, StructType

    node = _resolve(schema, node)
    if isinstance(spark_type, StructType):
        assert node["type"] == "object", where
        for field in spark_type.fields:
            assert field.name in node["properties"], f"{where}.{field.name}"
            prop = node["properties"][field.name]
            nullable = any(o.get("type") == "null" for o in prop.get("anyOf", []))
            assert field.nullable == nullable, f"{where}.{field.name}"
            _agrees(field.dataType, prop, schema, f"{where}.{field.name}")
        return
    if isinstance(spark_type, ArrayType):
        assert node["type"] == "array", where
        _agrees(spark_type.elementType, node["items"], schema, f"{where}[]")
        return
    expected = {StringType: "string", IntegerType: "integer", BooleanType: "boolean"}[type(spark_type)]
    assert node["type"] == expected or (expected == "string" and "enum" in node), where


def test_resultmodel_spark_schema_agrees_with_the_json_schema(schema):
    pytest.importorskip("pyspark")
    from pyspark.sql.types import StringType, StructField, StructType

    from notelint.interfaces.spark import SCHEMA

    assert SCHEMA.fields[0] == StructField("id", StringType(), True)  # source, null without an id
    names = [f.name for f in SCHEMA.fields[1:]]
    required = [n for n in schema["properties"] if n not in {"source", "evidence"}]
    assert names == required  # every result field but the opt-in evidence, in the model's order
    _agrees(StructType(SCHEMA.fields[1:]), schema, schema, "result")


def test_resultmodel_api_results_are_the_model():
    import notelint

    assert notelint.Result is Result and notelint.Finding is resultmodel.Finding
    assert json_schema()["properties"]["meta"]["$ref"].endswith("/Meta")


def test_resultmodel_readme_points_at_the_contract_in_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/output.md)" in readme
    assert "OUTPUT.md" not in readme.replace("docs/output.md", "")
    assert (ROOT / "docs" / "output.md").is_file()
