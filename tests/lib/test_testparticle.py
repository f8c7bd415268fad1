import healpy as hp
import numpy as np
import pytest

from cranisotropy import testparticle as tp
from cranisotropy.magnetic_plane_waves import make_field


def test_zero_time_maps_give_initial_multipoles():
    nside = 16
    maps = tp.backtrack_sky(make_field(16, seed=0), [1.0, 2.0, 3.0], nside, 0.25, 0.0125, [0, 0])
    z = tp.sky_directions(nside) @ tp.AXIS
    assert np.allclose(maps["g"][0], z, rtol=0, atol=1e-15) and np.all(maps["dz"] == 0)
    # anafast is a quadrature: exact up to its iteration error (1e-4 at iter=3, 1e-5 at iter=10)
    for it, tol in ((3, 1e-4), (10, 1e-5)):
        cl = tp.spectra(maps["g"][0], iter=it)
        assert cl[1] == pytest.approx(4 * np.pi / 9, rel=tol)
        assert np.max(np.abs(np.delete(cl, 1))) < tol * cl[1]
        assert tp.truncated_sum(cl) == pytest.approx(4 * np.pi / 3, rel=tol)
    # pixel centres: 4 pi mean((p.n)^2) = 4 pi / 3 exactly for n at the magic angle to the pole
    assert tp.second_moment(maps["g"][0]) == pytest.approx(4 * np.pi / 3, rel=1e-13)
    assert tp.second_moment(tp.sky_directions(nside)[:, 2]) != pytest.approx(4 * np.pi / 3, rel=1e-4)


def test_sky_experiment_shapes_and_start():
    out = tp.sky_experiment(0.25, 1.6, [0, 0.05, 0.2], nside=4, n_observers=2, seeds=[0, 1],
                            field_kw=dict(n_modes=16))
    assert out["S_A"].shape == (2, 2, 3) and out["cl_A"].shape == (2, 2, 3, 12)
    assert np.allclose(out["S_A"][..., 0], 4 * np.pi / 3)
    assert np.allclose(out["d_A"][..., 0], 1)
    assert np.all(out["S_B"][..., 0] == 0)
    # Liouville: at nu T = 0.05 the second moment is (almost) unchanged
    assert np.max(np.abs(out["S_A"][..., 1] / out["S_A"][..., 0] - 1)) < 1e-2


def test_calibration_runs_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CRANISOTROPY_CACHE", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return tp.calibrate(1.0, seeds=[0, 1], n_particles=20, t_max=4.0, n_out=8,
                            field_kw=dict(n_modes=16))

    params = dict(rigidity=1.0, n=20)
    a, hit_a = tp.cached("cal", params, compute)
    b, hit_b = tp.cached("cal", params, compute)
    assert (hit_a, hit_b) == (False, True) and len(calls) == 1
    assert a["D"] > 0 and b["nu"] == pytest.approx(1 / (3 * a["D"]))
    assert tp.cache_key("cal", params) != tp.cache_key("cal", dict(params, n=21))


def test_statistics_helpers():
    t = np.linspace(0, 2, 9)
    gamma, err = tp.fit_decay_rate(t, 3 * np.exp(-1.7 * t), 0.01 * np.exp(-1.7 * t))
    assert gamma == pytest.approx(1.7, abs=1e-10)
    ell = np.arange(10, 31)
    s, e = tp.log_slope(ell, 5 * ell**-2.8, 0.1 * ell**-2.8)
    assert s == pytest.approx(-2.8, abs=1e-10)
    a = np.random.default_rng(0).normal(2, 0.1, size=(1000, 3))
    r, re = tp.ratio_of_means(a, a)
    assert np.allclose(r, 1) and np.allclose(re, 0, atol=1e-7)
    m, me = tp.mean_and_error(a)
    assert np.allclose(m, 2, atol=0.02) and np.allclose(me, 0.1 / np.sqrt(1000), rtol=0.1)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="nside"):
        tp.sky_directions(3)
    with pytest.raises(ValueError, match="steps"):
        tp.backtrack_sky(make_field(4), [0, 0, 0], 2, 1.0, 0.05, [3, 1])
    with pytest.raises(ValueError, match="dt"):
        tp.backtrack_sky(make_field(4), [0, 0, 0], 2, 1.0, -0.05, [1])
    with pytest.raises(ValueError, match="observer"):
        tp.backtrack_sky(make_field(4), [0, 0], 2, 1.0, 0.05, [1])
    with pytest.raises(ValueError, match="nu"):
        tp.sky_experiment(1.0, 0.0, [0, 1], nside=2, n_observers=1, seeds=[0])
    with pytest.raises(ValueError, match="y"):
        tp.fit_decay_rate([0, 1], [1, -1], [0.1, 0.1])
    with pytest.raises(ValueError, match="samples"):
        tp.mean_and_error([1.0])
