import numpy as np
import pytest

from cranisotropy import diffusion


def test_tensor_is_fick_inverse():
    Om = np.array([0.3, -1.2, 2.0])
    K = diffusion.diffusion_tensor(0.7, Om)
    expected = np.linalg.inv(0.7 * np.eye(3) + diffusion.cross_matrix(Om)) / 3
    assert np.allclose(K, expected, rtol=1e-13, atol=0)


def test_eigenvalues_match_paper():
    K = diffusion.diffusion_tensor(2.0, [0, 0, 3.0])
    ev = np.sort_complex(np.linalg.eigvals(K))
    paper = np.sort_complex(np.array([1 / 6, 1 / (3 * (2 + 3j)), 1 / (3 * (2 - 3j))]))
    assert np.allclose(ev, paper, rtol=1e-13)


def test_coefficients_limits():
    kpar, kperp, ka = diffusion.coefficients(1.0, np.array([0.0, 1.0, 1e3]))
    assert np.allclose(kpar, 1 / 3)
    assert kperp[0] == pytest.approx(1 / 3) and ka[0] == 0
    assert kperp[1] == pytest.approx(ka[1])  # equal at Omega = nu
    assert kperp[2] == pytest.approx(1 / 3e6, rel=1e-5)


def test_green_function_normalisation_symmetric_vs_literal():
    K = diffusion.diffusion_tensor(1.0, [0, 0, 2.0])
    assert diffusion.normalisation(1.3, diffusion.symmetric_part(K), n=121) == pytest.approx(1, abs=1e-8)
    assert diffusion.normalisation(1.3, K, n=121) == pytest.approx(np.sqrt(5), rel=1e-8)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_rejects_bad_nu(bad):
    with pytest.raises(ValueError, match="nu"):
        diffusion.diffusion_tensor(bad, [0, 0, 1])
    with pytest.raises(ValueError, match="nu"):
        diffusion.coefficients(bad, 1.0)


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="Omega"):
        diffusion.diffusion_tensor(1.0, [0, 1])
    with pytest.raises(ValueError, match="Omega"):
        diffusion.coefficients(1.0, -1.0)
    with pytest.raises(TypeError, match="nu"):
        diffusion.diffusion_tensor("fast", [0, 0, 1])
    with pytest.raises(ValueError, match="t must be > 0"):
        diffusion.green_function(0.0, [0, 0, 0], np.eye(3))
    with pytest.raises(ValueError, match="x must have"):
        diffusion.green_function(1.0, [0, 0], np.eye(3))
    with pytest.raises(ValueError, match="determinant"):
        diffusion.green_function(1.0, [0, 0, 0], -np.eye(3))


def test_eigenvalue_deviation():
    assert diffusion.eigenvalue_deviation(np.random.default_rng(20140121), 50) < 1e-12
    with pytest.raises(TypeError, match="rng"):
        diffusion.eigenvalue_deviation(3)


def test_rms_distance_is_trace_of_symmetric_part():
    K = diffusion.diffusion_tensor(1.0, [0, 0, 2.0])
    assert diffusion.rms_distance(1.3, K) == pytest.approx(np.sqrt(2 * 1.3 * (1 / 3 + 2 / 15)))
    assert diffusion.rms_distance(1.3, K) == pytest.approx(diffusion.rms_distance(1.3, diffusion.symmetric_part(K)))
    with pytest.raises(ValueError, match="3x3"):
        diffusion.rms_distance(1.0, np.eye(2))
    with pytest.raises(ValueError, match="trace"):
        diffusion.rms_distance(1.0, -np.eye(3))
    with pytest.raises(ValueError, match="t"):
        diffusion.rms_distance(-1.0, np.eye(3))


def test_eigendirection_deviation_small_and_validated():
    assert diffusion.eigendirection_deviation(np.random.default_rng(3), 50) < 1e-12
    with pytest.raises(TypeError, match="rng"):
        diffusion.eigendirection_deviation(3, 5)
    with pytest.raises(ValueError, match="n"):
        diffusion.eigendirection_deviation(np.random.default_rng(3), 0)
