"""Account quotas against what a scenario's traffic needs: where they bite, what to request.

A comparison that assumes Lambda scales to 5,000 concurrent executions, or Fargate runs
900 tasks, is only an answer if the account may do so. :func:`account_limit_checks` takes
the comparison the verdict uses (right-sized, normally) and the account's quotas
(:func:`costmodel.scenario.service_level.account_quotas`: the published defaults in
``data/account_quotas.yaml``, the scenario's ``account_quotas`` overrides and
``lambda.concurrency_limit``) and reports, for each quota:

* Lambda concurrent executions: the month's peak concurrency (Little's law per step,
  plus provisioned concurrency, which counts against the same quota); with reserved
  concurrency, the account must keep 100 unreserved;
* Lambda's scaling rate (1,000 new environments per 10 s per function, not a quota one can
  raise): the largest rise of concurrency between steps, as if it came at once;
* API Gateway's throttle (10,000 requests per second per account and Region, 5,000 burst):
  the peak step rate, when the Lambda option's front door is API Gateway;
* Fargate On-Demand vCPUs (6 by default for new accounts, raised with usage): the peak
  tasks times the task's vCPU (Spot likewise against the Spot quota, when Spot is offered);
* Fargate task launches (500 per minute per service) and ECS tasks per service (5,000).

Each check is a :class:`QuotaCheck` with the value needed, the quota, and one line saying
what to request (quota name and code, the value) or, where the limit cannot be raised, what
to do instead.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from costmodel.analysis.compare import Comparison, ScenarioSource, compare
from costmodel.scenario.load import Scenario, load_scenario
from costmodel.scenario.service_level import account_quotas, load_account_quotas

__all__ = ["QuotaCheck", "account_limit_checks"]


@dataclass(frozen=True)
class QuotaCheck:
    """One account quota against the traffic's need.

    Attributes
    ----------
    quota : str
        Key in ``data/account_quotas.yaml``.
    option : str
        ``lambda``, ``fargate`` or ``ec2``.
    needed, limit : float
        What the month needs at its peak, and the account's value [the quota's unit].
    unit : str
    exceeded : bool
    adjustable : bool
        The quota can be raised through Service Quotas.
    request : str
        What to request (or do) so the traffic fits; empty when it already fits.
    reason : str
        One line with the numbers.
    source_url : str
    """

    quota: str
    option: str
    needed: float
    limit: float
    unit: str
    exceeded: bool
    adjustable: bool
    request: str
    reason: str
    source_url: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check(meta: Mapping[str, Mapping[str, Any]], key: str, option: str, needed: float, limit: float, reason: str, region: str,
           fix: str = "") -> QuotaCheck:
    m = meta[key]
    exceeded = bool(needed > limit + 1e-9)
    request = ""
    if exceeded:
        if m.get("adjustable"):
            code = f" ({m['quota_code']})" if m.get("quota_code") else ""
            request = (f"request {m['service']} '{m['quota_name']}'{code} of at least {math.ceil(needed):,} in "
                       f"{region} (Service Quotas; now {limit:,.0f})")
        else:
            request = fix or f"{m['service']} '{m['quota_name']}' cannot be raised: {m['note'].strip()}"
    return QuotaCheck(quota=key, option=option, needed=float(needed), limit=float(limit), unit=m["unit"],
                      exceeded=exceeded, adjustable=bool(m.get("adjustable")), request=request, reason=reason,
                      source_url=m["source_url"])


def account_limit_checks(scenario: ScenarioSource = None, comparison: Comparison | None = None, *,
                         quotas_from: ScenarioSource = None) -> tuple[QuotaCheck, ...]:
    """Every account quota of ``data/account_quotas.yaml`` against the month's need.

    Parameters
    ----------
    scenario : path, dict, Scenario or None
        The scenario whose options are checked (a right-sized one, normally).
    comparison : Comparison, optional
        Its comparison (default: :func:`compare` of ``scenario``).
    quotas_from : Scenario, optional
        Whose account quotas apply (default: ``scenario``'s). A right-sized scenario may have
        raised ``lambda.concurrency_limit`` to what it needs: pass the original here so the
        check compares against the account as it is.

    Returns
    -------
    tuple of QuotaCheck
    """
    sc: Scenario = load_scenario(scenario)
    cmp = comparison if comparison is not None else compare(sc)
    q = account_quotas(load_scenario(quotas_from) if quotas_from is not None else sc)
    meta = load_account_quotas()
    region = sc.region
    out = []
    lam = cmp.lambda_result
    pc = int(sc.lambda_["provisioned_concurrency"]["count"])
    conc = np.asarray(lam.concurrency, dtype=float)
    peak = float(conc.max()) if conc.size else 0.0
    reserved = sc.lambda_.get("reserved_concurrency")
    need = math.ceil(max(peak, pc)) + (100 if reserved is not None else 0)
    out.append(_check(meta, "lambda_concurrent_executions", "lambda", need, q["lambda_concurrent_executions"],
                      f"peak concurrency {peak:,.0f} (requests/s x mean duration)"
                      + (f", provisioned {pc:,}" if pc else "")
                      + (" + 100 that must stay unreserved" if reserved is not None else "")
                      + f"; quota {q['lambda_concurrent_executions']:,.0f}", region))
    rise = float(np.max(np.diff(conc))) if conc.size > 1 else 0.0
    rate_limit = q["lambda_scaling_envs_per_10_s"]
    secs = 10.0 * rise / rate_limit
    out.append(_check(meta, "lambda_scaling_envs_per_10_s", "lambda", rise, rate_limit,
                      f"largest rise of concurrency between steps {rise:,.0f} environments "
                      f"(at {rate_limit:,.0f} per 10 s it takes {secs:,.0f} s)", region,
                      fix=f"provisioned concurrency of about {math.ceil(rise):,} ahead of the rise (Lambda adds "
                          f"{rate_limit:,.0f} environments per 10 s per function; requests beyond are throttled)"))
    fd = sc.lambda_.get("front_door")
    if fd in ("api_gateway_http", "api_gateway_rest"):
        peak_rps = float(np.max(cmp.rate_rps)) if cmp.rate_rps.size else 0.0
        out.append(_check(meta, "api_gateway_rps", "lambda", peak_rps, q["api_gateway_rps"],
                          f"peak {peak_rps:,.0f} requests/s (step mean; bursts within a step are higher; "
                          f"token bucket of {meta['api_gateway_rps']['burst']:,} for bursts)", region))
    far = sc.containers["fargate"]
    vcpu = float(far["vcpu"])
    tasks = int(cmp.fargate.peak_units)
    out.append(_check(meta, "fargate_on_demand_vcpu", "fargate", tasks * vcpu, q["fargate_on_demand_vcpu"],
                      f"peak {tasks:,} tasks x {vcpu:g} vCPU = {tasks * vcpu:,.2f} vCPU", region))
    if "fargate_spot" in cmp.table.index:   # offered (interruption-tolerant work on Linux x86_64)
        out.append(_check(meta, "fargate_spot_vcpu", "fargate", tasks * vcpu, q["fargate_spot_vcpu"],
                          f"the Spot option's peak {tasks:,} tasks x {vcpu:g} vCPU", region))
    billed = np.asarray(cmp.fargate.billed_units, dtype=float)
    per_min = max(1, int(round(60.0 / cmp.step_s))) if cmp.step_s < 60 else 1
    launch = float(np.max(np.diff(billed[::per_min]))) if billed.size > per_min else 0.0
    minutes = math.ceil(launch / q["fargate_tasks_launched_per_minute"]) if launch > 0 else 0
    out.append(_check(meta, "fargate_tasks_launched_per_minute", "fargate", launch,
                      q["fargate_tasks_launched_per_minute"],
                      f"largest launch in one minute {launch:,.0f} tasks", region,
                      fix=f"start scheduled scale-outs {minutes} minutes ahead, or use larger tasks (ECS launches "
                          f"at most {q['fargate_tasks_launched_per_minute']:,.0f} tasks a minute per service)"))
    out.append(_check(meta, "ecs_tasks_per_service", "fargate", tasks, q["ecs_tasks_per_service"],
                      f"peak {tasks:,} tasks in one service", region))
    return tuple(out)
