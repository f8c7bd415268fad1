import numpy as np
import pytest

from cranisotropy import boris
from cranisotropy import testparticle as tp
from cranisotropy.magnetic_plane_waves import make_field


@pytest.fixture(scope="module")
def field():
    return make_field(32, seed=4)


def test_axes_orthonormal_at_the_magic_angle():
    assert np.allclose(tp.AXES @ tp.AXES.T, np.eye(3), atol=1e-15)
    assert np.allclose(tp.AXES[:, 2] ** 2, 1 / 3)            # P_2(n_z) = 0 for every axis


def test_zero_time_summaries_are_the_initial_dipole(field):
    nside = 16
    out = tp.backtrack(field, [[1.0, 2.0, 3.0]], nside, 0.25, 0.0125, [0, 0])
    # pixel quadrature of 4 pi mean((p.n)^2) is exact at the magic angle
    assert np.allclose(out["S_A"], 4 * np.pi / 3, rtol=1e-13, atol=0)
    assert np.all(out["S_B"] == 0) and np.all(out["M_B"] == 0)
    d = tp.sky_directions(nside)
    assert np.allclose(out["M_A"][0, 0], d.T @ d / len(d), atol=1e-15)
    assert np.trace(out["M_A"][0, 0]) == pytest.approx(1.0, abs=1e-14)     # <v(0).v(0)> = 1
    for n in tp.AXES:                                                       # the dipole of each axis
        assert 3 * n @ out["M_A"][0, 0] @ n == pytest.approx(1.0, abs=1e-13)
    # anafast with iter = 0 (plain quadrature): C_1 = 4 pi/9 and nothing else, to 1e-6
    cl = out["cl_A"][0, 0]
    assert cl[1] == pytest.approx(4 * np.pi / 9, rel=1e-6)
    assert np.max(np.abs(np.delete(cl, 1))) < 1e-6 * cl[1]
    assert tp.truncated_sum(cl) == pytest.approx(4 * np.pi / 3, rel=2e-4)     # (2l+1)-weighted leakage


def test_setup_b_is_ballistic_at_first(field):
    # T << r_g: Delta x = -T p (back-tracking), so tr M_B = <Delta x . p> = -T and S_B = 4 pi T^2 / 3
    out = tp.backtrack(field, [[10.0, 20.0, 30.0]], 8, 10.0, 0.02, [0, 5])
    T = 0.1
    assert np.trace(out["M_B"][1, 0]) == pytest.approx(-T, rel=1e-3)
    assert np.allclose(out["S_B"][1, 0], 4 * np.pi * T**2 / 3, rtol=1e-3)
    assert np.allclose(out["M_B"][1, 0], -T * out["M_A"][0, 0], rtol=0, atol=1e-4)


def test_summaries_match_a_brute_force_computation(field):
    nside, x0, steps = 4, np.array([5.0, -3.0, 40.0]), [0, 7, 19]
    out = tp.backtrack(field, [x0], nside, 0.5, 0.025, steps)
    d = tp.sky_directions(nside)
    x, v = np.tile(x0, (len(d), 1)), d.copy()
    boris.push(x, v, field, 0.5, -0.025, 19)
    dx = x - x0
    j = 2
    for k, n in enumerate(tp.AXES):
        assert out["S_A"][j, 0, k] == pytest.approx(4 * np.pi * np.mean((v @ n) ** 2), rel=1e-12)
        assert out["S_B"][j, 0, k] == pytest.approx(4 * np.pi * np.mean((dx @ n) ** 2), rel=1e-12)
    assert np.allclose(out["M_A"][j, 0], v.T @ d / len(d), rtol=0, atol=1e-14)
    assert np.allclose(out["M_B"][j, 0], dx.T @ d / len(d), rtol=0, atol=1e-13)
    for key, maps in (("cl_A", v), ("cl_B", dx)):
        ref = np.mean([tp.spectra(maps @ n) for n in tp.AXES], axis=0)
        assert np.allclose(out[key][j, 0], ref, rtol=1e-8, atol=1e-14), key
    assert np.max(np.abs(dx)) > 0.1


def test_anafast_iter0_agrees_with_iter3_below_l30():
    f = make_field(256, seed=3)
    d = tp.sky_directions(16)
    x, v = np.full((len(d), 3), 5.0), d.copy()
    boris.push(x, v, f, 0.25, -0.0125, 200)                      # nu T ~ 4: much small-scale power
    g = v @ tp.AXES[0]
    c0, c3 = tp.spectra(g, iter=0), tp.spectra(g, iter=3)
    assert np.max(np.abs(c0[1:31] / c3[1:31] - 1)) < 0.02


def test_axis_average_of_spectra_is_frame_independent(field):
    d = tp.sky_directions(8)
    x, v = np.zeros((len(d), 3)), d.copy()
    boris.push(x, v, field, 0.5, -0.025, 60)
    xyz = tp.spectra(v.T).mean(axis=0)
    triad = tp.spectra((v @ tp.AXES.T).T).mean(axis=0)
    assert np.allclose(xyz, triad, rtol=1e-10, atol=1e-16)


def test_batches_do_not_change_results(field):
    obs = [[0.0, 0.0, 0.0], [300.0, 10.0, 5.0]]
    both = tp.backtrack(field, obs, 4, 0.5, 0.025, [0, 20, 40])
    second = tp.backtrack(field, obs[1:], 4, 0.5, 0.025, [0, 20, 40])
    for k in both:
        assert np.array_equal(both[k][:, 1], second[k][:, 0]), k


def test_sky_task_observers_do_not_depend_on_the_split():
    s = tp.seed_tree(3, 1, 1)[0][0]
    kw = dict(nside=2, n_observers=3, seeds=s, field_kw=dict(n_modes=8))
    a = tp.sky_task(0.5, 1.0, [0, 0.2, 0.4], first=0, count=3, **kw)
    b = tp.sky_task(0.5, 1.0, [0, 0.2, 0.4], first=2, count=1, **kw)
    assert np.array_equal(a["M_B"][:, 2], b["M_B"][:, 0]) and a["seconds"] > 0
    assert a["steps"].tolist() == [0, 8, 16]


def test_liouville_sum_rule_at_early_times(field):
    # one observer's S changes at first order in the deflection, the mean over observers much less
    obs = np.random.default_rng(1).uniform(0, 500, size=(24, 3))
    out = tp.backtrack(field, obs, 4, 0.25, 0.0125, [0, 4])
    ratio = out["S_A"][1] / out["S_A"][0]
    assert abs(ratio.mean() - 1) < 3 * ratio.std(ddof=1) / np.sqrt(ratio.size) + 1e-4


def test_calibration_is_ballistic_at_first(field):
    s = tp.seed_tree(5, 1, 1)[0][0]
    out = tp.calibration_task(1.0, seeds=s, n_particles=200, t_max=0.5, n_out=5, field_kw=dict(n_modes=16))
    # |Delta x| = t while the direction has hardly turned (t << r_g)
    assert out["msd"][0] == pytest.approx(out["t"][0] ** 2, rel=0.02)
    assert 0.9 < out["vacf"][0] <= 1.0 and np.all(np.diff(out["t"]) > 0)


def test_diffusion_coefficient_of_a_straight_line():
    t = np.linspace(0.5, 20, 40)
    assert tp.diffusion_coefficient(t, 6 * 0.7 * t + 3.0) == pytest.approx(0.7, rel=1e-12)
    # only the late half enters: a different early part does not matter
    msd = np.where(t < 10, 0.0, 6 * 0.7 * t + 3.0)
    assert tp.diffusion_coefficient(t, msd) == pytest.approx(0.7, rel=1e-12)


def test_seed_tree_is_reproducible_and_independent():
    a, b = tp.seed_tree(7, 3, 4), tp.seed_tree(7, 3, 4)
    assert a[2][3]["observers"].spawn_key == b[2][3]["observers"].spawn_key == (2, 3, 1)
    states = {tuple(ss[k].generate_state(2)) for r in a for ss in r for k in ss}
    assert len(states) == 3 * 4 * 3
    # more seeds leave the existing ones unchanged
    c = tp.seed_tree(7, 3, 6)
    assert np.array_equal(c[1][2]["field"].generate_state(4), a[1][2]["field"].generate_state(4))


def test_snapshot_steps_round_to_whole_steps():
    assert tp.snapshot_steps([0, 0.1, 1.0], 2.0, 0.05).tolist() == [0, 1, 10]


def test_rejects_bad_arguments(field):
    with pytest.raises(ValueError, match="nside"):
        tp.sky_directions(3)
    with pytest.raises(ValueError, match="steps"):
        tp.backtrack(field, [[0, 0, 0]], 2, 1.0, 0.05, [3, 1])
    with pytest.raises(ValueError, match="dt"):
        tp.backtrack(field, [[0, 0, 0]], 2, 1.0, -0.05, [1])
    with pytest.raises(ValueError, match="observers"):
        tp.backtrack(field, [0, 0, 0], 2, 1.0, 0.05, [1])
    with pytest.raises(ValueError, match="axes"):
        tp.backtrack(field, [[0, 0, 0]], 2, 1.0, 0.05, [1], axes=[[1.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match="nu_T"):
        tp.snapshot_steps([0, 2, 1], 1.0, 0.1)
    with pytest.raises(ValueError, match="nu"):
        tp.snapshot_steps([0, 1], 0.0, 0.1)
    with pytest.raises(TypeError, match="rng"):
        tp.observer_positions(2, 3)
    with pytest.raises(ValueError, match="n_observers"):
        tp.sky_task(1.0, 1.0, [0, 1], nside=2, n_observers=2, first=1, count=2, seeds=tp.seed_tree(1, 1, 1)[0][0])
    with pytest.raises(ValueError, match="n_out"):
        tp.calibration_task(1.0, seeds=tp.seed_tree(1, 1, 1)[0][0], n_particles=2, t_max=1.0, n_out=1)
    with pytest.raises(ValueError, match="late_fraction"):
        tp.diffusion_coefficient([1, 2, 3], [1, 2, 3], late_fraction=2)
    with pytest.raises(ValueError, match="msd"):
        tp.diffusion_coefficient([1, 2, 3], [1, -2, 3])
    with pytest.raises(ValueError, match="entropy"):
        tp.seed_tree(-1, 1, 1)
    with pytest.raises(ValueError, match="maps"):
        tp.second_moment([np.nan])
