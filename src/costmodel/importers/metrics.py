"""CloudWatch GetMetricData with the real API's rules: retention, per-call limits, paging, gaps.

* **Retention** (CloudWatch keeps 60-s datapoints for 15 days, 5-minute for 63 days,
  hourly for 455 days = 15 months): :func:`choose_period` takes the finest period that
  still covers the *start* of the range and says why; a finer period than that is an error.
* **Per-call limits**: one ``GetMetricData`` call takes at most 500 queries and returns at
  most 100,800 datapoints (its ``MaxDatapoints`` default) before paging.
  :func:`fetch_metric_data` sends queries in batches of at most ``max_queries_per_call``,
  splits the time range into windows so that ``queries x periods <= max_datapoints_per_call``,
  and still follows ``NextToken`` (CloudWatch also pages ``PartialData`` results).
* **Gaps**: a period without a datapoint is NaN in the result, never zero. Whether an
  absent *count* means "no requests" is for the caller to decide and say
  (:func:`gap_runs` lists the runs).

Times are UTC ``pandas.Timestamp``; the grid starts at ``start`` (aligned to the period).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from costmodel.errors import ImportSourceError, InvalidParameterError

from .aws import call

__all__ = [
    "MAX_DATAPOINTS_PER_CALL",
    "MAX_QUERIES_PER_CALL",
    "RETENTION",
    "MetricData",
    "MetricQuery",
    "PeriodChoice",
    "choose_period",
    "fetch_metric_data",
    "gap_runs",
    "utc",
]

#: (age of the oldest datapoint, finest period kept [s]) as CloudWatch documents its retention.
RETENTION: tuple[tuple[pd.Timedelta, int], ...] = (
    (pd.Timedelta(days=15), 60),
    (pd.Timedelta(days=63), 300),
    (pd.Timedelta(days=455), 3600),
)
#: GetMetricData: queries per call, and datapoints per call before paging (MaxDatapoints default).
MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800


def utc(value: Any, name: str = "time") -> pd.Timestamp:
    """A UTC timestamp from a datetime, ISO string or Timestamp (naive values are UTC)."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InvalidParameterError(name, value, "an ISO 8601 time such as 2026-11-01T00:00Z") from exc
    if pd.isna(ts):  # pd.Timestamp("NaT") is NaT
        raise InvalidParameterError(name, value, "an ISO 8601 time such as 2026-11-01T00:00Z")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


@dataclass(frozen=True)
class MetricQuery:
    """One metric and statistic to fetch.

    Attributes
    ----------
    id : str
        Query id (a lowercase letter, then letters, digits or ``_``), unique in a fetch.
    namespace, metric_name : str
        E.g. ``AWS/Lambda``, ``Invocations``.
    dimensions : tuple of (name, value)
    stat : str
        ``Sum``, ``Average``, ``Maximum``, ``Minimum``, ``SampleCount`` or a percentile ``p99``.
    unit : str, optional
    """

    id: str
    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    unit: str | None = None

    def to_api(self, period_s: int) -> dict:
        stat = {"Metric": {"Namespace": self.namespace, "MetricName": self.metric_name,
                           "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions]},
                "Period": int(period_s), "Stat": self.stat}
        if self.unit:
            stat["Unit"] = self.unit
        return {"Id": self.id, "MetricStat": stat, "ReturnData": True}

    def describe(self) -> dict:
        """Provenance record: namespace, metric, dimensions, statistic."""
        return {"namespace": self.namespace, "metric": self.metric_name,
                "dimensions": dict(self.dimensions), "statistic": self.stat}


@dataclass(frozen=True)
class PeriodChoice:
    """The period and aligned range of an import, with the reason for the period."""

    period_s: int
    start: pd.Timestamp
    end: pd.Timestamp
    finest_available_s: int
    reason: str

    @property
    def n_periods(self) -> int:
        return int((self.end - self.start) / pd.Timedelta(seconds=self.period_s))


def choose_period(start: Any, end: Any, *, now: Any = None, period_s: int | None = None) -> PeriodChoice:
    """The finest period CloudWatch still keeps for a range, and the range aligned to it.

    Parameters
    ----------
    start, end : time
        Range to import (UTC; ``end`` defaults to ``now`` when None).
    now : time, optional
        The current time (default: the clock); retention counts back from it.
    period_s : int, optional
        A coarser period [s] than the finest available (a multiple of it, at most 3600).

    Returns
    -------
    PeriodChoice
        ``start`` is rounded down and ``end`` rounded down to the period (as CloudWatch
        rounds), ``reason`` says which retention rule decided.

    Raises
    ------
    InvalidParameterError
        Start after end, a range older than 455 days, or a period finer than retention allows.
    """
    now_ts = utc(now if now is not None else pd.Timestamp.now(tz="UTC"), "now")
    end_ts = utc(end, "end") if end is not None else now_ts
    start_ts = utc(start, "start")
    if end_ts > now_ts:
        end_ts = now_ts
    if not start_ts < end_ts:
        raise InvalidParameterError("start", str(start_ts), f"a time before end ({end_ts.isoformat()})")
    age = now_ts - start_ts
    finest = None
    for keep, p in RETENTION:
        if age <= keep:
            finest, kept = p, keep
            break
    if finest is None:
        raise InvalidParameterError("start", start_ts.isoformat(), "at most 455 days (15 months) ago: CloudWatch "
                                    "keeps no older datapoints")
    days = age / pd.Timedelta(days=1)
    reason = (f"the range starts {days:.1f} days ago; CloudWatch keeps {finest}-s datapoints for "
              f"{kept.days} days, so {finest} s is the finest period available")
    if finest > 60:
        reason += " (60-s datapoints are kept 15 days)"
    chosen = finest
    if period_s is not None:
        p = int(period_s)
        if p != period_s or p < finest or p % finest or p > 3600:
            raise InvalidParameterError("period_s", period_s, f"a multiple of {finest} s up to 3600 s (the finest "
                                        f"CloudWatch keeps for a range starting {days:.1f} days ago is {finest} s)")
        chosen = p
        if p != finest:
            reason += f"; {p} s requested"
    step = pd.Timedelta(seconds=chosen)
    start_al = start_ts.floor(step)
    end_al = end_ts.floor(step)
    if not start_al < end_al:
        raise InvalidParameterError("end", end_ts.isoformat(), f"at least one whole {chosen}-s period after start "
                                    f"({start_al.isoformat()})")
    return PeriodChoice(period_s=chosen, start=start_al, end=end_al, finest_available_s=finest, reason=reason)


@dataclass(frozen=True, eq=False)
class MetricData:
    """Fetched series on a regular grid; NaN where CloudWatch returned no datapoint.

    Attributes
    ----------
    start : pandas.Timestamp
        Start of the first period.
    period_s : int
    values : dict of str to numpy.ndarray
        One array per query id, ``n_periods`` long.
    queries : tuple of MetricQuery
    calls, pages : int
        GetMetricData calls made, and response pages read (``pages >= calls``).
    """

    start: pd.Timestamp
    period_s: int
    n_periods: int
    values: dict = field(repr=False)
    queries: tuple = field(repr=False)
    calls: int = 0
    pages: int = 0

    @property
    def index(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.n_periods, freq=pd.Timedelta(seconds=self.period_s))

    def series(self, query_id: str) -> pd.Series:
        """One query's values on the time grid (NaN = no datapoint)."""
        return pd.Series(self.values[query_id], index=self.index, name=query_id)

    def observed(self, query_id: str) -> np.ndarray:
        """True where a datapoint exists."""
        return ~np.isnan(self.values[query_id])


def _batches(items: Sequence, size: int) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def fetch_metric_data(client: Any, queries: Sequence[MetricQuery], start: Any, end: Any, period_s: int, *,
                      max_queries_per_call: int = MAX_QUERIES_PER_CALL,
                      max_datapoints_per_call: int = MAX_DATAPOINTS_PER_CALL) -> MetricData:
    """Fetch ``queries`` over ``[start, end)`` at ``period_s``, within GetMetricData's limits.

    Parameters
    ----------
    client : botocore CloudWatch client
    queries : sequence of MetricQuery
        Unique ids.
    start, end : time
        Aligned to ``period_s`` (see :func:`choose_period`).
    period_s : int
        Period [s].
    max_queries_per_call : int
        Queries per call (API limit 500).
    max_datapoints_per_call : int
        ``queries x periods`` per call (API: 100,800 before paging); the range is split
        into windows that respect it.

    Returns
    -------
    MetricData

    Raises
    ------
    ImportSourceError
        A result with status ``Forbidden`` or ``InternalError``, or any API error after the retries.
    """
    if not queries:
        raise InvalidParameterError("queries", [], "at least one metric query")
    ids = [q.id for q in queries]
    if len(set(ids)) != len(ids):
        raise InvalidParameterError("queries", ids, "unique query ids")
    if not 1 <= max_queries_per_call <= MAX_QUERIES_PER_CALL:
        raise InvalidParameterError("max_queries_per_call", max_queries_per_call, f"1 to {MAX_QUERIES_PER_CALL}")
    if not 1 <= max_datapoints_per_call <= MAX_DATAPOINTS_PER_CALL:
        raise InvalidParameterError("max_datapoints_per_call", max_datapoints_per_call,
                                    f"1 to {MAX_DATAPOINTS_PER_CALL}")
    start_ts, end_ts = utc(start, "start"), utc(end, "end")
    step = pd.Timedelta(seconds=int(period_s))
    n = int((end_ts - start_ts) / step)
    if n <= 0:
        raise InvalidParameterError("end", end_ts.isoformat(), f"after start ({start_ts.isoformat()})")
    values = {q.id: np.full(n, np.nan) for q in queries}
    calls = pages = 0
    start_ns, step_ns = start_ts.value, step.value
    for batch in _batches(list(queries), max_queries_per_call):
        per_window = max(1, max_datapoints_per_call // len(batch))
        api_queries = [q.to_api(period_s) for q in batch]
        for w0 in range(0, n, per_window):
            w1 = min(n, w0 + per_window)
            params: dict[str, Any] = {"MetricDataQueries": api_queries, "StartTime": (start_ts + w0 * step).to_pydatetime(),
                      "EndTime": (start_ts + w1 * step).to_pydatetime(), "ScanBy": "TimestampAscending",
                      "MaxDatapoints": max_datapoints_per_call}
            calls += 1
            token = None
            while True:
                if token:
                    params["NextToken"] = token
                page = call(client, "get_metric_data", **params)
                pages += 1
                for res in page.get("MetricDataResults", []):
                    status = res.get("StatusCode", "Complete")
                    if status in ("Forbidden", "InternalError"):
                        msgs = "; ".join(m.get("Value", "") for m in res.get("Messages", []) or [])
                        raise ImportSourceError(f"CloudWatch GetMetricData query {res.get('Id')!r} returned "
                                                f"{status}{': ' + msgs if msgs else ''}")
                    arr = values.get(res.get("Id"))
                    if arr is None:
                        continue
                    ts = res.get("Timestamps", [])
                    if not ts:
                        continue
                    t_ns = np.array([pd.Timestamp(t).value for t in ts], dtype=np.int64)
                    idx = np.rint((t_ns - start_ns) / step_ns).astype(np.int64)
                    vals = np.asarray(res.get("Values", []), dtype=float)
                    ok = (idx >= w0) & (idx < w1)
                    arr[idx[ok]] = vals[ok]
                token = page.get("NextToken")
                if not token:
                    break
    return MetricData(start=start_ts, period_s=int(period_s), n_periods=n, values=values, queries=tuple(queries),
                      calls=calls, pages=pages)


def gap_runs(observed: Any) -> list[tuple[int, int]]:
    """Runs of missing periods as ``(first, end)`` index pairs (``end`` exclusive)."""
    obs = np.asarray(observed, dtype=bool)
    if obs.size == 0:
        return []
    missing = np.concatenate([[False], ~obs, [False]]).astype(np.int8)
    d = np.diff(missing)
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return [(int(a), int(b)) for a, b in zip(starts, ends)]

