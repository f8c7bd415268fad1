"""Turbulence with SNR injection at k0: the broken spectrum of Zhang & Liu (2024), Fig. 4 (reconstructed).

The steady state of the k-space wave-diffusion equation with monochromatic injection at k0
(Zhou & Matthaeus 1990) is, as reconstructed in ``shared/reference/equations.md`` (confidence M),
equipartition E ~ k^2 below k0 and the Kolmogorov cascade above.  Here it is normalised to the
inertial range, E(k) = A k^-gamma for k > k0 and A k0^-(gamma+q) k^q below (q = 2), so that
k0 -> 0 gives back the pure power law.

Inserted in Eqs. 6/10 (x = k lambda, x0 = k0 lambda) the shape of C_l becomes

    C_l ~ lambda^(gamma-1) F_l(x0),   F_l = [l B_(l-1) + (l+1) B_(l+1)] / (2l+1),
    B_n(x0) = x0^-(gamma+q) int_0^x0 x^q j_n^2 dx + int_x0^oo x^-gamma j_n^2 dx,

with F_l(0) = ``convection.spectrum_shape(l, gamma)``.  Two independent evaluations of B_n:

* ``method="subtract"`` (default): the tail is the Eq. 7 closed form minus a finite integral,
  int_x0^oo x^-gamma j_n^2 = I_n(gamma) - int_0^x0 x^-gamma j_n^2 (valid for gamma < 2n+1); both
  finite integrals are cumulative Gauss-Legendre sums on a graded mesh, vectorised over x0.
  Where x0 > 100 (n+1) that difference would cancel, and the tail is integrated directly;
* ``method="quad"``: the whole integral by :func:`cranisotropy.velocity_multipoles.jl2_integral`, which
  treats the oscillatory tail with QUADPACK's Fourier routine (slower; the cross-check).

The turnover: C_l(lambda) rises as lambda^(gamma-1) while k_l = (l+1/2)/lambda >> k0 and falls
once (l+1/2)/lambda <~ k0, at the critical lambda_c = (l+1/2)/k0; with lambda ~ E^delta the
critical energy scales as (l+1/2)^(1/delta).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from . import validate, velocity_multipoles

__all__ = ["spectrum", "broken_integral", "shape", "local_slope", "critical_lambda", "critical_energy"]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(20)
_FAR = 100.0  # x0 > _FAR (n+1): tail by direct quadrature instead of closed form minus head


def spectrum(k, k0, *, A=1.0, gamma=5.0 / 3.0, q=2.0):
    """E(k) = A k^-gamma (k >= k0), A k0^-(gamma+q) k^q (k < k0): the SNR-injection spectrum."""
    k = validate.positive("k", k)
    k0 = validate.positive("k0", k0, allow_array=False)
    A = validate.positive("A", A, allow_array=False)
    gamma = validate.finite("gamma", gamma, allow_array=False)
    q = validate.finite("q", q, allow_array=False)
    kk = np.asarray(k, dtype=float)
    out = np.where(kk >= k0, A * kk ** (-gamma), A * k0 ** (-(gamma + q)) * kk ** q)
    return float(out) if out.ndim == 0 else out


def _cumulative(n, p, xs):
    """int_0^x t^p j_n(t)^2 dt at each x of the sorted array xs (needs 2n + p + 1 > 0)."""
    xmax = float(xs[-1])
    x_lo = min(1e-4, float(xs[0]) * 1e-3)
    knee = float(n + 1)
    parts = [np.geomspace(x_lo, min(knee, xmax), 60)]
    if xmax > knee:
        parts.append(np.arange(knee, xmax, 0.25 * np.pi))
    edges = np.unique(np.concatenate(parts + [xs, [xmax]]))
    edges = edges[edges >= x_lo]
    mid, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * (edges[1:] - edges[:-1])
    t = mid[:, None] + half[:, None] * _GL_X[None, :]
    vals = t ** p * special.spherical_jn(n, t) ** 2
    panel = np.sum(half[:, None] * _GL_W[None, :] * vals, axis=1)
    # int_0^x_lo: j_n(t) ~ t^n / (2n+1)!!, so t^p j_n^2 ~ t^(2n+p) / ((2n+1)!!)^2
    dfact = special.factorial2(2 * n + 1, exact=False)
    start = x_lo ** (2 * n + p + 1) / ((2 * n + p + 1) * dfact**2)
    cum = start + np.concatenate([[0.0], np.cumsum(panel)])
    return cum[np.searchsorted(edges, xs)]


def broken_integral(n, x0, *, gamma=5.0 / 3.0, q=2.0, method="subtract"):
    """B_n(x0) = int_0^oo e(x) j_n(x)^2 dx with e = x^-gamma (x >= x0), x0^-(gamma+q) x^q (x < x0).

    ``n`` integer >= 0 (scalar), ``x0`` > 0 (scalar or array).  ``method="subtract"`` needs
    gamma < 2n + 1 (Eq. 7 convergence); ``"quad"`` works for every n with gamma > -1.
    """
    n = validate.integer("n", n, minimum=0, allow_array=False)
    x0 = validate.positive("x0", x0)
    gamma = validate.finite("gamma", gamma, allow_array=False)
    q = validate.finite("q", q, allow_array=False)
    if gamma <= -1:
        raise ValueError(f"gamma must be > -1 (convergence at infinity), got {gamma!r}")
    if 2 * n + q + 1 <= 0:
        raise ValueError(f"q must be > -(2n+1) for convergence at 0, got q={q!r}, n={n}")
    xa = np.atleast_1d(np.asarray(x0, dtype=float))
    if method == "subtract":
        if gamma >= 2 * n + 1:
            raise ValueError(f"method 'subtract' needs gamma < 2n+1 (got gamma={gamma}, n={n}); use method='quad'")
        order = np.argsort(xa)
        xs = xa[order]
        low = xs ** (-(gamma + q)) * _cumulative(n, q, xs)
        tail = velocity_multipoles.power_law_integral(n, gamma) - _cumulative(n, -gamma, xs)
        # far beyond the peak of j_n^2 the difference I_n - int_0^x0 cancels: integrate the tail itself
        far = xs > _FAR * (n + 1)
        for i in np.flatnonzero(far):
            a = xs[i]
            tail[i] = velocity_multipoles.jl2_integral(
                n, lambda x, a=a: np.where(x >= a, np.maximum(x, a) ** (-gamma), 0.0), breaks=[a],
                x_tail=2.0 * a + 50.0)
        out = np.empty_like(xa)
        out[order] = low + tail
    elif method == "quad":
        def weight(a):
            return lambda x: np.where(x >= a, np.maximum(x, a) ** (-gamma), a ** (-(gamma + q)) * np.abs(x) ** q)
        # keep the kink inside the panel region: the Fourier tail of jl2_integral assumes a smooth weight
        out = np.array([velocity_multipoles.jl2_integral(n, weight(a), breaks=[a],
                                                x_tail=max(200.0, 4.0 * (n + 1) ** 2, 2.0 * a + 50.0))
                        for a in xa])
    else:
        raise ValueError(f"method must be 'subtract' or 'quad', got {method!r}")
    return float(out[0]) if np.ndim(x0) == 0 else out


def shape(ell, x0, *, gamma=5.0 / 3.0, q=2.0, method="subtract"):
    """F_l(x0) = [l B_(l-1)(x0) + (l+1) B_(l+1)(x0)] / (2l+1): Eq. 10 with the broken spectrum.

    ``ell`` scalar integer >= 1; ``x0 = k0 lambda`` scalar or array.  F_l(x0 -> 0) is the
    power-law shape ``convection.spectrum_shape(l, gamma)``.
    """
    ell = validate.integer("ell", ell, minimum=1, allow_array=False)
    m_lo = method if (method == "quad" or gamma < 2 * (ell - 1) + 1) else "quad"
    lo = np.asarray(broken_integral(ell - 1, x0, gamma=gamma, q=q, method=m_lo))
    hi = np.asarray(broken_integral(ell + 1, x0, gamma=gamma, q=q, method=method))
    out = (ell * lo + (ell + 1) * hi) / (2 * ell + 1)
    return float(out) if out.ndim == 0 else out


def local_slope(ell, x0, *, gamma=5.0 / 3.0, q=2.0):
    """d ln F_l / d ln l at fixed x0 = k0 lambda, by the forward difference between l and l + 1 (the same
    definition as :func:`cranisotropy.convection.local_slope`, which it equals for x0 -> 0).

    Examples
    --------
    >>> from cranisotropy import convection
    >>> round(float(local_slope(20, 1e-6) - convection.local_slope(20, 5 / 3)), 9)
    0.0
    """
    ell = validate.integer("ell", ell, minimum=2, allow_array=False)
    x0 = validate.positive("x0", x0, allow_array=False)
    return float(np.log(shape(ell + 1, x0, gamma=gamma, q=q) / shape(ell, x0, gamma=gamma, q=q)) / np.log((ell + 1) / ell))


def critical_lambda(ell, k0):
    """lambda_c = (l + 1/2) / k0: where the delta-peak wavenumber k_l = (l+1/2)/lambda meets k0."""
    ell = validate.integer("ell", ell, minimum=0)
    k0 = validate.positive("k0", k0, allow_array=False)
    out = (np.asarray(ell, dtype=float) + 0.5) / k0
    return float(out) if out.ndim == 0 else out


def critical_energy(ell, k0, *, lam_ref, E_ref, delta):
    """E_c(l) with lambda(E) = lam_ref (E/E_ref)^delta and lambda(E_c) = (l+1/2)/k0: ~ (l+1/2)^(1/delta)."""
    lam_ref = validate.positive("lam_ref", lam_ref, allow_array=False)
    E_ref = validate.positive("E_ref", E_ref, allow_array=False)
    delta = validate.positive("delta", delta, allow_array=False)
    out = E_ref * (np.asarray(critical_lambda(ell, k0)) / lam_ref) ** (1.0 / delta)
    return float(out) if out.ndim == 0 else out
