"""Lambda entry point: ``handler_reference.app.handler(event, context)`` for SQS events.

Module level (cold start): configuration is read and validated first - a missing
variable fails the import naming every missing one - then the logger, the AWS clients,
the idempotency store and the result sink are created once and reused while the
execution environment stays warm. Per invocation the handler only parses the event,
delegates each record to :func:`handler_reference.processor.process_record` and
returns ``batchItemFailures`` (the event source mapping must have
``FunctionResponseTypes=["ReportBatchItemFailures"]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handler_reference.config import load_config

CONFIG = load_config()  # raises ConfigError at import (cold start) if misconfigured

import boto3  # noqa: E402  (after validation, so misconfiguration fails fast)

from handler_reference.batch import handle_sqs_batch  # noqa: E402
from handler_reference.logs import get_logger  # noqa: E402
from handler_reference.processor import (  # noqa: E402
    DocumentCommand,
    Ports,
    RecordOutcome,
    process_record,
)
from handler_reference.sink import S3ResultSink  # noqa: E402
from handler_reference.store import DynamoDBIdempotencyStore  # noqa: E402

LOGGER = get_logger(CONFIG.log_level)
_SESSION = boto3.session.Session(region_name=CONFIG.region)
PORTS = Ports(
    store=DynamoDBIdempotencyStore(_SESSION.client("dynamodb"), CONFIG.idempotency_table),
    sink=S3ResultSink(_SESSION.client("s3"), CONFIG.bucket_name),
    result_prefix=CONFIG.result_prefix,
    expires_after_s=CONFIG.idempotency_expiry_s,
)


def _process(command: DocumentCommand, record: Mapping[str, Any], context: Any) -> RecordOutcome:
    return process_record(command, record, context, PORTS)


def handler(event: Mapping[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Lambda handler for an SQS event; returns ``{"batchItemFailures": [...]}``."""
    return handle_sqs_batch(event, context, _process, LOGGER)
