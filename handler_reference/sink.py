"""Where the effect of processing a document goes: ``s3://bucket/{prefix}{documentId}.json``.

The content depends only on the message, so writing it again is an identical overwrite
(the last line of defence when a crash falls between the effect and the mark).
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handler_reference.errors import EffectError


class ResultSink(Protocol):
    """Writes one result object."""

    def put(self, key: str, body: bytes) -> None:
        """Write ``body`` under ``key`` (overwriting)."""


class S3ResultSink:
    """:class:`ResultSink` on an S3 bucket (injected client).

    Parameters
    ----------
    client : botocore S3 client
    bucket_name : str
    """

    #: IAM actions this class calls; ``iam.py`` builds the policy from them.
    REQUIRED_ACTIONS = ("s3:PutObject",)

    def __init__(self, client: Any, bucket_name: str) -> None:
        self.client = client
        self.bucket_name = bucket_name

    def put(self, key: str, body: bytes) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket_name, Key=key, Body=body, ContentType="application/json"
            )
        except (ClientError, BotoCoreError) as exc:
            raise EffectError(f"PutObject s3://{self.bucket_name}/{key} failed: {exc}") from exc


class InMemoryResultSink:
    """In-memory :class:`ResultSink` keeping every version written (for tests)."""

    def __init__(self) -> None:
        self.versions: dict[str, list[bytes]] = {}
        self._lock = threading.Lock()

    def put(self, key: str, body: bytes) -> None:
        with self._lock:
            self.versions.setdefault(key, []).append(bytes(body))
