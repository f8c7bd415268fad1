"""energy_scaling_folded: energy slopes and turnovers of pseudo-spectra, through the forward model."""

import numpy as np
import pytest

from cranisotropy import energy_scaling_folded as ES, fit, folded_fit as F, observation as O

ENERGIES = (13.0, 24.0, 42.0, 67.0)


@pytest.fixture(scope="module")
def resp():
    return O.response(lmax=12, lmax_sky=30, nside=None)


def _sky(s_of_ell, e, e0):
    ell = np.arange(31)
    sky = np.zeros(31)
    sky[1], sky[2] = 1e-7, 6e-8
    sky[3:13] = 3e-8 * (ell[3:13] / 3.0) ** -2.5 * (e / e0) ** np.asarray(s_of_ell)
    return sky


def _bins(resp, s_of_ell=0.3, noise=1e-13):
    e0 = float(np.exp(np.mean(np.log(ENERGIES))))
    ell = np.arange(1, 13)
    return [F.BinData(f"{e:g}", e, ell, resp.mean_matrix[ell] @ _sky(s_of_ell, e, e0) + noise * resp.noise_mean[ell], noise)
            for e in ENERGIES]


def test_scaling_skies_recover_the_common_slope(resp):
    data = _bins(resp, 0.3)
    skies, s = ES.scaling_skies(resp, data)
    assert s == pytest.approx(0.3, abs=0.02)
    assert skies.shape == (4, 31) and np.all(skies >= 0)
    fixed, s0 = ES.scaling_skies(resp, data, 2 / 9)
    assert s0 == pytest.approx(2 / 9)
    with pytest.raises(TypeError, match="BinData"):
        ES.scaling_skies(resp, data[:1])


def test_mocks_slopes_and_tilts(resp):
    data = _bins(resp)
    skies, _ = ES.scaling_skies(resp, data)
    y = ES.fold_mocks(resp, skies, data, 300, np.random.default_rng(1))
    assert y.shape == (300, 4, 12)
    tilted = ES.tilted_skies(skies, data, [5], 1.0)
    e0 = ES.reference_energy(data)
    assert tilted[0, 5] / skies[0, 5] == pytest.approx(13.0 / e0)
    exact = np.log10(np.array([d.C for d in data]))
    slopes = ES.ell_slopes(exact, data, np.arange(3, 8), np.ones((4, 5)))
    ref = [fit.line(np.log10(ENERGIES), exact[:, l - 1], sigma=1.0).value("slope") for l in range(3, 8)]
    assert np.allclose(slopes, ref, rtol=1e-12)


def test_common_slope_test_calibrated_and_rejects_tilts(resp):
    rng = np.random.default_rng(2)
    ell = np.arange(3, 11)
    skies, _ = ES.scaling_skies(resp, _bins(resp))
    same = [F.BinData(d.label, d.energy_TeV, d.ell, 10 ** y, d.noise) for d, y in
            zip(_bins(resp), ES.fold_mocks(resp, skies, _bins(resp), 1, rng)[0])]
    t = ES.common_slope_test(resp, same, ell, rng=rng, n_ref=200, n_null=200, n_calibration=200)
    assert t.p_value > 0.01 and t.false_rejection["rate"] < 0.12 and t.extra["dof"] == 7
    tilted = _bins(resp, np.linspace(-3.0, 3.0, 10))
    assert ES.common_slope_test(resp, tilted, ell, rng=rng, n_ref=200, n_null=200, n_calibration=50).p_value < 0.05


def test_slope_offset_test_one_sided(resp):
    rng = np.random.default_rng(3)
    down = _bins(resp, -0.8)
    t = ES.slope_offset_test(resp, down, np.arange(3, 11), 2 / 9, rng=rng, s_alternative=-0.5,
                             n_ref=200, n_null=200, n_calibration=100)
    assert t.p_value < 0.05 and t.statistic < 0
    up = ES.slope_offset_test(resp, _bins(resp, 0.9), np.arange(3, 11), 2 / 9, rng=rng, s_alternative=-0.5,
                              n_ref=200, n_null=200, n_calibration=100)
    assert up.p_value > 0.5


def test_change_energies_and_exponent():
    E = np.array([10.0, 20.0, 40.0, 80.0, 160.0])
    # l = 1: minimum at 40 (interior); l = 2: at the first bin (not interior); l = 3: minimum at 80
    C = np.array([[5.0, 7.0, 9.0], [3.0, 8.0, 7.0], [1.0, 8.5, 6.0], [2.0, 9.5, 2.0], [4.0, 9.9, 8.0]])
    e, ok = ES.change_energies(np.log10(C), E, np.full((5, 3), 0.5), [1, 2, 3])
    assert ok.tolist() == [True, False, True] and e[0] == 40.0 and np.isnan(e[1]) and e[2] == 80.0
    s = ES.turnover_exponent([[40.0, np.nan, 80.0], [np.nan, np.nan, 5.0]], [1, 2, 3])
    assert s[0] == pytest.approx(np.log10(2) / np.log10(3.5 / 1.5)) and np.isnan(s[1])


def test_turnover_test_sides(resp):
    data = _bins(resp, 0.3)
    edges = np.full((4, 12), 1e-15)
    with pytest.raises(ValueError, match="interior minimum"):          # a pure power law in E has no minimum
        ES.turnover_test(resp, data, edges, np.arange(3, 11), rng=np.random.default_rng(4), s_null=1.0, side="upper",
                         s_alternative=2.0, n_null=40, n_calibration=40)
    dip = [F.BinData(x.label, x.energy_TeV, x.ell, np.r_[x.C[:2], x.C[2:] * f], x.noise)   # l >= 3 lowest at 24 TeV
           for x, f in zip(data, (1.0, 0.2, 0.5, 1.5))]
    t = ES.turnover_test(resp, dip, edges, np.arange(3, 11), rng=np.random.default_rng(4), s_null=1.0, side="upper",
                         s_alternative=2.0, n_null=60, n_calibration=60)
    assert t.extra["E_change"].shape == (8,) and np.all(t.extra["E_change"] == 24.0) and abs(t.statistic) < 1e-12
    assert t.p_value > 0.05 and t.false_rejection["n_mocks"] + t.extra["dropped"] >= 60
    with pytest.raises(ValueError, match="side"):
        ES.turnover_test(resp, data, edges, np.arange(3, 11), rng=np.random.default_rng(4), s_null=1.0, side="both",
                         s_alternative=2.0)
