"""Lambda vs Fargate vs EC2 on the same month of traffic, like for like.

:func:`compare` takes a scenario (file, dict or :class:`~costmodel.scenario.load.Scenario`),
builds its traffic, runs

* Lambda on the series (:func:`costmodel.models.lambda_traffic.lambda_on_traffic`);
* Fargate target tracking (:func:`costmodel.models.autoscaling.simulate_scaling`) priced on-demand,
  with a Savings Plan and, for interruption-tolerant Linux x86_64 work, on Spot;
* the EC2 Auto Scaling equivalent (instances with ``tasks_per_instance`` tasks packed on
  each, instance boot time) priced on-demand and with a Savings Plan;

and prices everything with the bills (:mod:`costmodel.models.bills`). Each option's bill is
compute + front door + network + glue.

A fair fight (:func:`option_setup` decides it once per scenario and says so in ``notes``):

* **Front door**: one declared front door in front of both sides (``front_door.kind``,
  default the Lambda block's): an ALB (Lambda targets / container targets); API Gateway
  (containers through a VPC link to an internal ALB); a Lambda function URL (containers
  behind an ALB, their nearest equivalent); or none. ``kind: usual`` keeps each side's own
  front door (``lambda.front_door`` vs ``containers.front_door``) and is labelled as such.
  :func:`front_door_table` prices every combination.
* **Architecture**: Fargate runs the workload's architecture (``work.architecture``) unless
  ``containers.fargate.architecture`` says otherwise; EC2 runs the same-family instance of
  the workload's architecture (m7g.large -> m7i.large for x86_64 work) unless
  ``containers.ec2.match_architecture: false``. A mismatch the user asked for is noted.
* **Spot** is offered only where AWS sells it (Linux x86_64 tasks) and only for work the
  scenario declares interruption-tolerant (``workload.interruption_tolerant``), priced at
  the price set's *expected* discount (``fargate.spot_discount``, an assumption).
* **Network** (:func:`costmodel.models.network.vpc_network_bill`): containers run in a VPC
  (private subnets with a NAT gateway or interface endpoints, or public subnets with a
  public IPv4 per task/instance), pull their image on every launch, ship their logs through
  the VPC; EC2 instances carry an EBS root volume; Lambda pays for a VPC only when
  ``network.lambda_in_vpc`` is declared.
* **Logs**: every option ingests the application's own log volume; Lambda adds its platform
  lines (START/END/REPORT) per invocation.

A month is 730 h (8,760 h / 12, the AWS Pricing Calculator's convention, as ``costmodel
bill`` uses): a shorter series is repeated to 730 h and a longer one is cut (``notes``
says so).

ALB LCUs are computed hourly with connection reuse (``front_door.requests_per_connection``
requests per client connection, each open ``connection_lifetime_s``), ``alb_rules`` rules
evaluated per request (the first 10 free) and ``glue.payload_kb`` processed per request
(see :func:`costmodel.models.bills.alb_lcu`).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from costmodel._validate import check_non_negative
from costmodel.errors import ScenarioError
from costmodel.models.autoscaling import ScalingPolicy, ScalingResult, simulate_scaling, task_capacity_rps
from costmodel.models.bills import (
    FARGATE_SPOT_PLATFORM,
    Bill,
    alb_bill,
    api_gateway_bill,
    data_transfer_bill,
    ec2_bill,
    fargate_bill,
    function_url_bill,
    line_item,
    logs_bill,
)
from costmodel.models.coldstart.simulator import arrivals_for_traffic
from costmodel.models.lambda_traffic import LambdaTrafficResult, lambda_on_traffic
from costmodel.models.network import (
    CONTAINER_PLATFORM_ENDPOINTS,
    EC2_PLATFORM_ENDPOINTS,
    NetworkUsage,
    alb_connection_usage,
    platform_log_bytes,
    platform_log_gb,
    vpc_network_bill,
)
from costmodel.models.pricing import Prices, load_prices
from costmodel.models.traffic import (
    DEFAULT_START,
    HOURS_PER_MONTH,
    MONTH_DAYS,
    SECONDS_PER_DAY,
    TrafficSignals,
    check_rate,
    from_series,
    tile_to_horizon,
    traffic_signals,
)
from costmodel.models.workload import Work
from costmodel.scenario.load import Scenario, ScenarioSource, load_scenario
from costmodel.scenario.service_level import lambda_work, scaling_schedules

__all__ = ["OPTIONS", "CONTAINER_OPTIONS", "MONTH_DAYS", "HOURS_PER_MONTH", "FRONT_DOOR_KINDS",
           "LAMBDA_FRONT_DOORS", "CONTAINER_FRONT_DOORS", "OptionSetup", "Comparison", "compare",
           "option_setup", "option_bills", "front_door_bill", "glue_bill", "scaling_policies", "front_door_table",
           "network_bills", "option_usd", "ScenarioSource", "ColdStarts"]

#: Lambda's cold starts: ``"model"`` (the cold-start model's expectation) or that many [count].
ColdStarts: TypeAlias = "float | Literal['model']"

OPTIONS = ("lambda", "fargate_on_demand", "fargate_spot", "fargate_savings_plan", "ec2_on_demand", "ec2_savings_plan")
#: Every container option a comparison can hold (Spot only when offered: :func:`option_setup`).
CONTAINER_OPTIONS = OPTIONS[1:]
#: ``front_door.kind``: one front door for both sides, or each side its usual one.
FRONT_DOOR_KINDS = ("alb", "api_gateway_http", "api_gateway_rest", "function_url", "none", "usual")
#: Front doors of :func:`front_door_bill` Lambda can sit behind (``alb_lambda``: ALB, Lambda targets).
LAMBDA_FRONT_DOORS = ("alb_lambda", "api_gateway_http", "api_gateway_rest", "function_url", "none")
#: Front doors of :func:`front_door_bill` containers can sit behind (``*_vpc_link``: API
#: Gateway through a VPC link to an internal ALB).
CONTAINER_FRONT_DOORS = ("alb", "api_gateway_http_vpc_link", "api_gateway_rest_vpc_link", "none")
#: What ``peak_units`` counts on each platform (for text).
_PEAK_UNITS = {"lambda": "concurrent", "fargate": "tasks", "ec2": "instances"}
_COLUMNS = ["monthly_usd", "usd_per_million_requests", "utilisation", "overload_minutes", "peak_units", "platform"]
_KIND_TEXT = {
    "alb_lambda": "an ALB (Lambda targets)",
    "alb": "an ALB",
    "api_gateway_http": "API Gateway HTTP",
    "api_gateway_rest": "API Gateway REST",
    "api_gateway_http_vpc_link": "API Gateway HTTP through a VPC link to an internal ALB",
    "api_gateway_rest_vpc_link": "API Gateway REST through a VPC link to an internal ALB",
    "function_url": "a function URL",
    "none": "no front door",
}


def _hourly(rate_rps: np.ndarray, step_s: float) -> np.ndarray:
    """Mean rate per hour [req/s] (steps dividing an hour; the last partial hour dropped)."""
    per_h = max(1, int(round(3600.0 / step_s)))
    n = rate_rps.size - rate_rps.size % per_h
    if n == 0:
        return np.array([rate_rps.mean()])
    return rate_rps[:n].reshape(-1, per_h).mean(axis=1)


def front_door_bill(kind: str, rate_rps: npt.ArrayLike, step_s: float, *, payload_kb: float = 4.0,
                    api_gateway_free_tier: bool = False, prices: Prices | None = None,
                    requests_per_connection: float = 1.0, connection_lifetime_s: float = 60.0,
                    alb_rules: int = 1, internet_facing: bool = False, availability_zones: int = 2) -> Bill:
    """The month's front-door bill for a traffic series.

    Parameters
    ----------
    kind : str
        ``api_gateway_rest``, ``api_gateway_http``, ``alb`` (container targets), ``alb_lambda``
        (Lambda targets: 0.4 GB/h per LCU), ``function_url``, ``none``, or
        ``api_gateway_http_vpc_link`` / ``api_gateway_rest_vpc_link`` (API Gateway in front of
        containers: the API's requests, a VPC link and an internal ALB behind it).
    rate_rps : array_like
        Request rate per step [req/s].
    step_s : float
        Step [s].
    payload_kb : float
        Request size [KB] (HTTP API metering, ALB processed bytes).
    api_gateway_free_tier : bool
        API Gateway's 12-month free tier.
    prices : Prices, optional
    requests_per_connection : float
        Requests each client connection to an ALB carries [-] (HTTP keep-alive; 1 = a new
        connection per request).
    connection_lifetime_s : float
        How long a client connection stays open [s].
    alb_rules : int
        Listener rules an ALB evaluates per request (the first 10 are free).
    internet_facing : bool
        The ALB is internet-facing: one public IPv4 address per node, one node per AZ.
    availability_zones : int
        AZs the ALB spans [count].
    """
    rate = check_rate(rate_rps)
    requests = float(rate.sum() * step_s)
    hours = rate.size * step_s / 3600.0
    if kind == "none":
        return Bill(())
    if kind in ("api_gateway_http", "api_gateway_rest"):
        return api_gateway_bill(requests, api=kind.rsplit("_", 1)[1], payload_kb=payload_kb,
                                free_tier=api_gateway_free_tier, prices=prices)
    if kind in ("api_gateway_http_vpc_link", "api_gateway_rest_vpc_link"):
        api = kind.removesuffix("_vpc_link")
        link = Bill((line_item("API Gateway VPC link hours", hours, "h",
                               (prices if prices is not None else _default_prices()).usd("api_gateway.vpc_link_hour"),
                               "VPC link V2 to an internal ALB"),))
        return (front_door_bill(api, rate, step_s, payload_kb=payload_kb, api_gateway_free_tier=api_gateway_free_tier,
                                prices=prices) + link
                + front_door_bill("alb", rate, step_s, payload_kb=payload_kb, prices=prices,
                                  requests_per_connection=requests_per_connection,
                                  connection_lifetime_s=connection_lifetime_s, alb_rules=alb_rules,
                                  internet_facing=False, availability_zones=availability_zones))
    if kind == "function_url":
        return function_url_bill(requests, prices=prices)
    if kind in ("alb", "alb_lambda"):
        hourly = _hourly(rate, step_s)
        new_per_s, active_per_min = alb_connection_usage(hourly, requests_per_connection=requests_per_connection,
                                                         connection_lifetime_s=connection_lifetime_s)
        bill = alb_bill(hours, new_connections_per_s=new_per_s, active_connections_per_min=active_per_min,
                        processed_gb_per_h=hourly * 3600.0 * payload_kb / (1024.0 * 1024.0),
                        rule_evaluations_per_s=hourly * max(0, int(alb_rules) - 10),
                        lambda_targets=kind == "alb_lambda", prices=prices)
        if internet_facing:
            p = prices if prices is not None else _default_prices()
            bill = bill + Bill((line_item("ALB public IPv4 addresses", availability_zones * hours, "h",
                                          p.usd("vpc.public_ipv4_hour"),
                                          f"internet-facing: one per node, {availability_zones} AZs"),))
        return bill
    raise ScenarioError(f"front door {kind!r} is not allowed: expected one of "
                        f"{', '.join(sorted(set(LAMBDA_FRONT_DOORS + CONTAINER_FRONT_DOORS)))}")


def option_usd(table: pd.DataFrame, option: str) -> float:
    """``option``'s monthly cost [USD]: its ``monthly_usd`` cell in a comparison-shaped table
    (one row per option, as :attr:`Comparison.table`)."""
    return float(cast(float, table.at[option, "monthly_usd"]))  # a float column; the stubs type a cell as any scalar


def _default_prices() -> Prices:
    return load_prices()


def glue_bill(requests: float, glue: Mapping[str, Any], *, prices: Prices | None = None,
              platform_log_gb_per_month: float = 0.0) -> Bill:
    """Logs and data transfer out for a month (NAT is part of each option's network bill).

    Parameters
    ----------
    requests : float
        Requests in the month.
    glue : dict
        ``log_kb_per_request`` [KB] (the application's own logs), ``data_out_gb_per_month``
        [GB]. ``nat_gb_per_month`` is outbound internet traffic that leaves private subnets
        through a NAT gateway: it is billed with the network of the options that run in a
        VPC (:func:`costmodel.models.network.vpc_network_bill`), not here.
    platform_log_gb_per_month : float
        Lambda's platform lines (START/END/REPORT) [GB]; billed as their own line.
    """
    check_non_negative("requests", requests)
    check_non_negative("platform_log_gb_per_month", platform_log_gb_per_month)
    bill = Bill(())
    log_gb = requests * float(glue.get("log_kb_per_request", 0)) / (1024.0 * 1024.0)
    if log_gb > 0:
        bill = bill + logs_bill(log_gb, prices=prices)
    if platform_log_gb_per_month > 0:
        p = prices if prices is not None else _default_prices()
        bill = bill + Bill((line_item("CloudWatch Logs ingestion (Lambda START/END/REPORT lines)",
                                      platform_log_gb_per_month, "GB", p.usd("logs.ingestion")),))
    out_gb = float(glue.get("data_out_gb_per_month", 0))
    if out_gb > 0:
        bill = bill + data_transfer_bill(out_gb, prices=prices)
    return bill


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare`.

    Attributes
    ----------
    scenario_name : str
    table : pandas.DataFrame
        One row per option (index ``OPTIONS``) with columns ``monthly_usd`` [USD],
        ``usd_per_million_requests`` [USD], ``utilisation`` [-] (served work / billed
        capacity), ``overload_minutes`` [min] (demand above capacity, or Lambda throttling),
        ``peak_units`` (tasks / instances / concurrent executions) and ``platform``.
    bills : dict of str to Bill
        Itemised bill of each option (compute + front door + network + glue).
    requests : float
        Requests in the month.
    lambda_result : LambdaTrafficResult
    fargate : ScalingResult
    ec2 : ScalingResult
    rate_rps : numpy.ndarray
        The month's demand [req/s] per step.
    step_s : float
    start : pandas.Timestamp
    signals : TrafficSignals
    arrivals : str
        How the rate series reads as requests (``"poisson"`` or ``"counts"``), decided once
        here for the scenario; every latency and cold-start figure of the scenario uses it.
    notes : tuple of str
        What was compared and how (front door, architectures, Spot, month length).
    setup : OptionSetup
        The like-for-like decisions (front doors, architectures, offered options and why
        any were left out, labelled assumptions).
    """

    scenario_name: str
    table: pd.DataFrame
    bills: dict[str, Bill]
    requests: float
    lambda_result: LambdaTrafficResult
    fargate: ScalingResult
    ec2: ScalingResult
    rate_rps: np.ndarray = field(repr=False)
    step_s: float = 60.0
    start: pd.Timestamp | None = None
    signals: TrafficSignals | None = None
    fargate_capacity_rps: float = 0.0
    ec2_capacity_rps: float = 0.0
    notes: tuple[str, ...] = ()
    arrivals: str = "poisson"
    setup: OptionSetup | None = None

    @property
    def options(self) -> tuple[str, ...]:
        """The options priced (rows of ``table``): Spot only where offered."""
        return tuple(str(o) for o in self.table.index)

    @property
    def cheapest(self) -> str:
        """Cheapest option that is never overloaded (the cheapest overall if all are)."""
        t = self.table
        ok = t[t["overload_minutes"] <= 0]
        return str((ok if len(ok) else t)["monthly_usd"].idxmin())

    def cheapest_container(self, options: Iterable[str] | None = None) -> str:
        """Cheapest container option (of ``options``, default all priced) never overloaded
        (the cheapest of them if all are)."""
        opts = [o for o in (options or self.options) if o != "lambda" and o in self.table.index]
        t = self.table.loc[opts]
        ok = t[t["overload_minutes"] <= 0]
        return str((ok if len(ok) else t)["monthly_usd"].idxmin())

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (what ``costmodel compare --json`` prints)."""
        rows = []
        for opt, row in self.table.iterrows():
            rows.append({"option": opt, **{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()},
                         "bill": self.bills[str(opt)].to_dict()})
        lam = self.lambda_result
        return {
            "scenario": self.scenario_name,
            "requests": self.requests,
            "cheapest": self.cheapest,
            "options": rows,
            "lambda": {"peak_concurrency": lam.peak_concurrency, "concurrency_limit": lam.concurrency_limit,
                       "throttled": lam.throttled, "throttled_requests": lam.throttled_requests,
                       "cold_starts": lam.cold_starts, "billed_duration_ms": lam.billed_duration_ms},
            "signals": self.signals.to_dict() if self.signals is not None else None,
            "front_door": self.setup.front_door_label if self.setup is not None else None,
            "left_out": dict(self.setup.left_out) if self.setup is not None else {},
            "assumptions": list(self.setup.assumptions) if self.setup is not None else [],
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        """Plain-text table (what ``costmodel compare`` prints)."""
        lines = [f"Scenario: {self.scenario_name}",
                 f"Requests in the month: {self.requests:,.0f}"]
        if self.signals is not None:
            s = self.signals
            lines.append(f"Traffic: mean {s.mean_rps:.3g} req/s, peak {s.peak_rps:.3g} req/s "
                         f"(peak/mean {s.peak_to_mean:.2f}), idle {s.idle_fraction:.0%} of steps")
        if self.setup is not None:
            lines.append(f"Front door: {self.setup.front_door_label}")
        lines.append("")
        header = (f"{'option':<22}{'USD/month':>12}{'USD/M req':>12}{'utilisation':>13}{'overload (min)':>16}"
                  f"{'peak size':>19}")
        lines += [header, "-" * len(header)]
        for opt, r in self.table.iterrows():
            unit = _PEAK_UNITS.get(str(r.platform), "units")
            if int(r.peak_units) == 1 and unit != "concurrent":
                unit = unit.removesuffix("s")
            peak = f"{int(r.peak_units):,} {unit}"
            lines.append(f"{opt:<22}{r.monthly_usd:>12,.2f}{r.usd_per_million_requests:>12,.2f}"
                         f"{r.utilisation:>13.0%}{r.overload_minutes:>16,.0f}{peak:>19}")
        lines.append("-" * len(header))
        lines += [
            "USD/M req: cost per million requests. utilisation: work served / capacity billed.",
            "overload: minutes of the month with demand above the ready capacity (containers, while",
            "  autoscaling catches up) or above Lambda's concurrency limit (throttling); an overloaded",
            "  option did not serve its demand in time, so its cost is a lower bound.",
            "peak size: most concurrent Lambda executions, Fargate tasks or EC2 instances in the month.",
        ]
        lines.append(f"Cheapest without overload: {self.cheapest}")
        lam = self.lambda_result
        if lam.throttled:
            lines.append(f"WARNING: Lambda needs up to {lam.peak_concurrency:,.0f} concurrent executions, above the "
                         f"limit of {lam.concurrency_limit:,}: {lam.throttled_requests:,.0f} requests throttled.")
        lines += [f"Note: {n}" for n in self.notes]
        if self.setup is not None:
            lines += [f"Left out: {o}: {why}" for o, why in self.setup.left_out.items()]
            lines += [f"Assumption: {a}" for a in self.setup.assumptions]
        return "\n".join(lines)

    def daily_usd(self) -> pd.DataFrame:
        """Each option's bill spread over days in proportion to its usage that day [USD].

        Lambda and the front door by requests; containers by billed unit-seconds; glue by
        requests. The free tier is therefore spread evenly over the month.
        """
        steps_per_day = int(round(SECONDS_PER_DAY / self.step_s))
        n_days = max(1, self.rate_rps.size // steps_per_day)
        n = n_days * steps_per_day

        def share(x: np.ndarray) -> np.ndarray:
            per_day = np.asarray(x[:n], dtype=float).reshape(n_days, steps_per_day).sum(axis=1)
            tot = per_day.sum()
            return per_day / tot if tot > 0 else np.full(n_days, 1.0 / n_days)

        req_share = share(self.rate_rps)
        far_share = share(self.fargate.billed_units)
        ec2_share = share(self.ec2.billed_units)
        out = {}
        for opt in self.options:
            total = option_usd(self.table, opt)
            s = req_share if opt == "lambda" else (far_share if opt.startswith("fargate") else ec2_share)
            out[opt] = total * s
        idx = pd.date_range(self.start, periods=n_days, freq="D") if self.start is not None else range(n_days)
        return pd.DataFrame(out, index=idx)


def scaling_policies(scenario: Scenario, prices: Prices | None = None) -> tuple[ScalingPolicy, ScalingPolicy]:
    """The Fargate and EC2 target-tracking policies of a scenario.

    Fargate: one unit = one task of ``vcpu`` serving ``vcpu * 1000 / cpu_ms_per_request`` req/s
    at 100 % CPU. EC2: one unit = one instance running ``tasks_per_instance`` such tasks
    (they must fit in the instance's vCPUs), booting in ``boot_s``; EC2 settings left out
    (target, cooldowns, alarm evaluation periods) follow the Fargate ones, ``max_instances`` defaults to enough
    instances for ``max_tasks``.
    """
    sc = load_scenario(scenario)
    prices = prices if prices is not None else sc.prices()
    far, ec2 = sc.containers["fargate"], sc.containers["ec2"]
    cap_task = task_capacity_rps(sc.work.cpu_ms_per_request, float(far["vcpu"]))
    far_policy = ScalingPolicy(
        capacity_rps=cap_task, target_utilisation=float(far["target_utilisation"]),
        min_units=int(far["min_tasks"]), max_units=int(far["max_tasks"]),
        scale_out_cooldown_s=float(far["scale_out_cooldown_s"]), scale_in_cooldown_s=float(far["scale_in_cooldown_s"]),
        metric_period_s=float(far["metric_period_s"]), evaluation_delay_s=float(far["evaluation_delay_s"]),
        start_s=float(far["task_start_s"]), metric=str(far["metric"]),
        scale_out_evaluation_periods=int(far["scale_out_evaluation_periods"]),
        scale_in_evaluation_periods=int(far["scale_in_evaluation_periods"]),
    )
    instance, _ = _ec2_instance(sc, sc.work, prices)
    spec = prices.instance_type(instance)
    per_inst = int(ec2["tasks_per_instance"])
    if per_inst * float(far["vcpu"]) > float(spec["vcpu"]) + 1e-9:
        raise ScenarioError(f"containers.ec2.tasks_per_instance={per_inst} x {far['vcpu']} vCPU does not fit on "
                            f"{instance} ({spec['vcpu']} vCPU)")
    max_inst = ec2.get("max_instances") or max(int(ec2["min_instances"]), -(-int(far["max_tasks"]) // per_inst))
    ec2_policy = ScalingPolicy(
        capacity_rps=cap_task * per_inst,
        target_utilisation=float(ec2.get("target_utilisation") or far["target_utilisation"]),
        min_units=int(ec2["min_instances"]), max_units=int(max_inst),
        scale_out_cooldown_s=float(ec2.get("scale_out_cooldown_s") or far["scale_out_cooldown_s"]),
        scale_in_cooldown_s=float(ec2.get("scale_in_cooldown_s") or far["scale_in_cooldown_s"]),
        metric_period_s=float(far["metric_period_s"]), evaluation_delay_s=float(far["evaluation_delay_s"]),
        start_s=float(ec2["boot_s"]), metric=str(far["metric"]),
        scale_out_evaluation_periods=int(ec2.get("scale_out_evaluation_periods")
                                         or far["scale_out_evaluation_periods"]),
        scale_in_evaluation_periods=int(ec2.get("scale_in_evaluation_periods") or far["scale_in_evaluation_periods"]),
    )
    return far_policy, ec2_policy


def _month(rate: np.ndarray, step_s: float) -> tuple[np.ndarray, list[str]]:
    n_month = int(round(HOURS_PER_MONTH * 3600.0 / step_s))
    if rate.size == n_month:
        return rate, []
    days = rate.size * step_s / SECONDS_PER_DAY
    if rate.size < n_month:
        return tile_to_horizon(rate, step_s, MONTH_DAYS), [
            f"the {days:g}-day series was repeated to fill the {HOURS_PER_MONTH:g}-h month"]
    return rate[:n_month], [f"the {days:g}-day series was cut to its first {HOURS_PER_MONTH:g} h"]


# ------------------------------------------------------------------ like for like
@dataclass(frozen=True)
class OptionSetup:
    """How a scenario's options are set up for a fair comparison (see the module notes).

    Attributes
    ----------
    lambda_front_door, container_front_door : str
        :func:`front_door_bill` kinds of each side.
    front_door_label : str
        What fronts each side, in words (``"an ALB in front of both"``, or "each side with
        its usual front door: ...").
    front_door_kind : str
        ``front_door.kind`` (``usual`` or the shared kind).
    fargate_architecture : str
    ec2_instance_type : str
        The instance type priced (the declared one or its same-family counterpart).
    options : tuple of str
        The options priced, in :data:`OPTIONS` order.
    left_out : dict of str to str
        Options not offered and why (Fargate Spot for arm64 or interruption-intolerant work).
    notes : tuple of str
        What the output says about these choices.
    assumptions : tuple of str
        The labelled assumptions the prices rest on (discounts, keep-alive, network).
    """

    lambda_front_door: str
    container_front_door: str
    front_door_label: str
    front_door_kind: str
    fargate_architecture: str
    ec2_instance_type: str
    options: tuple[str, ...]
    left_out: dict[str, str]
    notes: tuple[str, ...]
    assumptions: tuple[str, ...]


def _ec2_instance(sc: Scenario, work: Work, prices: Prices) -> tuple[str, str | None]:
    """(instance type priced, note or None): the same-family type of the work's architecture."""
    ec2 = sc.containers["ec2"]
    declared = str(ec2["instance_type"])
    spec = prices.instance_type(declared)
    arch = work.architecture
    if spec["architecture"] == arch:
        return declared, None
    if not ec2.get("match_architecture", True):
        return declared, (f"EC2 runs {declared} ({spec['architecture']}) while the workload is {arch}: as "
                          "declared (containers.ec2.match_architecture: false)")
    other = spec.get("counterpart")
    if not other or prices.instance_type(other)["architecture"] != arch:
        raise ScenarioError(f"containers.ec2.instance_type={declared!r} is {spec['architecture']} and the catalogue "
                            f"has no {arch} counterpart; pick a {arch} type (catalogue: "
                            f"{', '.join(sorted(prices.ec2_instance_types))}) or set "
                            "containers.ec2.match_architecture: false")
    return other, (f"EC2 priced as {other} ({arch}, like the workload): the same-family counterpart of the "
                   f"declared {declared} ({spec['architecture']}); containers.ec2.match_architecture: false keeps "
                   f"{declared}")


def _front_doors(sc: Scenario) -> tuple[str, str, str, str]:
    """(Lambda kind, container kind, label, front_door.kind) for :func:`front_door_bill`."""
    fd = sc.front_door
    kind = str(fd.get("kind") or sc.lambda_["front_door"])
    if kind == "usual":
        lam = sc.lambda_["front_door"]
        lam = "alb_lambda" if lam == "alb" else lam
        con = sc.containers["front_door"]
        label = (f"each side with its usual front door (front_door.kind: usual): Lambda behind "
                 f"{_KIND_TEXT[lam]}, containers behind {_KIND_TEXT[con]}")
        return lam, con, label, kind
    if kind == "alb":
        return "alb_lambda", "alb", "an ALB in front of both (Lambda targets / container targets)", kind
    if kind in ("api_gateway_http", "api_gateway_rest"):
        api = _KIND_TEXT[kind]
        return kind, f"{kind}_vpc_link", (f"{api} in front of both (containers through a VPC link to an "
                                         "internal ALB)"), kind
    if kind == "function_url":
        return "function_url", "alb", ("a Lambda function URL; containers behind an ALB, their nearest "
                                       "equivalent (containers have no function URL)"), kind
    return "none", "none", "no front door on either side (front_door.kind: none)", kind


def option_setup(scenario: ScenarioSource, work: Work | None = None, prices: Prices | None = None) -> OptionSetup:
    """The like-for-like set-up of a scenario's options (front doors, architectures, Spot).

    Parameters
    ----------
    scenario : path, dict or Scenario
    work : Work, optional
        Per-request work (default: the scenario's); its architecture drives Fargate's and EC2's.
    prices : Prices, optional

    Raises
    ------
    ScenarioError
        ``workload.interruption_tolerant`` is not true or false; an EC2 type without a
        counterpart in the workload's architecture.
    """
    sc = load_scenario(scenario)
    work = sc.work if work is None else work
    prices = sc.prices() if prices is None else prices
    notes: list[str] = []
    lam_fd, con_fd, label, kind = _front_doors(sc)
    if kind == "function_url":
        notes.append("front door: a function URL has no container equivalent; set front_door.kind: alb to put "
                     "an ALB in front of both")
    declared_fd = (sc.raw.get("front_door") or {}).get("kind") if isinstance(sc.raw.get("front_door"), dict) else None
    if declared_fd is None and kind != "none" and sc.containers["front_door"] != _usual_container(kind):
        notes.append(f"front door: lambda.front_door {sc.lambda_['front_door']!r} fronts both sides; "
                     f"containers.front_door {sc.containers['front_door']!r} applies only with front_door.kind: usual")
    far_arch = sc.containers["fargate"].get("architecture") or work.architecture
    if far_arch != work.architecture:
        notes.append(f"Fargate runs {far_arch} while the workload is {work.architecture}: as declared "
                     "(containers.fargate.architecture)")
    instance, ec2_note = _ec2_instance(sc, work, prices)
    if ec2_note:
        notes.append(ec2_note)
    tolerant = sc.workload.get("interruption_tolerant", False)
    if not isinstance(tolerant, bool):
        raise ScenarioError(f"workload.interruption_tolerant={tolerant!r} is not allowed: expected true or false")
    left_out: dict[str, str] = {}
    if not tolerant:
        left_out["fargate_spot"] = ("not offered: the work is not declared interruption-tolerant "
                                    "(workload.interruption_tolerant; Spot tasks stop with two minutes' notice)")
    elif far_arch != "x86_64":
        left_out["fargate_spot"] = f"not offered: {FARGATE_SPOT_PLATFORM}; these tasks are {far_arch}"
    options = tuple(o for o in OPTIONS if o not in left_out)
    assumptions = []
    for key, what in (("fargate.savings_plan_discount", "Fargate Savings Plan discount"),
                      ("ec2.savings_plan_discount", "EC2 Savings Plan discount")):
        assumptions.append(f"{what} {prices.value(key):.0%} ({key}, {prices.rate(key).status})")
    if "fargate_spot" in options:
        assumptions.append(f"Fargate Spot at an expected {prices.value('fargate.spot_discount'):.0%} discount, not "
                           f"AWS's 'up to 70%' (fargate.spot_discount, {prices.rate('fargate.spot_discount').status})")
    fd = sc.front_door
    if "alb" in lam_fd + con_fd:
        assumptions.append(f"ALB clients reuse connections: {fd['requests_per_connection']:g} requests per "
                           f"connection, {fd['connection_lifetime_s']:g} s each (front_door.requests_per_connection)")
    net = sc.network
    if net["containers_subnets"] == "public":
        assumptions.append("containers in public subnets: one public IPv4 address per task/instance")
    elif net["egress"] == "nat_gateway":
        assumptions.append(f"containers in private subnets behind {int(net['nat_gateways'])} NAT gateway(s) "
                           f"(network.nat_gateways), {net['image_mb']:g} MB image per launch, gateway endpoints "
                           f"{'on' if net['gateway_endpoints'] else 'off'}")
    else:
        assumptions.append(f"containers in private subnets with interface endpoints in "
                           f"{int(net['availability_zones'])} AZs (network.egress: vpc_endpoints)")
    if net["lambda_in_vpc"]:
        assumptions.append("Lambda attached to the VPC (network.lambda_in_vpc): it pays its own NAT/endpoints")
    return OptionSetup(lambda_front_door=lam_fd, container_front_door=con_fd, front_door_label=label,
                       front_door_kind=kind, fargate_architecture=str(far_arch), ec2_instance_type=instance,
                       options=options, left_out=left_out, notes=tuple(notes), assumptions=tuple(assumptions))


def _usual_container(kind: str) -> str:
    """The container front door that a shared ``kind`` corresponds to in ``containers.front_door``."""
    return {"alb": "alb", "function_url": "alb", "none": "none"}.get(kind, "alb")


def _network_bills(sc: Scenario, requests: float, hours: float, fargate_task_s: float,
                   ec2_instance_h: float, fargate_launches: float, ec2_launches: float,
                   prices: Prices) -> dict[str, Bill]:
    """Each platform's network bill (``lambda``, ``fargate``, ``ec2``) for the month."""
    net, glue = sc.network, sc.glue
    kw = dict(subnets=net["containers_subnets"], egress=net["egress"], nat_gateways=int(net["nat_gateways"]),
              availability_zones=int(net["availability_zones"]), gateway_endpoints=bool(net["gateway_endpoints"]),
              prices=prices)
    image_gb = float(net["image_mb"]) / 1024.0
    log_gb = requests * float(glue.get("log_kb_per_request", 0)) / (1024.0 * 1024.0)
    app_endpoints = int(net["interface_endpoints"])
    aws_api_gb = log_gb + float(net["aws_api_gb_per_month"])
    s3_dynamodb_gb = float(net["s3_dynamodb_gb_per_month"])
    internet_gb = float(glue.get("nat_gb_per_month", 0))
    far = vpc_network_bill(NetworkUsage(unit_hours=fargate_task_s / 3600.0, image_gb=fargate_launches * image_gb,
                                        platform_interface_endpoints=CONTAINER_PLATFORM_ENDPOINTS, hours=hours,
                                        aws_api_gb=aws_api_gb, s3_dynamodb_gb=s3_dynamodb_gb, internet_gb=internet_gb,
                                        app_interface_endpoints=app_endpoints), **kw)
    ec2 = vpc_network_bill(NetworkUsage(unit_hours=ec2_instance_h, image_gb=ec2_launches * image_gb,
                                        ebs_gb_months=float(net["ebs_gb_per_instance"]) * ec2_instance_h
                                        / HOURS_PER_MONTH, platform_interface_endpoints=EC2_PLATFORM_ENDPOINTS,
                                        hours=hours, aws_api_gb=aws_api_gb, s3_dynamodb_gb=s3_dynamodb_gb,
                                        internet_gb=internet_gb, app_interface_endpoints=app_endpoints), **kw)
    lam = Bill(())
    if net["lambda_in_vpc"]:  # Lambda ships its logs itself: only the application's own traffic
        lam = vpc_network_bill(NetworkUsage(hours=hours, aws_api_gb=float(net["aws_api_gb_per_month"]),
                                            s3_dynamodb_gb=float(net["s3_dynamodb_gb_per_month"]),
                                            internet_gb=float(glue.get("nat_gb_per_month", 0)),
                                            app_interface_endpoints=app_endpoints),
                               **{**kw, "subnets": "private"})
    return {"lambda": lam, "fargate": far, "ec2": ec2}


def network_bills(sc: Scenario, requests: float, hours: float, fargate_task_s: float, ec2_instance_h: float,
                  fargate_launches: float, ec2_launches: float, prices: Prices) -> dict[str, Bill]:
    """Each platform's network bill (``lambda``, ``fargate``, ``ec2``) for fleets of this size:
    what :func:`option_bills` adds per option (right-sizing prices its candidate fleets with it)."""
    return _network_bills(sc, requests, hours, fargate_task_s, ec2_instance_h, fargate_launches, ec2_launches,
                          prices)


def _platform_log_bytes(sc: Scenario) -> float:
    lam = sc.lambda_
    b = lam.get("platform_log_bytes")
    return float(b) if b is not None else float(platform_log_bytes(lam.get("log_format", "text")))


def option_bills(sc: Scenario, rate: np.ndarray, step_s: float, fargate_task_s: float, ec2_instance_h: float, *,
                 fargate_launches: float = 0.0, ec2_launches: float = 0.0,
                 work: Work | None = None, prices: Prices | None = None, cold_starts: ColdStarts = "model",
                 setup: OptionSetup | None = None, lambda_result: LambdaTrafficResult | None = None,
                 **lambda_kwargs: Any) -> tuple[dict[str, Bill], LambdaTrafficResult]:
    """The month's bill of every offered option for one rate series.

    The one place where a scenario's options are priced: :func:`compare`,
    :func:`costmodel.analysis.breakeven.option_costs`, :func:`costmodel.analysis.breakeven.monte_carlo`
    and :mod:`costmodel.analysis.assumptions` all call it. Lambda is billed from the traffic;
    the containers from the fleet usage an autoscaling simulation produced; each option adds
    its front door (:func:`option_setup`), its network
    (:func:`costmodel.models.network.vpc_network_bill`) and the glue (logs, data transfer;
    Lambda's platform log lines).

    Parameters
    ----------
    sc : Scenario
    rate : numpy.ndarray
        Requests per second in each step [req/s].
    step_s : float
        Step length [s].
    fargate_task_s : float
        Billed Fargate task time in the month [task-s].
    ec2_instance_h : float
        Billed EC2 instance time in the month [instance-h].
    fargate_launches, ec2_launches : float
        Tasks / instances started in the month [count] (each pulls the container image).
    work : costmodel.models.workload.Work, optional
        Per-request work (default: the scenario's).
    prices : costmodel.models.pricing.Prices, optional
    cold_starts : "model" or number
        Passed to :func:`costmodel.models.lambda_traffic.lambda_on_traffic`.
    setup : OptionSetup, optional
        Default: :func:`option_setup` of the scenario and work.
    lambda_result : LambdaTrafficResult, optional
        Lambda on this series already computed (reused instead of running it again).
    **lambda_kwargs
        Further keywords for :func:`lambda_on_traffic` (``start``, ``arrivals``). The share of
        requests provisioned concurrency serves is the Erlang loss system's for Poisson
        arrivals (``pc_share="erlang"``, as the latency model's PC sweep), the fluid one for
        exact counts per step.

    Returns
    -------
    (dict of option name -> Bill, LambdaTrafficResult)
        Options in :data:`OPTIONS` order, those of ``setup.options`` only.
    """
    lam_work = lambda_work(sc) if work is None else work  # Lambda's memory and duration at it
    work = sc.work if work is None else work
    prices = sc.prices() if prices is None else prices
    setup = option_setup(sc, work, prices) if setup is None else setup
    lam_cfg, far, glue, fd, net = sc.lambda_, sc.containers["fargate"], sc.glue, sc.front_door, sc.network
    requests = float(rate.sum() * step_s)
    hours = rate.size * step_s / 3600.0
    lam = lambda_result
    if lam is None:
        pc = lam_cfg["provisioned_concurrency"]
        lambda_kwargs.setdefault("pc_share", "erlang" if lambda_kwargs.get("arrivals", "poisson") == "poisson"
                                 else "fluid")
        lam = lambda_on_traffic(
            rate, step_s, lam_work, free_tier=bool(lam_cfg["free_tier"]), keep_alive_s=float(lam_cfg["keep_alive_s"]),
            init_duration_ms=float(lam_cfg["init_duration_ms"]), cold_starts=cold_starts,
            provisioned_concurrency=int(pc["count"]), pc_schedule=pc["schedule"], timezone=pc.get("timezone", "UTC"),
            concurrency_limit=int(lam_cfg["concurrency_limit"]),
            reserved_concurrency=lam_cfg.get("reserved_concurrency"),
            ephemeral_storage_mb=float(lam_cfg["ephemeral_storage_mb"]), prices=prices, **lambda_kwargs,
        )
    fd_kw = dict(payload_kb=float(glue["payload_kb"]), prices=prices,
                 requests_per_connection=float(fd["requests_per_connection"]),
                 connection_lifetime_s=float(fd["connection_lifetime_s"]), alb_rules=int(fd["alb_rules"]),
                 internet_facing=fd["scheme"] == "internet_facing",
                 availability_zones=int(net["availability_zones"]))
    lam_fd = front_door_bill(setup.lambda_front_door, rate, step_s,
                             api_gateway_free_tier=bool(lam_cfg.get("api_gateway_free_tier", False)), **fd_kw)
    c_fd = front_door_bill(setup.container_front_door, rate, step_s, **fd_kw)
    network = _network_bills(sc, requests, hours, fargate_task_s, ec2_instance_h, fargate_launches, ec2_launches,
                             prices)
    glue_b = glue_bill(requests, glue, prices=prices)
    platform_gb = platform_log_gb(requests, _platform_log_bytes(sc))
    lam_glue = glue_bill(requests, glue, prices=prices, platform_log_gb_per_month=platform_gb)
    bills: dict[str, Bill] = {"lambda": lam.bill + lam_fd + network["lambda"] + lam_glue}
    for purchase in ("on_demand", "spot", "savings_plan"):
        opt = f"fargate_{purchase}"
        if opt not in setup.options:
            continue
        b = fargate_bill(float(far["vcpu"]), float(far["memory_gb"]), fargate_task_s,
                         architecture=setup.fargate_architecture, purchase=purchase, prices=prices)
        bills[opt] = b + c_fd + network["fargate"] + glue_b
    # EC2: instances packing tasks_per_instance tasks of the Fargate task size
    for purchase in ("on_demand", "savings_plan"):
        bills[f"ec2_{purchase}"] = ec2_bill(setup.ec2_instance_type, ec2_instance_h, purchase=purchase,
                                            prices=prices) + c_fd + network["ec2"] + glue_b
    return {o: bills[o] for o in OPTIONS if o in bills}, lam


def compare(scenario: ScenarioSource = None, *, rate_rps: npt.ArrayLike | None = None, step_s: float | None = None,
            prices: Prices | None = None, cold_starts: ColdStarts = "model") -> Comparison:
    """Compare Lambda, Fargate and EC2 on one 730-h month of a scenario's traffic.

    Parameters
    ----------
    scenario : path, dict, Scenario or None
        Scenario file or dict (see :mod:`costmodel.scenario.load`); None = the default scenario.
    rate_rps : array_like, optional
        Use this series [req/s] instead of the scenario's traffic block (needs ``step_s``).
        A pandas Series on a DatetimeIndex is accepted too.
    step_s : float, optional
        Step of ``rate_rps`` [s].
    prices : Prices, optional
        Default: the scenario's region with its ``price_overrides``.
    cold_starts : "model" or float
        Passed to :func:`costmodel.models.lambda_traffic.lambda_on_traffic`.

    Returns
    -------
    Comparison
        For the scenario's own traffic and prices (no ``rate_rps``, ``prices`` or
        ``cold_starts`` given), computed once per scenario object (:meth:`Scenario.cached`).
    """
    sc = load_scenario(scenario)
    if rate_rps is None and prices is None and cold_starts == "model":
        return sc.cached("compare", lambda: _compare(sc, None, None, sc.prices(), "model"))
    return _compare(sc, rate_rps, step_s, prices if prices is not None else sc.prices(), cold_starts)


def _compare(sc: Scenario, rate_rps: npt.ArrayLike | None, step_s: float | None, prices: Prices,
             cold_starts: ColdStarts) -> Comparison:
    if rate_rps is not None:
        if isinstance(rate_rps, pd.Series):
            rate, step = from_series(rate_rps)
            start = rate_rps.index[0]
        else:
            if step_s is None:
                raise ScenarioError("compare(rate_rps=...) needs step_s")
            rate, step, start = check_rate(rate_rps), float(step_s), None
    else:
        rate, step, start = sc.traffic_series()
    if start is None:
        start = DEFAULT_START
    rate, notes = _month(rate, step)
    requests = float(rate.sum() * step)
    work = sc.work
    lam_cfg = sc.lambda_
    pc = lam_cfg["provisioned_concurrency"]
    setup = option_setup(sc, work, prices)
    arrivals = (arrivals_for_traffic(sc.traffic, rate, step, work.duration.mean_ms / 1000.0)
                if rate_rps is None else "poisson")
    far_policy, ec2_policy = scaling_policies(sc, prices)
    far_sched, ec2_sched = scaling_schedules(sc, rate.size, step, start)  # scheduled minimums, if any
    fres = simulate_scaling(rate, step, far_policy, min_units_schedule=far_sched)
    eres = simulate_scaling(rate, step, ec2_policy, min_units_schedule=ec2_sched)
    # no work= here: option_bills gives Lambda its own memory and duration (lambda_work)
    bills, lam = option_bills(sc, rate, step, fres.unit_seconds, eres.unit_hours, fargate_launches=fres.launches,
                              ec2_launches=eres.launches, prices=prices, cold_starts=cold_starts,
                              setup=setup, start=start, arrivals=arrivals)
    cap_task, per_inst = far_policy.capacity_rps, ec2_policy.capacity_rps / far_policy.capacity_rps

    lam_util = 1.0
    if lam.provisioned_mask is not None and pc["count"] and lam.provisioned_mask.any():
        used = lam.concurrency[lam.provisioned_mask]
        idle = np.maximum(pc["count"] - used, 0.0).sum() * step
        busy = lam.concurrency.sum() * step
        lam_util = busy / (busy + idle) if busy + idle > 0 else 0.0
    rows = {}
    for opt in setup.options:
        usd = bills[opt].total_usd
        if opt == "lambda":
            util, over, peak, plat = lam_util, lam.throttled_steps * step / 60.0, math.ceil(lam.peak_concurrency), "lambda"
        elif opt.startswith("fargate"):
            util, over, peak, plat = fres.utilisation, fres.overload_minutes, fres.peak_units, "fargate"
        else:
            util, over, peak, plat = eres.utilisation, eres.overload_minutes, eres.peak_units, "ec2"
        rows[opt] = {
            "monthly_usd": usd,
            "usd_per_million_requests": usd / (requests / 1e6) if requests > 0 else float("nan"),
            "utilisation": float(util),
            "overload_minutes": float(over),
            "peak_units": int(peak),
            "platform": plat,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")[_COLUMNS]
    table.index.name = "option"
    notes = list(setup.notes) + notes
    if lam.throttled:
        notes.append(f"Lambda concurrency exceeds the limit of {lam.concurrency_limit} in {lam.throttled_steps} steps")
    return Comparison(
        scenario_name=sc.name, table=table, bills=bills, requests=requests, lambda_result=lam, fargate=fres, ec2=eres,
        rate_rps=rate, step_s=step, start=pd.Timestamp(start),
        signals=traffic_signals(rate, step, keep_alive_s=float(lam_cfg["keep_alive_s"])),
        fargate_capacity_rps=cap_task, ec2_capacity_rps=cap_task * per_inst, notes=tuple(notes),
        arrivals=arrivals, setup=setup,
    )


# ------------------------------------------------------------------ every front-door combination
def front_door_table(scenario: ScenarioSource = None, *, comparison: Comparison | None = None) -> pd.DataFrame:
    """Every combination of Lambda's and the containers' front door, priced on the scenario.

    Compute, network and glue are those of the scenario's comparison; only the front doors
    change (each bill's front-door lines are replaced). Lambda behind: an ALB, API Gateway
    HTTP or REST, a function URL, nothing; containers behind: an ALB, API Gateway HTTP or REST
    (through a VPC link to an internal ALB), nothing.

    Parameters
    ----------
    scenario : path, dict, Scenario or None
    comparison : Comparison, optional
        The scenario's comparison (default: :func:`compare` of the scenario).

    Returns
    -------
    pandas.DataFrame
        One row per combination: ``lambda_front_door``, ``container_front_door``,
        ``like_for_like`` (the same kind on both sides), ``front_door_kind`` (the
        ``front_door.kind`` that gives this row, or ``""``), ``scenario`` (the scenario's own
        row), ``lambda_usd``, one ``<option>_usd`` per container option, ``cheapest_container``
        and ``ratio`` (Lambda / the cheapest container option never overloaded) [USD/month, -].
    """
    sc = load_scenario(scenario)
    cmp = comparison if comparison is not None else compare(sc)
    setup = cmp.setup if cmp.setup is not None else option_setup(sc)
    prices = sc.prices()
    fd, net, glue = sc.front_door, sc.network, sc.glue
    fd_kw = dict(payload_kb=float(glue["payload_kb"]), prices=prices,
                 requests_per_connection=float(fd["requests_per_connection"]),
                 connection_lifetime_s=float(fd["connection_lifetime_s"]), alb_rules=int(fd["alb_rules"]),
                 internet_facing=fd["scheme"] == "internet_facing", availability_zones=int(net["availability_zones"]))
    free = bool(sc.lambda_.get("api_gateway_free_tier", False))

    def fd_usd(kind: str, lam: bool) -> float:
        return front_door_bill(kind, cmp.rate_rps, cmp.step_s, api_gateway_free_tier=free and lam, **fd_kw).total_usd

    lam_now, con_now = fd_usd(setup.lambda_front_door, True), fd_usd(setup.container_front_door, False)
    shared = {("alb_lambda", "alb"): "alb", ("api_gateway_http", "api_gateway_http_vpc_link"): "api_gateway_http",
              ("api_gateway_rest", "api_gateway_rest_vpc_link"): "api_gateway_rest",
              ("function_url", "alb"): "function_url", ("none", "none"): "none"}
    usual_lam = "alb_lambda" if sc.lambda_["front_door"] == "alb" else sc.lambda_["front_door"]
    containers = [o for o in cmp.options if o != "lambda"]
    overload = cmp.table["overload_minutes"]
    rows = []
    for lk in LAMBDA_FRONT_DOORS:
        lam_usd = option_usd(cmp.table, "lambda") - lam_now + fd_usd(lk, True)
        for ck in CONTAINER_FRONT_DOORS:
            same = (lk, ck) == ("alb_lambda", "alb") or ck.removesuffix("_vpc_link") == lk
            row: dict[str, Any] = {"lambda_front_door": lk, "container_front_door": ck, "like_for_like": same,
                                   "front_door_kind": shared.get((lk, ck), "usual" if (lk, ck) == (
                                       usual_lam, sc.containers["front_door"]) else ""),
                                   "scenario": (lk, ck) == (setup.lambda_front_door, setup.container_front_door),
                                   "lambda_usd": round(lam_usd, 2)}
            cont = {}
            for o in containers:
                cont[o] = round(option_usd(cmp.table, o) - con_now + fd_usd(ck, False), 2)
                row[f"{o}_usd"] = cont[o]
            ok = [o for o in containers if overload[o] <= 0] or containers
            best = min(ok, key=lambda o: cont[o])
            row["cheapest_container"] = best
            row["ratio"] = lam_usd / cont[best] if cont[best] > 0 else float("inf")
            rows.append(row)
    return pd.DataFrame(rows)
