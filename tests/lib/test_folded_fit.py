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


def test_delta_aic_rows():
    recs = [{"label": "13 TeV", "energy_TeV": 13.0, "model": "a", "aic": 10.0},
            {"label": "13 TeV", "energy_TeV": 13.0, "model": "b", "aic": 12.5, "fits": False},
            {"label": "5 TeV", "energy_TeV": 5.0, "model": "a", "aic": 3.0}]
    assert F.delta_aic(recs) == {"13 TeV": {"a": 0.0, "b": 2.5}, "5 TeV": {"a": 0.0}}
    rows = F.delta_aic_rows(recs, fail_flag="*")
    assert [r[0] for r in rows] == ["5 TeV", "13 TeV"] and rows[0][2] is None
    assert [format(x, ".1f") for x in rows[1][1:]] == ["0.0", "2.5*"]
    assert rows[1][2] == 2.5 and isinstance(rows[1][2], F.Flagged)
    assert F.delta_aic_rows(recs, models=["b"])[1][1:] == [2.5]
    with pytest.raises(ValueError, match="empty"):
        F.delta_aic_rows([])


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


def test_verdict_rows():
    recs = [{"label": "13 TeV", "energy_TeV": 13.0, "model": "a", "fits": False},
            {"label": "5 TeV", "energy_TeV": 5.0, "model": "a", "fits": True},
            {"label": "5 TeV", "energy_TeV": 5.0, "model": "b", "fits": True}]
    assert F.verdict_rows(recs) == [["a", ["5 TeV"], ["13 TeV"]], ["b", ["5 TeV"], None]]
    assert F.verdict_rows(recs, models=["b"], labels={"b": "model B"}) == [["model B", ["5 TeV"], None]]
    with pytest.raises(ValueError, match="fits"):
        F.verdict_rows([{"label": "x", "energy_TeV": 1.0, "model": "a"}])
    with pytest.raises(ValueError, match="empty"):
        F.verdict_rows([])


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


def test_verdict_rows_mark_marginal():
    recs = [{"label": "5 TeV", "energy_TeV": 5.0, "model": "a", "fits": True, "marginal": True}]
    assert F.verdict_rows(recs) == [["a", ["5 TeV (marginal)"], None]]


# -- the whole comparison (compare_models and what the chapter draws from it) ---------------------------
@pytest.fixture(scope="module")
def comparison(reg):
    from cranisotropy import decision_rules as D
    from cranisotropy.data import load_icecube12yr

    ic = load_icecube12yr()
    resp = O.response(-20.0, nside=None, lmax=12, lmax_sky=40)
    bins = [ic["240 TeV"], ic["13 TeV"]]                      # given out of order: sorted by energy
    noise = {"13 TeV": 1e-11, "240 TeV": 3e-10}
    models = {"eq21": reg["eq21"], "noise-only": reg["noise-only"]}
    return F.compare_models(resp, models, bins, noise, D.GoodnessOfFitRule(0.05, 40), rng=np.random.default_rng(5),
                            ell_max=12, n_moment_mocks=200)


def test_compare_models(comparison):
    C = comparison
    assert C.labels == ["13 TeV", "240 TeV"] and list(C.models) == ["eq21", "noise-only"]
    assert len(C.records) == 4 and C.seconds > 0
    assert [(r["label"], r["model"]) for r in C.records] == [(lab, m) for lab in C.labels for m in C.models]
    for r in C.records:
        res = C[r["label"], r["model"]]
        assert r["fits"] == (res.p_value >= 0.05) and 0 < res.p_value <= 1
        assert r["chi2"] == pytest.approx(res.chi2) and r["dof"] == 12 - res.k
    # 13 TeV lies far above the noise: noise alone cannot fit it
    assert "noise-only" not in C.fitting(label="13 TeV")
    assert C.n_fit == sum(r["fits"] for r in C.records) and 0 <= C.n_marginal <= 4
    assert C.fitting(model="eq21") == [r["label"] for r in C.records if r["model"] == "eq21" and r["fits"]]
    assert C.nearest(20.0) == "13 TeV" and C.nearest(1000.0) == "240 TeV"
    chk = C.check_none_fit(["13 TeV"], ["noise-only"])
    assert chk["condition"] and set(chk) == {"condition", "detail", "fitting"}
    assert C.check_none_fit(C.labels, list(C.models))["condition"] == (C.n_fit == 0)
    with pytest.raises(ValueError, match="exactly one"):
        C.fitting()
    with pytest.raises(ValueError, match="not in the comparison"):
        C.check_none_fit(["1 PeV"], ["eq21"])
    with pytest.raises(ValueError, match=">= 2 bins"):
        C.check_increasing("eq21", "C1", ["13 TeV"])


def test_compare_models_errors(resp, reg):
    from cranisotropy import decision_rules as D

    rule, rng = D.GoodnessOfFitRule(0.05, 20), np.random.default_rng(0)
    with pytest.raises(TypeError, match="resp"):
        F.compare_models("cap", {"eq21": reg["eq21"]}, [], {}, rule, rng=rng)
    with pytest.raises(ValueError, match="non-empty"):
        F.compare_models(resp, {}, [], {}, rule, rng=rng)
    with pytest.raises(ValueError, match="own name"):
        F.compare_models(resp, {"x": reg["eq21"]}, [], {}, rule, rng=rng)
    with pytest.raises(TypeError, match="SpectralModel"):
        F.compare_models(resp, {"eq21": "eq21"}, [], {}, rule, rng=rng)
    with pytest.raises(TypeError, match="GoodnessOfFitRule"):
        F.compare_models(resp, {"eq21": reg["eq21"]}, [], {}, 0.05, rng=rng)
    from cranisotropy.data import load_icecube12yr
    with pytest.raises(ValueError, match="no level"):
        F.compare_models(resp, {"eq21": reg["eq21"]}, [load_icecube12yr()["13 TeV"]], {}, rule, rng=rng, ell_max=12)


def test_check_increasing_can_fail(comparison):
    C = comparison
    up = C.check_increasing("eq21", "C1", ["13 TeV", "240 TeV"])
    down = C.check_increasing("eq21", "C1", ["240 TeV", "13 TeV"])
    assert up["condition"] != down["condition"] and set(up["C1"]) == {"13 TeV", "240 TeV"}


def test_profile_rows(comparison):
    rows = comparison.profile("eq21", "C1", np.logspace(-9, -4, 21), refine_points=5)
    assert [r["label"] for r in rows] == comparison.labels
    for r in rows:
        lo, hi = r["profile_68"]
        assert lo <= r["C1"] <= hi and isinstance(r["lower_limit_only"], bool)
    rec = next(r for r in comparison.records if r["model"] == "eq21")
    assert "profile_68" in rec["params"]["C1"]
    with pytest.raises(ValueError, match="no model"):
        comparison.profile("hierarchy", "nuT", [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="increasing"):
        comparison.profile("eq21", "C1", [1e-8, 1e-9, 1e-7])


def test_folded_bands(comparison):
    bands = F.folded_bands(comparison, n_draws=500, rng=np.random.default_rng(1))
    assert set(bands) == {(lab, m) for lab in comparison.labels for m in comparison.models}
    b = bands["13 TeV", "eq21"]
    assert np.all(b.lo[1] <= b.lo[0]) and np.all(b.lo[0] <= b.median) and np.all(b.median <= b.hi[0])
    with pytest.raises(TypeError, match="Comparison"):
        F.folded_bands({}, rng=np.random.default_rng(0))


def test_calibrate_rules(comparison):
    from cranisotropy import decision_rules as D

    cal = F.calibrate_rules(comparison, [["eq21", 200.0]], 12, np.random.default_rng(4))
    assert set(cal) == {"nominal", "false_rejection", "n_mocks", "per_model", "seconds"}
    assert cal["nominal"] == 0.05 and cal["n_mocks"] == 12 and list(cal["per_model"]) == ["eq21 @ 240 TeV"]
    entry = cal["per_model"]["eq21 @ 240 TeV"]
    assert entry["rate"] == cal["false_rejection"] and 0 < entry["binomial_p_vs_nominal"] <= 1
    assert D.calibration_check(cal["per_model"])["per_model"] == {"eq21 @ 240 TeV": entry["rate"]}
    with pytest.raises(ValueError, match="pairs"):
        F.calibrate_rules(comparison, [["hierarchy", 42.0]], 12, np.random.default_rng(0))
    with pytest.raises(TypeError, match="Comparison"):
        F.calibrate_rules(None, [["eq21", 42.0]], 12, np.random.default_rng(0))


def test_rule_record_and_tabulation_check(reg):
    from cranisotropy import decision_rules as D

    rec = F.rule_record(D.GoodnessOfFitRule(0.05, 200), ell_max=30)
    assert rec["alpha"] == 0.05 and rec["n_mocks"] == 200 and "l = 1..30" in rec["likelihood"]
    with pytest.raises(TypeError, match="GoodnessOfFitRule"):
        F.rule_record(0.05)
    grid = np.logspace(-2, 1, 61)
    tab = F.tabulated(reg["hierarchy"], 20, grid)
    chk = F.tabulation_check(tab, reg["hierarchy"], 20, grid)
    assert chk["condition"] and chk["max_rel_err"] < 1e-4
    coarse = F.tabulated(reg["hierarchy"], 20, np.logspace(-2, 1, 6))
    assert not F.tabulation_check(coarse, reg["hierarchy"], 20, np.logspace(-2, 1, 6), tolerance=1e-6)["condition"]
    with pytest.raises(TypeError, match="table"):
        F.tabulation_error("t", reg["hierarchy"], 20, grid)
    with pytest.raises(ValueError, match="increasing"):
        F.tabulation_error(tab, reg["hierarchy"], 20, [1.0, 0.5])
