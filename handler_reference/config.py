"""Configuration of the handler, read from environment variables once (at cold start).

Required: ``QUEUE_URL``, ``BUCKET_NAME``, ``IDEMPOTENCY_TABLE``. Optional:
``IDEMPOTENCY_EXPIRY_S`` (default 3600), ``RESULT_PREFIX`` (default ``processed/``),
``AWS_REGION`` / ``AWS_DEFAULT_REGION`` (default ``us-east-1``; Lambda always sets
``AWS_REGION``), ``AWS_LAMBDA_FUNCTION_NAME`` and ``AWS_LAMBDA_LOG_GROUP_NAME`` (set by
Lambda; used for the least-privilege policy and the logs), ``LOG_LEVEL`` (default INFO).

:func:`load_config` checks everything before raising, so one :class:`ConfigError` names
every missing variable and every invalid value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from handler_reference.errors import ConfigError

REQUIRED_VARIABLES = ("QUEUE_URL", "BUCKET_NAME", "IDEMPOTENCY_TABLE")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_TABLE_RE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_QUEUE_PATH_RE = re.compile(r"^/(\d{12})/([A-Za-z0-9_-]{1,80}(\.fifo)?)$")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


@dataclass(frozen=True)
class HandlerConfig:
    """Validated configuration of the handler.

    Parameters
    ----------
    queue_url : str
        URL of the source SQS queue (``https://.../<account>/<name>``).
    bucket_name : str
        Bucket receiving ``{result_prefix}{documentId}.json``.
    idempotency_table : str
        DynamoDB table with string partition key ``pk``.
    region : str
        AWS region of all three resources.
    result_prefix : str
        Key prefix of result objects; the policy grants writes under it only.
    idempotency_expiry_s : int
        [s] Lifetime of a completed idempotency record; after it a redelivery is
        processed again (as an identical overwrite).
    function_name : str
        Lambda function name (log group and policy).
    log_group_name : str
        CloudWatch Logs group the function writes to.
    log_level : str
        ``DEBUG``, ``INFO``, ``WARNING``, ``ERROR`` or ``CRITICAL``.
    """

    queue_url: str
    bucket_name: str
    idempotency_table: str
    region: str = "us-east-1"
    result_prefix: str = "processed/"
    idempotency_expiry_s: int = 3600
    function_name: str = "document-processor"
    log_group_name: str = "/aws/lambda/document-processor"
    log_level: str = "INFO"

    @property
    def account_id(self) -> str:
        """AWS account id, taken from the queue URL path."""
        return _QUEUE_PATH_RE.match(urlparse(self.queue_url).path).group(1)

    @property
    def queue_name(self) -> str:
        """Queue name, taken from the queue URL path."""
        return _QUEUE_PATH_RE.match(urlparse(self.queue_url).path).group(2)

    def result_key(self, document_id: str) -> str:
        """S3 key of the result of ``document_id``."""
        return f"{self.result_prefix}{document_id}.json"


def load_config(environ: Mapping[str, str] | None = None) -> HandlerConfig:
    """Read and validate the handler configuration.

    Parameters
    ----------
    environ : mapping, optional
        Environment to read (default ``os.environ``). Blank values count as missing.

    Returns
    -------
    HandlerConfig

    Raises
    ------
    ConfigError
        Naming every missing required variable and every invalid value at once.
    """
    env = os.environ if environ is None else environ

    def get(name: str) -> str:
        return (env.get(name) or "").strip()

    missing = [name for name in REQUIRED_VARIABLES if not get(name)]
    invalid = []

    queue_url = get("QUEUE_URL")
    if queue_url:
        parsed = urlparse(queue_url)
        if parsed.scheme not in ("http", "https") or not _QUEUE_PATH_RE.match(parsed.path):
            invalid.append(
                f"QUEUE_URL={queue_url!r} is not an SQS queue URL; expected "
                "https://<host>/<12-digit account id>/<queue name>"
            )
    bucket_name = get("BUCKET_NAME")
    if bucket_name and not _BUCKET_RE.match(bucket_name):
        invalid.append(
            f"BUCKET_NAME={bucket_name!r} is not a valid bucket name; expected 3-63 "
            "lowercase letters, digits, dots or hyphens"
        )
    table = get("IDEMPOTENCY_TABLE")
    if table and not _TABLE_RE.match(table):
        invalid.append(
            f"IDEMPOTENCY_TABLE={table!r} is not a valid table name; expected 3-255 "
            "characters from A-Z a-z 0-9 _ . -"
        )
    region = get("AWS_REGION") or get("AWS_DEFAULT_REGION") or "us-east-1"
    if not _REGION_RE.match(region):
        invalid.append(f"AWS_REGION={region!r} is not a region name such as 'us-east-1'")
    expiry_text = get("IDEMPOTENCY_EXPIRY_S") or "3600"
    try:
        expiry_s = int(expiry_text)
    except ValueError:
        expiry_s = -1
    if not 60 <= expiry_s <= 30 * 86400:
        invalid.append(
            f"IDEMPOTENCY_EXPIRY_S={expiry_text!r} must be an integer number of seconds "
            "in [60, 2592000]"
        )
    prefix = get("RESULT_PREFIX") or "processed/"
    if prefix.startswith("/") or not prefix.endswith("/") or "*" in prefix:
        invalid.append(
            f"RESULT_PREFIX={prefix!r} must be a key prefix ending in '/', without a "
            "leading '/' or '*'"
        )
    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        invalid.append(f"LOG_LEVEL={get('LOG_LEVEL')!r} must be one of {', '.join(LOG_LEVELS)}")
    if missing or invalid:
        raise ConfigError(missing=missing, invalid=invalid)

    function_name = get("AWS_LAMBDA_FUNCTION_NAME") or "document-processor"
    return HandlerConfig(
        queue_url=queue_url,
        bucket_name=bucket_name,
        idempotency_table=table,
        region=region,
        result_prefix=prefix,
        idempotency_expiry_s=expiry_s,
        function_name=function_name,
        log_group_name=get("AWS_LAMBDA_LOG_GROUP_NAME") or f"/aws/lambda/{function_name}",
        log_level=log_level,
    )
