import numpy as np
import pytest

from cranisotropy import velocity_plane_waves as V
from cranisotropy import velocity_multipoles as T


def test_shells_and_variance():
    k, w = V.power_law_shells(0.5, 20.0, 50, 5 / 3)
    assert k.shape == w.shape == (50,)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 3))
    vals = []
    for _ in range(400):
        K, a, b = V.draw_modes(k, w, rng)
        vals.append(np.sum(V.evaluate(x, K, a, b) ** 2, axis=1))
    # <|u|^2> = sum w
    assert np.mean(vals) == pytest.approx(w.sum(), rel=0.05)


def test_discrete_U_converges_to_quadrature():
    k, w = V.power_law_shells(1e-3, 1e4, 4000, 5 / 3)
    U = V.U_ell_discrete([3, 10], k, w, 1.0)
    assert np.allclose(U, T.U_ell_power_law([3, 10], 5 / 3, 1.0), rtol=2e-3)


def test_radial_map_shape():
    k, w = V.power_law_shells(0.5, 5.0, 5, 5 / 3)
    K, a, b = V.draw_modes(k, w, np.random.default_rng(0))
    m = V.radial_map(4, 1.0, K, a, b)
    assert m.shape == (192,) and np.all(np.isfinite(m))


@pytest.mark.parametrize("nside", [1, 2, 8, 32])
def test_radial_map_equals_direct_evaluation(nside):
    """One evaluation per antipodal pair gives the map of n.u(lam n) at every pixel."""
    import healpy as hp

    K, a, b = V.draw_modes(*V.power_law_shells(0.3, 40.0, 30, 5 / 3), np.random.default_rng(3))
    n = np.array(hp.pix2vec(nside, np.arange(hp.nside2npix(nside)))).T
    direct = np.einsum("ij,ij->i", n, V.evaluate(1.5 * n, K, a, b))
    assert np.allclose(V.radial_map(nside, 1.5, K, a, b), direct, rtol=0, atol=1e-12 * np.abs(direct).max())


def test_errors():
    with pytest.raises(ValueError, match="k_max"):
        V.power_law_shells(2.0, 1.0, 5, 1.0)
    with pytest.raises(TypeError, match="rng"):
        V.draw_modes([1.0], [1.0], 3)
    with pytest.raises(ValueError, match="k and w"):
        V.draw_modes([1.0, 2.0], [1.0], np.random.default_rng(0))
    with pytest.raises(ValueError, match="x"):
        V.evaluate(np.zeros((3, 2)), np.zeros((1, 3)), np.zeros((1, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="lam"):
        V.U_ell_discrete(2, [1.0], [1.0], 0.0)


def test_radial_cl_monte_carlo_reproducible():
    from cranisotropy import velocity_plane_waves as vpw
    k, w = vpw.power_law_shells(0.3, 40.0, 30, 5 / 3)
    a = vpw.radial_cl_monte_carlo(4, 1.0, k, w, 3, 8, np.random.default_rng(1))
    b = vpw.radial_cl_monte_carlo(4, 1.0, k, w, 3, 8, np.random.default_rng(1))
    assert a.shape == (3, 9) and np.array_equal(a, b)
