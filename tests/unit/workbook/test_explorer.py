"""Unit tests of costmodel.workbook.explorer (the decision explorer of notebook 01)."""
from __future__ import annotations

import pytest

from costmodel.analysis.shapes import shape_traffic_block
from costmodel.workbook.explorer import EXPLORER_SHAPES, DecisionExplorer

SCENARIO = {
    "name": "t",
    "traffic": {"pattern": "steady", "mean_rps": 2.0, "horizon_days": 2, "step_s": 60, "random_state": 3},
    "work": {"duration_ms": {"mean": 100, "p99": 300}, "cpu_ms_per_request": 50, "memory_mb": 512},
}


@pytest.mark.parametrize("shape", EXPLORER_SHAPES)
def test_explorer_scenarios_keep_the_requested_mean_and_settings(shape):
    explorer = DecisionExplorer(SCENARIO)
    sc = explorer.scenario(shape=shape, mean_rps=7.0, duration_ms=200, memory_mb=1024, architecture="arm64",
                           front_door="function_url", keep_alive_s=60)
    rate, step_s, _ = sc.traffic_series()
    assert step_s == 60 and rate.size == 2 * 1440
    assert rate.mean() == pytest.approx(7.0, rel=1e-9)
    block = shape_traffic_block(shape, 7.0, SCENARIO["traffic"])
    assert {k: sc.traffic[k] for k in block} == block  # the one definition of the shapes
    assert sc.work.memory_mb == 1024 and sc.work.architecture == "arm64"
    assert sc.work.duration.mean_ms == pytest.approx(200)
    assert sc.work.duration.p99_ms == pytest.approx(600, rel=1e-6)  # the base's p99/mean ratio of 3
    assert sc.front_door["kind"] == "function_url" and sc.lambda_["keep_alive_s"] == 60


def test_explorer_defaults_come_from_the_scenario():
    d = DecisionExplorer(SCENARIO).defaults
    assert d["shape"] == "steady" and d["mean_rps"] == pytest.approx(2.0)
    assert d["duration_ms"] == pytest.approx(100) and d["memory_mb"] == 512
