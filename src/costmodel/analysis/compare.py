"""Lambda vs Fargate vs EC2 on the same month of traffic.

:func:`compare` takes a scenario (file, dict or :class:`~costmodel.scenario.load.Scenario`),
builds its traffic, runs

* Lambda on the series (:func:`costmodel.models.lambda_traffic.lambda_on_traffic`) plus its front
  door (API Gateway HTTP/REST, ALB with Lambda targets, function URL or none);
* Fargate target tracking (:func:`costmodel.models.autoscaling.simulate_scaling`) priced on-demand,
  Spot and with a Savings Plan, behind an ALB;
* the EC2 Auto Scaling equivalent (instances with ``tasks_per_instance`` tasks packed on
  each, instance boot time) priced on-demand and with a Savings Plan, behind an ALB;

and prices everything with the bills (:mod:`costmodel.models.bills`). The same glue (logs,
NAT, data transfer out) is added to every option.

A month is 30 days (720 h): a shorter series is repeated to 30 days and a longer one is cut
to its first 30 days (``Comparison.notes`` says so). AWS's calculator uses 730 h; the
difference (1.4 %) only affects always-on capacity.

ALB LCUs are computed hourly assuming one new connection per request, each active for
under a minute, one rule evaluation per request, and ``glue.payload_kb`` processed per
request (see :func:`costmodel.models.bills.alb_lcu`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel._validate import check_non_negative
from costmodel.errors import ScenarioError
from costmodel.models.autoscaling import ScalingPolicy, ScalingResult, simulate_scaling, task_capacity_rps
from costmodel.models.bills import (
    Bill,
    alb_bill,
    api_gateway_bill,
    data_transfer_bill,
    ec2_bill,
    fargate_bill,
    function_url_bill,
    logs_bill,
    nat_bill,
)
from costmodel.models.coldstart.simulator import arrivals_for_traffic
from costmodel.models.lambda_traffic import LambdaTrafficResult, lambda_on_traffic
from costmodel.models.pricing import Prices
from costmodel.models.traffic import (
    DEFAULT_START,
    SECONDS_PER_DAY,
    TrafficSignals,
    check_rate,
    from_series,
    tile_to_horizon,
    traffic_signals,
)
from costmodel.scenario.load import Scenario, load_scenario

__all__ = ["OPTIONS", "MONTH_DAYS", "Comparison", "compare", "option_bills", "front_door_bill", "glue_bill",
           "scaling_policies"]

OPTIONS = ("lambda", "fargate_on_demand", "fargate_spot", "fargate_savings_plan", "ec2_on_demand", "ec2_savings_plan")
MONTH_DAYS = 30.0
_COLUMNS = ["monthly_usd", "usd_per_million_requests", "utilisation", "overload_minutes", "peak_units", "platform"]


def _hourly(rate_rps: np.ndarray, step_s: float) -> np.ndarray:
    """Mean rate per hour [req/s] (steps dividing an hour; the last partial hour dropped)."""
    per_h = max(1, int(round(3600.0 / step_s)))
    n = rate_rps.size - rate_rps.size % per_h
    if n == 0:
        return np.array([rate_rps.mean()])
    return rate_rps[:n].reshape(-1, per_h).mean(axis=1)


def front_door_bill(kind: str, rate_rps: Any, step_s: float, *, payload_kb: float = 4.0,
                    api_gateway_free_tier: bool = False, prices: Prices | None = None) -> Bill:
    """The month's front-door bill for a traffic series.

    Parameters
    ----------
    kind : {"api_gateway_rest", "api_gateway_http", "alb", "alb_lambda", "function_url", "none"}
        ``alb_lambda`` is an ALB with Lambda targets (0.4 GB/h per LCU).
    rate_rps : array_like
        Request rate per step [req/s].
    step_s : float
        Step [s].
    payload_kb : float
        Request size [KB] (HTTP API metering, ALB processed bytes).
    api_gateway_free_tier : bool
        API Gateway's 12-month free tier.
    prices : Prices, optional
    """
    rate = check_rate(rate_rps)
    requests = float(rate.sum() * step_s)
    if kind == "none":
        return Bill(())
    if kind in ("api_gateway_http", "api_gateway_rest"):
        return api_gateway_bill(requests, api=kind.rsplit("_", 1)[1], payload_kb=payload_kb,
                                free_tier=api_gateway_free_tier, prices=prices)
    if kind == "function_url":
        return function_url_bill(requests, prices=prices)
    if kind in ("alb", "alb_lambda"):
        hourly = _hourly(rate, step_s)
        hours = rate.size * step_s / 3600.0
        return alb_bill(hours, new_connections_per_s=hourly, active_connections_per_min=hourly * 60.0,
                        processed_gb_per_h=hourly * 3600.0 * payload_kb / (1024.0 * 1024.0),
                        rule_evaluations_per_s=hourly, lambda_targets=kind == "alb_lambda", prices=prices)
    raise ScenarioError(f"front door {kind!r} is not allowed: expected api_gateway_rest, api_gateway_http, alb, "
                        "function_url or none")


def glue_bill(requests: float, glue: dict, *, prices: Prices | None = None) -> Bill:
    """Logs, NAT and data transfer out for a month; the same for every option.

    Parameters
    ----------
    requests : float
        Requests in the month.
    glue : dict
        ``log_kb_per_request`` [KB], ``nat_gb_per_month`` [GB] (a NAT gateway is billed for
        the month when > 0), ``data_out_gb_per_month`` [GB].
    """
    check_non_negative("requests", requests)
    bill = Bill(())
    log_gb = requests * float(glue.get("log_kb_per_request", 0)) / (1024.0 * 1024.0)
    if log_gb > 0:
        bill = bill + logs_bill(log_gb, prices=prices)
    nat_gb = float(glue.get("nat_gb_per_month", 0))
    if nat_gb > 0:
        bill = bill + nat_bill(MONTH_DAYS * 24.0, nat_gb, prices=prices)
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
        Itemised bill of each option (compute + front door + glue).
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
    """

    scenario_name: str
    table: pd.DataFrame
    bills: dict
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
    notes: tuple = ()
    arrivals: str = "poisson"

    @property
    def cheapest(self) -> str:
        """Cheapest option that is never overloaded (the cheapest overall if all are)."""
        t = self.table
        ok = t[t["overload_minutes"] <= 0]
        return str((ok if len(ok) else t)["monthly_usd"].idxmin())

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (what ``costmodel compare --json`` prints)."""
        rows = []
        for opt, row in self.table.iterrows():
            rows.append({"option": opt, **{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()},
                         "bill": self.bills[opt].to_dict()})
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
        lines.append("")
        header = f"{'option':<22}{'USD/month':>12}{'USD/M req':>12}{'util.':>8}{'overload min':>14}{'peak':>8}"
        lines += [header, "-" * len(header)]
        for opt, r in self.table.iterrows():
            lines.append(f"{opt:<22}{r.monthly_usd:>12,.2f}{r.usd_per_million_requests:>12,.2f}"
                         f"{r.utilisation:>8.0%}{r.overload_minutes:>14,.1f}{int(r.peak_units):>8}")
        lines.append("-" * len(header))
        lines.append(f"Cheapest without overload: {self.cheapest}")
        lam = self.lambda_result
        if lam.throttled:
            lines.append(f"WARNING: Lambda needs up to {lam.peak_concurrency:,.0f} concurrent executions, above the "
                         f"limit of {lam.concurrency_limit:,}: {lam.throttled_requests:,.0f} requests throttled.")
        lines += [f"Note: {n}" for n in self.notes]
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
        for opt in OPTIONS:
            total = float(self.table.loc[opt, "monthly_usd"])
            s = req_share if opt == "lambda" else (far_share if opt.startswith("fargate") else ec2_share)
            out[opt] = total * s
        idx = pd.date_range(self.start, periods=n_days, freq="D") if self.start is not None else range(n_days)
        return pd.DataFrame(out, index=idx)

    def figures(self) -> dict[str, Any]:
        """Plotly figures: ``cost_over_time``, ``cumulative_cost``, ``capacity_vs_demand``."""
        import plotly.graph_objects as go

        daily = self.daily_usd()
        fig_cost = go.Figure([go.Scatter(x=daily.index, y=daily[c], name=c, mode="lines") for c in daily.columns])
        fig_cost.update_layout(title=f"Cost per day: {self.scenario_name}", xaxis_title="day", yaxis_title="USD per day")
        cum = daily.cumsum()
        fig_cum = go.Figure([go.Scatter(x=cum.index, y=cum[c], name=c, mode="lines") for c in cum.columns])
        fig_cum.update_layout(title="Cumulative cost over the month", xaxis_title="day", yaxis_title="USD")

        # capacity vs demand, reduced to at most ~4,000 points (max of demand per bucket)
        k = max(1, int(math.ceil(self.rate_rps.size / 4000)))
        m = self.rate_rps.size - self.rate_rps.size % k

        def red(x: np.ndarray, how: str = "mean") -> np.ndarray:
            x = np.asarray(x[:m], dtype=float).reshape(-1, k)
            return x.max(axis=1) if how == "max" else x.min(axis=1) if how == "min" else x.mean(axis=1)

        t = pd.date_range(self.start, periods=m // k, freq=pd.Timedelta(seconds=self.step_s * k)) \
            if self.start is not None else np.arange(m // k)
        lam = self.lambda_result
        lam_cap = lam.concurrency_limit / max(lam.billed_duration_ms / 1000.0, 1e-9)
        fig_cap = go.Figure([
            go.Scatter(x=t, y=red(self.rate_rps, "max"), name="demand (max per point)", mode="lines"),
            go.Scatter(x=t, y=red(self.fargate.capacity_rps, "min"), name="Fargate ready capacity", mode="lines",
                       line_shape="hv"),
            go.Scatter(x=t, y=red(self.ec2.capacity_rps, "min"), name="EC2 ready capacity", mode="lines",
                       line_shape="hv"),
            go.Scatter(x=[t[0], t[-1]], y=[lam_cap, lam_cap], name="Lambda concurrency limit as req/s",
                       mode="lines", line_dash="dot"),
        ])
        fig_cap.update_layout(title="Capacity vs demand (100 % CPU capacity)", xaxis_title="time",
                              yaxis_title="requests per second")
        return {"cost_over_time": fig_cost, "cumulative_cost": fig_cum, "capacity_vs_demand": fig_cap}


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
    spec = prices.instance_type(ec2["instance_type"])
    per_inst = int(ec2["tasks_per_instance"])
    if per_inst * float(far["vcpu"]) > float(spec["vcpu"]) + 1e-9:
        raise ScenarioError(f"containers.ec2.tasks_per_instance={per_inst} x {far['vcpu']} vCPU does not fit on "
                            f"{ec2['instance_type']} ({spec['vcpu']} vCPU)")
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
    n_month = int(round(MONTH_DAYS * SECONDS_PER_DAY / step_s))
    if rate.size == n_month:
        return rate, []
    days = rate.size * step_s / SECONDS_PER_DAY
    if rate.size < n_month:
        return tile_to_horizon(rate, step_s, MONTH_DAYS), [f"the {days:g}-day series was repeated to fill 30 days"]
    return rate[:n_month], [f"the {days:g}-day series was cut to its first 30 days"]



def option_bills(sc: Scenario, rate: np.ndarray, step_s: float, fargate_task_s: float, ec2_instance_h: float, *,
                 work: Any = None, prices: Prices | None = None, cold_starts: Any = "model",
                 **lambda_kwargs: Any) -> tuple[dict[str, Bill], LambdaTrafficResult]:
    """The month's bill of every option in :data:`OPTIONS` for one rate series.

    The one place where a scenario's options are priced: :func:`compare`,
    :func:`costmodel.analysis.breakeven.option_costs` and :func:`costmodel.analysis.breakeven.monte_carlo`
    all call it. Lambda is billed from the traffic (with its front door); the containers
    from the fleet usage an autoscaling simulation produced; every option carries the same
    glue (queues, tables, logs, NAT, transfer) and the containers their own front door.

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
    work : costmodel.models.workload.Work, optional
        Per-request work (default: the scenario's).
    prices : costmodel.models.pricing.Prices, optional
    cold_starts : "model" or number
        Passed to :func:`costmodel.models.lambda_traffic.lambda_on_traffic`.
    **lambda_kwargs
        Further keywords for :func:`lambda_on_traffic` (``start``, ``arrivals``).

    Returns
    -------
    (dict of option name -> Bill, LambdaTrafficResult)
    """
    work = sc.work if work is None else work
    prices = sc.prices() if prices is None else prices
    lam_cfg, far, ec2, glue = sc.lambda_, sc.containers["fargate"], sc.containers["ec2"], sc.glue
    requests = float(rate.sum() * step_s)
    pc = lam_cfg["provisioned_concurrency"]
    lam = lambda_on_traffic(
        rate, step_s, work, free_tier=bool(lam_cfg["free_tier"]), keep_alive_s=float(lam_cfg["keep_alive_s"]),
        init_duration_ms=float(lam_cfg["init_duration_ms"]), cold_starts=cold_starts,
        provisioned_concurrency=int(pc["count"]), pc_schedule=pc["schedule"], timezone=pc.get("timezone", "UTC"),
        concurrency_limit=int(lam_cfg["concurrency_limit"]), reserved_concurrency=lam_cfg.get("reserved_concurrency"),
        ephemeral_storage_mb=float(lam_cfg["ephemeral_storage_mb"]), prices=prices, **lambda_kwargs,
    )
    fd = lam_cfg["front_door"]
    lam_fd = front_door_bill("alb_lambda" if fd == "alb" else fd, rate, step_s, payload_kb=float(glue["payload_kb"]),
                             api_gateway_free_tier=bool(lam_cfg.get("api_gateway_free_tier", False)), prices=prices)
    glue_b = glue_bill(requests, glue, prices=prices)
    bills: dict[str, Bill] = {"lambda": lam.bill + lam_fd + glue_b}
    arch = far.get("architecture") or work.architecture
    c_fd = front_door_bill(sc.containers["front_door"], rate, step_s, payload_kb=float(glue["payload_kb"]),
                           prices=prices)
    for purchase in ("on_demand", "spot", "savings_plan"):
        b = fargate_bill(float(far["vcpu"]), float(far["memory_gb"]), fargate_task_s, architecture=arch,
                         purchase=purchase, prices=prices)
        bills[f"fargate_{purchase}"] = b + c_fd + glue_b
    # EC2: instances packing tasks_per_instance tasks of the Fargate task size
    for purchase in ("on_demand", "savings_plan"):
        bills[f"ec2_{purchase}"] = ec2_bill(ec2["instance_type"], ec2_instance_h, purchase=purchase,
                                            prices=prices) + c_fd + glue_b
    return bills, lam

def compare(scenario: str | Path | dict | Scenario | None = None, *, rate_rps: Any = None, step_s: float | None = None,
            prices: Prices | None = None, cold_starts: Any = "model") -> Comparison:
    """Compare Lambda, Fargate and EC2 on one month of a scenario's traffic.

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


def _compare(sc: Scenario, rate_rps: Any, step_s: float | None, prices: Prices, cold_starts: Any) -> Comparison:
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


    arrivals = (arrivals_for_traffic(sc.traffic, rate, step, work.duration.mean_ms / 1000.0)
                if rate_rps is None else "poisson")
    far_policy, ec2_policy = scaling_policies(sc, prices)
    fres = simulate_scaling(rate, step, far_policy)
    eres = simulate_scaling(rate, step, ec2_policy)
    bills, lam = option_bills(sc, rate, step, fres.unit_seconds, eres.unit_hours, work=work, prices=prices,
                              cold_starts=cold_starts, start=start, arrivals=arrivals)
    cap_task, per_inst = far_policy.capacity_rps, ec2_policy.capacity_rps / far_policy.capacity_rps

    lam_util = 1.0
    if lam.provisioned_mask is not None and pc["count"] and lam.provisioned_mask.any():
        used = lam.concurrency[lam.provisioned_mask]
        idle = np.maximum(pc["count"] - used, 0.0).sum() * step
        busy = lam.concurrency.sum() * step
        lam_util = busy / (busy + idle) if busy + idle > 0 else 0.0
    rows = {}
    for opt in OPTIONS:
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
    if lam.throttled:
        notes.append(f"Lambda concurrency exceeds the limit of {lam.concurrency_limit} in {lam.throttled_steps} steps")
    return Comparison(
        scenario_name=sc.name, table=table, bills=bills, requests=requests, lambda_result=lam, fargate=fres, ec2=eres,
        rate_rps=rate, step_s=step, start=pd.Timestamp(start), signals=traffic_signals(rate, step,
                                                                                    keep_alive_s=float(lam_cfg["keep_alive_s"])),
        fargate_capacity_rps=cap_task, ec2_capacity_rps=cap_task * per_inst, notes=tuple(notes),
        arrivals=arrivals,
    )
