"""Lambda or containers? A recommendation you can trace signal by signal.

The seed (``serverless-architecture.md``) gives a decision table of six signals, a
"when NOT to use" list and hard platform limits in prose. This package turns them into a
deterministic procedure whose every step is printed with its numbers:

1. **Hard limits** (``data/hard_limits.yaml``): a workload over any Lambda limit gets
   ``containers``, high confidence.
2. **Declared preference** (``serverless_only`` / ``containers_only``) is honoured; the record
   still says what the analysis alone would conclude.
3. **"When not to use" rules**: sustained high throughput where containers are much cheaper,
   a synchronous chain whose p99 on Lambda breaks the SLO, limited cloud-operations experience.
4. **Tally of the six signals** (``data/decision_signals.yaml``), each with a visible threshold.

Modules, each importing only those above it in this list: :mod:`.config` (thresholds and
limits from data), :mod:`.text` (terminal rendering), :mod:`.records` (workload, team, facts,
recommendation), :mod:`.procedure` (the pure procedure and the flips), :mod:`.validate`
(declared blocks), :mod:`.measure` (facts from the analyses of a resolved scenario),
:mod:`.assumptions` (the assumptions whose plausible range flips the verdict),
:mod:`.long_running` (past 900 s, pipelines), :mod:`.recommend` (the orchestration).
"""
from __future__ import annotations

from costmodel.decision.config import (
    LEANS,
    LIMITS_PATH,
    RULE_NAMES,
    SIGNAL_NAMES,
    SIGNALS_PATH,
    VERDICTS,
    load_decision_signals,
    load_hard_limits,
)
from costmodel.decision.procedure import check_hard_limits, evaluate, evaluate_rules, evaluate_signals
from costmodel.decision.recommend import measure, recommend
from costmodel.decision.records import Facts, Flip, LimitCheck, Recommendation, RuleCheck, SignalLean, Team, Workload
from costmodel.decision.validate import validate_team, validate_workload

__all__ = [
    "VERDICTS", "LEANS", "LIMITS_PATH", "SIGNALS_PATH", "SIGNAL_NAMES", "RULE_NAMES", "Workload", "Team", "Facts", "SignalLean", "LimitCheck",
    "RuleCheck", "Flip", "Recommendation", "load_decision_signals", "load_hard_limits", "validate_workload",
    "validate_team", "check_hard_limits", "evaluate_signals", "evaluate_rules", "evaluate", "measure", "recommend",
]
