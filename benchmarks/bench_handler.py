"""Reference handler throughput on in-process moto, against the bare AWS calls it makes.

Run:  .venv/bin/python benchmarks/bench_handler.py [--n-messages 1000] [--repeats 3]

Prints, side by side in one run (best of ``--repeats`` each, fresh moto state each time):

1. **poller + handler**: messages/s through ``LocalEventSourceMapping`` and
   ``handler_reference.app.handler`` (imported fresh, as at a cold start; INFO logs
   formatted and written to /dev/null).
2. **bare calls**: the same AWS calls per message with no handler code around them -
   ``ReceiveMessage`` (10 at a time), conditional ``PutItem`` (claim), ``PutObject``,
   ``UpdateItem`` (complete), ``DeleteMessageBatch``.
3. the ratio of (1) to (2): the handler's and poller's own overhead;
4. **handler only, in-memory fakes**: records/s of ``handle_sqs_batch`` +
   ``process_record`` without any AWS call (pure Python cost per record).

Messages are sent in waves of 50 (untimed) because moto's ReceiveMessage cost grows with
queue depth; only the consuming side is timed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import logging
import os
import sys
import time

from handler_harness.infra import create_infrastructure, local_aws, make_clients, patched_environ
from handler_harness.poller import LambdaContext, LocalEventSourceMapping
from handler_reference.batch import handle_sqs_batch
from handler_reference.processor import Ports, process_record
from handler_reference.sink import InMemoryResultSink
from handler_reference.store import InMemoryIdempotencyStore

WAVE = 50


def bodies(n: int) -> list[str]:
    return [json.dumps({"documentId": f"doc-{i:06d}", "text": "a few words of text"}) for i in range(n)]


def send(sqs, queue_url: str, chunk: list[str]) -> None:
    for start in range(0, len(chunk), 10):
        sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(chunk[start:start + 10])],
        )


def run_handler(n: int) -> float:
    """Seconds spent consuming ``n`` messages through the poller and the real handler."""
    with local_aws():
        clients = make_clients()
        infra = create_infrastructure(clients, name_prefix="bench")
        sys.modules.pop("handler_reference.app", None)
        with patched_environ({**infra.environment(), "LOG_LEVEL": "INFO"}):
            app = importlib.import_module("handler_reference.app")
        esm = LocalEventSourceMapping(clients.sqs, infra.queue_url, app.handler)
        all_bodies, elapsed = bodies(n), 0.0
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            for start in range(0, n, WAVE):
                send(clients.sqs, infra.queue_url, all_bodies[start:start + WAVE])
                t0 = time.perf_counter()
                while esm.poll_once() is not None:
                    pass
                elapsed += time.perf_counter() - t0
        sys.modules.pop("handler_reference.app", None)
        return elapsed


def run_bare(n: int) -> float:
    """Seconds spent making the same AWS calls per message with no handler code."""
    with local_aws():
        clients = make_clients()
        infra = create_infrastructure(clients, name_prefix="bench")
        sqs, ddb, s3 = clients.sqs, clients.dynamodb, clients.s3
        all_bodies, elapsed = bodies(n), 0.0
        now_ms = int(time.time() * 1000)
        for start in range(0, n, WAVE):
            send(sqs, infra.queue_url, all_bodies[start:start + WAVE])
            t0 = time.perf_counter()
            while True:
                messages = sqs.receive_message(
                    QueueUrl=infra.queue_url, MaxNumberOfMessages=10,
                    AttributeNames=["All"], MessageAttributeNames=["All"],
                ).get("Messages", [])
                if not messages:
                    break
                for m in messages:  # the same request shapes the handler sends
                    key = json.loads(m["Body"])["documentId"]
                    ddb.put_item(
                        TableName=infra.table_name,
                        Item={"pk": {"S": key}, "status": {"S": "IN_PROGRESS"},
                              "payload_sha256": {"S": "0" * 64}, "claim_id": {"S": "req:msg"},
                              "expiration": {"N": str(now_ms // 1000 + 3600)},
                              "in_progress_expiration": {"N": str(now_ms + 30000)}},
                        ConditionExpression="attribute_not_exists(pk) OR expiration < :now_s "
                        "OR (#status = :in_progress AND in_progress_expiration < :now_ms)",
                        ExpressionAttributeNames={"#status": "status"},
                        ExpressionAttributeValues={":now_s": {"N": str(now_ms // 1000)},
                                                   ":now_ms": {"N": str(now_ms)},
                                                   ":in_progress": {"S": "IN_PROGRESS"}},
                        ReturnValuesOnConditionCheckFailure="ALL_OLD",
                    )
                    s3.put_object(Bucket=infra.bucket_name, Key=f"processed/{key}.json",
                                  Body=m["Body"].encode(), ContentType="application/json")
                    ddb.update_item(
                        TableName=infra.table_name, Key={"pk": {"S": key}},
                        UpdateExpression="SET #status = :completed, completed_at_ms = :now_ms",
                        ConditionExpression="#status = :in_progress AND claim_id = :claim_id",
                        ExpressionAttributeNames={"#status": "status"},
                        ExpressionAttributeValues={":completed": {"S": "COMPLETED"},
                                                   ":in_progress": {"S": "IN_PROGRESS"},
                                                   ":claim_id": {"S": "req:msg"},
                                                   ":now_ms": {"N": str(now_ms)}},
                    )
                sqs.delete_message_batch(
                    QueueUrl=infra.queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                             for i, m in enumerate(messages)],
                )
            elapsed += time.perf_counter() - t0
        return elapsed


def run_pure(n: int) -> float:
    """Seconds for the handler's own code on ``n`` records with in-memory fakes."""
    ports = Ports(store=InMemoryIdempotencyStore(), sink=InMemoryResultSink())
    logger = logging.getLogger("bench.pure")
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    logger.setLevel(logging.INFO)
    events = []
    for start in range(0, n, 10):
        events.append({"Records": [
            {"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": b, "attributes": {},
             "messageAttributes": {}, "eventSource": "aws:sqs"}
            for i, b in enumerate(bodies(n)[start:start + 10], start)
        ]})
    context = LambdaContext("bench", "bench", deadline_ms=10**13)

    def process(command, record, ctx):
        return process_record(command, record, ctx, ports)

    t0 = time.perf_counter()
    for event in events:
        handle_sqs_batch(event, context, process, logger)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-messages", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = args.n_messages
    run_bare(20), run_handler(20)  # warm-up: moto loads each service's backend lazily
    handler_runs, bare_runs = [], []
    for repeat in range(args.repeats):  # interleaved, alternating order: load drift hits both
        for run, runs in ([(run_handler, handler_runs), (run_bare, bare_runs)][:: 1 - 2 * (repeat % 2)]):
            gc.collect()
            runs.append(run(n))
    handler_s, bare_s = min(handler_runs), min(bare_runs)
    pure_s = min(run_pure(n) for _ in range(args.repeats))
    print(f"messages per run: {n}  (best of {args.repeats}; in-process moto 5.2.5; waves of {WAVE})")
    print(f"{'path':48s} {'seconds':>8s} {'msg/s':>9s} {'ms/msg':>8s}")
    for name, seconds in [
        ("poller + handler (real app.handler)", handler_s),
        ("bare calls (receive, put, put, update, delete)", bare_s),
        ("handler only, in-memory fakes (no AWS)", pure_s),
    ]:
        print(f"{name:48s} {seconds:8.3f} {n / seconds:9.1f} {1000 * seconds / n:8.3f}")
    print(f"ratio poller+handler / bare calls: {handler_s / bare_s:.2f}x "
          f"(overhead {1000 * (handler_s - bare_s) / n:.3f} ms per message)")


if __name__ == "__main__":
    main()
