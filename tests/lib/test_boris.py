import numpy as np
import pytest

from cranisotropy import boris
from cranisotropy.magnetic_plane_waves import make_field


@pytest.fixture(scope="module")
def field():
    return make_field(32, seed=2)


def _state(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 100, size=(n, 3)), boris.isotropic_directions(n, rng)


def test_fast_cos_matches_libm():
    # the phase in turns is rounded to ~1e-16 |theta| / 2 pi: 1e-12 at |theta| ~ 2e3
    th = np.linspace(-2e3, 2e3, 100001)
    assert np.max(np.abs(boris.fast_cos(th) - np.cos(th))) < 1e-12
    th = np.linspace(-7, 7, 10001)
    assert np.max(np.abs(boris.fast_cos(th) - np.cos(th))) < 4e-15
    # the polynomial itself: cos(pi r) for r in [-1/2, 1/2] to 4e-16 (no phase rounding)
    r = np.linspace(-0.5, 0.5, 20001)
    c = np.polynomial.polynomial.polyval(r * r, boris._E)
    assert np.max(np.abs(c - np.cos(np.pi * r))) < 4e-16
    assert boris.fast_cos(np.array([0.0, np.pi, 2 * np.pi]))[0] == 1.0


def test_speed_conserved_over_long_trajectory(field):
    x, v = _state(8)
    boris.push(x, v, field, 0.25, 0.0125, 20000)
    assert np.max(np.abs(np.linalg.norm(v, axis=1) - 1)) < 1e-12


def test_back_then_forward_returns(field):
    x0, v0 = _state(16, seed=1)
    x, v = x0.copy(), v0.copy()
    boris.push(x, v, field, 0.25, -0.0125, 200)          # back-track ...
    assert np.min(np.linalg.norm(x - x0, axis=1)) > 0.1
    boris.push(x, v, field, 0.25, 0.0125, 200)           # ... then forward
    assert np.max(np.abs(x - x0)) < 1e-10 and np.max(np.abs(v - v0)) < 1e-10


def test_numba_equals_numpy_kernel(field):
    x1, v1 = _state(20, seed=2)
    x2, v2 = x1.copy(), v1.copy()
    boris.push(x1, v1, field, 1.0, 0.05, 40)
    boris.push(x2, v2, field, 1.0, 0.05, 40, backend="numpy")
    assert np.max(np.abs(x1 - x2)) < 1e-11 and np.max(np.abs(v1 - v2)) < 1e-11


def test_uniform_field_gyration():
    # one mode with k -> 0 along x and polarisation along z: b = z-hat sqrt(2) A cos(phase)
    f = make_field(1, seed=0)
    f = type(f)(k=np.array([[1e-12, 0, 0]]), amp=np.array([[0, 0, np.sqrt(2)]]), phase=np.array([0.0]),
                n_modes=1, k_ratio=1.0, spectral_index=5 / 3, seed=0)
    x, v = np.zeros((1, 3)), np.array([[1.0, 0, 0]])
    rg, n = 0.5, 2000
    dt = 2 * np.pi * rg / n                     # one gyration (|b| = sqrt(2) cos 0 = sqrt 2)
    boris.push(x, v, f, rg * np.sqrt(2), dt, n)
    # Boris rotation angle per step is 2 arctan(dt/2rg) ~ dt/rg: returns close to the start
    assert np.max(np.abs(x)) < 1e-5 and np.max(np.abs(v - [1, 0, 0])) < 1e-5


def test_benchmark_measures_at_least_min_seconds(field):
    out = boris.benchmark(field, 50, min_seconds=0.05, threads=1)
    assert out["seconds"] >= 0.05 and out["steps_per_s"] > 0
    assert out["particle_steps"] == 50 * out["steps"] and out["threads"] == 1
    assert out["modes"] == 32 and "load_before" in out
    out = boris.benchmark(field, 10, backend="numpy", min_seconds=0.01)
    assert out["backend"] == "numpy"
    with pytest.raises(ValueError, match="min_seconds"):
        boris.benchmark(field, 10, min_seconds=0)


def test_rejects_bad_arguments(field):
    x, v = _state(4)
    with pytest.raises(ValueError, match="rigidity"):
        boris.push(x, v, field, 0.0, 0.1, 1)
    with pytest.raises(ValueError, match="dt"):
        boris.push(x, v, field, 1.0, np.nan, 1)
    with pytest.raises(ValueError, match="n_steps"):
        boris.push(x, v, field, 1.0, 0.1, -1)
    with pytest.raises(ValueError, match="backend"):
        boris.push(x, v, field, 1.0, 0.1, 1, backend="cuda")
    with pytest.raises(TypeError, match="x"):
        boris.push(x.astype(np.float32), v, field, 1.0, 0.1, 1)
    with pytest.raises(ValueError, match="same shape"):
        boris.push(x[:2].copy(), v, field, 1.0, 0.1, 1)
    with pytest.raises(TypeError, match="field"):
        boris.push(x, v, None, 1.0, 0.1, 1)
    with pytest.raises(ValueError, match="C-contiguous"):
        boris.push(np.asfortranarray(x), v, field, 1.0, 0.1, 1)
    with pytest.raises(TypeError, match="rng"):
        boris.isotropic_directions(3, 0)
