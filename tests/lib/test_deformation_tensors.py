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
