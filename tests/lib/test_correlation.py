import healpy as hp
import numpy as np
import pytest

from cranisotropy import correlation, skies


def test_xi_from_cl_legendre():
    cl = np.array([0.5, 0.2, 0.1])
    mu = np.array([-1.0, 0.0, 0.3, 1.0])
    expected = (0.5 + 3 * 0.2 * mu + 5 * 0.1 * 0.5 * (3 * mu**2 - 1)) / (4 * np.pi)
    assert np.allclose(correlation.xi_from_cl(cl, mu), expected, rtol=1e-14)


def test_xi_zero_lag_is_power_sum():
    cl = np.random.default_rng(0).uniform(size=20)
    assert correlation.xi_from_cl(cl, 1.0) * 4 * np.pi == pytest.approx(correlation.power_sum_cl(cl), rel=1e-13)


def test_power_sum_pixel_parseval_band_limited():
    cl = np.r_[0.0, 1.0 / np.arange(1, 9) ** 2]
    alm = skies.gaussian_alm(cl, np.random.default_rng(3))
    m = hp.alm2map(alm, 16, lmax=8)
    exact = correlation.power_sum_cl(hp.alm2cl(alm))
    assert correlation.power_sum_pixel(m) == pytest.approx(exact, rel=1e-3)


def test_pair_correlation_matches_eq10():
    cl = np.r_[0.0, 1.0 / np.arange(1, 9) ** 2]
    alm = skies.gaussian_alm(cl, np.random.default_rng(4))
    m = hp.alm2map(alm, 8, lmax=8)
    clh = hp.alm2cl(alm)
    edges, xi, n, model = correlation.pair_correlation(m, 10, lambda mu: correlation.xi_from_cl(clh, mu))
    assert edges.size == 11 and n.sum() == m.size**2
    assert np.max(np.abs(xi - model)) < 0.05 * correlation.xi_from_cl(clh, 1.0)
    e2, xi2, n2, none = correlation.pair_correlation(m, 10)
    assert none is None and np.allclose(xi2, xi)


@pytest.mark.parametrize("chunk", [2, 7, 64, 768])
def test_pair_correlation_equals_full_pair_matrix(chunk):
    """The symmetric (half-matrix) loop bins exactly the pairs of the full Npix x Npix matrix.
    (Blocks of one row go through BLAS's matrix-vector product, whose last bit can differ from the
    matrix product's: a pair exactly on a bin edge may then change bin, in either loop.)"""
    m = np.random.default_rng(9).standard_normal(hp.nside2npix(8))
    nbins, over = 12, 5
    edges, xi, n, model = correlation.pair_correlation(m, nbins, lambda mu: mu**2, oversample=over, chunk=chunk)
    v = np.array(hp.pix2vec(8, np.arange(m.size))).T
    mu = np.clip(v @ v.T, -1.0, 1.0).ravel()
    idx = np.minimum(((mu + 1.0) * (nbins * over / 2.0)).astype(np.int64), nbins * over - 1)
    cnt = np.bincount(idx, minlength=nbins * over)
    n_full = cnt.reshape(nbins, over).sum(axis=1)
    xi_full = np.bincount(idx, np.outer(m, m).ravel(), minlength=nbins * over).reshape(nbins, over).sum(axis=1) / n_full
    mean_mu = np.bincount(idx, mu, minlength=nbins * over)[cnt > 0] / cnt[cnt > 0]
    fine = np.zeros(nbins * over)
    fine[cnt > 0] = mean_mu**2
    model_full = (fine * cnt).reshape(nbins, over).sum(axis=1) / n_full
    assert np.array_equal(n, n_full)
    assert np.allclose(xi, xi_full, rtol=1e-12, atol=1e-13)
    assert np.allclose(model, model_full, rtol=1e-12, atol=0)


def test_errors():
    with pytest.raises(ValueError, match="cos_eta"):
        correlation.xi_from_cl([1.0], 1.5)
    with pytest.raises(ValueError, match="cl"):
        correlation.xi_from_cl(np.ones((2, 2)), 0.0)
    with pytest.raises(ValueError, match="cl"):
        correlation.power_sum_cl([np.nan])
    with pytest.raises(ValueError, match="m"):
        correlation.power_sum_pixel(np.ones(10))
    with pytest.raises(ValueError, match="nbins"):
        correlation.pair_correlation(np.ones(12), 0)
    with pytest.raises(TypeError, match="model"):
        correlation.pair_correlation(np.ones(12), 2, model=3)


def test_negative_power_is_refused():
    # issue 12: power_sum_cl([-1, 2]) returned 5.0
    with pytest.raises(ValueError, match="cl must be >= 0"):
        correlation.power_sum_cl([-1.0, 2.0])
    with pytest.raises(ValueError, match="cl must be >= 0"):
        correlation.xi_from_cl([1.0, -0.5], 0.3)
    assert correlation.power_sum_cl([1.0, 2.0]) == 7.0


def test_pair_check_and_parseval_errors():
    from cranisotropy.skies import gaussian_alm
    cl = np.r_[0.0, 1.0, 0.5, 0.25, 0.1]
    pc = correlation.pair_check(cl, 8, 12, np.random.default_rng(3), oversample=8)
    assert pc["n"].sum() == pc["sky"].size ** 2 and pc["resid"] < 0.05
    assert pc["xi0"] == pytest.approx(correlation.xi_from_cl(pc["cl"], 1.0))
    rows = correlation.parseval_errors(gaussian_alm(cl, np.random.default_rng(4)), [8, 16, 32], 4)
    assert rows.shape == (3, 3)
    assert np.all(np.abs(rows[1:, 1]) < np.abs(rows[:-1, 1])) and np.max(np.abs(rows[:, 2])) < 1e-5
