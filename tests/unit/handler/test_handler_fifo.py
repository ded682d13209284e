"""AWS's FIFO partial-batch rule in the handler: the first failure in a message group
fails that message and every later one of the group (unprocessed); other groups go on.
Checked by hand on small batches and against Powertools' SqsFifoPartialProcessor
(skip_group_on_error=True) on generated ones."""

from __future__ import annotations

import io
import json
import logging

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from hypothesis import given, settings
from hypothesis import strategies as st

from handler_reference.batch import handle_sqs_batch
from handler_reference.errors import MessageGroupBlockedError, StoreThrottledError
from handler_reference.fifo import GroupGate, is_fifo_record, message_group_of
from handler_reference.logs import JsonFormatter
from handler_reference.processor import RecordOutcome

FIFO_ARN = "arn:aws:sqs:eu-west-1:123456789012:docs-queue.fifo"
STANDARD_ARN = "arn:aws:sqs:eu-west-1:123456789012:docs-queue"


def record(message_id, group, arn=FIFO_ARN):
    attributes = {"ApproximateReceiveCount": "1"}
    if group is not None:
        attributes["MessageGroupId"] = group
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": json.dumps({"documentId": f"doc-{message_id}"}),
        "attributes": attributes,
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": "eu-west-1",
    }


class Context:
    aws_request_id = "req-1"

    @staticmethod
    def get_remaining_time_in_millis():
        return 30_000


def run(records, failing):
    """Our handler: (reported failures in batch order, processed ids in order, log lines)."""
    processed = []

    def process(command, rec, context):
        processed.append(rec["messageId"])
        if rec["messageId"] in failing:
            raise StoreThrottledError("injected")
        return RecordOutcome.PROCESSED

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.fifo")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    response = handle_sqs_batch({"Records": records}, Context(), process, logger)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [f["itemIdentifier"] for f in response["batchItemFailures"]], processed, lines


def powertools(records, failing):
    """Powertools' FIFO processor, skipping the rest of a failed group only."""
    processed = []

    def record_handler(record):  # Powertools passes the record by this keyword
        processed.append(record.message_id)
        if record.message_id in failing:
            raise RuntimeError("injected")

    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    try:
        with processor(records=records, handler=record_handler):
            processor.process()
    except BatchProcessingError:  # Powertools raises when every record failed
        return [r["messageId"] for r in records], processed
    return [f["itemIdentifier"] for f in processor.response()["batchItemFailures"]], processed


def test_first_failure_in_a_group_holds_back_the_rest_of_that_group_only():
    records = [
        record("a1", "A"), record("b1", "B"), record("a2", "A"), record("a3", "A"),
        record("b2", "B"), record("c1", "C"), record("a4", "A"),
    ]
    failures, processed, lines = run(records, failing={"a2"})
    # a2 fails; a3 and a4 are reported without being processed; B and C carry on
    assert failures == ["a2", "a3", "a4"]
    assert processed == ["a1", "b1", "a2", "b2", "c1"]
    blocked = [line for line in lines if line.get("errorType") == "MessageGroupBlockedError"]
    assert [line["messageId"] for line in blocked] == ["a3", "a4"]
    assert all(line["messageGroupId"] == "A" and "message a2 of message group 'A'" in line["error"]
               for line in blocked)
    assert all(line["message"] == "record failed" for line in blocked)  # counted by the metric filter
    assert lines[-1]["failed"] == 3 and lines[-1]["processed"] == 4


def test_standard_queue_groups_do_not_order_anything():
    # fair queues: standard queues may carry MessageGroupId, without FIFO ordering
    records = [record("a1", "A", STANDARD_ARN), record("a2", "A", STANDARD_ARN)]
    failures, processed, lines = run(records, failing={"a1"})
    assert failures == ["a1"] and processed == ["a1", "a2"]
    assert "messageGroupId" not in lines[0]


def test_a_fifo_record_whose_group_cannot_be_read_is_processed_on_its_own():
    # SQS always sends MessageGroupId; only a corrupted event lacks it. Such a record
    # neither holds back nor is held back (as Powertools does): stopping everything after
    # it would let one corrupted record dead-letter other groups' messages.
    records = [record("a1", "A"), record("x1", None), record("a2", "A"), record("b1", "B")]
    failures, processed, _ = run(records, failing={"x1"})
    assert failures == ["x1"] and processed == ["a1", "x1", "a2", "b1"]
    failures, processed, _ = run(records, failing={"a1"})
    assert failures == ["a1", "a2"] and processed == ["a1", "x1", "b1"]


def test_gate_helpers():
    assert is_fifo_record(record("m", "g")) and not is_fifo_record(record("m", "g", STANDARD_ARN))
    assert message_group_of(record("m", "g")) == "g"
    assert message_group_of({"attributes": {"MessageGroupId": 7}}) is None
    assert message_group_of({"attributes": "junk"}) is None
    gate = GroupGate()
    gate.failed(record("m1", "g"))
    gate.failed(record("m2", "g"))  # the first failure is the one named
    try:
        gate.check(record("m3", "g"))
    except MessageGroupBlockedError as exc:
        assert "message m1 of message group 'g'" in str(exc)
    else:
        raise AssertionError("m3 should be blocked")
    gate.check(record("n1", "h"))  # another group passes


batches = st.lists(
    st.tuples(st.sampled_from(["A", "B", "C", None]), st.booleans()), min_size=1, max_size=10
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(batches)
def test_same_failures_and_processing_order_as_powertools(spec):
    records = [record(f"m{i}", group) for i, (group, _) in enumerate(spec)]
    failing = {f"m{i}" for i, (_, fails) in enumerate(spec) if fails}
    ours = run(records, failing)[:2]
    assert ours == powertools(records, failing)
    # and the rule itself: per group, everything from the first failure on is reported;
    # a record without a group fails alone, if at all
    failures, processed = ours
    ungrouped = [r["messageId"] for r in records if "MessageGroupId" not in r["attributes"]]
    assert [i for i in ungrouped if i in failures] == [i for i in ungrouped if i in failing]
    for group in "ABC":
        ids = [r["messageId"] for r in records if r["attributes"].get("MessageGroupId") == group]
        first = next((k for k, i in enumerate(ids) if i in failing), len(ids))
        assert [i for i in ids if i in failures] == ids[first:]
        assert [i for i in processed if i in ids] == ids[: first + 1][: len(ids)]
