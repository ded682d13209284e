"""Command-line interface: ``costmodel <command> FILE.yaml [options]``.

Each subcommand is a pair ``_add_<name>(subparsers)`` (declares its arguments) and
``_cmd_<name>(args) -> int`` (runs it), registered in :data:`_COMMANDS`. To add a
command, write the pair and append one tuple to ``_COMMANDS``.

Any :class:`~costmodel.errors.CostModelError` is printed on stderr as one line and the
process exits with status 2 (no traceback): the message already names the parameter,
the value and what is allowed.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from .errors import CostModelError


# --- bill (engineer A) -------------------------------------------------------------------
def _add_bill(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "bill",
        help="print the itemised monthly bill for a usage file",
        description="Price a month of usage described in a YAML usage file "
        "(see docs/usage-format.md) and print the itemised bill.",
    )
    p.add_argument("file", help="usage file (YAML)")
    p.add_argument("--json", action="store_true", help="print the line items and the total as JSON")
    return p


def _cmd_bill(args: argparse.Namespace) -> int:
    from .usage import bill_usage_file

    bill = bill_usage_file(args.file)
    if args.json:
        print(json.dumps(bill.to_dict(), indent=2))
    else:
        print(bill.to_text())
    return 0


# --- recommend (engineer E) --------------------------------------------------------------
def _add_recommend(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "recommend",
        help="recommend Lambda or containers for a scenario, signal by signal",
        description="Evaluate the hard limits, the 'when not to use' rules and the six "
        "decision signals of a scenario file and print the verdict with its reasons and "
        "evidence (see docs/decision.md).",
    )
    p.add_argument("file", help="scenario file (YAML)")
    p.add_argument("--json", action="store_true", help="print the complete recommendation as JSON")
    return p


def _cmd_recommend(args: argparse.Namespace) -> int:
    from .decision import recommend

    rec = recommend(args.file)
    if args.json:
        print(json.dumps(rec.to_dict(), indent=2))
    else:
        print(rec.to_text())
    return 0


# --- registry ----------------------------------------------------------------------------
_COMMANDS: list[tuple[Callable, Callable[[argparse.Namespace], int]]] = [
    (_add_bill, _cmd_bill),
    (_add_recommend, _cmd_recommend),
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="costmodel",
        description="Lambda or containers? Cost, latency and decision workbook.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for add, cmd in _COMMANDS:
        sub = add(subparsers)
        sub.set_defaults(_handler=cmd)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``costmodel`` script. Returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._handler(args) or 0)
    except CostModelError as exc:
        print(f"costmodel {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"costmodel {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover - exercised via `python -m costmodel.cli`
    sys.exit(main())
