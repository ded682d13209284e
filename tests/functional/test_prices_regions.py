"""Regions and staleness as a user meets them: usage files and scenarios name a region, the loader
picks that region's file, and `bill`/`compare` print the price set and warn when it is old."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from costmodel.errors import UnknownNameError
from costmodel.models.pricing import PRICING_DIR, load_prices

ROOT = Path(__file__).resolve().parents[2]
US_EAST_1 = PRICING_DIR / "aws-us-east-1-2026-11-27.yaml"
OD1 = ROOT / "docs" / "examples" / "lambda-od-1.yaml"
DEFAULT = ROOT / "data" / "scenarios" / "default.yaml"


def _price_dir(tmp_path: Path, region: str, price_set: str, request_usd: float) -> Path:
    """A pricing folder with the shipped us-east-1 file and a ``region`` file whose request price differs."""
    folder = tmp_path / "pricing"
    folder.mkdir(exist_ok=True)
    shutil.copy(US_EAST_1, folder / US_EAST_1.name)
    doc = yaml.safe_load(US_EAST_1.read_text())
    doc.update(region=region, price_set=price_set)
    doc["rates"]["lambda.request"].update(value=request_usd, status="unconfirmed", note="test value")
    (folder / f"aws-{region}-{price_set}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return folder


def _run(args, folder: Path | None = None, **env):
    e = {k: v for k, v in os.environ.items() if k != "COSTMODEL_MAX_PRICE_AGE_DAYS"}
    e.update(PYTHONPATH=os.pathsep.join(sys.path), **env)
    if folder is not None:
        e["COSTMODEL_PRICING_DIR"] = str(folder)
    return subprocess.run([sys.executable, "-m", "costmodel", *args], cwd=ROOT, env=e, capture_output=True,
                          text=True, timeout=300, check=False)


def test_a_usage_file_region_selects_that_regions_prices(tmp_path):
    folder = _price_dir(tmp_path, "eu-west-1", "2026-11-28", 4e-7)
    usage = tmp_path / "od1-eu.yaml"
    usage.write_text("region: eu-west-1\n" + OD1.read_text())
    proc = _run(["bill", str(usage), "--json"], folder)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    lines = {i["name"]: i["usd"] for i in doc["items"]}
    assert lines["Lambda requests"] == 0.80  # (3M - 1M free) x $0.0000004
    assert lines["Lambda duration x86_64 tier 1"] == 2.33 and doc["prices"] == {"region": "eu-west-1",
                                                                                 "price_set": "2026-11-28"}
    text = _run(["bill", str(usage)], folder).stdout
    assert text.rstrip().endswith("Prices: eu-west-1, price set 2026-11-28 (USD list prices); "
                                  "1 rate UNCONFIRMED for eu-west-1 (see docs/pricing.md)")


def test_a_scenario_region_without_a_price_file_is_a_clear_error(tmp_path):
    raw = yaml.safe_load(DEFAULT.read_text())
    raw["region"] = "ap-south-1"
    scenario = tmp_path / "mumbai.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    proc = _run(["compare", str(scenario)])
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr.count("\n") == 1
    assert "unknown region 'ap-south-1'; known: us-east-1" in proc.stderr
    assert "costmodel prices refresh --region ap-south-1" in proc.stderr
    with pytest.raises(UnknownNameError, match="COSTMODEL_PRICING_DIR"):
        load_prices("ap-south-1")


def test_compare_prints_the_price_set_and_warns_when_it_is_stale(tmp_path):
    folder = _price_dir(tmp_path, "us-east-1", "2020-01-01", 2e-7)
    shutil.move(folder / US_EAST_1.name, tmp_path / "newer.yaml")  # only the 2020 set is left
    proc = _run(["compare", str(DEFAULT)], folder)
    assert proc.returncode == 0, proc.stderr
    assert "Prices: us-east-1, price set 2020-01-01 (USD list prices)" in proc.stdout
    assert re.fullmatch(r"WARNING: price set us-east-1 2020-01-01 is \d+ days old \(limit 180 days, set "
                        r"COSTMODEL_MAX_PRICE_AGE_DAYS to change\); refresh: costmodel prices refresh --region "
                        r"us-east-1\n", proc.stderr)
    quiet = _run(["compare", str(DEFAULT), "--json"], folder, COSTMODEL_MAX_PRICE_AGE_DAYS="100000")
    assert quiet.stderr == "" and json.loads(quiet.stdout)["prices"]["price_set"] == "2020-01-01"
    bill = _run(["bill", str(OD1), str(OD1)], folder)
    assert bill.returncode == 0 and bill.stderr.count("WARNING") == 1  # one warning per price set
