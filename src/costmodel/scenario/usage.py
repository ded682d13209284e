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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from costmodel._schema import validate
from costmodel.errors import InvalidParameterError, ScenarioError
from costmodel.models import bills as B
from costmodel.models.price_overrides import check_price_overrides
from costmodel.models.pricing import Prices, load_prices
from costmodel.scenario.usage_schema import MONTH_H, UsageFile
from costmodel.strict_yaml import load_yaml_file

__all__ = ["Usage", "load_usage", "bill_usage", "UsageFile"]

#: Blocks that take one mapping or a list of them (``Usage.raw`` holds a tuple, empty when absent).
LIST_BLOCKS = ("lambda", "lambda_managed_instances", "event_source_mappings", "fargate", "ec2")


@dataclass(frozen=True)
class Usage:
    """A validated usage file: ``raw`` holds the dict with every default filled in."""

    raw: Mapping[str, Any]
    source: str = "<dict>"
    base_dir: Path = field(default_factory=Path.cwd)

    def prices(self) -> Prices:
        """The price set the file names, with its ``price_overrides`` applied."""
        return _file_prices(self.raw, self.base_dir)


def _file_prices(raw: Mapping[str, Any], base_dir: Path) -> Prices:
    overrides = raw.get("price_overrides")
    if isinstance(overrides, str):
        p = Path(overrides)
        overrides = p if p.is_absolute() else base_dir / p
    return load_prices(raw["region"], raw.get("price_set"), overrides)


def load_usage(source: str | os.PathLike | Mapping[str, Any] | Usage) -> Usage:
    """Read and validate a usage file (or dict) against :class:`~costmodel.scenario.usage_schema.UsageFile`.

    Raises
    ------
    InputError
        (a :class:`ScenarioError` and an :class:`InvalidParameterError`) One line naming the
        file, the full dotted path of the field, the value received and what is allowed:
        an unknown key (listing the allowed ones), a missing or empty one, a value of the
        wrong type or out of range, a combination AWS does not sell.
    ScenarioError
        The file is missing, a directory, not UTF-8 text, not valid YAML, or empty.
    """
    if isinstance(source, Usage):
        return source
    if isinstance(source, Mapping):
        doc, name, base = dict(source), "<dict>", Path.cwd()
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        doc = load_yaml_file(path, what="usage file")
        name, base = str(path), path.resolve().parent
    else:
        raise ScenarioError(f"a usage source is a file path or a mapping, got {type(source).__name__}")
    if doc is None:
        raise ScenarioError(f"{name}: the usage file is empty: expected a mapping with at least one of "
                            "lambda, lambda_managed_instances, event_source_mappings, fargate, ec2, front_door, glue")
    model = validate(UsageFile, doc, source=name)
    raw = _raw(model)
    if isinstance(raw.get("price_overrides"), Mapping):  # unknown region / price set: UnknownNameError
        check_price_overrides(raw["price_overrides"], load_prices(raw["region"], raw.get("price_set")).rates,
                              source=name)
    prices = _file_prices(raw, base)
    validate(UsageFile, doc, source=name, context={"prices": prices})  # instance types, task sizes
    return Usage(raw=MappingProxyType(raw), source=name, base_dir=base)


def _raw(model: UsageFile) -> dict[str, Any]:
    raw = model.model_dump(by_alias=True)
    for block in LIST_BLOCKS:
        raw[block] = tuple(raw.get(block) or ())
    for fn in raw["lambda"]:
        fn["provisioned"] = tuple(fn.get("provisioned") or ())
    return raw


def bill_usage(source: str | os.PathLike | Mapping[str, Any] | Usage, *, prices: Prices | None = None) -> B.Bill:
    """Price a usage file (path, dict or :class:`Usage`) and return its itemised :class:`Bill`.

    ``prices`` replaces the price set named by the file (its overrides are then ignored).
    """
    usage = load_usage(source)
    raw = usage.raw
    prices = prices if prices is not None else usage.prices()
    bill = B.Bill()
    if raw["lambda"]:  # one account: duration tiers per architecture across functions
        bill += B.lambda_account_bill(
            (_lambda_kwargs(i, fn) for i, fn in enumerate(raw["lambda"])), prices=prices, where="lambda"
        )
        for i, fn in enumerate(raw["lambda"]):
            bill += _named(_call(_where("lambda", i, fn), _lambda_extras, fn, prices), fn)
    for i, lmi in enumerate(raw["lambda_managed_instances"]):
        bill += _named(_call(_where("lambda_managed_instances", i, lmi), _lmi_bill, lmi, prices), lmi)
    for i, esm in enumerate(raw["event_source_mappings"]):
        bill += _named(_call(_where("event_source_mappings", i, esm), _esm_bill, esm, prices), esm)
    for i, svc in enumerate(raw["fargate"]):
        bill += _named(_call(_where("fargate", i, svc), _fargate_bill, svc, prices), svc)
    for i, ec2 in enumerate(raw["ec2"]):
        bill += _named(_call(_where("ec2", i, ec2), _ec2_bill, ec2, prices), ec2)
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
    glue_fns: dict[str, Callable[..., B.Bill]] = {
        "sqs": B.sqs_bill,
        "dynamodb": B.dynamodb_bill,
        "logs": B.logs_bill,
        "nat": B.nat_bill,
        "public_ipv4": B.public_ipv4_bill,
        "data_transfer": B.data_transfer_bill,
    }
    for key, fn in glue_fns.items():
        if glue.get(key):
            bill += _call(f"glue.{key}", _with_block(fn), glue[key], prices)
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
        requests=_array(fn["requests"]), duration_ms=_array(fn["duration_ms"]), memory_mb=fn["memory_mb"],
        architecture=fn["architecture"],
        free_tier=fn["free_tier"], ephemeral_storage_mb=fn["ephemeral_storage_mb"],
        provisioned=windows,
        snapstart_versions=snap.get("versions", 0),
        snapstart_cache_s=snap.get("cache_s"),
        snapstart_restores=snap.get("restores", 0),
        cold_starts=fn["cold_starts"], init_duration_ms=fn["init_duration_ms"],
        async_payload_kb=fn["async_payload_kb"], streamed_response_mb=_array(fn["streamed_response_mb"]),
        purchase=fn["purchase"],
    )


def _array(value: Any) -> Any:
    """A request-group list as a numpy array (the bills sum aligned arrays); a number as is."""
    return np.asarray(value, dtype=float) if isinstance(value, (list, tuple)) else value


def _lambda_extras(fn: Mapping[str, Any], prices: Prices) -> B.Bill:
    """Tenant isolation and durable-function lines of a function (empty when it has neither)."""
    bill = B.Bill()
    if fn.get("tenant_isolation"):
        bill += B.lambda_tenant_isolation_bill(fn["tenant_isolation"]["environments"], fn["memory_mb"],
                                               fn["architecture"], prices=prices)
    durable = fn.get("durable")
    if durable:
        retained = B.durable_retained_gb_months(durable["data_written_gb"], durable["running_days"],
                                                durable["retention_days"], prices=prices)
        bill += B.lambda_durable_bill(durable["operations"], durable["data_written_gb"], retained, prices=prices)
    return bill


def _lmi_bill(lmi: Mapping[str, Any], prices: Prices) -> B.Bill:
    if lmi["instance_hours"] is not None:
        hours = lmi["instance_hours"]
    else:
        per_instance = lmi["hours"] if lmi["hours"] is not None else prices.value("ec2.hours_per_month")
        hours = lmi["count"] * min(per_instance, MONTH_H)
    return B.lambda_managed_instances_bill(lmi["requests"], lmi["instance_type"], hours, purchase=lmi["purchase"],
                                           prices=prices)


def _esm_bill(esm: Mapping[str, Any], prices: Prices) -> B.Bill:
    epu_hours = esm["epu_hours"]
    if epu_hours is None:
        epu_hours = B.esm_epu_hours(esm["event_pollers"], esm["hours"], esm["source"], prices=prices)
    return B.lambda_esm_bill(epu_hours, source=esm["source"], prices=prices)


def _fargate_bill(svc: Mapping[str, Any], prices: Prices) -> B.Bill:
    if svc["task_seconds"] is not None:
        task_s = svc["task_seconds"]
    else:
        minimum_s = prices.value("fargate.windows_minimum_s" if svc["operating_system"] == "windows" else "fargate.minimum_s")
        task_s = svc["tasks"] * svc["runs"] * B.fargate_billable_seconds(svc["run_s"], minimum_s=minimum_s)
    return B.fargate_bill(
        svc["vcpu"], svc["memory_gb"], task_s, architecture=svc["architecture"],
        ephemeral_storage_gb=svc["ephemeral_storage_gb"], purchase=svc["purchase"],
        operating_system=svc["operating_system"], prices=prices,
    )


def _ec2_bill(ec2: Mapping[str, Any], prices: Prices) -> B.Bill:
    hours = ec2["hours"] if ec2["hours"] is not None else prices.value("ec2.hours_per_month")
    return B.ec2_bill(ec2["instance_type"], ec2["count"] * hours, purchase=ec2["purchase"], prices=prices)


def _where(block: str, i: int, item: Mapping[str, Any]) -> str:
    return f"{block}[{item['name'] if item.get('name') else i}]"


def _named(bill: B.Bill, item: Mapping[str, Any]) -> B.Bill:
    return bill.named(f"{item['name']}: ") if item.get("name") else bill


def _with_block(fn: Callable[..., B.Bill]) -> Callable[[Mapping[str, Any], Prices], B.Bill]:
    """``fn(prices=..., **block)`` as a ``(block, prices)`` bill function for :func:`_call`."""
    return lambda block, prices: fn(prices=prices, **block)


def _call(where: str, fn: Callable[[Mapping[str, Any], Prices], B.Bill], block: Mapping[str, Any], prices: Prices
          ) -> B.Bill:
    """Run a bill function; re-raise its errors with the block's path in the parameter name."""
    try:
        return fn(block, prices)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{where}.{exc.name}", exc.value, exc.allowed) from exc
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from exc
