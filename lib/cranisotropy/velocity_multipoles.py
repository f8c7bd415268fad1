"""Multipoles of a turbulent velocity field: Zhang & Liu (2024), Eqs. 5-7 (reconstructed).

Conventions (equations.md, Sec. 2, flag Z1): the omnidirectional spectrum ``E(k)`` is normalised as
int_0^oo E(k) dk = <|u|^2> (no 1/2), the field is delta_ij-isotropic ("equipartition"), and

    U_l = (4 pi / 3) int_0^oo E(k) j_l(k lambda)^2 dk                        (Eq. 6)

is the variance of one Cartesian component of the multipole coefficient u_lm on a sphere of
radius ``lam``.  For a power law E = A k^-gamma, U_l = (4 pi/3) A lam^(gamma-1) I_l(gamma) with
I_l the Weber-Schafheitlin integral of :func:`power_law_integral` (Eq. 7).

All public functions validate their arguments (:mod:`cranisotropy.validate`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np
from scipy import integrate, special

from . import validate

__all__ = [
    "power_law_integral",
    "power_law_integral_asymptote",
    "U_ell_power_law",
    "jl2_integral",
    "U_ell_quad",
    "U_ell_delta",
    "delta_error_factor",
    "JL2_LMAX",
    "plane_wave_expansion_error",
    "unsold_error",
    "bessel_sum_rule_error",
    "variance_share_deviation",
    "jl2_normalisation_deviation",
    "delta_ratio",
    "eq7_quadrature_check",
    "local_slope",
    "large_l_approach",
]

#: Largest l of the quadrature :func:`jl2_integral` (and :func:`U_ell_quad`): its cost grows as
#: l^2 (panels up to x = 4 (l+1)^2); its accuracy is checked for l <= 60.
JL2_LMAX = 200


def _gamma_in_range(ell, gamma, *, name_ell="ell"):
    """Raise ValueError unless -1 < gamma < 2 ell + 1 everywhere (after broadcasting)."""
    ell_b, g_b = np.broadcast_arrays(ell, gamma)
    if np.any(g_b <= -1):
        raise ValueError(f"gamma must be > -1 for the integral to converge at infinity, got {gamma!r}")
    bad = g_b >= 2 * ell_b + 1
    if np.any(bad):
        raise ValueError(
            f"gamma must be < 2*{name_ell}+1 for the integral to converge at 0; "
            f"violated for {name_ell}={ell_b[bad].ravel()[:5].tolist()}, gamma={g_b[bad].ravel()[:5].tolist()}"
        )


def power_law_integral(ell, gamma):
    """I_l(gamma) = int_0^oo x^-gamma j_l(x)^2 dx by the closed form of Eq. 7 (Weber-Schafheitlin).

    I_l = pi Gamma(gamma+1) Gamma(l + (1-gamma)/2) / (2^(gamma+2) Gamma(1+gamma/2)^2 Gamma(l + (3+gamma)/2)),
    valid for -1 < gamma < 2l+1; evaluated with log-Gamma so that large ``ell`` does not overflow.
    ``ell`` (integer >= 0) and ``gamma`` (real) broadcast against each other; a scalar pair gives a float.
    """
    ell = validate.integer("ell", ell, minimum=0)
    gamma = validate.finite("gamma", gamma)
    _gamma_in_range(ell, gamma)
    l = np.asarray(ell, dtype=float)
    g = np.asarray(gamma, dtype=float)
    ln = log_prefactor(g) + special.gammaln(l + 0.5 * (1.0 - g)) - special.gammaln(l + 0.5 * (3.0 + g))
    out = np.exp(ln)
    return float(out) if out.ndim == 0 else out


def log_prefactor(g):
    """ln[pi Gamma(g+1) / (2^(g+2) Gamma(1+g/2)^2)], the l-independent factor of Eq. 7 (and of its
    large-l limit and of the closed form of C_l); ``g`` is an already validated array of gamma."""
    return np.log(np.pi) + special.gammaln(g + 1.0) - (g + 2.0) * np.log(2.0) - 2.0 * special.gammaln(1.0 + 0.5 * g)


def power_law_integral_asymptote(ell, gamma):
    """Large-l limit of Eq. 7: I_l -> pi Gamma(gamma+1) / (2^(gamma+2) Gamma(1+gamma/2)^2) l^-(gamma+1)."""
    ell = validate.positive("ell", ell)
    gamma = validate.finite("gamma", gamma)
    if np.any(np.asarray(gamma) <= -1):
        raise ValueError(f"gamma must be > -1, got {gamma!r}")
    g = np.asarray(gamma, dtype=float)
    c = np.exp(log_prefactor(g))
    out = c * np.asarray(ell, dtype=float) ** (-(g + 1.0))
    return float(out) if out.ndim == 0 else out


def U_ell_power_law(ell, gamma, lam, A=1.0):
    """Eq. 7: U_l = (4 pi/3) A lam^(gamma-1) I_l(gamma) for E(k) = A k^-gamma (vectorised over ell)."""
    lam = validate.positive("lam", lam, allow_array=False)
    A = validate.positive("A", A, allow_array=False)
    I = power_law_integral(ell, gamma)
    return 4.0 * np.pi / 3.0 * A * lam ** (np.asarray(gamma, dtype=float) - 1.0) * I


# --------------------------------------------------------------------------------------------
# Numerical quadrature of Eq. 6 for a general spectrum
# --------------------------------------------------------------------------------------------

_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)

# j_l and y_l for real x >= 0: the ufuncs behind scipy.special.spherical_jn / spherical_yn, which
# for x >= 0 return exactly what those wrappers return, without their per-call cost (~0.2 ms of
# argument handling, mostly for the reflection x < 0 that never occurs here).  The adaptive
# quadratures below call them one point at a time, 10^5 times per chapter.
try:
    from scipy.special._ufuncs import _spherical_jn as _sph_jn, _spherical_yn as _sph_yn
except ImportError:                  # another scipy layout: the public functions, same values
    _sph_jn, _sph_yn = special.spherical_jn, special.spherical_yn


def jl2_integral(ell: int, f: Callable, *, breaks=(), x_tail=None, n_terms: int = 6) -> float:
    """int_0^oo f(x) j_l(x)^2 dx for a smooth, at most slowly growing weight ``f`` (vectorised callable).

    The oscillatory tail is handled analytically: j_l^2 = M^2/2 + (j_l^2 - y_l^2)/2 with
    M^2 = j_l^2 + y_l^2 free of oscillation, and (j_l^2 - y_l^2)/2 = Re h_l(x)^2 / 2, where the
    spherical Hankel function h_l = (-i)^(l+1) e^(ix)/x sum_k (l+k)!/(k!(l-k)!) (i/2x)^k is a finite
    series.  On [x_tail, oo) the smooth part is integrated directly (in ln x) and the oscillatory
    part, truncated after ``n_terms`` powers of 1/x beyond the leading 1/x^2 (leading form
    (-1)^l [-cos 2x/(2x^2) + l(l+1) sin 2x/(2x^3)]), by half-period Gauss-Legendre sums with Euler
    averaging.  Below x_tail: adaptive quadrature on [0, l+1] (integrable end-point singularities
    of f), then 24-point Gauss-Legendre panels of width pi/2.  ``breaks`` are points where f has
    a kink (panel edges are put there).  Default x_tail = max(200, 4 (l+1)^2).  For f = x^-gamma
    the result agrees with Eq. 7 to ~1e-12 relative for -0.9 <= gamma <= 3.5, l <= 60.
    ``ell`` must not exceed :data:`JL2_LMAX`.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(jl2_integral(3, np.ones_like) * 2 * 7 / np.pi), 12)        # pi / (2 (2l+1))
    1.0
    """
    ell = validate.integer("ell", ell, minimum=0, allow_array=False)
    if ell > JL2_LMAX:
        raise ValueError(f"ell must be <= {JL2_LMAX} (the cost of the quadrature grows as ell^2), got {ell}")
    if not callable(f):
        raise TypeError("f must be a callable f(x)")
    breaks = [float(b) for b in np.atleast_1d(validate.nonnegative("breaks", breaks))] if len(breaks) else []
    X = max(200.0, 4.0 * (ell + 1) ** 2) if x_tail is None else validate.positive("x_tail", x_tail, allow_array=False)
    x1 = min(float(ell + 1), X)

    def core(x):
        return f(x) * _sph_jn(ell, x) ** 2

    pts = [b for b in breaks if 0 < b < x1] or None
    head = integrate.quad(core, 0.0, x1, points=pts, limit=400, epsabs=0, epsrel=1e-13)[0]
    # the panels of the body and j_l^2 on them depend on l and the breaks only (not on f): remembered
    body = sum(float(np.sum(hw * (f(x) * jl2))) for hw, x, jl2 in _jl2_panels(ell, x1, X, tuple(breaks)))
    smooth = _smooth_tail(f, ell, X, [b for b in breaks if b > X])
    osc = _oscillatory_tail(f, ell, X, n_terms)
    return head + body + smooth + osc


@lru_cache(maxsize=4)
def _jl2_panels(ell, a, b, breaks):
    """The Gauss-Legendre panels of width <= pi/2 on [a, b] (edges at ``breaks``) of
    :func:`jl2_integral`'s body: per stretch, (half-width x weights, nodes, j_l(nodes)^2)."""
    edges = [a] + sorted(x for x in breaks if a < x < b) + [b]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        n = max(1, int(np.ceil((hi - lo) / (0.5 * np.pi))))
        e = np.linspace(lo, hi, n + 1)
        mid = 0.5 * (e[1:] + e[:-1])[:, None]
        half = 0.5 * (e[1:] - e[:-1])[:, None]
        x = mid + half * _GL_X[None, :]
        out.append((half * _GL_W[None, :], x, _sph_jn(ell, x) ** 2))
    return tuple(out)


@lru_cache(maxsize=4)
def _oscillatory_nodes(ell, X, n_terms, n_half):
    """What :func:`_oscillatory_tail` needs besides f: the Hankel-series coefficients d_n, the
    nodes x of the half-period panels from X, their weights, x^(-2-n) and e^(2ix)."""
    from math import factorial

    b = np.array([factorial(ell + k) / (factorial(k) * factorial(ell - k)) * (0.5j) ** k for k in range(ell + 1)])
    d = np.convolve(b, b)[: n_terms + 1]  # S(x)^2 = sum_n d_n x^-n
    # half-period panels starting at X: e^(2ix) changes sign every pi/2
    e = X + 0.5 * np.pi * np.arange(n_half + 1)
    mid = 0.5 * (e[1:] + e[:-1])[:, None]
    half = 0.25 * np.pi
    x = mid + half * _GL_X[None, :]
    return d, x, half * _GL_W[None, :], tuple(x ** (-2.0 - n) for n in range(len(d))), np.exp(2j * x)


def _oscillatory_tail(f, ell, X, n_terms, n_half=48, n_avg=24):
    """int_X^oo f(x) (j_l^2 - y_l^2)/2 dx from the Hankel series of h_l^2 (``n_terms`` corrections).

    Each term int_X^oo f x^(-2-n) e^(2ix) dx is summed over half periods (Gauss-Legendre on each),
    and the partial sums, which alternate about the limit, are accelerated by repeated averaging
    of neighbours (Euler transformation).
    """
    n_terms = validate.integer("n_terms", n_terms, minimum=0, allow_array=False)
    d, x, hw, xpow, phase = _oscillatory_nodes(ell, float(X), n_terms, n_half)
    fx = np.asarray(f(x), dtype=float)
    total = 0.0
    for n, dn in enumerate(d):
        pieces = np.sum(hw * fx * xpow[n] * phase, axis=1)
        S = np.cumsum(pieces)
        for _ in range(n_avg):
            S = 0.5 * (S[1:] + S[:-1])
        total += (dn * S[-1]).real
    return (-1.0) ** (ell + 1) * 0.5 * total


def _smooth_tail(f, ell, X, breaks):
    """int_X^oo f(x) M^2/2 dx, M^2 = j_l^2 + y_l^2 (no oscillation), in t = ln(x/X), split at ``breaks``."""

    def g(t):
        x = X * np.exp(t)
        return 0.5 * f(x) * (_sph_jn(ell, x) ** 2 + _sph_yn(ell, x) ** 2) * x

    edges = [0.0] + [float(np.log(b / X)) for b in sorted(breaks) if b < X * 1e200] + [np.log(1e200)]
    with np.errstate(over="ignore", under="ignore"):        # f far out (x up to 1e200 X)
        return sum(integrate.quad(g, a, b, limit=500, epsabs=0, epsrel=1e-12)[0]
                   for a, b in zip(edges[:-1], edges[1:]))


def U_ell_quad(ell, E: Callable, lam, *, k_breaks=()):
    """Eq. 6 by numerical quadrature: U_l = (4 pi/3) int_0^oo E(k) j_l(k lam)^2 dk for each ``ell``.

    ``E`` is a vectorised callable of k (same length unit as 1/lam); ``k_breaks`` are
    wavenumbers where E has a kink.  Uses :func:`jl2_integral` after x = k lam.
    """
    lam = validate.positive("lam", lam, allow_array=False)
    if not callable(E):
        raise TypeError("E must be a callable E(k)")
    ells = validate.integer("ell", ell, minimum=0)
    xb = [float(k) * lam for k in np.atleast_1d(validate.positive("k_breaks", k_breaks))] if len(k_breaks) else []
    f = lambda x: E(x / lam) / lam
    out = np.array([jl2_integral(int(l), f, breaks=xb) for l in np.atleast_1d(ells)])
    out = 4.0 * np.pi / 3.0 * out
    return float(out[0]) if np.ndim(ells) == 0 else out


def U_ell_delta(ell, E: Callable, lam):
    """The delta-function approximation j_l(x)^2 ~ pi/(2(2l+1)) delta(x - l - 1/2) in Eq. 6:

    U_l ~ (4 pi/3) pi E(k_l) / (2 (2l+1) lam), with k_l = (l + 1/2)/lam.
    """
    lam = validate.positive("lam", lam, allow_array=False)
    if not callable(E):
        raise TypeError("E must be a callable E(k)")
    ell = validate.integer("ell", ell, minimum=0)
    l = np.asarray(ell, dtype=float)
    out = 4.0 * np.pi / 3.0 * np.pi / (2.0 * (2.0 * l + 1.0)) * np.asarray(E((l + 0.5) / lam), dtype=float) / lam
    return float(out) if out.ndim == 0 else out


def delta_error_factor(gamma):
    """Asymptotic (l >> 1) ratio delta-approximation / exact for E ~ k^-gamma:
    sqrt(pi) Gamma(1+gamma/2) / Gamma((1+gamma)/2)  (> 1: the delta approximation overestimates)."""
    gamma = validate.finite("gamma", gamma)
    if np.any(np.asarray(gamma) <= -1):
        raise ValueError(f"gamma must be > -1, got {gamma!r}")
    g = np.asarray(gamma, dtype=float)
    out = np.exp(0.5 * np.log(np.pi) + special.gammaln(1 + g / 2) - special.gammaln((1 + g) / 2))
    return float(out) if out.ndim == 0 else out



# --------------------------------------------------------------------------------------------
# The checks of the multipoles chapter (Zhang & Liu 2024, Eqs. 5-7)
# --------------------------------------------------------------------------------------------

def _generator(rng):
    validate.generator("rng", rng)
    return rng


def plane_wave_expansion_error(rng: np.random.Generator, n_pairs: int = 20, lmax: int = 80) -> float:
    """Largest |4 pi sum_{l<=lmax} i^l j_l(kx) sum_m Y_lm(x^) Y*_lm(k^) - e^{ik.x}| at ``n_pairs``
    random (k, x): k standard normal, x 3 x standard normal (drawn in that order from ``rng``).
    The expansion behind Eq. 5.

    Examples
    --------
    >>> bool(plane_wave_expansion_error(np.random.default_rng(0), 3, 60) < 1e-10)
    True
    """
    rng = _generator(rng)
    n_pairs = validate.integer("n_pairs", n_pairs, minimum=1, allow_array=False)
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    kx = rng.normal(size=(n_pairs, 3))
    xx = rng.normal(size=(n_pairs, 3)) * 3
    worst = 0.0
    for kv, xv in zip(kx, xx):
        k, x = np.linalg.norm(kv), np.linalg.norm(xv)
        th_k, ph_k = np.arccos(kv[2] / k), np.arctan2(kv[1], kv[0])
        th_x, ph_x = np.arccos(xv[2] / x), np.arctan2(xv[1], xv[0])
        s = 0j
        for l in range(lmax + 1):
            m = np.arange(-l, l + 1)
            s += 4 * np.pi * 1j**l * special.spherical_jn(l, k * x) * np.sum(
                special.sph_harm_y(l, m, th_x, ph_x) * np.conj(special.sph_harm_y(l, m, th_k, ph_k)))
        worst = max(worst, abs(s - np.exp(1j * kv @ xv)))
    return float(worst)


def unsold_error(rng: np.random.Generator, n_points: int = 50, lmax: int = 40) -> float:
    """Largest |sum_m |Y_lm|^2 - (2l+1)/4pi| over l <= ``lmax`` at ``n_points`` random directions
    (theta, then phi, uniform, from ``rng``): Unsold's theorem.

    Examples
    --------
    >>> bool(unsold_error(np.random.default_rng(0), 5, 10) < 1e-13)
    True
    """
    rng = _generator(rng)
    n_points = validate.integer("n_points", n_points, minimum=1, allow_array=False)
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    th, ph = rng.uniform(0, np.pi, n_points), rng.uniform(0, 2 * np.pi, n_points)
    return float(max(np.max(np.abs(np.sum(np.abs(special.sph_harm_y(l, np.arange(-l, l + 1)[:, None], th, ph)) ** 2,
                                          axis=0) - (2 * l + 1) / (4 * np.pi))) for l in range(lmax + 1)))


def bessel_sum_rule_error(x_max: float, n: int = 3000) -> float:
    """Largest |sum_l (2l+1) j_l(x)^2 - 1| on ``n`` points of [0.01, x_max] (the sum to
    l = x_max + 80, where the terms are negligible): the identity after Eq. 6.

    Examples
    --------
    >>> bool(bessel_sum_rule_error(10.0, 200) < 1e-13)
    True
    """
    x_max = validate.positive("x_max", x_max, allow_array=False)
    n = validate.integer("n", n, minimum=2, allow_array=False)
    x = np.linspace(0.01, x_max, n)
    ls = np.arange(0, int(x_max) + 80)
    total = np.sum((2 * ls[:, None] + 1) * special.spherical_jn(ls[:, None], x[None, :]) ** 2, axis=0)
    return float(np.max(np.abs(total - 1)))


def variance_share_deviation(k_peak: float = 3.0, width2: float = 0.5, lmax: int = 29) -> float:
    """|sum_{l<=lmax} (2l+1) U_l / ((4 pi/3) int E dk) - 1| for the smooth test spectrum
    E(k) = exp(-(k - k_peak)^2 / width2) at lam = 1 (U_l by quadrature, :func:`U_ell_quad`): the
    variance shares of Eq. 6 add up to the variance.

    Examples
    --------
    >>> bool(variance_share_deviation(lmax=25) < 1e-8)
    True
    """
    k_peak = validate.positive("k_peak", k_peak, allow_array=False)
    width2 = validate.positive("width2", width2, allow_array=False)
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    U = U_ell_quad(np.arange(0, lmax + 1), lambda k: np.exp(-(k - k_peak) ** 2 / width2), 1.0)
    total = 4 * np.pi / 3 * np.sqrt(width2 * np.pi) * (1 + special.erf(k_peak / np.sqrt(width2))) / 2
    return float(abs(np.sum((2 * np.arange(lmax + 1) + 1) * U) / total - 1))


def jl2_normalisation_deviation(lmax: int = 20) -> float:
    """Largest relative deviation of the quadrature int_0^oo j_l^2 dx (:func:`jl2_integral`) from
    pi/(2(2l+1)) for l <= ``lmax``: the normalisation of the delta-function approximation."""
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    vals = np.array([jl2_integral(l, np.ones_like) for l in range(lmax + 1)])
    return float(np.max(np.abs(vals * 2 * (2 * np.arange(lmax + 1) + 1) / np.pi - 1)))


def delta_ratio(ell, gamma, *, quadrature: bool = False):
    """U_l from the delta-function approximation over the exact U_l, for E = k^-gamma (lam = 1):
    the exact value from Eq. 7 (:func:`U_ell_power_law`), or with ``quadrature`` from Eq. 6 by
    quadrature (an independent number; l <= :data:`JL2_LMAX`).

    Examples
    --------
    >>> r = delta_ratio([10, 10**5], 5 / 3)
    >>> bool(abs(r[-1] / delta_error_factor(5 / 3) - 1) < 1e-4)
    True
    """
    gamma = validate.finite("gamma", gamma, allow_array=False)

    def E(k):
        return k ** (-gamma)

    exact = U_ell_quad(ell, E, 1.0) if quadrature else U_ell_power_law(ell, gamma, 1.0)
    return U_ell_delta(ell, E, 1.0) / exact


def eq7_quadrature_check(gammas, ell_max: int) -> np.ndarray:
    """Eq. 7 in closed form against the quadrature of x^-gamma j_l^2, for every gamma in
    ``gammas`` and 1 <= l <= ``ell_max`` with gamma < 2l + 1: rows (gamma, l, closed, quadrature).

    Examples
    --------
    >>> rows = eq7_quadrature_check([0.5, 5 / 3], 3)
    >>> rows.shape, bool(np.max(np.abs(rows[:, 3] / rows[:, 2] - 1)) < 1e-10)
    ((6, 4), True)
    """
    ell_max = validate.integer("ell_max", ell_max, minimum=1, allow_array=False)
    gammas = np.atleast_1d(validate.finite("gammas", gammas))
    quad = {}
    for l in range(1, ell_max + 1):          # l outer: the panels of each l serve every gamma
        for i, g in enumerate(gammas):
            if g < 2 * l + 1:
                quad[i, l] = jl2_integral(l, lambda t, g=g: t ** (-g))
    return np.array([(g, l, power_law_integral(l, g), quad[i, l])
                     for i, g in enumerate(gammas) for l in range(1, ell_max + 1) if (i, l) in quad])


def local_slope(ell, gamma):
    """d ln I_l / d ln l of Eq. 7 by the forward difference between l and l + 1.

    Examples
    --------
    >>> round(float(local_slope(10**4, 5 / 3)), 3)
    -2.667
    """
    ell = np.asarray(validate.integer("ell", ell, minimum=1))
    return np.log(power_law_integral(ell + 1, gamma) / power_law_integral(ell, gamma)) / np.log((ell + 1) / ell)


def large_l_approach(ell, gammas) -> tuple[dict, dict]:
    """How Eq. 7 approaches its large-l limit, per index gamma of ``gammas``: the local slope
    d ln I_l / d ln l (:func:`local_slope`, -> -(gamma+1)) and I_l over the asymptote
    c_gamma l^-(gamma+1) (:func:`power_law_integral_asymptote`, -> 1), at the multipoles ``ell``.

    Returns
    -------
    slopes, ratios : dict
        gamma -> array over ``ell``.

    Examples
    --------
    >>> slopes, ratios = large_l_approach([10, 10**5], [5 / 3])
    >>> round(float(slopes[5 / 3][-1]), 4), round(float(ratios[5 / 3][-1]), 4)
    (-2.6667, 1.0)
    """
    ell = np.asarray(validate.integer("ell", ell, minimum=1))
    gammas = [float(g) for g in np.atleast_1d(validate.finite("gammas", gammas))]
    slopes = {g: local_slope(ell, g) for g in gammas}
    ratios = {g: power_law_integral(ell, g) / power_law_integral_asymptote(ell, g) for g in gammas}
    return slopes, ratios
