"""The fault campaign at scale: reference vs naive handler, same seed, invariant counts.

Run:  .venv/bin/python benchmarks/bench_fault_campaign.py [--n-messages 10000] [--seed 0]

Runs ``handler_harness.faults.run_campaign`` twice on in-process moto (reference, then
naive, the same seeded plan) and prints every count side by side, the invariant
violations, and the wall time and messages/s of each run.
"""

from __future__ import annotations

import argparse

from handler_harness.faults import run_campaign


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    results = [run_campaign(args.n_messages, h, args.seed) for h in ("reference", "naive")]
    reference, naive = (r.summary() for r in results)
    print(f"fault campaign: {args.n_messages} messages, seed {args.seed}, in-process moto")
    print(f"{'count':66s} {'reference':>10s} {'naive':>10s}")
    for key in reference:
        print(f"{key:66s} {reference[key]!s:>10s} {naive.get(key, 0)!s:>10s}")
    for key in naive.keys() - reference.keys():
        print(f"{key:66s} {0:>10d} {naive[key]!s:>10s}")
    print("\ninvariant violations (0 = holds)")
    for name in results[0].violations():
        print(f"{name:66s} {results[0].violations()[name]:>10d} {results[1].violations()[name]:>10d}")
    print(f"{'all invariants hold':66s} {results[0].invariants_hold!s:>10s} "
          f"{results[1].invariants_hold!s:>10s}")
    print(f"{'wall time [s]':66s} {results[0].elapsed_s:>10.1f} {results[1].elapsed_s:>10.1f}")
    print(f"{'messages/s (sent / wall time)':66s} "
          f"{args.n_messages / results[0].elapsed_s:>10.1f} {args.n_messages / results[1].elapsed_s:>10.1f}")


if __name__ == "__main__":
    main()
