"""REPORT-line parsing (text and JSON formats) and the sample's figures, by hand."""
import math

import numpy as np
import pytest

from costmodel.errors import ImportSourceError
from costmodel.importers.lambda_logs import ReportSample, parse_report_line, parse_report_lines

COLD = ("REPORT RequestId: bf5f58db-ef7d-4cb2-b3c6-266eba1bbedb\tDuration: 395.99 ms\tBilled Duration: 662 ms\t"
        "Memory Size: 512 MB\tMax Memory Used: 301 MB\tInit Duration: 265.72 ms\t\n")
WARM = ("REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 18 MB\t\n")
SNAP = ("REPORT RequestId: 1f2e\tDuration: 20.00 ms\tBilled Duration: 321 ms\tMemory Size: 1024 MB\t"
        "Max Memory Used: 100 MB\tRestore Duration: 300.50 ms\tBilled Restore Duration: 301 ms\t")
JSON_COLD = ('{"time":"2026-11-28T10:00:00.000Z","type":"platform.report","record":{"requestId":"abc",'
             '"metrics":{"durationMs":102.25,"billedDurationMs":366,"memorySizeMB":512,"maxMemoryUsedMB":87,'
             '"initDurationMs":263.11},"status":"success"}}')


def test_cold_text_line_gives_every_field():
    line = parse_report_line(COLD)
    assert line.request_id == "bf5f58db-ef7d-4cb2-b3c6-266eba1bbedb"
    assert (line.duration_ms, line.billed_duration_ms, line.memory_size_mb, line.max_memory_used_mb,
            line.init_duration_ms) == (395.99, 662.0, 512.0, 301.0, 265.72)
    assert line.cold


def test_warm_text_line_has_no_init():
    line = parse_report_line(WARM)
    assert line.duration_ms == 12.34 and line.billed_duration_ms == 13.0
    assert math.isnan(line.init_duration_ms) and not line.cold


def test_snapstart_restore_counts_as_cold():
    line = parse_report_line(SNAP)
    assert line.restore_duration_ms == 300.5 and line.cold and math.isnan(line.init_duration_ms)


def test_json_platform_report_event():
    line = parse_report_line(JSON_COLD)
    assert (line.request_id, line.duration_ms, line.billed_duration_ms, line.init_duration_ms) == (
        "abc", 102.25, 366.0, 263.11)


@pytest.mark.parametrize("msg", ["START RequestId: x Version: $LATEST", "END RequestId: x", "hello world",
                                 '{"type":"platform.start"}', "{not json"])
def test_other_lines_are_skipped(msg):
    assert parse_report_line(msg) is None


def test_report_line_without_duration_is_an_error_naming_it():
    with pytest.raises(ImportSourceError, match="without Duration"):
        parse_report_line("REPORT RequestId: x\tMemory Size: 128 MB")


def test_sample_figures_by_hand():
    events = [{"message": m, "timestamp": 1_000 + i, "logStreamName": s}
              for i, (m, s) in enumerate([(COLD, "a"), (WARM, "a"), (WARM, "b"), ("START x", "b"), (SNAP, "b")])]
    lines = parse_report_lines(events)
    assert len(lines) == 4
    sample = ReportSample.from_lines(lines, "2026-11-28T00:00Z", "2026-11-29T00:00Z")
    assert sample.invocations == 4 and sample.cold_starts == 2 and sample.log_streams == 2
    assert sample.cold_start_fraction == 0.5
    # init (or restore) of the cold lines: 265.72 and 300.50
    np.testing.assert_allclose(np.sort(sample.init_samples_ms), [265.72, 300.5])
    # billed 662 = ceil(395.99 + 265.72) covers the init; 321 = ceil(20 + 300.5) too
    assert sample.init_billed_share == 1.0
    s = sample.summary()
    assert s["duration_ms"]["max"] == 395.99 and s["cold_starts"] == 2


def test_init_not_billed_is_measured():
    old_style = COLD.replace("Billed Duration: 662 ms", "Billed Duration: 400 ms")  # before Aug 2025
    sample = ReportSample.from_lines(parse_report_lines([old_style, COLD]), "2026-01-01", "2026-01-02")
    assert sample.init_billed_share == 0.5


def test_quantiles_compress_large_samples():
    lines = parse_report_lines([WARM.replace("12.34", f"{v:.2f}") for v in np.arange(1, 2001)])
    sample = ReportSample.from_lines(lines, "2026-01-01", "2026-01-02")
    q = sample.duration_quantiles_ms(1000)
    assert q.size == 1000
    # quantile (i + 0.5)/1000 of 1..2000 (linear interpolation): 1 + (i + 0.5) * 1999 / 1000
    np.testing.assert_allclose(q[[0, 499, 999]], np.round(1 + (np.array([0, 499, 999]) + 0.5) * 1.999, 2))
