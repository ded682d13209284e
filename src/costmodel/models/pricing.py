"""Prices as data: one loader for the rate files in ``data/pricing/``.

Every number the bills use comes from a YAML file named ``aws-<region>-<price_set>.yaml``
(the price set is the date the values were collected). Each rate carries its unit, source
URL, retrieval date and status (``aws-published``, ``third-party``, ``derived`` or
``assumption``). A user changes a rate without editing the shipped files by passing
``overrides`` (a dict or the path of a YAML file with a partial ``rates:`` block).

Examples
--------
>>> prices = load_prices()                         # us-east-1, latest shipped price set
>>> prices.usd("lambda.request")
2e-07
>>> prices.tiers("lambda.duration_x86_64")[0]
(6000000000.0, 1.66667e-05)
>>> cheaper = prices.with_overrides({"fargate.spot_discount": 0.65})
"""
from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
import yaml

from costmodel._validate import check_finite
from costmodel.errors import InvalidParameterError, ScenarioError, UnknownNameError
from costmodel.models.price_overrides import RATE_FIELDS, STATUSES, check_price_overrides, check_tier_limits
from costmodel.resources import data_path
from costmodel.strict_yaml import load_yaml_file

__all__ = [
    "Rate",
    "Prices",
    "load_prices",
    "load_price_file",
    "list_price_sets",
    "PRICING_DIR",
    "STATUSES",
    "ARCHITECTURES",
]

#: Directory holding the shipped price files. ``COSTMODEL_PRICING_DIR`` overrides it.
PRICING_DIR = Path(os.environ.get("COSTMODEL_PRICING_DIR", data_path("pricing")))

#: CPU architectures priced for Lambda and Fargate.
ARCHITECTURES = ("x86_64", "arm64")

_FILE_RE = re.compile(r"^aws-(?P<region>[a-z0-9-]+?)-(?P<price_set>\d{4}-\d{2}-\d{2})\.ya?ml$")
_RATE_FIELDS = RATE_FIELDS


@dataclass(frozen=True)
class Rate:
    """One price or pricing parameter with its provenance.

    Parameters
    ----------
    key : str
        Dotted name, e.g. ``"lambda.duration_x86_64_tier1"``.
    value : float
        The number, in ``unit`` (``"USD per GB-s"``, ``"GB-s per month"``, ``"fraction"``...).
    unit : str
    source_url : str
    retrieved : str
        ISO date the value was read.
    status : str
        ``aws-published``, ``third-party``, ``derived``, ``assumption`` or ``override``.
    note : str
    """

    key: str
    value: float
    unit: str
    source_url: str
    retrieved: str
    status: str
    note: str = ""

    @property
    def usd(self) -> float:
        """The value (named for rates whose unit is USD per something)."""
        return self.value


@dataclass(frozen=True)
class Prices:
    """A complete, validated price set for one region (immutable).

    Use :func:`load_prices` to build one. ``rates`` maps key -> :class:`Rate`.
    """

    region: str
    price_set: str
    rates: Mapping[str, Rate]
    fargate_task_sizes: Mapping[float, tuple[float, ...]] = field(default_factory=dict)
    ec2_instance_types: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    currency: str = "USD"

    # -- look-ups ------------------------------------------------------------------------
    def rate(self, key: str) -> Rate:
        """The :class:`Rate` called ``key``; unknown keys list the valid ones."""
        try:
            return self.rates[key]
        except KeyError:
            raise UnknownNameError("price key", key, self.rates.keys()) from None

    def value(self, key: str) -> float:
        """The number of rate ``key`` in its unit."""
        return self.rate(key).value

    def usd(self, key: str) -> float:
        """The USD value of rate ``key`` (per unit stated in the rate's ``unit``)."""
        return self.rate(key).value

    def keys(self) -> list[str]:
        """All rate keys, sorted."""
        return sorted(self.rates)

    def tiers(self, base: str) -> tuple[tuple[float, float], ...]:
        """Tier table of a tiered rate as ``((upper_limit, usd_per_unit), ...)``.

        Reads ``<base>_tier1``, ``<base>_tier1_limit``, ``<base>_tier2``... The last tier's
        limit is ``inf``. Limits are cumulative monthly quantities. Suitable for
        :func:`costmodel.models.bills.tiered_usd`.
        """
        out: list[tuple[float, float]] = []
        n = 1
        while f"{base}_tier{n}" in self.rates:
            limit_key = f"{base}_tier{n}_limit"
            limit = self.rates[limit_key].value if limit_key in self.rates else math.inf
            out.append((float(limit), float(self.rates[f"{base}_tier{n}"].value)))
            if limit == math.inf:
                break
            n += 1
        if not out:
            bases = sorted({k.rsplit("_tier", 1)[0] for k in self.rates if "_tier" in k})
            raise UnknownNameError("tiered rate", base, bases)
        return tuple(out)

    def instance_type(self, instance_type: str) -> Mapping[str, Any]:
        """Shape of an EC2 instance type (``vcpu``, ``memory_gib``, ``architecture``, ``usd_per_hour``)."""
        if instance_type not in self.ec2_instance_types:
            raise UnknownNameError("EC2 instance type", instance_type, self.ec2_instance_types)
        spec = dict(self.ec2_instance_types[instance_type])
        spec["usd_per_hour"] = self.usd(f"ec2.{instance_type}")
        return MappingProxyType(spec)

    # -- derivation ----------------------------------------------------------------------
    def with_overrides(self, overrides: Mapping[str, Any] | str | os.PathLike | None) -> Prices:
        """A new :class:`Prices` with some rates replaced (this one is unchanged).

        Parameters
        ----------
        overrides : dict, path or None
            ``{key: number}`` or ``{key: {value: ..., note: ..., source_url: ...}}``, or the
            path of a YAML file holding such a mapping under ``rates:`` (the shipped files'
            schema, partial). Unknown keys raise :class:`UnknownNameError` listing valid keys.
        """
        if overrides is None:
            return self
        source = ""
        if isinstance(overrides, (str, os.PathLike)):
            source = str(overrides)
            overrides = _read_override_file(Path(overrides))
        checked = check_price_overrides(overrides, self.rates, source=source, prefix="overrides")
        rates = dict(self.rates)
        today = _dt.date.today().isoformat()
        for key, spec in checked.items():
            old = self.rate(key)
            if isinstance(spec, Mapping):
                new = replace(
                    old,
                    value=float(spec["value"]),
                    unit=str(spec.get("unit") or old.unit),
                    source_url=str(spec.get("source_url") or "user override"),
                    retrieved=str(spec.get("retrieved") or today),
                    status=str(spec.get("status") or "override"),
                    note=str(spec.get("note") or f"overrides {old.value!r} ({old.status})"),
                )
            else:
                new = replace(old, value=float(spec), source_url="user override", retrieved=today, status="override",
                              note=f"overrides {old.value!r} ({old.status}, {old.source_url})")
            rates[key] = new
        check_tier_limits(rates, checked, source=source, prefix="overrides")
        return replace(self, rates=MappingProxyType(rates))

    def to_frame(self) -> pd.DataFrame:
        """All rates as a pandas DataFrame (one row per key) for display."""

        return pd.DataFrame([r.__dict__ for r in self.rates.values()]).set_index("key").sort_index()


# ------------------------------------------------------------------------------------------
def list_price_sets(region: str | None = None, *, directory: str | os.PathLike | None = None) -> list[tuple[str, str]]:
    """Shipped ``(region, price_set)`` pairs, sorted (optionally for one region only)."""
    folder = Path(directory) if directory is not None else PRICING_DIR
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            m = _FILE_RE.match(path.name)
            if m and (region is None or m["region"] == region):
                found.append((m["region"], m["price_set"]))
    return sorted(found)


def load_prices(
    region: str = "us-east-1",
    price_set: str | None = None,
    overrides: Mapping[str, Any] | str | os.PathLike | None = None,
    *,
    directory: str | os.PathLike | None = None,
) -> Prices:
    """Load a shipped price set, optionally with some rates overridden.

    Parameters
    ----------
    region : str
        AWS region code; an unknown region raises :class:`UnknownNameError` listing those shipped.
    price_set : str or None
        Date-named price set (``"2026-11-27"``); None takes the latest for the region.
    overrides : dict, path or None
        See :meth:`Prices.with_overrides`.
    directory : path, optional
        Folder of price files (default ``data/pricing`` of this project).

    Returns
    -------
    Prices
    """
    folder = Path(directory) if directory is not None else PRICING_DIR
    sets = list_price_sets(directory=folder)
    regions = sorted({r for r, _ in sets})
    if region not in regions:
        raise UnknownNameError(
            "region", region, regions,
            hint=f"no price file aws-{region}-<date>.yaml in {folder}; make one with "
                 f"`costmodel prices refresh --region {region}` or point COSTMODEL_PRICING_DIR at a folder "
                 "that has one")
    names = [s for r, s in sets if r == region]
    if price_set is None:
        price_set = names[-1]
    if price_set not in names:
        raise UnknownNameError(f"price set for {region}", price_set, names)
    path = folder / f"aws-{region}-{price_set}.yaml"
    if not path.exists():
        path = path.with_suffix(".yml")
    prices = _load_file(path)
    if (prices.region, prices.price_set) != (region, price_set):
        raise ScenarioError(
            f"{path}: file says region {prices.region!r}, price_set {prices.price_set!r}; "
            f"its name says {region!r}, {price_set!r}"
        )
    return prices.with_overrides(overrides)


def load_price_file(path: str | os.PathLike) -> Prices:
    """Load one price file by path (any folder), checking that its name matches its content.

    The name must be ``aws-<region>-<price_set>.yaml`` as in ``data/pricing/``.
    """
    path = Path(path)
    m = _FILE_RE.match(path.name)
    if m is None or not path.is_file():
        raise InvalidParameterError("price file", str(path), "an existing file named aws-<region>-<YYYY-MM-DD>.yaml")
    prices = _load_file(path)
    if (prices.region, prices.price_set) != (m["region"], m["price_set"]):
        raise ScenarioError(
            f"{path}: file says region {prices.region!r}, price_set {prices.price_set!r}; "
            f"its name says {m['region']!r}, {m['price_set']!r}"
        )
    return prices


_CACHE: dict[tuple[str, float], Prices] = {}
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_file(path: Path) -> Prices:
    cache_key = (str(path), path.stat().st_mtime)
    if cache_key in _CACHE:
        return _CACHE[cache_key]
    with open(path, encoding="utf-8") as fh:
        doc = yaml.load(fh, Loader=_YamlLoader)
    allowed = {"schema_version", "region", "price_set", "currency", "rates", "fargate_task_sizes", "ec2_instance_types"}
    unknown = set(doc) - allowed
    if unknown:
        raise ScenarioError(f"{path}: unknown top-level key {sorted(unknown)[0]!r}; allowed: {', '.join(sorted(allowed))}")
    rates = {}
    for key, spec in doc["rates"].items():
        missing = [f for f in _RATE_FIELDS if f not in spec and f != "note"]
        extra = set(spec) - set(_RATE_FIELDS)
        if missing or extra:
            raise ScenarioError(f"{path}: rate {key!r} must have exactly the fields {', '.join(_RATE_FIELDS)}")
        rates[key] = Rate(
            key=key,
            value=_number(key, spec["value"]),
            unit=str(spec["unit"]),
            source_url=str(spec["source_url"]),
            retrieved=str(spec["retrieved"]),
            status=_status(key, spec["status"]),
            note=str(spec.get("note", "")),
        )
    sizes = {}
    for vcpu, allowed_gb in (doc.get("fargate_task_sizes") or {}).items():
        if isinstance(allowed_gb, Mapping):
            lo, hi, step = (float(allowed_gb[k]) for k in ("min", "max", "step"))
            allowed_gb = [lo + i * step for i in range(int(round((hi - lo) / step)) + 1)]
        sizes[float(vcpu)] = tuple(float(g) for g in allowed_gb)
    instances = {k: MappingProxyType(dict(v)) for k, v in (doc.get("ec2_instance_types") or {}).items()}
    prices = Prices(
        region=str(doc["region"]),
        price_set=str(doc["price_set"]),
        rates=MappingProxyType(rates),
        fargate_task_sizes=MappingProxyType(sizes),
        ec2_instance_types=MappingProxyType(instances),
        currency=str(doc.get("currency", "USD")),
    )
    _CACHE[cache_key] = prices
    return prices


def _read_override_file(path: Path) -> Any:
    doc = load_yaml_file(path, what="price override file")
    if doc is None:
        raise ScenarioError(f"price override file {str(path)!r} is empty: expected a 'rates:' block "
                            "{rate key: value}")
    if isinstance(doc, Mapping) and "rates" in doc:
        extra = sorted(str(k) for k in doc if k not in ("rates", "schema_version", "region", "price_set", "currency"))
        if extra:
            raise ScenarioError(f"{path}: unknown top-level key {extra[0]!r}; allowed: rates (and the price file's "
                                "schema_version, region, price_set, currency)")
        return doc["rates"]
    return doc


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameterError(name, value, "a number")
    check_finite(name, value)
    if value < 0:
        raise InvalidParameterError(name, value, "a finite number >= 0")
    return float(value)


def _status(key: str, status: Any) -> str:
    if status not in STATUSES:
        raise InvalidParameterError(f"{key}.status", status, "one of " + ", ".join(STATUSES))
    return str(status)


def default_prices() -> Prices:
    """The default shipped price set (us-east-1, latest)."""
    return load_prices()
