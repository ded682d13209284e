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
