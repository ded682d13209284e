"""``costmodel prices refresh|diff``: the command-line side of :mod:`costmodel.prices`.

Registered by :mod:`costmodel.cli` (``add_prices``/``cmd_prices``); errors are
:class:`~costmodel.errors.CostModelError` and end as one line with exit status 2.
"""
from __future__ import annotations

import argparse
import json

from costmodel.prices.catalog import PRICING_ENDPOINT_REGIONS, SERVICES
from costmodel.prices.diff import PriceDiff, diff_prices
from costmodel.prices.refresh import RefreshResult, refresh_prices

__all__ = ["add_prices", "cmd_prices"]


def _services(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [s.strip() for v in values for s in v.split(",") if s.strip()]


def add_prices(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Declare ``costmodel prices refresh|diff`` and their options."""
    p = subparsers.add_parser(
        "prices",
        help="refresh price files from the AWS Price List, or diff two of them",
        description="Keep prices current (see docs/pricing.md): `refresh` writes a new dated price file "
        "from the AWS Price List; `diff` shows what changed between two files and what it does to the "
        "canonical scenarios.",
    )
    sub = p.add_subparsers(dest="prices_command", metavar="ACTION")
    sub.required = True
    r = sub.add_parser(
        "refresh",
        help="write data/pricing/aws-REGION-DATE.yaml from the AWS Price List",
        description="Look up every rate the model uses in the AWS Price List (Query API via boto3, needs "
        "credentials allowed pricing:GetProducts; or bulk offer files on disk, no credentials) and write a "
        "new dated price file. Rates the Price List does not carry are copied from the base file with "
        "their status.",
    )
    r.add_argument("--region", required=True, help="AWS region of the prices, e.g. eu-west-1")
    r.add_argument("--services", nargs="+", metavar="NAME",
                   help="only these services (space or comma separated): " + ", ".join(SERVICES))
    r.add_argument("--offer-file", action="append", default=[], metavar="PATH",
                   help="a bulk offer file (index.json or .json.gz) to read instead of calling the API; repeatable")
    r.add_argument("--base", metavar="FILE", help="price file to copy the other rates from "
                   "(default: the region's latest shipped file, else us-east-1's)")
    r.add_argument("--output-dir", metavar="DIR", help="where to write the file (default: data/pricing)")
    r.add_argument("--date", metavar="YYYY-MM-DD", help="date of the new price set (default: today, UTC)")
    r.add_argument("--endpoint-region", default="us-east-1", choices=PRICING_ENDPOINT_REGIONS,
                   help="Price List API endpoint (default us-east-1)")
    r.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    r.add_argument("--force", action="store_true", help="replace an existing file of the same name")
    r.add_argument("--json", action="store_true", help="print the result as JSON")
    d = sub.add_parser(
        "diff",
        help="rates that changed between two price files and the effect on the canonical scenarios",
        description="Compare price files A and B rate by rate, then price every canonical scenario "
        "(data/scenarios/*.yaml) with each: monthly bill of every option and the verdict.",
    )
    d.add_argument("a", help="price file A (a path, or a file name in data/pricing)")
    d.add_argument("b", help="price file B")
    d.add_argument("--scenario", action="append", metavar="YAML",
                   help="scenario file(s) to evaluate instead of the canonical ones; repeatable")
    d.add_argument("--no-scenarios", action="store_true", help="rates only")
    d.add_argument("--no-verdicts", action="store_true",
                   help="bills only (recommend takes 1-2 s per scenario and price set)")
    d.add_argument("--json", action="store_true", help="print the diff as JSON")
    return p


def cmd_prices(args: argparse.Namespace) -> int:
    """Run ``costmodel prices refresh`` or ``costmodel prices diff``; print text or JSON."""
    result: RefreshResult | PriceDiff
    if args.prices_command == "refresh":
        result = refresh_prices(
            args.region, services=_services(args.services), offer_files=args.offer_file or None,
            endpoint_region=args.endpoint_region, base=args.base, output_dir=args.output_dir,
            price_set=args.date, write=not args.dry_run, overwrite=args.force,
        )
    else:
        scenarios = [] if args.no_scenarios else args.scenario
        result = diff_prices(args.a, args.b, scenarios=scenarios, verdicts=not args.no_verdicts)
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.to_text())
    return 0
