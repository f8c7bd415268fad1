import healpy as hp
import numpy as np
import pytest
from sympy.physics.wigner import wigner_3j

from cranisotropy import partial_sky as P


def test_cap_fraction():
    mask = P.cap_mask(32, -20.0)
    assert P.sky_fraction(mask) == pytest.approx((1 - np.sin(np.radians(20))) / 2, abs=2e-3)
    assert P.sky_fraction(P.cap_mask(8, 90.0)) == 1.0


def test_eq21_spectrum():
    cl = P.eq21_spectrum(5, c1=2.0)
    assert cl[0] == 0 and cl[1] == pytest.approx(2.0)
    assert cl[2] == pytest.approx(2.0 * 18 / (5 * 3 * 4))


def test_wigner3j_against_sympy():
    for l1, l2, l3 in [(1, 1, 0), (1, 1, 2), (2, 3, 1), (5, 7, 4), (10, 12, 6), (3, 3, 3), (2, 2, 5)]:
        assert P.wigner3j_000(l1, l2, l3) == pytest.approx(float(wigner_3j(l1, l2, l3, 0, 0, 0)), abs=1e-14)


def test_full_sky_limits():
    cl = np.r_[0.0, 1.0 / np.arange(1, 12) ** 2]
    mean, cov = P.cap_pseudo_cl_moments(cl, 90.0, 8)
    ell = np.arange(9)
    assert np.allclose(mean, cl[:9], rtol=1e-10)
    assert np.allclose(np.diag(cov)[1:], 2 * cl[1:9] ** 2 / (2 * ell[1:] + 1), rtol=1e-10)
    M = P.coupling_matrix(np.ones(12 * 16**2), 8)
    assert np.allclose(M, np.eye(9), atol=1e-10)


def test_cap_moments_match_master_kernel():
    nside, lmax = 32, 10
    cl = P.eq21_spectrum(40)
    mask = P.cap_mask(nside, -20.0)
    mean, _ = P.cap_pseudo_cl_moments(cl, -20.0, lmax)
    K = P.cap_coupling(-20.0, lmax, 40)
    # same kernel from K: M_ll' = sum_m (1 or 2) K^2 / (2l+1)
    mult = np.r_[1.0, np.full(lmax, 2.0)]
    M_from_K = np.einsum("m,mij->ij", mult, K**2) / (2 * np.arange(lmax + 1) + 1)[:, None]
    assert np.allclose(M_from_K @ cl, mean, rtol=1e-10)
    Mpix = P.coupling_matrix(mask, 20)[: lmax + 1, : 21]
    assert np.allclose(Mpix @ cl[:21], M_from_K[:, :21] @ cl[:21], rtol=1e-2)


def test_monte_carlo_shapes_and_variance_estimate():
    mask = P.cap_mask(8, -20.0)
    full, masked = P.pseudo_cl_monte_carlo(P.eq21_spectrum(12), mask, 3, np.random.default_rng(0), 6)
    assert full.shape == masked.shape == (3, 7)
    assert P.variance_estimate(2, 0.5) == pytest.approx(0.8)


def test_errors():
    with pytest.raises(ValueError, match="nside"):
        P.cap_mask(3, 0.0)
    with pytest.raises(ValueError, match="dec_max_deg"):
        P.cap_mask(8, -90.0)
    with pytest.raises(ValueError, match="mask"):
        P.sky_fraction([0.5, 2.0])
    with pytest.raises(ValueError, match="c1"):
        P.eq21_spectrum(4, c1=0.0)
    with pytest.raises(ValueError, match="fsky"):
        P.variance_estimate(2, 1.5)
    with pytest.raises(ValueError, match="ell"):
        P.variance_estimate(-1, 0.5)
    with pytest.raises(ValueError, match="lmax"):
        P.cap_pseudo_cl_moments([0.0, 1.0], 0.0, 3)
    with pytest.raises(ValueError, match="n_real"):
        P.pseudo_cl_monte_carlo([0, 1.0], P.cap_mask(4, 0.0), 1, np.random.default_rng(0), 1)
    with pytest.raises(TypeError, match="rng"):
        P.pseudo_cl_monte_carlo([0, 1.0], P.cap_mask(4, 0.0), 2, None, 1)


def test_chapter_statistics():
    rng = np.random.default_rng(0)
    ell = np.arange(6)
    full = rng.chisquare(2 * ell + 1, size=(3000, 6)) / (2 * ell + 1)
    assert np.allclose(P.scatter_ratio(full, 1.0)[1:], 1.0, atol=0.1)
    boot = P.bootstrap_scatter_ratio(full[:200], 1.0, 20, np.random.default_rng(1))
    assert boot.shape == (20, 6)
    with pytest.raises(TypeError, match="rng"):
        P.bootstrap_scatter_ratio(full, 1.0, 20, 3)
    with pytest.raises(ValueError, match="pseudo_cl"):
        P.scatter_ratio(np.ones(5), 1.0)
    cov = np.diag(2.0 / (2 * ell + 1))
    assert P.band_variance_ratio(np.ones(6), cov, [(1, 3), (2, 5)], 1.0) == pytest.approx([1.0, 1.0])
    leak = P.dipole_leakage(P.cap_mask(16, -20.0), -20.0, 3, 47)
    for k in leak["map"]:
        assert np.max(np.abs(leak["map"][k] - leak["exact"][k])) < 0.02
    assert leak["isotropic"].shape == (4,)


def test_cap_mean_coupling_gives_the_exact_mean():
    cl = P.eq21_spectrum(30)
    M = P.cap_mean_coupling(-20.0, 10, 30)
    mean, _ = P.cap_pseudo_cl_moments(cl, -20.0, 10)
    assert np.allclose(M @ cl, mean, rtol=1e-12)


def test_dipole_systematic_share():
    M = P.cap_mean_coupling(-20.0, 3, 30)
    cl = P.eq21_spectrum(30)
    share = P.dipole_systematic_share(M, cl, (1 + np.sin(np.radians(-20.0))) / 2)
    assert 0 < share < 1
    only_quad = P.dipole_systematic_share(M, np.r_[0.0, 0.0, 1.0, np.zeros(28)], 0.3)
    assert only_quad == pytest.approx(1.0)
    with pytest.raises(ValueError, match="undefined"):
        P.dipole_systematic_share(np.eye(3), [0.0, 1.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="M must be"):
        P.dipole_systematic_share(np.eye(2), [0.0, 1.0], 1.0)


def test_relative_sd_ratio():
    ell = np.arange(21.0)
    cov = np.diag(2 / (2 * ell + 1))
    assert P.relative_sd_ratio(np.ones(21), cov, (2, 4), (10, 20)) > 1
    assert P.relative_sd_ratio(np.ones(21), cov, (10, 20), (10, 20)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="ranges"):
        P.relative_sd_ratio(np.ones(21), cov, (2, 4), (10, 30))
    with pytest.raises(ValueError, match="cov"):
        P.relative_sd_ratio(np.ones(21), np.eye(3), (2, 4), (10, 20))
