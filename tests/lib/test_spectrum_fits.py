"""Fits of the model spectra to the measured spectra (spectrum_fits): the procedures behind the verdicts."""

import dataclasses

import numpy as np
import pytest

from cranisotropy import data, fit, hierarchy, partial_sky, spectrum_fits as sf


@pytest.fixture(scope="module")
def ic():
    return data.load_icecube12yr()


def test_fit_range_stops_before_the_noise(ic):
    b = ic.nearest(13.0)
    m = sf.fit_range(b, 6, 3)
    ell = b.ell[m]
    assert ell.min() == 6 and np.all(np.diff(ell) == 1)
    assert b.above_noise(3)[ell - 1].all() and not b.above_noise(3)[ell.max()]
    with pytest.raises(TypeError, match="EnergyBin"):
        sf.fit_range(None)


def test_cosmic_variance_repeats_the_library_estimate():
    ell = np.arange(2, 10)
    assert np.allclose(sf.cosmic_variance_dex(ell, 0.3), np.log10(np.e) * np.sqrt(partial_sky.variance_estimate(ell, 0.3)))


def test_eq21_scaling_recovers_an_eq21_spectrum(ic):
    b = ic.nearest(20.0)
    C = np.where(b.ell >= 1, 4e-8 * hierarchy.asymptotic_ratio(b.ell), 0)
    fake = dataclasses.replace(b, C=C, noise_hi=np.full_like(b.noise_hi, 1e-15), stat_lo=np.full(40, np.nan),
                               stat_hi=np.full(40, np.nan))
    r = sf.eq21_scaling(fake)
    assert r["describes"] and r["pull"] == pytest.approx(0, abs=1e-8)
    assert r["log10_amplitude"] == pytest.approx(np.log10(4e-8), abs=1e-10)
    assert r["chi2_dof_meas"] == pytest.approx(0, abs=1e-12)
    steeper = dataclasses.replace(fake, C=C * (b.ell / 10.0) ** -1.0)
    assert not sf.eq21_scaling(steeper)["describes"]


def test_eq21_scaling_table(ic):
    table = sf.eq21_scaling_table(ic)
    assert len(table) == 9
    assert table[-1]["verdict"] == "too few points above noise"
    r = table[1]
    assert r["bin"] == "24 TeV" and r["slope"] < r["slope_eq21"]
    f = fit.power_law(np.arange(6, 41), ic["24 TeV"].C[5:], sigma=data.log10_errors(ic["24 TeV"], np.arange(6, 41)))
    assert r["slope"] == pytest.approx(f.value("slope")) and r["slope_err"] == pytest.approx(fit.birge_errors(f)[1])


def test_models_fit_and_tie_break(ic):
    models = sf.zhang_liu_registry()
    assert list(models) == list(sf.ZHANG_LIU_MODELS)
    b = ic.nearest(10.0)
    ell = np.arange(3, 31)
    fits = sf.fit_models(models, ell, b.select(ell)["C"], data.log10_errors(b, ell))
    best = sf.best_by_rss_bic(fits)
    assert best == "convection-gamma"                 # tied with am15a (same shape): the first listed wins
    rec = sf.fit_record(fits["convection"])
    assert set(rec) == {"params", "errors", "errors_scaled", "chi2", "dof", "rms_dex", "aic", "bic", "aic_rss", "bic_rss"}


def test_single_ell_sigma_and_amplitude_linearity(ic):
    models = sf.zhang_liu_registry()
    b = ic.nearest(10.0)
    ell = np.arange(3, 31)
    one = sf.single_ell_sigma(models["convection"], ell, b.select(ell)["C"])
    assert one.shape == (28,) and one[0] > one[-1] > 0                 # the data fall faster than l^(-8/3)
    with pytest.raises(ValueError, match="sigma"):
        sf.single_ell_sigma(models["a14"], ell, b.select(ell)["C"])
    assert sf.amplitude_linearity(models["am15b"], [1e-9, 0.7], ell) < 1e-14
    assert sf.amplitude_linearity(models["convection"], [10.0], ell) == pytest.approx(9.0)   # C ~ sigma^2, not linear
