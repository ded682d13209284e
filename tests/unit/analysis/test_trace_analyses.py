"""Unit tests of costmodel.analysis.traces (the per-function trace analyses of notebook 06)."""
from __future__ import annotations

from costmodel.analysis import traces as tr_analysis
from costmodel.models.traffic import load_azure_trace


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
