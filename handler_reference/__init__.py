"""Reference Lambda handler for SQS: claim-first idempotency, partial batch failures, DLQ."""
