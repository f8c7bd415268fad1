import numpy as np
import pytest

from cranisotropy import fit, hierarchy
from cranisotropy import testparticle as tp
from cranisotropy import testparticle_statistics as st


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def test_bootstrap_of_a_mean_matches_the_standard_error(rng):
    x = rng.normal(5.0, 2.0, size=40)
    est, se, reps = st.bootstrap(lambda m: m, x, n_boot=4000, rng=rng)
    assert est == pytest.approx(x.mean(), rel=1e-12) and reps.shape == (4000,)
    assert se == pytest.approx(x.std(ddof=0) / np.sqrt(40), rel=0.1)
    # joint resampling: the same seeds for both arrays, so a ratio of equal samples has no error
    est, se, _ = st.bootstrap(lambda a, b: a / b, x, x, n_boot=100, rng=rng)
    assert est == pytest.approx(1.0) and se == pytest.approx(0.0, abs=1e-12)


def test_slope_weights_reproduce_the_fitting_layer(rng):
    x = np.sort(rng.uniform(0, 5, 9))
    ys = rng.normal(size=(4, 9))
    w = st.slope_weights(x)
    for y in ys:
        assert w @ y == pytest.approx(fit.line(x, y, sigma=1.0).value("slope"), rel=1e-10, abs=1e-12)


def test_efolding_rate_and_green_kubo_of_known_functions():
    t = np.linspace(0.01, 30, 3000)
    assert st.efolding_rate(t, np.exp(-1.7 * t)) == pytest.approx(1.7, rel=1e-4)
    # a damped oscillation falls to 1/e faster than its envelope
    acf = np.exp(-t) * np.cos(2 * t)
    assert st.efolding_rate(t, acf) > 1.5
    assert st.green_kubo(t, np.exp(-t / 0.4)) == pytest.approx(0.4 / 3, rel=1e-4)
    run = st.running_green_kubo(t, np.exp(-t / 0.4))
    assert run[-1] == pytest.approx(st.green_kubo(t, np.exp(-t / 0.4))) and np.all(np.diff(run) >= 0)
    rows = st._efolding_rows(t, np.array([np.exp(-2 * t), np.ones_like(t)]))
    assert rows[0] == pytest.approx(2.0, rel=1e-4) and np.isnan(rows[1])


def test_calibration_of_synthetic_diffusion(rng):
    # exact Ornstein-Uhlenbeck-like runs: msd = 6 D (t - tau (1 - e^(-t/tau))), vacf = e^(-t/tau), D = tau/3
    tau = 0.5
    t = np.linspace(0.05, 20, 400)
    msd = np.array([6 * tau / 3 * (t - tau * (1 - np.exp(-t / tau))) * f for f in (0.95, 1.0, 1.05)])
    vacf = np.array([np.exp(-t / tau)] * 3)
    c = st.calibration(t, msd, vacf, n_boot=200, rng=rng)
    assert c["D"] == pytest.approx(tau / 3, rel=0.01) and c["nu"] == pytest.approx(1 / (3 * c["D"]))
    assert c["D_err"] == pytest.approx(np.std(c["D_seed"], ddof=1) / np.sqrt(3))
    assert c["efold_rate"] == pytest.approx(1.0, rel=0.01)          # BGK: e-folds at nu
    assert c["D_green_kubo"] == pytest.approx(tau / 3, rel=0.01)


def test_sum_rule_per_axis_and_the_trivial_triad():
    S = np.full((4, 5, 3, 3), 4 * np.pi / 3)
    S[:, :, 1] *= np.array([1.3, 0.8, 0.9])          # each observer's three axes still add up to 4 pi
    S[:, :, 2] *= np.array([0.9, 1.05, 1.05])
    r = st.sum_rule(S)
    assert r["triad_sum"] < 1e-12
    assert r["mean"][1].tolist() == pytest.approx([1.3, 0.8, 0.9])
    assert np.all(r["se"][1] == 0) and np.all(r["pull"][1] == 0)      # no scatter: no error, pull 0
    S[0, :, 1, 0] *= 1.1
    r = st.sum_rule(S)
    assert r["se"][1, 0] > 0 and r["pull"][1, 0] > 0 and r["threshold"] > 2


def test_dipoles_and_the_coherent_split(rng):
    # M_A = a I / 3 for every observer: D = a n, |D|^2 = a^2, coherent = a^2, <d> = tr M = a
    a = np.array([1.0, 0.5, 0.1])
    M = np.zeros((6, 4, 3, 3, 3))
    M[...] = (a[:, None, None] * np.eye(3) / 3)[None, None]
    out = st.dipole_power(M, tp.AXES, n_boot=50, rng=rng)
    assert out["total"] == pytest.approx(a**2) and out["coherent"] == pytest.approx(a**2)
    assert out["d"] == pytest.approx(a) and out["vacf"] == pytest.approx(a)
    assert np.allclose(out["incoherent"], 0, atol=1e-14)
    # random dipoles of zero mean: all power incoherent
    M2 = rng.normal(size=(8, 50, 1, 3, 3))
    out2 = st.dipole_power(M2, tp.AXES, n_boot=50, rng=rng)
    assert out2["coherent"][0] < 0.1 * out2["total"][0]


def test_ratio_spectrum_plateau_and_errors(rng):
    ell = np.arange(48)
    true = np.where((ell >= 1) & (ell < 36), 18.0 / ((2 * ell + 1) * (ell + 1) * (ell + 2)), 0.0)
    seeds = true * rng.uniform(0.9, 1.1, size=(6, 1)) + 1e-3          # a white plateau of 1e-3
    r = st.ratio_spectrum(seeds[:, None, :], plateau_width=8, n_boot=200, rng=rng)
    assert r["ratio"].shape == (1, 48) and r["ratio"][0, 1] == pytest.approx(1.0)
    assert r["ratio"][0, 2:30] == pytest.approx(true[2:30], rel=1e-9)   # the plateau is removed exactly
    assert r["plateau_over_c1"][0] == pytest.approx(1e-3 / (np.mean(seeds[:, 1]) ), rel=1e-9)
    raw = st.ratio_spectrum(seeds[:, None, :], plateau_width=None, n_boot=20, rng=rng)
    assert raw["ratio"][0, 30] > 2 * true[30]
    assert np.all(r["err"][0, 2:20] >= 0)


def test_eq21_eq20_and_log_deviation():
    assert st.eq21(3)[1:].tolist() == pytest.approx([1.0, 0.3, 18 / 140])
    r = st.eq20_ratios([0.05, 30.0], 10)
    assert np.allclose(r[1], st.eq21(10), rtol=1e-6)
    assert np.allclose(r[0], hierarchy.spectrum(0.05, 10) / hierarchy.spectrum(0.05, 10)[1])
    dev = st.log_deviation(np.array([0, 1, -0.1, 0.15]), st.eq21(3), [2, 3])
    assert np.isnan(dev[0]) and dev[1] == pytest.approx(abs(np.log(0.15 / (18 / 140))))


def test_stationarity_detects_drift_and_a_settled_spectrum(rng):
    nu_T = np.array([0.0, 1, 2, 4, 8, 16])
    ell = np.arange(12)
    base = np.where(ell >= 1, 1.0 / np.maximum(ell, 1) ** 2, 0.0)
    drifting = np.array([base * np.where(ell >= 2, np.exp(0.2 * t), 1.0) for t in nu_T])
    settled = np.array([base * np.where(ell >= 2, 1 + 0.5 * np.exp(-t), 1.0) for t in nu_T])
    for ratio, expect in ((drifting, False), (settled, True)):
        reps = ratio[None] * rng.normal(1, 0.01, size=(50, 1, 1))
        spec = dict(ratio=ratio, replicates=reps)
        s = st.stationarity(spec, nu_T, np.arange(2, 12))
        assert s["stationary"] is expect
        assert s["k_half"] == 4 and s["change"][-1] == 0
    assert st.stationarity(dict(ratio=settled, replicates=settled[None] * np.ones((5, 1, 1))), nu_T,
                           np.arange(2, 12))["since"] <= 4


def test_spectral_slope_and_decay_rate(rng):
    ell = np.arange(48)
    ratio = np.where(ell >= 1, np.maximum(ell, 1.0) ** -2.5, 0)[None]
    spec = dict(ratio=ratio, replicates=ratio[None] * rng.normal(1, 0.02, size=(100, 1, 48)))
    s = st.spectral_slope(spec, 0, (10, 30))
    assert s["slope"] == pytest.approx(-2.5, abs=0.01) and 0 < s["err"] < 0.05
    nu_T = np.linspace(0, 5, 11)
    y = np.exp(-1.3 * nu_T) * rng.uniform(0.8, 1.2, size=(8, 1))
    d = st.decay_rate(nu_T, y, (1, 4), n_boot=300, rng=rng)
    assert d["rate"] == pytest.approx(1.3, rel=1e-9) and d["err"] < 1e-9
    assert np.allclose(d["local"], 1.3)


def test_two_sample_and_agreement_logic():
    t, dof = st.two_sample(np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([[2.0, 5.0], [4.0, 5.0], [3.0, 5.0]]))
    assert dof == 3 and t[1] == 0 and t[0] < 0


def test_rejects_bad_arguments(rng):
    with pytest.raises(ValueError, match="seeds"):
        st.bootstrap(lambda m: m, np.ones(1), rng=rng)
    with pytest.raises(TypeError, match="rng"):
        st.bootstrap(lambda m: m, np.ones(3), rng=0)
    with pytest.raises(ValueError, match="1/e"):
        st.efolding_rate([1.0, 2.0], [0.9, 0.8])
    with pytest.raises(ValueError, match="S"):
        st.sum_rule(np.ones((2, 3)))
    with pytest.raises(ValueError, match="width"):
        st.plateau(np.ones(5), 4)
    with pytest.raises(ValueError, match="window"):
        st.decay_rate([0, 1, 2], np.ones((3, 3)), (5, 6), rng=rng)
    with pytest.raises(ValueError, match="ell_range"):
        st.spectral_slope(dict(ratio=-np.ones((1, 40)), replicates=np.ones((3, 1, 40))), 0, (10, 30))
    with pytest.raises(ValueError, match="samples"):
        st.seed_mean([1.0])


def test_late_time_ratio_spectrum_of_a_dataset(tmp_path):
    from distributed import LocalCluster

    from cranisotropy import testparticle_runs as tr
    p = tr.parameters("quick", rigidities=[1.0, 0.5], n_seeds=3, field=dict(n_modes=8, k_ratio=100.0, spectral_index=5 / 3),
                      calibration=dict(n_particles=8, t_max=[4.0, 4.0], n_out=8), nu_T=[0, 0.5, 1.0, 2.0],
                      runs=[dict(name="spec", nside=4, n_observers=2, batch=2)])
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        ds = tr.run(p, cache_dir=tmp_path, scheduler=cluster, progress=False)
    path = tmp_path / "testparticle" / f"{tr.cache_key(p)}.nc"
    out = st.late_time_ratio_spectrum(0.5, path=path, plateau_width=2, ell_compare=6, n_boot=50)
    assert out["ell"].tolist() == list(range(12)) and out["ratio"][1] == pytest.approx(1.0)
    assert out["cov"].shape == (12, 12) and np.allclose(np.sqrt(np.diag(out["cov"])), out["err"], rtol=0.05, atol=1e-12)
    assert out["rigidity"] == 0.5 and out["nu_T"] == 2.0 and out["n_seeds"] == 3
    assert out["nu"] == pytest.approx(float(ds["nu"].values[1]))
    assert isinstance(out["stationary"], bool) and "stationarity" in out
    with pytest.raises(ValueError, match="rigidity"):
        st.late_time_ratio_spectrum(0.3, path=path)
    with pytest.raises(ValueError, match="run"):
        st.late_time_ratio_spectrum(0.5, path=path, run="sum")
    with pytest.raises(FileNotFoundError):
        st.late_time_ratio_spectrum(0.5, path=tmp_path / "missing.nc")


def test_bonferroni_p_inverts_the_threshold():
    for n_seeds, n_tests in ((3, 1), (10, 40), (30, 200)):
        thr = st.student_threshold(n_seeds, n_tests)
        assert st.bonferroni_p(thr, n_seeds, n_tests) == pytest.approx(0.05, rel=1e-9)
        assert st.bonferroni_p(1.5 * thr, n_seeds, n_tests) < 0.05 < st.bonferroni_p(0.7 * thr, n_seeds, n_tests)
    assert st.bonferroni_p(0.0, 5, 10) == 1.0
    with pytest.raises(ValueError, match="max_pull"):
        st.bonferroni_p(-1.0, 5, 10)
    with pytest.raises(ValueError, match="n_seeds"):
        st.bonferroni_p(1.0, 1, 10)


def test_ratio_table_of_the_full_dataset():
    t = st.ratio_table(0.1, 30)
    assert t["ratio"].shape == (t["nu_T"].size, 31) and t["nu_T"].size >= 5
    np.testing.assert_allclose(t["ratio"][:, 1], 1.0)
    assert np.all(t["ratio"][:, 1:] > 0) and np.all(np.diff(t["nu_T"]) > 0) and 0.0 in t["dropped"]
    with pytest.raises(ValueError, match="rigidity must be one of"):
        st.ratio_table(0.3, 30)
    with pytest.raises(ValueError, match="below the plateau"):
        st.ratio_table(0.1, 180)
    with pytest.raises(ValueError, match="run must name"):
        st.ratio_table(0.1, 30, run="nope")
