"""Scenario files: one YAML describing a workload's traffic, work, Lambda and container setups.

The format (documented with an example per block in ``docs/traffic-and-comparison.md``;
the shipped default is ``data/scenarios/default.yaml``)::

    name, description, region, price_overrides,
    traffic:    {pattern, horizon_days, step_s, random_state, start, scale, growth, <pattern parameters>}
    work:       {duration_ms, cpu_ms_per_request, memory_mb, architecture}
    lambda:     {front_door, free_tier, keep_alive_s, init_duration_ms, provisioned_concurrency,
                 concurrency_limit, reserved_concurrency, ephemeral_storage_mb, api_gateway_free_tier}
    containers: {fargate: {...}, ec2: {...}, front_door}
    glue:       {payload_kb, log_kb_per_request, nat_gb_per_month, data_out_gb_per_month}
    workload, team: passed through as dicts (validated by costmodel.decision)
    batch_job, pipeline: optional, kept in ``raw`` (read by costmodel.analysis.long_running)

Unknown keys anywhere (typos) raise :class:`ScenarioError` naming the key and listing the
allowed ones. :func:`load_scenario` validates and fills defaults; the traffic series itself
is built on demand by :meth:`Scenario.traffic_series` (seeded, so the same file always gives
the same series).
"""
from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from costmodel.resources import data_path
from costmodel.errors import CostModelError, ScenarioError
from costmodel.models import traffic as tr
from costmodel.models.pricing import Prices, load_prices
from costmodel.models.workload import Work, work_from_dict

__all__ = [
    "DEFAULT_SCENARIO_PATH",
    "PATTERNS",
    "FRONT_DOORS",
    "Scenario",
    "load_scenario",
    "build_traffic",
    "set_dotted",
]

DEFAULT_SCENARIO_PATH = data_path("scenarios", "default.yaml")

FRONT_DOORS = ("api_gateway_rest", "api_gateway_http", "alb", "function_url", "none")
CONTAINER_FRONT_DOORS = ("alb", "none")

_GENERATORS = {
    "steady": tr.steady,
    "diurnal": tr.diurnal,
    "weekly": tr.weekly,
    "bursty": tr.bursty,
    "spikes": tr.spikes,
    "sparse": tr.sparse,
    "growth": tr.growth,
}
PATTERNS = tuple(_GENERATORS) + ("trace", "sum")
_COMMON_TRAFFIC = ("pattern", "horizon_days", "step_s", "random_state", "start", "scale", "growth")
_TRACE_KEYS = ("path", "format", "function", "aggregate", "repeat")
_GROWTH_KEYS = ("end_factor", "kind")

TOP_KEYS = ("name", "description", "region", "price_overrides", "traffic", "work", "lambda", "containers",
            "glue", "workload", "team", "batch_job", "pipeline")
WORK_DEFAULTS = {"duration_ms": {"mean": 120, "p99": 400}, "cpu_ms_per_request": 80, "memory_mb": 512,
                 "architecture": "x86_64"}
LAMBDA_DEFAULTS = {"front_door": "api_gateway_http", "free_tier": True, "keep_alive_s": 600,
                   "init_duration_ms": 250, "provisioned_concurrency": {"count": 0, "schedule": "business_hours"},
                   "concurrency_limit": 1000, "reserved_concurrency": None, "ephemeral_storage_mb": 512,
                   "api_gateway_free_tier": False}
PC_DEFAULTS = {"count": 0, "schedule": "business_hours", "timezone": "UTC"}
FARGATE_DEFAULTS = {"vcpu": 0.5, "memory_gb": 1, "target_utilisation": 0.6, "min_tasks": 2, "max_tasks": 50,
                    "scale_out_cooldown_s": 60, "scale_in_cooldown_s": 300, "task_start_s": 60,
                    "metric": "cpu", "metric_period_s": 60, "evaluation_delay_s": 0, "architecture": None,
                    "scale_out_evaluation_periods": 3, "scale_in_evaluation_periods": 15}
EC2_DEFAULTS = {"instance_type": "m7g.large", "min_instances": 2, "max_instances": None, "boot_s": 180,
                "tasks_per_instance": 4, "target_utilisation": None, "scale_out_cooldown_s": None,
                "scale_in_cooldown_s": None, "scale_out_evaluation_periods": None,
                "scale_in_evaluation_periods": None}
#: ``request_timeout_s``: the front door's request timeout for the container latency model
#: (ALB idle timeout default 60 s; null: an unbounded queue, e.g. a queue-fed worker).
CONTAINERS_DEFAULTS = {"fargate": FARGATE_DEFAULTS, "ec2": EC2_DEFAULTS, "front_door": "alb",
                       "request_timeout_s": 60.0}
GLUE_DEFAULTS = {"payload_kb": 4, "log_kb_per_request": 1, "nat_gb_per_month": 0, "data_out_gb_per_month": 0}


def _check_keys(where: str, block: Any, allowed: Any) -> dict:
    if block is None:
        return {}
    if not isinstance(block, Mapping):
        raise ScenarioError(f"{where}: expected a mapping of keys, got {type(block).__name__} {block!r}")
    allowed = list(allowed)
    for key in block:
        if key not in allowed:
            raise ScenarioError(f"unknown key {where + '.' if where else ''}{key!s} in scenario; "
                                f"allowed keys{' in ' + where if where else ''}: {', '.join(allowed)}")
    return dict(block)


def _merge(where: str, block: Any, defaults: Mapping[str, Any]) -> dict:
    given = _check_keys(where, block, defaults)
    out = copy.deepcopy(dict(defaults))
    out.update(given)
    return out


def _pattern_keys(pattern: str) -> tuple[str, ...]:
    if pattern == "trace":
        return _TRACE_KEYS
    if pattern == "sum":
        return ("components",)
    params = inspect.signature(_GENERATORS[pattern]).parameters
    return tuple(p for p in params if p not in ("horizon_days", "step_s", "random_state"))


def _check_traffic(block: Any, where: str = "traffic", nested: bool = False) -> dict:
    if not isinstance(block, Mapping):
        raise ScenarioError(f"{where}: expected a mapping with a 'pattern' key, got {block!r}")
    pattern = block.get("pattern")
    if pattern not in PATTERNS:
        raise ScenarioError(f"{where}.pattern={pattern!r} is not allowed: expected one of {', '.join(PATTERNS)}")
    common = ("pattern", "random_state", "scale", "growth", "start") if nested else _COMMON_TRAFFIC
    allowed = tuple(common) + _pattern_keys(pattern)
    out = _check_keys(where, block, allowed)
    if "growth" in out:
        _check_keys(f"{where}.growth", out["growth"], _GROWTH_KEYS)
    if pattern == "sum":
        comps = out.get("components")
        if not isinstance(comps, list) or not comps:
            raise ScenarioError(f"{where}.components: expected a non-empty list of traffic blocks")
        out["components"] = [_check_traffic(c, f"{where}.components[{i}]", nested=True) for i, c in enumerate(comps)]
    if pattern == "trace":
        if "path" not in out:
            raise ScenarioError(f"{where}.path is required for pattern 'trace'")
        fmt = out.get("format", "csv")
        if fmt not in ("csv", "azure"):
            raise ScenarioError(f"{where}.format={fmt!r} is not allowed: expected 'csv' or 'azure'")
    return out


def build_traffic(block: Mapping[str, Any], *, base_dir: str | Path | None = None,
                  horizon_days: float | None = None, step_s: float | None = None
                  ) -> tuple[np.ndarray, float, pd.Timestamp]:
    """Build the traffic series of a (validated) ``traffic`` block.

    Parameters
    ----------
    block : mapping
        The scenario's ``traffic`` block.
    base_dir : path, optional
        Folder that relative trace paths are resolved against (the scenario file's folder).
    horizon_days, step_s : float, optional
        Inherited by ``sum`` components.

    Returns
    -------
    (numpy.ndarray, float, pandas.Timestamp)
        Rate per step [req/s], step [s], start time.
    """
    block = dict(block)
    pattern = block.pop("pattern")
    horizon_days = float(block.pop("horizon_days", horizon_days or tr.DEFAULT_HORIZON_DAYS))
    step = block.pop("step_s", None)
    step_s = float(step if step is not None else (step_s or tr.DEFAULT_STEP_S))
    random_state = block.pop("random_state", None)
    factor = block.pop("scale", None)
    growth = block.pop("growth", None)
    start = pd.Timestamp(block.get("start", tr.DEFAULT_START))
    if start.tzinfo is None:
        start = start.tz_localize("UTC")
    try:
        if pattern == "trace":
            rate, step_s, start = _load_trace(block, base_dir, horizon_days, step, step_s)
        elif pattern == "sum":
            seeds = np.random.SeedSequence(random_state).spawn(len(block["components"]))
            parts = []
            for comp, seed in zip(block["components"], seeds):
                comp = dict(comp)
                comp.setdefault("random_state", int(seed.generate_state(1)[0]))
                parts.append(build_traffic(comp, base_dir=base_dir, horizon_days=horizon_days, step_s=step_s)[0])
            rate = tr.combine(*parts)
        else:
            fn = _GENERATORS[pattern]
            params = inspect.signature(fn).parameters
            kwargs = {k: v for k, v in block.items() if k != "start" or "start" in params}
            if "random_state" in params:
                kwargs["random_state"] = random_state
            rate = fn(**kwargs, horizon_days=horizon_days, step_s=step_s)
        if growth:
            rate = tr.apply_growth(rate, end_factor=growth["end_factor"], kind=growth.get("kind", "linear"))
        if factor is not None:
            rate = tr.scale(rate, factor)
    except CostModelError as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError(f"traffic ({pattern}): {exc}") from exc
    except TypeError as exc:  # a missing required generator parameter
        raise ScenarioError(f"traffic ({pattern}): {exc}") from exc
    return rate, step_s, start


def _load_trace(block: Mapping[str, Any], base_dir: Any, horizon_days: float, step_given: Any,
                step_s: float) -> tuple[np.ndarray, float, pd.Timestamp]:
    path = Path(block["path"])
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if not path.exists():
        raise ScenarioError(f"traffic.path: trace file {str(path)!r} does not exist")
    if block.get("format", "csv") == "azure":
        fn = block.get("function")
        if fn is None or block.get("aggregate", False):
            t = tr.load_azure_trace(path, functions=[fn] if fn else None, aggregate=True)
        else:
            t = tr.load_azure_trace(path, functions=[fn])[fn]
    else:
        t = tr.load_csv_trace(path)
    rate, s = t.rate_rps, t.step_s
    if step_given is not None and float(step_given) != s:
        rate, s = tr.resample(rate, s, float(step_given)), float(step_given)
    if block.get("repeat", True):
        rate = tr.tile_to_horizon(rate, s, horizon_days)
    return rate, s, t.start


def set_dotted(raw: Mapping[str, Any], dotted: str, value: Any) -> dict:
    """A copy of ``raw`` with ``a.b.c`` set to ``value`` (intermediate blocks created)."""
    out = copy.deepcopy(dict(raw))
    node = out
    parts = dotted.split(".")
    for p in parts[:-1]:
        if not isinstance(node.get(p), dict):
            node[p] = {}
        node = node[p]
    node[parts[-1]] = value
    return out


_T = TypeVar("_T")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario (see the module docstring for the format).

    Attributes
    ----------
    name, description, region : str
    price_overrides : dict
        Passed to :func:`costmodel.models.pricing.load_prices`.
    traffic : dict
        The validated traffic block (see :meth:`traffic_series`).
    work : Work
        Per-request work.
    lambda_ : dict
        The ``lambda`` block with defaults filled in.
    containers : dict
        ``{"fargate": {...}, "ec2": {...}, "front_door": ...}`` with defaults.
    glue : dict
    workload, team : dict
        Passed through unvalidated for :mod:`costmodel.decision`.
    raw : dict
        The scenario as given (validated keys, before defaults).
    base_dir : pathlib.Path or None
        Folder of the scenario file (relative trace paths).
    """

    name: str
    description: str
    region: str
    price_overrides: dict
    traffic: dict
    work: Work
    lambda_: dict
    containers: dict
    glue: dict
    workload: dict
    team: dict
    raw: dict = field(repr=False)
    base_dir: Path | None = None
    #: What has been derived from this (immutable) scenario: see :meth:`cached`. Not an
    #: ``__init__`` field, so ``dataclasses.replace`` gives a variant an empty memo.
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def cached(self, key: object, compute: Callable[[], _T]) -> _T:
        """``compute()``, once per scenario object and ``key``; later calls return the same value.

        A scenario is resolved once: its traffic series, prices and the analyses that take
        only the scenario (the comparison, the break-even grid's cost rows) are computed on
        first use and kept with it, so ``recommend()`` and the report, given the same
        scenario object, never compute them twice. The scenario is frozen, so what is derived
        from it cannot go stale; a variant (``with_overrides``, ``dataclasses.replace``) is a
        new object with its own memo.
        """
        memo = self._memo
        if key not in memo:
            memo[key] = compute()
        return memo[key]  # type: ignore[no-any-return]

    def traffic_series(self) -> tuple[np.ndarray, float, pd.Timestamp]:
        """The scenario's traffic: (rate per step [req/s], step [s], start), built once.

        The rate array is read-only: callers that need to change it take a copy.
        """
        def build() -> tuple[np.ndarray, float, pd.Timestamp]:
            rate, step, start = build_traffic(self.traffic, base_dir=self.base_dir)
            rate = np.asarray(rate, dtype=float)
            rate.setflags(write=False)
            return rate, step, start

        return self.cached("traffic_series", build)

    def prices(self) -> Prices:
        """Prices of the scenario's region with its ``price_overrides`` (loaded once)."""
        return self.cached("prices", lambda: load_prices(region=self.region, overrides=self.price_overrides or None))

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new scenario with dotted keys replaced, e.g. ``{"traffic.mean_rps": 20}``."""
        raw = self.raw
        for k, v in overrides.items():
            raw = set_dotted(raw, k, v)
        return load_scenario(raw, base_dir=self.base_dir)


def load_scenario(source: str | Path | Mapping[str, Any] | Scenario | None = None, *,
                  overrides: Mapping[str, Any] | None = None, base_dir: str | Path | None = None) -> Scenario:
    """Load and validate a scenario from a YAML file, a dict, or ``None`` (the default scenario).

    Parameters
    ----------
    source : path, mapping, Scenario or None
        YAML file, an already parsed dict, or None for ``data/scenarios/default.yaml``.
    overrides : mapping, optional
        Dotted keys to replace before validation (``{"traffic.mean_rps": 20}``).
    base_dir : path, optional
        Folder for relative trace paths (default: the file's folder, or the working directory).

    Raises
    ------
    ScenarioError
        Unknown key (naming it and listing the allowed ones), missing or invalid value.
    """
    if isinstance(source, Scenario):
        return source.with_overrides(overrides) if overrides else source
    if source is None:
        source = DEFAULT_SCENARIO_PATH
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            with path.open() as fh:
                raw = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
        base_dir = base_dir if base_dir is not None else path.resolve().parent
        if raw is None:
            raise ScenarioError(f"{path}: empty scenario file")
    else:
        raw = copy.deepcopy(dict(source))
    for k, v in (overrides or {}).items():
        raw = set_dotted(raw, k, v)
    raw = _check_keys("", raw, TOP_KEYS)
    if "traffic" not in raw:
        raise ScenarioError("scenario has no 'traffic' block (e.g. {pattern: steady, mean_rps: 5})")
    traffic = _check_traffic(raw["traffic"])
    work_block = _merge("work", raw.get("work"), WORK_DEFAULTS)
    try:
        work = work_from_dict(work_block)
    except CostModelError as exc:
        raise ScenarioError(f"work: {exc}") from exc
    lam = _merge("lambda", raw.get("lambda"), LAMBDA_DEFAULTS)
    pc = lam["provisioned_concurrency"]
    lam["provisioned_concurrency"] = _merge("lambda.provisioned_concurrency",
                                            pc if isinstance(pc, Mapping) else {"count": pc}, PC_DEFAULTS)
    if lam["front_door"] not in FRONT_DOORS:
        raise ScenarioError(f"lambda.front_door={lam['front_door']!r} is not allowed: expected one of "
                            f"{', '.join(FRONT_DOORS)}")
    cont = _check_keys("containers", raw.get("containers"), CONTAINERS_DEFAULTS)
    containers = {
        "fargate": _merge("containers.fargate", cont.get("fargate"), FARGATE_DEFAULTS),
        "ec2": _merge("containers.ec2", cont.get("ec2"), EC2_DEFAULTS),
        "front_door": cont.get("front_door", "alb"),
        "request_timeout_s": cont.get("request_timeout_s", CONTAINERS_DEFAULTS["request_timeout_s"]),
    }
    rt = containers["request_timeout_s"]
    if rt is not None and (isinstance(rt, bool) or not isinstance(rt, (int, float)) or not rt > 0
                           or rt == float("inf")):
        raise ScenarioError(f"containers.request_timeout_s={rt!r} is not allowed: expected a number of "
                            "seconds > 0 (ALB idle timeout default 60, API Gateway 29) or null (no timeout)")
    if containers["front_door"] not in CONTAINER_FRONT_DOORS:
        raise ScenarioError(f"containers.front_door={containers['front_door']!r} is not allowed: expected one of "
                            f"{', '.join(CONTAINER_FRONT_DOORS)}")
    glue = _merge("glue", raw.get("glue"), GLUE_DEFAULTS)
    for blk in ("workload", "team", "price_overrides"):
        if raw.get(blk) is not None and not isinstance(raw[blk], Mapping):
            raise ScenarioError(f"{blk}: expected a mapping, got {raw[blk]!r}")
    return Scenario(
        name=str(raw.get("name", "unnamed scenario")),
        description=str(raw.get("description", "")),
        region=str(raw.get("region", "us-east-1")),
        price_overrides=dict(raw.get("price_overrides") or {}),
        traffic=traffic,
        work=work,
        lambda_=lam,
        containers=containers,
        glue=glue,
        workload=dict(raw.get("workload") or {}),
        team=dict(raw.get("team") or {}),
        raw=raw,
        base_dir=Path(base_dir) if base_dir is not None else None,
    )
