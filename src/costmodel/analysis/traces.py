"""Per-function analyses of an Azure Functions 2019 trace: shape, label and cold starts.

:func:`azure_invocations_path` says which invocation file to study (a given one, the shared
1000-function sample beside the repository, or the project's synthetic fixture);
:func:`trace_table` gives one row per function (traffic signals, label, cold-start share)
and :func:`keep_alive_sweep` the cold-start share against idle instance time for fixed
keep-alives over all functions. Verdicts per function are in
:func:`costmodel.decision.quick.trace_verdicts` (they need the decision procedure).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from costmodel.errors import InvalidParameterError
from costmodel.models.coldstart.arrivals import arrival_counts
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.traffic import Trace, label_traffic, load_label_thresholds, traffic_signals
from costmodel.resources import data_path

__all__ = ["AZURE_FIXTURE", "AZURE_SAMPLE_DIR", "azure_invocations_path", "keep_alive_sweep", "trace_arrivals", "trace_table"]

#: The source tree (absent in an installed wheel, where the shared sample is absent too).
_REPO_DIR = Path(__file__).resolve().parents[3]
#: The shared Azure Functions 2019 sample (read, never copied; absent on most machines).
AZURE_SAMPLE_DIR = _REPO_DIR.parent / "shared" / "data" / "azure-functions-2019-sample"
#: The project's own synthetic fixture in the same (resampled) schema.
AZURE_FIXTURE = data_path("traces", "azure_resampled_3fn.csv")


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


def trace_arrivals(trace: Trace) -> str:
    """How a trace's per-step series is read: ``"counts"`` when every step holds a whole
    number of invocations (Azure per-minute counts: the requests happened, one at a time
    spread over the minute), else ``"poisson"`` (a resampled or scaled series is a rate)."""
    try:
        arrival_counts(trace.rate_rps, trace.step_s)
    except InvalidParameterError:
        return "poisson"
    return "counts"


def trace_table(traces: Mapping[str, Trace], *, keep_alive_s: float = 600.0, warm_mean_ms: float = 120.0,
                init_duration_ms: float = 250.0) -> pd.DataFrame:
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


def keep_alive_sweep(traces: Mapping[str, Trace], keep_alives_s: Iterable[float], *, warm_mean_ms: float = 120.0,
                     init_duration_ms: float = 250.0) -> pd.DataFrame:
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
