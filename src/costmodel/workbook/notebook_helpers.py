"""Small helpers that keep the workbook's notebooks thin.

The notebooks in ``notebooks/`` call the library; what is left here is presentation
glue that would otherwise be written as ``def`` cells: a reproducible display setup,
reading a scenario with overrides (the report's parameters), and turning results into
the short text lines that nbval compares.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from costmodel._validate import check_choice
from costmodel.analysis.compare import FRONT_DOOR_KINDS, compare
from costmodel.decision import (
    Facts,
    evaluate,
    load_decision_signals,
    measure,
    recommend,
    validate_team,
    validate_workload,
)
from costmodel.decision.measure import considered_options
from costmodel.resources import data_path
from costmodel.errors import InvalidParameterError, ScenarioError, UnknownNameError
from costmodel.models import traffic as tr
from costmodel.models.coldstart.arrivals import arrival_counts
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.coldstart.simulator import Duration, confidence_interval, low_rate_cold_start_fraction, simulate
from costmodel.models.latency import container_latency, lambda_latency
from costmodel.models.traffic import label_traffic, load_label_thresholds, traffic_signals
from costmodel.scenario.load import load_scenario
from costmodel.scenario.overrides import apply_overrides  # the one dotted-override function, re-exported

__all__ = [
    "setup_notebook",
    "apply_overrides",
    "load_report_scenario",
    "scenario_markdown",
    "scenario_yaml_markdown",
    "decide",
    "decision_evidence",
    "fanout_frame",
    "fast_vs_exact",
    "latency_under_bursts",
    "same_mean_shapes",
    "quick_decision",
    "DecisionExplorer",
    "EXPLORER_SHAPES",
    "BILL_CATEGORIES",
    "assumptions_frame",
    "bill_by_category",
    "AZURE_SAMPLE_DIR",
    "azure_invocations_path",
    "trace_arrivals",
    "trace_table",
    "keep_alive_sweep",
    "trace_verdicts",
    "recommendation_markdown",
    "signals_frame",
    "rules_frame",
    "hard_limits_frame",
    "recommendation_numbers",
    "latency_figure",
    "format_number",
    "table_float",
    "key_numbers",
    "print_key_numbers",
]

#: The pandas display options every notebook uses, so that stored reprs do not depend
#: on the terminal or on defaults of a future pandas.
PANDAS_OPTIONS = {
    "display.width": 120,
    "display.max_columns": 20,
    "display.max_rows": 60,
    "display.precision": 4,
    "display.max_colwidth": None,
}


def setup_notebook(renderer: str = "plotly_mimetype") -> None:
    """Make a notebook's output reproducible and offline-friendly.

    - plotly figures render with ``renderer`` (default ``plotly_mimetype``: the figure
      JSON is stored in the notebook and drawn by JupyterLab's bundled plotly
      extension; no plotly.js copy in the notebook, nothing loaded from a CDN);
    - a plain white chart template;
    - fixed pandas display options (:data:`PANDAS_OPTIONS`) and floats in tables shown
      to 6 significant figures (:func:`table_float`);
    - progress bars off (``TQDM_DISABLE=1``), as they are noise in stored outputs.

    Parameters
    ----------
    renderer : str
        A plotly renderer name. ``notebook_connected`` is refused: it loads plotly.js
        from a CDN.
    """
    import plotly.io as pio  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer


    check_choice("renderer", renderer, ("plotly_mimetype", "notebook", "plotly_mimetype+notebook", "png", "svg", "json"))
    pio.renderers.default = renderer
    pio.templates.default = "plotly_white"
    for key, value in PANDAS_OPTIONS.items():
        pd.set_option(key, value)
    pd.set_option("display.float_format", table_float)
    os.environ["TQDM_DISABLE"] = "1"


#: The source tree (absent in an installed wheel, where the shared sample is absent too).
_REPO_DIR = Path(__file__).resolve().parents[3]
#: The shared Azure Functions 2019 sample (read, never copied; absent on most machines).
AZURE_SAMPLE_DIR = _REPO_DIR.parent / "shared" / "data" / "azure-functions-2019-sample"
#: The project's own synthetic fixture in the same (resampled) schema.
AZURE_FIXTURE = data_path("traces", "azure_resampled_3fn.csv")

def load_report_scenario(scenario_path: str | Path, overrides: Mapping[str, Any] | None = None):
    """Load and fully validate the report's scenario (its parameters) or raise.

    The file is validated as it is, then again with ``overrides`` applied (the one override
    function, :func:`costmodel.scenario.overrides.apply_overrides`) by
    :func:`costmodel.scenario.load.load_scenario`, and its traffic
    series is built, so that every bad parameter fails here, in the report's first cell,
    with the library's message (parameter, value, what is allowed).

    Parameters
    ----------
    scenario_path : str or Path
        Scenario file (YAML).
    overrides : mapping, optional
        Dotted scenario keys -> values.

    Returns
    -------
    costmodel.scenario.load.Scenario
    """

    path = Path(scenario_path)
    if not path.is_file():
        raise ScenarioError(f"scenario_path={str(scenario_path)!r} is not a file: expected a scenario YAML file")
    base = load_scenario(path)
    scenario = load_scenario(path, overrides=overrides) if overrides else base  # apply_overrides, then the schema
    scenario.traffic_series()
    return scenario


def _has_decision_blocks(scenario: Any) -> bool:
    raw = scenario.raw
    return raw.get("workload") is not None or raw.get("team") is not None


def decide(scenario: Any):
    """:func:`costmodel.decision.recommend` for a scenario that declares its workload and
    team facts; None for one that declares neither (the report then shows cost and
    latency only and says what is missing)."""
    if not _has_decision_blocks(scenario):
        return None

    return recommend(scenario)


def scenario_markdown(scenario: Any, overrides: Mapping[str, Any] | None = None) -> Any:
    """The report's heading: scenario name, description, file-independent facts, overrides.

    Returns an :class:`IPython.display.Markdown` object (displayed as the cell's output).
    """
    from IPython.display import Markdown  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

    work = scenario.work
    lines = [f"# Lambda or containers? {scenario.name}", ""]
    if scenario.description:
        lines += [scenario.description.strip(), ""]
    t = scenario.traffic
    lines.append(
        f"Region **{scenario.region}** · traffic pattern **{t.get('pattern')}** over "
        f"{format_number('horizon_days', t.get('horizon_days'))} days in {format_number('step_s', t.get('step_s'))}-s steps · "
        f"{format_number('memory_mb', work.memory_mb)} MB, {work.architecture} · "
        f"Lambda front door **{scenario.lambda_.get('front_door')}**, keep-alive "
        f"{format_number('keep_alive_s', scenario.lambda_.get('keep_alive_s'))} s"
    )
    if overrides:
        lines += ["", "Overridden for this report: " + ", ".join(f"`{k}` = `{v!r}`" for k, v in overrides.items())]
    return Markdown("\n".join(lines))


def scenario_yaml_markdown(scenario: Any) -> Any:
    """The scenario as validated (overrides applied), as a YAML block in Markdown, so a
    report states exactly what it computed."""
    from IPython.display import Markdown  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

    text = yaml.safe_dump(scenario.raw, sort_keys=False, default_flow_style=False, width=100)
    return Markdown(f"```yaml\n{text}```")


def format_number(name: str, value: Any, digits: int = 4) -> str:
    """Format one key number for a compared text cell.

    Numbers are rounded to ``digits`` significant figures (so that last-digit float
    noise between machines never reaches the stored output), with thousands
    separators; names ending in ``_usd`` get cents; booleans, strings and ``None`` are
    shown as they are.

    Parameters
    ----------
    name : str
        The number's name (its unit suffix decides the format).
    value : Any
        The value.
    digits : int
        Significant figures for non-USD floats.
    """


    if isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, str):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if name.endswith("_usd"):
        return f"{v:,.2f}"
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 10 ** digits:
        return f"{int(v):,}"
    magnitude = math.floor(math.log10(abs(v)))
    decimals = max(0, digits - 1 - magnitude)
    rounded = round(v, decimals)
    if decimals == 0:
        rounded = round(v, digits - 1 - magnitude)  # negative: round to tens, hundreds...
        return f"{int(rounded):,}"
    return f"{rounded:,.{decimals}f}"


def table_float(value: float) -> str:
    """How floats appear in the notebooks' tables: 6 significant figures with thousands
    separators (enough for cents on bills up to $9,999.99; no last-digit float noise)."""
    text = format_number("", value, digits=6)
    return text.rstrip("0").rstrip(".") if "." in text else text


def key_numbers(values: Mapping[str, Any], digits: int = 4) -> str:
    """The text of :func:`print_key_numbers`: one ``name: value`` line per entry."""
    width = max((len(k) for k in values), default=0)
    return "\n".join(f"{k:<{width}}  {format_number(k, v, digits)}" for k, v in values.items())


def print_key_numbers(values: Mapping[str, Any], digits: int = 4, title: str | None = None) -> None:
    """Print a chart's key numbers in a stable format (the cell nbval compares).

    Parameters
    ----------
    values : mapping
        Name -> number (names carry units: ``monthly_usd``, ``p99_ms``...).
    digits : int
        Significant figures for non-USD floats.
    title : str, optional
        A first line.
    """
    if title:
        print(title)
    print(key_numbers(values, digits))


# ------------------------------------------------------------------ recommendation views
def recommendation_markdown(rec: Any) -> Any:
    """The verdict as a short Markdown block: verdict, confidence, deciding step and
    reason, warnings (with numbers) and what would flip it.

    Parameters
    ----------
    rec : costmodel.decision.Recommendation
    """
    from IPython.display import Markdown  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

    if rec is None:
        return Markdown(
            "## Verdict: not given\n\nThe scenario declares no `workload` and no `team` block, which the "
            "decision needs (hard limits, state, chain depth, latency SLO, ops preference, experience, "
            "debugging maturity; see `docs/decision.md`). Cost and latency follow."
        )
    lines = [
        f"## Verdict: **{rec.verdict}** ({rec.confidence} confidence)",
        "",
        f"Decided by `{rec.decided_by}`: {rec.reason}.",
    ]
    if rec.analysis_verdict != rec.verdict:
        lines += ["", f"The analysis alone says **{rec.analysis_verdict}**."]
    ev = rec.evidence or {}
    against = ev.get("compared_against")
    if against:
        lines += ["", f"Lambda is compared against **{against['option']}** "
                      f"(\\${against['monthly_usd']:,.2f}/month): {against['why']}."]
    if ev.get("front_door"):
        lines += ["", f"Front door: {ev['front_door']}."]
    if ev.get("left_out"):
        lines += ["", "**Left out of the comparison**", ""] + [f"- `{o}`: {_dollars(why)}"
                                                                 for o, why in ev["left_out"].items()]
    if rec.warnings:
        lines += ["", "**Warnings**", ""] + [f"- {_dollars(w)}" for w in rec.warnings]
    if rec.flips:
        lines += ["", "**What would change the verdict**", ""]
        lines += [f"- {_dollars(f.condition)} → **{f.new_verdict}**" for f in rec.flips]
    return Markdown("\n".join(lines))


def _dollars(text: str) -> str:
    """Escape ``$`` so that Markdown renderers do not read two amounts as TeX."""
    return str(text).replace("\\$", "$").replace("$", "\\$")


def assumptions_frame(evidence: Mapping[str, Any]):
    """The assumptions checked over their plausible range, and where one flips the verdict
    (a DataFrame: assumption, now, range or choices, flips at, new verdict)."""
    rows = [{"assumption": a["label"], "now": a["current_text"], "plausible": a.get("range_text", "-"),
             "flips at": a.get("flip_text", "-"), "new verdict": a.get("new_verdict", "-")}
            for a in evidence.get("assumptions_checked") or []]
    frame = pd.DataFrame(rows, columns=["assumption", "now", "plausible", "flips at", "new verdict"])
    return frame.set_index("assumption")


def signals_frame(rec: Any):
    """The six decision signals: lean, what was measured, one-line reason (a DataFrame)."""

    rows = [{"signal": s.name, "lean": s.lean, "measured": _short(s.measured), "reason": s.reason} for s in rec.signals]
    return pd.DataFrame(rows).set_index("signal")


def rules_frame(rec: Any):
    """The seed's "when not to use" rules: fired or not, and the numbers (a DataFrame)."""

    rows = [{"rule": r.name, "fired": r.fired, "applicable": r.applicable, "reason": r.reason} for r in rec.rules]
    return pd.DataFrame(rows).set_index("rule")


def hard_limits_frame(rec: Any):
    """Lambda's hard limits checked against the declared workload (a DataFrame)."""

    rows = [{"limit": c.name, "violated": c.violated, "check": c.reason} for c in rec.hard_limits]
    return pd.DataFrame(rows).set_index("limit")


def _short(value: Any) -> str:
    if isinstance(value, float):
        return format_number("", value)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "-"
    return str(value)


def decision_evidence(scenario: Any, recommendation: Any = None) -> dict[str, Any]:
    """The measured facts behind a decision, as a dict (costs, break-even rates, p99s...).

    With a recommendation, its ``evidence``; without one (a scenario with no workload and
    team blocks), the same measurements from :func:`costmodel.decision.measure` for a
    single function (no chain).
    """
    if recommendation is not None:
        return dict(recommendation.evidence)

    facts = measure(scenario).to_dict()
    facts["lambda_to_container_cost_ratio"] = facts.pop("cost_ratio", None)
    facts["cheapest_container_option"] = facts.pop("container_option", None)
    facts["cheapest_container_monthly_usd"] = facts.pop("container_monthly_usd", None)
    return facts


def recommendation_numbers(recommendation: Any, evidence: Mapping[str, Any]) -> dict[str, Any]:
    """The decision's key numbers, flat, for :func:`print_key_numbers`."""
    ev = evidence
    out: dict[str, Any] = {}
    if recommendation is not None:
        out.update({
            "verdict": recommendation.verdict,
            "confidence": recommendation.confidence,
            "decided_by": recommendation.decided_by,
            "tally": ", ".join(f"{k} {v}" for k, v in recommendation.tally.items()),
        })
    out["traffic_label"] = ev.get("traffic_label")
    for option, usd in (ev.get("monthly_usd") or {}).items():
        out[f"{option}.monthly_usd"] = usd
    out["cheapest_container_option"] = ev.get("cheapest_container_option")
    out["lambda_to_container_cost_ratio"] = ev.get("lambda_to_container_cost_ratio")
    for option, rps in (ev.get("break_even_mean_rps") or {}).items():
        out[f"break_even_mean_rps.{option}"] = rps
    for key in ("lambda_p99_ms", "lambda_warm_p99_ms", "container_p99_ms", "chain_p99_ms", "cold_start_fraction"):
        out[key] = ev.get(key)
    return out


def latency_figure(evidence: Mapping[str, Any], recommendation: Any = None):
    """Bar chart of the p99 latencies in a decision's evidence [ms] (log scale), with the
    workload's SLO and its synchronous chain when the recommendation declares them."""
    import plotly.graph_objects as go  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

    ev = evidence
    bars = {
        "Lambda (all warm)": ev.get("lambda_warm_p99_ms"),
        "Lambda (with cold starts)": ev.get("lambda_p99_ms"),
        "Fargate (queueing, scale-out lag)": ev.get("container_p99_ms"),
    }
    workload = getattr(recommendation, "workload", None)
    depth = getattr(workload, "sync_chain_depth", 1) or 1
    if depth > 1:
        bars[f"chain of {depth} on Lambda"] = ev.get("chain_p99_ms")
        bars[f"chain of {depth} on containers"] = ev.get("container_chain_p99_ms")
    bars = {k: v for k, v in bars.items() if v is not None}
    fig = go.Figure(go.Bar(x=list(bars), y=list(bars.values()), text=[f"{v:,.0f} ms" for v in bars.values()]))
    slo = getattr(workload, "latency_slo_p99_ms", None)
    if slo:
        fig.add_hline(y=slo, line_dash="dot", annotation_text=f"SLO p99 {slo:,.0f} ms")
    fig.update_layout(title="p99 latency", yaxis_title="ms (log scale)", yaxis_type="log", height=420)
    return fig


def fanout_frame(evidence: Mapping[str, Any]):
    """The declared fan-out chain at its batch size and batched (a DataFrame), or a
    Markdown note when the workload declares no fan-out."""
    from IPython.display import Markdown  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

    fm = evidence.get("failure_modes") or {}
    rows = {k: v for k, v in fm.items() if k.startswith("fanout") and isinstance(v, Mapping)}
    if not rows:
        return Markdown("No fan-out declared (`workload.fanout`): nothing to model here.")
    preferred = ["batch_size", "messages_per_day", "worker_invocations_per_day", "total_invocations_per_day",
                 "cost_per_month_usd", "saving_per_month_usd", "peak_concurrency_needed", "concurrency_cap",
                 "max_backlog_messages", "alarm_worker_invocations_per_hour"]
    columns = [c for c in preferred if any(c in r for r in rows.values())]
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows.values()], index=list(rows), columns=columns)
    frame.index.name = "configuration"
    return frame.astype(object).where(frame.notna(), "-")


# ------------------------------------------------------------------ real traffic (06)
def azure_invocations_path(trace_path: str | Path | None = None) -> tuple[Path, str]:
    """Which Azure 2019 invocation file to study, and how to name it in outputs.

    ``trace_path`` when given; otherwise the shared 1000-function sample
    (``../shared/data/azure-functions-2019-sample/invocations_1000fn.csv`` relative to the
    repository) when present, else the project's synthetic 3-function fixture in the same
    schema (``data/traces/azure_resampled_3fn.csv``). The description never contains an
    absolute path (it is printed in stored notebook outputs).
    """
    if trace_path is not None:
        path = Path(trace_path)
        return path, f"given file {path.name}"
    shared = AZURE_SAMPLE_DIR / "invocations_1000fn.csv"
    if shared.is_file():
        return shared, "shared Azure Functions 2019 sample (invocations_1000fn.csv)"
    return AZURE_FIXTURE, "the project's synthetic fixture (data/traces/azure_resampled_3fn.csv; shared sample absent)"


def trace_arrivals(trace: Any) -> str:
    """How a trace's per-step series is read: ``"counts"`` when every step holds a whole
    number of invocations (Azure per-minute counts: the requests happened, one at a time
    spread over the minute), else ``"poisson"`` (a resampled or scaled series is a rate)."""
    try:
        arrival_counts(trace.rate_rps, trace.step_s)
    except InvalidParameterError:
        return "poisson"
    return "counts"


def trace_table(traces: Mapping[str, Any], *, keep_alive_s: float = 600.0, warm_mean_ms: float = 120.0,
                init_duration_ms: float = 250.0):
    """One row per function of an Azure trace: traffic signals, label, cold-start share.

    Signals and labels from :mod:`costmodel.models.traffic`; the cold-start share from the fast
    model (:func:`costmodel.models.coldstart.fast.fast_cold_starts`) with a fixed warm duration,
    as the per-function durations of the sample are not used here. Per-minute invocation
    counts are read as **counts** (:func:`trace_arrivals`: that many requests, spread over
    the minute - a lone invocation after a long gap is cold), not as a Poisson mean; with a
    fixed duration the counts model is the exact simulator up to rate changes between
    steps (``docs/coldstart-model.md`` section 3b).

    Parameters
    ----------
    traces : mapping of str to costmodel.models.traffic.Trace
        From :func:`costmodel.models.traffic.load_azure_trace`.
    keep_alive_s : float
        Keep-alive after the last request [s].
    warm_mean_ms, init_duration_ms : float
        Mean warm execution time and init time [ms].

    Returns
    -------
    pandas.DataFrame
        Indexed by function (first 10 characters of the hash), sorted by invocations per
        day (descending); columns ``invocations_per_day``, ``mean_rps``, ``peak_to_mean``,
        ``cv``, ``idle_fraction``, ``label``, ``cold_start_fraction``, ``idle_instance_s``
        and ``trigger``.
    """


    thresholds = load_label_thresholds()
    rows = []
    for name, trace in traces.items():
        sig = traffic_signals(trace.rate_rps, trace.step_s, keep_alive_s=keep_alive_s)
        fast = fast_cold_starts(trace.rate_rps, trace.step_s, warm_mean_ms / 1000.0, keep_alive_s,
                                init_mean_s=init_duration_ms / 1000.0, arrivals=trace_arrivals(trace))
        rows.append({
            "function": name[:10],
            "invocations_per_day": sig.invocations_per_day,
            "mean_rps": sig.mean_rps,
            "peak_to_mean": sig.peak_to_mean,
            "cv": sig.cv,
            "idle_fraction": sig.idle_fraction,
            "label": label_traffic(sig, thresholds),
            "cold_start_fraction": fast.cold_start_fraction,
            "idle_instance_s": fast.idle_instance_s,
            "trigger": trace.trigger,
        })
    frame = pd.DataFrame(rows).set_index("function")
    return frame.sort_values("invocations_per_day", ascending=False, kind="stable")


def keep_alive_sweep(traces: Mapping[str, Any], keep_alives_s: Any, *, warm_mean_ms: float = 120.0,
                     init_duration_ms: float = 250.0):
    """Cold starts against idle memory-time for fixed keep-alives, over all functions.

    For each keep-alive: the share of all invocations that are cold, the share of
    functions whose requests are mostly (> 50 %) cold, and the idle instance-hours kept
    warm, from the fast model per function (per-minute counts read as counts,
    :func:`trace_arrivals`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``keep_alive_s``.
    """


    kinds = {id(t): trace_arrivals(t) for t in traces.values()}
    rows = []
    for keep in keep_alives_s:
        requests = cold = idle_s = 0.0
        mostly_cold = 0
        for trace in traces.values():
            fast = fast_cold_starts(trace.rate_rps, trace.step_s, warm_mean_ms / 1000.0, float(keep),
                                    init_mean_s=init_duration_ms / 1000.0, arrivals=kinds[id(trace)])
            requests += fast.total_requests
            cold += fast.total_cold_starts
            idle_s += fast.idle_instance_s
            mostly_cold += fast.total_requests > 0 and fast.cold_start_fraction > 0.5
        rows.append({
            "keep_alive_s": float(keep),
            "cold_start_fraction": cold / requests if requests else np.nan,
            "functions_mostly_cold_fraction": mostly_cold / max(len(traces), 1),
            "idle_instance_hours": idle_s / 3600.0,
        })
    return pd.DataFrame(rows).set_index("keep_alive_s")


def trace_verdicts(traces: Mapping[str, Any], names: Any, scenario: Any, *, keep_alive_s: float | None = None):
    """Decision verdicts for a few functions of a trace, each as the scenario's workload.

    ``names`` are function hashes or their first characters (as in :func:`trace_table`'s
    index). Each function's day of traffic (repeated to a month) replaces the scenario's traffic;
    costs come from :func:`costmodel.analysis.compare.compare`, the traffic label from
    :mod:`costmodel.models.traffic`, the cold-start share from the fast model (counts read as
    counts, :func:`trace_arrivals`), and the verdict from
    :func:`costmodel.decision.evaluate` with the scenario's declared workload and team.
    Break-even rates and latency percentiles are left out (None) to keep this fast over
    many functions, so the "when not to use" rules that need them report "not measured".

    Returns
    -------
    pandas.DataFrame
        One row per function: label, invocations per day, Lambda and cheapest container
        monthly cost [USD], their ratio, cold-start share, verdict, decided_by.
    """


    sc = load_scenario(scenario)
    scfg = load_decision_signals()
    work_raw = sc.raw.get("work") or {}
    workload = validate_workload(
        sc.raw.get("workload"), memory_mb=sc.work.memory_mb,
        duration_p99_ms=sc.work.duration.p99_ms if isinstance(work_raw.get("duration_ms"), Mapping) else None,
    )
    team = validate_team(sc.raw.get("team"), scfg)
    keep = float(keep_alive_s if keep_alive_s is not None else sc.lambda_["keep_alive_s"])
    thresholds = load_label_thresholds()
    rows = []
    for short in names:
        name = next((k for k in traces if k.startswith(str(short))), None)
        if name is None:

            raise UnknownNameError("function", short, [k[:10] for k in traces])
        trace = traces[name]
        cmp = compare(sc, rate_rps=trace.rate_rps, step_s=trace.step_s)
        monthly = {str(o): float(v) for o, v in cmp.table["monthly_usd"].items()}
        options = considered_options(scfg, monthly)
        best = min(options, key=lambda o: monthly[o])
        label = label_traffic(cmp.signals, thresholds)
        fast = fast_cold_starts(trace.rate_rps, trace.step_s, sc.work.mean_duration_s, keep,
                                init_mean_s=float(sc.lambda_["init_duration_ms"]) / 1000.0,
                                arrivals=trace_arrivals(trace))
        facts = Facts(traffic_label=label, traffic=cmp.signals.to_dict(), monthly_usd=monthly,
                      lambda_monthly_usd=monthly["lambda"], container_option=best,
                      container_monthly_usd=monthly[best], cold_start_fraction=fast.cold_start_fraction)
        result = evaluate(facts, workload, team)
        rows.append({
            "function": name[:10],
            "label": label,
            "invocations_per_day": cmp.signals.invocations_per_day,
            "lambda_monthly_usd": monthly["lambda"],
            "cheapest_container": best,
            "container_monthly_usd": monthly[best],
            "cost_ratio": facts.cost_ratio,
            "cold_start_fraction": fast.cold_start_fraction,
            "verdict": result["verdict"],
            "decided_by": result["decided_by"],
        })
    return pd.DataFrame(rows).set_index("function")


# ------------------------------------------------------------------ cold starts (03)
def fast_vs_exact(rates_rps: Any, *, keep_alive_s: float = 600.0, warm_mean_ms: float = 120.0,
                  requests_per_run: int = 20_000, replications: int = 4, random_state: Any = 0):
    """The fast cold-start model against the exact simulator at constant Poisson rates.

    For each rate: the fast model's P(cold) over the same horizon, the exact simulator's
    mean over ``replications`` independent seeded runs with its 95 % confidence interval
    (:func:`costmodel.models.coldstart.simulator.confidence_interval`), and the low-rate closed form
    ``e^{-lambda T} / (1 + lambda w)``. Warm service times are exponential (SimFaaS's
    assumption).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``rate_rps``.
    """


    rng = np.random.default_rng(random_state)
    warm = Duration.exponential(warm_mean_ms / 1000.0)
    rows = []
    for rate in rates_rps:
        horizon_s = requests_per_run / float(rate)
        fast = fast_cold_starts(float(rate), horizon_s, warm.mean_s, keep_alive_s).cold_start_fraction
        runs = [simulate(float(rate), horizon_s, warm_duration=warm, keep_alive_s=keep_alive_s,
                         random_state=rng).cold_start_fraction for _ in range(replications)]
        mean, low, high = confidence_interval(runs)
        rows.append({
            "rate_rps": float(rate),
            "fast": fast,
            "exact_mean": mean,
            "exact_ci_low": low,
            "exact_ci_high": high,
            "closed_form_low_rate": float(low_rate_cold_start_fraction(float(rate), warm.mean_s, keep_alive_s)),
        })
    return pd.DataFrame(rows).set_index("rate_rps")


def latency_under_bursts(scenario: Any, comparison: Any = None):
    """Per-step latency of Lambda and of the Fargate fleet on a scenario's traffic.

    Lambda: :func:`costmodel.models.latency.lambda_latency` (cold starts from the fast model).
    Fargate: :func:`costmodel.models.latency.container_latency` with the request slots of the
    autoscaled fleet from :func:`costmodel.analysis.compare.compare` - ready tasks, or ready
    capacity times the mean duration when that is larger (the rule the decision engine
    uses, ``costmodel.decision.measure.measure_facts``).

    Returns
    -------
    (LatencyResult, LatencyResult, Comparison)
        Lambda, Fargate, and the comparison the fleet came from.
    """


    cmp = comparison if comparison is not None else compare(scenario)
    sc = scenario
    duration = (sc.raw.get("work") or {}).get("duration_ms", sc.work.mean_duration_s * 1000.0)
    lam = sc.lambda_
    lambda_result = lambda_latency(
        cmp.rate_rps, cmp.step_s, duration, float(lam["init_duration_ms"]), float(lam["keep_alive_s"]),
        concurrency_limit=int(lam["concurrency_limit"]),
    )
    fleet = cmp.fargate
    slots = np.maximum(fleet.ready_units, np.round(fleet.capacity_rps * sc.work.mean_duration_s)).astype(float)
    container_result = container_latency(cmp.rate_rps, cmp.step_s, duration, slots,
                                         timeout_s=sc.containers.get("request_timeout_s", 60.0))
    return lambda_result, container_result, cmp


# ------------------------------------------------------------------ hidden costs (04)
#: Line-item name prefixes -> category, for :func:`bill_by_category` (first match wins).
BILL_CATEGORIES = (
    ("Lambda function URL", "front door"),
    ("Lambda", "compute"),
    ("Fargate", "compute"),
    ("EC2", "compute"),
    ("API Gateway", "front door"),
    ("ALB", "front door"),
    ("CloudWatch Logs", "logs"),
    ("NAT", "network"),
    ("Public IPv4", "network"),
    ("VPC", "network"),
    ("EBS", "storage"),
    ("Data transfer", "data transfer"),
    ("SQS", "queue"),
    ("DynamoDB", "database"),
)


def bill_by_category(bills: Mapping[str, Any], options: Any = None):
    """Each option's monthly bill split into compute, front door, logs, network (NAT gateway,
    public IPv4, interface endpoints), storage (EBS) and data transfer.

    Parameters
    ----------
    bills : mapping of str to costmodel.models.bills.Bill
        E.g. ``Comparison.bills``.
    options : sequence of str, optional
        Which options (default: all, in order).

    Returns
    -------
    pandas.DataFrame
        One row per option, one column per category [USD], plus ``total_usd`` and
        ``non_compute_share`` (the share of the bill that is not compute) [-].
    """

    rows = {}
    for option in options or list(bills):
        row: dict[str, float] = {}
        for item in bills[option].items:
            category = next((c for prefix, c in BILL_CATEGORIES if item.name.startswith(prefix)), "other")
            row[category] = row.get(category, 0.0) + item.usd
        rows[option] = row
    frame = pd.DataFrame.from_dict(rows, orient="index").fillna(0.0)
    known = ("compute", "front door", "logs", "network", "storage", "data transfer", "queue", "database")
    order = [c for c in known if c in frame] + [c for c in frame if c not in known]
    frame = frame[order].round(2)
    frame["total_usd"] = frame.sum(axis=1).round(2)
    frame["non_compute_share"] = 1.0 - frame.get("compute", 0.0) / frame["total_usd"]
    frame.index.name = "option"
    return frame


# ------------------------------------------------------------------ traffic shapes (02)
def same_mean_shapes(mean_rps: float, *, step_s: float = 60.0, horizon_days: float = tr.MONTH_DAYS,
                     random_state: Any = None) -> dict[str, Any]:
    """Four traffic shapes with exactly the same mean rate (the same requests per month).

    - ``steady``: constant, 5 % noise;
    - ``diurnal``: a daily cycle, peak-to-trough 6:1, peak at 14:00 UTC, 5 % noise;
    - ``bursty``: a base rate with eight 5-minute bursts a day adding 15x the base;
    - ``sparse``: on/off - four 15-minute windows a day, nothing in between.

    Each is built by :mod:`costmodel.models.traffic` and rescaled with
    :func:`costmodel.models.traffic.scale` to ``mean_rps`` exactly.

    Returns
    -------
    dict of str to numpy.ndarray
        Rate per step [req/s].
    """

    raw = {
        "steady": tr.steady(1.0, horizon_days=horizon_days, step_s=step_s, noise_cv=0.05, random_state=random_state),
        "diurnal": tr.diurnal(1.0, peak_to_trough=6.0, peak_hour=14.0, horizon_days=horizon_days, step_s=step_s,
                              noise_cv=0.05, random_state=random_state),
        "bursty": tr.bursty(1.0, burst_rps=15.0, burst_length_s=300, bursts_per_day=8,
                            horizon_days=horizon_days, step_s=step_s),
        "sparse": tr.bursty(0.0, burst_rps=1.0, burst_length_s=900, bursts_per_day=4,
                            horizon_days=horizon_days, step_s=step_s),
    }
    return {name: tr.scale(rate, mean_rps / float(rate.mean())) for name, rate in raw.items()}


# ------------------------------------------------------------------ explorer (01)
def quick_decision(scenario: Any, comparison: Any, lambda_result: Any = None, container_result: Any = None) -> dict:
    """The decision procedure on cheaply measured facts, for interactive use.

    Facts: costs from ``comparison`` (:func:`costmodel.analysis.compare.compare`), the traffic
    label from :mod:`costmodel.models.traffic`, p99s and the cold-start share from the latency
    results when given. No break-even search and no "what would flip it" (those need
    many comparisons; :func:`costmodel.decision.recommend` computes them). The verdict
    comes from :func:`costmodel.decision.evaluate` with the scenario's declared workload
    and team.

    Returns
    -------
    dict
        ``verdict``, ``confidence``, ``decided_by``, ``reason``, ``signals`` (tuple of
        SignalLean) and ``facts`` (the :class:`costmodel.decision.Facts` used).
    """

    scfg = load_decision_signals()
    work_raw = scenario.raw.get("work") or {}
    workload = validate_workload(
        scenario.raw.get("workload"), memory_mb=scenario.work.memory_mb,
        duration_p99_ms=scenario.work.duration.p99_ms if isinstance(work_raw.get("duration_ms"), Mapping) else None,
    )
    team = validate_team(scenario.raw.get("team"), scfg)
    monthly = {str(o): float(v) for o, v in comparison.table["monthly_usd"].items()}
    best = min(considered_options(scfg, monthly), key=lambda o: monthly[o])
    facts = Facts(
        traffic_label=label_traffic(comparison.signals), traffic=comparison.signals.to_dict(),
        monthly_usd=monthly, lambda_monthly_usd=monthly["lambda"], container_option=best,
        container_monthly_usd=monthly[best],
        lambda_p99_ms=getattr(lambda_result, "p99_ms", None),
        container_p99_ms=getattr(container_result, "p99_ms", None),
        container_timeout_fraction=getattr(container_result, "timeout_fraction", None),
        cold_start_fraction=getattr(lambda_result, "cold_start_fraction", None),
    )
    out = dict(evaluate(facts, workload, team))
    out["facts"] = facts
    return out


#: Traffic shapes offered by the explorer (each as a scenario ``traffic`` block).
EXPLORER_SHAPES = ("steady", "diurnal", "bursty", "sparse")


def _traffic_block(shape: str, mean_rps: float, base: Mapping[str, Any]) -> dict:
    """A scenario traffic block of ``shape`` with mean ``mean_rps`` (horizon, step and
    seed kept from ``base``)."""
    keep = {k: base[k] for k in ("horizon_days", "step_s", "random_state") if k in base}
    if shape == "steady":
        return {"pattern": "steady", "mean_rps": mean_rps, "noise_cv": 0.05, **keep}
    if shape == "diurnal":
        return {"pattern": "diurnal", "mean_rps": mean_rps, "peak_to_trough": 6.0, "peak_hour": 14,
                "noise_cv": 0.05, **keep}
    keep.pop("random_state", None)  # bursts are deterministic
    if shape == "bursty":  # 40 % of the load as base, 60 % in eight 5-minute bursts a day
        return {"pattern": "bursty", "base_rps": 0.4 * mean_rps, "burst_rps": 0.6 * mean_rps * 86_400 / (8 * 300),
                "burst_length_s": 300, "bursts_per_day": 8, **keep}
    # sparse: on/off, four 15-minute windows a day
    return {"pattern": "bursty", "base_rps": 0.0, "burst_rps": mean_rps * 86_400 / (4 * 900),
            "burst_length_s": 900, "bursts_per_day": 4, **keep}


class DecisionExplorer:
    """Interactive what-if over a scenario: cost comparison, latency and verdict.

    ``evaluate(**values)`` is the whole computation (usable headless);
    ``widget()`` wraps it in ipywidgets controls that re-run it on every change.

    Parameters
    ----------
    scenario_path : str or Path
        The base scenario (work p99/mean ratio, containers, glue, workload and team).

    Controls (keyword arguments of :meth:`evaluate`): ``shape`` (one of
    :data:`EXPLORER_SHAPES`), ``mean_rps`` [req/s], ``duration_ms`` (mean) [ms],
    ``memory_mb`` [MB], ``architecture``, ``front_door`` (``front_door.kind``: the same front
    door for both sides, or ``usual``), ``keep_alive_s`` [s].
    """

    MEMORY_MB = (128, 256, 512, 1024, 1769, 2048, 3008, 4096, 10240)
    KEEP_ALIVE_S = (60, 120, 300, 600, 900, 1800, 3600)

    def __init__(self, scenario_path: str | Path):

        self.base = load_scenario(scenario_path)
        work = self.base.raw.get("work") or {}
        spec = work.get("duration_ms")
        mean_ms = float(self.base.work.duration.mean_ms)
        self._p99_ratio = float(spec["p99"]) / float(spec["mean"]) if isinstance(spec, Mapping) and "p99" in spec \
            else None
        t = self.base.traffic
        self.defaults = {
            "shape": t.get("pattern") if t.get("pattern") in EXPLORER_SHAPES else "diurnal",
            "mean_rps": float(self.base.traffic_series()[0].mean()),
            "duration_ms": mean_ms,
            "memory_mb": int(self.base.work.memory_mb),
            "architecture": self.base.work.architecture,
            "front_door": self.base.front_door["kind"],
            "keep_alive_s": float(self.base.lambda_["keep_alive_s"]),
        }

    def scenario(self, **values: Any):
        """The base scenario with the explorer's values applied."""
        v = {**self.defaults, **values}
        raw = dict(self.base.raw)
        raw["traffic"] = _traffic_block(v["shape"], float(v["mean_rps"]), self.base.traffic)
        duration = ({"mean": float(v["duration_ms"]), "p99": float(v["duration_ms"]) * self._p99_ratio}
                    if self._p99_ratio else float(v["duration_ms"]))
        raw = apply_overrides(raw, {
            "work.duration_ms": duration, "work.memory_mb": int(v["memory_mb"]),
            "work.architecture": v["architecture"], "front_door.kind": v["front_door"],
            "lambda.keep_alive_s": float(v["keep_alive_s"]),
        })

        return load_scenario(raw, base_dir=self.base.base_dir)

    def evaluate(self, **values: Any) -> dict:
        """Compare, compute latency and decide for the given control values.

        Returns
        -------
        dict
            ``values``, ``scenario``, ``comparison``, ``lambda_latency``,
            ``container_latency``, ``decision`` (from :func:`quick_decision`).
        """

        v = {**self.defaults, **values}
        sc = self.scenario(**v)
        cmp = compare(sc)
        lam, cont, _ = latency_under_bursts(sc, cmp)
        decision = quick_decision(sc, cmp, lam, cont)
        return {"values": v, "scenario": sc, "comparison": cmp, "lambda_latency": lam,
                "container_latency": cont, "decision": decision}

    @staticmethod
    def key_numbers(state: Mapping[str, Any]) -> dict[str, Any]:
        """The state's key numbers for :func:`print_key_numbers`."""
        table = state["comparison"].table
        d = state["decision"]
        return {
            "verdict": d["verdict"], "decided_by": d["decided_by"], "traffic_label": d["facts"].traffic_label,
            **{f"{o}.monthly_usd": table.loc[o, "monthly_usd"] for o in ("lambda", "fargate_on_demand", "ec2_on_demand")},
            "cheapest": state["comparison"].cheapest,
            "lambda.p99_ms": state["lambda_latency"].p99_ms,
            "fargate.p99_ms": state["container_latency"].p99_ms,
            "cold_start_fraction": state["lambda_latency"].cold_start_fraction,
        }

    @staticmethod
    def figures(state: Mapping[str, Any]) -> dict[str, Any]:
        """Plotly figures of a state: ``cost`` (monthly cost per option) and ``latency``
        (p50/p99/p99.9 for Lambda and Fargate)."""
        import plotly.graph_objects as go  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

        table = state["comparison"].table
        cost = go.Figure(go.Bar(x=list(table.index), y=table["monthly_usd"],
                                text=[f"${u:,.2f}" for u in table["monthly_usd"]]))
        cost.update_layout(title="Monthly cost", yaxis_title="USD per month", height=360)
        lam, cont = state["lambda_latency"], state["container_latency"]
        levels = ("p50_ms", "p99_ms", "p999_ms")
        latency = go.Figure([go.Bar(name="Lambda", x=list(levels), y=[getattr(lam, k) for k in levels]),
                             go.Bar(name="Fargate", x=list(levels), y=[getattr(cont, k) for k in levels])])
        latency.update_layout(title="Latency percentiles", yaxis_title="ms (log)", yaxis_type="log",
                              barmode="group", height=360)
        return {"cost": cost, "latency": latency}

    @staticmethod
    def verdict_markdown(state: Mapping[str, Any]) -> str:
        """One Markdown paragraph: the verdict and the six signals' leans."""
        d = state["decision"]
        lines = [f"**Verdict: {d['verdict']}** ({d['confidence']} confidence) — decided by `{d['decided_by']}`: "
                 f"{d['reason']}", ""]
        lines += [f"- `{s.name}` leans **{s.lean}**: {s.reason}" for s in d["signals"]]
        return "\n".join(lines)

    def widget(self):
        """ipywidgets controls over :meth:`evaluate`; every change re-runs it and redraws
        the verdict, the cost and the latency charts."""
        import ipywidgets as w  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer
        from IPython.display import Markdown, display  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

        d = self.defaults
        controls = {
            "shape": w.Dropdown(options=EXPLORER_SHAPES, value=d["shape"], description="traffic"),
            "mean_rps": w.FloatLogSlider(value=d["mean_rps"], base=10, min=-3, max=3, step=0.1,
                                         description="mean req/s", readout_format=".3g"),
            "duration_ms": w.FloatLogSlider(value=d["duration_ms"], base=10, min=0, max=5, step=0.05,
                                            description="duration ms", readout_format=".3g"),
            "memory_mb": w.SelectionSlider(options=sorted(set(self.MEMORY_MB) | {d["memory_mb"]}),
                                           value=d["memory_mb"], description="memory MB"),
            "architecture": w.ToggleButtons(options=("x86_64", "arm64"), value=d["architecture"],
                                            description="arch"),
            "front_door": w.Dropdown(options=FRONT_DOOR_KINDS, value=d["front_door"], description="front door"),
            "keep_alive_s": w.SelectionSlider(options=sorted(set(self.KEEP_ALIVE_S) | {int(d["keep_alive_s"])}),
                                              value=int(d["keep_alive_s"]), description="keep-alive s"),
        }
        out = w.Output()

        def redraw(_change=None):
            out.clear_output(wait=True)
            with out:
                try:
                    state = self.evaluate(**{k: c.value for k, c in controls.items()})
                except Exception as exc:  # show the library's message next to the controls
                    display(Markdown(f"**Cannot evaluate:** {exc}"))
                    return
                display(Markdown(self.verdict_markdown(state)))
                for fig in self.figures(state).values():
                    fig.show()

        for c in controls.values():
            c.observe(redraw, names="value")
        redraw()
        return w.VBox([w.HBox([w.VBox(list(controls.values())[:4]), w.VBox(list(controls.values())[4:])]), out])
