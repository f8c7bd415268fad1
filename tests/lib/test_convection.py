import numpy as np
import pytest

from cranisotropy import convection as C
from cranisotropy import velocity_multipoles as T


@pytest.mark.parametrize("gamma", [0.5, 1.5, 5 / 3, 2.2])
def test_closed_form_equals_shape(gamma):
    ell = np.arange(2, 400)
    a = C.spectrum_shape(ell, gamma)
    b = C.spectrum_shape_closed(ell, gamma)
    assert np.allclose(a, b, rtol=1e-12, atol=0)


def test_shape_vectorised_scalar():
    s = C.spectrum_shape([2, 3], 5 / 3)
    assert s.shape == (2,)
    assert isinstance(C.spectrum_shape(3, 5 / 3), float)
    assert s[1] == pytest.approx(C.spectrum_shape(3, 5 / 3), rel=1e-15)


def test_large_ell_slope():
    g = 5 / 3
    l = np.array([1000, 1001])
    s = C.spectrum_shape(l, g)
    slope = np.log(s[1] / s[0]) / np.log(l[1] / l[0])
    assert slope == pytest.approx(-(g + 1), abs=5e-3)


def test_shape_vs_quadrature():
    g, lam = 5 / 3, 1.0
    E = lambda k: k ** (-g)
    ell = np.array([2, 3, 10])
    q = C.C_ell_spectrum(ell, E, lam, g=1.0, v=1.0)
    assert np.allclose(q, 4 * np.pi / 3 * C.spectrum_shape(ell, g), rtol=1e-9)


def test_C_from_U_and_power_law():
    g, lam, A = 5 / 3, 10.0, 3.0
    L = 40
    U = T.U_ell_power_law(np.arange(0 + 1, L + 1), g, lam, A)  # U_1..U_L
    U = np.concatenate([[0.0], U])  # U_0 diverges for g>1: placeholder; only l>=2 used
    Cl = C.C_ell_from_U(U, g=4.7, v=2.0)
    assert Cl.size == U.size - 1 and Cl[0] == 0.0          # indexed by l from 0
    ell = np.arange(Cl.size)
    ref = C.C_ell_power_law(ell[2:], g, lam, A=A, g=4.7, v=2.0)
    assert np.allclose(Cl[2:], ref, rtol=1e-13)


def test_sigma_conventions():
    g, lam = 5 / 3, 10.0
    a_kE = C.amplitude_from_sigma(20.0, g, lam)
    assert a_kE * lam ** (g - 1) == pytest.approx(400.0)
    a_tail = C.amplitude_from_sigma(20.0, g, lam, sigma_def="tail")
    assert a_tail / a_kE == pytest.approx(2 / 3)
    assert C.amplitude_from_sigma(20.0, g, lam, half=True) / a_kE == pytest.approx(2.0)
    # tail definition: sigma^2 = int_{1/lam}^oo E dk
    from scipy import integrate

    tail = integrate.quad(lambda k: a_tail * k ** (-g), 1 / lam, np.inf)[0]
    assert tail == pytest.approx(400.0, rel=1e-8)
    c1 = C.C_ell_power_law(3, g, lam, sigma=20.0, v=3e5)
    c2 = C.C_ell_power_law(3, g, lam, A=a_kE, v=3e5)
    assert c1 == pytest.approx(c2, rel=1e-14)


@pytest.mark.parametrize("ell,gamma", [(1, 5 / 3), (1, 1.0), (2, 3.0), (3, -1.0)])
def test_shape_divergent(ell, gamma):
    with pytest.raises(ValueError, match="gamma"):
        C.spectrum_shape(ell, gamma)
    with pytest.raises(ValueError, match="gamma"):
        C.spectrum_shape_closed(ell, gamma)


def test_error_paths():
    with pytest.raises(ValueError, match="ell"):
        C.spectrum_shape(0, 0.5)
    with pytest.raises(ValueError, match="A or sigma"):
        C.C_ell_power_law(3, 5 / 3, 10.0)
    with pytest.raises(ValueError, match="A or sigma"):
        C.C_ell_power_law(3, 5 / 3, 10.0, A=1.0, sigma=1.0)
    with pytest.raises(ValueError, match="sigma_def"):
        C.amplitude_from_sigma(1.0, 5 / 3, 10.0, sigma_def="foo")
    with pytest.raises(ValueError, match="tail"):
        C.amplitude_from_sigma(1.0, 0.5, 10.0, sigma_def="tail")
    with pytest.raises(TypeError, match="half"):
        C.amplitude_from_sigma(1.0, 5 / 3, 10.0, half="yes")
    with pytest.raises(ValueError, match="lam"):
        C.C_ell_power_law(3, 5 / 3, 0.0, A=1.0)
    with pytest.raises(ValueError, match="g"):
        C.C_ell_power_law(3, 5 / 3, 1.0, A=1.0, g=0)
    with pytest.raises(ValueError, match="U"):
        C.C_ell_from_U([1.0, 2.0])
    with pytest.raises(ValueError, match="U"):
        C.C_ell_from_U([1.0, -2.0, 1.0])


def test_local_slope_and_closed_form_algebra():
    assert C.closed_form_identity_holds()
    assert float(C.local_slope(1000, 5 / 3)) == pytest.approx(-8 / 3, abs=5e-3)
    with pytest.raises(ValueError, match="ell"):
        C.local_slope(1, 5 / 3)


def test_sigma_at_2pi_over_lambda():
    g, lam = 5 / 3, 10.0
    a = C.amplitude_from_sigma(20.0, g, lam, sigma_def="kE-2pi")
    k = 2 * np.pi / lam                                       # sigma^2 = k E(k) at k = 2 pi / lambda
    assert k * a * k ** (-g) == pytest.approx(400.0, rel=1e-13)


def _gaussian_E(k):
    k = np.asarray(k, dtype=float)
    out = np.zeros_like(k)
    m = k < 60
    out[m] = np.sqrt(2 / np.pi) * k[m] ** 2 * np.exp(-k[m] ** 2 / 2)
    return out


@pytest.mark.parametrize("lam", [0.3, 1.0, 3.0])
def test_gaussian_flow_U_equals_quadrature(lam):
    ell = np.array([0, 2, 5])
    quad = np.array([T.U_ell_quad(int(l), _gaussian_E, lam) for l in ell])   # L = 1, <u^2> = 1
    assert np.allclose(C.gaussian_flow_U(ell, lam), quad, rtol=1e-9, atol=0)


def test_gaussian_flow_share():
    r = np.array([0.1, 0.5, 1.0, 3.0])
    share = C.gaussian_flow_share(r)
    assert share.shape == (4,) and np.all(np.diff(share) > 0) and np.all((share > 0) & (share < 1))
    assert share[0] == pytest.approx(C.gaussian_flow_share(0.1))
    # small lam/L: the share grows as (lam/L)^2 (the j = 2 term over the j = 1 term)
    assert C.gaussian_flow_share(0.02) / C.gaussian_flow_share(0.01) == pytest.approx(4.0, rel=1e-2)
    assert C.gaussian_flow_share(1.0, lmax=200) == pytest.approx(C.gaussian_flow_share(1.0), rel=1e-12)
    with pytest.raises(ValueError, match="lam_over_L"):
        C.gaussian_flow_share(0.0)
    with pytest.raises(ValueError, match="ell_min"):
        C.gaussian_flow_share(1.0, ell_min=2)
    with pytest.raises(ValueError, match="ell"):
        C.gaussian_flow_U(-1, 1.0)


def test_scales_and_mean_free_path():
    assert C.mean_free_path_pc(3.0864e29) == pytest.approx(10.0, rel=1e-3)
    assert C.scale_of_multipole(3, 10.0, "2pi-lam/l") == pytest.approx(2 * np.pi * 10 / 3)
    assert C.scale_of_multipole(30, 10.0, "lam/(l+1/2)") == pytest.approx(10 / 30.5)
    l = C.multipole_of_scale(1000 / C.PC_AU, 10.0)
    assert l == pytest.approx(2 * np.pi * 10 * C.PC_AU / 1000 + 0.5)
    with pytest.raises(ValueError, match="reading"):
        C.scale_of_multipole(3, 10.0, "other")
    with pytest.raises(ValueError, match="scale"):
        C.multipole_of_scale(-1.0, 10.0)


def test_lower_term_share():
    share = C.lower_term_share(np.arange(3, 40), 5 / 3)
    assert np.all((share > 0.5) & (share < 1.0))
    # at large l both terms become equal halves
    assert C.lower_term_share(10**5, 5 / 3) == pytest.approx(0.5, abs=1e-3)
    l, g = 3, 5 / 3
    lo, hi = l * T.power_law_integral(l - 1, g), (l + 1) * T.power_law_integral(l + 1, g)
    assert C.lower_term_share(l, g) == pytest.approx(lo / (lo + hi))
