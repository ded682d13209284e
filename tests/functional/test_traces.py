"""Trace loaders on the shipped synthetic fixtures, malformed files, and the real Azure sample."""
import csv
from pathlib import Path

import numpy as np
import pytest

from costmodel.errors import TraceFormatError, UnknownNameError
from costmodel.models import traffic as tr
from costmodel.scenario.load import load_scenario

REPO = Path(__file__).resolve().parents[2]
TRACES = REPO / "data" / "traces"
AZURE_SAMPLE = REPO.parent / "shared" / "data" / "azure-functions-2019-sample"


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("name, key_cols, fn_col", [("azure_original_3fn.csv", 4, 2), ("azure_resampled_3fn.csv", 3, 0)])
def test_azure_fixture_in_both_schemas(name, key_cols, fn_col):
    rows = _rows(TRACES / name)
    traces = tr.load_azure_trace(TRACES / name)
    assert len(traces) == 3
    for row in rows[1:]:
        t = traces[row[fn_col]]
        assert t.step_s == 60 and t.rate_rps.size == 1440
        counts = np.array(row[key_cols:], dtype=float)
        np.testing.assert_allclose(t.rate_rps * 60, counts)
    agg = tr.load_azure_trace(TRACES / name, aggregate=True)
    assert agg.requests == pytest.approx(sum(float(c) for r in rows[1:] for c in r[key_cols:]))


def test_both_schemas_give_the_same_series_and_triggers():
    a = tr.load_azure_trace(TRACES / "azure_original_3fn.csv")
    b = tr.load_azure_trace(TRACES / "azure_resampled_3fn.csv")
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k].rate_rps, b[k].rate_rps)
    assert sorted(t.trigger for t in a.values()) == ["http", "queue", "timer"]
    assert all(t.trigger is None for t in b.values())
    timer = next(t for t in a.values() if t.trigger == "timer")
    assert tr.traffic_signals(timer.rate_rps, 60).invocations_per_day == pytest.approx(96)


def test_function_selection_and_unknown_function():
    a = tr.load_azure_trace(TRACES / "azure_original_3fn.csv")
    key = next(iter(a))
    one = tr.load_azure_trace(TRACES / "azure_original_3fn.csv", functions=[key])
    assert list(one) == [key]
    with pytest.raises(UnknownNameError):
        tr.load_azure_trace(TRACES / "azure_original_3fn.csv", functions=["nope"])


def test_multi_day_files_are_concatenated():
    two = tr.load_azure_trace([TRACES / "azure_original_3fn.csv"] * 2, aggregate=True)
    one = tr.load_azure_trace(TRACES / "azure_original_3fn.csv", aggregate=True)
    assert two.rate_rps.size == 2880 and two.requests == pytest.approx(2 * one.requests)


def test_csv_fixture_fills_missing_steps_with_zero():
    rows = _rows(TRACES / "api_requests_5min.csv")
    t = tr.load_csv_trace(TRACES / "api_requests_5min.csv")
    assert t.step_s == 300
    assert t.requests == pytest.approx(sum(float(r[1]) for r in rows[1:]))
    assert t.rate_rps.size >= len(rows) - 1


def _write(tmp_path, text, name="t.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("body, line, what", [
    ("timestamp,count\n2026-01-01T00:00Z,1\n2026-01-01T00:01Z,x\n", 3, "not a number"),
    ("timestamp,count\n2026-01-01T00:00Z,1\nyesterday,2\n", 3, "timestamp"),
    ("timestamp,count\n2026-01-01T00:00Z,1\n2026-01-01T00:01Z,-4\n", 3, ">= 0"),
    ("timestamp,count\n2026-01-01T00:00Z,1\n2026-01-01T00:01Z,nan\n", 3, "finite"),
    ("timestamp,count\n2026-01-01T00:01Z,1\n2026-01-01T00:00Z,2\n", 3, "not after"),
    ("timestamp,count\n2026-01-01T00:00Z,1\n2026-01-01T00:01Z,2,3\n", 3, "fields"),
    ("timestamp,count\n2026-01-01T00:00Z,1\n2026-01-01T00:01Z,2\n2026-01-01T00:02:30Z,2\n", 4, "grid"),
    ("time_stamp,count\n", 1, "header"),
    ("timestamp,temperature\n", 1, "second column"),
])
def test_malformed_csv_reports_the_line(tmp_path, body, line, what):
    with pytest.raises(TraceFormatError) as err:
        tr.load_csv_trace(_write(tmp_path, body))
    assert err.value.line == line
    assert f"line {line}" in str(err.value) and what in str(err.value)


def test_malformed_azure_reports_the_line(tmp_path):
    rows = _rows(TRACES / "azure_resampled_3fn.csv")
    bad = [r[:] for r in rows]
    bad[2][10] = "-1"
    p = tmp_path / "bad.csv"
    with open(p, "w", newline="") as fh:
        csv.writer(fh).writerows(bad)
    with pytest.raises(TraceFormatError, match=r"line 3: column 11 \(minute_8\)") as err:
        tr.load_azure_trace(p)
    assert err.value.line == 3
    short = [r[:] for r in rows]
    short[3] = short[3][:-1]
    with open(p, "w", newline="") as fh:
        csv.writer(fh).writerows(short)
    with pytest.raises(TraceFormatError, match="line 4: expected 1443 fields"):
        tr.load_azure_trace(p)
    hdr = [r[:] for r in rows]
    hdr[0][5] = "minute_99"
    with open(p, "w", newline="") as fh:
        csv.writer(fh).writerows(hdr)
    with pytest.raises(TraceFormatError, match="line 1"):
        tr.load_azure_trace(p)


def test_scenario_with_azure_trace_repeats_a_day_to_a_month():
    sc = load_scenario({"traffic": {"pattern": "trace", "path": "azure_original_3fn.csv", "format": "azure"}},
                       base_dir=TRACES)
    rate, step, _ = sc.traffic_series()
    day = tr.load_azure_trace(TRACES / "azure_original_3fn.csv", aggregate=True)
    assert step == 60 and rate.size == 43_800   # one 730-h month of minutes
    # 30 whole days, then the first 10 hours (600 minutes) of the day again
    assert rate.sum() == pytest.approx(30 * day.rate_rps.sum() + day.rate_rps[:600].sum())


def test_real_azure_2019_sample_when_present():
    if not AZURE_SAMPLE.exists():
        pytest.skip(f"real Azure Functions 2019 sample not found at {AZURE_SAMPLE} (optional, not shipped)")
    resampled = tr.load_azure_trace(AZURE_SAMPLE / "invocations_1000fn.csv")
    assert len(resampled) == 1000
    per_day = np.array([t.requests for t in resampled.values()])
    # the README: about 37 % average at most 1 call per hour, about 72 % at most 1 per minute
    assert np.mean(per_day <= 24) == pytest.approx(0.37, abs=0.05)
    assert np.mean(per_day <= 1440) == pytest.approx(0.72, abs=0.05)
    original = tr.load_azure_trace(AZURE_SAMPLE / "invocations_10fn_original_schema.csv")
    assert len(original) == 10
    assert {t.trigger for t in original.values()} <= {"http", "timer", "event", "queue", "storage", "orchestration",
                                                      "others"}
    labels = {tr.label_traffic(tr.traffic_signals(t.rate_rps, 60)) for t in resampled.values()}
    assert "infrequent" in labels


def test_csv_rate_column_and_unix_seconds(tmp_path):
    p = _write(tmp_path, "timestamp,rate_rps\n1767225600,2.5\n1767225660,0\n1767225780,4\n")
    t = tr.load_csv_trace(p)
    assert t.step_s == 60
    np.testing.assert_allclose(t.rate_rps, [2.5, 0.0, 0.0, 4.0])  # the missing minute is zero
    assert t.start == pd_timestamp("2026-01-01T00:00:00Z")


def pd_timestamp(text):
    import pandas as pd

    return pd.Timestamp(text)
