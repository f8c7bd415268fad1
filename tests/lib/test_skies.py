import healpy as hp
import numpy as np
import pytest

from cranisotropy import skies


def test_alm_variance_and_reproducibility():
    cl = np.array([0.0, 2.0, 1.0, 0.5])
    a = np.array([skies.gaussian_alm(cl, np.random.default_rng(s)) for s in range(4000)])
    ell, emm = hp.Alm.getlm(3)
    power = np.mean(np.abs(a) ** 2, axis=0)
    assert np.allclose(power[ell > 0], cl[ell[ell > 0]], rtol=0.1)
    assert np.all(a[:, emm == 0].imag == 0)
    assert np.array_equal(skies.gaussian_alm(cl, np.random.default_rng(9)), skies.gaussian_alm(cl, np.random.default_rng(9)))


def test_map_band_limited():
    cl = np.r_[0.0, np.ones(4)]
    m = skies.gaussian_map(cl, 8, np.random.default_rng(1))
    assert m.size == 768
    assert np.max(hp.anafast(m, lmax=12)[6:]) < 1e-8


def test_errors():
    with pytest.raises(ValueError, match="cl"):
        skies.gaussian_alm([-1.0], np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        skies.gaussian_alm([1.0], 3)
    with pytest.raises(ValueError, match="nside"):
        skies.gaussian_map([1.0], 3, np.random.default_rng(0))
