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


def test_chapter_procedures():
    assert P.cap_sky_fraction(-20.0) == pytest.approx((1 + np.sin(np.radians(-20.0))) / 2)
    assert P.cap_sky_fraction(90.0) == 1.0
    with pytest.raises(ValueError, match="dec_max_deg"):
        P.cap_sky_fraction(100.0)
    mask, cl = P.cap_mask(16, -20.0), P.eq21_spectrum(47)
    out = P.master_versus_cap(mask, cl, -20.0, 12)
    assert out["lk"] == 23 and out["M"].shape == (13, 24) and out["deviation"].shape == (13,)
    assert np.max(out["deviation"][1:]) < 0.05
    with pytest.raises(ValueError, match="nside"):
        P.master_versus_cap(mask, cl, -20.0, 30)
    with pytest.raises(ValueError, match="cl"):
        P.master_versus_cap(mask, cl[:10], -20.0, 12)
    rng = np.random.default_rng(3)
    ell = np.arange(8)
    full = rng.chisquare(2 * ell + 1, size=(4000, 8)) / (2 * ell + 1)
    z = P.monte_carlo_z(full, np.ones(8))
    assert np.all(np.abs(z) < 4.5)
    assert np.all(np.abs(P.monte_carlo_z(full, np.full(8, 1.2))) > 4.5)          # a wrong mean is caught
    with pytest.raises(ValueError, match="mean"):
        P.monte_carlo_z(full, np.ones(5))
    with pytest.raises(ValueError, match="samples"):
        P.monte_carlo_z(np.ones(8), np.ones(8))
    cv = P.cosmic_variance_ratio(full, np.r_[0.0, np.ones(7)])
    assert np.isnan(cv[0]) and np.allclose(cv[1:], 1.0, atol=0.1)
    with pytest.raises(ValueError, match="cl"):
        P.cosmic_variance_ratio(full, np.ones(3))
    cov = np.diag(2.0 / (2 * ell + 1))
    assert np.allclose(P.exact_scatter_ratio(np.ones(8), cov, 0.5), 0.5)
    with pytest.raises(ValueError, match="cov"):
        P.exact_scatter_ratio(np.ones(8), np.eye(3), 1.0)
    # the cap's exact moments: adjacent pseudo-C_l are positively correlated; the full sky has none
    mean, c = P.cap_pseudo_cl_moments(cl, -20.0, 10)
    assert 0 < P.adjacent_correlation(c, 2, 10) < 1
    assert P.adjacent_correlation(cov, 1, 7) == 0.0
    with pytest.raises(ValueError, match="lmax"):
        P.adjacent_correlation(cov, 2, 8)


def test_pseudo_c1_sources_and_bias():
    mask, cl = P.cap_mask(16, -20.0), P.eq21_spectrum(47)
    M = P.master_versus_cap(mask, cl, -20.0, 10)["M"]
    src = P.pseudo_c1_sources(M, cl)
    assert src.shape == (M.shape[1],) and src.sum() == pytest.approx(M[1] @ cl[: M.shape[1]])
    assert src[2] > src[3] > 0                                   # the quadrupole leaks most into C~_1
    with pytest.raises(ValueError, match="cl"):
        P.pseudo_c1_sources(M, cl[:5])
    mean = P.cap_pseudo_cl_moments(cl, -20.0, 10)[0]
    bias = P.cut_sky_bias(mean, cl, P.cap_sky_fraction(-20.0))
    assert np.isnan(bias[0]) and bias[1] < 0.6 and np.all(np.abs(bias[5:] - 1) < 0.4)
    assert np.allclose(P.cut_sky_bias(np.ones(6), np.ones(6), 1.0), 1.0)
    with pytest.raises(ValueError, match="cl"):
        P.cut_sky_bias(np.ones(6), np.ones(3), 1.0)
