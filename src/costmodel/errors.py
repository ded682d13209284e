"""Error classes of the cost model.

Every error the library raises for bad input is a :class:`CostModelError`. The message
names the parameter, the value received and what is allowed, so that a user reading a
traceback in a notebook knows what to change.
"""
from __future__ import annotations

from typing import Any

__all__ = [
    "CostModelError",
    "InvalidParameterError",
    "UnknownNameError",
    "TraceFormatError",
    "ScenarioError",
    "PriceListError",
    "MissingCredentialsError",
]


class CostModelError(Exception):
    """Base class of every error raised by :mod:`costmodel`."""


class InvalidParameterError(CostModelError, ValueError):
    """A parameter has a value outside what the model allows.

    Parameters
    ----------
    name : str
        The parameter's name as the caller wrote it (``"memory_mb"``, ``"traffic.mean_rps"``).
    value : Any
        The value received.
    allowed : str
        A short description of what is allowed (``"128 to 10240"``).
    """

    def __init__(self, name: str, value: Any, allowed: str):
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"{name}={value!r} is not allowed: expected {allowed}")


class UnknownNameError(CostModelError, KeyError):
    """A name (region, price set, instance type, scenario key...) that does not exist.

    The message lists the names that do exist.
    """

    def __init__(self, kind: str, name: Any, known: Any, hint: str = ""):
        self.kind = kind
        self.name = name
        self.known = sorted(str(k) for k in known)
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(self.known) or '(none)'}"
                         + (f"; {hint}" if hint else ""))

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class TraceFormatError(CostModelError, ValueError):
    """A traffic trace file is malformed; the message gives the file and line number."""

    def __init__(self, path: Any, line: int | None, problem: str):
        self.path = path
        self.line = line
        where = f"{path}, line {line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {problem}")


class ScenarioError(CostModelError, ValueError):
    """A scenario or usage file is invalid (unknown key, missing field, contradiction)."""


class PriceListError(CostModelError):
    """The AWS Price List (Query API response or bulk offer file) could not be read or used."""


class MissingCredentialsError(PriceListError):
    """The Price List Query API needs AWS credentials and none were found."""
