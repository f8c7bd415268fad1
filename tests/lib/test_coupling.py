import pytest
import sympy as sp
from sympy.physics.wigner import gaunt

from cranisotropy import coupling


@pytest.mark.parametrize("ell", [1, 2, 3])
def test_eq9_equals_gaunt(ell):
    for lp in (ell - 1, ell + 1, ell):
        for m in range(-ell, ell + 1):
            for mu in (-1, 0, 1):
                mp = m - mu
                if abs(mp) > lp:
                    continue
                # int Y_1mu Y_l'm' Y*_lm = (-1)^m int Y_1mu Y_l'm' Y_l,-m
                ref = (-1) ** m * gaunt(1, lp, ell, mu, mp, -m)
                assert sp.simplify(coupling.eq9_gaunt(lp, ell, mu, mp, m) - ref) == 0


def test_weights_and_m_sum():
    for ell in range(1, 7):
        assert coupling.coupling_weight(ell, ell - 1) == sp.Rational(ell, 2 * ell + 1)
        assert coupling.coupling_weight(ell, ell + 1) == sp.Rational(ell + 1, 2 * ell + 1)
        assert coupling.coupling_weight(ell, ell) == 0
        for m in range(-ell, ell + 1):
            assert coupling.m_sum(ell, ell + 1, m) == sp.Rational(1, 2 * ell + 1)


def test_errors():
    with pytest.raises(ValueError, match="m"):
        coupling.m_sum(2, 3, 3)
    with pytest.raises(ValueError, match="ell"):
        coupling.coupling_weight(-1, 0)
    with pytest.raises(TypeError, match="mu"):
        coupling.eq9_gaunt(1, 2, "a", 0, 0)


def test_enumerations_of_the_chapter():
    from cranisotropy import coupling
    ok, n_cmp, n_nonzero = coupling.gaunt_check(2)
    assert ok and n_cmp > n_nonzero > 0
    assert coupling.eq10_weights_check(3) == (True, True, 2 * (3 + 5 + 7))


def test_mean_fields_only_below_l3():
    assert coupling.mean_field_failures(6) == 0
    assert coupling.coupling_weight(1, 0) == sp.Rational(1, 3) and coupling.coupling_weight(2, 1) == sp.Rational(2, 5)
    with pytest.raises(ValueError, match="lmax"):
        coupling.mean_field_failures(2)
