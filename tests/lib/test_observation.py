import healpy as hp
import numpy as np
import pytest

from cranisotropy import observation as O
from cranisotropy import partial_sky as P
from cranisotropy.data import EnergyBin


def eq21(lmax, c1=1.0):
    return P.eq21_spectrum(lmax, c1=c1)


@pytest.fixture(scope="module")
def small():
    return O.response(-20.0, nside=None, lmax=10, lmax_sky=30)


def test_coupling_matches_partial_sky(small):
    K = P.cap_coupling(-20.0, 10, 30)
    assert np.allclose(small.coupling, K, rtol=0, atol=1e-12)
    assert small.fsky == pytest.approx((1 - np.sin(np.radians(20))) / 2)
    assert small.dec_edge_deg == pytest.approx(-20.0)


def test_cap_edge_from_pixel_area():
    x = O.cap_edge(-20.0, 16)
    mask = P.cap_mask(16, -20.0)
    assert (1 + x) / 2 == pytest.approx(mask.mean(), abs=1e-15)
    assert O.cap_edge(-20.0, None) == pytest.approx(np.sin(np.radians(-20.0)))


def test_full_sky_loses_only_m0():
    resp = O.response(90.0, nside=None, lmax=8, lmax_sky=12)
    cl = np.r_[0.0, 1.0 / np.arange(1, 13) ** 2]
    mean, cov = O.pseudo_cl_moments(resp, cl)
    ell = np.arange(9)
    assert np.allclose(mean[1:], (2 * ell[1:] / (2 * ell[1:] + 1)) * cl[1:9], rtol=1e-10)
    # 2l real degrees of freedom instead of 2l + 1
    assert np.allclose(np.diag(cov)[1:], 2 * (2 * ell[1:]) * cl[1:9] ** 2 / (2 * ell[1:] + 1) ** 2, rtol=1e-10)
    noise_mean, _ = O.pseudo_cl_moments(resp, np.zeros(1), noise=2.0)
    assert np.allclose(noise_mean[1:], 2.0 * 2 * ell[1:] / (2 * ell[1:] + 1), rtol=1e-10)
    assert np.allclose(resp.noise_mean[1:], 2 * ell[1:] / (2 * ell[1:] + 1), rtol=1e-10)


def test_mean_matrix_and_noise_mean(small):
    cl = eq21(30)
    mean, _ = O.pseudo_cl_moments(small, cl, noise=0.3)
    assert np.allclose(mean, small.mean_matrix @ cl + 0.3 * small.noise_mean, rtol=1e-12)


def test_noise_m0_adds_the_m0_term(small):
    m1, c1 = O.pseudo_cl_moments(small, np.zeros(1), noise=1.0)
    m0, c0 = O.pseudo_cl_moments(small, np.zeros(1), noise=1.0, noise_m0=True)
    K0 = small.coupling[0]
    ell = np.arange(11)
    assert np.allclose(m0 - m1, np.diag(K0[:, :11]) / (2 * ell + 1), rtol=1e-12)
    assert np.all(np.diag(c0)[1:] > np.diag(c1)[1:])


def test_mocks_match_moments(small):
    cl = eq21(30)
    mean, cov = O.pseudo_cl_moments(small, cl, noise=0.05)
    mocks = O.pseudo_cl_mocks(small, cl, 0.05, 6000, np.random.default_rng(1))
    se = mocks.std(axis=0)[1:] / np.sqrt(len(mocks))
    assert np.max(np.abs(mocks.mean(axis=0)[1:] - mean[1:]) / se) < 4.5
    assert np.allclose(mocks.var(axis=0, ddof=1)[1:], np.diag(cov)[1:], rtol=0.12)
    corr = np.corrcoef(mocks[:, 1:].T)
    exact = cov[1:, 1:] / np.sqrt(np.outer(np.diag(cov)[1:], np.diag(cov)[1:]))
    assert np.max(np.abs(corr - exact)) < 0.08
    m0 = O.pseudo_cl_mocks(small, cl, 0.05, 4000, np.random.default_rng(2), noise_m0=True)
    mean0, _ = O.pseudo_cl_moments(small, cl, 0.05, noise_m0=True)
    assert np.allclose(m0.mean(axis=0)[1:], mean0[1:], rtol=0.06)


def test_quantiles_exact_for_the_dipole(small):
    # C~_1 = (2/3) S^1_11 E with E a unit exponential: quantile p is -(2/3) S ln(1 - p)
    cl = eq21(30)
    S = O.mode_covariances(small, cl, 0.0)
    p = np.array([0.16, 0.5, 0.84])
    q = O.pseudo_cl_quantiles(small, cl, 0.0, p, n_draws=200000, rng=np.random.default_rng(3))
    assert np.allclose(q[:, 1], -(2 / 3) * S[1, 1, 1] * np.log(1 - p), rtol=0.02)
    band = O.folded_band(small, cl, 0.0, n_draws=20000, rng=np.random.default_rng(4))
    assert band.ell[0] == 1 and band.lo.shape == (2, 10)
    assert np.all(band.lo[1] <= band.lo[0]) and np.all(band.hi[1] >= band.hi[0])
    assert np.all(band.lo[1] < band.mean) and np.all(band.hi[1] > band.mean)


def test_dipoles_analytic_and_in_map_space():
    nside, lmax = 32, 10
    resp = O.response(-20.0, nside=nside, lmax=lmax, lmax_sky=3 * nside - 1)
    vec = np.array(hp.pix2vec(nside, np.arange(12 * nside**2)))
    for ra, dec in [(0.0, 0.0), (40.0, -30.0)]:
        alm = O.dipole_alm(ra, dec, lmax=3)
        d = hp.ang2vec(np.radians(90 - dec), np.radians(ra))
        assert np.allclose(hp.map2alm(d @ vec, lmax=3, iter=3), alm, atol=2e-4)
        analytic = O.observe_alm(resp, alm)
        brute = O.observe_map(d @ vec, -20.0, lmax)
        assert np.allclose(brute[1:], analytic[1:], rtol=0.02, atol=1e-4 * analytic[1])
    polar = O.observe_alm(resp, O.dipole_alm(0.0, -90.0, lmax=1))
    assert np.max(polar) < 1e-28
    assert np.max(O.observe_map(-vec[2], -20.0, lmax)) < 1e-25
    # the equatorial dipole is pure m = 1: its ratios equal those of a random dipole
    eq = O.observe_alm(resp, O.dipole_alm(0.0, 0.0))
    mean, _ = O.pseudo_cl_moments(resp, np.r_[0.0, 1.0])
    assert np.allclose(eq[2:] / eq[1], mean[2:] / mean[1], rtol=1e-10)


def test_fixed_sky_in_map_space_matches_analytic():
    nside, lmax = 32, 12
    resp = O.response(-20.0, nside=nside, lmax=lmax, lmax_sky=40)
    from cranisotropy.skies import gaussian_alm
    alm = gaussian_alm(eq21(40), np.random.default_rng(5))
    sky = hp.alm2map(alm, nside, lmax=40)
    assert np.allclose(O.observe_map(sky, -20.0, lmax)[1:], O.observe_alm(resp, alm)[1:], rtol=0.03)


def test_healpy_mocks_agree_with_moments():
    nside, lmax = 16, 8
    resp = O.response(-20.0, nside=nside, lmax=lmax, lmax_sky=3 * nside - 1)
    cl = eq21(3 * nside - 1)
    mean, cov = O.pseudo_cl_moments(resp, cl, noise=0.01)
    mocks = O.healpy_mocks(cl, 0.01, 150, np.random.default_rng(6), nside=nside, lmax=lmax)
    z = (mocks.mean(axis=0)[1:] - mean[1:]) / np.sqrt(np.diag(cov)[1:] / len(mocks))
    assert np.max(np.abs(z)) < 4.0


def test_noise_calibration_recovers_the_level():
    resp = O.response(-20.0, nside=None, lmax=12, lmax_sky=20)
    u = O.noise_band_quantiles(resp, n_draws=4000, rng=np.random.default_rng(7))
    ell = np.arange(1, 13)
    N = 3e-12
    edges = N * u[:, 1:]
    clipped = np.zeros(12, bool)
    clipped[:2] = True
    b = EnergyBin("x", 10.0, ell, np.ones(12), *(np.full(12, np.nan),) * 4, noise_lo=edges[:3][::-1],
                  noise_hi=edges[3:], lo_clipped=clipped)
    cal = O.calibrate_noise(b, u)
    assert cal.level == pytest.approx(N, rel=1e-12)
    assert cal.rms_dex < 1e-12
    assert np.all(np.isnan(cal.residual_dex[:3, :2]))
    assert np.allclose(cal.width_ratio(2)[2:], 1.0)
    assert O.equivalent_event_count(resp, 1e-12) == pytest.approx(4 * np.pi * resp.fsky * 1e12)


def test_errors(small):
    with pytest.raises(ValueError, match="dec_max_deg"):
        O.response(-95.0)
    with pytest.raises(ValueError, match="nside"):
        O.response(-20.0, nside=12)
    with pytest.raises(ValueError, match="lmax_sky"):
        O.response(-20.0, nside=None, lmax=10, lmax_sky=5)
    with pytest.raises(ValueError, match="band limit"):
        O.pseudo_cl_moments(small, eq21(40))
    with pytest.raises(ValueError, match="noise"):
        O.pseudo_cl_moments(small, eq21(10), noise=-1.0)
    with pytest.raises(TypeError, match="resp"):
        O.pseudo_cl_moments("cap", eq21(10))
    with pytest.raises(TypeError, match="rng"):
        O.pseudo_cl_mocks(small, eq21(10), 0.0, 3, rng=1)
    with pytest.raises(ValueError, match="probabilities"):
        O.pseudo_cl_quantiles(small, eq21(10), 0.0, [0.5, 1.2], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="levels"):
        O.folded_band(small, eq21(10), levels=(1.5,), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="lmax_sky"):
        O.observe_alm(small, np.zeros(hp.Alm.getsize(40), complex))
    with pytest.raises(ValueError, match="healpy"):
        O.observe_alm(small, np.zeros(4, complex))
    with pytest.raises(ValueError, match="HEALPix"):
        O.observe_map(np.zeros(100))
    with pytest.raises(ValueError, match="dec_deg"):
        O.dipole_alm(0.0, 100.0)
    with pytest.raises(ValueError, match="unit_quantiles"):
        O.calibrate_noise(None, np.ones((3, 5)))
    with pytest.raises(TypeError, match="EnergyBin"):
        O.calibrate_noise(object(), np.ones((6, 5)))
    with pytest.raises(ValueError, match="noise"):
        O.equivalent_event_count(small, 0.0)


def test_full_sky_scatter_quantiles():
    q = O.full_sky_scatter_quantiles(np.arange(1, 5), [0.16, 0.5, 0.84])
    assert q.shape == (3, 4) and np.all(q[0] < q[1]) and np.all(q[1] < q[2])
    draws = np.random.default_rng(0).chisquare(7, 200000) / 7
    assert np.allclose(q[:, 2], np.quantile(draws, [0.16, 0.5, 0.84]), rtol=0.01)
    with pytest.raises(ValueError, match="probabilities"):
        O.full_sky_scatter_quantiles(3, [0.0])
