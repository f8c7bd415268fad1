"""Exact spherical-harmonic identities behind Ahlers (2014), Eqs. 9-18, in sympy.

The correlation function Eq. 9 becomes its Legendre series Eq. 10 through three facts, all checked
here for low l: the measure of the delta shell (:func:`shell_measure`), the Funk-Hecke identity
(:func:`funk_hecke_holds`) and the orthonormality of the Y_lm (:func:`theta_overlaps`,
:func:`orthonormal_holds`).  The sum rule Eqs. 11-13 rests on Parseval (:func:`parseval_holds`);
the rates of Eqs. 8 and 18 on L^2 Y_lm = l(l+1) Y_lm (:func:`l2_eigen_holds`); Eq. 14 on the
addition theorem (:func:`addition_theorem_error`, in 40-digit mpmath).  Each function returns
what the chapter asserts (a residual, a boolean or an error), built from sympy's ``Ynm`` in
closed form; a residual counts as zero when :func:`cranisotropy.exact.is_zero` proves it.

References
----------
M. Ahlers, PRL 112, 021101 (2014), Eqs. 7-18.

Examples
--------
>>> shell_measure()
8*pi**2
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from . import validate
from .exact import is_zero

__all__ = ["ylm", "shell_measure", "funk_hecke_holds", "theta_overlaps", "orthonormal_holds",
           "eq10_from_eq9_residual", "parseval_holds", "l2_eigen_holds", "one_point_dipole_checks",
           "addition_theorem_error"]

THETA, PHI, MU, X = sp.symbols("theta phi mu x", real=True)


def _phi_integral(expr) -> sp.Expr:
    """int_0^{2 pi} expr dphi, term by term: each term of the expanded ``expr`` is split into its
    phi-independent factor and its phi-dependent one, and only the latter is integrated."""
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        const, dep = term.as_independent(PHI, as_Add=False)
        total += const * sp.integrate(dep, (PHI, 0, 2 * sp.pi))
    return total


def ylm(l: int, m: int, theta=THETA, phi=PHI) -> sp.Expr:
    """Y_lm(theta, phi) in closed form (sympy's Ynm, expanded)."""
    return sp.Ynm(l, m, theta, phi).expand(func=True)


def shell_measure() -> sp.Expr:
    """int dp1 int dp2 delta(p1.p2 - cos eta) = 4 pi x 2 pi: the measure of Eq. 9's delta shell."""
    return sp.integrate(sp.integrate(sp.sin(THETA), (THETA, 0, sp.pi)), (PHI, 0, 2 * sp.pi)) * 2 * sp.pi


def funk_hecke_holds(lmax: int) -> bool:
    """int dp2 delta(z.p2 - mu) Y_lm(p2) = 2 pi P_l(mu) Y_lm(z) for all l <= lmax and m.

    Examples
    --------
    >>> funk_hecke_holds(2)
    True
    """
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    ok = True
    for l in range(lmax + 1):
        for m in range(-l, l + 1):
            lhs = _phi_integral(ylm(l, m)).subs(THETA, sp.acos(MU))
            rhs = 2 * sp.pi * sp.legendre(l, MU) * (sp.sqrt(sp.Rational(2 * l + 1) / (4 * sp.pi)) if m == 0 else 0)
            ok &= is_zero(lhs - rhs)
    return bool(ok)


def theta_overlaps(lmax: int) -> dict:
    """2 pi int_{-1}^{1} Y_lm Y_l'm dx (x = cos theta, phi = 0) for 0 <= m <= l, l' <= lmax:
    the equal-m overlaps, keyed (l, l', m)."""
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    out = {}
    for m in range(lmax + 1):
        for l in range(m, lmax + 1):
            for l2 in range(m, lmax + 1):
                prod = sp.expand(ylm(l, m, sp.acos(X), 0) * ylm(l2, m, sp.acos(X), 0))
                out[(l, l2, m)] = sp.simplify(2 * sp.pi * sp.integrate(prod, (X, -1, 1)))
    return out


def orthonormal_holds(overlaps: dict) -> bool:
    """The overlaps are delta_ll' and the phi integrals of e^{i(m'-m)phi} vanish for m != m'."""
    ok = all(sp.simplify(v - (1 if l == l2 else 0)) == 0 for (l, l2, _), v in overlaps.items())
    for m, m2 in [(0, 1), (1, 2), (-1, 1), (2, -3)]:
        ok &= sp.integrate(sp.exp(sp.I * (m2 - m) * PHI), (PHI, 0, 2 * sp.pi)) == 0
    return bool(ok)


def eq10_from_eq9_residual(lmax: int) -> sp.Expr:
    """(1/8pi^2) sum_l 2 pi P_l(mu) sum_m a_lm^2 - (1/4pi) sum_l (2l+1) C_l P_l(mu), for a real
    f with l <= lmax: zero (Eq. 10 from the three facts)."""
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    a = {(l, m): sp.Symbol(f"A_{l}{m}", real=True) for l in range(lmax + 1) for m in range(-l, l + 1)}
    xi = sum(2 * sp.pi * sp.legendre(l, MU) * sum(a[(l, m)] ** 2 for m in range(-l, l + 1))
             for l in range(lmax + 1)) / (8 * sp.pi**2)
    Cl = [sum(a[(l, m)] ** 2 for m in range(-l, l + 1)) / (2 * l + 1) for l in range(lmax + 1)]
    eq10 = sum((2 * l + 1) * Cl[l] * sp.legendre(l, MU) for l in range(lmax + 1)) / (4 * sp.pi)
    return sp.simplify(xi - eq10)


def parseval_holds(overlaps: dict, lmax: int) -> bool:
    """int f^2 dOmega = sum_lm a_lm^2 for f = sum a_lm Y_lm, l <= lmax, with the Gram matrix of
    the Y_lm built from the equal-m ``overlaps`` (Y_l,-m differs from Y_lm by a phase)."""
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    idx = [(l, m) for l in range(lmax + 1) for m in range(-l, l + 1)]
    b = {k: sp.Symbol(f"B_{k[0]}{k[1]}", real=True) for k in idx}
    gram = sp.Matrix(len(idx), len(idx), lambda i, j: overlaps[(idx[i][0], idx[j][0], abs(idx[i][1]))]
                     if idx[i][1] == idx[j][1] else 0)
    avec = sp.Matrix([b[k] for k in idx])
    return bool(sp.simplify((avec.T * gram * avec)[0] - sum(v**2 for v in b.values())) == 0)


def l2_eigen_holds(lmax: int) -> bool:
    """L^2 Y_lm = l(l+1) Y_lm for l <= lmax (L^2 the angular part of minus the Laplacian).

    Examples
    --------
    >>> l2_eigen_holds(2)
    True
    """
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    ok = True
    for l in range(lmax + 1):
        for m in range(-l, l + 1):
            Y = ylm(l, m)
            L2 = -(sp.diff(sp.sin(THETA) * sp.diff(Y, THETA), THETA) / sp.sin(THETA)
                   + sp.diff(Y, PHI, 2) / sp.sin(THETA) ** 2)
            ok &= is_zero(L2 - l * (l + 1) * Y, angles=[THETA])
    return bool(ok)


def eq18_failures(lmin: int, lmax: int) -> int:
    """Number of l in ``lmin``..``lmax`` for which Eq. 18 of Ahlers (2014) does not follow from
    Eqs. 8 and 16: the product of two one-point factors exp(-T nu L^2/2) (Eq. 8 with
    nu_perp = nu_par = nu), acting on every Y_lm, must equal exp(-T nu l(l+1)) Y_lm.

    L^2 Y_lm is computed with sympy; a Y_lm that is not an eigenfunction, or an eigenvalue whose
    exponential does not square to exp(-T nu l(l+1)), counts as a failure of that l.

    Examples
    --------
    >>> eq18_failures(1, 2)
    0
    """
    lmin = validate.integer("lmin", lmin, minimum=0, allow_array=False)
    lmax = validate.integer("lmax", lmax, minimum=lmin, allow_array=False)
    T, nu = sp.symbols("T nu", positive=True)
    failures = 0
    for l in range(lmin, lmax + 1):
        ok = True
        for m in range(-l, l + 1):
            Y = ylm(l, m)
            L2 = -(sp.diff(sp.sin(THETA) * sp.diff(Y, THETA), THETA) / sp.sin(THETA)
                   + sp.diff(Y, PHI, 2) / sp.sin(THETA) ** 2)
            eig = sp.simplify(L2 / Y)
            ok &= not eig.free_symbols and sp.simplify(sp.exp(-T * nu * eig / 2) ** 2
                                                       - sp.exp(-T * nu * l * (l + 1))) == 0
        failures += not ok
    return failures


def one_point_dipole_checks() -> tuple[sp.Expr, sp.Expr]:
    """For the dipole (L^2 = 2): the one-point factor exp(-T nu L^2/2) of Eq. 8 and the damping
    dPhi/dT = -nu Phi of Eq. 4, and its square against Eq. 18 at l = 1.  Returns the two
    residuals (both 0)."""
    T, nu = sp.symbols("T nu", positive=True)
    one_point = sp.exp(-T * nu * 1 * (1 + 1) / 2)
    return (sp.simplify(sp.diff(one_point, T) + nu * one_point),
            sp.simplify(one_point**2 - sp.exp(-T * 1 * (1 + 1) * nu)))


def addition_theorem_error(rng: np.random.Generator, n_pairs: int = 6, lmax: int = 4, digits: int = 35) -> float:
    """Largest |sum_m Y*_lm(p1) Y_lm(p2) - (2l+1)/(4pi) P_l(p1.p2)| over l <= ``lmax`` at
    ``n_pairs`` random direction pairs (uniform angles from ``rng``), evaluated in ``digits`` + 5
    digit arithmetic (mpmath: ``spherharm`` for Y_lm, ``legendre`` for P_l).

    Examples
    --------
    >>> addition_theorem_error(np.random.default_rng(0), 2, 3) < 1e-35
    True
    """
    import mpmath

    validate.generator("rng", rng)
    n_pairs = validate.integer("n_pairs", n_pairs, minimum=1, allow_array=False)
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    digits = validate.integer("digits", digits, minimum=15, allow_array=False)
    worst = mpmath.mpf(0)
    with mpmath.workdps(digits + 5):
        for _ in range(n_pairs):
            t1, p1, t2, p2 = [mpmath.mpf(float(v)) for v in
                              rng.uniform([0, 0, 0, 0], [np.pi, 2 * np.pi, np.pi, 2 * np.pi])]
            cosg = mpmath.cos(t1) * mpmath.cos(t2) + mpmath.sin(t1) * mpmath.sin(t2) * mpmath.cos(p1 - p2)
            for l in range(lmax + 1):
                lhs = mpmath.fsum(mpmath.conj(mpmath.spherharm(l, m, t1, p1)) * mpmath.spherharm(l, m, t2, p2)
                                  for m in range(-l, l + 1))
                worst = max(worst, abs(lhs - (2 * l + 1) / (4 * mpmath.pi) * mpmath.legendre(l, cosg)))
    return float(worst)
