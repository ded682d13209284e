"""Unit tests of costmodel.escape: user text made inert for HTML, Markdown and terminals."""
from __future__ import annotations

import re

import pytest

from costmodel.errors import InvalidParameterError
from costmodel.escape import escape_text, strip_control

PAYLOADS = ['X <script>alert(1)</script> "><img src=x onerror=alert(2)>', "<svg onload=alert(5)>",
            "[x](javascript:alert(3))", "a'b\"c&d"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_has_no_markup_left(payload):
    out = escape_text(payload, "html")
    assert not set("<>\"'") & set(out)
    # every & starts a character reference
    assert all(out[i:].startswith(("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;")) for i, c in enumerate(out) if c == "&")


@pytest.mark.parametrize("payload", PAYLOADS + ["*em* _u_ `c` # h | t ~s~ $1 $2 \\ !"])
def test_markdown_escapes_html_and_every_markdown_character(payload):
    out = escape_text(payload, "markdown")
    assert not set("<>\"'") & set(out)
    out = re.sub(r"&(amp|lt|gt|quot|#x27);", "", out)  # character references, checked in the HTML test
    for i, c in enumerate(out):
        if c in "`*_{}[]()#+-.!|~$":
            assert out[i - 1] == "\\", (payload, out)


def test_markdown_code_span_uses_a_longer_fence():
    assert escape_text("a``b", "markdown_code") == "```a``b```"
    assert escape_text("`x", "markdown_code") == "`` `x ``"
    assert escape_text("<b>\nnext", "markdown_code") == "`<b> next`"


@pytest.mark.parametrize(
    "text, clean",
    [
        ("red\x1b[31m text\x1b[0m", "red text"),
        ("title\x1b]0;pwned\x07 after", "title after"),
        ("clear\x1b[2J\x1b[H", "clear"),
        ("bell\x07 nul\x00 del\x7f c1\x9b31m", "bell nul del c1"),
        ("bidi \u202eevil\u202c", "bidi evil"),
        ("tab\tand\nnewline\r\nkept", "tab\tand\nnewline\nkept"),
    ],
)
def test_terminal_text_loses_escape_sequences_and_controls(text, clean):
    assert strip_control(text) == clean == escape_text(text, "terminal")


def test_unknown_target_names_the_allowed_ones():
    with pytest.raises(InvalidParameterError, match=r"target='pdf'.*terminal, html, markdown"):
        escape_text("x", "pdf")
