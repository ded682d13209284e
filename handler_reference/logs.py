"""Structured JSON logs (stdlib ``logging``; one JSON object per line on stdout).

Every record-level line carries ``messageId``, ``documentId``, ``requestId`` and
``correlationId``; every failure line also carries ``errorType`` and ``error``. Pass
the fields with ``logger.info("...", extra={"fields": {...}})``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TextIO

LOGGER_NAME = "handler_reference"


class _StdoutHandler(logging.StreamHandler):
    """A stream handler that writes to whatever ``sys.stdout`` is at emit time."""

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, value: TextIO) -> None:  # the base class assigns it; ignore
        pass


class JsonFormatter(logging.Formatter):
    """Format a log record as one JSON object (keys sorted, so lines are diffable)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}) or {})
        return json.dumps(entry, sort_keys=True, default=str)


def get_logger(level: str | int = "INFO") -> logging.Logger:
    """The handler's logger, with one JSON stdout handler attached (idempotent).

    Parameters
    ----------
    level : str or int
        Logging level (``POWERTOOLS_LOG_LEVEL``/``LOG_LEVEL`` in ``app``).
    """
    logger = logging.getLogger(LOGGER_NAME)
    if not any(getattr(h, "_handler_reference_json", False) for h in logger.handlers):
        stream = _StdoutHandler()
        stream.setFormatter(JsonFormatter())
        stream._handler_reference_json = True  # type: ignore[attr-defined]
        logger.addHandler(stream)
        logger.propagate = False
    logger.setLevel(level)
    return logger
