"""Break-even and uncertainty: where Lambda and containers cost the same, and how sure we are.

* :func:`option_costs` prices a traffic *shape* at many mean rates at once: the container
  fleets of all rates run together in :func:`costmodel.models.autoscaling.simulate_scaling_batch`
  (vectorised across scenarios); Lambda, front doors and glue use the bills of
  :mod:`costmodel.models.bills` through :mod:`costmodel.analysis.compare`.
* :func:`breakeven_mean_rps` finds, per container option, the mean rate at which it costs
  the same as Lambda for the scenario's shape (a log-spaced grid, then a finer grid in the
  bracket where the difference changes sign; container cost is a step function of the rate,
  so the answer is good to the finer grid's spacing, about 1 %).
* :func:`breakeven_curve` repeats that while varying the peak-to-mean ratio, the mean
  duration or the memory size; :func:`tornado` shows each input's effect on the monthly cost
  difference; :func:`monte_carlo` samples uncertain inputs (traffic level, duration, growth)
  with a seed and returns the probability that Lambda is cheaper and cost percentiles.

Cold starts: these functions default to ``cold_starts=0`` (no INIT charge) for speed;
AWS puts INITs under 1 % of invocations, so this moves Lambda's cost by well under 1 %
at the rates where break-even happens. Pass ``cold_starts="model"`` to include them.
Containers are simulated at the metric period (1 minute by default): a shape with shorter
steps is averaged to it. The fleets' billed unit-seconds are memoised per (shape, step,
policies, mean rate) for the life of the process (:func:`_fleet_unit_seconds`), so the
break-even grid, the decision's flip search on the same grid and repeated calls from a
notebook or the explorer simulate each rate once; the numbers are those of a fresh run
(each scenario of a batch is independent and unit-seconds are sums of whole units).
"""
from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt
import pandas as pd

from costmodel._validate import check_choice, check_int, check_positive
from costmodel.analysis.compare import (
    CONTAINER_OPTIONS,
    MONTH_DAYS,
    ColdStarts,
    ScenarioSource,
    _month,
    compare,
    option_bills,
    option_setup,
    option_usd,
    scaling_policies,
)
from costmodel.errors import InvalidParameterError
from costmodel.models.autoscaling import ScalingPolicy, simulate_scaling_batch
from costmodel.models.pricing import Prices
from costmodel.models.traffic import bursty, check_rate, resample
from costmodel.models.workload import Work
from costmodel.progress import bar
from costmodel.scenario.load import Scenario, load_scenario
from costmodel.scenario.service_level import scaling_schedules

__all__ = [
    "CONTAINER_OPTIONS",
    "option_costs",
    "breakeven_mean_rps",
    "peak_to_mean_shape",
    "breakeven_curve",
    "tornado",
    "MonteCarloResult",
    "monte_carlo",
]



def _shape_of(sc: Scenario, shape_rps: npt.ArrayLike | None, step_s: float | None) -> tuple[np.ndarray, float]:
    if shape_rps is None:
        rate, step, _ = sc.traffic_series()
    else:
        if step_s is None:
            raise InvalidParameterError("step_s", None, "the step [s] of shape_rps")
        rate, step = check_rate(shape_rps), float(step_s)
    rate, _ = _month(rate, step)
    period = float(sc.containers["fargate"]["metric_period_s"])
    if step < period and (period / step).is_integer():
        rate, step = resample(rate, step, period), period
    return rate, step


class _PolicyArrays(TypedDict):
    """The per-scenario policy arguments of :func:`simulate_scaling_batch`."""

    capacity_rps: npt.NDArray[np.float64]
    target_utilisation: npt.NDArray[np.float64]
    min_units: npt.NDArray[np.int64]
    max_units: npt.NDArray[np.int64]
    scale_out_cooldown_s: npt.NDArray[np.float64]
    scale_in_cooldown_s: npt.NDArray[np.float64]
    start_s: npt.NDArray[np.float64]
    scale_out_evaluation_periods: npt.NDArray[np.int64]
    scale_in_evaluation_periods: npt.NDArray[np.int64]


def _policy_pair(far_p: ScalingPolicy, ec2_p: ScalingPolicy, n: int) -> _PolicyArrays:
    """Policy arrays for ``2 * n`` batch scenarios: the first ``n`` under ``far_p``, the next under ``ec2_p``."""

    def pair(f: str) -> npt.NDArray[Any]:
        return np.concatenate([np.full(n, getattr(far_p, f)), np.full(n, getattr(ec2_p, f))])

    return _PolicyArrays(capacity_rps=pair("capacity_rps"), target_utilisation=pair("target_utilisation"),
                         min_units=pair("min_units"), max_units=pair("max_units"),
                         scale_out_cooldown_s=pair("scale_out_cooldown_s"),
                         scale_in_cooldown_s=pair("scale_in_cooldown_s"), start_s=pair("start_s"),
                         scale_out_evaluation_periods=pair("scale_out_evaluation_periods"),
                         scale_in_evaluation_periods=pair("scale_in_evaluation_periods"))


_FLEET_MEMO: OrderedDict = OrderedDict()  # (shape digest, step, policies) -> {scale: fleet usage}
_FLEET_MEMO_SHAPES = 16


def _fleet_unit_seconds(shape: np.ndarray, step: float, far_p: ScalingPolicy, ec2_p: ScalingPolicy,
                        scales: np.ndarray, progress: bool = False, schedules: tuple = (None, None)
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Billed unit-seconds [unit-s] and launches [units] of the Fargate and EC2 fleets for
    ``shape * scale`` per scale: ``(fargate_s, ec2_s, fargate_launches, ec2_launches)``.

    One :func:`simulate_scaling_batch` run for the scales not simulated before with this
    shape, step and these policies (memoised, at most ``_FLEET_MEMO_SHAPES`` shapes kept).
    """
    sched_key = tuple(None if x is None else hashlib.blake2b(np.ascontiguousarray(x, dtype=np.int64).tobytes(),
                                                              digest_size=16).hexdigest() for x in schedules)
    key = (hashlib.blake2b(np.ascontiguousarray(shape, dtype=float).tobytes(), digest_size=16).hexdigest(),
           shape.size, float(step), far_p, ec2_p, sched_key)
    memo = _FLEET_MEMO.get(key)
    if memo is None:
        memo = _FLEET_MEMO[key] = {}
        while len(_FLEET_MEMO) > _FLEET_MEMO_SHAPES:
            _FLEET_MEMO.popitem(last=False)
    else:
        _FLEET_MEMO.move_to_end(key)
    todo = np.unique(np.asarray([k for k in scales.tolist() if k not in memo], dtype=float))
    if todo.size:
        n = todo.size
        pol = _policy_pair(far_p, ec2_p, n)
        # scheduled minimums (a right-sized scenario's) stay as they are at every rate
        has = [x is not None for x in schedules]
        sched = np.stack([x for x in schedules if x is not None]) if any(has) else None
        sidx = None
        if sched is not None:
            col = {0: 0 if has[0] else -1, 1: (1 if has[0] else 0) if has[1] else -1}
            sidx = np.concatenate([np.full(n, col[0]), np.full(n, col[1])])
        batch = simulate_scaling_batch(shape, step, shape_index=np.zeros(2 * n, dtype=np.int64),
                                       scale=np.concatenate([todo, todo]), metric_period_s=far_p.metric_period_s,
                                       evaluation_delay_s=far_p.evaluation_delay_s, metric=far_p.metric,
                                       progress=progress, min_units_schedule=sched, schedule_index=sidx, **pol)
        assert batch.launches is not None  # the batch simulator always counts launches
        for i, k in enumerate(todo.tolist()):
            memo[k] = (float(batch.unit_seconds[i]), float(batch.unit_seconds[n + i]),
                       float(batch.launches[i]), float(batch.launches[n + i]))
    cols = np.array([memo[k] for k in scales.tolist()], dtype=float).reshape(-1, 4)
    return cols[:, 0], cols[:, 1], cols[:, 2], cols[:, 3]


def option_costs(scenario: ScenarioSource = None, mean_rps: npt.ArrayLike | None = None, *,
                 shape_rps: npt.ArrayLike | None = None, step_s: float | None = None,
                 work: Work | None = None, prices: Prices | None = None, cold_starts: ColdStarts = 0.0,
                 progress: bool = False) -> pd.DataFrame:
    """Monthly cost [USD] of every option for a traffic shape scaled to several mean rates.

    Parameters
    ----------
    scenario : path, dict, Scenario or None
        Supplies the shape (unless ``shape_rps``), the work and the Lambda/container setup.
    mean_rps : array_like
        Mean rates to price [req/s] (default: the shape's own mean).
    shape_rps, step_s : array_like, float, optional
        A traffic shape [req/s] and its step [s] instead of the scenario's.
    work : Work, optional
        Replaces the scenario's work (duration, CPU, memory).
    prices : Prices, optional
    cold_starts : "model" or float
        Lambda cold starts (see module notes).
    progress : bool
        Progress bar for the container simulation.

    Returns
    -------
    pandas.DataFrame
        Index ``mean_rps``, one column per option the scenario offers, in ``OPTIONS`` order
        [USD per month].
    """
    sc = load_scenario(scenario)
    own = shape_rps is None and work is None and prices is None and isinstance(cold_starts, float) \
        and cold_starts == 0.0
    prices = prices if prices is not None else sc.prices()
    work = work if work is not None else sc.work
    shape, step = _shape_of(sc, shape_rps, step_s)
    if own:  # the scenario's own shape and setup: rows computed once per scenario and rate
        rates = np.atleast_1d(np.asarray(mean_rps if mean_rps is not None else float(shape.mean()), dtype=float))
        check_positive("mean_rps", rates)
        rows: dict = sc.cached("option_cost_rows", dict)
        todo = np.unique(np.asarray([r for r in rates.tolist() if r not in rows], dtype=float))
        if todo.size:
            new = _option_costs(sc, todo, shape, step, work, prices, cold_starts, progress)
            for r, row in zip(todo.tolist(), new.to_numpy(), strict=True):
                rows[r] = row
        return pd.DataFrame([rows[r] for r in rates.tolist()], index=pd.Index(rates, name="mean_rps"),
                            columns=list(option_setup(sc, work, prices).options))
    return _option_costs(sc, mean_rps, shape, step, work, prices, cold_starts, progress)


def _option_costs(sc: Scenario, mean_rps: npt.ArrayLike | None, shape: np.ndarray, step: float, work: Work,
                  prices: Prices, cold_starts: ColdStarts, progress: bool) -> pd.DataFrame:
    base_mean = float(shape.mean())
    if base_mean <= 0:
        raise InvalidParameterError("shape_rps", "a series with no requests", "a traffic shape with a mean rate > 0")
    rates = np.atleast_1d(np.asarray(mean_rps if mean_rps is not None else base_mean, dtype=float))
    check_positive("mean_rps", rates)
    scales = rates / base_mean
    if work is not sc.work:
        sc = _with_work(sc, work)
    far_p, ec2_p = scaling_policies(sc, prices)
    setup = option_setup(sc, work, prices)
    n = scales.size
    schedules = scaling_schedules(sc, shape.size, step, sc.traffic_series()[2])   # a right-sized scenario's
    far_us, ec2_us, far_n, ec2_n = _fleet_unit_seconds(shape, step, far_p, ec2_p, scales, progress=progress,
                                                       schedules=schedules)
    out = {opt: np.zeros(n) for opt in setup.options}
    for i, k in enumerate(scales):
        # no work= here: sc carries the work, and option_bills gives Lambda its own memory (lambda_work)
        bills, _ = option_bills(sc, shape * k, step, far_us[i], ec2_us[i] / 3600.0, fargate_launches=far_n[i],
                                ec2_launches=ec2_n[i], prices=prices, cold_starts=cold_starts, setup=setup)
        for opt in setup.options:
            out[opt][i] = bills[opt].total_usd
    df = pd.DataFrame(out, index=pd.Index(rates, name="mean_rps"))
    return df[list(setup.options)]


def _with_work(sc: Scenario, work: Work) -> Scenario:
    return replace(sc, work=work)


def _crossing(rates: np.ndarray, diff: np.ndarray) -> float | None:
    """First rate where ``diff`` (Lambda - option) goes from <= 0 to > 0, linearly in log rate."""
    pos = diff > 0
    if pos.all():
        return None
    idx = np.flatnonzero(~pos[:-1] & pos[1:])
    if idx.size == 0:
        return None
    i = int(idx[0])
    d0, d1 = diff[i], diff[i + 1]
    f = 0.0 if d1 == d0 else -d0 / (d1 - d0)
    return float(math.exp(math.log(rates[i]) + f * (math.log(rates[i + 1]) - math.log(rates[i]))))


def breakeven_mean_rps(scenario: ScenarioSource = None, *, options: Collection[str] = CONTAINER_OPTIONS,
                       shape_rps: npt.ArrayLike | None = None,
                       step_s: float | None = None, work: Work | None = None, low_rps: float = 0.01,
                       high_rps: float = 1000.0, n_grid: int = 25, n_refine: int = 16,
                       prices: Prices | None = None, cold_starts: ColdStarts = 0.0,
                       prefetch_ratios: Collection[float] = ()) -> dict[str, float]:
    """Mean rate [req/s] at which Lambda costs the same as each container option.

    Parameters
    ----------
    scenario : path, dict, Scenario or None
        Shape, work and setups (see :func:`option_costs`).
    options : sequence of str
        Container options to solve for.
    low_rps, high_rps : float
        Search range of the mean rate [req/s].
    n_grid, n_refine : int
        Log-spaced grid points, then points in the bracket found.
    prefetch_ratios : sequence of float
        Also simulate, in the same batch as the refinement, the fine points of the grid
        brackets where Lambda / the cheapest of ``options`` crosses each ratio [-] (what a
        later search on the same grid, e.g. the decision's cost-flip search, will ask
        :func:`option_costs` for; it then finds them memoised). Results are unchanged.

    Returns
    -------
    dict of str to float
        Break-even mean rate per option [req/s]: ``0.0`` if Lambda is dearer over the whole
        range, ``inf`` if Lambda is cheaper over the whole range. Options the scenario does
        not offer (Fargate Spot for arm64 or interruption-intolerant work) are skipped.
    """
    for o in options:
        check_choice("options", o, CONTAINER_OPTIONS)
    check_int("n_grid", n_grid, 3)
    check_int("n_refine", n_refine, 2)
    sc = load_scenario(scenario)
    offered = option_setup(sc, work, prices).options
    options = tuple(o for o in options if o in offered)
    own = shape_rps is None and work is None and prices is None and isinstance(cold_starts, float) \
        and cold_starts == 0.0
    prices = prices if prices is not None else sc.prices()
    shape, step = _shape_of(sc, shape_rps, step_s)  # built once, reused by both passes
    # the scenario's own setup: option_costs keeps the rows with the scenario, so a later
    # search on the same grid (the decision's cost flips) reuses them
    kw: dict = {} if own else {"shape_rps": shape, "step_s": step, "work": work, "prices": prices,
                               "cold_starts": cold_starts}
    rates = np.geomspace(low_rps, high_rps, n_grid)
    costs = option_costs(sc, rates, **kw)
    out: dict[str, float] = {}
    brackets: dict[str, np.ndarray] = {}
    for o in options:
        diff = costs["lambda"].to_numpy() - costs[o].to_numpy()
        if (diff > 0).all():
            out[o] = 0.0
        elif not (diff > 0).any():
            out[o] = math.inf
        else:
            i = int(np.flatnonzero((diff[:-1] <= 0) & (diff[1:] > 0))[0])
            brackets[o] = np.geomspace(rates[i], rates[i + 1], n_refine)
    extra = []
    if prefetch_ratios and options and _FLEET_MEMO_SHAPES > 0:  # pointless without the memo
        ratio = costs["lambda"].to_numpy() / costs[list(options)].min(axis=1).to_numpy()
        for r in prefetch_ratios:
            above = ratio >= float(r)
            extra += [np.geomspace(rates[i], rates[i + 1], n_refine) for i in np.flatnonzero(above[:-1] != above[1:])]
    if extra:  # one batch simulation for the refinement and the prefetched points
        sc_w = _with_work(sc, work) if work is not None and work is not sc.work else sc
        far_p, ec2_p = scaling_policies(sc_w, prices)
        todo = np.unique(np.concatenate(list(brackets.values()) + extra))
        _fleet_unit_seconds(shape, step, far_p, ec2_p, todo / float(shape.mean()))
    if brackets:
        fine_all = np.unique(np.concatenate(list(brackets.values())))
        fc = option_costs(sc, fine_all, **kw)
        for o, fine in brackets.items():
            sub = fc.loc[fine]
            x = _crossing(fine, sub["lambda"].to_numpy() - sub[o].to_numpy())
            out[o] = x if x is not None else float(fine[-1])
    return {o: out[o] for o in options}


def peak_to_mean_shape(peak_to_mean: float, *, horizon_days: float = MONTH_DAYS, step_s: float = 60.0) -> np.ndarray:
    """A traffic shape with mean 1 req/s and the given peak-to-mean ratio.

    A base rate with one 1-hour burst a day (:func:`costmodel.models.traffic.bursty`): with burst
    height ``h``, peak/mean = ``(1 + h) / (1 + h / 24)``, so ``h = (r - 1) / (1 - r / 24)``
    (``1 <= r < 24``).
    """
    r = float(peak_to_mean)
    if not 1.0 <= r < 24.0:
        raise InvalidParameterError("peak_to_mean", peak_to_mean, "1 <= peak_to_mean < 24 (one 1-h burst a day)")
    h = (r - 1.0) / (1.0 - r / 24.0)
    shape = bursty(1.0, burst_rps=h, burst_length_s=3600.0, bursts_per_day=1.0, first_burst_s=12 * 3600.0,
                   horizon_days=horizon_days, step_s=step_s) if h > 0 else np.ones(int(horizon_days * 86400 / step_s))
    return shape / shape.mean()


def breakeven_curve(parameter: str, values: npt.ArrayLike, scenario: ScenarioSource = None, *, option: str = "fargate_on_demand",
                    prices: Prices | None = None, progress: bool | None = None, **kwargs: Any) -> pd.DataFrame:
    """Break-even mean rate [req/s] as one input varies.

    Parameters
    ----------
    parameter : {"peak_to_mean", "duration_ms", "memory_mb"}
        ``peak_to_mean`` uses :func:`peak_to_mean_shape`; ``duration_ms`` scales the
        scenario's duration distribution to the given mean [ms]; ``memory_mb`` sets Lambda's
        memory [MB].
    values : array_like
        Values of the parameter.
    scenario : path, dict, Scenario or None
    option : str
        Container option.
    progress : bool or None
        A progress bar over the values; None: only when stderr is a terminal.
    **kwargs
        Passed to :func:`breakeven_mean_rps` (``low_rps``, ``high_rps``, ``n_grid``...).

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter value`` and ``breakeven_mean_rps``.
    """
    check_choice("parameter", parameter, ("peak_to_mean", "duration_ms", "memory_mb"))
    sc = load_scenario(scenario)
    prices = prices if prices is not None else sc.prices()
    rows = []
    for v in bar(np.atleast_1d(values), progress, desc=f"break-even by {parameter}", unit="value"):
        kw = dict(kwargs)
        if parameter == "peak_to_mean":
            step = float(sc.containers["fargate"]["metric_period_s"])
            kw.update(shape_rps=peak_to_mean_shape(float(v), step_s=step), step_s=step)
        elif parameter == "duration_ms":
            w = sc.work
            kw["work"] = Work(w.duration.scaled(float(v) / w.duration.mean_ms), w.cpu_ms_per_request, w.memory_mb,
                              w.architecture)
        else:
            w = sc.work
            kw["work"] = Work(w.duration, w.cpu_ms_per_request, float(v), w.architecture)
        be = breakeven_mean_rps(sc, options=(option,), prices=prices, **kw)[option]
        rows.append({parameter: float(v), "breakeven_mean_rps": be})
    return pd.DataFrame(rows)


#: Default tornado inputs: name -> (low, high) multipliers or values.
TORNADO_INPUTS = {
    "traffic level (x0.5 / x2)": ("traffic.scale", 0.5, 2.0),
    "duration (x0.5 / x2)": ("duration", 0.5, 2.0),
    "Lambda memory (x0.5 / x2)": ("memory", 0.5, 2.0),
    "CPU per request (x0.5 / x2)": ("cpu", 0.5, 2.0),
    "target utilisation (0.4 / 0.8)": ("containers.fargate.target_utilisation", 0.4, 0.8),
    "min tasks (1 / 4)": ("containers.fargate.min_tasks", 1, 4),
}


def _variant(sc: Scenario, how: str, value: float) -> Scenario:
    w = sc.work
    if how == "traffic.scale":
        cur = sc.traffic.get("scale", 1.0) or 1.0
        return sc.with_overrides({"traffic.scale": float(cur) * value})
    if how == "duration":
        return replace(sc, work=Work(w.duration.scaled(value), w.cpu_ms_per_request, w.memory_mb, w.architecture))
    if how == "memory":
        mem = float(min(10240, max(128, round(w.memory_mb * value))))
        return replace(sc, work=Work(w.duration, w.cpu_ms_per_request, mem, w.architecture))
    if how == "cpu":
        return replace(sc, work=Work(w.duration, w.cpu_ms_per_request * value, w.memory_mb, w.architecture))
    if how == "containers.fargate.min_tasks":  # keep max_tasks >= min_tasks
        return sc.with_overrides({how: value, "containers.fargate.max_tasks":
                                  max(int(value), int(sc.containers["fargate"]["max_tasks"]))})
    return sc.with_overrides({how: value})


def tornado(scenario: ScenarioSource = None, *, option: str = "fargate_on_demand",
            inputs: Mapping[str, tuple[str, float, float]] | None = None,
            prices: Prices | None = None, cold_starts: ColdStarts = 0.0, progress: bool | None = None) -> pd.DataFrame:
    """Each input's effect on Lambda's monthly cost minus ``option``'s [USD].

    Every input is set to its low and its high value in turn, the others held at the
    scenario's values.

    Parameters
    ----------
    scenario : path, dict, Scenario or None
    option : str
        Container option compared with Lambda.
    inputs : dict, optional
        ``{label: (how, low, high)}``; ``how`` is ``"traffic.scale"``, ``"duration"``,
        ``"memory"``, ``"cpu"`` (multipliers) or a dotted scenario key (values). Default
        :data:`TORNADO_INPUTS`.
    progress : bool or None
        A progress bar over the inputs; None: only when stderr is a terminal.

    Returns
    -------
    pandas.DataFrame
        Columns ``input, low_usd, high_usd, swing_usd`` (sorted by swing) and the baseline in
        ``attrs["baseline_usd"]``; positive = Lambda dearer.
    """
    check_choice("option", option, CONTAINER_OPTIONS)
    sc = load_scenario(scenario)
    prices = prices if prices is not None else sc.prices()
    offered = option_setup(sc, prices=prices).options
    if option not in offered:
        raise InvalidParameterError("option", option, "an option the scenario offers: "
                                    + ", ".join(o for o in offered if o != "lambda"))

    def diff(s: Scenario) -> float:
        t = compare(s, prices=prices, cold_starts=cold_starts).table
        return option_usd(t, "lambda") - option_usd(t, option)

    base = diff(sc)
    rows = []
    for label, (how, lo, hi) in bar((inputs or TORNADO_INPUTS).items(), progress, desc="tornado", unit="input"):
        d_lo, d_hi = diff(_variant(sc, how, lo)), diff(_variant(sc, how, hi))
        rows.append({"input": label, "low_usd": d_lo, "high_usd": d_hi, "swing_usd": abs(d_hi - d_lo)})
    df = pd.DataFrame(rows).sort_values("swing_usd", ascending=False, ignore_index=True)
    df.attrs["baseline_usd"] = base
    df.attrs["option"] = option
    return df


@dataclass(frozen=True)
class MonteCarloResult:
    """Result of :func:`monte_carlo`.

    Attributes
    ----------
    samples : pandas.DataFrame
        One row per draw: the sampled inputs and every option's monthly cost [USD].
    p_lambda_cheaper : dict of str to float
        Share of draws in which Lambda is cheaper than each container option.
    percentiles : pandas.DataFrame
        Monthly cost percentiles (5, 50, 95) per option [USD].
    """

    samples: pd.DataFrame
    p_lambda_cheaper: dict[str, float]
    percentiles: pd.DataFrame


def monte_carlo(scenario: ScenarioSource = None, *, n: int = 200, random_state: int | np.random.Generator | None = 0, traffic_sigma: float = 0.3,
                duration_sigma: float = 0.2, growth_range: tuple[float, float] = (1.0, 1.5),
                prices: Prices | None = None, cold_starts: ColdStarts = 0.0,
                progress: bool | None = None) -> MonteCarloResult:
    """Seeded Monte Carlo over traffic level, duration and growth.

    Each draw multiplies the traffic by a lognormal factor (median 1, ``traffic_sigma``),
    the duration by a lognormal factor (median 1, ``duration_sigma``) and applies a linear
    growth over the month to a factor uniform in ``growth_range``. Containers for all draws
    are simulated together (vectorised across draws).

    Parameters
    ----------
    n : int
        Number of draws.
    random_state : int or numpy.random.Generator
        Seed.
    traffic_sigma, duration_sigma : float
        Log-space standard deviations [-].
    growth_range : (float, float)
        Range of the end-of-month growth factor [-].
    progress : bool or None
        Progress bar of the container simulation; None: only when stderr is a terminal.

    Returns
    -------
    MonteCarloResult
    """
    n = check_int("n", n, 1)
    sc = load_scenario(scenario)
    prices = prices if prices is not None else sc.prices()
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    shape, step = _shape_of(sc, None, None)
    t_f = rng.lognormal(0.0, traffic_sigma, n)
    d_f = rng.lognormal(0.0, duration_sigma, n)
    g_f = rng.uniform(growth_range[0], growth_range[1], n)
    x = (np.arange(shape.size) + 0.5) / shape.size
    shapes = shape[None, :] * (1.0 + (g_f[:, None] - 1.0) * x[None, :]) * t_f[:, None]
    far_p, ec2_p = scaling_policies(sc, prices)
    pol = _policy_pair(far_p, ec2_p, n)
    batch = simulate_scaling_batch(shapes, step, shape_index=np.concatenate([np.arange(n), np.arange(n)]),
                                   metric_period_s=far_p.metric_period_s, evaluation_delay_s=far_p.evaluation_delay_s,
                                   metric=far_p.metric, progress=progress, **pol)
    assert batch.launches is not None  # the batch simulator always counts launches
    w = sc.work
    setup = option_setup(sc, w, prices)
    rows = []
    for i in range(n):
        work_i = Work(w.duration.scaled(float(d_f[i])), w.cpu_ms_per_request, w.memory_mb, w.architecture)
        bills, _ = option_bills(sc, shapes[i], step, batch.unit_seconds[i], batch.unit_seconds[n + i] / 3600.0,
                                fargate_launches=float(batch.launches[i]), ec2_launches=float(batch.launches[n + i]),
                                work=work_i, prices=prices, cold_starts=cold_starts, setup=setup)
        rows.append({"traffic_factor": t_f[i], "duration_factor": d_f[i], "growth_factor": g_f[i],
                     **{opt: bills[opt].total_usd for opt in setup.options}})
    samples = pd.DataFrame(rows)
    p = {o: float((samples["lambda"] < samples[o]).mean()) for o in setup.options if o != "lambda"}
    pct = samples[list(setup.options)].quantile([0.05, 0.5, 0.95]).T
    pct.columns = ["p5_usd", "p50_usd", "p95_usd"]
    return MonteCarloResult(samples=samples, p_lambda_cheaper=p, percentiles=pct)
