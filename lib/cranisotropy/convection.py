"""Angular power spectrum from turbulent convection: Zhang & Liu (2024), Eqs. 8-11 (reconstructed).

With the equipartition (delta_ij) hypothesis and U_l of :mod:`cranisotropy.velocity_multipoles` (Eq. 6),
the dipole-l' coupling of Eqs. 8-9 gives the m-independent diagonal elements (Eq. 10)

    C_l = (g/v)^2 [l U_(l-1) + (l+1) U_(l+1)] / (2l+1),

for the relative intensity dN/N = sum a_lm Y_lm.  For a power law E = A k^-gamma,
U_l = (4 pi/3) A lam^(gamma-1) I_l(gamma), so C_l = (g/v)^2 (4 pi/3) A lam^(gamma-1) S_l(gamma)
with S_l the :func:`spectrum_shape`.

Normalisation (flag Z1 of equations.md) is explicit here.  ``A`` is the amplitude of the spectrum
with int E dk = <|u|^2>.  A fitted velocity dispersion ``sigma`` maps to A through
:func:`amplitude_from_sigma` with two switches:

* ``sigma_def="kE"``:   sigma^2 = k E(k) at k = 1/lam, i.e. A lam^(gamma-1) = sigma^2;
  ``sigma_def="kE-2pi"``: sigma^2 = k E(k) at k = 2 pi/lam, i.e. A lam^(gamma-1) = (2 pi)^(gamma-1) sigma^2;
  ``sigma_def="tail"``: sigma^2 = int_(1/lam)^oo E dk, i.e. A lam^(gamma-1) = (gamma-1) sigma^2;
* ``half=True``: sigma is defined from a spectrum normalised as int E dk = <|u|^2>/2, so the
  velocity spectrum is twice that (A doubles).

``g`` = -d ln f0 / d ln p = Gamma_CR + 2 (4.7 by default) is the third convention of Z1.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import special

from . import validate, velocity_multipoles

__all__ = [
    "spectrum_shape",
    "spectrum_shape_closed",
    "C_ell_from_U",
    "amplitude_from_sigma",
    "C_ell_power_law",
    "C_ell_spectrum",
    "SIGMA_DEFS",
    "local_slope",
    "closed_form_identity_holds",
    "gaussian_flow_U",
    "gaussian_flow_share",
    "sigma_scale",
    "PC_CM",
    "PC_AU",
    "C_CM_S",
    "mean_free_path_pc",
    "SCALE_READINGS",
    "scale_of_multipole",
    "multipole_of_scale",
    "lower_term_share",
]

PC_CM = 3.0856775814913673e18      # parsec in cm
PC_AU = 206264.80624709636         # parsec in AU
C_CM_S = 2.99792458e10             # speed of light, cm/s
#: Readings of "l corresponds to the length scale ..." (Zhang & Liu 2024, Sec. 5; equations.md "Scale mapping"):
#: "delta": 2 pi / k with k = (l - 1/2)/lam, the delta-function approximation applied to the dominant term
#: U_(l-1) of C_l; "2pi-lam/l": 2 pi lam / l; "lam/(l+1/2)": 1 / k_l.
SCALE_READINGS = ("delta", "2pi-lam/l", "lam/(l+1/2)")

SIGMA_DEFS = ("kE", "tail", "kE-2pi")


def _check_shape_range(ell, gamma):
    ell_b, g_b = np.broadcast_arrays(ell, gamma)
    if np.any(g_b <= -1):
        raise ValueError(f"gamma must be > -1, got {gamma!r}")
    bad = g_b >= 2 * (ell_b - 1) + 1
    if np.any(bad):
        raise ValueError(
            "I_(ell-1) diverges: need gamma < 2*(ell-1)+1 (ell >= 2 for gamma = 5/3); "
            f"violated for ell={ell_b[bad].ravel()[:5].tolist()}, gamma={g_b[bad].ravel()[:5].tolist()}"
        )


def spectrum_shape(ell, gamma):
    """S_l(gamma) = [l I_(l-1)(gamma) + (l+1) I_(l+1)(gamma)] / (2l+1), the shape of Eq. 10 for a
    power law, with I_l of Eq. 7 (:func:`cranisotropy.velocity_multipoles.power_law_integral`).

    Vectorised over ``ell`` (integer >= 1; broadcasts with ``gamma``).  ValueError where
    I_(l-1) diverges (gamma >= 2l - 1) or gamma <= -1.
    """
    ell = validate.integer("ell", ell, minimum=1)
    gamma = validate.finite("gamma", gamma)
    _check_shape_range(ell, gamma)
    l = np.asarray(ell)
    out = (l * velocity_multipoles.power_law_integral(l - 1, gamma) + (l + 1) * velocity_multipoles.power_law_integral(l + 1, gamma)) / (
        2.0 * l + 1.0
    )
    return float(out) if np.ndim(out) == 0 else out


def spectrum_shape_closed(ell, gamma):
    """The same S_l(gamma) in one Gamma-function expression (equations.md, "new closed form"):

    S_l = pi Gamma(gamma+1) / (2^(gamma+2) Gamma(1+gamma/2)^2) [l(l+1) + (gamma^2-1)/4]
          Gamma(l - (1+gamma)/2) / Gamma(l + (5+gamma)/2)   -> ~ l^-(gamma+1) for l >> 1.
    """
    ell = validate.integer("ell", ell, minimum=1)
    gamma = validate.finite("gamma", gamma)
    _check_shape_range(ell, gamma)
    l = np.asarray(ell, dtype=float)
    g = np.asarray(gamma, dtype=float)
    ln = velocity_multipoles.log_prefactor(g) + special.gammaln(l - (1 + g) / 2) - special.gammaln(l + (5 + g) / 2)
    out = (l * (l + 1) + (g**2 - 1) / 4) * np.exp(ln)
    return float(out) if out.ndim == 0 else out


def C_ell_from_U(U, g=4.7, v=1.0):
    """Eq. 10 of Zhang & Liu (2024): C_l = (g/v)^2 [l U_(l-1) + (l+1) U_(l+1)] / (2l+1).

    Parameters
    ----------
    U : array_like
        U_0, U_1, ..., U_L (indexed by l from 0; any velocity units), >= 0.
    g : float
        -d ln f0 / d ln p (> 0).
    v : float
        Particle speed in the units of U^(1/2) (> 0).

    Returns
    -------
    ndarray
        C_l for l = 0 .. L-1 (length L, indexed by l from 0).  C_0 = 0: the monopole of
        delta f_c is its direction average, which the paper removes (delta f_c - <delta f_c>).

    Raises
    ------
    ValueError
        Fewer than 3 entries, a negative U, g or v not positive.

    References
    ----------
    Y. Zhang & S. Liu, arXiv:2402.16554 (2024), Eq. 10 (reconstructed, equations.md Sec. 3).

    Examples
    --------
    >>> C_ell_from_U([1.0, 1.0, 1.0, 1.0], g=1.0).tolist()
    [0.0, 1.0, 1.0]
    """
    U = validate.nonnegative("U", U)
    U = np.atleast_1d(np.asarray(U, dtype=float))
    if U.ndim != 1 or U.size < 3:
        raise ValueError(f"U must be a 1-d array with at least 3 entries (U_0, U_1, U_2), got shape {U.shape}")
    g = validate.positive("g", g, allow_array=False)
    v = validate.positive("v", v, allow_array=False)
    ell = np.arange(1, U.size - 1)
    C = np.zeros(U.size - 1)
    C[1:] = (g / v) ** 2 * (ell * U[:-2] + (ell + 1) * U[2:]) / (2 * ell + 1)
    return C


def amplitude_from_sigma(sigma, gamma, lam, *, sigma_def: str = "kE", half: bool = False):
    """A of E(k) = A k^-gamma (normalised int E dk = <|u|^2>) for a velocity dispersion ``sigma``
    at scale ``lam`` under the convention (``sigma_def``, ``half``) of flag Z1 (see module doc)."""
    sigma = validate.nonnegative("sigma", sigma)
    gamma = validate.finite("gamma", gamma, allow_array=False)
    lam = validate.positive("lam", lam, allow_array=False)
    if sigma_def not in SIGMA_DEFS:
        raise ValueError(f"sigma_def must be one of {SIGMA_DEFS}, got {sigma_def!r}")
    if not isinstance(half, (bool, np.bool_)):
        raise TypeError(f"half must be a bool, got {half!r}")
    if sigma_def == "tail" and gamma <= 1:
        raise ValueError(f"sigma_def='tail' needs gamma > 1 (int_(1/lam)^oo E dk converges), got {gamma!r}")
    factor = {"kE": 1.0, "tail": gamma - 1.0, "kE-2pi": (2.0 * np.pi) ** (gamma - 1.0)}[sigma_def]
    if half:
        factor *= 2.0
    return factor * np.asarray(sigma) ** 2 * lam ** (1.0 - gamma)


def sigma_scale(gamma, *, sigma_def: str = "kE", half: bool = False, g=4.7, g_ref=4.7):
    """sigma under the convention (``sigma_def``, ``half``, ``g``) over sigma under the default one
    (k E(k) at k = 1/lam, no 1/2, ``g_ref``) for the same C_l: C_l ~ g^2 A lam^(gamma-1) with
    A lam^(gamma-1) = f sigma^2 (:func:`amplitude_from_sigma`), so the ratio is
    (g_ref / g) / sqrt(f).  Flag Z1 of equations.md.

    Examples
    --------
    >>> round(float(sigma_scale(5 / 3, sigma_def="kE-2pi")), 4)      # (2 pi)^(-1/3)
    0.5419
    """
    g = validate.positive("g", g, allow_array=False)
    g_ref = validate.positive("g_ref", g_ref, allow_array=False)
    f = amplitude_from_sigma(1.0, gamma, 1.0, sigma_def=sigma_def, half=half)
    return (g_ref / g) / np.sqrt(f)


def C_ell_power_law(ell, gamma, lam, *, A=None, sigma=None, sigma_def: str = "kE", half: bool = False, g=4.7, v=1.0):
    """Eqs. 7+10: C_l = (g/v)^2 (4 pi/3) A lam^(gamma-1) S_l(gamma) for E = A k^-gamma.

    Give exactly one of ``A`` (int E dk = <|u|^2> normalisation) or ``sigma`` (converted by
    :func:`amplitude_from_sigma` with ``sigma_def`` and ``half``).  ``sigma`` and ``v`` in the
    same velocity unit; ``lam`` in the unit of 1/k.  Vectorised over ``ell``.
    """
    if (A is None) == (sigma is None):
        raise ValueError("give exactly one of A or sigma")
    gamma = validate.finite("gamma", gamma, allow_array=False)
    lam = validate.positive("lam", lam, allow_array=False)
    g = validate.positive("g", g, allow_array=False)
    v = validate.positive("v", v, allow_array=False)
    if A is None:
        A = amplitude_from_sigma(sigma, gamma, lam, sigma_def=sigma_def, half=half)
    else:
        A = validate.nonnegative("A", A, allow_array=False)
    return (g / v) ** 2 * 4.0 * np.pi / 3.0 * A * lam ** (gamma - 1.0) * spectrum_shape(ell, gamma)


def C_ell_spectrum(ell, E: Callable, lam, *, g=4.7, v=1.0, k_breaks=()):
    """Eqs. 6+10 for a general spectrum ``E(k)`` (int E dk = <|u|^2>), U_l by quadrature
    (:func:`cranisotropy.velocity_multipoles.U_ell_quad`).  Vectorised over ``ell`` (>= 1)."""
    ell = validate.integer("ell", ell, minimum=1)
    g = validate.positive("g", g, allow_array=False)
    v = validate.positive("v", v, allow_array=False)
    ells = np.atleast_1d(ell)
    need = np.unique(np.concatenate([ells - 1, ells + 1]))
    U = dict(zip(need.tolist(), np.atleast_1d(velocity_multipoles.U_ell_quad(need, E, lam, k_breaks=k_breaks))))
    C = np.array([(g / v) ** 2 * (l * U[l - 1] + (l + 1) * U[l + 1]) / (2 * l + 1) for l in ells.tolist()])
    return float(C[0]) if np.ndim(ell) == 0 else C


def local_slope(ell, gamma):
    """d ln S_l / d ln l of the power-law shape (:func:`spectrum_shape`) by the forward difference
    between l and l + 1: tends to -(gamma + 1) for l >> 1 (the abstract of Zhang & Liu 2024).

    Examples
    --------
    >>> round(float(local_slope(10**5, 5 / 3)), 3)
    -2.667
    """
    ell = np.asarray(validate.integer("ell", ell, minimum=2))
    return np.log(spectrum_shape(ell + 1, gamma) / spectrum_shape(ell, gamma)) / np.log((ell + 1) / ell)


def closed_form_identity_holds() -> bool:
    """The algebra behind :func:`spectrum_shape_closed`, in sympy: with a = l - (1+gamma)/2 and
    b = l + (1+gamma)/2, Gamma(a+2)/Gamma(a) = a(a+1), Gamma(b+2)/Gamma(b) = b(b+1), and
    [l b(b+1) + (l+1) a(a+1)]/(2l+1) = l(l+1) + (gamma^2 - 1)/4.

    Examples
    --------
    >>> closed_form_identity_holds()
    True
    """
    import sympy as sp

    l_, g_, a_, b_ = sp.symbols("ell gamma a b", positive=True)
    rec_a = sp.simplify(sp.expand_func(sp.gamma(a_ + 2)) / sp.gamma(a_) - a_ * (a_ + 1)) == 0
    rec_b = sp.simplify(sp.expand_func(sp.gamma(b_ + 2)) / sp.gamma(b_) - b_ * (b_ + 1)) == 0
    bracket = (l_ * b_ * (b_ + 1) + (l_ + 1) * a_ * (a_ + 1)) / (2 * l_ + 1)
    poly = sp.simplify(bracket.subs({a_: l_ - (1 + g_) / 2, b_: l_ + (1 + g_) / 2}) - (l_ * (l_ + 1) + (g_**2 - 1) / 4))
    return bool(rec_a and rec_b and poly == 0)


def gaussian_flow_U(ell, lam_over_L):
    """U_l (Eq. 6) of a flow that is regular on the scale L: Gaussian velocity correlation
    exp(-r^2 / 2L^2) of each component, i.e. E(k) = <|u|^2> sqrt(2/pi) L^3 k^2 exp(-k^2 L^2 / 2).

    With Weber's second exponential integral the quadrature of Eq. 6 is closed:

        U_l = (4 pi/3) <|u|^2> sqrt(pi/2) (L/lam) e^(-x) I_(l+1/2)(x),   x = (lam/L)^2,

    in units of <|u|^2> (returned for <|u|^2> = 1).  Vectorised over ``ell`` (>= 0) and
    ``lam_over_L`` (> 0).

    References
    ----------
    Y. Zhang & S. Liu, arXiv:2402.16554 (2024), Eq. 6 (reconstructed) and the discussion of Eq. 4
    (a regular flow gives no small-scale anisotropy for lam <~ L).

    Examples
    --------
    >>> import numpy as np
    >>> U = gaussian_flow_U(np.arange(200), 1.0)          # sum_l (2l+1) U_l = (4 pi/3) <|u|^2>
    >>> round(float(np.sum((2 * np.arange(200) + 1) * U) / (4 * np.pi / 3)), 12)
    1.0
    """
    ell = validate.integer("ell", ell, minimum=0)
    r = validate.positive("lam_over_L", lam_over_L)
    x = np.asarray(r, dtype=float) ** 2
    out = 4.0 * np.pi / 3.0 * np.sqrt(np.pi / 2.0) / np.asarray(r, dtype=float) * special.ive(np.asarray(ell) + 0.5, x)
    return float(out) if np.ndim(out) == 0 else out


def gaussian_flow_share(lam_over_L, *, ell_min: int = 3, lmax: int | None = None):
    """The share of the anisotropic power of delta f_c at l >= ``ell_min``,
    sum_(l>=ell_min) (2l+1) C_l / sum_(l>=2) (2l+1) C_l, for the regular flow of
    :func:`gaussian_flow_U` (Eq. 10; the l = 1 term is the mean flow's dipole).

    Power at l >= 3 comes only from the Taylor terms j >= 2 of Eq. 3 (the j-th term holds
    l = j+1, j-1, ...), so this measures the "large-j corrections" of Eq. 4.  ``lmax`` (default
    60 + 4 (lam/L)^2) truncates the sums.  Vectorised over ``lam_over_L``.

    Examples
    --------
    >>> bool(gaussian_flow_share(0.1) < gaussian_flow_share(1.0) < gaussian_flow_share(10.0))
    True
    """
    r = np.atleast_1d(validate.positive("lam_over_L", lam_over_L)).astype(float)
    ell_min = validate.integer("ell_min", ell_min, minimum=3, allow_array=False)
    top = int(60 + 4 * np.max(r) ** 2) if lmax is None else validate.integer("lmax", lmax, minimum=ell_min + 1,
                                                                               allow_array=False)
    ell = np.arange(top + 2)
    U = gaussian_flow_U(ell[:, None], r[None, :])                    # (l, r)
    l = ell[1:-1, None]
    weighted = l * U[:-2] + (l + 1) * U[2:]                          # (2l+1) C_l, l = 1..top
    share = weighted[ell_min - 1:].sum(axis=0) / weighted[1:].sum(axis=0)
    return float(share[0]) if np.ndim(lam_over_L) == 0 else share


def mean_free_path_pc(D_cm2_s, v_cm_s=C_CM_S):
    """lambda = 3 D / v in pc, the paper's definition D = lambda v / 3 (Zhang & Liu 2024, Sec. 5).

    Examples
    --------
    >>> round(float(mean_free_path_pc(1e29)), 3)
    3.243
    """
    D = validate.positive("D_cm2_s", D_cm2_s)
    v = validate.positive("v_cm_s", v_cm_s, allow_array=False)
    return 3.0 * np.asarray(D) / v / PC_CM


def scale_of_multipole(ell, lam, reading: str = "delta"):
    """The length scale that multipole ``ell`` stands for on the sphere of radius ``lam`` (same unit), by one of
    :data:`SCALE_READINGS`.  Vectorised over ``ell`` (>= 1).

    Examples
    --------
    >>> [round(float(v), 2) for v in scale_of_multipole([3, 30], 10.0)]
    [25.13, 2.13]
    """
    ell = np.asarray(validate.integer("ell", ell, minimum=1), dtype=float)
    lam = validate.positive("lam", lam, allow_array=False)
    if reading not in SCALE_READINGS:
        raise ValueError(f"reading must be one of {SCALE_READINGS}, got {reading!r}")
    out = {"delta": 2 * np.pi * lam / (ell - 0.5), "2pi-lam/l": 2 * np.pi * lam / ell,
           "lam/(l+1/2)": lam / (ell + 0.5)}[reading]
    return float(out) if out.ndim == 0 else out


def multipole_of_scale(scale, lam):
    """The inverse of :func:`scale_of_multipole` (reading "delta"): l = 2 pi lam / scale + 1/2 (not rounded).

    Examples
    --------
    >>> round(float(multipole_of_scale(scale_of_multipole(7, 10.0), 10.0)), 12)
    7.0
    """
    scale = validate.positive("scale", scale)
    lam = validate.positive("lam", lam, allow_array=False)
    return 2 * np.pi * lam / np.asarray(scale) + 0.5


def lower_term_share(ell, gamma):
    """The share of the U_(l-1) term in C_l (Eq. 10 with Eq. 7): l I_(l-1) / (l I_(l-1) + (l+1) I_(l+1)).

    Examples
    --------
    >>> round(float(lower_term_share(3, 5 / 3)), 3)
    0.796
    """
    ell = validate.integer("ell", ell, minimum=1)
    gamma = validate.finite("gamma", gamma)
    _check_shape_range(ell, gamma)
    l = np.asarray(ell)
    lo = l * velocity_multipoles.power_law_integral(l - 1, gamma)
    out = lo / (lo + (l + 1) * velocity_multipoles.power_law_integral(l + 1, gamma))
    return float(out) if np.ndim(out) == 0 else out
