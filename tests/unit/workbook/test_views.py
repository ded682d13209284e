"""Unit tests of costmodel.workbook.views (report sections)."""
from __future__ import annotations

import yaml

from costmodel.scenario.load import load_scenario
from costmodel.workbook.views import assumptions_frame, fanout_frame, scenario_yaml_markdown

SCENARIO = {
    "name": "t",
    "traffic": {"pattern": "steady", "mean_rps": 2.0, "horizon_days": 2, "step_s": 60, "random_state": 3},
    "work": {"duration_ms": {"mean": 100, "p99": 300}, "cpu_ms_per_request": 50, "memory_mb": 512},
}


def test_fanout_frame_without_fanout_says_so():
    out = fanout_frame({"failure_modes": {"cold_start_on_path": {}}})
    assert "No fan-out declared" in out.data


def test_scenario_yaml_markdown_round_trips():
    sc = load_scenario(SCENARIO, overrides={"traffic.mean_rps": 4.0})
    text = scenario_yaml_markdown(sc).data
    assert text.startswith("```yaml\n") and text.endswith("```")
    assert yaml.safe_load(text[len("```yaml\n"):-3]) == sc.raw
    assert sc.raw["traffic"]["mean_rps"] == 4.0


def test_assumptions_frame_lists_what_was_checked_and_where_it_flips():
    evidence = {"assumptions_checked": [
        {"label": "EC2 Savings Plan discount", "current_text": "28%", "range_text": "0% - 66%", "flips": True,
         "flip_text": "above 52%", "new_verdict": "containers"},
        {"label": "Lambda INIT duration", "current_text": "400 ms", "range_text": "200 ms - 1,600 ms",
         "flips": False}]}
    frame = assumptions_frame(evidence)
    assert frame.loc["EC2 Savings Plan discount", "flips at"] == "above 52%"
    assert frame.loc["Lambda INIT duration", "new verdict"] == "-"
    assert assumptions_frame({}).empty
