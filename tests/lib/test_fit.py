"""The one fitting layer: generalised least squares, lines, power laws, mock p-values."""

import numpy as np
import pytest
from scipy import stats

from cranisotropy import fit


def test_line_matches_weighted_formula():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 10, 40)
    s = np.linspace(0.5, 2.0, 40)
    y = 1.5 - 0.3 * x + rng.normal(0, s)
    res = fit.line(x, y, sigma=s)
    coef, cov = np.polyfit(x, y, 1, w=1 / s, cov="unscaled")
    assert res.values[::-1] == pytest.approx(coef, rel=1e-10)
    assert res.covariance[::-1, ::-1] == pytest.approx(cov, rel=1e-8)
    assert res.dof == 38 and res.p_value == pytest.approx(stats.chi2.sf(res.chi2, 38))


def test_full_covariance_differs_from_diagonal_and_is_right():
    # two perfectly correlated points carry the information of one: the GLS estimate of a
    # constant is the average weighted by C^-1 1
    C = np.array([[1.0, 0.9], [0.9, 1.0]]) + np.diag([0.0, 1.0])
    y = np.array([1.0, 3.0])
    res = fit.least_squares(lambda x, a: np.full(2, a), None, y, [0.0], names=("a",), cov=C)
    w = np.linalg.solve(C, np.ones(2))
    assert res.value("a") == pytest.approx(w @ y / w.sum(), rel=1e-7)
    assert res.error("a") == pytest.approx(1 / np.sqrt(w.sum()), rel=1e-6)
    r = y - res.value("a")
    assert res.chi2 == pytest.approx(r @ np.linalg.solve(C, r), rel=1e-7)


def test_power_law_slope_and_pivot():
    ell = np.arange(3, 41)
    c = 2e-9 * (ell / 10.0) ** (-8 / 3)
    res = fit.power_law(ell, c, sigma=0.02, pivot=10)
    assert res.value("slope") == pytest.approx(-8 / 3, abs=1e-12)
    assert res.value("log10_amplitude") == pytest.approx(np.log10(2e-9), abs=1e-12)
    assert res.chi2 == pytest.approx(0, abs=1e-18)
    assert res.extra["pivot"] == 10


def test_errors_are_not_rescaled_by_scatter():
    # errors from the stated sigma only: a bad fit keeps its formal errors (no Birge ratio)
    x = np.arange(10.0)
    y_good = 2 * x
    y_bad = 2 * x + np.where(np.arange(10) % 2, 5.0, -5.0)
    e_good = fit.line(x, y_good, sigma=1.0).errors
    e_bad = fit.line(x, y_bad, sigma=1.0).errors
    assert e_good == pytest.approx(e_bad)
    assert fit.line(x, y_bad, sigma=1.0).chi2 > 100


def test_result_summary_and_p_value_replacement():
    res = fit.power_law([1, 2, 4, 8], [1, 0.5, 0.26, 0.12], sigma=0.05, model_name="pl")
    d = res.to_dict()
    assert set(d) >= {"model", "params", "chi2", "dof", "p_value", "aic"}
    assert d["aic"] == pytest.approx(res.chi2 + 4)
    assert d["params"]["slope"]["error"] > 0
    mocked = res.with_p_value(0.2, "mocks (n=200)")
    assert mocked.p_value == 0.2 and mocked.p_value_method == "mocks (n=200)" and res.p_value != 0.2
    with pytest.raises(ValueError, match="p_value"):
        res.with_p_value(1.5, "mocks")
    with pytest.raises(KeyError, match="parameters are"):
        res.value("nope")


def test_mock_p_value_is_calibrated():
    rng = np.random.default_rng(3)
    null = rng.chisquare(5, size=400)
    ps = [fit.mock_p_value(o, null)[0] for o in rng.chisquare(5, size=2000)]
    assert np.mean(np.array(ps) <= 0.05) == pytest.approx(0.05, abs=0.015)
    assert fit.mock_p_value(1e9, null)[0] == pytest.approx(1 / 401)


@pytest.mark.parametrize("kwargs, match", [
    (dict(sigma=None, cov=None), "exactly one"),
    (dict(sigma=[1.0, -1.0, 1.0]), "sigma must be > 0"),
    (dict(cov=np.eye(2)), "shape"),
    (dict(cov=-np.eye(3)), "positive definite"),
])
def test_bad_errors_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit.line([0, 1, 2], [0, 1, 2], **kwargs)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="different x"):
        fit.line([1, 1, 1], [0, 1, 2], sigma=1)
    with pytest.raises(ValueError, match="c must be > 0"):
        fit.power_law([1, 2, 3], [1, 0, 2], sigma=0.1)
    with pytest.raises(ValueError, match="names"):
        fit.least_squares(lambda x, a: x * a, np.arange(3.0), np.arange(3.0), [1.0], names=("a", "b"), sigma=1)
    with pytest.raises(ValueError, match="at least as many"):
        fit.least_squares(lambda x, a, b: x * a + b, np.arange(1.0), np.arange(1.0), [1.0, 0.0],
                          names=("a", "b"), sigma=1)
    with pytest.raises(TypeError, match="callable"):
        fit.least_squares(3, [0], [0], [1], names=("a",), sigma=1)


# -- additions of issue 13: amplitude, spectrum, Birge-scaled errors, RSS criteria ---------------
def test_amplitude_is_weighted_mean_in_log():
    rng = np.random.default_rng(2)
    shape = np.linspace(1.0, 0.1, 12)
    s = np.linspace(0.01, 0.05, 12)
    c = 3e-8 * shape * 10 ** rng.normal(0, s)
    res = fit.amplitude(c, shape, sigma=s)
    w = 1 / s**2
    assert res.value("log10_amplitude") == pytest.approx(np.sum(w * np.log10(c / shape)) / w.sum(), rel=1e-12)
    assert res.error("log10_amplitude") == pytest.approx(1 / np.sqrt(w.sum()), rel=1e-12)
    assert res.dof == 11 and res.rms == pytest.approx(np.sqrt(np.mean(res.residuals**2)))
    with pytest.raises(ValueError, match="same shape"):
        fit.amplitude([1.0, 2.0], [1.0], sigma=0.1)
    with pytest.raises(ValueError, match="shape must be > 0"):
        fit.amplitude([1.0, 2.0], [1.0, -1.0], sigma=0.1)


def test_spectrum_fits_registry_models():
    from cranisotropy import convection, hierarchy, spectral_models
    reg = spectral_models.registry()
    ell = np.arange(3, 31)
    C = 2e-8 * hierarchy.asymptotic_ratio(ell)
    assert fit.spectrum(reg["eq21"], ell, C, sigma=0.01).value("C1") == pytest.approx(2e-8, rel=1e-8)
    C = convection.C_ell_power_law(ell, 5 / 3, 10.0, sigma=20.0, g=4.7, v=spectral_models.C_KM_S)
    res = fit.spectrum(reg["convection"], ell, C, sigma=0.012)
    assert res.value("sigma") == pytest.approx(20.0, rel=1e-7) and res.model == "convection"
    assert res.extra["sigma_def"] == "kE"
    # candidate (a) of AM15 with beta = (1-gamma)/2 has the convection shape: identical best fits
    rng = np.random.default_rng(3)
    C = convection.C_ell_power_law(ell, 2.8, 10.0, sigma=50.0, v=spectral_models.C_KM_S) * 10 ** rng.normal(0, 0.05, ell.size)
    r_conv = fit.spectrum(reg["convection-gamma"], ell, C, sigma=0.05)
    r_a = fit.spectrum(reg["am15a"], ell, C, sigma=0.05)
    assert r_a.chi2 == pytest.approx(r_conv.chi2, rel=1e-6)
    assert r_a.value("beta") == pytest.approx((1 - r_conv.value("gamma")) / 2, rel=1e-5)
    with pytest.raises(TypeError, match="spectral model"):
        fit.spectrum(object(), ell, C, sigma=0.05)
    with pytest.raises(ValueError, match="c must be > 0"):
        fit.spectrum(reg["eq21"], [3, 4, 5], [1e-8, -1e-9, 1e-10], sigma=0.1)


def test_birge_errors_and_rss_criteria():
    x = np.arange(10.0)
    good = fit.line(x, 2 * x + np.where(np.arange(10) % 2, 0.01, -0.01), sigma=1.0)
    bad = fit.line(x, 2 * x + np.where(np.arange(10) % 2, 5.0, -5.0), sigma=1.0)
    assert np.array_equal(fit.birge_errors(good), good.errors)                # chi2/dof < 1: not scaled down
    assert fit.birge_errors(bad) == pytest.approx(bad.errors * np.sqrt(bad.chi2 / bad.dof))
    aic, bic = fit.rss_criteria(bad)
    base = 10 * np.log(np.mean(bad.residuals**2))
    assert (aic, bic) == pytest.approx((base + 4, base + 2 * np.log(10)))
    with pytest.raises(TypeError, match="FitResult"):
        fit.birge_errors("no")
    with pytest.raises(TypeError, match="FitResult"):
        fit.rss_criteria(None)


def test_line_slopes_vectorised_equals_line():
    rng = np.random.default_rng(4)
    x = np.log10([13.0, 24.0, 42.0, 67.0])
    y = rng.normal(size=(5, 3, 4))
    sig = rng.uniform(0.1, 0.5, size=(3, 4))
    s, e = fit.line_slopes(x, y, 1 / sig**2)
    assert s.shape == e.shape == (5, 3)
    for i in range(5):
        for j in range(3):
            ref = fit.line(x, y[i, j], sigma=sig[j])
            assert s[i, j] == pytest.approx(ref.value("slope"), rel=1e-12)
            assert e[i, j] == pytest.approx(ref.error("slope"), rel=1e-12)
    with pytest.raises(ValueError, match="two weighted points"):
        fit.line_slopes(x, y[0, 0], [1.0, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="last axis"):
        fit.line_slopes(x, y[..., :3], 1.0)


def test_chi2_tail_is_scipy_stats_chi2_sf():
    from scipy import stats

    for dof in (1, 2, 5, 17, 80):
        for chi2 in (0.0, 0.3, 1.0, dof, 3.7 * dof, 500.0):
            assert fit._chi2_sf(chi2, dof) == float(stats.chi2.sf(chi2, dof))


def test_a_best_fit_on_its_bound_is_marked():
    x = np.linspace(0.0, 1.0, 12)
    y = 2.0 * x + 0.5
    free = fit.least_squares(lambda x, a, b: a * x + b, x, y, [1.0, 0.0], names=("a", "b"), sigma=0.1,
                             bounds=([0.0, 0.0], [5.0, 5.0]))
    assert "at_bound" not in free.extra
    capped = fit.least_squares(lambda x, a, b: a * x + b, x, y, [1.0, 0.0], names=("a", "b"), sigma=0.1,
                               bounds=([0.0, 0.0], [1.5, 5.0]))
    assert capped.extra["at_bound"] == ["a"] and capped.values[0] == pytest.approx(1.5)
