"""Retrying AWS calls through an endpoint outage: capped exponential backoff, full jitter.

Lambda's event source mapping keeps polling through an SQS outage; the local one does
the same through :class:`RetryPolicy`. A retryable error (the endpoint cannot be reached,
the connection drops or times out, throttling, a 5xx) is retried after a delay drawn
uniformly from ``[0, min(max_delay_s, base_delay_s * 2**attempt)]`` ("full jitter", from
the AWS Architecture Blog's "Exponential Backoff And Jitter"), until the call succeeds or
``max_elapsed_s`` has passed. Any other error is raised at once. Messages are never lost
by giving up: nothing is deleted before the handler has succeeded, so what was not
deleted is received again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from handler_reference.errors import HandlerError

T = TypeVar("T")

#: Error codes of throttling and server-side failures (retried).
RETRYABLE_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
        "InternalFailure",
        "KMS.ThrottlingException",
    }
)


class EndpointUnavailableError(HandlerError):
    """An AWS endpoint stayed unreachable (or throttling) for longer than the retry budget."""


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` means "try again later": no connection, a dropped or timed-out
    connection (botocore ``ConnectionError`` / ``HTTPClientError``, which include
    ``EndpointConnectionError``, ``ConnectionClosedError`` and ``ReadTimeoutError``),
    throttling, or an HTTP 5xx."""
    if isinstance(exc, (BotoConnectionError, HTTPClientError)):
        return True
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return error.get("Code") in RETRYABLE_ERROR_CODES or int(status) >= 500
    return False


@dataclass
class RetryPolicy:
    """Capped exponential backoff with full jitter.

    Parameters
    ----------
    base_delay_s : float
        [s] Upper end of the first delay's range.
    max_delay_s : float
        [s] Cap on the upper end of any delay's range.
    max_elapsed_s : float or None
        [s] Give up (:class:`EndpointUnavailableError`) once this much time has passed
        since the first failure of a call; ``None`` retries for ever, as Lambda's poller.
    random_state : int or random.Random
        Seed (or generator) of the jitter.
    sleep : callable
        ``sleep(seconds)``; injected by tests.
    monotonic : callable
        Monotonic clock [s]; injected by tests.
    """

    base_delay_s: float = 0.05
    max_delay_s: float = 2.0
    max_elapsed_s: float | None = 300.0
    random_state: int | random.Random = 0
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    retries: int = field(default=0, init=False)
    waited_s: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        if not (0 < self.base_delay_s <= self.max_delay_s):
            raise HandlerError(
                f"RetryPolicy.base_delay_s={self.base_delay_s!r} and max_delay_s="
                f"{self.max_delay_s!r} must satisfy 0 < base_delay_s <= max_delay_s"
            )
        if self.max_elapsed_s is not None and not self.max_elapsed_s >= 0:
            raise HandlerError(
                f"RetryPolicy.max_elapsed_s={self.max_elapsed_s!r} must be >= 0 or None"
            )
        self._rng = (
            self.random_state
            if isinstance(self.random_state, random.Random)
            else random.Random(self.random_state)
        )

    def delay_s(self, attempt: int) -> float:
        """[s] Delay before retry number ``attempt`` (0 for the first retry)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** min(attempt, 62))
        return self._rng.uniform(0.0, ceiling)

    def call(self, operation: str, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """``fn(**kwargs)``, retried while it raises a retryable error.

        Raises
        ------
        EndpointUnavailableError
            After ``max_elapsed_s`` of retryable failures (from the last error).
        Exception
            Any non-retryable error of ``fn``, at once.
        """
        started = None
        attempt = 0
        while True:
            try:
                return fn(**kwargs)
            except Exception as exc:
                if not is_retryable(exc):
                    raise
                now = self.monotonic()
                started = now if started is None else started
                if self.max_elapsed_s is not None and now - started >= self.max_elapsed_s:
                    raise EndpointUnavailableError(
                        f"{operation} kept failing for {now - started:.1f} s "
                        f"(max_elapsed_s={self.max_elapsed_s}): {type(exc).__name__}: {exc}"
                    ) from exc
                delay = self.delay_s(attempt)
                attempt += 1
                self.retries += 1
                self.waited_s += delay
                self.sleep(delay)
