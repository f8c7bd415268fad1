"""The registry of model spectra: each model evaluates, matches the module it wraps, and refuses
bad parameters."""

import numpy as np
import pytest

from cranisotropy import am15, convection, hierarchy, spectral_models

MODELS = spectral_models.registry()
ELL = np.arange(1, 41)


def test_registry_names():
    assert set(MODELS) == {"eq21", "hierarchy", "convection", "convection-gamma", "am15a", "am15b",
                           "power-law", "broken-power-law", "noise-only"}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_evaluates_at_its_guess(name):
    m = MODELS[name]
    ell = ELL[ELL >= m.ell_min]
    C = 1e-8 * hierarchy.asymptotic_ratio(ell) + 1e-12
    theta = m.guess(ell, C)
    lo, hi = m.bounds_for(ell)
    assert len(theta) == len(m.params) == len(lo) == len(hi)
    lo, hi = np.array(lo, float), np.array(hi, float)
    assert np.all(np.array(theta) >= lo) and np.all(np.array(theta) <= hi)
    cl = m.cl(ell, *theta)
    assert cl.shape == ell.shape and np.all(np.isfinite(cl)) and np.all(cl >= 0)
    spec = m.spectrum(40, *theta)
    assert np.all(spec[: m.ell_min] == 0) and np.allclose(spec[m.ell_min:], cl)


def test_models_match_the_modules_they_wrap():
    assert MODELS["eq21"].cl(ELL, 2.0) == pytest.approx(2 * hierarchy.asymptotic_ratio(ELL))
    assert MODELS["hierarchy"].cl(ELL, 3.0, 0.7) == pytest.approx(3 * hierarchy.spectrum(0.7, 40)[1:])
    ref = convection.C_ell_power_law(ELL[1:], 5 / 3, 10.0, sigma=20.0, g=4.7, v=spectral_models.C_KM_S)
    assert MODELS["convection"].cl(ELL[1:], 20.0) == pytest.approx(ref)
    assert MODELS["convection-gamma"].cl(ELL[1:], 20.0, 5 / 3) == pytest.approx(ref)
    assert MODELS["convection"].ell_min == 2
    assert MODELS["am15a"].bounds_for([3, 4])[0][1] == pytest.approx(-2 + 1e-6)
    r = am15.shape(ELL, 0.4, "b") / am15.shape(10, 0.4, "b")
    assert MODELS["am15b"].cl(ELL, 1e-9, 0.4) == pytest.approx(1e-9 * r)
    assert MODELS["power-law"].cl([10, 20], 1.0, -2.0) == pytest.approx([1.0, 0.25])
    b = MODELS["broken-power-law"].cl([5, 10, 20], 1.0, 10.0, -1.0, -3.0)
    assert b == pytest.approx([2.0, 1.0, 1 / 8])
    assert np.all(MODELS["noise-only"].cl(ELL) == 0)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="takes 1 parameters"):
        MODELS["eq21"].cl(ELL, 1.0, 2.0)
    with pytest.raises(ValueError, match="ell must be >= 1"):
        MODELS["eq21"].cl([0, 1], 1.0)
    with pytest.raises(ValueError, match="nuT must be > 0"):
        MODELS["hierarchy"].cl(ELL, 1.0, 0.0)
    with pytest.raises(ValueError, match="C1 must be finite"):
        MODELS["eq21"].cl(ELL, np.nan)
    with pytest.raises(ValueError, match="ell must be >= 2"):
        MODELS["convection"].cl([1, 2], 20.0)
    with pytest.raises(ValueError, match="lam_pc must be > 0"):
        spectral_models.registry(lam_pc=-1)


def test_testparticle_model_from_ratio_spectra():
    one = np.r_[0.0, hierarchy.asymptotic_ratio(np.arange(1, 51))]
    m = spectral_models.registry(testparticle=dict(nu_T=[2.0], ratio=[one], origin="a test"))["testparticle"]
    assert m.params == ("C1",) and m.source == "a test"
    np.testing.assert_allclose(m.cl(ELL, 2e-8), 2e-8 * hierarchy.asymptotic_ratio(ELL))
    assert m.guess(ELL, 3e-8 * hierarchy.asymptotic_ratio(ELL)) == pytest.approx([3e-8])
    assert np.all(m.cl(np.arange(51, 60), 1.0) == 0)          # no power above the table
    with pytest.raises(ValueError, match=">= 1"):
        m.cl(np.arange(0, 5), 1.0)
    # two snapshots: nu T free, ln-ln interpolation between them, clipped at the ends
    two = np.vstack([one, one ** 2])
    m2 = spectral_models.registry(testparticle=dict(nu_T=[1.0, 4.0], ratio=two, origin="x"))["testparticle"]
    assert m2.params == ("C1", "nuT")
    np.testing.assert_allclose(m2.cl(ELL, 1.0, 1.0), one[ELL])
    np.testing.assert_allclose(m2.cl(ELL, 1.0, 4.0), one[ELL] ** 2)
    np.testing.assert_allclose(m2.cl(ELL, 1.0, 2.0), one[ELL] ** 1.5)
    np.testing.assert_allclose(m2.cl(ELL, 1.0, 9.0), one[ELL] ** 2)
    with pytest.raises(ValueError, match="ratio\\[:, 1\\] = 1"):
        spectral_models.registry(testparticle=dict(nu_T=[2.0], ratio=[2 * one], origin="x"))
    with pytest.raises(ValueError, match="nu_T increasing"):
        spectral_models.registry(testparticle=dict(nu_T=[4.0, 1.0], ratio=two, origin="x"))
    with pytest.raises(ValueError, match="origin"):
        spectral_models.registry(testparticle=dict(nu_T=[2.0], ratio=[one]))
