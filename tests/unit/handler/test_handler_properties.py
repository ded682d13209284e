"""Property tests: arbitrary JSON and arbitrary envelope shapes thrown at ``app.handler``.

Each example is a batch whose records are built to be valid or invalid *by construction*
(a valid id from the documented alphabet, or an id with a forbidden character inserted;
an envelope field replaced by a value of a type the SQS event never has...). The handler
runs with in-memory fakes in place of DynamoDB and S3 (no I/O). Properties:

- nothing escapes ``handler()`` except ``NotAnSqsEventError``, and that only when the
  event is not an SQS event (then nothing was processed);
- exactly the invalid records are in ``batchItemFailures``, in batch order;
- every valid record's result is written exactly once;
- every failure is logged once, at ERROR, with its messageId and a ``HandlerError``
  subclass as ``errorType``.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from handler_harness.infra import DUMMY_AWS_ENV, patched_environ
from handler_reference import errors
from handler_reference.errors import HandlerError, NotAnSqsEventError
from handler_reference.processor import Ports
from handler_reference.sink import InMemoryResultSink
from handler_reference.store import InMemoryIdempotencyStore

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ENV = {
    **DUMMY_AWS_ENV,
    "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/props",
    "BUCKET_NAME": "props-results",
    "IDEMPOTENCY_TABLE": "props-idempotency",
    "AWS_REGION": "us-east-1",
}


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.INFO)
        self.records = []

    def emit(self, record):
        self.records.append((record.levelno, record.getMessage(), dict(record.fields)))


@pytest.fixture(scope="module")
def app():
    """``handler_reference.app`` imported as at a cold start; its logger captured."""
    sys.modules.pop("handler_reference.app", None)
    with patched_environ(ENV):
        module = importlib.import_module("handler_reference.app")
    capture = Capture()
    module.LOGGER.addHandler(capture)
    saved = module.PORTS
    yield module, capture
    module.LOGGER.removeHandler(capture)
    module.PORTS = saved
    sys.modules.pop("handler_reference.app", None)


class Context:
    aws_request_id = "req-prop"

    def get_remaining_time_in_millis(self):
        return 30_000


def run(app, event_):
    """Call ``app.handler`` with fresh in-memory ports; returns (response|exception, sink, logs)."""
    module, capture = app
    module.PORTS = Ports(store=InMemoryIdempotencyStore(), sink=InMemoryResultSink())
    capture.records.clear()
    try:
        outcome = module.handler(event_, Context())
    except NotAnSqsEventError as exc:
        outcome = exc
    return outcome, module.PORTS.sink, list(capture.records)


# -- strategies -------------------------------------------------------------------------

scalars = (st.none() | st.booleans() | st.integers()
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)
non_objects = scalars | st.lists(json_values, max_size=4)
wrong_for_object = (st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
                    | st.lists(scalars, max_size=3))
wrong_for_string = (st.booleans() | st.integers() | st.floats()
                    | st.lists(scalars, max_size=3)
                    | st.dictionaries(st.text(max_size=5), scalars, max_size=3))
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#: The documented id alphabet: a letter or digit, then letters, digits, '.', '_', '-'.
valid_ids = st.builds(lambda first, rest: first + rest, st.sampled_from(_ALNUM),
                      st.text(alphabet=_ALNUM + "._-", max_size=30))
#: Characters outside the id alphabet (control characters, separators, non-ASCII...).
FORBIDDEN_ID_CHARS = ["\n", "\r", "\t", "\x00", " ", "/", "\\", "*", "?", ":", "é", "\u2028",
                      "%", "$", "{", "\ufeff"]


@st.composite
def invalid_ids(draw):
    kind = draw(st.sampled_from(["insert", "leading", "empty", "too long"]))
    if kind == "empty":
        return ""
    if kind == "too long":
        return "a" * draw(st.integers(201, 400))
    base = draw(valid_ids)
    if kind == "leading":
        return draw(st.sampled_from([".", "-", "_"])) + base
    at = draw(st.integers(0, len(base)))
    return base[:at] + draw(st.sampled_from(FORBIDDEN_ID_CHARS)) + base[at:]


HOSTILE_BODIES = [
    "[" * 1000,
    '{"documentId": "deep", "a": ' + "[" * 3000 + "]" * 3000 + "}",
    '{"documentId": "d40", "a": ' + "[" * 40 + "]" * 40 + "}",
    '{"documentId": "big", "n": ' + "9" * 5000 + "}",
    '{"documentId": "inf", "x": 1e999}',
    '{"documentId": "nan", "x": NaN}',
    '{"documentId": "sur", "t": "\\udfff"}',
    '{"documentId": "sur2", "t": "\ud800"}',
    '{"documentId": "dup", "documentId": "dup"}',
    json.dumps({"documentId": "huge", "t": "x" * 300_000}),
    "",
    "\x00",
]


@st.composite
def record_specs(draw, index):
    """(expected_ok, record) for one record with messageId ``m{index}``."""
    kind = draw(st.sampled_from([
        "valid", "valid", "valid", "valid+extra-fields", "valid-without-optional-fields",
        "not-an-object", "no-documentId", "documentId-not-a-string", "invalid-documentId",
        "arbitrary-text", "hostile-body", "body-not-a-string", "attributes-wrong",
        "messageAttributes-wrong", "correlationId-wrong", "stringValue-wrong",
        "trace-header-wrong", "receive-count-wrong",
    ]))
    event(kind)
    extra = draw(st.dictionaries(st.text(max_size=8).filter(lambda k: k != "documentId"),
                                 json_values, max_size=3))
    document_id = f"{draw(valid_ids)}-{index}"
    body = json.dumps({**extra, "documentId": document_id})
    record = {
        "messageId": f"m{index}",
        "receiptHandle": f"rh{index}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "AWSTraceHeader": "Root=1-a-b"},
        "messageAttributes": {"correlationId": {"stringValue": f"c{index}",
                                                "dataType": "String"}},
        "eventSource": "aws:sqs",
    }
    ok = kind.startswith("valid")
    if kind == "valid+extra-fields":
        record.update(draw(st.dictionaries(
            st.text(max_size=10).filter(lambda k: k not in record), json_values, max_size=3)))
    elif kind == "valid-without-optional-fields":
        for name in draw(st.sets(st.sampled_from(["attributes", "messageAttributes",
                                                  "receiptHandle", "eventSource"]))):
            del record[name]
    elif kind == "not-an-object":
        record["body"] = json.dumps(draw(non_objects))
    elif kind == "no-documentId":
        record["body"] = json.dumps(extra)
    elif kind == "documentId-not-a-string":
        record["body"] = json.dumps({**extra, "documentId": draw(wrong_for_string | st.none())})
    elif kind == "invalid-documentId":
        record["body"] = json.dumps({**extra, "documentId": draw(invalid_ids())},
                                    ensure_ascii=draw(st.booleans()))
    elif kind == "arbitrary-text":
        # any text at all, surrogates included; only "not a valid command" is certain
        # for text that is not a JSON object, so such text is the expected failure
        text = draw(st.text(alphabet=st.characters(), max_size=60))
        record["body"] = text
        ok = None
    elif kind == "hostile-body":
        record["body"] = draw(st.sampled_from(HOSTILE_BODIES))
    elif kind == "body-not-a-string":
        record["body"] = draw(st.none() | wrong_for_string)
        if draw(st.booleans()):
            del record["body"]
    elif kind == "attributes-wrong":
        record["attributes"] = draw(wrong_for_object)
    elif kind == "messageAttributes-wrong":
        record["messageAttributes"] = draw(wrong_for_object)
    elif kind == "correlationId-wrong":
        record["messageAttributes"]["correlationId"] = draw(wrong_for_object)
    elif kind == "stringValue-wrong":
        record["messageAttributes"]["correlationId"]["stringValue"] = draw(
            wrong_for_string | st.none())
    elif kind == "trace-header-wrong":
        record["attributes"]["AWSTraceHeader"] = draw(wrong_for_string)
    elif kind == "receive-count-wrong":
        record["attributes"]["ApproximateReceiveCount"] = draw(wrong_for_string)
    return ok, record


@st.composite
def batches(draw):
    size = draw(st.integers(1, 10))
    return [draw(record_specs(i)) for i in range(size)]


def _text_is_a_valid_command(text):
    """Only for arbitrary text: can it be a valid command at all? (A JSON object.)"""
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


# -- properties -------------------------------------------------------------------------


@SETTINGS
@given(specs=batches())
def test_only_invalid_records_fail_and_each_is_logged_with_a_typed_error(app, specs):
    records = [record for _, record in specs]
    response, sink, logs = run(app, {"Records": records})
    assert not isinstance(response, BaseException), response
    failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
    for ok, record in specs:
        if ok is None:  # arbitrary text: a failure unless it is a JSON object
            assert record["messageId"] in failed or _text_is_a_valid_command(record["body"])
    expected_failed = [r["messageId"] for ok, r in specs if ok is False]
    assert [m for m in failed if m in expected_failed] == expected_failed
    assert not {r["messageId"] for ok, r in specs if ok} & set(failed)
    # every valid record's result written exactly once
    for ok, record in specs:
        if ok:
            key = f"processed/{json.loads(record['body'])['documentId']}.json"
            assert len(sink.versions.get(key, [])) == 1, key
    # every failure logged once at ERROR with its messageId and a HandlerError subclass
    failure_logs = [fields for level, message, fields in logs if message == "record failed"]
    assert [f["messageId"] for f in failure_logs] == failed
    for fields in failure_logs:
        error_class = getattr(errors, fields["errorType"], None)
        assert isinstance(error_class, type) and issubclass(error_class, HandlerError)
        assert fields["requestId"] == "req-prop" and fields["error"]
    assert all(level == logging.ERROR for level, message, _ in logs if message == "record failed")


@st.composite
def not_sqs_events(draw):
    """Events that are not SQS events: no usable Records list, or a record without identity."""
    kind = draw(st.sampled_from(["not-an-object", "no-records", "records-not-a-list",
                                 "record-not-an-object", "message-id-bad"]))
    event(kind)
    good = [{"messageId": f"m{i}", "body": json.dumps({"documentId": f"d{i}"})}
            for i in range(draw(st.integers(0, 4)))]
    if kind == "not-an-object":
        return draw(non_objects)
    if kind == "no-records":
        return draw(st.dictionaries(st.text(max_size=8).filter(lambda k: k != "Records"),
                                    json_values, max_size=3))
    if kind == "records-not-a-list":
        return {"Records": draw(scalars | st.dictionaries(st.text(max_size=5), scalars,
                                                          max_size=3))}
    bad = (draw(non_objects)
           if kind == "record-not-an-object"
           else {"messageId": draw(st.none() | st.just("") | wrong_for_string),
                 "body": "{}"})
    if kind == "message-id-bad" and draw(st.booleans()):
        del bad["messageId"]
    good.insert(draw(st.integers(0, len(good))), bad)
    return {"Records": good}


@SETTINGS
@given(event_=not_sqs_events())
def test_only_an_event_that_is_not_an_sqs_event_raises_and_nothing_is_processed(app, event_):
    outcome, sink, logs = run(app, event_)
    assert isinstance(outcome, NotAnSqsEventError)
    assert sink.versions == {} and logs == []
