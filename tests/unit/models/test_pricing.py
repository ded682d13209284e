"""The price loader: provenance of every rate, names listed on errors, overrides."""
from __future__ import annotations

import datetime as dt
import math
import shutil

import pytest

from costmodel.errors import InvalidParameterError, ScenarioError, UnknownNameError
from costmodel.models.pricing import PRICING_DIR, STATUSES, Prices, Rate, list_price_sets, load_prices


@pytest.fixture(scope="module")
def prices() -> Prices:
    return load_prices()


def test_default_is_us_east_1_latest(prices):
    assert prices.region == "us-east-1"
    assert ("us-east-1", prices.price_set) in list_price_sets()
    assert prices.price_set == max(s for r, s in list_price_sets("us-east-1"))


def test_every_rate_has_provenance(prices):
    assert len(prices.keys()) > 50
    for key in prices.keys():  # noqa: SIM118 - Prices is not a dict: keys() is its API
        r = prices.rate(key)
        assert isinstance(r, Rate) and r.key == key
        assert r.status in STATUSES and r.status != "override", key
        assert r.source_url.startswith("https://"), key
        dt.date.fromisoformat(r.retrieved)
        assert r.unit, key
        assert math.isfinite(r.value) and r.value >= 0, key


# Values typed from ../shared/reference/aws-pricing.md (with their status there).
PUBLISHED = {
    "lambda.request": (0.20 / 1e6, "aws-published"),
    "lambda.duration_x86_64_tier1": (0.0000166667, "aws-published"),
    "lambda.duration_x86_64_tier2": (0.0000150000, "aws-published"),
    "lambda.duration_x86_64_tier3": (0.0000133334, "aws-published"),
    "lambda.duration_arm64_tier1": (0.0000133334, "aws-published"),
    "lambda.duration_arm64_tier2": (0.0000120001, "aws-published"),
    "lambda.duration_arm64_tier3": (0.0000106667, "aws-published"),
    "lambda.free_requests": (1_000_000, "aws-published"),
    "lambda.free_gb_s": (400_000, "aws-published"),
    "lambda.provisioned_x86_64": (0.0000041667, "aws-published"),
    "lambda.provisioned_duration_x86_64": (0.0000097222, "aws-published"),
    "lambda.provisioned_arm64": (0.0000033334, "aws-published"),
    "lambda.provisioned_duration_arm64": (0.0000077778, "aws-published"),
    "lambda.ephemeral_storage": (0.0000000309, "aws-published"),
    "lambda.snapstart_cache": (0.0000015046, "aws-published"),
    "lambda.snapstart_restore": (0.0001397998, "aws-published"),
    "fargate.vcpu_x86_64": (0.000011244, "aws-published"),
    "fargate.memory_x86_64": (0.000001235, "aws-published"),
    "fargate.vcpu_arm64": (0.0000089944, "aws-published"),
    "fargate.memory_arm64": (0.0000009889, "aws-published"),
    "fargate.ephemeral_storage": (0.0000000308, "aws-published"),
    "ec2.m7g.large": (0.0816, "third-party"),
    "ec2.m7i.large": (0.1008, "third-party"),
    "ec2.m6i.large": (0.096, "third-party"),
    "ec2.c7g.large": (0.0725, "third-party"),
    "ec2.t4g.small": (0.0168, "third-party"),
    "ec2.t4g.medium": (0.0336, "third-party"),
    "ec2.t3.medium": (0.0416, "third-party"),
    "ec2.hours_per_month": (730, "third-party"),
    "ec2.m7g.xlarge": (0.1632, "aws-published"),  # AWS's Lambda Managed Instances example
    "lambda.esm_epu_hour_kafka": (0.185, "aws-published"),
    "lambda.esm_epu_hour_sqs": (0.00925, "aws-published"),
    "lambda.tenant_isolation_x86_64": (0.000167, "aws-published"),
    "api_gateway.rest_tier1": (3.50 / 1e6, "aws-published"),
    "api_gateway.http_tier1": (1.00 / 1e6, "aws-published"),
    "api_gateway.http_tier2": (0.90 / 1e6, "aws-published"),
    "alb.hour": (0.0225, "third-party"),
    "alb.lcu_hour": (0.008, "third-party"),
    "sqs.standard_request": (0.40 / 1e6, "third-party"),
    "dynamodb.write_request_unit": (0.625 / 1e6, "third-party"),
    "dynamodb.read_request_unit": (0.125 / 1e6, "third-party"),
    "logs.ingestion": (0.50, "third-party"),
    "nat.hour": (0.045, "aws-published"),
    "nat.processed_gb": (0.045, "aws-published"),
    "vpc.public_ipv4_hour": (0.005, "aws-published"),
    "vpc.interface_endpoint_hour": (0.01, "aws-published"),
    "vpc.interface_endpoint_gb": (0.01, "aws-published"),
    "data_transfer.out_tier1": (0.09, "third-party"),
}


@pytest.mark.parametrize("key", sorted(PUBLISHED))
def test_values_match_the_reference(prices, key):
    value, status = PUBLISHED[key]
    assert prices.usd(key) == pytest.approx(value, rel=1e-12)
    assert prices.rate(key).status == status


def test_fargate_spot_discount_is_an_expected_figure_not_the_up_to_maximum(prices):
    # AWS: "up to a 70% discount" (reference section 3); the shipped figure is the expected one
    rate = prices.rate("fargate.spot_discount")
    assert rate.status == "assumption" and 0.5 <= rate.value < 0.70
    assert "up to 70%" in rate.note and rate.source_url.startswith("https://")


def test_discounts_and_unconfirmed_values_are_marked_assumptions(prices):
    for key in ("fargate.spot_discount", "fargate.savings_plan_discount", "ec2.savings_plan_discount",
                "ec2.reserved_discount", "logs.lambda_tier2"):
        assert prices.rate(key).status == "assumption"
        assert 0 <= prices.value(key) <= 1 or key.startswith("logs")


def test_tiers(prices):
    assert prices.tiers("lambda.duration_x86_64") == (
        (6e9, 0.0000166667), (15e9, 0.0000150000), (math.inf, 0.0000133334))
    assert prices.tiers("lambda.duration_arm64")[:2] == ((7.5e9, 0.0000133334), (18.75e9, 0.0000120001))
    assert [t[0] for t in prices.tiers("api_gateway.rest")] == [333e6, 1e9, 20e9, math.inf]
    with pytest.raises(UnknownNameError) as exc:
        prices.tiers("lambda.duration_sparc")
    assert "lambda.duration_x86_64" in str(exc.value)


def test_fargate_task_sizes_table(prices):
    sizes = prices.fargate_task_sizes
    assert sizes[0.25] == (0.5, 1.0, 2.0)
    assert sizes[0.5] == (1.0, 2.0, 3.0, 4.0)
    assert sizes[4.0][0] == 8.0 and sizes[4.0][-1] == 30.0 and len(sizes[4.0]) == 23
    assert sizes[8.0] == tuple(float(g) for g in range(16, 61, 4))
    assert sizes[16.0] == tuple(float(g) for g in range(32, 121, 8))


def test_ec2_catalogue(prices):
    assert set(prices.ec2_instance_types) == {
        "m7g.large", "m7g.xlarge", "m7i.large", "m7i.xlarge", "m6i.large", "m6g.large", "c7g.large", "c7i.large",
        "t4g.small", "t3.small", "t4g.medium", "t3.medium"}
    # every type names its same-family, same-size counterpart in the other architecture
    for name, spec in prices.ec2_instance_types.items():
        other = prices.instance_type(spec["counterpart"])
        assert other["architecture"] != spec["architecture"] and other["vcpu"] == spec["vcpu"]
        assert other["counterpart"] == name
    spec = prices.instance_type("c7g.large")
    assert spec["vcpu"] == 2 and spec["memory_gib"] == 4 and spec["architecture"] == "arm64"
    assert spec["usd_per_hour"] == 0.0725
    with pytest.raises(UnknownNameError, match="t4g.medium"):
        prices.instance_type("m5.large")


def test_unknown_region_lists_regions():
    with pytest.raises(UnknownNameError) as exc:
        load_prices("eu-west-9")
    assert "us-east-1" in str(exc.value) and "eu-west-9" in str(exc.value)


def test_unknown_price_set_lists_sets():
    with pytest.raises(UnknownNameError) as exc:
        load_prices("us-east-1", "1999-01-01")
    assert "2026-11-27" in str(exc.value)


def test_unknown_key_lists_keys(prices):
    with pytest.raises(UnknownNameError) as exc:
        prices.usd("lambda.requests")
    assert "lambda.request" in exc.value.known


def test_override_dict_returns_new_prices(prices):
    cheaper = prices.with_overrides({"lambda.duration_x86_64_tier1": 0.000015})
    assert cheaper.usd("lambda.duration_x86_64_tier1") == 0.000015
    assert cheaper.rate("lambda.duration_x86_64_tier1").status == "override"
    assert prices.usd("lambda.duration_x86_64_tier1") == 0.0000166667  # unchanged
    assert load_prices().usd("lambda.duration_x86_64_tier1") == 0.0000166667  # shipped file untouched


def test_override_with_provenance_mapping(prices):
    p = prices.with_overrides({"ec2.m7g.large": {"value": 0.07, "note": "EDP", "source_url": "contract 42"}})
    r = p.rate("ec2.m7g.large")
    assert (r.value, r.note, r.source_url, r.status) == (0.07, "EDP", "contract 42", "override")


def test_override_errors(prices):
    with pytest.raises(UnknownNameError) as exc:
        prices.with_overrides({"lambda.reqest": 1e-7})
    assert "lambda.request" in str(exc.value)
    with pytest.raises(InvalidParameterError):
        prices.with_overrides({"lambda.request": -1})
    with pytest.raises(InvalidParameterError):
        prices.with_overrides({"lambda.request": "cheap"})
    with pytest.raises(InvalidParameterError):
        prices.with_overrides({"lambda.request": math.nan})
    with pytest.raises(UnknownNameError):
        prices.with_overrides({"lambda.request": {"value": 1e-7, "colour": "red"}})


def test_override_file_and_load_prices_overrides(tmp_path):
    f = tmp_path / "negotiated.yaml"
    f.write_text("rates:\n  fargate.spot_discount:\n    value: 0.6\n    note: observed\n  nat.hour: 0.05\n")
    p = load_prices(overrides=f)
    assert p.value("fargate.spot_discount") == 0.6 and p.usd("nat.hour") == 0.05
    assert load_prices(overrides=str(f)).usd("nat.hour") == 0.05


def test_another_region_file_is_found(tmp_path):
    src = next(PRICING_DIR.glob("aws-us-east-1-*.yaml"))
    text = src.read_text().replace("region: us-east-1", "region: eu-west-1")
    text = text.replace('price_set: "2026-11-27"', 'price_set: "2027-01-01"')
    (tmp_path / "aws-eu-west-1-2027-01-01.yaml").write_text(text)
    shutil.copy(src, tmp_path / src.name)
    assert ("eu-west-1", "2027-01-01") in list_price_sets(directory=tmp_path)
    p = load_prices("eu-west-1", directory=tmp_path)
    assert (p.region, p.price_set) == ("eu-west-1", "2027-01-01")
    with pytest.raises(UnknownNameError, match="eu-west-1"):
        load_prices("ap-south-1", directory=tmp_path)


def test_file_whose_content_contradicts_its_name_is_rejected(tmp_path):
    src = next(PRICING_DIR.glob("aws-us-east-1-*.yaml"))
    (tmp_path / "aws-eu-west-1-2027-01-01.yaml").write_text(src.read_text())
    with pytest.raises(ScenarioError, match="region"):
        load_prices("eu-west-1", directory=tmp_path)


def test_to_frame(prices):
    frame = prices.to_frame()
    assert frame.loc["lambda.request", "status"] == "aws-published"
    assert set(frame["status"]) <= set(STATUSES)


def test_docs_pricing_table_matches_the_data(prices):
    """docs/pricing.md lists every shipped rate with the same value and status."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "pricing.md").read_text()
    rows = {m[1]: (float(m[2]), m[3]) for m in re.finditer(r"^\| `([^`]+)` \| ([0-9.e+-]+) \| [^|]* \| ([a-z-]+) \|", doc, re.M)}
    assert set(rows) == set(prices.keys())
    for key, (value, status) in rows.items():
        assert value == pytest.approx(prices.value(key), rel=1e-9), key
        assert status == prices.rate(key).status, key
