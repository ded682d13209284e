"""Unit tests of costmodel.notebook_helpers (presentation glue used by the notebooks)."""
from __future__ import annotations

import math

import pytest

from costmodel.errors import InvalidParameterError
from costmodel.notebook_helpers import apply_overrides, format_number, key_numbers, table_float

RAW = {
    "name": "x",
    "traffic": {"pattern": "steady", "mean_rps": 5.0},
    "lambda": {"keep_alive_s": 600},
    "price_overrides": {},
}


def test_overrides_set_nested_fields_by_dotted_path():
    got = apply_overrides(RAW, {"traffic.mean_rps": 20, "lambda.keep_alive_s": 300, "name": "y"})
    assert got["traffic"] == {"pattern": "steady", "mean_rps": 20}
    assert got["lambda"] == {"keep_alive_s": 300}
    assert got["name"] == "y"
    assert RAW["traffic"]["mean_rps"] == 5.0  # input untouched


def test_overrides_create_missing_blocks_for_the_validator_to_judge():
    got = apply_overrides(RAW, {"workload.max_duration_s": 2})
    assert got["workload"] == {"max_duration_s": 2}


def test_price_override_keys_keep_their_dots():
    got = apply_overrides(RAW, {"price_overrides.lambda.request": 1.8e-7})
    assert got["price_overrides"] == {"lambda.request": 1.8e-7}


def test_no_overrides_is_a_copy():
    got = apply_overrides(RAW, None)
    assert got == RAW and got is not RAW and got["traffic"] is not RAW["traffic"]


@pytest.mark.parametrize("bad", [[("traffic.mean_rps", 1)], "traffic.mean_rps=1", 3])
def test_overrides_must_be_a_mapping(bad):
    with pytest.raises(InvalidParameterError, match="overrides"):
        apply_overrides(RAW, bad)


@pytest.mark.parametrize("key", ["", "traffic.", ".x", "a..b", 7])
def test_override_keys_must_be_dotted_names(key):
    with pytest.raises(InvalidParameterError, match="overrides key"):
        apply_overrides(RAW, {key: 1})


def test_override_path_cannot_run_through_a_value():
    with pytest.raises(InvalidParameterError, match="'traffic.mean_rps' is a value"):
        apply_overrides(RAW, {"traffic.mean_rps.x": 1})


@pytest.mark.parametrize(
    "name, value, text",
    [
        ("monthly_usd", 1234.565, "1,234.57"),
        ("monthly_usd", 0.004, "0.00"),
        ("mean_rps", 5.0, "5"),
        ("mean_rps", 5.25, "5.250"),
        ("memory_mb", 512.0, "512"),
        ("p99_ms", 123456.7, "123,500"),
        ("fraction", 0.000123456, "0.0001235"),
        ("count", 1_000_000, "1,000,000"),
        ("flag", True, "True"),
        ("label", "bursty", "bursty"),
        ("ratio", -0.5, "-0.5000"),
        ("zero", 0.0, "0"),
        ("nan", math.nan, "nan"),
    ],
)
def test_format_number(name, value, text):
    assert format_number(name, value) == text


def test_format_number_hides_last_digit_noise():
    assert format_number("x", 0.1 + 0.2) == format_number("x", 0.3)
    assert format_number("x_usd", 10.0 - 1e-12) == "10.00"


def test_key_numbers_aligns_names():
    assert key_numbers({"a": 1, "long_name": 2}) == "a          1\nlong_name  2"


@pytest.mark.parametrize(
    "value, text",
    [(141.03, "141.03"), (1603.0408, "1,603.04"), (0.00042727617, "0.000427276"), (12960000.0, "12,960,000"),
     (0.5, "0.5"), (5.0, "5"), (math.nan, "nan")],
)
def test_table_float_six_significant_figures(value, text):
    assert table_float(value) == text
