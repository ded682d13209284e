"""Least-privilege IAM policy for the handler, generated from its configuration.

Only the actions the code calls, only on the queue, table, result prefix and log group
it uses. The DynamoDB and S3 actions come from the ``REQUIRED_ACTIONS`` of the store
and sink classes, so the policy cannot drift from the code. The SQS actions are the
ones Lambda's event source mapping needs (``AWSLambdaSQSQueueExecutionRole``, scoped to
one queue); the local poller of ``handler_harness`` also changes message visibility.

Not included (add if you turn them on): ``xray:PutTraceSegments`` and
``xray:PutTelemetryRecords`` for active tracing (they do not support resource scoping),
``kms:Decrypt``/``kms:GenerateDataKey`` for customer-managed keys on the queue, table or
bucket, and ``logs:CreateLogGroup`` (create the log group with its retention in IaC).
"""

from __future__ import annotations

from handler_reference.config import HandlerConfig
from handler_reference.sink import S3ResultSink
from handler_reference.store import DynamoDBIdempotencyStore

POLICY_VERSION = "2012-10-17"
#: Actions of Lambda's SQS event source mapping (AWSLambdaSQSQueueExecutionRole).
SQS_EVENT_SOURCE_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
#: Extra action of the local poller (:class:`handler_harness.poller.LocalEventSourceMapping`).
SQS_LOCAL_POLLER_ACTIONS = ("sqs:ChangeMessageVisibility",)
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def partition_of(region: str) -> str:
    """ARN partition of a region (``aws``, ``aws-cn``, ``aws-us-gov``)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def resource_arns(config: HandlerConfig) -> dict[str, str]:
    """ARNs of the queue, table, result objects and log streams the handler uses."""
    partition = partition_of(config.region)
    account, region = config.account_id, config.region
    return {
        "queue": f"arn:{partition}:sqs:{region}:{account}:{config.queue_name}",
        "table": f"arn:{partition}:dynamodb:{region}:{account}:table/{config.idempotency_table}",
        "results": f"arn:{partition}:s3:::{config.bucket_name}/{config.result_prefix}*",
        "logs": f"arn:{partition}:logs:{region}:{account}:log-group:{config.log_group_name}:*",
    }


def handler_policy(config: HandlerConfig, *, local_poller: bool = False) -> dict:
    """The IAM policy document (a JSON-serialisable dict) for the reference handler.

    Parameters
    ----------
    config : HandlerConfig
    local_poller : bool
        Also allow ``sqs:ChangeMessageVisibility`` (needed by the local poller only).
    """
    arns = resource_arns(config)
    sqs_actions = SQS_EVENT_SOURCE_ACTIONS + (SQS_LOCAL_POLLER_ACTIONS if local_poller else ())
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "ConsumeSourceQueue",
                "Effect": "Allow",
                "Action": sorted(sqs_actions),
                "Resource": arns["queue"],
            },
            {
                "Sid": "ClaimAndCompleteIdempotencyRecords",
                "Effect": "Allow",
                "Action": sorted(DynamoDBIdempotencyStore.REQUIRED_ACTIONS),
                "Resource": arns["table"],
            },
            {
                "Sid": "WriteResultObjects",
                "Effect": "Allow",
                "Action": sorted(S3ResultSink.REQUIRED_ACTIONS),
                "Resource": arns["results"],
            },
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": sorted(LOG_ACTIONS),
                "Resource": arns["logs"],
            },
        ],
    }
