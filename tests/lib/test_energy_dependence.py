"""The energy dependence of the angular power (energy_dependence)."""

import numpy as np
import pytest

from cranisotropy import data, energy_dependence as ed, fit, spectrum_fits


@pytest.fixture(scope="module")
def d():
    return ed.bin_arrays(data.load_icecube12yr(), 2)


def test_bin_arrays_match_the_bins(d):
    ic = data.load_icecube12yr()
    assert np.all(np.isnan(d["C"][0])) and not d["measured"][0].any()
    for j, b in enumerate(ic):
        assert d["C"][7, j] == b.C[6] and d["measured"][7, j] == b.above_noise(2)[6]
        assert d["err_dex"][7, j] == data.log10_errors(b, [7])[0]


def test_power_law_curve():
    E = np.array([10.0, 100.0])
    assert np.allclose(ed.power_law_energy_curve(2.0, E, 10.0, 0.5, 5 / 3), [2.0, 2.0 * 10 ** (1 / 3)])


def test_turnovers(d):
    E = np.geomspace(1, 100, 50)
    assert ed.model_turnover_energy(E, -(np.log(E) - np.log(10)) ** 2) == pytest.approx(10, rel=0.1)
    assert np.isnan(ed.model_turnover_energy(E, E))


def test_injection_curve_tends_to_power_law():
    E = np.geomspace(10, 1000, 5)
    pl = ed.power_law_energy_curve(1.0, E, 10.0, 1 / 3, 5 / 3)
    inj = ed.injection_energy_curve(5, E, C_ref=1.0, E_ref=10.0, lam_ref=10.0, k0=1e-7, delta=1 / 3)
    assert np.allclose(inj, pl, rtol=1e-5)
    models = spectrum_fits.zhang_liu_registry()
    assert models["convection"].cl(5, 20.0) > 0
