"""JSON Schema of the input files, generated from the pydantic models.

``costmodel schema usage|scenario|price-overrides`` prints them; the same documents ship in
``data/schema/`` (a test checks they match the models), so an editor with the YAML
language server completes keys and flags errors before anything runs::

    # yaml-language-server: $schema=https://.../data/schema/usage.schema.json

(or a relative path to the file in a checkout). The price keys are those of the shipped
us-east-1 price set.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from costmodel.models.price_overrides import RATE_OVERRIDE_PLACEHOLDER, RATE_OVERRIDE_SCHEMA, price_override_model
from costmodel.models.pricing import load_prices
from costmodel.resources import data_path
from costmodel.scenario.scenario_schema import ScenarioFile
from costmodel.scenario.usage_schema import UsageFile

__all__ = ["SCHEMA_KINDS", "json_schema", "schema_path", "schema_text"]

#: The input kinds with a published schema, and their file names under ``data/schema``.
SCHEMA_KINDS = {
    "usage": "usage.schema.json",
    "scenario": "scenario.schema.json",
    "price-overrides": "price-overrides.schema.json",
}
_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _price_overrides() -> dict[str, Any]:
    model = price_override_model(load_prices().rates)
    schema = model.model_json_schema(by_alias=True)
    schema["title"] = "Price overrides"
    schema["description"] = ("Rates replacing those of the price set, {rate key: number} or {rate key: {value, "
                             "unit, source_url, retrieved, status, note}} (docs/pricing.md). Keys of the shipped "
                             "us-east-1 price set.")
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        prop.pop("default", None)
    schema["$defs"] = {"RateOverride": copy.deepcopy(RATE_OVERRIDE_SCHEMA)}
    return _with_refs(schema)


def _with_refs(node: Any) -> Any:
    """The schema with the long-form placeholders replaced by ``$ref``s to ``RateOverride``."""
    if node == RATE_OVERRIDE_PLACEHOLDER:
        return {"$ref": "#/$defs/RateOverride"}
    if isinstance(node, dict):
        return {k: _with_refs(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_refs(v) for v in node]
    return node


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one input kind: ``usage``, ``scenario`` or ``price-overrides``."""
    if kind not in SCHEMA_KINDS:
        raise ValueError(f"unknown schema kind {kind!r}; known: {', '.join(SCHEMA_KINDS)}")
    overrides = _price_overrides()
    if kind == "price-overrides":
        out = overrides
    else:
        model = UsageFile if kind == "usage" else ScenarioFile
        out = model.model_json_schema(by_alias=True)
        out["title"] = "Usage file" if kind == "usage" else "Scenario file"
        out["description"] = ((model.__doc__ or "").strip().splitlines()[0]
                              + (" (docs/usage-format.md)" if kind == "usage" else " (docs/traffic-and-comparison.md)"))
        defs = out.setdefault("$defs", {})
        po = copy.deepcopy(overrides)
        defs.update(po.pop("$defs"))
        defs["PriceOverrides"] = po
        ref = {"$ref": "#/$defs/PriceOverrides"}
        prop = out["properties"]["price_overrides"]
        desc = prop.get("description", "")
        if kind == "usage":
            out["properties"]["price_overrides"] = {"anyOf": [ref, {"type": "string", "description": "path of a "
                                                    "YAML file with a 'rates:' block"}], "description": desc}
        else:
            out["properties"]["price_overrides"] = {"anyOf": [ref, {"type": "null"}], "description": desc}
    return {"$schema": _DRAFT, **{k: v for k, v in out.items() if k != "$schema"}}


def schema_text(kind: str) -> str:
    """The schema as the shipped file holds it (indented JSON, sorted keys, final newline)."""
    return json.dumps(json_schema(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_path(kind: str) -> Path:
    """The shipped schema file of ``kind`` (``data/schema/<kind>.schema.json``)."""
    if kind not in SCHEMA_KINDS:
        raise ValueError(f"unknown schema kind {kind!r}; known: {', '.join(SCHEMA_KINDS)}")
    return data_path("schema", SCHEMA_KINDS[kind])
