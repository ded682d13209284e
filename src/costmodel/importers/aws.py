"""AWS sessions, clients and error translation for the importers.

Every client uses botocore's *standard* retry mode (exponential backoff with jitter on
throttling and transient errors, ``max_attempts`` tries in all). Whatever still fails
becomes an :class:`~costmodel.errors.ImportSourceError` with a one-line message that says
what to set or check: no credentials, no region, access denied, an unknown resource,
throttling beyond the retries.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import botocore.exceptions as bex
from botocore.config import Config

from costmodel.errors import ImportSourceError

__all__ = ["DEFAULT_MAX_ATTEMPTS", "call", "make_client", "make_session", "paginate"]

#: Attempts per API call in standard retry mode (first try included; botocore's default is 3).
DEFAULT_MAX_ATTEMPTS = 8

_THROTTLING = {"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
               "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown",
               "ProvisionedThroughputExceededException", "LimitExceededException"}
_NOT_FOUND = {"ResourceNotFoundException", "ResourceNotFound", "NotFoundException", "NotFound",
              "LoadBalancerNotFound", "TargetGroupNotFound", "ClusterNotFoundException",
              "ServiceNotFoundException"}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException",
           "AuthorizationError"}
_BAD_CREDENTIALS = {"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken",
                    "ExpiredTokenException", "InvalidSignatureException", "SignatureDoesNotMatch",
                    "IncompleteSignature", "MissingAuthenticationToken"}

_SET_CREDENTIALS = ("set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run "
                    "'aws configure' / 'aws sso login'")


def make_session(region: str | None = None, profile: str | None = None) -> Any:
    """A boto3 session with a region and credentials, checked before any call.

    Parameters
    ----------
    region : str, optional
        AWS region (default: ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` / the profile's).
    profile : str, optional
        Named profile (default: ``AWS_PROFILE`` or the default chain).

    Raises
    ------
    ImportSourceError
        No region, unknown profile or no credentials, with what to set.
    """
    try:
        session = boto3.session.Session(region_name=region, profile_name=profile)
    except bex.ProfileNotFound as exc:
        raise ImportSourceError(f"profile={profile!r} is not configured: {exc}; pass an existing --profile "
                                "or unset AWS_PROFILE") from exc
    if not session.region_name:
        raise ImportSourceError("region=None: no AWS region configured; pass --region (e.g. us-east-1) "
                                "or set AWS_REGION")
    try:
        creds = session.get_credentials()
    except bex.BotoCoreError as exc:
        raise ImportSourceError(f"AWS credentials could not be loaded ({exc}); {_SET_CREDENTIALS}") from exc
    if creds is None:
        raise ImportSourceError(f"no AWS credentials found; {_SET_CREDENTIALS}")
    return session


def make_client(session: Any, service: str, *, endpoint_url: str | None = None,
                max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Any:
    """A client for ``service`` with standard retry mode and ``max_attempts`` tries per call in all
    (botocore's ``total_max_attempts``: the first try included)."""
    config = Config(retries={"mode": "standard", "total_max_attempts": int(max_attempts)},
                    user_agent_extra="costmodel-import")
    kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return session.client(service, config=config, **kwargs)


def _describe(client: Any) -> str:
    try:
        return client.meta.service_model.service_name
    except AttributeError:  # pragma: no cover - not a botocore client
        return type(client).__name__


def translate(exc: Exception, client: Any, operation: str, *, not_found: str | None = None,
              attempts: int | None = None) -> ImportSourceError:
    """An :class:`ImportSourceError` with a one-line message for a botocore exception."""
    service = _describe(client)
    if isinstance(exc, bex.NoCredentialsError):
        return ImportSourceError(f"no AWS credentials found; {_SET_CREDENTIALS}")
    if isinstance(exc, bex.NoRegionError):
        return ImportSourceError("region=None: no AWS region configured; pass --region or set AWS_REGION")
    if isinstance(exc, (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError)):
        return ImportSourceError(f"{service} {operation}: cannot reach the endpoint ({exc}); check the "
                                 "network, --region and AWS_ENDPOINT_URL")
    if isinstance(exc, bex.ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", "")) or "Unknown"
        message = " ".join(str(err.get("Message", "")).split())
        tried = exc.response.get("ResponseMetadata", {}).get("RetryAttempts")
        if code in _THROTTLING:
            n = (tried + 1) if isinstance(tried, int) else attempts
            return ImportSourceError(f"{service} {operation} was throttled ({code}) on all {n} attempts "
                                     "(standard retry mode); retry later, import a shorter range, or raise "
                                     "max_attempts")
        if code in _BAD_CREDENTIALS:
            return ImportSourceError(f"{service} {operation}: the AWS credentials were rejected ({code}: "
                                     f"{message}); {_SET_CREDENTIALS}")
        if code in _DENIED:
            return ImportSourceError(f"{service} {operation}: access denied ({message or code}); the "
                                     f"credentials need the IAM permission {service}:{operation}")
        if not_found is not None and (code in _NOT_FOUND or exc.response.get("ResponseMetadata", {})
                                      .get("HTTPStatusCode") == 404):
            return ImportSourceError(f"{not_found} ({code}: {message})")
        return ImportSourceError(f"{service} {operation} failed: {code}: {message}")
    if isinstance(exc, bex.BotoCoreError):
        return ImportSourceError(f"{service} {operation} failed: {exc}")
    return ImportSourceError(f"{service} {operation} failed: {type(exc).__name__}: {exc}")


def call(client: Any, operation: str, *, not_found: str | None = None, **params: Any) -> dict:
    """Call ``client.<operation>(**params)`` (snake_case name); botocore errors become
    :class:`ImportSourceError` (``not_found``: the message for an unknown resource)."""
    method: Callable[..., dict] = getattr(client, operation)
    try:
        return method(**params)
    except (bex.ClientError, bex.BotoCoreError) as exc:
        raise translate(exc, client, _api_name(client, operation), not_found=not_found) from exc


def paginate(client: Any, operation: str, result_key: str, *, not_found: str | None = None,
             **params: Any) -> list:
    """All items of a paged listing, through botocore's paginator (follows every page token)."""
    items: list = []
    try:
        for page in client.get_paginator(operation).paginate(**params):
            items.extend(page.get(result_key, []))
    except (bex.ClientError, bex.BotoCoreError) as exc:
        raise translate(exc, client, _api_name(client, operation), not_found=not_found) from exc
    return items


def _api_name(client: Any, operation: str) -> str:
    try:
        return client.meta.method_to_api_mapping.get(operation, operation)
    except AttributeError:  # pragma: no cover
        return operation
