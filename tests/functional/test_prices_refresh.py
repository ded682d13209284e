"""`costmodel prices refresh` offline: botocore's Stubber stands in for the Price List Query API
(moto has no Price List API), and offer files on disk for the Bulk API.

The responses (``pricelist_fixtures``) carry the shipped us-east-1 prices in AWS's response
shape, with tiers out of order, Reserved terms beside OnDemand ones, several pages and
distractor products. The checks are published figures: AWS's Lambda and Fargate worked
examples must still come out to the cent with the refreshed file.
"""
from __future__ import annotations

import gzip
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pricelist_fixtures as fx
import pytest
from botocore.stub import Stubber

from costmodel.errors import MissingCredentialsError, PriceListError
from costmodel.models.bills import fargate_bill, lambda_bill
from costmodel.models.pricing import PRICING_DIR, load_price_file
from costmodel.prices.catalog import REGION_NAMES, sources_for
from costmodel.prices.refresh import CREDENTIALS_HELP, pricing_client, refresh_prices
from costmodel.prices.staleness import price_set_line

ROOT = Path(__file__).resolve().parents[2]
BASE = PRICING_DIR / "aws-us-east-1-2026-11-27.yaml"
#: In the order the refresh queries them: the base price file's catalogue.
INSTANCE_TYPES = list(load_price_file(BASE).ec2_instance_types)
assert set(INSTANCE_TYPES) <= {row[0] for row in fx.EC2}, "a catalogued instance type has no fixture"


def _client():
    return boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def _queries(region="us-east-1", services=None):
    """The GetProducts queries a refresh makes, in order: one per distinct (service code, filters)."""
    seen = []
    for src in sources_for(services, INSTANCE_TYPES):
        field = src.region_attribute
        value = region if field == "regionCode" else REGION_NAMES[region]
        key = (src.service_code, ((field, value),) + src.filters)
        if key not in seen:
            seen.append(key)
    return seen


def _stub_all(stubber, page_size=5):
    """Queue every query's pages; returns {service code: number of pages}."""
    calls = {}
    for code, filters in _queries():
        items = fx.products_for(code, dict(filters))
        api_filters = [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in filters]
        for n, page in enumerate(fx.pages(items, page_size)):
            params = {"ServiceCode": code, "Filters": api_filters, "FormatVersion": "aws_v1", "MaxResults": 100}
            if n:
                params["NextToken"] = f"page-{n + 1}-token=="
            stubber.add_response("get_products", page, params)
            calls[code] = calls.get(code, 0) + 1
    return calls


@pytest.fixture(scope="module")
def api_refresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("prices")
    client = _client()
    with Stubber(client) as stubber:
        calls = _stub_all(stubber)
        result = refresh_prices("us-east-1", client=client, base=BASE, output_dir=out, price_set="2026-11-29")
        stubber.assert_no_pending_responses()
    return result, load_price_file(result.path), calls


def test_every_query_and_page_is_made_once(api_refresh):
    result, _, calls = api_refresh
    assert calls["AWSLambda"] == 3  # 12 products, 5 per page: NextToken followed twice
    assert calls["AmazonEC2"] == 1 + len(INSTANCE_TYPES)  # NAT gateway + one query per instance type
    assert result.api_calls == sum(calls.values())


def test_lambda_rates_and_tiers_are_the_published_ones(api_refresh):
    _, p, _ = api_refresh
    assert p.usd("lambda.request") == 2e-7
    assert p.tiers("lambda.duration_x86_64") == ((6e9, 1.66667e-5), (15e9, 1.5e-5), (math.inf, 1.33334e-5))
    assert p.tiers("lambda.duration_arm64") == ((7.5e9, 1.33334e-5), (18.75e9, 1.20001e-5), (math.inf, 1.06667e-5))
    assert (p.usd("lambda.provisioned_x86_64"), p.usd("lambda.provisioned_arm64")) == (4.1667e-6, 3.3334e-6)
    assert p.usd("lambda.provisioned_duration_x86_64") == 9.7222e-6
    assert p.usd("lambda.provisioned_duration_arm64") == 7.7778e-6
    assert p.usd("lambda.ephemeral_storage") == 3.09e-8


def test_provenance_names_sku_rate_code_and_effective_date(api_refresh):
    _, p, _ = api_refresh
    r = p.rate("lambda.request")
    assert r.status == "aws-published" and r.retrieved != "2026-11-27"
    assert "SKU GU2ZS9HVP6QTQ7KE" in r.note and "rate code GU2ZS9HVP6QTQ7KE.JRTCKXETXF.6YS6EN2CT7" in r.note
    assert "effective 2025-10-01" in r.note and "GetProducts" in r.note
    assert r.source_url == "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AWSLambda/current/us-east-1/index.json"
    tier2 = p.rate("lambda.duration_x86_64_tier2")
    assert "(6,000,000,000 to 15,000,000,000)" in tier2.note
    assert "endRange" in p.rate("lambda.duration_x86_64_tier1_limit").note


def test_fargate_hourly_prices_become_per_second_rates(api_refresh):
    _, p, _ = api_refresh
    assert p.usd("fargate.vcpu_x86_64") == 0.04048 / 3600 and p.usd("fargate.memory_x86_64") == 0.004445 / 3600
    assert p.usd("fargate.vcpu_arm64") == 0.03238 / 3600 and p.usd("fargate.memory_arm64") == 0.00356 / 3600
    assert p.usd("fargate.os_license_windows_x86_64") == 0.046 / 3600
    assert p.usd("fargate.ephemeral_storage") == 0.000111 / 3600
    assert p.rate("fargate.vcpu_x86_64").status == "derived" and "/ 3600" in p.rate("fargate.vcpu_x86_64").note
    # AWS's per-second figures are these hourly prices / 3600, to their 5 significant digits
    shipped = load_price_file(BASE)
    for key in ("fargate.vcpu_x86_64", "fargate.memory_x86_64", "fargate.vcpu_arm64", "fargate.memory_arm64"):
        assert p.usd(key) == pytest.approx(shipped.usd(key), rel=1e-3), key


def test_aws_worked_examples_still_come_out_to_the_cent(api_refresh):
    _, p, _ = api_refresh
    assert lambda_bill(3_000_000, 120, 1536, free_tier=True, prices=p).total_usd == 2.73       # Lambda OD-1
    assert lambda_bill(6_000_000, 280, 4096, ephemeral_storage_mb=2048, free_tier=True,
                       prices=p).total_usd == 106.41                                           # Lambda OD-3
    assert fargate_bill(1, 2, 5 * 600 * 30, ephemeral_storage_gb=30, prices=p).total_usd == 1.26  # Fargate F-1
    assert fargate_bill(0.25, 1, 10 * 3600 * 30, prices=p).total_usd == 4.37                   # Fargate F-3


def test_ec2_takes_the_on_demand_term_not_the_reserved_ones(api_refresh):
    _, p, _ = api_refresh
    for name, _, _, usd in fx.EC2:
        assert p.usd(f"ec2.{name}") == usd, name
    assert p.usd("ec2.m7g.large") != fx.RESERVED[0][2]


def test_front_door_and_glue_services(api_refresh):
    _, p, _ = api_refresh
    assert (p.usd("alb.hour"), p.usd("alb.lcu_hour")) == (0.0225, 0.008)
    assert p.tiers("api_gateway.rest") == ((333e6, 3.5e-6), (1e9, 2.8e-6), (20e9, 2.38e-6), (math.inf, 1.51e-6))
    assert p.tiers("api_gateway.http") == ((300e6, 1e-6), (math.inf, 9e-7))
    assert (p.usd("sqs.standard_request"), p.usd("sqs.fifo_request")) == (4e-7, 5e-7)
    assert "first paid tier of 3" in p.rate("sqs.standard_request").note
    assert (p.usd("dynamodb.read_request_unit"), p.usd("dynamodb.write_request_unit")) == (1.25e-7, 6.25e-7)
    assert (p.usd("logs.ingestion"), p.usd("logs.storage")) == (0.5, 0.03)
    assert (p.usd("nat.hour"), p.usd("nat.processed_gb"), p.usd("vpc.public_ipv4_hour")) == (0.045, 0.045, 0.005)
    assert p.tiers("data_transfer.out") == ((10240, 0.09), (51200, 0.085), (153600, 0.07), (math.inf, 0.05))


def test_rates_the_api_does_not_carry_keep_value_and_status(api_refresh):
    result, p, _ = api_refresh
    shipped = load_price_file(BASE)
    kept = dict(result.kept)
    for key in ("fargate.spot_discount", "ec2.savings_plan_discount", "alb.lcu_new_connections_per_s",
                "lambda.free_gb_s", "lambda.snapstart_cache", "logs.lambda_tier1", "ec2.hours_per_month"):
        assert p.rate(key) == shipped.rate(key), key
        assert key in kept
    assert "not confirmed" in kept["lambda.snapstart_cache"]
    assert set(p.keys()) == set(shipped.keys())
    changed = [c.key for c in result.refreshed if c.changed]
    assert all(k.startswith("fargate.") for k in changed), changed  # only the per-second conversions differ
    assert "Copied from the base because the Price List lookup failed" not in result.to_text()


def _write_offer_files(folder: Path) -> list[Path]:
    paths, by_code = [], {}
    for code, filters in _queries():
        by_code.setdefault(code, {})
        for item in fx.products_for(code, dict(filters)):
            by_code[code][item["product"]["sku"]] = item
    for code, items in by_code.items():
        doc = fx.offer_file(code, list(items.values()))
        if code == "AmazonEC2":  # offer files may be gzipped
            path = folder / f"{code}-us-east-1.json.gz"
            with gzip.open(path, "wt", encoding="utf-8") as fh:
                json.dump(doc, fh)
        else:
            path = folder / f"{code}-us-east-1.json"
            path.write_text(json.dumps(doc))
        paths.append(path)
    return paths


def test_offer_files_on_disk_give_the_same_rates_as_the_api(api_refresh, tmp_path):
    result_api, _, _ = api_refresh
    files = _write_offer_files(tmp_path)
    result = refresh_prices("us-east-1", offer_files=files, base=BASE, write=False, price_set="2026-11-29")
    assert result.api_calls == 0 and "bulk offer files" in result.origin
    values = {c.key: c.new_value for c in result.refreshed}
    assert values == {c.key: c.new_value for c in result_api.refreshed}
    assert "offer file" in next(c.note for c in result.refreshed if c.key == "lambda.request")


def test_another_region_copies_usd_rates_as_unconfirmed(tmp_path):
    offer = tmp_path / "AWSLambda-eu-west-1.json"
    offer.write_text(json.dumps(fx.offer_file("AWSLambda", fx.lambda_products("eu-west-1", "EU-"))))
    result = refresh_prices("eu-west-1", offer_files=[offer], base=BASE, output_dir=tmp_path, price_set="2026-11-29")
    p = load_price_file(result.path)
    assert p.region == "eu-west-1" and p.rate("lambda.request").status == "aws-published"
    assert "eu-west-1/index.json" in p.rate("lambda.request").source_url
    nat = p.rate("nat.hour")
    assert nat.status == "unconfirmed" and "UNCONFIRMED for eu-west-1" in nat.note and "us-east-1" in nat.note
    assert p.rate("fargate.minimum_s").status == "aws-published"      # a billing rule, not a price
    assert p.rate("fargate.spot_discount").status == "assumption"     # assumptions stay assumptions
    assert dict(result.kept)["nat.hour"].startswith("not in the Price List source: no offer file for AmazonEC2")
    n = sum(1 for r in p.rates.values() if r.status == "unconfirmed")
    assert n > 20 and f"{n} rates UNCONFIRMED for eu-west-1" in price_set_line(p)


def test_ambiguous_or_missing_products_are_copied_with_the_reason(tmp_path):
    items = fx.products_for("AWSLambda", {})
    twin = json.loads(json.dumps(items[0]))
    twin["product"]["sku"] = "ZZZZ9HVP6QTQ7KEX"
    items = [i for i in items if i["product"]["attributes"]["usagetype"] != "Lambda-Storage-GB-Second"] + [twin]
    client = _client()
    with Stubber(client) as stubber:
        stubber.add_response("get_products", fx.pages(items, 100)[0])
        result = refresh_prices("us-east-1", services=["lambda"], client=client, base=BASE, write=False)
    kept = dict(result.kept)
    assert "ambiguous: 2 products" in kept["lambda.request"] and "ZZZZ9HVP6QTQ7KEX" in kept["lambda.request"]
    assert kept["lambda.ephemeral_storage"].startswith("no product matched")
    assert kept["fargate.vcpu_x86_64"] == "service not refreshed (--services)"
    assert result.document["rates"]["lambda.request"]["value"] == 2e-7
    assert "lookup failed" in result.to_text()


def test_alb_found_under_the_ec2_service_code_when_awselb_has_none():
    client = _client()
    alb = fx.products_for("AWSELB", {})
    for item in alb:
        item["serviceCode"] = item["product"]["attributes"]["servicecode"] = "AmazonEC2"
    with Stubber(client) as stubber:
        stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": []})
        stubber.add_response("get_products", fx.pages(alb, 100)[0],
                             {"ServiceCode": "AmazonEC2", "FormatVersion": "aws_v1", "MaxResults": 100,
                              "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"},
                                          {"Type": "TERM_MATCH", "Field": "productFamily",
                                           "Value": "Load Balancer-Application"},
                                          {"Type": "TERM_MATCH", "Field": "locationType", "Value": "AWS Region"}]})
        result = refresh_prices("us-east-1", services=["elb"], client=client, base=BASE, write=False)
        stubber.assert_no_pending_responses()
    got = {c.key: c.new_value for c in result.refreshed}
    assert got == {"alb.hour": 0.0225, "alb.lcu_hour": 0.008}


def test_api_errors_are_one_line_price_list_errors():
    client = _client()
    with Stubber(client) as stubber:
        stubber.add_client_error("get_products", "AccessDeniedException",
                                 "User is not authorized to perform: pricing:GetProducts")
        with pytest.raises(PriceListError, match="AccessDeniedException: User is not authorized"):
            refresh_prices("us-east-1", services=["lambda"], client=client, base=BASE, write=False)


def _no_credentials_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
               AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=os.pathsep.join(sys.path))
    return env


def test_no_credentials_is_a_one_line_error_with_what_to_set(tmp_path, monkeypatch):
    proc = subprocess.run([sys.executable, "-m", "costmodel", "prices", "refresh", "--region", "us-east-1",
                           "--dry-run"], cwd=ROOT, env=_no_credentials_env(tmp_path), capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "AWS_PROFILE" in proc.stderr and "AWS_ACCESS_KEY_ID" in proc.stderr and "--offer-file" in proc.stderr
    for k in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(k)
    for k, v in _no_credentials_env(tmp_path).items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)
    with pytest.raises(MissingCredentialsError) as exc:
        pricing_client()
    assert str(exc.value) == CREDENTIALS_HELP


def test_cli_refresh_from_offer_files(tmp_path):
    files = _write_offer_files(tmp_path)
    args = [sys.executable, "-m", "costmodel", "prices", "refresh", "--region", "us-east-1", "--base", str(BASE),
            "--output-dir", str(tmp_path / "out"), "--date", "2026-11-29", "--services", "lambda,fargate", "ec2"]
    for f in files:
        args += ["--offer-file", str(f)]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    written = tmp_path / "out" / "aws-us-east-1-2026-11-29.yaml"
    assert f"written: {written}" in proc.stdout and "fargate.vcpu_x86_64" in proc.stdout
    p = load_price_file(written)
    assert p.rate("ec2.t3.medium").status == "aws-published"
    shipped = load_price_file(BASE)
    assert p.rate("alb.hour") == shipped.rate("alb.hour")  # elb not asked for: copied as shipped
    again = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 2 and "--force" in again.stderr


def test_another_region_notes_whose_value_an_assumed_price_is(tmp_path):
    offer = tmp_path / "AWSLambda-eu-west-1.json"
    offer.write_text(json.dumps(fx.offer_file("AWSLambda", fx.lambda_products("eu-west-1", "EU-"))))
    doc = refresh_prices("eu-west-1", offer_files=[offer], base=BASE, write=False).document
    tier = doc["rates"]["logs.lambda_tier1"]
    assert tier["status"] == "assumption" and tier["note"].startswith("UNCONFIRMED for eu-west-1: the us-east-1 value")
