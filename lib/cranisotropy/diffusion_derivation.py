"""The diffusion approximation of Ahlers (2014), Eqs. 2-6, derived symbolically with sympy.

Each function builds the expressions that the diffusion chapter asserts to be equal; nothing here
decides an outcome (the chapter's checks compare the returned expressions).

* :func:`moment_equations` -- the monopole and dipole moments of the BGK Boltzmann equation
  (Eq. 2) for the Ansatz f = (phi + 3 p.Phi)/4 pi, against Eqs. 3 and 4;
* :func:`diffusion_tensors` -- Fick's law from the steady Eq. 4 and the tensor of Eq. 5;
* :func:`eigen_check` -- the eigenvalues 1/3nu, 1/3(nu +- i Omega) of Eq. 5;
* :func:`hall_decomposition` -- K = K_par bb + K_perp (1 - bb) - K_A [b x];
* :func:`green_sympy`, :func:`green_residual`, :func:`green_norm` -- Eq. 6 with a given matrix
  in place of K (flag F1: only the symmetric part of K solves the diffusion equation).

Units: Heaviside-Lorentz, c = 1; ``nu`` is the BGK rate, Omega = e B/p0 the gyro-frequency.

References
----------
M. Ahlers, PRL 112, 021101 (2014), Eqs. 2-6; P. L. Bhatnagar, E. P. Gross, M. Krook,
Phys. Rev. 94, 511 (1954) (the BGK closure).
"""

from __future__ import annotations

from types import SimpleNamespace

import sympy as sp

from .angular import sphere_integral
from .exact import residual

__all__ = ["symbols", "nonzero_count", "moment_equations", "diffusion_tensors", "eigen_check", "hall_decomposition",
           "green_sympy", "green_residual", "green_norm"]


def symbols() -> SimpleNamespace:
    """The symbols of the derivation: t, x = (x, y, z), nu (> 0), Om = (Omega_x, Omega_y,
    Omega_z), W = |Omega| (> 0, for a field along z), the density phi(t, x) and the dipole
    Phi(t, x) (3-vector of functions), and ts (t > 0) for Eq. 6.

    Examples
    --------
    >>> S = symbols()
    >>> S.X, S.nu.is_positive
    ((x, y, z), True)
    """
    t, x, y, z = sp.symbols("t x y z", real=True)
    X = (x, y, z)
    Om = sp.Matrix(sp.symbols("Omega_x Omega_y Omega_z", real=True))
    return SimpleNamespace(
        t=t, X=X, nu=sp.symbols("nu", positive=True), Om=Om, W=sp.symbols("Omega", positive=True),
        phi=sp.Function("phi")(t, *X), Phi=sp.Matrix([sp.Function(f"Phi_{c}")(t, *X) for c in "xyz"]),
        ts=sp.symbols("t", positive=True))


def nonzero_count(*exprs) -> int:
    """Number of entries of the sympy expressions or matrices ``exprs`` that do not simplify to zero
    (the residual of an identity that the chapters hand to the claims ledger).

    Examples
    --------
    >>> x = sp.symbols("x")
    >>> nonzero_count(sp.sin(x)**2 + sp.cos(x)**2 - 1, sp.Matrix([0, x, 2 * x - x - x]))
    1
    """
    n = 0
    for e in exprs:
        entries = list(e) if isinstance(e, sp.MatrixBase) else [sp.sympify(e)]
        n += sum(sp.simplify(v) != 0 for v in entries)
    return int(n)


def cross_matrix(v) -> sp.Matrix:
    """[v x] with entries v_k eps_ikj, so that [v x] w = v x w (sympy)."""
    return sp.Matrix(3, 3, lambda i, j: sum(v[k] * sp.LeviCivita(i, k, j) for k in range(3)))


def moment_equations(S: SimpleNamespace | None = None) -> dict:
    """The two lowest angular moments of Eq. 2 with the BGK closure, and Eqs. 3-4 as printed.

    Eq. 2 is applied to the Ansatz f = (phi + 3 p^.Phi)/4 pi in Cartesian momentum coordinates;
    |p| = 1 is set afterwards and the moments int dp^ and int dp^ p^ are taken exactly
    (:func:`cranisotropy.angular.sphere_integral`).

    Returns
    -------
    dict
        ``force_term`` (p x Omega) . grad_p f, ``rotation_term`` -i Omega . L f, ``monopole`` and
        ``dipole`` (the moments), ``eq3`` and ``eq4`` (the paper's equations, left-hand sides).

    Examples
    --------
    >>> m = moment_equations()
    >>> sp.simplify(m["monopole"] - m["eq3"])
    0
    """
    S = S or symbols()
    p = sp.Matrix(sp.symbols("p_x p_y p_z", real=True))
    pabs = sp.sqrt(p.dot(p))
    f = (S.phi + 3 * (p / pabs).dot(S.Phi)) / (4 * sp.pi)
    grad_p = sp.Matrix([sp.diff(f, v) for v in p])
    force_term = (p.cross(S.Om)).dot(grad_p)
    rotation_term = -sp.I * S.Om.dot(-sp.I * p.cross(grad_p))          # -i Omega . L f, L = -i p x grad_p
    boltzmann = (sp.diff(f, S.t) + (p / pabs).dot(sp.Matrix([sp.diff(f, v) for v in S.X]))
                 + rotation_term + S.nu * (f - S.phi / (4 * sp.pi)))
    n = sp.symbols("n_x n_y n_z", real=True)
    on_sphere = boltzmann.subs(dict(zip(p, n))).replace(
        lambda e: e.is_Pow and e.base == sum(c**2 for c in n), lambda e: sp.Integer(1))
    eq3 = sp.diff(S.phi, S.t) + sum(sp.diff(S.Phi[i], S.X[i]) for i in range(3))
    eq4 = (sp.diff(S.Phi, S.t) + sp.Matrix([sp.diff(S.phi, v) for v in S.X]) / 3 + S.Om.cross(S.Phi)
           + S.nu * S.Phi)
    return {"force_term": force_term, "rotation_term": rotation_term,
            "monopole": sphere_integral(on_sphere, n),
            "dipole": sp.Matrix([sphere_integral(n[i] * on_sphere, n) for i in range(3)]),
            "eq3": eq3, "eq4": eq4}


def diffusion_tensors(S: SimpleNamespace | None = None) -> dict:
    """Fick's law from the steady Eq. 4 and the diffusion tensor of Eq. 5 as printed.

    Returns
    -------
    dict
        ``cross`` ([Omega x]), ``grad_phi``, ``fick_Phi`` (Phi solved from the steady Eq. 4),
        ``fick`` ((1/3)(nu 1 + [Omega x])^-1) and ``eq5`` (the printed K_ij).

    Examples
    --------
    >>> T = diffusion_tensors()
    >>> sp.simplify(T["eq5"] - T["fick"]) == sp.zeros(3, 3)
    True
    """
    S = S or symbols()
    cross = cross_matrix(S.Om)
    grad_phi = sp.Matrix([sp.diff(S.phi, v) for v in S.X])
    sol = sp.solve(list((S.nu * sp.eye(3) + cross) * S.Phi + grad_phi / 3), list(S.Phi), dict=True)[0]
    Om2 = S.Om.dot(S.Om)
    eq5 = sp.Matrix(3, 3, lambda i, j: (S.nu**2 * sp.KroneckerDelta(i, j)
                                         - S.nu * sum(S.Om[k] * sp.LeviCivita(i, k, j) for k in range(3))
                                         + S.Om[i] * S.Om[j]) / (3 * S.nu * (S.nu**2 + Om2)))
    return {"cross": cross, "grad_phi": grad_phi, "fick_Phi": sp.Matrix([sol[c] for c in S.Phi]),
            "fick": (S.nu * sp.eye(3) + cross).inv() / 3, "eq5": eq5}


def field_along_z(K: sp.Matrix, S: SimpleNamespace) -> sp.Matrix:
    """K with Omega = (0, 0, W)."""
    return K.subs({S.Om[0]: 0, S.Om[1]: 0, S.Om[2]: S.W})


def eigen_check(K: sp.Matrix, S: SimpleNamespace) -> dict:
    """The eigenvalues of K, for a field along z and, through the characteristic polynomial, for
    any direction, against 1/3nu and 1/3(nu +- i Omega).

    Returns
    -------
    dict
        ``expected`` (set), ``found`` (set, field along z), ``charpoly_difference``
        (det(lambda - K) - prod(lambda - expected), expanded: 0 when they agree for every
        direction of Omega).

    Examples
    --------
    A tensor with the wrong eigenvalues (the isotropic 1/3nu) is caught:

    >>> S = symbols()
    >>> e = eigen_check(sp.eye(3) / (3 * S.nu), S)
    >>> e["found"] == e["expected"], e["charpoly_difference"] == 0
    (False, False)
    """
    nu, W = S.nu, S.W
    expected = {1 / (3 * nu), 1 / (3 * (nu + sp.I * W)), 1 / (3 * (nu - sp.I * W))}
    found = {sp.simplify(ev) for ev in field_along_z(K, S).eigenvals()}
    lam = sp.symbols("lambda")
    charpoly = K.charpoly(lam).as_expr()          # det(lambda 1 - K), in lambda
    product = sp.prod([lam - e for e in expected]).subs(W, sp.sqrt(S.Om.dot(S.Om)))
    return {"expected": expected, "found": found,
            "charpoly_difference": residual(sp.expand(charpoly - product))}


def hall_decomposition(S: SimpleNamespace) -> sp.Matrix:
    """K_par bb + K_perp (1 - bb) - K_A [b x], b = Omega/|Omega|, with K_par = 1/3nu,
    K_perp = nu/3(nu^2 + Omega^2), K_A = Omega/3(nu^2 + Omega^2)."""
    Om2 = S.Om.dot(S.Om)
    b = S.Om / sp.sqrt(Om2)
    kpar, kperp, ka = 1 / (3 * S.nu), S.nu / (3 * (S.nu**2 + Om2)), sp.sqrt(Om2) / (3 * (S.nu**2 + Om2))
    return kpar * b * b.T + kperp * (sp.eye(3) - b * b.T) - ka * cross_matrix(b)


def antisymmetric_contraction(K: sp.Matrix, S: SimpleNamespace) -> sp.Expr:
    """A_ij d_i d_j phi with A = (K - K^T)/2, the part of K_ij d_i d_j phi from the antisymmetric
    (Hall) part of K: zero, because d_i d_j is symmetric."""
    A = (K - K.T) / 2
    return sum(A[i, j] * sp.diff(S.phi, S.X[i], S.X[j]) for i in range(3) for j in range(3))


def green_sympy(M: sp.Matrix, S: SimpleNamespace) -> sp.Expr:
    """Eq. 6 written with the matrix ``M`` in place of K: exp(-x^T M^-1 x / 4t) /
    ((4 pi t)^(3/2) sqrt(det M))."""
    xv = sp.Matrix(S.X)
    return sp.exp(-(xv.T * M.inv() * xv)[0] / (4 * S.ts)) / ((4 * sp.pi * S.ts) ** sp.Rational(3, 2)
                                                            * sp.sqrt(M.det()))


def green_residual(g: sp.Expr, K: sp.Matrix, S: SimpleNamespace) -> sp.Expr:
    """(d_t g - K_ij d_i d_j g)/g, simplified: 0 when g solves the diffusion equation with K."""
    X = S.X
    return residual((sp.diff(g, S.ts) - sum(K[i, j] * sp.diff(g, X[i], X[j])
                                           for i in range(3) for j in range(3))) / g)


def green_norm(M: sp.Matrix) -> sp.Expr:
    """The integral of :func:`green_sympy` (with ``M``) over all space:
    1/(sqrt(det M) sqrt(det sym(M^-1))).

    Examples
    --------
    >>> nu = sp.symbols("nu", positive=True)
    >>> green_norm(sp.eye(3) / (3 * nu))
    1
    """
    Minv = M.inv()
    return sp.simplify(1 / (sp.sqrt(M.det()) * sp.sqrt(((Minv + Minv.T) / 2).det())))
