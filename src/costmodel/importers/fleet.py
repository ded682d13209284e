"""Every Lambda function of an account (or of a tag) at once: one table of verdicts and savings.

:func:`import_fleet` lists the functions (``ListFunctions``, or the Resource Groups
Tagging API for ``tag=``, every page), fetches their metrics in shared ``GetMetricData``
calls (up to 500 queries each: 1,000 functions x 3 statistics is 6 calls per time window,
not 3,000), writes one scenario and trace per function and runs the per-function analysis
(:func:`analyse_function`: :func:`costmodel.decision.recommend`, or ``compare`` alone with
``analysis="cost"``) on an engine:

* ``serial``: in this process;
* ``processes``: :class:`concurrent.futures.ProcessPoolExecutor` on this machine;
* ``dask``: a Dask cluster (``dask.distributed``, optional): a local cluster, or the
  scheduler at ``scheduler_address`` for a real cluster.

``docs/import-cloudwatch.md`` records what each engine measured for 1,000 functions and
when each is worth it. Durations come from the Duration metric (REPORT lines of a
thousand log groups would be a thousand log scans; import one function with
:func:`costmodel.importers.import_lambda` for those).
"""
from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from costmodel.analysis.compare import compare
from costmodel.decision import recommend
from costmodel.errors import CostModelError, InvalidParameterError

from .aws import paginate
from .cloudwatch import (
    DEFAULT_TEAM,
    LAMBDA_MB_PER_VCPU,
    _duration_block,
    _range,
    _scenario_yaml,
    _weighted,
    aws_clients,
)
from .metrics import MAX_DATAPOINTS_PER_CALL, MetricQuery, fetch_metric_data

__all__ = ["ENGINES", "FLEET_COLUMNS", "analyse_function", "import_fleet", "list_functions"]

ENGINES = ("serial", "processes", "dask")
FLEET_COLUMNS = ["function", "memory_mb", "architecture", "requests", "mean_rps", "peak_rps", "duration_mean_ms",
                 "verdict", "confidence", "decided_by", "lambda_usd", "best_container", "container_usd",
                 "monthly_savings_usd", "scenario", "error"]


def list_functions(clients: Any, tag: tuple[str, str] | None = None) -> list[dict]:
    """Configurations of every function (all pages), or of those carrying ``tag=(key, value)``."""
    lam = clients.client("lambda")
    functions = paginate(lam, "list_functions", "Functions")
    if tag is None:
        return functions
    key, value = tag
    tagging = clients.client("resourcegroupstaggingapi")
    tagged = paginate(tagging, "get_resources", "ResourceTagMappingList", ResourceTypeFilters=["lambda:function"],
                      TagFilters=[{"Key": key, "Values": [value]}])
    arns = {r["ResourceARN"] for r in tagged}
    return [f for f in functions if f["FunctionArn"] in arns]


def _queries(i: int, name: str, percentiles: Sequence[str]) -> list[MetricQuery]:
    dims = (("FunctionName", name),)
    qs = [MetricQuery(f"f{i}_inv", "AWS/Lambda", "Invocations", dims, "Sum"),
          MetricQuery(f"f{i}_avg", "AWS/Lambda", "Duration", dims, "Average"),
          MetricQuery(f"f{i}_max", "AWS/Lambda", "Duration", dims, "Maximum")]
    qs += [MetricQuery(f"f{i}_{p}", "AWS/Lambda", "Duration", dims, p) for p in percentiles if p == "p99"]
    return qs


def analyse_function(payload: dict) -> dict:
    """Write one function's scenario and trace, run the analysis, return its table row.

    ``payload`` (built by :func:`import_fleet`, picklable for worker processes): ``name``,
    ``memory_mb``, ``architecture``, ``start`` (ISO), ``step_s``, ``requests`` (list),
    ``observed`` (list of 0/1), ``duration_mean_ms``, ``duration_p99_ms``, ``duration_max_ms``,
    ``front_door``, ``keep_alive_s``, ``out_dir``, ``analysis`` (``recommend`` or ``cost``),
    ``provenance`` (dict).
    """
    row = dict.fromkeys(FLEET_COLUMNS)
    req = np.asarray(payload["requests"], dtype=float)
    step_s = float(payload["step_s"])
    row.update(function=payload["name"], memory_mb=payload["memory_mb"], architecture=payload["architecture"],
               requests=float(req.sum()), mean_rps=float(req.mean() / step_s) if req.size else 0.0,
               peak_rps=float(req.max() / step_s) if req.size else 0.0,
               duration_mean_ms=payload.get("duration_mean_ms"))
    if not req.size or req.sum() <= 0:
        row.update(verdict="no traffic", error="no Invocations datapoints in the range")
        return row
    try:
        notes: list[str] = []
        mean_ms = float(payload["duration_mean_ms"])
        duration = _duration_block(mean_ms, payload.get("duration_p99_ms"), notes, "Duration")
        out = Path(payload["out_dir"])
        stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in payload["name"])
        trace = out / f"{stem}-trace.csv"
        start = pd.Timestamp(payload["start"])
        idx = pd.date_range(start, periods=req.size, freq=pd.Timedelta(seconds=step_s))
        whole = np.all(np.mod(req, 1) == 0)
        lines = ["timestamp,count,observed"] + [
            f"{t.strftime('%Y-%m-%dT%H:%M:%SZ')},{int(n) if whole else f'{n:.6g}'},{int(o)}"
            for t, n, o in zip(idx, req, payload["observed"])]
        trace.write_text("\n".join(lines) + "\n")
        memory_mb = int(payload["memory_mb"])
        front_door = payload["front_door"]
        doc = {
            "name": f"Lambda function {payload['name']} (imported)",
            "description": "Imported from CloudWatch metrics by costmodel import cloudwatch --all-functions.",
            "region": payload["region"],
            "traffic": {"pattern": "trace", "path": trace.name, "format": "csv", "repeat": True, "horizon_days": 30,
                        "step_s": int(step_s)},
            "work": {"duration_ms": duration, "memory_mb": memory_mb, "architecture": payload["architecture"],
                     "cpu_ms_per_request": round(mean_ms * min(1.0, memory_mb / LAMBDA_MB_PER_VCPU), 3)},
            "lambda": {"front_door": front_door, "keep_alive_s": float(payload["keep_alive_s"])},
            "containers": {"front_door": "alb" if front_door != "none" else "none"},
            "workload": {"max_duration_s": max(0.001, math.ceil(float(payload["duration_max_ms"] or mean_ms)) / 1000),
                         "user_facing": front_door != "none"},
            "team": dict(DEFAULT_TEAM),
            "provenance": dict(payload["provenance"], notes=notes),
        }
        path = out / f"{stem}.yaml"
        path.write_text(_scenario_yaml(doc))
        row["scenario"] = str(path)
        if payload.get("analysis", "recommend") == "cost":
            c = compare(path)
            lam = float(c.table["monthly_usd"]["lambda"])
            cont = c.table.drop(index="lambda")
            ok = cont[cont["overload_minutes"] <= 0]
            best = str((ok if len(ok) else cont)["monthly_usd"].idxmin())   # option names label the rows
            cont_usd = float(cont["monthly_usd"][best])
            verdict, confidence, decided = ("containers" if cont_usd < lam else "serverless"), "cost only", "cost"
        else:
            rec = recommend(path)
            ev = rec.evidence
            lam = float(ev["lambda_monthly_usd"])
            best = ev["cheapest_container_option"]
            cont_usd = float(ev["cheapest_container_monthly_usd"])
            verdict, confidence, decided = rec.verdict, rec.confidence, rec.decided_by
        row.update(verdict=verdict, confidence=confidence, decided_by=decided, lambda_usd=round(lam, 2),
                   best_container=best, container_usd=round(cont_usd, 2),
                   monthly_savings_usd=round(lam - cont_usd, 2) if verdict == "containers" else 0.0)
    except CostModelError as exc:
        row.update(verdict="error", error=str(exc))
    return row


def _run(payloads: list[dict], engine: str, workers: int | None, scheduler_address: str | None,
         progress: bool) -> list[dict]:
    bar = tqdm(total=len(payloads), desc="functions", unit="fn", disable=not progress)
    rows: list[dict] = []
    try:
        if engine == "serial":
            for p in payloads:
                rows.append(analyse_function(p))
                bar.update()
        elif engine == "processes":
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(analyse_function, p) for p in payloads]
                for f in as_completed(futures):
                    rows.append(f.result())
                    bar.update()
        else:
            try:
                # optional dependency, loaded only for engine='dask'
                from dask.distributed import Client, LocalCluster  # noqa: PLC0415
                from dask.distributed import as_completed as dask_completed  # noqa: PLC0415
            except ImportError as exc:
                raise InvalidParameterError("engine", engine, "'serial' or 'processes' (dask.distributed is not "
                                            "installed: pip install 'dask[distributed]')") from exc
            cluster = None
            if scheduler_address:
                client = Client(scheduler_address)
            else:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                client = Client(cluster)
            try:
                futures = client.map(analyse_function, payloads, pure=False)
                for f in dask_completed(futures):
                    rows.append(f.result())
                    bar.update()
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    finally:
        bar.close()
    order = {p["name"]: i for i, p in enumerate(payloads)}
    return sorted(rows, key=lambda r: order[r["function"]])


def import_fleet(*, tag: tuple[str, str] | None = None, functions: Sequence[str] | None = None, start: Any = None,
                 end: Any = None, days: float | None = None, period_s: int | None = 3600, region: Any = None,
                 profile: str | None = None, endpoint_url: str | None = None, session: Any = None, now: Any = None,
                 percentiles: Sequence[str] = ("p99",), front_door: str = "none", keep_alive_s: float = 600.0,
                 output_dir: str | Path | None = None, analysis: str = "recommend", engine: str = "processes",
                 workers: int | None = None, scheduler_address: str | None = None, progress: bool = True,
                 max_datapoints_per_call: int = MAX_DATAPOINTS_PER_CALL, timings: dict | None = None
                 ) -> pd.DataFrame:
    """Import every Lambda function of the account (or of a tag) and decide for each.

    Parameters
    ----------
    tag : (str, str), optional
        Only functions with this tag key and value.
    functions : sequence of str, optional
        Only these function names.
    start, end, days, period_s
        Range and period as for :func:`costmodel.importers.import_lambda`; the period
        defaults to 3600 s (30 days x 1,000 functions x 3 statistics = 2.2M datapoints)
        and is raised to the finest that retention allows.
    percentiles : sequence of str
        ``("p99",)`` or ``()`` (endpoints without extended statistics).
    output_dir : path, optional
        Where each function's scenario and trace go (default: a temporary folder).
    analysis : {"recommend", "cost"}
        The full decision per function, or the cost comparison alone (faster).
    engine : {"processes", "serial", "dask"}
        ``processes`` (default): a process pool on this machine; ``serial``: this process;
        ``dask``: a Dask cluster (optional dependency). Measured in ``docs/import-cloudwatch.md``.
    workers : int, optional
        Worker processes (default: one per core).
    scheduler_address : str, optional
        A running Dask scheduler (``engine="dask"``).
    progress : bool
        A tqdm progress bar over the functions.
    timings : dict, optional
        Filled with the seconds spent listing, fetching and analysing.

    Returns
    -------
    pandas.DataFrame
        One row per function (:data:`FLEET_COLUMNS`), sorted by monthly savings then name.
    """
    if engine not in ENGINES:
        raise InvalidParameterError("engine", engine, "one of " + ", ".join(ENGINES))
    if analysis not in ("recommend", "cost"):
        raise InvalidParameterError("analysis", analysis, "'recommend' or 'cost'")
    t0 = time.perf_counter()
    clients = aws_clients(region, profile=profile, endpoint_url=endpoint_url, session=session)
    configs = list_functions(clients, tag)
    if functions is not None:
        wanted = set(functions)
        configs = [c for c in configs if c["FunctionName"] in wanted]
    t1 = time.perf_counter()
    rng = _range(start, end, days, now, None)
    if period_s is not None and period_s > rng.period_s:
        rng = _range(start, end, days, now, int(period_s) // rng.period_s * rng.period_s)
    queries = [q for i, c in enumerate(configs) for q in _queries(i, c["FunctionName"], percentiles)]
    data = fetch_metric_data(clients.client("cloudwatch"), queries, rng.start, rng.end, rng.period_s,
                             max_datapoints_per_call=max_datapoints_per_call) if queries else None
    t2 = time.perf_counter()
    out = Path(output_dir) if output_dir is not None else Path(tempfile.mkdtemp(prefix="costmodel-fleet-"))
    out.mkdir(parents=True, exist_ok=True)
    payloads = []
    series = data.values if data is not None else {}   # no functions: no metric data
    for i, c in enumerate(configs):
        inv = series[f"f{i}_inv"]
        obs = ~np.isnan(inv)
        if obs.any():
            idx = np.flatnonzero(obs)
            a, b = int(idx[0]), int(idx[-1]) + 1
        else:
            a = b = 0
        counts = np.nan_to_num(inv, nan=0.0)
        p99 = series.get(f"f{i}_p99")
        dmax = series[f"f{i}_max"]
        payloads.append({
            "name": c["FunctionName"], "memory_mb": int(c.get("MemorySize", 128)),
            "architecture": (c.get("Architectures") or ["x86_64"])[0], "region": clients.region,
            "start": (rng.start + a * pd.Timedelta(seconds=rng.period_s)).isoformat(), "step_s": rng.period_s,
            "requests": counts[a:b].tolist(), "observed": obs[a:b].astype(int).tolist(),
            "duration_mean_ms": _weighted(series[f"f{i}_avg"], counts),
            "duration_p99_ms": _weighted(p99, counts) if p99 is not None else None,
            "duration_max_ms": float(np.nanmax(dmax)) if np.any(~np.isnan(dmax)) else None,
            "front_door": front_door, "keep_alive_s": keep_alive_s, "out_dir": str(out), "analysis": analysis,
            "provenance": {"source": "cloudwatch", "account_id": c["FunctionArn"].split(":")[4],
                           "region": clients.region, "resource": {"kind": "lambda_function",
                                                                  "name": c["FunctionName"], "id": c["FunctionArn"]},
                           "time_range": {"start": rng.start.isoformat(), "end": rng.end.isoformat()},
                           "period_s": rng.period_s, "period_reason": rng.reason,
                           "metrics": [q.describe() for q in _queries(i, c["FunctionName"], percentiles)]},
        })
    rows = _run(payloads, engine, workers, scheduler_address, progress) if payloads else []
    t3 = time.perf_counter()
    if timings is not None:
        timings.update(list_s=t1 - t0, fetch_s=t2 - t1, analyse_s=t3 - t2, functions=len(configs),
                       get_metric_data_calls=data.calls if data else 0, period_s=rng.period_s)
    table = pd.DataFrame(rows, columns=FLEET_COLUMNS)
    if len(table):
        table = table.sort_values(["monthly_savings_usd", "function"], ascending=[False, True],
                                  na_position="last").reset_index(drop=True)
    return table
