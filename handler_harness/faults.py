"""A seeded fault campaign: the reference and the naive handler under injected faults.

``run_campaign(n_messages=..., handler="reference"|"naive", random_state=...)`` creates
the infrastructure (in-process moto by default, or any endpoint), sends a planned mix
of messages, drains the queue through :class:`~handler_harness.poller.LocalEventSourceMapping`
and the real batch handler while injecting faults, then checks the invariants against
what is actually in S3, the queues and the logs.

What is injected (each fault fires at most once, on the first *primary* processing of
a message it is planned for; the counts of faults that actually fired are reported):

* producer duplicates - the same body sent twice (``duplicate_fraction`` of all messages);
* malformed bodies (``malformed_fraction``): not JSON, truncated JSON, a JSON array,
  missing / non-string / empty / path-like ``documentId``;
* hostile messages (``hostile_fraction``, :data:`HOSTILE_KINDS`): deeply nested JSON,
  an oversized body, numbers out of range, bad Unicode, control characters in ids,
  duplicate keys - and envelope fields of the wrong type (``attributes`` or
  ``messageAttributes`` not objects, a plain-string ``correlationId``, a numeric
  ``AWSTraceHeader``, no ``body``), given to the handler on every delivery of the
  planned message as if the event source had built them so;
* ``concurrent_duplicate`` - SQS delivers the same message to a second invocation on
  another thread while the first is between its check/claim and its effect;
* ``visibility_expiry`` - the message's visibility timeout runs out mid-processing
  (``ChangeMessageVisibility`` to 0) and a second consumer on another thread receives
  it again (new receipt handle) while the first is still working;
* crashes (the invocation dies; no cleanup, nothing deleted, the whole batch comes back
  after the visibility timeout): ``crash_before_effect`` (after the claim),
  ``crash_after_effect`` (result written, not marked), ``crash_after_mark`` (marked,
  batch not deleted);
* DynamoDB throttling (``ProvisionedThroughputExceededException`` after the SDK's
  retries): ``throttle_claim`` on the first store call, ``throttle_mark`` on the mark.

The two-thread episodes are forced into the worst interleaving with events (both
deliveries pass their check/claim before either writes), so the outcome is the same on
every run: the counts depend only on ``random_state``. Time is simulated
(:class:`SimClock`): a crashed batch comes back after ``visibility_timeout_s``, by which
time the crashed invocation's claim (locked for its remaining time) has expired.

Invariants (counts of violations; all zero means the invariant holds):

1. every valid document has exactly its expected result (``documents_without_expected_result``,
   ``documents_with_differing_versions``, ``unexpected_result_objects``);
2. no document's effect runs twice unless a fault struck between its effect and its
   mark, and then the content is identical (``documents_written_twice_without_interruption``;
   the allowed cases are counted in ``documents_written_twice_after_interruption``);
3. every malformed or hostile ("poison") message is in the DLQ (``malformed_not_in_dlq``);
4. nothing is lost (``valid_messages_in_dlq``, ``messages_left_in_queue``,
   ``messages_lost``), and every failure was logged with its error type
   (``failure_logs_missing_fields``);
5. no valid message co-batched with a poison message ends in the DLQ
   (``valid_cobatched_with_poison_in_dlq``; ``valid_cobatched_with_poison`` counts how
   many were exposed), and no invocation fails as a whole except by an injected crash
   (``unplanned_crashed_invocations``).

FIFO campaigns (``queue_type="fifo"``) send every message with a ``MessageGroupId``
(:func:`message_group_of_body`: the body decides the group, so a producer duplicate
lands in its original's group) and an explicit ``MessageDeduplicationId`` per send (so
producer duplicates reach the handler, which must deduplicate them). They add

6. per message group, effects happen in send order (``effects_out_of_group_order``: an
   effect of a message after an effect of a later message of its group);

and two FIFO facts change the accounting. SQS hands a FIFO group's messages to one
consumer at a time, so a concurrent duplicate delivery does not happen
(:data:`FIFO_FAULT_RATES` plans none); a visibility timeout running out mid-batch does,
and then another consumer receives the *whole batch* again (the twin is invoked with
the primary's records). And a poison message holds back the messages behind it in its
group and its batches, which are received - and counted towards ``maxReceiveCount`` -
as often as it is: they reach the DLQ together with it. Those are counted in
``valid_dead_lettered_behind_poison`` (expected, not lost: they wait in the DLQ for a
redrive) and not in ``valid_messages_in_dlq`` or ``valid_cobatched_with_poison_in_dlq``;
a document all of whose messages were held back that way does not count as missing
its result.

``handler="unordered"`` is the FIFO counter-example: the reference record processor,
but each record handled as a batch of its own, so a failure cannot hold back the rest
of its group (partial batch responses without AWS's FIFO rule).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
from botocore.exceptions import ClientError
from tqdm.auto import tqdm

from handler_harness.infra import (
    create_infrastructure,
    local_aws,
    make_clients,
    object_versions,
    receive_all,
)
from handler_harness.naive import CheckMarkPorts, DynamoDBCheckMarkStore, process_record_naive
from handler_harness.poller import LocalEventSourceMapping
from handler_reference.batch import handle_sqs_batch
from handler_reference.errors import HandlerError
from handler_reference.processor import Ports, parse_command, process_record, render_result
from handler_reference.sink import S3ResultSink
from handler_reference.store import DynamoDBIdempotencyStore

FAULT_KINDS = (
    "concurrent_duplicate",
    "visibility_expiry",
    "crash_before_effect",
    "crash_after_effect",
    "crash_after_mark",
    "throttle_claim",
    "throttle_mark",
)
#: Faults that strike between the effect and the mark: a redo is allowed after them.
INTERRUPTS_EFFECT_TO_MARK = frozenset({"crash_after_effect", "throttle_mark"})
#: The reference and the seed's check-process-mark counter-example (notebook 05 compares these).
HANDLERS = ("reference", "naive")
#: Plus the FIFO counter-example: the reference without AWS's FIFO rule.
ALL_HANDLERS = (*HANDLERS, "unordered")
QUEUE_TYPES = ("standard", "fifo")
SEQ_ATTRIBUTE = "campaignSeq"
#: Start of simulated time [ms] (2027-01-15T08:00:00Z) - fixed so runs are identical.
SIM_EPOCH_MS = 1_800_000_000_000
_MALFORMED_KINDS = (
    "not json",
    "truncated json",
    "json array",
    "missing documentId",
    "numeric documentId",
    "empty documentId",
    "path documentId",
)
#: Hostile bodies: (kind, body template with ``{j}`` for the message number). Each carries
#: a readable documentId where it can, so a handler that let it through would leave an
#: unexpected result object.
_HOSTILE_BODIES = (
    ("nesting: 1,000 '['", "[" * 1000),
    ("nesting: 5,000 balanced levels",
     '{{"documentId": "deep-{j}", "a": ' + "[" * 5000 + "]" * 5000 + "}}"),
    ("nesting: 40 levels (over the 32 allowed)",
     '{{"documentId": "deep40-{j}", "a": ' + "[" * 40 + "]" * 40 + "}}"),
    ("oversized body (270,000 bytes)",
     '{{"documentId": "huge-{j}", "text": "' + "x" * 270_000 + '"}}'),
    ("integer of 5,000 digits", '{{"documentId": "big-{j}", "n": 1' + "0" * 4999 + "}}"),
    ("float out of range", '{{"documentId": "inf-{j}", "x": 1e999}}'),
    ("NaN literal", '{{"documentId": "nan-{j}", "x": NaN}}'),
    ("lone surrogate", '{{"documentId": "sur-{j}", "text": "\\ud800"}}'),
    ("newline ending the documentId", '{{"documentId": "nl-{j}\\n"}}'),
    ("NUL in the documentId", '{{"documentId": "nul\\u0000{j}"}}'),
    ("duplicate documentId key", '{{"documentId": "dup-{j}", "documentId": "dup2-{j}"}}'),
)
#: Envelope fields of the wrong type, applied to the event on every delivery.
_HOSTILE_ENVELOPES = (
    "attributes not an object",
    "messageAttributes not an object",
    "correlationId a plain string",
    "AWSTraceHeader a number",
    "no body",
)
HOSTILE_KINDS = tuple(kind for kind, _ in _HOSTILE_BODIES) + tuple(
    f"envelope: {kind}" for kind in _HOSTILE_ENVELOPES
)
_WORDS = ("invoice", "order", "refund", "lambda", "queue", "ledger", "audit", "batch",
          "report", "shipment", "customer", "payment")
_EPISODE_TIMEOUT_S = 60.0
_FEED_CHUNK = 30
_FEED_LOW_WATER = 20


class InvocationCrash(BaseException):
    """Simulated death of the execution environment (not an ``Exception``: nothing handles it)."""


class SimClock:
    """Simulated epoch time [ms]; thread-safe. Advanced by the campaign, never by itself."""

    def __init__(self, start_ms: int = SIM_EPOCH_MS) -> None:
        self._now_ms = int(start_ms)
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            return self._now_ms

    def advance(self, delta_ms: int) -> None:
        """Move time forward by ``delta_ms`` [ms]."""
        with self._lock:
            self._now_ms += int(delta_ms)


@dataclass(frozen=True)
class FaultRates:
    """Shares of messages affected by each fault.

    ``duplicate_fraction``, ``malformed_fraction`` and ``hostile_fraction`` are shares of
    all messages sent;
    the per-fault shares are of valid first deliveries (each gets at least one fault
    when its share is positive, so a small campaign still exercises every kind).
    """

    duplicate_fraction: float = 0.12
    malformed_fraction: float = 0.06
    hostile_fraction: float = 0.04
    concurrent_duplicate: float = 0.02
    visibility_expiry: float = 0.02
    crash_before_effect: float = 0.005
    crash_after_effect: float = 0.005
    crash_after_mark: float = 0.005
    throttle_claim: float = 0.02
    throttle_mark: float = 0.005

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not 0.0 <= value < 0.5:
                raise HandlerError(f"FaultRates.{name}={value!r} must be in [0, 0.5)")


#: FIFO: SQS never gives a message to a second consumer while its group has messages in
#: flight, so no concurrent duplicate delivery; everything else as for standard queues.
FIFO_FAULT_RATES = FaultRates(concurrent_duplicate=0.0)
#: Default number of message groups of a FIFO campaign.
FIFO_MESSAGE_GROUPS = 8


def message_group_of_body(body: str, n_groups: int) -> str:
    """The FIFO message group of a campaign message: decided by its body (``g00``...).

    Parameters
    ----------
    body : str
    n_groups : int
        Number of message groups, >= 1.
    """
    digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).digest()
    return f"g{int.from_bytes(digest[:8], 'big') % n_groups:02d}"


@dataclass(frozen=True)
class CampaignPlan:
    """What will be sent, in order (``seq`` = position), and which fault each seq carries.

    ``malformed`` holds every poison seq (malformed and hostile); ``hostile`` maps the
    hostile ones to their kind (one of :data:`HOSTILE_KINDS`).
    """

    bodies: tuple[str, ...]
    document_ids: tuple[str | None, ...]
    malformed: frozenset[int]
    duplicates: frozenset[int]
    faults: Mapping[int, str]
    hostile: Mapping[int, str] = field(default_factory=dict)

    @property
    def envelope_faults(self) -> dict[int, str]:
        """Hostile seqs whose envelope is corrupted: ``{seq: kind}`` (kind without prefix)."""
        return {
            seq: kind[len("envelope: "):]
            for seq, kind in self.hostile.items()
            if kind.startswith("envelope: ")
        }

    @property
    def valid_documents(self) -> frozenset[str]:
        """documentIds of the valid messages."""
        return frozenset(d for d in self.document_ids if d is not None)


def _check_count(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise HandlerError(f"{name}={value!r} must be an integer >= {low}")
    return int(value)


def plan_campaign(
    n_messages: int, rates: FaultRates = FaultRates(), random_state: int | np.random.Generator = 0
) -> CampaignPlan:
    """Plan a campaign: the bodies in send order, malformed ones, duplicates and faults.

    Parameters
    ----------
    n_messages : int
        Messages sent in total (valid + producer duplicates + malformed + hostile), >= 20.
    rates : FaultRates
    random_state : int or numpy.random.Generator

    Returns
    -------
    CampaignPlan
    """
    n_messages = _check_count("n_messages", n_messages, 20)
    rng = np.random.default_rng(random_state)
    n_malformed = max(1, round(rates.malformed_fraction * n_messages)) if rates.malformed_fraction else 0
    n_duplicates = round(rates.duplicate_fraction * n_messages)
    n_hostile = max(1, round(rates.hostile_fraction * n_messages)) if rates.hostile_fraction else 0
    n_documents = n_messages - n_malformed - n_duplicates - n_hostile
    messages: list[tuple[str, str | None, str]] = []  # (body, documentId, kind)
    document_id: str | None
    for i in range(n_documents):
        document_id = f"doc-{i:06d}"
        words = " ".join(rng.choice(_WORDS, size=int(rng.integers(1, 12))))
        body = f'{{"documentId": "{document_id}", "text": "{words}", "version": 1}}'
        messages.append((body, document_id, "original"))
    for i in rng.choice(n_documents, size=n_duplicates, replace=n_duplicates > n_documents):
        messages.append((messages[int(i)][0], messages[int(i)][1], "duplicate"))
    for j in range(n_malformed):
        kind = _MALFORMED_KINDS[int(rng.integers(len(_MALFORMED_KINDS)))]
        body = {
            "not json": f"documentId=bad-{j}",
            "truncated json": f'{{"documentId": "bad-{j:06d}", "text": "cut',
            "json array": f'["bad-{j:06d}"]',
            "missing documentId": f'{{"text": "orphan {j}"}}',
            "numeric documentId": f'{{"documentId": {j}}}',
            "empty documentId": '{"documentId": ""}',
            "path documentId": f'{{"documentId": "../../etc/bad-{j}"}}',
        }[kind]
        messages.append((body, None, "malformed"))
    # every kind appears (round robin from a random start), so small campaigns cover them
    first_kind = int(rng.integers(len(HOSTILE_KINDS))) if n_hostile else 0
    for j in range(n_hostile):
        kind = HOSTILE_KINDS[(first_kind + j) % len(HOSTILE_KINDS)]
        if kind.startswith("envelope: "):
            body = f'{{"documentId": "env-{j:06d}", "text": "valid body, broken envelope"}}'
        else:
            body = dict(_HOSTILE_BODIES)[kind].format(j=f"{j:06d}")
        messages.append((body, None, kind))
    order = rng.permutation(len(messages))
    sent = [messages[int(k)] for k in order]
    seen: set[str] = set()
    first_deliveries = []
    duplicates = set()
    for seq, (_, document_id, _kind) in enumerate(sent):
        if document_id is None:
            continue
        if document_id in seen:
            duplicates.add(seq)
        else:
            seen.add(document_id)
            first_deliveries.append(seq)
    faults: dict[int, str] = {}
    candidates = np.array(first_deliveries)
    rng.shuffle(candidates)
    start = 0
    for kind in FAULT_KINDS:
        share = getattr(rates, kind)
        count = max(1, round(share * len(first_deliveries))) if share > 0 else 0
        for seq in candidates[start:start + count]:
            faults[int(seq)] = kind
        start += count
    if start > len(candidates):
        raise HandlerError(
            f"fault shares add up to more than the {len(candidates)} valid first deliveries"
        )
    return CampaignPlan(
        bodies=tuple(body for body, _, _ in sent),
        document_ids=tuple(document_id for _, document_id, _ in sent),
        malformed=frozenset(seq for seq, (_, d, _) in enumerate(sent) if d is None),
        duplicates=frozenset(duplicates),
        faults=faults,
        hostile={seq: kind for seq, (_, _, kind) in enumerate(sent) if kind in HOSTILE_KINDS},
    )


@dataclass
class _RecordContext:
    seq: int
    document_id: str
    record: Mapping[str, Any]
    primary: bool
    first_store_call_done: bool = False
    effect_done: bool = False
    mark_call_seen: bool = False
    episode: _Episode | None = None


@dataclass
class _Episode:
    document_id: str
    twin_reached: threading.Event = field(default_factory=threading.Event)
    primary_done: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class FaultInjector:
    """Fires the planned faults at exact points of the record processing.

    It wraps the record processor (to know which message is being processed), the
    DynamoDB client (throttling, the check/claim rendezvous, crash after the mark) and
    the result sink (crashes around the effect).
    """

    def __init__(self, plan: CampaignPlan, sqs_client: Any, fifo: bool = False) -> None:
        self.plan = plan
        self.sqs = sqs_client
        self.fifo = fifo
        #: seqs of the messages whose result was written, in the order of the writes
        self.effects: list[int] = []
        #: records of the primary consumer's current invocation
        self.current_batch: list[Mapping[str, Any]] = []
        self.fired: Counter[str] = Counter()
        self.fired_by_document: dict[str, set[str]] = {}
        self.redeliveries = 0
        self.twin_esm: LocalEventSourceMapping | None = None
        #: Receipt handles the twins failed; returned to the queue after the primary's
        #: batch, so a twin's failure cannot be re-received within the same batch.
        self.deferred_returns: list[str] = []
        self._pending = dict(plan.faults)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._twin_episode: _Episode | None = None

    # -- who is processing what ------------------------------------------------
    def _context(self) -> _RecordContext | None:
        return getattr(self._local, "record", None)

    def _take(self, ctx: _RecordContext, kind: str) -> bool:
        """Whether ``kind`` fires now for this record (at most once per message)."""
        if not ctx.primary:
            return False
        with self._lock:
            if self._pending.get(ctx.seq) != kind:
                return False
            del self._pending[ctx.seq]
            self.fired[kind] += 1
            self.fired_by_document.setdefault(ctx.document_id, set()).add(kind)
            return True

    def wrap_processor(self, inner):
        """The record processor, with the current message remembered per thread."""

        def process(command, record, context):
            seq = int(record["messageAttributes"][SEQ_ATTRIBUTE]["stringValue"])
            ctx = _RecordContext(
                seq, command.document_id, record, primary=not getattr(self._local, "twin", False)
            )
            self._local.record = ctx
            try:
                return inner(command, record, context)
            finally:
                self._local.record = None
                if ctx.episode is not None:  # let the twin finish, then wait for it
                    ctx.episode.primary_done.set()
                    ctx.episode.thread.join(_EPISODE_TIMEOUT_S)

        return process

    # -- DynamoDB ----------------------------------------------------------------
    def call_store(self, operation, kwargs):
        """Run one DynamoDB call with the planned faults around it."""
        ctx = self._context()
        if ctx is None:
            return operation(**kwargs)
        is_first = not ctx.first_store_call_done
        is_mark = ctx.effect_done and not ctx.mark_call_seen
        if is_mark:
            ctx.mark_call_seen = True
        if (is_first and self._take(ctx, "throttle_claim")) or (
            is_mark and self._take(ctx, "throttle_mark")
        ):
            ctx.first_store_call_done = True
            raise ClientError(
                {
                    "Error": {
                        "Code": "ProvisionedThroughputExceededException",
                        "Message": "injected: throughput exceeded after SDK retries",
                    }
                },
                operation.__name__,
            )
        completed_already = False
        try:
            result = operation(**kwargs)
            completed_already = bool(result.get("Item")) if isinstance(result, Mapping) else False
        except ClientError as exc:
            old = exc.response.get("Item") or {}
            completed_already = (old.get("status") or {}).get("S") == "COMPLETED"
            raise
        finally:
            if is_first:
                ctx.first_store_call_done = True
                self._after_first_store_call(ctx, completed_already)
        if is_mark and self._take(ctx, "crash_after_mark"):
            raise InvocationCrash("injected crash after the mark, before the delete")
        return result

    def _after_first_store_call(self, ctx: _RecordContext, completed_already: bool = False) -> None:
        """Rendezvous of an episode's twin; or start a planned episode. FIFO: not on a
        document that is already completed (the whole-batch twin of an earlier episode can
        have processed it), where a second delivery could not overlap anything."""
        if not ctx.primary:
            episode = self._twin_episode
            if (
                episode is not None
                and episode.document_id == ctx.document_id
                and not episode.twin_reached.is_set()
            ):
                episode.twin_reached.set()
                episode.primary_done.wait(_EPISODE_TIMEOUT_S)
            return
        if self.fifo and completed_already:
            return
        for kind in ("concurrent_duplicate", "visibility_expiry"):
            if self._take(ctx, kind):
                self._start_episode(ctx, kind)
                return

    def _start_episode(self, ctx: _RecordContext, kind: str) -> None:
        twin_esm = self.twin_esm
        if twin_esm is None:
            raise HandlerError("FaultInjector.twin_esm must be set before a two-thread episode")
        episode = _Episode(ctx.document_id)
        self._twin_episode = episode
        work: Callable[[], Any]
        if kind == "visibility_expiry" and self.fifo:
            # The batch's visibility timeout runs out while we are still working: FIFO
            # unlocks the groups and another consumer receives the whole batch again.
            batch = [dict(r) for r in self.current_batch]
            work = lambda: twin_esm.invoke(batch)  # noqa: E731
        elif kind == "visibility_expiry":
            # The visibility timeout runs out while we are still working: the message
            # becomes visible and another consumer receives it (new receipt handle).
            self.sqs.change_message_visibility(
                QueueUrl=twin_esm.queue_url,
                ReceiptHandle=ctx.record["receiptHandle"],
                VisibilityTimeout=0,
            )
            work = twin_esm.poll_once
        else:
            # SQS hands the same message to a second consumer at the same time.
            record = dict(ctx.record)
            work = lambda: twin_esm.invoke([record])  # noqa: E731

        def twin() -> None:
            self._local.twin = True
            try:
                batch = work()
                if batch is not None:
                    with self._lock:
                        self.deferred_returns.extend(batch.failed_receipt_handles)
            finally:
                episode.twin_reached.set()

        self.redeliveries += 1
        episode.thread = threading.Thread(target=twin, name=f"twin-{ctx.seq}", daemon=True)
        ctx.episode = episode
        episode.thread.start()
        episode.twin_reached.wait(_EPISODE_TIMEOUT_S)

    # -- S3 ------------------------------------------------------------------------
    def put_result(self, sink, key: str, body: bytes) -> None:
        """Write one result with the planned crashes around it."""
        ctx = self._context()
        if ctx is not None and self._take(ctx, "crash_before_effect"):
            raise InvocationCrash("injected crash after the claim, before the effect")
        sink.put(key, body)
        if ctx is not None:
            with self._lock:
                self.effects.append(ctx.seq)
            ctx.effect_done = True
            if self._take(ctx, "crash_after_effect"):
                raise InvocationCrash("injected crash after the effect, before the mark")


class _FaultyDynamoDB:
    """Proxy of a DynamoDB client whose item calls go through :meth:`FaultInjector.call_store`."""

    _ITEM_CALLS = frozenset({"put_item", "get_item", "update_item", "delete_item"})

    def __init__(self, client: Any, injector: FaultInjector) -> None:
        self._client = client
        self._injector = injector

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name not in self._ITEM_CALLS:
            return attribute
        return lambda **kwargs: self._injector.call_store(attribute, kwargs)


class _FaultySink:
    def __init__(self, sink: Any, injector: FaultInjector) -> None:
        self._sink = sink
        self._injector = injector

    def put(self, key: str, body: bytes) -> None:
        self._injector.put_result(self._sink, key, body)


class _FailureLogAudit(logging.Handler):
    """Counts failure log lines by error type and those missing a required field."""

    REQUIRED = ("messageId", "documentId", "requestId", "correlationId", "errorType", "error")

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.by_error_type: Counter[str] = Counter()
        self.missing_fields = 0

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", {}) or {}
        self.by_error_type[str(fields.get("errorType"))] += 1
        if any(name not in fields for name in self.REQUIRED) or not fields.get("errorType"):
            self.missing_fields += 1


@dataclass(frozen=True)
class CampaignResult:
    """Counts from one campaign run (same ``random_state`` -> same counts).

    Attributes are plain integers so a notebook can tabulate them; see the module
    docstring for what each invariant count means. ``simulated_s`` [s] is the simulated
    time the run covered; ``elapsed_s`` [s] is wall time and is left out of :meth:`summary`.
    """

    handler: str
    random_state: int | None
    sent_messages: int
    valid_documents: int
    producer_duplicates: int
    malformed_messages: int
    hostile_messages: int
    faults_injected: Mapping[str, int]
    duplicate_deliveries: int
    invocations: int
    crashed_invocations: int
    record_attempts: int
    failures_logged: Mapping[str, int]
    result_versions: int
    documents_written_twice_after_interruption: int
    documents_without_expected_result: int
    documents_with_differing_versions: int
    unexpected_result_objects: int
    documents_written_twice_without_interruption: int
    malformed_not_in_dlq: int
    valid_messages_in_dlq: int
    messages_left_in_queue: int
    messages_lost: int
    failure_logs_missing_fields: int
    valid_cobatched_with_poison: int
    valid_cobatched_with_poison_in_dlq: int
    unplanned_crashed_invocations: int
    simulated_s: int = 0
    queue_type: str = "standard"
    message_groups: int = 0
    effects_out_of_group_order: int = 0
    valid_dead_lettered_behind_poison: int = 0
    elapsed_s: float = field(default=0.0, compare=False)

    #: Counts that only a FIFO campaign has (left out of a standard campaign's summary).
    FIFO_COUNTS: ClassVar[tuple[str, ...]] = (
        "queue_type",
        "message_groups",
        "effects_out_of_group_order",
        "valid_dead_lettered_behind_poison",
    )
    FIFO_INVARIANTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "per message group, effects in send order": ("effects_out_of_group_order",),
    }

    INVARIANTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "every valid document has exactly its expected result": (
            "documents_without_expected_result",
            "documents_with_differing_versions",
            "unexpected_result_objects",
        ),
        "no effect twice unless interrupted between effect and mark": (
            "documents_written_twice_without_interruption",
        ),
        "every poison (malformed or hostile) message is in the DLQ": ("malformed_not_in_dlq",),
        "nothing is lost": ("valid_messages_in_dlq", "messages_left_in_queue", "messages_lost"),
        "every failure logged with its error type": ("failure_logs_missing_fields",),
        "no valid message co-batched with a poison message ends in the DLQ": (
            "valid_cobatched_with_poison_in_dlq",
        ),
        "no invocation fails as a whole except by an injected crash": (
            "unplanned_crashed_invocations",
        ),
    }

    def violations(self) -> dict[str, int]:
        """Violation count per invariant (0 means it holds)."""
        invariants = dict(self.INVARIANTS)
        if self.queue_type == "fifo":
            invariants.update(self.FIFO_INVARIANTS)
        return {
            name: sum(getattr(self, attribute) for attribute in attributes)
            for name, attributes in invariants.items()
        }

    @property
    def invariants_hold(self) -> bool:
        """Whether every invariant holds."""
        return not any(self.violations().values())

    def summary(self) -> dict[str, int | str]:
        """Deterministic counts for display (everything except wall time)."""
        out: dict[str, int | str] = {}
        for name, value in asdict(self).items():
            if name == "elapsed_s" or (self.queue_type != "fifo" and name in self.FIFO_COUNTS):
                continue
            if isinstance(value, Mapping):
                out.update({f"{name}.{k}": v for k, v in sorted(value.items())})
            else:
                out[name] = value
        return out


def campaign_table(results: Sequence[CampaignResult]):
    """Counts and invariant violations of several campaigns side by side.

    Parameters
    ----------
    results : sequence of CampaignResult
        E.g. ``[run_campaign(..., handler="reference"), run_campaign(..., handler="naive")]``.

    Returns
    -------
    pandas.DataFrame
        One row per count (``violation: <invariant>`` rows last), one column per handler.
    """
    import pandas as pd  # noqa: PLC0415  (deferred: only notebooks tabulate; the campaign does not need pandas)

    columns = {}
    for result in results:
        row = {
            k: v for k, v in result.summary().items() if k not in ("handler", "random_state", "queue_type")
        }
        row.update({f"violation: {k}": v for k, v in result.violations().items()})
        columns[result.handler] = row
    return pd.DataFrame(columns).fillna(0).astype(int)


def corrupt_envelope(record: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """A copy of a Lambda SQS record with one envelope field of the wrong type.

    Parameters
    ----------
    record : mapping
        A record as the event source mapping builds it.
    kind : str
        One of the envelope kinds of :data:`HOSTILE_KINDS` (without ``"envelope: "``).
    """
    corrupted = copy.deepcopy(dict(record))
    if kind == "attributes not an object":
        corrupted["attributes"] = sorted(corrupted.get("attributes") or {})
    elif kind == "messageAttributes not an object":
        corrupted["messageAttributes"] = "correlationId=campaign"
    elif kind == "correlationId a plain string":
        corrupted["messageAttributes"]["correlationId"] = "campaign"
    elif kind == "AWSTraceHeader a number":
        corrupted["attributes"]["AWSTraceHeader"] = 12345
    elif kind == "no body":
        corrupted.pop("body", None)
    else:
        raise HandlerError(f"kind={kind!r} is not an envelope kind of HOSTILE_KINDS")
    return corrupted


def _seq_of(record: Mapping[str, Any]) -> int:
    return int(record["messageAttributes"][SEQ_ATTRIBUTE]["stringValue"])


def _expected_etag(body: str) -> str:
    return hashlib.md5(render_result(parse_command(body))).hexdigest()


def run_campaign(
    n_messages: int = 1000,
    handler: str = "reference",
    random_state: int | np.random.Generator = 0,
    *,
    rates: FaultRates | None = None,
    endpoint_url: str | None = None,
    max_receive_count: int = 5,
    visibility_timeout_s: int = 180,
    function_timeout_s: float = 30.0,
    batch_size: int = 10,
    idempotency_expiry_s: int = 2_592_000,
    queue_type: str = "standard",
    message_groups: int | None = None,
    progress: bool | None = None,
) -> CampaignResult:
    """Run one seeded fault campaign and check the invariants.

    Parameters
    ----------
    n_messages : int
        Messages sent (valid, producer duplicates, malformed and hostile), >= 20.
    handler : {"reference", "naive", "unordered"}
        Claim-first reference, the seed's check-process-mark counter-example, or the
        reference without the FIFO rule (each record its own batch).
    random_state : int or numpy.random.Generator
    rates : FaultRates, optional
        Default ``FaultRates()``, or :data:`FIFO_FAULT_RATES` for a FIFO queue.
    endpoint_url : str, optional
        AWS endpoint (moto server, LocalStack); default ``AWS_ENDPOINT_URL`` or, when
        unset, in-process moto.
    max_receive_count : int
        Receives before the DLQ.
    visibility_timeout_s : int
        [s] Source queue visibility timeout (simulated wait after a crash).
    function_timeout_s : float
        [s] Simulated function timeout (length of a claim's lock).
    batch_size : int
        Records per invocation.
    idempotency_expiry_s : int
        [s] Lifetime of completed idempotency records (default 30 days, the maximum
        ``IDEMPOTENCY_EXPIRY_S`` allows). Simulated time runs ahead quickly (each
        crashed batch waits a whole visibility timeout), so a short expiry would let
        late producer duplicates be processed again *legitimately* - a redo after
        expiry is by design, and tested in ``tests/unit/handler/test_handler_processor.py``;
        the campaign checks behaviour within the window. ``simulated_s`` in the result
        says how much simulated time the run took.
    queue_type : {"standard", "fifo"}
        Source queue (and DLQ) type of the deployed stack.
    message_groups : int, optional
        FIFO only: number of message groups (default :data:`FIFO_MESSAGE_GROUPS`, 8, so a
        batch of 10 usually holds several messages of one group and the FIFO rule matters).
    progress : bool or None
        A progress bar over the messages sent (a 10,000-message campaign takes minutes);
        None: only when stderr is a terminal and ``TQDM_DISABLE`` is not set.

    Returns
    -------
    CampaignResult
    """
    if handler not in ALL_HANDLERS:
        raise HandlerError(f"handler={handler!r} must be one of {ALL_HANDLERS}")
    if queue_type not in QUEUE_TYPES:
        raise HandlerError(f"queue_type={queue_type!r} must be one of {QUEUE_TYPES}")
    fifo = queue_type == "fifo"
    if rates is None:
        rates = FIFO_FAULT_RATES if fifo else FaultRates()
    if fifo and rates.concurrent_duplicate:
        raise HandlerError(
            f"rates.concurrent_duplicate={rates.concurrent_duplicate!r} must be 0 for a FIFO "
            "queue: SQS does not deliver a message group to two consumers at once"
        )
    if message_groups is None:
        message_groups = FIFO_MESSAGE_GROUPS if fifo else 0
    elif not fifo or _check_count("message_groups", message_groups, 1) > 99:
        raise HandlerError(
            f"message_groups={message_groups!r} must be an integer in [1, 99], for a FIFO queue only"
        )
    seed = int(random_state) if isinstance(random_state, (int, np.integer)) else None
    plan = plan_campaign(n_messages, rates, random_state)
    groups = (
        tuple(message_group_of_body(body, message_groups) for body in plan.bodies) if fifo else ()
    )
    started = time.perf_counter()
    with local_aws(endpoint_url) as endpoint:
        clients = make_clients("us-east-1", endpoint)
        prefix = "campaign" if endpoint is None else f"campaign-{time.time_ns() % 10**9}"
        infra = create_infrastructure(
            clients,
            name_prefix=prefix,
            max_receive_count=max_receive_count,
            visibility_timeout_s=visibility_timeout_s,
            queue_type=queue_type,
        )
        clock = SimClock()
        injector = FaultInjector(plan, clients.sqs, fifo=fifo)
        config = infra.handler_config(
            idempotency_expiry_s=int(idempotency_expiry_s),
            function_timeout_s=math.ceil(function_timeout_s),
        )
        faulty_dynamodb = _FaultyDynamoDB(clients.dynamodb, injector)
        sink = _FaultySink(S3ResultSink(clients.s3, infra.bucket_name), injector)
        if handler in ("reference", "unordered"):
            ports = Ports(
                store=DynamoDBIdempotencyStore(faulty_dynamodb, infra.table_name),
                sink=sink,
                result_prefix=config.result_prefix,
                expires_after_s=config.idempotency_expiry_s,
                clock_ms=clock,
            )
            process = injector.wrap_processor(lambda c, r, ctx: process_record(c, r, ctx, ports))
        else:
            naive_ports = CheckMarkPorts(
                store=DynamoDBCheckMarkStore(faulty_dynamodb, infra.table_name),
                sink=sink,
                result_prefix=config.result_prefix,
                expires_after_s=config.idempotency_expiry_s,
                clock_ms=clock,
            )
            process = injector.wrap_processor(
                lambda c, r, ctx: process_record_naive(c, r, ctx, naive_ports)
            )
        logger = logging.getLogger(f"handler_reference.campaign.{handler}")
        logger.propagate = False
        logger.setLevel(logging.ERROR)
        audit = _FailureLogAudit()
        logger.addHandler(audit)

        envelope_faults = plan.envelope_faults

        def lambda_handler(event, context):
            records = [
                corrupt_envelope(r, envelope_faults[_seq_of(r)])
                if _seq_of(r) in envelope_faults else r
                for r in event["Records"]
            ]
            if not getattr(injector._local, "twin", False):
                injector.current_batch = list(event["Records"])
            if handler != "unordered":
                return handle_sqs_batch({**event, "Records": records}, context, process, logger)
            failures = []  # each record alone: no failure can hold back its group
            for record in records:
                response = handle_sqs_batch({"Records": [record]}, context, process, logger)
                failures += response["batchItemFailures"]
            return {"batchItemFailures": failures}

        def make_esm(size: int) -> LocalEventSourceMapping:
            return LocalEventSourceMapping(
                clients.sqs,
                infra.queue_url,
                lambda_handler,
                batch_size=size,
                function_timeout_s=function_timeout_s,
                retry_delay_s=0,
                clock_ms=clock,
            )

        esm = make_esm(batch_size)
        # The second consumer of an episode receives one message: the one whose
        # visibility just ran out (everything before it in the queue is in flight).
        # FIFO: the twin is handed the primary's whole batch instead.
        injector.twin_esm = make_esm(1)
        injector.twin_esm.retry_delay_s = None
        try:
            show = progress if progress is not None else (
                sys.stderr.isatty() and os.environ.get("TQDM_DISABLE", "") in ("", "0"))
            with tqdm(total=len(plan.bodies), desc=f"fault campaign ({handler})", unit="msg",
                      disable=not show) as bar:
                drained, left = _feed_and_drain(
                    esm, injector, clients.sqs, infra.queue_url, plan, clock, visibility_timeout_s,
                    groups, bar,
                )
            dlq = receive_all(clients, infra.dlq_url, consume=fifo)
            versions = object_versions(clients, infra.bucket_name, config.result_prefix)
        finally:
            logger.removeHandler(audit)
    return _assess(
        plan, handler, seed, injector, drained, left, dlq, versions, config.result_prefix,
        audit, time.perf_counter() - started, (clock() - SIM_EPOCH_MS) // 1000, groups,
    )


@dataclass
class _DrainCounts:
    invocations: int = 0
    records: int = 0
    raised_invocations: int = 0
    unplanned_crashes: int = 0
    #: valid seqs that were in a batch together with at least one poison message
    cobatched_with_poison: set[int] = field(default_factory=set)


def cobatched_with_poison(batches: Sequence[Sequence[int]], poison: frozenset[int]) -> set[int]:
    """Seqs of non-poison messages that shared a batch with at least one poison message.

    Parameters
    ----------
    batches : sequence of sequences of int
        The seqs of each invocation's records.
    poison : frozenset of int
        Seqs of malformed and hostile messages.
    """
    exposed: set[int] = set()
    for seqs in batches:
        if any(seq in poison for seq in seqs):
            exposed.update(seq for seq in seqs if seq not in poison)
    return exposed


def _feed_and_drain(esm, injector, sqs, queue_url, plan, clock, visibility_timeout_s, groups=(), bar=None):
    """Send the plan in waves (the producer keeps the queue ~``_FEED_CHUNK`` deep: moto's
    receive cost grows with queue depth) and poll until everything is settled."""
    counts = _DrainCounts()
    seq_of: dict[str, int] = {}
    next_seq, total, idle = 0, len(plan.bodies), 0
    while counts.invocations < 50 * total:
        if next_seq < total and esm.queue_depth() < _FEED_LOW_WATER:
            seq_of.update(
                _send(sqs, queue_url, plan, next_seq, min(total, next_seq + _FEED_CHUNK), groups)
            )
            if bar is not None:
                bar.update(min(total, next_seq + _FEED_CHUNK) - next_seq)
            next_seq = min(total, next_seq + _FEED_CHUNK)
        batch = esm.poll_once()
        if batch is None:
            if next_seq >= total and (esm.queue_depth() == 0 or idle >= 100):
                break
            idle += 1
            continue
        idle = 0
        if injector.deferred_returns:
            esm.return_to_queue(injector.deferred_returns, 0)
            injector.deferred_returns.clear()
        counts.invocations += 1
        counts.records += len(batch.message_ids)
        counts.raised_invocations += int(batch.raised)
        counts.unplanned_crashes += int(batch.raised and batch.error_type != "InvocationCrash")
        counts.cobatched_with_poison |= cobatched_with_poison(
            [[seq_of[m] for m in batch.message_ids]], plan.malformed
        )
        clock.advance(1000)
        if batch.raised:  # a crashed batch reappears once its visibility timeout ends
            clock.advance(visibility_timeout_s * 1000)
    return counts, esm.queue_depth()


#: Largest total of bodies in one SendMessageBatch [bytes] (SQS allows 1 MiB in all).
_MAX_BATCH_BODY_BYTES = 900_000


def _send(
    sqs: Any, queue_url: str, plan: CampaignPlan, first: int, stop: int, groups: Sequence[str] = ()
) -> dict[str, int]:
    """Send seqs ``first``..``stop - 1`` in batches of up to 10; returns ``{MessageId: seq}``.

    FIFO (``groups`` given): each with its message group and a deduplication id of its
    own, so producer duplicates reach the handler."""
    chunks: list[list[int]] = [[]]
    size = 0
    for seq in range(first, stop):
        body_bytes = len(plan.bodies[seq].encode("utf-8", "surrogatepass"))
        if len(chunks[-1]) == 10 or (chunks[-1] and size + body_bytes > _MAX_BATCH_BODY_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(seq)
        size += body_bytes
    seq_of: dict[str, int] = {}
    for chunk in chunks:
        entries = [
            {
                "Id": str(seq),
                "MessageBody": plan.bodies[seq],
                "MessageAttributes": {
                    SEQ_ATTRIBUTE: {"DataType": "Number", "StringValue": str(seq)},
                    "correlationId": {"DataType": "String", "StringValue": f"campaign-{seq}"},
                },
                **(
                    {"MessageGroupId": groups[seq], "MessageDeduplicationId": f"campaign-{seq}"}
                    if groups
                    else {}
                ),
            }
            for seq in chunk
        ]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            raise HandlerError(f"could not send campaign messages: {response['Failed'][:3]}")
        seq_of.update({ok["MessageId"]: int(ok["Id"]) for ok in response["Successful"]})
    return seq_of


def held_back_by_poison(
    dlq_seqs: Set[int], poison: Set[int], groups: Sequence[str]
) -> set[int]:
    """FIFO: valid seqs in the DLQ behind a poison message of their group that is there too.

    Parameters
    ----------
    dlq_seqs : set of int
        Seqs found in the DLQ.
    poison : set of int
        Seqs of poison (malformed) messages.
    groups : sequence of str
        Message group of every seq.
    """
    first_poison: dict[str, int] = {}
    for seq in dlq_seqs & poison:
        first_poison[groups[seq]] = min(seq, first_poison.get(groups[seq], seq))
    return {
        seq for seq in dlq_seqs - poison
        if groups[seq] in first_poison and first_poison[groups[seq]] < seq
    }


def effects_out_of_group_order(effects: Sequence[int], groups: Sequence[str]) -> int:
    """Effects (result writes, by message seq, in write order) that came after an effect
    of a later message of the same group: 0 when every group's effects follow send order.
    A rewrite of the same message (after an interruption) is in order."""
    highest: dict[str, int] = {}
    late = 0
    for seq in effects:
        group = groups[seq]
        if seq < highest.get(group, -1):
            late += 1
        else:
            highest[group] = seq
    return late


def _assess(
    plan, handler, seed, injector, drained, left, dlq, versions, prefix, audit, elapsed_s,
    simulated_s, groups=(),
):
    dlq_seqs = {int(m["MessageAttributes"][SEQ_ATTRIBUTE]["StringValue"]) for m in dlq}
    held_back = held_back_by_poison(dlq_seqs, plan.malformed, groups) if groups else set()
    seqs_of: dict[str, set[int]] = {}
    for seq, document_id in enumerate(plan.document_ids):
        if document_id is not None:
            seqs_of.setdefault(document_id, set()).add(seq)
    expected = {}
    for seq, document_id in enumerate(plan.document_ids):
        if document_id is not None:
            expected[f"{prefix}{document_id}.json"] = (document_id, _expected_etag(plan.bodies[seq]))
    missing = differing = twice_allowed = twice_violation = 0
    for key, (document_id, etag) in expected.items():
        etags = versions.get(key, [])
        if not etags:
            missing += int(not seqs_of[document_id] <= held_back)
            continue
        if any(e != etag for e in etags):
            differing += 1
        if len(etags) > 1:
            interrupted = injector.fired_by_document.get(document_id, set()) & INTERRUPTS_EFFECT_TO_MARK
            if interrupted and all(e == etag for e in etags):
                twice_allowed += 1
            else:
                twice_violation += 1
    valid_in_dlq = len(dlq_seqs - plan.malformed - held_back)
    lost = sum(
        1
        for seq, document_id in enumerate(plan.document_ids)
        if seq not in dlq_seqs
        and (document_id is None or not versions.get(f"{prefix}{document_id}.json"))
    )
    fired = {kind: injector.fired.get(kind, 0) for kind in FAULT_KINDS}
    return CampaignResult(
        handler=handler,
        random_state=seed,
        sent_messages=len(plan.bodies),
        valid_documents=len(plan.valid_documents),
        producer_duplicates=len(plan.duplicates),
        malformed_messages=len(plan.malformed) - len(plan.hostile),
        hostile_messages=len(plan.hostile),
        faults_injected=fired,
        duplicate_deliveries=len(plan.duplicates) + injector.redeliveries,
        invocations=drained.invocations,
        crashed_invocations=drained.raised_invocations,
        record_attempts=drained.records,
        failures_logged=dict(sorted(audit.by_error_type.items())),
        result_versions=sum(len(v) for v in versions.values()),
        documents_written_twice_after_interruption=twice_allowed,
        documents_without_expected_result=missing,
        documents_with_differing_versions=differing,
        unexpected_result_objects=len(set(versions) - set(expected)),
        documents_written_twice_without_interruption=twice_violation,
        malformed_not_in_dlq=len(plan.malformed - dlq_seqs),
        valid_messages_in_dlq=valid_in_dlq,
        messages_left_in_queue=left,
        messages_lost=lost,
        failure_logs_missing_fields=audit.missing_fields,
        valid_cobatched_with_poison=len(drained.cobatched_with_poison),
        valid_cobatched_with_poison_in_dlq=len((drained.cobatched_with_poison & dlq_seqs) - held_back),
        unplanned_crashed_invocations=drained.unplanned_crashes,
        simulated_s=int(simulated_s),
        queue_type="fifo" if groups else "standard",
        message_groups=len(set(groups)),
        effects_out_of_group_order=effects_out_of_group_order(injector.effects, groups) if groups else 0,
        valid_dead_lettered_behind_poison=len(held_back),
        elapsed_s=elapsed_s,
    )
