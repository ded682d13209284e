"""Every input observed to be priced wrongly or to crash (issue 13; issue 21, item 4), through the CLI.

Each case was reproduced before the input schema existed (exit status and what happened is
in the comment) and must now exit with status 2 and one line on stderr naming the field
(full dotted path), the value received and what is allowed: no traceback, nothing on stdout.
The CLI runs in-process (``costmodel.cli.main``) for speed; one case runs as a subprocess to
check the exit status as the shell sees it.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from costmodel.cli import main
from costmodel.resources import data_path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = yaml.safe_load(data_path("scenarios", "default.yaml").read_text())
OD1 = "lambda:\n  requests: 3000000\n  duration_ms: 120\n  memory_mb: 1536\n"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, command: str, path: Path, *needles: str) -> str:
    """Run ``costmodel <command> <path>``: exit 2, one line on stderr holding every needle."""
    started = time.perf_counter()
    code, out, err = run(capsys, command, str(path))
    elapsed = time.perf_counter() - started
    assert code == 2, (out, err)
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"costmodel {command}: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    assert elapsed < 10, f"took {elapsed:.1f} s"
    return err


def usage(tmp_path: Path, text: str, name: str = "u.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def scenario(tmp_path: Path, **dotted) -> Path:
    """The default scenario with dotted-key changes, written as YAML."""
    doc = yaml.safe_load(yaml.safe_dump(DEFAULT))
    for key, value in dotted.items():
        node = doc
        parts = key.split("__")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p


# ================================================================ usage files (costmodel bill)
def test_spot_discount_above_one_was_a_negative_bill(tmp_path, capsys):
    # was: exit 0, a negative Fargate Spot bill
    f = usage(tmp_path, "price_overrides:\n  fargate.spot_discount: 1.5\n"
                        "fargate: {vcpu: 1, memory_gb: 2, purchase: spot, task_seconds: 3600}\n")
    refused(capsys, "bill", f, "price_overrides.fargate.spot_discount=1.5", "a fraction from 0 to below 1")


def test_duration_beyond_the_15_minute_timeout(tmp_path, capsys):
    # was: exit 0, $60,000 for 1M requests of 3,600,000 ms
    f = usage(tmp_path, "lambda: {requests: 1000000, duration_ms: 3600000, memory_mb: 1024}\n")
    refused(capsys, "bill", f, "lambda.duration_ms=3600000", "900,000")


def test_zero_duration_with_requests(tmp_path, capsys):
    # was: exit 0, no duration billed (AWS bills at least 1 ms)
    f = usage(tmp_path, "lambda: {requests: 1000000, duration_ms: 0, memory_mb: 1024}\n")
    refused(capsys, "bill", f, "lambda.duration_ms=0", "at least 1 ms")


def test_provisioned_window_serving_more_than_its_capacity(tmp_path, capsys):
    # was: exit 0, 10M requests of 1 s "served" by one environment for 300 s at the PC rate
    f = usage(tmp_path, "lambda:\n  requests: 0\n  duration_ms: 0\n  memory_mb: 1024\n  provisioned:\n"
                        "    - {concurrency: 1, enabled_s: 300, requests: 10000000, duration_ms: 1000}\n")
    refused(capsys, "bill", f, "lambda.provisioned[0].requests=10000000", "at most 300 requests of 1000 ms")


def test_binary_usage_file(tmp_path, capsys):
    # was: exit 1, UnicodeDecodeError
    f = tmp_path / "u.yaml"
    f.write_bytes(bytes(range(256)) * 4)
    refused(capsys, "bill", f, "u.yaml", "not UTF-8 text")


def test_requests_1e300(tmp_path, capsys):
    # was: exit 1, decimal.InvalidOperation
    f = usage(tmp_path, "lambda: {requests: 1.0e+300, duration_ms: 100, memory_mb: 128}\n")
    refused(capsys, "bill", f, "lambda.requests=1e+300", "10,000,000,000,000")


@pytest.mark.parametrize("extra, needle", [
    ("  provisioned: [{concurrency: 1, enabled_s: 3600}]\n", "snapstart"),
    ("  ephemeral_storage_mb: 1024\n", "ephemeral_storage_mb=1024"),
])
def test_snapstart_exclusions(tmp_path, capsys, extra, needle):
    # was: exit 0 (docs/examples/lambda-features.yaml itself had SnapStart with PC)
    f = usage(tmp_path, "lambda:\n  requests: 1000\n  duration_ms: 100\n  memory_mb: 1024\n"
                        "  snapstart: {versions: 1}\n" + extra)
    refused(capsys, "bill", f, needle, "SnapStart")


@pytest.mark.parametrize("vcpu, memory", [(0.25, 1), (8, 16), (0.5, 1), (16, 32)])
def test_windows_fargate_sizes(tmp_path, capsys, vcpu, memory):
    # was: exit 0; Fargate Windows tasks are 1, 2 or 4 vCPU
    f = usage(tmp_path, f"fargate: {{vcpu: {vcpu}, memory_gb: {memory}, operating_system: windows, "
                        "task_seconds: 3600}\n")
    refused(capsys, "bill", f, f"fargate.vcpu={vcpu}", "1, 2 or 4 for Windows")


@pytest.mark.parametrize("arch, os_", [("arm64", "linux"), ("x86_64", "windows")])
def test_spot_only_linux_x86(tmp_path, capsys, arch, os_):
    f = usage(tmp_path, f"fargate: {{vcpu: 1, memory_gb: 2, architecture: {arch}, operating_system: {os_}, "
                        "purchase: spot, task_seconds: 3600}\n")
    refused(capsys, "bill", f, "fargate.purchase='spot'", "Linux x86_64")


@pytest.mark.parametrize("text, needles", [
    ("", ("u.yaml", "empty")),                                       # was: $0.00
    ("# nothing here\n", ("u.yaml", "empty")),                       # was: $0.00
    ("lambda: []\n", ("lambda=[]", "not an empty list")),           # was: $0.00
    ("lambda:\n", ("lambda=None", "leave the key out")),             # was: $0.00
    ("glue: {sqs: }\n", ("glue.sqs=None",)),                         # was: $0.00, without its required requests
    ("glue: {sqs: {}}\n", ("missing required key 'glue.sqs.requests'",)),
    ("name: nothing\n", ("(document)='only name'", "at least one block to price: lambda")),
    ("glue: {}\n", ("glue=", "at least one of sqs")),
])
def test_empty_documents_and_blocks(tmp_path, capsys, text, needles):
    refused(capsys, "bill", usage(tmp_path, text), *needles)


@pytest.mark.parametrize("text, needles", [
    (OD1 + "  memory_mb: 512\n", ("duplicate key 'memory_mb'", "line 4")),          # was: the last one won
    ("lambda:\n  - {name: a, requests: 1, duration_ms: 1, memory_mb: 128}\n"
     "  - {name: a, requests: 1, duration_ms: 1, memory_mb: 128, free_tier: false}\n",
     ("lambda[1].name='a'", "not used before")),                                   # was: two 'a' functions
    ("ec2: {instance_type: m7g.large, count: 1.5}\n", ("ec2.count=1.5", "whole number")),
    ("fargate: {vcpu: 1, memory_gb: 2, tasks: 2.5, run_s: 60}\n", ("fargate.tasks=2.5", "whole number")),
    ("ec2: {instance_type: m7g.large, hours: 100000}\n", ("ec2.hours=100000", "744")),
])
def test_duplicates_fractions_and_hours_beyond_the_month(tmp_path, capsys, text, needles):
    refused(capsys, "bill", usage(tmp_path, text), *needles)


@pytest.mark.parametrize("requests", ["3e6", "3_000_000", "3.0e+6", "3000000.0"])
def test_numbers_in_any_yaml_notation_are_priced(tmp_path, capsys, requests):
    # was: "3e6" rejected as "expected number" (a YAML 1.1 resolver quirk)
    f = usage(tmp_path, f"lambda: {{requests: {requests}, duration_ms: 120, memory_mb: 1536}}\n")
    code, out, err = run(capsys, "bill", str(f), "--json")
    assert code == 0, err
    assert '"total_usd": 2.73' in out


@pytest.mark.parametrize("value, needle", [("true", "lambda.requests=True"), ('"512"', "lambda.requests='512'")])
def test_booleans_and_text_are_not_numbers(tmp_path, capsys, value, needle):
    f = usage(tmp_path, f"lambda: {{requests: {value}, duration_ms: 120, memory_mb: 1536}}\n")
    refused(capsys, "bill", f, needle)


# ================================================================ scenarios (compare / recommend)
def test_binary_scenario_and_directory(tmp_path, capsys):
    # was: exit 1 (UnicodeDecodeError, IsADirectoryError)
    f = tmp_path / "s.yaml"
    f.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    refused(capsys, "compare", f, "not UTF-8 text")
    refused(capsys, "recommend", tmp_path, "is not a file")


def test_name_nested_5000_deep(tmp_path, capsys):
    # was: exit 1, RecursionError
    f = tmp_path / "s.yaml"
    f.write_text("name: " + "[" * 5000 + "]" * 5000 + "\ntraffic: {pattern: steady, mean_rps: 1}\n")
    refused(capsys, "compare", f, "nests deeper than 50 levels")


@pytest.mark.parametrize("key, value, needles", [
    ("traffic__horizon_days", 1e300, ("traffic.horizon_days=1e+300", "366")),       # was: exit 1, traceback
    ("traffic__horizon_days", 3000000, ("traffic.horizon_days=3000000", "366")),    # was: tried to allocate 32 GiB
    ("traffic__horizon_days", 100000, ("traffic.horizon_days=100000", "366")),      # was: exit 0 after 29 s
    ("containers__fargate__max_tasks", 1e300, ("containers.fargate.max_tasks=1e+300", "100,000")),  # was: exit 1
    ("traffic__mean_rps", 1e300, ("traffic.mean_rps=1e+300",)),    # was: blamed cold_starts=nan
    ("traffic__mean_rps", [1, 2], ("traffic.mean_rps=[1, 2]", "a number")),  # was: Python's message
    ("traffic__random_state", "abc", ("traffic.random_state='abc'", "whole number")),
    ("traffic__mean_rps", True, ("traffic.mean_rps=True",)),       # was: taken as 1
    ("work__memory_mb", "512", ("work.memory_mb='512'",)),         # was: taken as 512
    # issue 21, item 4
    ("containers__ec2__tasks_per_instance", 0, ("containers.ec2.tasks_per_instance=0",)),  # was: ZeroDivisionError
    ("traffic__random_state", -1, ("traffic.random_state=-1",)),   # was: ValueError
    ("price_overrides", {"lambda.request": 1.0e+300}, ("price_overrides.lambda.request=1e+300",)),  # was: decimal
    ("work__duration_ms", 1.0e+300, ("work.duration_ms=1e+300",)),  # was: quantity=inf with a RuntimeWarning
])
def test_scenario_values(tmp_path, capsys, key, value, needles):
    f = scenario(tmp_path, **{key: value})
    refused(capsys, "compare", f, *needles)
    refused(capsys, "recommend", f, *needles)


def test_horizon_steps_are_bounded_before_allocating(tmp_path, capsys):
    f = scenario(tmp_path, traffic__horizon_days=300, traffic__step_s=1)
    refused(capsys, "compare", f, "traffic.step_s=1", "at most 5,000,000 steps", "25,920,000 steps")


def test_a_list_document(tmp_path, capsys):
    # was: "error: : expected a mapping"
    f = tmp_path / "s.yaml"
    f.write_text("- traffic: {pattern: steady, mean_rps: 1}\n")
    refused(capsys, "compare", f, "(document)=", "a mapping of keys")


LAUGHS = "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))


@pytest.mark.parametrize("where", ["name", "description", "traffic.timezone", "work.duration_ms.samples",
                                   "price_overrides"])
def test_billion_laughs(tmp_path, capsys, where):
    # was: hung past 30 s (the loader and the error messages expanded the aliases)
    head = "x0: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + LAUGHS
    doc = yaml.safe_dump(dict(DEFAULT), sort_keys=False)
    target = where.split(".")
    body = doc
    if len(target) == 1:
        body = "\n".join(line for line in doc.splitlines() if not line.startswith(f"{target[0]}:")) + "\n"
        body += f"{target[0]}: *i\n"
    elif where == "traffic.timezone":
        body = doc.replace("  timezone: Europe/Berlin", "  timezone: *i")
    else:
        body = doc.replace("  duration_ms:\n    mean: 120\n    p99: 400", "  duration_ms:\n    samples: *i")
    assert "*i" in body
    f = tmp_path / "s.yaml"
    f.write_text(head.replace("x0:", "lol0:") + body)
    refused(capsys, "recommend", f, "expands to more than 200,000 values")


def test_the_exit_status_seen_by_the_shell(tmp_path):
    f = usage(tmp_path, "lambda: {requests: 1.0e+300, duration_ms: 100, memory_mb: 128}\n")
    proc = subprocess.run([sys.executable, "-m", "costmodel", "bill", str(f)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "lambda.requests=1e+300 is not allowed" in proc.stderr
