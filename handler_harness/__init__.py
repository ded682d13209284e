"""Exercising the reference handler locally; none of this is deployed.

- ``poller``: ``LocalEventSourceMapping`` (a local SQS event source mapping),
  ``LambdaContext``, ``lambda_record``, ``failed_message_ids`` (AWS's partial-response
  rules).
- ``infra``: ``create_infrastructure`` (queue, DLQ, table, versioned bucket),
  ``local_aws``, ``make_clients``, ``patched_environ``.
- ``naive``: the seed's check-process-mark variant - the COUNTER-EXAMPLE - with its own
  check/mark store adapters (the reference store is claim / complete / release only).
- ``faults``: ``run_campaign`` (seeded fault campaign) and ``CampaignResult``.
- ``stack``: ``deploy/template.yaml`` - ``function_zip`` (the deployment package),
  ``deploy_stack`` / ``deploy_on_moto``, ``StackOutputs``, ``cold_start``,
  ``local_event_source_mapping``; ``moto_cfn``: what moto's CloudFormation lacks.
- ``smoke``: the smoke test of a deployed stack (``python -m handler_harness.smoke``).
"""
