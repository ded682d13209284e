"""Jobs past Lambda's 15 minutes: chunked Lambda under Step Functions vs a container job runner.

One batch job (total work, memory, input size, parallelism, checkpoint cost and interval,
interruption rate, schedule) is priced and timed on each way of running it:

========================  =====================================================================
``sfn_standard``          Lambda chunks (each <= 900 s) in an Inline Map of a Standard workflow
``sfn_express``           the same inside one Express workflow (only if a run fits in 5 minutes)
``sfn_distributed_map``   a Distributed Map fanning the chunks out to Express (or Standard) children
``fargate_on_demand``     one Fargate task (ECS RunTask or AWS Batch on Fargate)
``fargate_spot``          the same on Fargate Spot (x86_64 Linux only)
``ec2_batch_on_demand``   one EC2 instance launched by AWS Batch
``ec2_batch_spot``        the same on a Spot instance
========================  =====================================================================

For each: the month's bill (line items from :mod:`costmodel.bills` and
:mod:`costmodel.stepfunctions`), the expected wall-clock time of a run, the cost of one
failure, the expected failures per run, and the orchestration or start-up overhead.
:func:`breakeven_chunk_s` and :func:`breakeven_work_s` find the chunk size and the job
length at which the orchestrated version stops paying; :func:`pipeline_alternatives` does
the same comparison for a pipeline of short stages (a Lambda chain under Step Functions,
a queue of Lambdas, one container worker). A scenario becomes a :class:`BatchJob` in
:mod:`costmodel.analysis.long_running`; the decision uses it in
:mod:`costmodel.decision.long_running`.

Failures follow the restart model: failures arrive as a Poisson process of rate ``lam``
[1/s] while work runs; a failed segment (a chunk, or the work since the last checkpoint)
is redone from its start after a restart overhead ``r``. For a segment of ``s`` seconds
(Kulkarni, Nicola and Trivedi 1987, "The completion time of a job on multi-mode systems")::

    E[failures]    = exp(lam s) - 1
    E[lost | fail] = 1/lam - s / (exp(lam s) - 1)          (-> s/2 as lam -> 0)
    E[time]        = (exp(lam s) - 1) (1/lam + r)          (-> s   as lam -> 0)

:func:`simulate_segment_s` draws the same process (seeded) as the twin that checks these.
"""
from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from costmodel._validate import check_choice, check_int, check_non_negative, check_positive, check_range
from costmodel.errors import InvalidParameterError, UnknownNameError
from costmodel.models import stepfunctions as sfn
from costmodel.models._typing import FloatArray, FloatOrArray, Seed
from costmodel.models.bills import (
    LAMBDA_MEMORY_MB_RANGE,
    Bill,
    _prices,
    check_fargate_task_size,
    ec2_bill,
    ec2_usd_per_hour,
    fargate_bill,
    fargate_usd_per_task_s,
    lambda_account_bill,
    lambda_bill,
    sqs_bill,
)
from costmodel.models.pricing import Prices
from costmodel.models.traffic import MONTH_DAYS

__all__ = [
    "DAYS_PER_MONTH",
    "SCHEDULES",
    "ALTERNATIVES",
    "ORCHESTRATED",
    "LAMBDA_MAX_TIMEOUT_S",
    "expected_failures",
    "expected_lost_s",
    "expected_segment_s",
    "simulate_segment_s",
    "runs_per_month",
    "BatchJob",
    "Platforms",
    "Alternative",
    "AlternativesTable",
    "Stage",
    "price_alternative",
    "compare_batch_alternatives",
    "breakeven_chunk_s",
    "breakeven_work_s",
    "alternatives_sweep",
    "pipeline_alternatives",
    "table_lines",
    "fmt_duration_s",
]

#: A month of runs is 730 h / 24 = 30.4167 days (AWS's month, as in :mod:`costmodel.analysis.compare`).
DAYS_PER_MONTH = MONTH_DAYS
#: Runs per day of the named schedules (``on_upload`` takes ``uploads_per_day``).
SCHEDULES: dict[str, float | None] = {"nightly": 1.0, "daily": 1.0, "hourly": 24.0, "every_15_min": 96.0, "on_upload": None}
#: Lambda's maximum timeout [s].
LAMBDA_MAX_TIMEOUT_S = 900.0
#: The ways of running a job, in table order.
ALTERNATIVES = ("sfn_standard", "sfn_express", "sfn_distributed_map", "fargate_on_demand", "fargate_spot",
                "ec2_batch_on_demand", "ec2_batch_spot")
#: The serverless (orchestrated Lambda) alternatives.
ORCHESTRATED = ("sfn_standard", "sfn_express", "sfn_distributed_map")
_LABELS = {
    "sfn_standard": "Step Functions Standard + Lambda chunks",
    "sfn_express": "Step Functions Express + Lambda chunks",
    "sfn_distributed_map": "Distributed Map + Lambda chunks",
    "fargate_on_demand": "Fargate task (RunTask / Batch), on-demand",
    "fargate_spot": "Fargate task (RunTask / Batch), Spot",
    "ec2_batch_on_demand": "EC2 via AWS Batch, on-demand",
    "ec2_batch_spot": "EC2 via AWS Batch, Spot",
}
_S_PER_H = 3600.0


# ==========================================================================================
# The restart model (vectorised)
# ==========================================================================================
def _rate_per_s(failures_per_hour: npt.ArrayLike) -> FloatArray:
    check_non_negative("failures_per_hour", failures_per_hour)
    return np.asarray(failures_per_hour, dtype=float) / _S_PER_H


def _out(x: npt.ArrayLike) -> FloatOrArray:
    a = np.asarray(x, dtype=float)
    return a.item() if a.ndim == 0 else a


def expected_failures(segment_s: npt.ArrayLike, failures_per_hour: npt.ArrayLike) -> FloatOrArray:
    """Expected failures before a segment of ``segment_s`` seconds completes: ``exp(lam s) - 1``.

    Parameters
    ----------
    segment_s : float or array_like
        Work redone from its start when it fails (a chunk; the work between checkpoints) [s].
    failures_per_hour : float or array_like
        Failure (interruption) rate while the work runs [1/h].
    """
    check_non_negative("segment_s", segment_s)
    lam = _rate_per_s(failures_per_hour)
    return _out(np.expm1(lam * np.asarray(segment_s, dtype=float)))


def expected_lost_s(segment_s: npt.ArrayLike, failures_per_hour: npt.ArrayLike) -> FloatOrArray:
    """Expected work lost by one failure of a segment [s]: ``1/lam - s/(exp(lam s) - 1)``.

    The mean time into the segment at which a failure strikes, given that one does
    (``s/2`` in the limit of rare failures).
    """
    check_non_negative("segment_s", segment_s)
    lam = _rate_per_s(failures_per_hour)
    s = np.asarray(segment_s, dtype=float)
    x = lam * s
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.where(x > 1e-6, 1.0 / np.where(lam > 0, lam, 1.0) - s / np.where(x > 0, np.expm1(x), 1.0), 0.0)
    series = s / 2.0 - x * s / 12.0          # Taylor expansion for small lam s
    return _out(np.where(x > 1e-6, exact, series))


def expected_segment_s(segment_s: npt.ArrayLike, failures_per_hour: npt.ArrayLike,
                       restart_s: npt.ArrayLike = 0.0) -> FloatOrArray:
    """Expected time to complete a segment that restarts from its start on failure [s].

    ``(exp(lam s) - 1) (1/lam + r)``, which is ``s`` when ``lam = 0``.

    Parameters
    ----------
    segment_s : float or array_like
        [s]
    failures_per_hour : float or array_like
        [1/h]
    restart_s : float or array_like
        Overhead after each failure before the segment starts again (a new task's start,
        a cold start, a retry interval) [s]; failures do not strike during it.
    """
    check_non_negative("segment_s", segment_s)
    check_non_negative("restart_s", restart_s)
    lam = _rate_per_s(failures_per_hour)
    s = np.asarray(segment_s, dtype=float)
    r = np.asarray(restart_s, dtype=float)
    fails = np.expm1(lam * s)
    busy = s + fails * expected_lost_s(s, failures_per_hour)
    return _out(busy + fails * r)


def simulate_segment_s(segment_s: float, failures_per_hour: float, restart_s: float = 0.0, *,
                       n: int = 10_000, random_state: Seed = None) -> FloatArray:
    """Draw the completion time of ``n`` segments under the restart model (seeded).

    The exact twin of :func:`expected_segment_s`: attempt after attempt, a failure time is
    drawn from the exponential distribution; an attempt succeeds when the failure would
    come after ``segment_s``. Returns the ``n`` completion times [s].
    """
    check_non_negative("segment_s", segment_s)
    check_non_negative("restart_s", restart_s)
    n = check_int("n", n, minimum=1)
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    lam = float(failures_per_hour) / _S_PER_H
    total = np.zeros(n)
    if lam == 0:
        return total + segment_s
    active = np.ones(n, dtype=bool)
    while active.any():
        t = rng.exponential(1.0 / lam, size=int(active.sum()))
        ok = t >= segment_s
        idx = np.flatnonzero(active)
        total[idx[ok]] += segment_s
        total[idx[~ok]] += t[~ok] + restart_s
        active[idx[ok]] = False
    return total


def runs_per_month(schedule: Any, uploads_per_day: float | None = None) -> float:
    """Runs of a job in a 730-h month (30.4167 days, AWS's month).

    Parameters
    ----------
    schedule : str or float
        ``nightly``/``daily`` (30.42), ``hourly`` (730), ``every_15_min`` (2,920), ``on_upload``
        (``uploads_per_day`` x 30.4167), or a number of runs per month.
    uploads_per_day : float, optional
        Uploads per day, for ``on_upload``.
    """
    if isinstance(schedule, (int, float)) and not isinstance(schedule, bool):
        check_non_negative("schedule", schedule)
        return float(schedule)
    check_choice("schedule", schedule, tuple(SCHEDULES))
    if schedule == "on_upload":
        if uploads_per_day is None:
            raise InvalidParameterError("uploads_per_day", uploads_per_day, "a number of uploads per day "
                                        "for schedule 'on_upload'")
        check_non_negative("uploads_per_day", uploads_per_day)
        return float(uploads_per_day) * DAYS_PER_MONTH
    return cast(float, SCHEDULES[schedule]) * DAYS_PER_MONTH  # every schedule but on_upload has a rate


# ==========================================================================================
# Inputs
# ==========================================================================================
@dataclass(frozen=True)
class BatchJob:
    """One batch job, as the platforms see it.

    Parameters
    ----------
    work_s : float
        Work of one run on one worker [s] (a Lambda function of ``memory_mb``, or the
        container, run equally fast unless ``Platforms.container_speed`` says otherwise).
    memory_mb : int
        Memory a worker needs [MB].
    runs_per_month : float
        Runs in a 730-h month (see :func:`runs_per_month`).
    chunkable : bool or None
        The work splits into independent chunks that checkpoint their output (declared).
        None: not declared: the orchestrated versions are priced as "if it could be split"
        and never decide.
    parallelism : int
        Chunks that may run at the same time (1: one after another).
    chunk_s : float
        Work per chunk [s] (the orchestrated versions; capped by ``work_s``).
    checkpoint_s : float
        Time to write one checkpoint (or a chunk's output) [s].
    checkpoint_interval_s : float or None
        Work between checkpoints of a container run [s]; None: no checkpoints, a failure
        restarts the run from zero.
    input_gb : float
        Input read per run [GB]; each chunk reads its share, a container reads it once.
    read_mb_per_s : float
        Read throughput of one worker [MB/s].
    interruption_per_hour : float
        Failure rate of on-demand compute and Lambda while work runs [1/h].
    spot_interruption_per_hour : float
        Interruption rate of Spot capacity [1/h] (an assumption: AWS publishes only
        per-pool monthly bands).
    deadline_s : float or None
        A run must finish within this time [s] (None: no deadline).
    architecture : {"x86_64", "arm64"}
    free_tier : bool
        Apply the Lambda and Step Functions free tiers (per account: only if unused elsewhere).
    """

    work_s: float
    memory_mb: int
    runs_per_month: float
    chunkable: bool | None = None
    parallelism: int = 1
    chunk_s: float = 600.0
    checkpoint_s: float = 0.0
    checkpoint_interval_s: float | None = None
    input_gb: float = 0.0
    read_mb_per_s: float = 100.0
    interruption_per_hour: float = 0.0
    spot_interruption_per_hour: float = 0.05
    deadline_s: float | None = None
    architecture: str = "x86_64"
    free_tier: bool = True

    def __post_init__(self) -> None:
        check_positive("batch_job.work_s", self.work_s)
        check_range("batch_job.memory_mb", self.memory_mb, 128, 10 * 1024 * 1024, "MB")
        check_non_negative("batch_job.runs_per_month", self.runs_per_month)
        if self.chunkable not in (True, False, None):
            raise InvalidParameterError("batch_job.chunkable", self.chunkable, "true, false or null (not declared)")
        check_int("batch_job.parallelism", self.parallelism, minimum=1)
        check_positive("batch_job.chunk_s", self.chunk_s)
        check_non_negative("batch_job.checkpoint_s", self.checkpoint_s)
        if self.checkpoint_interval_s is not None:
            check_positive("batch_job.checkpoint_interval_s", self.checkpoint_interval_s)
        check_non_negative("batch_job.input_gb", self.input_gb)
        check_positive("batch_job.read_mb_per_s", self.read_mb_per_s)
        check_non_negative("batch_job.interruption_per_hour", self.interruption_per_hour)
        check_non_negative("batch_job.spot_interruption_per_hour", self.spot_interruption_per_hour)
        if self.deadline_s is not None:
            check_positive("batch_job.deadline_s", self.deadline_s)
        check_choice("batch_job.architecture", self.architecture, ("x86_64", "arm64"))

    @property
    def read_s(self) -> float:
        """Time to read the whole input once [s]."""
        return self.input_gb * 1024.0 / self.read_mb_per_s

    def with_(self, **changes: Any) -> BatchJob:
        """A copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Platforms:
    """How each platform runs the job (sizes, start times, orchestration shape).

    Parameters
    ----------
    lambda_init_s : float
        Cold start (INIT) of a chunk function [s]; billed.
    lambda_concurrency : int
        Concurrency available to the chunk function.
    retry_interval_s : float
        Step Functions ``Retry.IntervalSeconds`` before a failed chunk runs again [s].
    states_per_chunk : float
        Standard transitions per chunk (the Map iteration's Task: 1).
    states_per_run : float
        Standard transitions per run outside the chunks (the Map state and a final state: 2).
    transition_latency_s : float
        Time Step Functions adds per state entered [s] (an assumption, 0.05).
    express_definition_kb : float
        Size of the Express state machine definition [KB].
    chunk_payload_kb : float
        Payload per chunk in the workflow state (a chunk's key range, a file name) [KB].
    dm_child_type : {"express", "standard"}
        Child workflow type of the Distributed Map (Express children cannot exceed 5 minutes:
        longer chunks switch to Standard children, with a note).
    dm_items_per_batch : int
        Chunks per Distributed Map child (``ItemBatcher.MaxItemsPerBatch``).
    fargate_vcpu, fargate_memory_gb : float
        Fargate task size (must be a valid Fargate size).
    fargate_start_s : float
        Fargate task start, image pull included [s]; billed.
    ec2_instance_type : str
        Instance type AWS Batch launches (from the price file's catalogue).
    ec2_start_s : float
        Instance boot and job placement [s]; billed.
    container_speed : float
        How much faster a container worker runs the work than the Lambda worker [-].
    """

    lambda_init_s: float = 1.0
    lambda_concurrency: int = 1000
    retry_interval_s: float = 1.0
    states_per_chunk: float = 1.0
    states_per_run: float = 2.0
    transition_latency_s: float = 0.05
    express_definition_kb: float = 4.0
    chunk_payload_kb: float = 1.0
    dm_child_type: str = "express"
    dm_items_per_batch: int = 1
    fargate_vcpu: float = 1.0
    fargate_memory_gb: float = 2.0
    fargate_start_s: float = 60.0
    ec2_instance_type: str = "m7i.large"
    ec2_start_s: float = 180.0
    container_speed: float = 1.0

    def __post_init__(self) -> None:
        for name in ("lambda_init_s", "retry_interval_s", "states_per_chunk", "states_per_run",
                     "transition_latency_s", "express_definition_kb", "chunk_payload_kb",
                     "fargate_start_s", "ec2_start_s"):
            check_non_negative(f"platforms.{name}", getattr(self, name))
        check_int("platforms.lambda_concurrency", self.lambda_concurrency, minimum=1)
        check_choice("platforms.dm_child_type", self.dm_child_type, sfn.CHILD_TYPES)
        check_int("platforms.dm_items_per_batch", self.dm_items_per_batch, minimum=1)
        check_positive("platforms.container_speed", self.container_speed)


# ==========================================================================================
# Results
# ==========================================================================================
@dataclass(frozen=True)
class Alternative:
    """One way of running the job, priced and timed.

    Attributes
    ----------
    name, label : str
        Key (``sfn_standard``...) and a readable name.
    kind : {"orchestrated", "container"}
    feasible : bool
        False with ``infeasible_reason`` when a limit rules it out (priced anyway where it can be).
    meets_deadline : bool or None
        None without a deadline.
    monthly_usd : float
        The month's bill total (rounded lines) [USD].
    per_run_usd : float
        Unrounded cost of one run at list prices, before any free tier [USD] (the monthly bill
        applies the free tiers when ``BatchJob.free_tier`` is set).
    wall_clock_s : float
        Expected time from start to finish of a run [s].
    failure_cost_usd : float
        Cost of one failure: the work it loses plus the restart, at this platform's rates [USD].
    failures_per_run : float
        Expected failures (interruptions, retried chunks) per run.
    expected_failure_usd_per_run : float
        What failures add to a run on average [USD].
    overhead_usd_per_run : float
        Orchestration (transitions, requests, INIT, checkpoints) or start-up cost per run [USD].
    overhead_s : float
        Wall-clock beyond the work itself divided over the concurrency [s].
    chunks : int
        Chunks per run (1 for a container run).
    concurrency : int
        Chunks running at once.
    bill : Bill
        The month's line items.
    notes : tuple of str
    """

    name: str
    label: str
    kind: str
    feasible: bool
    infeasible_reason: str
    meets_deadline: bool | None
    monthly_usd: float
    per_run_usd: float
    wall_clock_s: float
    failure_cost_usd: float
    failures_per_run: float
    expected_failure_usd_per_run: float
    overhead_usd_per_run: float
    overhead_s: float
    chunks: int
    concurrency: int
    bill: Bill = field(repr=False, default_factory=Bill)
    notes: tuple = ()

    @property
    def candidate(self) -> bool:
        """Feasible and, if a deadline is set, meeting it."""
        return self.feasible and self.meets_deadline is not False

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k != "bill"}
        d["notes"] = list(self.notes)
        d["bill"] = self.bill.to_dict()
        return d


@dataclass(frozen=True)
class AlternativesTable:
    """Every alternative for one job (or pipeline), the winner and why.

    Attributes
    ----------
    subject : str
        ``"batch job"`` or ``"pipeline"``.
    rows : tuple of Alternative
    winner : str or None
        The cheapest candidate (feasible, meeting the deadline); ties (within a cent) go to
        the faster. None if nothing is feasible.
    reason : str
        One line: the winner's cost and time against the best of the other kind.
    breakeven : dict
        ``chunk_s`` and ``work_s`` break-evens (see :func:`breakeven_chunk_s`), when computed.
    inputs : dict
        The job (or pipeline) and platform settings used.
    """

    subject: str
    rows: tuple
    winner: str | None
    reason: str
    breakeven: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)

    def row(self, name: str) -> Alternative:
        """The row called ``name``."""
        for r in self.rows:
            if r.name == name:
                return r
        raise UnknownNameError("alternative", name, [r.name for r in self.rows])

    @property
    def winner_kind(self) -> str | None:
        return None if self.winner is None else self.row(self.winner).kind

    def best(self, kind: str) -> Alternative | None:
        """The cheapest candidate of one kind (``orchestrated`` or ``container``)."""
        return _best([r for r in self.rows if r.kind == kind])

    def to_frame(self) -> pd.DataFrame:
        """One row per alternative (pandas DataFrame)."""
        cols = ["label", "kind", "feasible", "meets_deadline", "monthly_usd", "per_run_usd", "wall_clock_s",
                "failure_cost_usd", "failures_per_run", "overhead_usd_per_run", "overhead_s", "chunks",
                "concurrency", "infeasible_reason"]
        return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in self.rows],
                            index=pd.Index([r.name for r in self.rows], name="alternative"))

    def to_dict(self) -> dict:
        return {"subject": self.subject, "winner": self.winner, "winner_kind": self.winner_kind,
                "reason": self.reason, "breakeven": dict(self.breakeven), "inputs": dict(self.inputs),
                "rows": [r.to_dict() for r in self.rows]}

    def to_text(self) -> str:
        return "\n".join(table_lines(self.to_dict()))

    def __str__(self) -> str:
        return self.to_text()


def _best(rows: Sequence[Alternative]) -> Alternative | None:
    cands = [r for r in rows if r.candidate]
    if not cands:
        return None
    low = min(r.monthly_usd for r in cands)
    tied = [r for r in cands if r.monthly_usd <= low + 0.01 + 1e-9]
    return min(tied, key=lambda r: (r.wall_clock_s, r.monthly_usd))


# ==========================================================================================
# Pricing one alternative
# ==========================================================================================
def _lambda_usd_per_s(memory_mb: float, architecture: str, prices: Prices) -> float:
    return prices.tiers(f"lambda.duration_{architecture}")[0][1] * memory_mb / 1024.0


def _deadline(job: BatchJob, wall_s: float) -> bool | None:
    return None if job.deadline_s is None else bool(wall_s <= job.deadline_s + 1e-9)


def _chunking(job: BatchJob, plat: Platforms) -> tuple[float, int, float]:
    """(chunk work c, chunks n, one chunk's invocation duration d) of the orchestrated versions."""
    c = min(float(job.chunk_s), float(job.work_s))
    n = int(math.ceil(job.work_s / c - 1e-9))
    c = job.work_s / n                               # equal chunks
    d = c + job.read_s / n + job.checkpoint_s
    return c, n, d


def _orchestrated(name: str, job: BatchJob, plat: Platforms, prices: Prices) -> Alternative:
    _, n, d = _chunking(job, plat)
    lam_h = job.interruption_per_hour
    notes: list[str] = []
    reasons: list[str] = []
    if job.chunkable is False:
        reasons.append("declared not chunkable (priced as if split)")
    elif job.chunkable is None:
        notes.append("chunkability not declared (batch_job.chunkable): priced as if the work splits into "
                     "independent chunks")
    if d + plat.lambda_init_s > LAMBDA_MAX_TIMEOUT_S:
        reasons.append(f"a chunk takes {d:,.0f} s + {plat.lambda_init_s:g} s INIT > "
                       f"Lambda's {LAMBDA_MAX_TIMEOUT_S:g} s "
                       "timeout (lower batch_job.chunk_s)")
    if job.memory_mb > LAMBDA_MEMORY_MB_RANGE[1]:
        reasons.append(f"{job.memory_mb:,} MB > Lambda's {LAMBDA_MEMORY_MB_RANGE[1]:,} MB")
    mem = int(min(max(job.memory_mb, LAMBDA_MEMORY_MB_RANGE[0]), LAMBDA_MEMORY_MB_RANGE[1]))

    fails_per_chunk = float(expected_failures(d, lam_h))
    lost = float(expected_lost_s(d, lam_h))
    failures = n * fails_per_chunk
    billed_s_chunk = d + fails_per_chunk * lost               # busy time, failed attempts included
    wall_chunk = billed_s_chunk + fails_per_chunk * (plat.lambda_init_s + plat.retry_interval_s)
    lat = plat.transition_latency_s

    if name == "sfn_standard":
        p = min(job.parallelism, sfn.INLINE_MAP_MAX_CONCURRENCY, plat.lambda_concurrency)
        if job.parallelism > sfn.INLINE_MAP_MAX_CONCURRENCY:
            notes.append(f"an Inline Map runs at most {sfn.INLINE_MAP_MAX_CONCURRENCY} iterations at once "
                         f"(parallelism {job.parallelism}): the Distributed Map row goes further")
        waves = math.ceil(n / p)
        wall = plat.lambda_init_s + waves * (wall_chunk + plat.states_per_chunk * lat) + plat.states_per_run * lat
        transitions = plat.states_per_run + n * plat.states_per_chunk + failures
        orch = sfn.standard_bill(job.runs_per_month * transitions, free_tier=job.free_tier, prices=prices)
        orch_run_usd = transitions * prices.usd("stepfunctions.standard_state_transition")
        notes.append(f"{transitions:,.1f} state transitions per run ({plat.states_per_run:g} + "
                     f"{n} chunks x {plat.states_per_chunk:g} + {failures:.3g} retries)")
    elif name == "sfn_express":
        p = min(job.parallelism, sfn.INLINE_MAP_MAX_CONCURRENCY, plat.lambda_concurrency)
        waves = math.ceil(n / p)
        wall = plat.lambda_init_s + waves * (wall_chunk + plat.states_per_chunk * lat) + plat.states_per_run * lat
        if wall > sfn.EXPRESS_MAX_DURATION_S:
            reasons.append(f"a run takes {wall:,.0f} s > the {sfn.EXPRESS_MAX_DURATION_S} s Express maximum "
                           f"({n} chunks, {p} at a time)")
        memory = sfn.express_memory_mb(plat.express_definition_kb, plat.chunk_payload_kb, n, prices=prices)
        orch = sfn.express_bill(job.runs_per_month, wall * 1000.0, memory_mb=memory, prices=prices)
        billed_mb = sfn.express_billed_memory_mb(memory, prices=prices)
        orch_run_usd = (prices.usd("stepfunctions.express_request")
                        + float(sfn.express_gb_hours(1, wall * 1000.0, billed_mb, prices=prices))
                        * prices.tiers("stepfunctions.express_duration")[0][1])
        notes.append(f"one Express execution per run: {wall:,.1f} s x {billed_mb:g} MB billed")
    else:  # sfn_distributed_map
        batch = min(plat.dm_items_per_batch, n)
        child_type = plat.dm_child_type
        child_s = batch * (wall_chunk + lat) + lat
        if child_type == "express" and child_s > sfn.EXPRESS_MAX_DURATION_S:
            if wall_chunk + 2 * lat <= sfn.EXPRESS_MAX_DURATION_S:
                batch = max(1, int((sfn.EXPRESS_MAX_DURATION_S - lat) // (wall_chunk + lat)))
                child_s = batch * (wall_chunk + lat) + lat
                notes.append(f"Express children hold at most 5 minutes: {batch} chunk(s) per child")
            else:
                child_type = "standard"
                notes.append(f"a chunk ({wall_chunk:,.0f} s) exceeds the 5-minute Express maximum: "
                             "Standard children")
        children = math.ceil(n / batch)
        p = min(job.parallelism, sfn.DISTRIBUTED_MAP_MAX_CONCURRENCY, plat.lambda_concurrency)
        p_children = max(1, min(children, math.ceil(p / batch) if batch > 1 else p))
        waves = math.ceil(children / p_children)
        wall = plat.lambda_init_s + waves * child_s + plat.states_per_run * lat
        kw = dict(child_type=child_type, max_items_per_batch=batch, item_kb=plat.chunk_payload_kb,
                  child_states=plat.states_per_chunk * batch, child_retries=fails_per_chunk * batch,
                  child_duration_ms=child_s * 1000.0 if child_type == "express" else 0.0,
                  parent_states=plat.states_per_run, item_reader="s3_file", reader_files=1, result_files=0)
        orch = sfn.distributed_map_bill(job.runs_per_month, n, free_tier=job.free_tier, prices=prices, **kw)
        orch_run_usd = sfn.distributed_map_bill(1, n, free_tier=False, prices=prices, **kw).unrounded_total_usd
        p = p_children * batch
        notes.append(f"{children} {child_type} child execution(s) per run, {batch} chunk(s) each, "
                     f"{p_children} at a time; chunk list read from one S3 file")

    requests_run = n + failures
    cold_run = min(n, p) + failures
    lam_bill = lambda_bill(
        job.runs_per_month * requests_run,
        billed_s_chunk * n / requests_run * 1000.0 if requests_run else 0.0,
        mem, job.architecture, free_tier=job.free_tier,
        cold_starts=job.runs_per_month * cold_run, init_duration_ms=plat.lambda_init_s * 1000.0, prices=prices,
    )
    usd_s = _lambda_usd_per_s(mem, job.architecture, prices)
    lam_run_usd = (requests_run * prices.usd("lambda.request")
                   + (billed_s_chunk * n + cold_run * plat.lambda_init_s) * usd_s)
    per_run = lam_run_usd + orch_run_usd
    bill = lam_bill.named("Lambda chunks: ") + orch.named("Step Functions: ")
    retry_usd = prices.usd("stepfunctions.standard_state_transition") if name == "sfn_standard" else 0.0
    failure_cost = (lost + plat.lambda_init_s) * usd_s + prices.usd("lambda.request") + retry_usd
    overhead_usd = (orch_run_usd + requests_run * prices.usd("lambda.request")
                    + (cold_run * plat.lambda_init_s + n * job.checkpoint_s) * usd_s)
    return Alternative(
        name=name, label=_LABELS[name], kind="orchestrated", feasible=not reasons,
        infeasible_reason="; ".join(reasons), meets_deadline=_deadline(job, wall),
        monthly_usd=bill.total_usd, per_run_usd=per_run, wall_clock_s=wall, failure_cost_usd=failure_cost,
        failures_per_run=failures, expected_failure_usd_per_run=failures * failure_cost,
        overhead_usd_per_run=overhead_usd, overhead_s=wall - (job.work_s + job.read_s) / p,
        chunks=n, concurrency=int(p), bill=bill, notes=tuple(notes),
    )


def _container_run(job: BatchJob, speed: float, start_s: float, lam_h: float) -> tuple[float, float, float, int]:
    """(expected run seconds from start to finish, failures, mean lost seconds per failure,
    checkpoints) of one container run with checkpoints and restarts."""
    work = job.work_s / speed
    k = job.checkpoint_interval_s
    if k is None or k >= work:
        segs = np.array([work + job.read_s])
    else:
        full = int(work // k)
        rest = work - full * k
        segs = np.array([k + job.checkpoint_s] * full + ([rest] if rest > 1e-9 else []))
        if rest <= 1e-9:
            segs[-1] -= job.checkpoint_s             # no checkpoint after the last segment
        segs[0] += job.read_s
    restart = start_s + job.checkpoint_s              # a new task or instance, then restore the checkpoint
    total = start_s + float(np.sum(expected_segment_s(segs, lam_h, restart)))
    fails = float(np.sum(expected_failures(segs, lam_h)))
    lost = (float(np.sum(np.asarray(expected_failures(segs, lam_h)) * np.asarray(expected_lost_s(segs, lam_h)))) / fails
            if fails > 0 else float(np.mean(expected_lost_s(segs, 0.0))))
    return total, fails, lost, len(segs) - 1


def _container(name: str, job: BatchJob, plat: Platforms, prices: Prices) -> Alternative:
    spot = name.endswith("spot")
    lam_h = job.spot_interruption_per_hour if spot else job.interruption_per_hour
    reasons: list[str] = []
    notes: list[str] = []
    if name.startswith("fargate"):
        arch = job.architecture
        if spot and arch != "x86_64":
            reasons.append("Fargate Spot runs x86_64 Linux tasks only (ECS capacity providers; AWS Batch "
                           "RuntimePlatform): priced at the x86_64 Spot rate")
            arch = "x86_64"
        check_fargate_task_size(plat.fargate_vcpu, plat.fargate_memory_gb, prices)
        if plat.fargate_memory_gb * 1024 < job.memory_mb:
            reasons.append(f"the task's {plat.fargate_memory_gb:g} GB < the job's {job.memory_mb:,} MB")
        start = plat.fargate_start_s
        total, fails, lost, ckpts = _container_run(job, plat.container_speed, start, lam_h)
        purchase = "spot" if spot else "on_demand"
        billed = max(math.ceil(total - 1e-9), 60.0)
        bill = fargate_bill(plat.fargate_vcpu, plat.fargate_memory_gb, job.runs_per_month * billed,
                            architecture=arch, purchase=purchase, prices=prices)
        usd_s = fargate_usd_per_task_s(plat.fargate_vcpu, plat.fargate_memory_gb, architecture=arch,
                                       purchase=purchase, prices=prices)
        notes.append(f"{plat.fargate_vcpu:g} vCPU / {plat.fargate_memory_gb:g} GB task, {arch}; "
                     f"{start:g} s start billed (image pull)")
        bill = bill.named("Fargate task: ")
    else:
        spec = prices.instance_type(plat.ec2_instance_type)
        if spec["memory_gib"] * 1024 < job.memory_mb:
            reasons.append(f"{plat.ec2_instance_type} has {spec['memory_gib']:g} GiB < the job's {job.memory_mb:,} MB")
        start = plat.ec2_start_s
        total, fails, lost, ckpts = _container_run(job, plat.container_speed, start, lam_h)
        billed = max(math.ceil(total - 1e-9), 60.0)
        purchase = "spot" if spot else "on_demand"
        bill = ec2_bill(plat.ec2_instance_type, job.runs_per_month * billed / _S_PER_H, purchase=purchase,
                        prices=prices).named("AWS Batch on EC2: ")
        usd_s = ec2_usd_per_hour(plat.ec2_instance_type, purchase, prices) / _S_PER_H
        notes.append(f"{plat.ec2_instance_type} ({spec['architecture']}), {start:g} s boot billed; "
                     "no charge for AWS Batch itself")
    if spot:
        notes.append(f"Spot interruptions assumed at {lam_h:g}/h (2-minute notice not used to checkpoint)")
    if job.checkpoint_interval_s is None and fails > 0:
        notes.append("no checkpoints: an interruption restarts the run from zero")
    per_run = billed * usd_s
    failure_cost = (lost + start + job.checkpoint_s) * usd_s
    overhead_usd = (start + ckpts * job.checkpoint_s) * usd_s
    return Alternative(
        name=name, label=_LABELS[name], kind="container", feasible=not reasons,
        infeasible_reason="; ".join(reasons), meets_deadline=_deadline(job, total),
        monthly_usd=bill.total_usd, per_run_usd=per_run, wall_clock_s=total, failure_cost_usd=failure_cost,
        failures_per_run=fails, expected_failure_usd_per_run=fails * failure_cost,
        overhead_usd_per_run=overhead_usd, overhead_s=total - (job.work_s / plat.container_speed + job.read_s),
        chunks=1, concurrency=1, bill=bill, notes=tuple(notes),
    )


def price_alternative(name: str, job: BatchJob, platforms: Platforms | None = None, *,
                      prices: Prices | None = None) -> Alternative:
    """Price and time one alternative (``name`` from :data:`ALTERNATIVES`) for ``job``."""
    prices = _prices(prices)
    check_choice("alternative", name, ALTERNATIVES)
    plat = platforms or Platforms()
    if name in ORCHESTRATED:
        return _orchestrated(name, job, plat, prices)
    return _container(name, job, plat, prices)


def compare_batch_alternatives(job: BatchJob, platforms: Platforms | None = None, *,
                               alternatives: Iterable[str] = ALTERNATIVES, prices: Prices | None = None,
                               breakeven: bool = True) -> AlternativesTable:
    """Price and time ``job`` on every alternative; pick the winner; find the break-evens.

    The winner is the cheapest alternative that is feasible and meets the deadline (ties
    within a cent go to the faster). With ``breakeven``, the chunk size and job length at
    which the best orchestrated alternative costs what the best container alternative costs
    are added (:func:`breakeven_chunk_s`, :func:`breakeven_work_s`).
    """
    prices = _prices(prices)
    plat = platforms or Platforms()
    rows = tuple(price_alternative(a, job, plat, prices=prices) for a in alternatives)
    table = AlternativesTable("batch job", rows, None, "", {}, {"job": asdict(job), "platforms": asdict(plat)})
    win = _best(rows)
    reason = _reason(table, win, job)
    be: dict = {}
    if breakeven:
        orch, cont = table.best("orchestrated"), table.best("container")
        o_name = orch.name if orch else next((r.name for r in rows if r.kind == "orchestrated"), None)
        c_name = cont.name if cont else next((r.name for r in rows if r.kind == "container" and r.feasible), None)
        if o_name and c_name:
            be = {"orchestrated": o_name, "container": c_name,
                  "chunk_s": breakeven_chunk_s(job, plat, orchestrated=o_name, container=c_name, prices=prices),
                  "work_s": breakeven_work_s(job, plat, orchestrated=o_name, container=c_name, prices=prices)}
    return replace(table, winner=win.name if win else None, reason=reason, breakeven=be)


def fmt_duration_s(s: float) -> str:
    """A duration for people: ``45 s``, ``12.5 min``, ``3.2 h``."""
    if s < 120:
        return f"{s:,.0f} s"
    if s < 7200:
        return f"{s / 60:,.1f} min"
    return f"{s / 3600:,.1f} h"


def _why_not(r: Alternative, job: BatchJob) -> str:
    if r.infeasible_reason:
        return r.infeasible_reason
    if r.meets_deadline is False:
        # meets_deadline is False only when the job has a deadline
        return f"{fmt_duration_s(r.wall_clock_s)} > the {fmt_duration_s(cast(float, job.deadline_s))} deadline"
    return ""


def _reason(table: AlternativesTable, win: Alternative | None, job: BatchJob) -> str:
    if win is None:
        return "no alternative is feasible" + (" within the deadline" if job.deadline_s else "")
    other_kind = "container" if win.kind == "orchestrated" else "orchestrated"
    other = table.best(other_kind)
    head = f"{win.label}: ${win.monthly_usd:,.2f}/month, {fmt_duration_s(win.wall_clock_s)} per run"
    if other is None:
        rest = [r for r in table.rows if r.kind == other_kind]
        cheapest = min(rest, key=lambda r: r.monthly_usd) if rest else None
        if cheapest is None:
            return head
        return (f"{head}; the cheapest {other_kind} alternative, {cheapest.label} "
                f"(${cheapest.monthly_usd:,.2f}/month, {fmt_duration_s(cheapest.wall_clock_s)}), does not qualify: "
                f"{_why_not(cheapest, job)}")
    return f"{head} vs {other.label}: ${other.monthly_usd:,.2f}/month, {fmt_duration_s(other.wall_clock_s)}"


# ==========================================================================================
# Break-evens
# ==========================================================================================
def _cost(name: str, job: BatchJob, plat: Platforms, prices: Prices) -> float:
    return price_alternative(name, job, plat, prices=prices).bill.unrounded_total_usd


def _crossings(xs: FloatArray, diff: FloatArray, f: Callable[[float], float]) -> list[float]:
    out: list[float] = []
    for i in range(len(xs) - 1):
        a, b = diff[i], diff[i + 1]
        if a == 0:
            out.append(float(xs[i]))
        elif a * b < 0:
            lo, hi, flo = xs[i], xs[i + 1], a
            for _ in range(40):
                mid = math.sqrt(lo * hi)
                fm = f(mid)
                if fm * flo <= 0:
                    hi = mid
                else:
                    lo, flo = mid, fm
                if hi / lo < 1 + 1e-4:
                    break
            out.append(float(hi))
    return out


def breakeven_chunk_s(job: BatchJob, platforms: Platforms | None = None, *, orchestrated: str = "sfn_standard",
                      container: str = "fargate_on_demand", prices: Prices | None = None,
                      n_grid: int = 48) -> dict:
    """The chunk size at which the orchestrated version costs what the container does.

    Small chunks multiply the per-chunk overhead (transitions, requests, INIT,
    checkpoints); large chunks lose more work per failure. The month's cost of
    ``orchestrated`` is evaluated over chunk sizes from 1 s to the largest that fits
    Lambda's 900 s (a log grid, refined by bisection) against ``container``'s.

    Returns
    -------
    dict
        ``chunk_s``: the smallest chunk size [s] at or above which the orchestrated version
        is no dearer (None if it is dearer at every size); ``cheaper_at_every_size``;
        ``range_s`` searched; ``container_monthly_usd``; ``crossings_s`` (all sign changes);
        ``reason``.
    """
    prices = _prices(prices)
    plat = platforms or Platforms()
    top = min(job.work_s, LAMBDA_MAX_TIMEOUT_S - plat.lambda_init_s - job.checkpoint_s - job.read_s)
    if top < 1.0:
        return {"chunk_s": None, "cheaper_at_every_size": False, "range_s": None, "crossings_s": [],
                "container_monthly_usd": None,
                "reason": "no chunk size fits Lambda's 900 s with this read and checkpoint time"}
    target = _cost(container, job, plat, prices)
    xs = np.unique(np.geomspace(1.0, top, n_grid))

    def f(c: float) -> float:
        return _cost(orchestrated, job.with_(chunk_s=float(c)), plat, prices) - target

    diff = np.array([f(x) for x in xs])
    cross = _crossings(xs, diff, f)
    cheaper = diff <= 0
    if cheaper.all():
        chunk, reason = float(xs[0]), f"cheaper than {container} at every chunk size from 1 to {top:,.0f} s"
    elif not cheaper.any():
        chunk, reason = None, f"dearer than {container} at every chunk size from 1 to {top:,.0f} s"
    else:
        # the smallest size from which the orchestrated version stays no dearer up to the next crossing
        first = int(np.flatnonzero(cheaper)[0])
        below = xs[first - 1] if first else 0.0
        chunk = next((c for c in cross if below <= c <= xs[first] + 1e-9), float(xs[first]))
        reason = (f"chunks shorter than {chunk:,.0f} s make {orchestrated} dearer than {container} "
                  "(per-chunk transitions, requests and INIT)")
        if not cheaper[-1]:
            reason += f"; above {cross[-1]:,.0f} s failures redo too much work"
    return {"chunk_s": chunk, "cheaper_at_every_size": bool(cheaper.all()), "range_s": [1.0, float(top)],
            "crossings_s": cross, "container_monthly_usd": target, "reason": reason}


def breakeven_work_s(job: BatchJob, platforms: Platforms | None = None, *, orchestrated: str = "sfn_standard",
                     container: str = "fargate_on_demand", prices: Prices | None = None,
                     low_s: float = 1.0, high_s: float = 86_400.0, n_grid: int = 48) -> dict:
    """The job length (work per run) at which the orchestrated version costs what the container does.

    Everything else about the job is held; chunks keep ``job.chunk_s``.

    Returns
    -------
    dict
        ``work_s``: the first crossing [s] (None if none in ``[low_s, high_s]``);
        ``orchestrated_cheaper_below`` (True when the orchestrated version is cheaper for
        shorter jobs); ``crossings_s``; ``reason``.
    """
    prices = _prices(prices)
    plat = platforms or Platforms()
    check_positive("low_s", low_s)
    if high_s <= low_s:
        raise InvalidParameterError("high_s", high_s, f"greater than low_s ({low_s:g})")
    xs = np.geomspace(low_s, high_s, n_grid)

    def f(w: float) -> float:
        j = job.with_(work_s=float(w))
        return _cost(orchestrated, j, plat, prices) - _cost(container, j, plat, prices)

    diff = np.array([f(x) for x in xs])
    cross = _crossings(xs, diff, f)
    if not cross:
        side = "cheaper" if diff[0] <= 0 else "dearer"
        return {"work_s": None, "orchestrated_cheaper_below": None, "crossings_s": [], "range_s": [low_s, high_s],
                "reason": f"{orchestrated} is {side} than {container} for every job length from "
                          f"{fmt_duration_s(low_s)} to {fmt_duration_s(high_s)}"}
    below = bool(diff[0] <= 0)
    w = cross[0]
    return {"work_s": w, "orchestrated_cheaper_below": below, "crossings_s": cross, "range_s": [low_s, high_s],
            "reason": (f"{orchestrated} is {'cheaper' if below else 'dearer'} than {container} for runs shorter than "
                       f"{fmt_duration_s(w)} of work, {'dearer' if below else 'cheaper'} above")}


def alternatives_sweep(job: BatchJob, platforms: Platforms | None = None, *, parameter: str, values: Sequence[float],
                       alternatives: Iterable[str] = ALTERNATIVES, prices: Prices | None = None) -> pd.DataFrame:
    """Each alternative's month and run time as one job field varies (a long DataFrame).

    Parameters
    ----------
    job : BatchJob
    platforms : Platforms, optional
    parameter : str
        A :class:`BatchJob` field (``chunk_s``, ``work_s``, ``interruption_per_hour``,
        ``parallelism``, ``checkpoint_interval_s``...).
    values : sequence
        Values of that field.
    alternatives : iterable of str
        Names from :data:`ALTERNATIVES`.

    Returns
    -------
    pandas.DataFrame
        One row per (value, alternative): ``parameter``, ``alternative``, ``label``, ``kind``,
        ``feasible``, ``monthly_usd`` (rounded bill), ``unrounded_monthly_usd``,
        ``per_run_usd``, ``wall_clock_s``, ``failures_per_run``.
    """
    prices = _prices(prices)
    plat = platforms or Platforms()
    if parameter not in BatchJob.__dataclass_fields__:
        raise InvalidParameterError("parameter", parameter,
                                    "a BatchJob field: " + ", ".join(BatchJob.__dataclass_fields__))
    names = [check_choice("alternatives", a, ALTERNATIVES) for a in alternatives]
    rows = []
    for v in values:
        j = job.with_(**{parameter: v})
        for name in names:
            r = price_alternative(name, j, plat, prices=prices)
            rows.append({parameter: v, "alternative": name, "label": r.label, "kind": r.kind, "feasible": r.feasible,
                         "monthly_usd": r.monthly_usd, "unrounded_monthly_usd": r.bill.unrounded_total_usd,
                         "per_run_usd": r.per_run_usd, "wall_clock_s": r.wall_clock_s,
                         "failures_per_run": r.failures_per_run})
    return pd.DataFrame(rows)


# ==========================================================================================
# Pipelines of short stages
# ==========================================================================================
@dataclass(frozen=True)
class Stage:
    """One stage of a pipeline.

    Parameters
    ----------
    name : str
    duration_ms : float
        Work per item at this stage [ms].
    memory_mb : int
        Memory of the stage's function [MB].
    fanout : float
        Items this stage emits per item it receives (a splitter: 50); the next stage runs
        that many times per input item.
    """

    name: str
    duration_ms: float
    memory_mb: int = 512
    fanout: float = 1.0

    def __post_init__(self) -> None:
        check_non_negative(f"stages[{self.name}].duration_ms", self.duration_ms)
        check_range(f"stages[{self.name}].memory_mb", self.memory_mb, *LAMBDA_MEMORY_MB_RANGE, "MB")
        check_positive(f"stages[{self.name}].fanout", self.fanout)


def _stage_runs(stages: Sequence[Stage]) -> list[float]:
    """Runs of each stage per input item."""
    runs, k = [], 1.0
    for s in stages:
        runs.append(k)
        k *= s.fanout
    return runs


def pipeline_alternatives(stages: Sequence[Stage], items_per_month: float, *, free_tier: bool = True,
                          architecture: str = "x86_64", sqs_batch_size: int = 10, message_kb: float = 1.0,
                          fargate_vcpu: float = 0.5, fargate_memory_gb: float = 1.0, min_tasks: int = 1,
                          target_utilisation: float = 0.6, container_speed: float = 1.0,
                          transition_latency_s: float = 0.05, queue_hop_latency_s: float = 0.1,
                          prices: Prices | None = None) -> AlternativesTable:
    """A pipeline of short stages three ways: a Lambda chain under Step Functions (Standard
    and Express), a queue of Lambdas (SQS between stages), one container worker.

    Parameters
    ----------
    stages : sequence of Stage
        In order; a stage with ``fanout`` > 1 feeds the next stage that many items (an
        Inline Map in the state machine, that many messages on the queue).
    items_per_month : float
        Input items (uploads, documents) per month.
    sqs_batch_size : int
        Messages per Lambda invocation from a queue (the event source mapping's BatchSize).
    message_kb : float
        Size of one queue message [KB].
    fargate_vcpu, fargate_memory_gb, min_tasks, target_utilisation : float
        The container worker: a Fargate service running every stage in one process, sized
        for the month's busy time at ``target_utilisation`` (at least ``min_tasks`` always on).
    transition_latency_s, queue_hop_latency_s : float
        Added latency per state entered, per queue hop [s] (assumptions).

    Returns
    -------
    AlternativesTable
        Rows ``sfn_standard_chain``, ``sfn_express_chain``, ``lambda_queue_chain``,
        ``fargate_worker``; ``wall_clock_s`` is the latency of one item through the pipeline
        (its fan-out running in parallel); ``overhead_usd_per_run`` the orchestration or
        queue cost per item.
    """
    prices = _prices(prices)
    stages = list(stages)
    if not stages:
        raise InvalidParameterError("stages", stages, "at least one Stage")
    check_non_negative("items_per_month", items_per_month)
    check_int("sqs_batch_size", sqs_batch_size, minimum=1)
    runs = _stage_runs(stages)
    m = float(items_per_month)
    work_item_s = sum(r * s.duration_ms / 1000.0 for r, s in zip(runs, stages))
    latency_work_s = sum(s.duration_ms / 1000.0 for s in stages)   # fan-out runs in parallel
    # under Step Functions a fanned-out stage is an Inline Map: at most 40 iterations at once
    latency_sfn_s = sum(s.duration_ms / 1000.0 * math.ceil(r / sfn.INLINE_MAP_MAX_CONCURRENCY - 1e-9)
                        for s, r in zip(stages, runs))
    # the account's free tier goes to the stage with the most GB-s (one function may carry it)
    biggest = max(range(len(stages)), key=lambda i: runs[i] * stages[i].duration_ms * stages[i].memory_mb)
    lambda_fns: list[dict[str, Any]] = [dict(name=s.name, requests=m * r, duration_ms=s.duration_ms, memory_mb=s.memory_mb,
                       architecture=architecture, free_tier=(i == biggest and free_tier))
                  for i, (s, r) in enumerate(zip(stages, runs))]
    lam = lambda_account_bill(lambda_fns, prices=prices)
    rows = []
    # Standard chain: one Task per stage run; a Map state before each fanned-out stage; Start and Succeed.
    maps = sum(1 for s in stages[:-1] if s.fanout != 1)
    trans_item = sum(runs) + maps + 1
    std = sfn.standard_bill(m * trans_item, free_tier=free_tier, prices=prices)
    lat_std = latency_sfn_s + (len(stages) + maps + 1) * transition_latency_s
    rows.append(_pipeline_row("sfn_standard_chain", "Lambda chain under Step Functions Standard",
                              lam.named("Lambda: ") + std.named("Step Functions: "), m, lat_std,
                              trans_item * prices.usd("stepfunctions.standard_state_transition"),
                              [f"{trans_item:,.0f} state transitions per item"]))
    exp_mem = sfn.express_memory_mb(4.0, message_kb, max(1.0, sum(runs) - 1), prices=prices)
    express_ok = lat_std <= sfn.EXPRESS_MAX_DURATION_S
    ex = sfn.express_bill(m, lat_std * 1000.0, memory_mb=exp_mem, prices=prices)
    ex_item = ex.unrounded_total_usd / m if m else 0.0
    rows.append(_pipeline_row("sfn_express_chain", "Lambda chain under Step Functions Express",
                              lam.named("Lambda: ") + ex.named("Step Functions: "), m, lat_std, ex_item,
                              [f"one Express execution per item, {lat_std:,.1f} s; at-least-once: "
                               "steps must be idempotent"],
                              "" if express_ok else f"an item takes {lat_std:,.0f} s > the 300 s Express maximum"))
    # queue of Lambdas: one queue in front of every stage after the first
    msgs = sum(runs[1:]) * m
    sqs_requests = msgs * (1.0 + 2.0 / sqs_batch_size)    # send, then receive and delete in batches
    queue_fns = [dict(f, requests=f["requests"] / (sqs_batch_size if i > 0 else 1),
                      duration_ms=f["duration_ms"] * (sqs_batch_size if i > 0 else 1))
                 for i, f in enumerate(lambda_fns)]
    lam_q = lambda_account_bill(queue_fns, prices=prices)
    q = sqs_bill(sqs_requests, payload_kb=message_kb, free_tier=free_tier, prices=prices)
    lat_q = latency_work_s + (len(stages) - 1) * queue_hop_latency_s
    rows.append(_pipeline_row("lambda_queue_chain", "Queue of Lambdas (SQS between stages)",
                              lam_q.named("Lambda: ") + q.named("SQS: "), m, lat_q,
                              q.unrounded_total_usd / m if m else 0.0,
                              [f"{sqs_requests / m if m else 0:,.1f} SQS requests per item "
                               f"(batch size {sqs_batch_size})"]))
    # one container worker (a Fargate service) running every stage in-process
    busy_h = m * work_item_s / container_speed / _S_PER_H
    hours = prices.value("ec2.hours_per_month")
    task_hours = max(min_tasks * hours, busy_h / (fargate_vcpu * target_utilisation) if fargate_vcpu else 0.0)
    fg = fargate_bill(fargate_vcpu, fargate_memory_gb, task_hours * _S_PER_H, architecture=architecture,
                      prices=prices)
    rows.append(_pipeline_row("fargate_worker", "One container worker (Fargate service)",
                              fg.named("Fargate: "), m, latency_work_s / container_speed, 0.0,
                              [f"{task_hours / hours:,.2f} tasks on average ({min_tasks} always on, "
                               f"{target_utilisation:.0%} target utilisation)"], kind="container"))
    done = tuple(rows)
    table = AlternativesTable("pipeline", done, None, "", {},
                              {"stages": [asdict(s) for s in stages], "items_per_month": m})
    win = _best(done)
    reason = "no alternative is feasible" if win is None else (
        f"{win.label}: ${win.monthly_usd:,.2f}/month, {win.wall_clock_s:,.2f} s per item; "
        + "; ".join(f"{r.label} ${r.monthly_usd:,.2f}" for r in done if r.name != win.name))
    return replace(table, winner=win.name if win else None, reason=reason)


def _pipeline_row(name: str, label: str, bill: Bill, items: float, latency_s: float, overhead_item_usd: float,
                  notes: Sequence[str], infeasible: str = "", kind: str = "orchestrated") -> Alternative:
    return Alternative(
        name=name, label=label, kind=kind, feasible=not infeasible, infeasible_reason=infeasible,
        meets_deadline=None, monthly_usd=bill.total_usd,
        per_run_usd=bill.unrounded_total_usd / items if items else 0.0, wall_clock_s=latency_s,
        failure_cost_usd=0.0, failures_per_run=0.0, expected_failure_usd_per_run=0.0,
        overhead_usd_per_run=overhead_item_usd, overhead_s=0.0, chunks=1, concurrency=1, bill=bill,
        notes=tuple(notes))


def table_lines(ev: Mapping[str, Any]) -> list[str]:
    """Text lines for a table dict (``AlternativesTable.to_dict()``) or the decision's
    ``long_running`` evidence (``{"batch_job": ..., "pipeline": ...}``)."""
    if "rows" not in ev:
        out: list[str] = []
        for key in ("batch_job", "pipeline"):
            if ev.get(key):
                out += [""] + table_lines(ev[key])
        return out
    job = ev["subject"] == "batch job"
    title = "Past 15 minutes: the same job on each platform" if job else "Pipeline of short stages"
    lines = [title]
    if job:
        head = ["alternative", "$/month", "per run", "wall-clock", "failure costs", "overhead/run", "note"]
        rows = []
        for r in ev["rows"]:
            note = r["infeasible_reason"] or ("misses deadline" if r["meets_deadline"] is False else "")
            mark = " *" if r["name"] == ev["winner"] else ""
            rows.append([r["label"] + mark, f"${r['monthly_usd']:,.2f}", f"${r['per_run_usd']:,.4f}",
                         fmt_duration_s(r["wall_clock_s"]), f"${r['failure_cost_usd']:,.4f}",
                         f"${r['overhead_usd_per_run']:,.4f}", note])
        lines += _table(head, rows, [44, 11, 10, 10, 13, 12, 40])
    else:
        head = ["alternative", "$/month", "latency/item", "overhead/item", "note"]
        rows = [[r["label"] + (" *" if r["name"] == ev["winner"] else ""), f"${r['monthly_usd']:,.2f}",
                 f"{r['wall_clock_s']:,.2f} s", f"${r['overhead_usd_per_run']:,.7f}",
                 r["infeasible_reason"] or "; ".join(r["notes"])] for r in ev["rows"]]
        lines += _table(head, rows, [44, 11, 12, 13, 50])
    lines.append(f"* wins: {ev['reason']}")
    for key in ("chunk_s", "work_s"):
        be = (ev.get("breakeven") or {}).get(key)
        if be:
            lines.append(f"break-even {'chunk size' if key == 'chunk_s' else 'job length'}: {be['reason']}")
    return lines


def _table(headers: list[str], rows: list[list[str]], max_widths: list[int]) -> list[str]:
    wrapped = [[textwrap.wrap(str(c), w) or [""] for c, w in zip(r, max_widths)] for r in rows]
    widths = [max([len(headers[i])] + [len(line) for r in wrapped for line in r[i]]) for i in range(len(headers))]
    sep = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    out = [sep, "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |", sep]
    for r in wrapped:
        for j in range(max(len(c) for c in r)):
            out.append("| " + " | ".join((c[j] if j < len(c) else "").ljust(w) for c, w in zip(r, widths)) + " |")
    out.append(sep)
    return out
