import numpy as np
import pytest
from scipy import special

from cranisotropy import velocity_multipoles as T


def test_gamma_zero_is_pi_over_2_2l_plus_1():
    ell = np.arange(0, 60)
    assert np.allclose(T.power_law_integral(ell, 0.0), np.pi / (2 * (2 * ell + 1)), rtol=1e-13, atol=0)


def test_gamma_one_rational():
    # Weber-Schafheitlin at gamma = 1: 1 / (2 l (l+1))
    ell = np.arange(1, 30)
    assert np.allclose(T.power_law_integral(ell, 1.0), 1 / (2 * ell * (ell + 1)), rtol=1e-13, atol=0)


def test_vectorised_and_scalar():
    out = T.power_law_integral([1, 2, 3], 5 / 3)
    assert out.shape == (3,)
    assert isinstance(T.power_law_integral(2, 5 / 3), float)
    assert out[1] == pytest.approx(T.power_law_integral(2, 5 / 3), rel=1e-15)


def test_large_ell_no_overflow_and_asymptote():
    ell = np.array([10**3, 10**5, 10**7])
    I = T.power_law_integral(ell, 5 / 3)
    assert np.all(np.isfinite(I)) and np.all(I > 0)
    ratio = I / T.power_law_integral_asymptote(ell, 5 / 3)
    assert np.allclose(ratio, 1, rtol=2e-3)


@pytest.mark.parametrize("gamma", [-0.5, 0.0, 0.5, 1.0, 5 / 3, 2.5])
@pytest.mark.parametrize("ell", [1, 2, 5, 12])
def test_closed_form_vs_quadrature(ell, gamma):
    if gamma >= 2 * ell + 1:
        pytest.skip("divergent")
    q = T.jl2_integral(ell, lambda x: x ** (-gamma))
    assert q == pytest.approx(T.power_law_integral(ell, gamma), rel=1e-10)


def test_U_power_law_vs_quad():
    A, lam, gamma = 2.0, 3.0, 5 / 3
    E = lambda k: A * k ** (-gamma)
    ell = np.array([2, 3, 7])
    assert np.allclose(T.U_ell_quad(ell, E, lam), T.U_ell_power_law(ell, gamma, lam, A), rtol=1e-10)


def test_broken_spectrum_breaks():
    # E = k^2 below k0, k^-5/3 above: quadrature with and without kink hint agree closely;
    # and the pieces add up by linearity
    k0, lam = 0.7, 1.0
    E = lambda k: np.where(k < k0, (k / k0) ** 2, (k / k0) ** (-5 / 3))
    a = T.U_ell_quad(3, E, lam, k_breaks=[k0])
    b = T.U_ell_quad(3, E, lam)
    assert a == pytest.approx(b, rel=1e-6)


def test_sum_rule_via_quad():
    # sum_l (2l+1) j_l^2 = 1 -> for a spectrum concentrated at finite k, sum_l (2l+1) U_l = (4 pi/3) int E dk
    E = lambda k: np.exp(-((k - 3.0) ** 2) / 0.5)
    tot = 4 * np.pi / 3 * np.sqrt(0.5 * np.pi) * (1 + special.erf(3 / np.sqrt(0.5))) / 2
    ell = np.arange(0, 30)
    U = T.U_ell_quad(ell, E, 1.0)
    assert np.sum((2 * ell + 1) * U) == pytest.approx(tot, rel=1e-9)


def test_delta_approximation_factor():
    g = 5 / 3
    f = T.delta_error_factor(g)
    assert 1 / f == pytest.approx(0.5356, abs=1e-4)
    ell = 3000
    E = lambda k: k ** (-g)
    ratio = T.U_ell_delta(ell, E, 1.0) / T.U_ell_power_law(ell, g, 1.0)
    assert ratio == pytest.approx(f, rel=1e-3)


@pytest.mark.parametrize("gamma", [-1.0, -2.0, 3.0, 10.0])
def test_power_law_integral_range(gamma):
    with pytest.raises(ValueError, match="gamma"):
        T.power_law_integral(1, gamma)


def test_power_law_integral_bad_ell():
    with pytest.raises(ValueError, match="ell"):
        T.power_law_integral(-1, 0.5)
    with pytest.raises(ValueError, match="ell"):
        T.power_law_integral(1.5, 0.5)
    with pytest.raises(TypeError, match="ell"):
        T.power_law_integral("a", 0.5)
    with pytest.raises(ValueError, match="gamma"):
        T.power_law_integral(2, np.nan)
    with pytest.raises(ValueError, match="gamma"):
        T.power_law_integral([0, 5], 2.0)  # ell=0 diverges


def test_other_error_paths():
    E = lambda k: k**-2.0
    with pytest.raises(ValueError, match="lam"):
        T.U_ell_quad(2, E, 0.0)
    with pytest.raises(TypeError, match="E"):
        T.U_ell_quad(2, 3.0, 1.0)
    with pytest.raises(ValueError, match="lam"):
        T.U_ell_power_law(2, 5 / 3, -1.0)
    with pytest.raises(ValueError, match="A"):
        T.U_ell_power_law(2, 5 / 3, 1.0, A=-1)
    with pytest.raises(ValueError, match="gamma"):
        T.delta_error_factor(-1.5)
    with pytest.raises(TypeError, match="f"):
        T.jl2_integral(2, None)


# -- the checks of the multipoles chapter, and the documented range of the quadrature -----------
def test_chapter_checks():
    from cranisotropy import velocity_multipoles as vm
    rng = np.random.default_rng(5)
    assert vm.plane_wave_expansion_error(rng, 3, 60) < 1e-10
    assert vm.unsold_error(rng, 5, 20) < 1e-12
    assert vm.bessel_sum_rule_error(20.0, 300) < 1e-12
    assert vm.jl2_normalisation_deviation(5) < 1e-11
    rows = vm.eq7_quadrature_check([0.0, 5 / 3], 4)
    assert rows.shape == (8, 4) and np.max(np.abs(rows[:, 3] / rows[:, 2] - 1)) < 1e-10
    r = vm.delta_ratio([3, 10], 5 / 3)
    assert np.allclose(r, vm.delta_ratio([3, 10], 5 / 3, quadrature=True), rtol=1e-9)
    assert float(vm.local_slope(10**5, 1.5)) == pytest.approx(-2.5, abs=1e-4)
    with pytest.raises(ValueError, match="ell must be <= 200"):
        vm.jl2_integral(10**5, np.ones_like)
    with pytest.raises(TypeError, match="rng"):
        vm.unsold_error(5)
