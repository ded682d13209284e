"""A seeded, offline AWS account (for moto) with functions that behave like real ones.

The workbook's import page, the importer tests and the fleet benchmark need an account
whose truth is known: this module creates Lambda functions on a moto (or any) endpoint
through the real boto3 calls, publishes a month of per-minute ``AWS/Lambda`` metrics
(``PutMetricData``: a diurnal cycle plus Poisson bursts, Poisson counts per minute,
lognormal durations as statistic sets) and writes the REPORT lines of the last hours
into the function's log group, one log stream per execution environment, with the cold
starts an exact per-request keep-alive simulation produces. :class:`SeededFunction`
returns the truth to check an import against.

Moto accepts log events no older than 14 days (as CloudWatch Logs does), so ``now``
must be close to the real clock; metric datapoints may be older.
"""
from __future__ import annotations

import io
import math
import os
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from moto import mock_aws
from scipy import stats

from costmodel.models import traffic as tr
from costmodel.models.duration import lognormal_from_mean_p99

from .cloudwatch import aws_clients

__all__ = [
    "DEMO_FUNCTIONS",
    "DemoAccount",
    "SeededFunction",
    "SeededService",
    "demo_now",
    "ensure_role",
    "open_demo_account",
    "put_metric_batches",
    "seed_alb",
    "seed_ecs_service",
    "seed_http_api",
    "seed_lambda_function",
]

_PUT_BATCH = 1000  # MetricDatum per PutMetricData call (the API's limit)
_LOG_BATCH = 10_000  # events per PutLogEvents call (the API's limit)
_EXACT_DURATIONS = 5_000_000  # above this many invocations (and without logs) durations are not drawn one by one


def demo_now(now: Any = None) -> pd.Timestamp:
    """The seeding clock: the current UTC day's midnight (so seeded series repeat day to day)."""
    ts = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.floor("D")


def _counts_per(counts: np.ndarray, seeded_start: pd.Timestamp, period_s: int, start: Any, end: Any) -> np.ndarray:
    """Per-minute ``counts`` from ``seeded_start`` summed per ``period_s`` over ``[start, end)``
    (zero outside the seeded span)."""
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    minutes = int((e - s) / pd.Timedelta(minutes=1))
    out = np.zeros(minutes)
    off = int((s - seeded_start) / pd.Timedelta(minutes=1))
    lo, hi = max(0, off), min(counts.size, off + minutes)
    if hi > lo:
        out[lo - off:hi - off] = counts[lo:hi]
    k = int(period_s) // 60
    return out[: minutes // k * k].reshape(-1, k).sum(axis=1)


@dataclass(frozen=True, eq=False)
class SeededFunction:
    """What was seeded for one function (the truth an import is checked against).

    Attributes
    ----------
    name, arn : str
    start : pandas.Timestamp
        Start of the first seeded minute.
    counts : numpy.ndarray of int
        Invocations per minute (a datapoint is published only where > 0).
    duration_sum_ms : numpy.ndarray
        Sum of the minute's durations [ms].
    log_start, log_end : pandas.Timestamp
        REPORT-line window.
    log_durations_ms, log_init_ms : numpy.ndarray
        Per invocation in the window, in arrival order (init NaN when warm).
    environments : int
        Execution environments (log streams) the simulation created in the window.
    """

    name: str
    arn: str
    start: pd.Timestamp
    counts: np.ndarray = field(repr=False)
    duration_sum_ms: np.ndarray = field(repr=False)
    log_start: pd.Timestamp | None = None
    log_end: pd.Timestamp | None = None
    log_durations_ms: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    log_init_ms: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    environments: int = 0
    memory_mb: int = 512
    architecture: str = "x86_64"
    keep_alive_s: float = 600.0

    @property
    def end(self) -> pd.Timestamp:
        return self.start + pd.Timedelta(minutes=self.counts.size)

    def counts_per(self, period_s: int, start: Any, end: Any) -> np.ndarray:
        """Seeded invocations summed per ``period_s`` over ``[start, end)`` (zero outside the seeded span)."""
        return _counts_per(self.counts, self.start, period_s, start, end)

    @property
    def log_cold_fraction(self) -> float:
        n = self.log_durations_ms.size
        return float(np.count_nonzero(~np.isnan(self.log_init_ms)) / n) if n else math.nan


def ensure_role(iam: Any, name: str = "costmodel-demo-lambda") -> str:
    """ARN of an IAM role for demo functions (created if missing)."""
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        doc = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":'
               '"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)["Role"]["Arn"]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


def put_metric_batches(cloudwatch: Any, namespace: str, data: list[dict]) -> int:
    """PutMetricData in batches of at most 1,000 datums; returns the number of calls."""
    calls = 0
    for i in range(0, len(data), _PUT_BATCH):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[i:i + _PUT_BATCH])
        calls += 1
    return calls


def _traffic(days: float, start: pd.Timestamp, mean_rps: float, peak_to_trough: float, burst_rps: float,
             bursts_per_day: float, burst_length_s: float, rng: np.random.Generator) -> np.ndarray:
    base = tr.diurnal(mean_rps, peak_to_trough=peak_to_trough, peak_hour=14.0, horizon_days=days, step_s=60.0,
                      start=start, noise_cv=0.15, random_state=rng)
    if burst_rps > 0 and bursts_per_day > 0:
        base = base + tr.spikes(0.0, spike_rps=burst_rps, spike_length_s=burst_length_s,
                                spikes_per_day=bursts_per_day, horizon_days=days, step_s=60.0, random_state=rng)
    return base


def seed_lambda_function(clients: Any, name: str, *, now: Any = None, days: float = 30.0, mean_rps: float = 0.5,
                         peak_to_trough: float = 4.0, burst_rps: float = 4.0, bursts_per_day: float = 3.0,
                         burst_length_s: float = 600.0, duration_mean_ms: float = 120.0,
                         duration_p99_ms: float = 600.0, init_mean_ms: float = 400.0, memory_mb: int = 512,
                         architecture: str = "x86_64", keep_alive_s: float = 600.0, log_hours: float = 6.0,
                         quiet_hours: tuple[float, float] | None = None, created_after_days: float = 0.0,
                         tags: dict | None = None, random_state: Any = 0, metrics: bool = True,
                         metric_step_s: int = 60, concurrency_metric: bool = True) -> SeededFunction:
    """Create a Lambda function and publish its metrics and REPORT lines.

    Parameters
    ----------
    clients : AwsClients or anything with ``client(service)``
    name : str
    now : time, optional
        End of the seeded month (default :func:`demo_now`).
    days : float
        Seeded span [days] ending at ``now``.
    mean_rps, peak_to_trough : float
        Diurnal base traffic [req/s], [-] (peak at 14:00 UTC, 15 % gamma noise).
    burst_rps, bursts_per_day, burst_length_s : float
        Poisson bursts added on top [req/s], [1/day], [s].
    duration_mean_ms, duration_p99_ms : float
        Lognormal warm duration [ms].
    init_mean_ms : float
        Lognormal init duration mean [ms] (p99 = 2 x mean).
    memory_mb : int
    architecture : {"x86_64", "arm64"}
    keep_alive_s : float
        Idle time after which an environment is reclaimed in the simulation [s].
    log_hours : float
        REPORT lines for the last ``log_hours`` hours (0: none; at most 14 days).
    quiet_hours : (float, float), optional
        Hours before ``now`` during which the function had no traffic (a gap).
    created_after_days : float
        No traffic in the first ``created_after_days`` days of the span (leading absence).
    tags : dict, optional
    random_state : int or numpy.random.Generator
    metrics : bool
        Publish the metrics (False: the function and logs only).
    metric_step_s : int
        Publish one datapoint (statistic set) per this many seconds (a multiple of 60;
        coarser steps seed large fleets faster). Above 5 million invocations (and without
        logs) the durations are not drawn one by one: each step's Sum is drawn from its
        normal approximation and Minimum/Maximum are the lognormal's 1/(n+1) and n/(n+1)
        quantiles (``duration_sum_ms`` then holds the step sums at each step's first minute).
    concurrency_metric : bool
        Also publish ConcurrentExecutions.

    Returns
    -------
    SeededFunction
    """
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    end = demo_now(now)
    start = end - pd.Timedelta(days=days)
    lam, cw = clients.client("lambda"), clients.client("cloudwatch")
    role = ensure_role(clients.client("iam"))
    kwargs = {"Tags": tags} if tags else {}
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                              Code={"ZipFile": _zip()}, MemorySize=int(memory_mb), Timeout=30,
                              Architectures=[architecture], **kwargs)["FunctionArn"]
    rate = _traffic(days, start, mean_rps, peak_to_trough, burst_rps, bursts_per_day, burst_length_s, rng)
    n = rate.size
    if created_after_days > 0:
        rate[: int(created_after_days * 1440)] = 0.0
    if quiet_hours is not None:
        a = n - int(quiet_hours[0] * 60)
        b = n - int(quiet_hours[1] * 60)
        rate[max(0, a):max(0, b)] = 0.0
    counts = rng.poisson(rate * 60.0)
    total = int(counts.sum())
    mu, sigma = lognormal_from_mean_p99(duration_mean_ms, duration_p99_ms)
    k = max(1, int(metric_step_s) // 60)
    m = -(-n // k)
    c_step = np.bincount(np.arange(n) // k, weights=counts, minlength=m).astype(np.int64)
    if total <= _EXACT_DURATIONS or log_hours > 0:
        durations = np.maximum(np.round(rng.lognormal(mu, sigma, size=total), 2), 0.01)
        minute_of = np.repeat(np.arange(n), counts)
        dsum: np.ndarray = np.bincount(minute_of, weights=durations, minlength=n)   # float64 (weighted)
        step_of = minute_of // k
        s_step = np.bincount(step_of, weights=durations, minlength=m)
        dmin = np.full(m, np.inf)
        dmax = np.zeros(m)
        np.minimum.at(dmin, step_of, durations)
        np.maximum.at(dmax, step_of, durations)
    else:  # too many invocations to draw one by one: per-step statistics from the lognormal directly
        durations = np.zeros(0)
        mean, var = math.exp(mu + sigma**2 / 2), (math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2)
        s_step = np.maximum(rng.normal(c_step * mean, np.sqrt(c_step * var)), 0.0)
        dist = stats.lognorm(sigma, scale=math.exp(mu))
        dmin = dist.ppf(1.0 / (c_step + 1.0))
        dmax = dist.ppf(c_step / (c_step + 1.0))
        dsum = np.zeros(n)
        dsum[::k] = s_step[: dsum[::k].size]
    if metrics:
        dims = [{"Name": "FunctionName", "Value": name}]
        conc = np.ceil(c_step / (60.0 * k) * duration_mean_ms / 1000.0 * 2.0)
        errors = rng.binomial(c_step, 0.002)
        data = []
        for i in np.flatnonzero(c_step):
            ts = (start + pd.Timedelta(minutes=int(i) * k)).to_pydatetime()
            data.append({"MetricName": "Invocations", "Dimensions": dims, "Timestamp": ts, "Value": float(c_step[i]),
                         "Unit": "Count"})
            data.append({"MetricName": "Duration", "Dimensions": dims, "Timestamp": ts, "Unit": "Milliseconds",
                         "StatisticValues": {"SampleCount": float(c_step[i]), "Sum": float(s_step[i]),
                                             "Minimum": float(dmin[i]), "Maximum": float(dmax[i])}})
            if concurrency_metric:
                data.append({"MetricName": "ConcurrentExecutions", "Dimensions": dims, "Timestamp": ts,
                             "Value": float(max(conc[i], 1.0)), "Unit": "Count"})
            if errors[i]:
                data.append({"MetricName": "Errors", "Dimensions": dims, "Timestamp": ts,
                             "Value": float(errors[i]), "Unit": "Count"})
        put_metric_batches(cw, "AWS/Lambda", data)
    seeded = {"name": name, "arn": arn, "start": start, "counts": counts, "duration_sum_ms": dsum,
              "memory_mb": int(memory_mb),
              "architecture": architecture, "keep_alive_s": float(keep_alive_s)}
    if log_hours and log_hours > 0:
        first_min = n - int(round(log_hours * 60))
        log = _write_report_lines(clients.client("logs"), name, start, counts, durations, first_min,
                                  init_mean_ms, memory_mb, keep_alive_s, rng)
        seeded.update(log_start=start + pd.Timedelta(minutes=first_min), log_end=end, **log)
    return SeededFunction(**seeded)


def _write_report_lines(logs: Any, name: str, start: pd.Timestamp, counts: np.ndarray, durations: np.ndarray,
                        first_min: int, init_mean_ms: float, memory_mb: int, keep_alive_s: float,
                        rng: np.random.Generator) -> dict:
    """Simulate environments over the window's arrivals and write START/END/REPORT lines per stream."""
    group = f"/aws/lambda/{name}"
    logs.create_log_group(logGroupName=group)
    offset = int(counts[:first_min].sum())
    win_counts = counts[first_min:]
    n_req = int(win_counts.sum())
    dur = durations[offset:offset + n_req]
    minute = np.repeat(np.arange(win_counts.size), win_counts)
    arrival_s = np.empty(n_req)
    pos = 0
    for m, c in enumerate(win_counts):  # arrivals sorted within each minute, minutes in order
        if c:
            arrival_s[pos:pos + c] = m * 60.0 + np.sort(rng.uniform(0.0, 60.0, size=c))
            pos += c
    del minute
    imu, isig = lognormal_from_mean_p99(init_mean_ms, 2.0 * init_mean_ms)
    init = np.full(n_req, np.nan)
    env_free: list[float] = []  # time each environment finishes its current request [s]
    env_of = np.empty(n_req, dtype=np.int64)
    for i in range(n_req):
        t = arrival_s[i]
        best, best_free = -1, -1.0
        for e, free in enumerate(env_free):  # most recently freed idle, unexpired environment
            if free <= t and t - free <= keep_alive_s and free > best_free:
                best, best_free = e, free
        if best < 0:
            init[i] = round(float(rng.lognormal(imu, isig)), 2)
            env_free.append(t + (init[i] + dur[i]) / 1000.0)
            best = len(env_free) - 1
        else:
            env_free[best] = t + dur[i] / 1000.0
        env_of[i] = best
    t0_ms = int(start.value // 1_000_000) + first_min * 60_000
    mem_used = np.minimum(memory_mb, np.round(rng.normal(0.35 * memory_mb, 0.03 * memory_mb, size=n_req)))
    streams: dict[int, list] = {}
    day = (start + pd.Timedelta(minutes=first_min)).strftime("%Y/%m/%d")
    for i in range(n_req):
        rid = str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i, version=4))
        t_start = t0_ms + int(arrival_s[i] * 1000)
        cold = not math.isnan(init[i])
        t_end = t_start + int(math.ceil(dur[i] + (init[i] if cold else 0.0)))
        billed = int(math.ceil(dur[i] + (init[i] if cold else 0.0)))
        report = (f"REPORT RequestId: {rid}\tDuration: {dur[i]:.2f} ms\tBilled Duration: {billed} ms\t"
                  f"Memory Size: {memory_mb} MB\tMax Memory Used: {int(mem_used[i])} MB\t")
        if cold:
            report += f"Init Duration: {init[i]:.2f} ms\t"
        ev = streams.setdefault(int(env_of[i]), [])
        ev.append({"timestamp": t_start, "message": f"START RequestId: {rid} Version: $LATEST\n"})
        ev.append({"timestamp": t_end, "message": f"END RequestId: {rid}\n"})
        ev.append({"timestamp": t_end, "message": report + "\n"})
    for e, events in streams.items():
        stream = f"{day}/[$LATEST]{uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | e).hex}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        events.sort(key=lambda x: x["timestamp"])
        for j in range(0, len(events), _LOG_BATCH):
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events[j:j + _LOG_BATCH])
    return {"log_durations_ms": dur.copy(), "log_init_ms": init, "environments": len(env_free)}


# ------------------------------------------------------------------------------ other resources
@dataclass(frozen=True, eq=False)
class SeededService:
    """What was seeded for a load balancer, an API or an ECS service."""

    name: str
    arn: str
    start: pd.Timestamp
    counts: np.ndarray = field(repr=False)
    response_sum_ms: np.ndarray = field(repr=False)
    extra: dict = field(default_factory=dict)

    def counts_per(self, period_s: int, start: Any, end: Any) -> np.ndarray:
        """Seeded requests summed per ``period_s`` over ``[start, end)`` (zero outside the seeded span)."""
        return _counts_per(self.counts, self.start, period_s, start, end)

    @property
    def mean_response_ms(self) -> float:
        return float(self.response_sum_ms.sum() / self.counts.sum())


def _requests(days: float, start: pd.Timestamp, mean_rps: float, response_mean_ms: float, response_p99_ms: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rate = _traffic(days, start, mean_rps, 3.0, 2.0 * mean_rps, 2.0, 900.0, rng)
    counts = rng.poisson(rate * 60.0)
    mu, sigma = lognormal_from_mean_p99(response_mean_ms, response_p99_ms)
    d = np.round(rng.lognormal(mu, sigma, size=int(counts.sum())), 3)
    minute_of = np.repeat(np.arange(counts.size), counts)
    dsum = np.bincount(minute_of, weights=d, minlength=counts.size)
    dmin = np.full(counts.size, np.inf)
    dmax = np.zeros(counts.size)
    np.minimum.at(dmin, minute_of, d)
    np.maximum.at(dmax, minute_of, d)
    return counts, dsum, dmin, dmax


def _stat(name: str, dims: list, ts: Any, n: float, total: float, lo: float, hi: float, unit: str) -> dict:
    return {"MetricName": name, "Dimensions": dims, "Timestamp": ts, "Unit": unit,
            "StatisticValues": {"SampleCount": float(n), "Sum": float(total), "Minimum": float(lo),
                                "Maximum": float(hi)}}


def _vpc_subnets(ec2: Any) -> tuple[str, list[str]]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")
               ["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
    return vpc, subnets


def seed_alb(clients: Any, name: str, *, now: Any = None, days: float = 2.0, mean_rps: float = 20.0,
             response_mean_ms: float = 80.0, response_p99_ms: float = 400.0, kb_per_request: float = 6.0,
             target_group: str | None = None, random_state: Any = 0) -> SeededService:
    """An ALB (and target group) with per-minute RequestCount, TargetResponseTime [s], ProcessedBytes,
    NewConnectionCount and ActiveConnectionCount."""
    rng = np.random.default_rng(random_state)
    end = demo_now(now)
    start = end - pd.Timedelta(days=days)
    elb = clients.client("elbv2")
    vpc, subnets = _vpc_subnets(clients.client("ec2"))
    lb = elb.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]
    tg = elb.create_target_group(Name=target_group or f"{name}-tg", Protocol="HTTP", Port=80, VpcId=vpc,
                                 TargetType="ip")["TargetGroups"][0]
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    counts, dsum, dmin, dmax = _requests(days, start, mean_rps, response_mean_ms, response_p99_ms, rng)
    lb_dim = lb["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
    tg_dim = tg["TargetGroupArn"].split(":")[-1]
    both = [{"Name": "LoadBalancer", "Value": lb_dim}, {"Name": "TargetGroup", "Value": tg_dim}]
    only_lb = [{"Name": "LoadBalancer", "Value": lb_dim}]
    data = []
    for i in np.flatnonzero(counts):
        ts = (start + pd.Timedelta(minutes=int(i))).to_pydatetime()
        c = float(counts[i])
        for dims in (both, only_lb):
            data.append({"MetricName": "RequestCount", "Dimensions": dims, "Timestamp": ts, "Value": c,
                         "Unit": "Count"})
        data.append(_stat("TargetResponseTime", both, ts, c, dsum[i] / 1000.0, dmin[i] / 1000.0, dmax[i] / 1000.0,
                          "Seconds"))
        data.append({"MetricName": "ProcessedBytes", "Dimensions": only_lb, "Timestamp": ts,
                     "Value": c * kb_per_request * 1024.0, "Unit": "Bytes"})
        data.append({"MetricName": "NewConnectionCount", "Dimensions": only_lb, "Timestamp": ts,
                     "Value": float(np.ceil(c / 3.0)), "Unit": "Count"})
        data.append({"MetricName": "ActiveConnectionCount", "Dimensions": only_lb, "Timestamp": ts,
                     "Value": float(np.ceil(c / 2.0)), "Unit": "Count"})
    put_metric_batches(clients.client("cloudwatch"), "AWS/ApplicationELB", data)
    return SeededService(name=name, arn=lb["LoadBalancerArn"], start=start, counts=counts, response_sum_ms=dsum,
                         extra={"target_group_arn": tg["TargetGroupArn"], "kb_per_request": kb_per_request})


def seed_http_api(clients: Any, name: str, *, now: Any = None, days: float = 2.0, mean_rps: float = 5.0,
                  integration_mean_ms: float = 60.0, integration_p99_ms: float = 300.0, overhead_ms: float = 8.0,
                  random_state: Any = 0) -> SeededService:
    """An HTTP API with per-minute Count, IntegrationLatency and Latency (= integration + overhead) [ms]."""
    rng = np.random.default_rng(random_state)
    end = demo_now(now)
    start = end - pd.Timedelta(days=days)
    api = clients.client("apigatewayv2").create_api(Name=name, ProtocolType="HTTP")
    counts, dsum, dmin, dmax = _requests(days, start, mean_rps, integration_mean_ms, integration_p99_ms, rng)
    dims = [{"Name": "ApiId", "Value": api["ApiId"]}]
    data = []
    for i in np.flatnonzero(counts):
        ts = (start + pd.Timedelta(minutes=int(i))).to_pydatetime()
        c = float(counts[i])
        data.append({"MetricName": "Count", "Dimensions": dims, "Timestamp": ts, "Value": c, "Unit": "Count"})
        data.append(_stat("IntegrationLatency", dims, ts, c, dsum[i], dmin[i], dmax[i], "Milliseconds"))
        data.append(_stat("Latency", dims, ts, c, dsum[i] + c * overhead_ms, dmin[i] + overhead_ms,
                          dmax[i] + overhead_ms, "Milliseconds"))
    put_metric_batches(clients.client("cloudwatch"), "AWS/ApiGateway", data)
    return SeededService(name=name, arn=api["ApiId"], start=start, counts=counts, response_sum_ms=dsum)


def seed_ecs_service(clients: Any, cluster: str, service: str, *, now: Any = None, days: float = 2.0,
                     mean_rps: float = 30.0, response_mean_ms: float = 50.0, response_p99_ms: float = 250.0,
                     cpu_ms_per_request: float = 20.0, vcpu: float = 0.5, memory_gb: float = 1.0, tasks: int = 3,
                     container_insights: bool = True, random_state: Any = 0) -> SeededService:
    """A Fargate service behind an ALB: the ALB's metrics, CPUUtilization = CPU used / (tasks x vCPU),
    MemoryUtilization and (Container Insights) RunningTaskCount, per minute; a scalable target
    and a CPU target-tracking policy."""
    rng = np.random.default_rng(random_state)
    alb = seed_alb(clients, f"{service}-lb", now=now, days=days, mean_rps=mean_rps,
                   response_mean_ms=response_mean_ms, response_p99_ms=response_p99_ms, random_state=rng)
    start = alb.start
    ecs = clients.client("ecs")
    ecs.create_cluster(clusterName=cluster)
    td = ecs.register_task_definition(
        family=service, cpu=str(int(vcpu * 1024)), memory=str(int(memory_gb * 1024)), networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"], containerDefinitions=[{"name": "app", "image": "app:1"}],
        runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"})["taskDefinition"]
    svc = ecs.create_service(cluster=cluster, serviceName=service, taskDefinition=td["taskDefinitionArn"],
                             desiredCount=tasks, launchType="FARGATE",
                             loadBalancers=[{"targetGroupArn": alb.extra["target_group_arn"], "containerName": "app",
                                             "containerPort": 80}])["service"]
    aas = clients.client("application-autoscaling")
    rid = f"service/{cluster}/{service}"
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=rid, ScalableDimension="ecs:service:DesiredCount",
                                 MinCapacity=2, MaxCapacity=20)
    aas.put_scaling_policy(PolicyName="cpu", ServiceNamespace="ecs", ResourceId=rid,
                           ScalableDimension="ecs:service:DesiredCount", PolicyType="TargetTrackingScaling",
                           TargetTrackingScalingPolicyConfiguration={
                               "TargetValue": 55.0,
                               "PredefinedMetricSpecification": {
                                   "PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    running = np.maximum(2, np.ceil(alb.counts / 60.0 * cpu_ms_per_request / 1000.0 / (vcpu * 0.55))).astype(int)
    running = np.minimum(running, 20)
    dims = [{"Name": "ClusterName", "Value": cluster}, {"Name": "ServiceName", "Value": service}]
    data, insights = [], []
    for i in range(alb.counts.size):
        ts = (start + pd.Timedelta(minutes=i)).to_pydatetime()
        cpu_pct = 100.0 * alb.counts[i] * cpu_ms_per_request / (60_000.0 * running[i] * vcpu)
        data.append({"MetricName": "CPUUtilization", "Dimensions": dims, "Timestamp": ts, "Value": float(cpu_pct),
                     "Unit": "Percent"})
        data.append({"MetricName": "MemoryUtilization", "Dimensions": dims, "Timestamp": ts,
                     "Value": float(30.0 + rng.uniform(0, 5)), "Unit": "Percent"})
        if container_insights:
            insights.append({"MetricName": "RunningTaskCount", "Dimensions": dims, "Timestamp": ts,
                             "Value": float(running[i]), "Unit": "Count"})
    put_metric_batches(clients.client("cloudwatch"), "AWS/ECS", data)
    if insights:
        put_metric_batches(clients.client("cloudwatch"), "ECS/ContainerInsights", insights)
    return SeededService(name=f"{cluster}/{service}", arn=svc["serviceArn"], start=start, counts=alb.counts,
                         response_sum_ms=alb.response_sum_ms,
                         extra={"cpu_ms_per_request": cpu_ms_per_request, "vcpu": vcpu, "memory_gb": memory_gb,
                                "running": running})


# ------------------------------------------------------------------------------ notebook example
_DUMMY_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
              "AWS_SECURITY_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_PROFILE": None,
              "AWS_ENDPOINT_URL": None}

#: The example account's functions: (name, mean req/s, peak-to-trough, burst req/s, memory MB,
#: duration mean/p99 ms, init ms).
DEMO_FUNCTIONS = (
    ("orders-api", 0.5, 4.0, 4.0, 512, 120.0, 600.0, 400.0),
    ("thumbnailer", 0.05, 4.0, 2.0, 1024, 900.0, 3000.0, 700.0),
    ("pricing-feed", 200.0, 1.2, 0.0, 3008, 45.0, 150.0, 300.0),
    ("audit-log", 3.0, 4.0, 0.0, 256, 20.0, 80.0, 200.0),
)


@dataclass(eq=False)
class DemoAccount:
    """A seeded moto account that lives until :meth:`close` (for the workbook's offline example).

    Dummy credentials are set while it is open, so nothing can reach a real AWS account.
    """

    clients: Any
    now: pd.Timestamp
    functions: dict
    _mock: Any = field(repr=False, default=None)
    _saved_env: dict = field(repr=False, default_factory=dict)

    def close(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._saved_env = {}


def open_demo_account(*, days: float = 14.0, log_hours: float = 6.0, fleet: bool = True,
                      random_state: int = 7) -> DemoAccount:
    """Start in-process moto with dummy credentials and seed :data:`DEMO_FUNCTIONS`.

    ``orders-api`` gets REPORT lines for the last ``log_hours``; with ``fleet`` the other
    functions are seeded too (hourly metrics, no logs), tagged ``team=shop`` except ``audit-log``.
    """
    saved = {k: os.environ.get(k) for k in _DUMMY_ENV}
    for k, v in _DUMMY_ENV.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    mock = mock_aws()
    mock.start()
    account = DemoAccount(clients=None, now=demo_now(), functions={}, _mock=mock, _saved_env=saved)
    try:
        account.clients = aws_clients("us-east-1")
        for i, (name, rps, ptt, burst, mem, dmean, dp99, init) in enumerate(DEMO_FUNCTIONS):
            if i and not fleet:
                break
            account.functions[name] = seed_lambda_function(
                account.clients, name, now=account.now, days=days, mean_rps=rps, peak_to_trough=ptt,
                burst_rps=burst, memory_mb=mem,
                duration_mean_ms=dmean, duration_p99_ms=dp99, init_mean_ms=init, keep_alive_s=600.0,
                log_hours=log_hours if i == 0 else 0.0, metric_step_s=60 if i == 0 else 3600,
                concurrency_metric=i == 0, tags={"team": "ops" if name == "audit-log" else "shop"},
                random_state=random_state + i)
    except BaseException:
        account.close()
        raise
    return account
