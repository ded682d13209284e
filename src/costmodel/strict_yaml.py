"""One strict YAML reader for every input file: usage files, scenarios and price overrides.

PyYAML's ``safe_load`` is safe against code execution, not against inputs that are wrong
in quieter ways. This reader refuses them, each with one line naming the file, the line
and the problem:

* **Numbers as users write them** (YAML 1.2 core schema plus underscores): ``3e6``,
  ``3_000_000``, ``1.0e+6``, ``.5``, ``0x1F``, ``0o17``. YAML 1.1 reads ``3e6`` as text and
  ``1:30`` as 90 (base 60), and ``010`` as 8 (octal); here they are ``3000000.0``, the text
  ``"1:30"`` and ``10``.
* **Booleans are only** ``true``/``false`` (any case); ``yes``, ``no``, ``on``, ``off`` stay text,
  so a schema that wants a boolean says so instead of guessing.
* **No implicit dates**: ``2026-11-27`` is the text ``"2026-11-27"`` (a field that wants a
  date parses it).
* **Duplicate keys** in one mapping are an error (YAML would silently keep the last one).
* **Aliases cannot blow up**: the document's size *after* expanding every alias is counted
  (each use of an anchor counts its whole subtree) and capped at :data:`MAX_NODES`; a
  recursive alias is an error. Nine nested anchors of ten ("billion laughs") stop here
  after reading 1.8 KB, before anything walks the expansion.
* **Depth is capped** at :data:`MAX_DEPTH` levels (a name nested 5,000 lists deep is refused
  before Python's recursion limit is reached).
* **One document**, at most :data:`MAX_FILE_BYTES` bytes, UTF-8 text (a binary file, a
  directory or a missing file is a one-line error, not a traceback).

An empty document (empty file, only comments) loads as ``None``; the schemas reject it
with their own message.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from costmodel.errors import ScenarioError

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "StrictLoader", "load_yaml_file", "load_yaml_text"]

#: Largest input file read [bytes] (a usage file or scenario is a few KB).
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Deepest nesting of blocks and lists, counted after alias expansion.
MAX_DEPTH = 50
#: Most nodes (mappings, lists, scalars) in a document after alias expansion.
MAX_NODES = 200_000

_DIGITS = r"[0-9](?:_?[0-9])*"
_INT_RE = re.compile(rf"^(?:[-+]?{_DIGITS}|0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|0o[0-7](?:_?[0-7])*)$")
_FLOAT_RE = re.compile(
    rf"""^(?:[-+]?(?:{_DIGITS}\.(?:{_DIGITS})?(?:[eE][-+]?[0-9]+)?
               |\.{_DIGITS}(?:[eE][-+]?[0-9]+)?
               |{_DIGITS}[eE][-+]?[0-9]+)
          |[-+]?\.(?:inf|Inf|INF)
          |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")


class StrictLoader(yaml.SafeLoader):
    """PyYAML's pure-Python safe loader with the rules of this module (see its docstring)."""

    yaml_implicit_resolvers: dict = {}  # noqa: RUF012 - PyYAML's per-class table, filled below

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    # -- composition: depth, then the expanded size of the whole document
    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"the document nests deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Node | None:
        node = super().get_single_node()
        if node is not None:
            _check_expanded(node)
        return node

    # -- construction
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise ConstructorError("while reading a mapping", node.start_mark,
                                       "a key is a list or a mapping; keys are names", key_node.start_mark) from None
            if key in seen:
                raise ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"duplicate key {key!r} (first on line {seen[key].line + 1}); each key may appear once",
                    key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _construct_int(loader: StrictLoader, node: ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        if text.startswith(("0x", "0o")):
            return int(text[2:], 16 if text[1] == "x" else 8)
        return int(text, 10)
    except ValueError:
        raise ConstructorError(None, None, f"{node.value!r} is not a whole number", node.start_mark) from None


def _construct_float(loader: StrictLoader, node: ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).replace("_", "").lower()
    if text in (".inf", "+.inf"):
        return float("inf")
    if text == "-.inf":
        return float("-inf")
    if text == ".nan":
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise ConstructorError(None, None, f"{node.value!r} is not a number", node.start_mark) from None


def _construct_bool(loader: StrictLoader, node: ScalarNode) -> bool:
    text = str(loader.construct_scalar(node)).lower()
    if text not in ("true", "false"):
        raise ConstructorError(None, None, f"{node.value!r} is not true or false", node.start_mark)
    return text == "true"


StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL_RE, list("tTfF"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL_RE, ["~", "n", "N", ""])
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT_RE, list("-+0123456789"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
StrictLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


def _check_expanded(root: Node) -> None:
    """Refuse a document whose alias expansion exceeds :data:`MAX_NODES` nodes or
    :data:`MAX_DEPTH` levels, or that refers to itself. Iterative; each distinct node is
    visited once (its size and depth are memoised), so the check costs what the file
    holds, not what it would expand to."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > MAX_NODES:
                raise yaml.composer.ComposerError(
                    None, None, f"the document expands to more than {MAX_NODES:,} values "
                    "(aliases count their whole anchor each time they are used)", node.start_mark)
            if depth[key] > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"the document nests deeper than {MAX_DEPTH} levels once aliases are expanded",
                    node.start_mark)
            continue
        if key in size:
            continue
        if key in on_path:
            raise yaml.composer.ComposerError(None, None, "an alias refers to a block that contains it",
                                              node.start_mark)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _one_line(exc: yaml.YAMLError) -> str:
    """A YAML error as ``line L, column C: problem`` (PyYAML's text spans several lines)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    text = f"{where}{problem}"
    if context and context not in problem:
        text += f" ({context})"
    return " ".join(text.split())


def load_yaml_text(text: str, *, source: str = "<string>") -> Any:
    """Parse one YAML document with :class:`StrictLoader`.

    Raises
    ------
    ScenarioError
        ``"<source>: not valid YAML: line L, column C: <problem>"`` (one line).
    """
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: {len(text):,} characters is too long for an input document; "
                            f"expected at most {MAX_FILE_BYTES:,}")
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid YAML: {_one_line(exc)}") from None
    except RecursionError:  # pragma: no cover - the depth cap comes first
        raise ScenarioError(f"{source}: not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def load_yaml_file(path: str | os.PathLike, *, what: str = "input file") -> Any:
    """Read and parse one YAML file with :class:`StrictLoader`.

    Parameters
    ----------
    path : path
    what : str
        What the file is, for messages (``"usage file"``, ``"scenario file"``).

    Raises
    ------
    ScenarioError
        Missing file, a directory, too large, not UTF-8 text, or not valid YAML (one line
        naming the file).
    """
    p = Path(path)
    name = str(path)
    if p.is_dir():
        raise ScenarioError(f"{what} {name!r} is a directory: expected a YAML file")
    if not p.exists():
        raise ScenarioError(f"{what} {name!r} does not exist")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(f"{what} {name!r} is {size:,} bytes: expected a YAML file of at most "
                                f"{MAX_FILE_BYTES:,} bytes")
        data = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{what} {name!r} cannot be read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{what} {name!r} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                            f"{exc.start}): expected a YAML file") from None
    if "\x00" in text:
        raise ScenarioError(f"{what} {name!r} contains NUL bytes: expected a YAML text file")
    return load_yaml_text(text.removeprefix("\ufeff"), source=name)
