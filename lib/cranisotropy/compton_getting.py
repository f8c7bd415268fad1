"""The inhomogeneous Compton-Getting effect by back-tracking: Zhang & Liu (2024), Sec. 2 (Eqs. 1-2)
and Appendix A (A1-A4), in sympy.

The paper's equations were lost in the text extraction; the forms here are the reconstructions of
``reference/equations.md`` (boost H, Eq. 1 M, Eq. 2 M-H, A1-A4 M).  Each function returns a
*residual*, an expression that is zero when the reconstructed identity holds; the chapter
asserts it.  Conventions: n the direction of motion, c = 1, g = -d ln f0/d ln p, f0 = F(r) p^-g.

Examples
--------
>>> boost_residual() == sp.zeros(3, 1)
True
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

import sympy as sp

from .angular import sphere_average
from .exact import residual

__all__ = ["symbols", "boost_residual", "eq2_residual", "diffusive_dipole_residual", "uniform_flow_residual",
           "delta_u", "direction_average", "average_residual", "a2_residual", "a4_residuals"]


def symbols() -> SimpleNamespace:
    """Symbols: position X = (x, y, z), lam (mean free path), p, v, g (all > 0), the unit vector
    n = (n_x, n_y, n_z), the small parameter eps of the velocity, and F(x, y, z)."""
    x, y, z, lam, p, v, g = sp.symbols("x y z lambda p v g", positive=True)
    return SimpleNamespace(X=(x, y, z), lam=lam, p=p, v=v, g=g, n=sp.symbols("n_x n_y n_z", real=True),
                           eps=sp.symbols("epsilon", positive=True), F=sp.Function("F")(x, y, z))


def _first_order(expr, eps) -> sp.Expr:
    """expr(0) + eps expr'(0): the first-order Taylor polynomial in ``eps``, which is
    ``series(expr, eps, 0, 2).removeO()`` for an expression analytic at eps = 0 (as every one
    expanded here), by two derivatives instead of a series expansion."""
    return expr.subs(eps, 0) + eps * sp.diff(expr, eps).subs(eps, 0)


def _limit_at_zero(expr, lam) -> sp.Expr:
    """lim_(lam -> 0) expr: its value at lam = 0 when the expanded ``expr`` is a polynomial in
    ``lam`` (exact), else :func:`sympy.limit`."""
    expr = sp.expand(expr)
    return expr.subs(lam, 0) if expr.is_polynomial(lam) else sp.limit(expr, lam, 0)


def _unit_vector():
    th, ph = sp.symbols("theta phi", real=True)
    return sp.Matrix([sp.sin(th) * sp.cos(ph), sp.sin(th) * sp.sin(ph), sp.cos(th)])


def boost_residual() -> sp.Matrix:
    """First order in u of the Lorentz boost of p to the frame moving with u, minus the
    reconstructed p' = p - (p/v) u (zero vector when they agree)."""
    eps = sp.symbols("epsilon", positive=True)
    p = sp.Matrix(sp.symbols("p_x p_y p_z", real=True))
    u = sp.Matrix(sp.symbols("u_x u_y u_z", real=True))
    m = sp.symbols("m", positive=True)
    E = sp.sqrt(p.dot(p) + m**2)
    w = eps * u
    gam = 1 / sp.sqrt(1 - w.dot(w))
    p_prime = p + (gam - 1) * p.dot(w) / w.dot(w) * w - gam * E * w
    first = sp.Matrix([sp.series(c, eps, 0, 2).removeO() for c in p_prime])
    speed = sp.sqrt(p.dot(p)) / E
    return sp.simplify(first - (p - sp.sqrt(p.dot(p)) / speed * eps * u))


def eq2_residual(S: SimpleNamespace | None = None) -> sp.Expr:
    """Back-tracked f0 = p^-g at the fluid-frame momentum p n + (p/v) Delta u, to first order in
    u, minus Eq. 2, delta f_c = (1/v) (d f0/d ln p) n.Delta u, for an arbitrary vector Delta u."""
    S = S or symbols()
    n = _unit_vector()
    a = sp.Matrix(sp.symbols("a_x a_y a_z", real=True))
    q = S.p * n + S.p / S.v * S.eps * a
    f_back = sp.sqrt(sp.trigsimp(sp.expand(q.dot(q)))) ** (-S.g)
    delta = _first_order(f_back, S.eps) - S.p ** (-S.g)
    eq2 = (1 / S.v) * S.p * sp.diff(S.p ** (-S.g), S.p) * n.dot(S.eps * a)
    return residual(delta - eq2)


def diffusive_dipole_residual(S: SimpleNamespace | None = None) -> sp.Expr:
    """f0(r - lam n) - f0(r) to first order in lam, plus lam n.grad f0 (F a general function)."""
    S = S or symbols()
    shift = {x: x - S.lam * ni for x, ni in zip(S.X, S.n)}
    grad_part = sp.series(S.F.subs(shift, simultaneous=True), S.lam, 0, 2).removeO() - S.F
    return sp.simplify(grad_part + S.lam * sum(ni * sp.diff(S.F, x) for ni, x in zip(S.n, S.X)))


def uniform_flow_residual(S: SimpleNamespace | None = None) -> sp.Expr:
    """The conventional Compton-Getting effect: f0(|p - (p/v) u|) - f0 (1 + g n.u/v), first order."""
    S = S or symbols()
    n = _unit_vector()
    u = sp.Matrix(sp.symbols("u_x u_y u_z", real=True))
    qc = S.p * n - S.p / S.v * S.eps * u
    cg = _first_order(sp.sqrt(sp.trigsimp(sp.expand(qc.dot(qc)))) ** (-S.g), S.eps)
    return residual(cg - S.p ** (-S.g) * (1 + S.g * S.eps * n.dot(u) / S.v))


def delta_u(u, S: SimpleNamespace) -> sp.Matrix:
    """Delta u = u(r) - u(r - lam n) of a field ``u`` in S.X."""
    shift = {x: x - S.lam * ni for x, ni in zip(S.X, S.n)}
    return u - u.subs(shift, simultaneous=True)


def direction_average(u, S: SimpleNamespace) -> sp.Expr:
    """<n.Delta u> over directions, exactly (:func:`cranisotropy.angular.sphere_average`).

    Remembered per field and symbols: the chapter needs it for the average and again in (A4)."""
    return _direction_average(sp.ImmutableMatrix(u), tuple(S.n), tuple(S.X), S.lam)


@lru_cache(maxsize=16)
def _direction_average(u, n, X, lam) -> sp.Expr:
    S = SimpleNamespace(n=n, X=X, lam=lam)
    return sp.expand(sphere_average(sp.expand(sp.Matrix(n).dot(delta_u(sp.Matrix(u), S))), n))


def average_residual(u, S: SimpleNamespace, degree: int) -> bool:
    """Whether <n.Delta u> = (lam/3) div u + (lam^3/30) lap div u (+ O(lam^5)): exact for a
    polynomial field of ``degree`` <= 4, else compared order by order up to lam^3."""
    avg = direction_average(u, S)
    divu = sum(sp.diff(u[i], x) for i, x in enumerate(S.X))
    expected = sp.expand(S.lam / 3 * divu + S.lam**3 / 30 * sum(sp.diff(divu, x, 2) for x in S.X))
    if degree <= 4:
        return residual(avg - expected) == 0
    return all(residual(avg.coeff(S.lam, k) - expected.coeff(S.lam, k)) == 0 for k in (1, 2, 3))


def a2_residual(u, S: SimpleNamespace) -> sp.Matrix:
    """lim_(lam -> 0) Delta u / lam minus (n.grad) u (A2, kappa = 1/lam)."""
    du = delta_u(u, S)
    lim = sp.Matrix([_limit_at_zero(du[i] / S.lam, S.lam) for i in range(3)])
    return residual(lim - sp.Matrix([sum(ni * sp.diff(u[i], x) for ni, x in zip(S.n, S.X)) for i in range(3)]))


def a4_residuals(u, S: SimpleNamespace) -> tuple:
    """(A4) for f0 = F(r) p^-g: returns (<delta f>, A4 - [diffusive dipole + delta f_c - <delta f_c>]),
    both simplified; both vanish when (A4) is the back-tracked increment with its mean removed."""
    f0 = S.F * S.p ** (-S.g)
    nv = sp.Matrix(S.n)
    du = delta_u(u, S)
    avg = direction_average(u, S)
    dipole = -S.lam * sum(ni * sp.diff(f0, x) for ni, x in zip(S.n, S.X))
    dlnp = (1 / S.v) * S.p * sp.diff(f0, S.p)
    a4 = dipole + dlnp * (nv.dot(du) - avg)
    mean = residual(sphere_average(sp.expand(a4), S.n))
    parts = residual(sp.expand(a4 - (dipole + dlnp * nv.dot(du)) + dlnp * avg))
    return mean, parts
