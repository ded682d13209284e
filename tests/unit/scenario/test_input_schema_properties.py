"""Property tests: documents generated from the published JSON Schemas, then mutated, are each
either priced (every line finite and >= 0) or refused with one :class:`CostModelError` line;
never another exception.

Documents come from two sources: a small generator that walks the JSON Schema of
``costmodel schema usage|scenario`` (objects, ``$ref``, ``anyOf``, enums, bounded numbers and
lists), and the shipped examples. Each is then mutated a few times (a value replaced by junk
of another type, a huge, negative or non-finite number, a key removed or misspelt, a list
emptied). Seeded through hypothesis's database-free settings so a run is reproducible.
"""
from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.analysis.compare import compare
from costmodel.errors import CostModelError
from costmodel.scenario.json_schema import json_schema
from costmodel.scenario.load import load_scenario
from costmodel.scenario.usage import bill_usage
from costmodel.strict_yaml import load_yaml_file

ROOT = Path(__file__).resolve().parents[3]
USAGE_SCHEMA = json_schema("usage")
SCENARIO_SCHEMA = json_schema("scenario")
USAGE_EXAMPLES = [load_yaml_file(p) for p in sorted((ROOT / "docs" / "examples").glob("*.yaml"))]
SCENARIO_EXAMPLES = [load_yaml_file(p) for p in sorted((ROOT / "data" / "scenarios").glob("*.yaml"))]

JUNK = st.sampled_from([None, True, False, "", "512", "abc", -1, 0, 0.5, 1.5, 2.5, -1e300, 1e300, 2**70,
                        float("nan"), float("inf"), [], [1, 2], {}, {"x": 1}, "3e6", 1e-300, 744.5, 10**6])


#: Text the schema cannot say (names from a catalogue, files): chosen by the key's name.
TEXT_BY_KEY = {
    "region": ["us-east-1"], "price_set": ["2026-11-27"], "instance_type": ["m7g.large", "m7g.xlarge", "c7g.large"],
    "timezone": ["UTC", "Europe/Berlin"], "start": ["2026-01-05T00:00:00Z"], "function": ["f1"],
    "path": [str(ROOT / "data" / "traces" / "api_requests_5min.csv")], "name": ["api", "worker", "batch"],
}


def from_schema(node: dict, root: dict, depth: int = 0, key: str = "") -> st.SearchStrategy:
    """A strategy of JSON documents following (most of) a JSON Schema node."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: from_schema(root["$defs"][name], root, depth + 1, key))
    for k in ("anyOf", "oneOf"):
        if k in node:
            options = [o for o in node[k] if o.get("type") != "null"] or node[k]
            return st.one_of([from_schema(o, root, depth, key) for o in options])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "const" in node:
        return st.just(node["const"])
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        required = set(node.get("required", []))
        fixed = {k: from_schema(props[k], root, depth + 1, k) for k in required}
        if depth > 6:
            return st.fixed_dictionaries(fixed)
        optional = {k: from_schema(v, root, depth + 1, k) for k, v in props.items() if k not in required}
        return st.fixed_dictionaries(fixed, optional=optional)
    if kind == "array":
        lo, hi = max(node.get("minItems", 0), 1), min(node.get("maxItems", 3), 3)
        return st.lists(from_schema(node.get("items", {}), root, depth + 1, key), min_size=lo, max_size=max(lo, hi))
    if kind in ("number", "integer"):
        lo = node.get("minimum", node.get("exclusiveMinimum", 0))
        hi = node.get("maximum", node.get("exclusiveMaximum", 1e6))
        hi = min(hi, max(lo, 1e4) * 1e3)  # mostly ordinary magnitudes; mutations bring the extremes
        if kind == "integer":
            return st.integers(int(math.ceil(lo)), int(math.floor(hi)))
        return st.one_of(st.integers(int(math.ceil(lo)), int(math.floor(hi))),
                         st.floats(lo, hi, allow_nan=False, allow_infinity=False))
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        return st.sampled_from(TEXT_BY_KEY.get(key, ["text"]))
    return JUNK


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, prefix + (i,))
    return out


@st.composite
def mutated(draw, base: st.SearchStrategy) -> Any:
    doc = copy.deepcopy(draw(base))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for p in path[:-1]:
            parent = parent[p]
        action = draw(st.sampled_from(["junk", "junk", "delete", "typo", "scale"]))
        last = path[-1]
        if action == "junk":
            parent[last] = copy.deepcopy(draw(JUNK))  # never share a junk list or mapping
        elif action == "delete" and isinstance(parent, dict):
            del parent[last]
        elif action == "typo" and isinstance(parent, dict):
            parent[f"{last}x"] = parent.pop(last)
        elif action == "scale" and isinstance(parent[last], (int, float)) and not isinstance(parent[last], bool):
            parent[last] = parent[last] * draw(st.sampled_from([-1, 0, 1e3, 1e9, 1e300]))
    return doc


def check_bill(bill) -> None:
    for item in bill.items:
        for value in (item.quantity, item.usd, item.unrounded_usd):
            assert math.isfinite(value) and value >= 0, item
    assert math.isfinite(bill.total_usd) and bill.total_usd >= 0


def priced_or_refused(fn, doc) -> Any:
    """``fn(doc)``, or None when it is refused with one CostModelError line."""
    try:
        return fn(doc)
    except CostModelError as exc:
        text = str(exc)
        assert text and "\n" not in text, repr(exc)
        assert re.search(r"is not allowed|unknown |missing required|does not exist|is empty|not valid YAML"
                         r"|is a directory|not UTF-8", text), text
        return None


EXAMPLES_OR_GENERATED = "shipped examples twice as often as generated documents (most of these break a rule)"
USAGE_DOCS = st.one_of(st.sampled_from(USAGE_EXAMPLES), st.sampled_from(USAGE_EXAMPLES),
                       from_schema(USAGE_SCHEMA, USAGE_SCHEMA))


@settings(max_examples=500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(mutated(USAGE_DOCS))
def test_usage_documents_are_priced_or_refused_in_one_line(doc):
    bill = priced_or_refused(bill_usage, doc)
    if bill is not None:
        check_bill(bill)


def _small(doc: Any) -> Any:
    """Scenarios on a one-day horizon at 1-minute steps so that comparing them is quick
    (mutations still reach the bounds)."""
    if isinstance(doc, dict) and isinstance(doc.get("traffic"), dict) and doc["traffic"].get("pattern") != "sum":
        doc["traffic"]["horizon_days"] = 1
        doc["traffic"]["step_s"] = 60
    return doc


SCENARIO_DOCS = st.one_of(st.sampled_from(SCENARIO_EXAMPLES), st.sampled_from(SCENARIO_EXAMPLES),
                          from_schema(SCENARIO_SCHEMA, SCENARIO_SCHEMA)).map(copy.deepcopy).map(_small)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(mutated(SCENARIO_DOCS))
def test_scenario_documents_are_compared_or_refused_in_one_line(doc):
    scenario = priced_or_refused(load_scenario, doc)
    if scenario is None:
        return
    rate, step, _ = scenario.traffic_series()
    assert np.all(np.isfinite(rate)) and np.all(rate >= 0) and step > 0
    if rate.size * step <= 3 * 86_400:  # short series: price the whole comparison
        result = priced_or_refused(compare, scenario)
        if result is not None:
            for bill in result.bills.values():
                check_bill(bill)
