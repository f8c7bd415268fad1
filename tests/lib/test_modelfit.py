"""Tests of cranisotropy.modelfit: weighted least squares in log C and the Fig. 1 models."""

from types import SimpleNamespace

import numpy as np
import pytest

from cranisotropy import convection, modelfit


def line(x, a, b):
    return a + b * x


def test_fit_log_matches_linear_algebra():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 1, 30)
    s = rng.uniform(0.05, 0.2, x.size)
    y = 1.0 - 2.0 * x + rng.normal(0, s)
    res = modelfit.fit_log(line, x, y, s, [0.0, 0.0], names=("a", "b"))
    A = np.vstack([np.ones_like(x), x]).T / s[:, None]
    cov = np.linalg.inv(A.T @ A)
    p = cov @ A.T @ (y / s)
    assert np.allclose(res.params, p, rtol=1e-8)
    assert np.allclose(res.cov, cov, rtol=1e-6)
    assert res.chi2 == pytest.approx(np.sum(((y - line(x, *p)) / s) ** 2), rel=1e-8)
    assert res.dof == 28 and res.k == 2 and res.n == 30
    assert res.aic == pytest.approx(res.chi2 + 4) and res.bic == pytest.approx(res.chi2 + 2 * np.log(30))
    assert res.rms == pytest.approx(np.sqrt(np.mean(res.residuals**2)))
    assert res.value("b") == pytest.approx(p[1]) and res.error("b") == pytest.approx(np.sqrt(cov[1, 1]), rel=1e-6)
    # Birge scaling never shrinks the errors
    assert np.all(res.errors_scaled >= res.errors)


def test_fit_log_pull_distribution():
    # with correct errors, the true value lies within 1 sigma about 68 % of the time
    rng = np.random.default_rng(7)
    x = np.linspace(-1, 1, 20)
    inside = 0
    for _ in range(200):
        y = 0.3 + 1.5 * x + rng.normal(0, 0.1, x.size)
        r = modelfit.fit_log(line, x, y, np.full(x.size, 0.1), [0, 1])
        inside += abs(r.params[1] - 1.5) < r.errors[1]
    assert 0.58 < inside / 200 < 0.78


def test_log_errors():
    C = np.array([1.0, 1.0, 1.0, 1.0])
    nan = np.nan
    b = SimpleNamespace(select=lambda ell: dict(C=C, stat_lo=np.array([nan, 0.5, nan, 0.8]),
                                                stat_hi=np.array([nan, 2.0, 1.25, nan])))
    e = modelfit.log_errors(b, [1, 2, 3, 4], floor_dex=0.01)
    expected_stat = np.array([0.0, np.log10(2.0), np.log10(1.25), np.log10(1 / 0.8)])
    assert np.allclose(e, np.sqrt(0.01**2 + expected_stat**2))


def test_convection_model_matches_library_and_recovers_sigma():
    ell = np.arange(3, 31)
    y = modelfit.model_log10("convection", ell, [20.0])
    C = convection.C_ell_power_law(ell, 5 / 3, 10.0, sigma=20.0, g=4.7, v=modelfit.C_KM_S)
    assert np.allclose(10**y, C, rtol=1e-12)
    res = modelfit.fit_model("convection", ell, C, np.full(ell.size, 0.012))
    assert res.value("sigma") == pytest.approx(20.0, rel=1e-8) and res.chi2 < 1e-10
    # free gamma recovers gamma
    C2 = convection.C_ell_power_law(ell, 2.4, 10.0, sigma=30.0, g=4.7, v=modelfit.C_KM_S)
    r2 = modelfit.fit_model("convection-gamma", ell, C2, np.full(ell.size, 0.012))
    assert r2.value("gamma") == pytest.approx(2.4, rel=1e-6) and r2.value("sigma") == pytest.approx(30.0, rel=1e-5)


def test_conventions_scale_sigma():
    ell = np.arange(3, 31)
    C = convection.C_ell_power_law(ell, 5 / 3, 10.0, sigma=20.0, g=4.7, v=modelfit.C_KM_S)
    s = np.full(ell.size, 0.012)
    half = modelfit.fit_model("convection", ell, C, s, half=True).value("sigma")
    tail = modelfit.fit_model("convection", ell, C, s, sigma_def="tail").value("sigma")
    assert half == pytest.approx(20.0 / np.sqrt(2), rel=1e-7)
    assert tail == pytest.approx(20.0 / np.sqrt(2 / 3), rel=1e-7)


def test_am15a_equals_free_gamma_convection():
    # candidate (a) with beta = (1-gamma)/2 has the Zhang shape: identical best fits
    ell = np.arange(3, 31)
    rng = np.random.default_rng(3)
    C = convection.C_ell_power_law(ell, 2.8, 10.0, sigma=50.0, v=modelfit.C_KM_S) * 10 ** rng.normal(0, 0.05, ell.size)
    s = np.full(ell.size, 0.05)
    r_conv = modelfit.fit_model("convection-gamma", ell, C, s)
    r_a = modelfit.fit_model("am15a", ell, C, s)
    assert r_a.chi2 == pytest.approx(r_conv.chi2, rel=1e-6)
    assert r_a.value("beta") == pytest.approx((1 - r_conv.value("gamma")) / 2, rel=1e-5)


def test_a14_model():
    hierarchy = pytest.importorskip("cranisotropy.hierarchy")
    ell = np.arange(3, 31)
    C = 2e-8 * hierarchy.asymptotic_ratio(ell)
    r = modelfit.fit_model("a14", ell, C, np.full(ell.size, 0.01))
    assert r.value("C1") == pytest.approx(2e-8, rel=1e-8)


def test_errors():
    with pytest.raises(TypeError, match="model"):
        modelfit.fit_log(3, [1, 2], [1, 2], [1, 1], [0])
    with pytest.raises(ValueError, match="more data points"):
        modelfit.fit_log(line, [1, 2], [1, 2], [1, 1], [0, 0])
    with pytest.raises(ValueError, match="s_log10"):
        modelfit.fit_log(line, [1, 2, 3], [1, 2, 3], [1, 0, 1], [0, 0])
    with pytest.raises(ValueError, match="same shape"):
        modelfit.fit_log(line, [1, 2, 3], [1, 2, 3], [1, 1], [0, 0])
    with pytest.raises(ValueError, match="names"):
        modelfit.fit_log(line, [1, 2, 3], [1, 2, 3], [1, 1, 1], [0, 0], names=("a",))
    with pytest.raises(ValueError, match="name"):
        modelfit.model_log10("kolmogorov", [3], [1.0])
    with pytest.raises(ValueError, match="parameters"):
        modelfit.model_log10("convection", [3], [1.0, 2.0])
    with pytest.raises(ValueError, match="C"):
        modelfit.fit_model("convection", [3, 4, 5], [1e-8, -1e-9, 1e-10], [0.1, 0.1, 0.1])
    with pytest.raises(ValueError, match="floor_dex"):
        modelfit.log_errors(None, [3], floor_dex=0)
