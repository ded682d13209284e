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


# -- nothing from configuration may widen the IAM policy ----------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("RESULT_PREFIX", "p?/"),
        ("RESULT_PREFIX", "p*/"),
        ("RESULT_PREFIX", "*/"),
        ("RESULT_PREFIX", "../"),
        ("RESULT_PREFIX", "out/../"),
        ("RESULT_PREFIX", "./"),
        ("RESULT_PREFIX", "out/./"),
        ("RESULT_PREFIX", "out//"),
        ("RESULT_PREFIX", "${aws:username}/"),
        ("RESULT_PREFIX", "out/v1"),
        ("RESULT_PREFIX", "out\nx/"),
        ("RESULT_PREFIX", "a:b/"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "*"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/*"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/doc?"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/../other"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/./lambda"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "group:1"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/${aws:username}"),
        ("AWS_LAMBDA_FUNCTION_NAME", "doc-*"),
        ("AWS_LAMBDA_FUNCTION_NAME", "a:b"),
        ("BUCKET_NAME", "doc..results"),
        ("BUCKET_NAME", "doc-results\nx"),
        ("FUNCTION_TIMEOUT_S", "0"),
        ("FUNCTION_TIMEOUT_S", "901"),
        ("FUNCTION_TIMEOUT_S", "soon"),
    ],
)
def test_values_that_could_widen_the_policy_are_rejected(name, value):
    with pytest.raises(ConfigError) as info:
        load_config(dict(GOOD, **{name: value}))
    assert f"{name}={value!r}" in str(info.value)


def test_accepted_prefixes_and_log_groups():
    config = load_config(dict(GOOD, RESULT_PREFIX="out/v1.2/doc_s-3/",
                              AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/doc-fn#blue_2"))
    assert config.result_prefix == "out/v1.2/doc_s-3/"
    assert config.log_group_name == "/aws/lambda/doc-fn#blue_2"


def test_handler_config_built_directly_is_validated_too():
    with pytest.raises(ConfigError) as info:
        HandlerConfig(queue_url=GOOD["QUEUE_URL"], bucket_name="doc-results",
                      idempotency_table="doc-idempotency", result_prefix="p?/",
                      log_group_name="*")
    message = str(info.value)
    assert "HandlerConfig.result_prefix='p?/'" in message
    assert "HandlerConfig.log_group_name='*'" in message


# -- idempotency expiry vs function timeout -------------------------------------------------


def test_expiry_shorter_than_the_function_timeout_is_rejected_naming_both():
    with pytest.raises(ConfigError) as info:
        load_config(dict(GOOD, IDEMPOTENCY_EXPIRY_S="60", FUNCTION_TIMEOUT_S="900"))
    message = str(info.value)
    # 900 s timeout + 60 s margin = 960 s
    assert "IDEMPOTENCY_EXPIRY_S='60'" in message and "FUNCTION_TIMEOUT_S='900'" in message
    assert ">= 960" in message


def test_default_timeout_is_lambdas_maximum():
    with pytest.raises(ConfigError) as info:
        load_config(dict(GOOD, IDEMPOTENCY_EXPIRY_S="959"))
    assert "FUNCTION_TIMEOUT_S='900' (default)" in str(info.value)
    assert load_config(dict(GOOD, IDEMPOTENCY_EXPIRY_S="960")).idempotency_expiry_s == 960


def test_expiry_margin_boundary_for_a_30_s_function():
    # 30 s + 60 s = 90 s: 90 is the shortest expiry accepted
    config = load_config(dict(GOOD, IDEMPOTENCY_EXPIRY_S="90", FUNCTION_TIMEOUT_S="30"))
    assert (config.idempotency_expiry_s, config.function_timeout_s) == (90, 30)
    with pytest.raises(ConfigError):
        load_config(dict(GOOD, IDEMPOTENCY_EXPIRY_S="89", FUNCTION_TIMEOUT_S="30"))
    with pytest.raises(ConfigError) as info:
        HandlerConfig(queue_url=GOOD["QUEUE_URL"], bucket_name="doc-results",
                      idempotency_table="doc-idempotency", idempotency_expiry_s=60)
    assert "HandlerConfig.idempotency_expiry_s=60" in str(info.value)
    assert "HandlerConfig.function_timeout_s=900" in str(info.value)
