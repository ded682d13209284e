"""Report-section views: a decision and its evidence as Markdown, tables and key numbers.

Each function turns a library result (:class:`costmodel.decision.Recommendation`, its
evidence dict, a loaded scenario) into something a notebook cell displays; none computes
a price, a cost or a latency.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import yaml
from IPython.display import Markdown

from costmodel.workbook.display import format_number

__all__ = [
    "scenario_markdown",
    "scenario_yaml_markdown",
    "recommendation_markdown",
    "assumptions_frame",
    "signals_frame",
    "rules_frame",
    "hard_limits_frame",
    "recommendation_numbers",
    "fanout_frame",
]


def scenario_markdown(scenario: Any, overrides: Mapping[str, Any] | None = None) -> Any:
    """The report's heading: scenario name, description, file-independent facts, overrides.

    Returns an :class:`IPython.display.Markdown` object (displayed as the cell's output).
    """
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
    text = yaml.safe_dump(scenario.raw, sort_keys=False, default_flow_style=False, width=100)
    return Markdown(f"```yaml\n{text}```")


def recommendation_markdown(rec: Any) -> Any:
    """The verdict as a short Markdown block: verdict, confidence, deciding step and
    reason, warnings (with numbers) and what would flip it.

    Parameters
    ----------
    rec : costmodel.decision.Recommendation
    """
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


def fanout_frame(evidence: Mapping[str, Any]):
    """The declared fan-out chain at its batch size and batched (a DataFrame), or a
    Markdown note when the workload declares no fan-out."""
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
