"""The back-tracking derivation of Zhang & Liu (2024), Sec. 2 and App. A (compton_getting)."""

import numpy as np
import sympy as sp

from cranisotropy import compton_getting as cg, polynomial_fields


def test_identities_hold():
    S = cg.symbols()
    assert cg.boost_residual() == sp.zeros(3, 1)
    assert cg.diffusive_dipole_residual(S) == 0
    assert cg.eq2_residual(S) == 0
    assert cg.uniform_flow_residual(S) == 0


def test_first_order_and_limit_helpers():
    eps, lam, x = sp.symbols("epsilon lambda x", positive=True)
    f = sp.sqrt(1 + 2 * eps * x + eps**2) ** (-x)
    assert sp.expand(cg._first_order(f, eps) - sp.series(f, eps, 0, 2).removeO()) == 0
    assert cg._limit_at_zero(((x + lam) ** 3 - x**3) / lam, lam) == 3 * x**2
    assert cg._limit_at_zero(sp.sin(lam) / lam, lam) == 1                 # not a polynomial: sympy.limit
    assert cg._limit_at_zero((x + lam) / lam, lam) == sp.oo              # a 1/lam term is not dropped


def test_average_a2_a4_on_random_field():
    S = cg.symbols()
    u = polynomial_fields.random_field(3, np.random.default_rng(4), S.X)
    assert cg.average_residual(u, S, 3)
    assert cg.a2_residual(u, S) == sp.zeros(3, 1)
    assert cg.a4_residuals(u, S) == (0, 0)
    # the leading term alone is not the average of a cubic field with a non-harmonic divergence
    x, y, z = S.X
    u2 = sp.Matrix([x**3, 0, 0])
    avg = cg.direction_average(u2, S)
    assert sp.simplify(avg - S.lam / 3 * 3 * x**2) != 0


def test_uniform_field_has_zero_average():
    S = cg.symbols()
    assert cg.direction_average(sp.Matrix([1, 2, 3]), S) == 0
