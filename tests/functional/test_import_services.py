"""ALB / target group, HTTP API and ECS service imports on seeded moto accounts (in-process).

Two days of per-minute metrics: the import uses 60-s periods and must rebuild the request
counts exactly, the request-weighted mean response time, the payload per request and, for
ECS, the CPU time per request from CPUUtilization x running tasks x task vCPU.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from costmodel.cli import main
from costmodel.errors import ImportSourceError
from costmodel.importers.cloudwatch import aws_clients
from costmodel.importers.demo_account import demo_now, seed_alb, seed_ecs_service, seed_http_api
from costmodel.importers.services import import_alb, import_api_gateway, import_ecs_service
from costmodel.scenario import load_scenario
from handler_harness.infra import DUMMY_AWS_ENV, patched_environ

pytestmark = pytest.mark.slow
KW = {"days": 2, "percentiles": (), "max_datapoints_per_call": 600}


@pytest.fixture()
def aws():
    from moto import mock_aws

    with patched_environ(DUMMY_AWS_ENV), mock_aws():
        yield aws_clients("us-east-1"), demo_now()


def _truth(seeded, imp):
    end = imp.start + imp.requests.size * pd.Timedelta(seconds=imp.step_s)
    return seeded.counts_per(imp.step_s, imp.start, end)


def test_target_group_import(aws, tmp_path):
    clients, now = aws
    seeded = seed_alb(clients, "web", now=now, mean_rps=5.0, kb_per_request=6.0, target_group="web-tg")
    imp = import_alb("web", target_group="web-tg", region=clients, now=now, **KW)
    assert imp.kind == "target_group" and imp.step_s == 60
    np.testing.assert_array_equal(imp.requests, _truth(seeded, imp))
    dur = imp.scenario["work"]["duration_ms"]  # no percentiles from moto: fixed at the mean
    assert dur == pytest.approx(seeded.mean_response_ms, abs=1e-3)
    assert imp.scenario["glue"]["payload_kb"] == pytest.approx(6.0)
    assert imp.scenario["lambda"]["front_door"] == "alb"
    m = imp.provenance["measured"]
    assert m["new_connections_per_request"] == pytest.approx(np.ceil(seeded.counts / 3).sum() / seeded.counts.sum(),
                                                             abs=1e-3)
    path, _ = imp.write(tmp_path)
    assert load_scenario(path).glue["payload_kb"] == pytest.approx(6.0)
    assert main(["compare", str(path)]) == 0


def test_http_api_uses_integration_latency(aws):
    clients, now = aws
    seeded = seed_http_api(clients, "orders", now=now, mean_rps=2.0, overhead_ms=8.0)
    imp = import_api_gateway("orders", region=clients, now=now, **KW)
    np.testing.assert_array_equal(imp.requests, _truth(seeded, imp))
    assert imp.scenario["lambda"]["front_door"] == "api_gateway_http"
    assert imp.scenario["work"]["duration_ms"] == pytest.approx(seeded.mean_response_ms, abs=1e-3)
    # Latency = integration + 8 ms overhead
    assert imp.provenance["measured"]["latency_ms_mean"] == pytest.approx(seeded.mean_response_ms + 8.0, abs=1e-3)


def test_ecs_service_cpu_per_request_and_task_size(aws):
    clients, now = aws
    seeded = seed_ecs_service(clients, "prod", "api", now=now, mean_rps=10.0, cpu_ms_per_request=20.0, vcpu=0.5,
                              memory_gb=1.0)
    imp = import_ecs_service("prod", "api", region=clients, now=now, **KW)
    np.testing.assert_array_equal(imp.requests, _truth(seeded, imp))
    assert imp.scenario["work"]["cpu_ms_per_request"] == pytest.approx(20.0, rel=1e-6)
    f = imp.scenario["containers"]["fargate"]
    assert (f["vcpu"], f["memory_gb"], f["architecture"]) == (0.5, 1.0, "arm64")
    assert (f["min_tasks"], f["max_tasks"], f["target_utilisation"]) == (2, 20, 0.55)
    # Lambda memory whose CPU share covers 20 ms of CPU in a ~50 ms request: 0.4 vCPU x 1,769 MB -> 768 MB
    share = 20.0 / seeded.mean_response_ms
    assert imp.scenario["work"]["memory_mb"] == int(np.ceil(share * 1769 / 64) * 64)
    assert imp.provenance["measured"]["running_tasks"]["max"] == seeded.extra["running"].max()


def test_ecs_without_container_insights_says_so(aws):
    clients, now = aws
    seed_ecs_service(clients, "prod", "api", now=now, mean_rps=4.0, tasks=3, container_insights=False)
    imp = import_ecs_service("prod", "api", region=clients, now=now, **KW)
    assert any("desired count 3" in n for n in imp.notes)


def test_unknown_resources_are_one_line_errors(aws):
    clients, now = aws
    with pytest.raises(ImportSourceError, match="load balancer 'nope' not found"):
        import_alb("nope", region=clients, now=now, **KW)
    with pytest.raises(ImportSourceError, match="API 'nope' not found"):
        import_api_gateway("nope", region=clients, now=now, **KW)
    clients.client("ecs").create_cluster(clusterName="prod")
    with pytest.raises(ImportSourceError, match="ECS service 'nope' in cluster 'prod' not found"):
        import_ecs_service("prod", "nope", region=clients, now=now, **KW)


def test_cli_imports_an_ecs_service(aws, tmp_path, capsys):
    clients, now = aws
    seed_ecs_service(clients, "prod", "api", now=now, days=1, mean_rps=3.0)
    code = main(["import", "cloudwatch", "--ecs-cluster", "prod", "--ecs-service", "api", "--days", "0.25",
                 "--end", now.isoformat(),
                 "--no-percentiles", "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "imported ecs_service 'prod/api'" in out
    assert (tmp_path / "ecs_service-prod-api.yaml").is_file()
    assert main(["import", "cloudwatch", "--ecs-service", "api", "-o", str(tmp_path)]) == 2
    assert "--ecs-cluster=None" in capsys.readouterr().err
