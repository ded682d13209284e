"""Exact simulation of a synchronous chain of Lambda functions A -> B -> ... (shared arrivals).

Every request enters hop 1 (after ``overhead``); at hop ``i`` it takes an environment of
that function (SimFaaS semantics per function, as :func:`costmodel.models.coldstart.simulator.simulate`:
the newest idle environment, else a new one - a cold start - unless ``concurrency_limit``
environments of the function are busy, then the request is throttled and fails), waits
for the init when cold, runs its own work, then calls hop ``i + 1`` (arriving
``overhead`` later) and **holds its environment until that call returns**. So the hops
see the same requests, shifted by the time spent upstream: after a long idle gap every
hop is cold for the same request, and a hop's holding time includes everything
downstream. End-to-end latency = sum over hops of ``overhead + init x cold + work``.

One event loop over all hops (a heap of arrivals and releases; per function a heap of
idle environments keyed by creation order, expiry ``keep_alive_s`` after the last
release, checked lazily). About 100,000 hop-requests per second.
"""
from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from costmodel._validate import check_int, check_non_negative, check_positive
from costmodel.errors import InvalidParameterError
from costmodel.models._typing import Seed
from costmodel.models.coldstart.arrivals import check_arrivals, counts_arrival_times_s, poisson_arrival_times_s
from costmodel.models.duration import Duration, as_duration

__all__ = ["ChainSimulation", "simulate_chain"]

_ARRIVE, _RELEASE = 0, 1


@dataclass(frozen=True, eq=False)
class ChainSimulation:
    """Outcome of :func:`simulate_chain`.

    Attributes
    ----------
    requests : int
        Requests that entered hop 1.
    arrival_s : numpy.ndarray
        Arrival time of each request at the front door [s].
    latency_s : numpy.ndarray
        End-to-end latency per request [s] (NaN when throttled somewhere).
    cold : numpy.ndarray of bool, shape (requests, depth)
        Whether the request met a cold start at each hop.
    throttled : numpy.ndarray of bool
        Whether the request was throttled at some hop (it fails).
    cold_starts_per_hop : numpy.ndarray
        Cold starts at each hop.
    """

    requests: int
    arrival_s: np.ndarray = field(repr=False)
    latency_s: np.ndarray = field(repr=False)
    cold: np.ndarray = field(repr=False)
    throttled: np.ndarray = field(repr=False)
    cold_starts_per_hop: np.ndarray = field(repr=False)

    @property
    def any_cold_fraction(self) -> float:
        """Requests that met at least one cold start / requests."""
        return float(self.cold.any(axis=1).mean()) if self.requests else 0.0

    @property
    def served_latency_s(self) -> np.ndarray:
        return self.latency_s[~self.throttled]


#: One duration for every hop or one per hop (a number is an exponential mean [s]).
HopDurations: TypeAlias = Duration | float | Sequence[Duration | float]


def _per_hop(name: str, value: Any, depth: int) -> list[Duration]:
    vals = list(value) if isinstance(value, (list, tuple)) else [value] * depth
    if len(vals) != depth:
        raise InvalidParameterError(name, value, f"one duration or {depth} durations (one per hop)")
    return [as_duration(name, v) for v in vals]


def simulate_chain(depth: int, arrival_rps: npt.ArrayLike | None = None, step_s: float | None = None, *,
                   arrival_times_s: npt.ArrayLike | None = None, work: HopDurations, init: HopDurations,
                   keep_alive_s: float = 600.0,
                   overhead_s: float = 0.0, concurrency_limit: int = 1000, arrivals: str = "poisson",
                   random_state: Seed = None) -> ChainSimulation:
    """Simulate every request through every hop of a synchronous chain (exact).

    Parameters
    ----------
    depth : int
        Functions in the chain (>= 1).
    arrival_rps : array_like, optional
        Rate per step [requests/s] (with ``step_s``), expanded as ``arrivals`` says.
    step_s : float, optional
        Step [s].
    arrival_times_s : array_like, optional
        Explicit sorted arrival times [s] instead.
    work, init : Duration or float, or a sequence of ``depth`` of them
        Own execution time and init time per hop (a number: an exponential mean [s], as
        in :func:`costmodel.models.coldstart.simulator.simulate`).
    keep_alive_s : float
        Keep-alive of every function's environments [s].
    overhead_s : float
        Invocation overhead per hop [s] (the first one is the front door).
    concurrency_limit : int
        Per function.
    arrivals : {"poisson", "counts"}
    random_state : int or numpy.random.Generator, optional

    Returns
    -------
    ChainSimulation
    """
    depth = check_int("depth", depth, minimum=1)
    check_positive("keep_alive_s", keep_alive_s)
    check_non_negative("overhead_s", overhead_s)
    cap = check_int("concurrency_limit", concurrency_limit, minimum=1)
    mode = check_arrivals(arrivals)
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    if arrival_times_s is not None:
        t_arr = np.asarray(arrival_times_s, dtype=float).ravel()
    elif arrival_rps is None or step_s is None:
        raise InvalidParameterError("arrival_rps", arrival_rps, "a rate series with step_s, or arrival_times_s")
    elif mode == "counts":
        t_arr = counts_arrival_times_s(arrival_rps, step_s)
    else:
        t_arr = poisson_arrival_times_s(arrival_rps, step_s, rng)
    works = _per_hop("work", work, depth)
    inits = _per_hop("init", init, depth)
    n = t_arr.size
    w_s = np.stack([d.sample(n, rng) for d in works]) if n else np.zeros((depth, 0))
    i_s = np.stack([d.sample(n, rng) for d in inits]) if n else np.zeros((depth, 0))
    cold, throttled, done = _chain_loop(t_arr.tolist(), w_s.tolist(), i_s.tolist(), depth, float(keep_alive_s),
                                        float(overhead_s), cap)
    cold_a = np.array(cold, dtype=bool).reshape(n, depth) if n else np.zeros((0, depth), dtype=bool)
    thr = np.array(throttled, dtype=bool)
    lat = np.asarray(done, dtype=float) - t_arr
    lat[thr] = np.nan
    return ChainSimulation(requests=int(n), arrival_s=t_arr, latency_s=lat, cold=cold_a, throttled=thr,
                           cold_starts_per_hop=cold_a.sum(axis=0).astype(float))


def _chain_loop(t_arr: list[float], w_s: list[list[float]], i_s: list[list[float]], depth: int, keep: float, ov: float,
                cap: int) -> tuple[list[bool], list[bool], list[float]]:
    heappush, heappop = heapq.heappush, heapq.heappop
    n = len(t_arr)
    cold = [False] * (n * depth)
    throttled = [False] * n
    done = [0.0] * n
    # per hop: creation counter, idle max-heap (-id), last release per id, busy count
    last_rel: list[dict] = [dict() for _ in range(depth)]
    idle: list[list] = [[] for _ in range(depth)]
    created = [0] * depth
    busy = [0] * depth
    holder = [[-1] * depth for _ in range(n)] if n else []
    events: list = []
    seq = 0
    for r in range(n):
        events.append((t_arr[r] + ov, seq, _ARRIVE, r, 0))
        seq += 1
    heapq.heapify(events)
    while events:
        t, _, kind, r, h = heappop(events)
        if kind == _ARRIVE:
            if throttled[r]:
                continue
            pool = idle[h]
            k = -1
            while pool:
                cand = -heappop(pool)
                if last_rel[h][cand] + keep >= t:
                    k = cand
                    break
            if k < 0:
                if busy[h] >= cap:
                    throttled[r] = True
                    done[r] = t
                    # upstream hops give their environments back now
                    for up in range(h - 1, -1, -1):
                        heappush(events, (t, seq, _RELEASE, r, up))
                        seq += 1
                    continue
                k = created[h]
                created[h] += 1
                cold[r * depth + h] = True
                ready = t + i_s[h][r]
            else:
                ready = t
            busy[h] += 1
            holder[r][h] = k
            own_done = ready + w_s[h][r]
            if h + 1 < depth:
                heappush(events, (own_done + ov, seq, _ARRIVE, r, h + 1))
            else:
                heappush(events, (own_done, seq, _RELEASE, r, h))
            seq += 1
        else:
            k = holder[r][h]
            if k < 0:
                continue
            busy[h] -= 1
            last_rel[h][k] = t
            heappush(idle[h], -k)
            holder[r][h] = -1
            if throttled[r]:
                continue
            if h > 0:                      # the response returns to the caller now
                heappush(events, (t, seq, _RELEASE, r, h - 1))
                seq += 1
            else:
                done[r] = t
    return cold, throttled, done
