"""COUNTER-EXAMPLE - do not use. The seed's "check, then process, then mark" idempotency.

This is the TypeScript seed handler's record logic translated literally::

    if (await isAlreadyProcessed(documentId)) continue
    await processor.process(payload)
    await markProcessed(documentId)       // conditional put, "already exists" ignored

It is racy: two deliveries of the same document that overlap in time (a producer
duplicate picked up by two concurrent invocations, or a message whose visibility
timeout expires while it is still being processed) both read "not processed" and both
run the effect. The conditional put at the end only stops the second *mark*, not the
second *effect*. The fault campaign (``faults.run_campaign(handler="naive")``) shows it
breaking the "no effect twice" invariant; the reference is
:func:`handler_reference.processor.process_record` (claim first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handler_reference.processor import DocumentCommand, Ports, RecordOutcome, render_result


def process_record_naive(
    command: DocumentCommand, record: Mapping[str, Any], context: Any, ports: Ports
) -> RecordOutcome:
    """COUNTER-EXAMPLE: check (GetItem), process (PutObject), mark (conditional PutItem)."""
    key = command.document_id
    if ports.store.get(key, now_ms=ports.clock_ms()) is not None:  # check
        return RecordOutcome.DUPLICATE
    ports.sink.put(f"{ports.result_prefix}{key}.json", render_result(command))  # process
    ports.store.put_completed_if_absent(  # mark; "already exists" is silently fine
        key, command.payload_sha256, now_ms=ports.clock_ms(), expires_after_s=ports.expires_after_s
    )
    return RecordOutcome.PROCESSED
