"""Accuracy of the fast model's arrivals="counts" mode against the exact simulator.

Prints, per case, cold starts and mean instances of both, for fixed service times
(where the counts model is meant to be exact up to rate changes between steps) and for
variable service times (where it is a lower bound and the Poisson model an upper bound).

Run: .venv/bin/python benchmarks/bench_coldstart_counts.py
"""
import numpy as np

from costmodel.models import traffic as tr
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.coldstart.simulator import Duration, simulate


def day_counts(seed, mean_rps=3.0):
    rng = np.random.default_rng(seed)
    counts = rng.poisson(tr.diurnal(mean_rps, horizon_days=1, step_s=60, peak_to_trough=6.0) * 60.0)
    counts[600:610] += 2000
    return counts


def main():
    rng = np.random.default_rng(3)
    k = 1440
    cases = [
        ("hourly cron, 30 d", tr.sparse(24, timing="fixed", horizon_days=30, step_s=60) * 60, 60, 20.0, 600),
        ("5-min cron, 2 d", tr.sparse(288, timing="fixed", horizon_days=2, step_s=60) * 60, 60, 0.2, 600),
        ("diurnal counts", day_counts(7), 60, 0.4, 600),
        ("diurnal counts", day_counts(7), 60, 1.5, 60),
        ("diurnal counts", day_counts(3), 60, 1.0, 10),
        ("diurnal counts, w > step", day_counts(7), 60, 150.0, 600),
        ("Poisson(0.3)/min counts", rng.poisson(0.3, k), 60, 2.0, 120),
        ("Poisson(5)/min, T=10", rng.poisson(5, k), 60, 0.5, 10),
        ("bursty counts", np.where(rng.random(k) < 0.05, rng.integers(50, 500, k), rng.integers(0, 4, k)), 60, 1.5, 300),
        ("0-19/min, w > step", rng.integers(0, 20, k), 60, 150.0, 600),
        ("hourly steps, 0-3/step", rng.integers(0, 4, 200), 3600, 1.0, 600),
        ("1-s steps, Poisson(3)", rng.poisson(3, 20000), 1, 0.4, 60),
    ]
    print("fixed service time (Duration.fixed(w)):")
    print(f"{'case':28s} {'w s':>6s} {'T s':>5s} {'requests':>9s} {'cold fast':>9s} {'cold sim':>9s} "
          f"{'inst fast':>9s} {'inst sim':>9s}")
    for name, n, s, w, T in cases:
        rate = np.rint(n) / s
        f = fast_cold_starts(rate, s, w, T, arrivals="counts")
        x = simulate(rate, step_s=s, warm_duration=Duration.fixed(w), keep_alive_s=T, arrivals="counts")
        print(f"{name:28s} {w:6g} {T:5g} {x.requests:9d} {f.total_cold_starts:9.0f} {x.cold_starts:9d} "
              f"{f.mean_instances:9.3f} {x.mean_instances:9.3f}")
    print("\nvariable service time: P(cold) counts model / simulator (2 seeds) / Poisson model")
    for kind in ("lognormal p99 = 3 x mean", "exponential"):
        for mean_rps, w, T in [(0.02, 0.2, 600), (0.2, 0.2, 600), (1, 0.1, 600), (5, 0.5, 600), (1, 2.0, 60)]:
            rate = np.rint(tr.diurnal(mean_rps, horizon_days=1, step_s=60) * 60) / 60
            wd = Duration.lognormal(w, 3 * w) if kind.startswith("log") else Duration.exponential(w)
            fc = fast_cold_starts(rate, 60, w, T, arrivals="counts")
            fp = fast_cold_starts(rate, 60, w, T)
            sims = [simulate(rate, step_s=60, warm_duration=wd, keep_alive_s=T, arrivals="counts", random_state=i)
                    for i in range(2)]
            sc = np.mean([x.cold_start_fraction for x in sims])
            si = np.mean([x.mean_instances for x in sims])
            print(f"{kind:26s} {mean_rps:5g} req/s w={w:g} T={T:g}: {fc.cold_start_fraction:.3e} / {sc:.3e} / "
                  f"{fp.cold_start_fraction:.3e}   instances {fc.mean_instances:.2f} / {si:.2f} / {fp.mean_instances:.2f}")


if __name__ == "__main__":
    main()
