"""Which assumptions can flip the verdict, and at what value.

For every assumption of :func:`costmodel.analysis.assumptions.assumptions` (front door,
architecture, Savings Plan and Spot discounts, ALB keep-alive, Lambda INIT duration, log
volume, NAT traffic and gateways, traffic growth) the decision procedure is re-run with the
costs (and, for the INIT duration, the latencies) of the scenario with that assumption
changed; an assumption is listed when some value in its plausible range gives another
verdict. For a range the value where the verdict flips is found by bisection between the
scenario's value and the end of the range that flips it; for a choice every flipping
alternative is named.

The facts of a variant keep everything else measured on the scenario (traffic label,
break-even rates, failure modes): only the monthly costs, the compared container option and
(for INIT) the latencies change.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from costmodel.analysis.assumptions import Assumption, assumption_costs, assumption_variant, assumptions, bisect_flip
from costmodel.analysis.compare import compare
from costmodel.decision.measure import choose_container_option, considered_options, latency_facts, load
from costmodel.decision.procedure import evaluate
from costmodel.decision.records import Facts, Flip, Team, Workload
from costmodel.scenario.load import ScenarioSource

__all__ = ["assumption_flips", "variant_facts"]

#: Decisions an assumption cannot change (a hard limit, a declared preference, the batch table).
_FIXED = ("hard_limit:", "declared:", "long_running:")


def variant_facts(facts: Facts, costs: Any, scfg: dict, latency: dict | None = None, *,
                  meets: dict[str, bool] | None = None) -> Facts:
    """``facts`` with the monthly costs of ``costs`` (a table with ``monthly_usd`` and
    ``overload_minutes`` per option) and, if given, new latency fields. The compared option
    is chosen as :func:`costmodel.decision.measure.measure_facts` chooses it: with ``meets``
    (right-sized options, :func:`costmodel.decision.measure.service_level_meets`) the
    cheapest that meets the service level, else the cheapest never overloaded."""
    monthly = {str(o): float(costs.loc[o, "monthly_usd"]) for o in costs.index}
    overload = {str(o): float(costs.loc[o, "overload_minutes"]) for o in costs.index}
    opts = considered_options(scfg, [o for o in monthly if o != "lambda" and (meets is None or o in meets)])
    best, _, _ = choose_container_option(monthly, overload, opts, meets=meets)
    over = 0.0 if (meets is not None and meets.get(best)) else overload[best]
    return replace(facts, monthly_usd=monthly, lambda_monthly_usd=monthly["lambda"], container_option=best,
                   container_monthly_usd=monthly[best], container_overload_minutes=over,
                   considered_options=tuple(opts), **(latency or {}))


def _costs_can_flip(facts: Facts, workload: Any, team: Any, scfg: dict, lcfg: dict, base: str) -> bool:
    """Whether any Lambda/container cost ratio gives another verdict (else cost-only
    assumptions cannot flip it)."""
    if facts.container_monthly_usd is None:
        return False
    for ratio in (1e-6, 1e6):
        f2 = replace(facts, lambda_monthly_usd=facts.container_monthly_usd * ratio)
        if evaluate(f2, workload, team, signals=scfg, limits=lcfg)["verdict"] != base:
            return True
    return False


def assumption_flips(scenario: ScenarioSource, facts: Facts, workload: Workload, team: Team, scfg: dict, lcfg: dict,
                     base_verdict: str, decided_by: str, *, meets: dict[str, bool] | None = None
                     ) -> tuple[list[dict], list[Flip]]:
    """The assumptions whose plausible range holds another verdict.

    Parameters
    ----------
    scenario : path, dict or Scenario
    facts : Facts
        The scenario's measured facts.
    workload, team, scfg, lcfg
        As for :func:`costmodel.decision.evaluate`.
    base_verdict : str
    decided_by : str
        What decided the verdict: a hard limit, a declared preference or the batch-job
        table leave nothing for an assumption to change.
    meets : dict, optional
        Whether each right-sized container option meets the service level
        (:func:`costmodel.decision.measure.service_level_meets`; None when the options are
        priced as configured), so that a variant compares against the option the verdict would.

    Returns
    -------
    (list of dict, list of Flip)
        One dict per assumption checked (``name``, ``label``, ``current``, ``range`` or
        ``choices``, ``flips`` (bool), ``flip_value`` / ``flip_values``, ``new_verdict``,
        ``condition``), and a :class:`Flip` for each that flips.
    """
    if decided_by.startswith(_FIXED) or facts.lambda_monthly_usd is None:
        return [], []
    sc = load(scenario)
    cmp = compare(sc)
    cost_flips = _costs_can_flip(facts, workload, team, scfg, lcfg, base_verdict)
    checked: list[dict] = []
    out: list[Flip] = []
    for a in assumptions(sc, comparison=cmp):
        latency = a.name == "init_duration_ms" and workload is not None and facts.lambda_p99_ms is not None
        if not cost_flips and not latency:
            continue
        memo: dict[Any, str] = {}

        def verdict(value: Any, a: Assumption = a, latency: bool = latency, memo: dict = memo) -> str:
            if value not in memo:
                costs = assumption_costs(sc, a.name, value, comparison=cmp)
                lat = None
                if latency:
                    var = assumption_variant(sc, a.name, value)
                    lat, _ = latency_facts(var, cmp, workload, containers=False)  # INIT: Lambda only
                f2 = variant_facts(facts, costs, scfg, lat, meets=meets)
                memo[value] = evaluate(f2, workload, team, signals=scfg, limits=lcfg)["verdict"]
            return memo[value]

        row: dict[str, Any] = {"name": a.name, "label": a.label, "current": a.current,
                               "current_text": a.describe(a.current), "why": a.why, "flips": False}
        if a.kind == "choice":
            row["choices"] = list(a.values)
            row["range_text"] = " / ".join(a.describe(v) for v in a.values)
            flipping = [(v, verdict(v)) for v in a.values]
            flipping = [(v, nv) for v, nv in flipping if nv != base_verdict]
            if flipping:
                row.update(flips=True, flip_values=[v for v, _ in flipping], new_verdict=flipping[0][1],
                           flip_text=", ".join(a.describe(v) for v, _ in flipping))
                cond = "; ".join(f"if the {a.label} were {a.describe(v)} (now {a.describe(a.current)}): {nv}"
                                 for v, nv in flipping)
                row["condition"] = cond
                for v, nv in flipping:
                    out.append(Flip(f"assumption.{a.name}", f"if the {a.label} were {a.describe(v)} "
                                    f"(now {a.describe(a.current)})", nv, _HOW))
        else:
            lo, hi = (float(x) for x in a.values)
            row["range"] = [lo, hi]
            row["range_text"] = f"{a.describe(lo)} - {a.describe(hi)}"
            found = []
            for end in (lo, hi):
                if end == a.current:
                    continue
                nv = verdict(end)
                if nv == base_verdict:
                    continue
                at = bisect_flip(lambda x, nv=nv: verdict(x) == nv, float(a.current), end, scale=a.scale)
                word = "above" if end > a.current else "below"
                found.append((at, nv, word))
            if found:
                at, nv, word = min(found, key=lambda t: abs(t[0] - float(a.current)))
                cond = (f"if the {a.label} were {word} {a.describe(at)} (now {a.describe(a.current)}; "
                        f"plausible {a.describe(lo)}-{a.describe(hi)})")
                row.update(flips=True, flip_value=at, new_verdict=nv, condition=f"{cond}: {nv}",
                           flip_text=f"{word} {a.describe(at)}")
                out.append(Flip(f"assumption.{a.name}", cond, nv, _HOW))
        checked.append(row)
    return checked, out


_HOW = ("procedure re-run with the comparison re-priced under this assumption "
        "(costmodel.analysis.assumptions.assumption_costs; bisection to the flip)")
