"""Random polynomial fields for the exact checks (polynomial_fields)."""

import numpy as np
import pytest
import sympy as sp

from cranisotropy import polynomial_fields as pf

X = sp.symbols("x y z", real=True)


def test_kinds_of_field():
    rng = np.random.default_rng(3)
    u = pf.random_field(3, rng, X)
    assert all(sp.Poly(c, *X).total_degree() <= 3 for c in u)
    s = pf.solenoidal_field(3, rng, X)
    assert pf.divergence(s, X) == 0 and any(pf.laplacian(c, X) != 0 for c in s)
    h = pf.harmonic_field(3, rng, X)
    assert pf.divergence(h, X) == 0 and all(pf.laplacian(c, X) == 0 for c in h)


def test_reproducible_and_validated():
    a = pf.random_field(2, np.random.default_rng(5), X)
    b = pf.random_field(2, np.random.default_rng(5), X)
    assert a == b
    assert len(pf.monomials(X, 2)) == 10 and len(pf.monomials(X, 2, min_degree=2)) == 6
    with pytest.raises(TypeError, match="rng"):
        pf.random_field(2, 5, X)
    with pytest.raises(ValueError, match="degree"):
        pf.random_field(0, np.random.default_rng(1), X)
