"""The decision procedure: hard limits, declared preference, "when not to use" rules, then
the tally of the six signals; and the flips (the same procedure re-run with one fact
changed). Pure: it takes facts and configuration, never a scenario."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from costmodel.decision.config import CLOUD_OPS_EXPERIENCE, LEANS, load_decision_signals, load_hard_limits
from costmodel.decision.records import Facts, Flip, LimitCheck, RuleCheck, SignalLean, Team, Workload
from costmodel.decision.text import fmt as _fmt
from costmodel.decision.text import ratio_text
from costmodel.errors import UnknownNameError

__all__ = ["check_hard_limits", "evaluate_signals", "evaluate_rules", "evaluate", "flips", "advisories",
           "RULE_TEXT"]



def check_hard_limits(workload: Workload, limits: Any = None) -> tuple[LimitCheck, ...]:
    """Check every hard limit of ``hard_limits.yaml`` against the declared workload.

    Parameters
    ----------
    workload : Workload
    limits : path, mapping or None
        See :func:`load_hard_limits`.

    Returns
    -------
    tuple of LimitCheck
        One per limit, in file order; ``violated`` says whether it decides.
    """
    cfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    out = []
    for name, lim in cfg["hard_limits"].items():
        value = getattr(workload, lim["fact"])
        if lim["op"] == ">":
            violated = value is not None and float(value) > float(lim["limit"])
        else:
            violated = value == lim["limit"]
        unit = lim.get("unit", "") or ""
        if lim["op"] == ">":
            shown = f"{_fmt(value)} {unit}".strip() if value is not None else "not declared"
            rel = "exceeds" if violated else "within"
            reason = f"{lim['fact']} = {shown} {rel} Lambda's limit of {_fmt(lim['limit'])} {unit}".strip()
        else:
            reason = (f"{lim['fact']} declared: Lambda cannot provide it" if violated
                      else f"{lim['fact']} not required")
        out.append(LimitCheck(
            name=name, fact=lim["fact"], value=value, limit=lim["limit"], unit=unit,
            violated=bool(violated), aws_limit=" ".join(str(lim["aws_limit"]).split()),
            source_url=lim["source_url"], fix=" ".join(str(lim.get("fix", "")).split()),
            reason=reason))
    return tuple(out)


def advisories(workload: Workload, cfg: dict) -> list[str]:
    out = []
    hard = {lim["fact"]: float(lim["limit"]) for lim in cfg["hard_limits"].values() if lim["op"] == ">"}
    for name, adv in (cfg.get("advisories") or {}).items():
        value = getattr(workload, adv["fact"], None)
        if value is not None and adv["fact"] in hard and float(value) > hard[adv["fact"]]:
            continue  # the hard limit itself is reported
        if value is not None and adv["op"] == ">" and float(value) > float(adv["limit"]):
            out.append(f"{name}: {adv['fact']} = {_fmt(value)} {adv.get('unit', '')} > "
                       f"{_fmt(adv['limit'])} {adv.get('unit', '')}: " + " ".join(adv["note"].split()))
    return out


def evaluate_signals(facts: Facts, workload: Workload, team: Team, signals: Any = None,
                     limits: Any = None) -> tuple[SignalLean, ...]:
    """The lean of each of the six signals, with a one-line reason.

    Pure: depends only on its arguments and the thresholds in the config files.

    Returns
    -------
    tuple of SignalLean
        In the order of :data:`SIGNAL_NAMES`.
    """
    cfg = signals if isinstance(signals, dict) and "signals" in signals else load_decision_signals(signals)
    lcfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    sig = cfg["signals"]
    out = []

    # 1 traffic pattern
    table = sig["traffic_pattern"]["lean_by_label"]
    label = facts.traffic_label
    if label is None:
        out.append(SignalLean("traffic_pattern", "neutral", None, "traffic shape not measured"))
    else:
        if label not in table:
            raise UnknownNameError("traffic label (decision_signals.yaml: lean_by_label)", label, table)
        detail = _traffic_detail(facts.traffic or {})
        out.append(SignalLean("traffic_pattern", table[label], label,
                              f"traffic is {label} ({detail}): seed says "
                              + ("bursty/variable/infrequent suits serverless" if table[label] == "serverless"
                                 else "steady/predictable suits containers" if table[label] == "containers"
                                 else "a regular daily cycle favours neither")))

    # 2 execution duration
    d = workload.max_duration_s
    hard_s = float(lcfg["hard_limits"]["execution_duration"]["limit"]) \
        if "execution_duration" in lcfg["hard_limits"] else 900.0
    easy_s = float(sig["execution_duration"]["serverless_max_s"])
    if d > hard_s:
        out.append(SignalLean("execution_duration", "containers", d,
                              f"longest invocation {_fmt(d)} s exceeds Lambda's {hard_s:g} s limit"))
    elif d <= easy_s:
        out.append(SignalLean("execution_duration", "serverless", d,
                              f"longest invocation {_fmt(d)} s is within {easy_s:g} s, well under Lambda's {hard_s:g} s"))
    else:
        out.append(SignalLean("execution_duration", "neutral", d,
                              f"longest invocation {_fmt(d)} s fits Lambda's {hard_s:g} s but exceeds {easy_s:g} s "
                              "(little headroom for slow dependencies)"))

    # 3 state requirements
    stateful = [k for k in ("in_process_state", "long_lived_connections") if getattr(workload, k)]
    if stateful:
        out.append(SignalLean("state_requirements", "containers", stateful,
                              f"needs {' and '.join(s.replace('_', ' ') for s in stateful)} between requests"))
    else:
        out.append(SignalLean("state_requirements", "serverless", [],
                              "stateless between requests; state lives in managed storage"))

    # 4 ops preference
    lean = sig["ops_preference"]["lean_by_value"][team.ops_preference]
    out.append(SignalLean("ops_preference", lean, team.ops_preference,
                          f"team prefers to {team.ops_preference.replace('_', ' ')}"))

    # 5 cost model
    c = sig["cost_model"]
    ratio = facts.cost_ratio
    if ratio is None:
        out.append(SignalLean("cost_model", "neutral", None,
                              "no cost comparison available" + (f" ({facts.notes[0]})" if facts.notes else "")))
    else:
        lo, hi = float(c["serverless_if_ratio_at_most"]), float(c["containers_if_ratio_at_least"])
        lean = "serverless" if ratio <= lo else "containers" if ratio >= hi else "neutral"
        cmp_ = f"<= {lo:g}" if lean == "serverless" else f">= {hi:g}" if lean == "containers" else f"between {lo:g} and {hi:g}"
        over = (f"; {facts.container_option} overloaded {facts.container_overload_minutes:,.0f} min/month, "
                "so its cost is a lower bound" if facts.container_overload_minutes else "")
        be = (facts.break_even_mean_rps or {}).get(facts.container_option)
        mean = (facts.traffic or {}).get("mean_rps")
        be_txt = (f"; break-even at {be:,.3g} req/s mean" + (f" (now {mean:,.3g} req/s)" if mean is not None else "")
                  if be else "")
        out.append(SignalLean("cost_model", lean, round(ratio, 4),
                              f"Lambda ${facts.lambda_monthly_usd:,.2f}/month vs {facts.container_option} "
                              f"${facts.container_monthly_usd:,.2f}/month: ratio {ratio_text(ratio)} ({cmp_}){be_txt}{over}"))

    # 6 debugging maturity
    lean = sig["debugging_maturity"]["lean_by_value"][team.debugging_maturity]
    out.append(SignalLean("debugging_maturity", lean, team.debugging_maturity,
                          f"team uses {team.debugging_maturity.replace('_', ' ')}"))
    return tuple(out)


def _traffic_detail(t: Mapping) -> str:
    """'mean 5 req/s, peak/mean 2.7, CV 0.56, idle 0% of steps' from the traffic signals."""
    parts = []
    mean = t.get("mean_rps")
    if mean is not None and not _isnan(mean):
        parts.append(f"mean {mean:,.3g} req/s" if mean >= 0.1 else f"mean {mean * 86400:,.4g} requests/day")
    for key, label in (("peak_to_mean", "peak/mean"), ("cv", "CV"), ("idle_fraction", "idle steps")):
        v = t.get(key)
        if v is not None and not _isnan(v):
            text = f"{v:.1%}" if key == "idle_fraction" else (f"{v:,.0f}" if v >= 100 else f"{v:.3g}")
            parts.append(f"{label} {text}")
    return ", ".join(parts)


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def evaluate_rules(facts: Facts, workload: Workload, team: Team, limits: Any = None,
                   signals: Any = None) -> tuple[RuleCheck, ...]:
    """The seed's "when not to use" rules, each with the numbers that decide it.

    Returns
    -------
    tuple of RuleCheck
        ``sustained_high_throughput``, ``sync_chain_breaks_slo``, ``limited_cloud_ops``
        (those present in the limits file).
    """
    cfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    rules = cfg["when_not_to_use"]
    out = []
    if "sustained_high_throughput" in rules:
        r = rules["sustained_high_throughput"]
        labels = list(r["traffic_labels"])
        k = float(r["lambda_to_container_cost_ratio_at_least"])
        ratio = facts.cost_ratio
        applicable = ratio is not None and facts.traffic_label is not None
        fired = bool(applicable and ratio is not None and facts.traffic_label in labels and ratio >= k)
        if not applicable or ratio is None:
            reason = "cost comparison or traffic shape not available"
        else:
            sustained = facts.traffic_label in labels
            reason = (f"traffic {facts.traffic_label} ({'sustained' if sustained else 'not sustained'}: "
                      f"{'/'.join(labels)}), Lambda costs {ratio_text(ratio)} {facts.container_option} "
                      f"({'>=' if ratio >= k else '<'} {k:g}x)")
        out.append(RuleCheck("sustained_high_throughput", fired, applicable, reason,
                             {"cost_ratio": ratio, "ratio_threshold": k, "traffic_label": facts.traffic_label,
                              "sustained_labels": labels}))
    if "sync_chain_breaks_slo" in rules:
        r = rules["sync_chain_breaks_slo"]
        depth_min = int(r["min_chain_depth"])
        slo = workload.latency_slo_p99_ms
        p99 = facts.chain_p99_ms
        applicable = workload.sync_chain_depth >= depth_min and slo is not None and p99 is not None
        fired = bool(applicable and p99 is not None and slo is not None and p99 > slo)
        if workload.sync_chain_depth < depth_min:
            reason = f"sync chain depth {workload.sync_chain_depth} < {depth_min}: no chain"
        elif slo is None:
            reason = "no latency SLO declared"
        elif p99 is None:
            reason = "chain latency not measured"
        else:
            cont = (f"; every hop warm (a long-lived service): {facts.container_chain_p99_ms:,.0f} ms"
                    if facts.container_chain_p99_ms is not None else "")
            reason = (f"{workload.sync_chain_depth}-function sync chain: Lambda p99 {p99:,.0f} ms "
                      f"{'>' if fired else '<='} SLO {slo:,.0f} ms{cont}")
        out.append(RuleCheck("sync_chain_breaks_slo", fired, applicable, reason,
                             {"sync_chain_depth": workload.sync_chain_depth, "min_chain_depth": depth_min,
                              "chain_p99_ms": p99, "latency_slo_p99_ms": slo,
                              "chain_warm_p99_ms": facts.chain_warm_p99_ms,
                              "container_chain_p99_ms": facts.container_chain_p99_ms}))
    if "limited_cloud_ops" in rules:
        levels = list(rules["limited_cloud_ops"]["cloud_ops_experience"])
        fired = team.cloud_ops_experience in levels
        reason = (f"team cloud-ops experience is {team.cloud_ops_experience}"
                  + (f" ({'/'.join(levels)} triggers the rule)" if fired else ""))
        out.append(RuleCheck("limited_cloud_ops", fired, True, reason,
                             {"cloud_ops_experience": team.cloud_ops_experience, "trigger_levels": levels}))
    return tuple(out)


RULE_TEXT = {
    "sustained_high_throughput": "sustained high throughput where containers are much cheaper",
    "sync_chain_breaks_slo": "a synchronous chain whose end-to-end p99 breaks the SLO",
    "limited_cloud_ops": "limited cloud-operations experience",
}


def _tally(leans: tuple[SignalLean, ...]) -> dict:
    t = dict.fromkeys(LEANS, 0)
    for s in leans:
        t[s.lean] += 1
    return t


def evaluate(facts: Facts, workload: Workload, team: Team, *, signals: Any = None,
             limits: Any = None, honour_preference: bool = True) -> dict:
    """Run the decision procedure on measured facts (pure; no models are called).

    Parameters
    ----------
    facts : Facts
    workload : Workload
    team : Team
    signals, limits : path, mapping or None
        See :func:`load_decision_signals`, :func:`load_hard_limits`.
    honour_preference : bool
        Apply step 2 (a declared ``deployment_preference``).

    Returns
    -------
    dict
        ``verdict``, ``confidence``, ``decided_by``, ``reason``, ``signals``,
        ``tally``, ``hard_limits``, ``rules``, ``analysis_verdict``.
    """
    scfg = signals if isinstance(signals, dict) and "signals" in signals else load_decision_signals(signals)
    lcfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    checks = check_hard_limits(workload, lcfg)
    leans = evaluate_signals(facts, workload, team, scfg, lcfg)
    rules = evaluate_rules(facts, workload, team, lcfg, scfg)
    tally = _tally(leans)
    margin = tally["serverless"] - tally["containers"]
    vcfg = scfg["verdict"]

    violated = [c for c in checks if c.violated]
    fired = [r for r in rules if r.fired]
    if violated:
        verdict, confidence = "containers", "high"
        decided_by = f"hard_limit:{violated[0].name}"
        reason = "hard limit: " + "; ".join(c.reason for c in violated)
    elif fired:
        verdict = "containers"
        agree = tally["containers"] >= tally["serverless"]
        confidence = "high" if (len(fired) >= 2 or agree) else "medium"
        decided_by = f"rule:{fired[0].name}"
        reason = "when not to use: " + "; ".join(f"{RULE_TEXT[r.name]} ({r.reason})" for r in fired)
    else:
        decided_by = "tally"
        if margin >= vcfg["min_margin"]:
            verdict = "serverless"
        elif -margin >= vcfg["min_margin"]:
            verdict = "containers"
        else:
            verdict = "either"
        confidence = ("high" if abs(margin) >= vcfg["high_confidence_margin"]
                      else "medium" if abs(margin) >= vcfg["min_margin"] else "low")
        reason = (f"{tally['serverless']} signal(s) lean serverless, {tally['containers']} containers, "
                  f"{tally['neutral']} neutral (a verdict needs a margin of {vcfg['min_margin']})")
    analysis_verdict = verdict
    pref = workload.deployment_preference
    if honour_preference and pref != "either":
        declared = "serverless" if pref == "serverless_only" else "containers"
        confidence = "high" if analysis_verdict in (declared, "either") else "low"
        reason = (f"declared deployment_preference {pref}; the analysis alone says {analysis_verdict} "
                  f"({reason})")
        verdict, decided_by = declared, "declared:deployment_preference"
    return {"verdict": verdict, "confidence": confidence, "decided_by": decided_by, "reason": reason,
            "signals": leans, "tally": tally, "hard_limits": checks, "rules": rules,
            "analysis_verdict": analysis_verdict}


# =========================================================================== flips
def flips(facts: Facts, workload: Workload, team: Team, scfg: dict, lcfg: dict,
           base_verdict: str, cost_flip_rates: dict) -> tuple[Flip, ...]:
    """Re-run the procedure with one fact changed; keep the changes that flip the verdict."""
    out: list[Flip] = []

    def run(f: Facts = facts, w: Workload = workload, t: Team = team) -> str:
        return evaluate(f, w, t, signals=scfg, limits=lcfg)["verdict"]

    # cost: mean-rate thresholds found with the comparison (see _cost_flip_rates)
    for item in cost_flip_rates.get("flips", []):
        f2 = replace(facts, lambda_monthly_usd=item["lambda_monthly_usd"],
                     container_monthly_usd=item["container_monthly_usd"],
                     container_option=item["container_option"])
        nv = run(f=f2)
        if nv != base_verdict:
            out.append(Flip("traffic.mean_rps", item["condition"], nv, item["how"]))
    # traffic shape
    for label in scfg["signals"]["traffic_pattern"]["lean_by_label"]:
        if label != facts.traffic_label and facts.traffic_label is not None:
            nv = run(f=replace(facts, traffic_label=label))
            if nv != base_verdict:
                out.append(Flip("traffic_label", f"if the traffic were {label} (same mean rate and costs)", nv,
                                "procedure re-run with the traffic label changed"))
    # team facts
    for key, values in (("ops_preference", tuple(scfg["signals"]["ops_preference"]["lean_by_value"])),
                        ("debugging_maturity", tuple(scfg["signals"]["debugging_maturity"]["lean_by_value"])),
                        ("cloud_ops_experience", CLOUD_OPS_EXPERIENCE)):
        for v in values:
            if v != getattr(team, key):
                nv = run(t=replace(team, **{key: v}))
                if nv != base_verdict:
                    out.append(Flip(f"team.{key}", f"if team.{key} were {v}", nv,
                                    "procedure re-run with this team fact changed"))
    # workload facts
    hl = lcfg["hard_limits"]
    # (workload key or keys, new value or values, condition text); values are of each key's type
    changes: list[tuple[str | tuple[str, ...], Any, str]] = []
    if "execution_duration" in hl:
        lim = float(hl["execution_duration"]["limit"])
        if workload.max_duration_s > lim:
            changes.append(("max_duration_s", lim,
                            f"if every invocation finished within {lim:g} s (e.g. split into Step Functions steps)"))
        else:
            changes.append(("max_duration_s", lim + 1,
                            f"if an invocation ran longer than {lim:g} s"))
    for key in ("in_process_state", "long_lived_connections", "gpu"):
        cur = getattr(workload, key)
        changes.append((key, not cur, f"if workload.{key} were {_fmt(not cur)}"))
    for name, key in (("sync_payload", "sync_payload_mb"), ("async_message", "async_message_kb")):
        if name in hl and getattr(workload, key) > float(hl[name]["limit"]):
            changes.append((key, float(hl[name]["limit"]),
                            f"if workload.{key} were at most {_fmt(float(hl[name]['limit']))} "
                            f"({' '.join(str(hl[name].get('fix', '')).split())})"))
    if "memory" in hl and workload.max_memory_mb is not None and workload.max_memory_mb > float(hl["memory"]["limit"]):
        changes.append(("max_memory_mb", float(hl["memory"]["limit"]),
                        f"if an invocation needed at most {_fmt(float(hl['memory']['limit']))} MB"))
    if workload.sync_chain_depth > 1:
        changes.append(("sync_chain_depth", 1, "if the chain were collapsed into one function (depth 1)"))
    # several hard limits violated: no single change flips, so also try lifting them all
    violated = [c for c in check_hard_limits(workload, lcfg) if c.violated]
    if len(violated) >= 2:
        lifted = {c.fact: (float(c.limit) if hl[c.name]["op"] == ">" else (not c.limit)) for c in violated}
        changes.append((tuple(lifted), tuple(lifted.values()),
                        "if every violated hard limit were lifted: " + "; ".join(c.fix for c in violated if c.fix)))
    for keys, value, cond in changes:
        upd: dict[str, Any] = dict(zip(keys, value)) if isinstance(keys, tuple) else {keys: value}
        key = "+".join(keys) if isinstance(keys, tuple) else keys
        w2 = replace(workload, **upd, deployment_preference="either")
        if workload.deployment_preference != "either":
            # a declared preference decides; say what the analysis would do instead
            continue
        f2 = facts
        if key == "sync_chain_depth":
            f2 = replace(facts, chain_p99_ms=facts.lambda_p99_ms, chain_warm_p99_ms=facts.lambda_warm_p99_ms,
                         container_chain_p99_ms=facts.container_p99_ms)
        nv = run(f=f2, w=w2)
        if nv != base_verdict:
            out.append(Flip(f"workload.{key}", cond, nv, "procedure re-run with this workload fact changed"))
    if workload.deployment_preference != "either":
        out.insert(0, Flip("workload.deployment_preference",
                           "if workload.deployment_preference were either",
                           evaluate(facts, workload, team, signals=scfg, limits=lcfg,
                                    honour_preference=False)["verdict"],
                           "the analysis verdict without the declared preference"))
        out = [f for f in out if f.new_verdict != base_verdict]
    return tuple(out)
