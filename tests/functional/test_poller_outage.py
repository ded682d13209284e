"""An endpoint outage in the middle of a drain delays messages and loses none.

moto's ``ThreadedMotoServer`` is stopped and started again (the same object, on the
same port) twice while the local event source mapping drains the queue through the real
handler over HTTP: once between two invocations, once in the middle of one (before the
claim of its fifth record). A ``ThreadedMotoServer`` keeps its state in moto's in-process
backends, so stopping and starting it is an outage of the endpoint, not a reset; the
test checks that too (objects written before the outage are still there afterwards).
The SDK's own retries are switched off (``AWS_MAX_ATTEMPTS=1``) so the outage reaches
the poller and the handler instead of being absorbed by botocore.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import socket
import sys
import threading

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
from handler_harness.retry import RetryPolicy

N_MESSAGES = 60
OUTAGE_S = 1.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Outages:
    """Stops the server now and starts it again ``OUTAGE_S`` later (same object, same port)."""

    def __init__(self, server):
        self.server = server
        self.stops = 0
        self.restarts = 0
        self.timers: list[threading.Timer] = []
        self.objects_before_first: set[str] = set()

    def begin(self) -> None:
        self.server.stop()
        self.stops += 1
        timer = threading.Timer(OUTAGE_S, self._restart)
        self.timers.append(timer)
        timer.start()

    def _restart(self) -> None:
        self.server.start()
        self.restarts += 1


class StopBeforeClaim:
    """Idempotency store wrapper: the outage begins just before one chosen claim."""

    def __init__(self, store, outages, at_claim):
        self.store, self.outages, self.at_claim, self.claims = store, outages, at_claim, 0

    def claim(self, *args, **kwargs):
        self.claims += 1
        if self.claims == self.at_claim:
            self.outages.begin()
        return self.store.claim(*args, **kwargs)

    def complete(self, *args, **kwargs):
        return self.store.complete(*args, **kwargs)

    def release(self, *args, **kwargs):
        return self.store.release(*args, **kwargs)


@pytest.mark.slow
def test_server_stopped_and_restarted_mid_drain_loses_nothing(capsys):
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    outages = Outages(server)
    endpoint = f"http://127.0.0.1:{port}"
    env = {**DUMMY_AWS_ENV, "AWS_ENDPOINT_URL": endpoint, "AWS_MAX_ATTEMPTS": "1",
           "AWS_RETRY_MODE": "standard"}
    try:
        with patched_environ(env):
            clients = make_clients("us-east-1")
            infra = create_infrastructure(clients, name_prefix="outage", max_receive_count=5,
                                          visibility_timeout_s=30)
            sys.modules.pop("handler_reference.app", None)
            with patched_environ(infra.environment()):
                app = importlib.import_module("handler_reference.app")
            # the fifth claim of the fourth invocation: 3 batches x 10 records + 5
            app.PORTS = dataclasses.replace(
                app.PORTS, store=StopBeforeClaim(app.PORTS.store, outages, at_claim=35))
            bodies = [json.dumps({"documentId": f"doc-{i:03d}", "text": "outage test"})
                      for i in range(N_MESSAGES)]
            for start in range(0, N_MESSAGES, 10):
                clients.sqs.send_message_batch(
                    QueueUrl=infra.queue_url,
                    Entries=[{"Id": str(i), "MessageBody": b}
                             for i, b in enumerate(bodies[start:start + 10])])
            esm = LocalEventSourceMapping(
                clients.sqs, infra.queue_url, app.handler, retry_delay_s=0,
                retry=RetryPolicy(base_delay_s=0.05, max_delay_s=0.5, max_elapsed_s=60,
                                  random_state=0))

            esm_batches: list = []

            def after_batch(batch):
                esm_batches.append(batch)
                if len(esm_batches) == 2:  # between the second and third invocations
                    outages.objects_before_first = set(
                        object_versions(clients, infra.bucket_name, "processed/"))
                    outages.begin()

            result = esm.drain(after_batch=after_batch)
            for timer in outages.timers:
                timer.join()
            versions = object_versions(clients, infra.bucket_name, "processed/")
            dead = receive_all(clients, infra.dlq_url)
            left = receive_all(clients, infra.queue_url)
        sys.modules.pop("handler_reference.app", None)
    finally:
        for timer in outages.timers:
            timer.join()
        server.stop()

    assert (outages.stops, outages.restarts) == (2, 2)
    assert result.endpoint_retries >= 2 and result.endpoint_wait_s > 0  # the poller waited
    assert result.raised_invocations == 0
    # the state survived the restarts: what was written before is still there
    assert len(outages.objects_before_first) == 20
    assert outages.objects_before_first <= set(versions)
    # nothing lost, nothing dead-lettered, nothing written twice
    assert dead == [] and left == []
    assert versions.keys() == {f"processed/doc-{i:03d}.json" for i in range(N_MESSAGES)}
    assert all(len(etags) == 1 for etags in versions.values())
    # the records caught by the mid-batch outage failed with a typed store error and were
    # processed on redelivery
    logs = [json.loads(line) for line in capsys.readouterr().out.splitlines()
            if line.startswith("{")]
    failed = [line for line in logs if line.get("message") == "record failed"]
    assert failed and {line["errorType"] for line in failed} <= {"StoreError",
                                                                 "StoreThrottledError"}
    assert result.failed_records == len(failed)
