"""The Taylor expansion of n.Delta u and its deformation tensors: Zhang & Liu (2024), Sec. 3
(Eqs. 3-4) and Appendix A (A5-A7), reconstructed (equations.md: Eq. 3 M, A5-A6 M, A7 L-M).

* :func:`taylor_term` -- the j-th term n.(n.grad)^j u / j! of Eq. 3 (without (-lam)^j);
* :func:`taylor_residual` -- n.[u(r) - u(r - lam n)] minus the series (Eq. 3, A5);
* :func:`deformation_tensor` -- the symmetrised rank-(j+1) tensor Lambda^(j+1) of A6, and
  :func:`a6_residual` its contraction with n...n against the j-th term;
* :func:`shear_holds` -- the j = 1 tensor minus its direction average is the traceless shear;
* :func:`symmetrised_delta`, :func:`a7_check` -- the isotropic averages A7 against exact sphere
  integrals;
* :func:`multipole_power` / :func:`taylor_multipole_power` -- the power of each Taylor term in
  each l on the unit sphere (Gauss-Legendre x uniform-phi quadrature, exact for polynomials).

References
----------
Y. Zhang & S. Liu, arXiv:2402.16554 (2024), Sec. 3 and Appendix A.

Examples
--------
>>> import sympy as sp
>>> S = symbols()
>>> x, y, z = S.X
>>> taylor_term(sp.Matrix([x**2, 0, 0]), 2, S)
n_x**3
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from types import SimpleNamespace

import numpy as np
import sympy as sp
from scipy import special

from . import validate
from .angular import sphere_average

__all__ = ["symbols", "taylor_term", "taylor_residual", "deformation_tensor", "a6_residual", "shear_holds",
           "symmetrised_delta", "a7_check", "multipole_power", "taylor_multipole_power", "multipole_content_ok"]


def symbols() -> SimpleNamespace:
    """Symbols X = (x, y, z), lam and n = (n_x, n_y, n_z), all real."""
    x, y, z, lam = sp.symbols("x y z lambda", real=True)
    return SimpleNamespace(X=(x, y, z), lam=lam, n=sp.symbols("n_x n_y n_z", real=True))


def taylor_term(u, j: int, S: SimpleNamespace) -> sp.Expr:
    """n.(n.grad)^j u / j!, the j-th Taylor term of Eq. 3 without the factor -(-lam)^j."""
    j = validate.integer("j", j, minimum=0, allow_array=False)
    h = _directional_power(sp.ImmutableMatrix(u), tuple(S.n), tuple(S.X), j)
    return sp.Matrix(S.n).dot(h) / math.factorial(j)


@lru_cache(maxsize=64)
def _directional_power(u: sp.ImmutableMatrix, n: tuple, X: tuple, j: int) -> sp.ImmutableMatrix:
    """(n.grad)^j u, expanded, built from (n.grad)^(j-1) u and remembered (the chapter asks for the
    terms of the same field in Eq. 3, in A6 and in the multipole projections).  A polynomial u is
    differentiated as a :class:`sympy.Poly` in X and n (exact arithmetic on its coefficients, much
    faster than on expression trees); any other u as an expression."""
    if j == 0:
        return u
    h = _directional_power(u, n, X, j - 1)
    gens = tuple(X) + tuple(n)
    try:
        polys = [sp.Poly(c, *gens) for c in h]
    except sp.PolynomialError:
        return sp.ImmutableMatrix([sum(n[k] * sp.diff(h[i], X[k]) for k in range(3)) for i in range(3)])
    nk = [sp.Poly(v, *gens) for v in n]
    return sp.ImmutableMatrix([sum((nk[k] * p.diff(X[k]) for k in range(3)), sp.Poly(0, *gens)).as_expr()
                               for p in polys])


def taylor_residual(u, degree: int, S: SimpleNamespace) -> sp.Expr:
    """n.[u(r) - u(r - lam n)] + sum_{j=1}^{degree} (-lam)^j (j-th term), expanded: zero for a
    polynomial field of degree <= ``degree`` (Eq. 3 exact)."""
    degree = validate.integer("degree", degree, minimum=1, allow_array=False)
    nv = sp.Matrix(S.n)
    shift = {x: x - S.lam * ni for x, ni in zip(S.X, S.n)}
    lhs = nv.dot(u - u.subs(shift, simultaneous=True))
    series = -sum((-S.lam) ** j * taylor_term(u, j, S) for j in range(1, degree + 1))
    return sp.expand(lhs - series)


def deformation_tensor(u, j: int, S: SimpleNamespace) -> dict:
    """A6: Lambda^(j+1)_{i1..i(j+1)} = -(-lam)^j / j! d_(i1 ... d_ij u_i(j+1)) (symmetrised), as
    a dict index tuple -> expression."""
    j = validate.integer("j", j, minimum=1, allow_array=False)
    derivs = {}        # d_k1 ... d_kj u_i depends on the order of the k only through their multiset

    def deriv(i, ks):
        key = (i, tuple(sorted(ks)))
        if key not in derivs:
            derivs[key] = sp.diff(u[i], *[S.X[k] for k in key[1]])
        return derivs[key]

    out = {}
    for idx in itertools.product(range(3), repeat=j + 1):
        perms = list(itertools.permutations(idx))
        val = sum(deriv(p[-1], p[:-1]) for p in perms) / len(perms)
        out[idx] = -(-S.lam) ** j / math.factorial(j) * val
    return out


def a6_residual(u, j: int, S: SimpleNamespace) -> sp.Expr:
    """Lambda^(j+1) contracted with n...n, minus the j-th term of Eq. 3 (with its factor)."""
    L = deformation_tensor(u, j, S)
    contracted = sum(L[idx] * sp.prod([S.n[i] for i in idx]) for idx in L)
    return sp.expand(contracted + (-S.lam) ** j * taylor_term(u, j, S))


def shear_holds(u, S: SimpleNamespace) -> bool:
    """The j = 1 term minus its direction average is the traceless shear rate
    lam [d_(i u_k) - delta_ik div u / 3] contracted with n n (A6 prose), and the average is
    lam div u / 3."""
    L2 = deformation_tensor(u, 1, S)
    n = S.n
    divu = sum(sp.diff(u[i], S.X[i]) for i in range(3))
    shear = {idx: S.lam * ((sp.diff(u[idx[1]], S.X[idx[0]]) + sp.diff(u[idx[0]], S.X[idx[1]])) / 2
                           - sp.KroneckerDelta(*idx) * divu / 3) for idx in L2}
    term1 = sum(L2[idx] * n[idx[0]] * n[idx[1]] for idx in L2)
    on_sphere = {n[2] ** 2: 1 - n[0] ** 2 - n[1] ** 2}
    trace_ok = sp.expand(sum(shear[(i, i)] for i in range(3))) == 0
    mean_ok = sp.expand(sphere_average(term1, n) - S.lam * divu / 3) == 0
    rest = (term1 - sphere_average(term1, n)
            - sum(shear[idx] * n[idx[0]] * n[idx[1]] for idx in shear).subs(on_sphere))
    return bool(trace_ok and mean_ok and sp.expand(rest).subs(on_sphere).expand() == 0)


def symmetrised_delta(idx) -> sp.Rational:
    """delta_(i1 i2 ... i(2s-1) i2s): the sum over all permutations of products of Kronecker
    deltas, divided by their number (exact).

    Examples
    --------
    >>> symmetrised_delta((0, 0)), symmetrised_delta((0, 0, 1, 1))
    (1, 1/3)
    """
    idx = tuple(int(i) for i in idx)
    perms = itertools.permutations(idx)
    tot = sum(sp.prod([sp.KroneckerDelta(p[2 * k], p[2 * k + 1]) for k in range(len(p) // 2)]) for p in perms)
    return sp.Rational(tot, math.factorial(len(idx)))


def a7_check(max_rank: int) -> tuple[bool, int]:
    """A7 against the exact sphere average for every distinct index tuple up to ``max_rank``:
    <n_i1 ... n_i2s> = delta_(i1 ... i2s)/(2s+1), odd ranks 0.  Returns (all hold, number of
    tuples).

    Examples
    --------
    >>> a7_check(4)
    (True, 34)
    """
    max_rank = validate.integer("max_rank", max_rank, minimum=1, allow_array=False)
    n = sp.symbols("n_x n_y n_z", real=True)
    ok, count = True, 0
    for rank in range(1, max_rank + 1):
        for idx in itertools.combinations_with_replacement(range(3), rank):   # averages are symmetric
            exact = sphere_average(sp.prod([n[i] for i in idx]), n)
            pred = symmetrised_delta(idx) / (rank + 1) if rank % 2 == 0 else 0
            ok &= sp.simplify(exact - pred) == 0
            count += 1
    return bool(ok), count


def multipole_power(expr, S: SimpleNamespace, lmax: int, n_theta: int) -> np.ndarray:
    """sum_m |a_lm|^2, l = 0..lmax, of ``expr`` (a function of n, evaluated at r = 0) on the unit
    sphere: Gauss-Legendre in cos theta (``n_theta`` nodes) times 2 n_theta uniform phi, exact
    for polynomials of degree < 2 n_theta."""
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    n_theta = validate.integer("n_theta", n_theta, minimum=1, allow_array=False)
    mu, wmu = np.polynomial.legendre.leggauss(n_theta)
    phis = np.linspace(0, 2 * np.pi, 2 * n_theta, endpoint=False)
    TH, PH = np.meshgrid(np.arccos(mu), phis, indexing="ij")
    W = np.repeat(wmu[:, None], len(phis), axis=1) * (2 * np.pi / len(phis))
    NX, NY, NZ = np.sin(TH) * np.cos(PH), np.sin(TH) * np.sin(PH), np.cos(TH)
    expr = expr.subs({x: 0 for x in S.X})
    f = sp.lambdify(S.n, expr, "numpy")(NX, NY, NZ) * np.ones_like(NX)
    P = []
    for l in range(lmax + 1):
        m = np.arange(-l, l + 1)[:, None, None]
        alm = np.sum(W * f * np.conj(special.sph_harm_y(l, m, TH, PH)), axis=(1, 2))
        P.append(float(np.sum(np.abs(alm) ** 2)))
    return np.array(P)


def taylor_multipole_power(u, degree: int, S: SimpleNamespace, n_theta: int) -> np.ndarray:
    """Power per l (l = 0..degree+2) of the Taylor terms j = 1..degree of a field ``u``:
    array (degree, degree + 3), row j-1."""
    degree = validate.integer("degree", degree, minimum=1, allow_array=False)
    return np.array([multipole_power(taylor_term(u, j, S), S, degree + 2, n_theta) for j in range(1, degree + 1)])


def multipole_content_ok(generic: np.ndarray, harmonic: np.ndarray) -> bool:
    """Whether the j-th term of a generic field has power exactly at l = j+1, j-1, ... (relative
    threshold 1e-8; l = 0 only tested for odd j) and that of a harmonic solenoidal field only at
    l = j+1 (threshold 1e-20), for the power arrays of :func:`taylor_multipole_power`."""
    ok = True
    lmax = generic.shape[1] - 1
    for j in range(1, generic.shape[0] + 1):
        allowed = set(range(j + 1, -1, -2))
        P = generic[j - 1]
        ok &= all((P[l] > 1e-8 * P.max()) == (l in allowed) for l in range(lmax + 1) if l != 0 or j % 2 == 1)
        Ph = harmonic[j - 1]
        ok &= bool(np.all(Ph[np.arange(lmax + 1) != j + 1] < 1e-20 * max(Ph.max(), 1e-300) + 1e-24))
    return bool(ok)
