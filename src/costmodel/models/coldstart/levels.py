"""Level-crossing model of a keep-alive pool: cold starts and instances for months of steps.

Why levels. With one request per instance, an instance kept ``T`` seconds after its last
departure and the newest idle instance picked first, the pool alive at time ``t`` is
(within a few per cent, measured against :func:`costmodel.models.coldstart.simulator.simulate`) the
**largest number of requests in service at once during the last T seconds**,
``N(t) = max_{[t-T, t]} B(t)``, and a request is cold exactly when it finds every live
instance busy: ``B(t-) = N(t-)``. So instance number ``m`` ("level m") is alive at ``t``
iff the busy count reached ``m`` in ``[t-T, t]``, it is born (a cold start) whenever the
busy count climbs to ``m`` after ``T`` seconds below it, and every environment created
while the pool grows is counted, whatever the step size.

The busy count ``B`` of Poisson arrivals (rate ``lambda_k`` in step ``k``) with mean
service ``w`` is an M/G/infinity count: Poisson with mean ``a = lambda w`` (truncated at
the concurrency limit ``C``: an M/G/C/C loss system; throttled share Erlang B ``B(C, a)``).
For level ``m`` with ``P_m = P(B < m)``:

* **escape rate** - the rate at which a busy count held below ``m`` (in its restricted,
  quasi-stationary distribution) reaches ``m``:
  ``theta_m = lambda P_m / sum_{j<m} P(B <= j)^2 / P(B = j)`` (the reciprocal of the mean
  hitting time of ``m`` from the restricted distribution, which follows from the
  birth-death identity ``E_j[time to j+1] = 1 / (lambda B(j, a))``);
* **dead** (no visit in the last T): ``S_m(t) = P_m(t - T) exp(-A_m(t))`` with
  ``A_m(t) = integral of theta_m over [t - T, t]`` (a sliding-window sum over steps);
* **births** (cold starts), the rate of leaving "dead":
  ``b_m(t) = exp(-A_m(t)) [P_m(t - T) theta_m(t) + max(0, -dP_m(t - T)/dt)]``;
  **alive** ``1 - S_m(t)``, integrated exactly over each step (``A`` is piecewise linear).

At a constant rate the cold fraction is ``sum_m theta_m P_m exp(-theta_m T) / lambda``;
when the rate jumps up every level between the old and the new pool is born once
(growth); at a low rate it reduces to ``exp(-lambda T)`` per request (one instance).
Provisioned instances are levels ``1..p`` (always alive, never born).

Numerics: the quantities are computed by recursions over levels that stay bounded for
any load (no factorials, no powers): ``B_m = a B_{m-1} / (m + a B_{m-1})`` (Erlang B),
``R_m = 1 + (1 - B_{m-1}) (B_{m-1} / B_{m-2}) R_{m-1}`` (so that
``theta_m = lambda B_{m-1} / R_m``), and ``P_{m-1} = P_m (1 - B_{m-1})`` downwards from the
top level. Levels that are certainly alive in a chunk of steps (``P(B < m) <= 1e-10``
throughout the chunk and its keep-alive window) or out of reach (``P(B >= m) <= 1e-10``)
are skipped, so the work per step is a band of about ``13 sqrt(a)`` levels around the
load plus the levels a rate change sweeps through.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln, pdtr

from costmodel.models._typing import FloatArray, IntArray
from costmodel.models.numerics import erlang_b_array, poisson_level_above, poisson_level_below

__all__ = ["level_model"]

#: probability below which a level is treated as certainly alive / out of reach
_EPS = 1e-10
#: blocks per chunk at most
_CHUNK = 1 << 14
#: steps x levels per chunk at most (memory of the gathered level tables)
_CELLS = 1 << 22
#: the keep-alive window is resolved by at least this many blocks
_WINDOW_BLOCKS = 40
#: load grid spacing in log(a) for the level tables (relative error of theta_m about
#: m x 5e-5 at the top levels)
_GRID_LOG_STEP = 1e-4
#: grid points x levels per table at most (the spacing grows beyond it) ...
_TABLE_CELLS = 1 << 21
#: ... up to this spacing for a table shared by all chunks (else one table per chunk)
_GRID_LOG_STEP_MAX = 4e-4
#: bands wider than this many levels use tables in the normalised level (x = (m - a)/sqrt(a))
_LARGE_BAND = 512
_LARGE_A_STEP = 0.01
_LARGE_X_STEP = 0.01
_LARGE_X_SPAN = 12.0
#: window sum treated as infinite (level certainly visited in the step)
_VISITED = 1e4
#: window sum above which exp(-A) < 4e-18 (a level alive throughout the chunk)
_SATURATED = 40.0


def _band(a_lo: float, a_hi: float, cap: int) -> tuple[int, int]:
    """(lo, hi): levels <= lo certainly visited in every step whose load is in
    [a_lo, a_hi]; levels >= hi out of reach (P <= _EPS); both within 0..cap+1."""
    if a_hi <= 0:
        return 0, 1
    hi = min(poisson_level_above(a_hi, _EPS), cap + 1)
    lo = min(poisson_level_below(a_lo, _EPS), cap)
    if a_lo > 0 and cap < a_lo + 1:
        # the cap truncates: P(B < m | B <= cap) <= eps for every m <= cap once the
        # mass below cap is small; keep the plain quantile (conservative) below
        lo = min(lo, cap)
    return lo, max(hi, lo + 1)


def _start_values(lo: int, a: np.ndarray) -> tuple[FloatArray, FloatArray]:
    """Erlang B ``B_lo`` and ``R_{lo+1}`` at the band's lowest level for every step.

    ``lo = 0``: ``B_0 = 1`` and ``R_1 = 1`` exactly. ``lo > 0`` (only when the load in
    every step of the chunk makes levels ``<= lo`` certain): ``B_lo`` from the Poisson
    pmf/cdf ratio (asymptotic ``1 - lo/a`` where the cdf underflows) and
    ``R_{lo+1} = 1 / B_lo`` (the fluid value; any O(1) error dies out within a few levels
    above ``lo`` because it is multiplied by ``P(B <= lo) / P(B < m)``).
    """
    if lo == 0:
        return np.ones(a.size), np.ones(a.size)
    cdf = pdtr(lo, a)
    ok = cdf > 1e-280
    b = np.empty(a.size)
    if ok.any():
        aa = a[ok]
        b[ok] = np.exp(-aa + lo * np.log(aa) - gammaln(lo + 1.0) - np.log(cdf[ok]))
    if (~ok).any():
        aa = a[~ok]
        gap = aa - lo
        b[~ok] = 1.0 / (aa / gap - lo * aa / gap**3)
    b = np.clip(b, 1e-300, 1.0)
    return b, 1.0 / b


def busy_mean(lam: np.ndarray, step_s: float, w: float, kernel: str = "exponential") -> np.ndarray:
    """Mean number of requests in service, averaged over each step: ``lambda w`` spread
    over the service time.

    ``kernel="exponential"`` (exponential service, time constant ``w``): ``m' = lambda - m/w``
    from ``m = 0`` at ``t = 0``; per step ``k`` the mean relaxes from ``m_k`` towards
    ``lambda_k w`` and its step average is ``lambda_k w + (m_k - lambda_k w)(w/s)(1 - e^{-s/w})``.
    ``kernel="fixed"`` (every request takes exactly ``w``): ``m(t)`` = arrivals in
    ``(t - w, t]``, averaged over the step exactly (rates constant within steps). Steps much
    longer than ``w`` give ``lambda_k w`` either way; a 40-minute job in 1-minute steps is
    busy for 40 steps, not 40 instances in one.
    """
    target = lam * w
    if target.size == 0:
        return target
    if kernel == "fixed":
        return _box_mean(lam, step_s, w)
    r = step_s / w
    if r > 40.0:                              # relaxes within the step: e^-40 is nothing
        return target
    decay = math.exp(-r)
    m_start = _exp_smooth(target, decay)      # m_k at the start of step k (m_0 = 0)
    frac = -math.expm1(-r) / r                # (w / s)(1 - e^{-s/w})
    return np.maximum(target + (m_start - target) * frac, 0.0)


def _box_mean(lam: np.ndarray, s: float, w: float) -> np.ndarray:
    """Step averages of ``Lambda(t) - Lambda(t - w)`` (``Lambda``: cumulative arrivals,
    piecewise linear; zero before ``t = 0``) via ``J(t) = integral of Lambda``."""
    n = lam.size
    lam_b = np.concatenate([[0.0], np.cumsum(lam * s)])                   # Lambda at boundaries
    j_b = np.concatenate([[0.0], np.cumsum(lam_b[:-1] * s + lam * (s * s / 2.0))])

    def J(t_in: np.ndarray) -> FloatArray:
        t = np.asarray(t_in, dtype=float)
        k = np.clip(np.floor(t / s).astype(np.int64), 0, n - 1)
        u = np.clip(t - k * s, 0.0, s)
        val = j_b[k] + lam_b[k] * u + lam[k] * u * u / 2.0
        beyond = t >= n * s
        val = np.where(beyond, j_b[n] + lam_b[n] * (t - n * s), val)
        return np.where(t <= 0, 0.0, val)

    edges = np.arange(n + 1) * s
    inner = np.diff(j_b)                                   # J(t_{k+1}) - J(t_k)
    shifted = np.diff(J(edges - w))                        # J(t_{k+1} - w) - J(t_k - w)
    return np.maximum((inner - shifted) / s, 0.0)


def _exp_smooth(x: np.ndarray, c: float) -> np.ndarray:
    """``m_0 = 0``, ``m_{k+1} = c m_k + (1 - c) x_k``; returns ``m_0 .. m_{n-1}``.

    Short memory (``c^64 < 1e-17``): a truncated convolution. Long memory: blocks of
    steps over which ``c^-j`` stays below 1e200, each a scaled cumulative sum.
    """
    n = x.size
    k_terms = int(math.ceil(-39.0 / math.log(c))) if c > 0 else 1
    if k_terms <= 64:
        kernel = (1.0 - c) * c ** np.arange(k_terms)
        full = np.convolve(x, kernel)[:n]
        return np.concatenate([[0.0], full[:-1]])
    block = max(1, int(400.0 / -math.log(c)))
    out = np.empty(n)
    m = 0.0
    for s0 in range(0, n, block):
        seg = x[s0:s0 + block]
        j = np.arange(seg.size)
        up = c ** (-(j + 1.0))                   # c^-(j+1) <= c^-block <= e^400
        acc = np.cumsum(seg * up) * (1.0 - c)
        # m at the start of local step j: c^j (m + (1 - c) sum_{i<j} c^-(i+1) x_i)
        down = c ** j
        out[s0:s0 + seg.size] = down * (m + np.concatenate([[0.0], acc[:-1]]))
        m = c ** seg.size * (m + acc[-1])
    return out


def init_surge(lam: np.ndarray, step_s: float, w: float, init_s: float, pool: np.ndarray,
               pc: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The surge of cold requests while the pool grows, for :func:`level_model`'s
    ``transient`` (None when it is below half an instance everywhere).

    A cold request holds its instance for ``init + w`` instead of ``w``. When the load
    ``lambda w`` exceeds the pool that was alive (``pool`` in the previous step, from a
    first pass without init) by ``D``, the missing capacity is created by cold requests;
    until the first of them finishes its init, every request that cannot reuse a warm
    instance is cold too (fluid model: instances are created at rate ``D / w`` for
    ``w + init`` seconds), so the pool grows to ``D (1 + init / w)`` above the old one,
    not ``D``. The busy count's mean in that stretch is ``lambda w + D init / w``.
    """
    target = lam * w
    before = np.concatenate([[float(pc)], pool[:-1]])
    deficit = np.maximum(target - before, 0.0)
    extra = deficit * (init_s / w)
    if not (extra >= 0.5).any():
        return None
    tau = np.where(extra >= 0.5, min(w + init_s, step_s), 0.0)
    return target + extra, tau


def _level_table(grid: np.ndarray, lo: int, top: int) -> tuple[np.ndarray, np.ndarray]:
    """Per load value of ``grid`` and level ``lo+1..top``: ``theta_m / lambda`` and
    ``P(B < m | B <= cap)``, as ``(grid.size + 1, top - lo)`` arrays whose last row is the
    zero load (``theta = 0``, ``P = 1``); the recursions of the module docstring,
    vectorised over the grid."""
    nl = top - lo
    k = grid.size
    g_tab = np.zeros((nl, k + 1))
    p_tab = np.ones((nl, k + 1))
    omb = np.empty((nl, k))
    b_prev, r = _start_values(lo, grid)          # B_lo, R_{lo+1}
    ab = np.empty(k)
    den = np.empty(k)
    for i in range(nl):
        lev = lo + 1 + i
        np.divide(b_prev, r, out=g_tab[i, :k])   # theta_lev / lambda = B_{lev-1} / R_lev
        np.multiply(grid, b_prev, out=ab)
        np.add(ab, lev, out=den)
        b_prev = ab / den                        # B_lev
        np.subtract(1.0, b_prev, out=omb[i])
        # R_{lev+1} = 1 + (1 - B_lev) (B_lev / B_{lev-1}) R_lev, B_lev / B_{lev-1} = a / (lev + a B_{lev-1})
        r = r * omb[i]
        r *= grid
        r /= den
        r += 1.0
    # P(B < lev) downwards from P(B < top + 1) = 1 (within _EPS, or exactly at the cap)
    p = np.ones(k)
    for i in range(nl - 1, -1, -1):
        p *= omb[i]
        p_tab[i, :k] = p
    return g_tab.T.copy(), p_tab.T.copy()


def level_model(lam: np.ndarray, step_s: float, w: float, T: float, pc: int, cap: int,
                block: int | None = None, transient: tuple[np.ndarray, np.ndarray] | None = None,
                busy: np.ndarray | None = None) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per-step expected cold starts (births of on-demand levels), alive instances
    (time-averaged, provisioned included) and the throttled share ``B(cap, a)``.

    Steps are grouped into blocks of ``block`` steps (default: as many as fit in
    ``T / 40``) for the window sums; inside a block the level quantities are summed over
    its steps exactly (loads rounded to a grid 1e-4 apart in ``log a``), and the block's
    cold starts are spread over its steps in proportion to their requests.

    Parameters
    ----------
    lam : numpy.ndarray
        Arrival rate per step [1/s] (finite, >= 0).
    step_s : float
        Step [s] (at most ``T / 4``: the caller splits longer steps).
    w : float
        Mean service time [s] (> 0).
    T : float
        Keep-alive [s] (> 0).
    pc : int
        Provisioned instances (levels ``1..pc``).
    cap : int
        Concurrency limit (levels above it do not exist).
    block : int, optional
        Steps per block (tests use 1 to check the grouping).
    transient : (numpy.ndarray, numpy.ndarray), optional
        Per step, a short stretch of ``tau`` seconds at the start of the step during which
        the busy count's mean is ``a_peak`` instead of the step's (the surge of cold
        requests still in their init while the pool grows, see
        :func:`init_surge`); ``tau = 0`` where there is none. Only the window sums see
        it (the visits it causes and the births they are).
    busy : numpy.ndarray, optional
        ``busy_mean(lam, step_s, w)`` when the caller has it already.

    Returns
    -------
    (births, alive, throttle, first) : tuple of numpy.ndarray
        Expected cold starts per step (not yet limited by the step's arrivals), mean
        instances per step, the throttled fraction per step, and the cold starts of the
        first on-demand level (level ``pc + 1``: requests that found no on-demand
        environment alive at all - after an idle gap longer than the keep-alive).
    """
    n = lam.size
    # blocks of at most T/40, and at least 64 blocks per series (short series keep their detail)
    G = block if block is not None else max(1, min(int(math.floor(T / _WINDOW_BLOCKS / step_s + 1e-9)), n // 64))
    nb = -(-n // G)
    lam_p = lam if nb * G == n else np.concatenate([lam, np.full(nb * G - n, lam[-1])])
    a_f = busy_mean(lam, step_s, w) if busy is None else busy
    if nb * G > n:
        a_f = np.concatenate([a_f, np.full(nb * G - n, a_f[-1])])
    has_tr = transient is not None
    a_pk = np.zeros(nb * G)                   # the surge's busy mean and length per step
    tau = np.zeros(nb * G)
    if transient is not None:
        a_pk[:n], tau[:n] = transient
        a_pk = np.where(tau > 0, a_pk, 0.0)
    a_reach = np.maximum(a_f, a_pk) if has_tr else a_f             # loads the levels must cover
    sb = G * step_s
    d_steps = T / sb
    d = int(math.floor(d_steps + 1e-12))
    f = d_steps - d
    if f < 1e-9:
        f = 0.0
    births_b = np.zeros(nb)
    first_b = np.zeros(nb)                    # births of level pc + 1 (an empty on-demand pool)
    alive_b = np.zeros(nb)
    throttle = np.zeros(n)
    a_max_all = float(a_reach.max()) if n else 0.0
    if n and _band(0.0, a_max_all, cap)[1] > cap:
        throttle = erlang_b_array(cap, a_f[:n])
    # per level: the last d + 1 block increments of the window sum and lagged P
    hist_x: dict[int, np.ndarray] = {}
    hist_p: dict[int, np.ndarray] = {}
    prev_lo = 0
    tables = _Tables(np.concatenate([a_f, a_pk[tau > 0]]) if has_tr else a_reach,
                     min(_band(0.0, a_max_all, cap)[1] - 1, cap))
    large = _LargeTables(cap)
    b0 = 0
    while b0 < nb:
        # blocks per chunk: (steps x levels) of the gathered tables within _CELLS
        look0 = max(0, b0 - d - 1) * G
        est = a_reach[look0: min(nb, b0 + _CHUNK) * G]
        lo_est, hi_est = _band(float(a_f[b0 * G: min(nb, b0 + _CHUNK) * G].min()), float(est.max()), cap)
        width = max(hi_est - lo_est, 1)
        if width > 256:                        # the lattice: ~8 levels per sqrt(a)
            width = max(int(_lattice(lo_est, hi_est, pc)[0].size), 1)
        nbc = int(min(nb - b0, max(1, _CELLS // (width * G)), _CHUNK))
        b1 = b0 + nbc
        k0, k1 = b0 * G, b1 * G
        look = a_f[look0:k1]
        a_lo = float(look.min()) if b0 - d - 1 >= 0 else 0.0     # before t = 0 the load is 0
        lo, hi = _band(a_lo, float(a_reach[look0:k1].max()), cap)
        # levels visited in every step of this chunk: alive throughout it; those dead when
        # it starts are born at once (a pool growing by thousands is not walked level by level)
        lo_now = max(min(_band(float(a_f[k0:k1].min()), float(a_reach[k0:k1].max()), cap)[0], hi - 1), lo)
        al_c = alive_b[b0:b1]
        al_c += max(lo_now, pc)                # levels certainly alive (and provisioned ones)
        if lo_now > max(lo, pc):
            born = _bulk_births(max(lo, pc), lo_now, prev_lo, b0, d, f, hist_x, hist_p)
            births_b[b0] += born
            if max(lo, pc) < pc + 1 <= lo_now:
                first_b[b0] += _bulk_births(pc, pc + 1, prev_lo, b0, d, f, hist_x, hist_p)
        top = min(hi - 1, cap)
        if top > max(lo_now, pc):
            levs, wts = _lattice(max(lo_now, pc), top, pc)
            if top - lo_now <= _LARGE_BAND:
                x_lv, p_lv = tables.block_sums(a_f[k0:k1], lam_p[k0:k1] * step_s, lo_now, top, G, levs)
                if has_tr and (tau[k0:k1] > 0).any():
                    x_lv += tables.block_sums(a_pk[k0:k1], lam_p[k0:k1] * tau[k0:k1], lo_now, top, G, levs)[0]
            else:
                x_lv, p_lv = _large_block_sums(large, a_f[k0:k1], lam_p[k0:k1] * step_s, levs, G)
                if has_tr and (tau[k0:k1] > 0).any():
                    x_lv += _large_block_sums(large, a_pk[k0:k1], lam_p[k0:k1] * tau[k0:k1], levs, G)[0]
            _window_levels(x_lv, p_lv, levs, wts, pc, d, f, b0, max(prev_lo, lo_now), hist_x, hist_p,
                           births_b[b0:b1], first_b[b0:b1], al_c)
        # levels that left the band are certain / out of reach: forget their history
        for lev in [k for k in hist_x if k <= lo_now or k >= hi]:
            del hist_x[lev], hist_p[lev]
        prev_lo = lo_now
        b0 = b1
    # spread each block's cold starts over its steps in proportion to their requests
    # (the last block's padding steps get none: its cold starts go to its real steps)
    req = np.zeros(nb * G)
    req[:n] = lam * step_s
    req_b = req.reshape(nb, G).sum(axis=1)
    share = np.divide(births_b, req_b, out=np.zeros(nb), where=req_b > 0)
    births = (req.reshape(nb, G) * share[:, None]).ravel()[:n]
    share1 = np.divide(first_b, req_b, out=np.zeros(nb), where=req_b > 0)
    first = (req.reshape(nb, G) * share1[:, None]).ravel()[:n]
    alive = np.repeat(alive_b, G)[:n]
    return births, alive, throttle, first


class _Tables:
    """Level tables on a log grid of loads, shared by the chunks when they fit in memory.

    ``theta_m / lambda`` and ``P(B < m)`` depend on the load ``a`` only; each step's load
    is rounded to the nearest grid point (``_GRID_LOG_STEP`` apart in ``log a``, wider
    when the load range x levels would exceed ``_TABLE_CELLS``; a last row holds the zero
    load), and a block's sums over its steps are a sparse (blocks x grid) times dense
    (grid x levels) product.
    """

    def __init__(self, a: np.ndarray, top_all: int):
        pos = a > 0
        self.amin = float(a[pos].min()) if pos.any() else 1.0
        amax = float(a.max()) if pos.any() else 1.0
        span = math.log(amax / self.amin)
        self.delta = max(_GRID_LOG_STEP, span * max(top_all, 1) / _TABLE_CELLS)
        self.k = int(span / self.delta) + 2 if span > 0 else 1
        self.shared = None
        if self.delta <= _GRID_LOG_STEP_MAX and top_all <= _LARGE_BAND:
            grid = self.amin * np.exp(self.delta * np.arange(self.k))
            self.shared = (0,) + _level_table(grid, 0, top_all)

    def block_sums(self, a: np.ndarray, req: np.ndarray, lo: int, top: int, G: int,
                   levs: np.ndarray | None = None) -> tuple[FloatArray, FloatArray]:
        """Window increments (sum over each block's steps of ``theta_m x step``) and mean
        ``P(B < m)`` per level ``lo+1..top`` and block: arrays ``(levels, blocks)``."""
        pos = a > 0
        idx = np.empty(a.size, dtype=np.int64)
        if self.shared is not None:
            lo_t, g_tab, p_tab = self.shared
            k, delta, base = self.k, self.delta, self.amin
        else:                                   # one table per chunk (large loads)
            base = float(a[pos].min()) if pos.any() else 1.0
            amax = float(a.max()) if pos.any() else base
            span = math.log(amax / base)
            delta = max(_GRID_LOG_STEP, span * (top - lo) / _TABLE_CELLS)
            k = int(span / delta) + 2 if span > 0 else 1
            lo_t = lo
            g_tab, p_tab = _level_table(base * np.exp(delta * np.arange(k)), lo, top)
        if pos.any():
            idx[pos] = np.minimum(np.rint(np.log(a[pos] / base) / delta).astype(np.int64), k - 1)
        idx[~pos] = k                           # the zero-load row
        cols = slice(lo - lo_t, top - lo_t) if levs is None else np.asarray(levs) - 1 - lo_t
        if G == 1:                               # one step per block: gather the rows
            x = g_tab[idx][:, cols] * req[:, None]
            return np.ascontiguousarray(x.T), np.ascontiguousarray(p_tab[idx][:, cols].T)
        from scipy.sparse import csr_matrix  # noqa: PLC0415 - deferred: 0.3 s to import, only for blocks of steps

        nbc = a.size // G
        indptr = np.arange(0, a.size + 1, G)
        # the product over the whole table (no copy of its columns), then the band's columns
        x = (csr_matrix((req, idx, indptr), shape=(nbc, k + 1)) @ g_tab)[:, cols].T
        p = (csr_matrix((np.full(a.size, 1.0 / G), idx, indptr), shape=(nbc, k + 1)) @ p_tab)[:, cols].T
        return np.ascontiguousarray(x), np.ascontiguousarray(p)


class _LargeTables:
    """Rows of the normalised-level tables of :func:`_large_block_sums`, per load on a
    fixed grid ``a_i = e^{0.01 i}``, computed once per call and reused by every chunk."""

    def __init__(self, cap: int):
        self.cap = cap
        self.rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.xg = np.arange(-_LARGE_X_SPAN, _LARGE_X_SPAN + _LARGE_X_STEP / 2, _LARGE_X_STEP)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        got = self.rows.get(i)
        if got is not None:
            return got
        ai = math.exp(_LARGE_A_STEP * i)
        sq = math.sqrt(ai)
        m_lo = max(1, int(ai - (_LARGE_X_SPAN + 1) * sq))
        m_hi = int(ai + (_LARGE_X_SPAN + 1) * sq) + 2
        start = max(0, int(ai - (_LARGE_X_SPAN + 6) * sq))     # terms of G below: negligible
        j = np.arange(start, m_hi, dtype=float)                 # j = m - 1
        log_pmf = -ai + j * math.log(ai) - gammaln(j + 1.0)
        cdf = pdtr(j, ai)
        fluid = log_pmf + np.log(ai / np.maximum(ai - j, 1e-9))
        log_cdf = np.where(cdf > 1e-280, np.log(np.maximum(cdf, 1e-300)), fluid)
        log_g = np.logaddexp.accumulate(2.0 * log_cdf - log_pmf)     # G_{j+1}
        log_fc = math.log(max(float(pdtr(self.cap, ai)), 1e-300)) if self.cap < m_hi else 0.0
        sel = j + 1 >= m_lo
        xm = (j[sel] + 1.0 - ai) / sq
        log_th = np.interp(self.xg, xm, (log_cdf - log_g)[sel])
        p = np.interp(self.xg, xm, np.exp(np.minimum(log_cdf[sel] - log_fc, 0.0)))
        self.rows[i] = (log_th, p)
        return log_th, p


def _large_block_sums(tabs: _LargeTables, a: np.ndarray, req: np.ndarray, levs: np.ndarray,
                      G: int) -> tuple[FloatArray, FloatArray]:
    """:meth:`_Tables.block_sums` for bands wider than ``_LARGE_BAND`` levels (pools of
    thousands of instances), on tables in the normalised level ``x = (m - a) / sqrt(a)``.

    For loads 1 % apart (``a_i``) the exact level quantities are computed at every integer
    level in log space, vectorised over levels: ``log P(B <= j)`` (the Poisson cdf; its
    fluid limit ``pmf x a/(a - j)`` where it underflows), ``G_m = sum_{j<m} P(B<=j)^2 /
    P(B=j)`` by a running log-sum-exp, ``theta_m / lambda = P(B < m) / G_m``, and
    ``P(B < m | B <= cap)``; they are stored against ``x`` (spacing 0.01 over +-12, linear
    interpolation of ``log theta`` and of ``P``; beyond +-12 the end values: a level
    certainly visited, or never). A step's load uses the row of the nearest ``a_i``: at a
    fixed ``x`` the quantities change with ``a`` only through the Poisson skewness (order
    ``1/sqrt(a)``), so rows 1 % apart are far finer than needed; the level itself is exact.
    """
    pos = a > 0
    nl, nst = levs.size, a.size
    x_out = np.zeros((nl, nst))
    p_out = np.ones((nl, nst))
    if pos.any():
        ia = np.zeros(nst, dtype=np.int64)
        ia[pos] = np.rint(np.log(a[pos]) / _LARGE_A_STEP).astype(np.int64)
        uniq, inv = np.unique(ia[pos], return_inverse=True)
        rows = [tabs.row(int(i)) for i in uniq]
        lt_tab = np.stack([r[0] for r in rows])
        p_tab = np.stack([r[1] for r in rows])
        ap = a[pos]
        u = (np.clip((levs[:, None] - ap[None, :]) / np.sqrt(ap)[None, :], -_LARGE_X_SPAN, _LARGE_X_SPAN - 1e-9)
             + _LARGE_X_SPAN) / _LARGE_X_STEP
        jj = np.minimum(u.astype(np.int64), tabs.xg.size - 2)
        fr = u - jj
        rr = np.broadcast_to(inv[None, :], jj.shape)
        lt = lt_tab[rr, jj] * (1.0 - fr) + lt_tab[rr, jj + 1] * fr
        x_out[:, pos] = np.exp(np.minimum(lt, 0.0)) * req[pos][None, :]
        p_out[:, pos] = p_tab[rr, jj] * (1.0 - fr) + p_tab[rr, jj + 1] * fr
    if G == 1:
        return x_out, p_out
    nbc = nst // G
    return x_out.reshape(nl, nbc, G).sum(axis=2), p_out.reshape(nl, nbc, G).mean(axis=2)


def _spacing(m: np.ndarray) -> np.ndarray:
    """Level spacing of the lattice: 1 below level 256, then the power of two nearest below
    ``sqrt(m) / 8`` (a pool of ``a`` busy instances varies on the scale ``sqrt(a)``)."""
    raw = np.sqrt(np.maximum(m, 1.0)) / 8.0
    return np.where(raw < 2.0, 1, 2 ** np.floor(np.log2(np.maximum(raw, 1.0)))).astype(np.int64)


def _lattice(lo: int, top: int, pc: int) -> tuple[np.ndarray, np.ndarray]:
    """Levels ``lo+1..top`` the window work runs on, and how many levels each stands for.

    Below level 256 every level; above, the multiples of :func:`_spacing` (the same for
    every chunk, so a level's window history carries over), each weighted by the levels
    down to the previous lattice point (a midpoint sum over levels; the level model's
    quantities vary smoothly on the scale ``sqrt(a)``, resolved by 8 points). Level
    ``pc + 1`` (the idle-gap level) is always included.
    """
    if top - lo <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if top < 256:
        levs = np.arange(lo + 1, top + 1)
        return levs, np.ones(levs.size)
    m = np.arange(lo + 1, top + 1)
    on = (m % _spacing(m) == 0) | (m == top) | (m == pc + 1) | (m < 256)
    levs = m[on]
    prev = np.concatenate([[lo], levs[:-1]])
    return levs, (levs - prev).astype(float)


def _bulk_births(lo: int, top: int, prev_lo: int, b0: int, d: int, f: float, hist_x: dict, hist_p: dict) -> float:
    """Expected births of levels ``lo+1..top`` that are visited at the start of a chunk:
    each one that was dead then (``P(B < m) e^-A`` from its history; certainly alive if it
    was certain in the previous chunk, certainly dead if it was out of reach or before
    ``t = 0``) is born once."""
    born = 0.0
    with_hist = 0
    for lev, hx in hist_x.items():
        if lo < lev <= top:
            with_hist += 1
            a0 = float(hx[1:].sum()) + f * float(hx[0])
            born += float(hist_p[lev][-1 if d == 0 else 1]) * math.exp(-min(a0, 700.0))
    certain = max(0, min(prev_lo, top) - lo) if b0 > 0 else 0
    unknown = (top - lo) - certain - with_hist     # out of reach until now: dead
    return born + max(unknown, 0)


def _window_levels(x_lv: FloatArray, p_lv: FloatArray, levs: IntArray, wts: FloatArray, pc: int, d: int, f: float,
                   b0: int, prev_lo: int, hist_x: dict[int, np.ndarray], hist_p: dict[int, np.ndarray],
                   b_sum: FloatArray, b1_sum: FloatArray, al_sum: FloatArray) -> None:
    """Add each level's births and alive probability over the chunk's blocks (in place)."""
    m = x_lv.shape[1]
    ext_x = np.empty(d + 1 + m)
    ext_p = np.empty(d + 1 + m)
    cb = np.empty(d + 2 + m)
    cb[0] = 0.0
    A = np.empty(m + 1)
    e_b = np.empty(m + 1)
    t1, t2, t3, dead = (np.empty(m) for _ in range(4))
    e_k = np.empty(m) if f > 0 else e_b[:-1]
    A_k = np.empty(m) if f > 0 else A[:-1]
    for i in range(x_lv.shape[0]):
        lev, wt = int(levs[i]), float(wts[i])
        if lev <= pc:                        # provisioned: always alive, never born
            continue
        x = x_lv[i]
        hx, hp = hist_x.get(lev), hist_p.get(lev)
        if hx is None:
            if lev <= prev_lo and b0 > 0:     # certainly visited before this chunk
                ext_x[: d + 1] = _VISITED
                ext_p[: d + 1] = 0.0
            else:                             # out of reach before (or before t = 0)
                ext_x[: d + 1] = 0.0
                ext_p[: d + 1] = 1.0
        else:
            ext_x[: d + 1] = hx
            ext_p[: d + 1] = hp
        ext_x[d + 1:] = x
        ext_p[d + 1:] = p_lv[i]
        np.cumsum(ext_x, out=cb[1:])
        # window sums at the chunk's block boundaries k = 0..m: A_k = C(t_k) - C(t_k - T)
        np.subtract(cb[d + 1:], cb[1:m + 2], out=A)
        if f > 0:
            A += f * ext_x[: m + 1]
            # ... and where the window's start crosses a block boundary inside block k
            np.subtract(x, ext_x[:m], out=A_k)
            A_k *= f
            A_k += A[:-1]
        hist_x[lev] = ext_x[-(d + 1):].copy()
        hist_p[lev] = ext_p[-(d + 1):].copy()
        if A.min() > _SATURATED and (f == 0 or A_k.min() > _SATURATED):
            al_sum += wt                      # visited within T at every moment: alive
            continue
        np.negative(A, out=e_b)
        np.exp(e_b, out=e_b)
        p1 = ext_p[:m]                        # lag P while the window starts in block k-d-1
        p2 = ext_p[1:m + 1]                   # ... and in block k-d
        if f > 0:
            np.negative(A_k, out=e_k)
            np.exp(e_k, out=e_k)
            _mean_exp(A[:-1], A_k, e_b[:-1], e_k, t1, t3)      # mean over the first part
            np.multiply(t1, p1, out=dead)
            dead *= f
            _mean_exp(A_k, A[1:], e_k, e_b[1:], t2, t3)        # ... and the second
            t2 *= p2
            t2 *= 1.0 - f
            dead += t2
        else:
            _mean_exp(A[:-1], A[1:], e_b[:-1], e_b[1:], t1, t3)
            np.multiply(t1, p2, out=dead)
        # births: theta x mean P(dead) + lag-P drops (levels last visited at t - T)
        np.subtract(p1, p2, out=t3)
        np.maximum(t3, 0.0, out=t3)
        t3 *= e_k
        np.multiply(x, dead, out=t2)
        t3 += t2
        if lev == pc + 1:                     # the first on-demand level: idle-gap cold starts
            b1_sum += t3
        if wt != 1.0:
            t3 *= wt
            dead *= wt
        b_sum += t3
        al_sum += wt
        al_sum -= dead


def _mean_exp(u: np.ndarray, v: np.ndarray, eu: np.ndarray, ev: np.ndarray,
              out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """Mean of ``exp(-A)`` over a segment where ``A`` goes linearly from ``u`` to ``v``:
    ``(e^-u - e^-v) / (v - u)``, and ``e^-u (1 - (v - u)/2)`` when ``|v - u| < 1e-6``."""
    np.subtract(v, u, out=tmp)
    np.multiply(tmp, -0.5, out=out)
    out += 1.0
    out *= eu                                  # the limit for small |v - u|
    np.abs(tmp, out=tmp)
    big = tmp >= 1e-6
    np.subtract(v, u, out=tmp)
    np.divide(np.subtract(eu, ev), tmp, out=out, where=big)
    return out


def level_model_loop(lam: np.ndarray, step_s: float, w: float, T: float, pc: int, cap: int) -> np.ndarray:
    """The same model as :func:`level_model` with one block per step, written as a plain
    per-step, per-level Python loop (no chunks, bands or tables): the benchmark baseline
    and a check of the vectorised code. Returns the births per step."""
    n = lam.size
    a_all = busy_mean(lam, step_s, w)
    top = min(poisson_level_above(float(a_all.max()) if n else 0.0, _EPS) - 1, cap)
    d_steps = T / step_s
    d = int(math.floor(d_steps + 1e-12))
    f = d_steps - d
    if f < 1e-9:
        f = 0.0
    births = [0.0] * n
    xs = [[0.0] * n for _ in range(top + 1)]      # theta_m x step per level and step
    ps = [[1.0] * n for _ in range(top + 1)]      # P(B < m) per level and step
    for k in range(n):
        a, lk = float(a_all[k]), float(lam[k])
        b_prev, r = 1.0, 1.0
        omb = [0.0] * (top + 1)
        for lev in range(1, top + 1):
            xs[lev][k] = lk * b_prev / r * step_s
            b = a * b_prev / (lev + a * b_prev)
            omb[lev] = 1.0 - b
            r = 1.0 + (1.0 - b) * a / (lev + a * b_prev) * r
            b_prev = b
        p = 1.0
        for lev in range(top, 0, -1):
            p *= omb[lev]
            ps[lev][k] = p

    csum: dict[int, list[float]] = {}

    def window(lev: int, k: int) -> float:  # A at the start of step k: x summed over the last T
        c = csum[lev]
        tot = c[k] - c[max(0, k - d)]
        if f > 0 and k - d - 1 >= 0:
            tot += f * xs[lev][k - d - 1]
        return tot

    def mean_exp(u: float, v: float) -> float:
        return math.exp(-u) * (1.0 - 0.5 * (v - u)) if abs(v - u) < 1e-6 else (math.exp(-u) - math.exp(-v)) / (v - u)

    for lev in range(pc + 1, top + 1):
        x_l, p_l = xs[lev], ps[lev]
        run = [0.0] * (n + 1)
        for k in range(n):
            run[k + 1] = run[k] + x_l[k]
        csum[lev] = run
        for k in range(n):
            A0, A1 = window(lev, k), window(lev, k + 1)
            p1 = p_l[k - d - 1] if k - d - 1 >= 0 else 1.0
            p2 = p_l[k - d] if k - d >= 0 else 1.0
            x_out1 = x_l[k - d - 1] if k - d - 1 >= 0 else 0.0
            Ak = A0 + f * (x_l[k] - x_out1)
            dead = f * p1 * mean_exp(A0, Ak) + (1.0 - f) * p2 * mean_exp(Ak, A1)
            births[k] += x_l[k] * dead + max(p1 - p2, 0.0) * math.exp(-Ak)
    return np.asarray(births)
