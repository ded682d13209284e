"""`costmodel compare FILE.yaml [--json]` end to end."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from costmodel.cli import main
from costmodel.analysis.compare import OPTIONS

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
