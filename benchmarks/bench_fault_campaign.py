"""The fault campaign at scale: reference vs a counter-example, same seed, invariant counts.

Run:  .venv/bin/python benchmarks/bench_fault_campaign.py [--n-messages 10000] [--seed 0]
      .venv/bin/python benchmarks/bench_fault_campaign.py --queue-type fifo --handlers reference,unordered

Runs ``handler_harness.faults.run_campaign`` once per handler on in-process moto (by
default the reference, then the naive variant; the same seeded plan) and prints every
count side by side, the invariant violations, and the wall time and messages/s of each run.
"""

from __future__ import annotations

import argparse

from handler_harness.faults import ALL_HANDLERS, QUEUE_TYPES, run_campaign


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--queue-type", choices=QUEUE_TYPES, default="standard")
    parser.add_argument("--handlers", default="reference,naive", help=f"comma-separated, of {ALL_HANDLERS}")
    args = parser.parse_args()
    handlers = args.handlers.split(",")
    results = [run_campaign(args.n_messages, h, args.seed, queue_type=args.queue_type) for h in handlers]
    summaries = [r.summary() for r in results]
    keys = list(dict.fromkeys(k for s in summaries for k in s))
    print(f"fault campaign: {args.n_messages} messages, seed {args.seed}, "
          f"{args.queue_type} queue, in-process moto")
    print(f"{'count':66s}" + "".join(f" {h:>10s}" for h in handlers))
    for key in keys:
        print(f"{key:66s}" + "".join(f" {s.get(key, 0)!s:>10s}" for s in summaries))
    print("\ninvariant violations (0 = holds)")
    for name in results[0].violations():
        print(f"{name:66s}" + "".join(f" {r.violations()[name]:>10d}" for r in results))
    print(f"{'all invariants hold':66s}" + "".join(f" {r.invariants_hold!s:>10s}" for r in results))
    print(f"{'wall time [s]':66s}" + "".join(f" {r.elapsed_s:>10.1f}" for r in results))
    print(f"{'messages/s (sent / wall time)':66s}"
          + "".join(f" {args.n_messages / r.elapsed_s:>10.1f}" for r in results))


if __name__ == "__main__":
    main()
