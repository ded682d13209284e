"""SQS batch handling: the thin part of the handler.

:func:`handle_sqs_batch`: for each record, parse it, delegate to a record processor,
log, and collect ``batchItemFailures``. (What the event source mapping then does with
the response is :func:`handler_harness.poller.failed_message_ids`.)
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from handler_reference.errors import HandlerError
from handler_reference.processor import DocumentCommand, RecordOutcome, parse_command

RecordProcessor = Callable[[DocumentCommand, Mapping[str, Any], Any], RecordOutcome]


def trace_id_of(record: Mapping[str, Any]) -> str | None:
    """X-Ray trace id (``Root=...``) of a record's ``AWSTraceHeader``, or of the invocation."""
    header = (record.get("attributes") or {}).get("AWSTraceHeader") or os.environ.get(
        "_X_AMZN_TRACE_ID", ""
    )
    for part in header.split(";"):
        if part.startswith("Root="):
            return part[len("Root="):]
    return None


def correlation_id_of(record: Mapping[str, Any]) -> str:
    """The producer's ``correlationId`` message attribute, else the trace id, else the messageId."""
    attribute = (record.get("messageAttributes") or {}).get("correlationId") or {}
    return (
        attribute.get("stringValue")
        or trace_id_of(record)
        or str(record.get("messageId", ""))
    )


def _peek_document_id(body: Any) -> str | None:
    """documentId for the logs of a record that failed to parse, if recoverable."""
    try:
        value = json.loads(body).get("documentId")
    except (TypeError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def handle_sqs_batch(
    event: Mapping[str, Any],
    context: Any,
    process: RecordProcessor,
    logger: logging.Logger,
) -> dict[str, list[dict[str, str]]]:
    """Process every record of a Lambda SQS event; return the partial batch response.

    Parameters
    ----------
    event : mapping
        Lambda SQS event (``{"Records": [...]}``).
    context : LambdaContext-like
        Provides ``aws_request_id`` and ``get_remaining_time_in_millis()``.
    process : callable
        ``process(command, record, context) -> RecordOutcome``; raises on failure.
    logger : logging.Logger

    Returns
    -------
    dict
        ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}``.

    Raises
    ------
    HandlerError
        If the event is not an SQS event (the whole batch then fails, as it should).
    """
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise HandlerError("event is not an SQS event: expected a 'Records' list")
    request_id = getattr(context, "aws_request_id", None)
    failures: list[dict[str, str]] = []
    counts = {"processed": 0, "duplicate": 0, "failed": 0}
    for record in records:
        message_id = record.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise HandlerError("record without a messageId: cannot report a partial failure")
        fields = {
            "messageId": message_id,
            "documentId": None,
            "requestId": request_id,
            "correlationId": correlation_id_of(record),
            "traceId": trace_id_of(record),
            "receiveCount": (record.get("attributes") or {}).get("ApproximateReceiveCount"),
        }
        try:
            command = parse_command(record.get("body"))
            fields["documentId"] = command.document_id
            outcome = process(command, record, context)
        except Exception as exc:  # every failure is reported per record, never swallowed
            if fields["documentId"] is None:
                fields["documentId"] = _peek_document_id(record.get("body"))
            failures.append({"itemIdentifier": message_id})
            counts["failed"] += 1
            logger.error(
                "record failed",
                extra={
                    "fields": {
                        **fields,
                        "outcome": "failed",
                        "errorType": type(exc).__name__,
                        "error": str(exc),
                    }
                },
            )
        else:
            counts[outcome.value] += 1
            logger.info(
                "record %s", outcome.value, extra={"fields": {**fields, "outcome": outcome.value}}
            )
    logger.info(
        "batch done",
        extra={"fields": {"requestId": request_id, "records": len(records), **counts}},
    )
    return {"batchItemFailures": failures}
