"""Hostile records: whatever a record holds, only that record fails, with a typed error.

Each case is a batch of valid records with one hostile record among them (first, middle
or last). The handler must process every valid record once, report exactly the hostile
one in ``batchItemFailures``, and log it with its messageId and a ``HandlerError``
subclass as ``errorType``. Only an event that is not an SQS event fails as a whole.
"""

from __future__ import annotations

import json
import logging

import pytest

from handler_reference import errors
from handler_reference.batch import handle_sqs_batch
from handler_reference.errors import HandlerError
from handler_reference.logs import JsonFormatter
from handler_reference.processor import RecordOutcome, parse_command


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []
        self.setFormatter(JsonFormatter())

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture()
def logger():
    log = logging.getLogger("test_handler_hostile")
    log.propagate = False
    log.setLevel(logging.INFO)
    capture = Capture()
    log.addHandler(capture)
    yield log, capture.lines
    log.removeHandler(capture)


class Context:
    aws_request_id = "req-h"

    def get_remaining_time_in_millis(self):
        return 30_000


def valid_record(i):
    return {
        "messageId": f"m{i}",
        "receiptHandle": f"rh{i}",
        "body": json.dumps({"documentId": f"doc-{i}", "text": "fine"}),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


_DELETE = object()
_KEEP = object()


def hostile(body=_KEEP, **envelope):
    """A record with message id ``bad``: ``body`` and/or envelope fields replaced
    (``_DELETE`` removes a field)."""
    record = valid_record(0)
    record["messageId"] = "bad"
    if body is _DELETE:
        del record["body"]
    elif body is not _KEEP:
        record["body"] = body
    for name, value in envelope.items():
        if value is _DELETE:
            record.pop(name)
        else:
            record[name] = value
    return record


DEEP_UNBALANCED = "[" * 1000
DEEP_BALANCED = '{"documentId": "deep", "a": ' + "[" * 5000 + "]" * 5000 + "}"
HOSTILE_BODIES = {
    "1,000 '[' (RecursionError in json)": DEEP_UNBALANCED,
    "5,000 balanced levels": DEEP_BALANCED,
    "200 balanced levels (parses, too deep)": '{"documentId": "d200", "a": '
    + "[" * 200 + "]" * 200 + "}",
    "5,000-digit integer": '{"documentId": "big", "n": 1' + "0" * 4999 + "}",
    "float out of range": '{"documentId": "inf", "x": 1e999}',
    "NaN literal": '{"documentId": "nan", "x": NaN}',
    "Infinity literal": '{"documentId": "inf2", "x": -Infinity}',
    "escaped lone surrogate": '{"documentId": "sur", "text": "\\ud800"}',
    "raw lone surrogate in the body": '{"documentId": "sur2", "text": "\ud800"}',
    "documentId with a trailing newline": '{"documentId": "abc\\n"}',
    "documentId with a NUL": '{"documentId": "a\\u0000b"}',
    "documentId with a tab": '{"documentId": "a\\tb"}',
    "duplicate documentId keys": '{"documentId": "a", "documentId": "b"}',
    "body over 256 KiB": json.dumps({"documentId": "huge", "text": "x" * 262_144}),
    "empty body": "",
    "JSON null": "null",
}
HOSTILE_ENVELOPES = {
    "attributes is a list": {"attributes": ["AWSTraceHeader"]},
    "attributes is a string": {"attributes": "Root=1-2-3"},
    "messageAttributes is a list": {"messageAttributes": [1, 2]},
    "correlationId is a plain string": {"messageAttributes": {"correlationId": "c-1"}},
    "correlationId stringValue is a number": {
        "messageAttributes": {"correlationId": {"stringValue": 7, "dataType": "Number"}}
    },
    "AWSTraceHeader is a number": {"attributes": {"AWSTraceHeader": 12}},
    "AWSTraceHeader is a dict": {"attributes": {"AWSTraceHeader": {"Root": "x"}}},
    "body is None": {"body": None},
    "body is a dict": {"body": {"documentId": "d"}},
    "body is missing": {"body": _DELETE},
}


def run_batch(records, logger):
    log, lines = logger
    seen = []

    def process(command, record, context):
        seen.append(command.document_id)
        return RecordOutcome.PROCESSED

    response = handle_sqs_batch({"Records": records}, Context(), process, log)
    return response, seen, lines


def assert_only_bad_failed(response, seen, lines, n_valid):
    assert response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert sorted(seen) == sorted(f"doc-{i}" for i in range(1, n_valid + 1))
    failures = [line for line in lines if line["message"] == "record failed"]
    assert len(failures) == 1
    failure = failures[0]
    assert failure["messageId"] == "bad" and failure["requestId"] == "req-h"
    error_class = getattr(errors, failure["errorType"], None)
    assert isinstance(error_class, type) and issubclass(error_class, HandlerError), failure
    assert failure["error"]
    done = next(line for line in lines if line["message"] == "batch done")
    assert (done["processed"], done["failed"]) == (n_valid, 1)


@pytest.mark.parametrize("position", ["first", "middle", "last"])
@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_body_fails_only_its_record(body, position, logger):
    records = [valid_record(i) for i in range(1, 10)]
    index = {"first": 0, "middle": 4, "last": 9}[position]
    records.insert(index, hostile(body))
    assert_only_bad_failed(*run_batch(records, logger), n_valid=9)


@pytest.mark.parametrize("envelope", HOSTILE_ENVELOPES.values(), ids=HOSTILE_ENVELOPES.keys())
def test_hostile_envelope_fails_only_its_record(envelope, logger):
    records = [valid_record(i) for i in range(1, 6)]
    records.insert(2, hostile(**envelope))
    assert_only_bad_failed(*run_batch(records, logger), n_valid=5)


def test_missing_optional_envelope_fields_are_tolerated(logger):
    """``attributes`` and ``messageAttributes`` absent (not wrong): the record is processed."""
    record = valid_record(1)
    del record["attributes"], record["messageAttributes"]
    response, seen, _ = run_batch([record], logger)
    assert response == {"batchItemFailures": []} and seen == ["doc-1"]


@pytest.mark.parametrize(
    "body, fragment",
    [
        (DEEP_UNBALANCED, "nested"),
        (HOSTILE_BODIES["200 balanced levels (parses, too deep)"], "nested"),
        (HOSTILE_BODIES["5,000-digit integer"], "digits"),
        (HOSTILE_BODIES["float out of range"], "finite"),
        (HOSTILE_BODIES["NaN literal"], "finite"),
        (HOSTILE_BODIES["escaped lone surrogate"], "surrogate"),
        (HOSTILE_BODIES["raw lone surrogate in the body"], "surrogate"),
        (HOSTILE_BODIES["duplicate documentId keys"], "duplicate key 'documentId'"),
        ('{"documentId": "abc\\n"}', "must be 1-200"),
    ],
)
def test_parse_names_what_is_wrong(body, fragment):
    with pytest.raises(errors.MalformedMessageError) as info:
        parse_command(body)
    assert fragment in str(info.value)


def test_id_pattern_is_matched_in_full():
    for good in ("a", "A-1", "x" * 200, "v1.2_3-4"):
        assert parse_command(json.dumps({"documentId": good})).document_id == good
    for bad in ("abc\n", "\nabc", "x" * 201, "-a", ".hidden", "a/b", "é"):
        with pytest.raises(errors.MalformedMessageError):
            parse_command(json.dumps({"documentId": bad}))


def test_body_is_parsed_once_per_record(logger, monkeypatch):
    import handler_reference.processor as processor

    calls = []
    real_loads = processor.json.loads
    records = [valid_record(1), hostile('{"documentId": 5}'), hostile("not json")]
    records[2]["messageId"] = "bad2"
    bodies = {r["body"] for r in records}

    def counting_loads(text, *args, **kwargs):
        if text in bodies:  # the log capture decodes its own lines too
            calls.append(text)
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(processor.json, "loads", counting_loads)
    log, lines = logger
    handle_sqs_batch({"Records": records}, Context(),
                     lambda c, r, ctx: RecordOutcome.PROCESSED, log)
    assert sorted(calls) == sorted(r["body"] for r in records)
    numeric = next(line for line in lines if line.get("messageId") == "bad")
    assert numeric["documentId"] is None  # not a string: not logged as an id


def test_malformed_failure_logs_the_recovered_document_id(logger):
    records = [hostile('{"documentId": "doc-x", "n": 1' + "0" * 5000 + "}")]
    _, _, lines = run_batch(records, logger)
    failure = next(line for line in lines if line["message"] == "record failed")
    assert failure["documentId"] == "doc-x"


def test_unexpected_exception_is_reported_as_a_handler_error(logger):
    log, lines = logger

    def process(command, record, context):
        raise KeyError("surprise")

    response = handle_sqs_batch({"Records": [valid_record(1)]}, Context(), process, log)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    failure = next(line for line in lines if line["message"] == "record failed")
    assert failure["errorType"] == "UnexpectedRecordError"
    assert "KeyError" in failure["error"] and failure["documentId"] == "doc-1"


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        {"detail": {}},
        {"Records": {"a": 1}},
        {"Records": [valid_record(1), "not a record"]},
        {"Records": [valid_record(1), {"body": "{}"}]},
        {"Records": [valid_record(1), dict(valid_record(2), messageId="")]},
        {"Records": [valid_record(1), dict(valid_record(2), messageId=7)]},
    ],
    ids=["None", "list", "no Records", "Records not a list", "record not a dict",
         "record without messageId", "empty messageId", "numeric messageId"],
)
def test_only_an_event_that_is_not_an_sqs_event_fails_the_whole_batch(event, logger):
    log, _ = logger
    seen = []
    with pytest.raises(errors.NotAnSqsEventError) as info:
        handle_sqs_batch(event, Context(), lambda c, r, ctx: seen.append(c), log)
    assert seen == []  # nothing is processed before the event is rejected
    assert isinstance(info.value, HandlerError)
