import numpy as np
import pytest

from cranisotropy import fitting


def test_power_law_exact():
    x = np.arange(1, 11.0)
    r = fitting.power_law_fit(x, 3.0 * x**-2.5, 0.01)
    assert r.params == pytest.approx([np.log10(3.0), -2.5])
    assert r.chi2 == pytest.approx(0, abs=1e-20) and r.dof == 8 and r.rms_dex < 1e-12


def test_amplitude_fit_and_errors():
    rng = np.random.default_rng(1)
    x = np.arange(1, 201.0)
    shape = 1 / x**3
    y = 5 * shape * 10 ** rng.normal(0, 0.05, x.size)
    r = fitting.amplitude_fit(y, shape, 0.05)
    assert r.params[0] == pytest.approx(np.log10(5), abs=4 * 0.05 / np.sqrt(200))
    assert r.errors[0] == pytest.approx(0.05 / np.sqrt(200))
    assert r.chi2_dof == pytest.approx(1, abs=0.3)
    assert r.rms_dex == pytest.approx(0.05, rel=0.2)


def test_birge_scaling():
    x = np.arange(1, 21.0)
    y = x**-3 * 10 ** (0.1 * (-1) ** np.arange(20))
    r = fitting.power_law_fit(x, y, 0.01)
    assert r.chi2_dof > 1
    assert np.allclose(r.errors_scaled, r.errors * np.sqrt(r.chi2_dof))


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="y"):
        fitting.power_law_fit([1, 2, 3], [1, -1, 2], 0.1)
    with pytest.raises(ValueError, match="sigma_dex"):
        fitting.amplitude_fit([1, 2], [1, 2], 0.0)
    with pytest.raises(ValueError, match="shape"):
        fitting.amplitude_fit([1, 2], [1, 2, 3], 0.1)
    with pytest.raises(ValueError, match="at least 2"):
        fitting.power_law_fit([1.0], [1.0], 0.1)
    with pytest.raises(ValueError, match="two different"):
        fitting.power_law_fit([2.0, 2.0], [1.0, 3.0], 0.1)
    with pytest.raises(ValueError, match="x"):
        fitting.power_law_fit([0.0, 1.0], [1.0, 3.0], 0.1)
