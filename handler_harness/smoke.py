"""Smoke test of a deployed stack, using nothing but the stack's outputs.

    python -m handler_harness.smoke --stack-name docs-dev [--region eu-west-1]
    python -m handler_harness.smoke --outputs-json outputs.json   # describe-stacks output

It sends ``--documents`` documents, each twice (a producer duplicate; on a FIFO queue
with a distinct deduplication id, so that SQS delivers both and the handler has to
deduplicate), waits until the function has written every result and the queue is
drained, sends one document a third time after its record was completed, waits again,
then checks:

1. every document has exactly one result version, byte-identical to
   ``processor.render_result`` of what was sent (idempotency: the duplicates wrote nothing);
2. every document has a ``COMPLETED`` idempotency record whose payload hash is the
   hash of what was sent, with a TTL ``expiration`` in the future;
3. no message of this run reached the DLQ (its depth did not grow).

Needs ``sqs:SendMessage``/``GetQueueAttributes``, ``s3:ListBucketVersions``/``GetObject``,
``dynamodb:GetItem`` and ``cloudformation:DescribeStacks``: the operator's permissions,
not the function's. Exit status 0 when every check passes, 1 otherwise, 2 on bad usage.
The tests run this same code against the stack deployed on moto, with the local poller
on a thread in place of Lambda's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from handler_harness.stack import StackOutputs, client, stack_outputs
from handler_reference.errors import HandlerError
from handler_reference.processor import parse_command, render_result
from handler_reference.store import COMPLETED


class SmokeTestError(HandlerError):
    """The smoke test was asked for something it cannot do."""


@dataclass(frozen=True)
class Check:
    """One smoke-test check: its name, whether it passed, and what was seen."""

    name: str
    passed: bool
    detail: str


@dataclass
class SmokeReport:
    """What :func:`run_smoke_test` sent and found."""

    run_id: str
    documents: tuple[str, ...]
    messages_sent: int
    waited_s: float
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return bool(self.checks) and all(c.passed for c in self.checks)

    def lines(self) -> list[str]:
        """Human-readable summary, one check per line."""
        out = [
            f"smoke run {self.run_id}: {len(self.documents)} documents, "
            f"{self.messages_sent} messages, waited {self.waited_s:.1f} s"
        ]
        out += [f"{'PASS' if c.passed else 'FAIL'}  {c.name}: {c.detail}" for c in self.checks]
        out.append("all checks passed" if self.passed else "SMOKE TEST FAILED")
        return out


def _queue_counts(sqs: Any, queue_url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _versions(s3: Any, bucket: str, key: str) -> list[dict[str, Any]]:
    response = s3.list_object_versions(Bucket=bucket, Prefix=key)
    return [v for v in response.get("Versions", []) if v["Key"] == key]


def _send(sqs: Any, outputs: StackOutputs, body: str, group: str, dedup_id: str) -> None:
    kwargs: dict[str, Any] = {"QueueUrl": outputs.queue_url, "MessageBody": body}
    if outputs.is_fifo:
        kwargs.update(MessageGroupId=group, MessageDeduplicationId=dedup_id)
    kwargs["MessageAttributes"] = {
        "correlationId": {"DataType": "String", "StringValue": f"smoke-{dedup_id}"}
    }
    sqs.send_message(**kwargs)


def _wait(
    condition: Callable[[], bool], timeout_s: float, poll_interval_s: float, settled_polls: int = 2
) -> bool:
    """Poll until ``condition`` holds ``settled_polls`` times in a row (SQS counts are approximate)."""
    deadline = time.monotonic() + timeout_s
    streak = 0
    while time.monotonic() < deadline:
        streak = streak + 1 if condition() else 0
        if streak >= settled_polls:
            return True
        time.sleep(poll_interval_s)
    return False


def run_smoke_test(
    outputs: StackOutputs,
    *,
    n_documents: int = 5,
    region: str | None = None,
    endpoint_url: str | None = None,
    timeout_s: float = 600.0,
    poll_interval_s: float = 5.0,
    run_id: str | None = None,
) -> SmokeReport:
    """Send documents to a deployed stack and check results and idempotency.

    Parameters
    ----------
    outputs : StackOutputs
    n_documents : int
        Distinct documents (each sent twice, one of them three times), 1-100.
    region, endpoint_url : str, optional
        Default: the stack's region; ``AWS_ENDPOINT_URL`` or AWS itself.
    timeout_s : float
        [s] Longest wait for each of the two waits.
    poll_interval_s : float
        [s] Pause between polls of the bucket and the queue.
    run_id : str, optional
        Part of every documentId (default: random), so runs never collide.
    """
    if isinstance(n_documents, bool) or not isinstance(n_documents, int) or not 1 <= n_documents <= 100:
        raise SmokeTestError(f"n_documents={n_documents!r} must be an integer in [1, 100]")
    region = region or outputs.region
    sqs, s3, dynamodb = (client(s, region, endpoint_url) for s in ("sqs", "s3", "dynamodb"))
    run_id = run_id or uuid.uuid4().hex[:12]
    started = time.monotonic()
    dlq_before = sum(_queue_counts(sqs, outputs.dead_letter_queue_url))
    bodies = {
        f"smoke-{run_id}-{i:03d}": json.dumps(
            {"documentId": f"smoke-{run_id}-{i:03d}", "text": f"smoke test document {i}", "run": run_id},
            sort_keys=True,
        )
        for i in range(n_documents)
    }
    sent = 0
    for copy in ("a", "b"):
        for i, (document_id, body) in enumerate(bodies.items()):
            _send(sqs, outputs, body, group=f"smoke-{run_id}-{i % 2}", dedup_id=f"{document_id}-{copy}")
            sent += 1

    def key(document_id: str) -> str:
        return f"{outputs.result_prefix}{document_id}.json"

    def settled() -> bool:
        if sum(_queue_counts(sqs, outputs.queue_url)):
            return False
        return all(_versions(s3, outputs.bucket_name, key(d)) for d in bodies)

    report = SmokeReport(run_id, tuple(bodies), 0, 0.0)
    first_wait = _wait(settled, timeout_s, poll_interval_s)
    late = next(iter(bodies))
    if first_wait:  # a late duplicate, after its record was completed
        _send(sqs, outputs, bodies[late], group=f"smoke-{run_id}-0", dedup_id=f"{late}-c")
        sent += 1
        first_wait = _wait(settled, timeout_s, poll_interval_s)
    report.messages_sent = sent
    report.waited_s = time.monotonic() - started
    report.checks.append(
        Check(
            "queue drained and every result written",
            first_wait,
            "yes" if first_wait else f"not within {timeout_s:.0f} s",
        )
    )

    bad_versions, bad_content, bad_records = [], [], []
    now_s = int(time.time())
    for document_id, body in bodies.items():
        versions = _versions(s3, outputs.bucket_name, key(document_id))
        if len(versions) != 1:
            bad_versions.append(f"{document_id}: {len(versions)} versions")
        if versions:
            stored = s3.get_object(Bucket=outputs.bucket_name, Key=key(document_id))["Body"].read()
            if stored != render_result(parse_command(body)):
                bad_content.append(document_id)
        item = dynamodb.get_item(
            TableName=outputs.table_name, Key={"pk": {"S": document_id}}, ConsistentRead=True
        ).get("Item")
        expected_hash = parse_command(body).payload_sha256
        if not item:
            bad_records.append(f"{document_id}: no record")
        elif (
            item["status"]["S"] != COMPLETED
            or item["payload_sha256"]["S"] != expected_hash
            or int(item["expiration"]["N"]) <= now_s
        ):
            bad_records.append(
                f"{document_id}: status={item['status']['S']}, expiration={item['expiration']['N']}"
            )
    n = len(bodies)
    report.checks += [
        Check(
            "exactly one result version per document (duplicates wrote nothing)",
            not bad_versions,
            f"{n - len(bad_versions)}/{n} documents" + (f"; {bad_versions}" if bad_versions else ""),
        ),
        Check(
            "result content equals render_result(body)",
            not bad_content,
            f"{n - len(bad_content)}/{n} documents" + (f"; differ: {bad_content}" if bad_content else ""),
        ),
        Check(
            "COMPLETED idempotency record with the payload hash and a future expiration",
            not bad_records,
            f"{n - len(bad_records)}/{n} documents" + (f"; {bad_records}" if bad_records else ""),
        ),
    ]
    dlq_after = sum(_queue_counts(sqs, outputs.dead_letter_queue_url))
    report.checks.append(
        Check(
            "no message dead-lettered",
            dlq_after <= dlq_before,
            f"DLQ depth {dlq_before} before, {dlq_after} after",
        )
    )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the smoke test against a stack; exit 0 if every check passes."""
    parser = argparse.ArgumentParser(prog="python -m handler_harness.smoke", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack-name", help="read the outputs with DescribeStacks")
    source.add_argument(
        "--outputs-json",
        help="file with `aws cloudformation describe-stacks` output, or {OutputKey: OutputValue}",
    )
    parser.add_argument("--region", default=None)
    parser.add_argument("--endpoint-url", default=None)
    parser.add_argument("--documents", type=int, default=5)
    parser.add_argument("--timeout-s", type=float, default=600.0)
    parser.add_argument("--poll-interval-s", type=float, default=5.0)
    args = parser.parse_args(argv)
    try:
        if args.stack_name:
            cloudformation = client("cloudformation", args.region or "us-east-1", args.endpoint_url)
            outputs = stack_outputs(cloudformation, args.stack_name)
        else:
            with open(args.outputs_json) as handle:
                data = json.load(handle)
            if "Stacks" in data:
                data = {o["OutputKey"]: o["OutputValue"] for o in data["Stacks"][0]["Outputs"]}
            outputs = StackOutputs.from_outputs(data)
        report = run_smoke_test(
            outputs,
            n_documents=args.documents,
            region=args.region,
            endpoint_url=args.endpoint_url,
            timeout_s=args.timeout_s,
            poll_interval_s=args.poll_interval_s,
        )
    except (HandlerError, BotoCoreError, ClientError, OSError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
