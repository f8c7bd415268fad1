import numpy as np
import pytest

from cranisotropy.magnetic_plane_waves import TurbulentField, make_field


def test_polarisation_perpendicular_and_divergence_free():
    f = make_field(64, seed=3)
    assert np.max(np.abs(np.sum(f.amp * f.k, axis=1))) < 1e-14
    x = np.random.default_rng(0).uniform(0, 50, size=(200, 3))
    assert np.max(np.abs(f.divergence(x))) < 1e-12
    # finite-difference divergence, independent of the analytic formula
    h = 1e-5
    fd = sum((f(x + h * e)[:, i] - f(x - h * e)[:, i]) / (2 * h) for i, e in enumerate(np.eye(3)))
    scale = np.sqrt(np.sum(np.linalg.norm(f.k, axis=1) ** 2 * np.sum(f.amp**2, axis=1) / 2))
    assert np.max(np.abs(fd)) < 1e-6 * scale


def test_normalisation_and_correlation_length():
    f = make_field(256, seed=1)
    assert f.mean_square == pytest.approx(1.0, abs=1e-14)
    assert f.correlation_length == pytest.approx(1.0, abs=1e-14)
    kk = np.linalg.norm(f.k, axis=1)
    assert kk.max() / kk.min() == pytest.approx(100.0)
    # the spatial mean of b^2 over random points is 1 within its sampling error
    x = np.random.default_rng(2).uniform(0, 1e4, size=(40000, 3))
    b2 = np.sum(f(x) ** 2, axis=1)
    assert abs(b2.mean() - 1) < 4 * b2.std() / np.sqrt(len(b2))


def test_spectral_index_sets_amplitudes():
    f = make_field(32, k_ratio=10, spectral_index=3.0, seed=0)
    kk = np.linalg.norm(f.k, axis=1)
    a2 = np.sum(f.amp**2, axis=1) / 2
    # A^2 ~ k^(1 - q) for log-spaced modes
    assert np.allclose(np.diff(np.log(a2)) / np.diff(np.log(kk)), -2.0)


def test_fixed_seed_is_reproducible_and_seeds_differ():
    a, b, c = make_field(16, seed=5), make_field(16, seed=5), make_field(16, seed=6)
    assert np.array_equal(a.k, b.k) and np.array_equal(a.phase, b.phase)
    assert not np.array_equal(a.k, c.k)
    assert isinstance(a, TurbulentField)


@pytest.mark.parametrize("kw, exc, name", [
    (dict(n_modes=0), ValueError, "n_modes"),
    (dict(n_modes=2.5), ValueError, "n_modes"),
    (dict(k_ratio=0.5), ValueError, "k_ratio"),
    (dict(k_ratio=-1), ValueError, "k_ratio"),
    (dict(spectral_index=np.nan), ValueError, "spectral_index"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed="a"), TypeError, "seed"),
])
def test_rejects_bad_arguments(kw, exc, name):
    with pytest.raises(exc, match=name):
        make_field(**kw)


def test_rejects_bad_positions():
    f = make_field(8)
    with pytest.raises(ValueError, match="x"):
        f(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="x"):
        f.divergence([np.inf, 0, 0])
