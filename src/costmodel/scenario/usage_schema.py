"""The usage-file schema: one month of AWS usage, as AWS sells it (pydantic v2).

Every rule AWS enforces on what can be bought is a rule here, so an impossible month is
refused with one line instead of being priced (``docs/usage-format.md`` documents each
field; ``costmodel schema usage`` prints the JSON Schema):

* Lambda: memory 128-10,240 MB in 1 MB steps; ephemeral storage 512-10,240 MB; duration
  above 0 and at most 900,000 ms (the 15-minute timeout; billed rounded up to 1 ms, at
  least 1 ms); INIT at most 10 s; asynchronous payloads at most 1 MB and no streamed
  response; SnapStart neither with provisioned concurrency nor with ephemeral storage
  above 512 MB; tenant isolation neither with provisioned concurrency nor SnapStart; a
  provisioned window serves no more request-time than its environments are on
  (concurrency x enabled seconds); cold starts, restores and tenant environments at most
  one per request; the free tier on one function at most (it is per account).
* Fargate: task sizes per operating system (Windows: 1, 2 or 4 vCPU, x86_64 only); Spot
  only for Linux on x86_64; ephemeral storage 20-200 GB; whole task counts; a task's runs
  fit in the month.
* EC2 and Managed Instances: whole instance counts; hours per instance within the month
  (at most 744 h, a 31-day month; 730 h is the default average month); instance types from
  the price set's catalogue.
* Provisioned-mode event source mappings: Kafka or SQS; an SQS mapping has at least 2
  pollers.
* Every number is finite and bounded (so a bill never overflows), booleans are never
  numbers and text is never a number; every block that is present holds something; a
  usage file prices at least one block; names are unique within a block list.
"""
from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, model_validator
from pydantic.fields import FieldInfo

from costmodel._schema import (
    Architecture,
    Flag,
    InputModel,
    Omissible,
    Text,
    any_value,
    number,
    one_or_many,
    rule_error,
)
from costmodel.models.bills import (
    FARGATE_EPHEMERAL_GB_RANGE,
    FARGATE_WINDOWS_VCPUS,
    LAMBDA_ASYNC_MAX_KB,
    LAMBDA_EPHEMERAL_MB_RANGE,
    LAMBDA_MEMORY_MB_RANGE,
)

__all__ = [
    "LAMBDA_MAX_DURATION_MS",
    "LAMBDA_MAX_INIT_MS",
    "MONTH_H",
    "MONTH_S",
    "Ec2Fleet",
    "EventSourceMapping",
    "FargateService",
    "LambdaFunction",
    "ManagedInstances",
    "ProvisionedWindow",
    "UsageFile",
    "prices_of",
]

#: The longest month [s] and [h]: 31 days. Hours per instance, PC windows and cache times
#: are bounded by it (730 h, the average month, is the default where a month is assumed).
MONTH_S = 31 * 86_400.0
MONTH_H = 31 * 24.0
#: Lambda's maximum timeout [ms] (15 minutes).
LAMBDA_MAX_DURATION_MS = 900_000.0
#: Lambda's INIT phase limit for on-demand functions [ms] (10 s).
LAMBDA_MAX_INIT_MS = 10_000.0
#: Largest request count per month in one figure (about 3.9 million requests/s all month);
#: bounds keep every bill line finite and exact in decimal.
MAX_REQUESTS = 1e13
MAX_GB = 1e9
MAX_COUNT = 100_000
MAX_GROUPS = 1000

#: The choices of :mod:`costmodel.models.bills` as types (a test keeps each equal to its tuple).
LambdaPurchase = Literal["on_demand", "savings_plan"]
FargatePurchase = Literal["on_demand", "spot", "savings_plan"]
FargateOperatingSystem = Literal["linux", "windows"]
Ec2Purchase = Literal["on_demand", "savings_plan", "reserved", "spot"]
EsmSource = Literal["kafka", "sqs"]
LmiPurchase = Literal["on_demand", "savings_plan", "reserved"]
_NAME = Field(None, description="name: prefixes the block's lines ('api: Lambda requests'); unique in the list")


def _requests(what: str = "requests in the month") -> FieldInfo:
    return number(ge=0, le=MAX_REQUESTS, unit="requests", description=what)


def _groups(lo: float, hi: float, description: str) -> FieldInfo:
    """JSON Schema of a number or a list of numbers (request groups); checked by
    :meth:`LambdaFunction._request_groups`."""
    one = {"type": "number", "minimum": lo, "maximum": hi}
    return any_value({"anyOf": [one, {"type": "array", "items": one, "minItems": 1, "maxItems": MAX_GROUPS}],
                      "description": description})


#: A number or a list of numbers (request groups).
_Groups = float | list[float]


def _values(value: Any) -> list[float]:
    return list(value) if isinstance(value, list) else [value]


def prices_of(info: ValidationInfo) -> Any:
    """The price set passed as validation context (None in a first, price-free pass)."""
    ctx = info.context
    return ctx.get("prices") if isinstance(ctx, dict) else None


def _check_instance_type(instance_type: str, info: ValidationInfo) -> None:
    prices = prices_of(info)
    if prices is not None and instance_type not in prices.ec2_instance_types:
        raise rule_error("instance_type", instance_type, "one of " + ", ".join(sorted(prices.ec2_instance_types)),
                         known=sorted(prices.ec2_instance_types))


# ============================================================================== Lambda
class ProvisionedWindow(InputModel):
    """A provisioned-concurrency window: environments kept warm, and the requests they serve."""

    concurrency: Annotated[int, number(ge=1, le=MAX_COUNT, whole=True, unit="execution environments",
                                       description="provisioned execution environments")]
    enabled_s: Annotated[float, number(gt=0, le=MONTH_S, unit="s",
                                       description="seconds enabled per occurrence; billed rounded up to 5 minutes")]
    requests: Annotated[float, _requests("requests served by the provisioned environments (all occurrences)")] = 0
    duration_ms: Annotated[float, number(ge=0, le=LAMBDA_MAX_DURATION_MS, unit="ms",
                                         description="duration of those requests [ms], billed rounded up to 1 ms")] = 0
    occurrences: Annotated[int, number(ge=1, le=10_000, whole=True, unit="occurrences",
                                       description="times the window happens in the month (e.g. 22 business days)")] = 1

    @model_validator(mode="after")
    def _fits(self) -> ProvisionedWindow:
        on_s = self.enabled_s * self.occurrences
        if on_s > MONTH_S:
            raise rule_error("occurrences", self.occurrences,
                             f"occurrences x enabled_s ({self.enabled_s:g} s) within a month (at most 2,678,400 s, "
                             "31 days)")
        if self.requests > 0 and self.duration_ms <= 0:
            raise rule_error("duration_ms", self.duration_ms,
                             "a duration > 0 ms for the requests the window serves (billed at least 1 ms)")
        busy_s = self.requests * max(math.ceil(self.duration_ms - 1e-9), 1) / 1000.0 if self.requests else 0.0
        capacity_s = self.concurrency * on_s
        if busy_s > capacity_s * (1 + 1e-12):
            most = capacity_s * 1000.0 / max(math.ceil(self.duration_ms - 1e-9), 1)
            raise rule_error(
                "requests", self.requests,
                f"at most {most:,.0f} requests of {self.duration_ms:g} ms: the window's capacity is "
                f"{self.concurrency} environment(s) x {on_s:,.0f} s; requests beyond it run on demand "
                "(put them in the function's requests)")
        return self


class SnapStart(InputModel):
    """SnapStart (Python and .NET; Java managed runtimes are not charged: leave it out)."""

    nullable = frozenset({"cache_s"})

    versions: Annotated[int, number(ge=1, le=1000, whole=True, unit="versions",
                                    description="active versions with SnapStart")] = 1
    cache_s: Annotated[float, number(ge=0, le=MONTH_S, unit="s", description="seconds each version's snapshot is "
                                                                             "cached (at least 3 h billed; default, or "
                                                                             "null: a 730-hour month)")] | None = None
    restores: Annotated[float, _requests("restores from the snapshot (each restores memory_mb/1024 GB)")] = 0


class TenantIsolation(InputModel):
    """Tenant isolation mode: a charge per new tenant-isolated execution environment."""

    environments: Annotated[float, number(ge=0, le=MAX_REQUESTS, unit="environments",
                                          description="tenant-isolated execution environments Lambda creates in the "
                                                      "month")]


class Durable(InputModel):
    """Durable functions: operations, data written and retained (compute is the function's)."""

    operations: Annotated[float, number(ge=0, le=MAX_REQUESTS, unit="operations",
                                        description="durable operations: start execution, each step, each wait, "
                                                    "callbacks")]
    data_written_gb: Annotated[float, number(ge=0, le=MAX_GB, unit="GB", description="data written by the operations "
                                                                                     "[GB]")] = 0
    running_days: Annotated[float, number(ge=0, le=366, unit="days", description="days the written data is held while "
                                                                                 "executions run (e.g. a 7-day "
                                                                                 "wait)")] = 0
    retention_days: Annotated[float, number(ge=1, le=90, unit="days", description="retention after an execution "
                                                                                  "completes: 1 to 90 days "
                                                                                  "(default 14)")] = 14


class LambdaFunction(InputModel):
    """One Lambda function's month."""

    nullable = frozenset({"async_payload_kb"})

    name: Omissible[Text] = _NAME
    requests: Annotated[_Groups, _groups(0, MAX_REQUESTS, "on-demand requests")] = Field(
        description="on-demand invocations in the month (not those served by provisioned concurrency); a list gives "
                    "request groups, aligned with duration_ms and streamed_response_mb lists")
    duration_ms: Annotated[_Groups, _groups(0, LAMBDA_MAX_DURATION_MS, "duration [ms]")] = Field(
        description="billed duration per invocation [ms], > 0 and at most 900,000 (the 15-minute timeout); rounded "
                    "up to 1 ms; a list aligns with requests")
    memory_mb: Annotated[int, number(ge=LAMBDA_MEMORY_MB_RANGE[0], le=LAMBDA_MEMORY_MB_RANGE[1], whole=True, unit="MB",
                                     description="configured memory, 128 to 10,240 MB in 1 MB steps")]
    architecture: Architecture = Field("x86_64", description="x86_64 or arm64")
    free_tier: Flag = Field(True, description="apply the monthly free tier (per account: one function at most)")
    ephemeral_storage_mb: Annotated[int, number(ge=LAMBDA_EPHEMERAL_MB_RANGE[0], le=LAMBDA_EPHEMERAL_MB_RANGE[1],
                                                whole=True, unit="MB", description="/tmp, 512 to 10,240 MB; the part "
                                                                                   "above 512 MB is billed")] = 512
    async_payload_kb: Annotated[float, number(gt=0, le=LAMBDA_ASYNC_MAX_KB, unit="KB",
                                              description="requests are asynchronous events of this size (at most "
                                                          "1,024 KB); null: synchronous")] | None = None
    streamed_response_mb: Annotated[_Groups, _groups(0, 200, "streamed response [MB]")] = Field(
        0, description="streamed response per request [MB], at most 200; the part above 6 MB is billed; a list "
                       "aligns with requests")
    cold_starts: Annotated[float, _requests("on-demand cold starts whose INIT is billed (at most one per request)")] = 0
    init_duration_ms: Annotated[float, number(ge=0, le=LAMBDA_MAX_INIT_MS, unit="ms",
                                              description="INIT duration per cold start, at most 10,000 ms")] = 0
    snapstart: Omissible[SnapStart] = Field(None, description="SnapStart cache and restores")
    provisioned: Omissible[Annotated[list[ProvisionedWindow], one_or_many(ProvisionedWindow, max_items=100)]] = Field(
        None, description="provisioned-concurrency windows")
    purchase: LambdaPurchase = Field("on_demand", description="on_demand or savings_plan")
    tenant_isolation: Omissible[TenantIsolation] = Field(None, description="tenant isolation mode")
    durable: Omissible[Durable] = Field(None, description="durable functions")

    @model_validator(mode="before")
    @classmethod
    def _request_groups(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for key, check in (("requests", _REQUEST_CHECK), ("duration_ms", _DURATION_CHECK),
                           ("streamed_response_mb", _STREAM_CHECK)):
            if key in out:
                out[key] = _number_or_list(key, out[key], check)
        return out

    @model_validator(mode="after")
    def _rules(self) -> LambdaFunction:
        reqs, durs = _values(self.requests), _values(self.duration_ms)
        for key, values in (("duration_ms", durs), ("streamed_response_mb", _values(self.streamed_response_mb))):
            if isinstance(getattr(self, key), list) and len(values) != len(reqs):
                raise rule_error(key, getattr(self, key),
                                 f"a list of {len(reqs)} values aligned with requests (or one value)")
        if len(durs) > 1 and len(reqs) == 1:
            raise rule_error("requests", self.requests, f"a list of {len(durs)} request counts aligned with "
                             "duration_ms")
        for i, (r, d) in enumerate(zip(reqs if len(reqs) > 1 else reqs * len(durs), durs if len(durs) > 1 else
                                       durs * len(reqs))):
            if r > 0 and d <= 0:
                where = "duration_ms" if not isinstance(self.duration_ms, list) else f"duration_ms[{i}]"
                raise rule_error(where, d, "a duration > 0 ms for requests > 0 (AWS bills at least 1 ms per "
                                           "invocation)")
        total = float(sum(reqs))
        if self.snapstart is not None and self.provisioned:
            raise rule_error("snapstart", self.snapstart.model_dump(),
                             "no SnapStart together with provisioned concurrency (AWS: SnapStart does not support "
                             "provisioned concurrency); keep one")
        if self.snapstart is not None and self.ephemeral_storage_mb > 512:
            raise rule_error("ephemeral_storage_mb", self.ephemeral_storage_mb,
                             "512 MB with SnapStart (AWS: SnapStart does not support ephemeral storage above "
                             "512 MB)")
        if self.tenant_isolation is not None and (self.provisioned or self.snapstart is not None):
            other = "provisioned concurrency" if self.provisioned else "SnapStart"
            raise rule_error("tenant_isolation", self.tenant_isolation.model_dump(),
                             f"no tenant isolation together with {other} (AWS: tenant isolation mode does not "
                             "support SnapStart or provisioned concurrency)")
        if self.async_payload_kb is not None and any(v > 0 for v in _values(self.streamed_response_mb)):
            raise rule_error("streamed_response_mb", self.streamed_response_mb,
                             "0 for asynchronous events (async_payload_kb is set; an asynchronous invocation "
                             "returns no response to stream)")
        if self.cold_starts > total * (1 + 1e-12):
            raise rule_error("cold_starts", self.cold_starts,
                             f"at most the on-demand requests ({total:,.0f}): a cold start serves a request")
        if self.snapstart is not None and self.snapstart.restores > total * (1 + 1e-12):
            raise rule_error("snapstart.restores", self.snapstart.restores,
                             f"at most the requests ({total:,.0f}): a restore serves a request")
        if self.tenant_isolation is not None and self.tenant_isolation.environments > total * (1 + 1e-12):
            raise rule_error("tenant_isolation.environments", self.tenant_isolation.environments,
                             f"at most the requests ({total:,.0f}): an environment is created for a request")
        return self


def _check_fn(lo: float, hi: float, unit: str, *, gt: bool = False) -> Any:
    def check(v: Any) -> tuple[bool, str]:
        allowed = f"a number of {unit} {'> ' if gt else 'from '}{lo:g}{' and <= ' if gt else ' to '}{hi:,.0f}"
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return False, allowed
        return ((v > lo) if gt else (v >= lo)) and v <= hi, allowed
    return check


_REQUEST_CHECK = _check_fn(0, MAX_REQUESTS, "requests")
_DURATION_CHECK = _check_fn(0, LAMBDA_MAX_DURATION_MS, "ms (at most the 15-minute timeout)")
_STREAM_CHECK = _check_fn(0, 200, "MB")


def _number_or_list(key: str, value: Any, check: Any) -> Any:
    """A number, or a non-empty list of at most :data:`MAX_GROUPS` numbers, each checked."""
    if isinstance(value, list):
        if not 1 <= len(value) <= MAX_GROUPS:
            raise rule_error(key, f"a list of {len(value)}", f"a number or a list of 1 to {MAX_GROUPS:,} numbers")
        for i, v in enumerate(value):
            ok, allowed = check(v)
            if not ok:
                raise rule_error(f"{key}[{i}]", v, allowed)
        return [v.item() if hasattr(v, "item") else v for v in value]
    ok, allowed = check(value)
    if not ok:
        raise rule_error(key, value, allowed + " (or a list of such numbers)")
    return value.item() if hasattr(value, "item") else value


class ManagedInstances(InputModel):
    """Lambda Managed Instances: requests, the EC2 instances of the capacity provider, the
    management fee (15 % of their on-demand price). No per-request duration charge."""

    name: Omissible[Text] = _NAME
    requests: Annotated[float, _requests()]
    instance_type: Text = Field(description="EC2 instance type of the capacity provider (from the price set's "
                                            "catalogue)")
    count: Annotated[int | None, number(ge=1, le=MAX_COUNT, whole=True, unit="instances",
                                        description="instances (with hours)")] = None
    hours: Annotated[float | None, number(ge=0, le=MONTH_H, unit="h", description="hours per instance in the month, at "
                                                                                  "most 744 (default 730)")] = None
    instance_hours: Annotated[float | None, number(ge=0, le=MAX_COUNT * MONTH_H, unit="h",
                                                   description="instance-hours in the month, summed over instances "
                                                               "(instead of count and hours)")] = None
    purchase: LmiPurchase = Field("on_demand", description="EC2 pricing of the instances")

    @model_validator(mode="after")
    def _one_form(self, info: ValidationInfo) -> ManagedInstances:
        _check_instance_type(self.instance_type, info)
        if self.instance_hours is not None and (self.count is not None or self.hours is not None):
            raise rule_error("instance_hours", self.instance_hours, "either instance_hours, or count (and hours), "
                             "not both")
        if self.instance_hours is None and self.count is None:
            raise rule_error("count", None, "count (instances, with hours per instance, default 730) or "
                             "instance_hours")
        return self


class EventSourceMapping(InputModel):
    """A provisioned-mode event source mapping (or a Kafka poller group): Event Poller Units."""

    name: Omissible[Text] = _NAME
    source: EsmSource = Field(description="kafka (Amazon MSK or self-managed) or sqs")
    epu_hours: Annotated[float | None, number(ge=0, le=1e8, unit="EPU-h", description="EPU-hours consumed in the month "
                                                                                      "(instead of event_pollers and "
                                                                                      "hours)")] = None
    event_pollers: Annotated[int | None, number(ge=1, le=MAX_COUNT, whole=True, unit="event pollers",
                                                description="event pollers provisioned (Kafka: 10 per EPU, shared in a "
                                                            "poller group; SQS: 1 per EPU, at least 2)")] = None
    hours: Annotated[float | None, number(gt=0, le=MONTH_H, unit="h", description="hours the pollers run, at "
                                                                                  "most 744")] = None

    @model_validator(mode="after")
    def _one_form(self) -> EventSourceMapping:
        pollers_form = self.event_pollers is not None or self.hours is not None
        if self.epu_hours is not None and pollers_form:
            raise rule_error("epu_hours", self.epu_hours, "either epu_hours, or event_pollers and hours, not both")
        if self.epu_hours is None and (self.event_pollers is None or self.hours is None):
            missing = "hours" if self.event_pollers is not None else "event_pollers"
            raise rule_error(missing, None, "epu_hours, or event_pollers and hours")
        if self.source == "sqs" and self.event_pollers is not None and self.event_pollers < 2:
            raise rule_error("event_pollers", self.event_pollers, "at least 2 for an SQS event source mapping")
        return self


# ============================================================================== containers
class FargateService(InputModel):
    """Fargate tasks of one size for a month."""

    name: Omissible[Text] = _NAME
    vcpu: Annotated[float, number(gt=0, le=32, unit="vCPU", description="task vCPU: 0.25, 0.5, 1, 2, 4, 8, 16 or 32 "
                                                                        "(Windows: 1, 2 or 4)")]
    memory_gb: Annotated[float, number(gt=0, le=244, unit="GB", description="task memory, valid for vcpu")]
    architecture: Architecture = Field("x86_64", description="x86_64 or arm64")
    ephemeral_storage_gb: Annotated[int, number(ge=FARGATE_EPHEMERAL_GB_RANGE[0], le=FARGATE_EPHEMERAL_GB_RANGE[1],
                                                whole=True, unit="GB", description="20 to 200 GB; the part above 20 GB "
                                                                                   "is billed")] = 20
    purchase: FargatePurchase = Field("on_demand", description="on_demand, spot (Linux x86_64 only) "
                                                                          "or savings_plan")
    operating_system: FargateOperatingSystem = Field("linux", description="linux or windows")
    task_seconds: Annotated[float | None, number(ge=0, le=MAX_COUNT * MONTH_S, unit="task-s",
                                                 description="billable task-seconds in the month (instead of tasks, "
                                                             "run_s, runs)")] = None
    tasks: Annotated[int | None, number(ge=0, le=MAX_COUNT, whole=True, unit="tasks",
                                        description="tasks (with run_s and runs)")] = None
    run_s: Annotated[float | None, number(gt=0, le=MONTH_S, unit="s", description="duration of one run; rounded up to "
                                                                                  "the second, at least 60 s (Windows "
                                                                                  "300 s)")] = None
    runs: Annotated[int, number(ge=1, le=10_000_000, whole=True, unit="runs", description="runs per task in the "
                                                                                          "month")] = 1

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> FargateService:
        if self.task_seconds is not None and (self.tasks is not None or self.run_s is not None):
            raise rule_error("task_seconds", self.task_seconds,
                             "either task_seconds, or tasks and run_s (and runs), not both")
        if self.task_seconds is None and (self.tasks is None or self.run_s is None):
            raise rule_error("tasks" if self.tasks is None else "run_s", None,
                             "task_seconds, or tasks and run_s (and runs per task)")
        if self.run_s is not None and self.runs * self.run_s > MONTH_S:
            raise rule_error("runs", self.runs, f"runs x run_s ({self.run_s:g} s) within a month per task (at most "
                             "2,678,400 s, 31 days); more work is more tasks")
        if self.operating_system == "windows":
            if self.architecture != "x86_64":
                raise rule_error("architecture", self.architecture, "x86_64 for Windows tasks")
            if not any(math.isclose(self.vcpu, v) for v in FARGATE_WINDOWS_VCPUS):
                raise rule_error("vcpu", self.vcpu, "1, 2 or 4 for Windows tasks (0.25, 0.5, 8, 16 and 32 vCPU are "
                                 "Linux only)")
        if self.purchase == "spot" and (self.operating_system != "linux" or self.architecture != "x86_64"):
            raise rule_error("purchase", "spot", "on_demand or savings_plan: Fargate Spot is sold for Linux "
                             f"x86_64 tasks only (this one is {self.operating_system} {self.architecture})")
        prices = prices_of(info)
        if prices is not None:
            sizes = prices.fargate_task_sizes
            match = [v for v in sizes if math.isclose(v, float(self.vcpu))]
            if not match:
                raise rule_error("vcpu", self.vcpu, "one of " + ", ".join(f"{v:g}" for v in sorted(sizes)))
            allowed = sizes[match[0]]
            if not any(math.isclose(float(self.memory_gb), g) for g in allowed):
                raise rule_error("memory_gb", self.memory_gb,
                                 f"for {self.vcpu:g} vCPU one of " + ", ".join(f"{g:g}" for g in allowed) + " GB")
        return self


class Ec2Fleet(InputModel):
    """EC2 instances (Linux) of one type for a month."""

    nullable = frozenset({"hours"})

    name: Omissible[Text] = _NAME
    instance_type: Text = Field(description="instance type from the price set's catalogue")
    count: Annotated[int, number(ge=0, le=MAX_COUNT, whole=True, unit="instances", description="instances")] = 1
    hours: Annotated[float, number(ge=0, le=MONTH_H, unit="h", description="hours per instance, at most 744 (default, "
                                                                           "or null: 730)")] | None = None
    purchase: Ec2Purchase = Field("on_demand", description="on_demand, savings_plan, reserved or spot")

    @model_validator(mode="after")
    def _catalogue(self, info: ValidationInfo) -> Ec2Fleet:
        _check_instance_type(self.instance_type, info)
        return self


# ============================================================================== front doors, glue
class ApiGateway(InputModel):
    """API Gateway calls."""

    api: Literal["http", "rest"] = Field("http", description="http or rest")
    requests: Annotated[float, _requests("API calls in the month")]
    payload_kb: Annotated[float, number(ge=0, le=10_240, unit="KB", description="size of each call (HTTP APIs meter "
                                                                                "per 512 KB; at most 10 MB)")] = 0
    free_tier: Flag = Field(False, description="1M calls a month for the first 12 months of new accounts")


class Alb(InputModel):
    """An Application Load Balancer."""

    hours: Annotated[float, number(ge=0, le=MONTH_H, unit="h", description="ALB-hours, at most 744")] = 730
    new_connections_per_s: Annotated[float, number(ge=0, le=1e8, unit="connections/s", description="25 per LCU")] = 0
    active_connections_per_min: Annotated[float, number(ge=0, le=1e10, unit="connections/min",
                                                        description="3,000 per LCU")] = 0
    processed_gb_per_h: Annotated[float, number(ge=0, le=1e7, unit="GB/h", description="1 GB per LCU (0.4 for Lambda "
                                                                                       "targets)")] = 0
    rule_evaluations_per_s: Annotated[float, number(ge=0, le=1e9, unit="evaluations/s",
                                                    description="1,000 per LCU")] = 0
    lambda_targets: Flag = Field(False, description="the targets are Lambda functions")


class FunctionUrl(InputModel):
    """Lambda function URL calls (no charge beyond the function's own)."""

    requests: Annotated[float, _requests("calls in the month")]


class FrontDoor(InputModel):
    """Front doors."""

    api_gateway: Omissible[ApiGateway] = Field(None, description="API Gateway calls: api, requests, payload_kb, "
                                                                 "free_tier")
    alb: Omissible[Alb] = Field(None, description="an Application Load Balancer: hours and the four LCU dimensions")
    function_url: Omissible[FunctionUrl] = Field(None, description="function URL calls: requests")

    @model_validator(mode="after")
    def _something(self) -> FrontDoor:
        return _not_empty(self)


class Sqs(InputModel):
    """SQS API requests."""

    requests: Annotated[float, _requests("API requests in the month (send + receive + delete per message)")]
    payload_kb: Annotated[float, number(ge=0, le=1024, unit="KB", description="payload per request, billed per 64 KB "
                                                                              "chunk; at most 1 MiB")] = 0
    fifo: Flag = Field(False, description="FIFO queue")
    free_tier: Flag = Field(True, description="first 1M requests a month")


class DynamoDb(InputModel):
    """DynamoDB on-demand request units."""

    write_request_units: Annotated[float, number(ge=0, le=MAX_REQUESTS, unit="WRU",
                                                 description="write request units")] = 0
    read_request_units: Annotated[float, number(ge=0, le=MAX_REQUESTS, unit="RRU",
                                                description="read request units")] = 0

    @model_validator(mode="after")
    def _something(self) -> DynamoDb:
        return _not_empty(self)


class Logs(InputModel):
    """CloudWatch Logs."""

    ingested_gb: Annotated[float, number(ge=0, le=MAX_GB, unit="GB", description="log data ingested")]
    stored_gb: Annotated[float, number(ge=0, le=MAX_GB, unit="GB-month", description="log data stored")] = 0
    lambda_tiers: Flag = Field(False, description="Lambda log volume tiers (UNCONFIRMED table)")


class Nat(InputModel):
    """NAT gateways."""

    gateway_hours: Annotated[float, number(ge=0, le=MAX_COUNT * MONTH_H, unit="h",
                                           description="gateway-hours (730 per gateway)")] = 730
    processed_gb: Annotated[float, number(ge=0, le=MAX_GB, unit="GB", description="data processed")] = 0


class PublicIpv4(InputModel):
    """Public IPv4 addresses."""

    address_hours: Annotated[float, number(ge=0, le=MAX_COUNT * 100 * MONTH_H, unit="h", description="address-hours")]


class DataTransfer(InputModel):
    """Data transfer out to the internet."""

    out_gb: Annotated[float, number(ge=0, le=MAX_GB, unit="GB", description="data out")]
    free_tier: Flag = Field(True, description="the first 100 GB a month")


class Glue(InputModel):
    """Services around the compute."""

    sqs: Omissible[Sqs] = Field(None, description="SQS API requests: requests, payload_kb, fifo, free_tier")
    dynamodb: Omissible[DynamoDb] = Field(None, description="DynamoDB on-demand: write_request_units, "
                                                            "read_request_units")
    logs: Omissible[Logs] = Field(None, description="CloudWatch Logs: ingested_gb, stored_gb, lambda_tiers")
    nat: Omissible[Nat] = Field(None, description="NAT gateways: gateway_hours, processed_gb")
    public_ipv4: Omissible[PublicIpv4] = Field(None, description="public IPv4 addresses: address_hours")
    data_transfer: Omissible[DataTransfer] = Field(None, description="data transfer out: out_gb, free_tier")

    @model_validator(mode="after")
    def _something(self) -> Glue:
        return _not_empty(self)


def _not_empty(block: InputModel) -> Any:
    if not block.model_fields_set:
        raise rule_error("", {}, "at least one of " + ", ".join(type(block).allowed_keys())
                         + " (leave the block out for none)")
    return block


# ============================================================================== the file
_PRICED = ("lambda", "lambda_managed_instances", "event_source_mappings", "fargate", "ec2", "front_door", "glue")


class UsageFile(InputModel):
    """A usage file: one month of AWS usage, priced line by line by ``costmodel bill``."""

    name: Omissible[Text] = Field(None, description="for the reader; not printed")
    description: Omissible[Text] = Field(None, description="for the reader; not printed")
    region: Text = Field("us-east-1", description="price region")
    price_set: Omissible[Text] = Field(None, description="date-named price set, e.g. '2026-11-27' (default: latest)")
    price_overrides: Any = Field(None, description="{rate key: value}, or the path of a YAML file with a 'rates:' "
                                                   "block (see docs/pricing.md); checked against the price set")
    lambda_: Omissible[Annotated[list[LambdaFunction], one_or_many(LambdaFunction)]] = Field(
        None, alias="lambda", description="Lambda functions")
    lambda_managed_instances: Omissible[Annotated[list[ManagedInstances], one_or_many(ManagedInstances)]] = Field(
        None, description="Lambda Managed Instances capacity providers")
    event_source_mappings: Omissible[Annotated[list[EventSourceMapping], one_or_many(EventSourceMapping)]] = Field(
        None, description="provisioned-mode event source mappings")
    fargate: Omissible[Annotated[list[FargateService], one_or_many(FargateService)]] = Field(
        None, description="Fargate services")
    ec2: Omissible[Annotated[list[Ec2Fleet], one_or_many(Ec2Fleet)]] = Field(None, description="EC2 instances")
    front_door: Omissible[FrontDoor] = Field(None, description="api_gateway, alb, function_url")
    glue: Omissible[Glue] = Field(None, description="sqs, dynamodb, logs, nat, public_ipv4, data_transfer")

    @model_validator(mode="after")
    def _rules(self) -> UsageFile:
        present = [k for k in _PRICED if getattr(self, "lambda_" if k == "lambda" else k) is not None]
        if not present:
            given = sorted(self.model_fields_set - {"lambda_"})
            raise rule_error("", f"only {', '.join(given)}" if given else "nothing",
                             "at least one block to price: " + ", ".join(_PRICED))
        if self.price_overrides is not None and (not isinstance(self.price_overrides, (dict, str))
                                                 or self.price_overrides == "" or self.price_overrides == {}):
            raise rule_error("price_overrides", self.price_overrides,
                             "a mapping {rate key: value} or the path of a YAML file (leave the key out for none)")
        for block in ("lambda", "lambda_managed_instances", "event_source_mappings", "fargate", "ec2"):
            items = getattr(self, "lambda_" if block == "lambda" else block) or []
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.name is not None:
                    if item.name in seen:
                        raise rule_error(f"{block}[{i}].name", item.name, f"a name not used before in {block}")
                    seen.add(item.name)
        free = [f"lambda[{fn.name if fn.name else i}]" for i, fn in enumerate(self.lambda_ or []) if fn.free_tier]
        if len(free) > 1:
            raise rule_error("lambda", ", ".join(free) + " with free_tier true",
                             "free_tier: true on at most one function: the Lambda free tier is per account (it "
                             "defaults to true; set free_tier: false on the others)")
        return self
