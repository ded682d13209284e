"""The one way to change fields of an input document by dotted path.

``load_scenario(..., overrides=...)``, :meth:`Scenario.with_overrides`, ``costmodel report
-p NAME VALUE`` and the notebooks' :func:`apply_overrides` all go through
:func:`apply_overrides`, so the same key means the same thing everywhere (in particular
``price_overrides.lambda.request`` sets the price key ``lambda.request``, whose name has a
dot of its own). The result is validated by the schema afterwards, so a misspelt path is
reported with the allowed keys.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from costmodel.errors import InvalidParameterError

__all__ = ["FLAT_BLOCKS", "apply_overrides"]

#: Blocks whose keys themselves contain dots (price keys such as ``lambda.request``): an
#: override ``price_overrides.lambda.request`` sets the key ``lambda.request`` inside
#: ``price_overrides``.
FLAT_BLOCKS = ("price_overrides",)


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of a document with fields replaced by dotted path.

    ``{"traffic.mean_rps": 20, "lambda.keep_alive_s": 300}`` sets
    ``raw["traffic"]["mean_rps"]`` and ``raw["lambda"]["keep_alive_s"]``; missing
    intermediate blocks are created (so an optional block can be switched on) and the
    schema then rejects any name that does not exist, listing the valid ones. Under
    ``price_overrides`` the rest of the path is one price key
    (``price_overrides.lambda.request``).

    Parameters
    ----------
    raw : mapping
        The document as read from YAML (not modified).
    overrides : mapping or None
        Dotted path -> value.

    Returns
    -------
    dict

    Raises
    ------
    InvalidParameterError
        ``overrides`` is not a mapping of non-empty dotted names, or a path runs through a
        field that is not a block.
    """
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise InvalidParameterError(
            "overrides", overrides, 'a mapping of dotted scenario keys to values, e.g. {"traffic.mean_rps": 20}'
        )
    if not isinstance(raw, Mapping):
        raise InvalidParameterError("scenario", type(raw).__name__, "a mapping of scenario blocks (YAML)")
    result = copy.deepcopy(dict(raw))
    for path, value in overrides.items():
        parts = path.split(".") if isinstance(path, str) else []
        if not parts or any(not p for p in parts):
            raise InvalidParameterError("overrides key", path, 'a dotted scenario key such as "traffic.mean_rps"')
        if parts[0] in FLAT_BLOCKS and len(parts) > 1:
            parts = [parts[0], ".".join(parts[1:])]
        node = result
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                where = ".".join(parts[: depth + 1])
                raise InvalidParameterError(
                    f"overrides[{path!r}]", value, f"a path through blocks, but {where!r} is a value ({child!r:.60})"
                )
            node = child
        node[parts[-1]] = copy.deepcopy(value)
    return result
