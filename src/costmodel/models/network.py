"""What running in a VPC costs, and Lambda's own log lines: pure functions over monthly quantities.

* :func:`vpc_network_bill`: one option's network bill for a month: public IPv4 addresses
  (tasks or instances in public subnets, NAT gateways), NAT gateway hours and data processed,
  interface VPC endpoints (hours per AZ and data), EBS root volumes. Gateway endpoints for
  S3 and DynamoDB are free and take S3, DynamoDB and container-image-layer traffic off the
  NAT gateway (ECR stores image layers in S3).
* :func:`platform_log_bytes`: the bytes of the START, END and REPORT lines Lambda writes
  for every invocation, in the text or the JSON log format, counted from example lines.
* :func:`alb_connection_usage`: the ALB's hourly new and active connections for a request
  rate when clients reuse connections (HTTP keep-alive).

Rules, with sources in ``data/pricing`` and ``docs/traffic-and-comparison.md``:

* Public IPv4: $0.005 per address-hour, in use or idle, including a NAT gateway's Elastic IP
  and each node of an internet-facing load balancer.
* Private subnets, ``egress="nat_gateway"``: NAT gateway hours (``nat_gateways`` gateways;
  0 = an existing shared gateway whose hours are paid elsewhere) and every GB that leaves
  the subnets through it: AWS API traffic (including CloudWatch Logs shipped by the
  container log driver), outbound internet traffic, and S3/DynamoDB and image-layer
  traffic when there are no gateway endpoints.
* Private subnets, ``egress="vpc_endpoints"``: interface endpoints in every AZ for the
  AWS APIs (ECR API, ECR Docker and CloudWatch Logs for containers, the ECS agent's three
  more on EC2, plus those the application declares), each endpoint-AZ-hour and GB billed; S3 traffic without a gateway
  endpoint goes through one more (S3) interface endpoint; outbound internet traffic still
  needs a NAT gateway.
* Public subnets: each task or instance has a public IPv4 address and reaches AWS APIs and
  the internet directly (no NAT, no endpoints).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from costmodel._validate import check_choice, check_finite, check_int, check_non_negative, check_positive
from costmodel.errors import InvalidParameterError
from costmodel.models.bills import (
    Bill,
    ebs_bill,
    interface_endpoint_bill,
    line_item,
    nat_bill,
)
from costmodel.models.pricing import Prices, load_prices

__all__ = [
    "CONTAINER_PLATFORM_ENDPOINTS",
    "EC2_PLATFORM_ENDPOINTS",
    "EGRESS",
    "LOG_FORMATS",
    "PLATFORM_LOG_LINES",
    "SUBNETS",
    "NetworkUsage",
    "alb_connection_usage",
    "platform_log_bytes",
    "platform_log_gb",
    "public_ipv4_line",
    "vpc_network_bill",
]

SUBNETS = ("private", "public")
EGRESS = ("nat_gateway", "vpc_endpoints")
LOG_FORMATS = ("text", "json")
#: Interface endpoints a Fargate service in private subnets needs without a NAT gateway:
#: ECR API, ECR Docker registry, CloudWatch Logs (image layers come from S3 through the
#: gateway endpoint). ECS developer guide, "Amazon ECR interface VPC endpoints".
CONTAINER_PLATFORM_ENDPOINTS = 3
#: ECS on EC2 adds the ECS agent's three endpoints (ecs-agent, ecs-telemetry, ecs): ECS
#: developer guide, "Amazon ECS interface VPC endpoints".
EC2_PLATFORM_ENDPOINTS = 6

_RID = "8f5f3f9e-3c1b-4d3a-9a43-5c2b7a1f6e0d"  # a request id: 36 characters, as Lambda's
#: One invocation's platform lines as Lambda writes them to CloudWatch Logs, per log format
#: (the shape of the examples in the Lambda developer guide, "Monitoring with CloudWatch
#: Logs" and "Log-level filtering / JSON log format"; values typical of a warm invocation).
#: The text REPORT line is tab-separated. A cold start adds ``Init Duration`` (text) or
#: ``initDurationMs`` (JSON): about 25 more bytes, not counted.
PLATFORM_LOG_LINES = {
    "text": (
        f"START RequestId: {_RID} Version: $LATEST",
        f"END RequestId: {_RID}",
        f"REPORT RequestId: {_RID}\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 512 MB"
        "\tMax Memory Used: 87 MB\t",
    ),
    "json": (
        '{"time":"2026-11-27T10:00:00.000Z","type":"platform.start","record":{"requestId":"' + _RID
        + '","version":"$LATEST"}}',
        '{"time":"2026-11-27T10:00:00.103Z","type":"platform.runtimeDone","record":{"requestId":"' + _RID
        + '","status":"success","metrics":{"durationMs":102.25,"producedBytes":0}}}',
        '{"time":"2026-11-27T10:00:00.104Z","type":"platform.report","record":{"requestId":"' + _RID
        + '","metrics":{"durationMs":102.25,"billedDurationMs":103,"memorySizeMB":512,"maxMemoryUsedMB":87},'
        '"status":"success"}}',
    ),
}
_BYTES_PER_GB = 1024.0 ** 3


def platform_log_bytes(log_format: str = "text") -> int:
    """Bytes of Lambda's platform log lines per invocation [bytes].

    The UTF-8 size of the lines in :data:`PLATFORM_LOG_LINES` for ``log_format``
    (``"text"``: START, END and REPORT; ``"json"``: ``platform.start``,
    ``platform.runtimeDone`` and ``platform.report``). A default to override: real lines
    vary with the function version, the numbers and the runtime.
    """
    check_choice("log_format", log_format, LOG_FORMATS)
    return sum(len(line.encode("utf-8")) for line in PLATFORM_LOG_LINES[log_format])


def platform_log_gb(invocations: Any, bytes_per_invocation: float) -> float:
    """CloudWatch Logs volume of the platform lines [GB] (GB = 1024^3 bytes).

    Parameters
    ----------
    invocations : float or array_like
        Invocations in the month [count].
    bytes_per_invocation : float
        Platform-line bytes per invocation [bytes], e.g. :func:`platform_log_bytes`.
    """
    check_non_negative("invocations", invocations)
    check_non_negative("bytes_per_invocation", bytes_per_invocation)
    return float(np.sum(invocations)) * float(bytes_per_invocation) / _BYTES_PER_GB


def alb_connection_usage(rate_rps: npt.ArrayLike, *, requests_per_connection: float = 1.0,
                         connection_lifetime_s: float = 60.0) -> tuple[Any, Any]:
    """New connections per second and active connections per minute at an ALB.

    A client connection carries ``requests_per_connection`` requests (HTTP keep-alive), so
    new connections arrive at ``rate / requests_per_connection`` per second and, each open
    for ``connection_lifetime_s``, ``rate / requests_per_connection * connection_lifetime_s``
    are open at once (Little's law; counted per minute, as the LCU dimension is). With one
    request per connection and a 60-s lifetime this is one new connection per request, each
    active within its minute.

    Parameters
    ----------
    rate_rps : float or array_like
        Request rate [req/s] (e.g. hourly means).
    requests_per_connection : float
        Requests per client connection [-], >= 1.
    connection_lifetime_s : float
        How long a connection stays open [s].

    Returns
    -------
    (new_connections_per_s, active_connections_per_min)
        Same shape as ``rate_rps``.
    """
    check_non_negative("rate_rps", rate_rps)
    check_positive("connection_lifetime_s", connection_lifetime_s)
    check_finite("requests_per_connection", requests_per_connection)
    if not float(requests_per_connection) >= 1.0:
        raise InvalidParameterError("requests_per_connection", requests_per_connection, "a number >= 1")
    new = np.asarray(rate_rps, dtype=float) / float(requests_per_connection)
    active = new * float(connection_lifetime_s)
    if new.ndim == 0:
        return float(new), float(active)
    return new, active


def public_ipv4_line(label: str, address_hours: float, prices: Prices) -> Any:
    """One ``Public IPv4 addresses (<label>)`` line item [address-hours]."""
    check_non_negative("address_hours", address_hours)
    return line_item(f"Public IPv4 addresses ({label})", float(address_hours), "h", prices.usd("vpc.public_ipv4_hour"))


@dataclass(frozen=True)
class NetworkUsage:
    """What one option sends through its network in a month.

    Attributes
    ----------
    hours : float
        The month [h] (730).
    unit_hours : float
        Task-hours (Fargate) or instance-hours (EC2) [h]; 0 for Lambda.
    image_gb : float
        Container image pulled: launches x image size [GB].
    aws_api_gb : float
        Traffic to AWS APIs other than S3 and DynamoDB (CloudWatch Logs, SQS, ...) [GB].
    s3_dynamodb_gb : float
        Traffic to S3 and DynamoDB [GB].
    internet_gb : float
        Outbound internet traffic that leaves private subnets (through a NAT gateway) [GB].
    ebs_gb_months : float
        EBS volume-months (EC2 root volumes) [GB-month].
    app_interface_endpoints : int
        Interface endpoints for the AWS APIs the application calls [count].
    platform_interface_endpoints : int
        Interface endpoints the platform needs without a NAT gateway (Fargate: ECR API, ECR
        Docker, CloudWatch Logs; ECS on EC2: those and the ECS agent's three; Lambda: none)
        [count].
    """

    hours: float
    unit_hours: float = 0.0
    image_gb: float = 0.0
    aws_api_gb: float = 0.0
    s3_dynamodb_gb: float = 0.0
    internet_gb: float = 0.0
    ebs_gb_months: float = 0.0
    app_interface_endpoints: int = 0
    platform_interface_endpoints: int = 0

    def __post_init__(self) -> None:
        for name in ("hours", "unit_hours", "image_gb", "aws_api_gb", "s3_dynamodb_gb", "internet_gb",
                     "ebs_gb_months"):
            check_non_negative(f"usage.{name}", getattr(self, name))
        check_int("usage.app_interface_endpoints", self.app_interface_endpoints, minimum=0)
        check_int("usage.platform_interface_endpoints", self.platform_interface_endpoints, minimum=0)


def vpc_network_bill(usage: NetworkUsage, *, subnets: str = "private", egress: str = "nat_gateway",
                     nat_gateways: int = 1, availability_zones: int = 2, gateway_endpoints: bool = True,
                     prices: Prices | None = None) -> Bill:
    """One option's network bill for a month (see the module notes for the rules).

    Parameters
    ----------
    usage : NetworkUsage
        Hours and traffic of the option.
    subnets : {"private", "public"}
        Where the tasks or instances run. ``public``: one public IPv4 per task/instance.
    egress : {"nat_gateway", "vpc_endpoints"}
        How private subnets reach AWS APIs.
    nat_gateways : int
        NAT gateways billed [count] (0: an existing shared one; only its data processing is
        billed).
    availability_zones : int
        AZs the interface endpoints are deployed in [count].
    gateway_endpoints : bool
        S3 and DynamoDB gateway endpoints in the route tables (free).

    Returns
    -------
    Bill
        ``Public IPv4 addresses (...)``, ``NAT gateway ...``, ``VPC interface endpoint ...``
        and ``EBS gp3 volumes`` lines, those that apply.
    """
    prices = prices if prices is not None else load_prices()
    check_choice("subnets", subnets, SUBNETS)
    check_choice("egress", egress, EGRESS)
    check_int("nat_gateways", nat_gateways, minimum=0)
    check_int("availability_zones", availability_zones, minimum=1)
    u = usage
    items: list[Any] = []
    if subnets == "public":
        if u.unit_hours > 0:
            items.append(public_ipv4_line("tasks/instances in public subnets", u.unit_hours, prices))
    else:
        s3_gb = u.s3_dynamodb_gb + u.image_gb  # image layers are served from S3
        via_nat = u.internet_gb
        endpoints, endpoint_gb = 0, 0.0
        if egress == "nat_gateway":
            via_nat += u.aws_api_gb + (0.0 if gateway_endpoints else s3_gb)
        else:
            endpoints = u.app_interface_endpoints + u.platform_interface_endpoints
            endpoint_gb = u.aws_api_gb
            if not gateway_endpoints and s3_gb > 0:
                endpoints += 1
                endpoint_gb += s3_gb
        needs_nat = egress == "nat_gateway" or u.internet_gb > 0
        if needs_nat and (via_nat > 0 or nat_gateways > 0):
            items += list(nat_bill(nat_gateways * u.hours, via_nat, prices=prices).items)
            if nat_gateways:
                items.append(public_ipv4_line("NAT gateway Elastic IP", nat_gateways * u.hours, prices))
        if endpoints:
            items += list(interface_endpoint_bill(endpoints * availability_zones * u.hours, endpoint_gb,
                                                  prices=prices).items)
    if u.ebs_gb_months > 0:
        items += list(ebs_bill(u.ebs_gb_months, prices=prices).items)
    return Bill(tuple(items))
