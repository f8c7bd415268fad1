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


def test_exponent_deviation_and_turnover_exponent():
    from cranisotropy import convection, energy_dependence as ed, spectral_models

    A = convection.amplitude_from_sigma(20.0, 5 / 3, 10.0)
    C = convection.C_ell_power_law(10, 5 / 3, 10.0, A=A, g=4.7, v=spectral_models.C_KM_S)
    kw = dict(gamma=5 / 3, lam_ref_pc=10.0, g=4.7, deltas=(1 / 3, 1 / 2))
    assert ed.exponent_deviation(A, C, exponents=(2 / 9, 1 / 3), **kw) < 1e-12
    assert ed.exponent_deviation(A, C, exponents=(0.2, 1 / 3), **kw) == pytest.approx(2 / 9 / 0.2 - 1)   # a wrong exponent shows
    assert ed.exponent_deviation(A, 1.1 * C, exponents=(2 / 9, 1 / 3), **kw) == pytest.approx(0.1 / 1.1)  # a wrong reference too
    with pytest.raises(ValueError, match="pair"):
        ed.exponent_deviation(A, C, exponents=(2 / 9,), **kw)
    with pytest.raises(ValueError, match="C_ref"):
        ed.exponent_deviation(A, -C, exponents=(2 / 9, 1 / 3), **kw)
    E = {l: 3.0 * (l + 0.5) ** 2 for l in range(3, 10)} | {10: np.nan}
    lm, E_max, s = ed.turnover_exponent(E, range(3, 11))
    assert lm.tolist() == list(range(3, 10)) and E_max[0] == E[3] and s == pytest.approx(2.0)
    with pytest.raises(ValueError, match="E_turn"):
        ed.turnover_exponent({3: 1.0, 4: np.nan}, [3, 4])
