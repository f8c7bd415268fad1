"""Spherical-harmonic identities behind Ahlers (2014), Eqs. 9-18 (harmonic_identities)."""

import numpy as np
import pytest
import sympy as sp

from cranisotropy import harmonic_identities as hi
from cranisotropy.exact import is_zero


def test_identities():
    # the smallest case of each identity; the anomalous chapter asserts them to higher l
    # (funk_hecke_holds(3), l2_eigen_holds(4), ...), so they are not repeated here
    assert sp.simplify(hi.shell_measure() - 8 * sp.pi**2) == 0
    assert hi.funk_hecke_holds(1)
    ov = hi.theta_overlaps(1)
    assert hi.orthonormal_holds(ov) and hi.parseval_holds(ov, 1)
    assert hi.eq10_from_eq9_residual(1) == 0
    assert hi.l2_eigen_holds(1)
    assert hi.one_point_dipole_checks() == (0, 0)


def test_a_wrong_overlap_is_caught():
    ov = hi.theta_overlaps(1)
    ov[(1, 1, 0)] = sp.Rational(1, 2)
    assert not hi.orthonormal_holds(ov)


def test_addition_theorem():
    assert hi.addition_theorem_error(np.random.default_rng(0), 2, 3) < 1e-28
    with pytest.raises(TypeError, match="rng"):
        hi.addition_theorem_error(3)


def test_eq18_failures():
    assert hi.eq18_failures(0, 3) == 0
    with pytest.raises(ValueError, match="lmax"):
        hi.eq18_failures(3, 2)


def test_eq18_failures_catches_a_non_eigenfunction(monkeypatch):
    monkeypatch.setattr(hi, "ylm", lambda l, m: hi.THETA ** (l + 1))
    assert hi.eq18_failures(1, 2) == 2


def test_l2_and_funk_hecke_catch_wrong_identities():
    th, ph = hi.THETA, hi.PHI
    s = sp.sin(th)
    Y = hi.ylm(3, 2)
    L2 = -(sp.diff(s * sp.diff(Y, th), th) / s + sp.diff(Y, ph, 2) / s**2)
    assert is_zero(L2 - 12 * Y, angles=[th]) and not is_zero(L2 - 11 * Y, angles=[th])
    lhs = hi._phi_integral(hi.ylm(2, 0)).subs(th, sp.acos(hi.MU))
    rhs = 2 * sp.pi * sp.legendre(2, hi.MU) * sp.sqrt(sp.Rational(5) / (4 * sp.pi))
    assert is_zero(lhs - rhs) and not is_zero(lhs - rhs * (1 + hi.MU) / 1)
    assert hi._phi_integral(hi.ylm(2, 1)) == 0


def test_addition_theorem_precision_follows_digits():
    assert hi.addition_theorem_error(np.random.default_rng(1), 2, 2, digits=50) < 1e-50
    with pytest.raises(ValueError, match="digits"):
        hi.addition_theorem_error(np.random.default_rng(1), digits=5)
