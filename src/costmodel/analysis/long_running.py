"""A scenario's batch job and pipeline, and their alternatives (orchestrated Lambda vs job runner).

The optional scenario blocks ``batch_job`` and ``pipeline`` (see ``docs/long-running.md``)
become a :class:`~costmodel.models.batch_jobs.BatchJob` with its
:class:`~costmodel.models.batch_jobs.Platforms`, or a list of
:class:`~costmodel.models.batch_jobs.Stage`; what they leave out comes from the rest of the
scenario (``work``, ``traffic``, ``lambda``, ``containers``).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from costmodel.analysis.compare import ScenarioSource, option_setup
from costmodel.errors import InvalidParameterError, ScenarioError
from costmodel.models.batch_jobs import (
    DAYS_PER_MONTH,
    AlternativesTable,
    BatchJob,
    Platforms,
    Stage,
    compare_batch_alternatives,
    runs_per_month,
)
from costmodel.models.pricing import Prices
from costmodel.scenario.load import Scenario, load_scenario

__all__ = [
    "BATCH_JOB_KEYS",
    "as_scenario",
    "PIPELINE_KEYS",
    "batch_job_from_scenario",
    "pipeline_from_scenario",
    "long_running_alternatives",
]


# ==========================================================================================
# From a scenario
# ==========================================================================================
#: Keys of a scenario's ``batch_job`` block (besides the BatchJob fields it may set).
BATCH_JOB_KEYS = ("chunkable", "parallelism", "chunk_s", "checkpoint_s", "checkpoint_interval_s", "input_gb",
                  "read_mb_per_s", "interruption_per_hour", "spot_interruption_per_hour", "deadline_s",
                  "schedule", "uploads_per_day", "runs_per_month", "work_s", "memory_mb", "free_tier", "why",
                  "platforms")
PIPELINE_KEYS = ("stages", "items_per_day", "sqs_batch_size", "message_kb")


def as_scenario(source: ScenarioSource) -> Scenario:
    """``source`` (a path, a dict or a Scenario) as a validated Scenario."""
    return source if isinstance(source, Scenario) else load_scenario(source)


@contextlib.contextmanager
def _named(prefix: str) -> Iterator[None]:
    """Re-raise a model's InvalidParameterError with the scenario path of the parameter."""
    try:
        yield
    except InvalidParameterError as exc:
        name = exc.name if exc.name.startswith(prefix) else f"{prefix}{exc.name}"
        raise InvalidParameterError(name, exc.value, exc.allowed) from exc


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameterError(where, value, "a number")
    return float(value)


def _block(sc: Scenario, key: str, allowed: Sequence[str]) -> dict[str, Any]:
    blk = sc.raw.get(key) or {}
    if not isinstance(blk, Mapping):
        raise ScenarioError(f"{key}: expected a mapping, got {blk!r}")
    for k in blk:
        if k not in allowed:
            raise ScenarioError(f"unknown key {key}.{k} in scenario; allowed keys in {key}: {', '.join(allowed)}")
    return dict(blk)


def _runs_from_traffic(sc: Scenario) -> float:
    rate, step, _ = sc.traffic_series()
    days = len(rate) * step / 86_400.0
    return float(np.sum(rate) * step) / days * DAYS_PER_MONTH if days else 0.0


def batch_job_from_scenario(source: ScenarioSource) -> tuple[BatchJob, Platforms]:
    """The batch job and platform settings of a scenario.

    ``work.duration_ms`` (mean) is one run's work, ``work.memory_mb`` its memory, the traffic
    series (invocations over the horizon, scaled to a 730-h month) its runs per month, unless the
    optional ``batch_job`` block says otherwise. Fargate size and start, the EC2 instance
    type and boot time come from ``containers``; the INIT time, concurrency and free tier
    from ``lambda``. ``batch_job.platforms`` overrides any :class:`Platforms` field.
    """
    sc = as_scenario(source)
    blk = _block(sc, "batch_job", BATCH_JOB_KEYS)
    work_s = float(blk.pop("work_s", sc.work.duration.mean_ms / 1000.0))
    memory_mb = int(blk.pop("memory_mb", sc.work.memory_mb))
    schedule = blk.pop("schedule", None)
    uploads = blk.pop("uploads_per_day", None)
    runs = blk.pop("runs_per_month", None)
    if runs is None:
        with _named("batch_job."):
            runs = runs_per_month(schedule, uploads) if schedule is not None else _runs_from_traffic(sc)
    blk.pop("why", None)
    plat_over = blk.pop("platforms", None) or {}
    fg, ec2, lam = sc.containers["fargate"], sc.containers["ec2"], sc.lambda_
    # the scenario's values, then its overrides as written (Platforms checks them)
    plat_kw: dict[str, Any] = dict(lambda_init_s=float(lam["init_duration_ms"]) / 1000.0,
                                   lambda_concurrency=int(lam.get("reserved_concurrency") or lam["concurrency_limit"]),
                                   fargate_vcpu=float(fg["vcpu"]), fargate_memory_gb=float(fg["memory_gb"]),
                                   fargate_start_s=float(fg["task_start_s"]),
                                   ec2_instance_type=option_setup(sc).ec2_instance_type,
                                   ec2_start_s=float(ec2["boot_s"]))
    allowed = tuple(Platforms.__dataclass_fields__)
    for k, v in dict(plat_over).items():
        if k not in allowed:
            raise ScenarioError(f"unknown key batch_job.platforms.{k} in scenario; allowed keys: {', '.join(allowed)}")
        plat_kw[k] = v
    try:
        blk.setdefault("free_tier", bool(lam["free_tier"]))
        with _named("batch_job."):
            job = BatchJob(work_s=work_s, memory_mb=memory_mb, runs_per_month=float(runs),
                           architecture=sc.work.architecture, **blk)
            plat = Platforms(**plat_kw)
    except TypeError as exc:
        raise ScenarioError(f"batch_job: {exc}") from exc
    return job, plat


def pipeline_from_scenario(source: ScenarioSource) -> tuple[list[Stage], float, dict[str, Any]] | None:
    """The pipeline of a scenario: its ``pipeline`` block, or the splitter and worker of a
    declared ``workload.fanout`` (the seed's document pipeline). None if it has neither.

    Returns ``(stages, items_per_month, options)``.
    """
    sc = as_scenario(source)
    blk = _block(sc, "pipeline", PIPELINE_KEYS)
    if blk:
        stages_raw = blk.get("stages")
        if not isinstance(stages_raw, list) or not stages_raw:
            raise ScenarioError("pipeline.stages: expected a non-empty list of {name, duration_ms, memory_mb, fanout}")
        stages = []
        for i, s in enumerate(stages_raw):
            if not isinstance(s, Mapping):
                raise ScenarioError(f"pipeline.stages[{i}]: expected a mapping, got {s!r}")
            extra = set(s) - {"name", "duration_ms", "memory_mb", "fanout"}
            if extra:
                raise ScenarioError(f"unknown key pipeline.stages[{i}].{sorted(extra)[0]}; allowed keys: "
                                    "name, duration_ms, memory_mb, fanout")
            if "duration_ms" not in s:
                raise ScenarioError(f"missing required field pipeline.stages[{i}].duration_ms (work per item [ms])")
            where = f"pipeline.stages[{i}]"
            with _named("pipeline."):
                stages.append(Stage(str(s.get("name", f"stage{i + 1}")),
                                    _number(f"{where}.duration_ms", s["duration_ms"]),
                                    int(_number(f"{where}.memory_mb", s.get("memory_mb", sc.work.memory_mb))),
                                    _number(f"{where}.fanout", s.get("fanout", 1.0))))
        items = (float(blk["items_per_day"]) * DAYS_PER_MONTH if "items_per_day" in blk else _runs_from_traffic(sc))
        opts: dict[str, Any] = {k: blk[k] for k in ("sqs_batch_size", "message_kb") if k in blk}
        return stages, items, opts
    fo = (sc.workload or {}).get("fanout")
    if not fo:
        return None
    mem = int(sc.work.memory_mb)
    stages = [Stage("splitter", float(fo.get("splitter_duration_ms", 300.0)), mem, float(fo["fanout_factor"])),
              Stage("worker", float(sc.work.duration.mean_ms), mem)]
    opts = {"sqs_batch_size": int(fo.get("batch_size", 1)), "message_kb": float(fo.get("message_kb", 4.0))}
    return stages, float(fo["uploads_per_day"]) * DAYS_PER_MONTH, opts


def long_running_alternatives(source: ScenarioSource | BatchJob | tuple[BatchJob, Platforms], *, prices: Prices | None = None, breakeven: bool = True
                              ) -> AlternativesTable:
    """The batch-job table for a scenario (path, dict, Scenario) or a :class:`BatchJob`.

    A ``(BatchJob, Platforms)`` pair is accepted too. For a scenario, prices come from its
    region and ``price_overrides`` unless ``prices`` is given.
    """
    if isinstance(source, BatchJob):
        return compare_batch_alternatives(source, prices=prices, breakeven=breakeven)
    if isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], BatchJob):
        return compare_batch_alternatives(source[0], source[1], prices=prices, breakeven=breakeven)
    sc = as_scenario(source)
    job, plat = batch_job_from_scenario(sc)
    return compare_batch_alternatives(job, plat, prices=prices or sc.prices(), breakeven=breakeven)
