"""Unit tests of costmodel.workbook.summary: the executive summary's numbers and exports."""
from __future__ import annotations

import csv
import io
import json
import math

import pytest
from small_scenarios import DECLARED, small

from costmodel.analysis.compare import OPTIONS
from costmodel.scenario.load import load_scenario
from costmodel.workbook.summary import (
    baseline_changes,
    option_summary,
    report_data,
    summary_csv,
    summary_markdown,
    summary_record,
    summary_table,
)


def _data(**changes):
    raw = small()
    raw.update(DECLARED)
    raw.update({k: v for k, v in changes.items() if "__" not in k})
    for key, value in changes.items():
        if "__" in key:
            block, field = key.split("__")
            raw[block] = {**raw[block], field: value}
    return report_data(load_scenario(raw))


@pytest.fixture(scope="module")
def data():
    return _data()


def test_every_option_with_its_arithmetic(data):
    s = option_summary(data)
    t = data.comparison.table
    assert list(s.index) == list(t.index) and set(t.index) <= set(OPTIONS)
    cheapest = float(t.loc[data.cheapest, "monthly_usd"])
    for option in t.index:
        usd = float(t.loc[option, "monthly_usd"])
        assert s.loc[option, "monthly_usd"] == usd
        assert s.loc[option, "annual_usd"] == pytest.approx(usd * 12)  # 8,760 h = 12 months of 730 h
        assert s.loc[option, "vs_cheapest_usd"] == pytest.approx(usd - cheapest)
        assert s.loc[option, "vs_cheapest_share"] == pytest.approx(usd / cheapest - 1)
    # one fleet per platform: the purchase options share its latency; cold starts are Lambda's alone
    fargate_p99 = data.latency.fargate.p99_ms
    assert s.loc["fargate_on_demand", "p99_ms"] == s.loc["fargate_savings_plan", "p99_ms"] == fargate_p99
    assert s.loc["lambda", "cold_start_share"] == data.latency.lambda_.cold_start_fraction
    assert math.isnan(s.loc["ec2_on_demand", "cold_start_share"])
    assert s["feasible"].all()
    assert "the verdict compares Lambda with this" in s.loc[data.compared_against, "status"]
    # Spot is offered only to work declared interruption-tolerant: not an option here
    assert "fargate_spot" not in s.index and "fargate_spot" in data.evidence["left_out"]


def test_lambda_over_a_hard_limit_is_marked_infeasible_and_never_the_cheapest():
    data = _data(workload={"max_duration_s": 2000, "user_facing": False})
    assert list(data.infeasible) == ["lambda"] and "900 s" in data.infeasible["lambda"]
    s = option_summary(data)
    assert not s.loc["lambda", "feasible"] and s.loc["lambda", "status"].startswith("INFEASIBLE")
    assert data.cheapest != "lambda"
    shown = summary_table(data)
    assert shown.loc["Lambda", "vs cheapest USD/month"] == "–" and shown.loc["Lambda", "USD/month"] != "–"


def test_csv_holds_the_numbers_and_markdown_the_formatted_table(data):
    rows = list(csv.DictReader(io.StringIO(summary_csv(data))))
    t = data.comparison.table
    assert [r["option"] for r in rows] == list(t.index)
    for r in rows:
        assert float(r["monthly_usd"]) == pytest.approx(t.loc[r["option"], "monthly_usd"])
    md = summary_markdown(data)
    table_lines = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len(table_lines) == 2 + len(t.index)
    assert table_lines[0].startswith("| option | USD/month | USD/year |")


def test_markdown_export_escapes_the_scenario_name():
    raw = small(name="A | B <b>x</b> $1 $2")
    raw.update(DECLARED)
    md = summary_markdown(report_data(load_scenario(raw)))
    assert md.splitlines()[0] == r"# Lambda or containers? A \| B &lt;b&gt;x&lt;/b&gt; \$1 \$2"


def test_the_record_is_plain_json(data):
    record = summary_record(data)
    text = json.dumps(record, allow_nan=False)
    assert record["verdict"] in ("serverless", "containers", "either")
    assert set(record["options"]) == set(data.comparison.table.index) and "3218400.000000001" not in text


def test_changes_from_the_baseline_show_before_and_after(data):
    after = _data(traffic__mean_rps=4.0)
    frame = baseline_changes(data, after)
    lam = frame.loc["Lambda (USD/month)"]
    b = float(data.comparison.table.loc["lambda", "monthly_usd"])
    a = float(after.comparison.table.loc["lambda", "monthly_usd"])
    # no free tier, no front door, no logs: Lambda's bill is linear in the requests
    assert a == pytest.approx(2 * b, abs=0.02)
    assert lam["baseline"] == f"{b:,.2f}" and lam["this run"] == f"{a:,.2f}"
    assert lam["change"].startswith(f"+{a - b:,.2f}")
    assert frame.loc["verdict", "baseline"].startswith(data.recommendation.verdict)
