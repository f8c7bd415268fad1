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
]


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


def _panel_quad(func, a, b, width, breaks):
    """int_a^b func by 24-point Gauss-Legendre on panels of at most ``width``, with edges at ``breaks``."""
    edges = [a] + sorted(x for x in breaks if a < x < b) + [b]
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        n = max(1, int(np.ceil((hi - lo) / width)))
        e = np.linspace(lo, hi, n + 1)
        mid = 0.5 * (e[1:] + e[:-1])[:, None]
        half = 0.5 * (e[1:] - e[:-1])[:, None]
        x = mid + half * _GL_X[None, :]
        total += float(np.sum(half * _GL_W[None, :] * func(x)))
    return total


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
    """
    ell = validate.integer("ell", ell, minimum=0, allow_array=False)
    if not callable(f):
        raise TypeError("f must be a callable f(x)")
    breaks = [float(b) for b in np.atleast_1d(validate.nonnegative("breaks", breaks))] if len(breaks) else []
    X = max(200.0, 4.0 * (ell + 1) ** 2) if x_tail is None else validate.positive("x_tail", x_tail, allow_array=False)
    x1 = min(float(ell + 1), X)

    def core(x):
        return f(x) * special.spherical_jn(ell, x) ** 2

    pts = [b for b in breaks if 0 < b < x1] or None
    head = integrate.quad(core, 0.0, x1, points=pts, limit=400, epsabs=0, epsrel=1e-13)[0]
    body = _panel_quad(core, x1, X, 0.5 * np.pi, breaks)
    tail_breaks = [b for b in breaks if b > X]
    smooth = _smooth_tail(f, ell, X, [b for b in breaks if b > X])
    osc = _oscillatory_tail(f, ell, X, n_terms)
    return head + body + smooth + osc


def _oscillatory_tail(f, ell, X, n_terms, n_half=48, n_avg=24):
    """int_X^oo f(x) (j_l^2 - y_l^2)/2 dx from the Hankel series of h_l^2 (``n_terms`` corrections).

    Each term int_X^oo f x^(-2-n) e^(2ix) dx is summed over half periods (Gauss-Legendre on each),
    and the partial sums, which alternate about the limit, are accelerated by repeated averaging
    of neighbours (Euler transformation).
    """
    from math import factorial

    n_terms = validate.integer("n_terms", n_terms, minimum=0, allow_array=False)
    b = np.array([factorial(ell + k) / (factorial(k) * factorial(ell - k)) * (0.5j) ** k for k in range(ell + 1)])
    d = np.convolve(b, b)[: n_terms + 1]  # S(x)^2 = sum_n d_n x^-n
    # half-period panels starting at X: e^(2ix) changes sign every pi/2
    e = X + 0.5 * np.pi * np.arange(n_half + 1)
    mid = 0.5 * (e[1:] + e[:-1])[:, None]
    half = 0.25 * np.pi
    x = mid + half * _GL_X[None, :]
    fx = np.asarray(f(x), dtype=float)
    phase = np.exp(2j * x)
    total = 0.0
    for n, dn in enumerate(d):
        pieces = np.sum(half * _GL_W[None, :] * fx * x ** (-2.0 - n) * phase, axis=1)
        S = np.cumsum(pieces)
        for _ in range(n_avg):
            S = 0.5 * (S[1:] + S[:-1])
        total += (dn * S[-1]).real
    return (-1.0) ** (ell + 1) * 0.5 * total


def _smooth_tail(f, ell, X, breaks):
    """int_X^oo f(x) M^2/2 dx, M^2 = j_l^2 + y_l^2 (no oscillation), in t = ln(x/X), split at ``breaks``."""

    def g(t):
        x = X * np.exp(t)
        with np.errstate(over="ignore", under="ignore"):
            fx = f(x)
        return 0.5 * fx * (special.spherical_jn(ell, x) ** 2 + special.spherical_yn(ell, x) ** 2) * x

    edges = [0.0] + [float(np.log(b / X)) for b in sorted(breaks) if b < X * 1e200] + [np.log(1e200)]
    return sum(integrate.quad(g, a, b, limit=500, epsabs=0, epsrel=1e-12)[0] for a, b in zip(edges[:-1], edges[1:]))


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
