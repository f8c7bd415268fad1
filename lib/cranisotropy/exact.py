"""Exact zero tests for the residuals of the symbolic checks: cheap canonical forms first,
:func:`sympy.simplify` last.

A derivation checked with sympy ends in a residual that must vanish identically.  ``simplify``
decides that, but tries many rewritings and is slow; for the rational and trigonometric
expressions of this book a canonical form is much cheaper and is just as much a proof:

1. the expression expands to 0;
2. over a common denominator, its numerator expands to 0 (a rational function is zero when its
   numerator is);
3. with sin(a) = s and cos(a) = c for each angle ``a`` given, the numerator reduced modulo
   s^2 + c^2 - 1 (s^(2k) -> (1 - c^2)^k) expands to 0.

Only when none of them gives 0 is ``simplify`` asked, as the checks did before, so a test
here never turns a residual that ``simplify`` proves zero into a failure.  None samples numbers.

Examples
--------
>>> x = sp.Symbol("x")
>>> is_zero((x**2 - 1) / (x - 1) - x - 1)
True
>>> residual(x / (x + 1) + 1 / (x + 1) - 1), residual(x - 1)
(0, x - 1)
"""

from __future__ import annotations

import sympy as sp

__all__ = ["is_zero", "residual"]


_SC = [(sp.Dummy("s"), sp.Dummy("c")) for _ in range(4)]     # stand-ins for sin and cos of an angle


def _cheap_zero(expr: sp.Expr, angles) -> bool:
    """Steps 1-3 of the module docstring (never ``simplify``)."""
    if angles:
        while len(_SC) < len(angles):
            _SC.append((sp.Dummy("s"), sp.Dummy("c")))
        pairs = [(a, s, c) for a, (s, c) in zip(angles, _SC)]
        sc = expr.subs({f(a): v for a, s, c in pairs for f, v in ((sp.sin, s), (sp.cos, c))})
        if not any(sc.has(a) for a, _, _ in pairs):
            num = sp.expand(sp.numer(sp.together(sc)))
            for _, s, c in pairs:                      # s^(2k) -> (1 - c^2)^k
                num = sp.expand(sum((coeff * s ** (k % 2) * (1 - c**2) ** (k // 2)
                                     for (k,), coeff in sp.Poly(num, s).terms()), sp.Integer(0)))
            return num == 0
    if sp.expand(expr) == 0:
        return True
    return sp.expand(sp.numer(sp.together(expr))) == 0


def is_zero(expr, *, angles=()) -> bool:
    """True when ``expr`` (an expression or a matrix) vanishes identically.

    Parameters
    ----------
    expr : sympy expression or matrix
    angles : sequence of symbols
        Angles whose sine and cosine appear in ``expr`` (step 3 of the module docstring).

    Examples
    --------
    >>> th = sp.Symbol("theta", real=True)
    >>> is_zero(sp.cos(th) ** 2 / sp.sin(th) + sp.sin(th) - 1 / sp.sin(th), angles=[th])
    True
    >>> is_zero(sp.Matrix([sp.sin(th) ** 2 - sp.cos(th) ** 2, 0]), angles=[th])
    False
    """
    angles = tuple(angles)
    items = list(expr) if isinstance(expr, sp.MatrixBase) else [sp.sympify(expr)]
    return all(_cheap_zero(e, angles) or sp.simplify(e) == 0 for e in items)


def residual(expr, *, angles=()):
    """``expr`` simplified, as ``sympy.simplify(expr)``, but 0 (or a zero matrix of its shape)
    straight away when a cheap test of the module docstring proves it zero.

    Examples
    --------
    >>> a, b = sp.symbols("a b", positive=True)
    >>> residual(sp.Matrix([(a**2 - b**2) / (a - b) - a - b, a]))
    Matrix([
    [0],
    [a]])
    """
    angles = tuple(angles)
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda e: residual(e, angles=angles))
    expr = sp.sympify(expr)
    return sp.Integer(0) if _cheap_zero(expr, angles) else sp.simplify(expr)
