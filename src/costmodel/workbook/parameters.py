"""The report's parameters: a scenario file plus dotted overrides, validated up front.

:func:`load_report_scenario` loads and fully validates a scenario with its overrides (through
the one override function, :func:`costmodel.scenario.overrides.apply_overrides`, re-exported
here for the notebooks), so that a bad parameter fails with the library's one-line message
(parameter, value, what is allowed) before anything runs.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from costmodel.errors import ScenarioError
from costmodel.scenario.load import Scenario, load_scenario
from costmodel.scenario.overrides import apply_overrides

__all__ = ["apply_overrides", "load_report_scenario"]

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
    return scenario
