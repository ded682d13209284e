"""What every command shares: --version, -p overrides, terminal-safe text, JSON without
float noise, a quiet stop when the reader of stdout goes away."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from costmodel import __version__
from costmodel.cli import main

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO / "data" / "scenarios" / "default.yaml"
BURSTY = REPO / "data" / "scenarios" / "bursty-webhook.yaml"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    return subprocess.run([sys.executable, "-m", "costmodel", *args], capture_output=True, text=True, env=env,
                          check=False, timeout=300)


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"costmodel {__version__}"


def test_compare_takes_overrides(capsys):
    assert main(["compare", str(DEFAULT), "-p", "traffic.mean_rps", "10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["requests"] == 10 * 3_600 * 730  # a 730-h month


def test_recommend_takes_overrides(capsys):
    assert main(["recommend", str(DEFAULT), "--json"]) == 0
    base = json.loads(capsys.readouterr().out)["evidence"]
    assert main(["recommend", str(DEFAULT), "-p", "traffic.mean_rps", "300", "--json"]) == 0
    busy = json.loads(capsys.readouterr().out)["evidence"]
    assert busy["traffic"]["mean_rps"] == pytest.approx(300, rel=1e-9)
    # Lambda's bill grows with the requests, the containers' much less: the ratio rises
    assert busy["lambda_to_container_cost_ratio"] > 2 * base["lambda_to_container_cost_ratio"]


def test_a_bad_override_exits_2_naming_it(capsys):
    assert main(["compare", str(DEFAULT), "-p", "trafic.mean_rps", "10"]) == 2
    err = capsys.readouterr().err
    assert "trafic" in err and len(err.strip().splitlines()) == 1


def test_json_numbers_carry_no_binary_noise(capsys):
    assert main(["compare", str(BURSTY), "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["requests"] == 3_270_600  # binary noise in the last digit before
    assert '"requests": 3270600.0,' in out


def test_text_from_a_scenario_cannot_drive_the_terminal(tmp_path, capsys):
    raw = yaml.safe_load(DEFAULT.read_text())
    raw["name"] = "API \x1b[2J\x1b]0;owned\x07\x1b[31mred\u202e"
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    assert main(["compare", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Scenario: API red\n" in out
    assert not any(ch in out for ch in "\x1b\x07\u202e")


def test_piping_into_head_stops_quietly():
    proc = subprocess.run(
        f"{sys.executable} -m costmodel compare {DEFAULT} | head -1", shell=True, capture_output=True, text=True,
        check=False, env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}, timeout=300)
    assert proc.stdout == "Scenario: Diurnal JSON API\n"
    assert proc.stderr == ""  # no BrokenPipeError traceback


def test_bill_text_shows_the_free_tier_notes():
    res = _run("bill", str(REPO / "docs" / "examples" / "lambda-od-1.yaml"))
    assert res.returncode == 0, res.stderr
    assert "  note: 3,000,000 - 1,000,000 free" in res.stdout
    assert "TOTAL (USD)" in res.stdout and res.stdout.rstrip().splitlines()[-2].endswith("2.73")


def test_compare_at_service_level_text_names_units_and_terms(capsys):
    assert main(["compare", str(BURSTY)]) == 0
    out = capsys.readouterr().out
    assert "configured USD" in out and "right-sized USD" in out and "added USD" in out
    assert "USD per month; meets: whether the option meets the service level" in out


def test_compare_text_explains_its_columns(capsys):
    assert main(["compare", str(BURSTY), "--as-configured"]) == 0
    out = capsys.readouterr().out
    assert "overload (min)" in out and "overload: minutes of the month with demand above" in out
    assert "4 tasks" in out and "4 instances" in out and "concurrent" in out
