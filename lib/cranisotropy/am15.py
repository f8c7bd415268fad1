"""The AM15 comparison model of Zhang & Liu (2024), Eq. B2 = Ahlers & Mertsch (2015), Eq. 16.

**Reconstruction, not the paper's formula.**  AM15 Eq. 16 could not be retrieved; these are the
two candidate closed forms of ``shared/reference/equations.md`` (Section 4, confidence L).  Both
parametrise the relative scattering rate of two particles as
nu_r(eta) = 2 nu [(1 - cos eta)/2]^beta, i.e. nu_r ~ eta^(2 beta) for eta << 1:

* candidate ``"a"`` (BGK relaxation of the pair function, xi(mu) ~ mu / nu_r):

      C_l / C_1 = [l(l+1) + beta(beta-1)] / [2 + beta(beta-1)]
                  * Gamma(4-beta) Gamma(l-1+beta) / (Gamma(beta) Gamma(l+3-beta))  ~ l^(2 beta - 2);

* candidate ``"b"`` (Fokker-Planck relative diffusion, d xi / d mu ~ 1 / nu_r):

      C_l / C_1 = Gamma(4-beta) Gamma(l-1+beta) / (Gamma(beta) Gamma(l+3-beta))  ~ l^(2 beta - 4).

:func:`shape` gives the l-dependence without the l-independent factor (positive for every valid
beta, what an amplitude-plus-shape fit needs); :func:`ratio` the normalised C_l / C_1, which for
beta < 0 is negative for l >= 2 (Gamma(beta) < 0): the model then has no positive C_1.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from . import validate

CANDIDATES = ("a", "b")
LABELS = {
    "a": "AM15 candidate (a), BGK pair relaxation (reconstruction)",
    "b": "AM15 candidate (b), relative diffusion (reconstruction)",
}

__all__ = ["CANDIDATES", "LABELS", "shape", "ratio", "asymptotic_slope", "small_angle_exponent",
           "beta_for_slope", "beta_bounds"]


def _candidate(candidate):
    if candidate not in CANDIDATES:
        raise ValueError(f"candidate must be one of {CANDIDATES}, got {candidate!r}")
    return candidate


def beta_bounds(ell_min: int = 1):
    """Open interval of beta for which :func:`shape` is finite and positive for all l >= ell_min.

    Gamma(l-1+beta) needs beta > 1 - ell_min; Gamma(l+3-beta) and Gamma(4-beta) need beta < 4.
    """
    ell_min = validate.integer("ell_min", ell_min, minimum=1, allow_array=False)
    return (1.0 - ell_min, 4.0)


def _check(ell, beta, ell_min_needed):
    ell = validate.integer("ell", ell, minimum=1)
    beta = validate.finite("beta", beta)
    lmin = int(np.min(np.minimum(ell, ell_min_needed))) if ell_min_needed else int(np.min(ell))
    lo, hi = beta_bounds(lmin)
    b = np.asarray(beta)
    if np.any(b <= lo) or np.any(b >= hi):
        raise ValueError(f"beta must lie in ({lo:g}, {hi:g}) for l >= {lmin}, got {beta!r}")
    return ell, beta


def _log_gamma_ratio(l, b):
    """log[Gamma(l-1+b) / Gamma(l+3-b)] (both arguments positive in the valid range)."""
    return special.gammaln(l - 1.0 + b) - special.gammaln(l + 3.0 - b)


def shape(ell, beta, candidate: str = "b"):
    """The l-dependence of AM15 Eq. 16 (reconstructed candidate), up to an l-independent factor.

    ``"a"``: [l(l+1) + beta(beta-1)] Gamma(l-1+beta)/Gamma(l+3-beta);
    ``"b"``: Gamma(l-1+beta)/Gamma(l+3-beta).  Vectorised (ell and beta broadcast); positive for
    beta in :func:`beta_bounds` (min l).
    """
    candidate = _candidate(candidate)
    ell, beta = _check(ell, beta, None)
    l = np.asarray(ell, dtype=float)
    b = np.asarray(beta, dtype=float)
    out = np.exp(_log_gamma_ratio(l, b))
    if candidate == "a":
        out = out * (l * (l + 1.0) + b * (b - 1.0))
    return float(out) if out.ndim == 0 else out


def ratio(ell, beta, candidate: str = "b"):
    """C_l / C_1 of the reconstructed AM15 Eq. 16 candidate (equals 1 at l = 1).

    Needs beta in (0, 4) so that l = 1 is defined (Gamma(beta) at l = 1).  For beta -> 0 the ratio
    at l >= 2 tends to 0 (1/Gamma(beta) -> 0).

    Examples
    --------
    >>> ratio([1, 2, 3], 1.0, "b").round(6).tolist()               # beta = 1: 2/(l (l+1))
    [1.0, 0.333333, 0.166667]
    """
    candidate = _candidate(candidate)
    ell, beta = _check(ell, beta, 1)
    l = np.asarray(ell, dtype=float)
    b = np.asarray(beta, dtype=float)
    # Gamma(4-b)/Gamma(b) * Gamma(l-1+b)/Gamma(l+3-b); 1/Gamma(b) via rgamma (0 at the poles)
    out = special.gamma(4.0 - b) * special.rgamma(b) * np.exp(_log_gamma_ratio(l, b))
    if candidate == "a":
        out = out * (l * (l + 1.0) + b * (b - 1.0)) / (2.0 + b * (b - 1.0))
    return float(out) if out.ndim == 0 else out


def asymptotic_slope(beta, candidate: str = "b"):
    """d ln C_l / d ln l for l >> 1: 2 beta - 2 (candidate a) or 2 beta - 4 (candidate b).

    Examples
    --------
    >>> asymptotic_slope(0.5, "a"), beta_for_slope(-3.0, "b")
    (-1.0, 0.5)"""
    candidate = _candidate(candidate)
    b = validate.finite("beta", beta)
    out = 2.0 * np.asarray(b) - (2.0 if candidate == "a" else 4.0)
    return float(out) if out.ndim == 0 else out


def beta_for_slope(slope, candidate: str = "b"):
    """Inverse of :func:`asymptotic_slope`: the beta that gives C_l ~ l^slope at large l."""
    candidate = _candidate(candidate)
    s = validate.finite("slope", slope)
    out = (np.asarray(s) + (2.0 if candidate == "a" else 4.0)) / 2.0
    return float(out) if out.ndim == 0 else out


def small_angle_exponent(beta):
    """Exponent of the relative scattering rate at small angles: nu_r ~ eta^(2 beta)."""
    b = validate.finite("beta", beta)
    out = 2.0 * np.asarray(b)
    return float(out) if out.ndim == 0 else out
