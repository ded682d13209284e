"""The workbook's plotly figures, one colour per option everywhere.

Every chart of the report and of the notebooks that shows options takes its colours and
names from :data:`OPTION_COLOURS` / :data:`OPTION_NAMES` (platforms from
:data:`PLATFORM_COLOURS`), so Lambda is the same orange and Fargate Savings Plan the same
dark blue on every page. Rules the figures follow:

- bars that are compared sit on a linear axis starting at zero;
- on a log axis, annotations are placed in the axis's own coordinates (``log10`` of the
  value, which is how plotly positions them there), and ranges are fitted to the data;
- threshold lines (SLOs, the scenario's rate) carry a label;
- options a caller marks as left out (infeasible) are not drawn, and the figure says so.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from costmodel.analysis.compare import Comparison
from costmodel.analysis.service_curve import CostCurve

__all__ = [
    "OPTION_COLOURS",
    "OPTION_NAMES",
    "PLATFORM_COLOURS",
    "capacity_figure",
    "cost_bars",
    "cost_by_shape_figure",
    "cost_spread_figure",
    "cost_vs_rate_figure",
    "cumulative_cost_figure",
    "latency_bars",
    "latency_over_time_figure",
    "option_name",
    "percentile_bars",
    "tornado_figure",
    "cost_vs_target_figure",
]

#: One colour per option (Lambda in AWS orange, Fargate in blues, EC2 in greens).
OPTION_COLOURS = {
    "lambda": "#ff9900",
    "fargate_on_demand": "#4c8ed9",
    "fargate_spot": "#9ecae1",
    "fargate_savings_plan": "#08519c",
    "ec2_on_demand": "#41ab5d",
    "ec2_savings_plan": "#00441b",
}
#: Display names of the options.
OPTION_NAMES = {
    "lambda": "Lambda",
    "fargate_on_demand": "Fargate on-demand",
    "fargate_spot": "Fargate Spot",
    "fargate_savings_plan": "Fargate Savings Plan",
    "ec2_on_demand": "EC2 on-demand",
    "ec2_savings_plan": "EC2 Savings Plan",
}
#: Platform colours (the on-demand option's), for charts of fleets and latency.
PLATFORM_COLOURS = {"lambda": OPTION_COLOURS["lambda"], "fargate": OPTION_COLOURS["fargate_on_demand"],
                    "ec2": OPTION_COLOURS["ec2_on_demand"], "demand": "#444444"}
_HEIGHT = 420


def option_name(option: str) -> str:
    """The display name of an option (the key itself when unknown)."""
    return OPTION_NAMES.get(option, option)


def _left_out_note(left_out: Mapping[str, str] | None) -> str:
    if not left_out:
        return ""
    return "<br><sup>Not drawn: " + "; ".join(f"{option_name(o)} ({why})" for o, why in left_out.items()) + "</sup>"


def _drawn(options: Iterable[str], left_out: Mapping[str, str] | None) -> list[str]:
    return [o for o in options if o not in (left_out or {})]


def _log_range(values: Iterable[float], pad: float = 0.05) -> list[float]:
    """An axis range for a log axis [log10 units] fitted to the positive values."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x) and x > 0], dtype=float)
    if v.size == 0:
        return [-1.0, 1.0]
    lo, hi = math.log10(v.min()), math.log10(v.max())
    span = max(hi - lo, 0.5)
    return [lo - pad * span, hi + pad * span]


def cost_bars(monthly_usd: Mapping[str, float], *, left_out: Mapping[str, str] | None = None,
              title: str = "Monthly cost per option") -> go.Figure:
    """Horizontal bars of each option's monthly cost [USD], linear axis from zero.

    Parameters
    ----------
    monthly_usd : mapping of option -> USD per month
    left_out : mapping of option -> reason, optional
        Options not drawn (e.g. infeasible), named under the title.
    """
    options = _drawn(monthly_usd, left_out)[::-1]
    values = [float(monthly_usd[o]) for o in options]
    fig = go.Figure(go.Bar(
        y=[option_name(o) for o in options], x=values, orientation="h",
        marker_color=[OPTION_COLOURS.get(o, "#888888") for o in options],
        text=[f"${v:,.2f}" for v in values], textposition="auto", cliponaxis=False,
        hovertemplate="%{y}: $%{x:,.2f} per month<extra></extra>",
    ))
    fig.update_layout(title=title + _left_out_note(left_out), xaxis_title="USD per month", showlegend=False,
                      height=max(260, 60 + 45 * len(options)), margin={"l": 160})
    fig.update_xaxes(rangemode="tozero", tickformat=",.0f")
    return fig


def cumulative_cost_figure(comparison: Comparison, *, left_out: Mapping[str, str] | None = None) -> go.Figure:
    """Each option's cost accumulated over the month [USD] (from ``Comparison.daily_usd``)."""
    daily = comparison.daily_usd()
    cum = daily.cumsum()
    fig = go.Figure([
        go.Scatter(x=cum.index, y=cum[o], name=option_name(o), mode="lines",
                   line={"color": OPTION_COLOURS.get(o)},
                   hovertemplate="%{x|%d %b}: $%{y:,.2f}<extra>%{fullData.name}</extra>")
        for o in _drawn(cum.columns, left_out)
    ])
    fig.update_layout(title="Cumulative cost over the month" + _left_out_note(left_out), xaxis_title="day",
                      yaxis_title="USD (cumulative)", height=_HEIGHT)
    fig.update_yaxes(rangemode="tozero", tickformat=",.0f")
    return fig


def _reduce(x: np.ndarray, k: int, m: int, how: str) -> np.ndarray:
    x = np.asarray(x[:m], dtype=float).reshape(-1, k)
    return x.max(axis=1) if how == "max" else x.min(axis=1) if how == "min" else x.mean(axis=1)


def capacity_figure(comparison: Comparison, *, show_lambda: bool = True, max_points: int = 4000,
                    log_y: bool = True) -> go.Figure:
    """Demand against the ready capacity of the Fargate and EC2 fleets [req/s].

    Reduced to at most ``max_points`` points (demand: the maximum of each bucket;
    capacity: the minimum), so an overload within a bucket stays visible. Lambda's
    concurrency limit, expressed as a rate (limit / billed duration), is a dotted line
    when ``show_lambda``. On a log axis, steps with no demand or no capacity are gaps.
    """
    cmp = comparison
    k = max(1, int(math.ceil(cmp.rate_rps.size / max_points)))
    m = cmp.rate_rps.size - cmp.rate_rps.size % k
    t = pd.date_range(cmp.start, periods=m // k, freq=pd.Timedelta(seconds=cmp.step_s * k)) \
        if cmp.start is not None else np.arange(m // k)
    series = {
        "demand (max per point)": (_reduce(cmp.rate_rps, k, m, "max"), PLATFORM_COLOURS["demand"], "solid"),
        "Fargate ready capacity": (_reduce(cmp.fargate.capacity_rps, k, m, "min"), PLATFORM_COLOURS["fargate"],
                                   "solid"),
        "EC2 ready capacity": (_reduce(cmp.ec2.capacity_rps, k, m, "min"), PLATFORM_COLOURS["ec2"], "solid"),
    }
    traces = []
    for name, (y, colour, dash) in series.items():
        if log_y:
            y = np.where(y > 0, y, np.nan)
        # isolated points (a few runs a month) are invisible as a line: mark them
        sparse = name.startswith("demand") and np.mean(np.asarray(y, dtype=float) > 0) < 0.05
        traces.append(go.Scatter(x=t, y=y, name=name, mode="lines+markers" if sparse else "lines",
                                 line={"color": colour, "dash": dash}, marker={"size": 5},
                                 line_shape="hv" if "capacity" in name else "linear"))
    values = [v for y, _, _ in series.values() for v in y]
    title = "Capacity against demand (ready capacity at 100 % CPU)"
    if show_lambda:
        lam = cmp.lambda_result
        lam_cap = lam.concurrency_limit / max(lam.billed_duration_ms / 1000.0, 1e-9)
        if lam_cap <= 10.0 * float(np.nanmax(cmp.rate_rps, initial=0.0)):
            traces.append(go.Scatter(x=[t[0], t[-1]], y=[lam_cap, lam_cap], mode="lines",
                                     name=f"Lambda concurrency limit ({lam.concurrency_limit:,}) as req/s",
                                     line={"color": PLATFORM_COLOURS["lambda"], "dash": "dot"}))
            values.append(lam_cap)
        else:  # far above the demand: drawing it would flatten everything else
            title += (f"<br><sup>Lambda's concurrency limit ({lam.concurrency_limit:,}) serves about "
                      f"{lam_cap:,.0f} req/s: more than 10x the peak demand, not drawn</sup>")
    fig = go.Figure(traces)
    fig.update_layout(title=title, xaxis_title="time",
                      yaxis_title="requests per second" + (" (log scale)" if log_y else ""), height=_HEIGHT,
                      legend={"orientation": "h", "y": -0.2})
    if log_y:
        fig.update_yaxes(type="log", range=_log_range(values))
    else:
        fig.update_yaxes(rangemode="tozero")
    return fig


def cost_vs_rate_figure(costs: pd.DataFrame, current_rps: float | None = None, *,
                        left_out: Mapping[str, str] | None = None,
                        title: str = "Monthly cost against mean rate (same traffic shape)") -> go.Figure:
    """Each option's monthly cost [USD] against the mean rate [req/s], log-log.

    Parameters
    ----------
    costs : pandas.DataFrame
        Index: mean rates [req/s]; one column per option [USD per month]
        (:func:`costmodel.analysis.breakeven.option_costs`).
    current_rps : float, optional
        The scenario's mean rate: a labelled dotted line.
    left_out : mapping of option -> reason, optional
    """
    options = _drawn(list(costs.columns), left_out)
    rates = costs.index.to_numpy(dtype=float)
    fig = go.Figure([
        go.Scatter(x=rates, y=costs[o], name=option_name(o), mode="lines+markers",
                   line={"color": OPTION_COLOURS.get(o)},
                   hovertemplate="%{x:,.3g} req/s: $%{y:,.2f}/month<extra>%{fullData.name}</extra>")
        for o in options
    ])
    x_range = _log_range(rates, pad=0.02)
    y_range = _log_range(costs[options].to_numpy().ravel() if options else [1.0])
    if current_rps is not None and current_rps > 0:
        x_log = math.log10(current_rps)
        x_range = [min(x_range[0], x_log - 0.1), max(x_range[1], x_log + 0.1)]
        fig.add_shape(type="line", xref="x", yref="paper", x0=current_rps, x1=current_rps, y0=0, y1=1,
                      line={"dash": "dot", "color": "#444444"})
        # on a log axis plotly positions annotations in log10 units
        fig.add_annotation(x=x_log, y=1.0, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                           text=f"this scenario: {current_rps:,.3g} req/s")
    fig.update_layout(title=title + _left_out_note(left_out), height=_HEIGHT, xaxis_title="mean rate [req/s] (log)",
                      yaxis_title="USD per month (log)", legend_title_text="option")
    fig.update_xaxes(type="log", range=x_range)
    fig.update_yaxes(type="log", range=y_range)
    return fig


def latency_bars(bars: Mapping[str, tuple[float | None, str]], *, slo_ms: float | None = None,
                 left_out: Mapping[str, str] | None = None, title: str = "p99 latency") -> go.Figure:
    """Bars of p99 latencies [ms] on a linear axis, with the SLO as a labelled line.

    Parameters
    ----------
    bars : mapping of label -> (p99 [ms] or None, platform)
        ``platform`` picks the colour (``lambda``, ``fargate``, ``ec2``); None values are
        skipped.
    slo_ms : float, optional
        The workload's p99 objective [ms].
    left_out : mapping of name -> reason, optional
        Named under the title.
    """
    shown = {k: (ms, platform) for k, (ms, platform) in bars.items() if ms is not None and np.isfinite(ms)}
    labels = list(shown)
    values = [float(shown[k][0]) for k in labels]
    # jobs that run for minutes read better in seconds
    unit, scale = ("s", 1000.0) if max(values, default=0.0) >= 100_000 else ("ms", 1.0)
    values = [v / scale for v in values]
    slo = slo_ms / scale if slo_ms else None
    fig = go.Figure(go.Bar(
        x=labels, y=values, marker_color=[PLATFORM_COLOURS.get(shown[k][1], "#888888") for k in labels],
        text=[f"{v:,.0f} {unit}" for v in values], textposition="outside", cliponaxis=False,
        hovertemplate=f"%{{x}}: %{{y:,.0f}} {unit}<extra></extra>",
    ))
    top = max(values + ([slo] if slo else []), default=1.0)
    if slo:
        fig.add_hline(y=slo, line_dash="dot", line_color="#c0392b",
                      annotation_text=f"SLO: p99 ≤ {slo:,.0f} {unit}", annotation_position="top left",
                      annotation_font_color="#c0392b")
    fig.update_layout(title=title + _left_out_note(left_out), yaxis_title=f"p99 [{unit}]", showlegend=False,
                      height=_HEIGHT)
    fig.update_yaxes(range=[0, top * 1.15], tickformat=",.0f")
    return fig


def percentile_bars(results: Mapping[str, Any], *, platforms: Mapping[str, str] | None = None,
                    levels: Sequence[str] = ("p50_ms", "p99_ms", "p999_ms"),
                    title: str = "Latency percentiles") -> go.Figure:
    """Grouped bars of latency percentiles [ms] per platform, linear axis.

    Parameters
    ----------
    results : mapping of label -> LatencyResult
    platforms : mapping of label -> platform (for the colour); default: the label lower-cased
    """
    names = {"p50_ms": "p50", "p95_ms": "p95", "p99_ms": "p99", "p999_ms": "p99.9"}
    fig = go.Figure([
        go.Bar(name=label, x=[names.get(k, k) for k in levels], y=[getattr(r, k) for k in levels],
               marker_color=PLATFORM_COLOURS.get((platforms or {}).get(label, label.lower()), "#888888"),
               text=[f"{getattr(r, k):,.0f}" for k in levels], textposition="outside", cliponaxis=False)
        for label, r in results.items() if r is not None
    ])
    fig.update_layout(title=title, yaxis_title="latency [ms]", barmode="group", height=_HEIGHT)
    fig.update_yaxes(rangemode="tozero", tickformat=",.0f")
    return fig


def latency_over_time_figure(times: Any, series_ms: Mapping[str, tuple[np.ndarray, str]], demand_rps: np.ndarray,
                             *, title: str) -> go.Figure:
    """p99 per step [ms] of each platform (log axis) with the demand [req/s] on a second axis."""
    traces = [go.Scatter(x=times, y=y, name=name, line={"color": PLATFORM_COLOURS.get(platform)})
              for name, (y, platform) in series_ms.items()]
    traces.append(go.Scatter(x=times, y=demand_rps, name="demand [req/s]", yaxis="y2",
                             line={"dash": "dot", "color": PLATFORM_COLOURS["demand"]}))
    fig = go.Figure(traces)
    values = [v for y, _ in series_ms.values() for v in np.asarray(y, dtype=float)]
    fig.update_layout(title=title, height=450, yaxis={"title": "p99 [ms] (log)", "type": "log",
                                                      "range": _log_range(values)},
                      yaxis2={"title": "demand [req/s]", "overlaying": "y", "side": "right", "rangemode": "tozero"},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def cost_by_shape_figure(costs: pd.DataFrame, options: Sequence[str] = ("lambda", "fargate_on_demand",
                                                                      "fargate_savings_plan", "ec2_on_demand"),
                         *, title: str) -> go.Figure:
    """Grouped bars: monthly cost [USD] per traffic shape (rows) and option (columns)."""
    fig = go.Figure([
        go.Bar(name=option_name(o), x=list(costs.index), y=costs[o], marker_color=OPTION_COLOURS.get(o),
               hovertemplate="%{x}: $%{y:,.2f}/month<extra>%{fullData.name}</extra>")
        for o in options
    ])
    fig.update_layout(title=title, barmode="group", yaxis_title="USD per month", xaxis_title="traffic shape",
                      height=_HEIGHT)
    fig.update_yaxes(rangemode="tozero", tickformat=",.0f")
    return fig


def cost_spread_figure(samples: pd.DataFrame, options: Sequence[str] = ("lambda", "fargate_on_demand",
                                                                      "fargate_savings_plan", "ec2_on_demand"),
                       *, title: str) -> go.Figure:
    """Box plots of sampled monthly costs [USD] per option (Monte Carlo draws)."""
    fig = go.Figure([go.Box(y=samples[o], name=option_name(o), marker_color=OPTION_COLOURS.get(o), boxpoints="all",
                            jitter=0.4, pointpos=0) for o in options])
    fig.update_layout(title=title, yaxis_title="USD per month", showlegend=False, height=_HEIGHT)
    fig.update_yaxes(rangemode="tozero", tickformat=",.0f")
    return fig


def tornado_figure(df: pd.DataFrame) -> go.Figure:
    """Tornado chart of :func:`costmodel.analysis.breakeven.tornado`'s table: each input's
    low and high value as a bar from the baseline [USD per month, Lambda minus option]."""
    base = df.attrs.get("baseline_usd", 0.0)
    option = df.attrs.get("option", "containers")
    d = df.iloc[::-1]
    fig = go.Figure([
        go.Bar(y=d["input"], x=d["low_usd"] - base, base=base, orientation="h", name="low value",
               marker_color="#9ecae1"),
        go.Bar(y=d["input"], x=d["high_usd"] - base, base=base, orientation="h", name="high value",
               marker_color="#08519c"),
    ])
    fig.add_vline(x=base, line_dash="dot", line_color="#444444", annotation_text=f"baseline ${base:,.2f}",
                  annotation_position="top")
    fig.add_vline(x=0, line_color="#c0392b", annotation_text="same cost", annotation_position="bottom",
                  annotation_font_color="#c0392b")
    fig.update_layout(barmode="overlay", height=_HEIGHT, margin={"l": 220},
                      title=f"Lambda minus {option_name(option)}: USD per month",
                      xaxis_title="USD per month (positive: Lambda dearer)")
    return fig



def cost_vs_target_figure(curve: CostCurve, *, left_out: Mapping[str, str] | None = None) -> go.Figure:
    """Monthly cost of each option right-sized to each latency target
    (:func:`costmodel.analysis.service_curve.cost_vs_target`): log axis tightening to the
    right, crosses where the option cannot meet the target at any configuration searched,
    crossovers and the scenario's own target marked; options in ``left_out`` (option ->
    reason) are not drawn and the title says so."""
    x = curve.monthly_usd.index.to_numpy()
    fig = go.Figure()
    misses = False
    for c in _drawn(curve.monthly_usd.columns, left_out):
        y = curve.monthly_usd[c].to_numpy()
        ok = curve.meets[c].to_numpy()
        colour = OPTION_COLOURS.get(str(c))
        name = option_name(str(c))
        fig.add_trace(go.Scatter(x=x, y=np.where(ok, y, np.nan), mode="lines+markers", name=name,
                                 legendgroup=str(c), line={"color": colour}, marker={"color": colour},
                                 hovertemplate="%{x:,.0f} ms: $%{y:,.2f}/month<extra>" + name + "</extra>"))
        if not ok.all():
            misses = True
            fig.add_trace(go.Scatter(x=x, y=np.where(ok, np.nan, y), mode="markers", name=f"{name} (misses the target)",
                                     legendgroup=str(c), showlegend=False, marker={"symbol": "x", "color": colour},
                                     hovertemplate="%{x:,.0f} ms: $%{y:,.2f}/month, misses the target<extra>"
                                                   + name + "</extra>"))
    if misses:   # one legend entry for every cross
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="misses the target (closest configuration)",
                                 marker={"symbol": "x", "color": "#444444"}))
    marks = [(c["at_ms"], c["kind"].replace("_", " "), "dot") for c in curve.crossovers
             if c["kind"] in ("cost_parity", "cheapest")]
    marks.append((curve.service_level.latency_target_ms, "this scenario's target", "dash"))
    for at_ms, text, dash in marks:
        fig.add_shape(type="line", xref="x", yref="paper", x0=at_ms, x1=at_ms, y0=0, y1=1,
                      line={"dash": dash, "color": "#444444"})
        # on a log axis plotly positions annotations in log10 units
        fig.add_annotation(x=math.log10(at_ms), y=1.0, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                           text=text)
    fig.update_xaxes(type="log", autorange="reversed", title=f"{curve.service_level.label} latency target [ms] (log)",
                     tickvals=list(x), ticktext=[f"{v:,.0f}" for v in x])
    fig.update_yaxes(title="USD per month (right-sized)", tickformat=",.0f", rangemode="tozero")
    fig.update_layout(title="Monthly cost at equal service level, as the latency target tightens"
                      + _left_out_note(left_out), height=_HEIGHT)
    return fig
