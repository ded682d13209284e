"""Running the reference state machine (``handler_reference.state_machine``) on moto.

:func:`local_pipeline` deploys the definition with its idempotency table, versioned result
bucket and dead-letter queue on in-process moto (its Step Functions interpreter on);
:class:`Pipeline` starts executions and reads back results, records and dead letters;
:class:`ExecutionResult` is one finished execution with its billable transitions. None of
this is deployed.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3

from handler_harness.infra import DUMMY_AWS_ENV, patched_environ
from handler_reference.state_machine import billable_transitions, render_definition

__all__ = ["ExecutionResult", "Pipeline", "local_pipeline"]


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
        out: list[dict] = []
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
    from moto import mock_aws  # noqa: PLC0415  (deferred: moto is needed only to run it locally)

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
