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
    front_door: {kind, scheme, requests_per_connection, connection_lifetime_s, alb_rules}
    network:    {availability_zones, containers_subnets, egress, nat_gateways, gateway_endpoints,
                 interface_endpoints, image_mb, aws_api_gb_per_month, s3_dynamodb_gb_per_month,
                 ebs_gb_per_instance, lambda_in_vpc}
    workload, team: passed through as dicts (validated by costmodel.decision)
    batch_job, pipeline: optional, kept in ``raw`` (read by costmodel.analysis.long_running)
    provenance: optional, kept in ``raw`` (where an imported scenario came from; costmodel.importers)

``front_door`` declares what sits in front of the service for *both* sides (``kind: usual``
keeps ``lambda.front_door`` against ``containers.front_door``, labelled as such); without it
the Lambda block's front door fronts both. ``network`` declares the VPC around each option
(subnets, NAT gateway or interface endpoints, gateway endpoints, image size, EBS, Lambda in a
VPC). A traffic block without ``horizon_days`` covers one 730-h month.

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
from pathlib import Path
from typing import Any, TypeAlias, TypeVar, cast

import numpy as np
import pandas as pd

from costmodel._schema import validate
from costmodel.errors import CostModelError, ScenarioError
from costmodel.models import traffic as tr
from costmodel.models.price_overrides import check_price_overrides
from costmodel.models.pricing import Prices, load_prices
from costmodel.models.workload import Work, work_from_dict
from costmodel.resources import data_path
from costmodel.scenario.overrides import apply_overrides
from costmodel.scenario.scenario_schema import (
    CONTAINER_FRONT_DOORS,
    FRONT_DOOR_KINDS,
    FRONT_DOORS,
    LOG_FORMATS,
    PATTERNS,
    ContainersSetup,
    FrontDoorSetup,
    GlueSetup,
    LambdaSetup,
    NetworkSetup,
    ScenarioFile,
    WorkSetup,
)
from costmodel.scenario.times import pc_schedule_hours
from costmodel.strict_yaml import load_yaml_file

__all__ = [
    "DEFAULT_SCENARIO_PATH",
    "PATTERNS",
    "FRONT_DOORS",
    "CONTAINER_FRONT_DOORS",
    "FRONT_DOOR_KINDS",
    "FRONT_DOOR_DEFAULTS",
    "NETWORK_DEFAULTS",
    "LOG_FORMATS",
    "Scenario",
    "ScenarioSource",
    "load_scenario",
    "build_traffic",
    "set_dotted",
]

DEFAULT_SCENARIO_PATH = data_path("scenarios", "default.yaml")

#: The generators take different keyword arguments (the pattern's keys).
_GENERATORS: dict[str, Callable[..., np.ndarray]] = {
    "steady": tr.steady,
    "diurnal": tr.diurnal,
    "weekly": tr.weekly,
    "bursty": tr.bursty,
    "spikes": tr.spikes,
    "sparse": tr.sparse,
    "growth": tr.growth,
}
if (*_GENERATORS, "trace", "sum") != PATTERNS:  # pragma: no cover - the schema lists the generators
    raise RuntimeError(f"scenario schema patterns {PATTERNS} differ from the traffic generators")

#: Defaults of each block, as the schema fills them in (``docs/traffic-and-comparison.md``).
WORK_DEFAULTS = WorkSetup().work_block()
LAMBDA_DEFAULTS = LambdaSetup().model_dump()
CONTAINERS_DEFAULTS = ContainersSetup().model_dump()
GLUE_DEFAULTS = GlueSetup().model_dump()
#: ``kind: None`` = ``lambda.front_door`` in front of both sides.
FRONT_DOOR_DEFAULTS = FrontDoorSetup().model_dump()
NETWORK_DEFAULTS = NetworkSetup().model_dump()


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
        Inherited by ``sum`` components. Default horizon: one 730-h month.

    Returns
    -------
    (numpy.ndarray, float, pandas.Timestamp)
        Rate per step [req/s], step [s], start time.
    """
    block = dict(block)
    pattern = block.pop("pattern")
    horizon_days = float(block.pop("horizon_days", horizon_days or tr.MONTH_DAYS))
    step = block.pop("step_s", None)
    inherited_step = step_s  # a component of a sum takes the sum's step (a trace is resampled to it)
    step_s = float(step if step is not None else (step_s or tr.DEFAULT_STEP_S))
    random_state = block.pop("random_state", None)
    factor = block.pop("scale", None)
    growth = block.pop("growth", None)
    start = pd.Timestamp(block.get("start", tr.DEFAULT_START))
    if start.tzinfo is None:
        start = start.tz_localize("UTC")
    try:
        if pattern == "trace":
            rate, step_s, start = _load_trace(block, base_dir, horizon_days,
                                              step if step is not None else inherited_step, step_s)
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
            # aggregate=True returns one Trace, otherwise a mapping by function
            t = cast(tr.Trace, tr.load_azure_trace(path, functions=[fn] if fn else None, aggregate=True))
        else:
            t = cast(dict[str, tr.Trace], tr.load_azure_trace(path, functions=[fn]))[fn]
    else:
        t = tr.load_csv_trace(path)
    rate, s = t.rate_rps, t.step_s
    if step_given is not None and float(step_given) != s:
        try:
            rate, s = tr.resample(rate, s, float(step_given)), float(step_given)
        except CostModelError:
            raise ScenarioError(f"traffic.step_s={step_given:g} is not allowed: expected a whole multiple or divisor "
                                f"of the step of trace {path.name} ({s:g} s) that divides its {rate.size} steps"
                                ) from None
    if block.get("repeat", True):
        rate = tr.tile_to_horizon(rate, s, horizon_days)
    return rate, s, t.start


def set_dotted(raw: Mapping[str, Any], dotted: str, value: Any) -> dict:
    """A copy of ``raw`` with ``a.b.c`` set to ``value`` (:func:`costmodel.scenario.overrides.apply_overrides`)."""
    return apply_overrides(raw, {dotted: value})


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
    front_door : dict
        The front door of both sides (``kind`` resolved: ``lambda.front_door`` when not
        declared), the ALB scheme and connection reuse.
    network : dict
        The VPC around each option, with defaults.
    service_level : dict
        The validated ``service_level`` block as given (defaults are resolved by
        :func:`costmodel.scenario.service_level.service_level_of`).
    account_quotas : dict
        The account's quota values that differ from the published defaults.
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
    front_door: dict = field(default_factory=lambda: dict(FRONT_DOOR_DEFAULTS, kind="api_gateway_http"))
    network: dict = field(default_factory=lambda: dict(NETWORK_DEFAULTS))
    service_level: dict = field(default_factory=dict)
    account_quotas: dict = field(default_factory=dict)
    #: What has been derived from this (immutable) scenario: see :meth:`cached`. Not an
    #: ``__init__`` field, so ``dataclasses.replace`` gives a variant an empty memo.
    _memo: dict[object, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

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
        return memo[key]

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
        return load_scenario(apply_overrides(self.raw, overrides), base_dir=self.base_dir)


#: What :func:`load_scenario` accepts: a YAML file, a mapping, a loaded scenario (returned as
#: is), or None (the default scenario).
ScenarioSource: TypeAlias = str | Path | Mapping[str, Any] | Scenario | None


def load_scenario(source: ScenarioSource = None, *,
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
        name = str(path)
        raw = load_yaml_file(path, what="scenario file")
        base_dir = base_dir if base_dir is not None else path.resolve().parent
        if raw is None:
            raise ScenarioError(f"{path}: the scenario file is empty: expected a mapping with at least a "
                                "'traffic' block (e.g. {pattern: steady, mean_rps: 5})")
    elif isinstance(source, Mapping):
        raw, name = copy.deepcopy(dict(source)), "<dict>"
    else:
        raise ScenarioError(f"a scenario is a file path, a mapping or a Scenario, got {type(source).__name__}")
    if overrides:
        raw = apply_overrides(raw if isinstance(raw, Mapping) else {}, overrides)
    return _from_document(raw, name, base_dir)


def _from_document(raw: Any, name: str, base_dir: str | Path | None) -> Scenario:
    """Validate a parsed scenario document and build the :class:`Scenario` (defaults filled in)."""
    model = validate(ScenarioFile, raw, source=name)
    base = load_prices(region=model.region)  # unknown region: UnknownNameError listing the shipped ones
    check_price_overrides(model.price_overrides, base.rates, source=name)
    prices = base.with_overrides(model.price_overrides or None)
    model = validate(ScenarioFile, raw, source=name, context={"prices": prices})  # task sizes, instance types
    try:
        work = work_from_dict(model.work.work_block())
    except CostModelError as exc:
        raise ScenarioError(f"{name}: work: {exc}") from exc
    scenario = Scenario(
        name=model.name,
        description=model.description,
        region=model.region,
        price_overrides=dict(model.price_overrides or {}),
        traffic=_in_order(model.traffic.model_dump(exclude_unset=True), raw["traffic"]),
        work=work,
        lambda_=_lambda_block(model),
        containers=model.containers.model_dump(),
        glue=model.glue.model_dump(),
        workload=dict(model.workload or {}),
        team=dict(model.team or {}),
        raw=dict(raw),
        base_dir=Path(base_dir) if base_dir is not None else None,
        front_door=_front_door(model),
        network=model.network.model_dump(),
        service_level=model.service_level.model_dump(exclude_unset=True),
        account_quotas={k: float(v) for k, v in model.account_quotas.model_dump().items() if v is not None},
    )
    scenario.cached("prices", lambda: prices)  # the validated price set is the scenario's: loaded once
    return scenario


def _lambda_block(model: ScenarioFile) -> dict:
    """The ``lambda`` block; a provisioned-concurrency schedule of daily windows becomes
    ``[(start_h, end_h)]`` as :func:`costmodel.models.lambda_traffic.provisioned_schedule` takes it."""
    lam = model.lambda_.model_dump()
    sched = lam["provisioned_concurrency"]["schedule"]
    if isinstance(sched, list):
        lam["provisioned_concurrency"]["schedule"] = pc_schedule_hours(sched)
    return lam


def _front_door(model: ScenarioFile) -> dict:
    """The ``front_door`` block with ``kind`` resolved (the Lambda block's when not declared)."""
    fd = model.front_door.model_dump()
    if fd["kind"] is None:
        fd["kind"] = model.lambda_.front_door
    return fd


def _in_order(dumped: Any, given: Any) -> Any:
    """``dumped`` with its keys in the order the user gave them (nested blocks too)."""
    if isinstance(dumped, dict) and isinstance(given, Mapping):
        return {k: _in_order(dumped[k], given[k]) for k in given if k in dumped}
    if isinstance(dumped, list) and isinstance(given, list) and len(dumped) == len(given):
        return [_in_order(d, g) for d, g in zip(dumped, given)]
    return dumped
