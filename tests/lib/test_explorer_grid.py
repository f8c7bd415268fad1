import numpy as np
import pytest

from cranisotropy import explorer_grid as X
from cranisotropy import observation as O
from cranisotropy import partial_sky as P


@pytest.fixture(scope="module")
def resp():
    return O.response(-20.0, nside=None, lmax=12, lmax_sky=30)


def test_folded_coefficients_match_the_moments(resp):
    """<C~> = a A + N and Var C~ = alpha a^2 + beta a + c, checked against pseudo_cl_moments."""
    shape, N = P.eq21_spectrum(30, c1=1.0), 0.3
    co = X.folded_coefficients(resp, shape, N)
    for a in (0.0, 0.5, 2.0, 7.0):
        mean, cov = O.pseudo_cl_moments(resp, a * shape, N)
        assert np.allclose(a * co["A"] + co["N"], mean, rtol=1e-12, atol=1e-15)
        assert np.allclose(co["alpha"] * a * a + co["beta"] * a + co["c"], np.diag(cov), rtol=1e-10, atol=1e-15)


def test_folded_coefficients_of_many_shapes(resp):
    shapes = np.array([P.eq21_spectrum(30, c1=1.0), np.r_[0.0, 1.0 / np.arange(1, 31) ** 3]])
    every = X.folded_coefficients(resp, shapes, 0.1)
    for i, s in enumerate(shapes):
        one = X.folded_coefficients(resp, s, 0.1)
        for k in ("A", "alpha", "beta", "N", "c"):
            assert every[k].shape == (2, resp.lmax + 1)
            assert np.allclose(every[k][i], one[k], rtol=1e-13, atol=0)
    with pytest.raises(ValueError, match="lmax_sky"):
        X.folded_coefficients(resp, np.ones(40), 0.1)
    with pytest.raises(ValueError, match="noise"):
        X.folded_coefficients(resp, shapes[0], -1.0)


def test_best_amplitude_recovers_the_amplitude(resp):
    co = X.folded_coefficients(resp, P.eq21_spectrum(30, c1=1.0), 1e-3)
    ell = np.arange(1, 13)
    data = 3e-2 * co["A"][ell] + co["N"][ell]          # the expected spectrum of a = 0.03
    assert X.best_amplitude(co, ell, data, bounds=(1e-5, 1.0)) == pytest.approx(3e-2, rel=1e-3)
    with pytest.raises(ValueError, match="same shape"):
        X.best_amplitude(co, ell, data[:-1])
    with pytest.raises(ValueError, match="data"):
        X.best_amplitude(co, ell, -data)


def test_alpha_is_exact_under_large_noise(resp):
    """alpha is the noise-free variance itself, also where the noise dominates (no cancellation)."""
    shape = np.r_[0.0, 1.0 / np.arange(1, 31) ** 4]
    co = X.folded_coefficients(resp, shape, 1e3)
    _, v = O.pseudo_cl_moments(resp, shape, 0.0)
    assert np.allclose(co["alpha"], np.diag(v), rtol=1e-12, atol=0)
