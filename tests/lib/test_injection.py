"""Tests of cranisotropy.injection: the SNR-injection spectrum and C_l by quadrature (Fig. 4)."""

import numpy as np
import pytest
from scipy import integrate, special

from cranisotropy import convection, injection, velocity_multipoles

G = 5.0 / 3.0


def test_spectrum_continuous_and_limits():
    k0 = 0.2
    assert injection.spectrum(k0, k0) == pytest.approx(k0 ** -G)
    assert injection.spectrum(k0 * (1 - 1e-12), k0) == pytest.approx(k0 ** -G, rel=1e-9)
    k = np.array([0.01, 0.1])
    assert np.allclose(injection.spectrum(k, k0), k0 ** (-G - 2) * k**2)
    assert injection.spectrum(5.0, k0, A=3.0) == pytest.approx(3.0 * 5.0 ** -G)


@pytest.mark.parametrize("n", [1, 2, 4, 11])
def test_two_methods_agree(n):
    x0 = np.array([1e-3, 0.3, 2.0, 7.5, 30.0, 300.0])
    a = injection.broken_integral(n, x0, method="subtract")
    b = injection.broken_integral(n, x0, method="quad")
    assert np.allclose(a, b, rtol=1e-7, atol=0)


def test_against_brute_force_quadrature():
    n, x0 = 3, 4.0
    low = integrate.quad(lambda t: x0 ** (-G - 2) * t**2 * special.spherical_jn(n, t) ** 2, 0, x0,
                         epsabs=0, epsrel=1e-13)[0]
    X = 1000.0   # the tail beyond X by its mean 1/(2x^2): agreement ~2e-10 (4e3: 1e-12, 4x slower)
    edges = np.concatenate([[x0], np.arange(5.0, X, 1.0), [X]])
    high = sum(integrate.quad(lambda t: t**-G * special.spherical_jn(n, t) ** 2, a, b, epsabs=0, epsrel=1e-13)[0]
               for a, b in zip(edges[:-1], edges[1:]))
    high += 0.5 * X ** (-G - 1) / (G + 1)  # mean of j_n^2 ~ 1/(2x^2) beyond X
    assert injection.broken_integral(n, x0) == pytest.approx(low + high, rel=1e-9)


def test_lommel_low_part():
    # int_0^x t^2 j_n^2 = x^3/2 [j_n^2 - j_(n-1) j_(n+1)]
    xs = np.array([0.5, 3.0, 17.0])
    for n in (1, 3, 6):
        lommel = xs**3 / 2 * (special.spherical_jn(n, xs) ** 2
                              - special.spherical_jn(n - 1, xs) * special.spherical_jn(n + 1, xs))
        assert np.allclose(injection._cumulative(n, 2.0, xs), lommel, rtol=1e-11)


def test_power_law_limit_k0_to_zero():
    ell = np.array([2, 3, 5, 10, 20])
    for l in ell:
        F = injection.shape(int(l), 1e-6)
        assert F == pytest.approx(convection.spectrum_shape(int(l), G), rel=1e-8)
    # and B_n -> I_n (Eq. 7)
    assert injection.broken_integral(4, 1e-8) == pytest.approx(velocity_multipoles.power_law_integral(4, G), rel=1e-12)


def test_large_x0_asymptote():
    # x0 >> n: B_n x0^(gamma+1) -> 1/2 + 1/(2(gamma+1)) = (gamma+2)/(2(gamma+1))
    for n in (1, 3):
        v = injection.broken_integral(n, 2e4) * 2e4 ** (G + 1)
        assert v == pytest.approx((G + 2) / (2 * (G + 1)), rel=1e-3)


def test_shape_l1_uses_quad_for_j0():
    # l = 1 needs B_0, for which the closed-form subtraction diverges (gamma >= 1): falls back to quad
    F = injection.shape(1, np.array([0.5, 2.0]))
    assert np.all(np.isfinite(F)) and np.all(F > 0)
    with pytest.raises(ValueError, match="subtract"):
        injection.broken_integral(0, 0.5, method="subtract")


def test_turnover_position():
    # C_l ~ lambda^(gamma-1) F_l(k0 lambda) peaks close to k0 lambda ~ l + 1/2
    lam = np.geomspace(0.5, 500, 600)
    for l in (3, 10):
        c = lam ** (G - 1) * injection.shape(l, lam * 1.0)
        lam_peak = lam[np.argmax(c)]
        assert 0.5 < lam_peak / injection.critical_lambda(l, 1.0) < 2.0
    Ec = injection.critical_energy(np.array([3, 10]), 0.2, lam_ref=10.0, E_ref=13.0, delta=1 / 3)
    assert Ec[1] / Ec[0] == pytest.approx((10.5 / 3.5) ** 3)


def test_errors():
    with pytest.raises(ValueError, match="x0"):
        injection.broken_integral(2, -1.0)
    with pytest.raises(ValueError, match="n"):
        injection.broken_integral(-1, 1.0)
    with pytest.raises(ValueError, match="method"):
        injection.broken_integral(2, 1.0, method="magic")
    with pytest.raises(ValueError, match="gamma"):
        injection.broken_integral(2, 1.0, gamma=-1.5)
    with pytest.raises(ValueError, match="k0"):
        injection.spectrum(1.0, 0.0)
    with pytest.raises(TypeError, match="k"):
        injection.spectrum("a", 1.0)
    with pytest.raises(ValueError, match="ell"):
        injection.shape(0, 1.0)
    with pytest.raises(ValueError, match="delta"):
        injection.critical_energy(3, 0.2, lam_ref=10.0, E_ref=13.0, delta=0.0)
