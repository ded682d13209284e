"""Import a running workload from CloudWatch into a scenario: traffic, durations, cold starts.

One function per resource kind, each returning an :class:`ImportedWorkload` whose
:meth:`~ImportedWorkload.write` puts a scenario YAML and a CSV rate trace side by side, so
``costmodel compare|recommend|report`` run on them unchanged:

* :func:`import_lambda`: ``AWS/Lambda`` Invocations, Duration (Average, Maximum and the
  p50/p99 extended statistics), ConcurrentExecutions, Throttles, Errors; memory,
  architecture, timeout and reserved concurrency from the function's configuration; the
  REPORT lines of ``/aws/lambda/<name>`` over a sample window give the duration
  distribution, the measured cold-start share and the init durations
  (:mod:`costmodel.importers.lambda_logs`).
* :func:`import_alb`: ``AWS/ApplicationELB`` RequestCount, TargetResponseTime,
  ProcessedBytes, NewConnectionCount, ActiveConnectionCount of a load balancer (or one
  of its target groups).
* :func:`import_api_gateway`: ``AWS/ApiGateway`` Count, Latency, IntegrationLatency of an
  HTTP API (ApiId) or a REST API (ApiName).
* :func:`import_ecs_service`: ``AWS/ECS`` CPUUtilization and MemoryUtilization, the running
  task count (``ECS/ContainerInsights`` RunningTaskCount when Container Insights is on),
  the task size from the task definition, and the requests of the service's target group;
  the CPU time per request follows from them.

Rules (see ``docs/import-cloudwatch.md``): the period is the finest CloudWatch still keeps
for the range (:func:`~costmodel.importers.metrics.choose_period`); periods before the
first and after the last datapoint are left out of the trace (the resource was idle or did
not exist: not counted as zero); interior periods without a request-count datapoint are
zero requests, because these services publish request counts only when there are requests,
and they are marked ``observed=0`` in the trace and listed in the provenance; gauges
(durations, CPU, concurrency) are never zero-filled.

:func:`cold_start_check` puts the model's predicted cold-start share
(:func:`costmodel.models.coldstart.fast.fast_cold_starts` on the imported traffic of the log
window) next to the share measured from the REPORT lines.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import yaml

from costmodel.errors import ImportSourceError, InvalidParameterError
from costmodel.models.coldstart.arrivals import arrivals_for_traffic
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.workload import work_from_dict
from costmodel.scenario import load_scenario

from .aws import call, make_client, make_session
from .lambda_logs import ReportSample, fetch_report_lines
from .metrics import (
    MAX_DATAPOINTS_PER_CALL,
    MetricData,
    MetricQuery,
    PeriodChoice,
    choose_period,
    fetch_metric_data,
    gap_runs,
    utc,
)

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_TEAM",
    "LAMBDA_MB_PER_VCPU",
    "AwsClients",
    "ColdStartCheck",
    "ImportedWorkload",
    "aws_clients",
    "cold_start_check",
    "import_lambda",
]

DEFAULT_DAYS = 30.0
#: Declared team facts written into imported scenarios (edit them: they are not measured).
DEFAULT_TEAM = {"ops_preference": "minimise_ops", "cloud_ops_experience": "medium",
                "debugging_maturity": "distributed_tracing"}
#: Lambda allocates one vCPU at 1,769 MB (CPU share proportional to memory).
LAMBDA_MB_PER_VCPU = 1769.0
_MIN_REPORT_LINES = 20
_FRONT_DOORS = ("api_gateway_rest", "api_gateway_http", "alb", "function_url", "none")


# ------------------------------------------------------------------------------ clients
@dataclass(frozen=True)
class AwsClients:
    """Clients of one region (standard retry mode), and the session they came from."""

    session: Any
    region: str
    endpoint_url: str | None = None
    max_attempts: int = 8
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def client(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = make_client(self.session, service, endpoint_url=self.endpoint_url,
                                               max_attempts=self.max_attempts)
        return self._cache[service]


def aws_clients(region: str | None = None, *, profile: str | None = None, endpoint_url: str | None = None,
                session: Any = None, max_attempts: int = 8) -> AwsClients:
    """Checked session and lazily created clients (see :func:`costmodel.importers.aws.make_session`)."""
    if isinstance(region, AwsClients):
        return region
    session = session if session is not None else make_session(region, profile)
    return AwsClients(session=session, region=session.region_name, endpoint_url=endpoint_url,
                      max_attempts=max_attempts)


# ------------------------------------------------------------------------------ result
@dataclass(frozen=True, eq=False)
class ImportedWorkload:
    """An imported resource: its traffic per period and the scenario built from it.

    Attributes
    ----------
    kind : str
        ``lambda_function``, ``alb``, ``target_group``, ``api_gateway`` or ``ecs_service``.
    name, resource_id, region : str
    account_id : str or None
    period : PeriodChoice
        Period and requested (aligned) range.
    start : pandas.Timestamp
        First period of the trace (after leading periods without data are left out).
    requests : numpy.ndarray
        Requests per period (zero in marked gaps).
    observed : numpy.ndarray of bool
        A request-count datapoint existed for the period.
    metrics : MetricData
        Every fetched series (NaN = no datapoint), on the requested range.
    scenario : dict
        The scenario document (``traffic.path`` points at the trace file :meth:`write` writes).
    reports : ReportSample or None
        REPORT lines of the log window (Lambda only).
    notes : tuple of str
    """

    kind: str
    name: str
    resource_id: str
    region: str
    account_id: str | None
    period: PeriodChoice
    start: pd.Timestamp
    requests: np.ndarray = field(repr=False)
    observed: np.ndarray = field(repr=False)
    metrics: MetricData = field(repr=False)
    scenario: dict = field(repr=False)
    reports: ReportSample | None = field(default=None, repr=False)
    notes: tuple = ()

    @property
    def step_s(self) -> int:
        return self.period.period_s

    @property
    def rate_rps(self) -> np.ndarray:
        """Mean request rate per period [req/s]."""
        return self.requests / float(self.step_s)

    @property
    def index(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.requests.size, freq=pd.Timedelta(seconds=self.step_s))

    def traffic(self) -> pd.DataFrame:
        """Requests per period and whether a datapoint existed, on a UTC index."""
        return pd.DataFrame({"requests": self.requests, "observed": self.observed}, index=self.index)

    @property
    def provenance(self) -> dict:
        return self.scenario["provenance"]

    def trace_csv(self) -> str:
        """The trace file's text: ``timestamp,count,observed`` (the CSV trace format of
        :func:`costmodel.models.traffic.load_csv_trace`; the third column marks gap rows with 0)."""
        whole = np.all(np.equal(np.mod(self.requests, 1), 0))
        lines = ["timestamp,count,observed"]
        for t, n, o in zip(self.index, self.requests, self.observed):
            value = f"{int(n)}" if whole else f"{n:.6g}"
            lines.append(f"{t.strftime('%Y-%m-%dT%H:%M:%SZ')},{value},{int(bool(o))}")
        return "\n".join(lines) + "\n"

    def write(self, out_dir: str | Path = ".", stem: str | None = None) -> tuple[Path, Path]:
        """Write ``<stem>.yaml`` (scenario) and ``<stem>-trace.csv`` into ``out_dir``.

        Returns
        -------
        (pathlib.Path, pathlib.Path)
            The scenario and trace paths.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        stem = stem or _safe_stem(f"{self.kind}-{self.name}")
        trace = out / f"{stem}-trace.csv"
        trace.write_text(self.trace_csv())
        doc = dict(self.scenario)
        doc["traffic"] = dict(doc["traffic"], path=trace.name)
        path = out / f"{stem}.yaml"
        path.write_text(_scenario_yaml(doc))
        return path, trace

    def cold_start_check(self, **kwargs: Any) -> ColdStartCheck:
        """The model's predicted cold-start share next to the measured one (Lambda with REPORT lines)."""
        return cold_start_check(self, **kwargs)

    def to_text(self) -> str:
        p = self.provenance
        lines = [f"imported {self.kind} {self.name!r} ({self.resource_id}), account {self.account_id}, "
                 f"region {self.region}",
                 f"range {p['time_range']['start']} to {p['time_range']['end']}, period {self.step_s} s: "
                 f"{self.period.reason}",
                 f"requests {self.requests.sum():,.0f} in {self.requests.size:,} periods "
                 f"(mean {self.rate_rps.mean():.3f} req/s, peak {self.rate_rps.max():.3f} req/s); "
                 f"{p['datapoints']['gap_periods']:,} interior periods without a datapoint "
                 f"({p['datapoints']['gap_runs']} gaps)"]
        if self.reports is not None and self.reports.invocations:
            s = self.reports.summary()
            lines.append(f"REPORT lines {s['report_lines']:,} ({s['window'][0]} to {s['window'][1]}): duration "
                         f"p50 {s['duration_ms']['p50']} ms, p99 {s['duration_ms']['p99']} ms; cold starts "
                         f"{s['cold_starts']:,} ({100 * s['cold_start_fraction']:.2f} %), init p50 "
                         f"{s['init_duration_ms']['p50']} ms")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "resource_id": self.resource_id, "region": self.region,
                "account_id": self.account_id, "period_s": self.step_s, "requests": float(self.requests.sum()),
                "periods": int(self.requests.size), "provenance": self.provenance, "notes": list(self.notes)}


class _FlowList(list):
    """A list dumped in YAML flow style (long sample lists on a few lines)."""


def _flow_representer(dumper: yaml.SafeDumper, data: _FlowList) -> Any:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_FlowList, _flow_representer)


def _scenario_yaml(doc: Mapping[str, Any]) -> str:
    head = ("# Imported from CloudWatch by `costmodel import cloudwatch` (see docs/import-cloudwatch.md).\n"
            "# Measured: traffic (the trace file), work.duration_ms, lambda.init_duration_ms and the figures in\n"
            "# `provenance`. Declared, not measured: `workload`, `team` and every value listed in\n"
            "# provenance.assumed -- review them before trusting the verdict.\n")
    return head + yaml.dump(_plain(doc), Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)


def _plain(x: Any) -> Any:
    if isinstance(x, _FlowList):
        return _FlowList(_plain(v) for v in x)
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return None if math.isnan(v) else v
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, pd.Timestamp):
        return x.isoformat()
    return x


def _safe_stem(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "-" for c in text)
    return keep.strip("-.") or "imported"


# ------------------------------------------------------------------------------ helpers
def _range(start: Any, end: Any, days: float | None, now: Any, period_s: int | None) -> PeriodChoice:
    now_ts = utc(now, "now") if now is not None else pd.Timestamp.now(tz="UTC")
    end_ts = utc(end, "end") if end is not None else now_ts
    if start is None:
        d = DEFAULT_DAYS if days is None else float(days)
        if not d > 0:
            raise InvalidParameterError("days", days, "a number of days > 0")
        start_ts = end_ts - pd.Timedelta(days=d)
    else:
        start_ts = utc(start, "start")
    return choose_period(start_ts, end_ts, now=now_ts, period_s=period_s)


def _trim(requests_raw: np.ndarray, what: str, rng: PeriodChoice, notes: list) -> tuple[int, int]:
    obs = ~np.isnan(requests_raw)
    if not obs.any():
        raise ImportSourceError(
            f"no {what} datapoints between {rng.start.isoformat()} and {rng.end.isoformat()}: nothing ran in that "
            "range (pass an earlier --start or a longer --days), or the name or --region is wrong")
    idx = np.flatnonzero(obs)
    a, b = int(idx[0]), int(idx[-1]) + 1
    step = pd.Timedelta(seconds=rng.period_s)
    if a > 0:
        notes.append(f"no datapoints before {(rng.start + a * step).isoformat()} ({a} periods): the trace starts "
                     "there (not counted as zero requests)")
    if b < obs.size:
        notes.append(f"no datapoints after {(rng.start + b * step).isoformat()} ({obs.size - b} periods): the "
                     "trace ends there (not counted as zero requests)")
    return a, b


def _datapoint_record(obs: np.ndarray, start: pd.Timestamp, period_s: int, notes: list, metric: str) -> dict:
    runs = gap_runs(obs)
    step = pd.Timedelta(seconds=period_s)
    longest = max((b - a for a, b in runs), default=0)
    rec = {"periods": int(obs.size), "with_datapoint": int(obs.sum()), "gap_periods": int((~obs).sum()),
           "gap_runs": len(runs), "longest_gap_s": int(longest * period_s),
           "gaps": [[(start + a * step).isoformat(), (start + b * step).isoformat()]
                    for a, b in sorted(runs, key=lambda r: r[0] - r[1])[:20]],
           "gap_meaning": f"no {metric} datapoint: zero requests (the service publishes it only for periods "
                          "with requests); rows marked observed=0 in the trace"}
    if runs:
        notes.append(f"{int((~obs).sum()):,} periods in {len(runs)} gaps without a {metric} datapoint (longest "
                     f"{longest * period_s / 3600:.2f} h) are taken as zero requests and marked observed=0; if the "
                     "resource was busy then, the data is missing and the traffic is understated")
    return rec


def _weighted(values: np.ndarray, weights: np.ndarray) -> float | None:
    ok = ~np.isnan(values) & (weights > 0)
    if not ok.any():
        return None
    return float(np.sum(values[ok] * weights[ok]) / np.sum(weights[ok]))


def _duration_block(mean_ms: float | None, p99_ms: float | None, notes: list, what: str) -> Any:
    if mean_ms is None or not mean_ms > 0:
        raise ImportSourceError(f"no {what} datapoints to measure the duration per request")
    mean_ms = round(mean_ms, 3)
    if p99_ms is None or not p99_ms > 0:
        notes.append(f"{what}: no p99 available (extended statistics not returned); the duration is taken as "
                     f"fixed at the mean {mean_ms:g} ms, so latency percentiles understate the tail")
        return mean_ms
    ratio_max = math.exp(2.3263478740408408 ** 2 / 2)
    p99 = min(max(p99_ms, mean_ms), mean_ms * ratio_max * 0.999)
    if p99 != p99_ms:
        notes.append(f"{what}: p99 {p99_ms:g} ms is outside what a lognormal with mean {mean_ms:g} ms allows; "
                     f"{p99:g} ms used")
    return {"mean": mean_ms, "p99": round(p99, 3)}


def _scenario_doc(*, name: str, description: str, region: str, step_s: int, duration_ms: Any,
                  cpu_ms_per_request: float, memory_mb: float, architecture: str, lambda_block: dict,
                  containers: dict, glue: dict, workload: dict, provenance: dict) -> dict:
    return {
        "name": name,
        "description": description,
        "region": region,
        "price_overrides": {},
        "traffic": {"pattern": "trace", "path": None, "format": "csv", "repeat": True, "horizon_days": 30,
                    "step_s": int(step_s)},
        "work": {"duration_ms": duration_ms, "cpu_ms_per_request": round(float(cpu_ms_per_request), 3),
                 "memory_mb": int(memory_mb), "architecture": architecture},
        "lambda": lambda_block,
        "containers": containers,
        "glue": glue,
        "workload": workload,
        "team": dict(DEFAULT_TEAM),
        "provenance": provenance,
    }


def _provenance(*, kind: str, name: str, resource_id: str, account_id: str | None, region: str,
                rng: PeriodChoice, trace_start: pd.Timestamp, n: int, data: MetricData, now: Any,
                datapoints: dict, assumed: list, notes: list, extra: dict | None = None) -> dict:
    step = pd.Timedelta(seconds=rng.period_s)
    doc = {
        "source": "cloudwatch",
        "imported_at": (utc(now, "now") if now is not None else pd.Timestamp.now(tz="UTC")).isoformat(),
        "account_id": account_id,
        "region": region,
        "resource": {"kind": kind, "name": name, "id": resource_id},
        "time_range": {"start": rng.start.isoformat(), "end": rng.end.isoformat(),
                       "trace_start": trace_start.isoformat(), "trace_end": (trace_start + n * step).isoformat()},
        "period_s": rng.period_s,
        "period_reason": rng.reason,
        "metrics": [q.describe() for q in data.queries],
        "get_metric_data": {"calls": data.calls, "pages": data.pages},
        "datapoints": datapoints,
    }
    if extra:
        doc.update(extra)
    doc["assumed"] = list(assumed)
    doc["notes"] = list(notes)
    return doc


def _check_front_door(front_door: str) -> str:
    if front_door not in _FRONT_DOORS:
        raise InvalidParameterError("front_door", front_door, "one of " + ", ".join(_FRONT_DOORS))
    return front_door


def _lambda_memory_for_cpu(cpu_ms: float, duration_ms: float) -> int:
    """Lambda memory [MB] whose CPU share covers ``cpu_ms`` of CPU in ``duration_ms``: 1,769 MB per vCPU,
    rounded up to 64 MB, within 128-10,240 MB."""
    share = min(max(cpu_ms / duration_ms, 0.0), 6.0) if duration_ms > 0 else 1.0
    mb = math.ceil(share * LAMBDA_MB_PER_VCPU / 64.0) * 64
    return int(min(max(mb, 128), 10240))


# ------------------------------------------------------------------------------ Lambda
def _lambda_queries(name: str, percentiles: Sequence[str]) -> tuple[list[MetricQuery], list[MetricQuery]]:
    dims = (("FunctionName", name),)
    base = [
        MetricQuery("invocations", "AWS/Lambda", "Invocations", dims, "Sum"),
        MetricQuery("duration_avg", "AWS/Lambda", "Duration", dims, "Average"),
        MetricQuery("duration_max", "AWS/Lambda", "Duration", dims, "Maximum"),
        MetricQuery("concurrency_max", "AWS/Lambda", "ConcurrentExecutions", dims, "Maximum"),
        MetricQuery("throttles", "AWS/Lambda", "Throttles", dims, "Sum"),
        MetricQuery("errors", "AWS/Lambda", "Errors", dims, "Sum"),
    ]
    pct = [MetricQuery(f"duration_{p}", "AWS/Lambda", "Duration", dims, p) for p in percentiles]
    return base, pct


def _fetch(clients: AwsClients, base: list[MetricQuery], pct: list[MetricQuery], rng: PeriodChoice,
           max_datapoints_per_call: int) -> MetricData:
    cw = clients.client("cloudwatch")
    data = fetch_metric_data(cw, base + pct, rng.start, rng.end, rng.period_s,
                             max_datapoints_per_call=max_datapoints_per_call)
    return data


def import_lambda(function_name: str, *, start: Any = None, end: Any = None, days: float | None = None,
                  period_s: int | None = None, region: Any = None, profile: str | None = None,
                  endpoint_url: str | None = None, session: Any = None, now: Any = None,
                  percentiles: Sequence[str] = ("p50", "p99"), log_window_hours: float = 24.0,
                  max_report_lines: int = 200_000, front_door: str = "none", keep_alive_s: float = 600.0,
                  user_facing: bool | None = None, latency_slo_p99_ms: float | None = None,
                  cpu_ms_per_request: float | None = None,
                  max_datapoints_per_call: int = MAX_DATAPOINTS_PER_CALL) -> ImportedWorkload:
    """Import a Lambda function's traffic, durations and cold starts.

    Parameters
    ----------
    function_name : str
        Function name (or ARN).
    start, end : time, optional
        Range (UTC); default the last ``days`` days up to now.
    days : float, optional
        Length of the default range [days] (30).
    period_s : int, optional
        A coarser period than the finest retention allows [s].
    region, profile, endpoint_url, session
        Where to connect (``region`` may also be an :class:`AwsClients`).
    now : time, optional
        The current time for retention (default: the clock).
    percentiles : sequence of str
        Extended statistics of Duration to fetch (``()`` for endpoints without them).
    log_window_hours : float
        REPORT-line sample window, ending at the range's end [h] (0: do not read logs).
    max_report_lines : int
        Cap on REPORT lines read.
    front_door : str
        What invokes the function (``api_gateway_http``, ``alb``, ``none``...): priced on both sides.
    keep_alive_s : float
        Idle keep-alive for the cold-start model [s] (undocumented by AWS; a declared assumption).
    user_facing : bool, optional
        Declared; default: True when ``front_door`` is not ``none``.
    latency_slo_p99_ms : float, optional
        Declared p99 objective [ms].
    cpu_ms_per_request : float, optional
        CPU per request on a container [ms]; default: mean duration x the vCPU share of
        the function's memory (memory / 1,769 MB, at most 1): the most CPU the request can
        have used.
    max_datapoints_per_call : int
        GetMetricData datapoints per call (<= 100,800).

    Returns
    -------
    ImportedWorkload

    Raises
    ------
    ImportSourceError
        No credentials or region, unknown function, no Invocations datapoints in the range,
        access denied, throttling beyond the retries.
    """
    _check_front_door(front_door)
    clients = aws_clients(region, profile=profile, endpoint_url=endpoint_url, session=session)
    lam = clients.client("lambda")
    got = call(lam, "get_function", FunctionName=function_name,
               not_found=f"lambda function {function_name!r} not found in region {clients.region}: check the "
                         "name (--function) and --region")
    cfg = got["Configuration"]
    name, arn = cfg["FunctionName"], cfg["FunctionArn"]
    account_id = arn.split(":")[4]
    memory_mb = int(cfg.get("MemorySize", 128))
    arch = (cfg.get("Architectures") or ["x86_64"])[0]
    timeout_s = float(cfg.get("Timeout", 3))
    eph_mb = int((cfg.get("EphemeralStorage") or {}).get("Size", 512))
    reserved = (got.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    notes: list[str] = []
    assumed: list[str] = []
    try:
        limit = int(call(lam, "get_account_settings")["AccountLimit"]["ConcurrentExecutions"])
    except ImportSourceError as exc:
        limit = 1000
        assumed.append(f"lambda.concurrency_limit = 1000 (GetAccountSettings failed: {exc})")

    rng = _range(start, end, days, now, period_s)
    base, pct = _lambda_queries(name, percentiles)
    data = _fetch(clients, base, pct, rng, max_datapoints_per_call)
    inv_raw = data.values["invocations"]
    a, b = _trim(inv_raw, "Invocations", rng, notes)
    obs = ~np.isnan(inv_raw[a:b])
    requests = np.nan_to_num(inv_raw[a:b], nan=0.0)
    step = pd.Timedelta(seconds=rng.period_s)
    trace_start = rng.start + a * step
    datapoints = _datapoint_record(obs, trace_start, rng.period_s, notes, "Invocations")

    # REPORT lines over the sample window (the last hours of the range)
    reports = None
    if log_window_hours and log_window_hours > 0:
        w_end = trace_start + (b - a) * step
        w_start = max(trace_start, w_end - pd.Timedelta(hours=float(log_window_hours)))
        log_group = ((cfg.get("LoggingConfig") or {}).get("LogGroup")) or f"/aws/lambda/{name}"
        try:
            reports = fetch_report_lines(clients.client("logs"), log_group, w_start, w_end,
                                         max_lines=max_report_lines)
        except ImportSourceError as exc:
            if "not found" not in str(exc):
                raise
            notes.append(f"no REPORT lines: {exc}; durations from the Duration metric")
        if reports is not None and reports.invocations < _MIN_REPORT_LINES:
            notes.append(f"only {reports.invocations} REPORT lines in {log_group} between {w_start.isoformat()} "
                         f"and {w_end.isoformat()}: durations from the Duration metric")
        if reports is not None and reports.capped:
            notes.append(f"REPORT lines capped at {max_report_lines:,}: the sample is the window's first lines")

    counts = np.nan_to_num(inv_raw, nan=0.0)
    dur_mean_metric = _weighted(data.values["duration_avg"], counts)
    dur_p99_metric = _weighted(data.values["duration_p99"], counts) if "duration_p99" in data.values else None
    dur_p50_metric = _weighted(data.values["duration_p50"], counts) if "duration_p50" in data.values else None
    if pct and dur_p99_metric is None:
        notes.append("the endpoint returned no values for the Duration percentiles " + ", ".join(
            q.stat for q in pct))
    use_reports = reports is not None and reports.invocations >= _MIN_REPORT_LINES
    if reports is not None and use_reports:
        duration_ms: Any = {"samples": _FlowList(float(v) for v in reports.duration_quantiles_ms(1000))}
        mean_ms = float(reports.duration_ms.mean())
        max_ms = float(reports.duration_ms.max())
    else:
        duration_ms = _duration_block(dur_mean_metric, dur_p99_metric, notes, "Duration")
        mean_ms = float(cast(float, dur_mean_metric))   # _duration_block raised without one
        max_ms = float(np.nanmax(data.values["duration_max"])) if np.any(
            ~np.isnan(data.values["duration_max"])) else mean_ms
    metric_max = data.values["duration_max"]
    if np.any(~np.isnan(metric_max)):
        max_ms = max(max_ms, float(np.nanmax(metric_max)))
    if reports is not None and use_reports and reports.cold_starts:
        init_ms = round(float(reports.init_samples_ms.mean()), 3)
    else:
        init_ms = 250.0
        assumed.append("lambda.init_duration_ms = 250 (no cold start in the REPORT sample)")
    vcpu_share = min(1.0, memory_mb / LAMBDA_MB_PER_VCPU)
    if cpu_ms_per_request is None:
        cpu_ms = mean_ms * vcpu_share
        assumed.append(f"work.cpu_ms_per_request = mean duration x vCPU share of {memory_mb} MB "
                       f"({vcpu_share:.3f}): the most CPU a request can have used (CPU-bound); I/O-bound "
                       "handlers use less, which favours containers")
    else:
        cpu_ms = float(cpu_ms_per_request)
    if user_facing is None:
        user_facing = front_door != "none"
        assumed.append(f"workload.user_facing = {user_facing} (from front_door {front_door!r})")
    assumed.append(f"lambda.front_door = {front_door!r} (not visible in Lambda's metrics)")
    assumed.append(f"lambda.keep_alive_s = {keep_alive_s:g} (undocumented by AWS; compare the measured and "
                   "predicted cold-start shares)")
    assumed.append("team block: defaults (declared, not measured)")
    throttles = float(np.nansum(data.values["throttles"]))
    errors = float(np.nansum(data.values["errors"]))
    lambda_block = {"front_door": front_door, "free_tier": True, "keep_alive_s": float(keep_alive_s),
                    "init_duration_ms": init_ms, "concurrency_limit": limit,
                    "reserved_concurrency": int(reserved) if reserved is not None else None,
                    "ephemeral_storage_mb": eph_mb}
    containers = {"fargate": {"architecture": arch}, "front_door": "alb" if front_door != "none" else "none"}
    workload = {"max_duration_s": max(0.001, math.ceil(max_ms) / 1000.0), "user_facing": bool(user_facing),
                "deployment_preference": "either"}
    if latency_slo_p99_ms is not None:
        workload["latency_slo_p99_ms"] = float(latency_slo_p99_ms)
    extra = {
        "configuration": {"memory_mb": memory_mb, "architecture": arch, "timeout_s": timeout_s,
                          "ephemeral_storage_mb": eph_mb, "reserved_concurrency": reserved,
                          "runtime": cfg.get("Runtime"), "package_type": cfg.get("PackageType")},
        "measured": {
            "requests": float(requests.sum()),
            "duration_ms_metric": {"mean": _r(dur_mean_metric), "p50": _r(dur_p50_metric), "p99": _r(dur_p99_metric),
                                   "max": _r(float(np.nanmax(metric_max)) if np.any(~np.isnan(metric_max)) else None)},
            "concurrent_executions_max": _r(float(np.nanmax(data.values["concurrency_max"]))
                                            if np.any(~np.isnan(data.values["concurrency_max"])) else None),
            "throttles": throttles, "errors": errors,
            "duration_source": "REPORT lines" if use_reports else "Duration metric",
        },
        "logs": reports.summary() if reports is not None else None,
    }
    if throttles > 0:
        notes.append(f"{throttles:,.0f} throttled invocations in the range (not in Invocations, not billed)")
    prov = _provenance(kind="lambda_function", name=name, resource_id=arn, account_id=account_id,
                       region=clients.region, rng=rng, trace_start=trace_start, n=b - a, data=data, now=now,
                       datapoints=datapoints, assumed=assumed, notes=notes, extra=extra)
    doc = _scenario_doc(
        name=f"Lambda function {name} (imported)",
        description=f"Imported from CloudWatch: {arn}, {rng.start.isoformat()} to {rng.end.isoformat()}.",
        region=clients.region, step_s=rng.period_s, duration_ms=duration_ms, cpu_ms_per_request=cpu_ms,
        memory_mb=memory_mb, architecture=arch, lambda_block=lambda_block, containers=containers,
        glue={}, workload=workload, provenance=prov)
    return ImportedWorkload(kind="lambda_function", name=name, resource_id=arn, region=clients.region,
                            account_id=account_id, period=rng, start=trace_start, requests=requests, observed=obs,
                            metrics=data, scenario=doc, reports=reports, notes=tuple(notes))


def _r(v: float | None, digits: int = 3) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), digits)


# ------------------------------------------------------------------------------ cold starts
@dataclass(frozen=True)
class ColdStartCheck:
    """Measured (REPORT lines) and predicted (fast cold-start model) cold-start shares on the same traffic.

    Attributes
    ----------
    window_start, window_end : pandas.Timestamp
        Where REPORT lines were read (from the first line's period to the window's end).
    report_lines, requests_in_trace : float
        Invocations in the window per the logs and per the imported metric (should agree).
    measured_cold_starts, predicted_cold_starts : float
    measured_fraction, predicted_fraction : float
        Cold starts / invocations.
    keep_alive_s, warm_mean_ms, init_mean_ms : float
        Model inputs (the scenario's).
    arrivals : str
        ``poisson`` or ``counts`` (as :func:`costmodel.models.coldstart.arrivals.arrivals_for_traffic` decides).
    implied_keep_alive_s : float or None
        The keep-alive at which the model reproduces the measured share (None if outside
        60 s to 2 h, or not asked for).
    """

    window_start: pd.Timestamp
    window_end: pd.Timestamp
    report_lines: int
    requests_in_trace: float
    measured_cold_starts: int
    predicted_cold_starts: float
    measured_fraction: float
    predicted_fraction: float
    keep_alive_s: float
    warm_mean_ms: float
    init_mean_ms: float
    arrivals: str
    implied_keep_alive_s: float | None = None

    @property
    def ratio(self) -> float:
        """Predicted / measured share (NaN when nothing was measured)."""
        return self.predicted_fraction / self.measured_fraction if self.measured_fraction > 0 else math.nan

    def to_dict(self) -> dict:
        return _plain({k: getattr(self, k) for k in self.__dataclass_fields__} | {"ratio": self.ratio})

    def to_frame(self) -> pd.DataFrame:
        """Two rows (measured, model) for tables."""
        return pd.DataFrame(
            {"invocations": [self.report_lines, self.requests_in_trace],
             "cold_starts": [self.measured_cold_starts, self.predicted_cold_starts],
             "cold_start_share_pct": [100 * self.measured_fraction, 100 * self.predicted_fraction]},
            index=pd.Index(["measured (REPORT lines)", f"model (keep-alive {self.keep_alive_s:g} s)"], name="source"))

    def to_text(self) -> str:
        s = (f"cold-start share {self.window_start.isoformat()} to {self.window_end.isoformat()}: measured "
             f"{100 * self.measured_fraction:.3f} % ({self.measured_cold_starts:,} of {self.report_lines:,} "
             f"REPORT lines), model {100 * self.predicted_fraction:.3f} % ({self.predicted_cold_starts:,.1f} of "
             f"{self.requests_in_trace:,.0f}) at keep-alive {self.keep_alive_s:g} s")
        if self.implied_keep_alive_s is not None:
            s += f"; the model matches the measurement at keep-alive {self.implied_keep_alive_s:.0f} s"
        return s


def _predict(rate: np.ndarray, step_s: float, lo: int, warm_s: float, keep_alive_s: float, init_s: float,
             limit: int, arrivals: str) -> float:
    if rate.size == 0 or rate.max() <= 0:
        return 0.0
    res = fast_cold_starts(rate, step_s, warm_s, keep_alive_s, init_mean_s=init_s, concurrency_limit=max(1, limit),
                           arrivals=arrivals)
    return float(res.cold_starts[lo:].sum())


def cold_start_check(source: Any, *, keep_alive_s: float | None = None, solve_keep_alive: bool = False,
                     arrivals: str = "poisson") -> ColdStartCheck:
    """The model's cold-start share next to the one measured from REPORT lines, for the same traffic.

    Parameters
    ----------
    source : ImportedWorkload, scenario path, dict or Scenario
        An imported Lambda function (or the scenario written from one: the measured figures
        come from its ``provenance.logs``, the traffic from its trace).
    keep_alive_s : float, optional
        Keep-alive for the model [s] (default: the scenario's ``lambda.keep_alive_s``).
    solve_keep_alive : bool
        Also find the keep-alive (60 s to 2 h) at which the model gives the measured share.
    arrivals : {"poisson", "counts", "scenario"}
        How the model spreads a period's requests: ``poisson`` (default: real requests
        arrive at random within a metric period), ``counts`` (evenly spaced), or
        ``scenario`` (what :func:`costmodel.models.coldstart.arrivals.arrivals_for_traffic` picks for the
        scenario, as ``compare`` does).

    Returns
    -------
    ColdStartCheck

    Notes
    -----
    The model is :func:`costmodel.models.coldstart.fast.fast_cold_starts` on the imported request
    rate per period, with the scenario's mean duration, init duration and concurrency limit.
    It runs from ``keep_alive_s`` before the window (when the trace has it) so that the
    window starts with the warm pool the traffic before it left; only cold starts inside
    the window are counted.
    """
    if isinstance(source, ImportedWorkload):
        doc = dict(source.scenario)
        rate, step_s, start = source.rate_rps, float(source.step_s), source.start
        traffic_block = dict(doc["traffic"])
        sc = None
    else:
        sc = load_scenario(source)
        doc = sc.raw
        rate, step_s, start = sc.traffic_series()
        traffic_block = sc.traffic
    logs = (doc.get("provenance") or {}).get("logs")
    if not logs or not logs.get("report_lines"):
        raise ImportSourceError("no REPORT-line sample in the scenario's provenance.logs: import a Lambda function "
                                "with log_window_hours > 0 (its log group must have REPORT lines)")
    lam = doc.get("lambda") or {}
    ka = float(keep_alive_s if keep_alive_s is not None else lam.get("keep_alive_s", 600.0))
    init_ms = float(lam.get("init_duration_ms", 0.0))
    limit = int(lam.get("reserved_concurrency") or lam.get("concurrency_limit") or 1000)
    warm_ms = work_from_dict(doc["work"]).duration.mean_ms if sc is None else sc.work.duration.mean_ms
    w_start = pd.Timestamp(logs.get("first_line") or logs["window"][0])
    w_end = pd.Timestamp(logs["window"][1])
    step = pd.Timedelta(seconds=step_s)
    i0 = int(math.floor((w_start - start) / step))
    i1 = int(math.ceil((w_end - start) / step))
    if i0 < 0 or i1 > rate.size or i1 <= i0:
        raise ImportSourceError(f"the REPORT window {w_start.isoformat()} to {w_end.isoformat()} is not inside the "
                                f"imported trace ({start.isoformat()} onwards, {rate.size} periods of {step_s:g} s)")
    pre = min(i0, int(math.ceil(max(ka, 60.0) / step_s)))
    seg = np.asarray(rate[i0 - pre:i1], dtype=float)
    if arrivals == "scenario":
        arrivals = arrivals_for_traffic(traffic_block, seg, step_s, warm_mean_s=warm_ms / 1000.0)
    elif arrivals not in ("poisson", "counts"):
        raise InvalidParameterError("arrivals", arrivals, "'poisson', 'counts' or 'scenario'")
    predicted = _predict(seg, step_s, pre, warm_ms / 1000.0, ka, init_ms / 1000.0, limit, arrivals)
    requests = float(seg[pre:].sum() * step_s)
    measured_n = int(logs["cold_starts"])
    lines = int(logs["report_lines"])
    measured = measured_n / lines
    implied = None
    if solve_keep_alive and measured > 0:
        lo, hi = 60.0, 7200.0
        f_lo = _predict(seg, step_s, pre, warm_ms / 1000.0, lo, init_ms / 1000.0, limit, arrivals) / requests
        f_hi = _predict(seg, step_s, pre, warm_ms / 1000.0, hi, init_ms / 1000.0, limit, arrivals) / requests
        if f_hi <= measured <= f_lo:  # the share falls as the keep-alive grows
            for _ in range(25):
                mid = math.sqrt(lo * hi)
                f = _predict(seg, step_s, pre, warm_ms / 1000.0, mid, init_ms / 1000.0, limit, arrivals) / requests
                lo, hi = (mid, hi) if f > measured else (lo, mid)
            implied = round(math.sqrt(lo * hi), 1)
    return ColdStartCheck(window_start=start + i0 * step, window_end=start + i1 * step, report_lines=lines,
                          requests_in_trace=requests, measured_cold_starts=measured_n, predicted_cold_starts=predicted,
                          measured_fraction=measured, predicted_fraction=predicted / requests if requests else math.nan,
                          keep_alive_s=ka, warm_mean_ms=float(warm_ms), init_mean_ms=init_ms, arrivals=arrivals,
                          implied_keep_alive_s=implied)
