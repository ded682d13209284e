"""Regenerate the small synthetic trace fixtures in this folder (seeded, deterministic).

    python data/traces/make_fixtures.py

Writes, for one day at 1-minute resolution, three made-up functions in both Azure
Functions 2019 per-minute schemas (the counts are identical in both files):

* ``azure_original_3fn.csv``  - ``HashOwner,HashApp,HashFunction,Trigger,1..1440``
* ``azure_resampled_3fn.csv`` - ``HashFunction,HashApp,HashOwner,minute_1..minute_1440``
  (as resampled by vHive In-Vitro: the three hash columns are identical)

and ``api_requests_5min.csv``, a CSV trace ``timestamp,count`` at 5-minute steps for one day
with the quiet night-time rows (zero requests) left out, as many exporters do.

The functions: ``http-api`` (diurnal, Poisson counts around 30/min at the 14:00 peak),
``timer-15min`` (exactly one call every 15 minutes), ``queue-bursty`` (idle except
Poisson bursts of ~200 calls in three 10-minute windows).
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MINUTES = 1440


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def function_counts(seed: int = 2019) -> dict[str, tuple[str, np.ndarray]]:
    """name -> (trigger, invocations per minute) for the three fixture functions."""
    rng = np.random.default_rng(seed)
    minute = np.arange(MINUTES)
    hour = (minute + 0.5) / 60.0
    diurnal = 15.0 * (1.0 + np.cos(2 * np.pi * (hour - 14.0) / 24.0)) + 1.0
    http = rng.poisson(diurnal)
    timer = (minute % 15 == 0).astype(np.int64)
    queue = np.zeros(MINUTES, dtype=np.int64)
    for start in (180, 720, 1260):
        queue[start:start + 10] = rng.poisson(20.0, size=10)
    return {"http-api": ("http", http), "timer-15min": ("timer", timer), "queue-bursty": ("queue", queue)}


def write_azure(path: Path, schema: str, funcs: dict[str, tuple[str, np.ndarray]]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        if schema == "original":
            w.writerow(["HashOwner", "HashApp", "HashFunction", "Trigger"] + [str(i) for i in range(1, MINUTES + 1)])
            for name, (trigger, counts) in funcs.items():
                w.writerow([_hash("owner-fixture"), _hash("app-fixture"), _hash(name), trigger] + counts.tolist())
        else:
            w.writerow(["HashFunction", "HashApp", "HashOwner"] + [f"minute_{i}" for i in range(1, MINUTES + 1)])
            for name, (_, counts) in funcs.items():
                h = _hash(name)
                w.writerow([h, h, h] + counts.tolist())


def write_csv_trace(path: Path, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2026-01-05T00:00:00")
    step_min = 5
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["timestamp", "count"])
        for i in range(MINUTES // step_min):
            hour = (i * step_min + 2.5) / 60.0
            mean = 300.0 * (1.0 + np.cos(2 * np.pi * (hour - 14.0) / 24.0))
            count = int(rng.poisson(mean)) if 6 <= hour < 23 else 0
            if count == 0:
                continue  # zero rows left out
            ts = start + np.timedelta64(i * step_min, "m")
            w.writerow([f"{ts}Z", count])


def main() -> None:
    funcs = function_counts()
    write_azure(HERE / "azure_original_3fn.csv", "original", funcs)
    write_azure(HERE / "azure_resampled_3fn.csv", "resampled", funcs)
    write_csv_trace(HERE / "api_requests_5min.csv")
    for f in ("azure_original_3fn.csv", "azure_resampled_3fn.csv", "api_requests_5min.csv"):
        print(f, (HERE / f).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
