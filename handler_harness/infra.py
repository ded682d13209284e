"""Create the handler's infrastructure from ``deploy/template.yaml`` - in moto in-process,
or against any endpoint (``AWS_ENDPOINT_URL``: moto's server, LocalStack, or a real
account when unset and credentials are present).

There is one description of the stack: :func:`create_infrastructure` deploys the
template with CloudFormation (:func:`handler_harness.stack.deploy_stack`), with the event
source mapping disabled because the local poller plays Lambda's poller, and reads the
names it needs from the stack's outputs and the deployed function's environment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3

from handler_harness import moto_cfn
from handler_harness.stack import LOCAL_POLLER_PARAMETERS, client, deploy_stack, function_environment
from handler_reference.config import HandlerConfig, load_config

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
    """Low-level clients for the three services (one region, one endpoint).

    ``endpoint_url`` is the endpoint they were made for (``None``: boto3's default or
    ``AWS_ENDPOINT_URL``); CloudFormation and Lambda clients use the same.
    """

    sqs: Any
    dynamodb: Any
    s3: Any
    region: str
    endpoint_url: str | None = None


def make_clients(region: str = "us-east-1", endpoint_url: str | None = None) -> AwsClients:
    """Clients for SQS, DynamoDB and S3; ``endpoint_url=None`` lets boto3 read ``AWS_ENDPOINT_URL``."""
    session = boto3.session.Session(region_name=region)
    kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return AwsClients(
        sqs=session.client("sqs", **kwargs),
        dynamodb=session.client("dynamodb", **kwargs),
        s3=session.client("s3", **kwargs),
        region=region,
        endpoint_url=endpoint_url,
    )


@dataclass(frozen=True)
class Infrastructure:
    """Names and ARNs of the stack :func:`create_infrastructure` deployed.

    Parameters
    ----------
    visibility_timeout_s : int
        [s] Source queue's visibility timeout.
    max_receive_count : int
        Receives before a message moves to the DLQ.
    stack : StackOutputs
        All outputs of the stack.
    function_environment : mapping
        The deployed function's environment, as Lambda sets it.
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
    stack_name: str = ""
    stack: Any = None
    function_environment: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def is_fifo(self) -> bool:
        """Whether the source queue is a FIFO queue."""
        return self.queue_url.endswith(".fifo")

    def environment(self) -> dict[str, str]:
        """The handler's environment variables: those of the deployed function."""
        return dict(self.function_environment)

    def handler_config(self, **overrides: Any) -> HandlerConfig:
        """The deployed function's :class:`HandlerConfig` (without touching ``os.environ``)."""
        return dataclasses.replace(load_config(self.function_environment), **overrides)


def create_infrastructure(
    clients: AwsClients,
    *,
    name_prefix: str = "docs-local",
    max_receive_count: int = 5,
    visibility_timeout_s: int = 180,
    queue_type: str = "standard",
    content_based_deduplication: bool = False,
    **parameters: Any,
) -> Infrastructure:
    """Deploy ``deploy/template.yaml`` (stack ``<name_prefix>-stack``) for the local poller.

    Parameters
    ----------
    clients : AwsClients
    name_prefix : str
        ``NamePrefix`` of the stack: 2-20 lowercase letters, digits or hyphens.
    max_receive_count : int
        ``maxReceiveCount`` of the redrive policy.
    visibility_timeout_s : int
        [s] Visibility timeout of the source queue (AWS advises at least 6x the
        function timeout for Lambda event sources).
    queue_type : {"standard", "fifo"}
    content_based_deduplication : bool
        FIFO only: let SQS derive deduplication ids from the body.
    **parameters
        Further template parameters by name (``FunctionTimeoutSeconds=20``...).
    """
    moto_cfn.install()  # only changes moto's backends in this process
    stack_name = f"{name_prefix}-stack"
    outputs = deploy_stack(
        stack_name,
        {
            **LOCAL_POLLER_PARAMETERS,
            "NamePrefix": name_prefix,
            "MaxReceiveCount": int(max_receive_count),
            "QueueVisibilityTimeoutSeconds": int(visibility_timeout_s),
            "QueueType": queue_type,
            "ContentBasedDeduplication": str(bool(content_based_deduplication)).lower(),
            **parameters,
        },
        region=clients.region,
        endpoint_url=clients.endpoint_url,
    )
    dlq_arn = clients.sqs.get_queue_attributes(
        QueueUrl=outputs.dead_letter_queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    environment = function_environment(
        client("lambda", clients.region, clients.endpoint_url), outputs.function_name
    )
    return Infrastructure(
        queue_url=outputs.queue_url,
        queue_arn=outputs.queue_arn,
        dlq_url=outputs.dead_letter_queue_url,
        dlq_arn=dlq_arn,
        table_name=outputs.table_name,
        bucket_name=outputs.bucket_name,
        region=clients.region,
        max_receive_count=int(max_receive_count),
        visibility_timeout_s=int(visibility_timeout_s),
        stack_name=stack_name,
        stack=outputs,
        function_environment=environment,
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


def receive_all(
    clients: AwsClients, queue_url: str, visibility_timeout_s: int = 600, consume: bool = False
) -> list[dict]:
    """Receive every visible message of a queue (e.g. the DLQ).

    Without ``consume`` the messages stay in the queue (in flight). A FIFO queue hands
    out no more messages of a group while some are in flight, so reading a whole FIFO
    queue needs ``consume=True``: each batch is deleted once read.
    """
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
        if consume:
            clients.sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
            )
