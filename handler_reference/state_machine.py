"""The reference document pipeline as a Step Functions state machine (``deploy/document-pipeline.asl.json``).

The definition runs the reference handler's idempotency protocol (``store.py``) with
service integrations instead of a Lambda function: for each document of a batch (an
Inline Map), validate it, **claim** it with one conditional ``dynamodb:putItem``, write the
result to S3 (``aws-sdk:s3:putObject``, a pure function of the document, so a redo is an
identical overwrite), **complete** the claim with a conditional ``dynamodb:updateItem``, or
**release** it with a conditional ``dynamodb:deleteItem`` and send the document to the
dead-letter queue (``sqs:sendMessage``). Every task retries with exponential backoff and
full jitter; every failure ends in the DLQ, never in a failed execution.

What differs from the Lambda handler (``docs/long-running.md``):

* the claim is owned by ``<execution name>#<Map item index>``: a retried or redriven step
  takes its own claim back; Amazon States Language has no clock, so an abandoned claim of
  a stopped execution does not expire by time (redrive that execution, or delete the record);
* a document whose claim another execution holds is dead-lettered (``AlreadyInProgress``)
  rather than left for redelivery: a batch has no queue to redeliver it;
* ``documentId`` is checked for presence, type and emptiness only (no regular expressions in
  Choice states); the handler's full pattern check needs a Lambda task.

``render_definition`` substitutes the resource names as CloudFormation's
``DefinitionSubstitutions`` would; ``billable_transitions`` counts what AWS bills a Standard
execution from its history.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handler_reference.errors import ConfigError

__all__ = [
    "DEFINITION_PATH",
    "PLACEHOLDERS",
    "render_definition",
    "all_states",
    "billable_transitions",
    "Pipeline",
    "local_pipeline",
    "ExecutionResult",
]

#: The definition in the source tree (``deploy/`` is not part of the installed package).
DEFINITION_PATH = Path(__file__).resolve().parents[1] / "deploy" / "document-pipeline.asl.json"
#: Substitutions the definition expects.
PLACEHOLDERS = ("IdempotencyTableName", "ResultBucketName", "ResultPrefix", "DeadLetterQueueUrl")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def render_definition(
    *,
    idempotency_table: str,
    result_bucket: str,
    dead_letter_queue_url: str,
    result_prefix: str = "processed/",
    path: str | Path | None = None,
) -> str:
    """The definition with its ``${...}`` names substituted (a JSON string).

    Parameters
    ----------
    idempotency_table : str
        DynamoDB table with string partition key ``pk`` (the handler's table).
    result_bucket : str
        Bucket for ``<result_prefix><documentId>.json``.
    dead_letter_queue_url : str
        SQS queue URL for documents that fail.
    result_prefix : str
        Key prefix of results.
    path : path, optional
        Another definition file (default :data:`DEFINITION_PATH`).

    Raises
    ------
    ConfigError
        A value is empty, or the file uses a placeholder this function does not know.
    """
    values = {"IdempotencyTableName": idempotency_table, "ResultBucketName": result_bucket,
              "ResultPrefix": result_prefix, "DeadLetterQueueUrl": dead_letter_queue_url}
    for name, value in values.items():
        if not isinstance(value, str) or not value:
            raise ConfigError(invalid=[f"state machine substitution {name}={value!r} is not allowed: "
                                       "expected a non-empty string"])
    source = Path(path or DEFINITION_PATH)
    if not source.is_file():
        raise ConfigError(invalid=[f"state machine definition {str(source)!r} does not exist: deploy/ ships with "
                                   "the source tree, not the wheel; pass path="])
    text = source.read_text(encoding="utf-8")
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - set(values))
    if unknown:
        raise ConfigError(invalid=[f"definition placeholder ${{{unknown[0]}}} is not known; "
                                   f"known: {', '.join(PLACEHOLDERS)}"])
    rendered = _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
    json.loads(rendered)
    return rendered


def all_states(definition: str | Mapping[str, Any]) -> dict[str, dict]:
    """Every state of a definition, nested Map and Parallel states included, by name."""
    doc = json.loads(definition) if isinstance(definition, str) else definition
    out: dict[str, dict] = {}

    def walk(states: Mapping[str, Any]) -> None:
        for name, state in states.items():
            out[name] = state
            for key in ("ItemProcessor", "Iterator"):
                if key in state:
                    walk(state[key]["States"])
            for branch in state.get("Branches", ()):
                walk(branch["States"])

    walk(doc["States"])
    return out


def billable_transitions(events: Iterable[Mapping[str, Any]]) -> int:
    """State transitions AWS bills for a Standard execution, from its history events.

    One per state entered (``*StateEntered``, the Map state and every state of every
    iteration included) plus one per retry: a Task retried ``k`` times is entered once
    and scheduled ``k + 1`` times (``TaskScheduled``, ``LambdaFunctionScheduled``,
    ``ActivityScheduled``).
    """
    entered = tasks_entered = scheduled = 0
    for e in events:
        t = e["type"]
        if t.endswith("StateEntered"):
            entered += 1
            if t == "TaskStateEntered":
                tasks_entered += 1
        elif t in ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"):
            scheduled += 1
    return entered + max(0, scheduled - tasks_entered)


# ------------------------------------------------------------------ running it (moto, or any endpoint)
@dataclass(frozen=True)
class ExecutionResult:
    """One finished execution of the pipeline.

    Attributes
    ----------
    name, status : str
    outcomes : dict
        ``documentId`` (or, without one, the document as sorted JSON) -> its outcome record
        (``processed``, ``duplicate`` or ``dead-lettered`` with the error name).
    events : list of dict
        The execution history.
    transitions : int
        :func:`billable_transitions` of the history.
    """

    name: str
    status: str
    outcomes: dict
    events: list
    transitions: int

    def outcome_counts(self) -> dict[str, int]:
        """How many documents ended in each outcome (sorted by outcome)."""
        return dict(sorted(Counter(o["outcome"] for o in self.outcomes.values()).items()))


@dataclass
class Pipeline:
    """The state machine deployed with its table, versioned bucket and DLQ.

    Build one with :func:`local_pipeline`; :meth:`run` starts an execution on a batch and
    waits for it.
    """

    sfn: Any
    dynamodb: Any
    s3: Any
    sqs: Any
    state_machine_arn: str
    table_name: str
    bucket_name: str
    dlq_url: str

    def run(self, name: str, documents: Sequence[Mapping[str, Any]], *, timeout_s: float = 60.0,
            poll_s: float = 0.02) -> ExecutionResult:
        """Start execution ``name`` on ``{"documents": documents}`` and wait until it ends."""
        arn = self.sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name,
                                       input=json.dumps({"documents": list(documents)}))["executionArn"]
        deadline = time.monotonic() + timeout_s
        while (d := self.sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {name} still running after {timeout_s} s")
            time.sleep(poll_s)
        events = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        outcomes: dict = {}
        for o in (json.loads(d["output"]).get("outcomes", []) if d.get("output") else []):
            doc = o.get("document") or {}
            key = o.get("documentId") or (doc.get("documentId") if isinstance(doc, Mapping) else None)
            outcomes[key or json.dumps(doc, sort_keys=True)] = o
        return ExecutionResult(name, d["status"], outcomes, events, billable_transitions(events))

    def result_versions(self) -> dict[str, int]:
        """Versions of each result object (one per document processed exactly once)."""
        out: Counter = Counter()
        for v in self.s3.list_object_versions(Bucket=self.bucket_name).get("Versions", []):
            out[v["Key"]] += 1
        return dict(sorted(out.items()))

    def records(self) -> dict[str, str]:
        """``documentId -> status`` of the idempotency table."""
        items = self.dynamodb.scan(TableName=self.table_name)["Items"]
        return dict(sorted((i["pk"]["S"], i["status"]["S"]) for i in items))

    def dead_letters(self) -> list[dict]:
        """The DLQ's messages (bodies), received without deleting them."""
        out = []
        while True:
            msgs = self.sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10,
                                            VisibilityTimeout=30).get("Messages", [])
            if not msgs:
                return out
            out += [json.loads(m["Body"]) for m in msgs]


@contextlib.contextmanager
def local_pipeline(*, region: str = "us-east-1", name: str = "document-pipeline",
                   role_arn: str = "arn:aws:iam::123456789012:role/document-pipeline") -> Iterator[Pipeline]:
    """Deploy the pipeline on in-process moto with its Step Functions interpreter on.

    Dummy credentials; everything disappears when the block ends. moto executes the Map,
    Choice, Pass and Task states, Retry (it sleeps the backoff) and Catch, and the DynamoDB,
    SQS and S3 integrations the definition uses.
    """
    # deferred: moto is a test dependency, and the helpers above are what a deployment needs
    import boto3
    from moto import mock_aws

    from handler_reference.infra import DUMMY_AWS_ENV, patched_environ

    with patched_environ(DUMMY_AWS_ENV), mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        ddb, s3, sqs, sfn = (boto3.client(s, region_name=region) for s in ("dynamodb", "s3", "sqs", "stepfunctions"))
        table, bucket = f"{name}-idempotency", f"{name}-results"
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        definition = render_definition(idempotency_table=table, result_bucket=bucket, dead_letter_queue_url=dlq)
        arn = sfn.create_state_machine(name=name, definition=definition, roleArn=role_arn)["stateMachineArn"]
        yield Pipeline(sfn, ddb, s3, sqs, arn, table, bucket, dlq)
