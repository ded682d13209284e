"""Reference Lambda handler for SQS: claim-first idempotency, partial batch failures, DLQ.

Modules (import them directly; ``app`` reads its configuration at import):

- ``app``: the Lambda entry point ``handler(event, context)``.
- ``config``: ``load_config`` / ``HandlerConfig`` (environment, validated once).
- ``processor``: pure record processing (``parse_command``, ``render_result``,
  ``process_record``, ``Ports``).
- ``store``: ``IdempotencyStore`` interface, ``DynamoDBIdempotencyStore``,
  ``InMemoryIdempotencyStore``; ``sink``: ``S3ResultSink``, ``InMemoryResultSink``.
- ``batch``: ``handle_sqs_batch`` and ``failed_message_ids`` (partial-response rules).
- ``naive``: the seed's check-process-mark variant - the COUNTER-EXAMPLE.
- ``poller``: ``LocalEventSourceMapping`` (a local SQS event source mapping).
- ``infra``: ``create_infrastructure`` (queue, DLQ, table, versioned bucket), ``local_aws``.
- ``faults``: ``run_campaign`` (seeded fault campaign) and ``CampaignResult``.
- ``iam``: ``handler_policy`` (least-privilege policy document).
"""

from handler_reference.errors import HandlerError

__all__ = ["HandlerError"]
