import numpy as np
import pytest

from cranisotropy import fit, hierarchy
from cranisotropy import folded_fit as F
from cranisotropy import observation as O
from cranisotropy import spectral_models as SM


@pytest.fixture(scope="module")
def resp():
    return O.response(-20.0, nside=None, lmax=20, lmax_sky=60)


@pytest.fixture(scope="module")
def reg():
    return SM.registry()


def mean_data(resp, model, theta, noise=1e-11, seed=0):
    """Data equal to the expected log10 C~ of the model (a noiseless stand-in for the truth)."""
    proto = F.BinData("toy", 10.0, np.arange(1, resp.lmax + 1), np.ones(resp.lmax), noise)
    mu, _ = F.folded_moments(resp, model, theta, proto, n_mocks=4000, rng=np.random.default_rng(seed))
    return F.BinData("toy", 10.0, proto.ell, 10**mu, noise)


def test_bindata_validation():
    d = F.BinData("x", 1.0, [1, 2, 3], [1.0, 2.0, 3.0], 0.1)
    assert np.allclose(d.y, np.log10([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="consecutive"):
        F.BinData("x", 1.0, [1, 3], [1.0, 2.0], 0.1)
    with pytest.raises(ValueError, match="C must be > 0"):
        F.BinData("x", 1.0, [1, 2], [1.0, 0.0], 0.1)
    with pytest.raises(ValueError, match="same shape"):
        F.BinData("x", 1.0, [1, 2], [1.0], 0.1)
    with pytest.raises(ValueError, match="noise"):
        F.BinData("x", 1.0, [1, 2], [1.0, 1.0], -0.1)


def test_low_multipoles_free(reg):
    m = F.low_multipoles_free(reg["convection"], 2)
    assert m.params == ("sigma", "C_1", "C_2") and m.ell_min == 1
    c = m.cl(np.arange(1, 6), 20.0, 3e-7, 2e-7)
    assert c[0] == 3e-7 and c[1] == 2e-7
    assert np.allclose(c[2:], reg["convection"].cl(np.arange(3, 6), 20.0))
    with pytest.raises(TypeError):
        F.low_multipoles_free("convection")


def test_tabulated_hierarchy_is_accurate(reg):
    tab = F.tabulated(reg["hierarchy"], 60, np.logspace(-3, 2, 151))
    for nuT in (0.0123, 0.37, 4.1):
        exact = reg["hierarchy"].spectrum(60, 1e-6, nuT)
        approx = tab.spectrum(60, 1e-6, nuT)
        ok = exact > 1e-30 * exact[1]
        assert np.max(np.abs(approx[ok] / exact[ok] - 1)) < 1e-4
    with pytest.raises(ValueError, match="outside the table"):
        tab.function(np.arange(1, 5), 1.0, 200.0)
    with pytest.raises(ValueError, match="2 parameters"):
        F.tabulated(reg["eq21"], 60, np.logspace(-3, 2, 10))
    with pytest.raises(ValueError, match="not linear"):
        F.tabulated(reg["convection-gamma"], 30, np.linspace(1.0, 2.0, 10))
    with pytest.raises(ValueError, match="increasing"):
        F.tabulated(reg["hierarchy"], 60, [1.0, 0.5, 2.0, 3.0])


def test_reference_spectrum_reproduces_the_data(resp, reg):
    d = mean_data(resp, reg["eq21"], [2e-7])
    ref = F.reference_spectrum(resp, d)
    mean, _ = O.pseudo_cl_moments(resp, ref, d.noise)
    # the deconvolution matches <C~>, which lies above the data (the data here are <log10 C~>)
    assert np.all(ref >= 0) and ref[0] == 0 and np.all(ref[resp.lmax + 1:] == 0)
    assert np.median(np.abs(np.log10(mean[d.ell] / d.C))) < 0.3


def test_fit_recovers_the_truth(resp, reg):
    rng = np.random.default_rng(1)
    d = mean_data(resp, reg["eq21"], [2e-7])
    res = F.fit_bin(resp, reg["eq21"], d, rng=rng)
    assert res.value("C1") == pytest.approx(2e-7, rel=0.02)
    assert res.chi2 < 2.0 and res.dof == resp.lmax - 1
    assert res.extra["chi2_common"] >= 0 and np.isfinite(res.extra["last_step_sigma"])
    d = mean_data(resp, reg["power-law"], [1e-9, -2.5])
    res = F.fit_bin(resp, reg["power-law"], d, rng=rng, starts=[{"slope": -1.0}, {"slope": -3.0}])
    assert res.value("slope") == pytest.approx(-2.5, abs=0.05)
    rec = F.comparison_record(res)
    assert rec["aic"] == pytest.approx(rec["chi2_common"] + 4)
    assert set(rec) >= {"energy_TeV", "model", "params", "chi2", "dof", "p_value", "aic"}


def test_noise_only_and_profile(resp, reg):
    rng = np.random.default_rng(2)
    d = mean_data(resp, reg["broken-power-law"], [1e-9, 5.0, -1.0, -3.0])
    res = F.fit_bin(resp, reg["broken-power-law"], d, rng=rng, profile=("l_break", [3.5, 4.5, 5.5, 6.5]))
    assert res.names == reg["broken-power-law"].params
    assert res.dof == d.ell.size - 4 and res.value("l_break") in (4.5, 5.5)
    assert res.error("l_break") >= 0.5
    noise = F.fit_bin(resp, reg["noise-only"], d, rng=rng)
    assert noise.k == 0 and noise.dof == d.ell.size and noise.chi2 > 100


def test_mock_p_value_is_calibrated_for_a_linear_model(resp, reg):
    rng = np.random.default_rng(3)
    truth = mean_data(resp, reg["eq21"], [2e-7])
    res = F.fit_bin(resp, reg["eq21"], truth, rng=rng)
    chi2 = F.mock_chi2(resp, reg["eq21"], res, truth, 3000, rng)
    # mocks of the best fit, refitted: about n - k degrees of freedom
    assert np.mean(chi2) == pytest.approx(truth.ell.size - 1, rel=0.15)
    out = F.mock_p_value(resp, reg["eq21"], res, truth, 200, rng)
    assert out.p_value_method.startswith("mocks (n=200") and out.p_value > 0.5


def test_assess_and_mock_data(resp, reg):
    rng = np.random.default_rng(4)
    truth = mean_data(resp, reg["eq21"], [2e-7])
    mock = F.mock_data(resp, reg["eq21"], [2e-7], truth, rng)
    assert mock.ell.tolist() == truth.ell.tolist() and not np.allclose(mock.C, truth.C, rtol=1e-3, atol=0)
    res = F.assess(resp, reg["eq21"], mock, rng=rng, n_mocks=100)
    assert 0 < res.p_value <= 1 and res.p_value_method.startswith("mocks")


def test_profile_chi2_and_interval(resp, reg):
    rng = np.random.default_rng(5)
    d = mean_data(resp, reg["power-law"], [1e-9, -2.5])
    res = F.fit_bin(resp, reg["power-law"], d, rng=rng)
    g = np.linspace(-3.0, -2.0, 11)
    c = F.profile_chi2(resp, reg["power-law"], d, res, "slope", g)
    assert np.argmin(c) == 5
    iv = F.profile_interval(g, c)
    assert iv["lo"] < -2.5 < iv["hi"] and not iv["lo_open"] and not iv["hi_open"]
    par = F.profile_interval([0.0, 1.0, 2.0, 3.0, 4.0], [4.0, 1.0, 0.0, 1.0, 4.0])
    assert par == {"best": 2.0, "lo": 1.0, "hi": 3.0, "lo_open": False, "hi_open": False}
    edge = F.profile_interval([0.0, 1.0, 2.0], [0.0, 0.5, 3.0])
    assert edge["lo_open"] and edge["lo"] == 0.0 and edge["hi"] == pytest.approx(1.2)
    with pytest.raises(ValueError, match="increasing"):
        F.profile_interval([1.0, 0.0, 2.0], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="not a parameter"):
        F.profile_chi2(resp, reg["power-law"], d, res, "nuT", g)


def test_delta_aic_table():
    recs = [{"label": "13 TeV", "energy_TeV": 13.0, "model": "a", "aic": 10.0},
            {"label": "13 TeV", "energy_TeV": 13.0, "model": "b", "aic": 12.5, "fits": False},
            {"label": "5 TeV", "energy_TeV": 5.0, "model": "a", "aic": 3.0}]
    assert F.delta_aic(recs) == {"13 TeV": {"a": 0.0, "b": 2.5}, "5 TeV": {"a": 0.0}}
    table = F.delta_aic_table(recs, fail_mark="*")
    lines = table.splitlines()
    assert lines[0] == "| energy | a | b |" and lines[2].startswith("| 5 TeV |")
    assert lines[3] == "| 13 TeV | 0.0 | 2.5* |"
    with pytest.raises(ValueError, match="empty"):
        F.delta_aic_table([])


def test_errors(resp, reg):
    d = F.BinData("x", 1.0, np.arange(1, 31), np.ones(30), 0.1)
    with pytest.raises(ValueError, match="lmax"):
        F.fit_bin(resp, reg["eq21"], d, rng=np.random.default_rng(0))
    d = F.BinData("x", 1.0, np.arange(1, 11), np.ones(10), 0.1)
    with pytest.raises(TypeError, match="rng"):
        F.fit_bin(resp, reg["eq21"], d, rng=0)
    with pytest.raises(ValueError, match="starts"):
        F.fit_bin(resp, reg["eq21"], d, rng=np.random.default_rng(0), starts=[{"slope": 1.0}])
    with pytest.raises(ValueError, match="profile"):
        F.fit_bin(resp, reg["eq21"], d, rng=np.random.default_rng(0), profile=("nuT", [1.0, 2.0]))
    with pytest.raises(ValueError, match="profile grid"):
        F.fit_bin(resp, reg["broken-power-law"], d, rng=np.random.default_rng(0), profile=("l_break", [0.5, 2.0]))
    with pytest.raises(TypeError, match="SpectralModel"):
        F.folded_moments(resp, "eq21", [1.0], d, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="takes 1 parameters"):
        F.folded_moments(resp, reg["eq21"], [1.0, 2.0], d, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="EnergyBin"):
        F.bin_data(object(), 0.1)
    with pytest.raises(ValueError, match="fit_bin"):
        F.comparison_record(fit.line([0.0, 1.0, 2.0], [1.0, 2.0, 3.1], sigma=0.1))
    assert hierarchy  # the module under the table is importable


def test_verdict_table():
    recs = [{"label": "13 TeV", "energy_TeV": 13.0, "model": "a", "fits": False},
            {"label": "5 TeV", "energy_TeV": 5.0, "model": "a", "fits": True},
            {"label": "5 TeV", "energy_TeV": 5.0, "model": "b", "fits": True}]
    lines = F.verdict_table(recs).splitlines()
    assert lines[2] == "| a | 5 TeV | 13 TeV |" and lines[3] == "| b | 5 TeV | none |"
    with pytest.raises(ValueError, match="fits"):
        F.verdict_table([{"label": "x", "energy_TeV": 1.0, "model": "a"}])


def test_calibrate_rule(resp, reg):
    from cranisotropy import decision_rules as D
    truth = mean_data(resp, reg["eq21"], [2e-7])
    rate = F.calibrate_rule(resp, reg["eq21"], [2e-7], truth, D.GoodnessOfFitRule(0.2, 50), 15,
                            np.random.default_rng(6))
    assert rate.n == 15 and 0 <= rate.rejected <= 15 and rate.lo <= rate.rate <= rate.hi


def test_tabulated_amplitude_at(reg):
    tab = F.tabulated(reg["hierarchy"], 40, np.logspace(-3, 2, 151), amplitude_at=1)
    assert tab.params == ("C_1", "nuT")
    exact = reg["hierarchy"].spectrum(40, 1.0, 2.3)
    approx = tab.spectrum(40, exact[1], 2.3)
    assert approx[1] == pytest.approx(exact[1], rel=1e-12)
    assert np.allclose(approx[1:20], exact[1:20], rtol=1e-4)
    with pytest.raises(ValueError, match="amplitude_at"):
        F.tabulated(reg["hierarchy"], 40, np.logspace(-3, 2, 20), amplitude_at=50)


def test_verdict_table_marks_marginal():
    recs = [{"label": "5 TeV", "energy_TeV": 5.0, "model": "a", "fits": True, "marginal": True}]
    assert F.verdict_table(recs).splitlines()[2] == "| a | 5 TeV (marginal) | none |"
