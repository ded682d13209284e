"""The report's executive summary: every option in one table, computed once per report.

:func:`report_data` gathers what the report shows (the recommendation and its evidence,
the month's comparison, each platform's latency, which options are infeasible);
:func:`option_summary` turns it into one row per option (monthly and annual cost, the
difference to the cheapest, p99, cold-start share, throttled or timed-out share, status);
:func:`summary_table` formats it for readers; :func:`summary_markdown` and
:func:`summary_csv` export it for design documents; :func:`summary_record` is the
JSON-ready record ``costmodel report --json`` prints; :func:`baseline_changes` compares two
runs (a report with overrides against its baseline).
"""
from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from costmodel.analysis.compare import OPTIONS, Comparison, compare
from costmodel.analysis.latency import PlatformLatency, platform_latency
from costmodel.analysis.rightsizing import ServiceLevelComparison, compare_at_service_level
from costmodel.decision.config import load_decision_signals
from costmodel.decision.evidence import decide, decision_evidence
from costmodel.decision.records import Recommendation
from costmodel.escape import escape_text
from costmodel.models.traffic import HOURS_PER_MONTH
from costmodel.scenario.load import Scenario
from costmodel.scenario.service_level import right_sizing_enabled
from costmodel.workbook.figures import option_name
from costmodel.workbook.tables import format_value, formatted

__all__ = [
    "MONTHS_PER_YEAR",
    "LEFT_OUT_REASONS",
    "SUMMARY_SPEC",
    "ReportData",
    "baseline_changes",
    "baseline_table",
    "option_summary",
    "report_data",
    "summary_csv",
    "summary_markdown",
    "summary_record",
    "summary_table",
]

#: A year is 8,760 h: annual cost = the 730-h month's cost x 12.
MONTHS_PER_YEAR = 8760.0 / HOURS_PER_MONTH
#: Why an option of the comparison is not among the decision's container options.
LEFT_OUT_REASONS = {
    "fargate_spot": "Spot tasks can be stopped with two minutes' notice: not like-for-like for a service",
}

SUMMARY_SPEC = {
    "monthly_usd": ("USD/month", "usd"),
    "annual_usd": ("USD/year", "usd0"),
    "vs_cheapest_usd": ("vs cheapest USD/month", "signed_usd"),
    "vs_cheapest_share": ("vs cheapest %", "signed_share"),
    "p99_ms": ("p99 ms", "ms"),
    "cold_start_share": ("cold starts % of requests", "share"),
    "failed_share": ("throttled or timed out % of requests", "share"),
    "overload_minutes": ("overload min/month", "minutes"),
    "status": ("status", "text"),
}


@dataclass(frozen=True)
class ReportData:
    """What one report shows, computed once.

    Attributes
    ----------
    scenario : Scenario
    recommendation : Recommendation or None
        None when the scenario declares no ``workload``/``team`` (no verdict).
    evidence : dict
        The recommendation's evidence (or the same measurements without a verdict).
    comparison : Comparison
    latency : PlatformLatency
    infeasible : dict of option -> reason
        Options a hard limit rules out (kept out of charts that would mislead).
    considered : tuple of str
        The container options the decision compares Lambda with.
    service_level : ServiceLevelComparison or None
        The options right-sized to the scenario's service level next to the options as
        configured (``comparison`` is its ``right_sized``); None when
        ``service_level.right_size`` is false (``comparison`` prices the options as configured).
    """

    scenario: Scenario
    recommendation: Recommendation | None
    evidence: dict
    comparison: Comparison
    latency: PlatformLatency
    infeasible: dict = field(default_factory=dict)
    considered: tuple = ()
    service_level: ServiceLevelComparison | None = None

    @property
    def compared_against(self) -> str | None:
        """The container option the verdict's cost ratio uses."""
        return self.evidence.get("cheapest_container_option")

    @property
    def cheapest(self) -> str:
        """The cheapest feasible option that meets the service level (right-sized), or that is
        never overloaded (as configured); else the cheapest feasible."""
        t = self.comparison.table
        feasible = t[~t.index.isin(list(self.infeasible))]
        ok = feasible[[self.meets(str(o)) for o in feasible.index]]
        return str((ok if len(ok) else feasible)["monthly_usd"].idxmin())

    def meets(self, option: str) -> bool:
        """Right-sized: the option meets the service level (brief overloads a queue absorbs
        within the target may remain). As configured: it is never overloaded."""
        if self.service_level is not None:
            return bool(self.service_level.table.loc[option, "meets"])
        return bool(self.comparison.table["overload_minutes"].to_dict()[option] <= 0)


def _infeasible(rec: Recommendation | None) -> dict[str, str]:
    if rec is None:
        return {}
    violated = [c for c in rec.hard_limits if c.violated]
    if not violated:
        return {}
    return {"lambda": "hard limit: " + "; ".join(c.reason for c in violated)}


def report_data(scenario: Scenario, recommendation: Recommendation | None = None, *,
                decided: bool = False) -> ReportData:
    """Everything the report shows for a (validated) scenario.

    Parameters
    ----------
    scenario : Scenario
        From :func:`costmodel.workbook.parameters.load_report_scenario`.
    recommendation : Recommendation, optional
        Already computed (``decided=True`` also when it is None because the scenario has
        no decision blocks); otherwise :func:`costmodel.decision.evidence.decide` runs.
    """
    rec = recommendation if (recommendation is not None or decided) else decide(scenario)
    evidence = decision_evidence(scenario, rec)
    # the options the verdict compares: right-sized to the service level (cached on the scenario,
    # so the decision's own search is reused), or as configured when service_level.right_size is false
    slc = compare_at_service_level(scenario) if right_sizing_enabled(scenario) else None
    sized = slc.sizing.scenario if slc is not None else scenario
    cmp = slc.right_sized if slc is not None else compare(scenario)
    considered = tuple(load_decision_signals()["signals"]["cost_model"]["container_options"])
    return ReportData(scenario=scenario, recommendation=rec, evidence=evidence, comparison=cmp,
                      latency=platform_latency(sized, cmp), infeasible=_infeasible(rec), considered=considered,
                      service_level=slc)


def _status(data: ReportData, option: str, overload_min: float) -> str:
    notes = []
    if option in data.infeasible:
        notes.append(f"INFEASIBLE ({data.infeasible[option]})")
    if option == data.cheapest:
        notes.append("cheapest")
    left_out = data.evidence.get("left_out") or {}
    if option == data.compared_against:
        notes.append("the verdict compares Lambda with this")
    elif option != "lambda" and (option not in data.considered or str(left_out.get(option, "")).startswith("not ")):
        notes.append("left out of the verdict (see below)")
    if overload_min > 0 and data.service_level is not None and data.meets(option):
        notes.append(f"over capacity {overload_min:,.0f} min/month, within the service level")
    elif overload_min > 0:
        notes.append(f"OVERLOADED {overload_min:,.0f} min/month: cost is a lower bound")
    return "; ".join(notes) or "–"


def option_summary(data: ReportData) -> pd.DataFrame:
    """One row per option (index: option keys in the comparison's order).

    Columns: ``monthly_usd`` [USD], ``annual_usd`` [USD, 12 months], ``vs_cheapest_usd``
    [USD/month] and ``vs_cheapest_share`` [-] against :attr:`ReportData.cheapest`,
    ``p99_ms`` [ms], ``cold_start_share`` [-] (Lambda), ``failed_share`` [-] (Lambda:
    throttled; containers: timed out at the front door), ``overload_minutes``
    [min/month], ``feasible`` (bool) and ``status`` (text).
    """
    t = data.comparison.table
    cheapest_usd = float(t["monthly_usd"][data.cheapest])
    rows = {}
    for option in t.index:
        usd = float(t.loc[option, "monthly_usd"])
        lat = data.latency.for_option(str(option))
        is_lambda = option == "lambda"
        rows[option] = {
            "monthly_usd": usd,
            "annual_usd": usd * MONTHS_PER_YEAR,
            "vs_cheapest_usd": usd - cheapest_usd,
            "vs_cheapest_share": (usd - cheapest_usd) / cheapest_usd if cheapest_usd > 0 else np.nan,
            "p99_ms": lat.p99_ms if lat is not None else np.nan,
            "cold_start_share": lat.cold_start_fraction if (is_lambda and lat is not None) else np.nan,
            "failed_share": (np.nan if lat is None else lat.throttle_fraction if is_lambda else lat.timeout_fraction),
            "overload_minutes": float(t.loc[option, "overload_minutes"]),
            "feasible": option not in data.infeasible,
            "status": _status(data, str(option), float(t.loc[option, "overload_minutes"])),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "option"
    return frame


def summary_table(data: ReportData) -> pd.DataFrame:
    """:func:`option_summary` as display strings: units in the headers, separators,
    infeasible options' comparisons left blank."""
    summary = option_summary(data)
    for column in ("vs_cheapest_usd", "vs_cheapest_share"):
        summary.loc[~summary["feasible"], column] = np.nan
    return formatted(summary, SUMMARY_SPEC, index_name="option", index_labels=_names())


def _names() -> dict[str, str]:
    return {o: option_name(o) for o in OPTIONS}


def summary_markdown(data: ReportData) -> str:
    """The summary as Markdown for a design document: title, verdict, the option table
    (a pipe table) and what the verdict compared. Scenario text is escaped."""
    rec = data.recommendation
    lines = [f"# Lambda or containers? {escape_text(data.scenario.name, 'markdown')}", ""]
    if rec is not None:
        lines.append(f"**Verdict: {rec.verdict}** ({rec.confidence} confidence), decided by `{rec.decided_by}`: "
                     f"{escape_text(rec.reason, 'markdown')}.")
    else:
        lines.append("No verdict: the scenario declares no `workload` or `team` block.")
    if data.compared_against:
        lines.append(f"Compared against: {option_name(data.compared_against)}.")
    if data.service_level is not None:
        lines.append("Costs at equal service level: every option right-sized to "
                     f"{escape_text(data.service_level.sizing.service_level.describe(), 'markdown')}, then priced.")
    else:
        lines.append("Costs of the options as configured (`service_level.right_size: false`).")
    lines.append("")
    table = summary_table(data)
    headers = [table.index.name or "option", *table.columns]
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(headers) - 2) + ["---"]) + "|")
    for name, row in table.iterrows():
        cells = [str(name), *(str(v) for v in row)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += ["", f"Costs for a 730-h month of traffic (AWS's convention); a year is 12 such months. "
                  f"Prices: {data.scenario.region}, price set {data.scenario.prices().price_set}."]
    return "\n".join(lines) + "\n"


def _rounded(value: Any, digits: int = 10) -> Any:
    """A float to ``digits`` significant figures (no binary noise such as 3218400.000000001)."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        return value
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return None
        return float(f"{v:.{digits}g}")
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def summary_csv(data: ReportData) -> str:
    """:func:`option_summary` as CSV (numbers unformatted, units in the column names)."""
    frame = option_summary(data).map(_rounded)
    buf = io.StringIO()
    frame.to_csv(buf, lineterminator="\n")
    return buf.getvalue()


def summary_record(data: ReportData) -> dict[str, Any]:
    """The report's key results as a JSON-ready dict (rounded, no NaN)."""
    rec = data.recommendation
    summary = option_summary(data)
    return {
        "scenario": data.scenario.name,
        "verdict": rec.verdict if rec else None,
        "confidence": rec.confidence if rec else None,
        "decided_by": rec.decided_by if rec else None,
        "compared_against": data.compared_against,
        "cheapest": data.cheapest,
        "infeasible": dict(data.infeasible),
        "requests_per_month": _rounded(data.comparison.requests),
        "options": {str(o): {k: _rounded(v) for k, v in row.items()} for o, row in summary.iterrows()},
        "break_even_mean_rps": {k: _rounded(v) for k, v in (data.evidence.get("break_even_mean_rps") or {}).items()},
        "price_set": data.scenario.prices().price_set,
    }


def baseline_changes(before: ReportData, after: ReportData) -> pd.DataFrame:
    """Verdict, costs, p99s and shares of two runs side by side (numbers and text).

    Returns
    -------
    pandas.DataFrame
        Index: what; columns ``baseline``, ``this run``, ``change`` (display strings).
    """
    rows: dict[str, tuple[str, str, str]] = {}
    rb, ra = before.recommendation, after.recommendation
    if rb is not None or ra is not None:
        vb = f"{rb.verdict} ({rb.confidence})" if rb else "–"
        va = f"{ra.verdict} ({ra.confidence})" if ra else "–"
        rows["verdict"] = (vb, va, "changed" if vb != va else "same")
        rows["decided by"] = (rb.decided_by if rb else "–", ra.decided_by if ra else "–", "")
    sb, sa = option_summary(before), option_summary(after)
    for option in sa.index:
        b, a = float(sb.loc[option, "monthly_usd"]), float(sa.loc[option, "monthly_usd"])
        change = format_value(a - b, "signed_usd") + (f" ({format_value((a - b) / b, 'signed_share')})" if b else "")
        rows[f"{option_name(str(option))} (USD/month)"] = (format_value(b, "usd"), format_value(a, "usd"), change)
    for label, option in (("Lambda", "lambda"), ("Fargate", "fargate_on_demand"), ("EC2", "ec2_on_demand")):
        b_ms, a_ms = float(sb["p99_ms"][option]), float(sa["p99_ms"][option])
        d = round(a_ms - b_ms) if np.isfinite(a_ms) and np.isfinite(b_ms) else None
        change = "–" if d is None else f"{d:+,}" if d else "0"
        rows[f"{label} p99 (ms)"] = (format_value(b_ms, "ms"), format_value(a_ms, "ms"), change)
    rows["Lambda cold starts (% of requests)"] = (format_value(sb.loc["lambda", "cold_start_share"], "share"),
                                                  format_value(sa.loc["lambda", "cold_start_share"], "share"), "")
    rows["cheapest option"] = (option_name(before.cheapest), option_name(after.cheapest),
                               "changed" if before.cheapest != after.cheapest else "same")
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["baseline", "this run", "change"])
    frame.index.name = "what"
    return frame


def baseline_table(before: ReportData, after: ReportData, overrides: Mapping[str, Any]) -> tuple[str, pd.DataFrame]:
    """A Markdown heading line naming the overrides (escaped) and :func:`baseline_changes`."""
    changed = ", ".join(f"{escape_text(k, 'markdown_code')} = {escape_text(repr(v), 'markdown_code')}"
                        for k, v in overrides.items())
    heading = (f"## Changed from the baseline\n\nThis run overrides {changed}; "
               "the baseline is the scenario file as it is.")
    return heading, baseline_changes(before, after)
