"""Lambda REPORT lines: per-invocation duration, billed duration, memory and init duration.

Lambda writes one REPORT line per invocation to the function's log group
(``/aws/lambda/<name>``), in the text format::

    REPORT RequestId: 8f5c...  Duration: 102.25 ms  Billed Duration: 366 ms  Memory Size: 512 MB
    Max Memory Used: 87 MB  Init Duration: 263.11 ms

(tab-separated; ``Init Duration`` only on a cold start; SnapStart functions log
``Restore Duration`` instead), or, for functions with the JSON log format, as a
``platform.report`` event whose ``record.metrics`` holds ``durationMs``,
``billedDurationMs``, ``memorySizeMB``, ``maxMemoryUsedMB`` and ``initDurationMs``.
:func:`parse_report_line` reads either; :func:`fetch_report_lines` pages through
``FilterLogEvents`` over a sample window; :class:`ReportSample` summarises them.

A cold start is a REPORT line with an init (or restore) duration. Since 1 Aug 2025 the
INIT phase of on-demand functions is billed: ``Billed Duration`` is then
``ceil(Duration + Init Duration)`` on cold lines; :attr:`ReportSample.init_billed_share`
measures how many cold lines show that.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from costmodel.errors import ImportSourceError

from .aws import call

__all__ = [
    "REPORT_FILTER_PATTERN",
    "ReportLine",
    "ReportSample",
    "fetch_report_lines",
    "parse_report_line",
    "parse_report_lines",
]

#: FilterLogEvents pattern matching text REPORT lines and JSON platform.report events.
REPORT_FILTER_PATTERN = '?"REPORT RequestId" ?"platform.report"'

_FIELD = re.compile(r"(Duration|Billed Duration|Memory Size|Max Memory Used|Init Duration|Restore Duration|"
                    r"Billed Restore Duration):\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|MB)")
_REQUEST_ID = re.compile(r"RequestId:\s*([0-9A-Za-z-]+)")


@dataclass(frozen=True)
class ReportLine:
    """One invocation's REPORT line (durations [ms], memory [MB]; NaN when absent)."""

    request_id: str
    duration_ms: float
    billed_duration_ms: float
    memory_size_mb: float
    max_memory_used_mb: float
    init_duration_ms: float = math.nan
    restore_duration_ms: float = math.nan
    timestamp_ms: int | None = None
    log_stream: str | None = None

    @property
    def cold(self) -> bool:
        """The invocation started a new execution environment (init or SnapStart restore)."""
        return not (math.isnan(self.init_duration_ms) and math.isnan(self.restore_duration_ms))


def parse_report_line(message: str, *, timestamp_ms: int | None = None, log_stream: str | None = None
                      ) -> ReportLine | None:
    """Parse a text REPORT line or a JSON ``platform.report`` event; ``None`` for other lines.

    Raises
    ------
    ImportSourceError
        A line that is a REPORT line but lacks ``Duration`` or ``Billed Duration``.
    """
    text = message.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        if not isinstance(doc, dict) or doc.get("type") != "platform.report":
            return None
        rec = doc.get("record") or {}
        m = rec.get("metrics") or {}
        if "durationMs" not in m or "billedDurationMs" not in m:
            raise ImportSourceError(f"platform.report event without durationMs/billedDurationMs: {text[:120]!r}")
        restore = m.get("restoreDurationMs")
        return ReportLine(
            request_id=str(rec.get("requestId", "")),
            duration_ms=float(m["durationMs"]),
            billed_duration_ms=float(m["billedDurationMs"]),
            memory_size_mb=float(m.get("memorySizeMB", math.nan)),
            max_memory_used_mb=float(m.get("maxMemoryUsedMB", math.nan)),
            init_duration_ms=float(m["initDurationMs"]) if m.get("initDurationMs") is not None else math.nan,
            restore_duration_ms=float(restore) if restore is not None else math.nan,
            timestamp_ms=timestamp_ms, log_stream=log_stream)
    if not text.startswith("REPORT "):
        return None
    fields = {name: float(value) for name, value, _unit in _FIELD.findall(text)}
    if "Duration" not in fields or "Billed Duration" not in fields:
        raise ImportSourceError(f"REPORT line without Duration/Billed Duration: {text[:120]!r}")
    rid = _REQUEST_ID.search(text)
    return ReportLine(
        request_id=rid.group(1) if rid else "",
        duration_ms=fields["Duration"],
        billed_duration_ms=fields["Billed Duration"],
        memory_size_mb=fields.get("Memory Size", math.nan),
        max_memory_used_mb=fields.get("Max Memory Used", math.nan),
        init_duration_ms=fields.get("Init Duration", math.nan),
        restore_duration_ms=fields.get("Restore Duration", math.nan),
        timestamp_ms=timestamp_ms, log_stream=log_stream)


def parse_report_lines(events: Iterable[Any]) -> list[ReportLine]:
    """Parse messages (strings) or FilterLogEvents events (dicts); other lines are skipped."""
    out = []
    for ev in events:
        if isinstance(ev, dict):
            line = parse_report_line(ev.get("message", ""), timestamp_ms=ev.get("timestamp"),
                                     log_stream=ev.get("logStreamName"))
        else:
            line = parse_report_line(str(ev))
        if line is not None:
            out.append(line)
    return out


@dataclass(frozen=True, eq=False)
class ReportSample:
    """REPORT lines of a sample window, as arrays (one entry per invocation).

    Attributes
    ----------
    duration_ms, billed_duration_ms, max_memory_used_mb, init_duration_ms : numpy.ndarray
        Per invocation; ``init_duration_ms`` is NaN on warm invocations (restore duration
        counts as init for SnapStart).
    timestamp_ms : numpy.ndarray of int64
        Log event time (the end of the invocation) [ms since the epoch].
    log_streams : int
        Distinct log streams (one per execution environment).
    window_start, window_end : pandas.Timestamp
    capped : bool
        The fetch stopped at ``max_lines`` before the window's end.
    """

    duration_ms: np.ndarray = field(repr=False)
    billed_duration_ms: np.ndarray = field(repr=False)
    max_memory_used_mb: np.ndarray = field(repr=False)
    init_duration_ms: np.ndarray = field(repr=False)
    timestamp_ms: np.ndarray = field(repr=False)
    memory_size_mb: float
    log_streams: int
    window_start: pd.Timestamp
    window_end: pd.Timestamp
    capped: bool = False

    @classmethod
    def from_lines(cls, lines: list[ReportLine], window_start: Any, window_end: Any, *, capped: bool = False
                   ) -> ReportSample:
        init = [ln.init_duration_ms if not math.isnan(ln.init_duration_ms) else ln.restore_duration_ms
                for ln in lines]
        mem = [ln.memory_size_mb for ln in lines if not math.isnan(ln.memory_size_mb)]
        return cls(
            duration_ms=np.array([ln.duration_ms for ln in lines], dtype=float),
            billed_duration_ms=np.array([ln.billed_duration_ms for ln in lines], dtype=float),
            max_memory_used_mb=np.array([ln.max_memory_used_mb for ln in lines], dtype=float),
            init_duration_ms=np.array(init, dtype=float),
            timestamp_ms=np.array([ln.timestamp_ms or 0 for ln in lines], dtype=np.int64),
            memory_size_mb=float(max(mem)) if mem else math.nan,
            log_streams=len({ln.log_stream for ln in lines if ln.log_stream}),
            window_start=pd.Timestamp(window_start), window_end=pd.Timestamp(window_end), capped=capped)

    @property
    def invocations(self) -> int:
        return int(self.duration_ms.size)

    @property
    def cold_starts(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.init_duration_ms)))

    @property
    def cold_start_fraction(self) -> float:
        """Measured cold starts / invocations in the window."""
        return self.cold_starts / self.invocations if self.invocations else math.nan

    @property
    def init_samples_ms(self) -> np.ndarray:
        return self.init_duration_ms[~np.isnan(self.init_duration_ms)]

    @property
    def init_billed_share(self) -> float:
        """Share of cold lines whose billed duration covers the init: ``billed >= ceil(duration + init) - 1 ms``
        (INIT billed, as for on-demand functions since Aug 2025). NaN without cold lines."""
        cold = ~np.isnan(self.init_duration_ms)
        if not cold.any():
            return math.nan
        covered = self.billed_duration_ms[cold] >= np.ceil(self.duration_ms[cold] + self.init_duration_ms[cold]) - 1
        return float(covered.mean())

    def duration_quantiles_ms(self, n: int = 1000) -> np.ndarray:
        """``n`` evenly spaced quantiles (at ``(i + 0.5)/n``) of the durations [ms], 0.01 ms resolution:
        the empirical distribution in a compact form (all samples when there are fewer)."""
        if self.invocations <= n:
            return np.round(np.sort(self.duration_ms), 2)
        q = (np.arange(n) + 0.5) / n
        return np.round(np.quantile(self.duration_ms, q), 2)

    def summary(self) -> dict:
        """Key figures for provenance and tables (durations [ms], memory [MB])."""
        def pct(a: np.ndarray, q: float) -> float | None:
            return round(float(np.quantile(a, q)), 2) if a.size else None

        init = self.init_samples_ms
        first = (pd.Timestamp(int(self.timestamp_ms.min()), unit="ms", tz="UTC").isoformat()
                 if self.invocations else None)
        return {
            "window": [self.window_start.isoformat(), self.window_end.isoformat()],
            "first_line": first,
            "report_lines": self.invocations,
            "log_streams": self.log_streams,
            "capped": self.capped,
            "duration_ms": {"mean": round(float(self.duration_ms.mean()), 3) if self.invocations else None,
                            "p50": pct(self.duration_ms, 0.5), "p99": pct(self.duration_ms, 0.99),
                            "max": pct(self.duration_ms, 1.0)},
            "billed_duration_ms_mean": round(float(self.billed_duration_ms.mean()), 3) if self.invocations else None,
            "max_memory_used_mb": {"p50": pct(self.max_memory_used_mb, 0.5), "max": pct(self.max_memory_used_mb, 1.0)},
            "cold_starts": self.cold_starts,
            "cold_start_fraction": round(self.cold_start_fraction, 6) if self.invocations else None,
            "init_duration_ms": {"mean": round(float(init.mean()), 3) if init.size else None,
                                 "p50": pct(init, 0.5), "p99": pct(init, 0.99)},
            "init_billed_share": None if math.isnan(self.init_billed_share) else round(self.init_billed_share, 4),
        }


def fetch_report_lines(logs_client: Any, log_group: str, start: Any, end: Any, *, max_lines: int = 200_000,
                       filter_pattern: str = REPORT_FILTER_PATTERN) -> ReportSample:
    """REPORT lines of ``log_group`` in ``[start, end)`` (all pages of FilterLogEvents).

    Parameters
    ----------
    logs_client : botocore CloudWatch Logs client
    log_group : str
        E.g. ``/aws/lambda/my-function``.
    start, end : time
        Sample window (UTC).
    max_lines : int
        Stop after this many REPORT lines (the sample is then the window's first lines;
        ``capped`` says so).
    filter_pattern : str
        Server-side filter; lines that are not REPORT lines are skipped anyway.

    Raises
    ------
    ImportSourceError
        Unknown log group (with what to check), access denied, throttling after the retries.
    """
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    params = {"logGroupName": log_group, "startTime": int(s.value // 1_000_000),
              "endTime": int(e.value // 1_000_000) - 1, "filterPattern": filter_pattern}
    lines: list[ReportLine] = []
    capped = False
    while True:
        page = call(logs_client, "filter_log_events",
                    not_found=f"log group {log_group!r} not found: the function has not logged yet, logs go "
                              "elsewhere (LoggingConfig.LogGroup), or the region is wrong",
                    **params)
        lines.extend(parse_report_lines(page.get("events", [])))
        if len(lines) >= max_lines:
            capped, lines = True, lines[:max_lines]
            break
        token = page.get("nextToken")
        if not token or (not page.get("events") and token == params.get("nextToken")):
            break
        params["nextToken"] = token
    return ReportSample.from_lines(lines, s, e, capped=capped)
