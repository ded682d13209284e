"""`costmodel recommend FILE.yaml [--json]` end to end."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from costmodel.cli import main

ROOT = Path(__file__).resolve().parents[2]
NIGHTLY = ROOT / "data" / "scenarios" / "nightly-batch-over-15-min.yaml"
WEBHOOK = ROOT / "data" / "scenarios" / "bursty-webhook.yaml"

_CACHE = {}


@pytest.fixture(autouse=True)
def _memoised_recommend(monkeypatch):
    """The CLI is exercised for real; only identical recommend() calls are computed once
    (the models take seconds on this shared machine)."""
    import costmodel.cli as cli

    real = cli.recommend

    def memo(scenario, **kw):
        key = (str(scenario), tuple(sorted((k, str(v)) for k, v in kw.items())))
        if key not in _CACHE:
            _CACHE[key] = real(scenario, **kw)
        return _CACHE[key]

    monkeypatch.setattr(cli, "recommend", memo)


def test_json_is_complete(capsys):
    assert main(["recommend", str(NIGHTLY), "--json"]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out and "Infinity" not in out      # strict JSON
    d = json.loads(out)
    assert d["verdict"] == "containers" and d["decided_by"] == "hard_limit:execution_duration"
    assert len(d["signals"]) == 6 and all({"name", "lean", "measured", "reason"} <= set(s) for s in d["signals"])
    assert {c["name"] for c in d["hard_limits"]} >= {"execution_duration", "memory", "sync_payload",
                                                      "async_message", "gpu", "in_process_state",
                                                      "long_lived_connections"}
    assert all(c["source_url"].startswith("https://") for c in d["hard_limits"])
    assert {r["name"] for r in d["rules"]} == {"sustained_high_throughput", "sync_chain_breaks_slo",
                                               "limited_cloud_ops"}
    ev = d["evidence"]
    assert set(ev["monthly_usd"]) >= {"lambda", "fargate_on_demand", "ec2_on_demand"}
    for key in ("break_even_mean_rps", "lambda_p99_ms", "container_p99_ms", "cold_start_fraction", "failure_modes"):
        assert key in ev
    assert d["flips"] and {"fact", "condition", "new_verdict", "how_computed"} <= set(d["flips"][0])
    assert d["workload"]["max_duration_s"] == 2700 and d["team"]["ops_preference"] == "minimise_ops"


def test_terminal_output_has_a_table_per_signal(capsys):
    assert main(["recommend", str(NIGHTLY)]) == 0
    out = capsys.readouterr().out
    assert "Verdict:  CONTAINERS" in out
    for signal in ("traffic_pattern", "execution_duration", "state_requirements", "ops_preference",
                   "cost_model", "debugging_maturity"):
        assert f"| {signal}" in out
    assert "VIOLATED" in out and "What would flip the verdict" in out


def _write(tmp_path, **changes):
    raw = yaml.safe_load(WEBHOOK.read_text())
    for block, values in changes.items():
        if values is None:
            raw.pop(block)
        else:
            raw[block].update(values)
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(raw))
    return p


@pytest.mark.parametrize("changes, message", [
    ({"workload": {"max_duration_s": 1200, "deployment_preference": "serverless_only"}},
     "contradictory declarations: workload.deployment_preference='serverless_only'"),
    ({"team": {"ops_preference": "yolo"}}, "team.ops_preference='yolo' is not allowed"),
    ({"workload": {"gpus": True}}, "unknown key workload.gpus"),
    ({"team": None}, "the scenario has no 'team' block"),
])
def test_bad_scenarios_exit_2_with_one_clear_line(tmp_path, capsys, changes, message):
    assert main(["recommend", str(_write(tmp_path, **changes))]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("batch_job, message", [
    ({"chunkable": True, "chunk_size": 30}, "unknown key batch_job.chunk_size in scenario"),
    ({"chunkable": True, "parallelism": -2}, "batch_job.parallelism=-2 is not allowed"),
    ({"schedule": "weekly"}, "batch_job.schedule='weekly' is not allowed"),
    ({"platforms": {"dm_child_type": "batch"}}, "batch_job.platforms.dm_child_type='batch' is not allowed"),
])
def test_bad_batch_job_blocks_exit_2_with_one_clear_line(tmp_path, capsys, batch_job, message):
    raw = yaml.safe_load(NIGHTLY.read_text())
    raw["batch_job"] = batch_job
    p = tmp_path / "job.yaml"
    p.write_text(yaml.safe_dump(raw))
    assert main(["recommend", str(p)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_the_job_table_is_printed_past_900_s(capsys):
    assert main(["recommend", str(NIGHTLY)]) == 0
    out = capsys.readouterr().out
    assert "Past 15 minutes: the same job on each platform" in out
    assert "EC2 via AWS Batch, Spot *" in out          # the winner is starred


def test_installed_entry_point(tmp_path):
    bad = _write(tmp_path, workload={"max_duration_s": 1200, "deployment_preference": "serverless_only"})
    exe = Path(sys.executable).with_name("costmodel")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "costmodel"]
    p = subprocess.run(cmd + ["recommend", str(bad)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "serverless_only" in p.stderr


def test_thresholds_from_the_command_line(tmp_path, capsys):
    # the nightly job with Lambda's timeout raised to 3,600 s in a copy of the limits file
    limits = yaml.safe_load((ROOT / "data" / "hard_limits.yaml").read_text())
    limits["hard_limits"]["execution_duration"]["limit"] = 3600
    path = tmp_path / "limits.yaml"
    path.write_text(yaml.safe_dump(limits))
    assert main(["recommend", str(NIGHTLY), "--json", "--limits", str(path)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert not d["decided_by"].startswith("hard_limit")
    assert main(["recommend", str(NIGHTLY), "--signals", str(tmp_path / "missing.yaml")]) == 2
    assert "decision signals file not found" in capsys.readouterr().err


def test_a_signals_file_is_read_as_strictly_as_a_scenario(tmp_path, capsys):
    # --signals / --limits are user files: duplicate keys and alias bombs are refused in one line
    dup = tmp_path / "signals.yaml"
    dup.write_text("signals: {}\nsignals: {}\n")
    assert main(["recommend", str(NIGHTLY), "--signals", str(dup)]) == 2
    err = capsys.readouterr().err.strip()
    assert "duplicate" in err.lower() and "signals" in err and len(err.splitlines()) == 1
    bomb = tmp_path / "limits.yaml"
    bomb.write_text("a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(6)))
    assert main(["recommend", str(NIGHTLY), "--limits", str(bomb)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
