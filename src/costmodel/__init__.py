"""costmodel: Lambda or containers, with numbers.

The curated public API. Implementation lives in the submodules; names are loaded on
first use (PEP 562), so ``import costmodel`` stays cheap for the CLI.

Prices and bills
    load_prices, lambda_bill, fargate_bill, ec2_bill, api_gateway_bill, alb_bill,
    function_url_bill, sqs_bill, dynamodb_bill, logs_bill, nat_bill, data_transfer_bill,
    ProvisionedWindow, Bill, LineItem, load_usage, bill_usage
Traffic and work
    steady, diurnal, weekly, bursty, spikes, sparse, growth, combine, scale,
    load_csv_trace, load_azure_trace, traffic_signals, label_traffic,
    Duration, Work
Containers, comparison, break-even
    ScalingPolicy, simulate_scaling, lambda_on_traffic, load_scenario, Comparison
    (the function is ``costmodel.analysis.compare.compare``: the submodule shares its name),
    breakeven_mean_rps, breakeven_curve, tornado, monte_carlo
Cold starts and latency
    simulate, cold_start_fraction, fast_cold_starts, erlang_b, steady_state_model,
    lambda_latency, container_latency, chain_latency, provisioned_concurrency_tradeoff
Decision, fan-out, failure modes
    recommend, evaluate, compare_batch_sizes, cache_hit_rate, cold_start_slo_check
    (and ``costmodel.models.fanout.fanout``)
Past 15 minutes and pipelines
    standard_bill, express_bill, distributed_map_bill, BatchJob, Platforms,
    compare_batch_alternatives, pipeline_alternatives, breakeven_chunk_s, breakeven_work_s,
    long_running_alternatives
Reports
    run_report
"""
from __future__ import annotations

import importlib
from typing import Any

from costmodel.errors import (
    CostModelError,
    InvalidParameterError,
    ScenarioError,
    TraceFormatError,
    UnknownNameError,
)

__version__ = "0.1.0"

_LAZY: dict[str, str] = {}
for _module, _names in {
    "models.pricing": ["load_prices", "list_price_sets", "Prices", "Rate"],
    "models.bills": ["lambda_bill", "lambda_account_bill", "fargate_bill", "ec2_bill", "api_gateway_bill", "alb_bill",
              "function_url_bill", "sqs_bill", "dynamodb_bill", "logs_bill", "nat_bill",
              "data_transfer_bill", "ProvisionedWindow", "Bill", "LineItem"],
    "scenario.usage": ["load_usage", "bill_usage"],
    "models.traffic": ["steady", "diurnal", "weekly", "bursty", "spikes", "sparse", "growth", "combine",
                "scale", "load_csv_trace", "load_azure_trace", "traffic_signals", "label_traffic"],
    "models.duration": ["Duration"],
    "models.workload": ["Work"],
    "models.autoscaling": ["ScalingPolicy", "simulate_scaling"],
    "models.lambda_traffic": ["lambda_on_traffic"],
    "analysis.compare": ["Comparison"],  # the function: costmodel.analysis.compare.compare (a submodule shares its name)
    "scenario.load": ["load_scenario", "Scenario"],
    "analysis.breakeven": ["breakeven_mean_rps", "breakeven_curve", "tornado", "monte_carlo"],
    "models.coldstart.simulator": ["simulate", "cold_start_fraction", "erlang_b", "steady_state_model"],
    "models.coldstart.fast": ["fast_cold_starts"],
    "models.latency": ["lambda_latency", "container_latency", "chain_latency",
                "provisioned_concurrency_tradeoff"],
    "decision": ["recommend", "evaluate", "Recommendation"],
    "models.fanout": ["compare_batch_sizes"],  # the function: costmodel.models.fanout.fanout
    "models.stepfunctions": ["standard_bill", "express_bill", "distributed_map_bill"],
    "models.batch_jobs": ["BatchJob", "Platforms", "compare_batch_alternatives", "pipeline_alternatives",
                          "breakeven_chunk_s", "breakeven_work_s"],
    "analysis.long_running": ["long_running_alternatives"],
    "models.failure_modes": ["cache_hit_rate", "cold_start_slo_check"],
    "workbook.report": ["run_report"],
}.items():
    for _name in _names:
        _LAZY[_name] = _module

__all__ = [  # noqa: PLE0604 - *sorted(_LAZY) unpacks strings: the lazily loaded names
    "CostModelError",
    "InvalidParameterError",
    "ScenarioError",
    "TraceFormatError",
    "UnknownNameError",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'costmodel' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
