"""One escaping helper for user-supplied text in everything the project renders.

A scenario's ``name``, ``description``, override values, trace function names and any
other string a user typed can reach a report's HTML, a notebook's Markdown output or a
terminal. :func:`escape_text` makes such a string inert for its target:

``"terminal"``
    ANSI/VT escape sequences (CSI, OSC, DCS...), other C0/C1 control characters and
    Unicode bidirectional overrides are removed; newlines and tabs are kept. Nothing the
    text holds can move the cursor, recolour, retitle or clear a terminal, or reorder
    what is shown (Trojan Source).
``"html"``
    The terminal cleaning, then ``& < > " '`` as character references: safe as element
    text and inside quoted attribute values.
``"markdown"``
    The terminal cleaning, then ``& < > " '`` as character references (Markdown passes
    raw HTML through) and every other ASCII punctuation character that Markdown, its
    tables or MathJax give a meaning (``\\ ` * _ { } [ ] ( ) # + - . ! | ~ $``) escaped
    with a backslash, in one pass, so the text shows literally: no tag, no link, no
    emphasis, no math.
``"markdown_code"``
    The terminal cleaning with newlines as spaces, returned as a complete Markdown code
    span (its backtick fence longer than any run of backticks in the text). Inside a code
    span nothing is interpreted and the renderer escapes HTML itself; character references
    or backslashes would show literally there, so none are added.

Code that builds rendered output from user text calls this function and nothing else.
"""
from __future__ import annotations

import re
from typing import Any, Literal

from costmodel.errors import InvalidParameterError

__all__ = ["TARGETS", "escape_text", "strip_control"]

TARGETS = ("terminal", "html", "markdown", "markdown_code")

# ESC-introduced sequences: CSI (ESC [ ... final byte), OSC/DCS/SOS/PM/APC strings
# (ESC ] ... terminated by BEL or ESC \), and two-character escapes (ESC + one byte).
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"            # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[ -~]?"                          # other escapes (or a lone ESC)
    r"|\x9b[0-?]*[ -/]*[@-~]"              # 8-bit CSI
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x9c]*(?:\x07|\x9c)?"  # 8-bit OSC, DCS, SOS, PM, APC
)
# Remaining C0 controls except \t and \n, DEL, C1 controls, and the Unicode bidirectional
# embeddings, overrides and isolates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_MARKDOWN_PUNCTUATION = set("\\`*_{}[]()#+-.!|~$")


def strip_control(text: str) -> str:
    """``text`` without escape sequences, control characters (except newline and tab)
    and bidirectional overrides."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def escape_text(value: Any, target: Literal["terminal", "html", "markdown", "markdown_code"] = "html") -> str:
    """A user-supplied value as inert text for ``target``.

    Parameters
    ----------
    value : Any
        The value; anything that is not a string is converted with ``str()`` first.
    target : {"terminal", "html", "markdown", "markdown_code"}
        Where the text goes (see the module notes).

    Returns
    -------
    str

    Examples
    --------
    >>> escape_text('X <script>alert(1)</script>', "html")
    'X &lt;script&gt;alert(1)&lt;/script&gt;'
    >>> escape_text("costs $5 and $6", "markdown")
    'costs \\\\$5 and \\\\$6'
    >>> escape_text("red\\x1b[31m text\\x07", "terminal")
    'red text'
    """
    if target not in TARGETS:
        raise InvalidParameterError("target", target, f"one of {', '.join(TARGETS)}")
    text = strip_control(value if isinstance(value, str) else str(value))
    if target == "terminal":
        return text
    if target == "html":
        return "".join(_HTML.get(ch, ch) for ch in text)
    if target == "markdown_code":
        text = text.replace("\n", " ").replace("\t", " ")
        fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
        pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
        return f"{fence}{pad}{text}{pad}{fence}"
    return "".join(_HTML[ch] if ch in _HTML else "\\" + ch if ch in _MARKDOWN_PUNCTUATION else ch for ch in text)
