"""The scenario schema (pydantic v2): a workload's traffic, work, Lambda and container setups.

``docs/traffic-and-comparison.md`` documents every block; ``costmodel schema scenario``
prints the JSON Schema. Besides types, ranges and unknown keys, the schema holds the
rules that keep a scenario finite before anything is allocated:

* the traffic series is bounded: ``horizon_days`` at most :data:`MAX_HORIZON_DAYS`, and
  ``horizon_days * 86400 / step_s`` at most :data:`MAX_STEPS` steps (about 40 MB per
  series array), the step dividing the horizon;
* rates at most :data:`MAX_RPS`, counts whole and bounded (``max_tasks``,
  ``tasks_per_instance`` >= 1, ``random_state`` a whole number >= 0);
* Lambda: memory 128-10,240 MB, ephemeral storage 512-10,240 MB, INIT at most 10 s,
  provisioned concurrency within the concurrency limit and reserved concurrency;
* containers: the Fargate task size from the price set's table, the EC2 instance type from
  its catalogue (checked with the price set as validation context), ``max_tasks >=
  min_tasks``; the front door's request timeout at most 4,000 s (the ALB maximum).

``workload`` and ``team`` are mappings passed to the decision procedure, which validates
them against its own configuration (``docs/decision.md``); ``batch_job`` and ``pipeline``
are mappings read by :mod:`costmodel.analysis.long_running` (``docs/long-running.md``);
``provenance`` is a mapping kept for the reader (what an imported scenario was measured from).
"""
from __future__ import annotations

import math
import zoneinfo
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

import pandas as pd
from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from costmodel._schema import (
    A_BLOCK,
    A_NUMBER,
    Architecture,
    Flag,
    InputModel,
    Omissible,
    Text,
    list_of,
    number,
    number_or_block,
    rule_error,
)
from costmodel.models.bills import LAMBDA_EPHEMERAL_MB_RANGE, LAMBDA_MEMORY_MB_RANGE
from costmodel.models.lambda_traffic import PC_SCHEDULES
from costmodel.models.traffic import DEFAULT_STEP_S, MAX_STEP_S, MIN_STEP_S, MONTH_DAYS, SECONDS_PER_DAY

__all__ = ["ScenarioFile", "Traffic", "WorkSetup", "LambdaSetup", "ContainersSetup", "GlueSetup", "FrontDoorSetup",
           "NetworkSetup", "FRONT_DOORS", "CONTAINER_FRONT_DOORS", "FRONT_DOOR_KINDS", "LOG_FORMATS", "PATTERNS",
           "MAX_HORIZON_DAYS", "MAX_STEPS", "MAX_RPS", "n_steps_of"]

FrontDoor = Literal["api_gateway_rest", "api_gateway_http", "alb", "function_url", "none"]
ContainerFrontDoor = Literal["alb", "none"]
FrontDoorKind = Literal["alb", "api_gateway_http", "api_gateway_rest", "function_url", "none", "usual"]
LogFormat = Literal["text", "json"]
#: Front doors of the Lambda option and of the container options (each side's usual one).
FRONT_DOORS: tuple[str, ...] = get_args(FrontDoor)
CONTAINER_FRONT_DOORS: tuple[str, ...] = get_args(ContainerFrontDoor)
#: ``front_door.kind``: one front door for both sides, or ``usual`` (each side its own).
FRONT_DOOR_KINDS: tuple[str, ...] = get_args(FrontDoorKind)
#: Lambda's log formats (``lambda.log_format``): its START/END/REPORT lines as text or JSON.
LOG_FORMATS: tuple[str, ...] = get_args(LogFormat)
#: Longest traffic horizon [days].
MAX_HORIZON_DAYS = 366.0
#: Most steps in one traffic series (5M float64 = 40 MB per array; a 30-day month at 1 s is 2,592,000).
MAX_STEPS = 5_000_000
#: Highest request rate in a traffic block [req/s].
MAX_RPS = 1e7
#: Longest per-request work [ms] a scenario may describe (a day; Lambda stops at 900,000 ms and
#: the decision procedure flags work above it).
MAX_WORK_MS = 86_400_000.0
MAX_TASKS = 100_000

_Rps = Annotated[float, number(ge=0, le=MAX_RPS, unit="req/s", description="request rate [req/s]")]
_RpsPositive = Annotated[float, number(gt=0, le=MAX_RPS, unit="req/s", description="request rate [req/s], > 0")]
#: Left out: no noise.
_Noise = Annotated[float | None, number(ge=0, le=10, description="coefficient of variation of the per-step gamma "
                                                                 "noise (0: none)")]
#: A time of day in seconds; left out: the pattern's default.
_DayS = Annotated[float | None, number(ge=0, le=SECONDS_PER_DAY, unit="s")]


def _timezone(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("text_type", "an IANA time zone name such as Europe/Berlin", {})
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError("timezone", "an IANA time zone name such as Europe/Berlin or UTC", {}) from None
    return value


def _timestamp(value: Any) -> Any:
    if not isinstance(value, str) or len(value) > 64:
        raise PydanticCustomError("timestamp", "an ISO 8601 time such as 2026-01-05T00:00:00Z", {})
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise PydanticCustomError("timestamp", "an ISO 8601 time such as 2026-01-05T00:00:00Z", {}) from None
    if pd.isna(stamp):  # pd.Timestamp("NaT") is NaT
        raise PydanticCustomError("timestamp", "an ISO 8601 time such as 2026-01-05T00:00:00Z", {})
    return value


def _time_of_day(value: Any) -> Any:
    ok = isinstance(value, str) and len(value) == 5 and value[2] == ":" and value[:2].isdigit() and \
        value[3:].isdigit() and (int(value[:2]) < 24 and int(value[3:]) < 60 or value == "24:00")
    if not ok:
        raise PydanticCustomError("time_of_day", "a time of day 'HH:MM' (UTC), 00:00 to 24:00", {})
    return value


TimeOfDay = Annotated[str, BeforeValidator(_time_of_day), WithJsonSchema(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", "description": "time of day, HH:MM"})]
TimeZone = Annotated[str, BeforeValidator(_timezone), WithJsonSchema({"type": "string", "description":
                                                                      "IANA time zone, e.g. Europe/Berlin"})]
Timestamp = Annotated[str, BeforeValidator(_timestamp), WithJsonSchema({"type": "string", "description":
                                                                        "ISO 8601 start time of the series"})]


# ============================================================================== traffic
class Growth(InputModel):
    """A trend multiplied onto the series: 1 at the start, ``end_factor`` at the end."""

    end_factor: Annotated[float, number(gt=0, le=1e6, description="factor at the end of the horizon")]
    kind: Literal["linear", "exponential"] = "linear"


class _Common(InputModel):
    """Keys every traffic block accepts."""

    nullable = frozenset({"random_state"})

    random_state: Annotated[int, number(ge=0, le=2**63 - 1, whole=True, description="seed (a whole number >= 0; null: "
                                                                                    "random)")] | None = None
    start: Omissible[Timestamp] = Field(None, description="start of the series (default Monday 2026-01-05 00:00 UTC)")
    scale: Annotated[float | None, number(ge=0, le=1e6, description="factor applied to the whole series")] = None
    growth: Omissible[Growth] = None
    horizon_days: Annotated[float | None, number(gt=0, le=MAX_HORIZON_DAYS, unit="days",
                                                 description="length of the series, at most 366 days (default one "
                                                             "730-h month, 30.4167 days)")] = None
    step_s: Annotated[float | None, number(ge=MIN_STEP_S, le=MAX_STEP_S, unit="s",
                                           description="step of the series, 1 to 3,600 s, dividing the horizon "
                                                       "(default 60)")] = None


class Steady(_Common):
    """Constant rate, optional noise."""

    pattern: Literal["steady"]
    mean_rps: _Rps
    noise_cv: _Noise = None


class Diurnal(_Common):
    """A daily cycle in local time."""

    pattern: Literal["diurnal"]
    mean_rps: _Rps
    peak_to_trough: Annotated[float | None, number(ge=1, le=1e6, description="peak / trough ratio")] = None
    peak_hour: Annotated[float | None, number(ge=0, le=24, unit="h", description="local hour of the peak")] = None
    timezone: Omissible[TimeZone] = None
    noise_cv: _Noise = None


class Weekly(Diurnal):
    """A daily cycle with quieter weekends."""

    pattern: Literal["weekly"]  # type: ignore[assignment]
    weekend_factor: Annotated[float | None, number(ge=0, le=100, description="Saturday and Sunday rate factor")] = None


class Bursty(_Common):
    """A base rate plus regular bursts."""

    pattern: Literal["bursty"]
    base_rps: _Rps
    burst_rps: _Rps
    burst_length_s: Annotated[float, number(gt=0, le=SECONDS_PER_DAY, unit="s", description="length of a burst")]
    bursts_per_day: Annotated[float, number(gt=0, le=SECONDS_PER_DAY, description="bursts a day")]
    first_burst_s: _DayS = None

    @model_validator(mode="after")
    def _fits(self) -> Bursty:
        period = SECONDS_PER_DAY / self.bursts_per_day
        if self.burst_length_s > period:
            raise rule_error("burst_length_s", self.burst_length_s, f"at most the burst period {period:g} s "
                             "(86,400 s / bursts_per_day)")
        return self


class Spikes(_Common):
    """A base rate plus spikes at random times."""

    pattern: Literal["spikes"]
    base_rps: _Rps
    spike_rps: _Rps
    spike_length_s: Annotated[float, number(gt=0, le=SECONDS_PER_DAY, unit="s", description="length of a spike")]
    spikes_per_day: Annotated[float, number(ge=0, le=SECONDS_PER_DAY, description="spikes a day (Poisson)")]


class Sparse(_Common):
    """N invocations a day, random or evenly spaced."""

    pattern: Literal["sparse"]
    invocations_per_day: Annotated[float, number(gt=0, le=MAX_RPS * SECONDS_PER_DAY, description="invocations a day")]
    timing: Omissible[Literal["random", "fixed"]] = None
    first_at_s: _DayS = None


class GrowthPattern(_Common):
    """A trend from ``start_rps`` to ``end_rps``."""

    pattern: Literal["growth"]
    start_rps: _RpsPositive
    end_rps: _RpsPositive
    kind: Omissible[Literal["linear", "exponential"]] = None

    @model_validator(mode="after")
    def _ratio(self) -> GrowthPattern:
        ratio = self.end_rps / self.start_rps
        if not 1e-6 <= ratio <= 1e6:
            raise rule_error("end_rps", self.end_rps, f"between 1e-6 and 1e6 times start_rps ({self.start_rps:g})")
        return self


class Trace(_Common):
    """A CSV or Azure Functions trace file."""

    nullable = frozenset({"random_state", "function"})

    pattern: Literal["trace"]
    path: Text = Field(description="trace file, relative to the scenario file")
    format: Omissible[Literal["csv", "azure"]] = None
    function: Text | None = Field(None, description="Azure HashFunction (null: all functions aggregated)")
    aggregate: Omissible[Flag] = None
    repeat: Omissible[Flag] = Field(None, description="repeat the trace to fill the horizon (default true)")


_NESTED_ONLY = ("horizon_days", "step_s")


_Component = Annotated[Steady | Diurnal | Weekly | Bursty | Spikes | Sparse | GrowthPattern | Trace,
                       Field(discriminator="pattern")]


class Sum(_Common):
    """The sum of component traffic blocks (which inherit the horizon and the step)."""

    pattern: Literal["sum"]
    components: Annotated[list[_Component], list_of(min_items=1, max_items=20, what="traffic blocks")]

    @model_validator(mode="after")
    def _traces_fill(self) -> Sum:
        for i, comp in enumerate(self.components):
            if comp.pattern == "trace" and comp.repeat is False:
                raise rule_error(f"components[{i}].repeat", False, "true (the default) for a trace in a sum: every "
                                 "component fills the sum's horizon")
        return self

    @model_validator(mode="before")
    @classmethod
    def _components_inherit(cls, data: Any) -> Any:
        comps = data.get("components") if isinstance(data, Mapping) else None
        for i, comp in enumerate(comps if isinstance(comps, list) else []):
            if isinstance(comp, Mapping):
                for key in _NESTED_ONLY:
                    if key in comp:
                        raise PydanticCustomError("unknown_key", "unknown key", {
                            "key": f"components[{i}].{key}",
                            "allowed": "the pattern's keys, random_state, start, scale, growth (components "
                                       "inherit horizon_days and step_s from the sum)"})
        return data


_PATTERN_MODELS = (Steady, Diurnal, Weekly, Bursty, Spikes, Sparse, GrowthPattern, Trace, Sum)
#: Traffic patterns of a scenario.
PATTERNS = tuple(m.model_fields["pattern"].annotation.__args__[0] for m in _PATTERN_MODELS)  # type: ignore[union-attr]

Traffic = Annotated[Steady | Diurnal | Weekly | Bursty | Spikes | Sparse | GrowthPattern | Trace | Sum,
                    Field(discriminator="pattern")]


def n_steps_of(traffic: Any) -> tuple[float, float, float]:
    """``(horizon_days, step_s, steps)`` of a validated traffic block (defaults filled in)."""
    horizon = traffic.horizon_days if traffic.horizon_days is not None else MONTH_DAYS
    step = traffic.step_s if traffic.step_s is not None else DEFAULT_STEP_S
    return float(horizon), float(step), float(horizon) * SECONDS_PER_DAY / float(step)


# ============================================================================== work
_DurationMs = Annotated[float, number(gt=0, le=MAX_WORK_MS, unit="ms")]


class DurationSpec(InputModel):
    """A duration distribution: lognormal from a mean and a p99, or measured samples."""

    mean: Annotated[float | None, number(gt=0, le=MAX_WORK_MS, unit="ms", description="mean duration")] = None
    p99: Annotated[float | None, number(gt=0, le=MAX_WORK_MS, unit="ms", description="99th percentile (default: the "
                                                                                     "mean)")] = None
    samples: Omissible[Annotated[list[_DurationMs], list_of(min_items=1, max_items=100_000,
                                                            what="durations [ms]")]] = None

    @model_validator(mode="after")
    def _one_form(self) -> DurationSpec:
        if self.samples is not None and (self.mean is not None or self.p99 is not None):
            raise rule_error("samples", f"{len(self.samples)} samples", "either samples, or mean (and p99), not both")
        if self.samples is None:
            if self.mean is None:
                raise rule_error("mean", None, "mean [ms] (with p99), or samples")
            p99 = self.p99 if self.p99 is not None else self.mean
            most = math.exp(2.3263478740408408**2 / 2) * self.mean
            if not self.mean <= p99 <= most:
                raise rule_error("p99", p99, f"between mean ({self.mean:g}) and {most:,.6g} ms (14.97 x mean) for a "
                                 "lognormal; use samples for heavier tails")
        return self


class WorkSetup(InputModel):
    """Per-request work."""

    def work_block(self) -> dict[str, Any]:
        """The block as :func:`costmodel.models.workload.work_from_dict` reads it."""
        out = self.model_dump()
        spec = self.duration_ms
        out["duration_ms"] = spec.model_dump(exclude_none=True) if isinstance(spec, DurationSpec) else spec
        return out

    duration_ms: Annotated[Annotated[_DurationMs, A_NUMBER] | Annotated[DurationSpec, A_BLOCK], number_or_block(
        "duration per request [ms]: a number, {mean, p99} or {samples}")] = Field(
        default_factory=lambda: DurationSpec(mean=120, p99=400))
    cpu_ms_per_request: Annotated[float, number(gt=0, le=1e9, unit="ms", description="CPU time per request on a "
                                                                                     "container [ms of one vCPU]")] = 80
    memory_mb: Annotated[int, number(ge=LAMBDA_MEMORY_MB_RANGE[0], le=LAMBDA_MEMORY_MB_RANGE[1], whole=True,
                                                    unit="MB", description="Lambda memory, 128 to 10,240 MB")] = 512
    architecture: Architecture = "x86_64"


# ============================================================================== daily windows
class DailyWindow(InputModel):
    """A daily window (``end`` before ``start`` wraps past midnight)."""

    start: TimeOfDay = Field(description="start, HH:MM")
    end: TimeOfDay = Field(description="end, HH:MM (24:00: midnight)")

    @model_validator(mode="after")
    def _length(self) -> DailyWindow:
        if self.start == self.end:
            raise rule_error("end", self.end, f"a time other than start ({self.start}): a window needs a length")
        return self


class TaskWindow(DailyWindow):
    """A scheduled minimum of Fargate tasks (an ECS scheduled action), daily, UTC."""

    min_tasks: Annotated[int, number(ge=0, le=MAX_TASKS, whole=True, unit="tasks",
                                     description="minimum tasks in the window")]


class InstanceWindow(DailyWindow):
    """A scheduled minimum of EC2 instances (an Auto Scaling scheduled action), daily, UTC."""

    min_instances: Annotated[int, number(ge=0, le=MAX_TASKS, whole=True, unit="instances",
                                         description="minimum instances in the window")]


def _pc_schedule(value: Any) -> Any:
    """A provisioned-concurrency schedule: a name, or daily windows [{start, end}]."""
    if isinstance(value, str):
        if value not in PC_SCHEDULES:
            raise PydanticCustomError("pc_schedule", "one of {names}, or a list of daily windows, each with a "
                                      "start and an end 'HH:MM'", {"names": ", ".join(PC_SCHEDULES)})
        return value
    if not isinstance(value, list) or not value:
        raise PydanticCustomError("pc_schedule", "one of {names}, or a non-empty list of daily windows, each "
                                  "with a start and an end 'HH:MM'", {"names": ", ".join(PC_SCHEDULES)})
    out = []
    for i, win in enumerate(value):
        try:
            out.append(DailyWindow.model_validate(win).model_dump())
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in err["loc"]) or str(err.get("ctx", {}).get("field", "window"))
            detail = str(err.get("ctx", {}).get("allowed") or err["msg"]).removeprefix("Value error, ")
            raise PydanticCustomError("pc_schedule", "daily windows, each with a start and an end 'HH:MM'; "
                                      "window {i}, {where}: {detail}", {"i": i, "where": where,
                                                                         "detail": detail}) from None
    return out


PcSchedule = Annotated[Any, BeforeValidator(_pc_schedule), WithJsonSchema({"anyOf": [
    {"enum": list(PC_SCHEDULES)},
    {"type": "array", "minItems": 1, "items": {"type": "object", "additionalProperties": False,
                                               "required": ["start", "end"],
                                               "properties": {"start": {"type": "string"}, "end": {"type": "string"}}}}],
    "description": "when provisioned concurrency is on: a name, or daily windows [{start, end}] in timezone"})]


# ============================================================================== lambda
class ProvisionedConcurrency(InputModel):
    """Provisioned concurrency on a schedule."""

    count: Annotated[int, number(ge=0, le=MAX_TASKS, whole=True, unit="environments",
                                 description="provisioned environments")] = 0
    schedule: PcSchedule = "business_hours"
    timezone: TimeZone = "UTC"


def _memory_curve(value: Any) -> Any:
    if not isinstance(value, Mapping) or not value:
        raise PydanticCustomError("memory_curve", "a mapping {memory_mb: mean duration ms}, e.g. {512: 410, 1024: "
                                  "205} (AWS Lambda Power Tuning's output)", {})
    out = {}
    for mem, ms in value.items():
        if isinstance(mem, bool) or not isinstance(mem, (int, float)) or not 128 <= mem <= 10240:
            raise PydanticCustomError("memory_curve", "memory sizes 128 to 10,240 MB as keys (got {mem})",
                                      {"mem": repr(mem)})
        if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not 0 < ms <= 900_000 or ms != ms:
            raise PydanticCustomError("memory_curve", "mean durations > 0 and at most 900,000 ms as values "
                                      "(got {ms} at {mem} MB)", {"ms": repr(ms), "mem": repr(mem)})
        out[int(mem)] = float(ms)
    return dict(sorted(out.items()))


class PowerTuning(InputModel):
    """How Lambda's duration changes with its memory (docs/service-level.md)."""

    nullable = frozenset({"duration_ms_by_memory_mb"})

    cpu_bound_fraction: Annotated[float, number(ge=0, le=1, description="share of the duration at work.memory_mb that "
                                                                        "is CPU-bound (0: I/O-bound, memory does not "
                                                                        "change it)")] = 0.0
    duration_ms_by_memory_mb: Annotated[dict, BeforeValidator(_memory_curve), WithJsonSchema(
        {"type": "object", "description": "measured mean duration [ms] by memory [MB] (AWS Lambda Power Tuning); "
                                          "keys 128-10,240"})] | None = None
    threads: Annotated[int, number(ge=1, le=6, whole=True, description="threads the work can use (Lambda gives at most "
                                                                       "6 vCPU)")] = 1


def _pc(value: Any) -> Any:
    return {"count": value} if not isinstance(value, Mapping) and value is not None else value


class LambdaSetup(InputModel):
    """The Lambda option."""

    nullable = frozenset({"reserved_concurrency", "platform_log_bytes", "memory_mb"})

    front_door: FrontDoor = "api_gateway_http"
    free_tier: Flag = True
    keep_alive_s: Annotated[float, number(gt=0, le=SECONDS_PER_DAY, unit="s", description="idle time before an "
                                                                                          "environment is reclaimed "
                                                                                          "(undocumented by "
                                                                                          "AWS)")] = 600
    init_duration_ms: Annotated[float, number(ge=0, le=10_000, unit="ms", description="INIT per cold start, at most "
                                                                                      "10,000 ms")] = 250
    provisioned_concurrency: Annotated[ProvisionedConcurrency, BeforeValidator(
                                          _pc, json_schema_input_type=int | ProvisionedConcurrency)] = Field(
        default_factory=ProvisionedConcurrency, description="a count, or {count, schedule, timezone}")
    concurrency_limit: Annotated[int, number(ge=1, le=1_000_000, whole=True, unit="environments",
                                             description="the account's concurrency limit (default 1,000)")] = 1000
    reserved_concurrency: Annotated[int, number(ge=0, le=1_000_000, whole=True, unit="environments",
                                                description="reserved concurrency (null: none)")] | None = None
    ephemeral_storage_mb: Annotated[int, number(ge=LAMBDA_EPHEMERAL_MB_RANGE[0], le=LAMBDA_EPHEMERAL_MB_RANGE[1],
                                                whole=True, unit="MB")] = 512
    api_gateway_free_tier: Flag = False
    log_format: LogFormat = Field("text", description="Lambda's START/END/REPORT lines as text (263 "
                                                                 "bytes an invocation) or JSON (573)")
    platform_log_bytes: Annotated[float, number(ge=0, le=1e6, unit="bytes", description="platform-line bytes per "
                                                                                        "invocation (null: the log "
                                                                                        "format's)")] | None = None
    memory_mb: Annotated[int, number(ge=LAMBDA_MEMORY_MB_RANGE[0], le=LAMBDA_MEMORY_MB_RANGE[1], whole=True, unit="MB",
                                     description="Lambda's memory (null: work.memory_mb); its duration from "
                                                 "power_tuning")] | None = None
    power_tuning: PowerTuning = Field(default_factory=PowerTuning)

    @model_validator(mode="after")
    def _rules(self) -> LambdaSetup:
        cap = self.concurrency_limit if self.reserved_concurrency is None else self.reserved_concurrency
        if self.reserved_concurrency is not None and self.reserved_concurrency > self.concurrency_limit:
            raise rule_error("reserved_concurrency", self.reserved_concurrency,
                             f"at most concurrency_limit ({self.concurrency_limit})")
        if self.provisioned_concurrency.count > cap:
            which = "reserved concurrency" if self.reserved_concurrency is not None else "concurrency limit"
            raise rule_error("provisioned_concurrency.count", self.provisioned_concurrency.count,
                             f"at most the {which} ({cap})")
        return self


# ============================================================================== containers
class FargateSetup(InputModel):
    """Fargate tasks (Linux) behind target tracking."""

    nullable = frozenset({"architecture"})

    vcpu: Annotated[float, number(gt=0, le=16, unit="vCPU", description="task vCPU: 0.25, 0.5, 1, 2, 4, 8 or 16")] = 0.5
    memory_gb: Annotated[float, number(gt=0, le=120, unit="GB", description="task memory, valid for vcpu")] = 1
    target_utilisation: Annotated[float, number(gt=0, le=1, description="target CPU utilisation (0-1]")] = 0.6
    min_tasks: Annotated[int, number(ge=0, le=MAX_TASKS, whole=True, unit="tasks")] = 2
    max_tasks: Annotated[int, number(ge=1, le=MAX_TASKS, whole=True, unit="tasks")] = 50
    scale_out_cooldown_s: Annotated[float, number(ge=0, le=SECONDS_PER_DAY, unit="s")] = 60
    scale_in_cooldown_s: Annotated[float, number(ge=0, le=SECONDS_PER_DAY, unit="s")] = 300
    task_start_s: Annotated[float, number(ge=0, le=3600, unit="s", description="time from scale-out to serving")] = 60
    metric: Literal["cpu", "request_count"] = "cpu"
    metric_period_s: Annotated[float, number(ge=1, le=3600, unit="s")] = 60
    evaluation_delay_s: Annotated[float, number(ge=0, le=SECONDS_PER_DAY, unit="s")] = 0
    architecture: Architecture | None = Field(None, description="default: work.architecture")
    scale_out_evaluation_periods: Annotated[int, number(ge=1, le=1440, whole=True)] = 3
    scale_in_evaluation_periods: Annotated[int, number(ge=1, le=1440, whole=True)] = 15
    scheduled_min_tasks: list[TaskWindow] = Field(default_factory=list, description="daily scheduled minimums "
                                                                                   "(UTC) for predictable peaks")

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> FargateSetup:
        if self.max_tasks < self.min_tasks:
            raise rule_error("max_tasks", self.max_tasks, f"at least min_tasks ({self.min_tasks})")
        prices = _prices(info)
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


class Ec2Setup(InputModel):
    """EC2 instances packing Fargate-sized tasks; unset policy values follow Fargate's."""

    nullable = frozenset({"max_instances", "target_utilisation", "scale_out_cooldown_s", "scale_in_cooldown_s",
                          "scale_out_evaluation_periods", "scale_in_evaluation_periods"})

    instance_type: Text = Field("m7g.large", description="instance type from the price set's catalogue")
    min_instances: Annotated[int, number(ge=0, le=MAX_TASKS, whole=True, unit="instances")] = 2
    max_instances: Annotated[int, number(ge=1, le=MAX_TASKS, whole=True, unit="instances")] | None = None
    boot_s: Annotated[float, number(ge=0, le=3600, unit="s")] = 180
    tasks_per_instance: Annotated[int, number(ge=1, le=1000, whole=True, unit="tasks")] = 4
    target_utilisation: Annotated[float, number(gt=0, le=1)] | None = None
    scale_out_cooldown_s: Annotated[float, number(ge=0, le=SECONDS_PER_DAY, unit="s")] | None = None
    scale_in_cooldown_s: Annotated[float, number(ge=0, le=SECONDS_PER_DAY, unit="s")] | None = None
    scale_out_evaluation_periods: Annotated[int, number(ge=1, le=1440, whole=True)] | None = None
    scale_in_evaluation_periods: Annotated[int, number(ge=1, le=1440, whole=True)] | None = None
    match_architecture: Flag = Field(True, description="price the same-family instance of the workload's "
                                                       "architecture (false: the type as declared)")
    scheduled_min_instances: list[InstanceWindow] = Field(default_factory=list, description="daily scheduled "
                                                          "minimums (UTC) for predictable peaks")

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> Ec2Setup:
        if self.max_instances is not None and self.max_instances < self.min_instances:
            raise rule_error("max_instances", self.max_instances, f"at least min_instances ({self.min_instances})")
        prices = _prices(info)
        if prices is not None and self.instance_type not in prices.ec2_instance_types:
            raise rule_error("instance_type", self.instance_type,
                             "one of " + ", ".join(sorted(prices.ec2_instance_types)),
                             known=sorted(prices.ec2_instance_types))
        return self


class ContainersSetup(InputModel):
    """The container options."""

    nullable = frozenset({"request_timeout_s"})

    fargate: FargateSetup = Field(default_factory=FargateSetup)
    ec2: Ec2Setup = Field(default_factory=Ec2Setup)
    front_door: ContainerFrontDoor = "alb"
    request_timeout_s: Annotated[float, number(gt=0, le=4000, unit="s", description="the front door's request timeout "
                                                                                    "(ALB idle timeout, default 60, at "
                                                                                    "most 4,000; null: "
                                                                                    "none)")] | None = 60.0

    @model_validator(mode="after")
    def _tasks_fit(self, info: ValidationInfo) -> ContainersSetup:
        prices = _prices(info)
        spec = prices.ec2_instance_types.get(self.ec2.instance_type) if prices is not None else None
        if spec is not None:
            fit = int(float(spec["vcpu"]) / float(self.fargate.vcpu) + 1e-9)
            if self.ec2.tasks_per_instance > fit:
                raise rule_error("ec2.tasks_per_instance", self.ec2.tasks_per_instance,
                                 f"at most {fit} tasks of {self.fargate.vcpu:g} vCPU (containers.fargate.vcpu) on "
                                 f"{self.ec2.instance_type} ({spec['vcpu']} vCPU)")
        return self


class GlueSetup(InputModel):
    """Per-request and monthly figures of the services around the compute."""

    payload_kb: Annotated[float, number(ge=0, le=1e6, unit="KB", description="request payload")] = 4
    log_kb_per_request: Annotated[float, number(ge=0, le=1e6, unit="KB")] = 1
    nat_gb_per_month: Annotated[float, number(ge=0, le=1e9, unit="GB")] = 0
    data_out_gb_per_month: Annotated[float, number(ge=0, le=1e9, unit="GB")] = 0


class FrontDoorSetup(InputModel):
    """What sits in front of the service, for both sides (docs/traffic-and-comparison.md)."""

    nullable = frozenset({"kind"})

    kind: FrontDoorKind | None = Field(None, description="the same front door for both sides, or "
                                                                     "usual (each side its own); null: "
                                                                     "lambda.front_door")
    scheme: Literal["internet_facing", "internal"] = "internet_facing"
    requests_per_connection: Annotated[float, number(ge=1, le=1e9, unit="requests",
                                                     description="requests a client connection to an ALB carries "
                                                                 "(keep-alive; 1: none)")] = 100
    connection_lifetime_s: Annotated[float, number(gt=0, le=SECONDS_PER_DAY, unit="s",
                                                   description="how long a client connection stays open")] = 60
    alb_rules: Annotated[int, number(ge=0, le=100, whole=True, unit="rules", description="listener rules evaluated per "
                                                                                         "request (the first 10 are "
                                                                                         "free)")] = 1


class NetworkSetup(InputModel):
    """The VPC around each option (docs/traffic-and-comparison.md, "The network bill")."""

    availability_zones: Annotated[int, number(ge=1, le=6, whole=True, unit="AZs")] = 2
    containers_subnets: Literal["private", "public"] = "private"
    egress: Literal["nat_gateway", "vpc_endpoints"] = "nat_gateway"
    nat_gateways: Annotated[int, number(ge=0, le=6, whole=True, unit="gateways",
                                        description="NAT gateways billed (0: an existing shared one)")] = 1
    gateway_endpoints: Flag = Field(True, description="S3 and DynamoDB gateway endpoints (free)")
    interface_endpoints: Annotated[int, number(ge=0, le=100, whole=True, unit="endpoints",
                                               description="interface endpoints for the AWS APIs the application "
                                                           "calls")] = 0
    image_mb: Annotated[float, number(ge=0, le=100_000, unit="MB", description="container image pulled per task start "
                                                                               "or instance boot")] = 250
    aws_api_gb_per_month: Annotated[float, number(ge=0, le=1e9, unit="GB")] = 0
    s3_dynamodb_gb_per_month: Annotated[float, number(ge=0, le=1e9, unit="GB")] = 0
    ebs_gb_per_instance: Annotated[float, number(ge=0, le=64_000, unit="GB", description="EC2 root volume (gp3)")] = 30
    lambda_in_vpc: Flag = Field(False, description="Lambda attached to the VPC (it pays its own NAT/endpoints)")


class AvailabilitySetup(InputModel):
    """At least ``min_units`` tasks (instances) running at all times, across ``zones`` AZs."""

    min_units: Annotated[int, number(ge=1, le=MAX_TASKS, whole=True, unit="units",
                                     description="tasks or instances at all times")]
    zones: Annotated[int, number(ge=1, le=6, whole=True, unit="AZs", description="Availability Zones they spread "
                                                                                 "across")] = 1

    @model_validator(mode="after")
    def _one_per_zone(self) -> AvailabilitySetup:
        if self.min_units < self.zones:
            raise rule_error("min_units", self.min_units, f"at least zones ({self.zones}): one task or instance per AZ")
        return self


class ServiceLevelSetup(InputModel):
    """What every option must deliver before its price counts (docs/service-level.md). Keys left
    out take the defaults of the workload kind; ``availability: null`` means no rule."""

    nullable = frozenset({"availability"})

    kind: Omissible[Literal["api", "queue_worker"]] = Field(None, description="api: response time; queue_worker: "
                                                                              "message age (default: queue_worker "
                                                                              "when no front door)")
    percentile: Annotated[float, number(ge=50, le=99.99, unit="%", description="the latency percentile held to the "
                                                                               "target")] = 99.0
    latency_target_ms: Annotated[float | None, number(gt=0, le=86_400_000, unit="ms",
                                                      description="the percentile's target")] = None
    max_failed_fraction: Annotated[float, number(ge=0, le=1, description="share timed out or throttled after "
                                                                         "retries")] = 0.001
    availability: AvailabilitySetup | None = Field(None, description="{min_units, zones}; null: no rule")
    right_size: Flag = Field(True, description="compare every option right-sized to this level")
    scheduled_scaling: Flag = Field(True, description="right-sizing may use scheduled actions for predictable peaks")


class AccountQuotas(InputModel):
    """The account's quota values where they differ from the published defaults
    (data/account_quotas.yaml; Lambda's concurrency is lambda.concurrency_limit)."""

    api_gateway_rps: Annotated[float | None, number(gt=0, le=1e9, unit="req/s")] = None
    fargate_on_demand_vcpu: Annotated[float | None, number(gt=0, le=1e9, unit="vCPU")] = None
    fargate_spot_vcpu: Annotated[float | None, number(gt=0, le=1e9, unit="vCPU")] = None
    ecs_tasks_per_service: Annotated[float | None, number(gt=0, le=1e9, unit="tasks")] = None
    fargate_tasks_launched_per_minute: Annotated[float | None, number(gt=0, le=1e9, unit="tasks/min")] = None
    lambda_scaling_envs_per_10_s: Annotated[float | None, number(gt=0, le=1e9, unit="environments")] = None


def _facts(value: Any) -> Any:
    if not isinstance(value, Mapping):
        raise PydanticCustomError("mapping_type", "a mapping of declared facts (see docs/decision.md)", {})
    return dict(value)


Facts = Annotated[dict, BeforeValidator(_facts), WithJsonSchema(
    {"type": "object", "description": "declared facts, validated by the decision procedure (docs/decision.md)"})]


def _prices(info: ValidationInfo) -> Any:
    ctx = info.context
    return ctx.get("prices") if isinstance(ctx, dict) else None


class ScenarioFile(InputModel):
    """A scenario: one workload's traffic, work, and the Lambda and container setups to compare."""

    nullable = frozenset({"price_overrides", "workload", "team", "batch_job", "pipeline", "provenance"})

    name: Text = "unnamed scenario"
    description: Text = ""
    region: Text = "us-east-1"
    price_overrides: Facts | None = Field(None, description="{rate key: value} (checked against the region's "
                                                            "price set; see docs/pricing.md)")
    traffic: Traffic = Field(description="the traffic block; 'pattern' selects its keys")
    work: WorkSetup = Field(default_factory=WorkSetup)
    lambda_: LambdaSetup = Field(default_factory=LambdaSetup, alias="lambda")
    containers: ContainersSetup = Field(default_factory=ContainersSetup)
    glue: GlueSetup = Field(default_factory=GlueSetup)
    front_door: FrontDoorSetup = Field(default_factory=FrontDoorSetup)
    network: NetworkSetup = Field(default_factory=NetworkSetup)
    service_level: ServiceLevelSetup = Field(default_factory=ServiceLevelSetup)
    account_quotas: AccountQuotas = Field(default_factory=AccountQuotas)
    workload: Facts | None = None
    team: Facts | None = None
    batch_job: Annotated[dict, BeforeValidator(_facts), WithJsonSchema(
        {"type": "object", "description": "a long-running batch job, validated by costmodel.analysis.long_running "
                                          "(docs/long-running.md)"})] | None = None
    pipeline: Annotated[dict, BeforeValidator(_facts), WithJsonSchema(
        {"type": "object", "description": "a pipeline of short stages, validated by costmodel.analysis.long_running "
                                          "(docs/long-running.md)"})] | None = None
    provenance: Annotated[dict, BeforeValidator(_facts), WithJsonSchema(
        {"type": "object", "description": "where an imported scenario's numbers came from (costmodel import "
                                          "cloudwatch; docs/import-cloudwatch.md); not read by the models"})] | None = None

    @model_validator(mode="after")
    def _series(self) -> ScenarioFile:
        horizon, step, steps = n_steps_of(self.traffic)
        if self.traffic.pattern == "trace" and self.traffic.step_s is None:
            return self
        if steps > MAX_STEPS:
            field = "traffic.step_s" if self.traffic.step_s is not None else "traffic.horizon_days"
            value = self.traffic.step_s if field.endswith("step_s") else self.traffic.horizon_days
            raise rule_error(field, value, f"a series of at most {MAX_STEPS:,} steps: {horizon:g} days at {step:g} s "
                             f"is {steps:,.0f} steps ({steps * 8 / 2**20:,.0f} MiB per array); use a longer step_s "
                             "or a shorter horizon_days")
        if steps < 1 or abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
            raise rule_error("traffic.step_s", self.traffic.step_s if self.traffic.step_s is not None else step,
                             f"a step that divides the horizon of {horizon:g} days "
                             f"({horizon * SECONDS_PER_DAY:,.0f} s) into a whole number of steps")
        return self
