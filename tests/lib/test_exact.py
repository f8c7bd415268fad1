"""Exact zero tests of symbolic residuals (exact)."""

import sympy as sp

from cranisotropy.exact import is_zero, residual

th, ph = sp.symbols("theta phi", real=True)
s, c = sp.sin(th), sp.cos(th)
x, y = sp.symbols("x y", positive=True)


def test_true_identities_are_proved():
    assert is_zero((s**2 + c**2 - 1) * sp.exp(sp.I * ph), angles=[th])
    assert is_zero(c**2 / s + s - 1 / s, angles=[th])            # over the common denominator
    assert is_zero(sp.sin(2 * th) - 2 * s * c, angles=[th])       # theta outside sin/cos: simplify decides
    assert is_zero((x**2 - y**2) / (x - y) - x - y)
    assert is_zero(sp.Matrix([[x - x, (x + 1) ** 2 - x**2 - 2 * x - 1]]))


def test_false_identities_are_not():
    assert not is_zero(c**2 / s + s, angles=[th])
    assert not is_zero(s**3 - s * (1 - c**2) + sp.Rational(1, 10**12), angles=[th])
    assert not is_zero(s**2 - c**2)                                # without the angle: simplify, still not zero
    assert not is_zero(sp.Matrix([0, x - y]))
    assert not is_zero(sp.exp(x) - 1 - x)


def test_residual_is_zero_or_simplified():
    assert residual((x**2 - y**2) / (x - y) - x - y) == 0
    assert residual(c**2 + s**2, angles=[th]) == 1
    assert residual(sp.Matrix([x / x - 1, 2 * x - x])) == sp.Matrix([0, x])
    assert residual(sp.exp(x) * sp.exp(-x) - 1) == 0
