"""Inputs: the scenario format (load, validate, override) and usage files for itemised bills.

Layer rule: imports ``costmodel.models`` only (``docs/architecture.md``).
"""
from __future__ import annotations

from costmodel.scenario.load import (
    DEFAULT_SCENARIO_PATH,
    FRONT_DOORS,
    PATTERNS,
    Scenario,
    ScenarioSource,
    build_traffic,
    load_scenario,
    set_dotted,
)
from costmodel.scenario.usage import bill_usage, load_usage

__all__ = ["DEFAULT_SCENARIO_PATH", "PATTERNS", "FRONT_DOORS", "Scenario", "ScenarioSource", "load_scenario",
           "build_traffic",
           "set_dotted", "load_usage", "bill_usage"]
