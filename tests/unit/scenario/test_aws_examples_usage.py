"""All 18 worked examples AWS prints on its Lambda and Fargate pricing pages, through usage files.

Each example is a file in docs/examples/ priced by ``bill_usage`` (what ``costmodel bill``
runs). Expected lines are AWS's printed figures; sources: ../shared/reference/aws-pricing.md
(OD-1, OD-3, PC-1, F-1, F-3) and the copies of https://aws.amazon.com/lambda/pricing/ and
https://aws.amazon.com/fargate/pricing/ described in test_bills_more_aws_examples.py (the
others). Where AWS's own arithmetic departs from its inputs or from the half-up rounding of
every other example, the test asserts the figure the inputs give and states AWS's figure
and the difference; the model is not bent to it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from costmodel.scenario.usage import bill_usage

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"

# file -> (AWS's lines as printed, AWS's total). Line names are the bill's.
EXACT = {
    # ---- Lambda on demand
    "lambda-od-1.yaml": ({"Lambda requests": 0.40, "Lambda duration x86_64 tier 1": 2.33}, 2.73),
    "lambda-od-2.yaml": ({"Lambda requests": 1.49, "Lambda duration x86_64 tier 1": 248.00}, 249.49),
    "lambda-od-3.yaml": ({"Lambda requests": 1.00, "Lambda duration x86_64 tier 1": 105.33,
                          "Lambda ephemeral storage": 0.08}, 106.41),
    # ---- provisioned concurrency
    "lambda-pc-1.yaml": ({"launch-api: Lambda requests": 0.40, "launch-api: Lambda duration x86_64 tier 1": 0.83,
                          "launch-api: Lambda provisioned concurrency x86_64": 18.00,
                          "launch-api: Lambda provisioned duration x86_64": 0.73}, 19.96),
    "lambda-pc-2.yaml": ({"support-nlp: Lambda requests": 0.40,
                          "support-nlp: Lambda provisioned concurrency x86_64": 10.08,
                          "support-nlp: Lambda provisioned duration x86_64": 21.78}, 32.26),
    # ---- SnapStart, streaming, Lambda@Edge
    "lambda-snapstart.yaml": ({"Lambda requests": 1.49, "Lambda duration x86_64 tier 1": 248.00,
                               "Lambda SnapStart cache": 4.03, "Lambda SnapStart restore": 10.40}, 263.92),
    "lambda-streaming.yaml": ({"Lambda requests": 0.40, "Lambda duration x86_64 tier 1": 30.83,
                               "Lambda response streaming": 7.81}, 39.04),
    "lambda-edge.yaml": ({"Lambda requests": 6.00, "Lambda duration x86_64 tier 1": 0.63}, 6.63),
    # ---- durable functions: "$421.34 + $0.20 + $32.00 + $26.00 + $10.92 = $490.46"
    "lambda-durable.yaml": ({"claims: Lambda requests": 0.20, "claims: Lambda duration arm64 tier 1": 421.34,
                             "claims: Lambda durable operations": 32.00,
                             "claims: Lambda durable data written": 26.00,
                             "claims: Lambda durable data retained": 10.92}, 490.46),
    # ---- provisioned-mode event source mappings 2 and 3
    "lambda-esm-sqs.yaml": ({"Lambda requests": 6.00, "Lambda duration x86_64 tier 1": 500.00,
                             "Lambda provisioned ESM SQS EPU-hours": 74.00}, 580.00),
    "lambda-esm-kafka-poller-group.yaml": ({"Lambda requests": 60.00, "Lambda duration x86_64 tier 1": 1000.00,
                                            "poller-group: Lambda provisioned ESM Kafka EPU-hours": 133.20}, 1193.20),
    # ---- Fargate
    "fargate-f-1.yaml": ({"Fargate vCPU x86_64": 1.01, "Fargate memory x86_64": 0.22,
                          "Fargate ephemeral storage": 0.03}, 1.26),
    "fargate-f-2.yaml": ({"Fargate vCPU arm64": 0.81, "Fargate memory arm64": 0.18,
                          "Fargate ephemeral storage": 0.03}, 1.02),
    "fargate-f-3.yaml": ({"Fargate vCPU x86_64": 3.04, "Fargate memory x86_64": 1.33}, 4.37),
    "fargate-f-4.yaml": ({"Fargate vCPU Windows x86_64": 27.45, "Fargate Windows OS licence": 13.80,
                          "Fargate memory Windows x86_64": 6.00}, 47.25),
}


def amounts(path: str) -> tuple[dict[str, float], float]:
    bill = bill_usage(EXAMPLES / path)
    return {i.name: i.usd for i in bill.items}, bill.total_usd


@pytest.mark.parametrize("path", sorted(EXACT))
def test_example_to_the_cent(path):
    lines, total = EXACT[path]
    got, got_total = amounts(path)
    assert got == lines
    assert got_total == total


def test_durable_functions_intermediates():
    """AWS: "1M x (1 start execution + 2 steps + 1 wait) = 4M"; "1M x (8KB invoke + 3 x 32KB)
    = 104GB" (1 GB = 10^6 KB); retention "104GB x (7/30) = 24.27" + "104GB x (14/30) = 48.53"
    GB-month; compute "31,600,000 x $0.0000133334"."""
    bill = bill_usage(EXAMPLES / "lambda-durable.yaml")
    assert bill.item("claims: Lambda durable operations").quantity == 1_000_000 * (1 + 2 + 1)
    assert bill.item("claims: Lambda durable data written").quantity == pytest.approx(1e6 * (8 + 3 * 32) / 1e6)
    assert bill.item("claims: Lambda durable data retained").quantity == pytest.approx(104 * 7 / 30 + 104 * 14 / 30)
    assert bill.item("claims: Lambda duration arm64 tier 1").quantity == pytest.approx(32_000_000 - 400_000)


def test_tenant_isolation_example_and_aws_rounding_quirk():
    """AWS: "$2 + $333.34 + $33.4 = $368.74". 20,000,000 GB-s x 0.0000166667 = 333.334 exactly,
    which rounds half-up to $333.33; AWS printed $333.34 (rounded up), unlike its other examples
    (OD-1 2.333338 -> $2.33, PC-1 18.000144 -> $18.00). The bill keeps half-up: one cent less."""
    got, total = amounts("lambda-tenant-isolation.yaml")
    assert got == {"Lambda requests": 2.00, "Lambda duration x86_64 tier 1": 333.33,
                   "Lambda tenant isolation x86_64": 33.40}
    bill = bill_usage(EXAMPLES / "lambda-tenant-isolation.yaml")
    assert bill.item("Lambda duration x86_64 tier 1").unrounded_usd == pytest.approx(333.334)
    assert bill.item("Lambda tenant isolation x86_64").quantity == 200 * 1_000  # 200 per tenant x 1K tenants
    assert total == pytest.approx(368.74 - 0.01)


def test_managed_instances_example_and_aws_rate_rounding_quirk():
    """AWS: requests "100M / 1M x $0.20 = $20"; EC2 "$0.1632 ... 3-year Compute Savings Plan
    discount (72%): $0.0457 per hour", "2,000 x $0.0457 = $91.40"; management fee
    "$0.1632 x 0.15 = $0.02448 per hour", "2,000 x $0.02448 = $48.96"; total $160.36.
    AWS rounded the discounted rate to $0.0457 before multiplying: 0.1632 x 0.28 = 0.045696,
    and 2,000 x 0.045696 = 91.392 -> $91.39. The bill keeps the exact rate: one cent less."""
    got, total = amounts("lambda-managed-instances.yaml")
    assert got == {"api: Lambda Managed Instances requests": 20.00,
                   "api: EC2 m7g.xlarge (savings plan) for Lambda Managed Instances": 91.39,
                   "api: Lambda Managed Instances management fee": 48.96}
    assert round(2000 * round(0.1632 * (1 - 0.72), 4), 2) == 91.40  # AWS's way
    assert total == pytest.approx(160.36 - 0.01)


def test_esm_kafka_example_1_and_aws_request_quirk():
    """AWS: compute "59,600,000 * $0.0000166667 = $993.3" (one decimal; 993.335 -> $993.34),
    requests "60M requests * $0.20 = $12.00", EPU "800 EPU-hours * $0.185 = $148", total
    "$1,153.3". The example has 1M invocations a day for 30 days = 30M requests, and applies
    the GB-s free tier; with its request free tier too (the same switch) the request line is
    29M x $0.20/M = $5.80. AWS's $12.00 counts 60M requests without the free requests, which
    its own inputs do not give; the compute and EPU lines agree."""
    got, total = amounts("lambda-esm-kafka.yaml")
    assert got == {"Lambda requests": 5.80, "Lambda duration x86_64 tier 1": 993.34,
                   "Lambda provisioned ESM Kafka EPU-hours": 148.00}
    assert round(got["Lambda duration x86_64 tier 1"], 1) == 993.3
    assert total == pytest.approx(993.34 + 5.80 + 148.00)
    assert total == pytest.approx(1153.3 + 0.04 - (12.00 - 5.80))  # AWS's total, less its extra requests


def test_the_eighteen():
    quirky = {"lambda-tenant-isolation.yaml", "lambda-managed-instances.yaml", "lambda-esm-kafka.yaml"}
    assert len(EXACT) + len(quirky) == 18
    assert all((EXAMPLES / f).is_file() for f in [*EXACT, *quirky])
