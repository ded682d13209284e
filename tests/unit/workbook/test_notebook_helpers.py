"""Unit tests of costmodel.workbook.notebook_helpers (presentation glue used by the notebooks)."""
from __future__ import annotations

import math

import pytest

from costmodel.errors import InvalidParameterError
from costmodel.workbook.notebook_helpers import apply_overrides, format_number, key_numbers, table_float

RAW = {
    "name": "x",
    "traffic": {"pattern": "steady", "mean_rps": 5.0},
    "lambda": {"keep_alive_s": 600},
    "price_overrides": {},
}


def test_overrides_set_nested_fields_by_dotted_path():
    got = apply_overrides(RAW, {"traffic.mean_rps": 20, "lambda.keep_alive_s": 300, "name": "y"})
    assert got["traffic"] == {"pattern": "steady", "mean_rps": 20}
    assert got["lambda"] == {"keep_alive_s": 300}
    assert got["name"] == "y"
    assert RAW["traffic"]["mean_rps"] == 5.0  # input untouched


def test_overrides_create_missing_blocks_for_the_validator_to_judge():
    got = apply_overrides(RAW, {"workload.max_duration_s": 2})
    assert got["workload"] == {"max_duration_s": 2}


def test_price_override_keys_keep_their_dots():
    got = apply_overrides(RAW, {"price_overrides.lambda.request": 1.8e-7})
    assert got["price_overrides"] == {"lambda.request": 1.8e-7}


def test_no_overrides_is_a_copy():
    got = apply_overrides(RAW, None)
    assert got == RAW and got is not RAW and got["traffic"] is not RAW["traffic"]


@pytest.mark.parametrize("bad", [[("traffic.mean_rps", 1)], "traffic.mean_rps=1", 3])
def test_overrides_must_be_a_mapping(bad):
    with pytest.raises(InvalidParameterError, match="overrides"):
        apply_overrides(RAW, bad)


@pytest.mark.parametrize("key", ["", "traffic.", ".x", "a..b", 7])
def test_override_keys_must_be_dotted_names(key):
    with pytest.raises(InvalidParameterError, match="overrides key"):
        apply_overrides(RAW, {key: 1})


def test_override_path_cannot_run_through_a_value():
    with pytest.raises(InvalidParameterError, match="'traffic.mean_rps' is a value"):
        apply_overrides(RAW, {"traffic.mean_rps.x": 1})


@pytest.mark.parametrize(
    "name, value, text",
    [
        ("monthly_usd", 1234.565, "1,234.57"),
        ("monthly_usd", 0.004, "0.00"),
        ("mean_rps", 5.0, "5"),
        ("mean_rps", 5.25, "5.250"),
        ("memory_mb", 512.0, "512"),
        ("p99_ms", 123456.7, "123,500"),
        ("fraction", 0.000123456, "0.0001235"),
        ("count", 1_000_000, "1,000,000"),
        ("flag", True, "True"),
        ("label", "bursty", "bursty"),
        ("ratio", -0.5, "-0.5000"),
        ("zero", 0.0, "0"),
        ("nan", math.nan, "nan"),
    ],
)
def test_format_number(name, value, text):
    assert format_number(name, value) == text


def test_format_number_hides_last_digit_noise():
    assert format_number("x", 0.1 + 0.2) == format_number("x", 0.3)
    assert format_number("x_usd", 10.0 - 1e-12) == "10.00"


def test_key_numbers_aligns_names():
    assert key_numbers({"a": 1, "long_name": 2}) == "a          1\nlong_name  2"


@pytest.mark.parametrize(
    "value, text",
    [(141.03, "141.03"), (1603.0408, "1,603.04"), (0.00042727617, "0.000427276"), (12960000.0, "12,960,000"),
     (0.5, "0.5"), (5.0, "5"), (math.nan, "nan")],
)
def test_table_float_six_significant_figures(value, text):
    assert table_float(value) == text


# ------------------------------------------------------------------ shapes and explorer
from costmodel.models.bills import Bill, line_item  # noqa: E402
from costmodel.workbook.notebook_helpers import (  # noqa: E402
    EXPLORER_SHAPES,
    DecisionExplorer,
    bill_by_category,
    fanout_frame,
    same_mean_shapes,
)


def test_same_mean_shapes_carry_the_same_requests():
    shapes = same_mean_shapes(3.0, horizon_days=2, random_state=1)
    assert set(shapes) == {"steady", "diurnal", "bursty", "sparse"}
    for name, rate in shapes.items():
        assert rate.size == 2 * 1440
        assert rate.mean() == pytest.approx(3.0, rel=1e-12), name
    # sparse is on/off: four 15-minute windows a day, nothing in between
    assert (shapes["sparse"] > 0).mean() == pytest.approx(4 * 15 / 1440)
    assert shapes["sparse"].max() == pytest.approx(3.0 * 1440 / 60)
    # bursty: base plus 8 five-minute bursts of +15x the base -> mean = base (1 + 15 * 40/1440)
    base = 3.0 / (1 + 15 * 40 / 1440)
    assert shapes["bursty"].min() == pytest.approx(base)


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
    assert sc.work.memory_mb == 1024 and sc.work.architecture == "arm64"
    assert sc.work.duration.mean_ms == pytest.approx(200)
    assert sc.work.duration.p99_ms == pytest.approx(600, rel=1e-6)  # the base's p99/mean ratio of 3
    assert sc.front_door["kind"] == "function_url" and sc.lambda_["keep_alive_s"] == 60


def test_explorer_defaults_come_from_the_scenario():
    d = DecisionExplorer(SCENARIO).defaults
    assert d["shape"] == "steady" and d["mean_rps"] == pytest.approx(2.0)
    assert d["duration_ms"] == pytest.approx(100) and d["memory_mb"] == 512


def test_bill_by_category_splits_and_sums_line_items():
    bills = {
        "lambda": Bill((line_item("Lambda requests", 1e6, "requests", 2e-7),
                        line_item("API Gateway HTTP requests tier 1", 1e6, "requests", 1e-6),
                        line_item("CloudWatch Logs ingestion", 2, "GB", 0.5),
                        line_item("NAT gateway hours", 720, "h", 0.045),
                        line_item("Public IPv4 addresses (NAT gateway Elastic IP)", 730, "h", 0.005),
                        line_item("EBS gp3 volumes", 30, "GB-month", 0.08))),
        "url": Bill((line_item("Lambda requests", 1e6, "requests", 2e-7),
                     line_item("Lambda function URL requests", 1e6, "requests", 0.0))),
    }
    frame = bill_by_category(bills)
    assert frame.loc["lambda", "compute"] == pytest.approx(0.20)
    assert frame.loc["lambda", "front door"] == pytest.approx(1.00)
    assert frame.loc["lambda", "logs"] == pytest.approx(1.00)
    assert frame.loc["lambda", "network"] == pytest.approx(32.40 + 3.65)   # NAT hours + its Elastic IP
    assert frame.loc["lambda", "storage"] == pytest.approx(2.40)
    assert frame.loc["lambda", "total_usd"] == pytest.approx(bills["lambda"].total_usd)
    assert frame.loc["lambda", "non_compute_share"] == pytest.approx(1 - 0.20 / 40.65)
    assert frame.loc["url", "front door"] == 0 and frame.loc["url", "compute"] == pytest.approx(0.20)


def test_fanout_frame_without_fanout_says_so():
    out = fanout_frame({"failure_modes": {"cold_start_on_path": {}}})
    assert "No fan-out declared" in out.data


def test_scenario_yaml_markdown_round_trips():
    import yaml

    from costmodel.workbook.notebook_helpers import scenario_yaml_markdown
    from costmodel.scenario.load import load_scenario

    sc = load_scenario(SCENARIO, overrides={"traffic.mean_rps": 4.0})
    text = scenario_yaml_markdown(sc).data
    assert text.startswith("```yaml\n") and text.endswith("```")
    assert yaml.safe_load(text[len("```yaml\n"):-3]) == sc.raw
    assert sc.raw["traffic"]["mean_rps"] == 4.0


def test_real_traffic_falls_back_to_the_shipped_fixture_when_the_shared_sample_is_absent(monkeypatch, tmp_path):
    # what notebook 06 does on a machine without ../shared/data (nbval skips it there)
    from costmodel.workbook import notebook_helpers as nh
    from costmodel.models.traffic import load_azure_trace

    monkeypatch.setattr(nh, "AZURE_SAMPLE_DIR", tmp_path / "absent")
    path, source = nh.azure_invocations_path()
    assert path == nh.AZURE_FIXTURE and "shared sample absent" in source
    traces = load_azure_trace(path)
    table = nh.trace_table(traces, keep_alive_s=600)
    assert len(table) == len(traces) == 3


def test_assumptions_frame_lists_what_was_checked_and_where_it_flips():
    from costmodel.workbook.notebook_helpers import assumptions_frame

    evidence = {"assumptions_checked": [
        {"label": "EC2 Savings Plan discount", "current_text": "28%", "range_text": "0% - 66%", "flips": True,
         "flip_text": "above 52%", "new_verdict": "containers"},
        {"label": "Lambda INIT duration", "current_text": "400 ms", "range_text": "200 ms - 1,600 ms",
         "flips": False}]}
    frame = assumptions_frame(evidence)
    assert frame.loc["EC2 Savings Plan discount", "flips at"] == "above 52%"
    assert frame.loc["Lambda INIT duration", "new verdict"] == "-"
    assert assumptions_frame({}).empty


def test_trace_counts_are_counts_a_lone_invocation_is_cold():
    # one invocation every 3 hours (per-minute counts): every one comes after a gap longer
    # than the keep-alive, so every one is cold; read as a Poisson mean the same minute
    # sometimes holds two and it was scored about 61 % cold (issue 11)
    import numpy as np
    import pandas as pd

    from costmodel.models.traffic import Trace
    from costmodel.workbook import notebook_helpers as nh

    counts = np.zeros(1440)
    counts[::180] = 1
    lone = Trace(rate_rps=counts / 60.0, step_s=60.0, start=pd.Timestamp("2026-01-05", tz="UTC"), name="lone")
    busy = Trace(rate_rps=np.full(1440, 30.0 / 60.0), step_s=60.0, start=pd.Timestamp("2026-01-05", tz="UTC"),
                 name="busy")
    assert nh.trace_arrivals(lone) == "counts"
    table = nh.trace_table({"lone": lone, "busy": busy}, keep_alive_s=600)
    assert table.loc["lone", "cold_start_fraction"] == 1.0
    # 30 a minute, 2 s apart, 120 ms each: one environment, cold once (the first)
    assert table.loc["busy", "cold_start_fraction"] == 1.0 / (30 * 1440)
    sweep = nh.keep_alive_sweep({"lone": lone}, [60.0, 600.0, 36_000.0])
    assert sweep["cold_start_fraction"].tolist() == [1.0, 1.0, 1.0 / 8]   # 10 h keeps it warm
    resampled = Trace(rate_rps=np.full(10, 0.705), step_s=60.0, start=pd.Timestamp("2026-01-05", tz="UTC"), name="r")
    assert nh.trace_arrivals(resampled) == "poisson"                       # 42.3 a minute: a rate
