"""The least-privilege policy, generated from configuration."""

from __future__ import annotations

import json

from handler_reference.config import HandlerConfig
from handler_reference.iam import handler_policy, partition_of

CONFIG = HandlerConfig(
    queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/documents",
    bucket_name="doc-results",
    idempotency_table="doc-idempotency",
    region="eu-west-1",
    function_name="doc-fn",
    log_group_name="/aws/lambda/doc-fn",
)


def statements(policy):
    return {s["Sid"]: s for s in policy["Statement"]}


def test_policy_is_a_valid_document_with_allow_statements_only():
    policy = handler_policy(CONFIG)
    assert json.loads(json.dumps(policy)) == policy
    assert policy["Version"] == "2012-10-17"
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])


def test_exact_actions_and_resources():
    by_sid = statements(handler_policy(CONFIG))
    # Lambda's SQS event source mapping needs these three (AWSLambdaSQSQueueExecutionRole)
    assert by_sid["ConsumeSourceQueue"] == {
        "Sid": "ConsumeSourceQueue",
        "Effect": "Allow",
        "Action": ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
        "Resource": "arn:aws:sqs:eu-west-1:123456789012:documents",
    }
    # claim = conditional PutItem, complete = UpdateItem, release = DeleteItem; no reads, no scans
    assert by_sid["ClaimAndCompleteIdempotencyRecords"]["Action"] == [
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert (
        by_sid["ClaimAndCompleteIdempotencyRecords"]["Resource"]
        == "arn:aws:dynamodb:eu-west-1:123456789012:table/doc-idempotency"
    )
    assert by_sid["WriteResultObjects"]["Action"] == ["s3:PutObject"]
    assert by_sid["WriteResultObjects"]["Resource"] == "arn:aws:s3:::doc-results/processed/*"
    assert by_sid["WriteOwnLogs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert (
        by_sid["WriteOwnLogs"]["Resource"]
        == "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/doc-fn:*"
    )


def test_no_wildcard_actions_or_account_wide_resources():
    for statement in handler_policy(CONFIG, local_poller=True)["Statement"]:
        assert all("*" not in action for action in statement["Action"])
        resource = statement["Resource"]
        assert isinstance(resource, str) and resource != "*"
        # the only wildcards are object keys under the prefix and log streams of one group
        assert resource.count("*") <= 1 and (not resource.count("*") or resource.endswith("*"))


def test_local_poller_adds_only_change_visibility():
    base = statements(handler_policy(CONFIG))["ConsumeSourceQueue"]["Action"]
    local = statements(handler_policy(CONFIG, local_poller=True))["ConsumeSourceQueue"]["Action"]
    assert set(local) - set(base) == {"sqs:ChangeMessageVisibility"}


def test_policy_follows_configuration():
    config = HandlerConfig(
        queue_url="https://sqs.cn-north-1.amazonaws.com.cn/210987654321/q2",
        bucket_name="other-bucket",
        idempotency_table="t2-table",
        region="cn-north-1",
        result_prefix="out/v2/",
    )
    by_sid = statements(handler_policy(config))
    assert by_sid["ConsumeSourceQueue"]["Resource"] == "arn:aws-cn:sqs:cn-north-1:210987654321:q2"
    assert by_sid["WriteResultObjects"]["Resource"] == "arn:aws-cn:s3:::other-bucket/out/v2/*"
    assert partition_of("us-gov-west-1") == "aws-us-gov"


# -- no configuration value can put a wildcard or a path step into the policy -------------

from hypothesis import event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from handler_reference.errors import ConfigError  # noqa: E402

#: Characters that mean something in an IAM resource or a path, plus ordinary ones.
_HOSTILE = "ab1-_./*?$:{}#\n "
segment = st.one_of(st.text(alphabet="ab1-_.#", min_size=1, max_size=6),
                    st.text(alphabet=_HOSTILE, min_size=0, max_size=6))
prefix_st = st.lists(segment, min_size=1, max_size=3).map(lambda parts: "/".join(parts) + "/")
name_st = st.one_of(st.text(alphabet=_HOSTILE, min_size=1, max_size=12),
                    st.lists(segment, min_size=1, max_size=4).map("/".join))
#: One field at a time, so that acceptance is frequent enough to test the accepted side.
overrides_st = st.one_of(
    st.builds(lambda v: {"result_prefix": v}, prefix_st),
    st.builds(lambda v: {"log_group_name": v}, name_st),
    st.builds(lambda v: {"function_name": v}, name_st),
    st.builds(lambda p, g: {"result_prefix": p, "log_group_name": g}, prefix_st, name_st),
)


def _policy_or_none(**overrides):
    try:
        config = HandlerConfig(
            queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/documents",
            bucket_name="doc-results", idempotency_table="doc-idempotency",
            region="eu-west-1", **overrides)
    except ConfigError:
        return None, None
    return config, statements(handler_policy(config, local_poller=True))


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(overrides=overrides_st)
def test_configuration_never_puts_a_wildcard_or_path_step_into_the_policy(overrides):
    config, by_sid = _policy_or_none(**overrides)
    event("accepted" if config else "rejected")
    if config is None:
        return
    prefix = config.result_prefix
    results = by_sid["WriteResultObjects"]["Resource"]
    logs = by_sid["WriteOwnLogs"]["Resource"]
    # the only wildcards are the two the template puts at the very end
    assert results == f"arn:aws:s3:::doc-results/{prefix}*" and results.count("*") == 1
    assert logs.endswith(":*") and logs.count("*") == 1
    for statement in by_sid.values():
        resource = statement["Resource"]
        assert "?" not in resource and "${" not in resource and "\n" not in resource
    key_path = results[len("arn:aws:s3:::doc-results/"):-1].split("/")[:-1]
    assert key_path and not {"", ".", ".."} & set(key_path)
    assert not {".", ".."} & set(config.log_group_name.split("/"))
    assert logs == (f"arn:aws:logs:eu-west-1:123456789012:log-group:{config.log_group_name}:*")
    assert logs.count(":") == 7  # no ARN separator came from the log group name


def test_the_property_sees_accepted_configurations():
    """The strategies above reach accepted values too (not only rejections)."""
    config, by_sid = _policy_or_none(result_prefix="a1/b-_/", log_group_name="/a/b#1",
                                     function_name="a_1-b")
    assert config is not None
    assert by_sid["WriteResultObjects"]["Resource"] == "arn:aws:s3:::doc-results/a1/b-_/*"
    for rejected in ("a/*/", "../", "a?/", "${x}/"):
        assert _policy_or_none(result_prefix=rejected) == (None, None)
