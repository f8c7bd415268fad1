"""Taylor terms and deformation tensors of Zhang & Liu (2024), Sec. 3 and App. A (deformation_tensors)."""

import numpy as np
import sympy as sp

from cranisotropy import deformation_tensors as dt, polynomial_fields as pf


def test_taylor_and_tensors():
    S = dt.symbols()
    u = pf.random_field(3, np.random.default_rng(2), S.X)
    assert dt.taylor_residual(u, 3, S) == 0
    assert dt.taylor_residual(u, 2, S) != 0                  # the cubic terms are missing
    assert all(dt.a6_residual(u, j, S) == 0 for j in (1, 2))
    assert dt.shear_holds(u, S)


def test_a7_and_symmetrised_delta():
    assert dt.a7_check(4) == (True, 34)
    assert dt.symmetrised_delta((0, 1)) == 0 and dt.symmetrised_delta((2, 2, 2, 2)) == 1


def test_multipole_content():
    S = dt.symbols()
    rng = np.random.default_rng(1)
    gen = dt.taylor_multipole_power(pf.random_field(2, rng, S.X), 2, S, 12)
    harm = dt.taylor_multipole_power(pf.harmonic_field(2, rng, S.X), 2, S, 12)
    assert gen.shape == (2, 5)
    assert dt.multipole_content_ok(gen, harm)
    assert not dt.multipole_content_ok(gen, gen)             # a generic field is not harmonic
    x, y, z = S.X
    P = dt.multipole_power(sp.Integer(1) + 0 * x, S, 2, 8)  # a constant: all power in l = 0
    assert P[0] > 0 and np.allclose(P[1:], 0, atol=1e-14)


def test_taylor_term_of_polynomial_and_other_fields():
    S = dt.symbols()
    x, y, z = S.X
    nx, ny, nz = S.n
    # polynomial: (n.grad)^2 of x^2 y along x is 2 n_x^2 y + 4 n_x n_y x; times n_x, over 2!
    assert sp.expand(dt.taylor_term(sp.Matrix([x**2 * y, 0, 0]), 2, S) - (nx**3 * y + 2 * nx**2 * ny * x)) == 0
    # not a polynomial: the expression path gives the same kind of term
    assert sp.simplify(dt.taylor_term(sp.Matrix([sp.sin(x), 0, 0]), 2, S) + nx**3 * sp.sin(x) / 2) == 0
    u = pf.random_field(2, np.random.default_rng(7), S.X)
    assert dt.taylor_term(u, 1, S) == dt.taylor_term(sp.Matrix(u), 1, S)    # remembered, same result
