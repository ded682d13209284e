"""The assumptions a comparison rests on, their plausible ranges, and what each does to the bill.

A comparison takes more than traffic: which front door fronts the service, which CPU
architecture it runs on, what a Savings Plan or Spot really saves, how long clients keep a
connection to the ALB, how long Lambda's INIT takes, how much the service logs, how much
leaves through the NAT gateway, how fast traffic grows. :func:`assumptions` lists those a
scenario depends on, each with its current value and a plausible range
(:data:`ASSUMPTION_RANGES`); :func:`assumption_variant` builds the scenario with one of them
changed; :func:`assumption_costs` prices every option of that variant; :func:`assumption_tornado`
is the tornado over assumptions, next to :func:`costmodel.analysis.breakeven.tornado` over
traffic and work. ``costmodel.decision`` uses the same functions to find the value at which
an assumption flips the verdict.

Only the growth assumption changes the demand the fleets see, so only it re-runs the
autoscaling simulation; the others re-price the comparison's own fleet usage with
:func:`costmodel.analysis.compare.option_bills` (and reuse its Lambda result when Lambda's
compute does not change), which keeps a full sweep to a few seconds.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from costmodel._validate import check_choice
from costmodel.analysis.compare import Comparison, ScenarioSource, compare, option_bills, option_setup, option_usd
from costmodel.errors import InvalidParameterError
from costmodel.scenario.load import Scenario, load_scenario

__all__ = [
    "ASSUMPTION_NAMES",
    "ASSUMPTION_RANGES",
    "Assumption",
    "assumption_costs",
    "assumption_tornado",
    "assumption_variant",
    "assumptions",
    "bisect_flip",
]

#: Every assumption this module knows, in the order reports list them.
ASSUMPTION_NAMES = ("front_door", "architecture", "fargate_savings_plan_discount", "ec2_savings_plan_discount",
                    "spot_discount", "requests_per_connection", "init_duration_ms", "log_kb_per_request",
                    "nat_gb_per_month", "nat_gateways", "growth")

#: Plausible range of each continuous assumption and where it comes from. ``("x", a, b)``:
#: a and b times the scenario's value; ``("abs", a, b)``: the values themselves.
ASSUMPTION_RANGES: dict[str, tuple[str, float, float, str]] = {
    "fargate_savings_plan_discount": ("abs", 0.0, 0.50, "no commitment to AWS's 'up to 50%' (3-year Compute "
                                      "Savings Plan on Fargate)"),
    "ec2_savings_plan_discount": ("abs", 0.0, 0.66, "no commitment to AWS's 'up to 66%' (3-year Compute Savings "
                                  "Plan on EC2)"),
    "spot_discount": ("abs", 0.50, 0.70, "the 50-70% range third-party Spot tables report; 70% is AWS's "
                      "'up to' ceiling"),
    "requests_per_connection": ("abs", 1.0, 1000.0, "a new connection per request (no keep-alive) to a pooled "
                                "client that reuses a connection for 1,000 requests"),
    "init_duration_ms": ("x", 0.5, 4.0, "half to four times the declared INIT (runtime floors of 40-300 ms, "
                         "frameworks of several seconds)"),
    "log_kb_per_request": ("x", 0.25, 4.0, "a quarter to four times the declared application log volume"),
    "nat_gb_per_month": ("abs", 0.0, float("nan"), "no outbound internet traffic to one outbound call per "
                         "request carrying glue.payload_kb (or four times the declared volume)"),
    "growth": ("abs", 1.0, 1.5, "flat to +50% over the month (month-to-month growth)"),
}

_LABELS = {
    "front_door": "front door",
    "architecture": "CPU architecture (every option)",
    "fargate_savings_plan_discount": "Fargate Savings Plan discount",
    "ec2_savings_plan_discount": "EC2 Savings Plan discount",
    "spot_discount": "Fargate Spot discount",
    "requests_per_connection": "ALB requests per client connection (keep-alive)",
    "init_duration_ms": "Lambda INIT duration",
    "log_kb_per_request": "application log volume per request",
    "nat_gb_per_month": "outbound internet traffic through the NAT gateway",
    "nat_gateways": "NAT gateways (0 = an existing shared one)",
    "growth": "traffic growth over the month",
}
_UNITS = {"fargate_savings_plan_discount": "fraction", "ec2_savings_plan_discount": "fraction",
          "spot_discount": "fraction", "requests_per_connection": "requests", "init_duration_ms": "ms",
          "log_kb_per_request": "KB", "nat_gb_per_month": "GB/month", "nat_gateways": "gateways",
          "growth": "end-of-month factor"}
#: Assumptions that change Lambda's own compute bill (its result cannot be reused).
_LAMBDA_COMPUTE = {"architecture", "init_duration_ms", "growth"}
_PRICE_KEYS = {"fargate_savings_plan_discount": "fargate.savings_plan_discount",
               "ec2_savings_plan_discount": "ec2.savings_plan_discount", "spot_discount": "fargate.spot_discount"}


@dataclass(frozen=True)
class Assumption:
    """One assumption of a scenario's comparison.

    Attributes
    ----------
    name : str
        One of :data:`ASSUMPTION_NAMES`.
    label : str
        In words.
    kind : str
        ``"choice"`` (``values`` are the alternatives) or ``"range"`` (``values`` is
        ``(low, high)``).
    current : Any
        The scenario's value.
    values : tuple
    unit : str
    why : str
        Where the choices or the range come from.
    scale : str
        ``"log"`` or ``"linear"``: how a range is searched.
    """

    name: str
    label: str
    kind: str
    current: Any
    values: tuple
    unit: str = ""
    why: str = ""
    scale: str = "linear"

    def describe(self, value: str | float) -> str:
        """``value`` in words with its unit (``"25%"``, ``"400 ms"``, ``"arm64"``)."""
        if self.kind == "choice":
            return str(value)
        if self.unit == "fraction":
            return f"{100 * float(value):.0f}%"
        if self.name == "growth":
            return f"+{100 * (float(value) - 1):.0f}%"
        v = float(value)
        return f"{v:,.3g} {self.unit}" if v < 1000 else f"{v:,.0f} {self.unit}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "kind": self.kind, "current": self.current,
                "values": list(self.values), "unit": self.unit, "why": self.why}


def _http(sc: Scenario, cmp: Comparison | None) -> bool:
    setup = cmp.setup if cmp is not None and cmp.setup is not None else option_setup(sc)
    return setup.front_door_kind != "none"


def assumptions(scenario: ScenarioSource = None, *, comparison: Comparison | None = None) -> tuple[Assumption, ...]:
    """The assumptions a scenario's comparison depends on, with current values and ranges.

    Front door (when the service has one), architecture, Savings Plan discounts, the Spot
    discount (when Spot is offered), ALB connection reuse (when an ALB fronts a side), Lambda's
    INIT duration, the application's log volume, outbound traffic through the NAT gateway and
    the number of NAT gateways (when containers sit in private subnets behind one), traffic
    growth over the month.
    """
    sc = load_scenario(scenario)
    cmp = comparison if comparison is not None else compare(sc)
    setup = cmp.setup if cmp.setup is not None else option_setup(sc)
    prices = sc.prices()
    out: list[Assumption] = []
    if _http(sc, cmp):
        kinds = ("alb", "api_gateway_http", "api_gateway_rest", "function_url", "usual")
        cur = setup.front_door_kind
        out.append(Assumption("front_door", _LABELS["front_door"], "choice", cur, tuple(k for k in kinds if k != cur),
                              why="each front door on both sides, or each side its usual one"))
    arch = sc.work.architecture
    out.append(Assumption("architecture", _LABELS["architecture"], "choice", arch,
                          tuple(a for a in ("x86_64", "arm64") if a != arch),
                          why="Graviton (arm64) or x86_64 for Lambda, Fargate and EC2 alike"))
    for name in ("fargate_savings_plan_discount", "ec2_savings_plan_discount", "spot_discount"):
        if name == "spot_discount" and "fargate_spot" not in setup.options:
            continue
        _, lo, hi, why = ASSUMPTION_RANGES[name]
        out.append(Assumption(name, _LABELS[name], "range", prices.value(_PRICE_KEYS[name]), (lo, hi),
                              _UNITS[name], why))
    if "alb" in setup.lambda_front_door + setup.container_front_door:
        _, lo, hi, why = ASSUMPTION_RANGES["requests_per_connection"]
        out.append(Assumption("requests_per_connection", _LABELS["requests_per_connection"], "range",
                              float(sc.front_door["requests_per_connection"]), (lo, hi), "requests", why, "log"))
    init = float(sc.lambda_["init_duration_ms"])
    _, a, b, why = ASSUMPTION_RANGES["init_duration_ms"]
    lo_hi = (init * a, init * b) if init > 0 else (0.0, 1000.0)
    out.append(Assumption("init_duration_ms", _LABELS["init_duration_ms"], "range", init, lo_hi, "ms", why,
                          "log" if init > 0 else "linear"))
    logs = float(sc.glue.get("log_kb_per_request", 0))
    if logs > 0:
        _, a, b, why = ASSUMPTION_RANGES["log_kb_per_request"]
        out.append(Assumption("log_kb_per_request", _LABELS["log_kb_per_request"], "range", logs, (logs * a, logs * b),
                              "KB", why, "log"))
    net = sc.network
    behind_nat = net["containers_subnets"] == "private" and net["egress"] == "nat_gateway"
    if behind_nat or net["lambda_in_vpc"]:
        nat = float(sc.glue.get("nat_gb_per_month", 0))
        one_call = cmp.requests * float(sc.glue["payload_kb"]) / (1024.0 * 1024.0)
        _, lo, _, why = ASSUMPTION_RANGES["nat_gb_per_month"]
        hi = max(4.0 * nat, one_call)
        if hi > lo:
            out.append(Assumption("nat_gb_per_month", _LABELS["nat_gb_per_month"], "range", nat, (lo, hi),
                                  "GB/month", why))
    if behind_nat:
        gateways = int(net["nat_gateways"])
        choices = tuple(sorted({0, 1, int(net["availability_zones"])} - {gateways}))
        out.append(Assumption("nat_gateways", _LABELS["nat_gateways"], "choice", gateways, choices, "gateways",
                              "an existing shared gateway (data processing only), one, or one per AZ"))
    growth = sc.traffic.get("growth") or {}
    _, lo, hi, why = ASSUMPTION_RANGES["growth"]
    out.append(Assumption("growth", _LABELS["growth"], "range", float(growth.get("end_factor", 1.0)), (lo, hi),
                          "end-of-month factor", why))
    return tuple(out)


def assumption_variant(scenario: ScenarioSource, name: str, value: str | float) -> Scenario:
    """The scenario with one assumption set to ``value`` (a new, separately memoised scenario)."""
    check_choice("name", name, ASSUMPTION_NAMES)
    sc = load_scenario(scenario)
    raw = copy.deepcopy(sc.raw)

    def block(key: str) -> dict[str, Any]:
        node = raw.get(key)
        if not isinstance(node, dict):
            node = raw[key] = {}
        return node

    if name == "front_door":
        block("front_door")["kind"] = value
    elif name == "architecture":
        block("work")["architecture"] = value
    elif name in _PRICE_KEYS:
        block("price_overrides")[_PRICE_KEYS[name]] = float(value)
    elif name == "requests_per_connection":
        block("front_door")["requests_per_connection"] = float(value)
    elif name == "init_duration_ms":
        block("lambda")["init_duration_ms"] = float(value)
    elif name in ("log_kb_per_request", "nat_gb_per_month"):
        block("glue")[name] = float(value)
    elif name == "nat_gateways":
        block("network")["nat_gateways"] = int(value)
    else:  # growth
        traffic = block("traffic")
        kind = (traffic.get("growth") or {}).get("kind", "linear")
        if float(value) == 1.0:
            traffic.pop("growth", None)
        else:
            traffic["growth"] = {"end_factor": float(value), "kind": kind}
    return load_scenario(raw, base_dir=sc.base_dir)


def assumption_costs(scenario: ScenarioSource, name: str, value: str | float, *, comparison: Comparison | None = None
                     ) -> pd.DataFrame:
    """Every option's monthly cost [USD] and overload [min] with one assumption changed.

    Parameters
    ----------
    scenario : path, dict or Scenario
    name : str
        One of :data:`ASSUMPTION_NAMES`.
    value : Any
        The assumption's value.
    comparison : Comparison, optional
        The scenario's own comparison (default :func:`compare`): its fleets are re-priced
        unless the assumption changes the demand (growth).

    Returns
    -------
    pandas.DataFrame
        Index: the variant's options; columns ``monthly_usd`` and ``overload_minutes``.
    """
    sc = load_scenario(scenario)
    base = comparison if comparison is not None else compare(sc)
    var = assumption_variant(sc, name, value)
    if name == "growth":
        return compare(var).table[["monthly_usd", "overload_minutes"]].copy()
    prices = var.prices()
    setup = option_setup(var, prices=prices)
    lam = None if name in _LAMBDA_COMPUTE else base.lambda_result
    bills, _ = option_bills(var, base.rate_rps, base.step_s, base.fargate.unit_seconds, base.ec2.unit_hours,
                            fargate_launches=base.fargate.launches, ec2_launches=base.ec2.launches, prices=prices,
                            setup=setup, lambda_result=lam, start=base.start, arrivals=base.arrivals)
    over = base.table["overload_minutes"]

    def overload(o: str) -> float:  # the fleets are the comparison's; Spot shares Fargate's
        return float(over[o] if o in over.index else over["fargate_on_demand"] if o.startswith("fargate") else 0.0)

    rows = {o: {"monthly_usd": b.total_usd, "overload_minutes": overload(o)} for o, b in bills.items()}
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "option"
    return df


def assumption_tornado(scenario: ScenarioSource = None, *, option: str | None = None,
                       comparison: Comparison | None = None) -> pd.DataFrame:
    """Each assumption's effect on Lambda's monthly cost minus ``option``'s [USD].

    Every assumption of :func:`assumptions` is set to each end of its plausible range (each
    alternative, for a choice) in turn, the others held at the scenario's values: the
    tornado over assumptions, next to :func:`costmodel.analysis.breakeven.tornado` over
    traffic and work.

    Parameters
    ----------
    scenario : path, dict, Scenario or None
    option : str, optional
        Container option compared with Lambda (default: the comparison's cheapest container
        option never overloaded).
    comparison : Comparison, optional

    Returns
    -------
    pandas.DataFrame
        Columns ``input``, ``low_value``, ``high_value`` (the values in words), ``low_usd``,
        ``high_usd``, ``swing_usd``, sorted by swing; ``attrs["baseline_usd"]`` and
        ``attrs["option"]``; positive = Lambda dearer. For a choice, ``low``/``high`` are the
        values (the scenario's own included) giving the smallest and largest difference. An alternative in which
        ``option`` is not offered (Spot on arm64) is skipped.
    """
    sc = load_scenario(scenario)
    cmp = comparison if comparison is not None else compare(sc)
    option = option if option is not None else cmp.cheapest_container()
    if option not in cmp.options or option == "lambda":
        raise InvalidParameterError("option", option, "a container option of the comparison: "
                                    + ", ".join(o for o in cmp.options if o != "lambda"))
    t = cmp.table
    base = option_usd(t, "lambda") - option_usd(t, option)
    rows = []
    for a in assumptions(sc, comparison=cmp):
        results = []
        for v in a.values:
            costs = assumption_costs(sc, a.name, v, comparison=cmp)
            if option not in costs.index:
                continue
            gap = option_usd(costs, "lambda") - option_usd(costs, option)
            results.append((a.describe(v), gap))
        if not results:
            continue
        if a.kind == "choice":  # the scenario's own value is one of the choices
            results.append((a.describe(a.current), base))
            (lo_v, lo_d), (hi_v, hi_d) = min(results, key=lambda r: r[1]), max(results, key=lambda r: r[1])
        else:
            (lo_v, lo_d), (hi_v, hi_d) = results[0], results[-1]
        rows.append({"input": f"{a.label} (now {a.describe(a.current)})", "low_value": lo_v, "high_value": hi_v,
                     "low_usd": lo_d, "high_usd": hi_d, "swing_usd": abs(hi_d - lo_d)})
    df = pd.DataFrame(rows, columns=["input", "low_value", "high_value", "low_usd", "high_usd", "swing_usd"])
    df = df.sort_values("swing_usd", ascending=False, ignore_index=True)
    df.attrs["baseline_usd"] = base
    df.attrs["option"] = option
    return df


def bisect_flip(f: Callable[..., bool], inside: float, outside: float, *, scale: str = "linear", iterations: int = 7) -> float:
    """The value between ``inside`` (where ``f`` is False) and ``outside`` (True) where ``f``
    turns True, to ``iterations`` halvings (in log space for ``scale="log"``)."""
    lo, hi = float(inside), float(outside)
    use_log = scale == "log" and lo > 0 and hi > 0
    for _ in range(iterations):
        mid = math.sqrt(lo * hi) if use_log else 0.5 * (lo + hi)
        if f(mid):
            hi = mid
        else:
            lo = mid
    return float(hi)

