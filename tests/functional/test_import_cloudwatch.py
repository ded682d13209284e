"""Import a Lambda function from a seeded account: moto in-process and over HTTP (moto server).

The account is seeded through the real boto3 calls (PutMetricData: a month of per-minute
Invocations / Duration statistic sets / ConcurrentExecutions with a diurnal cycle and
bursts; PutLogEvents: START/END/REPORT lines per execution environment over the last 6 h,
cold starts from an exact keep-alive simulation). The import must rebuild that truth:
requests per period exactly, gaps where nothing was published, the REPORT-line
durations and cold starts exactly, and the model's cold-start share near the measured one.

moto 5.2.5 computes no extended statistics (a p99 query fails to serialise), so these
imports pass ``percentiles=()``; the percentile path is tested with a Stubber in
tests/unit/test_import_metrics.py.
"""
from __future__ import annotations

import urllib.request

import numpy as np
import pandas as pd
import pytest

from costmodel.cli import main
from costmodel.errors import ImportSourceError
from costmodel.importers import cold_start_check, import_lambda
from costmodel.importers.cloudwatch import aws_clients
from costmodel.importers.demo_account import demo_now, seed_lambda_function
from costmodel.models.traffic import load_csv_trace
from costmodel.scenario import load_scenario
from handler_harness.infra import DUMMY_AWS_ENV, patched_environ

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def month():
    """One seeded month, imported once (in-process moto)."""
    from moto import mock_aws

    with patched_environ(DUMMY_AWS_ENV), mock_aws():
        clients = aws_clients("us-east-1")
        now = demo_now()
        seeded = seed_lambda_function(clients, "orders-api", now=now, days=30, mean_rps=0.5, burst_rps=4.0,
                                      keep_alive_s=300.0, log_hours=6, quiet_hours=(30, 27), created_after_days=2,
                                      random_state=7)
        imp = import_lambda("orders-api", region=clients, now=now, days=30, percentiles=(), log_window_hours=6,
                            keep_alive_s=300.0, max_datapoints_per_call=300)
        yield seeded, imp, now


def test_period_is_the_finest_retention_allows(month):
    _, imp, _now = month
    assert imp.step_s == 300  # the range starts 30 days ago: 60-s data is kept 15 days only
    assert "300 s is the finest period available" in imp.provenance["period_reason"]
    assert imp.metrics.calls >= 100  # 6 queries x 50 periods per call over 8,640 periods


def test_rebuilt_traffic_matches_the_seeded_counts(month):
    seeded, imp, _ = month
    end = imp.start + imp.requests.size * pd.Timedelta(seconds=300)
    truth = seeded.counts_per(300, imp.start, end)
    np.testing.assert_array_equal(imp.requests, truth)
    assert imp.requests.sum() == seeded.counts.sum()  # nothing lost outside the trace either


def test_leading_absence_is_trimmed_not_zero(month):
    seeded, imp, _ = month
    first_traffic = seeded.start + pd.Timedelta(minutes=int(np.flatnonzero(seeded.counts)[0]))
    assert imp.start == first_traffic.floor("300s")
    assert any("no datapoints before" in n for n in imp.notes)


def test_quiet_hours_are_a_marked_gap(month):
    _, imp, now = month
    gaps = imp.provenance["datapoints"]["gaps"]
    quiet = [now - pd.Timedelta(hours=30), now - pd.Timedelta(hours=27)]
    assert [pd.Timestamp(g[0]) for g in gaps[:1]] == [quiet[0]] and pd.Timestamp(gaps[0][1]) == quiet[1]
    frame = imp.traffic()
    inside = frame.loc[quiet[0]:quiet[1] - pd.Timedelta(seconds=1)]
    assert len(inside) == 36 and not inside["observed"].any() and inside["requests"].sum() == 0


def test_durations_and_cold_starts_match_the_seeded_report_lines(month):
    seeded, imp, _ = month
    rep = imp.reports
    assert rep.invocations == seeded.log_durations_ms.size
    np.testing.assert_allclose(np.sort(rep.duration_ms), np.sort(seeded.log_durations_ms))
    assert rep.cold_starts == np.count_nonzero(~np.isnan(seeded.log_init_ms))
    assert rep.cold_start_fraction == pytest.approx(seeded.log_cold_fraction, abs=0)
    assert rep.log_streams == seeded.environments
    assert rep.init_billed_share == 1.0  # the seeded lines bill INIT, as AWS does since Aug 2025
    s = imp.provenance["logs"]
    assert s["duration_ms"]["p99"] == pytest.approx(np.quantile(seeded.log_durations_ms, 0.99), abs=0.01)
    # the scenario's empirical distribution: 1,000 quantiles of the REPORT durations
    samples = np.array(imp.scenario["work"]["duration_ms"]["samples"])
    assert samples.size == 1000
    assert samples.mean() == pytest.approx(seeded.log_durations_ms.mean(), rel=0.01)
    init = seeded.log_init_ms[~np.isnan(seeded.log_init_ms)]
    assert imp.scenario["lambda"]["init_duration_ms"] == pytest.approx(init.mean(), abs=0.001)


def test_duration_metric_mean_matches_the_seeded_sums(month):
    seeded, imp, _ = month
    truth = seeded.duration_sum_ms.sum() / seeded.counts.sum()
    assert imp.provenance["measured"]["duration_ms_metric"]["mean"] == pytest.approx(truth, abs=5e-4)  # 3 decimals


def test_model_cold_start_share_next_to_the_measured_one(month):
    seeded, imp, _ = month
    chk = imp.cold_start_check(solve_keep_alive=True)
    assert chk.report_lines == seeded.log_durations_ms.size
    # the metric's requests in the window equal the REPORT lines (every invocation logged)
    assert chk.requests_in_trace == pytest.approx(chk.report_lines, abs=2)
    assert chk.measured_fraction == seeded.log_cold_fraction
    # seeded with a 300-s keep-alive: the fast model lands within 35 % and implies a keep-alive near it
    assert chk.predicted_fraction == pytest.approx(chk.measured_fraction, rel=0.35)
    assert 150 <= chk.implied_keep_alive_s <= 600


def test_written_scenario_runs_unchanged(month, tmp_path):
    seeded, imp, _ = month
    path, trace = imp.write(tmp_path)
    t = load_csv_trace(trace)
    np.testing.assert_allclose(t.rate_rps * t.step_s, imp.requests, rtol=1e-12)
    sc = load_scenario(path)
    assert sc.raw["provenance"]["resource"]["id"] == seeded.arn
    assert sc.raw["provenance"]["account_id"] == "123456789012"
    assert sc.work.memory_mb == 512 and sc.lambda_["keep_alive_s"] == 300.0
    assert cold_start_check(path).predicted_cold_starts == pytest.approx(
        imp.cold_start_check().predicted_cold_starts)
    assert main(["recommend", str(path)]) == 0


def test_unknown_function_is_a_one_line_error():
    from moto import mock_aws

    with patched_environ(DUMMY_AWS_ENV), mock_aws(), pytest.raises(
            ImportSourceError, match=r"lambda function 'nope' not found in region us-east-1"):
        import_lambda("nope", region="us-east-1")


def test_function_without_datapoints_is_an_error():
    from moto import mock_aws

    with patched_environ(DUMMY_AWS_ENV), mock_aws():
        clients = aws_clients("us-east-1")
        seed_lambda_function(clients, "idle", days=1, metrics=False, log_hours=0)
        with pytest.raises(ImportSourceError, match="no Invocations datapoints between"):
            import_lambda("idle", region=clients, days=1, percentiles=(), max_datapoints_per_call=600)


@pytest.fixture(scope="module")
def moto_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_over_http_per_minute_and_cli(moto_server, tmp_path, capsys):
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"))
    with patched_environ({**DUMMY_AWS_ENV, "AWS_ENDPOINT_URL": moto_server}):
        clients = aws_clients("us-east-1")
        now = demo_now()
        seeded = seed_lambda_function(clients, "checkout", now=now, days=2, mean_rps=0.3, burst_rps=2.0,
                                      log_hours=2, random_state=3)
        imp = import_lambda("checkout", region="us-east-1", now=now, days=2, percentiles=(), log_window_hours=2,
                            max_datapoints_per_call=600)
        assert imp.step_s == 60
        end = imp.start + imp.requests.size * pd.Timedelta(minutes=1)
        np.testing.assert_array_equal(imp.requests, seeded.counts_per(60, imp.start, end))
        assert imp.reports.invocations == seeded.log_durations_ms.size
        assert imp.reports.cold_starts == np.count_nonzero(~np.isnan(seeded.log_init_ms))
        # 6 hours: moto answers one GetMetricData call by scanning every datapoint for every period
        code = main(["import", "cloudwatch", "--function", "checkout", "--days", "0.25", "--log-hours", "2",
                     "--end", now.isoformat(),
                     "--no-percentiles", "-o", str(tmp_path)])
        out = capsys.readouterr().out
        assert code == 0 and "cold-start share" in out and "next:     costmodel recommend" in out
        assert (tmp_path / "lambda_function-checkout.yaml").is_file()
        code = main(["import", "cloudwatch", "--function", "gone", "--no-percentiles", "-o", str(tmp_path)])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and "'gone' not found" in err
