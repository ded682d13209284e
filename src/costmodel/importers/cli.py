"""Arguments and runner of ``costmodel import cloudwatch`` (registered in :mod:`costmodel.cli`)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from costmodel.errors import InvalidParameterError

from .cloudwatch import import_lambda
from .fleet import import_fleet
from .services import import_alb, import_api_gateway, import_ecs_service

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", choices=["cloudwatch"], help="where to import from (CloudWatch metrics and logs)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--function", metavar="NAME", help="a Lambda function (name or ARN)")
    what.add_argument("--all-functions", action="store_true",
                      help="every Lambda function of the account (or of --tag): one table of verdicts")
    what.add_argument("--load-balancer", metavar="NAME", help="an Application Load Balancer (name or ARN)")
    what.add_argument("--api", metavar="ID_OR_NAME", help="an API Gateway HTTP API (id or name) or REST API")
    what.add_argument("--ecs-service", metavar="NAME",
                      help="an ECS service behind a load balancer (with --ecs-cluster)")
    p.add_argument("--ecs-cluster", metavar="NAME", help="the ECS service's cluster")
    p.add_argument("--target-group", metavar="NAME", help="with --load-balancer or --ecs-service: one target group")
    p.add_argument("--stage", help="with --api: one stage")
    p.add_argument("--cpu-ms-per-request", type=float, default=None, metavar="MS",
                   help="CPU time per request on a container [ms] when known (default: derived, see the docs)")
    p.add_argument("--tag", metavar="KEY=VALUE", help="with --all-functions: only functions with this tag")
    p.add_argument("--region", help="AWS region (default: AWS_REGION / the profile's)")
    p.add_argument("--profile", help="named AWS profile (default: AWS_PROFILE / the default chain)")
    p.add_argument("--endpoint-url", help="another endpoint (e.g. a moto server); default AWS_ENDPOINT_URL")
    p.add_argument("--start", help="start of the range, ISO 8601 UTC (default: --days before --end)")
    p.add_argument("--end", help="end of the range, ISO 8601 UTC (default: now)")
    p.add_argument("--days", type=float, default=None, help="length of the default range [days] (30)")
    p.add_argument("--period", type=int, default=None, metavar="S",
                   help="period [s], at least the finest CloudWatch keeps for the range (chosen by default)")
    p.add_argument("--front-door", default="none",
                   choices=["api_gateway_rest", "api_gateway_http", "alb", "function_url", "none"],
                   help="what invokes the function (priced on both sides; not visible in Lambda metrics)")
    p.add_argument("--keep-alive", type=float, default=600.0, metavar="S", help="idle keep-alive assumed [s]")
    p.add_argument("--log-hours", type=float, default=24.0, metavar="H",
                   help="REPORT-line sample window at the end of the range [h] (0: skip the logs)")
    p.add_argument("--no-percentiles", action="store_true",
                   help="do not request the p50/p99 extended statistics (endpoints without them, e.g. moto)")
    p.add_argument("--engine", default="processes", choices=["serial", "processes", "dask"],
                   help="with --all-functions: where the per-function analysis runs (default: a process pool)")
    p.add_argument("--workers", type=int, default=None, help="with --all-functions: worker processes")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --engine dask: a running scheduler (default: a local cluster)")
    p.add_argument("-o", "--output-dir", default="imported", metavar="DIR", help="where to write (default: imported)")
    p.add_argument("--json", action="store_true", help="print the import summary as JSON")


def run(args: argparse.Namespace) -> int:
    common: dict[str, Any] = {"start": args.start, "end": args.end, "days": args.days, "period_s": args.period,
                                  "region": args.region, "profile": args.profile, "endpoint_url": args.endpoint_url}
    percentiles = () if args.no_percentiles else ("p50", "p99")
    if args.all_functions:
        tag = None
        if args.tag:
            if "=" not in args.tag:
                raise InvalidParameterError("--tag", args.tag, "KEY=VALUE")
            tag = tuple(args.tag.split("=", 1))
        table = import_fleet(tag=tag, output_dir=args.output_dir, percentiles=percentiles,
                             front_door=args.front_door, keep_alive_s=args.keep_alive, engine=args.engine,
                             workers=args.workers, scheduler_address=args.scheduler,
                             progress=sys.stderr.isatty(), **common)
        if args.json:
            print(table.to_json(orient="records", indent=2))
        else:
            print(table.to_string())
        return 0
    if args.tag:
        raise InvalidParameterError("--tag", args.tag, "only with --all-functions")
    if args.function:
        imp = import_lambda(args.function, percentiles=percentiles, log_window_hours=args.log_hours,
                            front_door=args.front_door, keep_alive_s=args.keep_alive,
                            cpu_ms_per_request=args.cpu_ms_per_request, **common)
    elif args.load_balancer:
        imp = import_alb(args.load_balancer, target_group=args.target_group, percentiles=percentiles,
                         keep_alive_s=args.keep_alive, cpu_ms_per_request=args.cpu_ms_per_request, **common)
    elif args.api:
        imp = import_api_gateway(args.api, stage=args.stage, percentiles=percentiles, keep_alive_s=args.keep_alive,
                                 cpu_ms_per_request=args.cpu_ms_per_request, **common)
    else:
        if not args.ecs_cluster:
            raise InvalidParameterError("--ecs-cluster", None, "the cluster of --ecs-service")
        imp = import_ecs_service(args.ecs_cluster, args.ecs_service, target_group=args.target_group,
                                 percentiles=percentiles, keep_alive_s=args.keep_alive, **common)
    scenario_path, trace_path = imp.write(args.output_dir)
    if args.json:
        print(json.dumps(imp.to_dict() | {"scenario": str(scenario_path), "trace": str(trace_path)}, indent=2))
    else:
        print(imp.to_text())
        if imp.reports is not None and imp.reports.invocations:
            print(imp.cold_start_check().to_text())
        print(f"scenario: {scenario_path}")
        print(f"trace:    {trace_path}")
        print(f"next:     costmodel recommend {scenario_path}")
    return 0
