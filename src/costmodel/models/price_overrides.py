"""The price-override schema: which rates a user may replace, and with what.

A price override is ``{rate key: number}`` or ``{rate key: {value, unit, source_url,
retrieved, status, note}}`` (the shipped files' form). The keys are those of the price set
being overridden, so the schema is built from the price set (:func:`price_override_model`;
the published JSON Schema is built from the shipped us-east-1 set). What a value may be
follows from the rate it replaces:

* a discount (unit ``fraction``): 0 to below 1 (a discount of 1 or more would make a
  negative or free bill);
* a price (unit ``USD per ...``): 0 to 10,000 USD per unit;
* a tier limit (``..._limit``) and a divisor (billing increments: ``*_kb``, the
  provisioned-concurrency rounding, the ALB LCU dimensions, pollers per EPU, days per
  month): above 0 (a zero divides by zero);
* ``ec2.hours_per_month``: above 0 and at most 744 (31 days);
* anything else (free allowances, minimums): 0 to 10^15.

After the overrides are applied, each tier ladder must still rise (checked by
:func:`check_tier_limits`).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema, create_model
from pydantic_core import PydanticCustomError

from costmodel._schema import InputModel, rule_error, validate
from costmodel.errors import InputError

__all__ = [
    "RATE_FIELDS",
    "RATE_OVERRIDE_PLACEHOLDER",
    "RATE_OVERRIDE_SCHEMA",
    "STATUSES",
    "check_price_overrides",
    "check_tier_limits",
    "price_override_model",
    "value_rule",
]

#: Fields of a rate in the price files (and of the long form of an override).
RATE_FIELDS = ("value", "unit", "source_url", "retrieved", "status", "note")
#: Allowed values of a rate's ``status``. ``unconfirmed``: no source was read for this region;
#: the value was carried over from another region's price set (the note says which).
STATUSES = ("aws-published", "third-party", "derived", "assumption", "unconfirmed", "override")

#: Rates used as divisors or billing increments (by name: rounding steps, chunk and metering
#: sizes, pollers per EPU, days per month, the ALB's LCU dimensions): they must stay above 0.
_POSITIVE = re.compile(r"rounding|chunk|metering|_per_epu|days_per_month|\.lcu_(?!hour)")


def value_rule(key: str, unit: str) -> tuple[dict[str, float], str]:
    """The bounds of rate ``key`` (keyword arguments ``ge/gt/le/lt``) and what they mean."""
    if unit == "fraction":
        return {"ge": 0.0, "lt": 1.0}, "a fraction from 0 to below 1"
    if key == "ec2.hours_per_month":
        return {"gt": 0.0, "le": 744.0}, "hours > 0 and <= 744 (31 days)"
    if _POSITIVE.search(key) or key.endswith("_limit"):
        return {"gt": 0.0, "le": 1e15}, f"a number of {unit} > 0 and <= 1e15"
    if unit.startswith("USD"):
        return {"ge": 0.0, "le": 1e4}, f"{unit} from 0 to 10,000"
    return {"ge": 0.0, "le": 1e15}, f"a number of {unit} from 0 to 1e15"


def _checker(key: str, unit: str) -> tuple[Callable[[Any], Any], dict[str, Any]]:
    bounds, allowed = value_rule(key, unit)

    def in_range(v: Any) -> bool:
        ge, gt, le, lt = (bounds.get(k) for k in ("ge", "gt", "le", "lt"))
        return not ((ge is not None and v < ge) or (gt is not None and v <= gt)
                    or (le is not None and v > le) or (lt is not None and v >= lt))

    def number(v: Any, field: str | None) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (float("inf"), float("-inf")):
            if field:
                raise rule_error(field, v, f"{allowed} (a finite number)")
            raise PydanticCustomError("number_type", "{allowed} (a finite number)", {"allowed": allowed})
        if not in_range(v):
            if field:
                raise rule_error(field, v, allowed)
            raise PydanticCustomError("number_range", "{allowed}", {"allowed": allowed})
        return float(v)

    def check(value: Any) -> Any:
        if isinstance(value, Mapping):
            spec = validate_spec(value)
            return {**spec, "value": number(spec["value"], "value")}
        return number(value, None)

    number_schema = {"type": "number", **{_JSON[k]: v for k, v in bounds.items()}}
    schema = {"anyOf": [number_schema, dict(RATE_OVERRIDE_PLACEHOLDER)],
              "description": f"{allowed}; the shipped rate's unit is {unit}"}
    return check, schema


_JSON = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}


#: Stands for ``{"$ref": "#/$defs/RateOverride"}`` in the generated schema (pydantic resolves
#: ``$ref`` itself, so the reference is put in by :mod:`costmodel.scenario.json_schema`).
RATE_OVERRIDE_PLACEHOLDER = {"x-costmodel-long-form": "RateOverride"}
#: JSON Schema of the long form (referenced as ``#/$defs/RateOverride``; the value's range
#: per key is in the short form's schema and checked by the validator).
RATE_OVERRIDE_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["value"],
    "description": "a rate with its provenance",
    "properties": {"value": {"type": "number", "minimum": 0}, "unit": {"type": "string"},
                   "source_url": {"type": "string"}, "retrieved": {"type": "string"},
                   "status": {"enum": list(STATUSES)}, "note": {"type": "string"}},
}


def validate_spec(value: Mapping[str, Any]) -> dict[str, Any]:
    """Check the long form's keys and types (the value's range is checked by the caller)."""
    for key in value:
        if key not in RATE_FIELDS:
            raise PydanticCustomError("unknown_key", "unknown key", {"key": key, "allowed": ", ".join(RATE_FIELDS)})
    if "value" not in value:
        raise rule_error("value", None, "a 'value' (the long form is {value: ..., note: ..., source_url: ...})")
    for key in ("unit", "source_url", "retrieved", "note"):
        v = value.get(key)
        if v is not None and (not isinstance(v, str) or len(v) > 2000):
            raise rule_error(key, v, "text of at most 2,000 characters")
    status = value.get("status")
    if status is not None and status not in STATUSES:
        raise rule_error("status", status, "one of " + ", ".join(STATUSES))
    return dict(value)


@functools.lru_cache(maxsize=16)
def _model_for(signature: tuple[tuple[str, str], ...]) -> type[InputModel]:
    fields: dict[str, Any] = {}
    for i, (key, unit) in enumerate(signature):
        check, schema = _checker(key, unit)
        fields[f"rate_{i}"] = (Annotated[Any, BeforeValidator(check), WithJsonSchema(schema)],
                               Field(None, alias=key))
    model = create_model("PriceOverrides", __base__=InputModel, **fields)
    model.__doc__ = ("Rates to replace: {rate key: number} or {rate key: {value, unit, source_url, retrieved, "
                     "status, note}}; keys are those of the price set.")
    return model


def price_override_model(rates: Mapping[str, Any]) -> type[InputModel]:
    """The pydantic model of overrides for a price set (``rates``: key -> :class:`Rate`)."""
    return _model_for(tuple((key, str(rate.unit)) for key, rate in sorted(rates.items())))


def check_price_overrides(overrides: Any, rates: Mapping[str, Any], *, source: str = "",
                          prefix: str = "price_overrides") -> dict[str, Any]:
    """Validate overrides against a price set; returns ``{key: float or spec dict}``.

    Raises
    ------
    InputError
        One line naming ``<prefix>.<key>``, the value and what is allowed (an unknown key
        lists the keys of the price set).
    """
    model = price_override_model(rates)
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise InputError(f"{source + ': ' if source else ''}{prefix}={overrides!r:.80} is not allowed: expected a "
                         "mapping {rate key: value} or the path of a YAML file with a 'rates:' block",
                         name=prefix, value=overrides, allowed="a mapping of rate keys to values", source=source)
    checked = validate(model, dict(overrides), source=source, prefix=prefix)
    out = {}
    for name, field in type(checked).model_fields.items():
        v = getattr(checked, name)
        if v is not None:
            out[field.alias or name] = v
    return out


def check_tier_limits(rates: Mapping[str, Any], changed: Any = (), *, source: str = "",
                      prefix: str = "price_overrides") -> None:
    """Each tier ladder (``<base>_tier<N>_limit``) must rise; blame the first changed key."""
    bases = sorted({k.rsplit("_tier", 1)[0] for k in rates if k.endswith("_limit") and "_tier" in k})
    for base in bases:
        n, last = 1, 0.0
        while f"{base}_tier{n}_limit" in rates:
            key = f"{base}_tier{n}_limit"
            value = float(rates[key].value)
            if value <= last:
                blame = key if key in changed else f"{base}_tier{n - 1}_limit"
                shown = rates[blame].value
                raise InputError(
                    f"{source + ': ' if source else ''}{prefix}.{blame}={shown!r} is not allowed: expected tier limits "
                    f"that rise ({base}_tier{n - 1}_limit={last:g} then {key}={value:g})",
                    name=f"{prefix}.{blame}", value=shown, allowed="rising tier limits", source=source)
            last = value
            n += 1
