"""Tests of cranisotropy.am15: the reconstructed AM15 Eq. 16 candidates (equations.md Sec. 4)."""

import numpy as np
import pytest
from scipy import integrate, special

from cranisotropy import am15

ELLS = np.arange(1, 31)


def _legendre_ratio(xi, ell, beta):
    """C_l / C_1 of xi(mu) by quadrature, with the (1-mu)^-beta singularity handled by QUADPACK."""
    def cl(l):
        return integrate.quad(lambda mu: xi(mu) * special.eval_legendre(l, mu), -1, 1,
                              weight="alg", wvar=(0.0, -beta), limit=400, epsabs=0, epsrel=1e-11)[0]
    c1 = cl(1)
    return np.array([cl(int(l)) / c1 for l in ell])


@pytest.mark.parametrize("beta", [0.25, 0.5, 0.75])
def test_candidate_a_is_legendre_transform_of_mu_over_nu_r(beta):
    # xi(mu) ~ mu / nu_r(mu) ~ mu (1 - mu)^-beta; the weight (1-mu)^-beta is passed to quad
    ell = np.array([1, 2, 3, 5, 8])
    num = _legendre_ratio(lambda mu: mu, ell, beta)
    assert np.allclose(am15.ratio(ell, beta, "a"), num, rtol=1e-7)


@pytest.mark.parametrize("beta", [0.25, 0.5, 0.75])
def test_candidate_b_is_legendre_transform_of_integrated_inverse_rate(beta):
    # d xi / d mu ~ (1 - mu)^-beta  =>  xi ~ -(1 - mu)^(1-beta)/(1-beta) = -(1-mu)/(1-beta) * (1-mu)^-beta
    ell = np.array([1, 2, 3, 5, 8])
    num = _legendre_ratio(lambda mu: -(1 - mu) / (1 - beta), ell, beta)
    assert np.allclose(am15.ratio(ell, beta, "b"), num, rtol=1e-7)


def test_ratio_is_one_at_l1_and_shape_proportional():
    for cand in am15.CANDIDATES:
        for beta in (0.3, 0.6, 1.5):
            assert am15.ratio(1, beta, cand) == pytest.approx(1.0, rel=1e-12)
            r = am15.ratio(ELLS, beta, cand) / am15.shape(ELLS, beta, cand)
            assert np.allclose(r, r[0], rtol=1e-12)


def test_candidate_b_at_half_is_closed_form():
    # beta = 1/2: C_l/C_1 = 15 / ((2l-1)(2l+1)(2l+3))
    l = ELLS.astype(float)
    assert np.allclose(am15.ratio(ELLS, 0.5, "b"), 15.0 / ((2 * l - 1) * (2 * l + 1) * (2 * l + 3)), rtol=1e-12)


def test_candidate_a_equals_zhang_shape():
    convection = pytest.importorskip("cranisotropy.convection")
    ell = np.arange(3, 41)
    for gamma in (5.0 / 3.0, 1.5, 3.1):
        r = am15.shape(ell, (1 - gamma) / 2, "a") / convection.spectrum_shape(ell, gamma)
        assert np.allclose(r, r[0], rtol=1e-10)


@pytest.mark.parametrize("cand", am15.CANDIDATES)
def test_asymptotic_slope(cand):
    for beta in (-0.4, 0.3, 0.8):
        l = np.array([4000, 8000])
        s = np.diff(np.log(am15.shape(l, beta, cand))) / np.diff(np.log(l))
        assert s[0] == pytest.approx(am15.asymptotic_slope(beta, cand), abs=1e-3)
        assert am15.beta_for_slope(am15.asymptotic_slope(beta, cand), cand) == pytest.approx(beta)
    assert am15.small_angle_exponent(0.5) == 1.0


def test_negative_beta_gives_negative_ratio_candidate_a():
    # the warning of equations.md: beta < 0 makes Gamma(beta) < 0, so C_l/C_1 < 0 for l >= 2
    # (not defined at l=1 through beta_bounds(1) = (0, 4); use l >= 2 with shape instead)
    assert np.all(am15.shape(np.arange(2, 10), -0.3, "a") > 0)
    with pytest.raises(ValueError, match="beta"):
        am15.ratio(2, -0.3, "a")


def test_errors():
    with pytest.raises(ValueError, match="candidate"):
        am15.shape(3, 0.5, "c")
    with pytest.raises(ValueError, match="beta"):
        am15.shape(3, -2.5, "b")          # beta <= 1 - l_min
    with pytest.raises(ValueError, match="beta"):
        am15.shape(3, 4.0, "b")
    with pytest.raises(ValueError, match="ell"):
        am15.shape(0, 0.5)
    with pytest.raises(ValueError, match="ell"):
        am15.shape(2.5, 0.5)
    with pytest.raises(TypeError, match="beta"):
        am15.shape(3, "x")
    with pytest.raises(ValueError, match="beta"):
        am15.ratio(3, np.nan)
    with pytest.raises(ValueError, match="ell_min"):
        am15.beta_bounds(0)
