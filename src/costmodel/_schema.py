"""Building blocks of the input schemas (pydantic v2) and the one-line error they raise.

Every input kind (usage file, scenario, price overrides) is a tree of :class:`InputModel`
classes whose fields are ``Annotated`` types built from the pieces here:

* :func:`number` - a number (int or float; booleans and text refused, NaN and infinities
  refused) within stated bounds, optionally whole; the bounds and the unit go into the
  JSON Schema and into the error message: ``Annotated[float, number(gt=0, unit="ms")]``;
* :data:`Text`, :data:`Flag` (true/false only), a ``Literal`` for a choice;
* :func:`one_or_many` - one block or a list of them, never empty; :func:`list_of` - a
  bounded list; :func:`number_or_block` - a number or a block mapping;
* :data:`Omissible` - a key that may be left out (None) but not given as ``null``.

:func:`validate` runs a model on a parsed document and turns the first pydantic error into
an :class:`~costmodel.errors.InputError` whose message is one line: the source, the full
dotted path (``lambda[api].provisioned[0].requests``), the value received and what is
allowed. Cross-field rules raise :func:`rule_error` (naming the field they blame).
"""
from __future__ import annotations

import difflib
import math
import reprlib
import typing
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal, TypeAlias, TypeVar

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    Tag,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from costmodel.errors import InputError, UnknownKeyError

__all__ = ["A_BLOCK", "A_NUMBER", "Architecture", "Flag", "InputModel", "Omissible", "Text", "any_value", "fmt_value",
           "list_of", "number", "number_or_block", "one_or_many", "rule_error", "validate"]

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = 4
_REPR.maxdict = 4
_REPR.maxlevel = 2


def fmt_value(value: Any) -> str:
    """A short ``repr`` of a received value (long or deeply nested values are elided)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)
    return _REPR.repr(value)


def _fmt_bound(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}" if abs(x) >= 1e-4 else f"{x:g}"


class InputModel(BaseModel):
    """Base of every schema block: unknown keys are errors that list the allowed ones, values
    are never coerced from other types (``"512"`` is not 512, ``true`` is not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, validate_default=False,
                              protected_namespaces=())
    #: Keys whose explicit ``null`` means something (e.g. "no timeout"); any other key
    #: given without a value is an error rather than a silent default.
    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        allowed = ", ".join(cls.allowed_keys())
        if data is None:
            raise PydanticCustomError("empty_block", "a mapping of keys ({allowed}), not an empty value",
                                      {"allowed": allowed})
        if isinstance(data, Mapping):
            known = set(cls.allowed_keys())
            for key, value in data.items():
                if key not in known:
                    raise PydanticCustomError("unknown_key", "unknown key", {"key": key, "allowed": allowed})
                if value is None and key not in cls.nullable:
                    info = next((f for n, f in cls.model_fields.items() if (f.alias or n) == key), None)
                    what = info.description if info is not None and info.description else "a value"
                    raise rule_error(str(key), None, f"{what} (the key has no value: give one, or leave the key "
                                     "out for the default)")
        elif not isinstance(data, BaseModel):
            raise PydanticCustomError("mapping_type", "a mapping of keys ({allowed})", {"allowed": allowed})
        return data

    @classmethod
    def allowed_keys(cls) -> list[str]:
        """The keys this block accepts, in order (aliases where a key is not a Python name)."""
        return [f.alias or name for name, f in cls.model_fields.items()]


class _AnyInput:
    """Annotated metadata: pydantic validates the value as ``Any`` whatever the annotated type
    says, so the annotated type only informs the type checker and the validators after this
    marker do all the checking (``Annotated[float, number(...)]`` keeps an ``int`` an ``int``)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.any_schema()


class _NotNull:
    """Annotated metadata of :data:`Omissible`: ``X | None`` validates as ``X``."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        kept = tuple(a for a in typing.get_args(source) if a is not type(None))
        return handler(kept[0] if len(kept) == 1 else typing.Union[kept])  # noqa: UP007 (a runtime union of types)


_T = TypeVar("_T")

#: A key that may be left out (its value is then None) but not given as ``null``:
#: ``growth: Omissible[Growth] = None``. The type checker sees ``Growth | None``; the
#: validation and the JSON Schema are those of ``Growth`` (an explicit null is refused,
#: :class:`InputModel` names the key). Keys whose ``null`` means something are ``X | None``
#: and listed in ``nullable``. Number fields say ``Annotated[float | None, number(...)]``:
#: :func:`number` validates whatever the annotated type.
Omissible: TypeAlias = Annotated[_T | None, _NotNull()]


def _field(*metadata: Any, description: str | None = None, **kwargs: Any) -> FieldInfo:
    """A ``Field(description=..., **kwargs)`` carrying ``metadata`` first (validators, schema)."""
    info: FieldInfo = Field(description=description, **kwargs)
    info.metadata = [*metadata, *info.metadata]
    return info


def number(*, ge: float | None = None, gt: float | None = None, le: float | None = None,
           lt: float | None = None, whole: bool = False, unit: str = "", description: str = "") -> FieldInfo:
    """Metadata of a number field: int or float (numpy scalars accepted), finite, within the bounds.

    Use it as ``Annotated[float, number(gt=0, unit="ms")]`` (``int`` with ``whole=True``;
    ``float | None`` when the default is None). The annotated type informs the type checker
    only: the value is checked here and kept as given (an ``int`` stays an ``int``).
    ``whole=True`` accepts integral floats (``3e6``, ``4.0``) and returns an ``int``;
    ``2.5`` is refused. The message names the bounds with the unit, e.g. "a whole number of
    MB from 128 to 10,240".
    """
    kind = "a whole number" if whole else "a number"
    of = f" of {unit}" if unit else ""
    lo = (ge, ">=") if ge is not None else (gt, ">") if gt is not None else None
    hi = (le, "<=") if le is not None else (lt, "<") if lt is not None else None
    if lo and hi and lo[1] == ">=" and hi[1] == "<=":
        bounds = f" from {_fmt_bound(lo[0])} to {_fmt_bound(hi[0])}"
    else:
        parts = [f"{op} {_fmt_bound(v)}" for pair in (lo, hi) if pair is not None for v, op in [pair]]
        bounds = " " + " and ".join(parts) if parts else ""
    allowed = f"{kind}{of}{bounds}"

    def check(value: Any) -> Any:
        if isinstance(value, (np.integer, np.floating)) and not isinstance(value, np.bool_):
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PydanticCustomError("number_type", "{allowed} (a number, not {got})",
                                      {"allowed": allowed, "got": _kind_of(value)})
        if isinstance(value, float) and not math.isfinite(value):
            raise PydanticCustomError("number_range", "{allowed} (a finite number)", {"allowed": allowed})
        if whole and isinstance(value, float):
            if not value.is_integer():
                raise PydanticCustomError("whole_number", "{allowed}", {"allowed": allowed})
            value = int(value)
        if ((ge is not None and value < ge) or (gt is not None and value <= gt)
                or (le is not None and value > le) or (lt is not None and value >= lt)):
            raise PydanticCustomError("number_range", "{allowed}", {"allowed": allowed})
        return value

    schema: dict[str, Any] = {"type": "integer" if whole else "number"}
    for key, v in (("minimum", ge), ("exclusiveMinimum", gt), ("maximum", le), ("exclusiveMaximum", lt)):
        if v is not None:
            schema[key] = v
    if description:
        schema["description"] = description
    return _field(_AnyInput(), BeforeValidator(check), WithJsonSchema(schema), description=description or None)


def any_value(json_schema: dict[str, Any]) -> FieldInfo:
    """Metadata of a field validated elsewhere (by a model validator): any value, described
    by ``json_schema``; the annotated type informs the type checker only."""
    return _field(_AnyInput(), WithJsonSchema(json_schema))


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "an empty value"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("text_type", "text (got {got})", {"got": _kind_of(value)})
    if len(value) > 2000:
        raise PydanticCustomError("text_length", "text of at most 2,000 characters", {})
    return value


#: :data:`costmodel.models.pricing.ARCHITECTURES` as a type (a test keeps the two equal).
Architecture = Literal["x86_64", "arm64"]

#: Free text (at most 2,000 characters).
Text = Annotated[str, BeforeValidator(_text)]


def _flag(value: Any) -> Any:
    if not isinstance(value, (bool, np.bool_)):
        raise PydanticCustomError("bool_type", "true or false (got {got})", {"got": _kind_of(value)})
    return bool(value)


#: A boolean: ``true`` or ``false`` only.
Flag = Annotated[bool, BeforeValidator(_flag)]


def one_or_many(model: type[BaseModel], *, max_items: int = 1000) -> BeforeValidator:
    """Metadata of a list field taking one ``model`` block or a non-empty list of them:
    ``Annotated[list[Window], one_or_many(Window)]`` (a single block is wrapped in a list)."""

    def wrap(value: Any) -> Any:
        if isinstance(value, Mapping):
            return [value]
        if value is None:
            raise PydanticCustomError("empty_block", "one block or a non-empty list of blocks, not an empty value", {})
        if isinstance(value, (list, tuple)):
            if not value:
                raise PydanticCustomError("empty_list", "one block or a non-empty list of blocks, not an empty list",
                                          {})
            if len(value) > max_items:
                raise PydanticCustomError("too_long", "at most {n:,} blocks", {"n": max_items})
            return list(value)
        raise PydanticCustomError("mapping_type", "one block or a list of blocks (got {got})",
                                  {"got": _kind_of(value)})

    return BeforeValidator(wrap, json_schema_input_type=model | list[model])  # type: ignore[valid-type]


def list_of(*, min_items: int = 1, max_items: int = 1000, what: str = "values") -> FieldInfo:
    """Metadata of a list field with a bounded length (a single value is not wrapped):
    ``Annotated[list[float], list_of(max_items=100, what="durations")]``."""

    def check(value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise PydanticCustomError("list_type", "a list of {what} (got {got})",
                                      {"what": what, "got": _kind_of(value)})
        if not min_items <= len(value) <= max_items:
            raise PydanticCustomError("list_length", "a list of {lo:,} to {hi:,} {what} (got {n:,})",
                                      {"lo": min_items, "hi": max_items, "what": what, "n": len(value)})
        return list(value)

    return _field(BeforeValidator(check), min_length=min_items, max_length=max_items)


#: Tags of the two sides of a number-or-block union (:func:`number_or_block`): they appear
#: in pydantic's error locations but are not keys of the document, so the error path skips them.
A_NUMBER = Tag("a-number")
A_BLOCK = Tag("a-block")
_UNION_TAGS = {"a-number", "a-block"}


def _number_or_block_tag(value: Any) -> str:
    return "a-block" if isinstance(value, Mapping) else "a-number"


def number_or_block(description: str = "") -> FieldInfo:
    """Metadata of a union of a number and a block mapping, told apart by type:
    ``Annotated[Annotated[float, number(...), A_NUMBER] | Annotated[Block, A_BLOCK],
    number_or_block("...")]``."""
    return _field(Discriminator(_number_or_block_tag), description=description or None)


def rule_error(field: str, value: Any, allowed: str, *, known: Sequence[str] | None = None) -> PydanticCustomError:
    """An error for a rule across fields, blamed on ``field`` (a key of the block being
    validated, or a dotted path below it) with the offending ``value``. Raise it from a
    model validator. ``known``: the value is a name that must be one of these (the error
    is then also an :class:`~costmodel.errors.UnknownNameError`)."""
    ctx = {"field": field, "value": value, "allowed": allowed}
    if known is not None:
        ctx["known"] = list(known)
    return PydanticCustomError("rule", "{allowed}", ctx)


# --------------------------------------------------------------------------- errors
def validate(model: type[BaseModel], doc: Any, *, source: str = "<dict>", context: Any = None,
             prefix: str = "") -> Any:
    """``model.model_validate(doc)``; the first error becomes one :class:`InputError`.

    Parameters
    ----------
    model : InputModel subclass
    doc : Any
        The parsed document.
    source : str
        File name for the message (``"<dict>"`` for mappings given in Python).
    context : Any
        Passed to validators (e.g. the price set, to check instance types).
    prefix : str
        Path of ``doc`` inside a larger document (``"price_overrides"``).
    """
    try:
        return model.model_validate(doc, context=context)
    except ValidationError as exc:
        raise translate(exc, doc, model, source=source, prefix=prefix) from None


def translate(exc: ValidationError, doc: Any, model: type[BaseModel], *, source: str = "<dict>",
              prefix: str = "") -> InputError:
    """The first error of a pydantic ``ValidationError`` as one :class:`InputError`."""
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    names, _ = _path(doc, loc, _all_tags(model) | _UNION_TAGS)
    if prefix:
        names = [prefix, *names] if names else [prefix]
    head = f"{source}: " if source else ""
    kind = err["type"]
    if kind == "unknown_key":
        where = _join(names)
        key = _join([*names, str(ctx["key"])])
        known = str(ctx["allowed"]).split(", ")
        close = (difflib.get_close_matches(str(ctx["key"]), known, n=1)
                 or difflib.get_close_matches(str(ctx["key"]).rsplit(".", 1)[-1], known, n=1))
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        msg = f"{head}unknown key {key!r}{hint}; allowed keys{' in ' + where if where else ''}: {ctx['allowed']}"
        return UnknownKeyError(msg, name=key, value=ctx["key"], allowed=f"one of the keys {ctx['allowed']}",
                               source=source, known=str(ctx["allowed"]).split(", "))
    if kind == "rule":
        path = _join([*names, *str(ctx["field"]).split(".")] if ctx.get("field") else names)
        value, allowed = ctx.get("value"), str(ctx["allowed"])
    elif kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "")).strip("'")
        path = _join([*names, key])
        value, allowed = ctx.get("tag"), "one of " + str(ctx.get("expected_tags", ""))
    elif kind == "union_tag_not_found":
        key = str(ctx.get("discriminator", "")).strip("'")
        path = _join([*names, key])
        info = _field_info(model, loc)
        msg = f"{head}missing required key {path!r}: expected one of {_tags_of(model, loc)}"
        return InputError(msg, name=path, value=None, allowed="a pattern", source=source)
    elif kind == "missing":
        path = _join(names)
        info = _field_info(model, loc)
        what = (info.description if info is not None and info.description else "a value")
        msg = f"{head}missing required key {path!r}: expected {what}"
        return InputError(msg, name=path, value=None, allowed=what, source=source)
    else:
        path = _join(names)
        value = err.get("input")
        allowed = _allowed(err)
    shown = fmt_value(value)
    msg = f"{head}{path or '(document)'}={shown} is not allowed: expected {allowed}"
    if ctx.get("known") is not None:
        return UnknownKeyError(msg, name=path, value=value, allowed=allowed, source=source, known=ctx["known"])
    return InputError(msg, name=path, value=value, allowed=allowed, source=source)


_PYDANTIC_ALLOWED = {
    "literal_error": lambda c: "one of " + str(c.get("expected", "")).replace(" or ", ", "),
    "bool_type": lambda c: "true or false",
    "string_type": lambda c: "text",
    "int_type": lambda c: "a whole number",
    "float_type": lambda c: "a number",
    "list_type": lambda c: "a list",
    "dict_type": lambda c: "a mapping of keys",
    "model_type": lambda c: "a mapping of keys",
    "too_short": lambda c: f"at least {c.get('min_length')} item(s)",
    "too_long": lambda c: f"at most {c.get('max_length')} items",
    "union_tag_invalid": lambda c: f"one of {c.get('expected_tags')}",
    "union_tag_not_found": lambda c: f"a mapping with the key {c.get('discriminator')}",
    "finite_number": lambda c: "a finite number",
}


def _allowed(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in _PYDANTIC_ALLOWED:
        return _PYDANTIC_ALLOWED[kind](ctx)
    msg = str(err.get("msg", ""))
    for lead in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(lead)
    return msg


def _path(doc: Any, loc: Sequence[Any], tags: frozenset = frozenset()) -> tuple[list[str], Any]:
    """The user-facing path of ``loc`` in ``doc``: union tags (``tags``) are dropped; a list
    item is ``[name]`` when it has a ``name``, else ``[index]``."""
    names: list[str] = []
    node = doc
    for part in loc:
        if isinstance(part, int) and isinstance(node, Mapping):  # one block given without a list
            label = node.get("name")
            if isinstance(label, str) and label and len(label) <= 64 and names:
                names[-1] += f"[{label}]"
        elif isinstance(part, int) and isinstance(node, (list, tuple)):
            item = node[part] if 0 <= part < len(node) else None
            label = item.get("name") if isinstance(item, Mapping) else None
            label = label if isinstance(label, str) and label and len(label) <= 64 else part
            if names:
                names[-1] += f"[{label}]"
            else:
                names.append(f"[{label}]")
            node = item
        elif isinstance(node, Mapping) and part in node:
            names.append(str(part))
            node = node[part]
        elif isinstance(part, str) and part in tags:
            continue  # a discriminated union's tag, not part of the document
        elif isinstance(part, str):
            names.append(part)  # a missing key
            node = None
    return names, node


def _all_tags(model: Any, seen: set | None = None) -> frozenset:
    """Every discriminator value (``pattern: ...``) used by the models under ``model``."""
    seen = set() if seen is None else seen
    tags: set = set()
    for m in _models_in(model):
        if m in seen:
            continue
        seen.add(m)
        tag = _tag_of(m)
        if tag is not None:
            tags.add(tag)
        for f in m.model_fields.values():
            tags |= _all_tags(f.annotation, seen)
    return frozenset(tags)


def _join(names: Sequence[str]) -> str:
    return ".".join(n for n in names if n)


def _field_info(model: type[BaseModel], loc: Sequence[Any]) -> Any:
    """The ``FieldInfo`` a ``loc`` ends at (None when it cannot be followed)."""
    current: Any = model
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        candidates = _models_in(current)
        found = None
        for m in candidates:
            if part in m.model_fields:
                found = m
                break
        if found is None:
            tagged = [m for m in candidates if _tag_of(m) == part]
            if tagged:
                current = tagged[0]
                continue
            return None
        info = found.model_fields[part]
        current = info.annotation
    return info


def _models_in(tp: Any) -> list[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(tp):
        out += _models_in(arg)
    return out


def _tags_of(model: type[BaseModel], loc: Sequence[Any]) -> str:
    """The discriminator values allowed at ``loc`` (for a missing ``pattern``)."""
    info = _field_info(model, loc) if loc else None
    members = _models_in(info.annotation) if info is not None else []
    return ", ".join(str(t) for t in (_tag_of(m) for m in members) if t is not None)


def _tag_of(model: type[BaseModel]) -> Any:
    field = model.model_fields.get("pattern")
    if field is not None and typing.get_origin(field.annotation) is Literal:
        return typing.get_args(field.annotation)[0]
    return None
