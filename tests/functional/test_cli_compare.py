"""`costmodel compare FILE.yaml [--json]` end to end."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from costmodel.analysis.compare import OPTIONS
from costmodel.cli import main

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO / "data" / "scenarios" / "default.yaml"


def test_compare_text(capsys):
    assert main(["compare", str(DEFAULT)]) == 0
    out = capsys.readouterr().out
    for opt in OPTIONS:
        assert opt in out
    assert "Cheapest" in out


def test_compare_json_matches_the_bills(capsys):
    assert main(["compare", str(DEFAULT), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # the default API is not interruption-tolerant: no Spot row, and the output says why
    assert [o["option"] for o in data["options"]] == [o for o in OPTIONS if o != "fargate_spot"]
    assert "interruption-tolerant" in data["left_out"]["fargate_spot"]
    assert data["front_door"].startswith("API Gateway HTTP in front of both")
    for o in data["options"]:
        assert o["monthly_usd"] == pytest.approx(o["bill"]["total_usd"])
    assert data["cheapest"] in OPTIONS


def test_typo_in_scenario_exits_2_with_a_message(tmp_path, capsys):
    raw = yaml.safe_load(DEFAULT.read_text())
    raw["containers"]["fargate"]["min_task"] = 3
    p = tmp_path / "typo.yaml"
    p.write_text(yaml.safe_dump(raw))
    assert main(["compare", str(p)]) == 2
    err = capsys.readouterr().err
    assert "containers.fargate.min_task" in err and "min_tasks" in err


def test_console_script_runs():
    exe = Path(sys.executable).with_name("costmodel")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "costmodel.cli"]
    res = subprocess.run(cmd + ["compare", str(DEFAULT), "--json"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["scenario"]


BURSTY = REPO / "data" / "scenarios" / "bursty-webhook.yaml"


def test_compare_is_at_the_service_level_with_the_configuration_next_to_it(capsys):
    assert main(["compare", str(BURSTY)]) == 0
    out = capsys.readouterr().out
    assert "Service level: p99 response time <= 3,000 ms" in out
    assert "as configured" in out and "right-sized" in out
    assert "scheduled scaling" in out                 # what the Fargate fleet had to add


def test_compare_json_carries_both_comparisons_and_the_quota_checks(capsys):
    assert main(["compare", str(BURSTY), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {o["option"]: o for o in data["options"]}
    assert rows["fargate_on_demand"]["meets"] and not rows["fargate_on_demand"]["configured_meets"]
    assert rows["fargate_on_demand"]["monthly_usd"] == pytest.approx(rows["fargate_on_demand"]["bill"]["total_usd"])
    assert rows["fargate_on_demand"]["added_usd"] == pytest.approx(
        rows["fargate_on_demand"]["monthly_usd"] - rows["fargate_on_demand"]["as_configured_usd"], abs=0.01)
    # arm64: no Fargate Spot (AWS sells none for ARM64 tasks), in either comparison
    assert {o["option"] for o in data["as_configured"]["options"]} == set(OPTIONS) - {"fargate_spot"}
    assert set(rows) == set(OPTIONS) - {"fargate_spot"}
    assert data["service_level"]["latency_target_ms"] == 3000
    assert {c["quota"] for c in data["account_limits"]} >= {"lambda_concurrent_executions", "fargate_on_demand_vcpu"}


def test_compare_as_configured_keeps_the_old_table(capsys):
    assert main(["compare", str(BURSTY), "--as-configured"]) == 0
    out = capsys.readouterr().out
    assert "Cheapest without overload" in out and "Service level" not in out


def test_a_bad_service_level_exits_2_naming_the_key(tmp_path, capsys):
    raw = yaml.safe_load(BURSTY.read_text())
    raw["service_level"] = {"percentile": 120}
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(raw))
    assert main(["compare", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert "service_level.percentile=120" in err and len(err.splitlines()) == 1
