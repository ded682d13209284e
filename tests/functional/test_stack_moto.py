"""deploy/template.yaml deployed onto moto's CloudFormation, in-process and over HTTP
(ThreadedMotoServer): the resources carry the template's settings, the execution role
carries exactly the generated least-privilege policy, and the smoke test - driven only
by the stack's outputs - passes with the deployed handler behind the local poller."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from handler_harness import moto_cfn, smoke
from handler_harness.infra import DUMMY_AWS_ENV, patched_environ
from handler_harness.stack import (
    client,
    cold_start,
    deploy_on_moto,
    function_environment,
    local_event_source_mapping,
    polling_in_background,
    stack_outputs,
)
from handler_reference.config import load_config
from handler_reference.iam import handler_policy
from handler_reference.processor import parse_command, render_result

REPO = Path(__file__).resolve().parents[2]
#: Non-default values, so each one can be traced to where it must land.
PARAMETERS = {
    "NamePrefix": "st",
    "MaxReceiveCount": 3,
    "QueueVisibilityTimeoutSeconds": 120,
    "FunctionTimeoutSeconds": 20,
    "FunctionMemoryMB": 256,
    "ReservedConcurrency": 6,
    "BatchSize": 7,
    "MaximumBatchingWindowSeconds": 2,
    "MaximumConcurrency": 4,
    "IdempotencyExpirySeconds": 7200,
    "LogRetentionDays": 14,
    "ResultPrefix": "out/v1/",
    "InvocationAnomalyBandWidth": 2,
}


@pytest.fixture(scope="module")
def moto_server():
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
def inprocess():
    from moto import mock_aws

    with patched_environ(DUMMY_AWS_ENV), mock_aws():
        yield


def test_deployed_resources_carry_the_templates_settings(aws):
    outputs = deploy_on_moto("stack-std", PARAMETERS)
    assert outputs == stack_outputs(client("cloudformation"), "stack-std")
    assert outputs.queue_url.endswith("/123456789012/st-queue") and not outputs.is_fifo
    assert outputs.bucket_name == "st-results-123456789012-us-east-1"
    assert (outputs.table_name, outputs.function_name, outputs.result_prefix) == (
        "st-idempotency", "st-processor", "out/v1/"
    )
    sqs, lam = client("sqs"), client("lambda")
    queue = sqs.get_queue_attributes(QueueUrl=outputs.queue_url, AttributeNames=["All"])["Attributes"]
    dlq = sqs.get_queue_attributes(
        QueueUrl=outputs.dead_letter_queue_url, AttributeNames=["All"]
    )["Attributes"]
    assert json.loads(queue["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq["QueueArn"], "maxReceiveCount": 3
    }
    assert queue["VisibilityTimeout"] == "120"
    assert dlq["MessageRetentionPeriod"] == "1209600"
    ttl = client("dynamodb").describe_time_to_live(TableName=outputs.table_name)
    assert ttl["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiration"}
    assert client("s3").get_bucket_versioning(Bucket=outputs.bucket_name)["Status"] == "Enabled"

    function = lam.get_function(FunctionName=outputs.function_name)
    config = function["Configuration"]
    assert (config["Handler"], config["Runtime"], config["Timeout"], config["MemorySize"]) == (
        "handler_reference.app.handler", "python3.11", 20, 256
    )
    assert function["Concurrency"] == {"ReservedConcurrentExecutions": 6}
    environment = config["Environment"]["Variables"]
    assert environment["QUEUE_URL"] == outputs.queue_url
    assert environment["BUCKET_NAME"] == outputs.bucket_name
    assert environment["IDEMPOTENCY_TABLE"] == outputs.table_name
    assert str(environment["IDEMPOTENCY_EXPIRY_S"]) == "7200"
    assert environment["RESULT_PREFIX"] == "out/v1/"

    mapping = lam.get_event_source_mapping(UUID=outputs.event_source_mapping_id)
    assert mapping["EventSourceArn"] == outputs.queue_arn
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (7, 2)
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 4}
    assert mapping["State"] == "Disabled"  # the local poller plays Lambda's poller on moto

    (group,) = client("logs").describe_log_groups(logGroupNamePrefix=outputs.log_group_name)["logGroups"]
    assert (group["logGroupName"], group["retentionInDays"]) == ("/aws/lambda/st-processor", 14)


def test_deployed_role_has_exactly_the_generated_policy(aws):
    outputs = deploy_on_moto("stack-iam", PARAMETERS)
    lam, iam = client("lambda"), client("iam")
    role_name = lam.get_function_configuration(FunctionName=outputs.function_name)["Role"].split("/")[-1]
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    deployed = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
    # the policy the generator builds from the configuration the deployed function reads
    config = load_config(function_environment(lam, outputs.function_name))
    assert deployed == handler_policy(config)
    resources = {s["Sid"]: s["Resource"] for s in deployed["Statement"]}
    assert resources["WriteResultObjects"] == f"arn:aws:s3:::{outputs.bucket_name}/out/v1/*"
    assert resources["WriteOwnLogs"] == (
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/st-processor:*"
    )


def test_alarms_and_metric_filters_are_deployed(aws):
    outputs = deploy_on_moto("stack-alarms", PARAMETERS)
    alarms = {a["AlarmName"]: a for a in client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert set(alarms) == {
        "st-dlq-not-empty",
        "st-function-error-rate",
        "st-record-failure-rate",
        "st-throttles",
        "st-oldest-message-age",
        "st-invocation-anomaly",
    }
    dlq = alarms["st-dlq-not-empty"]
    assert dlq["Dimensions"] == [{"Name": "QueueName", "Value": "st-dlq"}]
    assert (dlq["MetricName"], dlq["Threshold"], dlq["ComparisonOperator"]) == (
        "ApproximateNumberOfMessagesVisible", 0.0, "GreaterThanThreshold"
    )
    age = alarms["st-oldest-message-age"]
    assert age["Dimensions"] == [{"Name": "QueueName", "Value": "st-queue"}]
    assert age["Threshold"] == 900.0
    assert alarms["st-throttles"]["Dimensions"] == [{"Name": "FunctionName", "Value": "st-processor"}]
    anomaly = alarms["st-invocation-anomaly"]
    assert anomaly["ThresholdMetricId"] == "band"
    assert anomaly["ComparisonOperator"] == "GreaterThanUpperThreshold"
    queries = {m["Id"]: m for m in anomaly["Metrics"]}
    assert queries["band"]["Expression"] == "ANOMALY_DETECTION_BAND(invocations, 2)"
    assert queries["invocations"]["MetricStat"]["Metric"]["Dimensions"] == [
        {"Name": "FunctionName", "Value": "st-processor"}
    ]
    filters = client("logs").describe_metric_filters(logGroupName=outputs.log_group_name)
    metric_names = {f["metricTransformations"][0]["metricName"] for f in filters["metricFilters"]}
    assert metric_names == {"st-RecordFailures", "st-Records"}


def test_fifo_stack_has_fifo_queues_and_no_batching_window(aws):
    outputs = deploy_on_moto(
        "stack-fifo", {**PARAMETERS, "QueueType": "fifo", "ContentBasedDeduplication": "true"}
    )
    assert outputs.is_fifo and outputs.dead_letter_queue_url.endswith("/st-dlq.fifo")
    sqs = client("sqs")
    queue = sqs.get_queue_attributes(QueueUrl=outputs.queue_url, AttributeNames=["All"])["Attributes"]
    assert (queue["FifoQueue"], queue["ContentBasedDeduplication"]) == ("true", "true")
    mapping = client("lambda").get_event_source_mapping(UUID=outputs.event_source_mapping_id)
    assert "MaximumBatchingWindowInSeconds" not in mapping
    lam = client("lambda")
    config = load_config(function_environment(lam, outputs.function_name))
    assert config.queue_name == "st-queue.fifo"


def _run_smoke(stack_name: str, outputs, capsys, handler=None) -> tuple[int, list[str]]:
    """The smoke test's command line, with the local poller on a thread as Lambda's poller."""
    lam, sqs = client("lambda"), client("sqs")
    with cold_start(function_environment(lam, outputs.function_name)) as app:
        esm = local_event_source_mapping(lam, sqs, outputs, handler or app.handler, retry_delay_s=0)
        capsys.readouterr()
        with polling_in_background(esm):
            code = smoke.main(
                ["--stack-name", stack_name, "--documents", "4",
                 "--poll-interval-s", "0.05", "--timeout-s", "60"]
            )
    # the handler's JSON log lines share stdout with the report
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("{")]
    return code, lines


@pytest.mark.parametrize("queue_type", ["standard", "fifo"])
def test_smoke_test_passes_against_the_stack_on_moto(aws, queue_type, capsys):
    outputs = deploy_on_moto(f"smoke-{queue_type}", {"NamePrefix": "sm", "QueueType": queue_type})
    code, lines = _run_smoke(f"smoke-{queue_type}", outputs, capsys)
    assert code == 0, lines
    assert lines[-1] == "all checks passed"
    assert sum(line.startswith("PASS") for line in lines) == 5
    assert "4 documents, 9 messages" in lines[0]  # each twice, one a third time


def test_smoke_test_fails_when_duplicates_are_processed_twice(inprocess, capsys):
    """A handler without idempotency: every delivery writes, nothing is recorded."""
    outputs = deploy_on_moto("smoke-bad", {"NamePrefix": "bad"})
    s3 = client("s3")

    def careless(event, context):
        for record in event["Records"]:
            s3.put_object(
                Bucket=outputs.bucket_name,
                Key=f"{outputs.result_prefix}{json.loads(record['body'])['documentId']}.json",
                Body=render_result(parse_command(record["body"])),
            )
        return {"batchItemFailures": []}

    code, lines = _run_smoke("smoke-bad", outputs, capsys, handler=careless)
    assert code == 1
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == 2, lines
    assert failed[0].startswith("FAIL  exactly one result version per document")
    assert "0/4 documents" in failed[0]  # every document was written at least twice
    assert failed[1].startswith("FAIL  COMPLETED idempotency record")
    assert lines[-1] == "SMOKE TEST FAILED"


def test_smoke_test_rejects_bad_usage(inprocess, capsys):
    outputs = deploy_on_moto("smoke-usage", {"NamePrefix": "use"})
    assert smoke.main(["--stack-name", "smoke-usage", "--documents", "0"]) == 2
    assert "n_documents=0 must be an integer in [1, 100]" in capsys.readouterr().err
    assert smoke.main(["--stack-name", "no-such-stack"]) == 2
    assert outputs.function_name == "use-processor"


@pytest.mark.slow
def test_make_deploy_then_smoke_test_against_the_moto_server(moto_server, tmp_path, capsys):
    """The documented path to an account - `make deploy` (AWS CLI: package upload,
    `cloudformation deploy` through a change set) - run against the moto server."""
    missing = [tool for tool in ("make", "aws") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (the AWS CLI is not a pinned package)")
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"))
    moto_cfn.install()
    stamp = tmp_path / "stamp"
    stamp.touch()  # newer than requirements.lock: make does not refresh a virtualenv
    aws_env = {**{k: v for k, v in DUMMY_AWS_ENV.items() if v is not None}, "AWS_ENDPOINT_URL": moto_server}
    with patched_environ(aws_env):
        client("s3").create_bucket(Bucket="artifacts")
        proc = subprocess.run(
            [
                "make", "-s", "-C", str(REPO), "deploy",
                f"VENV={Path(sys.executable).parent.parent}", f"STAMP={stamp}",
                f"BUILD={tmp_path / 'build'}", "ARTIFACT_BUCKET=artifacts", "STACK=mk-dev",
                "PARAMS=NamePrefix=mk QueueType=fifo EventSourceMappingEnabled=false",
            ],
            env={k: v for k, v in os.environ.items() if k != "AWS_PROFILE"} | aws_env,
            capture_output=True, text=True, timeout=600, check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Successfully created/updated stack - mk-dev" in proc.stdout
        outputs = stack_outputs(client("cloudformation"), "mk-dev")
        assert outputs.queue_url in proc.stdout  # the outputs table
        assert outputs.is_fifo and outputs.function_name == "mk-processor"
        code, lines = _run_smoke("mk-dev", outputs, capsys)
    assert code == 0, lines


def _depth(sqs, queue_url):
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_fifo_stack_deduplicates_by_content_unless_ids_differ(aws):
    outputs = deploy_on_moto(
        "stack-dedup", {"NamePrefix": "dd", "QueueType": "fifo", "ContentBasedDeduplication": "true"}
    )
    sqs = client("sqs")
    body = json.dumps({"documentId": "doc-1"})
    for _ in range(2):  # the deduplication id is the SHA-256 of the body: sent once
        sqs.send_message(QueueUrl=outputs.queue_url, MessageBody=body, MessageGroupId="g")
    assert _depth(sqs, outputs.queue_url) == 1
    for dedup_id in ("x-1", "x-2"):  # explicit ids override content-based deduplication
        sqs.send_message(
            QueueUrl=outputs.queue_url, MessageBody=body, MessageGroupId="g",
            MessageDeduplicationId=dedup_id,
        )
    assert _depth(sqs, outputs.queue_url) == 3


def test_fifo_stack_holds_a_failed_group_back_and_dead_letters_it_in_order(aws, capsys):
    """Deployed handler + local poller on a FIFO stack: a poison message stops its group
    (the message behind it is reported unprocessed), the other group goes on, and the
    poison message takes the message held behind it to the DLQ after maxReceiveCount."""
    outputs = deploy_on_moto("stack-fifo-e2e", {**PARAMETERS, "QueueType": "fifo"})
    sqs, lam = client("sqs"), client("lambda")
    ids = {}
    for name, group in [("a1", "A"), ("a2", "A"), ("b1", "B"), ("a3", "A"), ("b2", "B")]:
        body = "not json" if name == "a2" else json.dumps({"documentId": f"doc-{name}"})
        ids[name] = sqs.send_message(
            QueueUrl=outputs.queue_url, MessageBody=body, MessageGroupId=group,
            MessageDeduplicationId=name,
        )["MessageId"]
    with cold_start(function_environment(lam, outputs.function_name)) as app:
        esm = local_event_source_mapping(lam, sqs, outputs, app.handler, retry_delay_s=0)
        first = esm.poll_once()
        assert first.message_ids == tuple(ids.values())  # one batch, in send order
        assert first.failed_ids == {ids["a2"], ids["a3"]}
        drained = esm.drain()
    # a2 and a3 come back together until the next receive after maxReceiveCount (3)
    assert drained.invocations == PARAMETERS["MaxReceiveCount"] - 1
    assert all(b.message_ids == (ids["a2"], ids["a3"]) for b in drained.batches)
    listing = client("s3").list_objects_v2(Bucket=outputs.bucket_name)["Contents"]
    assert {o["Key"] for o in listing} == {f"out/v1/doc-{n}.json" for n in ("a1", "b1", "b2")}
    dead = sqs.receive_message(QueueUrl=outputs.dead_letter_queue_url, MaxNumberOfMessages=10)
    assert [m["MessageId"] for m in dead["Messages"]] == [ids["a2"], ids["a3"]]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    blocked = [line for line in lines if line.get("errorType") == "MessageGroupBlockedError"]
    assert len(blocked) == PARAMETERS["MaxReceiveCount"]  # a3, once per receive
    assert all(b["documentId"] == "doc-a3" and b["messageGroupId"] == "A" for b in blocked)


def test_fifo_batch_size_one_keeps_the_followers_out_of_the_dlq(inprocess):
    """With BatchSize 1 nothing is received behind a failing message (its group is in
    flight), so only the poison message reaches the DLQ and its follower is processed."""
    outputs = deploy_on_moto("stack-fifo-one", {**PARAMETERS, "QueueType": "fifo", "BatchSize": 1})
    sqs, lam = client("sqs"), client("lambda")
    ids = {}
    for name in ("a1", "a2", "a3"):
        body = "not json" if name == "a2" else json.dumps({"documentId": f"doc-{name}"})
        ids[name] = sqs.send_message(
            QueueUrl=outputs.queue_url, MessageBody=body, MessageGroupId="A", MessageDeduplicationId=name
        )["MessageId"]
    with cold_start(function_environment(lam, outputs.function_name)) as app:
        drained = local_event_source_mapping(lam, sqs, outputs, app.handler, retry_delay_s=0).drain()
    # a1 once, a2 MaxReceiveCount times, a3 once after a2 went to the DLQ
    assert [b.message_ids for b in drained.batches] == (
        [(ids["a1"],)] + [(ids["a2"],)] * PARAMETERS["MaxReceiveCount"] + [(ids["a3"],)]
    )
    dead = sqs.receive_message(QueueUrl=outputs.dead_letter_queue_url, MaxNumberOfMessages=10)
    assert [m["MessageId"] for m in dead["Messages"]] == [ids["a2"]]
    listing = client("s3").list_objects_v2(Bucket=outputs.bucket_name)["Contents"]
    assert {o["Key"] for o in listing} == {"out/v1/doc-a1.json", "out/v1/doc-a3.json"}
