"""Every function of a seeded account: paged listing, tag filter, batched metrics, one table.

Also checks the indexed GetMetricData stand-in the fleet benchmark uses against moto's own
implementation, so that the benchmark measures the importer and not moto's quadratic scan.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.moto_indexed_metrics import patched_moto_metrics
from costmodel.errors import InvalidParameterError
from costmodel.importers.cloudwatch import aws_clients
from costmodel.importers.demo_account import demo_now, seed_lambda_function
from costmodel.importers.fleet import FLEET_COLUMNS, import_fleet, list_functions
from costmodel.importers.metrics import MetricQuery, fetch_metric_data
from handler_harness.infra import DUMMY_AWS_ENV, patched_environ

pytestmark = pytest.mark.slow

RATES = [0.05, 2.0, 300.0, 0.5]  # req/s: two cheap on Lambda, one steady-heavy, one in between


@pytest.fixture(scope="module")
def account():
    from moto import mock_aws

    with patched_environ(DUMMY_AWS_ENV), mock_aws():
        clients = aws_clients("us-east-1")
        now = demo_now()
        seeded = [seed_lambda_function(clients, f"fn-{i}", now=now, days=3, mean_rps=r, peak_to_trough=1.5,
                                       burst_rps=0.0, log_hours=0, metric_step_s=3600, concurrency_metric=False,
                                       tags={"team": "pay" if i % 2 else "web"}, random_state=i)
                  for i, r in enumerate(RATES)]
        yield clients, now, seeded


def test_listing_and_tag_filter(account):
    clients, _, seeded = account
    assert sorted(f["FunctionName"] for f in list_functions(clients)) == [s.name for s in seeded]
    assert sorted(f["FunctionName"] for f in list_functions(clients, ("team", "pay"))) == ["fn-1", "fn-3"]


def test_fleet_table_requests_and_verdicts(account, tmp_path):
    clients, now, seeded = account
    timings = {}
    table = import_fleet(region=clients, now=now, days=3, percentiles=(), output_dir=tmp_path, analysis="cost",
                         progress=False, timings=timings)
    assert list(table.columns) == FLEET_COLUMNS and len(table) == 4
    by = table.set_index("function")
    for s in seeded:
        assert by.loc[s.name, "requests"] == s.counts.sum()
    assert timings["get_metric_data_calls"] == 1 and timings["period_s"] == 3600  # 12 queries x 72 h in one call
    # 300 req/s steady is cheaper on containers; 0.05 req/s is not
    assert by.loc["fn-2", "verdict"] == "containers" and by.loc["fn-2", "monthly_savings_usd"] > 0
    assert by.loc["fn-0", "verdict"] == "serverless" and by.loc["fn-0", "monthly_savings_usd"] == 0
    assert table.iloc[0]["function"] == "fn-2"  # sorted by savings
    assert (tmp_path / "fn-2.yaml").is_file() and (tmp_path / "fn-2-trace.csv").is_file()


def test_processes_engine_gives_the_same_table(account, tmp_path):
    clients, now, _ = account
    kw = {"region": clients, "now": now, "days": 3, "percentiles": (), "analysis": "cost", "progress": False,
          "tag": ("team", "pay")}
    serial = import_fleet(output_dir=tmp_path / "a", engine="serial", **kw)
    procs = import_fleet(output_dir=tmp_path / "b", engine="processes", workers=2, **kw)
    cols = ["function", "requests", "verdict", "lambda_usd", "container_usd", "monthly_savings_usd"]
    pd.testing.assert_frame_equal(serial[cols], procs[cols])


def test_unknown_engine_is_an_error(account):
    clients, now, _ = account
    with pytest.raises(InvalidParameterError, match="engine='spark'"):
        import_fleet(region=clients, now=now, engine="spark")


def test_indexed_stand_in_equals_moto(account):
    clients, now, seeded = account
    cw = clients.client("cloudwatch")
    qs = [MetricQuery(f"q{i}_{stat.lower()}", "AWS/Lambda", metric, (("FunctionName", s.name),), stat)
          for i, s in enumerate(seeded[:2]) for metric, stat in
          [("Invocations", "Sum"), ("Duration", "Average"), ("Duration", "Maximum"), ("Duration", "Minimum"),
           ("Duration", "SampleCount")]]
    start, end = now - pd.Timedelta(hours=30), now - pd.Timedelta(hours=6)
    plain = fetch_metric_data(cw, qs, start, end, 3600)
    with patched_moto_metrics():
        fast = fetch_metric_data(cw, qs, start, end, 3600)
    for q in qs:
        np.testing.assert_allclose(fast.values[q.id], plain.values[q.id], rtol=1e-12, equal_nan=True)
    assert not np.isnan(plain.values["q1_sum"]).any()


def test_dask_engine_without_dask_says_what_to_install(account):
    import importlib.util

    if importlib.util.find_spec("dask") is not None:
        pytest.skip("dask is installed here: the error path cannot be reached")
    clients, now, _ = account
    with pytest.raises(InvalidParameterError, match=r"engine='dask'.*pip install 'dask\[distributed\]'"):
        import_fleet(region=clients, now=now, days=3, percentiles=(), analysis="cost", progress=False,
                     engine="dask", functions=["fn-0"])


def test_cli_all_functions_of_a_tag(account, tmp_path, capsys):
    from costmodel.cli import main

    _, now, _ = account
    code = main(["import", "cloudwatch", "--all-functions", "--tag", "team=pay", "--days", "3", "--end",
                 now.isoformat(), "--no-percentiles", "--engine", "serial", "--json", "-o", str(tmp_path)])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0 and sorted(r["function"] for r in rows) == ["fn-1", "fn-3"]
    assert all(r["verdict"] in ("serverless", "containers", "either") for r in rows)
    assert main(["import", "cloudwatch", "--all-functions", "--tag", "team", "-o", str(tmp_path)]) == 2
    assert "--tag='team' is not allowed: expected KEY=VALUE" in capsys.readouterr().err
