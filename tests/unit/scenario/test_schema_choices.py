"""The schema's choices are ``Literal`` types (so the type checker sees them); each must list
exactly the values the models define as tuples, in the same order (the order is the one the
error messages and the JSON Schema enums show)."""
from typing import get_args

import pytest

from costmodel import _schema
from costmodel.errors import InputError
from costmodel.models import bills, pricing
from costmodel.scenario import usage_schema as us
from costmodel.scenario.usage import load_usage


@pytest.mark.parametrize("literal, values", [
    (_schema.Architecture, pricing.ARCHITECTURES),
    (us.LambdaPurchase, bills.LAMBDA_PURCHASES),
    (us.FargatePurchase, bills.FARGATE_PURCHASES),
    (us.FargateOperatingSystem, bills.FARGATE_OPERATING_SYSTEMS),
    (us.Ec2Purchase, bills.EC2_PURCHASES),
    (us.EsmSource, bills.ESM_SOURCES),
    (us.LmiPurchase, bills.LMI_PURCHASES),
], ids=["architecture", "lambda-purchase", "fargate-purchase", "fargate-os", "ec2-purchase", "esm-source",
        "lmi-purchase"])
def test_literal_choice_lists_the_models_values(literal, values):
    assert get_args(literal) == tuple(values)


def test_a_choice_outside_the_literal_is_refused_with_the_values_listed():
    with pytest.raises(InputError, match=r"lambda\[f\]\.architecture='sparc' is not allowed: expected one of "
                                         r"'x86_64', 'arm64'"):
        load_usage({"lambda": [{"name": "f", "requests": 1, "duration_ms": 10, "memory_mb": 128,
                                "architecture": "sparc"}]})
