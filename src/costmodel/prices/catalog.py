"""Which AWS Price List product carries each rate the model uses.

Each :class:`RateSource` names the service code, the attribute filters sent to
``GetProducts`` (also checked locally, so an offer file on disk is read the same way),
the product's ``usagetype`` without its region prefix, and how its price dimensions map
to the model's rate keys:

``single``
    exactly one dimension -> ``key``.
``tiers``
    every dimension, by ``beginRange`` -> ``<key>_tier<N>`` (USD) and ``<key>_tier<N>_limit``
    (the dimension's ``endRange``, a cumulative monthly quantity; none for the last tier).
``first_paid``
    the lowest non-zero dimension -> ``key`` (the model prices one tier; the note
    records the range the price applies to).

``per`` converts the unit: Fargate is listed per hour and modelled per second (``per=3600``);
such rates get status ``derived``. The region prefix of ``usagetype`` (``USE1-``,
``USW2-``, ``EU-``...) is optional: most us-east-1 usage types have none.

Sources of the attribute names and values: the AWS CLI ``get-products`` example output
(the response structure), Infracost's AWS resources (product families, ``group``,
``queueType``, EC2 instance filters, ``transferType``), and public extractions of the
us-east-1 offer files (Lambda, Fargate, DynamoDB, data transfer, NAT, public IPv4 usage
types). Rates whose product could not be identified that way are not mapped
(:data:`NOT_MAPPED`) and are copied from the base price file by a refresh.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from costmodel.errors import UnknownNameError

__all__ = [
    "NOT_MAPPED",
    "PRICING_ENDPOINT_REGIONS",
    "REGION_NAMES",
    "SERVICES",
    "SOURCES",
    "RateSource",
    "ec2_source",
    "sources_for",
    "usagetype_matches",
]

#: Region code -> the ``location`` attribute of its products (used for data transfer,
#: whose products carry ``fromLocation``, and for offer files without ``regionCode``).
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "ca-central-1": "Canada (Central)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-north-1": "EU (Stockholm)",
    "eu-south-1": "EU (Milan)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "sa-east-1": "South America (Sao Paulo)",
}

#: Regions with a Price List Query API endpoint (the endpoint, not the priced region).
PRICING_ENDPOINT_REGIONS = ("us-east-1", "eu-central-1", "ap-south-1")

#: Service names for ``--services`` -> what they cover.
SERVICES = {
    "lambda": "Lambda requests, duration tiers, provisioned concurrency, ephemeral storage",
    "fargate": "Fargate vCPU, memory, ephemeral storage (Linux x86/ARM, Windows)",
    "ec2": "EC2 on-demand Linux instance-hours of the catalogued instance types",
    "elb": "Application Load Balancer hours and LCU-hours",
    "apigateway": "API Gateway REST and HTTP API request tiers",
    "sqs": "SQS standard and FIFO requests",
    "dynamodb": "DynamoDB on-demand read and write request units",
    "cloudwatch": "CloudWatch Logs ingestion and storage",
    "vpc": "NAT gateway hours and data processed, public IPv4 addresses",
    "data_transfer": "data transfer out to the internet (tiers)",
}

#: Rates the refresh does not look up, with the reason (they are copied from the base file).
NOT_MAPPED = {
    "lambda.snapstart_cache": "SnapStart's Price List usage type was not confirmed",
    "lambda.snapstart_restore": "SnapStart's Price List usage type was not confirmed",
    "lambda.response_streaming": "response streaming's Price List usage type was not confirmed",
    "logs.lambda_tier*": "which Price List meter carries Lambda's volume-tiered logs was not confirmed",
    "stepfunctions.*": "Step Functions is not mapped to Price List products (not among the refreshed services)",
    "lambda.tenant_isolation_*": "tenant isolation's Price List usage type was not confirmed",
    "lambda.durable_*": "durable functions' Price List usage types were not confirmed",
    "lambda.esm_*": "provisioned-mode event source mappings' Price List usage types were not confirmed",
    "lambda.managed_instances_*": "the Managed Instances fee is a fraction of the EC2 price, not a Price List rate",
}

_PREFIX = r"(?:[A-Z]{2,4}[0-9]|EU)-"


def usagetype_matches(usagetype: str, base: str) -> bool:
    """True if ``usagetype`` is ``base`` with or without one region prefix (``USE1-``, ``EU-``...).

    ``IA-ReadRequestUnits`` does not match ``ReadRequestUnits`` (``IA`` is not a region
    prefix); neither does ``Global-Request`` match ``Request``.
    """
    return re.fullmatch(f"(?:{_PREFIX})?{re.escape(base)}", usagetype) is not None


@dataclass(frozen=True)
class RateSource:
    """Where one rate (or tier table) of the model comes from in the Price List."""

    key: str
    service: str
    service_codes: tuple[str, ...]
    filters: tuple[tuple[str, str], ...] = ()
    usagetype: str | None = None
    mode: str = "single"
    per: float = 1.0
    unit_pattern: str = ""
    region_attribute: str = "regionCode"

    @property
    def service_code(self) -> str:
        return self.service_codes[0]

    def describe(self) -> str:
        """Human-readable selector, e.g. ``AWSLambda usagetype Lambda-GB-Second``."""
        parts = [f"{k}={v}" for k, v in self.filters]
        if self.usagetype:
            parts.append(f"usagetype=[prefix-]{self.usagetype}")
        return f"{'/'.join(self.service_codes)} " + ", ".join(parts)


def _s(key: str, service: str, codes: str | Sequence[str], usagetype: str | None = None,
       filters: Sequence[tuple[str, str]] = (), mode: str = "single", **kw: Any) -> RateSource:
    codes = (codes,) if isinstance(codes, str) else tuple(codes)
    return RateSource(key=key, service=service, service_codes=codes, filters=tuple(filters), usagetype=usagetype,
                      mode=mode, **kw)


_LAMBDA = (("productFamily", "Serverless"),)
_ECS = (("productFamily", "Compute"),)
_HOURLY: dict[str, Any] = {"per": 3600.0, "unit_pattern": r"(?i)^(?:.*-)?(?:hours?|hrs)$"}

SOURCES: tuple[RateSource, ...] = (
    # AWS Lambda
    _s("lambda.request", "lambda", "AWSLambda", "Request", _LAMBDA),
    _s("lambda.duration_x86_64", "lambda", "AWSLambda", "Lambda-GB-Second", _LAMBDA, mode="tiers"),
    _s("lambda.duration_arm64", "lambda", "AWSLambda", "Lambda-GB-Second-ARM", _LAMBDA, mode="tiers"),
    _s("lambda.provisioned_x86_64", "lambda", "AWSLambda", "Lambda-Provisioned-Concurrency", _LAMBDA),
    _s("lambda.provisioned_arm64", "lambda", "AWSLambda", "Lambda-Provisioned-Concurrency-ARM", _LAMBDA),
    _s("lambda.provisioned_duration_x86_64", "lambda", "AWSLambda", "Lambda-Provisioned-GB-Second", _LAMBDA),
    _s("lambda.provisioned_duration_arm64", "lambda", "AWSLambda", "Lambda-Provisioned-GB-Second-ARM", _LAMBDA),
    _s("lambda.ephemeral_storage", "lambda", "AWSLambda", "Lambda-Storage-GB-Second", _LAMBDA),
    # AWS Fargate (listed per hour, modelled per second)
    _s("fargate.vcpu_x86_64", "fargate", "AmazonECS", "Fargate-vCPU-Hours:perCPU", _ECS, **_HOURLY),
    _s("fargate.memory_x86_64", "fargate", "AmazonECS", "Fargate-GB-Hours", _ECS, **_HOURLY),
    _s("fargate.vcpu_arm64", "fargate", "AmazonECS", "Fargate-ARM-vCPU-Hours:perCPU", _ECS, **_HOURLY),
    _s("fargate.memory_arm64", "fargate", "AmazonECS", "Fargate-ARM-GB-Hours", _ECS, **_HOURLY),
    _s("fargate.vcpu_windows_x86_64", "fargate", "AmazonECS", "Fargate-Windows-vCPU-Hours:perCPU", _ECS, **_HOURLY),
    _s("fargate.memory_windows_x86_64", "fargate", "AmazonECS", "Fargate-Windows-GB-Hours", _ECS, **_HOURLY),
    _s("fargate.os_license_windows_x86_64", "fargate", "AmazonECS", "Fargate-Windows-OS-Hours:perCPU", _ECS,
       **_HOURLY),
    _s("fargate.ephemeral_storage", "fargate", "AmazonECS", "Fargate-EphemeralStorage-GB-Hours", _ECS, **_HOURLY),
    # Elastic Load Balancing (some catalogues list ALB under AmazonEC2)
    _s("alb.hour", "elb", ("AWSELB", "AmazonEC2"), "LoadBalancerUsage",
       (("productFamily", "Load Balancer-Application"), ("locationType", "AWS Region"))),
    _s("alb.lcu_hour", "elb", ("AWSELB", "AmazonEC2"), "LCUUsage",
       (("productFamily", "Load Balancer-Application"), ("locationType", "AWS Region"))),
    # API Gateway
    _s("api_gateway.rest", "apigateway", "AmazonApiGateway", "ApiGatewayRequest", (("productFamily", "API Calls"),),
       mode="tiers"),
    _s("api_gateway.http", "apigateway", "AmazonApiGateway", "ApiGatewayHttpRequest",
       (("productFamily", "API Calls"),), mode="tiers"),
    # SQS (the model prices the first paid tier)
    _s("sqs.standard_request", "sqs", "AWSQueueService", None,
       (("productFamily", "API Request"), ("queueType", "Standard")), mode="first_paid"),
    _s("sqs.fifo_request", "sqs", "AWSQueueService", None,
       (("productFamily", "API Request"), ("queueType", "FIFO (first-in, first-out)")), mode="first_paid"),
    # DynamoDB on-demand (Standard table class; IA-ReadRequestUnits is another product)
    _s("dynamodb.read_request_unit", "dynamodb", "AmazonDynamoDB", "ReadRequestUnits",
       (("productFamily", "Amazon DynamoDB PayPerRequest Throughput"),), mode="first_paid"),
    _s("dynamodb.write_request_unit", "dynamodb", "AmazonDynamoDB", "WriteRequestUnits",
       (("productFamily", "Amazon DynamoDB PayPerRequest Throughput"),), mode="first_paid"),
    # CloudWatch Logs
    _s("logs.ingestion", "cloudwatch", "AmazonCloudWatch", "DataProcessing-Bytes",
       (("productFamily", "Data Payload"),), mode="first_paid"),
    _s("logs.storage", "cloudwatch", "AmazonCloudWatch", "TimedStorage-ByteHrs",
       (("productFamily", "Storage Snapshot"),), mode="first_paid"),
    # VPC: NAT gateway (in the EC2 offer) and public IPv4 (in the VPC offer)
    _s("nat.hour", "vpc", "AmazonEC2", "NatGateway-Hours", (("productFamily", "NAT Gateway"),)),
    _s("nat.processed_gb", "vpc", "AmazonEC2", "NatGateway-Bytes", (("productFamily", "NAT Gateway"),)),
    _s("vpc.public_ipv4_hour", "vpc", "AmazonVPC", "PublicIPv4:InUseAddress"),
    # Data transfer out to the internet (the 100 GB free tier is a separate global product)
    _s("data_transfer.out", "data_transfer", "AWSDataTransfer", "DataTransfer-Out-Bytes",
       (("productFamily", "Data Transfer"), ("transferType", "AWS Outbound")), mode="tiers",
       region_attribute="fromLocation"),
)


def ec2_source(instance_type: str) -> RateSource:
    """The on-demand Linux, shared-tenancy price of one EC2 instance type."""
    return _s(f"ec2.{instance_type}", "ec2", "AmazonEC2", f"BoxUsage:{instance_type}",
              (("productFamily", "Compute Instance"), ("instanceType", instance_type),
               ("operatingSystem", "Linux"), ("tenancy", "Shared"), ("preInstalledSw", "NA"),
               ("capacitystatus", "Used"), ("licenseModel", "No License required")))


def sources_for(services: Sequence[str] | None, instance_types: Sequence[str]) -> list[RateSource]:
    """The rate sources of some services (all when ``services`` is None or empty)."""
    services = list(services or SERVICES)
    for s in services:
        if s not in SERVICES:
            raise UnknownNameError("service (--services)", s, SERVICES)
    out = [s for s in SOURCES if s.service in services]
    if "ec2" in services:
        out += [ec2_source(t) for t in instance_types]
    return out
