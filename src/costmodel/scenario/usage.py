"""Usage files: one month of AWS usage in YAML, priced by :mod:`costmodel.models.bills`.

The format is documented in ``docs/usage-format.md`` (one example per block in
``docs/examples/``). Every block is optional; unknown keys anywhere are errors that name
the key and list the allowed ones, so a typo never silently drops a cost.

>>> from costmodel.scenario.usage import bill_usage
>>> bill = bill_usage({"lambda": {"requests": 3_000_000, "duration_ms": 120, "memory_mb": 1536}})
>>> bill.total_usd
2.73
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from costmodel._validate import check_non_negative
from costmodel.errors import InvalidParameterError, ScenarioError
from costmodel.models import bills as B
from costmodel.models.pricing import Prices, load_prices

__all__ = ["Usage", "load_usage", "bill_usage", "USAGE_SCHEMA"]

_REQ = object()  # marks a required key
_NUM = (int, float)

# key -> (allowed python types, default or _REQ). Nested blocks are dicts of the same form.
_PROVISIONED = {
    "concurrency": (int, _REQ),
    "enabled_s": (_NUM, _REQ),
    "requests": (_NUM, 0),
    "duration_ms": (_NUM, 0),
    "occurrences": (int, 1),
}
_SNAPSTART = {
    "versions": (int, 1),
    "cache_s": (_NUM + (type(None),), None),
    "restores": (_NUM, 0),
}
_LAMBDA = {
    "name": (str, None),
    "requests": (_NUM, _REQ),
    "duration_ms": (_NUM, _REQ),
    "memory_mb": (_NUM, _REQ),
    "architecture": (str, "x86_64"),
    "free_tier": (bool, True),
    "ephemeral_storage_mb": (_NUM, 512),
    "async_payload_kb": (_NUM + (type(None),), None),
    "streamed_response_mb": (_NUM, 0),
    "cold_starts": (_NUM, 0),
    "init_duration_ms": (_NUM, 0),
    "snapstart": (_SNAPSTART, None),
    "provisioned": ([_PROVISIONED], ()),
    "purchase": (str, "on_demand"),
}
_FARGATE = {
    "name": (str, None),
    "vcpu": (_NUM, _REQ),
    "memory_gb": (_NUM, _REQ),
    "architecture": (str, "x86_64"),
    "ephemeral_storage_gb": (_NUM, 20),
    "purchase": (str, "on_demand"),
    "operating_system": (str, "linux"),
    "task_seconds": (_NUM + (type(None),), None),
    "tasks": (_NUM + (type(None),), None),
    "run_s": (_NUM + (type(None),), None),
    "runs": (_NUM, 1),
}
_EC2 = {
    "name": (str, None),
    "instance_type": (str, _REQ),
    "count": (_NUM, 1),
    "hours": (_NUM + (type(None),), None),
    "purchase": (str, "on_demand"),
}
_API_GATEWAY = {
    "api": (str, "http"),
    "requests": (_NUM, _REQ),
    "payload_kb": (_NUM, 0),
    "free_tier": (bool, False),
}
_ALB = {
    "hours": (_NUM, 730),
    "new_connections_per_s": (_NUM, 0),
    "active_connections_per_min": (_NUM, 0),
    "processed_gb_per_h": (_NUM, 0),
    "rule_evaluations_per_s": (_NUM, 0),
    "lambda_targets": (bool, False),
}
_FUNCTION_URL = {"requests": (_NUM, _REQ)}
_FRONT_DOOR = {
    "api_gateway": (_API_GATEWAY, None),
    "alb": (_ALB, None),
    "function_url": (_FUNCTION_URL, None),
}
_GLUE = {
    "sqs": ({"requests": (_NUM, _REQ), "payload_kb": (_NUM, 0), "fifo": (bool, False), "free_tier": (bool, True)}, None),
    "dynamodb": ({"write_request_units": (_NUM, 0), "read_request_units": (_NUM, 0)}, None),
    "logs": ({"ingested_gb": (_NUM, _REQ), "stored_gb": (_NUM, 0), "lambda_tiers": (bool, False)}, None),
    "nat": ({"gateway_hours": (_NUM, 730), "processed_gb": (_NUM, 0)}, None),
    "public_ipv4": ({"address_hours": (_NUM, _REQ)}, None),
    "data_transfer": ({"out_gb": (_NUM, _REQ), "free_tier": (bool, True)}, None),
}
#: The whole usage-file schema: key -> (type or nested schema, default). ``[schema]`` is a
#: list of blocks; ``(schema, "list-or-one")`` accepts one block or a list of them.
USAGE_SCHEMA = {
    "name": (str, None),
    "description": (str, None),
    "region": (str, "us-east-1"),
    "price_set": (str, None),
    "price_overrides": ((dict, str), None),
    "lambda": ("list-or-one", _LAMBDA),
    "fargate": ("list-or-one", _FARGATE),
    "ec2": ("list-or-one", _EC2),
    "front_door": (_FRONT_DOOR, None),
    "glue": (_GLUE, None),
}


@dataclass(frozen=True)
class Usage:
    """A validated usage file: ``raw`` holds the dict with every default filled in."""

    raw: Mapping[str, Any]
    source: str = "<dict>"
    base_dir: Path = field(default_factory=Path.cwd)

    def prices(self) -> Prices:
        """The price set the file names, with its ``price_overrides`` applied."""
        overrides = self.raw.get("price_overrides")
        if isinstance(overrides, str):
            p = Path(overrides)
            overrides = p if p.is_absolute() else self.base_dir / p
        return load_prices(self.raw["region"], self.raw.get("price_set"), overrides)


def load_usage(source: str | os.PathLike | Mapping[str, Any] | Usage) -> Usage:
    """Read and validate a usage file (or dict).

    Raises
    ------
    ScenarioError
        Unknown key (naming it and listing the allowed keys), missing required key, or a
        value of the wrong type. Values out of range are reported by the bills when priced.
    """
    if isinstance(source, Usage):
        return source
    if isinstance(source, Mapping):
        doc, name, base = dict(source), "<dict>", Path.cwd()
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ScenarioError(f"usage file {str(path)!r} does not exist")
        try:
            with open(path, encoding="utf-8") as fh:
                doc = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
        name, base = str(path), path.resolve().parent
        if doc is None:
            doc = {}
    else:
        raise ScenarioError(f"a usage source is a file path or a mapping, got {type(source).__name__}")
    if not isinstance(doc, Mapping):
        raise ScenarioError(f"{name}: a usage file is a mapping of blocks ({', '.join(USAGE_SCHEMA)})")
    raw = _validate(doc, USAGE_SCHEMA, "", name)
    return Usage(raw=MappingProxyType(raw), source=name, base_dir=base)


def bill_usage(source: str | os.PathLike | Mapping[str, Any] | Usage, *, prices: Prices | None = None) -> B.Bill:
    """Price a usage file (path, dict or :class:`Usage`) and return its itemised :class:`Bill`.

    ``prices`` replaces the price set named by the file (its overrides are then ignored).
    """
    usage = load_usage(source)
    raw = usage.raw
    prices = prices if prices is not None else usage.prices()
    free = [_where("lambda", i, fn) for i, fn in enumerate(raw.get("lambda") or ()) if fn["free_tier"]]
    if len(free) > 1:
        raise ScenarioError(
            f"{usage.source}: the Lambda free tier is per account; set free_tier: true on at most one "
            f"function (it is on for {', '.join(free)}; it defaults to true)"
        )
    bill = B.Bill()
    if raw.get("lambda"):  # one account: duration tiers per architecture across functions
        bill += B.lambda_account_bill(
            (_lambda_kwargs(i, fn) for i, fn in enumerate(raw["lambda"])), prices=prices, where="lambda"
        )
    for i, svc in enumerate(raw.get("fargate") or ()):
        where = _where("fargate", i, svc)
        bill += _named(_call(where, _fargate_bill, svc, prices), svc)
    for i, ec2 in enumerate(raw.get("ec2") or ()):
        where = _where("ec2", i, ec2)
        bill += _named(_call(where, _ec2_bill, ec2, prices), ec2)
    fd = raw.get("front_door") or {}
    if fd.get("api_gateway"):
        bill += _call("front_door.api_gateway", lambda b, p: B.api_gateway_bill(prices=p, **b), fd["api_gateway"], prices)
    if fd.get("alb"):
        a = dict(fd["alb"])
        hours = a.pop("hours")
        bill += _call("front_door.alb", lambda b, p: B.alb_bill(hours, prices=p, **b), a, prices)
    if fd.get("function_url"):
        bill += _call("front_door.function_url", lambda b, p: B.function_url_bill(prices=p, **b), fd["function_url"], prices)
    glue = raw.get("glue") or {}
    glue_fns = {
        "sqs": B.sqs_bill,
        "dynamodb": B.dynamodb_bill,
        "logs": B.logs_bill,
        "nat": B.nat_bill,
        "public_ipv4": B.public_ipv4_bill,
        "data_transfer": B.data_transfer_bill,
    }
    for key, fn in glue_fns.items():
        if glue.get(key):
            bill += _call(f"glue.{key}", lambda b, p, fn=fn: fn(prices=p, **b), glue[key], prices)
    return bill


# ------------------------------------------------------------------------------------------
def _lambda_kwargs(i: int, fn: Mapping[str, Any]) -> dict[str, Any]:
    """A validated ``lambda`` block as keyword arguments of :func:`costmodel.models.bills.lambda_bill` (+ ``name``)."""
    where = _where("lambda", i, fn)
    try:
        windows = tuple(B.ProvisionedWindow(**w) for w in fn["provisioned"])
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{where}.{exc.name}", exc.value, exc.allowed) from exc
    snap = fn.get("snapstart") or {}
    return dict(
        name=fn["name"],
        requests=fn["requests"], duration_ms=fn["duration_ms"], memory_mb=fn["memory_mb"],
        architecture=fn["architecture"],
        free_tier=fn["free_tier"], ephemeral_storage_mb=fn["ephemeral_storage_mb"],
        provisioned=windows,
        snapstart_versions=snap.get("versions", 0),
        snapstart_cache_s=snap.get("cache_s"),
        snapstart_restores=snap.get("restores", 0),
        cold_starts=fn["cold_starts"], init_duration_ms=fn["init_duration_ms"],
        async_payload_kb=fn["async_payload_kb"], streamed_response_mb=fn["streamed_response_mb"],
        purchase=fn["purchase"],
    )


def _fargate_bill(svc: Mapping[str, Any], prices: Prices) -> B.Bill:
    if svc["task_seconds"] is not None:
        if svc["tasks"] is not None or svc["run_s"] is not None:
            raise ScenarioError("give either task_seconds, or tasks and run_s (and runs), not both")
        task_s = svc["task_seconds"]
    else:
        if svc["tasks"] is None or svc["run_s"] is None:
            raise ScenarioError("give task_seconds, or tasks and run_s (and runs per task)")
        check_non_negative("tasks", svc["tasks"])
        check_non_negative("runs", svc["runs"])
        minimum_s = prices.value("fargate.windows_minimum_s" if svc["operating_system"] == "windows" else "fargate.minimum_s")
        task_s = svc["tasks"] * svc["runs"] * B.fargate_billable_seconds(svc["run_s"], minimum_s=minimum_s)
    return B.fargate_bill(
        svc["vcpu"], svc["memory_gb"], task_s, architecture=svc["architecture"],
        ephemeral_storage_gb=svc["ephemeral_storage_gb"], purchase=svc["purchase"],
        operating_system=svc["operating_system"], prices=prices,
    )


def _ec2_bill(ec2: Mapping[str, Any], prices: Prices) -> B.Bill:
    hours = ec2["hours"] if ec2["hours"] is not None else prices.value("ec2.hours_per_month")
    check_non_negative("count", ec2["count"])
    check_non_negative("hours", hours)
    return B.ec2_bill(ec2["instance_type"], ec2["count"] * hours, purchase=ec2["purchase"], prices=prices)


def _where(block: str, i: int, item: Mapping[str, Any]) -> str:
    return f"{block}[{item['name'] if item.get('name') else i}]"


def _named(bill: B.Bill, item: Mapping[str, Any]) -> B.Bill:
    return bill.named(f"{item['name']}: ") if item.get("name") else bill


def _call(where: str, fn, block: Mapping[str, Any], prices: Prices) -> B.Bill:
    """Run a bill function; re-raise its errors with the block's path in the parameter name."""
    try:
        return fn(block, prices)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{where}.{exc.name}", exc.value, exc.allowed) from exc
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from exc


def _validate(doc: Mapping[str, Any], schema: Mapping[str, Any], path: str, source: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in doc:
        if key not in schema:
            where = f"{path}.{key}" if path else str(key)
            raise ScenarioError(
                f"{source}: unknown key {where!r}; allowed keys{' in ' + path if path else ''}: {', '.join(schema)}"
            )
    for key, (kind, default) in schema.items():
        where = f"{path}.{key}" if path else key
        if key not in doc or doc[key] is None:
            if kind == "list-or-one":
                out[key] = ()
                continue
            if default is _REQ:
                raise ScenarioError(f"{source}: missing required key {where!r}")
            out[key] = default
            continue
        value = doc[key]
        if kind == "list-or-one":
            items = value if isinstance(value, list) else [value]
            out[key] = tuple(
                _validate(_mapping(v, f"{where}[{i}]", source), default, f"{where}[{i}]", source)
                for i, v in enumerate(items)
            )
        elif isinstance(kind, list):
            if not isinstance(value, list):
                value = [value]
            out[key] = tuple(
                _validate(_mapping(v, f"{where}[{i}]", source), kind[0], f"{where}[{i}]", source)
                for i, v in enumerate(value)
            )
        elif isinstance(kind, dict):
            out[key] = _validate(_mapping(value, where, source), kind, where, source)
        else:
            types = kind if isinstance(kind, tuple) else (kind,)
            ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
            if int in types and float not in types and isinstance(value, float) and value.is_integer():
                value, ok = int(value), True
            if not ok:
                names = " or ".join(sorted({"number" if t in _NUM else t.__name__ for t in types if t is not type(None)}))
                raise ScenarioError(f"{source}: {where}={value!r} is not allowed: expected {names}")
            out[key] = value
    return out


def _mapping(value: Any, where: str, source: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{source}: {where} must be a mapping of keys, got {value!r}")
    return value
