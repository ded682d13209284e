"""Usage files: validation (typos are errors) and pricing of every block."""
from __future__ import annotations

import pytest

from costmodel.errors import CostModelError, InvalidParameterError, ScenarioError, UnknownNameError
from costmodel.scenario.usage import UsageFile, bill_usage, load_usage

OD1 = {"lambda": {"requests": 3_000_000, "duration_ms": 120, "memory_mb": 1536}}


def test_single_block_or_list():
    assert bill_usage(OD1).total_usd == 2.73
    assert bill_usage({"lambda": [OD1["lambda"]]}).total_usd == 2.73


def test_defaults_are_filled_in():
    raw = load_usage(OD1).raw
    fn = raw["lambda"][0]
    assert fn["architecture"] == "x86_64" and fn["free_tier"] is True and fn["ephemeral_storage_mb"] == 512
    assert raw["region"] == "us-east-1" and raw["fargate"] == ()


def test_pc1_through_a_usage_dict():
    usage = {"lambda": {"name": "app", "requests": 2_500_000, "duration_ms": 120, "memory_mb": 1536,
                        "provisioned": [{"concurrency": 100, "enabled_s": 28800, "requests": 500_000, "duration_ms": 100}]}}
    bill = bill_usage(usage)
    assert bill.total_usd == 19.96
    assert bill.amounts()["app: Lambda provisioned concurrency x86_64"] == 18.00


def test_fargate_runs_apply_the_minimum():
    # 20 tasks x 3,000 runs of 45 s -> billed 60 s each: 3,600,000 task-s
    usage = {"fargate": {"vcpu": 1, "memory_gb": 2, "tasks": 20, "run_s": 45, "runs": 3000}}
    bill = bill_usage(usage)
    assert bill.item("Fargate vCPU x86_64").quantity == pytest.approx(3_600_000)
    # 3,600,000 x 0.000011244 = 40.4784 -> 40.48 ; 7,200,000 x 0.000001235 = 8.892 -> 8.89
    assert bill.total_usd == pytest.approx(49.37)


def test_fargate_needs_exactly_one_form():
    with pytest.raises(ScenarioError, match="task_seconds"):
        bill_usage({"fargate": {"vcpu": 1, "memory_gb": 2}})
    with pytest.raises(ScenarioError, match="not both"):
        bill_usage({"fargate": {"vcpu": 1, "memory_gb": 2, "task_seconds": 5, "tasks": 1, "run_s": 5}})


def test_ec2_default_hours_are_a_month():
    bill = bill_usage({"ec2": {"instance_type": "m7g.large", "count": 2}})
    assert bill.item("EC2 m7g.large (on demand)").quantity == 1460
    assert bill.total_usd == 119.14  # 1,460 h x 0.0816 = 119.136


def test_front_door_and_glue_blocks():
    usage = {
        "front_door": {"api_gateway": {"requests": 1_000_000, "payload_kb": 600},
                       "alb": {"processed_gb_per_h": 1},
                       "function_url": {"requests": 5}},
        "glue": {"sqs": {"requests": 2_000_000}, "dynamodb": {"write_request_units": 1e6},
                 "logs": {"ingested_gb": 2}, "nat": {"processed_gb": 10},
                 "public_ipv4": {"address_hours": 730}, "data_transfer": {"out_gb": 200}},
    }
    a = bill_usage(usage).amounts()
    assert a["API Gateway HTTP requests tier 1"] == 2.00
    assert a["ALB hours"] == 16.43 and a["ALB LCU-hours"] == 5.84
    assert a["Lambda function URL requests"] == 0.0
    assert a["SQS standard requests"] == 0.40
    assert a["DynamoDB write request units"] == 0.63  # 0.625 half-up
    assert a["CloudWatch Logs ingestion"] == 1.00
    assert a["NAT gateway hours"] == 32.85 and a["NAT gateway data processed"] == 0.45
    assert a["Public IPv4 addresses"] == 3.65
    assert a["Data transfer out tier 1"] == 9.00


def test_price_overrides_in_the_file(tmp_path):
    usage = dict(OD1, price_overrides={"lambda.duration_x86_64_tier1": 0.00001})
    # 140,000 x 0.00001 = 1.40 ; + 0.40
    assert bill_usage(usage).total_usd == 1.80
    f = tmp_path / "over.yaml"
    f.write_text("rates:\n  lambda.request: 0.0000004\n")
    u = tmp_path / "u.yaml"
    u.write_text("price_overrides: over.yaml\nlambda: {requests: 3000000, duration_ms: 120, memory_mb: 1536}\n")
    assert bill_usage(u).total_usd == 3.13  # relative path resolved next to the usage file


def test_unknown_key_names_key_and_lists_allowed():
    with pytest.raises(ScenarioError) as exc:
        load_usage({"lambda": {"requests": 1, "duration_ms": 1, "memroy_mb": 128}})
    msg = str(exc.value)
    assert "memroy_mb" in msg and "memory_mb" in msg and "ephemeral_storage_mb" in msg


@pytest.mark.parametrize("doc, key", [
    ({"lamdba": {}}, "lamdba"),
    ({"front_door": {"apigw": {"requests": 1}}}, "apigw"),
    ({"glue": {"sqs": {"requests": 1, "fifo_queue": True}}}, "fifo_queue"),
    ({"lambda": {"requests": 1, "duration_ms": 1, "memory_mb": 128, "provisioned": [{"concurrency": 1, "enabled_s": 1, "hours": 2}]}}, "hours"),
    ({"fargate": {"vcpu": 1, "memory_gb": 2, "task_seconds": 1, "spot": True}}, "spot"),
])
def test_unknown_keys_everywhere(doc, key):
    with pytest.raises(ScenarioError, match=key):
        load_usage(doc)


def test_missing_and_mistyped_values():
    with pytest.raises(ScenarioError, match="memory_mb"):
        load_usage({"lambda": {"requests": 1, "duration_ms": 1}})
    with pytest.raises(ScenarioError, match="requests"):
        load_usage({"lambda": {"requests": "lots", "duration_ms": 1, "memory_mb": 128}})
    with pytest.raises(ScenarioError, match="free_tier"):
        load_usage({"lambda": {"requests": 1, "duration_ms": 1, "memory_mb": 128, "free_tier": "yes"}})
    with pytest.raises(ScenarioError):
        load_usage({"lambda": 5})
    with pytest.raises(ScenarioError):
        load_usage(["not", "a", "mapping"])  # type: ignore[arg-type]


def test_values_out_of_range_name_their_path():
    with pytest.raises(InvalidParameterError) as exc:
        bill_usage({"lambda": {"name": "api", "requests": 1, "duration_ms": 1, "memory_mb": 64}})
    assert exc.value.name == "lambda[api].memory_mb" and "128" in str(exc.value)
    with pytest.raises(InvalidParameterError, match=r"fargate\.memory_gb"):
        bill_usage({"fargate": {"vcpu": 1, "memory_gb": 1, "task_seconds": 60}})
    with pytest.raises(UnknownNameError):
        bill_usage({"ec2": {"instance_type": "m5.large"}})
    with pytest.raises(UnknownNameError, match="us-east-1"):
        bill_usage(dict(OD1, region="mars-1"))


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(CostModelError, match="does not exist"):
        load_usage(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("lambda: [unclosed\n")
    with pytest.raises(ScenarioError, match="YAML"):
        load_usage(bad)


def test_schema_blocks():
    assert {"lambda", "fargate", "ec2", "front_door", "glue", "price_overrides", "region",
            "lambda_managed_instances", "event_source_mappings"} <= set(UsageFile.allowed_keys())


def test_free_tier_once_per_account():
    fn = {"requests": 3_000_000, "duration_ms": 120, "memory_mb": 1536}
    with pytest.raises(ScenarioError, match="per account") as exc:
        bill_usage({"lambda": [dict(fn, name="a"), dict(fn, name="b")]})
    assert "lambda[a]" in str(exc.value) and "lambda[b]" in str(exc.value)
    bill = bill_usage({"lambda": [dict(fn, name="a"), dict(fn, name="b", free_tier=False)]})
    assert bill.amounts()["a: Lambda requests"] == 0.40 and bill.amounts()["b: Lambda requests"] == 0.60
