"""deploy/template.yaml: cfn-lint clean, the same policy as the IAM generator, AWS's
advice on the defaults, and a deployment package that runs on the bare Lambda runtime."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint, lint_file

from handler_harness.stack import (
    HANDLER,
    TEMPLATE_PATH,
    StackError,
    StackOutputs,
    deployed_modules,
    function_zip,
    function_zip_key,
    load_template,
    main,
    template_defaults,
)
from handler_reference import batch
from handler_reference.config import REQUIRED_VARIABLES, HandlerConfig
from handler_reference.iam import handler_policy
from handler_reference.sink import S3ResultSink
from handler_reference.store import DynamoDBIdempotencyStore

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
DEFAULTS = template_defaults(TEMPLATE)
#: Regions the template is linted for (resource and property availability differs).
LINT_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"]


def of_type(resource_type):
    return {k: v for k, v in RESOURCES.items() if v["Type"] == resource_type}


def test_template_is_cfn_lint_clean_including_informational_checks():
    matches = lint_file(TEMPLATE_PATH, config=ManualArgs(regions=LINT_REGIONS, include_checks=["I"]))
    assert [str(m) for m in matches] == []


@pytest.mark.parametrize(
    "old, new, rule",
    [
        ("Runtime: python3.11", "Runtime: python2.7", "E2533"),  # deprecated runtime
        ("BatchSize: !Ref BatchSize", "BatchSize: 20000", "E3034"),  # above the SQS maximum
        ("Resource: !GetAtt SourceQueue.Arn", "Resource: !GetAtt SourceQueue.Nope", "E1010"),
    ],
)
def test_the_lint_check_catches_a_broken_template(old, new, rule):
    text = TEMPLATE_PATH.read_text()
    assert old in text
    matches = lint(text.replace(old, new, 1), config=ManualArgs(regions=["us-east-1"]))
    assert rule in {m.rule.id for m in matches}, [str(m) for m in matches]


def test_template_is_plain_cloudformation_with_every_required_resource():
    assert "Transform" not in TEMPLATE  # no SAM: moto cannot expand transforms
    counts = {}
    for resource in RESOURCES.values():
        counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
    assert counts == {
        "AWS::SQS::Queue": 2,
        "AWS::DynamoDB::Table": 1,
        "AWS::S3::Bucket": 1,
        "AWS::Logs::LogGroup": 1,
        "AWS::IAM::Role": 1,
        "AWS::Lambda::Function": 1,
        "AWS::Lambda::EventSourceMapping": 1,
        "AWS::Logs::MetricFilter": 2,
        "AWS::CloudWatch::Alarm": 6,
    }
    assert set(TEMPLATE["Outputs"]) == set(StackOutputs.OUTPUT_KEYS.values())


def test_queue_dlq_table_bucket_properties():
    queue = RESOURCES["SourceQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
        "maxReceiveCount": {"Ref": "MaxReceiveCount"},
    }
    dlq = RESOURCES["DeadLetterQueue"]["Properties"]
    # the DLQ keeps messages longer than the source can (14 days is SQS's maximum)
    assert dlq["MessageRetentionPeriod"] == 1_209_600
    assert TEMPLATE["Parameters"]["MessageRetentionSeconds"]["MaxValue"] <= 1_209_600
    # FIFO source needs a FIFO DLQ: both switch on the same condition
    assert queue["FifoQueue"] == dlq["FifoQueue"] == {"Fn::If": ["IsFifo", True, {"Ref": "AWS::NoValue"}]}
    table = RESOURCES["IdempotencyTable"]["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    bucket = RESOURCES["ResultsBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(bucket["PublicAccessBlockConfiguration"].values())


def test_function_environment_is_what_the_handler_reads():
    function = RESOURCES["Function"]["Properties"]
    assert function["Handler"] == HANDLER
    variables = function["Environment"]["Variables"]
    assert set(REQUIRED_VARIABLES) <= set(variables)
    assert variables["QUEUE_URL"] == {"Ref": "SourceQueue"}  # Ref of a queue is its URL
    assert variables["IDEMPOTENCY_EXPIRY_S"] == {"Ref": "IdempotencyExpirySeconds"}
    assert variables["FUNCTION_TIMEOUT_S"] == {"Ref": "FunctionTimeoutSeconds"}
    assert function["Timeout"] == {"Ref": "FunctionTimeoutSeconds"}
    assert RESOURCES["Function"]["Properties"]["ReservedConcurrentExecutions"] == {
        "Ref": "ReservedConcurrency"
    }
    # the log group exists (with its retention) before the function can write to it;
    # the role has no logs:CreateLogGroup
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "FunctionLogGroup"}
    assert RESOURCES["FunctionLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_event_source_mapping_reports_batch_item_failures():
    mapping = RESOURCES["EventSourceMapping"]["Properties"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == {"Ref": "BatchSize"}
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "MaximumConcurrency"}}
    # FIFO event sources do not support a batching window
    assert mapping["MaximumBatchingWindowInSeconds"] == {
        "Fn::If": ["IsFifo", {"Ref": "AWS::NoValue"}, {"Ref": "MaximumBatchingWindowSeconds"}]
    }


def test_defaults_follow_aws_advice():
    # visibility timeout at least six times the function timeout (Lambda + SQS guidance)
    assert int(DEFAULTS["QueueVisibilityTimeoutSeconds"]) >= 6 * int(DEFAULTS["FunctionTimeoutSeconds"])
    # maximum concurrency of the mapping within the reserved concurrency: no throttling
    assert int(DEFAULTS["MaximumConcurrency"]) <= int(DEFAULTS["ReservedConcurrency"])
    # ScalingConfig.MaximumConcurrency is 2..1000
    assert TEMPLATE["Parameters"]["MaximumConcurrency"]["MinValue"] == 2
    assert int(DEFAULTS["BatchSize"]) <= 10  # FIFO maximum, and no batching window needed
    assert DEFAULTS["ResultPrefix"] == HandlerConfig.result_prefix  # the handler's default
    # a claim must not outlive its record: expiry > timeout + 60 s (the handler checks it)
    assert int(DEFAULTS["IdempotencyExpirySeconds"]) >= int(DEFAULTS["FunctionTimeoutSeconds"]) + 60


def _alarm(name):
    return RESOURCES[name]["Properties"]


def test_alarms_watch_what_the_issue_asks():
    dlq = _alarm("DeadLetterQueueDepthAlarm")
    assert (dlq["Namespace"], dlq["MetricName"], dlq["Threshold"]) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", 0
    )
    assert dlq["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}
    age = _alarm("OldestMessageAgeAlarm")
    assert age["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert age["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["SourceQueue", "QueueName"]}
    assert _alarm("ThrottlesAlarm")["MetricName"] == "Throttles"
    errors = {m["Id"]: m for m in _alarm("FunctionErrorRateAlarm")["Metrics"]}
    assert errors["errors"]["MetricStat"]["Metric"]["MetricName"] == "Errors"
    assert errors["errorRate"]["Expression"] == "IF(invocations > 0, 100 * errors / invocations, 0)"
    anomaly = _alarm("InvocationAnomalyAlarm")
    band = {m["Id"]: m for m in anomaly["Metrics"]}["band"]
    assert band["Expression"] == {
        "Fn::Sub": "ANOMALY_DETECTION_BAND(invocations, ${InvocationAnomalyBandWidth})"
    }
    assert anomaly["ThresholdMetricId"] == "band"
    assert anomaly["ComparisonOperator"] == "GreaterThanUpperThreshold"
    # every alarm notifies the optional topic on alarm and on recovery
    for alarm in of_type("AWS::CloudWatch::Alarm").values():
        action = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
        assert alarm["Properties"]["AlarmActions"] == action
        assert alarm["Properties"]["OKActions"] == action


def test_record_failure_metric_filters_match_the_handlers_log_lines():
    # the handler logs one "record failed" line per failed record and one "batch done"
    # line per invocation with the record count (handler_reference.batch)
    source = Path(batch.__file__).read_text()
    assert '"record failed"' in source and '"batch done"' in source and '"records": len(records)' in source
    failures = RESOURCES["RecordFailuresMetricFilter"]["Properties"]
    records = RESOURCES["RecordsMetricFilter"]["Properties"]
    assert failures["FilterPattern"] == '{ $.message = "record failed" }'
    assert records["FilterPattern"] == '{ $.message = "batch done" }'
    assert records["MetricTransformations"][0]["MetricValue"] == "$.records"


def test_role_policy_has_the_generators_statements_and_actions():
    """Static half of the proof (the deployed, resolved policy is compared in
    tests/functional/test_stack_moto.py)."""
    config = HandlerConfig(
        queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/q",
        bucket_name="bucket",
        idempotency_table="table",
    )
    generated = handler_policy(config)
    role = RESOURCES["FunctionRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    assert "ManagedPolicyArns" not in role  # AWSLambdaBasicExecutionRole would add CreateLogGroup on *
    (policy,) = role["Policies"]
    document = policy["PolicyDocument"]
    assert document["Version"] == generated["Version"]
    strip = [{k: v for k, v in s.items() if k != "Resource"} for s in document["Statement"]]
    assert strip == [{k: v for k, v in s.items() if k != "Resource"} for s in generated["Statement"]]
    actions = {a for s in document["Statement"] for a in s["Action"]}
    assert set(DynamoDBIdempotencyStore.REQUIRED_ACTIONS) <= actions
    assert set(S3ResultSink.REQUIRED_ACTIONS) <= actions
    assert not any(a.endswith("*") or a == "dynamodb:GetItem" for a in actions)


def test_stack_outputs_name_what_is_missing():
    outputs = dict.fromkeys(StackOutputs.OUTPUT_KEYS.values(), "x")
    outputs["QueueUrl"] = ""
    del outputs["TableName"]
    with pytest.raises(StackError, match=r"stack outputs lack QueueUrl, TableName; expected every"):
        StackOutputs.from_outputs(outputs)
    assert StackOutputs.from_outputs({**outputs, "QueueUrl": "u", "TableName": "t"}).table_name == "t"


# -- the deployment package -----------------------------------------------------------


def test_zip_holds_the_entry_point_and_what_it_imports_only():
    names = zipfile.ZipFile(BytesIO(function_zip())).namelist()
    assert names == sorted(names)
    assert "handler_reference/app.py" in names and "handler_reference/__init__.py" in names
    modules = {n.removesuffix(".py").replace("/", ".") for n in names}
    assert modules == {m if m != "handler_reference" else "handler_reference.__init__"
                       for m in deployed_modules()}
    # the test harness (poller, infra, faults, stack...) is not deployed
    assert not any(n.startswith("handler_harness/") for n in names)
    assert {"handler_reference/iam.py", "handler_reference/naive.py"}.isdisjoint(names)


def test_zip_imports_only_the_standard_library_and_the_runtimes_boto3():
    allowed = set(sys.stdlib_module_names) | {"boto3", "botocore", "handler_reference"}
    archive = zipfile.ZipFile(BytesIO(function_zip()))
    for name in archive.namelist():
        tree = ast.parse(archive.read(name))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                tops = {node.module.split(".")[0]}
            else:
                continue
            assert tops <= allowed, (name, tops - allowed)


def test_zip_is_reproducible_and_content_addressed():
    first, second = function_zip(), function_zip()
    assert first == second
    assert function_zip_key(first) == function_zip_key(second)
    assert function_zip_key(first) != function_zip_key(first + b"x")
    assert function_zip_key(first).startswith("handler_reference/") and function_zip_key(first).endswith(".zip")


def test_unzipped_package_cold_starts_and_handles_an_empty_batch(tmp_path):
    zipfile.ZipFile(BytesIO(function_zip())).extractall(tmp_path)
    script = (
        "import json, sys\n"
        "import handler_reference.app as app\n"
        "assert app.__file__.startswith(sys.argv[1]), app.__file__\n"
        "heavy = sorted(m for m in ('numpy', 'pandas', 'moto', 'handler_harness') if m in sys.modules)\n"
        "print(json.dumps({'response': app.handler({'Records': []}, None), 'heavy': heavy}))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/docs-queue",
        "BUCKET_NAME": "docs-results",
        "IDEMPOTENCY_TABLE": "docs-idempotency",
        "AWS_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_NAME": "docs-processor",
    }
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"response": {"batchItemFailures": []}, "heavy": []}


def test_package_command_writes_the_zip_under_its_key(tmp_path, capsys):
    assert main(["package", "--out-dir", str(tmp_path)]) == 0
    key = capsys.readouterr().out.strip()
    assert key == function_zip_key(function_zip())
    assert (tmp_path / key).read_bytes() == function_zip()
