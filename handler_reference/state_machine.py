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
execution from its history. Running it on moto (``local_pipeline``, ``Pipeline``,
``ExecutionResult``) is exercising, not deploying: ``handler_harness.state_machine``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from handler_reference.errors import ConfigError

__all__ = [
    "DEFINITION_PATH",
    "PLACEHOLDERS",
    "all_states",
    "billable_transitions",
    "render_definition",
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
