"""The multipole hierarchy of Ahlers (2014), Eqs. 19-21, solved exactly and stably.

Under the paper's assumptions (hierarchical, nearest-neighbour transitions, nu_l = l(l+1) nu)
Eq. 19 becomes, for D_l = (2l+1) <C_l>,

    dD_l/dT = -nu_l D_l + nu_{l-1} D_{l-1},      D(0) = (3 C~_1, 0, 0, ...),

the forward equation of a pure-birth process on l = 1, 2, ... with rates nu_l.  Time enters only
as tau = nu T, so every function here takes ``nu_T`` and measures rates in units of nu.

Solutions offered
-----------------
* :func:`log_spectrum` / :func:`spectrum` -- the stable solver (the public API).  Where the
  Bateman sum (Eq. 20) is well conditioned (sum of |terms| < 100 x |sum|, i.e. nu T >~ 0.3) it
  sums it with exact coefficient ratios; elsewhere it inverts the
  Laplace transform of D_l, which is a product of simple poles,

      D^_l(s) = 3 prod_{m<l} nu_m / prod_{m<=l} (s + nu_m)
              = 3 Gamma(l) Gamma(l+1) Gamma(1+u) Gamma(2-u) / (Gamma(l+1+u) Gamma(l+2-u)),

  with u(1-u) = s (u = 2s/(1 + sqrt(1-4s))), along a Talbot contour s = -2 + r(theta cot theta +
  i theta) that encloses all poles and crosses the real axis at the saddle point of
  e^{s tau} D^_l(s).  On that contour the integrand has no large cancelling parts, so the result
  carries a relative error of about 1e-12 for l <= 1000 and 1e-3 <= nu T <= 100 (checked against
  mpmath in the tests and in the book), and it is computed in log space, so values far below the
  float64 range (e.g. 1e-558 at l = 1000, nu T = 1e-3) come out as finite logarithms.
* :func:`bateman` -- Eq. 20 as the paper writes it (with the typos of flag F2 corrected),
  evaluated literally in float64.  Loses all accuracy to cancellation at small nu T and large l,
  and its products overflow near l ~ 100 (flag F4).
* :func:`bateman_mp` -- Eq. 20 in mpmath at a precision chosen to beat the cancellation; the
  reference for accuracy checks.
* :func:`bateman_as_printed` -- Eq. 20 exactly as typeset (exponential inside the p-product).
* :func:`asymptotic_ratio` -- Eq. 21, lim_{T->inf} <C_l>/<C_1> = 18/((2l+1)(l+1)(l+2)).
* :func:`partial_sums`, :func:`surviving_weight` -- sum_{l<=L} (2l+1)<C_l>/C~_1 and its L -> inf
  limit 3 sum_n (-1)^(n-1) (2n+1) exp(-n(n+1) nu T) (flag F3: the cascade reaches l = inf in a
  finite time because sum_l 1/nu_l = 1/nu is finite, so Eq. 13 fails for nu T >~ 0.1).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.special import gammaln, loggamma

from . import validate

#: Talbot nodes on the half contour; 128 gives <= ~2e-12 relative error over the documented range.
DEFAULT_NODES = 128
#: Largest multipole of the solver (:func:`log_spectrum` and friends; accuracy checked to l = 1000,
#: memory about lmax x nodes x 16 bytes).
LMAX_SOLVER = 10_000
#: Largest multipole of the literal forms of Eq. 20 (:func:`bateman`, :func:`bateman_as_printed`,
#: :func:`bateman_mp`, :func:`bateman_coefficients`): their documented range, the range of the
#: accuracy checks.  In float64 the products overflow long before (l ~ 100, flag F4).
LMAX_BATEMAN = 1000


# -- rates and matrices -----------------------------------------------------------------------

def rates(lmax):
    """nu_l / nu = l(l+1) for l = 0..lmax (Eq. 19 with nu_l = l(l+1) nu)."""
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    ell = np.arange(lmax + 1, dtype=float)
    return ell * (ell + 1)


def rate_matrix(lmax):
    """Lower-bidiagonal rate matrix A (units of nu) of the hierarchy for D_1..D_lmax.

    dD/d(nu T) = A D with A[l-1, l-1] = -l(l+1), A[l-1, l-2] = (l-1) l.  Dense (lmax x lmax).
    """
    nu = rates(lmax)[1:]
    return np.diag(-nu) + np.diag(nu[:-1], k=-1)


# -- the stable solver -------------------------------------------------------------------------

def _log_sin(z):
    """log sin z for complex z, without overflow for large |Im z| (any branch of the log)."""
    z = np.array(z, dtype=complex)
    lower = z.imag < 0
    z[lower] = np.conj(z[lower])                 # log sin(conj z) = conj(log sin z)
    out = -1j * z + np.log((np.exp(2j * z) - 1) / 2j)
    out[lower] = np.conj(out[lower])
    return out


def _log_pi_u_over_sin(u):
    """log(pi u / sin(pi u)) for complex u, accurate near u = 0."""
    z = np.pi * np.asarray(u, dtype=complex)
    out = np.empty_like(z)
    small = np.abs(z) < 1.0
    far = ~small
    out[far] = np.log(z[far]) - _log_sin(z[far])
    zs = z[small]
    tiny = np.abs(zs) < 1e-8
    out[small] = np.log(np.where(tiny, 1.0 + zs**2 / 6, zs / np.where(tiny, 1.0, np.sin(zs))))
    return out


def _log_laplace(s, ell):
    """log of D^_l(s) = 3 prod_{m<l} nu_m / prod_{m<=l} (s + nu_m) (nu = 1), complex s."""
    s = np.asarray(s, dtype=complex)
    w = np.sqrt(1 - 4 * s)
    u = 2 * s / (1 + w)                      # u (1 - u) = s, Re u <= 1/2
    # Gamma(1+u) Gamma(2-u) = u (1-u) pi / sin(pi u)
    log_g12 = _log_pi_u_over_sin(u) + np.log(1 - u)
    return (math.log(3.0) + gammaln(ell) + gammaln(ell + 1.0) + log_g12
            - loggamma(ell + 1.0 + u) - loggamma(ell + 2.0 - u))


def _saddle_shift(tau, ell_max):
    """x_l = s*_l + 2 (l = 1..ell_max), with s*_l the saddle of e^{s tau} D^_l(s) on the real axis.

    Solves sum_{m<=l} 1/(x - 2 + nu_m) = tau approximately (to a few per cent, which is all the
    contour needs) from a log-spaced grid of x in [1/tau, l_max/tau], where the root must lie.
    """
    grid = (1.0 / tau) * np.geomspace(1.0, max(ell_max, 2), 97)
    nu = np.arange(1, ell_max + 1) * np.arange(2, ell_max + 2.0)
    S = np.cumsum(1.0 / (grid[:, None] - 2.0 + nu[None, :]), axis=1)   # S[g, l-1]
    # S decreases along g; find for each l the last grid point with S >= tau
    above = S >= tau
    idx = np.clip(above.sum(axis=0) - 1, 0, len(grid) - 2)
    cols = np.arange(ell_max)
    s_lo, s_hi = S[idx, cols], S[idx + 1, cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip(np.log(s_lo / tau) / np.log(s_lo / s_hi), 0.0, 1.0)
    frac = np.where(np.isfinite(frac), frac, 0.0)
    lg = np.log(grid)
    return np.exp(lg[idx] + frac * (lg[idx + 1] - lg[idx]))


def _log_D_series(tau, ell_max, max_cancellation=100.0):
    """log D_l(tau), l = 1..ell_max, from the exact Bateman sum (Eq. 20) written as
    3 a_1 e^{-2 tau} (1 + sum_{n>=2} (a_n/a_1) e^{-tau (n(n+1) - 2)}), with the coefficient ratios
    from the exact recursion a_{n+1}/a_n = -(2n+3)(n+2)(l-n) / ((2n+1) n (l+n+2)).

    Returns (log D, ok): ``ok`` is False where sum |terms| / |sum| exceeds ``max_cancellation``
    (small tau), where the caller must use the Talbot inversion instead.
    """
    ell = np.arange(1, ell_max + 1, dtype=float)
    nmax = int(min(ell_max, math.ceil(math.sqrt(40.0 / tau + 2.25) + 1)))
    ratio = np.ones_like(ell)
    total, absolute = np.ones_like(ell), np.ones_like(ell)
    for n in range(1, nmax):
        ratio = ratio * (-(2 * n + 3) * (n + 2) * (ell - n) / ((2 * n + 1) * n * (ell + n + 2)))
        term = ratio * math.exp(-tau * ((n + 1) * (n + 2) - 2))
        total += term
        absolute += np.abs(term)
    ok = (total > 0) & (absolute < max_cancellation * np.abs(total))
    with np.errstate(invalid="ignore", divide="ignore"):
        log_d = math.log(18.0) - np.log(ell + 1) - np.log(ell + 2) - 2 * tau + np.log(np.where(ok, total, 1.0))
    return log_d, ok


def _log_D(tau, ell_max, nodes=DEFAULT_NODES):
    """log D_l(tau) for l = 1..ell_max (tau > 0), D_1(0) = 3: the exact Bateman series where it is
    well conditioned (large tau), else Talbot inversion."""
    log_d, ok = _log_D_series(tau, ell_max)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        log_d[bad] = _log_D_talbot(tau, ell_max, nodes)[bad]
    return log_d


def _log_D_talbot(tau, ell_max, nodes=DEFAULT_NODES, block=64):
    """log D_l(tau) for l = 1..ell_max by Talbot inversion (tau > 0), D_1(0) = 3.

    The multipoles are independent: they are done ``block`` at a time, so that the (l, node)
    arrays stay in the processor's cache."""
    ell_all = np.arange(1, ell_max + 1, dtype=float)[:, None]
    r_all = _saddle_shift(tau, ell_max)[:, None]
    h = np.pi / nodes
    th = (np.arange(nodes) + 0.5) * h           # midpoint rule on (0, pi); conjugate symmetry
    cot = np.cos(th) / np.sin(th)
    out = np.empty(ell_max)
    for lo in range(0, ell_max, block):
        ell, r = ell_all[lo:lo + block], r_all[lo:lo + block]
        s = -2.0 + r * (th * cot + 1j * th)
        ds = r * (cot - th / np.sin(th) ** 2 + 1j)
        phi = s * tau + _log_laplace(s, ell)
        s0 = (r[:, 0] - 2.0)
        phi0 = (s0 * tau + _log_laplace(s0[:, None], ell).real[:, 0])
        val = (h / np.pi) * np.sum(np.exp(phi - phi0[:, None]) * ds, axis=1).imag
        out[lo:lo + block] = phi0 + np.log(val)
    return out


def _solver_lmax(lmax):
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    if lmax > LMAX_SOLVER:
        raise ValueError(f"lmax must be <= {LMAX_SOLVER} (the documented range of the solver), got {lmax}")
    return lmax


def log_spectrum(nu_T, lmax, *, nodes=DEFAULT_NODES):
    """Natural log of <C_l>(T)/C~_1, l = 0..lmax, from the hierarchy (Ahlers 2014, Eqs. 19-20).

    The stable solver (see the module docstring): finite even where the value underflows float64.

    Parameters
    ----------
    nu_T : float or array_like
        nu T >= 0; an array gives one spectrum per entry (broadcasting).
    lmax : int
        Largest multipole, 1 <= lmax <= :data:`LMAX_SOLVER`.
    nodes : int
        Talbot nodes (>= 8).

    Returns
    -------
    ndarray
        Shape ``np.shape(nu_T) + (lmax + 1,)``, indexed by l from 0; entry 0 is -inf, and at
        nu_T = 0 the entries l >= 2 are -inf.

    Raises
    ------
    ValueError
        nu_T negative or not finite; lmax outside 1..LMAX_SOLVER.

    References
    ----------
    M. Ahlers, PRL 112, 021101 (2014), Eqs. 19-20 (Eq. 20 corrected, flag F2).

    Examples
    --------
    >>> import numpy as np
    >>> out = log_spectrum([0.1, 1.0], 3)
    >>> out.shape, bool(np.isclose(out[1, 1], -2.0))      # ln C_1/C~_1 = -nu_1 T = -2 nu T
    ((2, 4), True)
    """
    tau = np.asarray(validate.nonnegative("nu_T", nu_T), dtype=float)
    lmax = _solver_lmax(lmax)
    nodes = validate.integer("nodes", nodes, minimum=8, allow_array=False)
    out = np.full(tau.shape + (lmax + 1,), -np.inf)
    ell = np.arange(1, lmax + 1)
    for idx in np.ndindex(tau.shape):
        t = float(tau[idx])
        if t == 0.0:
            out[idx + (1,)] = 0.0
        else:
            out[idx + (slice(1, None),)] = _log_D(t, lmax, nodes) - np.log(2 * ell + 1.0)
    return out


def spectrum(nu_T, lmax, *, nodes=DEFAULT_NODES):
    """<C_l>(T)/C~_1 for l = 0..lmax: the exact solution of Eq. 19 of Ahlers (2014) (nearest
    neighbour, nu_l = l(l+1) nu) with <C_1>(0) = C~_1 and <C_l>(0) = 0 for l >= 2 (Eq. 20).

    Parameters
    ----------
    nu_T : float or array_like
        nu T >= 0 (broadcasts: one spectrum per entry).
    lmax : int
        Largest multipole, 1 <= lmax <= :data:`LMAX_SOLVER`.

    Returns
    -------
    ndarray
        Shape ``np.shape(nu_T) + (lmax + 1,)``, indexed by l from 0 (entry 0 is 0).  Values below
        the float64 range come out as 0 (see :func:`log_spectrum`).

    Examples
    --------
    >>> import numpy as np
    >>> C = spectrum(20.0, 3)
    >>> [round(float(v), 6) for v in C / C[1]]                  # late times: Eq. 21
    [0.0, 1.0, 0.3, 0.128571]
    >>> spectrum(np.array([0.1, 1.0, 10.0]), 40).shape
    (3, 41)
    """
    with np.errstate(under="ignore"):
        return np.exp(log_spectrum(nu_T, lmax, nodes=nodes))


def partial_sums(nu_T, lmax, *, nodes=DEFAULT_NODES):
    """S_L = sum_{l=1..L} (2l+1) <C_l>/C~_1 for L = 0..lmax (S_0 = 0; S_L(0) = 3 for L >= 1).

    The left-hand side of the sum rule Eq. 13 of Ahlers (2014) in the hierarchy, truncated at L.
    It conserves nothing at finite L: dS_L/d(nu T) = -nu_L D_L (the leak into l > L).

    Parameters
    ----------
    nu_T : float or array_like
        nu T >= 0 (broadcasts).
    lmax : int
        Largest truncation, 1 <= lmax <= :data:`LMAX_SOLVER`.

    Returns
    -------
    ndarray
        Shape ``np.shape(nu_T) + (lmax + 1,)``, indexed by L from 0.

    Examples
    --------
    >>> [round(float(v), 12) for v in partial_sums(0.0, 3)]
    [0.0, 3.0, 3.0, 3.0]
    """
    C = spectrum(nu_T, lmax, nodes=nodes)
    ell = np.arange(C.shape[-1])
    return np.cumsum((2 * ell + 1) * C, axis=-1)


def surviving_weight(nu_T, *, tol=1e-18):
    """lim_{L->inf} sum_{l<=L} (2l+1)<C_l>/C~_1 = 3 sum_{n>=1} (-1)^(n-1) (2n+1) e^{-n(n+1) nu T}.

    Three times the probability that the pure-birth chain with rates l(l+1) has not reached
    l = infinity by nu T; it equals 3 (1 - 4 pi K(nu T, antipode)) with K the heat kernel of the
    sphere.  Eq. 13 of Ahlers (2014) would require 3 at all T (flag F3).

    Parameters
    ----------
    nu_T : float or array_like
        nu T > 0 (the series is only Abel summable at 0); broadcasts.
    tol : float
        Size of the last term kept.

    Returns
    -------
    float or ndarray
        Of the shape of ``nu_T``.

    Examples
    --------
    >>> round(surviving_weight(1.0) / 3, 4), round(float(surviving_weight([0.01, 0.1])[0]), 12)
    (0.3937, 3.0)
    """
    tau = np.asarray(validate.positive("nu_T", nu_T), dtype=float)
    tol = validate.positive("tol", tol, allow_array=False)
    out = np.empty(tau.shape)
    for idx in np.ndindex(tau.shape):
        t = float(tau[idx])
        nmax = int(math.ceil(math.sqrt(-math.log(tol) / t))) + 2
        n = np.arange(1, nmax + 1, dtype=float)
        terms = (-1.0) ** (n - 1) * (2 * n + 1) * np.exp(-n * (n + 1) * t)
        # sum small terms first (alternating, decreasing in magnitude beyond the maximum)
        out[idx] = 3.0 * float(np.sum(terms[::-1]))
    return float(out) if out.ndim == 0 else out


def leak_rate(nu_T, L, *, h=1e-5):
    """The leak identity of the truncated hierarchy, both sides: (dS_L/d(nu T), -nu_L D_L).

    dS_L/d(nu T) by central differences of :func:`partial_sums` (step ``h``), against
    -L(L+1)(2L+1) <C_L>/C~_1 from :func:`spectrum`; equal because the cascade telescopes.

    Examples
    --------
    >>> dS, leak = leak_rate(1.0, 5)
    >>> bool(abs(dS / leak - 1) < 1e-6)
    True
    """
    tau = validate.positive("nu_T", nu_T, allow_array=False)
    L = _solver_lmax(L)
    h = validate.positive("h", h, allow_array=False)
    if h >= tau:
        raise ValueError(f"h must be < nu_T = {tau}, got {h}")
    dS = (partial_sums(tau + h, L)[-1] - partial_sums(tau - h, L)[-1]) / (2 * h)
    leak = -L * (L + 1) * (2 * L + 1) * spectrum(tau, L)[L]
    return float(dS), float(leak)


def time_to_asymptote(ell, *, rtol=0.01, nu_T_grid=None, stays=False):
    """The smallest nu T on a grid at which C_l/C_1 lies within ``rtol`` of Eq. 21 (with
    ``stays=True``: from which it stays within ``rtol`` up to the end of the grid).

    Parameters
    ----------
    ell : int or array_like
        Multipoles >= 1.
    rtol : float
        Relative tolerance.
    nu_T_grid : array_like, optional
        Increasing grid of nu T (default: 301 log-spaced points in [1e-2, 10]).
    stays : bool
        Require the ratio to stay within ``rtol`` at every later grid point.

    Returns
    -------
    float or ndarray
        Of the shape of ``ell``; NaN where the ratio never gets within ``rtol`` on the grid (or,
        with ``stays``, is not within it at the end of the grid).

    Examples
    --------
    >>> time_to_asymptote([5, 40]).round(2).tolist()
    [1.38, 1.55]
    >>> round(float(time_to_asymptote(20, rtol=0.1, stays=True)), 2)
    0.93
    """
    ell_arr = validate.integer("ell", ell, minimum=1)
    rtol = validate.positive("rtol", rtol, allow_array=False)
    grid = np.geomspace(1e-2, 10.0, 301) if nu_T_grid is None else np.atleast_1d(
        validate.positive("nu_T_grid", nu_T_grid))
    lmax = int(np.max(ell_arr))
    C = spectrum(grid, max(lmax, 2))
    dev = np.abs(C[:, 1:] / C[:, 1:2] / asymptotic_ratio(np.arange(1, C.shape[1])) - 1)
    out = []
    for l in np.atleast_1d(ell_arr):
        within = dev[:, l - 1] < rtol
        if stays:
            within = np.logical_and.accumulate(within[::-1])[::-1]    # within here and at every later point
        out.append(float(grid[np.argmax(within)]) if within.any() else float("nan"))
    return out[0] if np.ndim(ell_arr) == 0 else np.array(out)


def decay_rates(nu_T, lmax, *, h=1e-4):
    """-d ln<C_l>/d(nu T) for l = 0..lmax at ``nu_T``: the decay rate of each multipole in units
    of nu, from the stable solver by central differences (step ``h``; entry 0 is NaN).

    Ahlers (2014) expects the multipoles to follow eventually d<C_l>/dT = -nu_l <C_l> with
    nu_l = l(l+1) nu; in the solution of the hierarchy every multipole decays at late times at the
    rate of the slowest mode, nu_1 = 2 nu, which is what makes the ratios of Eq. 21 stationary.

    Examples
    --------
    >>> decay_rates(20.0, 3).round(6).tolist()[1:]
    [2.0, 2.0, 2.0]
    >>> round(float(decay_rates(1e-3, 1)[1]), 6)                       # the dipole: always 2 nu
    2.0
    """
    tau = validate.positive("nu_T", nu_T, allow_array=False)
    lmax = _solver_lmax(lmax)
    h = validate.positive("h", h, allow_array=False)
    if h >= tau:
        raise ValueError(f"h must be < nu_T = {tau}, got {h}")
    up, down = log_spectrum(tau + h, lmax), log_spectrum(tau - h, lmax)
    out = np.full(lmax + 1, np.nan)
    out[1:] = -(up[1:] - down[1:]) / (2 * h)
    return out


def shape_spread_over_energy(energies, exponent, *, nu_T_min=20.0, lmax=40):
    """Largest relative deviation of <C_l>/<C_1> (l <= ``lmax``) from Eq. 21 over ``energies``
    when the relaxation rate scales as nu ∝ E^exponent and nu T = ``nu_T_min`` at the lowest energy.

    The model of Ahlers (2014) depends on energy only through nu T, and its late-time ratios not at
    all ("the relative power spectrum ... is asymptotically independent of the diffusive relaxation
    rate"): the result is round-off for any ``exponent`` once ``nu_T_min`` >~ 20.

    Examples
    --------
    >>> bool(shape_spread_over_energy([13.0, 240.0, 5300.0], 1 / 3) < 1e-10)
    True
    """
    E = np.atleast_1d(validate.positive("energies", energies))
    exponent = validate.finite("exponent", exponent, allow_array=False)
    nu_T_min = validate.positive("nu_T_min", nu_T_min, allow_array=False)
    logC = log_spectrum(nu_T_min * (E / E.min()) ** exponent, lmax)      # logs: C_1 underflows at large nu T
    ell = np.arange(1, lmax + 1)
    return float(np.max(np.abs(np.exp(logC[:, 1:] - logC[:, 1:2]) / asymptotic_ratio(ell) - 1)))


# -- Eq. 21 -----------------------------------------------------------------------------------

def asymptotic_ratio(ell):
    """Eq. 21 of Ahlers (2014): lim_{T->inf} <C_l>/<C_1> = 18 / ((2l+1)(l+2)(l+1)), l >= 1.

    Parameters
    ----------
    ell : int or array_like
        Multipoles >= 1 (any shape).

    Returns
    -------
    float or ndarray
        Of the shape of ``ell``.

    Examples
    --------
    >>> asymptotic_ratio(1), asymptotic_ratio([2, 3]).round(6).tolist()
    (1.0, [0.3, 0.128571])
    """
    ell = validate.integer("ell", ell, minimum=1)
    l = np.asarray(ell, dtype=float)
    out = 18.0 / ((2 * l + 1) * (l + 2) * (l + 1))
    return float(out) if out.ndim == 0 else out


# -- Eq. 20 in its several forms ---------------------------------------------------------------

def _bateman_ell(ell, name="ell"):
    ell_arr = validate.integer(name, ell, minimum=1)
    if np.any(np.asarray(ell_arr) > LMAX_BATEMAN):
        raise ValueError(f"{name} must be <= {LMAX_BATEMAN} (the documented range of the literal Eq. 20), "
                         f"got {np.max(ell_arr)}")
    return ell_arr


def bateman(nu_T, ell):
    """Eq. 20 of Ahlers (2014) (corrected, flag F2) evaluated literally in float64:

    <C_l>(T)/C~_1 = 3/(2l+1) prod_{m=1}^{l-1} nu_m sum_{n=1}^{l} e^{-T nu_n} / prod_{p!=n} (nu_p - nu_n).

    No safeguards: cancellation and overflow (inf/nan near l ~ 100) are what it is meant to show
    (flag F4); use :func:`spectrum` for numbers.

    Parameters
    ----------
    nu_T : float or array_like
        nu T >= 0.
    ell : int or array_like
        Multipoles, 1 <= ell <= :data:`LMAX_BATEMAN` (memory grows as ell^2).

    Returns
    -------
    float or ndarray
        Shape ``np.shape(ell) + np.shape(nu_T)``.

    Examples
    --------
    >>> import math
    >>> math.isclose(bateman(1.0, 1), math.exp(-2.0))
    True
    >>> bateman(1.0, 10**5)
    Traceback (most recent call last):
    ...
    ValueError: ell must be <= 1000 (the documented range of the literal Eq. 20), got 100000
    """
    tau = np.asarray(validate.nonnegative("nu_T", nu_T), dtype=float)
    ell_arr = _bateman_ell(ell)
    out = []
    with np.errstate(all="ignore"):
        for l in np.atleast_1d(ell_arr).ravel():
            nu = np.arange(1, l + 1) * np.arange(2, l + 2.0)
            pref = 3.0 / (2 * l + 1) * np.prod(nu[:-1])
            diff = nu[None, :] - nu[:, None]           # diff[n, p] = nu_p - nu_n
            np.fill_diagonal(diff, 1.0)
            den = np.prod(diff, axis=1)
            total = np.sum(np.exp(-np.multiply.outer(tau, nu)) / den, axis=-1)
            out.append(pref * total)
    res = np.array(out).reshape(np.shape(ell_arr) + tau.shape)
    return float(res) if res.ndim == 0 else res


def bateman_as_printed(nu_T, ell):
    """Eq. 20 of Ahlers (2014) exactly as typeset: the exponential inside the p-product,
    3/(2l+1) prod_{m<l} nu_m sum_n prod_{p!=n} e^{-T nu_n}/(nu_p - nu_n)  (float64).

    For l = 1 the p-product is empty and the result is 1 at every T: C_1 does not decay (F2).

    Parameters
    ----------
    nu_T : float or array_like
        nu T >= 0.
    ell : int or array_like
        Multipoles, 1 <= ell <= :data:`LMAX_BATEMAN`.

    Returns
    -------
    float or ndarray
        Shape ``np.shape(ell) + np.shape(nu_T)``.

    Examples
    --------
    >>> bateman_as_printed(1.0, 1), bateman_as_printed([0.5, 2.0], 1).tolist()
    (1.0, [1.0, 1.0])
    """
    tau = np.asarray(validate.nonnegative("nu_T", nu_T), dtype=float)
    ell_arr = _bateman_ell(ell)
    out = []
    with np.errstate(all="ignore"):
        for l in np.atleast_1d(ell_arr).ravel():
            nu = np.arange(1, l + 1) * np.arange(2, l + 2.0)
            pref = 3.0 / (2 * l + 1) * np.prod(nu[:-1])
            total = np.zeros(tau.shape)
            for n in range(l):
                diff = np.delete(nu, n) - nu[n]
                total = total + np.prod(np.exp(-tau[..., None] * nu[n]) / diff, axis=-1)
            out.append(pref * total)
    res = np.array(out).reshape(np.shape(ell_arr) + tau.shape)
    return float(res) if res.ndim == 0 else res


def bateman_coefficients(ell):
    """Exact rational coefficients a_{l,n} (n = 1..l) of Eq. 20 written as
    <C_l>/C~_1 = 3/(2l+1) sum_n a_{l,n} e^{-n(n+1) nu T}:

        a_{l,n} = prod_{m<l} nu_m / prod_{p!=n} (nu_p - nu_n)
                = (-1)^(n-1) (2n+1) n (n+1) (l-1)! l! / ((l-n)! (l+n+1)!),

    from nu_p - nu_n = (p - n)(p + n + 1).  Returns a list of :class:`fractions.Fraction`;
    1 <= ell <= :data:`LMAX_BATEMAN`.

    Examples
    --------
    >>> [str(a) for a in bateman_coefficients(2)]
    ['1/2', '-1/2']
    """
    l = int(_bateman_ell(validate.integer("ell", ell, minimum=1, allow_array=False)))
    return list(_bateman_coefficients(l))


@lru_cache(maxsize=64)
def _bateman_coefficients(l: int) -> tuple:
    """:func:`bateman_coefficients` for a checked l, remembered (the accuracy check asks for the
    same l at every nu T), with the factorials 0!..(2l+1)! computed once."""
    from fractions import Fraction

    fact = [1]
    for i in range(1, 2 * l + 2):
        fact.append(fact[-1] * i)
    top = fact[l - 1] * fact[l]
    return tuple(Fraction((-1) ** (n - 1) * (2 * n + 1) * n * (n + 1) * top, fact[l - n] * fact[l + n + 1])
                 for n in range(1, l + 1))


def bateman_mp(nu_T, ell, dps=None):
    """Eq. 20 (corrected) in mpmath: <C_l>(T)/C~_1 as an ``mpmath.mpf``.

    Uses the exact coefficients of :func:`bateman_coefficients` (the products of Eq. 20 in closed
    form).  ``dps=None`` picks the working precision from the size of the cancellation: the
    digits of the largest term over the result (estimated from :func:`log_spectrum`) plus 30.
    The reference of the accuracy checks; 1 <= ell <= :data:`LMAX_BATEMAN`.

    Examples
    --------
    >>> import math
    >>> math.isclose(float(bateman_mp(1.0, 1)), math.exp(-2.0), rel_tol=1e-15)
    True
    """
    import mpmath as mp

    tau = validate.nonnegative("nu_T", nu_T, allow_array=False)
    l = int(_bateman_ell(validate.integer("ell", ell, minimum=1, allow_array=False)))
    if dps is None:
        n = np.arange(1, l + 1, dtype=float)
        log_terms = (np.log(2 * n + 1) + np.log(n) + np.log(n + 1) + gammaln(l) + gammaln(l + 1.0)
                     - gammaln(l - n + 1) - gammaln(l + n + 2) - tau * n * (n + 1))
        log_result = (log_spectrum(tau, l)[l] + math.log(2 * l + 1) - math.log(3.0)) if tau > 0 else 0.0
        dps = int(max(0.0, (log_terms.max() - log_result) / math.log(10))) + 30
    else:
        dps = validate.integer("dps", dps, minimum=15, allow_array=False)
    coeff = bateman_coefficients(l)
    with mp.workdps(dps):
        t = mp.mpf(float(tau))
        total = mp.fsum(mp.mpf(c.numerator) / c.denominator * mp.exp(-t * (n * (n + 1)))
                        for n, c in enumerate(coeff, start=1))
        return 3 * total / (2 * l + 1)


# -- Eq. 20 in sympy: the exact checks of the hierarchy chapter --------------------------------

def sympy_symbols():
    """The positive sympy symbols ``(T, nu, Ctilde_1)`` of :func:`bateman_sympy`."""
    import sympy as sp

    return sp.symbols("T nu Ctilde_1", positive=True)


def bateman_sympy(ell, *, printed=False):
    """Eq. 20 of Ahlers (2014) as a sympy expression in T, nu, C~_1 (:func:`sympy_symbols`),
    with nu_l = l(l+1) nu.

    ``printed=False``: the corrected form (exponential outside the p-product, flag F2);
    ``printed=True``: as typeset (exponential inside the p-product).

    Examples
    --------
    >>> T, nu, C1 = sympy_symbols()
    >>> bateman_sympy(1), bateman_sympy(1, printed=True)
    (Ctilde_1*exp(-2*T*nu), Ctilde_1)
    """
    import sympy as sp

    l = int(_bateman_ell(validate.integer("ell", ell, minimum=1, allow_array=False)))
    T, nu, C1 = sympy_symbols()
    nu_l = [m * (m + 1) * nu for m in range(l + 1)]
    pref = 3 * C1 / (2 * l + 1) * sp.prod([nu_l[m] for m in range(1, l)])
    terms = []
    for n in range(1, l + 1):
        others = [p for p in range(1, l + 1) if p != n]
        if printed:
            terms.append(sp.prod([sp.exp(-T * nu_l[n]) / (nu_l[p] - nu_l[n]) for p in others]))
        else:
            terms.append(sp.exp(-T * nu_l[n]) / sp.prod([nu_l[p] - nu_l[n] for p in others]))
    return pref * sum(terms)


def eq19_residuals(ell, *, printed=False):
    """Exact residuals of Eq. 20 in the nearest-neighbour Eq. 19 and in the initial condition.

    Returns ``(ode, initial)``, both simplified sympy expressions, with D_l = (2l+1) <C_l>:
    [dD_l/dT + nu_l D_l - nu_(l-1) D_(l-1)]/(2l+1) and <C_l>(0) - C~_1 delta_l1.  Both are 0 for
    the corrected Eq. 20; for the printed form at l = 1 the first is not.

    Examples
    --------
    >>> eq19_residuals(2)
    (0, 0)
    >>> eq19_residuals(1, printed=True)
    (2*Ctilde_1*nu, 0)
    """
    import sympy as sp

    l = int(_bateman_ell(validate.integer("ell", ell, minimum=1, allow_array=False)))
    T, nu, C1 = sympy_symbols()
    D = (2 * l + 1) * bateman_sympy(l, printed=printed)
    source = (l - 1) * l * nu * (2 * l - 1) * bateman_sympy(l - 1, printed=printed) if l > 1 else 0
    from .exact import residual

    ode = residual((sp.diff(D, T) + l * (l + 1) * nu * D - source) / (2 * l + 1))
    initial = residual((D.subs(T, 0) - (3 * C1 if l == 1 else 0)) / (2 * l + 1))
    return ode, initial


def eq21_limit_sympy(ell):
    """lim_{T->inf} <C_l>/<C_1> of the corrected Eq. 20, computed by sympy (exact rational).

    Examples
    --------
    >>> eq21_limit_sympy(3)
    9/70
    """
    import sympy as sp

    l = int(_bateman_ell(validate.integer("ell", ell, minimum=1, allow_array=False)))
    T, nu, _ = sympy_symbols()
    ratio = sp.expand(bateman_sympy(l) * sp.exp(2 * T * nu)) / sp.expand(bateman_sympy(1) * sp.exp(2 * T * nu))
    return sp.limit(ratio, T, sp.oo)


# -- accuracy and cost of the solver -----------------------------------------------------------

def solver_accuracy(nu_T_values, ells):
    """The stable solver against Eq. 20 in mpmath (:func:`bateman_mp`) on a grid of (nu T, l).

    The error is |ln C_solver - ln C_reference|: the relative error where the value is
    representable, and still meaningful where it underflows float64.

    Returns
    -------
    dict
        ``worst`` (largest error), ``n_points``, ``n_underflowing`` (reference values below
        2.2e-308) and ``smallest`` = (nu T, l, log10 C) of the smallest reference value.

    Examples
    --------
    >>> acc = solver_accuracy([0.01, 1.0], [1, 10])
    >>> acc["n_points"], bool(acc["worst"] < 1e-10)
    (4, True)
    """
    import mpmath as mp

    taus = np.atleast_1d(validate.positive("nu_T_values", nu_T_values))
    ells = np.atleast_1d(_bateman_ell(ells, "ells"))
    worst, n_under, rows = 0.0, 0, []
    for tau in taus:
        logC = log_spectrum(float(tau), int(ells.max()))
        for l in ells:
            ref = bateman_mp(float(tau), int(l))
            worst = max(worst, abs(float(logC[l]) - float(mp.log(ref))))
            n_under += bool(ref < mp.mpf("2.2e-308"))
            rows.append((float(tau), int(l), float(mp.log10(ref))))
    smallest = min(rows, key=lambda r: r[2])
    return {"worst": worst, "n_points": len(rows), "n_underflowing": n_under, "smallest": smallest}


def expm_agreement(lmax, nu_T_values=(1e-3, 1.0, 100.0), *, floor=1e-300):
    """scipy's ``expm`` of the dense rate matrix against the solver, entry by entry.

    D(nu T) = 3 expm(nu T A)[:, 0] for D_1..D_lmax, compared in log with the solver where the
    solver's D_l exceeds ``floor``.  Returns ``(max |ln D_expm - ln D_solver|, longest expm time
    in s)``; the cost grows as lmax^3.

    Examples
    --------
    >>> err, seconds = expm_agreement(300)
    >>> bool(err < 1e-9)
    True

    The small entries are not always kept: at lmax = 30, nu T = 1e-3 they are lost.

    >>> bool(expm_agreement(30, [1e-3])[0] > 1)
    True
    """
    import time

    from scipy.linalg import expm

    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    if lmax > LMAX_BATEMAN:
        raise ValueError(f"lmax must be <= {LMAX_BATEMAN} (a dense lmax x lmax matrix exponential), got {lmax}")
    A = rate_matrix(lmax)
    ell = np.arange(1, lmax + 1)
    err, slowest = 0.0, 0.0
    for tau in np.atleast_1d(validate.nonnegative("nu_T_values", nu_T_values)):
        t0 = time.perf_counter()
        D = 3 * expm(float(tau) * A)[:, 0]
        slowest = max(slowest, time.perf_counter() - t0)
        logD_ref = log_spectrum(float(tau), lmax)[1:] + np.log(2 * ell + 1)
        ok = logD_ref > np.log(floor)
        with np.errstate(divide="ignore"):
            err = max(err, float(np.max(np.abs(np.log(D[ok]) - logD_ref[ok]))))
    return err, slowest


def solver_timings(lmax, *, repeat=5):
    """Best-of-``repeat`` run times (ms) of :func:`spectrum`: to ``lmax`` at nu T = 1e-3 (Talbot
    branch) and 1 (series branch), and to l = 40 at 1e-3.  A benchmark of this machine, not a
    property of the solver.

    Examples
    --------
    >>> sorted(solver_timings(40, repeat=1))
    ['full_fast_ms', 'full_ms', 'l40_ms']
    """
    import timeit

    lmax = _solver_lmax(lmax)
    repeat = validate.integer("repeat", repeat, minimum=1, allow_array=False)

    def best(call, number):
        return 1e3 * min(timeit.repeat(call, number=number, repeat=repeat)) / number

    return {"full_ms": best(lambda: spectrum(1e-3, lmax), 1),
            "full_fast_ms": best(lambda: spectrum(1.0, lmax), 10),
            "l40_ms": best(lambda: spectrum(1e-3, 40), 10)}


def float64_error_map(nu_T_values, ells):
    """log10 of the relative error of Eq. 20 evaluated literally in float64 (:func:`bateman`)
    against the stable solver, on a grid (flag F4).

    Returns
    -------
    (log_err, overflow) : ndarray, ndarray
        Shape (len(ells), len(nu_T_values)); ``log_err`` is clipped to [-17, 3] and NaN where
        the float64 products overflow (``overflow`` True).  Where the exact value underflows
        float64 the error is |ln|C_lit|| - ln C|.

    Examples
    --------
    >>> log_err, bad = float64_error_map([0.1, 10.0], [1, 200])
    >>> bool(log_err[0, 1] < -12), bad[1].tolist()
    (True, [True, True])
    """
    taus = np.atleast_1d(validate.positive("nu_T_values", nu_T_values))
    ells = np.atleast_1d(_bateman_ell(ells, "ells"))
    lit = np.atleast_2d(bateman(taus, ells))
    exact_log = log_spectrum(taus, int(ells.max()))[:, ells].T
    with np.errstate(all="ignore"):
        rel = np.abs(lit / np.exp(exact_log) - 1)
        rel = np.where(np.exp(exact_log) > 0, rel, np.abs(np.log(np.abs(lit)) - exact_log))
        bad = ~np.isfinite(lit)
        log_err = np.log10(np.clip(np.where(bad, np.nan, rel), 1e-17, 1e3))
    return log_err, bad


def float64_usability(log_err, overflow, ells, *, threshold=-10.0) -> dict:
    """Summary of :func:`float64_error_map`: ``l_overflow`` (first l at which the products
    overflow at some nu T; None if none), ``l_usable_small`` (largest l accurate to
    10^threshold at the smallest nu T; 0 if none) and ``usable_fraction`` of the map.

    Examples
    --------
    >>> ells = np.arange(1, 151)
    >>> u = float64_usability(*float64_error_map([1e-3, 1.0], ells), ells)
    >>> u["l_overflow"]
    99
    """
    ells = np.asarray(ells)
    usable = np.isfinite(log_err) & (log_err < threshold)
    return {"l_overflow": int(ells[np.argmax(overflow.any(axis=1))]) if overflow.any() else None,
            "l_usable_small": int(ells[usable[:, 0]].max()) if usable[:, 0].any() else 0,
            "usable_fraction": float(usable.mean())}
