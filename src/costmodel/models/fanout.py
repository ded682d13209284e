"""Fan-out cost explosion, modelled on purpose.

The seed's failure mode: *"One S3 upload triggers a Lambda that creates 50 SQS messages,
each triggering another Lambda. At 10K uploads/day that's 500K invocations/day. Fix:
model the fan-out intentionally — use batch processing (process N records per
invocation), set explicit concurrency limits, alert on invocation count anomalies."*

The chain modelled here::

    S3 upload ──► splitter Lambda ──► fanout_factor SQS messages ──► worker Lambda
                   (1 per upload)       (SendMessageBatch, 10/call)    (batch_size messages
                                                                         per invocation,
                                                                         concurrency_cap)

Arithmetic (all per day, ``U`` uploads, fan-out ``F``, batch size ``b``)::

    messages            = U·F
    worker invocations  = U·F / b          (full batches: the SQS event source mapping
                                            fills a batch up to b, waiting up to its
                                            batching window; a lower bound when traffic
                                            is too thin to fill batches)
    splitter invocations = U
    worker duration     = overhead_ms + b · per_message_ms   (per invocation)

Money comes from :mod:`costmodel.models.bills`: this module only counts requests,
durations and SQS API calls and never prices anything itself.

Peak and backlog use a fluid model: uploads arrive at ``peak_to_mean`` times their mean
rate for ``peak_duration_s``; the workers serve at most
``capacity = concurrency_cap · b / (worker_duration_ms / 1000)`` messages per second;
above it the queue grows at ``arrival - capacity`` and drains afterwards at
``capacity - mean arrival``. :func:`queue_backlog` does the same for any arrival series
(the Lindley recursion, vectorised with a running minimum).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from costmodel._validate import (
    as_float_array,
    check_int,
    check_non_negative,
    check_positive,
    check_range,
)
from costmodel.errors import InvalidParameterError
from costmodel.models.bills import Bill, lambda_bill, sqs_bill
from costmodel.models.pricing import Prices, load_prices
from costmodel.models.traffic import MONTH_DAYS

__all__ = [
    "SQS_BATCH_MAX_MESSAGES",
    "FanoutResult",
    "fanout_counts",
    "fanout",
    "compare_batch_sizes",
    "queue_backlog",
    "invocation_alarm_threshold",
]

#: Messages per SendMessageBatch / ReceiveMessage / DeleteMessageBatch call (SQS API).
SQS_BATCH_MAX_MESSAGES = 10
#: Largest batch an SQS event source mapping accepts (standard queues, with a batching
#: window; FIFO queues and mappings without a window stop at 10).
ESM_BATCH_MAX = 10_000
SECONDS_PER_DAY = 86_400.0


def fanout_counts(uploads_per_day: Any, fanout_factor: Any, batch_size: Any = 1) -> dict:
    """Invocations and messages per day of the S3 → Lambda → SQS → Lambda chain.

    Pure arithmetic over scalars or numpy arrays (broadcast together).

    Parameters
    ----------
    uploads_per_day : float or array_like
        S3 uploads (splitter invocations) per day [1/day].
    fanout_factor : float or array_like
        SQS messages the splitter sends per upload [-].
    batch_size : float or array_like
        Messages per worker invocation [-], >= 1.

    Returns
    -------
    dict
        ``messages_per_day``, ``splitter_invocations_per_day``,
        ``worker_invocations_per_day``, ``total_invocations_per_day`` [1/day].

    Examples
    --------
    The seed's arithmetic: 10,000 uploads a day, 50 messages each, one message per
    invocation gives 500,000 worker invocations a day.

    >>> fanout_counts(10_000, 50)["worker_invocations_per_day"]
    500000.0
    """
    check_non_negative("uploads_per_day", uploads_per_day)
    check_non_negative("fanout_factor", fanout_factor)
    check_range("batch_size", batch_size, 1, ESM_BATCH_MAX)
    u = as_float_array("uploads_per_day", uploads_per_day)
    f = as_float_array("fanout_factor", fanout_factor)
    b = as_float_array("batch_size", batch_size)
    messages = u * f
    workers = messages / b
    out = {
        "messages_per_day": messages,
        "splitter_invocations_per_day": u * np.ones_like(workers),
        "worker_invocations_per_day": workers,
        "total_invocations_per_day": u + workers,
    }
    return {k: (v.item() if v.ndim == 0 else v) for k, v in out.items()}


def _sqs_calls(n_messages: int, message_kb: float, chunk_kb: float) -> tuple[int, int]:
    """(API calls, billed requests) to move ``n_messages`` in batch calls of up to 10.

    SQS bills each call per ``chunk_kb`` chunk of its payload (at least one request).
    """
    full, rest = divmod(int(n_messages), SQS_BATCH_MAX_MESSAGES)
    per_full = max(1, math.ceil(SQS_BATCH_MAX_MESSAGES * message_kb / chunk_kb))
    per_rest = max(1, math.ceil(rest * message_kb / chunk_kb)) if rest else 0
    calls = full + (1 if rest else 0)
    return calls, full * per_full + per_rest


def queue_backlog(arrival_per_s: Any, capacity_per_s: Any, step_s: float) -> np.ndarray:
    """Queue backlog after each step of a fluid queue (vectorised Lindley recursion).

    ``q[t] = max(0, q[t-1] + (a[t] - c[t])·Δt)`` with ``q[-1] = 0`` equals
    ``S[t] - min(0, min_{s<=t} S[s])`` where ``S`` is the cumulative sum of
    ``(a - c)·Δt``; computed that way, without a Python loop.

    Parameters
    ----------
    arrival_per_s : array_like
        Messages arriving per second in each step [1/s].
    capacity_per_s : float or array_like
        Messages the consumers can process per second in each step [1/s].
    step_s : float
        Step length [s].

    Returns
    -------
    numpy.ndarray
        Messages waiting at the end of each step [-].
    """
    check_non_negative("arrival_per_s", arrival_per_s)
    check_non_negative("capacity_per_s", capacity_per_s)
    check_positive("step_s", step_s)
    a = np.atleast_1d(np.asarray(arrival_per_s, dtype=float))
    c = np.broadcast_to(np.asarray(capacity_per_s, dtype=float), a.shape)
    s = np.cumsum((a - c) * float(step_s))
    return s - np.minimum(np.minimum.accumulate(s), 0.0)


def invocation_alarm_threshold(expected_per_hour: float, headroom_fraction: float = 1.0) -> int:
    """Suggested CloudWatch alarm threshold on a function's ``Invocations`` (Sum, 1 h).

    The expected count in the busiest hour times ``1 + headroom_fraction``, rounded up:
    normal peaks stay below it; a runaway fan-out (a loop re-triggering itself, a
    splitter emitting far more messages than designed) crosses it within the hour.

    Parameters
    ----------
    expected_per_hour : float
        Invocations expected in the busiest hour [1/h].
    headroom_fraction : float
        Allowed excess over the expected peak [-] (1.0 = alarm at twice the peak).

    Returns
    -------
    int
        Threshold [invocations per hour].
    """
    check_non_negative("expected_per_hour", expected_per_hour)
    check_non_negative("headroom_fraction", headroom_fraction)
    return max(1, math.ceil(float(expected_per_hour) * (1.0 + float(headroom_fraction)) - 1e-9))


@dataclass(frozen=True)
class FanoutResult:
    """Counts, money, concurrency and backlog of one fan-out configuration.

    Money is in :class:`costmodel.models.bills.Bill` records built by the bill
    functions (``bill`` is the month; ``cost_per_day_usd`` is the month's total divided
    by ``days_per_month``, because free tiers are monthly).
    """

    uploads_per_day: float
    fanout_factor: float
    batch_size: int
    messages_per_day: float
    splitter_invocations_per_day: float
    worker_invocations_per_day: float
    total_invocations_per_day: float
    worker_duration_ms: float
    sqs_billed_requests_per_day: float
    days_per_month: float
    bill: Any = field(repr=False)
    cost_per_month_usd: float
    cost_per_day_usd: float
    peak_messages_per_s: float
    peak_concurrency_needed: float
    concurrency_cap: int
    peak_concurrency: float
    throttled_at_peak: bool
    capacity_messages_per_s: float
    max_backlog_messages: float
    drain_time_s: float
    max_message_age_s: float
    alarm_worker_invocations_per_hour: int
    alarm_invocations_per_upload: float

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k != "bill"}
        d["bill"] = self.bill.to_dict() if hasattr(self.bill, "to_dict") else None
        return d


def fanout(uploads_per_day: float, fanout_factor: float, batch_size: int = 1, *,
           concurrency_cap: int = 1000,
           worker_per_message_ms: float = 200.0,
           worker_overhead_ms: float = 0.0,
           worker_memory_mb: int = 512,
           splitter_duration_ms: float = 300.0,
           splitter_memory_mb: int = 512,
           message_kb: float = 1.0,
           architecture: str = "x86_64",
           peak_to_mean: float = 1.0,
           peak_duration_s: float = 3600.0,
           days_per_month: float = MONTH_DAYS,
           free_tier: bool = True,
           alarm_headroom_fraction: float = 1.0,
           prices: Prices | None = None) -> FanoutResult:
    """Model an S3 → splitter Lambda → ``fanout_factor`` SQS messages → worker Lambda chain.

    Parameters
    ----------
    uploads_per_day : float
        S3 uploads per day [1/day].
    fanout_factor : float
        Messages the splitter sends per upload [-].
    batch_size : int
        Messages per worker invocation (the event source mapping's ``BatchSize``) [-],
        1 to 10,000.
    concurrency_cap : int
        Most concurrent worker invocations (reserved concurrency or the mapping's
        maximum concurrency) [-].
    worker_per_message_ms : float
        Worker time per message [ms].
    worker_overhead_ms : float
        Fixed worker time per invocation whatever the batch size (clients, connection
        set-up, a reference-data fetch) [ms]: what batching amortises.
    worker_memory_mb, splitter_memory_mb : int
        Memory of each function [MB].
    splitter_duration_ms : float
        Splitter time per upload [ms].
    message_kb : float
        Size of one SQS message [KB] (SQS bills per 64 KB chunk of each call).
    architecture : str
        ``"x86_64"`` or ``"arm64"``, both functions.
    peak_to_mean : float
        Busiest upload rate over the mean [-], >= 1.
    peak_duration_s : float
        How long the busiest rate lasts [s].
    days_per_month : float
        Days in the billed month [day] (default 730 h / 24 = 30.4167, AWS's month).
    free_tier : bool
        Apply Lambda's and SQS's monthly free tiers.
    alarm_headroom_fraction : float
        Excess over the expected busiest hour before the invocation alarm fires [-]. The
        busiest hour holds ``peak_to_mean`` times the mean rate for
        ``min(peak_duration_s, 3600)`` seconds and the mean rate for the rest.
    prices : costmodel.models.pricing.Prices, optional
        Price set (default: the shipped one).

    Returns
    -------
    FanoutResult
    """
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_range("batch_size", batch_size, 1, ESM_BATCH_MAX)
    concurrency_cap = check_int("concurrency_cap", concurrency_cap, minimum=1)
    check_positive("worker_per_message_ms", worker_per_message_ms)
    check_non_negative("worker_overhead_ms", worker_overhead_ms)
    check_positive("splitter_duration_ms", splitter_duration_ms)
    check_positive("message_kb", message_kb)
    check_range("peak_to_mean", peak_to_mean, 1.0, 1e6)
    check_positive("peak_duration_s", peak_duration_s)
    check_range("peak_duration_s", peak_duration_s, 0, SECONDS_PER_DAY, "s")
    check_positive("days_per_month", days_per_month)
    fanout_factor_i = float(fanout_factor)
    counts = fanout_counts(uploads_per_day, fanout_factor_i, batch_size)
    worker_ms = float(worker_overhead_ms) + batch_size * float(worker_per_message_ms)
    month_uploads = math.ceil(float(uploads_per_day) * days_per_month - 1e-9)
    month_messages = math.ceil(counts["messages_per_day"] * days_per_month - 1e-9)
    month_workers = math.ceil(month_messages / batch_size - 1e-9)
    lambda_part = _lambda_month(month_uploads, splitter_duration_ms, splitter_memory_mb,
                                month_workers, worker_ms, worker_memory_mb, architecture,
                                free_tier, prices)
    sqs_req_month, sqs_part = _sqs_month(month_uploads, fanout_factor_i, month_messages,
                                         batch_size, message_kb, free_tier, prices)
    total_bill = lambda_part + sqs_part
    month_usd = float(total_bill.total_usd)

    # peak, concurrency and backlog (fluid model)
    mean_msg_rate = counts["messages_per_day"] / SECONDS_PER_DAY
    peak_msg_rate = mean_msg_rate * float(peak_to_mean)
    worker_s = worker_ms / 1000.0
    needed = peak_msg_rate / batch_size * worker_s  # Little's law
    capacity = concurrency_cap * batch_size / worker_s
    excess = max(0.0, peak_msg_rate - capacity)
    backlog = excess * float(peak_duration_s)
    if backlog > 0:
        spare = capacity - mean_msg_rate
        drain = backlog / spare if spare > 0 else float("inf")
        age = backlog / capacity
    else:
        drain = 0.0
        age = 0.0
    # busiest clock hour: the peak rate for min(peak_duration_s, 1 h), the mean otherwise
    peak_share_of_hour = min(float(peak_duration_s), 3600.0) / 3600.0
    peak_hour_workers = counts["worker_invocations_per_day"] / 24.0 * (
        1.0 + (float(peak_to_mean) - 1.0) * peak_share_of_hour)
    return FanoutResult(
        uploads_per_day=float(uploads_per_day),
        fanout_factor=fanout_factor_i,
        batch_size=batch_size,
        messages_per_day=counts["messages_per_day"],
        splitter_invocations_per_day=counts["splitter_invocations_per_day"],
        worker_invocations_per_day=counts["worker_invocations_per_day"],
        total_invocations_per_day=counts["total_invocations_per_day"],
        worker_duration_ms=worker_ms,
        sqs_billed_requests_per_day=sqs_req_month / days_per_month,
        days_per_month=float(days_per_month),
        bill=total_bill,
        cost_per_month_usd=month_usd,
        cost_per_day_usd=month_usd / float(days_per_month),
        peak_messages_per_s=peak_msg_rate,
        peak_concurrency_needed=needed,
        concurrency_cap=concurrency_cap,
        peak_concurrency=min(needed, float(concurrency_cap)),
        throttled_at_peak=bool(needed > concurrency_cap),
        capacity_messages_per_s=capacity,
        max_backlog_messages=backlog,
        drain_time_s=drain,
        max_message_age_s=age,
        alarm_worker_invocations_per_hour=invocation_alarm_threshold(
            peak_hour_workers, alarm_headroom_fraction),
        alarm_invocations_per_upload=(fanout_factor_i / batch_size) * (1.0 + float(alarm_headroom_fraction)),
    )


def _lambda_month(month_uploads: int, splitter_ms: float, splitter_mb: int, month_workers: int,
                  worker_ms: float, worker_mb: int, architecture: str, free_tier: bool, prices: Prices | None) -> Bill:
    """Both functions' Lambda bill for the month (priced by :func:`costmodel.models.bills.lambda_bill`).

    Lambda's free tier is per account, so it must be applied once for both functions.
    With equal memory both are billed in one call (arrays of requests and durations),
    which applies it exactly. With different memory sizes, ``lambda_bill`` takes one
    memory size per call, so the free tier goes to the worker only (conservative: the
    splitter's share of the free tier, if any is left, is not used).
    """

    if int(splitter_mb) == int(worker_mb):
        return lambda_bill(np.array([month_uploads, month_workers], dtype=float),
                           np.array([splitter_ms, worker_ms], dtype=float), worker_mb, architecture,
                           free_tier=free_tier, prices=prices).named("splitter+worker: ")
    splitter = lambda_bill(month_uploads, splitter_ms, splitter_mb, architecture,
                           free_tier=False, prices=prices).named("splitter: ")
    worker = lambda_bill(month_workers, worker_ms, worker_mb, architecture,
                         free_tier=free_tier, prices=prices).named("worker: ")
    return splitter + worker


def _sqs_month(month_uploads: int, fanout_factor: float, month_messages: int, batch_size: int,
               message_kb: float, free_tier: bool, prices: Prices | None) -> tuple[float, Bill]:
    """SQS billed requests for a month and their bill (priced by :func:`costmodel.models.bills.sqs_bill`).

    Counted API calls: the splitter sends each upload's messages with SendMessageBatch
    (10 per call); the event source mapping receives up to 10 messages per
    ReceiveMessage and deletes them with DeleteMessageBatch. Each send or receive call
    is billed per 64 KB chunk of its payload (``sqs.chunk_kb`` of the price set);
    deletes carry no payload. Empty long-poll receives while the queue is idle are not
    counted (they depend on the mapping's pollers, which AWS does not publish).
    The chunk count is summed here and priced once by ``sqs_bill`` so that the SQS free
    tier is applied once.
    """

    p = prices if prices is not None else load_prices()
    chunk_kb = p.value("sqs.chunk_kb")
    per_upload_calls, per_upload_billed = _sqs_calls(int(round(fanout_factor)), message_kb, chunk_kb)
    send_billed = month_uploads * per_upload_billed
    # receives: a batch of b messages takes ceil(b/10) calls of up to 10 messages
    per_batch_calls, per_batch_billed = _sqs_calls(batch_size, message_kb, chunk_kb)
    n_batches = math.ceil(month_messages / batch_size - 1e-9)
    receive_billed = n_batches * per_batch_billed
    delete_billed = n_batches * per_batch_calls
    billed = send_billed + receive_billed + delete_billed
    return float(billed), sqs_bill(billed, payload_kb=0.0, free_tier=free_tier, prices=prices)


def compare_batch_sizes(batch_sizes: Iterable[int], uploads_per_day: float, fanout_factor: float,
                        **kwargs: Any) -> pd.DataFrame:
    """One row per batch size: invocations, monthly cost, peak concurrency, backlog.

    Parameters
    ----------
    batch_sizes : iterable of int
        Batch sizes to compare [-].
    uploads_per_day, fanout_factor
        As in :func:`fanout`.
    **kwargs
        Passed to :func:`fanout`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``batch_size``; columns ``worker_invocations_per_day``,
        ``cost_per_month_usd``, ``saving_vs_first_usd`` (saving against the first
        batch size given), ``peak_concurrency_needed``, ``max_backlog_messages``.
    """

    rows = []
    for b in batch_sizes:
        r = fanout(uploads_per_day, fanout_factor, b, **kwargs)
        rows.append({
            "batch_size": r.batch_size,
            "worker_invocations_per_day": r.worker_invocations_per_day,
            "worker_duration_ms": r.worker_duration_ms,
            "cost_per_month_usd": r.cost_per_month_usd,
            "peak_concurrency_needed": r.peak_concurrency_needed,
            "max_backlog_messages": r.max_backlog_messages,
        })
    if not rows:
        raise InvalidParameterError("batch_sizes", list(batch_sizes), "at least one batch size")
    df = pd.DataFrame(rows).set_index("batch_size")
    df["saving_vs_first_usd"] = df["cost_per_month_usd"].iloc[0] - df["cost_per_month_usd"]
    return df
