"""Batch handling: per-record isolation, failure logs, correlation ids (no I/O)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from handler_harness.poller import LambdaContext
from handler_reference.batch import correlation_id_of, handle_sqs_batch, trace_id_of
from handler_reference.errors import HandlerError, StoreThrottledError
from handler_reference.logs import JsonFormatter
from handler_reference.processor import RecordOutcome

# -- handle_sqs_batch -------------------------------------------------------------------


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []
        self.setFormatter(JsonFormatter())

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture()
def logger():
    log = logging.getLogger("test_handler_batch")
    log.propagate = False
    log.setLevel(logging.INFO)
    capture = Capture()
    log.addHandler(capture)
    yield log, capture.lines
    log.removeHandler(capture)


def make_record(message_id, body, trace=None, correlation=None):
    record = {"messageId": message_id, "receiptHandle": "rh-" + message_id, "body": body,
              "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}}
    if trace:
        record["attributes"]["AWSTraceHeader"] = trace
    if correlation:
        record["messageAttributes"]["correlationId"] = {"stringValue": correlation,
                                                        "dataType": "String"}
    return record


def context():
    return LambdaContext(aws_request_id="req-9", function_name="f", deadline_ms=10**13)


def test_one_bad_record_in_ten_is_the_only_failure_and_is_logged(logger):
    log, lines = logger
    records = [make_record(f"m{i}", json.dumps({"documentId": f"d{i}"})) for i in range(10)]
    records[4] = make_record("m4", "{not json")
    seen = []

    def process(command, record, ctx):
        seen.append(command.document_id)
        return RecordOutcome.PROCESSED

    response = handle_sqs_batch({"Records": records}, context(), process, log)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m4"}]}
    assert len(seen) == 9 and "d4" not in seen
    failures = [line for line in lines if line["message"] == "record failed"]
    assert len(failures) == 1
    failure = failures[0]
    assert failure["errorType"] == "MalformedMessageError"
    assert "not JSON" in failure["error"]
    assert failure["messageId"] == "m4" and failure["requestId"] == "req-9"
    assert failure["level"] == "ERROR"
    assert {"documentId", "correlationId", "traceId"} <= failure.keys()


def test_failure_log_carries_document_and_trace(logger):
    log, lines = logger

    def process(command, record, ctx):
        raise StoreThrottledError("throttled")

    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    record = make_record("m1", json.dumps({"documentId": "d1"}), trace=trace)
    response = handle_sqs_batch({"Records": [record]}, context(), process, log)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    failure = next(line for line in lines if line["message"] == "record failed")
    assert failure["documentId"] == "d1"
    assert failure["errorType"] == "StoreThrottledError"
    assert failure["traceId"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert failure["correlationId"] == failure["traceId"]


def test_correlation_prefers_the_producer_attribute_then_trace_then_message_id():
    assert correlation_id_of(make_record("m", "{}", trace="Root=r1", correlation="c1")) == "c1"
    assert correlation_id_of(make_record("m", "{}", trace="Root=r1")) == "r1"
    assert correlation_id_of(make_record("m", "{}")) == "m"
    assert trace_id_of(make_record("m", "{}", trace="Parent=x;Root=r2")) == "r2"


def test_event_without_records_raises(logger):
    log, _ = logger
    with pytest.raises(HandlerError):
        handle_sqs_batch({"detail": {}}, context(), lambda *a: RecordOutcome.PROCESSED, log)


def test_crash_is_not_swallowed(logger):
    log, _ = logger

    class Crash(BaseException):
        pass

    def process(command, record, ctx):
        raise Crash()

    with pytest.raises(Crash):
        handle_sqs_batch({"Records": [make_record("m", '{"documentId": "d"}')]}, context(),
                         process, log)


def test_json_formatter_writes_one_object_per_line():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("w",), None)
    record.fields = {"messageId": "m"}
    line = JsonFormatter().format(record)
    assert "\n" not in line and json.loads(line)["message"] == "hello w"
    assert json.loads(line)["messageId"] == "m"
    assert isinstance(io.StringIO(line).read(), str)
