"""The network bill, Lambda's platform log lines and ALB connection reuse, by hand from the
published rates (VPC Price List dump S7: public IPv4 $0.005/h, NAT $0.045/h and $0.045/GB,
interface endpoints $0.01 per endpoint-AZ-hour and $0.01/GB; gp3 $0.08/GB-month)."""
import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.autoscaling import ScalingPolicy, simulate_scaling, simulate_scaling_batch
from costmodel.models.bills import fargate_bill, fargate_usd_per_task_s
from costmodel.models.network import (
    CONTAINER_PLATFORM_ENDPOINTS,
    PLATFORM_LOG_LINES,
    NetworkUsage,
    alb_connection_usage,
    platform_log_bytes,
    platform_log_gb,
    vpc_network_bill,
)
from costmodel.models.pricing import load_prices
from costmodel.models.traffic import bursty, diurnal

PRICES = load_prices()
H = 730.0


def cents(x):
    return math.floor(x * 100 + 0.5) / 100


def test_private_subnets_behind_two_nat_gateways():
    u = NetworkUsage(hours=H, unit_hours=3 * H, image_gb=4.0, aws_api_gb=20.0, s3_dynamodb_gb=100.0,
                     internet_gb=5.0, ebs_gb_months=60.0)
    with_endpoints = vpc_network_bill(u, nat_gateways=2, gateway_endpoints=True, prices=PRICES).amounts()
    assert with_endpoints == {
        "NAT gateway hours": cents(2 * H * 0.045),                   # 65.70
        "NAT gateway data processed": cents((20 + 5) * 0.045),       # S3/DynamoDB and image layers skip it
        "Public IPv4 addresses (NAT gateway Elastic IP)": cents(2 * H * 0.005),
        "EBS gp3 volumes": cents(60 * 0.08),
    }
    without = vpc_network_bill(u, nat_gateways=2, gateway_endpoints=False, prices=PRICES).amounts()
    assert without["NAT gateway data processed"] == cents((20 + 5 + 100 + 4) * 0.045)


def test_an_existing_shared_nat_gateway_bills_only_data_processing():
    u = NetworkUsage(hours=H, aws_api_gb=10.0)
    assert vpc_network_bill(u, nat_gateways=0, prices=PRICES).amounts() == {
        "NAT gateway hours": 0.0, "NAT gateway data processed": cents(10 * 0.045)}
    assert vpc_network_bill(NetworkUsage(hours=H), nat_gateways=0, prices=PRICES).items == ()


def test_interface_endpoints_per_az_and_a_nat_only_for_internet_traffic():
    u = NetworkUsage(hours=H, aws_api_gb=50.0, internet_gb=0.0, app_interface_endpoints=2,
                     platform_interface_endpoints=CONTAINER_PLATFORM_ENDPOINTS)
    b = vpc_network_bill(u, egress="vpc_endpoints", availability_zones=3, prices=PRICES).amounts()
    assert b == {"VPC interface endpoint hours": cents(5 * 3 * H * 0.01),
                 "VPC interface endpoint data processed": cents(50 * 0.01)}
    internet = vpc_network_bill(NetworkUsage(hours=H, internet_gb=8.0), egress="vpc_endpoints", nat_gateways=1,
                                prices=PRICES).amounts()
    assert internet["NAT gateway hours"] == cents(H * 0.045) and internet["NAT gateway data processed"] == cents(
        8 * 0.045)
    no_s3_endpoint = vpc_network_bill(NetworkUsage(hours=H, image_gb=10.0, platform_interface_endpoints=3),
                                      egress="vpc_endpoints", gateway_endpoints=False, availability_zones=2,
                                      prices=PRICES).amounts()
    assert no_s3_endpoint["VPC interface endpoint hours"] == cents(4 * 2 * H * 0.01)    # + an S3 endpoint
    assert no_s3_endpoint["VPC interface endpoint data processed"] == cents(10 * 0.01)


def test_public_subnets_pay_an_address_per_task_hour():
    b = vpc_network_bill(NetworkUsage(hours=H, unit_hours=2.5 * H, aws_api_gb=99.0), subnets="public",
                         prices=PRICES).amounts()
    assert b == {"Public IPv4 addresses (tasks/instances in public subnets)": cents(2.5 * H * 0.005)}


def test_network_inputs_are_checked():
    with pytest.raises(InvalidParameterError, match="egress"):
        vpc_network_bill(NetworkUsage(hours=H), egress="igw", prices=PRICES)
    with pytest.raises(InvalidParameterError, match=r"usage\.image_gb"):
        NetworkUsage(hours=H, image_gb=-1)


def test_platform_log_bytes_are_the_example_lines():
    text = PLATFORM_LOG_LINES["text"]
    assert [line.split(" ")[0] for line in text] == ["START", "END", "REPORT"]
    assert platform_log_bytes("text") == sum(len(line) for line in text) == 263
    assert platform_log_bytes("json") == 573 > platform_log_bytes("text")
    assert [line.split('"type":"')[1].split('"')[0] for line in PLATFORM_LOG_LINES["json"]] == [
        "platform.start", "platform.runtimeDone", "platform.report"]
    assert platform_log_gb(1024 ** 3, 1) == pytest.approx(1.0)
    with pytest.raises(InvalidParameterError, match="log_format"):
        platform_log_bytes("xml")


def test_alb_connection_reuse():
    new, active = alb_connection_usage(np.array([100.0, 10.0]), requests_per_connection=50,
                                       connection_lifetime_s=120)
    np.testing.assert_allclose(new, [2.0, 0.2])
    np.testing.assert_allclose(active, [240.0, 24.0])
    # no keep-alive and a 60-s lifetime: one new connection per request, each active in its minute
    assert alb_connection_usage(3.0) == (3.0, 180.0)
    with pytest.raises(InvalidParameterError, match="requests_per_connection"):
        alb_connection_usage(1.0, requests_per_connection=0.5)


def test_fleet_launches_agree_between_the_engines():
    policy = ScalingPolicy(capacity_rps=5.0, min_units=2, max_units=40)
    shapes = [bursty(0.2, burst_rps=50, burst_length_s=300, bursts_per_day=6, step_s=60),
              diurnal(30, step_s=60, noise_cv=0.2, random_state=1)]
    batch = simulate_scaling_batch(np.stack(shapes), 60, capacity_rps=5.0, min_units=2, max_units=40)
    for i, shape in enumerate(shapes):
        one = simulate_scaling(shape, 60, policy)
        b = one.billed_units
        assert one.launches == b[0] + np.maximum(np.diff(b), 0).sum()
        assert batch.launches[i] == one.launches
    steady = simulate_scaling(np.full(1440, 1.0), 60, policy)
    assert steady.launches == 2                          # the starting fleet, never grown


@pytest.mark.parametrize("kw", [dict(architecture="arm64"), dict(operating_system="windows")])
def test_fargate_spot_is_rejected_where_aws_sells_none(kw):
    with pytest.raises(InvalidParameterError, match=r"purchase='spot'.*Linux x86_64 tasks only"):
        fargate_bill(1, 2, 3600, purchase="spot", prices=PRICES, **kw)
    with pytest.raises(InvalidParameterError, match="Linux x86_64 tasks only"):
        fargate_usd_per_task_s(1, 2, purchase="spot", prices=PRICES, **kw)
    assert fargate_bill(1, 2, 3600, purchase="spot", prices=PRICES).total_usd > 0   # x86_64 Linux is fine
