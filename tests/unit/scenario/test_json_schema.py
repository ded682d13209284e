"""The published JSON Schemas: generated from the pydantic models, shipped in data/schema,
printed by `costmodel schema`, and in agreement with the validator on the shipped files."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from costmodel.cli import main
from costmodel.scenario.json_schema import SCHEMA_KINDS, json_schema, schema_path, schema_text
from costmodel.strict_yaml import load_yaml_file

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("kind", sorted(SCHEMA_KINDS))
def test_shipped_schema_files_match_the_models(kind):
    """Regenerate with: costmodel schema KIND > data/schema/KIND.schema.json"""
    assert schema_path(kind).read_text() == schema_text(kind), f"data/schema/{SCHEMA_KINDS[kind]} is stale"
    assert (ROOT / "data" / "schema" / SCHEMA_KINDS[kind]).read_text() == schema_text(kind)


@pytest.mark.parametrize("kind", sorted(SCHEMA_KINDS))
def test_schemas_are_valid_draft_2020_12(kind):
    schema = json_schema(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("kind, pattern", [("usage", "docs/examples/*.yaml"), ("scenario", "data/scenarios/*.yaml")])
def test_every_shipped_file_passes_its_schema(kind, pattern):
    validator = jsonschema.Draft202012Validator(json_schema(kind))
    files = sorted(ROOT.glob(pattern))
    assert files
    for f in files:
        errors = [e.message for e in validator.iter_errors(load_yaml_file(f))]
        assert not errors, (f, errors)


@pytest.mark.parametrize("doc, where", [
    ({"lambda": {"requests": 1, "duration_ms": 1, "memroy_mb": 128}}, "memroy_mb"),
    ({"lambda": {"requests": 1, "duration_ms": 1, "memory_mb": 64}}, "64"),
    ({"lambda": {"requests": 1, "duration_ms": 1e6, "memory_mb": 128}}, "1000000"),
    ({"fargate": {"vcpu": 1, "memory_gb": 2, "task_seconds": 1, "purchase": "reserved"}}, "reserved"),
    ({"price_overrides": {"fargate.spot_discount": 1.5}, "glue": {"logs": {"ingested_gb": 1}}}, "1.5"),
    ({"price_overrides": {"lambda.reqest": 1}, "glue": {"logs": {"ingested_gb": 1}}}, "lambda.reqest"),
])
def test_the_editor_sees_typos_and_ranges(doc, where):
    """What the YAML language server flags as you type (the cross-field rules are the CLI's)."""
    errors = list(jsonschema.Draft202012Validator(json_schema("usage")).iter_errors(doc))
    assert errors
    assert any(where in json.dumps(e.instance) or where in e.message for e in errors)


def test_price_keys_are_enumerated_with_their_bounds():
    schema = json_schema("price-overrides")
    props = schema["properties"]
    assert schema["additionalProperties"] is False
    assert props["fargate.spot_discount"]["anyOf"][0] == {"type": "number", "minimum": 0.0, "exclusiveMaximum": 1.0}
    assert props["lambda.request"]["anyOf"][1] == {"$ref": "#/$defs/RateOverride"}
    assert json_schema("usage")["$defs"]["PriceOverrides"]["properties"].keys() == props.keys()


@pytest.mark.parametrize("kind", sorted(SCHEMA_KINDS))
def test_costmodel_schema_prints_it(capsys, kind):
    assert main(["schema", kind]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == json_schema(kind)


def test_shipped_scenarios_name_their_schema_for_the_editor():
    """Each canonical scenario's first line points the YAML language server at the schema,
    by a path relative to the file that holds in the repository and in an installed wheel."""
    for f in sorted((ROOT / "src" / "costmodel" / "data" / "scenarios").glob("*.yaml")):
        first = f.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), f
        target = (f.parent / first.split("$schema=", 1)[1]).resolve()
        assert target == schema_path("scenario").resolve(), f
