"""Parsing Price List records and choosing the price dimensions of a rate (no I/O)."""
from __future__ import annotations

import json
import math

import pytest

from costmodel.errors import PriceListError, UnknownNameError
from costmodel.prices.catalog import SERVICES, RateSource, sources_for, usagetype_matches
from costmodel.prices.pricelist import parse_price_list_item, products_from_offer
from costmodel.prices.refresh import _resolve

# The AWS CLI documentation's get-products example output (EBS io1 in Singapore): one PriceList string.
CLI_EXAMPLE = (
    '{"product":{"productFamily":"Storage","attributes":{"storageMedia":"SSD-backed","maxThroughputvolume":'
    '"320 MB/sec","volumeType":"Provisioned IOPS","maxIopsvolume":"20000","servicecode":"AmazonEC2","usagetype":'
    '"APS1-EBS:VolumeUsage.piops","locationType":"AWS Region","location":"Asia Pacific (Singapore)","servicename":'
    '"Amazon Elastic Compute Cloud","maxVolumeSize":"16 TiB","operation":""},"sku":"3MKHN58N7RDDVGKJ"},'
    '"serviceCode":"AmazonEC2","terms":{"OnDemand":{"3MKHN58N7RDDVGKJ.JRTCKXETXF":{"priceDimensions":'
    '{"3MKHN58N7RDDVGKJ.JRTCKXETXF.6YS6EN2CT7":{"unit":"GB-Mo","endRange":"Inf","description":"$0.138 per '
    'GB-month of Provisioned IOPS SSD (io1)  provisioned storage - Asia Pacific (Singapore)","appliesTo":[],'
    '"rateCode":"3MKHN58N7RDDVGKJ.JRTCKXETXF.6YS6EN2CT7","beginRange":"0","pricePerUnit":{"USD":"0.1380000000"}}},'
    '"sku":"3MKHN58N7RDDVGKJ","effectiveDate":"2018-08-01T00:00:00Z","offerTermCode":"JRTCKXETXF",'
    '"termAttributes":{}}}},"version":"20180808005701","publicationDate":"2018-08-08T00:57:01Z"}'
)


def test_the_aws_cli_example_item_parses():
    p = parse_price_list_item(CLI_EXAMPLE)
    assert (p.sku, p.service_code, p.product_family) == ("3MKHN58N7RDDVGKJ", "AmazonEC2", "Storage")
    assert p.attribute("usagetype") == "APS1-EBS:VolumeUsage.piops" and p.attribute("productFamily") == "Storage"
    (term,) = p.terms_of("OnDemand")
    assert (term.offer_term_code, term.effective_date) == ("JRTCKXETXF", "2018-08-01")
    (d,) = term.dimensions
    assert (d.usd, d.unit, d.begin, d.end) == (0.138, "GB-Mo", 0.0, math.inf)
    assert d.rate_code == "3MKHN58N7RDDVGKJ.JRTCKXETXF.6YS6EN2CT7"


def _item(dims, usagetype="Lambda-GB-Second", family="Serverless", sku="SKU1", region="us-east-1", terms=None):
    dimensions = {f"{sku}.JRTCKXETXF.R{i}": {"unit": "Lambda-GB-Second", "beginRange": b, "endRange": e,
                                             "rateCode": f"{sku}.JRTCKXETXF.R{i}", "pricePerUnit": {"USD": u}}
                  for i, (b, e, u) in enumerate(dims)}
    return json.dumps({"product": {"sku": sku, "productFamily": family,
                                   "attributes": {"usagetype": usagetype, "regionCode": region}},
                       "serviceCode": "AWSLambda",
                       "terms": terms or {"OnDemand": {f"{sku}.JRTCKXETXF": {
                           "offerTermCode": "JRTCKXETXF", "effectiveDate": "2025-10-01T00:00:00Z",
                           "priceDimensions": dimensions}}}})


def test_dimensions_are_sorted_by_range_whatever_the_json_order():
    p = parse_price_list_item(_item([("15000000000", "Inf", "0.0000133334"), ("0", "6000000000", "0.0000166667"),
                                     ("6000000000", "15000000000", "0.0000150000")]))
    dims = p.terms_of("OnDemand")[0].dimensions
    assert [(d.begin, d.end) for d in dims] == [(0, 6e9), (6e9, 15e9), (15e9, math.inf)]


@pytest.mark.parametrize("text, match", [
    ("not json", "not JSON"),
    ('{"terms": {}}', "product"),
    (_item([("0", "Inf", "abc")]), "USD price 'abc'"),
    (_item([("0", "lots", "0.1")]), "range 'lots'"),
])
def test_malformed_items_name_the_problem(text, match):
    with pytest.raises(PriceListError, match=match):
        parse_price_list_item(text, "page 1 item 3")


def test_missing_usd_price_is_an_error():
    item = json.loads(_item([("0", "Inf", "1")]))
    dims = item["terms"]["OnDemand"]["SKU1.JRTCKXETXF"]["priceDimensions"]
    next(iter(dims.values()))["pricePerUnit"] = {"CNY": "1.0"}
    with pytest.raises(PriceListError, match="no USD price"):
        parse_price_list_item(json.dumps(item))


def test_offer_file_terms_are_joined_to_their_products():
    doc = {"offerCode": "AWSLambda", "version": "v1", "products": {
        "A": {"sku": "A", "productFamily": "Serverless", "attributes": {"usagetype": "Request"}},
        "B": {"sku": "B", "productFamily": "Serverless", "attributes": {"usagetype": "Request-ARM"}}},
        "terms": {"OnDemand": {"A": {"A.JRTCKXETXF": {"offerTermCode": "JRTCKXETXF", "priceDimensions": {
            "A.JRTCKXETXF.X": {"unit": "Requests", "pricePerUnit": {"USD": "0.0000002"}}}}}}}}
    offer = products_from_offer(doc)
    by_sku = {p.sku: p for p in offer.products}
    assert by_sku["A"].terms_of("OnDemand")[0].dimensions[0].usd == 2e-7
    assert by_sku["B"].terms == ()
    with pytest.raises(PriceListError, match="not an AWS offer file"):
        products_from_offer({"offerCode": "x"})


@pytest.mark.parametrize("usagetype, base, ok", [
    ("Lambda-GB-Second", "Lambda-GB-Second", True),          # us-east-1: no prefix
    ("USE1-Fargate-GB-Hours", "Fargate-GB-Hours", True),
    ("EU-Lambda-GB-Second", "Lambda-GB-Second", True),        # eu-west-1's prefix has no digit
    ("APN1-Request", "Request", True),
    ("Lambda-GB-Second-ARM", "Lambda-GB-Second", False),
    ("USE1-IA-ReadRequestUnits", "ReadRequestUnits", False),  # the Standard-IA table class
    ("IA-ReadRequestUnits", "ReadRequestUnits", False),
    ("Global-Request", "Request", False),                     # the free-tier product
    ("USE1-SpotUsage:Fargate-vCPU-Hours:perCPU", "Fargate-vCPU-Hours:perCPU", False),
    ("USE1-Fargate-EphemeralStorage-GB-Hours", "Fargate-GB-Hours", False),
])
def test_usagetype_region_prefix_is_optional_and_only_a_region_prefix(usagetype, base, ok):
    assert usagetype_matches(usagetype, base) is ok


def _source(mode, **kw):
    return RateSource(key="x.rate", service="lambda", service_codes=("AWSLambda",),
                      filters=(("productFamily", "Serverless"),), usagetype="Lambda-GB-Second", mode=mode, **kw)


def _products(*items):
    return [parse_price_list_item(i) for i in items]


def test_single_price_rejects_a_tiered_product():
    found = _resolve(_source("single"), _products(_item([("0", "10", "1"), ("10", "Inf", "0.5")])), "us-east-1")
    assert isinstance(found, str) and "expected one price, found 2 tiers (0-10, 10-inf)" in found


def test_first_paid_skips_a_free_first_tier():
    found = _resolve(_source("first_paid"), _products(_item([("0", "5", "0"), ("5", "Inf", "0.5")])), "us-east-1")
    assert found.dimensions[0].usd == 0.5 and "first paid tier of 2" in found.notes[0]


def test_tiers_must_run_from_zero_to_inf_without_gaps_and_not_start_free():
    gap = _resolve(_source("tiers"), _products(_item([("0", "10", "1"), ("20", "Inf", "0.5")])), "us-east-1")
    assert "not contiguous" in gap
    free = _resolve(_source("tiers"), _products(_item([("0", "10", "0"), ("10", "Inf", "0.5")])), "us-east-1")
    assert "is free" in free


def test_region_family_and_usage_type_all_have_to_match():
    items = [_item([("0", "Inf", "1")], region="eu-west-1", sku="EU"),
             _item([("0", "Inf", "1")], family="Serverless Edge", sku="EDGE"),
             _item([("0", "Inf", "1")], usagetype="Lambda-GB-Second-ARM", sku="ARM")]
    assert _resolve(_source("single"), _products(*items), "us-east-1").startswith("no product matched")
    assert _resolve(_source("single"), _products(*items), "eu-west-1").product.sku == "EU"


def test_the_latest_of_several_on_demand_terms_is_used():
    terms = {"OnDemand": {f"SKU1.T{n}": {"offerTermCode": f"T{n}", "effectiveDate": d, "priceDimensions": {
        f"SKU1.T{n}.R": {"unit": "Lambda-GB-Second", "pricePerUnit": {"USD": u}}}}
        for n, (d, u) in enumerate([("2025-10-01T00:00:00Z", "2"), ("2026-12-01T00:00:00Z", "1")])},
        "Reserved": {"SKU1.R1": {"offerTermCode": "R1", "effectiveDate": "2027-01-01T00:00:00Z",
                                 "priceDimensions": {"SKU1.R1.R": {"unit": "Hrs", "pricePerUnit": {"USD": "0.1"}}}}}}
    found = _resolve(_source("single"), _products(_item([], terms=terms)), "us-east-1")
    assert found.dimensions[0].usd == 1.0 and found.term.effective_date == "2026-12-01"
    assert "2 OnDemand terms" in found.notes[0]


def test_unit_is_checked_where_it_is_converted():
    src = _source("single", per=3600.0, unit_pattern=r"(?i)^(?:.*-)?(?:hours?|hrs)$")
    found = _resolve(src, _products(_item([("0", "Inf", "1")])), "us-east-1")
    assert "unit 'Lambda-GB-Second' is not the unit the conversion (/ 3600) expects" in found


def test_services_and_catalogue():
    assert {s.service for s in sources_for(None, ["m7g.large"])} == set(SERVICES)
    assert [s.key for s in sources_for(["ec2"], ["m7g.large", "t3.medium"])] == ["ec2.m7g.large", "ec2.t3.medium"]
    with pytest.raises(UnknownNameError, match="lambda"):
        sources_for(["lamda"], [])
