"""Monthly bills as pure functions: Lambda, Fargate, EC2, front doors and glue services.

Each ``*_bill`` function prices one month of usage and returns a :class:`Bill` of named
:class:`LineItem` s. As on an AWS invoice, each line is rounded half-up to whole cents
(decimal arithmetic, no binary floating-point surprises) and the total is the sum of the
rounded lines. All rates come from :mod:`costmodel.models.pricing` (``prices=None`` loads the
default shipped price set).

Below the bills sit unrounded, vectorised building blocks (numpy in, numpy out) for
cost-over-time work: :func:`lambda_gb_s`, :func:`tiered_usd`, :func:`tier_quantities`,
:func:`fargate_billable_seconds`, :func:`fargate_usd_per_task_s`, :func:`ec2_usd_per_hour`,
:func:`alb_lcu`, :func:`lambda_async_requests`.

Billing rules (sources in ``data/pricing`` and ``docs/pricing.md``):

* Lambda duration is rounded up to 1 ms per request; GB = MB / 1024. On-demand GB-s
  (invocations plus billed INIT) are priced on the architecture's monthly tiers.
* With ``free_tier=True`` the 1M free requests cover *all* requests (provisioned ones
  included) and the 400,000 free GB-s cover on-demand duration only (AWS's
  provisioned-concurrency example 1). Free units occupy the bottom of the tier ladder.
* Provisioned concurrency: configured GB-s (enabled time rounded up to 5 minutes) at the
  PC rate, plus the duration of the requests it serves at the reduced PC duration rate.
* Fargate (Linux): per second, each run rounded up to the second with a 60 s minimum.
"""
from __future__ import annotations

import html
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from costmodel._validate import (
    as_float_array,
    check_choice,
    check_int,
    check_known,
    check_non_negative,
    check_range,
)
from costmodel.errors import InvalidParameterError, UnknownNameError
from costmodel.models._typing import FloatArray, FloatOrArray
from costmodel.models.pricing import ARCHITECTURES, Prices, load_prices

__all__ = [
    "LineItem",
    "Bill",
    "ProvisionedWindow",
    "LambdaUsage",
    "round_usd",
    "line_item",
    # vectorised building blocks
    "lambda_gb_s",
    "tier_quantities",
    "tiered_usd",
    "lambda_duration_tiers",
    "lambda_async_requests",
    "fargate_billable_seconds",
    "fargate_usd_per_task_s",
    "check_fargate_task_size",
    "ec2_usd_per_hour",
    "alb_lcu",
    # bills
    "lambda_usage",
    "lambda_bill",
    "lambda_account_bill",
    "fargate_bill",
    "ec2_bill",
    "api_gateway_bill",
    "alb_bill",
    "function_url_bill",
    "sqs_bill",
    "dynamodb_bill",
    "logs_bill",
    "nat_bill",
    "public_ipv4_bill",
    "data_transfer_bill",
    "LAMBDA_MEMORY_MB_RANGE",
    "LAMBDA_EPHEMERAL_MB_RANGE",
    "FARGATE_EPHEMERAL_GB_RANGE",
    "LAMBDA_PURCHASES",
    "FARGATE_PURCHASES",
    "FARGATE_OPERATING_SYSTEMS",
    "FARGATE_WINDOWS_VCPUS",
    "EC2_PURCHASES",
    "ESM_SOURCES",
    "lambda_tenant_isolation_bill",
    "durable_retained_gb_months",
    "lambda_durable_bill",
    "esm_epu_hours",
    "lambda_esm_bill",
    "lambda_managed_instances_bill",
    "LMI_PURCHASES",
    "FARGATE_SPOT_PLATFORM",
    "ebs_bill",
    "interface_endpoint_bill",
]

#: Configurable Lambda memory [MB] (1 MB steps).
LAMBDA_MEMORY_MB_RANGE = (128, 10240)
#: Configurable Lambda ephemeral storage (/tmp) [MB].
LAMBDA_EPHEMERAL_MB_RANGE = (512, 10240)
#: Configurable Fargate ephemeral storage [GB].
FARGATE_EPHEMERAL_GB_RANGE = (20, 200)
#: Lambda purchase options; the Savings Plan discount is a price-set parameter.
LAMBDA_PURCHASES = ("on_demand", "savings_plan")
#: Fargate purchase options; discounts are price-set parameters.
FARGATE_PURCHASES = ("on_demand", "spot", "savings_plan")
#: Fargate operating systems.
FARGATE_OPERATING_SYSTEMS = ("linux", "windows")
#: Task vCPU sizes Fargate offers for Windows containers (memory as for Linux at the same
#: vCPU); 0.25, 0.5, 8 and 16 vCPU are Linux only. AWS ECS Developer Guide, "Troubleshoot
#: Amazon ECS task definition invalid CPU or memory errors" (task-cpu-memory-error.html).
FARGATE_WINDOWS_VCPUS = (1.0, 2.0, 4.0)
#: Where Fargate Spot exists (ECS developer guide, "Fargate capacity provider considerations").
FARGATE_SPOT_PLATFORM = ("Fargate Spot runs Linux x86_64 tasks only (ARM64 and Windows tasks cannot use the "
                         "FARGATE_SPOT capacity provider)")
#: EC2 purchase options; discounts are price-set parameters.
EC2_PURCHASES = ("on_demand", "savings_plan", "reserved", "spot")
#: Lambda async payloads are capped at 1 MB [KB].
LAMBDA_ASYNC_MAX_KB = 1024

_CENT = Decimal("0.01")
_MB_PER_GB = 1024.0
_MS_PER_S = 1000.0


# ==========================================================================================
# Value objects
# ==========================================================================================
def _dec(x: float) -> Decimal:
    """A float as a Decimal with 13 significant digits (drops binary-float noise such as
    540000.0000000001 while keeping every digit a price or usage figure has)."""
    return Decimal(f"{float(x):.13g}")


def round_usd(usd: float) -> float:
    """Round half-up to whole cents, in decimal (``0.125 -> 0.13``, ``2.3333 -> 2.33``)."""
    return float(_dec(usd).quantize(_CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class LineItem:
    """One line of a bill.

    Attributes
    ----------
    name : str
        What is billed (``"Lambda requests"``).
    quantity : float
        Billable quantity after free tiers and minimums, in ``unit``.
    unit : str
        ``"requests"``, ``"GB-s"``, ``"vCPU-s"``, ``"h"``...
    usd_per_unit : float or None
        Price per unit [USD/unit] (None when a line blends several prices).
    usd : float
        ``quantity * usd_per_unit`` rounded half-up to cents [USD].
    unrounded_usd : float
        The same before rounding [USD].
    note : str
        How the quantity was obtained (free tier, minimums), for the reader.
    """

    name: str
    quantity: float
    unit: str
    usd_per_unit: float | None
    usd: float
    unrounded_usd: float = 0.0
    note: str = ""


def line_item(name: str, quantity: float, unit: str, usd_per_unit: float, note: str = "") -> LineItem:
    """Build a :class:`LineItem`: ``quantity * usd_per_unit`` in decimal, rounded half-up to cents."""
    exact = _dec(quantity) * _dec(usd_per_unit)
    return LineItem(
        name=name,
        quantity=float(quantity),
        unit=unit,
        usd_per_unit=float(usd_per_unit),
        usd=float(exact.quantize(_CENT, rounding=ROUND_HALF_UP)),
        unrounded_usd=float(exact),
        note=note,
    )


@dataclass(frozen=True)
class Bill:
    """An itemised bill: line items, each rounded to cents; the total is their sum.

    ``bill_a + bill_b`` concatenates items; ``bill.named("lambda: ")`` prefixes names.
    """

    items: tuple[LineItem, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))

    @property
    def total_usd(self) -> float:
        """Sum of the rounded line items [USD]."""
        return float(sum((_dec(i.usd) for i in self.items), Decimal("0")))

    @property
    def unrounded_total_usd(self) -> float:
        """Sum of the unrounded line amounts [USD]."""
        return float(sum(i.unrounded_usd for i in self.items))

    def __add__(self, other: Bill) -> Bill:
        if not isinstance(other, Bill):
            return NotImplemented
        return Bill(self.items + other.items)

    def __radd__(self, other: Any) -> Bill:  # so that sum(bills) works
        if other == 0:
            return self
        return NotImplemented

    def __iter__(self) -> Iterator[LineItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def named(self, prefix: str) -> Bill:
        """The same bill with every item name prefixed by ``prefix``."""
        return Bill(tuple(replace(i, name=f"{prefix}{i.name}") for i in self.items))

    def item(self, name: str) -> LineItem:
        """The line item called ``name`` (KeyError listing the names if absent)."""
        for i in self.items:
            if i.name == name:
                return i

        raise UnknownNameError("line item", name, [i.name for i in self.items])

    def amounts(self) -> dict[str, float]:
        """``{item name: rounded USD}`` (items with the same name are added)."""
        out: dict[str, Decimal] = {}
        for i in self.items:
            out[i.name] = out.get(i.name, Decimal("0")) + _dec(i.usd)
        return {k: float(v) for k, v in out.items()}

    def to_dict(self) -> dict[str, Any]:
        """``{"items": [...], "total_usd": ..., "currency": "USD"}`` (JSON-serialisable)."""
        return {
            "items": [asdict(i) for i in self.items],
            "total_usd": self.total_usd,
            "currency": "USD",
        }

    def to_frame(self) -> pd.DataFrame:
        """The items as a pandas DataFrame (one row per item)."""

        cols = ["name", "quantity", "unit", "usd_per_unit", "usd", "unrounded_usd", "note"]
        return pd.DataFrame([asdict(i) for i in self.items], columns=cols)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:  # notebooks

        rows = "".join(
            f"<tr><td style='text-align:left'>{html.escape(i.name)}</td><td>{_fmt_qty(i.quantity)}</td>"
            f"<td style='text-align:left'>{html.escape(i.unit)}</td>"
            f"<td>{'' if i.usd_per_unit is None else _fmt_rate(i.usd_per_unit)}</td><td>{i.usd:,.2f}</td></tr>"
            for i in self.items
        )
        return (
            "<table><thead><tr><th>item</th><th>quantity</th><th>unit</th><th>USD/unit</th><th>USD</th></tr></thead>"
            f"<tbody>{rows}<tr><th style='text-align:left' colspan='4'>TOTAL (USD)</th>"
            f"<th>{self.total_usd:,.2f}</th></tr></tbody></table>"
        )

    def to_text(self) -> str:
        """A plain-text table of the items and the total (what ``costmodel bill`` prints);
        an item's note (free tier, tier range, minimum charge) on an indented line below it."""
        rows = [("item", "quantity", "unit", "USD/unit", "USD")]
        notes = [""]
        for i in self.items:
            rate = "" if i.usd_per_unit is None else _fmt_rate(i.usd_per_unit)
            rows.append((i.name, _fmt_qty(i.quantity), i.unit, rate, f"{i.usd:,.2f}"))
            notes.append(i.note or "")
        widths = [max(len(r[c]) for r in rows) for c in range(5)]
        widths[4] = max(widths[4], len(f"{self.total_usd:,.2f}"))
        lines = []
        for n, r in enumerate(rows):
            lines.append(
                f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}  {r[4]:>{widths[4]}}".rstrip()
            )
            if n == 0:
                lines.append("-" * len(lines[0]))
            elif notes[n]:
                lines.append(f"  note: {notes[n]}")
        total_w = sum(widths) + 8
        lines.append("-" * total_w)
        lines.append(f"{'TOTAL (USD)':<{total_w - widths[4]}}{self.total_usd:>{widths[4]},.2f}")
        return "\n".join(lines)


def _fmt_rate(r: float) -> str:
    text = f"{_dec(r):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _fmt_qty(q: float) -> str:
    if abs(q - round(q)) < 1e-9:
        return f"{int(round(q)):,}"
    return f"{q:,.4f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class ProvisionedWindow:
    """A provisioned-concurrency window of one Lambda function in the month.

    Parameters
    ----------
    concurrency : int
        Provisioned execution environments [count].
    enabled_s : float
        Time PC is enabled per occurrence [s]; billed rounded up to 5 minutes.
    requests : float
        Requests served by PC across all occurrences [count].
    duration_ms : float
        Billed duration of those requests [ms per request], rounded up to 1 ms.
    occurrences : int
        How many times the window happens in the month (e.g. 22 business days).
    """

    concurrency: int
    enabled_s: float
    requests: float = 0.0
    duration_ms: float = 0.0
    occurrences: int = 1

    def __post_init__(self) -> None:
        check_int("provisioned.concurrency", self.concurrency, minimum=0)
        check_non_negative("provisioned.enabled_s", self.enabled_s)
        check_non_negative("provisioned.requests", self.requests)
        check_non_negative("provisioned.duration_ms", self.duration_ms)
        check_int("provisioned.occurrences", self.occurrences, minimum=0)


@dataclass(frozen=True)
class LambdaUsage:
    """Intermediate billing figures of one Lambda function's month (before prices).

    All GB-s use GB = 1024 MB and durations rounded up to 1 ms.
    """

    architecture: str
    requests: float                     #: all requests, on-demand + provisioned [count]
    billable_requests: float            #: after the free tier [count]
    invocation_s: float                 #: on-demand invocation time [s]
    on_demand_gb_s: float               #: on-demand invocation GB-s
    init_gb_s: float                    #: billed INIT GB-s (cold_starts x init duration)
    free_gb_s: float                    #: free-tier GB-s used
    billable_on_demand_gb_s: float      #: on_demand_gb_s + init_gb_s - free_gb_s
    provisioned_configured_gb_s: float  #: PC configured GB-s (time rounded up to 5 min)
    provisioned_duration_gb_s: float    #: duration GB-s of requests served by PC
    ephemeral_gb_s: float               #: ephemeral storage GB-s above 512 MB
    snapstart_cache_gb_s: float
    snapstart_restore_gb: float
    streamed_gb: float = 0.0            #: streamed response beyond 6 MB/request, after free tier [GB]


# ==========================================================================================
# Vectorised building blocks (unrounded)
# ==========================================================================================
def lambda_gb_s(requests: npt.ArrayLike, duration_ms: npt.ArrayLike, memory_mb: npt.ArrayLike, *,
                minimum_ms: float = 1.0) -> FloatOrArray:
    """Billed Lambda compute [GB-s] of ``requests`` each lasting ``duration_ms``.

    ``requests * max(ceil(duration_ms), minimum_ms) / 1000 * memory_mb / 1024`` element-wise:
    AWS rounds each invocation up to the next 1 ms and bills at least 1 ms.

    Parameters
    ----------
    requests : float or array_like
        Invocations [count].
    duration_ms : float or array_like
        Duration of each invocation [ms]; rounded up to the next whole ms.
    memory_mb : float or array_like
        Configured memory [MB] (not range-checked here; the bills check it).
    minimum_ms : float
        Least billed duration per request [ms]: 1 for invocations, 0 for INIT (a cold start
        with no INIT duration bills nothing).

    Returns
    -------
    float or numpy.ndarray
        [GB-s], broadcast shape of the inputs.
    """
    check_non_negative("requests", requests)
    check_non_negative("duration_ms", duration_ms)
    check_non_negative("memory_mb", memory_mb)
    r = np.asarray(requests, dtype=float)
    d = np.ceil(np.asarray(duration_ms, dtype=float) - 1e-9)  # 120.0000000001 from float noise stays 120
    d = np.maximum(d, float(minimum_ms))
    m = np.asarray(memory_mb, dtype=float)
    try:
        np.broadcast_shapes(r.shape, d.shape, m.shape)
    except ValueError:
        raise InvalidParameterError(
            "duration_ms", f"array of shape {d.shape}", f"a scalar or an array broadcastable with requests {r.shape}"
        ) from None
    out = r * d * m / (_MS_PER_S * _MB_PER_GB)
    return out.item() if out.ndim == 0 else out


def tier_quantities(quantity: npt.ArrayLike, tiers: Sequence[tuple[float, float]]) -> FloatArray:
    """Split cumulative monthly ``quantity`` into the tiers of ``tiers``.

    Parameters
    ----------
    quantity : float or array_like
        Monthly quantity [unit of the tiers].
    tiers : sequence of (upper_limit, usd_per_unit)
        Cumulative upper limits, increasing, last ``inf`` (:meth:`Prices.tiers`).

    Returns
    -------
    numpy.ndarray
        Shape ``quantity.shape + (len(tiers),)``: the quantity falling in each tier.
    """
    q = as_float_array("quantity", quantity)
    check_non_negative("quantity", q)
    uppers = np.array([t[0] for t in tiers], dtype=float)
    lowers = np.concatenate([[0.0], uppers[:-1]])
    return np.clip(q[..., None] - lowers, 0.0, uppers - lowers)


def tiered_usd(quantity: npt.ArrayLike, tiers: Sequence[tuple[float, float]]) -> FloatOrArray:
    """Unrounded cost [USD] of a cumulative monthly ``quantity`` priced on ``tiers``.

    ``sum_k clip(q - lower_k, 0, upper_k - lower_k) * usd_per_unit_k``, element-wise.

    Examples
    --------
    >>> tiered_usd(10.0, [(5.0, 1.0), (float("inf"), 0.5)])
    7.5
    """
    rates = np.array([t[1] for t in tiers], dtype=float)
    out = (tier_quantities(quantity, tiers) * rates).sum(axis=-1)
    return out.item() if out.ndim == 0 else out


def lambda_duration_tiers(architecture: str = "x86_64",
                          prices: Prices | None = None) -> tuple[tuple[float, float], ...]:
    """On-demand duration tiers of ``architecture`` as ``((limit_gb_s, usd_per_gb_s), ...)``."""
    prices = _prices(prices)
    _check_arch(architecture)
    return prices.tiers(f"lambda.duration_{architecture}")


def lambda_async_requests(events: npt.ArrayLike, payload_kb: npt.ArrayLike,
                          prices: Prices | None = None) -> FloatOrArray:
    """Billed requests of asynchronous invocations [count].

    One request per event for the first 256 KB of payload, plus one per further 64 KB
    chunk (started), up to 1 MB.

    Parameters
    ----------
    events : float or array_like
        Asynchronous events [count].
    payload_kb : float or array_like
        Payload size of each event [KB], at most 1024.
    """
    prices = _prices(prices)
    check_non_negative("events", events)
    check_range("payload_kb", payload_kb, 0, LAMBDA_ASYNC_MAX_KB, "KB")
    base = prices.value("lambda.async_base_kb")
    chunk = prices.value("lambda.async_chunk_kb")
    extra = np.ceil(np.maximum(np.asarray(payload_kb, dtype=float) - base, 0.0) / chunk)
    out = np.asarray(events, dtype=float) * (1.0 + extra)
    return out.item() if out.ndim == 0 else out


def fargate_billable_seconds(run_durations_s: npt.ArrayLike, *, minimum_s: float = 60.0) -> FloatOrArray:
    """Billable seconds of Fargate task runs: each rounded up to the second, >= 60 s.

    Parameters
    ----------
    run_durations_s : float or array_like
        Duration of each run, image pull to termination [s].
    minimum_s : float
        Minimum per run [s]: 60 for Linux, 300 for Windows (``fargate.windows_minimum_s``).

    Returns
    -------
    float or numpy.ndarray
        Billable seconds per run (same shape). Sum them for a month.
    """
    check_non_negative("run_durations_s", run_durations_s)
    check_non_negative("minimum_s", minimum_s)
    d = np.asarray(run_durations_s, dtype=float)
    out = np.maximum(np.ceil(d - 1e-9), float(minimum_s))
    return out.item() if out.ndim == 0 else out


def check_fargate_task_size(vcpu: float, memory_gb: float, prices: Prices | None = None) -> None:
    """Raise :class:`InvalidParameterError` unless (vcpu, memory_gb) is a valid Fargate task size.

    The error lists the valid vCPU values, or the valid memory sizes for that vCPU.
    """
    prices = _prices(prices)
    sizes = prices.fargate_task_sizes
    match = [v for v in sizes if math.isclose(v, float(vcpu))]
    if not match:
        raise InvalidParameterError("vcpu", vcpu, "one of " + ", ".join(f"{v:g}" for v in sorted(sizes)))
    allowed = sizes[match[0]]
    if not any(math.isclose(float(memory_gb), g) for g in allowed):
        raise InvalidParameterError(
            "memory_gb", memory_gb, f"for {vcpu:g} vCPU one of " + ", ".join(f"{g:g}" for g in allowed) + " GB"
        )


def fargate_usd_per_task_s(
    vcpu: float,
    memory_gb: float,
    *,
    architecture: str = "x86_64",
    ephemeral_storage_gb: float = 20,
    purchase: str = "on_demand",
    operating_system: str = "linux",
    prices: Prices | None = None,
) -> float:
    """Unrounded price of one running Fargate task [USD per task-second].

    vCPU and memory at the architecture's per-second rates (discounted for Spot or a
    Savings Plan), plus ephemeral storage above 20 GB at the on-demand rate.
    """
    prices = _prices(prices)
    vcpu_rate, license_rate, mem_rate, eph_rate, eph_gb = _fargate_rates(
        vcpu, memory_gb, architecture, ephemeral_storage_gb, purchase, prices, operating_system
    )
    return vcpu * (vcpu_rate + license_rate) + memory_gb * mem_rate + eph_gb * eph_rate


def ec2_usd_per_hour(instance_type: str, purchase: str = "on_demand", prices: Prices | None = None) -> float:
    """Price of one instance-hour [USD/h] after the purchase option's discount (unrounded)."""
    prices = _prices(prices)
    spec = prices.instance_type(instance_type)  # unknown -> UnknownNameError listing the catalogue
    check_choice("purchase", purchase, EC2_PURCHASES)
    return spec["usd_per_hour"] * (1.0 - _discount(prices, "ec2", purchase))


def alb_lcu(
    new_connections_per_s: npt.ArrayLike = 0.0,
    active_connections_per_min: npt.ArrayLike = 0.0,
    processed_gb_per_h: npt.ArrayLike = 0.0,
    rule_evaluations_per_s: npt.ArrayLike = 0.0,
    *,
    lambda_targets: bool = False,
    prices: Prices | None = None,
) -> FloatOrArray:
    """Load-balancer capacity units used in an hour: the largest of the four dimensions.

    Parameters
    ----------
    new_connections_per_s : float or array_like
        New connections [1/s] (25 per LCU).
    active_connections_per_min : float or array_like
        Active connections [per minute] (3,000 per LCU).
    processed_gb_per_h : float or array_like
        Bytes processed [GB/h] (1 GB per LCU; 0.4 GB for Lambda targets).
    rule_evaluations_per_s : float or array_like
        Rule evaluations [1/s] (1,000 per LCU).
    lambda_targets : bool
        The targets are Lambda functions.

    Returns
    -------
    float or numpy.ndarray
        [LCU] (element-wise).
    """
    prices = _prices(prices)
    for name, v in (
        ("new_connections_per_s", new_connections_per_s),
        ("active_connections_per_min", active_connections_per_min),
        ("processed_gb_per_h", processed_gb_per_h),
        ("rule_evaluations_per_s", rule_evaluations_per_s),
    ):
        check_non_negative(name, v)
    gb_key = "alb.lcu_processed_gb_per_h_lambda" if lambda_targets else "alb.lcu_processed_gb_per_h"
    out = np.maximum.reduce(
        np.broadcast_arrays(
            np.asarray(new_connections_per_s, float) / prices.value("alb.lcu_new_connections_per_s"),
            np.asarray(active_connections_per_min, float) / prices.value("alb.lcu_active_connections_per_min"),
            np.asarray(processed_gb_per_h, float) / prices.value(gb_key),
            np.asarray(rule_evaluations_per_s, float) / prices.value("alb.lcu_rule_evaluations_per_s"),
        )
    )
    out = np.asarray(out, dtype=float)
    return out.item() if out.ndim == 0 else out


# ==========================================================================================
# Lambda
# ==========================================================================================
def lambda_usage(
    requests: npt.ArrayLike,
    duration_ms: npt.ArrayLike,
    memory_mb: float,
    architecture: str = "x86_64",
    *,
    free_tier: bool = True,
    ephemeral_storage_mb: float = 512,
    provisioned: Iterable[ProvisionedWindow] = (),
    snapstart_versions: int = 0,
    snapstart_cache_s: float | None = None,
    snapstart_restores: float = 0,
    cold_starts: float = 0,
    init_duration_ms: float = 0.0,
    async_payload_kb: float | None = None,
    streamed_response_mb: float = 0.0,
    prices: Prices | None = None,
) -> LambdaUsage:
    """The intermediate figures of :func:`lambda_bill` (same parameters), before prices."""
    prices = _prices(prices)
    _check_arch(architecture)
    _check_memory_mb(memory_mb)
    check_range("ephemeral_storage_mb", ephemeral_storage_mb, *LAMBDA_EPHEMERAL_MB_RANGE, "MB")
    check_non_negative("requests", requests)
    check_non_negative("duration_ms", duration_ms)
    check_non_negative("cold_starts", cold_starts)
    check_non_negative("init_duration_ms", init_duration_ms)
    check_int("snapstart_versions", snapstart_versions, minimum=0)
    check_non_negative("streamed_response_mb", streamed_response_mb)
    check_non_negative("snapstart_restores", snapstart_restores)
    if snapstart_cache_s is not None:
        check_non_negative("snapstart_cache_s", snapstart_cache_s)
    windows = tuple(provisioned)
    for w in windows:
        if not isinstance(w, ProvisionedWindow):
            raise InvalidParameterError("provisioned", w, "a sequence of ProvisionedWindow")

    memory_gb = float(memory_mb) / _MB_PER_GB
    if async_payload_kb is None:
        od_requests = float(np.sum(requests))
    else:  # asynchronous events: +1 request per 64 KB chunk above 256 KB
        od_requests = float(np.sum(lambda_async_requests(requests, async_payload_kb, prices)))
    od_gb_s = float(np.sum(lambda_gb_s(requests, duration_ms, memory_mb)))
    od_s = od_gb_s / memory_gb
    init_gb_s = float(np.sum(lambda_gb_s(cold_starts, init_duration_ms, memory_mb, minimum_ms=0.0)))
    init_s = init_gb_s / memory_gb

    pc_requests = sum(w.requests for w in windows)
    rounding_s = prices.value("lambda.provisioned_rounding_s")
    pc_cfg_gb_s = sum(
        w.concurrency * memory_gb * math.ceil(w.enabled_s / rounding_s - 1e-9) * rounding_s * w.occurrences
        for w in windows
    )
    pc_dur_gb_s = sum(float(lambda_gb_s(w.requests, w.duration_ms, memory_mb)) for w in windows)
    pc_s = pc_dur_gb_s / memory_gb

    total_requests = od_requests + pc_requests
    if free_tier:
        billable_requests = max(0.0, total_requests - prices.value("lambda.free_requests"))
        free_gb_s = min(od_gb_s + init_gb_s, prices.value("lambda.free_gb_s"))
    else:
        billable_requests = total_requests
        free_gb_s = 0.0

    extra_eph_gb = (float(ephemeral_storage_mb) - prices.value("lambda.ephemeral_storage_included_mb")) / _MB_PER_GB
    ephemeral_gb_s = max(extra_eph_gb, 0.0) * (od_s + init_s + pc_s)

    if snapstart_versions:
        month_s = prices.value("ec2.hours_per_month") * 3600.0
        cache_s = month_s if snapstart_cache_s is None else float(snapstart_cache_s)
        cache_s = max(cache_s, prices.value("lambda.snapstart_cache_minimum_s"))
        snap_cache_gb_s = snapstart_versions * memory_gb * cache_s
    else:
        snap_cache_gb_s = 0.0
    snap_restore_gb = float(snapstart_restores) * memory_gb

    # The first 6 MB are free per request, so the excess is taken request group by request
    # group (``streamed_response_mb`` may be an array aligned with ``requests``), then summed.
    stream_r = np.asarray(requests, dtype=float)
    extra_mb = np.maximum(
        np.asarray(streamed_response_mb, dtype=float) - prices.value("lambda.response_streaming_included_mb"), 0.0
    )
    try:
        np.broadcast_shapes(stream_r.shape, extra_mb.shape)
    except ValueError:
        raise InvalidParameterError(
            "streamed_response_mb", f"array of shape {extra_mb.shape}",
            f"a scalar or an array broadcastable with requests {stream_r.shape}",
        ) from None
    streamed_gb = float(np.sum(stream_r * extra_mb)) / _MB_PER_GB
    if free_tier:
        streamed_gb = max(0.0, streamed_gb - prices.value("lambda.response_streaming_free_gb"))

    return LambdaUsage(
        architecture=architecture,
        requests=total_requests,
        billable_requests=billable_requests,
        invocation_s=od_s,
        on_demand_gb_s=od_gb_s,
        init_gb_s=init_gb_s,
        free_gb_s=free_gb_s,
        billable_on_demand_gb_s=od_gb_s + init_gb_s - free_gb_s,
        provisioned_configured_gb_s=pc_cfg_gb_s,
        provisioned_duration_gb_s=pc_dur_gb_s,
        ephemeral_gb_s=ephemeral_gb_s,
        snapstart_cache_gb_s=snap_cache_gb_s,
        snapstart_restore_gb=snap_restore_gb,
        streamed_gb=streamed_gb,
    )


def lambda_bill(
    requests: npt.ArrayLike,
    duration_ms: npt.ArrayLike,
    memory_mb: float,
    architecture: str = "x86_64",
    *,
    free_tier: bool = True,
    ephemeral_storage_mb: float = 512,
    provisioned: Iterable[ProvisionedWindow] = (),
    snapstart_versions: int = 0,
    snapstart_cache_s: float | None = None,
    snapstart_restores: float = 0,
    cold_starts: float = 0,
    init_duration_ms: float = 0.0,
    async_payload_kb: float | None = None,
    streamed_response_mb: float = 0.0,
    purchase: str = "on_demand",
    prices: Prices | None = None,
) -> Bill:
    """One month of one Lambda function (us-east-1 list prices unless ``prices`` says otherwise).

    Parameters
    ----------
    requests : float or array_like
        On-demand invocations [count] (not those served by provisioned concurrency). An
        array (e.g. per time step) is summed together with ``duration_ms``.
    duration_ms : float or array_like
        Billed duration per invocation [ms], rounded up to 1 ms. With an average of
        varying durations the result is exact only if each request's own rounding is
        already in the average.
    memory_mb : float
        Configured memory [MB], whole number 128-10,240.
    architecture : {"x86_64", "arm64"}
    free_tier : bool
        Apply the monthly free tier (1M requests incl. provisioned ones; 400,000 GB-s of
        on-demand duration). It is per account: apply it to one function only.
    ephemeral_storage_mb : float
        Configured /tmp [MB], 512-10,240; the part above 512 MB is billed per GB-s of
        billed duration (invocations, INIT and provisioned-served requests).
    provisioned : sequence of ProvisionedWindow
        Provisioned-concurrency windows and the requests they serve.
    snapstart_versions : int
        Active function versions with SnapStart (Python/.NET; Java managed runtimes are not charged).
    snapstart_cache_s : float or None
        Time each version's snapshot is cached this month [s]; at least 3 h is billed.
        None: a whole month (730 h).
    snapstart_restores : float
        Restores from snapshot [count]; each restores ``memory_mb`` / 1024 GB.
    cold_starts : float
        On-demand cold starts whose INIT is billed [count].
    init_duration_ms : float
        INIT duration per cold start [ms]; billed at the on-demand rate and counted in
        the same tiered GB-s (and free tier) as invocations.
    async_payload_kb : float or None
        If given, ``requests`` are asynchronous events of this payload size [KB, <= 1024]:
        each is billed 1 request for the first 256 KB plus 1 per further 64 KB chunk.
    streamed_response_mb : float or array_like
        Streamed response size per on-demand request [MB]; the part above 6 MB of *each*
        request is billed per GB (100 GB a month free with ``free_tier``). An array is
        aligned with ``requests`` (e.g. 2M requests of 0.1 MB and 1M of 7 MB).
    purchase : {"on_demand", "savings_plan"}
        ``"savings_plan"``: a Compute Savings Plan takes the price set's
        ``lambda.savings_plan_discount`` (an assumed fraction) off on-demand duration
        (INIT included), provisioned concurrency and provisioned duration, not off
        requests, ephemeral storage, SnapStart or streaming. Discounted lines end in
        ``" (savings plan)"``.
    prices : Prices, optional

    Returns
    -------
    Bill
        Lines: requests; on-demand duration per tier used; provisioned concurrency;
        provisioned duration; ephemeral storage; SnapStart cache and restore; response
        streaming (the last six only when non-zero).

    See Also
    --------
    lambda_account_bill : several functions whose duration shares one tier ladder.
    """
    prices = _prices(prices)
    u = lambda_usage(
        requests, duration_ms, memory_mb, architecture,
        free_tier=free_tier, ephemeral_storage_mb=ephemeral_storage_mb, provisioned=provisioned,
        snapstart_versions=snapstart_versions, snapstart_cache_s=snapstart_cache_s,
        snapstart_restores=snapstart_restores, cold_starts=cold_starts,
        init_duration_ms=init_duration_ms, async_payload_kb=async_payload_kb,
        streamed_response_mb=streamed_response_mb, prices=prices,
    )
    check_choice("purchase", purchase, LAMBDA_PURCHASES)
    return Bill(tuple(_lambda_lines(
        u, prices, purchase=purchase, free_tier=free_tier, ephemeral_storage_mb=ephemeral_storage_mb,
        snapstart_versions=snapstart_versions, duration=True,
    )))


def lambda_account_bill(functions: Iterable[Mapping[str, Any]], *, prices: Prices | None = None,
                        where: str = "functions") -> Bill:
    """One month of several Lambda functions of one account, duration tiered per architecture.

    AWS applies the duration tiers to the account's monthly on-demand GB-s per
    architecture (all functions together). Each function keeps its own lines (requests,
    provisioned concurrency, storage...; prefixed ``"name: "`` when it has a ``name``).
    On-demand duration (invocations + INIT, minus free GB-s) of an architecture used by
    one function stays on that function's lines, exactly as :func:`lambda_bill`; when two
    or more functions of an architecture have on-demand duration, their GB-s are summed
    and priced on one ladder, in unprefixed account lines ``"Lambda duration {arch} tier
    k"`` (the note lists the functions).

    Parameters
    ----------
    functions : iterable of mapping
        Keyword arguments of :func:`lambda_bill` for each function, plus an optional
        ``"name"``. The free tier is per account: at most one may have ``free_tier``
        true (it defaults to true). Functions of one architecture sharing a ladder must
        have the same ``purchase``.
    prices : Prices, optional
    where : str
        Label of the sequence in error messages (``"functions[api].memory_mb"``).

    Returns
    -------
    Bill
    """
    prices = _prices(prices)
    fns = [dict(f) for f in functions]
    labels = [f"{where}[{f['name'] if f.get('name') else i}]" for i, f in enumerate(fns)]
    free = [lab for lab, f in zip(labels, fns) if f.get("free_tier", True)]
    if len(free) > 1:
        raise InvalidParameterError(
            f"{where}.free_tier", ", ".join(free), "true for at most one function (the free tier is per account)"
        )
    usages = []
    for lab, f in zip(labels, fns):
        kw = {k: v for k, v in f.items() if k != "name"}
        purchase = kw.pop("purchase", "on_demand")
        try:
            check_choice("purchase", purchase, LAMBDA_PURCHASES)
            u = lambda_usage(**kw, prices=prices)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{lab}.{exc.name}", exc.value, exc.allowed) from exc
        except TypeError as exc:
            raise InvalidParameterError(lab, sorted(kw), f"keyword arguments of lambda_bill ({exc})") from None
        usages.append((u, purchase, kw))
    shared: dict[str, list[int]] = {}
    for i, (u, _, _) in enumerate(usages):
        if u.on_demand_gb_s + u.init_gb_s > 0:
            shared.setdefault(u.architecture, []).append(i)
    shared = {arch: idx for arch, idx in shared.items() if len(idx) > 1}
    bill = Bill()
    for f, (u, purchase, kw) in zip(fns, usages):
        lines = Bill(tuple(_lambda_lines(
            u, prices, purchase=purchase, free_tier=kw.get("free_tier", True),
            ephemeral_storage_mb=kw.get("ephemeral_storage_mb", 512),
            snapstart_versions=kw.get("snapstart_versions", 0),
            duration=u.architecture not in shared,
        )))
        bill += lines.named(f"{f['name']}: ") if f.get("name") else lines
    for arch, idx in shared.items():
        purchases = {usages[i][1] for i in idx}
        if len(purchases) > 1:
            raise InvalidParameterError(
                f"{where}.purchase", ", ".join(f"{labels[i]}={usages[i][1]}" for i in idx),
                f"one purchase option for all {arch} functions billed on one tier ladder",
            )
        group = [usages[i][0] for i in idx]
        names = ", ".join(fns[i]["name"] if fns[i].get("name") else str(i) for i in idx)
        bill += Bill(tuple(_lambda_duration_lines(
            arch,
            sum(u.on_demand_gb_s for u in group),
            sum(u.init_gb_s for u in group),
            sum(u.free_gb_s for u in group),
            prices, purchases.pop(), note_prefix=f"account, functions {names}",
        )))
    return bill


def _lambda_duration_lines(arch: str, on_demand_gb_s: float, init_gb_s: float, free_gb_s: float, prices: Prices,
                           purchase: str, note_prefix: str = "") -> list[LineItem]:
    """On-demand duration lines: one per tier used; free GB-s come off the bottom."""
    keep, suffix = _lambda_purchase(prices, purchase)
    tiers = lambda_duration_tiers(arch, prices)
    gross = on_demand_gb_s + init_gb_s
    if gross == 0:  # no on-demand duration at all: no duration line
        return []
    per_tier = tier_quantities(gross, tiers) - tier_quantities(free_gb_s, tiers)
    items: list[LineItem] = []
    for k, ((_limit, rate), q) in enumerate(zip(tiers, per_tier), start=1):
        if k > 1 and q <= 0:
            continue
        note = ""
        if k == 1:
            note = f"{_fmt_qty(on_demand_gb_s)} GB-s invocations"
            if init_gb_s:
                note += f" + {_fmt_qty(init_gb_s)} GB-s INIT"
            if free_gb_s:
                note += f" - {_fmt_qty(free_gb_s)} free"
        if note_prefix:
            note = f"{note_prefix}: {note}" if note else note_prefix
        if keep != 1.0:
            note = (note + "; " if note else "") + f"{_fmt_rate(rate)} USD/GB-s x (1 - {1 - keep:g})"
        items.append(line_item(f"Lambda duration {arch} tier {k}{suffix}", float(q), "GB-s", rate * keep, note))
    return items


def _lambda_purchase(prices: Prices, purchase: str) -> tuple[float, str]:
    """(fraction of the list price paid, line-name suffix) for a Lambda purchase option."""
    check_choice("purchase", purchase, LAMBDA_PURCHASES)
    keep = 1.0 - _discount(prices, "lambda", purchase)
    return keep, ("" if purchase == "on_demand" else f" ({purchase.replace('_', ' ')})")


def _lambda_lines(u: LambdaUsage, prices: Prices, *, purchase: str, free_tier: bool, ephemeral_storage_mb: float,
                  snapstart_versions: int, duration: bool = True) -> list[LineItem]:
    """The lines of :func:`lambda_bill` from its usage figures (without on-demand duration
    when ``duration`` is false: :func:`lambda_account_bill` prices it for the account)."""
    arch = u.architecture
    keep, suffix = _lambda_purchase(prices, purchase)
    sp_note = "" if keep == 1.0 else f"; list price x (1 - {1 - keep:g})"
    items: list[LineItem] = []
    req_note = f"{_fmt_qty(u.requests)} - {_fmt_qty(u.requests - u.billable_requests)} free" if free_tier else ""
    items.append(line_item("Lambda requests", u.billable_requests, "requests", prices.usd("lambda.request"), req_note))
    if duration:
        items += _lambda_duration_lines(arch, u.on_demand_gb_s, u.init_gb_s, u.free_gb_s, prices, purchase)
    if u.provisioned_configured_gb_s:
        items.append(line_item(
            f"Lambda provisioned concurrency {arch}{suffix}", u.provisioned_configured_gb_s, "GB-s",
            prices.usd(f"lambda.provisioned_{arch}") * keep, "configured GB-s, time rounded up to 5 min" + sp_note,
        ))
    if u.provisioned_duration_gb_s:
        items.append(line_item(
            f"Lambda provisioned duration {arch}{suffix}", u.provisioned_duration_gb_s, "GB-s",
            prices.usd(f"lambda.provisioned_duration_{arch}") * keep,
            "requests served by provisioned concurrency" + sp_note,
        ))
    if u.ephemeral_gb_s:
        items.append(line_item(
            "Lambda ephemeral storage", u.ephemeral_gb_s, "GB-s", prices.usd("lambda.ephemeral_storage"),
            f"{ephemeral_storage_mb:g} MB - 512 MB included",
        ))
    if u.snapstart_cache_gb_s:
        items.append(line_item(
            "Lambda SnapStart cache", u.snapstart_cache_gb_s, "GB-s", prices.usd("lambda.snapstart_cache"),
            f"{snapstart_versions} version(s), >= 3 h each",
        ))
    if u.snapstart_restore_gb:
        items.append(line_item(
            "Lambda SnapStart restore", u.snapstart_restore_gb, "GB", prices.usd("lambda.snapstart_restore"),
        ))
    if u.streamed_gb:
        items.append(line_item(
            "Lambda response streaming", u.streamed_gb, "GB", prices.usd("lambda.response_streaming"),
            "beyond 6 MB per request" + (", minus 100 GB free" if free_tier else ""),
        ))
    return items


# ==========================================================================================
# Containers
# ==========================================================================================
def _fargate_rates(vcpu: float, memory_gb: float, architecture: str, ephemeral_storage_gb: float, purchase: str,
                   prices: Prices, operating_system: str = "linux") -> tuple[float, float, float, float, float]:
    """(vCPU rate, OS licence rate per vCPU-s, memory rate, ephemeral rate, billed ephemeral GB)."""
    _check_arch(architecture)
    check_choice("operating_system", operating_system, FARGATE_OPERATING_SYSTEMS)
    check_choice("purchase", purchase, FARGATE_PURCHASES)
    check_range("ephemeral_storage_gb", ephemeral_storage_gb, *FARGATE_EPHEMERAL_GB_RANGE, "GB")
    check_fargate_task_size(vcpu, memory_gb, prices)
    keep = 1.0 - _discount(prices, "fargate", purchase)
    if purchase == "spot" and (operating_system == "windows" or architecture != "x86_64"):
        what = "Windows" if operating_system == "windows" else f"Linux {architecture}"
        raise InvalidParameterError("purchase", purchase, f"'on_demand' or 'savings_plan' for {what} tasks: "
                                    f"{FARGATE_SPOT_PLATFORM}")
    if operating_system == "windows":
        if not any(math.isclose(float(vcpu), v) for v in FARGATE_WINDOWS_VCPUS):
            raise InvalidParameterError("vcpu", vcpu, "1, 2 or 4 for Windows tasks (0.25, 0.5, 8 and 16 vCPU are "
                                        "Linux only)")
        if architecture != "x86_64":
            raise InvalidParameterError("architecture", architecture, "'x86_64' for Windows tasks")
        vcpu_rate = prices.usd("fargate.vcpu_windows_x86_64") * keep
        license_rate = prices.usd("fargate.os_license_windows_x86_64")  # not discounted
        mem_rate = prices.usd("fargate.memory_windows_x86_64") * keep
    else:
        vcpu_rate = prices.usd(f"fargate.vcpu_{architecture}") * keep
        license_rate = 0.0
        mem_rate = prices.usd(f"fargate.memory_{architecture}") * keep
    eph_gb = max(0.0, float(ephemeral_storage_gb) - prices.value("fargate.ephemeral_storage_included_gb"))
    return vcpu_rate, license_rate, mem_rate, prices.usd("fargate.ephemeral_storage"), eph_gb


def fargate_bill(
    vcpu: float,
    memory_gb: float,
    task_seconds: npt.ArrayLike,
    *,
    architecture: str = "x86_64",
    ephemeral_storage_gb: float = 20,
    purchase: str = "on_demand",
    operating_system: str = "linux",
    prices: Prices | None = None,
) -> Bill:
    """One month of Fargate tasks of one size.

    Parameters
    ----------
    vcpu : float
        Task vCPU (0.25, 0.5, 1, 2, 4, 8, 16).
    memory_gb : float
        Task memory [GB]; must be valid for ``vcpu`` (the error lists the valid sizes).
    task_seconds : float or array_like
        Billable task-seconds in the month [s], summed over tasks and runs. Use
        :func:`fargate_billable_seconds` on run durations to apply the 1-minute minimum.
    architecture : {"x86_64", "arm64"}
    ephemeral_storage_gb : float
        Configured ephemeral storage [GB], 20-200; the part above 20 GB is billed.
    purchase : {"on_demand", "spot", "savings_plan"}
        Spot and Savings Plan take the price set's discount fraction off vCPU and memory
        (assumed defaults; see ``fargate.spot_discount`` / ``fargate.savings_plan_discount``).
    operating_system : {"linux", "windows"}
        Windows: x86_64 only, vCPU line includes the (undiscounted) OS licence fee; use
        ``fargate_billable_seconds(..., minimum_s=300)`` for its 5-minute minimum.

    Returns
    -------
    Bill
        vCPU, memory and (if above 20 GB) ephemeral-storage lines.
    """
    prices = _prices(prices)
    check_non_negative("task_seconds", task_seconds)
    vcpu_rate, license_rate, mem_rate, eph_rate, eph_gb = _fargate_rates(
        vcpu, memory_gb, architecture, ephemeral_storage_gb, purchase, prices, operating_system
    )
    task_s = float(np.sum(task_seconds))
    platform = "Windows x86_64" if operating_system == "windows" else architecture
    suffix = "" if purchase == "on_demand" else f" ({purchase.replace('_', ' ')})"
    vcpu_s = float(vcpu) * task_s
    items = [
        line_item(f"Fargate vCPU {platform}{suffix}", vcpu_s, "vCPU-s", vcpu_rate,
                  f"{vcpu:g} vCPU x {_fmt_qty(task_s)} task-s"),
    ]
    if license_rate:
        items.append(line_item("Fargate Windows OS licence", vcpu_s, "vCPU-s", license_rate))
    items.append(line_item(f"Fargate memory {platform}{suffix}", float(memory_gb) * task_s, "GB-s", mem_rate,
                           f"{memory_gb:g} GB x {_fmt_qty(task_s)} task-s"))
    if eph_gb > 0:
        items.append(line_item("Fargate ephemeral storage", eph_gb * task_s, "GB-s", eph_rate,
                               f"{ephemeral_storage_gb:g} GB - 20 GB included"))
    return Bill(tuple(items))


def ec2_bill(
    instance_type: str,
    instance_hours: npt.ArrayLike,
    *,
    purchase: str = "on_demand",
    prices: Prices | None = None,
) -> Bill:
    """EC2 instance-hours of one type (Linux).

    Parameters
    ----------
    instance_type : str
        One of the catalogue (``m7g.large`` ...); unknown types list the catalogue.
    instance_hours : float or array_like
        Instance-hours in the month [h] (730 per always-on instance).
    purchase : {"on_demand", "savings_plan", "reserved", "spot"}
        Discounts are assumed price-set parameters (``ec2.*_discount``).
    """
    prices = _prices(prices)
    check_non_negative("instance_hours", instance_hours)
    rate = ec2_usd_per_hour(instance_type, purchase, prices)
    suffix = f" ({purchase.replace('_', ' ')})"
    return Bill((line_item(f"EC2 {instance_type}{suffix}", float(np.sum(instance_hours)), "h", rate),))


# ==========================================================================================
# Front doors and glue
# ==========================================================================================
def api_gateway_bill(
    requests: npt.ArrayLike,
    *,
    api: str = "http",
    payload_kb: float = 0.0,
    free_tier: bool = False,
    prices: Prices | None = None,
) -> Bill:
    """API Gateway requests for a month.

    Parameters
    ----------
    requests : float or array_like
        API calls [count].
    api : {"http", "rest"}
    payload_kb : float
        Size of each request [KB]. HTTP APIs meter in 512 KB increments (600 KB counts 2);
        REST APIs ignore it.
    free_tier : bool
        The 1M calls/month free tier (first 12 months, new accounts only); off by default.
    """
    prices = _prices(prices)
    check_choice("api", api, ("http", "rest"))
    check_non_negative("requests", requests)
    check_non_negative("payload_kb", payload_kb)
    calls = float(np.sum(requests))
    metered = calls
    note = ""
    if api == "http":
        per_call = max(1.0, math.ceil(float(payload_kb) / prices.value("api_gateway.http_metering_kb") - 1e-12))
        metered = calls * per_call
        if per_call > 1:
            note = f"{per_call:g} metered requests per call (512 KB increments)"
    free = min(metered, prices.value("api_gateway.free_requests")) if free_tier else 0.0
    return Bill(tuple(_tiered_lines(f"API Gateway {api.upper()} requests", metered, free, "requests",
                                    prices.tiers(f"api_gateway.{api}"), note)))


def alb_bill(
    alb_hours: float = 730.0,
    *,
    new_connections_per_s: npt.ArrayLike = 0.0,
    active_connections_per_min: npt.ArrayLike = 0.0,
    processed_gb_per_h: npt.ArrayLike = 0.0,
    rule_evaluations_per_s: npt.ArrayLike = 0.0,
    lambda_targets: bool = False,
    prices: Prices | None = None,
) -> Bill:
    """Application Load Balancer for a month: ALB-hours plus LCU-hours.

    The LCU dimensions are hourly figures: scalars (a steady month) or arrays of hourly
    samples (the mean LCU over the samples is charged for every ALB-hour).

    Parameters
    ----------
    alb_hours : float
        Hours the load balancer exists [h] (730 for a month).
    new_connections_per_s, active_connections_per_min, processed_gb_per_h, rule_evaluations_per_s
        See :func:`alb_lcu`.
    lambda_targets : bool
        Lambda targets (0.4 GB/h per LCU instead of 1 GB/h).
    """
    prices = _prices(prices)
    check_non_negative("alb_hours", alb_hours)
    lcu = alb_lcu(new_connections_per_s, active_connections_per_min, processed_gb_per_h,
                  rule_evaluations_per_s, lambda_targets=lambda_targets, prices=prices)
    lcu_hours = float(np.mean(lcu)) * float(alb_hours)
    return Bill((
        line_item("ALB hours", float(alb_hours), "h", prices.usd("alb.hour")),
        line_item("ALB LCU-hours", lcu_hours, "LCU-h", prices.usd("alb.lcu_hour"),
                  "max of 4 dimensions" + (" (Lambda targets: 0.4 GB/h per LCU)" if lambda_targets else "")),
    ))


def function_url_bill(requests: npt.ArrayLike, *, prices: Prices | None = None) -> Bill:
    """Lambda function URL: no charge beyond the function's own requests and duration."""
    prices = _prices(prices)
    check_non_negative("requests", requests)
    return Bill((line_item("Lambda function URL requests", float(np.sum(requests)), "requests",
                           prices.usd("function_url.request"), "no separate charge"),))


def sqs_bill(
    requests: npt.ArrayLike,
    *,
    payload_kb: float = 0.0,
    fifo: bool = False,
    free_tier: bool = True,
    prices: Prices | None = None,
) -> Bill:
    """SQS API requests for a month (each 64 KB chunk of payload is one request).

    Parameters
    ----------
    requests : float or array_like
        API requests (send, receive, delete... each counts) [count].
    payload_kb : float
        Payload per request [KB]; billed in 64 KB chunks (256 KB = 4 requests).
    fifo : bool
        FIFO queue pricing.
    free_tier : bool
        First 1M requests per month free (always).
    """
    prices = _prices(prices)
    check_non_negative("requests", requests)
    check_range("payload_kb", payload_kb, 0, 1024 * 1024, "KB")
    chunks = max(1.0, math.ceil(float(payload_kb) / prices.value("sqs.chunk_kb") - 1e-12))
    billed = float(np.sum(requests)) * chunks
    free = min(billed, prices.value("sqs.free_requests")) if free_tier else 0.0
    kind = "fifo" if fifo else "standard"
    note = f"{chunks:g} x 64 KB chunks per request" if chunks > 1 else ""
    if free:
        note = (note + "; " if note else "") + f"{_fmt_qty(billed)} - {_fmt_qty(free)} free"
    return Bill((line_item(f"SQS {kind} requests", billed - free, "requests", prices.usd(f"sqs.{kind}_request"), note),))


def dynamodb_bill(write_request_units: npt.ArrayLike = 0.0, read_request_units: npt.ArrayLike = 0.0, *, prices: Prices | None = None) -> Bill:
    """DynamoDB on-demand request units for a month [WRU, RRU]."""
    prices = _prices(prices)
    check_non_negative("write_request_units", write_request_units)
    check_non_negative("read_request_units", read_request_units)
    return Bill((
        line_item("DynamoDB write request units", float(np.sum(write_request_units)), "WRU",
                  prices.usd("dynamodb.write_request_unit")),
        line_item("DynamoDB read request units", float(np.sum(read_request_units)), "RRU",
                  prices.usd("dynamodb.read_request_unit")),
    ))


def logs_bill(ingested_gb: npt.ArrayLike, *, stored_gb: float = 0.0, lambda_tiers: bool = False,
              prices: Prices | None = None) -> Bill:
    """CloudWatch Logs for a month.

    Parameters
    ----------
    ingested_gb : float or array_like
        Log data ingested [GB].
    stored_gb : float
        Log data stored at month end [GB-month].
    lambda_tiers : bool
        Use Lambda's volume-tiered log prices (tier table UNCONFIRMED) instead of the flat
        Standard ingestion price.
    """
    prices = _prices(prices)
    check_non_negative("ingested_gb", ingested_gb)
    check_non_negative("stored_gb", stored_gb)
    gb = float(np.sum(ingested_gb))
    if lambda_tiers:
        items = _tiered_lines("CloudWatch Logs ingestion (Lambda tiers)", gb, 0.0, "GB", prices.tiers("logs.lambda"))
    else:
        items = [line_item("CloudWatch Logs ingestion", gb, "GB", prices.usd("logs.ingestion"))]
    if stored_gb:
        items.append(line_item("CloudWatch Logs storage", float(stored_gb), "GB-month", prices.usd("logs.storage")))
    return Bill(tuple(items))


def nat_bill(gateway_hours: float = 730.0, processed_gb: npt.ArrayLike = 0.0, *, prices: Prices | None = None) -> Bill:
    """NAT gateway for a month: gateway-hours [h] and data processed [GB]."""
    prices = _prices(prices)
    check_non_negative("gateway_hours", gateway_hours)
    check_non_negative("processed_gb", processed_gb)
    return Bill((
        line_item("NAT gateway hours", float(gateway_hours), "h", prices.usd("nat.hour")),
        line_item("NAT gateway data processed", float(np.sum(processed_gb)), "GB", prices.usd("nat.processed_gb")),
    ))


def interface_endpoint_bill(endpoint_az_hours: npt.ArrayLike, processed_gb: npt.ArrayLike = 0.0, *, prices: Prices | None = None) -> Bill:
    """Interface VPC endpoints (AWS PrivateLink) for a month.

    Parameters
    ----------
    endpoint_az_hours : float or array_like
        Endpoint-hours summed over endpoints and Availability Zones [h] (an endpoint in two
        AZs for a 730-h month is 1,460).
    processed_gb : float or array_like
        Data processed by the endpoints [GB].
    """
    prices = _prices(prices)
    check_non_negative("endpoint_az_hours", endpoint_az_hours)
    check_non_negative("processed_gb", processed_gb)
    return Bill((
        line_item("VPC interface endpoint hours", float(np.sum(endpoint_az_hours)), "h",
                  prices.usd("vpc.interface_endpoint_hour")),
        line_item("VPC interface endpoint data processed", float(np.sum(processed_gb)), "GB",
                  prices.usd("vpc.interface_endpoint_gb")),
    ))


def ebs_bill(gb_months: npt.ArrayLike, *, volume_type: str = "gp3", prices: Prices | None = None) -> Bill:
    """EBS volumes for a month [GB-month] (e.g. EC2 root volumes: GB x instance-hours / 730)."""
    prices = _prices(prices)
    check_choice("volume_type", volume_type, ("gp3",))
    check_non_negative("gb_months", gb_months)
    return Bill((line_item(f"EBS {volume_type} volumes", float(np.sum(gb_months)), "GB-month",
                           prices.usd(f"ebs.{volume_type}_gb_month")),))


def public_ipv4_bill(address_hours: npt.ArrayLike, *, prices: Prices | None = None) -> Bill:
    """Public IPv4 addresses for a month [address-hours] (e.g. Fargate tasks with public IPs)."""
    prices = _prices(prices)
    check_non_negative("address_hours", address_hours)
    return Bill((line_item("Public IPv4 addresses", float(np.sum(address_hours)), "h",
                           prices.usd("vpc.public_ipv4_hour")),))


def data_transfer_bill(out_gb: npt.ArrayLike, *, free_tier: bool = True, prices: Prices | None = None) -> Bill:
    """Data transfer out to the internet for a month [GB] (first 100 GB free, then tiers)."""
    prices = _prices(prices)
    check_non_negative("out_gb", out_gb)
    gb = float(np.sum(out_gb))
    free = min(gb, prices.value("data_transfer.free_gb")) if free_tier else 0.0
    return Bill(tuple(_tiered_lines("Data transfer out", gb, free, "GB", prices.tiers("data_transfer.out"))))


# ==========================================================================================
# Lambda features billed beside requests and duration
# ==========================================================================================
#: Event sources of provisioned-mode event source mappings (Kafka: Amazon MSK or self-managed).
ESM_SOURCES = ("kafka", "sqs")
#: EC2 purchase options for the instances under Lambda Managed Instances.
LMI_PURCHASES = ("on_demand", "savings_plan", "reserved")


def lambda_tenant_isolation_bill(environments: float, memory_mb: float, architecture: str = "x86_64", *,
                                 prices: Prices | None = None) -> Bill:
    """Tenant isolation: a charge per new tenant-isolated execution environment, per GB of memory.

    Parameters
    ----------
    environments : float
        Tenant-isolated execution environments Lambda created in the month [count].
    memory_mb : float
        The function's memory [MB]; the rate is per GB (MB / 1024).
    architecture : {"x86_64", "arm64"}
        AWS prints only the x86_64 rate; the arm64 rate is an assumption (see the price file).
    """
    prices = _prices(prices)
    _check_arch(architecture)
    _check_memory_mb(memory_mb)
    check_non_negative("environments", environments)
    memory_gb = float(memory_mb) / _MB_PER_GB
    rate = prices.usd(f"lambda.tenant_isolation_{architecture}")
    return Bill((line_item(f"Lambda tenant isolation {architecture}", float(environments), "environments",
                           rate * memory_gb, f"{_fmt_rate(rate)} USD per GB x {memory_gb:g} GB"),))


@overload
def durable_retained_gb_months(data_written_gb: float, running_days: float, retention_days: float,
                               *, prices: Prices | None = None) -> float: ...
@overload
def durable_retained_gb_months(data_written_gb: npt.ArrayLike, running_days: npt.ArrayLike,
                               retention_days: npt.ArrayLike, *, prices: Prices | None = None) -> FloatOrArray: ...
def durable_retained_gb_months(data_written_gb: npt.ArrayLike, running_days: npt.ArrayLike,
                               retention_days: npt.ArrayLike, *, prices: Prices | None = None) -> FloatOrArray:
    """Durable-function data retained [GB-month]: the data written, kept while executions run
    and for the retention period after they complete, prorated over a 30-day month.

    ``data_written_gb * (running_days + retention_days) / lambda.durable_days_per_month``
    (AWS's durable-functions example: 104 GB x (7 + 14) / 30 = 72.8 GB-month).
    """
    prices = _prices(prices)
    check_non_negative("data_written_gb", data_written_gb)
    check_non_negative("running_days", running_days)
    check_non_negative("retention_days", retention_days)
    out = (np.asarray(data_written_gb, dtype=float) * (np.asarray(running_days, dtype=float)
                                                      + np.asarray(retention_days, dtype=float))
           / prices.value("lambda.durable_days_per_month"))
    return out.item() if out.ndim == 0 else out


def lambda_durable_bill(operations: float, data_written_gb: float, retained_gb_months: float, *,
                        prices: Prices | None = None) -> Bill:
    """Durable functions: durable operations, data written and data retained (the Lambda
    compute of the invocations, replays included, is billed by :func:`lambda_bill`).

    Parameters
    ----------
    operations : float
        Durable operations (start execution, each step, each wait, callbacks...) [count].
    data_written_gb : float
        Data written by those operations [GB].
    retained_gb_months : float
        Data retained [GB-month] (:func:`durable_retained_gb_months`).
    """
    prices = _prices(prices)
    check_non_negative("operations", operations)
    check_non_negative("data_written_gb", data_written_gb)
    check_non_negative("retained_gb_months", retained_gb_months)
    return Bill((
        line_item("Lambda durable operations", float(operations), "operations",
                  prices.usd("lambda.durable_operation")),
        line_item("Lambda durable data written", float(data_written_gb), "GB", prices.usd("lambda.durable_data_written")),
        line_item("Lambda durable data retained", float(retained_gb_months), "GB-month",
                  prices.usd("lambda.durable_data_retained")),
    ))


def esm_epu_hours(event_pollers: float, hours: float, source: str = "kafka", *, prices: Prices | None = None) -> float:
    """Event Poller Unit hours of a provisioned-mode event source mapping (or Kafka poller group).

    ``ceil(event_pollers / pollers_per_epu) * max(hours, 1 minute)``: an SQS EPU carries one
    poller, a Kafka EPU ten (``lambda.esm_kafka_pollers_per_epu``; ESMs grouped in one
    poller group share EPUs); billed per second with a 1-minute minimum.

    Parameters
    ----------
    event_pollers : float
        Event pollers provisioned (the minimum, or the average the ESM scaled to) [count].
    hours : float
        Hours they run in the month [h].
    source : {"kafka", "sqs"}
    """
    prices = _prices(prices)
    check_choice("source", source, ESM_SOURCES)
    check_non_negative("event_pollers", event_pollers)
    check_non_negative("hours", hours)
    per_epu = prices.value("lambda.esm_kafka_pollers_per_epu") if source == "kafka" else 1.0
    epus = math.ceil(float(event_pollers) / per_epu - 1e-9)
    minimum_h = prices.value("lambda.esm_minimum_s") / 3600.0
    return float(epus * max(float(hours), minimum_h)) if hours and epus else 0.0


def lambda_esm_bill(epu_hours: float, *, source: str = "kafka", prices: Prices | None = None) -> Bill:
    """Provisioned mode for an event source mapping: EPU-hours at the source's rate."""
    prices = _prices(prices)
    check_choice("source", source, ESM_SOURCES)
    check_non_negative("epu_hours", epu_hours)
    label = "Kafka" if source == "kafka" else "SQS"
    return Bill((line_item(f"Lambda provisioned ESM {label} EPU-hours", float(epu_hours), "EPU-h",
                           prices.usd(f"lambda.esm_epu_hour_{source}")),))


def lambda_managed_instances_bill(requests: float, instance_type: str, instance_hours: float, *,
                                  purchase: str = "on_demand", prices: Prices | None = None) -> Bill:
    """Lambda Managed Instances: requests, the EC2 instances Lambda runs, and the management fee.

    No per-request duration charge. The management fee is a fraction
    (``lambda.managed_instances_management_fee``, 15 %) of the instances' **on-demand** price,
    whatever the purchase option of the instances themselves.

    Parameters
    ----------
    requests : float
        Requests in the month [count] (no free tier).
    instance_type : str
        EC2 instance type of the capacity provider (from the catalogue).
    instance_hours : float
        Instance-hours in the month, summed over instances [h].
    purchase : {"on_demand", "savings_plan", "reserved"}
        Price of the instances (discounts ``ec2.*_discount``).
    """
    prices = _prices(prices)
    check_non_negative("requests", requests)
    check_non_negative("instance_hours", instance_hours)
    check_choice("purchase", purchase, LMI_PURCHASES)
    on_demand = ec2_usd_per_hour(instance_type, "on_demand", prices)
    rate = ec2_usd_per_hour(instance_type, purchase, prices)
    fee = prices.value("lambda.managed_instances_management_fee")
    return Bill((
        line_item("Lambda Managed Instances requests", float(requests), "requests", prices.usd("lambda.request")),
        line_item(f"EC2 {instance_type} ({purchase.replace('_', ' ')}) for Lambda Managed Instances",
                  float(instance_hours), "h", rate),
        line_item("Lambda Managed Instances management fee", float(instance_hours), "h", on_demand * fee,
                  f"{fee:g} x on-demand {_fmt_rate(on_demand)} USD/h"),
    ))


# ==========================================================================================
# helpers
# ==========================================================================================
def _tiered_lines(name: str, quantity: float, free: float, unit: str, tiers: Sequence[tuple[float, float]],
                  note: str = "") -> list[LineItem]:
    """One line per tier used; ``free`` units come off the bottom of the ladder."""
    per_tier = tier_quantities(quantity, tiers) - tier_quantities(free, tiers)
    items: list[LineItem] = []
    multi = len(tiers) > 1
    for k, ((_limit, rate), q) in enumerate(zip(tiers, per_tier), start=1):
        if k > 1 and q <= 0:
            continue
        n = f"{name} tier {k}" if multi else name
        nt = note
        if k == 1 and free:
            nt = (note + "; " if note else "") + f"{_fmt_qty(quantity)} - {_fmt_qty(free)} free"
        items.append(line_item(n, float(q), unit, rate, nt))
    return items


def _prices(prices: Prices | None) -> Prices:
    if prices is None:
        return load_prices()
    if not isinstance(prices, Prices):
        raise InvalidParameterError("prices", prices, "a costmodel.models.pricing.Prices (see load_prices) or None")
    return prices


def _check_arch(architecture: str) -> None:
    check_known("architecture", architecture, ARCHITECTURES)


def _check_memory_mb(memory_mb: npt.ArrayLike) -> None:
    check_range("memory_mb", memory_mb, *LAMBDA_MEMORY_MB_RANGE, "MB")
    arr = np.asarray(memory_mb, dtype=float)
    if np.any(arr != np.round(arr)):
        raise InvalidParameterError("memory_mb", memory_mb, "a whole number of MB from 128 to 10240")


def _discount(prices: Prices, service: str, purchase: str) -> float:
    if purchase == "on_demand":
        return 0.0
    return prices.value(f"{service}.{purchase}_discount")
