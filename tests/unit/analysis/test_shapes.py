"""Unit tests of costmodel.analysis.shapes: four shapes, one mean, one definition."""
from __future__ import annotations

import pytest

from costmodel.analysis.shapes import BURSTY_BASE_SHARE, SHAPES, same_mean_shapes, shape_traffic_block
from costmodel.errors import InvalidParameterError
from costmodel.scenario.load import build_traffic


def test_same_mean_shapes_carry_the_same_requests():
    shapes = same_mean_shapes(3.0, horizon_days=2, random_state=1)
    assert list(shapes) == list(SHAPES) == ["steady", "diurnal", "bursty", "sparse"]
    for name, rate in shapes.items():
        assert rate.size == 2 * 1440
        assert rate.mean() == pytest.approx(3.0, rel=1e-12), name


def test_sparse_is_four_fifteen_minute_windows_a_day():
    sparse = same_mean_shapes(3.0, horizon_days=2)["sparse"]
    assert (sparse > 0).mean() == pytest.approx(4 * 15 / 1440)
    # all of a day's requests (3 req/s x 86,400 s) in 3,600 s of windows
    assert sparse.max() == pytest.approx(3.0 * 86_400 / 3_600)


def test_bursty_is_forty_percent_base_sixty_percent_in_eight_five_minute_bursts():
    bursty = same_mean_shapes(3.0, horizon_days=2)["bursty"]
    assert BURSTY_BASE_SHARE == 0.4
    assert bursty.min() == pytest.approx(0.4 * 3.0)
    # 60 % of 3 req/s x 86,400 s arrives in 8 x 300 s of bursts: +64.8 req/s on the base
    assert bursty.max() == pytest.approx(1.2 + 0.6 * 3.0 * 86_400 / 2_400)
    assert (bursty > bursty.min()).sum() == 2 * 8 * 5


@pytest.mark.parametrize("shape", SHAPES)
def test_the_explorer_block_is_the_same_shape(shape):
    # the block the explorer puts in a scenario builds the series notebook 02 shows
    block = shape_traffic_block(shape, 3.0, {"horizon_days": 2, "step_s": 60, "random_state": 1})
    rate, step_s, _ = build_traffic(block)
    assert step_s == 60
    assert rate == pytest.approx(same_mean_shapes(3.0, horizon_days=2, random_state=1)[shape], rel=1e-12)


def test_unknown_shape_names_the_allowed_ones():
    with pytest.raises(InvalidParameterError, match=r"shape='spiky'.*'steady', 'diurnal', 'bursty', 'sparse'"):
        shape_traffic_block("spiky", 1.0)
