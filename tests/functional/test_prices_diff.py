"""`costmodel prices diff A B`: rate differences and their effect on the canonical scenarios."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

from costmodel.analysis.compare import OPTIONS, compare
from costmodel.errors import InvalidParameterError
from costmodel.models.pricing import PRICING_DIR
from costmodel.prices.diff import diff_prices

ROOT = Path(__file__).resolve().parents[2]
A = PRICING_DIR / "aws-us-east-1-2026-11-27.yaml"
DEFAULT = ROOT / "data" / "scenarios" / "default.yaml"
STEADY = ROOT / "data" / "scenarios" / "steady-high-throughput-api.yaml"


def _variant(tmp_path: Path, price_set: str, change) -> Path:
    doc = yaml.safe_load(A.read_text())
    doc["price_set"] = price_set
    change(doc["rates"])
    path = tmp_path / f"aws-us-east-1-{price_set}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _cents(x: float) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_an_identical_copy_changes_nothing(tmp_path):
    b = _variant(tmp_path, "2027-01-01", lambda rates: None)
    d = diff_prices(A, b, scenarios=[DEFAULT])
    assert d.rates == ()
    (e,) = d.effects
    # every option the comparison offers for this workload (no Fargate Spot: not interruption-tolerant)
    assert e.monthly_usd_a == e.monthly_usd_b and "lambda" in e.monthly_usd_a and set(e.monthly_usd_a) <= set(OPTIONS)
    assert e.verdict_a == e.verdict_b and e.verdict_a.startswith("serverless") and not e.verdict_changed
    assert "0 rates changed" in d.to_text()


def test_a_dearer_request_moves_only_the_lambda_bill_by_its_request_line(tmp_path):
    def double(rates):
        rates["lambda.request"]["value"] = 4e-7

    b = _variant(tmp_path, "2027-01-02", double)
    d = diff_prices(A, b, scenarios=[DEFAULT], verdicts=False)
    (r,) = d.rates
    assert (r.key, r.kind, r.old, r.new, r.relative_change) == ("lambda.request", "changed", 2e-7, 4e-7, 1.0)
    (e,) = d.effects
    requests = next(i for i in compare(DEFAULT).bills["lambda"].items if i.name == "Lambda requests").quantity
    expected = float(_cents(requests * 4e-7) - _cents(requests * 2e-7))
    assert e.delta_usd("lambda") == pytest.approx(expected, abs=1e-9) and expected > 0
    for option in e.monthly_usd_a:
        if option != "lambda":
            assert e.delta_usd(option) == 0.0, option
    assert e.verdict_a is None and "verdict not computed" in d.to_text()


def test_dearer_lambda_duration_flips_the_sustained_throughput_verdict(tmp_path):
    # like for like (one ALB in front of both) the steady API costs 1.6x on Lambda: serverless;
    # five times the duration price takes it past the rule's 2x
    def five_times(rates):
        for key in [k for k in rates if k.startswith("lambda.duration_")]:
            if not key.endswith("_limit"):
                rates[key]["value"] *= 5

    b = _variant(tmp_path, "2027-01-03", five_times)
    d = diff_prices(A, b, scenarios=[STEADY])
    (e,) = d.effects
    threshold = yaml.safe_load((ROOT / "data" / "hard_limits.yaml").read_text())[
        "when_not_to_use"]["sustained_high_throughput"]["lambda_to_container_cost_ratio_at_least"]
    considered = yaml.safe_load((ROOT / "data" / "decision_signals.yaml").read_text())[
        "signals"]["cost_model"]["container_options"]
    cheapest = min(e.monthly_usd_a[o] for o in considered)
    assert cheapest == min(e.monthly_usd_b[o] for o in considered)
    assert e.monthly_usd_a["lambda"] / cheapest < threshold <= e.monthly_usd_b["lambda"] / cheapest
    assert e.verdict_a.startswith("serverless") and e.verdict_b.startswith("containers") and e.verdict_changed
    assert "VERDICT CHANGED" in d.to_text()


def test_another_tier_ladder_gives_bills_without_a_verdict(tmp_path):
    def fifth(rates):
        rates["api_gateway.rest_tier4_limit"] = dict(rates["api_gateway.rest_tier3_limit"], value=4e10)
        rates["api_gateway.rest_tier5"] = dict(rates["api_gateway.rest_tier4"], value=1.2e-6)

    b = _variant(tmp_path, "2027-01-04", fifth)
    d = diff_prices(A, b, scenarios=[DEFAULT])
    assert [(r.key, r.kind) for r in d.rates] == [("api_gateway.rest_tier4_limit", "added"),
                                                  ("api_gateway.rest_tier5", "added")]
    (e,) = d.effects
    assert e.monthly_usd_a == e.monthly_usd_b  # 5 req/s is far below 20B requests a month
    assert e.verdict_a is None and any("other rate keys" in n for n in e.notes)


def test_cli_diff_text_json_and_errors(tmp_path):
    b = _variant(tmp_path, "2027-01-05", lambda r: r["nat.hour"].update(value=0.05))
    base = [sys.executable, "-m", "costmodel", "prices", "diff", A.name, str(b)]
    proc = subprocess.run(base + ["--no-scenarios"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "nat.hour" in proc.stdout and "+11.11%" in proc.stdout
    proc = subprocess.run(base + ["--scenario", str(DEFAULT), "--no-verdicts", "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    doc = json.loads(proc.stdout)
    assert [r["key"] for r in doc["rates"]] == ["nat.hour"]
    (s,) = doc["scenarios"]
    # Lambda runs outside a VPC: no NAT; each container option pays one NAT gateway for 730 h (+$0.005/h)
    assert s["monthly_usd_a"]["lambda"] == s["monthly_usd_b"]["lambda"]
    for option in s["monthly_usd_a"]:
        if option != "lambda":
            assert s["monthly_usd_b"][option] - s["monthly_usd_a"][option] == pytest.approx(730 * 0.005, abs=0.006)
    bad = subprocess.run(base[:-1] + ["no-such-file.yaml"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=False)
    assert bad.returncode == 2 and "no-such-file.yaml" in bad.stderr and "aws-us-east-1-2026-11-27.yaml" in bad.stderr
    with pytest.raises(InvalidParameterError):
        diff_prices(A, tmp_path / "aws-us-east-1-2027-13-01.yaml", scenarios=[])
