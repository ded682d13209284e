"""Exercising the reference handler locally; none of this is deployed.

- ``poller``: ``LocalEventSourceMapping`` (a local SQS event source mapping),
  ``LambdaContext``, ``lambda_record``, ``failed_message_ids`` (AWS's partial-response
  rules).
- ``infra``: ``create_infrastructure`` (queue, DLQ, table, versioned bucket),
  ``local_aws``, ``make_clients``, ``patched_environ``.
- ``naive``: the seed's check-process-mark variant - the COUNTER-EXAMPLE - with its own
  check/mark store adapters (the reference store is claim / complete / release only).
- ``faults``: ``run_campaign`` (seeded fault campaign) and ``CampaignResult``.
"""
