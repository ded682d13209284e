"""Configuration of the handler, read from environment variables once (at cold start).

Required: ``QUEUE_URL``, ``BUCKET_NAME``, ``IDEMPOTENCY_TABLE``. Optional:
``IDEMPOTENCY_EXPIRY_S`` (default 3600), ``FUNCTION_TIMEOUT_S`` (default 900, Lambda's
maximum; set it to the function's configured timeout), ``RESULT_PREFIX`` (default
``processed/``), ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` (default ``us-east-1``; Lambda
always sets ``AWS_REGION``), ``AWS_LAMBDA_FUNCTION_NAME`` and ``AWS_LAMBDA_LOG_GROUP_NAME``
(set by Lambda; used for the least-privilege policy and the logs), ``LOG_LEVEL``
(default INFO).

Every value is matched in full against what AWS allows, narrowed so that nothing from
configuration can become an IAM wildcard (``*``, ``?``), a policy variable (``${...}``),
an ARN separator or a path step (``.``, ``..``, an empty segment) in the generated
policy. The idempotency expiry must exceed the function timeout by
``IDEMPOTENCY_EXPIRY_MARGIN_S``: an ``IN_PROGRESS`` claim stops counting when its record
expires, so a shorter expiry frees a claim while its holder is still running.

:func:`load_config` checks everything before raising, so one :class:`ConfigError` names
every missing variable and every invalid value. A :class:`HandlerConfig` built directly
is checked the same way (naming its fields).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlparse

from handler_reference.errors import ConfigError

REQUIRED_VARIABLES = ("QUEUE_URL", "BUCKET_NAME", "IDEMPOTENCY_TABLE")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: [s] Lambda's largest function timeout.
MAX_FUNCTION_TIMEOUT_S = 900
#: [s] Longest idempotency expiry accepted (30 days).
MAX_IDEMPOTENCY_EXPIRY_S = 30 * 86_400
#: [s] How much longer than the function timeout the idempotency expiry must be: covers
#: clock skew between execution environments and Lambda ending an invocation slightly
#: after its timeout.
IDEMPOTENCY_EXPIRY_MARGIN_S = 60

#: Environment variable of each field.
ENVIRONMENT_NAMES = {
    "queue_url": "QUEUE_URL",
    "bucket_name": "BUCKET_NAME",
    "idempotency_table": "IDEMPOTENCY_TABLE",
    "region": "AWS_REGION",
    "result_prefix": "RESULT_PREFIX",
    "idempotency_expiry_s": "IDEMPOTENCY_EXPIRY_S",
    "function_timeout_s": "FUNCTION_TIMEOUT_S",
    "function_name": "AWS_LAMBDA_FUNCTION_NAME",
    "log_group_name": "AWS_LAMBDA_LOG_GROUP_NAME",
    "log_level": "LOG_LEVEL",
}

_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_TABLE_RE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_QUEUE_PATH_RE = re.compile(r"/(\d{12})/([A-Za-z0-9_-]{1,80}(\.fifo)?)")
_REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
#: One or more segments, each starting with a letter or digit and ending in '/'.
_PREFIX_RE = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,99}/)+")
_PREFIX_MAX_CHARS = 512
_FUNCTION_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: CloudWatch Logs group name characters (no '*', '?', '$', ':').
_LOG_GROUP_RE = re.compile(r"[A-Za-z0-9_./#-]{1,512}")


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
        Key prefix of result objects (segments of ``A-Z a-z 0-9 _ . -`` starting with a
        letter or digit, each ending in ``/``); the policy grants writes under it only.
    idempotency_expiry_s : int
        [s] Lifetime of an idempotency record; after it a redelivery is processed again
        (as an identical overwrite). At least ``function_timeout_s +
        IDEMPOTENCY_EXPIRY_MARGIN_S``.
    function_timeout_s : int
        [s] The function's configured timeout (1-900).
    function_name : str
        Lambda function name (log group and policy).
    log_group_name : str
        CloudWatch Logs group the function writes to.
    log_level : str
        ``DEBUG``, ``INFO``, ``WARNING``, ``ERROR`` or ``CRITICAL``.

    Raises
    ------
    ConfigError
        If any field is invalid (all named at once).
    """

    queue_url: str
    bucket_name: str
    idempotency_table: str
    region: str = "us-east-1"
    result_prefix: str = "processed/"
    idempotency_expiry_s: int = 3600
    function_timeout_s: int = MAX_FUNCTION_TIMEOUT_S
    function_name: str = "document-processor"
    log_group_name: str = "/aws/lambda/document-processor"
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        invalid = config_problems(values, lambda name: f"HandlerConfig.{name}={values[name]!r}")
        if invalid:
            raise ConfigError(invalid=invalid)

    def _queue_path(self) -> re.Match[str]:
        match = _QUEUE_PATH_RE.fullmatch(urlparse(self.queue_url).path)
        if match is None:  # unreachable: __post_init__ checked the URL
            raise ConfigError(invalid=[f"HandlerConfig.queue_url={self.queue_url!r} is not an SQS queue URL"])
        return match

    @property
    def account_id(self) -> str:
        """AWS account id, taken from the queue URL path."""
        return self._queue_path().group(1)

    @property
    def queue_name(self) -> str:
        """Queue name, taken from the queue URL path."""
        return self._queue_path().group(2)

    def result_key(self, document_id: str) -> str:
        """S3 key of the result of ``document_id``."""
        return f"{self.result_prefix}{document_id}.json"


def config_problems(values: Mapping[str, Any], label: Callable[[str], str]) -> list[str]:
    """One sentence per invalid value (empty when all are valid).

    Parameters
    ----------
    values : mapping
        Field name -> value (``None`` for a value already reported, e.g. unparsable).
    label : callable
        ``label(field)`` -> how to name it and its value in a message, e.g.
        ``"RESULT_PREFIX='p?/'"``.
    """
    problems: list[str] = []

    def check(name: str, ok: Callable[[Any], bool], allowed: str, kind: type = str) -> None:
        value = values.get(name)
        if value is None:
            return
        if not isinstance(value, kind) or isinstance(value, bool) or not ok(value):
            problems.append(f"{label(name)} {allowed}")

    def queue_url_ok(url: str) -> bool:
        parsed = urlparse(url)
        return parsed.scheme in ("http", "https") and bool(_QUEUE_PATH_RE.fullmatch(parsed.path))

    check("queue_url", queue_url_ok, "is not an SQS queue URL; expected "
          "https://<host>/<12-digit account id>/<queue name>")
    check("bucket_name", lambda v: bool(_BUCKET_RE.fullmatch(v)) and ".." not in v,
          "is not a valid bucket name; expected 3-63 lowercase letters, digits, dots or "
          "hyphens, starting and ending with a letter or digit")
    check("idempotency_table", lambda v: bool(_TABLE_RE.fullmatch(v)),
          "is not a valid table name; expected 3-255 characters from A-Z a-z 0-9 _ . -")
    check("region", lambda v: bool(_REGION_RE.fullmatch(v)),
          "is not a region name such as 'us-east-1'")
    check("result_prefix",
          lambda v: len(v) <= _PREFIX_MAX_CHARS and bool(_PREFIX_RE.fullmatch(v)),
          f"must be a key prefix of at most {_PREFIX_MAX_CHARS} characters: one or more "
          "segments of A-Z a-z 0-9 _ . - each starting with a letter or digit and ending "
          "in '/' (no '*', '?', '$', leading '/', '.' or '..' segment, or '//')")
    check("function_name", lambda v: bool(_FUNCTION_NAME_RE.fullmatch(v)),
          "must be a Lambda function name: 1-64 characters from A-Z a-z 0-9 _ -")
    check("log_group_name",
          lambda v: bool(_LOG_GROUP_RE.fullmatch(v))
          and not {".", ".."} & set(v.split("/")),
          "must be a log group name: 1-512 characters from A-Z a-z 0-9 _ . / # - "
          "(no '*', '?', '$' or ':'), without '.' or '..' path segments")
    check("log_level", lambda v: v in LOG_LEVELS, f"must be one of {', '.join(LOG_LEVELS)}")
    check("function_timeout_s", lambda v: 1 <= v <= MAX_FUNCTION_TIMEOUT_S,
          f"must be an integer number of seconds in [1, {MAX_FUNCTION_TIMEOUT_S}] "
          "(the function's configured timeout)", int)
    check("idempotency_expiry_s", lambda v: 1 <= v <= MAX_IDEMPOTENCY_EXPIRY_S,
          f"must be an integer number of seconds in [1, {MAX_IDEMPOTENCY_EXPIRY_S}]", int)
    expiry_s, timeout_s = values.get("idempotency_expiry_s"), values.get("function_timeout_s")
    if (
        isinstance(expiry_s, int) and isinstance(timeout_s, int)
        and not isinstance(expiry_s, bool) and not isinstance(timeout_s, bool)
        and 1 <= expiry_s <= MAX_IDEMPOTENCY_EXPIRY_S
        and 1 <= timeout_s <= MAX_FUNCTION_TIMEOUT_S
        and expiry_s < timeout_s + IDEMPOTENCY_EXPIRY_MARGIN_S
    ):
        problems.append(
            f"{label('idempotency_expiry_s')} must exceed {label('function_timeout_s')} by "
            f"at least {IDEMPOTENCY_EXPIRY_MARGIN_S} s (>= {timeout_s + IDEMPOTENCY_EXPIRY_MARGIN_S}"
            "): an in-progress claim ends when its record expires, so a shorter expiry frees "
            "it while the invocation holding it still runs (Powertools gives the same advice "
            "for expires_after_seconds)"
        )
    return problems


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
    use_default_region = not get("AWS_REGION") and get("AWS_DEFAULT_REGION")
    region_variable = "AWS_DEFAULT_REGION" if use_default_region else "AWS_REGION"
    function_name = get("AWS_LAMBDA_FUNCTION_NAME") or "document-processor"
    raw = {
        "queue_url": get("QUEUE_URL"),
        "bucket_name": get("BUCKET_NAME"),
        "idempotency_table": get("IDEMPOTENCY_TABLE"),
        "region": get(region_variable) or "us-east-1",
        "result_prefix": get("RESULT_PREFIX") or "processed/",
        "idempotency_expiry_s": get("IDEMPOTENCY_EXPIRY_S") or "3600",
        "function_timeout_s": get("FUNCTION_TIMEOUT_S") or str(MAX_FUNCTION_TIMEOUT_S),
        "function_name": function_name,
        "log_group_name": get("AWS_LAMBDA_LOG_GROUP_NAME") or f"/aws/lambda/{function_name}",
        "log_level": (get("LOG_LEVEL") or "INFO").upper(),
    }
    names = dict(ENVIRONMENT_NAMES, region=region_variable)

    def label(field: str) -> str:
        name = names[field]
        return f"{name}={get(name)!r}" if get(name) else f"{name}={raw[field]!r} (default)"

    values: dict[str, Any] = {k: v or None for k, v in raw.items()}
    invalid = []
    for field in ("idempotency_expiry_s", "function_timeout_s"):
        try:
            values[field] = int(raw[field])
        except ValueError:
            values[field] = None
            invalid.append(f"{label(field)} must be an integer number of seconds")
    invalid.extend(config_problems(values, label))
    if missing or invalid:
        raise ConfigError(missing=missing, invalid=invalid)
    return HandlerConfig(**values)
