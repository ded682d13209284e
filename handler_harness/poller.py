"""A local SQS event source mapping: what Lambda's poller does, in a loop we control.

moto's own event source mapping needs Docker and ignores ``ReportBatchItemFailures``,
so tests, benchmarks and the fault campaign use this one. For each batch it

1. receives up to ``batch_size`` messages (``AttributeNames=All``, visibility timeout of
   the queue or ``visibility_timeout_s``);
2. builds the real Lambda SQS event (``Records`` with ``messageId``, ``receiptHandle``,
   ``body``, ``attributes``, ``messageAttributes``, ``md5OfBody``, ``eventSource``,
   ``eventSourceARN``, ``awsRegion``) and a Lambda-like context whose
   ``get_remaining_time_in_millis()`` counts down from ``function_timeout_s``;
3. calls the handler and applies AWS's partial-response rules
   (:func:`failed_message_ids`);
4. deletes the successes and returns the failures to the queue (``ChangeMessageVisibility``
   to ``retry_delay_s``, 0 by default for fast retries; ``None`` leaves them until their
   visibility timeout runs out, as Lambda does).

Dead-lettering is left to the queue's ``RedrivePolicy``: a message received
``maxReceiveCount`` times moves to the DLQ on the next receive.

Every SQS call goes through a :class:`~handler_harness.retry.RetryPolicy`: during an
endpoint outage (connection refused, dropped, timed out, throttling, 5xx) the poller waits
with capped exponential backoff and full jitter and carries on where it was, as Lambda's
poller keeps polling; an outage delays messages and loses none.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from handler_harness.retry import RetryPolicy

_LAMBDA_ATTRIBUTE_NAMES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
)
_PASS_THROUGH = (KeyboardInterrupt, SystemExit, GeneratorExit)


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class LambdaContext:
    """The parts of Lambda's context object handlers use.

    Parameters
    ----------
    aws_request_id : str
    function_name : str
    deadline_ms : int
        [ms] Epoch millisecond at which the invocation times out.
    clock_ms : callable
        Current epoch time [ms].
    memory_limit_in_mb : int
        [MB] Configured memory.
    """

    aws_request_id: str
    function_name: str
    deadline_ms: int
    clock_ms: Callable[[], int] = _wall_clock_ms
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        """[ms] Time left before the invocation times out."""
        return max(0, int(self.deadline_ms - self.clock_ms()))


def lambda_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """Convert one ``ReceiveMessage`` message into a Lambda SQS event record."""
    attributes = message.get("Attributes") or {}
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {k: attributes[k] for k in _LAMBDA_ATTRIBUTE_NAMES if k in attributes},
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": list(value.get("StringListValues", [])),
                "binaryListValues": list(value.get("BinaryListValues", [])),
                "dataType": value.get("DataType"),
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


@dataclass(frozen=True)
class BatchResult:
    """What happened to one invocation.

    Parameters
    ----------
    request_id : str
    message_ids : tuple of str
    failed_ids : frozenset of str
        Returned to the queue.
    raised : bool
        The handler raised or crashed (the whole batch failed).
    error_type : str or None
        Class name of what the handler raised.
    deleted : int
        Messages deleted.
    failed_receipt_handles : tuple of str
        Receipt handles of the failed messages (to return them later when
        ``retry_delay_s`` is ``None``).
    """

    request_id: str
    message_ids: tuple[str, ...]
    failed_ids: frozenset[str]
    raised: bool
    error_type: str | None
    deleted: int
    failed_receipt_handles: tuple[str, ...] = ()


@dataclass
class DrainResult:
    """Totals of :meth:`LocalEventSourceMapping.drain`.

    ``endpoint_retries`` and ``endpoint_wait_s`` [s] count the poller's own retries of
    SQS calls during the drain (not the handler's).
    """

    invocations: int = 0
    records: int = 0
    failed_records: int = 0
    raised_invocations: int = 0
    endpoint_retries: int = 0
    endpoint_wait_s: float = 0.0
    batches: list[BatchResult] = field(default_factory=list, repr=False)


class LocalEventSourceMapping:
    """Poll an SQS queue and feed a Lambda handler, following Lambda's SQS rules.

    Parameters
    ----------
    sqs_client : botocore SQS client
    queue_url : str
    handler : callable
        ``handler(event, context) -> response``.
    batch_size : int
        Records per invocation (1-10 without a batching window).
    visibility_timeout_s : int, optional
        [s] Visibility timeout for receives (default: the queue's).
    function_timeout_s : float
        [s] Timeout of the simulated function (context's remaining time).
    retry_delay_s : int or None
        [s] Visibility given to failed messages; ``None`` leaves the visibility timeout.
    clock_ms : callable
        Current epoch time [ms] for the context (injected by the fault campaign).
    function_name : str
    retry : RetryPolicy, optional
        How SQS calls are retried through an endpoint outage (default
        ``RetryPolicy()``: 0.05 s doubling to a 2 s cap, full jitter, give up after
        300 s).
    """

    def __init__(
        self,
        sqs_client: Any,
        queue_url: str,
        handler: Callable[[Mapping[str, Any], Any], Any],
        *,
        batch_size: int = 10,
        visibility_timeout_s: int | None = None,
        function_timeout_s: float = 30.0,
        retry_delay_s: int | None = 0,
        clock_ms: Callable[[], int] = _wall_clock_ms,
        function_name: str = "document-processor",
        retry: RetryPolicy | None = None,
    ) -> None:
        if not 1 <= batch_size <= 10:
            raise ValueError(f"batch_size={batch_size!r} must be an integer in [1, 10]")
        self.sqs = sqs_client
        self.queue_url = queue_url
        self.handler = handler
        self.batch_size = batch_size
        self.visibility_timeout_s = visibility_timeout_s
        self.function_timeout_s = function_timeout_s
        self.retry_delay_s = retry_delay_s
        self.clock_ms = clock_ms
        self.function_name = function_name
        self.retry = retry if retry is not None else RetryPolicy()
        self.region = sqs_client.meta.region_name
        self.queue_arn = self.retry.call(
            "GetQueueAttributes", sqs_client.get_queue_attributes,
            QueueUrl=queue_url, AttributeNames=["QueueArn"],
        )["Attributes"]["QueueArn"]

    def receive(self) -> list[dict[str, Any]]:
        """One ``ReceiveMessage`` call, converted to Lambda records (may be empty)."""
        kwargs: dict[str, Any] = {
            "QueueUrl": self.queue_url,
            "MaxNumberOfMessages": self.batch_size,
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
            "WaitTimeSeconds": 0,
        }
        if self.visibility_timeout_s is not None:
            kwargs["VisibilityTimeout"] = int(self.visibility_timeout_s)
        messages = self.retry.call("ReceiveMessage", self.sqs.receive_message, **kwargs).get(
            "Messages", []
        )
        return [lambda_record(m, self.queue_arn, self.region) for m in messages]

    def make_context(self) -> LambdaContext:
        """A fresh Lambda-like context with the full function timeout remaining."""
        return LambdaContext(
            aws_request_id=str(uuid.uuid4()),
            function_name=self.function_name,
            deadline_ms=self.clock_ms() + int(self.function_timeout_s * 1000),
            clock_ms=self.clock_ms,
            log_group_name=f"/aws/lambda/{self.function_name}",
        )

    def invoke(self, records: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Invoke the handler on ``records``, then delete successes and return failures."""
        event = {"Records": [dict(r) for r in records]}
        context = self.make_context()
        response, raised, error_type = None, False, None
        try:
            response = self.handler(event, context)
        except _PASS_THROUGH:
            raise
        except BaseException as exc:  # a crashed invocation fails the whole batch
            raised, error_type = True, type(exc).__name__
        ids = [r["messageId"] for r in records]
        failed = failed_message_ids(response, ids, raised=raised)
        handles = {r["messageId"]: r["receiptHandle"] for r in records}
        deleted = self._delete([handles[i] for i in ids if i not in failed])
        failed_handles = tuple(handles[i] for i in ids if i in failed)
        if self.retry_delay_s is not None:
            self.return_to_queue(failed_handles, self.retry_delay_s)
        return BatchResult(
            context.aws_request_id, tuple(ids), failed, raised, error_type, deleted, failed_handles
        )

    def poll_once(self) -> BatchResult | None:
        """Receive one batch and invoke the handler; ``None`` if nothing was received."""
        records = self.receive()
        return self.invoke(records) if records else None

    def queue_depth(self) -> int:
        """Visible plus in-flight messages (``ApproximateNumberOf...``)."""
        attributes = self.retry.call(
            "GetQueueAttributes",
            self.sqs.get_queue_attributes,
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def drain(
        self,
        max_invocations: int = 100_000,
        after_batch: Callable[[BatchResult], None] | None = None,
        max_idle_polls: int = 100,
        idle_sleep_s: float = 0.05,
    ) -> DrainResult:
        """Poll until nothing is visible and nothing is in flight (or the cap is hit).

        Parameters
        ----------
        max_invocations : int
            Safety cap on handler invocations.
        after_batch : callable, optional
            Called with each :class:`BatchResult` (the fault campaign moves time here).
        max_idle_polls : int
            Give up after this many empty receives while messages are still in flight.
        idle_sleep_s : float
            [s] Pause between empty receives.

        Raises
        ------
        EndpointUnavailableError
            If an SQS call kept failing for longer than the retry policy allows
            (nothing is lost: undeleted messages are received again later).
        """
        result = DrainResult()
        retries_before, waited_before = self.retry.retries, self.retry.waited_s
        idle_polls = 0
        while result.invocations < max_invocations:
            batch = self.poll_once()
            if batch is None:
                if self.queue_depth() == 0 or idle_polls >= max_idle_polls:
                    break
                idle_polls += 1
                time.sleep(idle_sleep_s)
                continue
            idle_polls = 0
            result.invocations += 1
            result.records += len(batch.message_ids)
            result.failed_records += len(batch.failed_ids)
            result.raised_invocations += int(batch.raised)
            result.batches.append(batch)
            if after_batch is not None:
                after_batch(batch)
        result.endpoint_retries = self.retry.retries - retries_before
        result.endpoint_wait_s = self.retry.waited_s - waited_before
        return result

    def _delete(self, receipt_handles: list[str]) -> int:
        deleted = 0
        for start in range(0, len(receipt_handles), 10):
            chunk = receipt_handles[start:start + 10]
            response = self.retry.call(
                "DeleteMessageBatch",
                self.sqs.delete_message_batch,
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)],
            )
            deleted += len(response.get("Successful", []))
        return deleted

    def return_to_queue(self, receipt_handles: Sequence[str], delay_s: int = 0) -> None:
        """Make messages receivable again after ``delay_s`` [s] (``ChangeMessageVisibility``)."""
        for start in range(0, len(receipt_handles), 10):
            chunk = receipt_handles[start:start + 10]
            # Entries already deleted by another consumer come back as "Failed": fine.
            self.retry.call(
                "ChangeMessageVisibilityBatch",
                self.sqs.change_message_visibility_batch,
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": int(delay_s)}
                    for i, h in enumerate(chunk)
                ],
            )


def failed_message_ids(
    response: Any, message_ids: Sequence[str], raised: bool = False
) -> frozenset[str]:
    """Which messages of a batch failed, by AWS's rules for partial batch responses.

    Success for the whole batch: a ``None`` response, an empty dict, or a missing,
    ``None`` or empty ``batchItemFailures`` list. Failure of the whole batch: the
    handler raised, the response is not a JSON object, or any entry has a missing,
    ``None``, empty or unknown ``itemIdentifier`` (or a bad key name). Otherwise exactly
    the listed messages failed.

    Parameters
    ----------
    response : any
        What the handler returned.
    message_ids : sequence of str
        The messageIds of the batch.
    raised : bool
        Whether the handler raised (or crashed).

    Returns
    -------
    frozenset of str
    """
    everything = frozenset(message_ids)
    if raised:
        return everything
    if response is None:
        return frozenset()
    if not isinstance(response, Mapping):
        return everything
    items = response.get("batchItemFailures")
    if items is None:
        return frozenset()
    if not isinstance(items, list):
        return everything
    failed = set()
    for item in items:
        if not isinstance(item, Mapping):
            return everything
        identifier = item.get("itemIdentifier")
        if not isinstance(identifier, str) or not identifier or identifier not in everything:
            return everything
        failed.add(identifier)
    return frozenset(failed)
