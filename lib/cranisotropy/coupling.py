"""Dipole-multipole coupling of Zhang & Liu (2024), Eqs. 8-11 (reconstructed): Gaunt integrals
and Wigner 3j symbols, exact in sympy (sympy.physics.wigner)."""

from __future__ import annotations

import sympy as sp
from sympy.physics.wigner import wigner_3j

from . import validate

__all__ = ["eq9_gaunt", "coupling_weight", "m_sum", "gaunt_check", "eq10_weights_check", "mean_field_failures"]


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


def gaunt_check(lmax: int) -> tuple[bool, int, int]:
    """Eq. 9 against ``sympy.physics.wigner.gaunt`` for every (l, l', m, m', mu) with
    1 <= l <= ``lmax``, 0 <= l' <= l + 2, and the selection rules of the paper: every nonzero
    integral has l' = l +- 1 and m = m' + mu.

    Returns
    -------
    (ok, n_compared, n_nonzero)
        ``ok`` when Eq. 9 equals the Gaunt integral in all ``n_compared`` cases with
        m = m' + mu and all ``n_nonzero`` nonzero integrals obey the rules.

    Examples
    --------
    >>> gaunt_check(1)
    (True, 28, 12)
    """
    from sympy.physics.wigner import gaunt

    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    n_cmp, n_nonzero, ok = 0, 0, True
    for l in range(1, lmax + 1):
        for lp in range(0, l + 3):
            for m in range(-l, l + 1):
                for mu in (-1, 0, 1):
                    for mp in range(-lp, lp + 1):
                        ref = (-1) ** m * gaunt(1, lp, l, mu, mp, -m)   # Y*_lm = (-1)^m Y_l,-m
                        if mp == m - mu:
                            ok &= sp.simplify(eq9_gaunt(lp, l, mu, mp, m) - ref) == 0
                            n_cmp += 1
                        if ref != 0:
                            n_nonzero += 1
                            ok &= (lp in (l - 1, l + 1)) and (mp == m - mu)
    return bool(ok), n_cmp, n_nonzero


def eq10_weights_check(lmax: int) -> tuple[bool, bool, int]:
    """The two exact facts that make Eq. 10 (Eq. 11): (2l'+1)(1 l' l; 000)^2 = l/(2l+1) for
    l' = l-1 and (l+1)/(2l+1) for l' = l+1, and sum_{mu,m'} 3j^2 = 1/(2l+1) for every m
    (m-independence), for 1 <= l <= ``lmax``.  Returns (weights hold, m-sums hold, cases).

    Examples
    --------
    >>> eq10_weights_check(2)
    (True, True, 16)
    """
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    w_ok, m_ok, n = True, True, 0
    for l in range(1, lmax + 1):
        w_ok &= coupling_weight(l, l - 1) == sp.Rational(l, 2 * l + 1)
        w_ok &= coupling_weight(l, l + 1) == sp.Rational(l + 1, 2 * l + 1)
        for lp in (l - 1, l + 1):
            for m in range(-l, l + 1):
                m_ok &= m_sum(l, lp, m) == sp.Rational(1, 2 * l + 1)
                n += 1
    return bool(w_ok), bool(m_ok), n


def mean_field_failures(lmax: int) -> int:
    """How many of these exact statements about the Eq. 10 weights fail: C_1 has a nonzero weight on
    U_0 (the mean flow), C_2 on U_1 (the mean velocity gradient), and no C_l with 3 <= l <= ``lmax``
    has any weight on U_0 or U_1.  Zero means: only l >= 3 is free of the mean fields, Zhang & Liu's
    "only anisotropies with [l >= 3] can be ascribed to pure turbulent convection" (Sec. 4).

    Examples
    --------
    >>> mean_field_failures(6)
    0
    """
    lmax = validate.integer("lmax", lmax, minimum=3, allow_array=False)
    fails = int(coupling_weight(1, 0) == 0) + int(coupling_weight(2, 1) == 0)
    fails += sum(int(coupling_weight(l, lp) != 0) for l in range(3, lmax + 1) for lp in (0, 1))
    return fails
