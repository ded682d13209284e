"""GetMetricData rules: retention-based period, aligned range, per-call limits, paging, gaps.

Paging and extended statistics are served by a botocore Stubber (moto 5.2.5 neither pages
GetMetricData nor computes percentiles)."""
import datetime as dt

import boto3
import numpy as np
import pandas as pd
import pytest
from botocore.stub import ANY, Stubber

from costmodel.errors import ImportSourceError, InvalidParameterError
from costmodel.importers.metrics import MetricQuery, choose_period, fetch_metric_data, gap_runs

NOW = pd.Timestamp("2026-11-29T12:34:56Z")


@pytest.mark.parametrize("days, finest", [(1, 60), (14.9, 60), (15.1, 300), (62.9, 300), (63.1, 3600), (454, 3600)])
def test_finest_period_follows_retention(days, finest):
    p = choose_period(NOW - pd.Timedelta(days=days), NOW, now=NOW)
    assert p.period_s == finest and p.finest_available_s == finest
    assert f"{finest} s is the finest period available" in p.reason


def test_range_is_aligned_down_to_the_period():
    p = choose_period("2026-11-20T10:07:31Z", NOW, now=NOW)
    assert p.period_s == 60
    assert p.start == pd.Timestamp("2026-11-20T10:07:00Z") and p.end == pd.Timestamp("2026-11-29T12:34:00Z")
    assert p.n_periods == (p.end - p.start) / pd.Timedelta(minutes=1)


def test_older_than_15_months_is_an_error():
    with pytest.raises(InvalidParameterError, match=r"start=.*455 days"):
        choose_period(NOW - pd.Timedelta(days=456), NOW, now=NOW)


def test_a_finer_period_than_retention_is_an_error_naming_it():
    with pytest.raises(InvalidParameterError, match=r"period_s=60 .*multiple of 300 s"):
        choose_period(NOW - pd.Timedelta(days=30), NOW, now=NOW, period_s=60)
    p = choose_period(NOW - pd.Timedelta(days=30), NOW, now=NOW, period_s=900)
    assert p.period_s == 900 and "900 s requested" in p.reason


def test_start_after_end_is_an_error():
    with pytest.raises(InvalidParameterError, match="start="):
        choose_period(NOW, NOW - pd.Timedelta(hours=1), now=NOW)


def test_gap_runs_by_hand():
    obs = np.array([1, 1, 0, 0, 1, 0, 1, 0], dtype=bool)
    assert gap_runs(obs) == [(2, 4), (5, 6), (7, 8)]
    assert gap_runs(np.ones(3, bool)) == []


def _client():
    return boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def _q(i, stat="Sum"):
    return MetricQuery(f"q{i}", "AWS/Lambda", "Invocations", (("FunctionName", f"f{i}"),), stat)


START = pd.Timestamp("2026-11-29T00:00Z")


def _ts(minutes):
    return [(START + pd.Timedelta(minutes=m)).to_pydatetime() for m in minutes]


def test_paging_merges_pages_and_leaves_absent_periods_nan():
    cw = _client()
    with Stubber(cw) as stub:
        stub.add_response("get_metric_data", {
            "MetricDataResults": [{"Id": "q0", "Timestamps": _ts([0, 1]), "Values": [5.0, 6.0],
                                   "StatusCode": "PartialData"}], "NextToken": "t1"},
                          {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": ANY,
                           "MaxDatapoints": ANY})
        stub.add_response("get_metric_data", {
            "MetricDataResults": [{"Id": "q0", "Timestamps": _ts([4]), "Values": [9.0], "StatusCode": "Complete"}]},
                          {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": ANY,
                           "MaxDatapoints": ANY, "NextToken": "t1"})
        data = fetch_metric_data(cw, [_q(0)], START, START + pd.Timedelta(minutes=6), 60)
        stub.assert_no_pending_responses()
    assert data.calls == 1 and data.pages == 2
    np.testing.assert_array_equal(data.observed("q0"), [True, True, False, False, True, False])
    np.testing.assert_array_equal(np.nan_to_num(data.values["q0"]), [5, 6, 0, 0, 9, 0])


def test_queries_batched_by_500_and_range_split_by_datapoints():
    cw = _client()
    queries = [_q(i) for i in range(501)]  # 2 batches: 500 + 1
    calls = []
    cw.meta.events.register("provide-client-params.cloudwatch.GetMetricData",
                            lambda params, **kw: calls.append((len(params["MetricDataQueries"]),
                                                               params["StartTime"], params["EndTime"])))
    with Stubber(cw) as stub:
        # 500 queries x 10 periods would be 5,000 datapoints: max 2,000 per call -> windows of 4, 4, 2 periods
        for _ in range(3):
            stub.add_response("get_metric_data", {"MetricDataResults": []})
        # 1 query x 10 periods fits one call
        stub.add_response("get_metric_data", {"MetricDataResults": [
            {"Id": "q500", "Timestamps": _ts([9]), "Values": [3.0], "StatusCode": "Complete"}]})
        data = fetch_metric_data(cw, queries, START, START + pd.Timedelta(minutes=10), 60,
                                 max_datapoints_per_call=2000)
    assert [c[0] for c in calls] == [500, 500, 500, 1]
    spans = [(c[2] - c[1]) / dt.timedelta(minutes=1) for c in calls]
    assert spans == [4, 4, 2, 10]
    assert data.calls == 4 and data.values["q500"][9] == 3.0


def test_extended_statistics_values_are_read():
    cw = _client()
    with Stubber(cw) as stub:
        stub.add_response("get_metric_data", {"MetricDataResults": [
            {"Id": "p99", "Timestamps": _ts([0, 1]), "Values": [410.5, 388.0], "StatusCode": "Complete"}]})
        q = MetricQuery("p99", "AWS/Lambda", "Duration", (("FunctionName", "f"),), "p99")
        data = fetch_metric_data(cw, [q], START, START + pd.Timedelta(minutes=2), 60)
    assert list(data.values["p99"]) == [410.5, 388.0]
    assert q.to_api(60)["MetricStat"]["Stat"] == "p99"


def test_forbidden_status_is_an_import_error():
    cw = _client()
    with Stubber(cw) as stub:
        stub.add_response("get_metric_data", {"MetricDataResults": [
            {"Id": "q0", "StatusCode": "Forbidden", "Messages": [{"Code": "x", "Value": "no access"}]}]})
        with pytest.raises(ImportSourceError, match="Forbidden: no access"):
            fetch_metric_data(cw, [_q(0)], START, START + pd.Timedelta(minutes=2), 60)


def test_duplicate_ids_and_limits_are_checked():
    with pytest.raises(InvalidParameterError, match="unique query ids"):
        fetch_metric_data(_client(), [_q(0), _q(0)], START, START + pd.Timedelta(minutes=2), 60)
    with pytest.raises(InvalidParameterError, match="max_queries_per_call=501"):
        fetch_metric_data(_client(), [_q(0)], START, START + pd.Timedelta(minutes=2), 60, max_queries_per_call=501)
