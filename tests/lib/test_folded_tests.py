"""Calibrated tests through the forward model (folded_tests): p-values, false-rejection rates,
power, and the error paths."""

import numpy as np
import pytest

from cranisotropy import fit, folded_fit as F, folded_tests as FT, observation as O, spectral_models as SM


@pytest.fixture(scope="module")
def resp():
    return O.response(lmax=12, lmax_sky=40, nside=None)


@pytest.fixture(scope="module")
def eq21():
    return SM.registry()["eq21"]


def _data(resp, model, theta, rng, noise=1e-11):
    d = F.BinData("toy", 10.0, np.arange(1, 13), np.ones(12), noise)
    return F.BinData("toy", 10.0, d.ell, FT.mock_spectra(resp, model.spectrum(40, *theta), d, 1, rng)[0], noise)


def test_mock_spectra_and_band_power(resp, eq21):
    d = _data(resp, eq21, [1e-7], np.random.default_rng(1))
    m = FT.mock_spectra(resp, eq21.spectrum(40, 1e-7), d, 4000, np.random.default_rng(2))
    mean, _ = O.pseudo_cl_moments(resp, eq21.spectrum(40, 1e-7), d.noise)
    assert np.allclose(m.mean(0) / mean[1:13], 1, atol=0.1)
    assert FT.band_power(np.ones((2, 3)), [1, 2, 3], 2, 3).tolist() == [12.0, 12.0]
    with pytest.raises(ValueError, match="no multipole"):
        FT.band_power([1.0, 2.0], [1, 2], 5, 6)
    with pytest.raises(ValueError, match="last axis"):
        FT.band_power([1.0, 2.0], [1, 2, 3], 1, 2)
    with pytest.raises(TypeError, match="rng"):
        FT.mock_spectra(resp, eq21.spectrum(40, 1e-7), d, 3, 5)
    with pytest.raises(TypeError, match="BinData"):
        FT.mock_spectra(resp, eq21.spectrum(40, 1e-7), d.C, 3, np.random.default_rng(1))


def test_rejection_rates_tails():
    ref = np.arange(100.0)
    assert FT.rejection_rates([200.0, 50.0], ref, 0.05).rejected == 1
    assert FT.rejection_rates([-1.0, 50.0], ref, 0.05, reject_above=False).rejected == 1
    with pytest.raises(ValueError, match="alpha"):
        FT.rejection_rates([1.0], ref, 1.5)


def test_folded_mean_linear_and_not(resp, eq21):
    d = _data(resp, eq21, [1e-7], np.random.default_rng(1))
    model = F.low_multipoles_free(eq21, 2)
    theta = np.array([1e-7, 2e-7, 3e-8])
    assert np.allclose(FT.folded_mean(resp, model, d)(theta), FT.folded_mean(resp, model, d, theta0=theta)(theta),
                       rtol=1e-12)
    power = SM.registry()["power-law"]           # not linear in its slope: the exact evaluation is kept
    mean = FT.folded_mean(resp, power, d, theta0=[1e-9, -2.0])
    assert np.allclose(mean([1e-9, -3.0]), FT.folded_mean(resp, power, d)([1e-9, -3.0]))
    with pytest.raises(TypeError, match="SpectralModel"):
        FT.folded_mean(resp, "eq21", d)


def test_goodness_of_fit_true_and_wrong_model(resp, eq21):
    rng = np.random.default_rng(3)
    d = _data(resp, eq21, [1e-7], rng)
    ok = FT.goodness_of_fit(resp, eq21, d, rng=rng, n_reference=100, n_calibration=100, n_moment_mocks=200,
                            alternative=FT.power_law_tilt(4, 2.0))
    assert ok.p_value > 0.01 and ok.false_rejection.rate < 0.15 and ok.power.rate > ok.false_rejection.rate
    rec = ok.false_rejection_record()
    assert rec["n_mocks"] == 100 and rec["nominal"] == 0.05
    assert ok.power_record("steeper")["alternative"] == "steeper"
    steep = F.BinData("toy", 10.0, d.ell, d.C * (d.ell / 3.0) ** 3, d.noise)      # far from Eq. 21
    bad = FT.goodness_of_fit(resp, eq21, steep, rng=rng, n_reference=100, n_calibration=20, n_moment_mocks=200)
    assert bad.p_value < 0.05 and bad.power is None and bad.power_record("x") == {"none": "no alternative was simulated"}
    with pytest.raises(ValueError, match="alternative must return"):
        FT.goodness_of_fit(resp, eq21, d, rng=rng, n_reference=20, n_calibration=5, n_moment_mocks=200,
                           alternative=lambda sky: sky[:5])


def test_refit_chi2_errors(resp, eq21):
    rng = np.random.default_rng(4)
    d = _data(resp, eq21, [1e-7], rng)
    res = F.fit_bin(resp, eq21, d, rng=rng, n_moment_mocks=200)
    with pytest.raises(ValueError, match="columns"):
        FT.refit_chi2(resp, eq21, res, d, np.ones((3, 5)))
    with pytest.raises(TypeError, match="FitResult"):
        FT.refit_chi2(resp, eq21, {"chi2": 1}, d, np.ones((3, 12)))


def test_band_test_and_matched_amplitude(resp, eq21):
    rng = np.random.default_rng(5)
    d = _data(resp, eq21, [1e-7], rng, noise=1e-9)
    shape = eq21.spectrum(40, 1.0)
    A = FT.matched_amplitude(resp, d, shape, 6, 12)
    assert 0.3e-7 < A < 3e-7
    null = lambda n: FT.mock_spectra(resp, A * shape, d, n, rng)          # noqa: E731
    stat = lambda C: FT.band_power(C, d.ell, 2, 4) / FT.band_power(C, d.ell, 6, 12)   # noqa: E731
    t = FT.band_test(stat, d, null(400), null(200), alternative_mocks=FT.mock_spectra(
        resp, A * shape + np.r_[0, 0, 5 * shape[2:5] * A, np.zeros(36)], d, 200, rng))
    assert t.p_value > 0.01 and t.false_rejection.rate < 0.12 and t.power.rate > 0.5
    with pytest.raises(ValueError, match="shape must have"):
        FT.matched_amplitude(resp, d, shape[:10], 6, 12)
    with pytest.raises(TypeError, match="callable"):
        FT.band_test(3.0, d, null(10), null(10))


def test_replace_tail_and_tilt(resp, eq21):
    d = _data(resp, eq21, [1e-7], np.random.default_rng(6))
    alt = FT.replace_tail(resp, d, 6, -2.0)(eq21.spectrum(40, 1e-7))
    assert np.allclose(alt[:6], eq21.spectrum(40, 1e-7)[:6])
    assert np.allclose(alt[7:] / alt[6:-1], (np.arange(7, 41) / np.arange(6, 40)) ** -2.0)
    with pytest.raises(ValueError, match="beyond the data"):
        FT.replace_tail(resp, d, 20, -2.0)
    assert FT.power_law_tilt(3, -1.0)(np.ones(5)).tolist() == [1.0, 1.0, 1.0, 1.0, 0.75]


def test_slope_consistency(resp):
    rng = np.random.default_rng(7)
    model = SM.registry()["power-law"]
    bins = {}
    for label, E, slope in (("a", 10.0, -3.0), ("b", 30.0, -3.0), ("c", 100.0, -3.0)):
        bins[label] = F.BinData(label, E, np.arange(1, 13), np.ones(12), 1e-12)
        bins[label] = F.BinData(label, E, np.arange(1, 13), FT.mock_spectra(
            resp, model.spectrum(40, 1e-8, slope), bins[label], 1, rng)[0], 1e-12)
    fits = FT.slope_fits(resp, model, bins, rng=rng, n_moment_mocks=200)
    assert [f.label for f in fits] == ["a", "b", "c"] and all(np.isfinite(f.error) and f.error > 0 for f in fits)
    t = FT.slope_consistency(resp, model, fits, rng=rng, n_reference=300, n_calibration=200,
                             alternative=lambda E, b: b + 2.0 * np.log10(E / 30.0))
    assert t.p_value > 0.01 and t.false_rejection.rate < 0.12 and t.power.rate > t.false_rejection.rate
    assert t.values["dof"] == 2
    with pytest.raises(ValueError, match="at least two"):
        FT.slope_consistency(resp, model, fits[:1], rng=rng)
    with pytest.raises(ValueError, match="slope"):
        FT.slope_fits(resp, SM.registry()["eq21"], bins, rng=rng)


def test_band_statistic_slope_trend_and_rejection_claim_power():
    stat = FT.band_statistic([1, 2, 3], 1, 2)
    assert stat(np.ones((2, 3))).tolist() == [8.0, 8.0]
    with pytest.raises(ValueError, match="no multipole"):
        FT.band_statistic([1, 2, 3], 1, 2, over=(7, 9))
    assert FT.slope_trend(1.0, 10.0)(100.0, -2.0) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="pivot_TeV"):
        FT.slope_trend(1.0, 0.0)
    d = F.BinData("toy", 10.0, np.arange(1, 4), np.full(3, 10.0), 0.0)
    rng = np.random.default_rng(8)
    t = FT.band_test(FT.band_statistic(d.ell, 1, 3), d, rng.exponential(size=(500, 3)), rng.exponential(size=(300, 3)))
    rec = t.power_of_rejection_claim("isotropy")
    assert rec["rate"] == pytest.approx(1 - t.false_rejection.rate) and rec["n_mocks"] == 300


def test_calibrated_bins(resp):
    from cranisotropy.data import load_icecube12yr
    ic = load_icecube12yr()
    bins = FT.calibrated_bins(O.response(lmax=40, lmax_sky=60, nside=None), ic, np.random.default_rng(9))
    assert list(bins) == [b.label for b in ic]
    assert all(d.ell[0] == 1 and d.ell[-1] == 40 and d.noise > 0 for d in bins.values())
    assert bins["13 TeV"].noise < bins["5.3 PeV"].noise            # fewer events at high energy: more noise


def test_judged_records_the_binomial_error_of_the_p_value():
    from cranisotropy import decision_rules

    rr = decision_rules.RejectionRate(10, 200, 0.95, 0.02, 0.09)
    t = FT.CalibratedTest(p_value=0.2, statistic=3.0, n_reference=100, false_rejection=rr, power=None, alpha=0.05)
    kw = t.judged("a statistic", "an alternative")
    assert kw["values"]["n_reference"] == 100
    assert kw["values"]["p_value_mc_error"] == pytest.approx(0.04)
