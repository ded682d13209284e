"""Fast cold-start model for whole months of per-step traffic (no per-request simulation).

Model ("ordered positions", Erlang-B inside a step, warm pool carried by the keep-alive
window). Within step ``k`` arrivals are Poisson with rate ``lambda_k`` and the busy
concurrency is that of an M/G/infinity system with offered load ``a_k = lambda_k w``
(Little's law). Instances are thought of as ordered positions ``j = 1, 2, ...`` filled
newest-first (SimFaaS's routing); provisioned instances occupy positions ``1..p``.
With ordered entry, Erlang-B gives, inside the step (all insensitive to the service
distribution):

* an arrival finds positions ``1..j-1`` busy with probability ``B(j-1, a_k)``, so it is
  routed to position ``j`` with probability ``q_j = B(j-1) - B(j)``;
* position ``j`` is busy with probability ``a_k q_j`` (its carried load);
* while position ``j`` is idle it is offered requests at rate
  ``r_j = lambda_k q_j / (1 - a_k q_j)``.

Position ``j``'s instance is alive when it received a request within the keep-alive
window, so the warm pool is carried across steps by ``A_j(t) = integral of r_j over
[t - T, t]`` (a sliding-window sum over steps; traffic before ``t = 0`` is zero, so the
model starts from an empty pool like SimFaaS). An arrival routed to position ``j`` is
cold with probability ``exp(-A_j)``:

    P(cold)_k = sum_{p < j <= cap} q_j exp(-A_j),     P(throttle)_k = B(cap, a_k)

and the expected instance count is ``p + sum_j [a q_j + (1 - a q_j)(1 - exp(-A_j))]``.
At a low rate this reduces to the closed form ``exp(-lambda T)/(1 + lambda w)``; at a
constant rate it is a steady-state model in the spirit of Mahmoudi & Khazaei (2020).

Counts per step (``arrivals="counts"``: cron schedules, invocation-count traces) use a
deterministic variant instead, :func:`_counts_core`: ``rate x step_s`` evenly spaced
arrivals, ``c_k = ceil(lambda_k w)`` environments in rotation, a position cold iff its last
departure is more than the keep-alive before its next use (``docs/coldstart-model.md``
section 3b).

Assumptions (documented in ``docs/coldstart-model.md`` with the accuracy table):
Poisson arrivals within a step; each position's idle-time arrivals are Poisson and
independent of the other positions; the busy state is in equilibrium within each step
(steps at least a few service times long); the init time does not delay the pool
(cold requests are counted busy for ``init + execution`` only in the busy count).
Steps longer than a quarter of the keep-alive are split internally so that the
window is resolved. Numerics: time is processed in cache-sized chunks; the element-wise
probability algebra runs in float32 (relative error ~1e-7, far below the model error),
the cumulative window sums and throttling in float64; positions that no step of a chunk or of
the chunk before can reach (Erlang-B tail < 1e-7) and expiry terms below e^-40 are skipped. Accuracy against :func:`costmodel.models.coldstart.simulator.simulate` is stated
in the docs and checked by ``tests/unit/test_coldstart_fast.py``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from costmodel._validate import as_float_array, check_int, check_non_negative, check_positive
from costmodel.errors import InvalidParameterError
from costmodel.models.coldstart.arrivals import (  # counts_concurrency re-exported: part of this module's API
    arrival_counts,
    check_arrivals,
    counts_concurrency,
    time_average_counts,
)

__all__ = ["FastColdStarts", "fast_cold_starts", "fast_cold_starts_loop", "counts_concurrency"]

#: positions whose routing probability is below this everywhere are ignored
_TAIL = 1e-7


@dataclass(frozen=True, eq=False)
class FastColdStarts:
    """Result of :func:`fast_cold_starts`; per-step arrays have one value per input step.

    Attributes
    ----------
    step_s : float
        Step length [s].
    arrival_rps : numpy.ndarray
        Mean arrival rate per step [requests/s] (the input).
    requests : numpy.ndarray
        Expected requests per step (computed on first use, like the next three).
    cold_start_fraction_per_step, throttle_fraction_per_step : numpy.ndarray
        P(cold) and P(throttle) per step (averaged over the step's arrivals).
    cold_starts, throttles : numpy.ndarray
        Expected cold starts and throttled requests per step.
    instances, busy_instances, idle_instances : numpy.ndarray
        Expected (time-averaged) instance counts per step, provisioned included.
    arrivals : str
        ``"poisson"`` or ``"counts"`` (see :func:`fast_cold_starts`).
    """

    step_s: float
    arrival_rps: np.ndarray = field(repr=False)
    cold_start_fraction_per_step: np.ndarray = field(repr=False)
    throttle_fraction_per_step: np.ndarray = field(repr=False)
    instances: np.ndarray = field(repr=False)
    busy_instances: np.ndarray = field(repr=False)
    arrivals: str = "poisson"

    # derived arrays, computed on first use (a month of 1-s steps is 21 MB per array)
    @cached_property
    def requests(self) -> np.ndarray:
        """Expected requests per step (whole numbers for ``arrivals="counts"``)."""
        if self.arrivals == "counts":
            return np.rint(self.arrival_rps * self.step_s)
        return self.arrival_rps * self.step_s

    @cached_property
    def cold_starts(self) -> np.ndarray:
        """Expected cold starts per step (whole numbers for ``arrivals="counts"``)."""
        if self.arrivals == "counts":
            return np.rint(self.requests * self.cold_start_fraction_per_step)
        return self.requests * self.cold_start_fraction_per_step

    @cached_property
    def throttles(self) -> np.ndarray:
        """Expected throttled requests per step."""
        return self.requests * self.throttle_fraction_per_step

    @cached_property
    def idle_instances(self) -> np.ndarray:
        """Expected idle (warm, waiting) instances per step."""
        return self.instances - self.busy_instances

    @property
    def total_requests(self) -> float:
        if self.arrivals == "counts":
            return float(self.requests.sum())
        return float(self.arrival_rps.sum() * self.step_s)

    @property
    def total_cold_starts(self) -> float:
        if self.arrivals == "counts":
            return float(self.cold_starts.sum())
        return float(np.dot(self.arrival_rps, self.cold_start_fraction_per_step) * self.step_s)

    @property
    def cold_start_fraction(self) -> float:
        """Cold starts / requests over the whole series."""
        n = self.total_requests
        return self.total_cold_starts / n if n > 0 else 0.0

    @property
    def throttle_fraction(self) -> float:
        n = self.total_requests
        return float(np.dot(self.arrival_rps, self.throttle_fraction_per_step) * self.step_s) / n if n > 0 else 0.0

    @property
    def mean_instances(self) -> float:
        return float(self.instances.mean())

    @property
    def mean_busy_instances(self) -> float:
        return float(self.busy_instances.mean())

    @property
    def mean_idle_instances(self) -> float:
        return self.mean_instances - self.mean_busy_instances

    @property
    def idle_instance_s(self) -> float:
        """Idle instance-seconds over the series [s] (memory kept warm, unbilled on Lambda)."""
        return float((self.instances.sum() - self.busy_instances.sum()) * self.step_s)


def _check(arrival_rps, step_s, warm_mean_s, keep_alive_s, concurrency_limit, provisioned_concurrency, init_mean_s):
    rates = np.atleast_1d(as_float_array("arrival_rps", arrival_rps)).ravel()
    check_non_negative("arrival_rps", rates)
    check_positive("step_s", step_s)
    check_positive("warm_mean_s", warm_mean_s)
    check_positive("keep_alive_s", keep_alive_s)
    check_non_negative("init_mean_s", init_mean_s)
    cap = check_int("concurrency_limit", concurrency_limit, minimum=1)
    pc = check_int("provisioned_concurrency", provisioned_concurrency, minimum=0)
    if cap < pc:
        raise InvalidParameterError("concurrency_limit", cap, f"at least provisioned_concurrency={pc}")
    return rates, float(step_s), float(warm_mean_s), float(keep_alive_s), cap, pc, float(init_mean_s)


def _positions_needed(load_max: float, cap: int) -> int:
    """Smallest J with B(J, load_max) < _TAIL (capped at cap)."""
    b, j = 1.0, 0
    while j < cap and b >= _TAIL:
        j += 1
        b = load_max * b / (j + load_max * b)
    return max(j, 1)


_ALIVE_EXPONENT = 40.0  # exp(-40) = 4e-18: a position offered this much per window never expires
_CHUNK = 1 << 14  # steps per chunk: the working arrays stay in the CPU cache


def _core(lam: np.ndarray, load: np.ndarray, step_s: float, window_s: float, pc: int, n_pos: int,
          cap: int, warm_s: float, init_s: float):
    """P(cold), P(throttle), alive and busy instances per step (model in the module docstring).

    The offered-while-idle integral of each position is kept as a cumulative sum at step
    midpoints ``M[k]``; the keep-alive window at step ``k`` is ``M[k] - M(k - D)`` with
    ``D = window_s / step_s`` steps (linear interpolation between midpoints; ``M = 0``
    before ``t = 0``, so the model starts from an empty pool like SimFaaS).

    Time is processed in chunks of ``_CHUNK`` steps, positions inside each chunk (the
    working arrays stay in the CPU cache); each position carries the last ``D + 1``
    midpoint sums from one chunk to the next, so windows span chunks exactly. Within a
    chunk only positions the traffic can reach (Erlang-B tail above ``_TAIL``) are
    computed; the others are offered nothing there.
    """
    n = lam.size
    d_steps = window_s / step_s
    d = int(math.floor(d_steps))
    f = d_steps - d
    p_cold = np.zeros(n)
    p_thr = np.zeros(n)
    alive = np.empty(n)
    busy = np.empty(n)
    # hist[j]: M at global indices s0-d-1 .. s0-1, relative to the cumulative sum at s0
    # (rebased every chunk, so the sums never grow large)
    hist = np.zeros((n_pos + 1, d + 1))
    prev_min = np.zeros(n_pos + 1)        # smallest offered rate x step in the previous chunk
    skip_ok = d <= _CHUNK                 # the window reaches back at most one chunk
    prev_reach = 0
    size = min(n, _CHUNK)
    # working arrays, reused: float32 for the element-wise algebra (probabilities need no
    # more), float64 for the cumulative sums and the window differences
    buf = np.empty((9, size), dtype=np.float32)
    half = np.empty(size)
    win = np.empty(size)
    ext_buf = np.empty(d + 1 + size)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for s0 in range(0, n, _CHUNK):
            s1 = min(n, s0 + _CHUNK)
            m = s1 - s0
            ld64 = load[s0:s1]
            reach = min(n_pos, _positions_needed(float(ld64.max()), n_pos))
            # positions reached in the previous chunk are still inside the keep-alive window
            n_here = max(reach, prev_reach) if skip_ok else n_pos
            prev_reach = reach
            ld, lam_step, dead_idle, b_prev, b, tmp, q, idle_j, x = (buf[i, :m] for i in range(9))
            ld[:] = ld64
            np.multiply(lam[s0:s1], step_s, out=lam_step)
            dead_idle[:] = 0.0                  # sum over positions of (1 - busy) * dead
            b_prev[:] = 1.0
            pc_out = p_cold[s0:s1]
            ext = ext_buf[: d + 1 + m]
            mid = ext[d + 1 :]
            hv, wv = half[:m], win[:m]
            for j in range(1, n_pos + 1):
                if j > n_here:                   # unreachable in this chunk: nothing offered
                    hist[j, :] = 0.0
                    continue
                np.multiply(ld, b_prev, out=tmp)  # Erlang-B: b = a b_prev / (j + a b_prev)
                np.add(tmp, j, out=b)
                np.divide(tmp, b, out=b)
                if j > pc:
                    np.subtract(b_prev, b, out=q)            # P(routed to position j)
                    np.multiply(ld, q, out=idle_j)           # carried load of position j ...
                    np.subtract(1.0, idle_j, out=idle_j)     # ... and P(position j idle)
                    np.multiply(lam_step, q, out=x)          # offered while idle [requests/step]
                    x /= idle_j
                    x_min = float(x.min())
                    if skip_ok and m > d and min(x_min, prev_min[j]) * d > _ALIVE_EXPONENT:
                        # offered so much that the position never expires here (P < e^-40):
                        # only carry the tail of its cumulative sums (no full cumsum, no exp)
                        prev_min[j] = x_min
                        tail = x[-(d + 1):].astype(np.float64)
                        ends = np.cumsum(tail)
                        hist[j] = ends - ends[-1] - 0.5 * tail
                        b_prev, b = b, b_prev
                        continue
                    prev_min[j] = x_min
                    ext[: d + 1] = hist[j]
                    np.multiply(x, 0.5, out=hv)
                    np.cumsum(x, dtype=np.float64, out=mid)
                    c_end = float(mid[-1])
                    mid -= hv                        # M[k] = C[k] + x[k]/2
                    np.subtract(ext[1 : m + 1], mid, out=wv)   # -(integral over the window)
                    if f > 0:
                        wv += f * (ext[:m] - ext[1 : m + 1])
                    hist[j] = ext[m:]
                    hist[j] -= c_end                 # rebase to the next chunk's start
                    if wv.max() < -_ALIVE_EXPONENT:  # expired nowhere in this chunk
                        b_prev, b = b, b_prev
                        continue
                    np.exp(wv, out=wv)               # P(position j expired)
                    q *= wv
                    pc_out += q
                    idle_j *= wv
                    dead_idle += idle_j
                b_prev, b = b, b_prev
            if n_here >= cap:                    # traffic reaches the cap: throttling is B(cap, a)
                p_thr[s0:s1] = _erlang_b_vec(cap, ld64)
            # busy = lambda (1 - P(throttle)) w + lambda P(cold) init  (Little's law)
            bz = busy[s0:s1]
            np.multiply(ld64, 1.0 - p_thr[s0:s1], out=bz)
            if init_s > 0:
                bz += lam[s0:s1] * init_s * pc_out
            al = alive[s0:s1]
            np.subtract(float(pc + max(0, n_here - pc)), dead_idle, out=al)
            np.maximum(al, bz, out=al)
    return p_cold, p_thr, alive, busy


def fast_cold_starts(
    arrival_rps: Any,
    step_s: float,
    warm_mean_s: float,
    keep_alive_s: float = 600.0,
    *,
    init_mean_s: float = 0.0,
    concurrency_limit: int = 1000,
    provisioned_concurrency: int = 0,
    arrivals: str = "poisson",
) -> FastColdStarts:
    """Expected cold starts, throttles and instance counts per step (vectorised over time).

    Parameters
    ----------
    arrival_rps : float or array_like
        Mean arrival rate per step [requests/s].
    step_s : float
        Step length [s].
    warm_mean_s : float
        Mean warm execution time [s].
    keep_alive_s : float
        Keep-alive after an instance's last departure [s].
    init_mean_s : float
        Mean init time [s]; only lengthens the busy time of cold requests.
    concurrency_limit : int
        Maximum concurrently busy instances.
    provisioned_concurrency : int
        Always-warm instances (positions ``1..p``).
    arrivals : {"poisson", "counts"}
        ``"poisson"`` (default; generated mean rates): the model in the module docstring.
        ``"counts"`` (cron-like schedules, traces of invocation counts): ``rate x step_s``
        is the exact number of arrivals in the step (a whole number, else
        ``InvalidParameterError`` naming ``arrival_rps``), evenly spaced; deterministic
        model in :func:`_counts_core` (exact for a fixed service time ``warm_mean_s``).

    Returns
    -------
    FastColdStarts
    """

    mode = check_arrivals(arrivals)
    rates, step_s, w, T, cap, pc, init_s = _check(
        arrival_rps, step_s, warm_mean_s, keep_alive_s, concurrency_limit, provisioned_concurrency, init_mean_s
    )
    if mode == "counts":

        counts = arrival_counts(rates, step_s)
        p_cold, p_thr, alive, busy = _counts_core(counts, step_s, w, T, pc, cap, init_s)
        return FastColdStarts(
            step_s=step_s, arrival_rps=rates, cold_start_fraction_per_step=p_cold,
            throttle_fraction_per_step=p_thr, instances=alive, busy_instances=busy, arrivals="counts",
        )
    n_steps = rates.size
    # resolve the keep-alive window: split long steps
    split = max(1, math.ceil(step_s / (T / 4.0)))
    lam = np.repeat(rates, split) if split > 1 else rates
    sub_s = step_s / split
    load = lam * w
    n_pos = _positions_needed(float(load.max()) if load.size else 0.0, cap)

    p_cold, p_thr, alive, busy = _core(lam, load, sub_s, T, pc, n_pos, cap, w, init_s)
    if split > 1:
        p_cold, p_thr, alive, busy = (v.reshape(n_steps, split).mean(axis=1) for v in (p_cold, p_thr, alive, busy))
    return FastColdStarts(
        step_s=step_s,
        arrival_rps=rates,
        cold_start_fraction_per_step=p_cold,
        throttle_fraction_per_step=p_thr,
        instances=alive,
        busy_instances=busy,
    )




def _counts_core(counts: np.ndarray, step_s: float, w: float, T: float, pc: int, cap: int, init_s: float):
    """Deterministic model for ``arrivals="counts"`` (derivation in docs/coldstart-model.md).

    Step ``k`` holds ``n_k`` arrivals at the midpoints ``k s + (i - 1/2) g_k``,
    ``i = 1..n_k``, ``g_k = s / n_k``. They need ``c_k`` instances
    (:func:`counts_concurrency`): positions ``1..c_k`` in rotation, position ``j`` taking
    arrivals ``j, j + c_k, j + 2 c_k, ...`` (``m = floor((n_k - j)/c_k) + 1`` of them).
    Positions ``1..p`` are provisioned (never cold), positions beyond ``cap`` do not
    exist (throttled share ``1 - cap/(lambda w)``, fluid). Position ``j``'s first arrival
    of a step is cold iff the position's last departure (its last arrival of the
    previous step that used it, plus ``w``) is more than ``T`` earlier, or it was never
    used; inside a step its later arrivals are cold iff the idle gap ``c_k g_k - w``
    exceeds ``T`` (then every arrival of the step is a separate use). The instance count
    is the time average of each position's alive intervals (first cold use -> last
    departure + ``T``).
    """

    n = counts.astype(float)
    k_all = np.arange(n.size)
    lam = n / step_s
    load = lam * w
    c_in = counts_concurrency(n, step_s, w)            # the rotation inside the step
    c = c_in
    if w < step_s and n.size > 1:
        # the step's first arrival (at g_k/2) also finds the previous step's last
        # arrivals still busy: those after t - w, counted exactly on that step's lattice
        prev = np.concatenate([[0.0], n[:-1]])
        g_prev = step_s / np.maximum(prev, 1.0)
        y = (step_s + 0.5 * step_s / np.maximum(n, 1.0) - w) / g_prev + 0.5
        busy_prev = np.clip(prev - np.floor(y), 0.0, prev)
        c = np.maximum(c_in, np.where(n > 0, 1.0 + busy_prev, 0.0))
    p_thr = np.where(load > cap, 1.0 - cap / np.maximum(load, 1e-300), 0.0)
    cold = np.zeros(n.size)
    starts, ends = [], []
    horizon = n.size * step_s
    c_max = int(min(c.max(), cap)) if n.size else 0
    for j in range(pc + 1, c_max + 1):
        ks = k_all[c >= j]
        nk, ck = n[ks], c_in[ks]
        gk = step_s / nk
        rot = j <= ck                   # in the rotation; else only used by the first arrivals
        inside = rot & (j <= nk)
        m = np.where(inside, np.floor((nk - j) / ck) + 1.0, 1.0)
        i_first = np.where(rot, np.minimum(j, nk), np.minimum(j - ck, nk))
        i_last = np.where(inside, j + ck * (m - 1.0), np.where(rot, nk, i_first))
        t0 = ks * step_s
        # a step whose idle gap inside exceeds T: each of its arrivals is a separate use
        split = (m > 1) & (ck * gk - w > T)
        reps = np.where(split, m, 1.0).astype(np.int64)
        first = np.repeat(t0 + (i_first - 0.5) * gk, reps)
        last = np.repeat(t0 + (i_last - 0.5) * gk, reps)
        if split.any():
            r = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
            sp = np.repeat(split, reps)
            arr = first + r * np.repeat(ck * gk, reps)
            first = np.where(sp, arr, first)
            last = np.where(sp, arr, last)
        dep = last + w
        is_cold = np.ones(first.size, dtype=bool)
        is_cold[1:] = first[1:] - dep[:-1] > T
        np.add.at(cold, np.repeat(ks, reps), is_cold.astype(float))
        seg_start = np.flatnonzero(is_cold)
        seg_end = np.append(seg_start[1:] - 1, first.size - 1)
        starts.append(first[seg_start])
        ends.append(np.minimum(dep[seg_end] + T, horizon))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_cold = np.where(n > 0, cold / np.maximum(n, 1.0), 0.0)
    busy = load * (1.0 - p_thr) + lam * init_s * p_cold
    if starts:
        edges = np.arange(n.size + 1) * float(step_s)
        alive = time_average_counts(np.concatenate(starts), np.concatenate(ends), edges) + pc
    else:
        alive = np.full(n.size, float(pc))
    return p_cold, p_thr, np.maximum(alive, busy), busy


def _erlang_b_vec(n: int, load: np.ndarray) -> np.ndarray:
    b = np.ones_like(load)
    for j in range(1, n + 1):
        b = load * b / (j + load * b)
    return b


def fast_cold_starts_loop(
    arrival_rps: Any,
    step_s: float,
    warm_mean_s: float,
    keep_alive_s: float = 600.0,
    *,
    concurrency_limit: int = 1000,
    provisioned_concurrency: int = 0,
) -> np.ndarray:
    """Straightforward per-step Python loop of the same model (benchmark baseline only).

    Returns P(cold) per step; equal to ``fast_cold_starts(...).cold_start_fraction_per_step``
    for steps no longer than a quarter of the keep-alive.
    """
    rates, step_s, w, T, cap, pc, _ = _check(
        arrival_rps, step_s, warm_mean_s, keep_alive_s, concurrency_limit, provisioned_concurrency, 0.0
    )
    if step_s > T / 4.0:
        raise InvalidParameterError("step_s", step_s, f"<= keep_alive_s/4 = {T / 4:g} for the loop baseline")
    n_pos = _positions_needed(float(rates.max() * w), cap)
    d_steps = T / step_s
    d = int(math.floor(d_steps))
    f = d_steps - d
    mids = [[] for _ in range(n_pos + 1)]   # per position: cumulative integral at midpoints
    ends = [0.0] * (n_pos + 1)               # per position: cumulative integral at step end
    out = np.zeros(rates.size)
    for k, lam in enumerate(rates.tolist()):
        load = lam * w
        b_prev, p = 1.0, 0.0
        for j in range(1, n_pos + 1):
            b = load * b_prev / (j + load * b_prev)
            if j > pc:
                q = b_prev - b
                x = lam * step_s * q / (1.0 - load * q)
                mk = ends[j] + 0.5 * x
                ends[j] += x
                mj = mids[j]
                mj.append(mk)
                lo1 = mj[k - d] if k - d >= 0 else 0.0
                lo2 = mj[k - d - 1] if k - d - 1 >= 0 else 0.0
                p += q * math.exp(-(mk - ((1.0 - f) * lo1 + f * lo2)))
            b_prev = b
        out[k] = p
    return out
