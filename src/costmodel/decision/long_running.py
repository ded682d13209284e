"""What the long-running analysis adds to a recommendation: past 900 s, and for pipelines.

A job over Lambda's 900 s is priced on every way of running it
(:mod:`costmodel.models.batch_jobs`): Lambda chunks under Step Functions, a Fargate or EC2
job runner. A declared chunkable job whose orchestrated version wins gets the verdict
``serverless`` (decided by ``long_running:<alternative>``); otherwise the hard limit
stands and the table is evidence. A declared pipeline gets the same comparison as evidence.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from costmodel.analysis.long_running import (
    as_scenario,
    batch_job_from_scenario,
    pipeline_from_scenario,
)
from costmodel.models.batch_jobs import (
    compare_batch_alternatives,
    fmt_duration_s,
    pipeline_alternatives,
)
from costmodel.models.pricing import Prices

__all__ = ["LongRunningDecision", "long_running_decision"]


@dataclass(frozen=True)
class LongRunningDecision:
    """What the long-running analysis adds to a recommendation.

    Attributes
    ----------
    evidence : dict
        ``{"batch_job": table dict}`` and/or ``{"pipeline": table dict}``.
    warnings : tuple of str
    override : dict
        Replaces ``verdict``, ``confidence``, ``decided_by`` and ``reason`` when a declared
        chunkable job over the 900 s limit runs cheapest orchestrated (empty otherwise).
    flips : tuple
        ``(fact, condition, new_verdict, how_computed)`` for :class:`costmodel.decision.Flip`,
        when ``override`` is set.
    """

    evidence: dict
    warnings: tuple = ()
    override: dict = field(default_factory=dict)
    flips: tuple = ()
    duration_flip_note: str = ""

    def apply(self, result: Mapping[str, Any], flips: tuple, flip_type: type) -> tuple[dict, tuple]:
        """The procedure's result and flips with this analysis applied.

        With an ``override``, the verdict fields are replaced and the flips become this
        analysis' own (``flip_type(*flip)`` each). Otherwise the verdict stands and the
        flip "if every invocation finished within 900 s" gets the priced orchestrated
        alternative appended to its condition.
        """
        if self.override:
            return {**result, **self.override}, tuple(flip_type(*f) for f in self.flips)
        if self.duration_flip_note:
            flips = tuple(replace(f, condition=f"{f.condition} ({self.duration_flip_note})")
                          if f.fact == "workload.max_duration_s" else f for f in flips)
        return dict(result), flips


def long_running_decision(source: Any, result: Mapping[str, Any], *, prices: Prices | None = None
                          ) -> LongRunningDecision | None:
    """The long-running and pipeline evidence for a recommendation, and its verdict if it decides.

    Called by :func:`costmodel.decision.recommend` with the procedure's result. None unless
    the execution-duration hard limit is violated, or the scenario declares a pipeline
    (``pipeline`` block or ``workload.fanout``).

    When the only violated hard limit is the execution duration, the job is declared
    chunkable (``batch_job.chunkable: true``), the declared preference is not
    ``containers_only`` and an orchestrated alternative wins, the verdict becomes
    ``serverless`` (decided by ``long_running:<alternative>``): each invocation then stays
    within 900 s. Otherwise the verdict stands and the table is evidence.
    """
    sc = as_scenario(source)
    violated = [c for c in result.get("hard_limits", ()) if c.violated]
    duration = any(c.name == "execution_duration" for c in violated)
    pipe = pipeline_from_scenario(sc)
    if not duration and pipe is None:
        return None
    prices = prices or sc.prices()
    evidence: dict = {}
    warnings: list[str] = []
    override: dict = {}
    flips: list[tuple] = []
    duration_note = ""
    if duration:
        job, plat = batch_job_from_scenario(sc)
        table = compare_batch_alternatives(job, plat, prices=prices)
        evidence["batch_job"] = table.to_dict()
        win = table.row(table.winner) if table.winner else None
        orch = table.best("orchestrated") or next(r for r in table.rows if r.kind == "orchestrated")
        cont = table.best("container")
        only_duration = len(violated) == 1
        pref = (sc.workload or {}).get("deployment_preference", "either")
        if win is not None and win.kind == "orchestrated" and job.chunkable and only_duration \
                and pref != "containers_only":
            cheaper = cont is None or win.monthly_usd * 1.25 <= cont.monthly_usd
            override = {
                "verdict": "serverless", "confidence": "high" if cheaper else "medium",
                "decided_by": f"long_running:{win.name}",
                "reason": (f"one run is {fmt_duration_s(job.work_s)} of work > Lambda's 900 s, but it splits into "
                           f"{win.chunks} chunks of {fmt_duration_s(job.work_s / win.chunks)}: {table.reason}"),
            }
            flips.append(("batch_job.chunkable", "if the job could not be split into chunks under 900 s",
                          "containers", "hard limit execution_duration applies to the whole run"))
            late = [r for r in table.rows if r.kind == "container" and r.feasible and r.meets_deadline is False
                    and r.monthly_usd < win.monthly_usd]
            if late and job.deadline_s is not None:   # a run missing its deadline: there is one
                c = min(late, key=lambda r: r.monthly_usd)
                flips.append(("batch_job.deadline_s", f"if a run could take {fmt_duration_s(c.wall_clock_s)} "
                              f"(deadline now "
                              f"{fmt_duration_s(job.deadline_s)}): {c.label} costs ${c.monthly_usd:,.2f}/month",
                              "containers", "alternatives re-ranked without the deadline"))
            be = table.breakeven.get("work_s") or {}
            cost_win = cont is not None          # a container qualifies: the orchestrated one won on price
            if cost_win and be.get("work_s") and be.get("orchestrated_cheaper_below") and job.work_s < be["work_s"]:
                flips.append(("batch_job.work_s", f"if a run needed more than {fmt_duration_s(be['work_s'])} of work "
                              f"({be['reason']})", "containers", "breakeven_work_s over the month's bills"))
            bc = table.breakeven.get("chunk_s") or {}
            chunk_now = job.work_s / win.chunks
            if cost_win and bc.get("chunk_s") and not bc.get("cheaper_at_every_size") and chunk_now >= bc["chunk_s"]:
                flips.append(("batch_job.chunk_s", f"if chunks were shorter than {bc['chunk_s']:,.0f} s "
                              f"({bc['reason']})", "containers", "breakeven_chunk_s over the month's bills"))
        elif win is not None:
            warnings.append(f"past 15 minutes: {table.reason}")
            note = (f"{orch.chunks} Lambda chunks under {orch.label.split(' + ')[0]}: "
                    f"${orch.monthly_usd:,.2f}/month, {fmt_duration_s(orch.wall_clock_s)} per run")
            if win.kind == "container":
                note += f", vs {win.label} ${win.monthly_usd:,.2f}"
            duration_note = note
    if pipe is not None:
        stages, items, opts = pipe
        ptable = pipeline_alternatives(stages, items, free_tier=bool(sc.lambda_["free_tier"]),
                                       architecture=sc.work.architecture,
                                       fargate_vcpu=float(sc.containers["fargate"]["vcpu"]),
                                       fargate_memory_gb=float(sc.containers["fargate"]["memory_gb"]),
                                       min_tasks=int(sc.containers["fargate"]["min_tasks"]),
                                       target_utilisation=float(sc.containers["fargate"]["target_utilisation"]),
                                       prices=prices, **opts)
        evidence["pipeline"] = ptable.to_dict()
        warnings.append(f"pipeline of {len(stages)} stage(s): {ptable.reason}")
    return LongRunningDecision(evidence=evidence, warnings=tuple(warnings), override=override, flips=tuple(flips),
                               duration_flip_note=duration_note)
