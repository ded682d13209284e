"""The batch-job model: the restart formulas, hand-priced alternatives, break-evens, pipelines.

Rates used in the hand computations (data/pricing, us-east-1): Lambda $0.0000166667 per
GB-s and $0.20 per million requests; Step Functions Standard $0.000025 per transition;
Express $1 per million requests and $0.06 per GB-hour (first 1,000); Fargate x86_64
$0.000011244 per vCPU-s and $0.000001235 per GB-s; SQS $0.40 per million.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from costmodel.analysis.long_running import long_running_alternatives, pipeline_from_scenario
from costmodel.errors import InvalidParameterError, ScenarioError
from costmodel.models.batch_jobs import (
    BatchJob,
    Platforms,
    Stage,
    alternatives_sweep,
    breakeven_chunk_s,
    breakeven_work_s,
    compare_batch_alternatives,
    expected_failures,
    expected_lost_s,
    expected_segment_s,
    pipeline_alternatives,
    price_alternative,
    runs_per_month,
    simulate_segment_s,
)

SCENARIOS = Path(__file__).resolve().parents[3] / "data" / "scenarios"
LAMBDA_GB_S = 0.0000166667
TRANSITION = 0.000025
FG_VCPU_S, FG_GB_S = 0.000011244, 0.000001235


# ------------------------------------------------------------------ the restart model
def test_restart_model_closed_forms():
    # one failure an hour on average, a one-hour segment, no restart overhead
    assert expected_failures(3600, 1.0) == pytest.approx(math.e - 1)
    assert expected_lost_s(3600, 1.0) == pytest.approx(3600 * (1 - 1 / (math.e - 1)))
    assert expected_segment_s(3600, 1.0) == pytest.approx((math.e - 1) * 3600)
    # each failure also costs a 60 s restart
    assert expected_segment_s(3600, 1.0, 60) == pytest.approx((math.e - 1) * (3600 + 60))
    # no failures: the segment itself; rare failures lose half a segment
    assert expected_segment_s(1234.5, 0.0, 99) == 1234.5
    assert expected_lost_s(600, 1e-9) == pytest.approx(300, rel=1e-6)
    np.testing.assert_allclose(expected_failures([0, 3600], [1, 1]), [0, math.e - 1])


@pytest.mark.parametrize("segment_s, per_hour, restart_s", [(1800, 0.5, 60), (600, 3.0, 5), (300, 0.01, 0)])
def test_restart_model_against_its_simulated_twin(segment_s, per_hour, restart_s):
    draws = simulate_segment_s(segment_s, per_hour, restart_s, n=40_000, random_state=7)
    se = draws.std(ddof=1) / math.sqrt(draws.size)
    assert abs(draws.mean() - expected_segment_s(segment_s, per_hour, restart_s)) <= 4 * se + 1e-9
    again = simulate_segment_s(segment_s, per_hour, restart_s, n=1000, random_state=7)
    np.testing.assert_array_equal(again, simulate_segment_s(segment_s, per_hour, restart_s, n=1000, random_state=7))


def test_schedules():
    # a 730-h month (AWS's convention): 30.4167 days
    assert runs_per_month("nightly") == pytest.approx(730 / 24)
    assert runs_per_month("hourly") == pytest.approx(730)
    assert runs_per_month("on_upload", uploads_per_day=40) == pytest.approx(40 * 730 / 24)
    assert runs_per_month(17) == 17
    with pytest.raises(InvalidParameterError, match=r"^uploads_per_day=None"):
        runs_per_month("on_upload")
    with pytest.raises(InvalidParameterError, match=r"schedule='weekly'.*'nightly'"):
        runs_per_month("weekly")


def test_job_validation_names_the_field():
    with pytest.raises(InvalidParameterError, match=r"^batch_job\.parallelism=0 "):
        BatchJob(work_s=10, memory_mb=512, runs_per_month=1, parallelism=0)
    with pytest.raises(InvalidParameterError, match=r"^batch_job\.work_s=-5"):
        BatchJob(work_s=-5, memory_mb=512, runs_per_month=1)
    with pytest.raises(InvalidParameterError, match=r"^platforms\.dm_child_type='batch'"):
        Platforms(dm_child_type="batch")


# ------------------------------------------------------------------ hand-priced alternatives
@pytest.fixture()
def job():
    # 30 min of work at 1 GB, nightly, no failures, no free tier, three 600 s chunks
    return BatchJob(work_s=1800, memory_mb=1024, runs_per_month=30, chunkable=True, chunk_s=600, free_tier=False)


def test_standard_chunks_hand_computed(job):
    plat = Platforms(lambda_init_s=1.0, transition_latency_s=0.05)
    r = price_alternative("sfn_standard", job, plat)
    assert (r.chunks, r.concurrency, r.failures_per_run) == (3, 1, 0)
    # per run: 3 requests; 3 x 600 s + one 1 s INIT at 1 GB; 2 + 3 transitions
    per_run = 3 * 0.2e-6 + (1800 + 1) * LAMBDA_GB_S + 5 * TRANSITION
    assert r.per_run_usd == pytest.approx(per_run)
    # the month: 54,030 GB-s -> $0.90; 90 requests -> $0.00; 150 transitions -> $0.00
    assert r.bill.amounts()["Lambda chunks: Lambda duration x86_64 tier 1"] == 0.90
    assert r.monthly_usd == 0.90
    assert r.wall_clock_s == pytest.approx(1 + 3 * (600 + 0.05) + 2 * 0.05)
    assert r.overhead_usd_per_run == pytest.approx(5 * TRANSITION + 3 * 0.2e-6 + 1 * LAMBDA_GB_S)
    assert r.feasible and r.meets_deadline is None


def test_fargate_task_hand_computed(job):
    r = price_alternative("fargate_on_demand", job, Platforms(fargate_vcpu=1, fargate_memory_gb=2, fargate_start_s=60))
    # 1,800 s of work + 60 s start, billed per second: 1,860 s x (1 x vCPU + 2 x GB rates)
    assert r.per_run_usd == pytest.approx(1860 * (FG_VCPU_S + 2 * FG_GB_S))
    assert r.bill.amounts() == {"Fargate task: Fargate vCPU x86_64": 0.63,       # 55,800 vCPU-s
                                "Fargate task: Fargate memory x86_64": 0.14}     # 111,600 GB-s
    assert r.wall_clock_s == 1860 and r.monthly_usd == 0.77


def test_container_failures_with_checkpoints_hand_computed(job):
    j = job.with_(interruption_per_hour=0.5, checkpoint_interval_s=600, checkpoint_s=10)
    r = price_alternative("fargate_on_demand", j, Platforms(fargate_vcpu=1, fargate_memory_gb=2, fargate_start_s=60))
    lam = 0.5 / 3600
    segs = [610, 610, 600]                 # a checkpoint after each of the first two segments
    restart = 60 + 10                      # a new task, then restore the checkpoint
    expected = 60 + sum(math.expm1(lam * s) * (1 / lam + restart) for s in segs)
    assert r.wall_clock_s == pytest.approx(expected)
    assert r.failures_per_run == pytest.approx(sum(math.expm1(lam * s) for s in segs))
    # without checkpoints a failure redoes the whole 1,800 s
    bare = price_alternative("fargate_on_demand", job.with_(interruption_per_hour=0.5),
                             Platforms(fargate_vcpu=1, fargate_memory_gb=2))
    assert bare.failure_cost_usd > r.failure_cost_usd
    assert bare.wall_clock_s == pytest.approx(60 + math.expm1(lam * 1800) * (1 / lam + 60))


def test_retried_chunks_cost_transitions_requests_and_redone_work(job):
    j = job.with_(interruption_per_hour=2.0)
    r = price_alternative("sfn_standard", j, Platforms(lambda_init_s=1.0))
    f = math.expm1(2.0 / 3600 * 600)       # failures per 600 s chunk
    assert r.failures_per_run == pytest.approx(3 * f)
    lost = 3600 / 2.0 - 600 / f
    busy = 3 * (600 + f * lost)
    cold = 1 + 3 * f
    per_run = (3 + 3 * f) * 0.2e-6 + (busy + cold * 1.0) * LAMBDA_GB_S + (5 + 3 * f) * TRANSITION
    assert r.per_run_usd == pytest.approx(per_run)
    assert r.failure_cost_usd == pytest.approx((lost + 1.0) * LAMBDA_GB_S + 0.2e-6 + TRANSITION)


def test_limits_make_alternatives_infeasible(job):
    plat = Platforms(lambda_init_s=1.0)
    long_chunks = price_alternative("sfn_standard", job.with_(chunk_s=900), plat)
    assert not long_chunks.feasible and "900 s timeout" in long_chunks.infeasible_reason
    express = price_alternative("sfn_express", job, plat)          # 30 min > 5 minutes
    assert not express.feasible and "300 s Express maximum" in express.infeasible_reason
    fast = price_alternative("sfn_express", job.with_(parallelism=10, chunk_s=60), plat)
    assert fast.feasible and fast.wall_clock_s < 300
    arm = price_alternative("fargate_spot", job.with_(architecture="arm64"), plat)
    assert not arm.feasible and "x86_64 Linux tasks only" in arm.infeasible_reason
    split = price_alternative("sfn_standard", job.with_(chunkable=False), plat)
    assert not split.feasible and split.monthly_usd > 0            # priced anyway


def test_distributed_map_switches_to_standard_children_for_long_chunks(job):
    r = price_alternative("sfn_distributed_map", job.with_(parallelism=3), Platforms())
    assert any("Standard children" in n for n in r.notes)
    assert r.wall_clock_s < 700                                    # three 600 s chunks side by side
    short = price_alternative("sfn_distributed_map", job.with_(parallelism=3, chunk_s=60), Platforms())
    assert any("express child" in n for n in short.notes)
    assert "Step Functions: child workflows: Step Functions Express requests" in short.bill.amounts()


def test_winner_is_the_cheapest_candidate_and_a_deadline_rules_out_slow_runs(job):
    t = compare_batch_alternatives(job, Platforms(fargate_vcpu=1, fargate_memory_gb=2), breakeven=False)
    cands = [r for r in t.rows if r.candidate]
    assert t.row(t.winner).monthly_usd == min(r.monthly_usd for r in cands)
    dl = compare_batch_alternatives(job.with_(deadline_s=300, parallelism=40, chunk_s=30),
                                    Platforms(fargate_vcpu=1, fargate_memory_gb=2), breakeven=False)
    assert dl.winner_kind == "orchestrated"
    assert all(r.meets_deadline is False for r in dl.rows if r.kind == "container")
    assert "deadline" in dl.reason


# ------------------------------------------------------------------ break-evens
def test_breakeven_job_length_hand_computed():
    # one chunk (chunk_s 600 >= work), 2 GB Lambda ($0.0000333334/s) vs a 1 vCPU / 2 GB Fargate
    # task ($0.000013714/s) that bills its 60 s start. Per run, for work W:
    #   Lambda:  0.2e-6 + (W + 1 s INIT) x 0.0000333334 + 3 transitions x 0.000025
    #   Fargate: (W + 60) x 0.000013714
    # equal at W = (60 x 0.000013714 - 0.0000333334 - 0.0000752) / (0.0000333334 - 0.000013714) = 36.4 s
    job = BatchJob(work_s=600, memory_mb=2048, runs_per_month=30, chunkable=True, chunk_s=600, free_tier=False)
    plat = Platforms(fargate_vcpu=1, fargate_memory_gb=2, fargate_start_s=60, lambda_init_s=1, states_per_run=2)
    lam_s, fg_s = 2 * LAMBDA_GB_S, FG_VCPU_S + 2 * FG_GB_S
    w = (60 * fg_s - lam_s - 0.2e-6 - 3 * TRANSITION) / (lam_s - fg_s)
    be = breakeven_work_s(job, plat, orchestrated="sfn_standard", container="fargate_on_demand")
    assert be["orchestrated_cheaper_below"] is True
    assert be["work_s"] == pytest.approx(w, abs=1.0)              # Fargate bills whole seconds


def test_breakeven_chunk_size_hand_computed():
    # 3,600 s of work at 1 GB, 10 s to checkpoint each chunk, no failures: n chunks cost
    #   (3,600 + 10 n + 1) x 0.0000166667 + n x 0.2e-6 + (2 + n) x 0.000025 per run.
    # A container 4x slower than Lambda (14,400 s + 60 s on 1 vCPU / 2 GB) costs 14,460 x 0.000013714.
    # Orchestration is no dearer while n <= N* = (C - base) / per_chunk, i.e. chunks >= 3,600 / floor(N*).
    job = BatchJob(work_s=3600, memory_mb=1024, runs_per_month=30, chunkable=True, checkpoint_s=10, free_tier=False)
    plat = Platforms(fargate_vcpu=1, fargate_memory_gb=2, fargate_start_s=60, lambda_init_s=1, container_speed=0.25)
    per_chunk = 10 * LAMBDA_GB_S + 0.2e-6 + TRANSITION
    base = 3601 * LAMBDA_GB_S + 2 * TRANSITION
    container = 14_460 * (FG_VCPU_S + 2 * FG_GB_S)
    n_star = math.floor((container - base) / per_chunk)
    be = breakeven_chunk_s(job, plat, orchestrated="sfn_standard", container="fargate_on_demand")
    assert not be["cheaper_at_every_size"]
    assert be["chunk_s"] == pytest.approx(3600 / n_star, rel=2e-3)
    assert "shorter than" in be["reason"]


def test_breakeven_reports_no_crossing():
    # a container half Lambda's price per second never loses on a long job
    job = BatchJob(work_s=7200, memory_mb=2048, runs_per_month=30, chunkable=True, free_tier=False)
    be = breakeven_chunk_s(job, Platforms(fargate_vcpu=1, fargate_memory_gb=2))
    assert be["chunk_s"] is None and "dearer" in be["reason"]


def test_sweep_rows_are_the_priced_alternatives(job):
    plat = Platforms(fargate_vcpu=1, fargate_memory_gb=2)
    df = alternatives_sweep(job, plat, parameter="chunk_s", values=[60, 600],
                            alternatives=["sfn_standard", "fargate_on_demand"])
    assert len(df) == 4 and set(df["alternative"]) == {"sfn_standard", "fargate_on_demand"}
    row = df[(df["chunk_s"] == 60) & (df["alternative"] == "sfn_standard")].iloc[0]
    ref = price_alternative("sfn_standard", job.with_(chunk_s=60), plat)
    assert (row["monthly_usd"], row["wall_clock_s"]) == (ref.monthly_usd, ref.wall_clock_s)
    # the container does not chunk: its cost is the same at every chunk size
    assert df[df["alternative"] == "fargate_on_demand"]["per_run_usd"].nunique() == 1
    with pytest.raises(InvalidParameterError, match=r"^parameter='chunk'"):
        alternatives_sweep(job, plat, parameter="chunk", values=[1])


# ------------------------------------------------------------------ pipelines
def test_pipeline_hand_computed():
    stages = [Stage("a", 100, 1024), Stage("b", 200, 1024)]
    t = pipeline_alternatives(stages, 1_000_000, free_tier=False, sqs_batch_size=10, message_kb=1,
                              fargate_vcpu=0.5, fargate_memory_gb=1, min_tasks=1, target_utilisation=0.6,
                              transition_latency_s=0.05)
    # Lambda: 300,000 GB-s -> $5.00; 2M requests -> $0.40
    # Standard: 3 transitions an item (2 Tasks + Succeed) x 1M = $75.00
    assert t.row("sfn_standard_chain").monthly_usd == 80.40
    # Express: $1.00 requests; 0.3 s + 3 x 0.05 s = 0.45 s -> 500 ms x 64 MB = 8.68 GB-hours -> $0.52
    assert t.row("sfn_express_chain").monthly_usd == pytest.approx(5.40 + 1.00 + 0.52)
    # queue: 1M messages x (1 send + 2/10 receive and delete) = 1.2M SQS requests -> $0.48;
    # stage b invoked 100,000 times with 10 messages (2,000 ms each): $0.20 + $0.02 requests
    assert t.row("lambda_queue_chain").monthly_usd == pytest.approx(5.00 + 0.22 + 0.48)
    # container: 300,000 busy s / (0.5 vCPU x 60 %) = 277.8 task-h < one task always on (730 h)
    assert t.row("fargate_worker").monthly_usd == pytest.approx(
        round(0.5 * 730 * 3600 * FG_VCPU_S, 2) + round(730 * 3600 * FG_GB_S, 2))
    assert t.winner == "lambda_queue_chain"


def test_pipeline_fanout_runs_the_next_stage_per_item():
    t = pipeline_alternatives([Stage("split", 300, 1024, fanout=50), Stage("page", 2000, 1024)], 1000,
                              free_tier=False)
    # 1 split + 1 Map + 50 page Tasks + Succeed = 53 transitions an upload
    assert any("53 state transitions" in n for n in t.row("sfn_standard_chain").notes)
    # 50 pages, at most 40 at a time in an Inline Map: two waves of 2 s
    assert t.row("sfn_standard_chain").wall_clock_s == pytest.approx(0.3 + 2 * 2.0 + 4 * 0.05)
    with pytest.raises(InvalidParameterError, match=r"stages\[x\]\.memory_mb"):
        Stage("x", 10, 64)


# ------------------------------------------------------------------ scenarios
def test_scenario_block_errors_name_the_key(tmp_path):
    import yaml

    from costmodel.scenario.load import load_scenario

    raw = yaml.safe_load((SCENARIOS / "csv-import-chunked.yaml").read_text())
    raw["batch_job"]["chunk_size"] = 30
    with pytest.raises(ScenarioError, match=r"unknown key batch_job\.chunk_size.*allowed keys"):
        long_running_alternatives(load_scenario(raw))
    raw["batch_job"].pop("chunk_size")
    raw["batch_job"]["parallelism"] = -2
    with pytest.raises(InvalidParameterError, match=r"^batch_job\.parallelism=-2"):
        long_running_alternatives(raw)


def test_pipeline_block_errors_name_the_field():
    import yaml

    raw = yaml.safe_load((SCENARIOS / "document-pipeline-fanout.yaml").read_text())
    raw["pipeline"] = {"stages": [{"name": "a", "duration_ms": 100}, {"name": "b", "duration_ms": "fast"}]}
    with pytest.raises(InvalidParameterError, match=r"^pipeline\.stages\[1\]\.duration_ms='fast'"):
        pipeline_from_scenario(raw)
    raw["pipeline"] = {"stages": [{"name": "a", "memory_mb": 64, "duration_ms": 1}]}
    with pytest.raises(InvalidParameterError, match=r"^pipeline\.stages\[a\]\.memory_mb=64"):
        pipeline_from_scenario(raw)
    raw["pipeline"] = {"stages": [{"name": "a"}]}
    with pytest.raises(ScenarioError, match=r"missing required field pipeline\.stages\[0\]\.duration_ms"):
        pipeline_from_scenario(raw)
    raw["pipeline"] = {"stages": [{"name": "a", "duration_ms": 300, "fanout": 50}, {"name": "b", "duration_ms": 2000}],
                       "items_per_day": 100}
    stages, items, _ = pipeline_from_scenario(raw)
    assert [s.name for s in stages] == ["a", "b"] and items == pytest.approx(100 * 730 / 24)  # a 730-h month


def test_nightly_batch_job_runner_wins():
    t = long_running_alternatives(SCENARIOS / "nightly-batch-over-15-min.yaml")
    assert t.winner_kind == "container"
    orch = t.row("sfn_standard")
    assert not orch.feasible and "not chunkable" in orch.infeasible_reason
    # 2,400 s of work at 4 GB split into 600 s chunks: Lambda's GB-s rate costs about twice
    # the 2 vCPU / 8 GB task: 4 x 0.0000166667 = $0.0000667/s vs 2 x 0.000011244 + 8 x 0.000001235
    assert orch.per_run_usd > 1.9 * t.row("fargate_on_demand").per_run_usd
