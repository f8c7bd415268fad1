"""Random isotropic velocity fields from discrete k-shells, for the Monte-Carlo check of
Zhang & Liu (2024), Eqs. 5, 6 and 10 (reconstructed).

A field is a sum of plane waves u(x) = sum_n [a_n cos(k_n . x) + b_n sin(k_n . x)] with one
uniformly random direction per shell |k_n| and independent isotropic Gaussian amplitude vectors
a_n, b_n of variance s_n^2 per component.  The ensemble is the delta_ij ("equipartition")
field of Eq. 6 with the discrete spectrum E(k) = sum_n w_n delta(k - k_n), where
w_n = 3 s_n^2 is the shell's share of <|u|^2>.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from . import validate

__all__ = ["power_law_shells", "draw_modes", "evaluate", "radial_map", "U_ell_discrete", "radial_cl_monte_carlo"]


def power_law_shells(k_min, k_max, n, gamma, A=1.0):
    """Log-spaced shells for E(k) = A k^-gamma on [k_min, k_max]: returns (k_n, w_n), with
    k_n the geometric centres of ``n`` equal log-bins and w_n = E(k_n) dk_n (midpoint rule)."""
    k_min = validate.positive("k_min", k_min, allow_array=False)
    k_max = validate.positive("k_max", k_max, allow_array=False)
    if k_max <= k_min:
        raise ValueError(f"k_max must exceed k_min, got {k_min!r}, {k_max!r}")
    n = validate.integer("n", n, minimum=1, allow_array=False)
    gamma = validate.finite("gamma", gamma, allow_array=False)
    A = validate.positive("A", A, allow_array=False)
    edges = np.geomspace(k_min, k_max, n + 1)
    k = np.sqrt(edges[1:] * edges[:-1])
    return k, A * k ** (-gamma) * np.diff(edges)


def draw_modes(k, w, rng):
    """One realisation: wave vectors K (n, 3) with random directions, amplitudes a, b (n, 3)."""
    k = np.atleast_1d(validate.positive("k", k))
    w = np.atleast_1d(validate.nonnegative("w", w))
    if k.shape != w.shape or k.ndim != 1:
        raise ValueError(f"k and w must be 1-d arrays of equal length, got {k.shape}, {w.shape}")
    validate.generator("rng", rng)
    d = rng.normal(size=(k.size, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    s = np.sqrt(w / 3.0)[:, None]
    return k[:, None] * d, s * rng.normal(size=(k.size, 3)), s * rng.normal(size=(k.size, 3))


def evaluate(x, K, a, b):
    """u(x) for points x (N, 3): sum_n a_n cos(k_n . x) + b_n sin(k_n . x); returns (N, 3)."""
    x = np.asarray(validate.finite("x", x), dtype=float)
    if x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"x must have shape (N, 3), got {x.shape}")
    ph = x @ np.asarray(K).T
    return np.cos(ph) @ a + np.sin(ph) @ b


def radial_map(nside, lam, K, a, b):
    """The HEALPix map (RING order) of n . u(lam n) on the sphere of radius ``lam``.

    The field is evaluated at one pixel of each antipodal pair only: with c = cos(k.x) and
    s = sin(k.x) at x = lam n, u(-x) = sum_n a_n c - b_n s, so the antipodal pixel (whose centre
    is -n to rounding, ~1e-15) costs no cosine or sine.

    Examples
    --------
    >>> import healpy as hp
    >>> K, a, b = draw_modes(*power_law_shells(0.3, 40.0, 20, 5 / 3), np.random.default_rng(1))
    >>> n = np.array(hp.pix2vec(4, np.arange(192))).T
    >>> direct = np.einsum("ij,ij->i", n, evaluate(2.0 * n, K, a, b))
    >>> bool(np.allclose(radial_map(4, 2.0, K, a, b), direct, rtol=0, atol=1e-12))
    True
    """
    nside = validate.integer("nside", nside, minimum=1, allow_array=False)
    lam = validate.positive("lam", lam, allow_array=False)
    n, first, anti = _antipodal_pairs(nside)
    x, K = lam * n[first], np.asarray(K)
    ua, ub = np.empty_like(x), np.empty_like(x)
    for lo in range(0, len(x), 1024):             # blocks of pixels: the phases stay in cache
        ph = x[lo:lo + 1024] @ K.T
        ua[lo:lo + 1024], ub[lo:lo + 1024] = np.cos(ph) @ a, np.sin(ph) @ b
    out = np.empty(len(n))
    out[first] = np.einsum("ij,ij->i", n[first], ua + ub)
    out[anti] = np.einsum("ij,ij->i", n[anti], ua - ub)
    return out


def _antipodal_pairs(nside):
    """Pixel centres n (RING) and the pixels ``first`` and ``anti`` = their antipodes, one entry
    per antipodal pair."""
    import healpy as hp

    npix = hp.nside2npix(nside)
    n = np.array(hp.pix2vec(nside, np.arange(npix))).T
    opposite = hp.vec2pix(nside, *(-n).T)
    first = np.flatnonzero(np.arange(npix) < opposite)
    if first.size * 2 != npix or not np.array_equal(opposite[opposite], np.arange(npix)):
        raise RuntimeError(f"HEALPix pixels at Nside={nside} are not paired by antipodes")   # never for HEALPix
    return n, first, opposite[first]


def U_ell_discrete(ell, k, w, lam):
    """Eq. 6 for the discrete spectrum: U_l = (4 pi/3) sum_n w_n j_l(k_n lam)^2 (vectorised over ell)."""
    ell = validate.integer("ell", ell, minimum=0)
    k = np.atleast_1d(validate.positive("k", k))
    w = np.atleast_1d(validate.nonnegative("w", w))
    lam = validate.positive("lam", lam, allow_array=False)
    l = np.atleast_1d(ell)
    out = 4.0 * np.pi / 3.0 * np.sum(w[None, :] * special.spherical_jn(l[:, None], k[None, :] * lam) ** 2, axis=1)
    return float(out[0]) if np.ndim(ell) == 0 else out


def radial_cl_monte_carlo(nside, lam, k, w, n_real, lmax, rng, *, progress=False):
    """C_l (l = 0..lmax, anafast with iter=3) of n . u(lam n) on a HEALPix sphere for ``n_real``
    random fields of the discrete spectrum (k, w), drawn in turn from ``rng``: the Monte Carlo of
    Eqs. 5, 6 and 10.  Returns an array (n_real, lmax + 1).

    Examples
    --------
    >>> k, w = power_law_shells(0.3, 40.0, 50, 5 / 3)
    >>> radial_cl_monte_carlo(4, 1.0, k, w, 2, 8, np.random.default_rng(0)).shape
    (2, 9)
    """
    import healpy as hp

    n_real = validate.integer("n_real", n_real, minimum=1, allow_array=False)
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    it = range(n_real)
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc="realisations")
    cls = np.empty((n_real, lmax + 1))
    for r in it:
        K, a, b = draw_modes(k, w, rng)
        cls[r] = hp.anafast(radial_map(nside, lam, K, a, b), lmax=lmax, iter=3)
    return cls


def eq10_comparison(cls, ell, k, w, lam):
    """The Monte Carlo of Eq. 10 against Eq. 10 itself: the mean C_l of the realisations
    ``cls`` (rows; columns l = 0..) at the multipoles ``ell``, its standard error, and Zhang & Liu
    (2024) Eq. 10 (g = v = 1) for the same discrete spectrum (k, w) on the sphere of radius ``lam``.

    Returns
    -------
    dict
        ``mean``, ``err``, ``pred`` (arrays over ``ell``), ``z`` = (mean - pred)/err, ``chi2`` =
        sum z^2, ``dof`` = len(ell) and ``p`` = its chi^2 survival probability.

    Examples
    --------
    >>> k, w = power_law_shells(0.3, 40.0, 50, 5 / 3)
    >>> cls = radial_cl_monte_carlo(8, 1.0, k, w, 20, 12, np.random.default_rng(0))
    >>> out = eq10_comparison(cls, np.arange(2, 7), k, w, 1.0)
    >>> out["dof"], bool(np.all(np.abs(out["z"]) < 4))
    (5, True)
    """
    from scipy import stats

    from .convection import C_ell_from_U

    cls = np.asarray(validate.finite("cls", cls), dtype=float)
    if cls.ndim != 2 or cls.shape[0] < 2:
        raise ValueError(f"cls must be (n_real >= 2, lmax + 1), got shape {cls.shape}")
    ell = validate.integer("ell", ell, minimum=1)
    if np.max(ell) >= cls.shape[1]:
        raise ValueError(f"ell must be below {cls.shape[1]} (the columns of cls), got max {np.max(ell)}")
    U = U_ell_discrete(np.arange(0, np.max(ell) + 2), k, w, lam)
    pred = C_ell_from_U(U, g=1.0, v=1.0)[ell]
    mean = cls[:, ell].mean(axis=0)
    err = cls[:, ell].std(axis=0, ddof=1) / np.sqrt(cls.shape[0])
    z = (mean - pred) / err
    chi2 = float(np.sum(z**2))
    return dict(mean=mean, err=err, pred=pred, z=z, chi2=chi2, dof=len(ell), p=float(stats.chi2.sf(chi2, len(ell))))
