"""AWS's partial-batch rule for FIFO queues: a failure stops the rest of its message group.

Lambda hands a FIFO batch over in queue order; SQS keeps a message group's order only
if the function does not process a message after an earlier one of the same group
failed. So, on the first failure in a group, that message and every later message of
the group in the batch are reported in ``batchItemFailures`` - the later ones without
being processed - while other groups go on (the per-group variant of AWS's advice to
"stop processing messages after the first failure"; Powertools'
``SqsFifoPartialProcessor(skip_group_on_error=True)`` does the same).

A record counts as FIFO when its ``eventSourceARN`` ends in ``.fifo``; standard queues
can carry a ``MessageGroupId`` too (fair queues) without any ordering, so the attribute
alone does not make a batch FIFO. A FIFO record whose ``MessageGroupId`` cannot be read
(SQS always sends it; only a corrupted event lacks it) is processed on its own: it
neither holds back nor is held back, as in Powertools. Stopping every later record
instead would let one corrupted record stall - and, over ``maxReceiveCount`` receives,
dead-letter - the messages of every other group in its batches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handler_reference.errors import MessageGroupBlockedError


def is_fifo_record(record: Mapping[str, Any]) -> bool:
    """Whether the record comes from a FIFO queue (``eventSourceARN`` ends in ``.fifo``)."""
    return str(record.get("eventSourceARN") or "").endswith(".fifo")


def message_group_of(record: Mapping[str, Any]) -> str | None:
    """The record's ``MessageGroupId`` (``None`` if absent or not a string)."""
    attributes = record.get("attributes")
    group = attributes.get("MessageGroupId") if isinstance(attributes, Mapping) else None
    return group if isinstance(group, str) and group else None


class GroupGate:
    """Tracks the failed message groups of one FIFO batch.

    ``check(record)`` raises :class:`MessageGroupBlockedError` for a record that must not
    be processed; ``failed(record)`` closes the record's group for the rest of the batch.
    Records from standard queues are never blocked and never block.
    """

    def __init__(self) -> None:
        self._failed: dict[str, str] = {}  # group -> messageId of its first failure

    def check(self, record: Mapping[str, Any]) -> None:
        """Raise :class:`MessageGroupBlockedError` if an earlier record blocks this one."""
        if not is_fifo_record(record):
            return
        group = message_group_of(record)
        first = self._failed.get(group) if group is not None else None
        if first is not None:
            raise MessageGroupBlockedError(
                f"not processed: message {first} of message group {group!r} failed earlier "
                "in this batch, so later messages of the group wait to keep FIFO order"
            )

    def failed(self, record: Mapping[str, Any]) -> None:
        """Record that ``record`` failed: later records of its group are blocked."""
        group = message_group_of(record) if is_fifo_record(record) else None
        if group is not None:
            self._failed.setdefault(group, str(record.get("messageId")))
