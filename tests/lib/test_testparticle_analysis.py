"""The chapter's sections of the test-particle experiment, on a tiny real run."""

import json

import numpy as np
import pytest

from cranisotropy import testparticle_analysis as ta
from cranisotropy import testparticle_runs as tr
from cranisotropy import testparticle_statistics as st
from cranisotropy.magnetic_plane_waves import make_field

TINY = dict(rigidities=[1.0, 0.5], n_seeds=3, field=dict(n_modes=8, k_ratio=100.0, spectral_index=5 / 3),
            calibration=dict(n_particles=8, t_max=[4.0, 4.0], n_out=8), nu_T=[0, 0.05, 0.5, 1.0, 2.0],
            runs=[dict(name="sum", nside=2, n_observers=3, batch=3), dict(name="spec", nside=4, n_observers=2, batch=2)])
KW = dict(ell_compare=6, plateau_width=2, slope_range=[3, 6])


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    from distributed import LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        return tr.run(tr.parameters("quick", **TINY), cache_dir=tmp_path_factory.mktemp("cache"), scheduler=cluster,
                      progress=False, command="test")


def _glue_ok(glue):
    for key, (value, fmt) in glue.items():
        assert isinstance(fmt, str), key
        format(value, fmt) if fmt else str(value)          # every value formats with its format


def test_engine_checks_pass_on_a_field_and_validate():
    f = make_field(seed=2, n_modes=16)
    e = ta.engine_checks(f, 0.5, 0.05, rng=np.random.default_rng(1), n_points=400, n_particles=6, n_steps=30)
    assert e["div_max"] < 1e-10 and e["speed_err"] < 1e-12 and e["rev_err"] < 1e-10
    assert abs(e["mean_square"] - 1) < 1e-14 and e["b2_err"] > 0
    assert e["glue"]["rg_check"] == (0.5, "g") and e["glue"]["n_modes"] == (16, "d")
    _glue_ok(e["glue"])
    # the same Generator state gives the same numbers (no hidden randomness)
    again = ta.engine_checks(f, 0.5, 0.05, rng=np.random.default_rng(1), n_points=400, n_particles=6, n_steps=30)
    assert again["b2_mean"] == e["b2_mean"] and again["rev_err"] == e["rev_err"]
    with pytest.raises(ValueError, match="rigidity"):
        ta.engine_checks(f, -1.0, 0.05, rng=np.random.default_rng(1))
    with pytest.raises(ValueError, match="n_steps"):
        ta.engine_checks(f, 1.0, 0.05, rng=np.random.default_rng(1), n_steps=0)


def test_summary_and_quick_parameters(ds):
    s = ta.dataset_summary(ds)
    assert s["is_full_set"] is False and s["same_source"] is True
    assert s["glue"]["full_seeds"][0] == 3 and s["glue"]["nside_spec"][0] == 4 and s["glue"]["lmax_spec"][0] == 11
    assert s["glue"]["source_same"][0] == "is identical to"
    _glue_ok(s["glue"])
    p = ta.quick_parameters(ds, n_seeds=2, nu_T=[0, 0.5, 1.0], n_particles=4, n_observers=2)
    assert p["nu"] == ds["nu"].values.tolist() and p["n_seeds"] == 2
    assert p["runs"] == [dict(name="sum", nside=2, n_observers=2, batch=2)] and p["calibration"]["n_particles"] == 4
    with pytest.raises(ValueError, match="n_observers"):
        ta.quick_parameters(ds, n_seeds=2, nu_T=[0, 1.0], n_particles=4, n_observers=0)


def test_a_dataset_agrees_with_itself(ds):
    wall = tr.attrs(ds)["provenance"]["wall_seconds"]
    q = ta.quick_summary(ds, ds, wall)                     # as long as the run took: computed now
    assert q["agreement"]["agrees"] and q["agreement"]["max_t"] == pytest.approx(0.0, abs=1e-9)
    assert len(q["table"]) == len(q["agreement"]["worst"]) and q["glue"]["quick_cached"][0] == "computed now"
    slow = ds.copy()                                        # a run that took longer than the chapter waited
    slow.attrs["provenance"] = json.dumps(dict(tr.attrs(ds)["provenance"], wall_seconds=wall + 10))
    assert ta.quick_summary(slow, ds, wall)["glue"]["quick_cached"][0] == "loaded from the cache"
    assert q["glue"]["agree_name_0"][0] == "S_A/S_0 axis 0" and q["table"][0][0] == "$S(T)/S(0)$, axis 0"
    assert not any("|" in str(cell) for row in q["table"] for cell in row)      # a markdown table can hold it
    _glue_ok(q["glue"])
    with pytest.raises(ValueError, match="seconds"):
        ta.quick_summary(ds, ds, -1.0)


def test_sections_reproduce_the_statistics_module(ds):
    rng = np.random.default_rng(5)
    cal = ta.calibration(ds, n_boot=40, rng=rng)
    ref = st.calibration(ds["cal_t"].values[0], ds["cal_msd"].values[0], ds["cal_vacf"].values[0], n_boot=40,
                         rng=np.random.default_rng(5))
    assert cal["cal"][0]["D"] == ref["D"] and cal["cal"][0]["efold_rate"] == ref["efold_rate"]
    assert cal["glue"]["mfp_0"][0] == pytest.approx(3 * ref["D"])
    assert np.allclose(cal["nu_dataset"], [c["nu"] for c in cal["cal"]])          # the run's own calibration
    rule = ta.sum_rule(ds)
    assert rule["n_tests"] == 2 * 4 * 3 and 0 <= rule["p_value"] <= 1
    assert all(np.allclose(s["mean"].sum(axis=-1), 3) for s in rule["per_rigidity"])   # the triad sums to 4 pi
    assert set(rule["truncated"]) == {(i, run) for i in range(2) for run in ("sum", "spec")}
    with pytest.raises(ValueError, match="early"):
        ta.sum_rule(ds, early=0.01)
    dec = ta.dipole_decay(ds, [0.5, 2.0], n_boot=40, rng=rng)
    assert all(dec["pixels_equal_anafast"]) and len(dec["decay"]) == 2
    assert dec["rate_dev"] == pytest.approx(max(abs(d["rate"] - 2) for d in dec["decay"]))
    with pytest.raises(ValueError, match="window"):
        ta.dipole_decay(ds, [2.0, 0.5], n_boot=40, rng=rng)
    spectra = ta.ratio_spectra(ds, n_boot=40, rng=rng, **KW)
    assert spectra["eq21"][1] == pytest.approx(1.0) and spectra["lmax"] == 11
    assert spectra["all_stationary"] == (spectra["reason_21"] == "")
    for s in spectra["spec"]:
        assert 1 <= s["kbest"] < len(ds["nu_T"]) and np.allclose(s["ratio"][:, 1][1:], 1)
    with pytest.raises(ValueError, match="ell_compare"):
        ta.ratio_spectra(ds, n_boot=40, rng=rng, **dict(KW, ell_compare=40))
    rig = ta.rigidity_comparison(ds, spectra, at_nu_T=(1, 2))
    assert rig["statistic"] == pytest.approx(float(rig["max_abs_ln"][-1])) and set(rig["glue"]) >= {"rig_dev_1", "rg_hi"}
    b = ta.setup_b(ds, cal["cal"], n_boot=40, rng=rng, **KW)
    assert len(b["checks"]) == 2 and b["threshold"] > 2 and {"z", "dB", "dB_err", "minus_3D"} <= set(b["checks"][0])
    with pytest.raises(ValueError, match="cal"):
        ta.setup_b(ds, cal["cal"][:1], n_boot=40, rng=rng, **KW)
    for g in (cal["glue"], rule["glue"], dec["glue"], spectra["glue"], rig["glue"], b["glue"]):
        _glue_ok(g)


def test_sections_draw_from_the_generator_in_a_fixed_order(ds):
    a = ta.dipole_decay(ds, [0.5, 2.0], n_boot=30, rng=np.random.default_rng(9))
    b = ta.dipole_decay(ds, [0.5, 2.0], n_boot=30, rng=np.random.default_rng(9))
    assert a["decay"][0]["err"] == b["decay"][0]["err"] and a["glue"] == b["glue"]


def test_the_agreement_check_can_fail(ds):
    """A quick run that differs from the full one (a diffusion coefficient larger by one unit, or
    every dipole moment at 80 %) is caught. (With three seeds the Welch test of D has ~2 degrees of
    freedom and a Bonferroni threshold near 19: a factor 3 in D passes it. The chapter's check
    is only as strong as its seed count.)"""
    bad_d = ds.copy(deep=True)
    bad_d["D_seed"] = ds["D_seed"] + 1.0
    assert not st.agreement(bad_d, ds)["agrees"]
    bad_m = ds.copy(deep=True)
    bad_m["sum_M_A"] = ds["sum_M_A"] * 0.8
    res = st.agreement(bad_m, ds)
    assert not res["agrees"] and res["max_t"] > res["threshold"]
