"""Reference Lambda handler for SQS: claim-first idempotency, partial batch failures, DLQ.

This package holds only what is deployed (and the policy generator for its role).
Modules (import them directly; ``app`` reads its configuration at import):

- ``app``: the Lambda entry point ``handler(event, context)``.
- ``config``: ``load_config`` / ``HandlerConfig`` (environment, validated once).
- ``processor``: pure record processing (``parse_command``, ``render_result``,
  ``process_record``, ``Ports``).
- ``store``: ``IdempotencyStore`` interface (claim / complete / release),
  ``DynamoDBIdempotencyStore``, ``InMemoryIdempotencyStore``; ``sink``:
  ``S3ResultSink``, ``InMemoryResultSink``.
- ``batch``: ``handle_sqs_batch`` (per-record isolation, ``batchItemFailures``).
- ``iam``: ``handler_policy`` (least-privilege policy document).
- ``errors``, ``logs``: error classes and structured JSON logs.

What exercises it locally (event source mapping, infrastructure, the naive
counter-example, the fault campaign) is the sibling package ``handler_harness``.
"""

from handler_reference.errors import HandlerError

__all__ = ["HandlerError"]
