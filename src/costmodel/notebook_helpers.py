"""Small helpers that keep the workbook's notebooks thin.

The notebooks in ``notebooks/`` call the library; what is left here is presentation
glue that would otherwise be written as ``def`` cells: a reproducible display setup,
reading a scenario with overrides (the report's parameters), and turning results into
the short text lines that nbval compares.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "setup_notebook",
    "apply_overrides",
    "load_report_scenario",
    "scenario_markdown",
    "decide",
    "decision_evidence",
    "fanout_frame",
    "recommendation_markdown",
    "signals_frame",
    "rules_frame",
    "hard_limits_frame",
    "recommendation_numbers",
    "latency_figure",
    "format_number",
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
    - fixed pandas display options (:data:`PANDAS_OPTIONS`);
    - progress bars off (``TQDM_DISABLE=1``), as they are noise in stored outputs.

    Parameters
    ----------
    renderer : str
        A plotly renderer name. ``notebook_connected`` is refused: it loads plotly.js
        from a CDN.
    """
    import pandas as pd
    import plotly.io as pio

    from ._validate import check_choice

    check_choice("renderer", renderer, ("plotly_mimetype", "notebook", "plotly_mimetype+notebook", "png", "svg", "json"))
    pio.renderers.default = renderer
    pio.templates.default = "plotly_white"
    for key, value in PANDAS_OPTIONS.items():
        pd.set_option(key, value)
    os.environ["TQDM_DISABLE"] = "1"


#: Scenario blocks whose keys themselves contain dots (price keys such as
#: ``lambda.request``): an override ``price_overrides.lambda.request`` sets the key
#: ``lambda.request`` inside ``price_overrides``.
_FLAT_BLOCKS = ("price_overrides",)


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of a scenario dict with fields replaced by dotted path.

    ``{"traffic.mean_rps": 20, "lambda.keep_alive_s": 300}`` sets
    ``raw["traffic"]["mean_rps"]`` and ``raw["lambda"]["keep_alive_s"]``; missing
    intermediate blocks are created (so an optional block can be switched on) and the
    scenario validator then rejects any name that does not exist, listing the valid
    ones. Under ``price_overrides`` the rest of the path is one price key
    (``price_overrides.lambda.request``).

    Parameters
    ----------
    raw : mapping
        The scenario as read from YAML (not modified).
    overrides : mapping or None
        Dotted path -> value.

    Returns
    -------
    dict

    Raises
    ------
    InvalidParameterError
        ``overrides`` is not a mapping of non-empty dotted names, or a path runs
        through a field that is not a block.
    """
    import copy

    from .errors import InvalidParameterError

    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise InvalidParameterError(
            "overrides", overrides, 'a mapping of dotted scenario keys to values, e.g. {"traffic.mean_rps": 20}'
        )
    if not isinstance(raw, Mapping):
        raise InvalidParameterError("scenario", type(raw).__name__, "a mapping of scenario blocks (YAML)")
    result = copy.deepcopy(dict(raw))
    for path, value in overrides.items():
        parts = path.split(".") if isinstance(path, str) else []
        if not parts or any(not p for p in parts):
            raise InvalidParameterError("overrides key", path, 'a dotted scenario key such as "traffic.mean_rps"')
        if parts[0] in _FLAT_BLOCKS and len(parts) > 1:
            parts = [parts[0], ".".join(parts[1:])]
        node = result
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                where = ".".join(parts[: depth + 1])
                raise InvalidParameterError(
                    f"overrides[{path!r}]", value, f"a path through blocks, but {where!r} is a value ({child!r})"
                )
            node = child
        node[parts[-1]] = copy.deepcopy(value)
    return result


def load_report_scenario(scenario_path: str | Path, overrides: Mapping[str, Any] | None = None):
    """Load and fully validate the report's scenario (its parameters) or raise.

    The file is validated as it is, then again with ``overrides`` applied (see
    :func:`apply_overrides`) by :func:`costmodel.scenario.load_scenario`, and its traffic
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
    costmodel.scenario.Scenario
    """
    from .errors import ScenarioError
    from .scenario import load_scenario

    path = Path(scenario_path)
    if not path.is_file():
        raise ScenarioError(f"scenario_path={str(scenario_path)!r} is not a file: expected a scenario YAML file")
    base = load_scenario(path)
    scenario = load_scenario(apply_overrides(base.raw, overrides), base_dir=base.base_dir) if overrides else base
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
    from .decision import recommend

    return recommend(scenario)


def scenario_markdown(scenario: Any, overrides: Mapping[str, Any] | None = None) -> Any:
    """The report's heading: scenario name, description, file-independent facts, overrides.

    Returns an :class:`IPython.display.Markdown` object (displayed as the cell's output).
    """
    from IPython.display import Markdown

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
    import math

    import numpy as np

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
    from IPython.display import Markdown

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
    if rec.warnings:
        lines += ["", "**Warnings**", ""] + [f"- {w}" for w in rec.warnings]
    if rec.flips:
        lines += ["", "**What would change the verdict**", ""]
        lines += [f"- {f.condition} → **{f.new_verdict}**" for f in rec.flips]
    return Markdown("\n".join(lines))


def signals_frame(rec: Any):
    """The six decision signals: lean, what was measured, one-line reason (a DataFrame)."""
    import pandas as pd

    rows = [{"signal": s.name, "lean": s.lean, "measured": _short(s.measured), "reason": s.reason} for s in rec.signals]
    return pd.DataFrame(rows).set_index("signal")


def rules_frame(rec: Any):
    """The seed's "when not to use" rules: fired or not, and the numbers (a DataFrame)."""
    import pandas as pd

    rows = [{"rule": r.name, "fired": r.fired, "applicable": r.applicable, "reason": r.reason} for r in rec.rules]
    return pd.DataFrame(rows).set_index("rule")


def hard_limits_frame(rec: Any):
    """Lambda's hard limits checked against the declared workload (a DataFrame)."""
    import pandas as pd

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
    from .decision import measure

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
    import plotly.graph_objects as go

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
    import pandas as pd
    from IPython.display import Markdown

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
