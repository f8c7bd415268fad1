"""Exact angular averages over the unit sphere.

Used wherever a derivation takes angular moments: the moments of the Boltzmann equation in the
diffusion approximation (Ahlers 2014, Eqs. 3-4) and the isotropic averages <n_i n_j ...> of
Zhang & Liu (2024), Eq. A7.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from . import validate


def sphere_moment(a: int, b: int, c: int) -> sp.Expr:
    """Exact integral of n_x^a n_y^b n_z^c over the unit sphere (solid angle 4 pi in total).

    Zero when any exponent is odd, else 2 Gamma((a+1)/2) Gamma((b+1)/2) Gamma((c+1)/2) /
    Gamma((a+b+c+3)/2).

    Examples
    --------
    >>> sphere_moment(0, 0, 0), sphere_moment(2, 0, 0), sphere_moment(1, 0, 0)
    (4*pi, 4*pi/3, 0)
    """
    a, b, c = (validate.integer(n, v, minimum=0, allow_array=False) for n, v in zip("abc", (a, b, c)))
    return _moment(int(a), int(b), int(c))


@lru_cache(maxsize=None)
def _moment(a: int, b: int, c: int) -> sp.Expr:
    """:func:`sphere_moment` for checked exponents, computed once per exponent triple (a derivation
    asks for the same few moments thousands of times)."""
    if a % 2 or b % 2 or c % 2:
        return sp.Integer(0)
    half = sp.Rational(1, 2)
    return sp.simplify(
        2 * sp.gamma(a * half + half) * sp.gamma(b * half + half) * sp.gamma(c * half + half)
        / sp.gamma((a + b + c) * half + 3 * half)
    )


def sphere_integral(expr: sp.Expr, n: tuple[sp.Symbol, sp.Symbol, sp.Symbol]) -> sp.Expr:
    """Integral over the unit sphere of ``expr``, a polynomial in the direction components ``n``.

    The coefficients may be any sympy expressions (functions of t and x, symbols ...).
    """
    if len(n) != 3:
        raise ValueError(f"n must be three symbols (n_x, n_y, n_z), got {n!r}")
    poly = sp.Poly(sp.expand(expr), *n)
    return sp.expand(sum(coeff * sphere_moment(*powers) for powers, coeff in poly.terms()))


def sphere_average(expr: sp.Expr, n) -> sp.Expr:
    """The average <expr> over directions: :func:`sphere_integral` / (4 pi), expanded (every
    moment is a rational multiple of 4 pi, so the result is a polynomial in the coefficients
    of ``expr`` with rational factors).

    Examples
    --------
    >>> n = sp.symbols("n_x n_y n_z", real=True)
    >>> sphere_average(n[0] ** 2 * n[1] ** 2, n)                 # Zhang & Liu (2024), Eq. A7
    1/15"""
    return sp.expand(sphere_integral(expr, n) / (4 * sp.pi))
