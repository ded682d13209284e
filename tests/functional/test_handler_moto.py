"""The reference handler end to end on moto: in-process and over real HTTP (moto server).

Follows the seed's testing strategy: the same event twice writes one result; a malformed
payload reaches the DLQ after maxReceiveCount with a logged reason; one bad record in a
batch of ten is the only one retried; a missing variable fails at import.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import subprocess
import sys
import urllib.request

import pytest

from handler_harness.infra import (
    DUMMY_AWS_ENV,
    create_infrastructure,
    make_clients,
    object_versions,
    patched_environ,
    receive_all,
)
from handler_harness.poller import LocalEventSourceMapping
from handler_reference.processor import parse_command, render_result

MAX_RECEIVE_COUNT = 3
DUMMY_AWS_ENV_STR = {k: v for k, v in DUMMY_AWS_ENV.items() if v is not None}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def moto_server():
    """One moto server per module, started only if a test asks for it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["inprocess", "server"])
def aws(request):
    """Dummy credentials and either in-process moto or moto's server (state reset per test)."""
    if request.param == "inprocess":
        from moto import mock_aws

        with patched_environ(DUMMY_AWS_ENV), mock_aws():
            yield None
    else:
        endpoint = request.getfixturevalue("moto_server")
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
        with patched_environ({**DUMMY_AWS_ENV, "AWS_ENDPOINT_URL": endpoint}):
            yield endpoint


@pytest.fixture()
def clients(aws):
    return make_clients("us-east-1")


@pytest.fixture()
def infra(clients):
    return create_infrastructure(
        clients, name_prefix="ft", max_receive_count=MAX_RECEIVE_COUNT, visibility_timeout_s=30
    )


@pytest.fixture()
def app(infra):
    """``handler_reference.app`` imported fresh (cold start) with this infrastructure's env."""
    sys.modules.pop("handler_reference.app", None)
    with patched_environ(infra.environment()):
        module = importlib.import_module("handler_reference.app")
        yield module
    sys.modules.pop("handler_reference.app", None)


def esm_for(clients, infra, app):
    return LocalEventSourceMapping(clients.sqs, infra.queue_url, app.handler, retry_delay_s=0)


def failure_logs(text):
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("message") == "record failed"]


def test_same_event_twice_gives_exactly_one_version(clients, infra, app):
    body = json.dumps({"documentId": "doc-42", "text": "hello there world"})
    clients.sqs.send_message(QueueUrl=infra.queue_url, MessageBody=body)
    esm = esm_for(clients, infra, app)
    records = esm.receive()
    event = {"Records": records}
    assert app.handler(event, esm.make_context()) == {"batchItemFailures": []}
    # the very same event again, through the poller (which then deletes the message)
    again = esm.invoke(records)
    assert again.failed_ids == frozenset() and again.deleted == 1
    # and a producer duplicate (new message, same body) through the poller
    clients.sqs.send_message(QueueUrl=infra.queue_url, MessageBody=body)
    esm.drain()
    versions = object_versions(clients, infra.bucket_name, "processed/")
    expected_etag = hashlib.md5(render_result(parse_command(body))).hexdigest()
    assert versions == {"processed/doc-42.json": [expected_etag]}
    stored = clients.s3.get_object(Bucket=infra.bucket_name, Key="processed/doc-42.json")
    assert json.loads(stored["Body"].read())["textWords"] == 3


def test_malformed_payload_reaches_dlq_after_max_receive_count_with_logged_reason(
    clients, infra, app, capsys
):
    sent = clients.sqs.send_message(QueueUrl=infra.queue_url, MessageBody="{'documentId': 1}")
    result = esm_for(clients, infra, app).drain()
    assert result.invocations == MAX_RECEIVE_COUNT  # tried exactly maxReceiveCount times
    dead = receive_all(clients, infra.dlq_url)
    assert [m["MessageId"] for m in dead] == [sent["MessageId"]]
    assert dead[0]["Body"] == "{'documentId': 1}"
    assert receive_all(clients, infra.queue_url) == []
    failures = failure_logs(capsys.readouterr().out)
    assert len(failures) == MAX_RECEIVE_COUNT
    for line in failures:
        assert line["messageId"] == sent["MessageId"]
        assert line["errorType"] == "MalformedMessageError"
        assert "not JSON" in line["error"]
        assert line["requestId"] and line["correlationId"]
    assert object_versions(clients, infra.bucket_name, "processed/") == {}


def test_one_bad_record_in_a_batch_of_ten_is_the_only_one_retried(clients, infra, app):
    bodies = [json.dumps({"documentId": f"doc-{i}"}) for i in range(10)]
    bodies[6] = json.dumps({"documentId": ""})
    response = clients.sqs.send_message_batch(
        QueueUrl=infra.queue_url,
        Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)],
    )
    bad_id = next(s["MessageId"] for s in response["Successful"] if s["Id"] == "6")
    esm = esm_for(clients, infra, app)
    batch = esm.poll_once()
    assert len(batch.message_ids) == 10
    assert batch.failed_ids == {bad_id} and not batch.raised
    assert batch.deleted == 9
    retried = esm.receive()
    assert [r["messageId"] for r in retried] == [bad_id]
    assert retried[0]["attributes"]["ApproximateReceiveCount"] == "2"
    keys = set(object_versions(clients, infra.bucket_name, "processed/"))
    assert keys == {f"processed/doc-{i}.json" for i in range(10) if i != 6}


GOOD_ENV = {
    "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/ft-queue",
    "BUCKET_NAME": "ft-results",
    "IDEMPOTENCY_TABLE": "ft-idempotency",
    "AWS_REGION": "us-east-1",
}


def test_missing_variables_fail_at_import_naming_each():
    env = {k: v for k, v in os.environ.items()
           if k not in ("QUEUE_URL", "BUCKET_NAME", "IDEMPOTENCY_TABLE")}
    env.update(DUMMY_AWS_ENV_STR, BUCKET_NAME="ft-results")
    proc = subprocess.run(
        [sys.executable, "-c", "import handler_reference.app"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode != 0
    assert "ConfigError" in proc.stderr
    assert "QUEUE_URL" in proc.stderr and "IDEMPOTENCY_TABLE" in proc.stderr
    assert "BUCKET_NAME" not in proc.stderr.splitlines()[-1]


def test_missing_variable_fails_at_import_in_process():
    from handler_reference.errors import ConfigError

    sys.modules.pop("handler_reference.app", None)
    with (patched_environ({**DUMMY_AWS_ENV, **GOOD_ENV, "IDEMPOTENCY_TABLE": None}),
          pytest.raises(ConfigError) as info):
        importlib.import_module("handler_reference.app")
    assert info.value.missing == ("IDEMPOTENCY_TABLE",)
    assert "handler_reference.app" not in sys.modules


@pytest.mark.parametrize(
    "response",
    [{"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}, "raise"],
    ids=["unknown-item-identifier", "handler-raises"],
)
def test_whole_batch_is_retried_by_the_poller(clients, infra, response):
    clients.sqs.send_message_batch(
        QueueUrl=infra.queue_url,
        Entries=[{"Id": str(i), "MessageBody": json.dumps({"documentId": f"d{i}"})}
                 for i in range(3)],
    )

    def handler(event, context):
        if response == "raise":
            raise RuntimeError("function error")
        return response

    esm = LocalEventSourceMapping(clients.sqs, infra.queue_url, handler, retry_delay_s=0)
    batch = esm.poll_once()
    assert batch.failed_ids == set(batch.message_ids) and batch.deleted == 0
    assert batch.raised == (response == "raise")
    assert len(esm.receive()) == 3  # all three are back at once


@pytest.mark.parametrize("poison_position", [0, 9], ids=["poison-first", "poison-last"])
def test_poison_body_never_sends_its_batch_to_the_dlq(clients, infra, app, poison_position):
    """1,000 '[' made json.loads raise RecursionError and crashed the whole batch, so with
    maxReceiveCount=3 all ten messages ended in the DLQ. Only the poison may end there."""
    bodies = [json.dumps({"documentId": f"doc-{i}", "text": "valid"}) for i in range(9)]
    bodies.insert(poison_position, "[" * 1000)
    response = clients.sqs.send_message_batch(
        QueueUrl=infra.queue_url,
        Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)],
    )
    poison_id = next(s["MessageId"] for s in response["Successful"]
                     if s["Id"] == str(poison_position))
    result = esm_for(clients, infra, app).drain()
    assert result.raised_invocations == 0
    dead = receive_all(clients, infra.dlq_url)
    assert [m["MessageId"] for m in dead] == [poison_id]
    assert set(object_versions(clients, infra.bucket_name, "processed/")) == {
        f"processed/doc-{i}.json" for i in range(9)
    }
    assert receive_all(clients, infra.queue_url) == []
