"""Terminal text of a recommendation: verdict, a table per signal, limits, rules, evidence.

``records`` imports this module (``Recommendation.to_text``), so it takes the records untyped
(``Any``) rather than importing their types back.
"""
from __future__ import annotations

import math
import textwrap
from typing import Any

from costmodel.models.batch_jobs import table_lines

__all__ = ["render_text", "fmt", "ratio_text"]


# =========================================================================== the procedure
def fmt(v: Any) -> str:
    """A number as text: booleans as true/false, whole numbers with thousands separators,
    other floats to 4 significant figures."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isinf(v):
            return "unbounded"
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


def ratio_text(ratio: float) -> str:
    """A cost ratio as ``2.80x``; below 0.01 to two significant figures (``0.0012x``) and
    exactly zero as ``0x`` (never ``0.00x`` for a ratio that is not zero)."""
    if ratio == 0:
        return "0x"
    if abs(ratio) < 0.01:
        return f"{ratio:.2g}x"
    return f"{ratio:,.2f}x"


# =========================================================================== text output
def _table(headers: list[str], rows: list[list[str]], max_widths: list[int] | None = None) -> list[str]:
    max_widths = max_widths or [60] * len(headers)
    wrapped = [[textwrap.wrap(str(c), w) or [""] for c, w in zip(r, max_widths)] for r in rows]
    widths = [max([len(headers[i])] + [len(line) for r in wrapped for line in r[i]])
              for i in range(len(headers))]
    sep = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    out = [sep, "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |", sep]
    for r in wrapped:
        for j in range(max(len(c) for c in r)):
            out.append("| " + " | ".join((c[j] if j < len(c) else "").ljust(w) for c, w in zip(r, widths)) + " |")
    out.append(sep)
    return out


def _measured_text(s: Any) -> str:
    if s.measured is None:
        return "-"
    if isinstance(s.measured, list):
        return ", ".join(s.measured) or "none"
    if s.name == "execution_duration":
        return f"{fmt(float(s.measured))} s max"
    if s.name == "cost_model":
        return ratio_text(float(s.measured))
    return fmt(s.measured)


def _ms(v: Any) -> str:
    if v is None:
        return "-"
    v = float(v)
    if math.isinf(v):
        return "unbounded"
    return f"{v:,.0f} ms" if v < 10_000 else f"{v / 1000:,.1f} s"


def _service_level_lines(sl: Any) -> list[str]:
    """The comparison at equal service level: per option, as configured vs right-sized and what it took."""
    if not sl:
        return []
    label = f"p{float(sl['percentile']):g}"
    rows = []
    for name, o in sl["options"].items():
        key = name if name == "lambda" else f"{name}_on_demand"
        before = o["as_configured_monthly_usd"].get(key)
        after = o["right_sized_monthly_usd"].get(key)
        added = o["added_monthly_usd"].get(key)
        rows.append([
            key,
            f"${before:,.2f}, {label} {_ms(o['configured_latency_ms'])}"
            + ("" if o["configured_meets"] else " (misses)"),
            f"${after:,.2f}, {label} {_ms(o['latency_ms'])}" + ("" if o["meets"] else
                                                                   f" (MISSES by {_ms(o['miss_ms'])})"),
            f"{added:+,.2f}",
            "; ".join(o["changes"]),
        ])
    out = ["", f"At equal service level: {sl['text']}"]
    out += _table(["option", "as configured", "right-sized (compared)", "USD/month", "what it took"], rows,
                  [18, 26, 30, 10, 60])
    return out


def render_text(rec: Any) -> str:
    lines = [f"Scenario: {rec.scenario}",
             f"Verdict:  {rec.verdict.upper()}  (confidence {rec.confidence}; decided by {rec.decided_by})",
             f"Why:      {rec.reason}", "",
             "Decision signals (seed table)"]
    lines += _table(["signal", "lean", "measured", "reason"],
                    [[s.name, s.lean, _measured_text(s), s.reason] for s in rec.signals],
                    [20, 10, 20, 70])
    t = rec.tally
    lines.append(f"Tally: {t['serverless']} serverless, {t['containers']} containers, {t['neutral']} neutral")
    lines += ["", "Hard limits (AWS Lambda)"]
    lines += _table(["limit", "status", "check"],
                    [[c.name, "VIOLATED" if c.violated else "ok", c.reason] for c in rec.hard_limits],
                    [24, 8, 80])
    lines += ["", "When not to use (seed)"]
    lines += _table(["rule", "status", "numbers"],
                    [[r.name, "FIRES" if r.fired else ("no" if r.applicable else "n/a"), r.reason]
                     for r in rec.rules], [26, 6, 80])
    ev = rec.evidence
    lines += ["", "Evidence"]
    rows = []
    for opt, usd in (ev.get("monthly_usd") or {}).items():
        rows.append([f"monthly cost: {opt}", "-" if usd is None else f"${usd:,.2f}"])
    for opt, rps in (ev.get("break_even_mean_rps") or {}).items():
        rows.append([f"break-even mean rate vs {opt}", "no crossing" if rps is None else f"{rps:,.3g} req/s"])
    chain = rec.workload.sync_chain_depth > 1
    for key, label, unit in (("lambda_p99_ms", "Lambda p99 (one function)", "ms"),
                             ("lambda_warm_p99_ms", "Lambda p99 if every request were warm", "ms"),
                             ("container_p99_ms", "Fargate p99 (queueing + scale-out backlog)", "ms"),
                             ("chain_p99_ms", f"{rec.workload.sync_chain_depth}-hop chain p99 on Lambda", "ms"),
                             ("container_chain_p99_ms", f"{rec.workload.sync_chain_depth}-hop chain p99, all warm", "ms")):
        if key.startswith(("chain", "container_chain")) and not chain:
            continue
        if ev.get(key) is not None:
            rows.append([label, f"{ev[key]:,.0f} {unit}"])
    if ev.get("container_timeout_fraction"):
        rows.append(["Fargate requests timed out during scale-out",
                     f"{100 * ev['container_timeout_fraction']:.3f} %"])
    if ev.get("cold_start_fraction") is not None:
        rows.append(["cold-start share", f"{100 * ev['cold_start_fraction']:.3f} %"])
    if rows:
        lines += _table(["quantity", "value"], rows, [44, 30])
    against = ev.get("compared_against")
    if against:
        lines.append(f"Compared against: {against['option']} (${against['monthly_usd']:,.2f}/month), "
                     f"{against['why']}")
    if ev.get("left_out"):
        lines.append("Left out of the comparison:")
        lines += [f"- {o}: {why}" for o, why in ev["left_out"].items()]
    if ev.get("front_door"):
        lines.append(f"Front door: {ev['front_door']}")
    if ev.get("assumptions"):
        lines.append("Assumptions the prices rest on:")
        lines += [f"- {a}" for a in ev["assumptions"]]
    lines += _service_level_lines(ev.get("service_level"))
    for note in ev.get("notes") or []:
        lines.append(f"note: {note}")
    if ev.get("long_running"):
        lines += table_lines(ev["long_running"])
    if rec.flips:
        lines += ["", "What would flip the verdict"]
        lines += _table(["change", "new verdict"], [[f.condition, f.new_verdict] for f in rec.flips], [80, 12])
    checked = ev.get("assumptions_checked") or []
    steady = [row["label"] for row in checked if not row.get("flips")]
    if steady:
        lines.append("Assumptions checked over their plausible range without a flip: " + ", ".join(steady))
    if rec.warnings:
        lines += ["", "Warnings"] + [f"- {w}" for w in rec.warnings]
    return "\n".join(lines)
