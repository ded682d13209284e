"""The report's "At equal service level" section and cost-vs-target views (costmodel.workbook.views)."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from small_scenarios import DECLARED, small

from costmodel.analysis.compare import compare
from costmodel.analysis.rightsizing import right_size, right_sized_scenario
from costmodel.analysis.service_curve import CostCurve, cost_vs_target, find_crossovers
from costmodel.decision.service_curve import VerdictCurve
from costmodel.models.service_level import ServiceLevel
from costmodel.scenario.load import load_scenario
from costmodel.workbook.figures import cost_vs_target_figure, option_name
from costmodel.workbook.summary import report_data, summary_markdown
from costmodel.workbook.tables import Table
from costmodel.workbook.views import (
    service_curve_markdown,
    service_curve_numbers,
    service_level_numbers,
    service_level_section,
    verdict_markdown,
)


def _raw(**changes):
    raw = small(**changes)
    raw.update(DECLARED)
    return raw


@pytest.fixture(scope="module")
def data():
    return report_data(load_scenario(_raw()))


def _unescaped_dollars(text: str) -> list[str]:
    return re.findall(r"(?<!\\)\$", re.sub(r"`[^`]*`", "", text))


def test_section_shows_each_option_as_configured_and_right_sized(data):
    raw = _raw()
    as_configured = compare(load_scenario(raw)).table["monthly_usd"]      # computed here, independently
    sized = compare(right_sized_scenario(load_scenario(raw))).table["monthly_usd"]
    changes = right_size(load_scenario(raw)).options
    heading, shown, after = service_level_section(data).parts
    assert "## At equal service level" in heading.data and "Service level: **" in heading.data
    assert isinstance(shown, Table)
    frame = shown.frame
    assert list(frame.index) == [option_name(o) for o in as_configured.index]
    for option in as_configured.index:
        row = frame.loc[option_name(option)]
        assert row["as configured USD/month"] == f"{as_configured[option]:,.2f}"
        assert row["right-sized USD/month"] == f"{sized[option]:,.2f}"
        added = sized[option] - as_configured[option]
        assert row["added USD/month"] == (f"{added:+,.2f}" if round(added, 2) else "0.00")
        assert row["meets right-sized"] in ("yes", "no")
    # the small queue worker's service level asks for one task: the two configured are one too many
    assert frame.loc["Fargate on-demand", "what it took"] == "-1 minimum tasks (2 → 1)"
    assert changes["fargate"].changes == ("-1 minimum tasks (2 -> 1)",)
    assert frame.loc["Fargate Savings Plan", "what it took"] == "the same fleet as Fargate on-demand"
    assert frame.loc["Lambda", "what it took"] == "nothing"
    assert sized["fargate_on_demand"] < as_configured["fargate_on_demand"]
    assert "Cheapest option that meets the service level" in after.data
    for part in (heading, after):
        assert not _unescaped_dollars(part.data)


def test_the_report_prices_what_the_section_shows(data):
    """The summary's comparison is the section's right-sized one: the same object, not a rerun."""
    assert data.service_level is not None and data.comparison is data.service_level.right_sized
    numbers = service_level_numbers(data)
    assert numbers["right_sized"] is True
    assert numbers["fargate_on_demand.right_sized_usd"] == data.comparison.table.loc["fargate_on_demand",
                                                                                     "monthly_usd"]


def test_executive_summary_says_costs_are_at_the_service_level(data):
    text = verdict_markdown(data).data
    assert "Costs are **at equal service level** (p99 message age ≤ " in text
    assert not _unescaped_dollars(text)
    assert "Costs at equal service level: every option right-sized to p99 message age" in summary_markdown(data)


def test_right_sizing_off_prices_as_configured_and_says_so_in_one_sentence():
    raw = _raw(service_level={"right_size": False})
    data = report_data(load_scenario(raw))
    assert data.service_level is None
    assert data.comparison.table["monthly_usd"].to_dict() == compare(load_scenario(raw)).table["monthly_usd"].to_dict()
    (only,) = service_level_section(data).parts
    assert "every option is priced as configured" in only.data and "`service_level.right_size: false`" in only.data
    assert "**as configured**" in verdict_markdown(data).data
    assert "Costs of the options as configured" in summary_markdown(data)
    assert service_level_numbers(data) == {"right_sized": False}


SL = ServiceLevel("api", 99.0, 1000.0, 0.001, 2, 2)


def _curve(lambda_usd: list[float], container_usd: list[float], meets: bool = True) -> CostCurve:
    """A hand-made curve at 5,000, 1,000 and 200 ms; ``meets=False``: nothing meets 200 ms."""
    targets = pd.Index([5000.0, 1000.0, 200.0], name="target_ms")
    usd = pd.DataFrame({"lambda": lambda_usd, "fargate_on_demand": container_usd,
                        "fargate_savings_plan": container_usd, "ec2_on_demand": container_usd,
                        "ec2_savings_plan": container_usd}, index=targets)
    ok = pd.DataFrame(True, index=targets, columns=usd.columns)
    ok.iloc[-1] = meets
    cheapest, ratio, crossovers = find_crossovers(usd, ok)
    return CostCurve(service_level=SL, monthly_usd=usd, meets=ok, cheapest=cheapest, ratio=ratio,
                     crossovers=crossovers)


def _verdicts(curve: CostCurve, verdicts: list[str], flips: list[dict]) -> VerdictCurve:
    table = pd.DataFrame({"verdict": verdicts}, index=curve.monthly_usd.index)
    return VerdictCurve(table=table, flips=flips, curve=curve)


def test_curve_sentence_says_where_the_verdict_flips():
    curve = _curve([10.0, 20.0, 80.0], [40.0, 40.0, 40.0])   # Lambda dearer than containers below 1 s
    flip = {"between_ms": (1000.0, 200.0), "from": "serverless", "to": "containers",
            "text": "tightening the target from 1,000 ms to 200 ms flips the verdict from serverless to containers "
                    "(Lambda $20.00 -> $80.00)"}
    text = service_curve_markdown(curve, _verdicts(curve, ["serverless", "serverless", "containers"], [flip])).data
    assert "**The verdict flips**: tightening the target from 1,000 ms to 200 ms flips the verdict from " \
           "serverless to containers" in text
    assert not _unescaped_dollars(text)
    # the cost parity between 1,000 and 200 ms (ratio 0.5 -> 2) is listed too
    assert "Lambda and the cheapest considered container option cost the same" in text
    assert "- Between 1,000 ms and 200 ms the cheapest option that meets the target changes from Lambda to " \
           "Fargate on-demand." in text


def test_curve_sentence_when_nothing_flips_and_no_option_meets_the_tightest_target():
    curve = _curve([10.0, 10.0, 30.0], [40.0, 40.0, 90.0], meets=False)
    text = service_curve_markdown(curve, _verdicts(curve, ["serverless"] * 3, [])).data
    assert "**The verdict does not flip** for any p99 target from 5,000 ms down to 200 ms: it stays " \
           "**serverless**." in text
    assert "- Below 1,000 ms no option meets the target with any configuration searched" in text
    assert "No verdict to follow" in service_curve_markdown(curve, None).data
    numbers = service_curve_numbers(curve, _verdicts(curve, ["serverless"] * 3, []))
    assert numbers["at_200_ms.lambda.monthly_usd"] == 30.0 and numbers["verdict_flips"] == 0
    assert numbers["at_1000_ms.verdict"] == "serverless"


def test_curve_figure_marks_misses_once_leaves_out_infeasible_options_and_labels_the_targets():
    curve = _curve([10.0, 10.0, 30.0], [40.0, 40.0, 90.0], meets=False)
    fig = cost_vs_target_figure(curve, left_out={"lambda": "hard limit: 900 s"})
    names = [t.name for t in fig.data]
    assert "Lambda" not in names and "Fargate on-demand" in names
    assert "Not drawn: Lambda (hard limit: 900 s)" in fig.layout.title.text
    assert [t.name for t in fig.data if t.showlegend is not False].count("misses the target (closest configuration)") == 1
    assert list(fig.layout.xaxis.ticktext) == ["5,000", "1,000", "200"]
    # the scenario's target marked by a line at 1,000 ms, its label at log10(1,000) (plotly's log-axis coordinates)
    assert any(s.x0 == 1000.0 for s in fig.layout.shapes)
    assert any(a.text == "this scenario's target" and a.x == pytest.approx(3.0) for a in fig.layout.annotations)


def test_the_library_curve_feeds_the_views():
    sc = load_scenario(_raw())
    curve = cost_vs_target(sc, [5000, 1000, 200])
    fig = cost_vs_target_figure(curve)
    drawn = [t for t in fig.data if t.x is not None and t.x[0] is not None]
    assert len(drawn) >= len(curve.monthly_usd.columns)
    assert service_curve_markdown(curve, None).data
