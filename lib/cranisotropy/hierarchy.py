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

import numpy as np
from scipy.special import gammaln, loggamma

from . import validate

#: Talbot nodes on the half contour; 128 gives <= ~2e-12 relative error over the documented range.
DEFAULT_NODES = 128


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


def _log_D_talbot(tau, ell_max, nodes=DEFAULT_NODES):
    """log D_l(tau) for l = 1..ell_max by Talbot inversion (tau > 0), D_1(0) = 3."""
    ell = np.arange(1, ell_max + 1, dtype=float)[:, None]
    r = _saddle_shift(tau, ell_max)[:, None]
    h = np.pi / nodes
    th = (np.arange(nodes) + 0.5) * h           # midpoint rule on (0, pi); conjugate symmetry
    cot = np.cos(th) / np.sin(th)
    s = -2.0 + r * (th * cot + 1j * th)
    ds = r * (cot - th / np.sin(th) ** 2 + 1j)
    phi = s * tau + _log_laplace(s, ell)
    s0 = (r[:, 0] - 2.0)
    phi0 = (s0 * tau + _log_laplace(s0[:, None], ell).real[:, 0])
    val = (h / np.pi) * np.sum(np.exp(phi - phi0[:, None]) * ds, axis=1).imag
    return phi0 + np.log(val)


def log_spectrum(nu_T, lmax, *, nodes=DEFAULT_NODES):
    """Natural log of <C_l>(T)/C~_1 for l = 0..lmax from the hierarchy (entry 0 is -inf).

    Finite even where the value underflows float64.  At nu_T = 0 the entries l >= 2 are -inf.
    """
    tau = validate.nonnegative("nu_T", nu_T, allow_array=False)
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    nodes = validate.integer("nodes", nodes, minimum=8, allow_array=False)
    out = np.full(lmax + 1, -np.inf)
    if tau == 0.0:
        out[1] = 0.0
        return out
    ell = np.arange(1, lmax + 1)
    out[1:] = _log_D(tau, lmax, nodes) - np.log(2 * ell + 1.0)
    return out


def spectrum(nu_T, lmax, *, nodes=DEFAULT_NODES):
    """<C_l>(T)/C~_1 for l = 0..lmax (entry 0 is 0): the exact solution of Eq. 19 (nearest
    neighbour, nu_l = l(l+1) nu) with <C_1>(0) = C~_1 and <C_l>(0) = 0 for l >= 2.

    Values below the float64 range come out as 0 (see :func:`log_spectrum`).
    """
    with np.errstate(under="ignore"):
        return np.exp(log_spectrum(nu_T, lmax, nodes=nodes))


def partial_sums(nu_T, lmax, *, nodes=DEFAULT_NODES):
    """S_L = sum_{l=1..L} (2l+1) <C_l>/C~_1 for L = 1..lmax (index L-1); S_L(0) = 3.

    The hierarchy conserves nothing at finite L: dS_L/d(nu T) = -nu_L D_L (the leak into l > L).
    """
    C = spectrum(nu_T, lmax, nodes=nodes)[1:]
    ell = np.arange(1, len(C) + 1)
    return np.cumsum((2 * ell + 1) * C)


def surviving_weight(nu_T, *, tol=1e-18):
    """lim_{L->inf} sum_{l<=L} (2l+1)<C_l>/C~_1 = 3 sum_{n>=1} (-1)^(n-1) (2n+1) e^{-n(n+1) nu T}.

    Three times the probability that the pure-birth chain with rates l(l+1) has not reached
    l = infinity by nu T; it equals 3 (1 - 4 pi K(nu T, antipode)) with K the heat kernel of the
    sphere.  Eq. 13 would require 3 at all T.  Not valid at nu_T = 0 (the series is only Abel
    summable to 1 there); requires nu_T > 0.
    """
    tau = validate.positive("nu_T", nu_T, allow_array=False)
    nmax = int(math.ceil(math.sqrt(-math.log(tol) / tau))) + 2
    n = np.arange(1, nmax + 1, dtype=float)
    terms = (-1.0) ** (n - 1) * (2 * n + 1) * np.exp(-n * (n + 1) * tau)
    # sum small terms first (alternating, decreasing in magnitude beyond the maximum)
    return 3.0 * float(np.sum(terms[::-1]))


# -- Eq. 21 -----------------------------------------------------------------------------------

def asymptotic_ratio(ell):
    """Eq. 21: lim_{T->inf} <C_l>/<C_1> = 18 / ((2l+1)(l+2)(l+1)), l >= 1, vectorised."""
    ell = validate.integer("ell", ell, minimum=1)
    l = np.asarray(ell, dtype=float)
    out = 18.0 / ((2 * l + 1) * (l + 2) * (l + 1))
    return float(out) if out.ndim == 0 else out


# -- Eq. 20 in its several forms ---------------------------------------------------------------

def bateman(nu_T, ell):
    """Eq. 20 (corrected, flag F2) evaluated literally in float64: <C_l>(T)/C~_1 =
    3/(2l+1) prod_{m=1}^{l-1} nu_m sum_{n=1}^{l} e^{-T nu_n} / prod_{p=1, p!=n}^{l} (nu_p - nu_n).

    No safeguards: cancellation and overflow (inf/nan near l ~ 100) are what it is meant to show.
    ``nu_T`` and ``ell`` may be arrays; the result has shape ``ell.shape + nu_T.shape``.
    """
    tau = np.asarray(validate.nonnegative("nu_T", nu_T), dtype=float)
    ell_arr = validate.integer("ell", ell, minimum=1)
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
    """Eq. 20 exactly as typeset: the exponential inside the p-product,
    3/(2l+1) prod_{m<l} nu_m sum_n prod_{p!=n} e^{-T nu_n}/(nu_p - nu_n)  (float64, l <= ~60).

    For l = 1 the p-product is empty and the result is 1 at every T: C_1 does not decay.
    """
    tau = validate.nonnegative("nu_T", nu_T, allow_array=False)
    ell_arr = validate.integer("ell", ell, minimum=1)
    scalar = np.ndim(ell_arr) == 0
    out = []
    with np.errstate(all="ignore"):
        for l in np.atleast_1d(ell_arr):
            nu = np.arange(1, l + 1) * np.arange(2, l + 2.0)
            pref = 3.0 / (2 * l + 1) * np.prod(nu[:-1])
            total = 0.0
            for n in range(l):
                diff = np.delete(nu, n) - nu[n]
                total += np.prod(np.exp(-tau * nu[n]) / diff)
            out.append(pref * total)
    return out[0] if scalar else np.array(out)


def bateman_coefficients(ell):
    """Exact rational coefficients a_{l,n} (n = 1..l) of Eq. 20 written as
    <C_l>/C~_1 = 3/(2l+1) sum_n a_{l,n} e^{-n(n+1) nu T}:

        a_{l,n} = prod_{m<l} nu_m / prod_{p!=n} (nu_p - nu_n)
                = (-1)^(n-1) (2n+1) n (n+1) (l-1)! l! / ((l-n)! (l+n+1)!),

    from nu_p - nu_n = (p - n)(p + n + 1).  Returns a list of :class:`fractions.Fraction`.
    """
    from fractions import Fraction

    l = validate.integer("ell", ell, minimum=1, allow_array=False)
    f = math.factorial
    return [Fraction((-1) ** (n - 1) * (2 * n + 1) * n * (n + 1) * f(l - 1) * f(l), f(l - n) * f(l + n + 1))
            for n in range(1, l + 1)]


def bateman_mp(nu_T, ell, dps=None):
    """Eq. 20 (corrected) in mpmath: <C_l>(T)/C~_1 as an ``mpmath.mpf``.

    Uses the exact coefficients of :func:`bateman_coefficients` (the products of Eq. 20 in closed
    form).  ``dps=None`` picks the working precision from the size of the cancellation: the
    digits of the largest term over the result (estimated from :func:`log_spectrum`) plus 30.
    """
    import mpmath as mp

    tau = validate.nonnegative("nu_T", nu_T, allow_array=False)
    l = validate.integer("ell", ell, minimum=1, allow_array=False)
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
