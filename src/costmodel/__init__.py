"""costmodel: Lambda or containers, with numbers.

The public API is re-exported here; implementation lives in the submodules.
"""
from .errors import (
    CostModelError,
    InvalidParameterError,
    ScenarioError,
    TraceFormatError,
    UnknownNameError,
)

__version__ = "0.1.0"

__all__ = [
    "CostModelError",
    "InvalidParameterError",
    "ScenarioError",
    "TraceFormatError",
    "UnknownNameError",
]
