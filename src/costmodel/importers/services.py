"""Importers for request-serving resources other than a Lambda function: an Application
Load Balancer (or one target group), an API Gateway API, an ECS service behind a load balancer.

Each reads the resource's request count per period (the traffic) and its response times
(the duration per request), with the same retention, limits, paging and gap rules as
:func:`costmodel.importers.import_lambda`, and writes the same kind of scenario. What the
metrics cannot tell (the CPU a request uses, the memory a Lambda function would need) is
either derived and said so (ECS: CPU per request from CPUUtilization x running tasks x task
vCPU / requests) or declared in ``provenance.assumed``.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from costmodel.errors import ImportSourceError

from .aws import call, paginate
from .cloudwatch import (
    ImportedWorkload,
    _datapoint_record,
    _duration_block,
    _lambda_memory_for_cpu,
    _provenance,
    _r,
    _range,
    _scenario_doc,
    _trim,
    _weighted,
    aws_clients,
)
from .metrics import MAX_DATAPOINTS_PER_CALL, MetricData, MetricQuery, fetch_metric_data

__all__ = ["import_alb", "import_api_gateway", "import_ecs_service"]


def _account(clients: Any) -> str | None:
    try:
        return call(clients.client("sts"), "get_caller_identity")["Account"]
    except ImportSourceError:
        return None


def _nanmax(a: np.ndarray) -> float | None:
    return float(np.nanmax(a)) if np.any(~np.isnan(a)) else None


def _nanmean(a: np.ndarray) -> float | None:
    return float(np.nanmean(a)) if np.any(~np.isnan(a)) else None


def _request_workload(*, kind: str, name: str, resource_id: str, account_id: str | None, clients: Any,
                      queries: list[MetricQuery], req_id: str, dur_ids: Sequence[tuple[str, str, float]],
                      start: Any, end: Any, days: Any, period_s: Any, now: Any, max_datapoints_per_call: int,
                      front_door: str, container_front_door: str, cpu_ms_per_request: float | None,
                      lambda_memory_mb: int | None, architecture: str, user_facing: bool,
                      latency_slo_p99_ms: float | None, keep_alive_s: float, glue: dict | None = None,
                      containers: dict | None = None,
                      measured_extra: Callable[[MetricData], dict[str, Any]] | None = None,
                      cpu_from: Callable[[MetricData, np.ndarray], float | None] | None = None,
                      notes: list[str] | None = None, assumed: list[str] | None = None) -> ImportedWorkload:
    """Fetch, trim, mark gaps and build the scenario for a request-count resource.

    ``dur_ids``: (average id, p99 id, factor to ms) in order of preference.
    ``cpu_from(data, requests)`` may return a measured CPU per request [ms].
    """
    notes = notes if notes is not None else []
    assumed = assumed if assumed is not None else []
    rng = _range(start, end, days, now, period_s)
    data = fetch_metric_data(clients.client("cloudwatch"), queries, rng.start, rng.end, rng.period_s,
                             max_datapoints_per_call=max_datapoints_per_call)
    raw = data.values[req_id]
    metric_name = next(q.metric_name for q in queries if q.id == req_id)
    a, b = _trim(raw, metric_name, rng, notes)
    obs = ~np.isnan(raw[a:b])
    requests = np.nan_to_num(raw[a:b], nan=0.0)
    step = pd.Timedelta(seconds=rng.period_s)
    trace_start = rng.start + a * step
    datapoints = _datapoint_record(obs, trace_start, rng.period_s, notes, metric_name)
    counts = np.nan_to_num(raw, nan=0.0)
    mean_ms = p99_ms = None
    used = None
    for avg_id, p99_id, factor in dur_ids:
        m = _weighted(data.values[avg_id], counts)
        if m is not None:
            mean_ms = m * factor
            p = _weighted(data.values[p99_id], counts) if p99_id in data.values else None
            p99_ms = p * factor if p is not None else None
            used = avg_id
            break
    what = next(q.metric_name for q in queries if q.id == (used or dur_ids[0][0]))
    duration = _duration_block(mean_ms, p99_ms, notes, what)
    mean_ms = cast(float, mean_ms)   # _duration_block raised without one
    cpu_ms = None
    if cpu_ms_per_request is not None:
        cpu_ms = float(cpu_ms_per_request)
    elif cpu_from is not None:
        cpu_ms = cpu_from(data, requests)
    if cpu_ms is None:
        cpu_ms = mean_ms
        assumed.append("work.cpu_ms_per_request = the mean response time (CPU-bound): the metrics do not show the "
                       "CPU a request uses; pass cpu_ms_per_request (--cpu-ms-per-request) if you know it")
    if lambda_memory_mb is None:
        lambda_memory_mb = _lambda_memory_for_cpu(cpu_ms, mean_ms)
        assumed.append(f"work.memory_mb = {lambda_memory_mb} for Lambda: the memory whose CPU share (1,769 MB per "
                       f"vCPU) covers {cpu_ms:.1f} ms of CPU in a {mean_ms:.1f} ms request")
    assumed.append(f"lambda.keep_alive_s = {keep_alive_s:g} (undocumented by AWS)")
    assumed.append("workload and team blocks: declared defaults, not measured")
    max_ms = max(mean_ms, p99_ms or 0.0)
    workload = {"max_duration_s": max(0.001, math.ceil(max_ms) / 1000.0), "user_facing": bool(user_facing),
                "deployment_preference": "either"}
    if latency_slo_p99_ms is not None:
        workload["latency_slo_p99_ms"] = float(latency_slo_p99_ms)
    measured = {"requests": float(requests.sum()), "duration_ms": {"mean": _r(mean_ms), "p99": _r(p99_ms),
                                                                   "from": what},
                "cpu_ms_per_request": _r(cpu_ms)}
    if measured_extra is not None:
        measured.update(measured_extra(data))
    prov = _provenance(kind=kind, name=name, resource_id=resource_id, account_id=account_id, region=clients.region,
                       rng=rng, trace_start=trace_start, n=b - a, data=data, now=now, datapoints=datapoints,
                       assumed=assumed, notes=notes, extra={"measured": measured})
    lam = {"front_door": front_door, "keep_alive_s": float(keep_alive_s)}
    cont = dict(containers or {})
    cont["front_door"] = container_front_door
    doc = _scenario_doc(name=f"{kind.replace('_', ' ')} {name} (imported)",
                        description=f"Imported from CloudWatch: {resource_id}, {rng.start.isoformat()} to "
                                    f"{rng.end.isoformat()}.",
                        region=clients.region, step_s=rng.period_s, duration_ms=duration, cpu_ms_per_request=cpu_ms,
                        memory_mb=lambda_memory_mb, architecture=architecture, lambda_block=lam, containers=cont,
                        glue=glue or {}, workload=workload, provenance=prov)
    return ImportedWorkload(kind=kind, name=name, resource_id=resource_id, region=clients.region,
                            account_id=account_id, period=rng, start=trace_start, requests=requests, observed=obs,
                            metrics=data, scenario=doc, reports=None, notes=tuple(notes))


def _load_balancer(clients: Any, load_balancer: str) -> dict:
    elb = clients.client("elbv2")
    key = {"LoadBalancerArns": [load_balancer]} if load_balancer.startswith("arn:") else {"Names": [load_balancer]}
    got = call(elb, "describe_load_balancers", not_found=f"load balancer {load_balancer!r} not found in region "
               f"{clients.region}: check --load-balancer and --region", **key)["LoadBalancers"]
    if not got:
        raise ImportSourceError(f"load balancer {load_balancer!r} not found in region {clients.region}")
    return got[0]


def _target_group(clients: Any, target_group: str) -> dict:
    elb = clients.client("elbv2")
    key = {"TargetGroupArns": [target_group]} if target_group.startswith("arn:") else {"Names": [target_group]}
    got = call(elb, "describe_target_groups", not_found=f"target group {target_group!r} not found in region "
               f"{clients.region}: check --target-group and --region", **key)["TargetGroups"]
    if not got:
        raise ImportSourceError(f"target group {target_group!r} not found in region {clients.region}")
    return got[0]


def _alb_queries(lb_dim: str, tg_dim: str | None, percentiles: Sequence[str]) -> list[MetricQuery]:
    ns = "AWS/ApplicationELB"
    dims = (("LoadBalancer", lb_dim),) + ((("TargetGroup", tg_dim),) if tg_dim else ())
    lb = (("LoadBalancer", lb_dim),)
    qs = [MetricQuery("requests", ns, "RequestCount", dims, "Sum"),
          MetricQuery("trt_avg", ns, "TargetResponseTime", dims, "Average")]
    qs += [MetricQuery(f"trt_{p}", ns, "TargetResponseTime", dims, p) for p in percentiles]
    qs += [MetricQuery("processed_bytes", ns, "ProcessedBytes", lb, "Sum"),
           MetricQuery("new_connections", ns, "NewConnectionCount", lb, "Sum"),
           MetricQuery("active_connections", ns, "ActiveConnectionCount", lb, "Sum")]
    return qs


def _alb_extra(data: Any) -> dict:
    req = np.nansum(data.values["requests"])
    nb = np.nansum(data.values["processed_bytes"])
    nc = np.nansum(data.values["new_connections"])
    return {"processed_bytes": float(nb), "new_connections": float(nc),
            "active_connections_sum": float(np.nansum(data.values["active_connections"])),
            "processed_kb_per_request": _r(nb / req / 1024.0) if req else None,
            "new_connections_per_request": _r(nc / req) if req else None}


def import_alb(load_balancer: str, *, target_group: str | None = None, start: Any = None, end: Any = None,
               days: float | None = None, period_s: int | None = None, region: Any = None, profile: str | None = None,
               endpoint_url: str | None = None, session: Any = None, now: Any = None,
               percentiles: Sequence[str] = ("p50", "p99"), cpu_ms_per_request: float | None = None,
               lambda_memory_mb: int | None = None, architecture: str = "x86_64", user_facing: bool = True,
               latency_slo_p99_ms: float | None = None, keep_alive_s: float = 600.0,
               max_datapoints_per_call: int = MAX_DATAPOINTS_PER_CALL) -> ImportedWorkload:
    """Import an Application Load Balancer's (or one target group's) traffic.

    RequestCount (Sum) is the traffic; TargetResponseTime (Average, p50, p99 [s]) the
    duration per request; ProcessedBytes / RequestCount the payload per request (the ALB's
    LCU dimension); NewConnectionCount and ActiveConnectionCount go to the provenance.
    Both sides keep the ALB as front door. Other parameters as for
    :func:`costmodel.importers.import_lambda`.
    """
    clients = aws_clients(region, profile=profile, endpoint_url=endpoint_url, session=session)
    lb = _load_balancer(clients, load_balancer)
    lb_arn = lb["LoadBalancerArn"]
    lb_dim = lb_arn.split(":loadbalancer/", 1)[1]
    tg_dim = tg_arn = None
    if target_group:
        tg = _target_group(clients, target_group)
        tg_arn = tg["TargetGroupArn"]
        tg_dim = tg_arn.split(":")[-1]
    qs = _alb_queries(lb_dim, tg_dim, percentiles)
    ids = [("trt_avg", "trt_p99", 1000.0)]
    req_total: dict[str, float | None] = {}

    def glue_from(data: MetricData) -> dict[str, Any]:
        req = np.nansum(data.values["requests"])
        nb = np.nansum(data.values["processed_bytes"])
        req_total["kb"] = nb / req / 1024.0 if req and nb else None
        return _alb_extra(data)

    imp = _request_workload(
        kind="target_group" if target_group else "alb", name=tg_dim.split("/")[1] if tg_dim else lb["LoadBalancerName"],
        resource_id=tg_arn or lb_arn, account_id=lb_arn.split(":")[4], clients=clients, queries=qs,
        req_id="requests", dur_ids=ids, start=start, end=end, days=days, period_s=period_s, now=now,
        max_datapoints_per_call=max_datapoints_per_call, front_door="alb", container_front_door="alb",
        cpu_ms_per_request=cpu_ms_per_request, lambda_memory_mb=lambda_memory_mb, architecture=architecture,
        user_facing=user_facing, latency_slo_p99_ms=latency_slo_p99_ms, keep_alive_s=keep_alive_s,
        measured_extra=glue_from)
    kb = req_total.get("kb")
    if kb:
        imp.scenario["glue"] = {"payload_kb": round(float(kb), 3)}
    return imp


def _find_api(clients: Any, api: str) -> tuple[str, str, tuple, str]:
    """(kind, name, dimensions, id) of an HTTP API (apigatewayv2) or a REST API (apigateway)."""
    v2 = paginate(clients.client("apigatewayv2"), "get_apis", "Items")
    for item in v2:
        if api in (item.get("ApiId"), item.get("Name")):
            if item.get("ProtocolType") != "HTTP":
                raise ImportSourceError(f"api={api!r} is a {item.get('ProtocolType')} API: only HTTP and REST APIs "
                                        "carry request traffic the model prices")
            return "api_gateway_http", item["Name"], (("ApiId", item["ApiId"]),), item["ApiId"]
    for item in paginate(clients.client("apigateway"), "get_rest_apis", "items"):
        if api in (item.get("id"), item.get("name")):
            return "api_gateway_rest", item["name"], (("ApiName", item["name"]),), item["id"]
    raise ImportSourceError(f"API {api!r} not found in region {clients.region} (neither an HTTP API id/name nor a "
                            "REST API id/name): check --api and --region")


def import_api_gateway(api: str, *, stage: str | None = None, start: Any = None, end: Any = None,
                       days: float | None = None, period_s: int | None = None, region: Any = None,
                       profile: str | None = None, endpoint_url: str | None = None, session: Any = None,
                       now: Any = None, percentiles: Sequence[str] = ("p50", "p99"),
                       cpu_ms_per_request: float | None = None, lambda_memory_mb: int | None = None,
                       architecture: str = "x86_64", user_facing: bool = True,
                       latency_slo_p99_ms: float | None = None, keep_alive_s: float = 600.0,
                       max_datapoints_per_call: int = MAX_DATAPOINTS_PER_CALL) -> ImportedWorkload:
    """Import an API Gateway API's traffic: Count (Sum), IntegrationLatency and Latency [ms].

    An HTTP API is found by id or name (``ApiId`` dimension), else a REST API (``ApiName``);
    ``stage`` adds the ``Stage`` dimension. The duration per request is IntegrationLatency
    (the backend's time) when present, else Latency. Lambda keeps the API as front door;
    containers get an ALB.
    """
    clients = aws_clients(region, profile=profile, endpoint_url=endpoint_url, session=session)
    kind_door, name, dims, api_id = _find_api(clients, api)
    if stage:
        dims = dims + (("Stage", stage),)
    ns = "AWS/ApiGateway"
    qs = [MetricQuery("count", ns, "Count", dims, "Sum"),
          MetricQuery("integration_avg", ns, "IntegrationLatency", dims, "Average"),
          MetricQuery("latency_avg", ns, "Latency", dims, "Average")]
    qs += [MetricQuery(f"integration_{p}", ns, "IntegrationLatency", dims, p) for p in percentiles]
    qs += [MetricQuery(f"latency_{p}", ns, "Latency", dims, p) for p in percentiles]
    account = _account(clients)
    arn = f"arn:aws:apigateway:{clients.region}::/{'apis' if kind_door == 'api_gateway_http' else 'restapis'}/{api_id}"

    def extra(data: MetricData) -> dict[str, Any]:
        return {"latency_ms_mean": _r(_weighted(data.values["latency_avg"], np.nan_to_num(data.values["count"])))}

    return _request_workload(
        kind="api_gateway", name=name, resource_id=arn, account_id=account, clients=clients, queries=qs,
        req_id="count", dur_ids=[("integration_avg", "integration_p99", 1.0), ("latency_avg", "latency_p99", 1.0)],
        start=start, end=end, days=days, period_s=period_s, now=now, max_datapoints_per_call=max_datapoints_per_call,
        front_door=kind_door, container_front_door="alb", cpu_ms_per_request=cpu_ms_per_request,
        lambda_memory_mb=lambda_memory_mb, architecture=architecture, user_facing=user_facing,
        latency_slo_p99_ms=latency_slo_p99_ms, keep_alive_s=keep_alive_s, measured_extra=extra)


def import_ecs_service(cluster: str, service: str, *, target_group: str | None = None, start: Any = None,
                       end: Any = None, days: float | None = None, period_s: int | None = None, region: Any = None,
                       profile: str | None = None, endpoint_url: str | None = None, session: Any = None,
                       now: Any = None, percentiles: Sequence[str] = ("p50", "p99"),
                       lambda_memory_mb: int | None = None, user_facing: bool = True,
                       latency_slo_p99_ms: float | None = None, keep_alive_s: float = 600.0,
                       max_datapoints_per_call: int = MAX_DATAPOINTS_PER_CALL) -> ImportedWorkload:
    """Import an ECS service behind a load balancer: traffic, response time, CPU per request, task size.

    The requests are the RequestCount of the service's target group (its first
    ``loadBalancers`` entry, or ``target_group``); the response time its TargetResponseTime.
    The task size (vCPU, memory, architecture) comes from the task definition, the
    scaling bounds and CPU target from Application Auto Scaling when registered. The CPU
    per request is measured:

        cpu_ms_per_request = sum(CPUUtilization/100 x running tasks x task vCPU x period x 1000)
                             / sum(requests)

    over the periods where all three are present; the running task count is
    ``ECS/ContainerInsights`` RunningTaskCount (Container Insights on), else the service's
    desired count (said in the provenance).
    """
    clients = aws_clients(region, profile=profile, endpoint_url=endpoint_url, session=session)
    ecs = clients.client("ecs")
    nf = f"ECS service {service!r} in cluster {cluster!r} not found in region {clients.region}: check " \
         "--ecs-cluster, --ecs-service and --region"
    got = call(ecs, "describe_services", cluster=cluster, services=[service], not_found=nf)
    svcs = [s for s in got.get("services", []) if s.get("status") != "INACTIVE"]
    if not svcs:
        raise ImportSourceError(nf)
    svc = svcs[0]
    td = call(ecs, "describe_task_definition", taskDefinition=svc["taskDefinition"])["taskDefinition"]
    cpu_units = td.get("cpu") or sum(int(c.get("cpu", 0)) for c in td.get("containerDefinitions", []))
    mem_mib = td.get("memory") or sum(int(c.get("memory", 0) or 0) for c in td.get("containerDefinitions", []))
    vcpu = int(cpu_units) / 1024.0
    memory_gb = int(mem_mib) / 1024.0
    if not vcpu > 0 or not memory_gb > 0:
        raise ImportSourceError(f"task definition {td.get('taskDefinitionArn')} declares no CPU or memory: the task "
                                "size cannot be read")
    arch = "arm64" if (td.get("runtimePlatform") or {}).get("cpuArchitecture") == "ARM64" else "x86_64"
    tg_ref = target_group or next((lb.get("targetGroupArn") for lb in svc.get("loadBalancers", [])
                                   if lb.get("targetGroupArn")), None)
    if tg_ref is None:
        raise ImportSourceError(f"ECS service {service!r} has no load balancer: its requests cannot be counted from "
                                "CloudWatch; pass the target group that fronts it (--target-group)")
    tg = _target_group(clients, tg_ref)
    lb_arns = tg.get("LoadBalancerArns") or []
    if not lb_arns:
        raise ImportSourceError(f"target group {tg['TargetGroupArn']} is attached to no load balancer")
    lb_dim = lb_arns[0].split(":loadbalancer/", 1)[1]
    tg_dim = tg["TargetGroupArn"].split(":")[-1]
    sdims = (("ClusterName", cluster), ("ServiceName", service))
    qs = _alb_queries(lb_dim, tg_dim, percentiles)[:2 + len(percentiles)]
    qs += [MetricQuery("cpu_avg", "AWS/ECS", "CPUUtilization", sdims, "Average"),
           MetricQuery("mem_avg", "AWS/ECS", "MemoryUtilization", sdims, "Average"),
           MetricQuery("mem_max", "AWS/ECS", "MemoryUtilization", sdims, "Maximum"),
           MetricQuery("tasks", "ECS/ContainerInsights", "RunningTaskCount", sdims, "Average")]
    notes: list[str] = []
    assumed: list[str] = []
    desired = float(svc.get("desiredCount", 1) or 1)

    def tasks_of(data: MetricData) -> np.ndarray:
        t = data.values["tasks"]
        if np.any(~np.isnan(t)):
            return t
        return np.full_like(t, desired)

    def cpu_from(data: MetricData, requests: np.ndarray) -> float | None:
        t = data.values["tasks"]
        if not np.any(~np.isnan(t)):
            notes.append(f"no ECS/ContainerInsights RunningTaskCount (Container Insights off): the running task "
                         f"count is taken as the service's desired count {desired:g}")
        tasks = tasks_of(data)
        cpu = data.values["cpu_avg"]
        req = data.values["requests"]
        ok = ~np.isnan(cpu) & ~np.isnan(tasks) & ~np.isnan(req) & (np.nan_to_num(req) > 0)
        if not ok.any():
            return None
        busy_ms = np.sum(cpu[ok] / 100.0 * tasks[ok] * vcpu * data.period_s * 1000.0)
        return float(busy_ms / np.sum(req[ok]))

    def extra(data: MetricData) -> dict[str, Any]:
        tasks = tasks_of(data)
        return {"task": {"vcpu": vcpu, "memory_gb": memory_gb, "architecture": arch,
                         "task_definition": td.get("taskDefinitionArn")},
                "cpu_utilisation_pct": {"mean": _r(_nanmean(data.values["cpu_avg"])),
                                        "max": _r(_nanmax(data.values["cpu_avg"]))},
                "memory_utilisation_pct": {"mean": _r(_nanmean(data.values["mem_avg"])),
                                           "max": _r(_nanmax(data.values["mem_max"]))},
                "running_tasks": {"mean": _r(_nanmean(tasks)), "min": _r(float(np.nanmin(tasks))),
                                  "max": _r(_nanmax(tasks))}}

    fargate: dict[str, Any] = {"vcpu": vcpu, "memory_gb": memory_gb, "architecture": arch}
    resource_id = f"service/{cluster}/{service}"
    try:
        aas = clients.client("application-autoscaling")
        targets = call(aas, "describe_scalable_targets", ServiceNamespace="ecs",
                       ResourceIds=[resource_id]).get("ScalableTargets", [])
        if targets:
            fargate.update(min_tasks=int(targets[0]["MinCapacity"]), max_tasks=int(targets[0]["MaxCapacity"]))
        for pol in call(aas, "describe_scaling_policies", ServiceNamespace="ecs",
                        ResourceId=resource_id).get("ScalingPolicies", []):
            cfg = pol.get("TargetTrackingScalingPolicyConfiguration") or {}
            spec = (cfg.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
            if spec == "ECSServiceAverageCPUUtilization":
                fargate["target_utilisation"] = float(cfg["TargetValue"]) / 100.0
    except ImportSourceError as exc:
        notes.append(f"Application Auto Scaling not read ({exc}): scaling bounds are the scenario defaults")
    if "min_tasks" not in fargate:
        fargate.update(min_tasks=max(1, int(desired)), max_tasks=max(50, 4 * int(desired)))
        assumed.append(f"containers.fargate min_tasks {fargate['min_tasks']} / max_tasks {fargate['max_tasks']} "
                       "(no scalable target registered)")
    account = svc.get("serviceArn", "::::").split(":")[4] or None
    imp = _request_workload(
        kind="ecs_service", name=f"{cluster}/{service}", resource_id=svc.get("serviceArn", resource_id),
        account_id=account, clients=clients, queries=qs, req_id="requests",
        dur_ids=[("trt_avg", "trt_p99", 1000.0)], start=start, end=end, days=days, period_s=period_s, now=now,
        max_datapoints_per_call=max_datapoints_per_call, front_door="alb", container_front_door="alb",
        cpu_ms_per_request=None, lambda_memory_mb=lambda_memory_mb, architecture=arch, user_facing=user_facing,
        latency_slo_p99_ms=latency_slo_p99_ms, keep_alive_s=keep_alive_s, containers={"fargate": fargate},
        measured_extra=extra, cpu_from=cpu_from, notes=notes, assumed=assumed)
    return imp
