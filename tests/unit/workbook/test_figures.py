"""Unit tests of costmodel.workbook.figures: colours, axes, labels and left-out options."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from small_scenarios import small

from costmodel.analysis.compare import OPTIONS, compare
from costmodel.workbook.figures import (
    OPTION_COLOURS,
    OPTION_NAMES,
    capacity_figure,
    cost_bars,
    cost_vs_rate_figure,
    cumulative_cost_figure,
    latency_bars,
    tornado_figure,
)


@pytest.fixture(scope="module")
def cmp_small():
    return compare(small())


def test_every_option_has_its_own_colour_and_name():
    assert set(OPTION_COLOURS) == set(OPTIONS) == set(OPTION_NAMES)
    assert len(set(OPTION_COLOURS.values())) == len(OPTIONS)


def test_cost_bars_are_linear_from_zero_in_option_colours_and_skip_left_out_options():
    usd = {o: 10.0 * (i + 1) for i, o in enumerate(OPTIONS)}
    fig = cost_bars(usd, left_out={"lambda": "hard limit: 2,700 s > 900 s"})
    bar = fig.data[0]
    assert "Lambda" not in bar.y and len(bar.y) == len(OPTIONS) - 1
    colours = dict(zip(bar.y, bar.marker.color))
    assert colours["Fargate Savings Plan"] == OPTION_COLOURS["fargate_savings_plan"]
    assert fig.layout.xaxis.type in (None, "linear") and fig.layout.xaxis.rangemode == "tozero"
    assert "Not drawn: Lambda (hard limit: 2,700 s &gt; 900 s)" in fig.layout.title.text or \
        "Not drawn: Lambda (hard limit: 2,700 s > 900 s)" in fig.layout.title.text


def test_cost_vs_rate_places_the_scenario_label_at_its_rate_on_the_log_axis():
    rates = np.geomspace(0.01, 1000, 11)
    costs = pd.DataFrame({o: rates * (i + 1) + 10 for i, o in enumerate(OPTIONS)},
                         index=pd.Index(rates, name="mean_rps"))
    fig = cost_vs_rate_figure(costs, 5.0)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    (label,) = fig.layout.annotations
    # plotly positions annotations on a log axis in log10 units: 5 req/s is at 0.699, not 5
    assert label.x == pytest.approx(math.log10(5.0)) and "5 req/s" in label.text
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == 5.0  # shapes take data values
    # the x range ends at the data (0.01-1000 req/s), not at 10^5
    lo, hi = fig.layout.xaxis.range
    assert -2.2 < lo < -1.9 and 3.0 <= hi < 3.2
    assert [t.line.color for t in fig.data] == [OPTION_COLOURS[o] for o in OPTIONS]


def test_latency_bars_linear_with_a_labelled_slo_line():
    fig = latency_bars({"Lambda": (420.0, "lambda"), "Fargate": (380.0, "fargate"), "EC2": (None, "ec2")},
                       slo_ms=1000)
    assert list(fig.data[0].x) == ["Lambda", "Fargate"]  # None skipped
    assert fig.layout.yaxis.type in (None, "linear")
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis.range[1] >= 1000
    labels = [a.text for a in fig.layout.annotations]
    assert any("SLO" in t and "1,000 ms" in t for t in labels)
    assert fig.layout.shapes[0].y0 == 1000  # a linear axis: the line sits at 1,000 ms


def test_month_figures_of_a_comparison(cmp_small):
    cum = cumulative_cost_figure(cmp_small, left_out={"fargate_spot": "interruptible"})
    assert [t.name for t in cum.data] == [OPTION_NAMES[o] for o in OPTIONS if o != "fargate_spot"]
    # the last point of each line is the option's monthly bill
    for trace in cum.data:
        option = next(o for o, n in OPTION_NAMES.items() if n == trace.name)
        assert trace.y[-1] == pytest.approx(cmp_small.table.loc[option, "monthly_usd"])
    cap = capacity_figure(cmp_small)
    assert cap.layout.yaxis.type == "log" and len(cap.data) == 3
    assert all(len(t.y) > 0 for t in cap.data)
    # Lambda's limit (1,000 x 0.1 s) serves 10,000 req/s, far above the 2 req/s peak: named, not drawn
    assert "serves about 10,000 req/s" in cap.layout.title.text
    near = capacity_figure(compare(small(lambda__concurrency_limit=1)))
    assert len(near.data) == 4 and near.data[3].y[0] == pytest.approx(1 / 0.1)


def test_tornado_marks_the_baseline_and_the_break_even():
    df = pd.DataFrame({"input": ["a", "b"], "low_usd": [-5.0, 1.0], "high_usd": [8.0, 3.0], "swing_usd": [13.0, 2.0]})
    df.attrs.update(baseline_usd=2.0, option="fargate_on_demand")
    fig = tornado_figure(df)
    assert len(fig.data) == 2 and "Fargate on-demand" in fig.layout.title.text
    assert sorted(s.x0 for s in fig.layout.shapes) == [0, 2.0]
