"""The reference state machine (deploy/document-pipeline.asl.json) created and executed on moto.

moto 5.2.5 executes Step Functions definitions when its ``stepfunctions.execute_state_machine``
option is on (``mock_aws(config=...)``): its interpreter runs the Map, Choice and Pass
states, the intrinsic functions used (States.Format, States.Hash, States.JsonToString),
Retry (it sleeps the backoff) and Catch, and the service integrations (dynamodb
putItem/getItem/updateItem/deleteItem, sqs:sendMessage, aws-sdk:s3:putObject) against its
own DynamoDB, SQS and S3. No Lambda task is used: moto would need Docker to run one.

Faults are injected by wrapping moto's DynamoDB and S3 backends (throttling, a failing
write); the retry sleeps are recorded instead of slept (``random`` seeded for the jitter).
"""
from __future__ import annotations

import json
import random
import time
from collections import Counter

import pytest

from costmodel.models.stepfunctions import standard_bill
from handler_harness.state_machine import local_pipeline
from handler_reference.errors import ConfigError
from handler_reference.state_machine import (
    DEFINITION_PATH,
    PLACEHOLDERS,
    all_states,
    billable_transitions,
    render_definition,
)

TABLE, BUCKET = "idempotency", "results"


# ------------------------------------------------------------------ the definition itself
def test_every_task_retries_with_backoff_and_jitter_and_every_failure_reaches_the_dlq():
    states = all_states(DEFINITION_PATH.read_text())
    tasks = {n: s for n, s in states.items() if s["Type"] == "Task"}
    assert set(tasks) == {"Claim", "ReadClaim", "WriteResult", "Complete", "ReleaseClaim", "SendToDLQ"}
    for name, task in tasks.items():
        for r in task["Retry"]:
            assert r["JitterStrategy"] == "FULL" and r["BackoffRate"] >= 2 and r["MaxDelaySeconds"] <= 60, name
        if name != "SendToDLQ":
            catch_all = [c for c in task["Catch"] if c["ErrorEquals"] == ["States.ALL"]]
            assert catch_all and catch_all[0]["Next"] in ("SendToDLQ", "ReleaseClaim"), name
    # every Next exists, every state is reachable from StartAt
    inner = states["ProcessDocuments"]["ItemProcessor"]
    names = set(inner["States"])
    edges = {n: {s.get("Next"), s.get("Default"), *(c["Next"] for c in s.get("Choices", ())),
                 *(c["Next"] for c in s.get("Catch", ()))} - {None} for n, s in inner["States"].items()}
    assert all(t <= names for t in edges.values())
    seen, todo = set(), [inner["StartAt"]]
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(edges[n])
    assert seen == names


def test_render_substitutes_every_name_and_rejects_blanks():
    text = render_definition(idempotency_table=TABLE, result_bucket=BUCKET,
                             dead_letter_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/dlq")
    assert "${" not in text and '"TableName": "idempotency"' in text
    assert set(PLACEHOLDERS) == {"IdempotencyTableName", "ResultBucketName", "ResultPrefix", "DeadLetterQueueUrl"}
    with pytest.raises(ConfigError, match=r"ResultBucketName=''"):
        render_definition(idempotency_table=TABLE, result_bucket="", dead_letter_queue_url="x")
    with pytest.raises(ConfigError, match=r"does not exist.*pass path="):
        render_definition(idempotency_table=TABLE, result_bucket=BUCKET, dead_letter_queue_url="x",
                          path=DEFINITION_PATH.with_name("missing.asl.json"))


# ------------------------------------------------------------------ on moto
@pytest.fixture()
def aws():
    """The pipeline deployed on in-process moto (interpreter on): table, versioned bucket, DLQ."""
    with local_pipeline() as pipeline:
        yield pipeline


@pytest.fixture()
def sleeps(monkeypatch):
    """Record the retry waits instead of sleeping them (seeded jitter)."""
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    waits: list[float] = []

    class _Time:
        def sleep(self, s):
            waits.append(s)

        def __getattr__(self, name):
            return getattr(time, name)

    monkeypatch.setattr(retrier_decl, "time", _Time())
    random.seed(12345)
    return waits


def run(pipeline, name, documents):
    r = pipeline.run(name, documents)
    assert r.status == "SUCCEEDED", r
    return r.outcomes, r.events


def test_created_on_moto(aws):
    d = aws.sfn.describe_state_machine(stateMachineArn=aws.state_machine_arn)
    assert d["status"] == "ACTIVE" and d["type"] == "STANDARD"
    assert json.loads(d["definition"])["States"]["ProcessDocuments"]["Type"] == "Map"
    r = aws.run("one", [{"documentId": "solo"}, {"documentId": ""}])
    assert r.outcome_counts() == {"processed": 1, "dead-lettered": 1}
    assert r.transitions == 1 + 6 + 4


def test_each_document_has_one_outcome_and_one_effect_across_executions(aws, sleeps):
    a, b, c, d = ({"documentId": k, "pages": n} for k, n in (("a", 1), ("b", 2), ("c", 3), ("d", 4)))
    out1, ev1 = run(aws, "batch-1", [a, b, c, {"pages": 9}])
    assert [out1[k]["outcome"] for k in "abc"] == ["processed"] * 3
    malformed = out1[json.dumps({"pages": 9})]
    assert (malformed["outcome"], malformed["error"]) == ("dead-lettered", "MalformedDocument")
    # the same documents again, and a new one: duplicates are recognised, not redone
    out2, ev2 = run(aws, "batch-2", [a, b, d])
    assert [out2[k]["outcome"] for k in "abd"] == ["duplicate", "duplicate", "processed"]
    # a known documentId with another payload is not overwritten
    out3, ev3 = run(aws, "batch-3", [{"documentId": "a", "pages": 100}])
    assert (out3["a"]["outcome"], out3["a"]["error"]) == ("dead-lettered", "PayloadMismatch")

    assert aws.result_versions() == {f"processed/{k}.json": 1 for k in "abcd"}       # exactly one effect each
    assert json.loads(aws.s3.get_object(Bucket=aws.bucket_name, Key="processed/a.json")["Body"].read()) == a
    assert aws.records() == dict.fromkeys("abcd", "COMPLETED")
    errors = sorted(m["error"]["Error"] for m in aws.dead_letters())
    assert errors == ["MalformedDocument", "PayloadMismatch"]                # each failure once, nothing lost
    assert sleeps == []                                                      # nothing was retried

    # what AWS would bill, counted on the histories: Map state + per document
    #   processed: Validate, PrepareClaim, Claim, WriteResult, Complete, Processed      = 6
    #   malformed: Validate, MalformedDocument, SendToDLQ, DeadLettered                 = 4
    #   duplicate: Validate, PrepareClaim, Claim, ReadClaim, AlreadyDone, Duplicate     = 6
    #   mismatch:  ... ReadClaim, AlreadyDone, PayloadMismatch, SendToDLQ, DeadLettered = 8
    assert [billable_transitions(e) for e in (ev1, ev2, ev3)] == [1 + 3 * 6 + 4, 1 + 2 * 6 + 6, 1 + 8]
    assert standard_bill(23 + 19 + 9, free_tier=False).unrounded_total_usd == pytest.approx(51 * 0.000025)


def test_throttled_claims_are_retried_with_backoff_and_full_jitter(aws, sleeps, monkeypatch):
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
    from moto.dynamodb.models import DynamoDBBackend

    real = DynamoDBBackend.put_item
    throttled = Counter()

    def put_item(self, table_name, item_attrs, *args, **kwargs):
        if table_name == aws.table_name and item_attrs["pk"]["S"] == "t" and throttled["t"] < 2:
            throttled["t"] += 1
            raise DynamodbException(ERROR_TYPE_PREFIX + "ProvisionedThroughputExceededException",
                                    "The level of configured provisioned throughput for the table was exceeded")
        return real(self, table_name, item_attrs, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "put_item", put_item)
    out, events = run(aws, "throttled", [{"documentId": "t", "pages": 1}])
    assert out["t"]["outcome"] == "processed" and throttled["t"] == 2
    failed = [e for e in events if e["type"] == "TaskFailed"]
    assert [e["taskFailedEventDetails"]["error"] for e in failed] == \
        ["DynamoDB.ProvisionedThroughputExceededException"] * 2
    # IntervalSeconds 1, BackoffRate 2, full jitter: waits drawn from [0, 1] then [0, 2]
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 1 and 0 <= sleeps[1] <= 2
    assert sleeps != [1.0, 2.0]                                              # jittered, not the bare backoff
    # each retry is one more billed transition: 1 Map + 6 states + 2 retries
    assert billable_transitions(events) == 1 + 6 + 2
    assert aws.result_versions() == {"processed/t.json": 1}


def test_a_failing_write_is_retried_then_released_and_dead_lettered_and_a_redo_succeeds(aws, sleeps, monkeypatch):
    from moto.s3.exceptions import S3ClientError
    from moto.s3.models import S3Backend

    real = S3Backend.put_object
    broken = {"on": True}

    def put_object(self, bucket_name, key_name, *args, **kwargs):
        if broken["on"] and key_name == "processed/x.json":
            raise S3ClientError("InternalError", "We encountered an internal error. Please try again.")
        return real(self, bucket_name, key_name, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", put_object)
    out, events = run(aws, "broken-write", [{"documentId": "x", "pages": 1}, {"documentId": "y", "pages": 2}])
    assert out["x"]["outcome"] == "dead-lettered" and out["y"]["outcome"] == "processed"
    write_failures = [e for e in events if e["type"] == "TaskFailed"]
    assert len(write_failures) == 3                                         # first try + MaxAttempts 2
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 1 and 0 <= sleeps[1] <= 2
    assert aws.records() == {"y": "COMPLETED"}                               # x's claim was released
    [dead] = aws.dead_letters()
    assert dead["document"] == {"documentId": "x", "pages": 1} and dead["execution"].endswith(":broken-write")
    # redriving the dead letter once S3 is back: processed exactly once
    broken["on"] = False
    again, _ = run(aws, "redrive-x", [dead["document"]])
    assert again["x"]["outcome"] == "processed"
    assert aws.result_versions() == {"processed/x.json": 1, "processed/y.json": 1}
