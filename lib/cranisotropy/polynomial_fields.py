"""Random polynomial velocity fields for exact (sympy) checks of Zhang & Liu (2024), Secs. 2-3.

A polynomial field makes the Taylor series of Eq. 3 terminate, so identities that hold order by
order can be asserted exactly.  Three kinds are offered: a generic field with random integer
coefficients (:func:`random_field`), a solenoidal one, the curl of a random polynomial vector
potential (:func:`solenoidal_field`), and a solenoidal harmonic one, the gradient of a harmonic
polynomial built from complex null vectors (:func:`harmonic_field`: div u = 0 and lap u = 0).
Randomness only through the ``rng`` passed in.

Examples
--------
>>> import numpy as np, sympy as sp
>>> X = sp.symbols("x y z", real=True)
>>> u = harmonic_field(3, np.random.default_rng(0), X)
>>> divergence(u, X), [laplacian(c, X) for c in u]
(0, [0, 0, 0])
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from . import validate

__all__ = ["monomials", "random_field", "solenoidal_field", "harmonic_field", "divergence", "laplacian", "curl"]


def _rng(rng):
    validate.generator("rng", rng)
    return rng


def monomials(X, degree: int, min_degree: int = 0) -> list:
    """The monomials x^i y^j z^k with ``min_degree`` <= i + j + k <= ``degree`` (fixed order)."""
    degree = validate.integer("degree", degree, minimum=0, allow_array=False)
    x, y, z = X
    return [x**i * y**j * z**k for i in range(degree + 1) for j in range(degree + 1) for k in range(degree + 1)
            if min_degree <= i + j + k <= degree]


def random_field(degree: int, rng: np.random.Generator, X) -> sp.Matrix:
    """A 3-vector of polynomials of degree <= ``degree`` in ``X`` with integer coefficients drawn
    uniformly from -3..3 (one draw of len(monomials) integers per component).

    Examples
    --------
    >>> X = sp.symbols("x y z", real=True)
    >>> random_field(1, np.random.default_rng(1), X).shape
    (3, 1)
    """
    degree = validate.integer("degree", degree, minimum=1, allow_array=False)
    rng = _rng(rng)
    monos = monomials(X, degree)
    return sp.Matrix([sum(int(c) * mo for c, mo in zip(rng.integers(-3, 4, len(monos)), monos)) for _ in range(3)])


def curl(A, X) -> sp.Matrix:
    """curl A of a 3-vector of expressions."""
    x, y, z = X
    return sp.Matrix([sp.diff(A[2], y) - sp.diff(A[1], z), sp.diff(A[0], z) - sp.diff(A[2], x),
                      sp.diff(A[1], x) - sp.diff(A[0], y)])


def solenoidal_field(degree: int, rng: np.random.Generator, X) -> sp.Matrix:
    """curl A for a random polynomial vector potential A of degree 2..degree+1 (integer
    coefficients in -3..3): div u = 0, lap u generally not 0."""
    degree = validate.integer("degree", degree, minimum=1, allow_array=False)
    rng = _rng(rng)
    monos = monomials(X, degree + 1, min_degree=2)
    A = sp.Matrix([sum(int(c) * mo for c, mo in zip(rng.integers(-3, 4, len(monos)), monos)) for _ in range(3)])
    return curl(A, X)


def harmonic_field(degree: int, rng: np.random.Generator, X) -> sp.Matrix:
    """grad phi of a harmonic polynomial phi of degree 2..degree+1: div u = 0 and lap u = 0.

    phi is a sum of Re and Im of (a.r)^d with exact complex null vectors a (a.a = 0), built from
    the orthogonal rows (1,2,2), (2,1,-2), (2,-2,1) of equal length, with integer weights in
    -3..3.
    """
    degree = validate.integer("degree", degree, minimum=1, allow_array=False)
    rng = _rng(rng)
    x, y, z = X
    rows = [sp.Matrix([1, 2, 2]), sp.Matrix([2, 1, -2]), sp.Matrix([2, -2, 1])]
    nulls = [rows[0] + sp.I * rows[1], rows[1] + sp.I * rows[2], rows[2] + sp.I * rows[0]]
    phi = 0
    for d in range(2, degree + 2):
        for a in nulls:
            c1, c2 = (int(c) for c in rng.integers(-3, 4, 2))
            w = sp.expand((a[0] * x + a[1] * y + a[2] * z) ** d)
            phi += c1 * sp.re(w) + c2 * sp.im(w)
    phi = sp.expand(phi)
    return sp.Matrix([sp.diff(phi, v) for v in X])


def divergence(u, X) -> sp.Expr:
    """div u, expanded."""
    return sp.expand(sum(sp.diff(u[i], X[i]) for i in range(3)))


def laplacian(h, X) -> sp.Expr:
    """The Laplacian of a scalar expression, expanded."""
    return sp.expand(sum(sp.diff(h, v, 2) for v in X))
