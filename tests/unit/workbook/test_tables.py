"""Unit tests of costmodel.workbook.tables: how numbers read in the report's tables."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from costmodel.workbook.tables import format_value, formatted


@pytest.mark.parametrize(
    "value, kind, text",
    [
        (1234.565, "usd", "1,234.57"), (12345.4, "usd0", "12,345"), (36.29, "signed_usd", "+36.29"),
        (-0.001, "signed_usd", "0.00"), (1234567, "count", "1,234,567"), (-0.4, "ms", "0"),
        (2701476.2, "ms", "2,701,476"), (0.00699, "rps", "0.00699"), (13.66, "rps", "13.7"), (5.0, "rps", "5"),
        (0.35, "share", "35 %"), (1.3016, "signed_share", "+130.2 %"), (0.00015057, "share", "0.015 %"),
        (1e-7, "share", "< 0.001 %"), (0.0, "share", "0 %"), (2.8, "ratio", "2.80x"), (0.0, "ratio", "0x"),
        (0.0012, "ratio", "0.0012x"), (900.0, "minutes", "900"), (True, "yesno", "yes"), ("a", "text", "a"),
        (None, "usd", "–"), (math.nan, "share", "–"), (math.inf, "rps", "unbounded"),
    ],
)
def test_format_value(value, kind, text):
    assert format_value(value, kind) == text


def test_formatted_puts_units_in_headers_and_renames_rows():
    frame = pd.DataFrame({"monthly_usd": [27.88, 56.05], "p99_ms": [400.3, 414.8]},
                         index=pd.Index(["lambda", "fargate_savings_plan"], name="option"))
    out = formatted(frame, {"monthly_usd": ("USD/month", "usd"), "p99_ms": ("p99 ms", "ms")},
                    index_labels={"lambda": "Lambda", "fargate_savings_plan": "Fargate Savings Plan"})
    assert list(out.columns) == ["USD/month", "p99 ms"]
    assert out.loc["Fargate Savings Plan"].tolist() == ["56.05", "415"]
    assert out.index.name == "option"
