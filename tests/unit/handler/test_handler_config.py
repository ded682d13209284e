"""Configuration validation (pure: environments are plain dicts)."""

from __future__ import annotations

import pytest

from handler_reference.config import REQUIRED_VARIABLES, HandlerConfig, load_config
from handler_reference.errors import ConfigError, HandlerError

GOOD = {
    "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/documents",
    "BUCKET_NAME": "doc-results",
    "IDEMPOTENCY_TABLE": "doc-idempotency",
    "AWS_REGION": "eu-west-1",
}


def test_valid_environment():
    config = load_config(GOOD)
    assert config == HandlerConfig(
        queue_url=GOOD["QUEUE_URL"],
        bucket_name="doc-results",
        idempotency_table="doc-idempotency",
        region="eu-west-1",
    )
    assert config.account_id == "123456789012"
    assert config.queue_name == "documents"
    assert config.result_key("d-1") == "processed/d-1.json"


def test_every_missing_variable_is_named_at_once():
    with pytest.raises(ConfigError) as info:
        load_config({})
    assert info.value.missing == REQUIRED_VARIABLES
    for name in REQUIRED_VARIABLES:
        assert name in str(info.value)
    assert isinstance(info.value, HandlerError)


@pytest.mark.parametrize("name", REQUIRED_VARIABLES)
def test_blank_counts_as_missing_and_only_it_is_named(name):
    env = dict(GOOD, **{name: "  "})
    with pytest.raises(ConfigError) as info:
        load_config(env)
    assert info.value.missing == (name,)
    others = set(REQUIRED_VARIABLES) - {name}
    assert not any(other in str(info.value) for other in others)


@pytest.mark.parametrize(
    "name, value",
    [
        ("QUEUE_URL", "documents"),
        ("QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/12345/documents"),
        ("BUCKET_NAME", "Doc_Results"),
        ("IDEMPOTENCY_TABLE", "t"),
        ("IDEMPOTENCY_EXPIRY_S", "soon"),
        ("IDEMPOTENCY_EXPIRY_S", "59"),
        ("RESULT_PREFIX", "/processed/"),
        ("AWS_REGION", "Ireland"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_value_is_reported_with_name_and_value(name, value):
    with pytest.raises(ConfigError) as info:
        load_config(dict(GOOD, **{name: value}))
    assert f"{name}={value!r}" in str(info.value)
    assert info.value.missing == ()


def test_missing_and_invalid_are_reported_together():
    env = {"QUEUE_URL": "nope", "IDEMPOTENCY_EXPIRY_S": "0"}
    with pytest.raises(ConfigError) as info:
        load_config(env)
    message = str(info.value)
    assert "BUCKET_NAME" in message and "IDEMPOTENCY_TABLE" in message
    assert "QUEUE_URL='nope'" in message and "IDEMPOTENCY_EXPIRY_S='0'" in message


def test_optional_variables_and_lambda_defaults():
    env = dict(
        GOOD,
        IDEMPOTENCY_EXPIRY_S="7200",
        RESULT_PREFIX="out/",
        AWS_LAMBDA_FUNCTION_NAME="doc-fn",
    )
    config = load_config(env)
    assert config.idempotency_expiry_s == 7200
    assert config.result_key("x") == "out/x.json"
    assert config.log_group_name == "/aws/lambda/doc-fn"
