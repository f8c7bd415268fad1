"""Dipole-multipole coupling of Zhang & Liu (2024), Eqs. 8-11 (reconstructed): Gaunt integrals
and Wigner 3j symbols, exact in sympy (sympy.physics.wigner)."""

from __future__ import annotations

import sympy as sp
from sympy.physics.wigner import wigner_3j

from . import validate

__all__ = ["eq9_gaunt", "coupling_weight", "m_sum"]


def eq9_gaunt(ellp: int, ell: int, mu: int, mp: int, m: int) -> sp.Expr:
    """Eq. 9: int dOmega Y_1mu Y_l'm' Y*_lm
    = (-1)^m sqrt(3 (2l'+1)(2l+1)/(4 pi)) (1 l' l; 0 0 0) (1 l' l; mu m' -m), exact."""
    ellp = validate.integer("ellp", ellp, minimum=0, allow_array=False)
    ell = validate.integer("ell", ell, minimum=0, allow_array=False)
    mu, mp, m = (validate.integer(n, v, allow_array=False) for n, v in (("mu", mu), ("mp", mp), ("m", m)))
    return sp.nsimplify((-1) ** m) * sp.sqrt(sp.Rational(3 * (2 * ellp + 1) * (2 * ell + 1)) / (4 * sp.pi)) * wigner_3j(
        1, ellp, ell, 0, 0, 0
    ) * wigner_3j(1, ellp, ell, mu, mp, -m)


def coupling_weight(ell: int, ellp: int) -> sp.Expr:
    """(2l'+1) (1 l' l; 0 0 0)^2, the weight of U_l' in Eq. 10 (exact rational)."""
    ellp = validate.integer("ellp", ellp, minimum=0, allow_array=False)
    ell = validate.integer("ell", ell, minimum=0, allow_array=False)
    return sp.nsimplify((2 * ellp + 1) * wigner_3j(1, ellp, ell, 0, 0, 0) ** 2)


def m_sum(ell: int, ellp: int, m: int) -> sp.Expr:
    """sum over mu, m' of (1 l' l; mu m' -m)^2 (Eq. 11: 1/(2l+1) for every m when the triangle holds)."""
    ellp = validate.integer("ellp", ellp, minimum=0, allow_array=False)
    ell = validate.integer("ell", ell, minimum=0, allow_array=False)
    m = validate.integer("m", m, allow_array=False)
    if abs(m) > ell:
        raise ValueError(f"m must satisfy |m| <= ell, got m={m}, ell={ell}")
    return sp.nsimplify(sum(wigner_3j(1, ellp, ell, mu, m - mu, -m) ** 2 for mu in (-1, 0, 1) if abs(m - mu) <= ellp))
