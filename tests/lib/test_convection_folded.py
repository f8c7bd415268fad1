"""convection_folded: the convection sky folded through the observation, and its calibrated tests."""

import numpy as np
import pytest

from cranisotropy import convection_folded as CF, folded_fit as F, observation as O, spectral_models as SM


@pytest.fixture(scope="module")
def resp():
    return O.response(lmax=14, lmax_sky=40, nside=None)


def _data(resp, model, theta, noise=1e-12, rng=None):
    ell = np.arange(1, 15)
    mean = resp.mean_matrix[ell] @ model.spectrum(resp.lmax_sky, *theta) + noise * resp.noise_mean[ell]
    d = F.BinData("toy", 10.0, ell, mean, noise)
    if rng is not None:
        d = F.mock_data(resp, model, theta, d, rng)
    return d


def test_variants_and_their_parameters():
    held = CF.convection_model(sigma=20.0)
    assert held.params == ("C_1", "C_2") and held.fixed["sigma"] == 20.0
    full = SM.registry()["convection"]
    ell = np.arange(3, 30)
    assert np.allclose(held.cl(ell, 1e-7, 2e-7), full.cl(ell, 20.0), rtol=1e-14)
    assert np.allclose(held.cl([1, 2], 1e-7, 2e-7), [1e-7, 2e-7])
    assert CF.convection_model().fixed["variant"] == "sigma"
    assert CF.convection_model(gamma_free=True).params == ("sigma", "gamma", "C_1", "C_2")
    with pytest.raises(ValueError, match="not both"):
        CF.convection_model(sigma=20.0, gamma_free=True)
    with pytest.raises(ValueError, match="sigma"):
        CF.convection_model(sigma=-1.0)


@pytest.mark.parametrize("gamma_free, theta", [(False, [12.0, 1e-7, 3e-8]), (True, [12.0, 2.3, 1e-7, 3e-8])])
def test_folded_mean_is_the_folded_spectrum(resp, gamma_free, theta):
    m = CF.convection_model(gamma_free=gamma_free)
    d = _data(resp, m, theta)
    exact = np.log10(d.C)
    assert np.allclose(CF.folded_log_mean(resp, m, theta, d), exact, rtol=0, atol=1e-6 if gamma_free else 1e-12)
    with pytest.raises(ValueError, match="theta"):
        CF.folded_log_mean(resp, m, theta[:-1], d)
    with pytest.raises(TypeError, match="convection_model"):
        CF.folded_log_mean(resp, SM.registry()["eq21"], [1.0], d)


def test_linearised_chi2(resp):
    m = CF.convection_model()
    theta = [10.0, 1e-7, 5e-8]
    d = _data(resp, m, theta)
    res = F.fit_bin(resp, m, d, rng=np.random.default_rng(1), n_moment_mocks=300)
    assert CF.linearised_chi2(resp, m, res, d, res.best_fit)[0] == pytest.approx(0.0, abs=1e-9)
    mocks = np.log10(F.simulate_bin(resp, m, res.values, d, 400, np.random.default_rng(2)))
    chi2 = CF.linearised_chi2(resp, m, res, d, mocks)
    assert 0.6 * (14 - 3) < np.mean(chi2) < 1.6 * (14 - 3)
    with pytest.raises(ValueError, match="variants"):
        CF.linearised_chi2(resp, CF.convection_model(gamma_free=True), res, d, mocks)


def test_goodness_of_fit_is_calibrated_and_has_power(resp):
    rng = np.random.default_rng(3)
    m = CF.convection_model()
    d = _data(resp, m, [10.0, 1e-7, 5e-8], noise=1e-13, rng=rng)
    t = CF.goodness_of_fit(resp, m, d, rng=rng, alternative=(CF.convection_model(gamma=3.0), "gamma = 3"),
                           n_null=200, n_calibration=200, n_moment_mocks=300)
    assert t.p_value > 0.01 and t.n_null == 200
    assert 0.0 <= t.false_rejection["rate"] < 0.15 and t.false_rejection["n_mocks"] == 200
    assert t.power["alternative"] == "gamma = 3" and 0.0 <= t.power["rate"] <= 1.0
    kw = t.judge_kwargs("chi2")
    assert kw["p_value"] == t.p_value and kw["false_rejection"] is t.false_rejection
    held = CF.convection_model(sigma=40.0)           # the wrong sigma is rejected
    assert CF.goodness_of_fit(resp, held, d, rng=rng, n_null=100, n_calibration=50, n_moment_mocks=300).p_value < 0.05
    with pytest.raises(ValueError, match="n_null"):
        CF.goodness_of_fit(resp, m, d, rng=rng, n_null=5)


def test_likelihood_ratio_nested_only(resp):
    rng = np.random.default_rng(4)
    m, mg = CF.convection_model(), CF.convection_model(gamma_free=True)
    d = _data(resp, m, [10.0, 1e-7, 5e-8], noise=1e-13, rng=rng)
    t = CF.likelihood_ratio(resp, m, mg, d, rng=rng, n_null=20, n_calibration=20,
                            null_kwargs=dict(n_moment_mocks=200), alt_kwargs=dict(n_moment_mocks=200))
    assert t.statistic > -1e-6 and 0 < t.p_value <= 1 and "alternative_fit" in t.extra
    with pytest.raises(ValueError, match="gamma fixed"):
        CF.likelihood_ratio(resp, mg, m, d, rng=rng)


def test_single_ell_sigma_inverts_the_folded_mean(resp):
    m = CF.convection_model()
    d = _data(resp, m, [10.0, 1e-7, 5e-8])
    s = CF.single_ell_sigma(resp, m, d, 1e-7, 5e-8)
    assert np.allclose(s[2:], 10.0, rtol=1e-10)
    assert np.all(np.isnan(CF.single_ell_sigma(resp, m, d, 1e-3, 5e-8)[2:5]))     # a huge dipole: nothing left
    with pytest.raises(ValueError, match="variant"):
        CF.single_ell_sigma(resp, CF.convection_model(sigma=3.0), d, 1e-7, 5e-8)


def test_sigma_table_scalings():
    rows = CF.sigma_table([{"fit": "a", "gamma": 5 / 3, "sigma": 10.0}, {"fit": "b", "gamma": 3.0, "sigma": np.nan}])
    conv = rows[0]["conventions"]
    assert conv[0] == 10.0 and conv[1] == pytest.approx(10.0 * (2 * np.pi) ** (-1 / 3))
    assert conv[4] == pytest.approx(10.0 * 4.7 / 2.7)
    assert all(np.isnan(v) for v in rows[1]["conventions"])
