"""Unit tests of costmodel.workbook.parameters: dotted overrides of a scenario."""
from __future__ import annotations

import pytest

from costmodel.errors import InvalidParameterError
from costmodel.workbook.parameters import apply_overrides

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
    with pytest.raises(InvalidParameterError, match=r"'traffic\.mean_rps' is a value"):
        apply_overrides(RAW, {"traffic.mean_rps.x": 1})
