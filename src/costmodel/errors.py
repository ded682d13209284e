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

    "InputError",
    "UnknownKeyError",
    "ImportSourceError",
    "NumericalError",
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


class InputError(InvalidParameterError, ScenarioError):
    """A value in an input file or mapping (usage file, scenario, price overrides) that the
    input schema does not allow.

    One line: the source, the full dotted path of the field, the value received and what
    is allowed (``"u.yaml: lambda[api].memory_mb=64 is not allowed: expected a whole number
    of MB from 128 to 10,240"``). It is both an :class:`InvalidParameterError` (``name``,
    ``value``, ``allowed``) and a :class:`ScenarioError`.

    Parameters
    ----------
    message : str
        The complete one-line message.
    name : str
        Full dotted path of the field (``"lambda[0].memory_mb"``); ``""`` for the document.
    value : Any
        The value received (``None`` when the field is missing).
    allowed : str
        What is allowed.
    source : str
        File name (or ``"<dict>"``).
    """

    def __init__(self, message: str, *, name: str = "", value: Any = None, allowed: str = "",
                 source: str = ""):
        self.name = name
        self.value = value
        self.allowed = allowed
        self.source = source
        Exception.__init__(self, message)


class UnknownKeyError(InputError, UnknownNameError):
    """An unknown key in an input file or mapping (a typo): the message names it with its
    full dotted path and lists the allowed keys. Both an :class:`InputError` and an
    :class:`UnknownNameError`."""

    def __init__(self, message: str, *, name: str = "", value: Any = None, allowed: str = "",
                 source: str = "", known: Any = ()):
        InputError.__init__(self, message, name=name, value=value, allowed=allowed, source=source)
        self.kind = "key"
        self.known = [str(k) for k in known]

    def __str__(self) -> str:
        return str(self.args[0])


class ImportSourceError(CostModelError, RuntimeError):
    """Importing from an AWS account failed: no credentials or region, an unknown resource,
    no datapoints, access denied or throttling beyond the retries. The one-line message says
    what to set or check (``costmodel import`` exits with status 2)."""


class NumericalError(CostModelError, ArithmeticError):
    """A model produced a non-finite number (NaN or infinity) from finite inputs.

    That is a bug in the model, not in the input: the message names the function, the
    quantity, where it went wrong and the inputs that caused it, so it can be reproduced.

    Parameters
    ----------
    where : str
        The function that computed the value.
    quantity : str
        The quantity that is not finite.
    value : float
        The offending value.
    index : int or None
        Its position in an array (None for a scalar).
    inputs : str
        The caller's inputs, ``name=value`` pairs (arrays summarised).
    """

    def __init__(self, where: str, quantity: str, value: float, index: int | None, inputs: str):
        self.where = where
        self.quantity = quantity
        self.value = value
        self.index = index
        self.inputs = inputs
        at = f"[{index}]" if index is not None else ""
        super().__init__(f"{where}: {quantity}{at} = {value!r} is not finite (a model bug) for inputs {inputs}")
