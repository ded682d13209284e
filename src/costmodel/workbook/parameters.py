"""The report's parameters: a scenario file plus dotted overrides, validated up front.

:func:`parse_cli_parameters` reads ``-p NAME VALUE`` pairs; the one override function,
:func:`costmodel.scenario.overrides.apply_overrides` (re-exported here for the notebooks), sets
scenario fields by dotted path (``traffic.mean_rps``, ``price_overrides.lambda.request``);
:func:`load_report_scenario` loads and fully validates a scenario with them (including the
declared ``workload`` and ``team`` blocks the decision reads), so that a bad parameter
fails with the library's one-line message (parameter, value, what is allowed) before a
notebook runs; :func:`run_name` names a run after its overrides.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from costmodel.decision.config import load_decision_signals
from costmodel.decision.quick import declared_blocks
from costmodel.errors import InvalidParameterError, ScenarioError
from costmodel.scenario.load import Scenario, load_scenario
from costmodel.scenario.overrides import apply_overrides
from costmodel.strict_yaml import load_yaml_text

__all__ = ["apply_overrides", "load_report_scenario", "parse_cli_parameters", "run_name"]

def load_report_scenario(scenario_path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load and fully validate the report's scenario (its parameters) or raise.

    The file is validated as it is, then again with ``overrides`` applied (see
    :func:`costmodel.scenario.overrides.apply_overrides`) by
    :func:`costmodel.scenario.load.load_scenario`, and its traffic
    series is built, so that every bad parameter fails here, in the report's first cell,
    with the library's message (parameter, value, what is allowed).

    Parameters
    ----------
    scenario_path : str or Path
        Scenario file (YAML).
    overrides : mapping, optional
        Dotted scenario keys -> values.

    Returns
    -------
    costmodel.scenario.load.Scenario
    """

    path = Path(scenario_path)
    if not path.is_file():
        raise ScenarioError(f"scenario_path={str(scenario_path)!r} is not a file: expected a scenario YAML file")
    base = load_scenario(path)
    scenario = load_scenario(path, overrides=overrides) if overrides else base
    scenario.traffic_series()
    if scenario.raw.get("workload") is not None or scenario.raw.get("team") is not None:
        declared_blocks(scenario, load_decision_signals())
    return scenario


def parse_cli_parameters(pairs: Iterable[tuple[str, str]] | None) -> dict[str, Any]:
    """Turn ``-p NAME VALUE`` pairs into an ``overrides`` mapping.

    Each VALUE is read as a YAML scalar or flow collection by the input files' reader
    (:func:`costmodel.strict_yaml.load_yaml_text`: ``20`` -> int, ``0.5`` and ``3e6`` ->
    float, ``true`` -> bool, ``[1, 2]`` -> list, ``arm64`` -> str). A NAME given twice
    keeps the last value. Names are checked when the scenario is loaded with them
    (:func:`load_report_scenario`).

    Raises
    ------
    InvalidParameterError
        A VALUE that is not valid YAML.
    """
    overrides: dict[str, Any] = {}
    for name, text in pairs or ():
        try:
            value = load_yaml_text(text, source=f"-p {name}")
        except ScenarioError as exc:
            raise InvalidParameterError(f"-p {name}", text, f"a YAML value ({exc})") from None
        overrides[name] = value
    return overrides


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
_MAX_NAME = 96


def run_name(scenario_path: str | Path, overrides: Mapping[str, Any] | None = None) -> str:
    """The base name of a report run's files: the scenario file's stem, followed by each
    override as ``name=value`` (``default__traffic.mean_rps=20``), characters outside
    ``A-Z a-z 0-9 . _ - =`` replaced by ``-``. Names longer than 96 characters keep their
    start and end a short hash, so two different runs never share files."""
    stem = _UNSAFE.sub("-", Path(scenario_path).stem).strip("-") or "scenario"
    if not overrides:
        return stem
    parts = [f"{_UNSAFE.sub('-', str(k)).strip('-')}={_UNSAFE.sub('-', _value_text(v)).strip('-')}"
             for k, v in overrides.items()]
    name = "__".join([stem, *parts])
    if len(name) > _MAX_NAME:
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        name = f"{name[:_MAX_NAME - 9]}-{digest}"
    return name
