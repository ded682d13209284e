"""Command-line interface: ``costmodel <command> FILE.yaml [options]``.

Each subcommand is a pair ``_add_<name>(subparsers)`` (declares its arguments) and
``_cmd_<name>(args) -> int`` (runs it), registered in :data:`_COMMANDS`. To add a
command, write the pair and append one tuple to ``_COMMANDS``.

Any :class:`~costmodel.errors.CostModelError` is printed on stderr as one line and the
process exits with status 2 (no traceback): the message already names the parameter,
the value and what is allowed.

Everything the commands print passes through :func:`costmodel.escape.strip_control`, so
text from a scenario or usage file (names, descriptions, values echoed in errors) cannot
send escape sequences to the terminal. JSON numbers are written without binary noise
(10 significant figures). When the reader of stdout goes away (``| head``) the command
stops quietly.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TextIO, TypeAlias

import costmodel
from costmodel.analysis.account_limits import account_limit_checks
from costmodel.analysis.compare import compare
from costmodel.analysis.rightsizing import compare_at_service_level
from costmodel.analysis.service_curve import cost_vs_target
from costmodel.decision import recommend
from costmodel.decision.records import jsonable
from costmodel.errors import CostModelError
from costmodel.escape import strip_control
from costmodel.importers.cli import add_arguments as add_import_arguments
from costmodel.importers.cli import run as run_import
from costmodel.models.pricing import Prices
from costmodel.prices.cli import add_prices, cmd_prices
from costmodel.prices.staleness import price_set_line, price_staleness
from costmodel.scenario.json_schema import SCHEMA_KINDS, schema_text
from costmodel.scenario.load import Scenario
from costmodel.scenario.service_level import right_sizing_enabled
from costmodel.scenario.usage import bill_usage, load_usage
from costmodel.workbook.parameters import load_report_scenario, parse_cli_parameters
from costmodel.workbook.report import run_report

#: ``parser.add_subparsers()``: where each command declares its parser.
_Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class _Record(Protocol):
    """A result record: ``to_dict()`` for JSON, ``to_text()`` for a terminal."""

    def to_dict(self) -> dict[str, Any]: ...

    def to_text(self) -> str: ...


# --- bill -------------------------------------------------------------------
def _add_bill(subparsers: _Subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "bill",
        help="print the itemised monthly bill for a usage file",
        description="Price a month of usage described in a YAML usage file "
        "(see docs/usage-format.md) and print the itemised bill.",
    )
    p.add_argument("file", nargs="+", help="usage file(s) (YAML); several are billed one after another")
    p.add_argument("--json", action="store_true", help="print the line items and the total as JSON "
                   "(for several files: an object keyed by file name)")
    return p


def _clean_json(value: Any) -> Any:
    """Floats to 10 significant figures (``3218400.000000001`` -> ``3218400.0``), NaN and
    infinities as null, recursively."""
    if isinstance(value, float):
        return float(f"{value:.10g}") if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    return value


def _dumps(doc: Any) -> str:
    """JSON for stdout: indented, floats without noise (:func:`_clean_json`)."""
    return json.dumps(_clean_json(doc), indent=2)


def _print_result(result: _Record, as_json: bool) -> int:
    """Print a result record as JSON (``to_dict``) or as text for a terminal (``to_text``)."""
    print(_dumps(result.to_dict()) if as_json else result.to_text())
    return 0


def _add_parameter_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="override a scenario field by dotted name, e.g. -p traffic.mean_rps 20 "
        "(VALUE is read as YAML: numbers, true/false, lists); repeatable",
    )


def _scenario(args: argparse.Namespace) -> Scenario:
    """The command's scenario file with its ``-p`` overrides, validated."""
    return load_report_scenario(args.file, parse_cli_parameters(args.parameter))


def _price_set(prices: Prices) -> dict[str, str]:
    """The price set's region and date (for JSON output)."""
    return {"region": prices.region, "price_set": prices.price_set}


def _warn_if_stale(*price_sets: Prices) -> None:
    """Print on stderr the staleness warning of each distinct price set that is too old."""
    for warning in dict.fromkeys(filter(None, (price_staleness(p) for p in price_sets))):
        print(warning, file=sys.stderr)


def _cmd_bill(args: argparse.Namespace) -> int:
    usages = {path: load_usage(path) for path in args.file}
    prices = {path: usage.prices() for path, usage in usages.items()}
    bills = {path: bill_usage(u, prices=prices[path]) for path, u in usages.items()}  # all validated before printing
    if args.json:
        docs = {path: {**bill.to_dict(), "prices": _price_set(prices[path])} for path, bill in bills.items()}
        print(_dumps(docs[args.file[0]] if len(bills) == 1 else docs))
    elif len(bills) == 1:
        print(next(iter(bills.values())).to_text())
        print(price_set_line(prices[args.file[0]]))
    else:
        print("\n\n".join(f"== {path}\n{bill.to_text()}\n{price_set_line(prices[path])}"
                          for path, bill in bills.items()))
    _warn_if_stale(*prices.values())
    return 0


# --- recommend --------------------------------------------------------------
def _add_recommend(subparsers: _Subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "recommend",
        help="recommend Lambda or containers for a scenario, signal by signal",
        description="Evaluate the hard limits, the 'when not to use' rules and the six "
        "decision signals of a scenario file and print the verdict with its reasons and "
        "evidence (see docs/decision.md).",
    )
    p.add_argument("file", help="scenario file (YAML)")
    p.add_argument("--json", action="store_true", help="print the complete recommendation as JSON")
    p.add_argument("--signals", metavar="YAML", default=None,
                   help="decision-signal thresholds (default data/decision_signals.yaml)")
    p.add_argument("--limits", metavar="YAML", default=None,
                   help="hard limits and 'when not to use' rules (default data/hard_limits.yaml)")
    _add_parameter_option(p)
    return p


def _cmd_recommend(args: argparse.Namespace) -> int:
    return _print_result(recommend(_scenario(args), signals=args.signals, limits=args.limits), args.json)


# --- compare ---------------------------------------------------------------
def _add_compare(subparsers: _Subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "compare",
        help="compare Lambda, Fargate and EC2 on a scenario's month of traffic",
        description="Simulate a scenario's traffic on Lambda (with its front door), Fargate "
        "(on-demand, Spot, Savings Plan) and EC2 (on-demand, Savings Plan), each right-sized to the "
        "scenario's service level, and print the monthly cost of each next to the option as "
        "configured, what it took, and the account quotas the traffic exceeds "
        "(see docs/service-level.md and docs/traffic-and-comparison.md).",
    )
    p.add_argument("file", help="scenario file (YAML)")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    _add_parameter_option(p)
    p.add_argument("--as-configured", action="store_true",
                   help="only the options as configured (default: right-sized to the scenario's service level, "
                        "next to the options as configured; see docs/service-level.md)")
    p.add_argument("--curve", action="store_true",
                   help="also the monthly cost of every option right-sized to each p99 target from 5 s to 100 ms")
    return p


def _cmd_compare(args: argparse.Namespace) -> int:
    scenario = _scenario(args)
    prices = scenario.prices()
    if not args.as_configured and right_sizing_enabled(scenario):
        result = compare_at_service_level(scenario)
        curve = cost_vs_target(scenario) if args.curve else None
        checks = account_limit_checks(result.sizing.scenario, result.right_sized, quotas_from=scenario)
        if args.json:
            doc = {**result.to_dict(), "prices": _price_set(prices),
                   "account_limits": [c.to_dict() for c in checks]}
            if curve is not None:
                doc["cost_vs_target"] = curve.to_dict()
            print(_dumps(jsonable(doc)))
        else:
            print(result.to_text())
            hit = [c for c in checks if c.exceeded]
            if hit:
                print("\nAccount limits the traffic exceeds:")
                print("\n".join(f"- {c.option}: {c.reason}: {c.request}" for c in hit))
            if curve is not None:
                print("\n" + curve.to_text())
            print(price_set_line(prices))
        _warn_if_stale(prices)
        return 0
    comparison = compare(scenario, prices=prices)
    if args.json:
        print(_dumps({**comparison.to_dict(), "prices": _price_set(prices)}))
    else:
        print(comparison.to_text())
        print(price_set_line(prices))
    _warn_if_stale(prices)
    return 0


# --- report -----------------------------------------------------------------
def _add_report(subparsers: _Subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "report",
        help="run the decision report notebook for a scenario and write offline HTML",
        description="Validate a scenario file and its overrides, execute notebooks/report.ipynb with "
        "papermill and write the executed notebook, a self-contained HTML report (code hidden, plotly.js "
        "embedded, nothing loaded from the network) and the summary as Markdown and CSV to DIR. Files are "
        "named after the scenario and its overrides and replaced only when the whole run succeeds "
        "(see docs/notebooks.md).",
    )
    p.add_argument("file", help="scenario file (YAML)")
    _add_parameter_option(p)
    p.add_argument("-o", "--output-dir", default="reports", metavar="DIR", help="output directory (default: reports)")
    p.add_argument("--name", default=None, metavar="NAME",
                   help="base name of the output files (default: the scenario file's name, then the overrides)")
    p.add_argument("--json", action="store_true",
                   help="print the output paths, the verdict and the key numbers as JSON")
    return p


def _cmd_report(args: argparse.Namespace) -> int:
    result = run_report(args.file, parse_cli_parameters(args.parameter), output_dir=args.output_dir,
                        name=args.name)
    if args.json:
        print(_dumps(result.to_dict()))
        return 0
    s = result.summary
    print(f"notebook: {result.notebook_path}")
    print(f"html:     {result.html_path} ({result.chart_count} charts)")
    print(f"summary:  {result.markdown_path}, {result.csv_path}")
    if s.get("verdict"):
        print(f"verdict:  {s['verdict']} ({s['confidence']} confidence; decided by {s['decided_by']})")
    print(f"took {result.elapsed_s:.1f} s")
    return 0


# --- schema ------------------------------------------------------------------------------
def _add_schema(subparsers: _Subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of an input file kind",
        description="Print the JSON Schema (draft 2020-12) of usage files, scenario files or price "
        "overrides, generated from the validation models; point your editor's YAML language server at "
        "it for completion and errors as you type (see docs/usage-format.md).",
    )
    p.add_argument("kind", choices=tuple(SCHEMA_KINDS), help="which input kind")
    return p


def _cmd_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text(args.kind))
    return 0


# --- import -----------------------------------------------------------------------------
def _add_import(subparsers: _Subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "import",
        help="import a running workload from CloudWatch into a scenario and a trace",
        description="Read a Lambda function's (or every function's) CloudWatch metrics and REPORT lines "
        "and write a scenario YAML plus a CSV rate trace that compare/recommend/report run on "
        "(see docs/import-cloudwatch.md).",
    )
    add_import_arguments(p)
    return p


def _cmd_import(args: argparse.Namespace) -> int:
    return run_import(args)


# --- registry ----------------------------------------------------------------------------
#: (declare the command's parser: returns it or not, run the command)
_COMMANDS: list[tuple[Callable[[_Subparsers], object], Callable[[argparse.Namespace], int]]] = [
    (_add_bill, _cmd_bill),
    (_add_compare, _cmd_compare),
    (add_prices, cmd_prices),  # costmodel prices refresh|diff (costmodel.prices.cli)
    (_add_recommend, _cmd_recommend),
    (_add_report, _cmd_report),
    (_add_schema, _cmd_schema),
    (_add_import, _cmd_import),
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="costmodel",
        description="Lambda or containers? Cost, latency and decision workbook.",
    )
    parser.add_argument("--version", action="version", version=f"costmodel {costmodel.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for add, cmd in _COMMANDS:
        before = set(subparsers.choices)
        add(subparsers)  # may or may not return its parser
        for name in set(subparsers.choices) - before:
            subparsers.choices[name].set_defaults(_handler=cmd)
    return parser


class _TerminalSafe:
    """A text stream that drops escape sequences and control characters on the way out."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(strip_control(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``costmodel`` script. Returns the process exit status."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _TerminalSafe(out), _TerminalSafe(err)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        try:
            status = int(args._handler(args) or 0)
            sys.stdout.flush()
            return status
        except (CostModelError, FileNotFoundError) as exc:
            message = " ".join(str(exc).split())  # one line, whatever the message holds
            print(f"costmodel {args.command}: error: {message}", file=sys.stderr)
            return 2
    except BrokenPipeError:
        # the reader went away (`costmodel ... | head`): stop quietly, as other Unix tools do
        with contextlib.suppress(OSError, ValueError):  # no second error when Python flushes at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return 141  # 128 + SIGPIPE
    finally:
        sys.stdout, sys.stderr = out, err


if __name__ == "__main__":  # pragma: no cover - exercised via `python -m costmodel.cli`
    sys.exit(main())
