"""Unit tests of costmodel.analysis.traces (the per-function trace analyses of notebook 06)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from costmodel.analysis import traces as tr_analysis
from costmodel.models.traffic import Trace, load_azure_trace


def test_real_traffic_falls_back_to_the_shipped_fixture_when_the_shared_sample_is_absent(monkeypatch, tmp_path):
    # what notebook 06 does on a machine without ../shared/data (nbval skips it there)
    monkeypatch.setattr(tr_analysis, "AZURE_SAMPLE_DIR", tmp_path / "absent")
    path, source = tr_analysis.azure_invocations_path()
    assert path == tr_analysis.AZURE_FIXTURE and "shared sample absent" in source
    traces = load_azure_trace(path)
    table = tr_analysis.trace_table(traces, keep_alive_s=600)
    assert len(table) == len(traces) == 3


def test_a_given_trace_path_is_named_without_its_directory(tmp_path):
    path, source = tr_analysis.azure_invocations_path(tmp_path / "x.csv")
    assert path == tmp_path / "x.csv" and source == "given file x.csv"


def test_keep_alive_sweep_trades_cold_starts_for_idle_time():
    traces = load_azure_trace(tr_analysis.AZURE_FIXTURE)
    sweep = tr_analysis.keep_alive_sweep(traces, [60, 600, 3600])
    assert list(sweep.index) == [60.0, 600.0, 3600.0]
    # a longer keep-alive never makes more cold starts and always keeps more idle time
    assert (sweep["cold_start_fraction"].diff().dropna() <= 0).all()
    assert (sweep["idle_instance_hours"].diff().dropna() > 0).all()
    assert sweep["cold_start_fraction"].between(0, 1).all()
    assert sweep["functions_mostly_cold_fraction"].between(0, 1).all()


def test_trace_counts_are_counts_a_lone_invocation_is_cold():
    # one invocation every 3 hours (per-minute counts): every one comes after a gap longer
    # than the keep-alive, so every one is cold; read as a Poisson mean the same minute
    # sometimes holds two and it was scored about 61 % cold (issue 11)
    counts = np.zeros(1440)
    counts[::180] = 1
    lone = Trace(rate_rps=counts / 60.0, step_s=60.0, start=pd.Timestamp("2026-01-05", tz="UTC"), name="lone")
    busy = Trace(rate_rps=np.full(1440, 30.0 / 60.0), step_s=60.0, start=pd.Timestamp("2026-01-05", tz="UTC"),
                 name="busy")
    assert tr_analysis.trace_arrivals(lone) == "counts"
    table = tr_analysis.trace_table({"lone": lone, "busy": busy}, keep_alive_s=600)
    assert table.loc["lone", "cold_start_fraction"] == 1.0
    # 30 a minute, 2 s apart, 120 ms each: one environment, cold once (the first)
    assert table.loc["busy", "cold_start_fraction"] == 1.0 / (30 * 1440)
    sweep = tr_analysis.keep_alive_sweep({"lone": lone}, [60.0, 600.0, 36_000.0])
    assert sweep["cold_start_fraction"].tolist() == [1.0, 1.0, 1.0 / 8]   # 10 h keeps it warm
    resampled = Trace(rate_rps=np.full(10, 0.705), step_s=60.0, start=pd.Timestamp("2026-01-05", tz="UTC"), name="r")
    assert tr_analysis.trace_arrivals(resampled) == "poisson"                       # 42.3 a minute: a rate
