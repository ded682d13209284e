"""Create the handler's infrastructure: queue + DLQ (RedrivePolicy), idempotency table,
versioned bucket - in moto in-process, or against any endpoint (``AWS_ENDPOINT_URL``:
moto's server, LocalStack, or a real account when unset and credentials are present).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3

from handler_reference.config import HandlerConfig

#: Credentials that cannot reach AWS; set for in-process moto so nothing real is used.
DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_PROFILE": None,
    "AWS_ENDPOINT_URL": None,
}


@contextlib.contextmanager
def patched_environ(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for ``None``, remove) environment variables; restore them afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def local_aws(endpoint_url: str | None = None) -> Iterator[str | None]:
    """Run the body against ``endpoint_url`` (or ``AWS_ENDPOINT_URL``), else in-process moto.

    In-process moto gets dummy credentials (restored afterwards); yields the endpoint
    used, or ``None`` for in-process moto.
    """
    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        with patched_environ({"AWS_ENDPOINT_URL": endpoint}):
            yield endpoint
        return
    from moto import mock_aws  # noqa: PLC0415  (deferred: moto is needed only without an endpoint)

    with patched_environ(DUMMY_AWS_ENV), mock_aws():
        yield None


@dataclass(frozen=True)
class AwsClients:
    """Low-level clients for the three services (one region, one endpoint)."""

    sqs: Any
    dynamodb: Any
    s3: Any
    region: str


def make_clients(region: str = "us-east-1", endpoint_url: str | None = None) -> AwsClients:
    """Clients for SQS, DynamoDB and S3; ``endpoint_url=None`` lets boto3 read ``AWS_ENDPOINT_URL``."""
    session = boto3.session.Session(region_name=region)
    kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return AwsClients(
        sqs=session.client("sqs", **kwargs),
        dynamodb=session.client("dynamodb", **kwargs),
        s3=session.client("s3", **kwargs),
        region=region,
    )


@dataclass(frozen=True)
class Infrastructure:
    """Names and ARNs of what :func:`create_infrastructure` made.

    Parameters
    ----------
    visibility_timeout_s : int
        [s] Source queue's visibility timeout.
    max_receive_count : int
        Receives before a message moves to the DLQ.
    """

    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str
    table_name: str
    bucket_name: str
    region: str
    max_receive_count: int
    visibility_timeout_s: int

    def environment(self) -> dict[str, str]:
        """The handler's environment variables for this infrastructure."""
        return {
            "QUEUE_URL": self.queue_url,
            "BUCKET_NAME": self.bucket_name,
            "IDEMPOTENCY_TABLE": self.table_name,
            "AWS_REGION": self.region,
        }

    def handler_config(self, **overrides: Any) -> HandlerConfig:
        """A :class:`HandlerConfig` for this infrastructure (without touching ``os.environ``)."""
        values: dict[str, Any] = {
            "queue_url": self.queue_url,
            "bucket_name": self.bucket_name,
            "idempotency_table": self.table_name,
            "region": self.region,
        }
        values.update(overrides)
        return HandlerConfig(**values)


def create_infrastructure(
    clients: AwsClients,
    *,
    name_prefix: str = "docs-local",
    max_receive_count: int = 5,
    visibility_timeout_s: int = 180,
) -> Infrastructure:
    """Create DLQ, source queue with ``RedrivePolicy``, idempotency table and versioned bucket.

    Parameters
    ----------
    clients : AwsClients
    name_prefix : str
        Lowercase prefix of every name (bucket names are global on real AWS).
    max_receive_count : int
        ``maxReceiveCount`` of the redrive policy.
    visibility_timeout_s : int
        [s] Visibility timeout of the source queue (AWS advises at least 6x the
        function timeout for Lambda event sources).
    """
    sqs, dynamodb, s3 = clients.sqs, clients.dynamodb, clients.s3
    dlq_url = sqs.create_queue(
        QueueName=f"{name_prefix}-dlq", Attributes={"MessageRetentionPeriod": "1209600"}
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    queue_url = sqs.create_queue(
        QueueName=f"{name_prefix}-queue",
        Attributes={
            "VisibilityTimeout": str(int(visibility_timeout_s)),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(int(max_receive_count))}
            ),
        },
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    table_name = f"{name_prefix}-idempotency"
    dynamodb.create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    dynamodb.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"},
    )
    bucket_name = f"{name_prefix}-results"
    if clients.region == "us-east-1":
        s3.create_bucket(Bucket=bucket_name)
    else:
        s3.create_bucket(
            Bucket=bucket_name,
            CreateBucketConfiguration={"LocationConstraint": clients.region},
        )
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})
    return Infrastructure(
        queue_url=queue_url,
        queue_arn=queue_arn,
        dlq_url=dlq_url,
        dlq_arn=dlq_arn,
        table_name=table_name,
        bucket_name=bucket_name,
        region=clients.region,
        max_receive_count=int(max_receive_count),
        visibility_timeout_s=int(visibility_timeout_s),
    )


def object_versions(clients: AwsClients, bucket_name: str, prefix: str) -> dict[str, list[str]]:
    """ETags of every version of every object under ``prefix`` (``{key: [etag, ...]}``).

    With versioning on, the number of versions of a key counts how many times it was
    written; equal ETags (MD5 of a single-part upload) mean identical content.
    """
    versions: dict[str, list[str]] = {}
    paginator = clients.s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket_name, Prefix=prefix):
        for version in page.get("Versions", []):
            versions.setdefault(version["Key"], []).append(version["ETag"].strip('"'))
    return versions


def receive_all(clients: AwsClients, queue_url: str, visibility_timeout_s: int = 600) -> list[dict]:
    """Receive every visible message of a queue (e.g. the DLQ) without deleting it."""
    messages: list[dict] = []
    while True:
        batch = clients.sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=visibility_timeout_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)
