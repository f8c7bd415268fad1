"""Angular power spectra on part of the sky (the paragraph after Ahlers 2014, Eq. 21).

IceCube sees only the southern sky, f_sky ~ 1/3.  The paper estimates the relative scatter of the
measured spectrum as <(Delta C_l)^2>/<C_l>^2 ~ 2/((2l+1) f_sky) for Gaussian a_lm and expects the
dipole's error to be dominated by its coupling to the quadrupole.  This module provides

* :func:`cap_mask` -- the observed sky dec < dec_max (equatorial, RING) and :func:`sky_fraction`;
* :func:`eq21_spectrum` -- C_l = C_1 * 18/((2l+1)(l+1)(l+2)) (Eq. 21; C_0 = 0);
* :func:`coupling_matrix` -- the mode-coupling kernel M_ll' of a mask, <C~_l> = sum_l' M_ll' C_l'
  for the pseudo-spectrum C~_l of the masked sky (Hivon et al. 2002), with the Wigner 3j
  symbols (l l' L; 0 0 0) in closed form (:func:`wigner3j_000`);
* :func:`pseudo_cl_monte_carlo` -- full-sky and masked spectra of Gaussian skies;
* :func:`variance_estimate` -- the paper's 2/((2l+1) f_sky).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from . import validate
from .hierarchy import asymptotic_ratio
from .skies import gaussian_alm


def _nside(nside):
    import healpy as hp

    nside = validate.integer("nside", nside, minimum=1, allow_array=False)
    if not hp.isnsideok(nside, nest=True):
        raise ValueError(f"nside must be a power of 2, got {nside!r}")
    return nside


def cap_mask(nside: int, dec_max_deg: float) -> np.ndarray:
    """Boolean HEALPix map (RING, equatorial): True where the declination is below dec_max_deg.

    Its sky fraction is (1 + sin dec_max)/2 up to pixelisation: 1/3 at dec_max = -19.47 deg.
    """
    import healpy as hp

    nside = _nside(nside)
    dec_max = validate.finite("dec_max_deg", dec_max_deg, allow_array=False)
    if not -90 < dec_max <= 90:
        raise ValueError(f"dec_max_deg must lie in (-90, 90], got {dec_max_deg!r}")
    theta, _ = hp.pix2ang(nside, np.arange(12 * nside**2))
    return (90.0 - np.degrees(theta)) < dec_max


def sky_fraction(mask) -> float:
    """f_sky: the mean of a (0/1 or weight) mask."""
    m = np.asarray(validate.finite("mask", np.asarray(mask, dtype=float)))
    if m.ndim != 1 or np.any(m < 0) or np.any(m > 1):
        raise ValueError("mask must be a 1-D map with values in [0, 1]")
    return float(np.mean(m))


def eq21_spectrum(lmax: int, c1: float = 1.0) -> np.ndarray:
    """C_l for l = 0..lmax with C_0 = 0 and C_l = c1 * 18/((2l+1)(l+1)(l+2)) (Eq. 21) for l >= 1."""
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    c1 = validate.positive("c1", c1, allow_array=False)
    cl = np.zeros(lmax + 1)
    cl[1:] = c1 * asymptotic_ratio(np.arange(1, lmax + 1))
    return cl


def variance_estimate(ell, fsky: float) -> np.ndarray:
    """The paper's estimate <(Delta C_l)^2>/<C_l>^2 ~ 2/((2l+1) f_sky)."""
    ell = validate.integer("ell", ell, minimum=0)
    fsky = validate.positive("fsky", fsky, allow_array=False)
    if fsky > 1:
        raise ValueError(f"fsky must be <= 1, got {fsky!r}")
    return 2.0 / ((2 * np.asarray(ell, dtype=float) + 1) * fsky)


def wigner3j_000(l1, l2, l3) -> np.ndarray:
    """(l1 l2 l3; 0 0 0) in closed form (zero unless J = l1+l2+l3 is even and the triangle holds):
    (-1)^(J/2) sqrt[(J-2l1)!(J-2l2)!(J-2l3)!/(J+1)!] (J/2)! / ((J/2-l1)!(J/2-l2)!(J/2-l3)!)."""
    l1, l2, l3 = (np.asarray(validate.integer(n, v, minimum=0)) for n, v in (("l1", l1), ("l2", l2), ("l3", l3)))
    l1, l2, l3 = np.broadcast_arrays(l1, l2, l3)
    J = l1 + l2 + l3
    ok = (J % 2 == 0) & (l3 <= l1 + l2) & (l3 >= np.abs(l1 - l2))
    g = J // 2
    Jf, gf = J.astype(float), g.astype(float)
    a, b, c = (np.where(ok, x, 0).astype(float) for x in (l1, l2, l3))
    logv = (0.5 * (gammaln(Jf - 2 * a + 1) + gammaln(Jf - 2 * b + 1) + gammaln(Jf - 2 * c + 1) - gammaln(Jf + 2))
            + gammaln(gf + 1) - gammaln(gf - a + 1) - gammaln(gf - b + 1) - gammaln(gf - c + 1))
    with np.errstate(invalid="ignore", over="ignore"):
        val = np.where(ok, (-1.0) ** g * np.exp(np.where(ok, logv, 0.0)), 0.0)
    return val


def coupling_matrix(mask, lmax: int) -> np.ndarray:
    """M_ll' (l, l' = 0..lmax) with <C~_l> = sum_l' M_ll' C_l' for the masked sky mask * f:

    M_ll' = (2l'+1)/(4 pi) sum_L (2L+1) W_L (l l' L; 0 0 0)^2, W_L the power spectrum of the mask.
    """
    import healpy as hp

    m = np.asarray(validate.finite("mask", np.asarray(mask, dtype=float)))
    if m.ndim != 1 or not hp.isnpixok(m.size):
        raise ValueError("mask must be a HEALPix map")
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    wl = hp.anafast(m, lmax=2 * lmax)
    ell = np.arange(lmax + 1)
    L = np.arange(2 * lmax + 1)
    w3 = wigner3j_000(ell[:, None, None], ell[None, :, None], L[None, None, :]) ** 2
    return (2 * ell[None, :] + 1) / (4 * np.pi) * np.einsum("ijk,k->ij", w3, (2 * L + 1) * wl)


def pseudo_cl_monte_carlo(cl, mask, n_real: int, rng: np.random.Generator, lmax: int, *,
                          progress: bool = False):
    """Full-sky and masked spectra of ``n_real`` Gaussian skies with spectrum ``cl``.

    Each sky is synthesised band-limited at len(cl) - 1 on the mask's Nside; returns
    ``(full, masked)``, arrays (n_real, lmax + 1) with the anafast spectra of the full map and of
    the masked map (the pseudo-C_l, not divided by f_sky).
    """
    import healpy as hp

    cl = np.atleast_1d(validate.nonnegative("cl", cl))
    m = np.asarray(validate.finite("mask", np.asarray(mask, dtype=float)))
    if m.ndim != 1 or not hp.isnpixok(m.size):
        raise ValueError("mask must be a HEALPix map")
    n_real = validate.integer("n_real", n_real, minimum=2, allow_array=False)
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    validate.generator("rng", rng)
    nside = hp.npix2nside(m.size)
    full, masked = np.empty((n_real, lmax + 1)), np.empty((n_real, lmax + 1))
    it = range(n_real)
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc="Gaussian skies")
    for i in it:
        alm = gaussian_alm(cl, rng)
        sky = hp.alm2map(alm, nside, lmax=cl.size - 1)
        full[i] = hp.alm2cl(alm, lmax=cl.size - 1)[: lmax + 1]
        masked[i] = hp.anafast(sky * m, lmax=lmax, iter=1)
    return full, masked


def cap_coupling(dec_max_deg: float, lmax_out: int, lmax_in: int) -> np.ndarray:
    """K^m_{ll'} = int_cap Y_lm Y*_l'm dOmega for the ideal cap dec < dec_max (m = 0..lmax_out).

    Array (lmax_out + 1, lmax_out + 1, lmax_in + 1) indexed [m, l, l'] (zero where l < m or
    l' < m).  An azimuthally symmetric mask couples only equal m, so the masked sky has
    a~_lm = sum_l' K^m_{ll'} a_l'm.  Gauss-Legendre quadrature in cos theta with enough nodes to
    be exact for the polynomial integrand.
    """
    from scipy.special import sph_harm_y

    dec_max = validate.finite("dec_max_deg", dec_max_deg, allow_array=False)
    if not -90 < dec_max <= 90:
        raise ValueError(f"dec_max_deg must lie in (-90, 90], got {dec_max_deg!r}")
    lmax_out = validate.integer("lmax_out", lmax_out, minimum=0, allow_array=False)
    lmax_in = validate.integer("lmax_in", lmax_in, minimum=lmax_out, allow_array=False)
    xmax = np.sin(np.radians(dec_max))          # dec < dec_max  <=>  cos(colatitude) < sin(dec_max)
    nodes, weights = np.polynomial.legendre.leggauss(lmax_in + lmax_out // 2 + 8)
    x = -1 + (nodes + 1) * (xmax + 1) / 2
    w = weights * (xmax + 1) / 2
    theta = np.arccos(x)
    K = np.zeros((lmax_out + 1, lmax_out + 1, lmax_in + 1))
    ell = np.arange(lmax_in + 1)
    for m in range(lmax_out + 1):
        lam = np.zeros((lmax_in + 1, x.size))
        ls = ell[ell >= m]
        lam[ls] = np.real(sph_harm_y(ls[:, None], m, theta[None, :], 0.0))
        K[m] = 2 * np.pi * (lam[: lmax_out + 1] * w) @ lam.T
    return K


def cap_pseudo_cl_moments(cl, dec_max_deg: float, lmax: int):
    """Exact mean and covariance of the pseudo-spectrum C~_l (l = 0..lmax) of a Gaussian sky with
    spectrum ``cl`` (band-limited at len(cl) - 1) seen through the ideal cap dec < dec_max.

    With S^m_{ll'} = sum_l'' K^m_{ll''} C_l'' K^m_{l'l''} (see :func:`cap_coupling`):
    <C~_l> = (S^0_ll + 2 sum_{m>0} S^m_ll)/(2l+1) and
    Cov(C~_l, C~_l') = (2 (S^0_ll')^2 + 4 sum_{m>0} (S^m_ll')^2)/((2l+1)(2l'+1)).
    """
    cl = np.atleast_1d(validate.nonnegative("cl", cl))
    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    if cl.ndim != 1 or cl.size <= lmax:
        raise ValueError(f"cl must be 1-D with more than lmax + 1 = {lmax + 1} entries, got shape {cl.shape}")
    K = cap_coupling(dec_max_deg, lmax, cl.size - 1)
    S = np.einsum("mik,k,mjk->mij", K, cl, K)
    mult = np.full(lmax + 1, 2.0)
    mult[0] = 1.0
    two_l1 = 2 * np.arange(lmax + 1) + 1.0
    mean = np.einsum("m,mii->i", mult, S) / two_l1
    cov = 2 * np.einsum("m,mij->ij", mult, S**2) / np.outer(two_l1, two_l1)
    return mean, cov


def cap_mean_coupling(dec_max_deg: float, lmax_out: int, lmax_in: int) -> np.ndarray:
    """The coupling matrix M of the mean pseudo-spectrum of the ideal cap dec < dec_max:
    <C~_l> = sum_l' M_ll' C_l' for l = 0..lmax_out, l' = 0..lmax_in (array (lmax_out + 1, lmax_in + 1)).

    M_ll' = (|K^0_ll'|^2 + 2 sum_{m>0} |K^m_ll'|^2)/(2l+1) with K of :func:`cap_coupling`: the exact
    counterpart of the MASTER kernel (Hivon et al. 2002) for the cap.

    Examples
    --------
    >>> M = cap_mean_coupling(90.0, 3, 6)                    # the full sky couples nothing
    >>> bool(np.allclose(M[:, :4], np.eye(4)) and np.allclose(M[:, 4:], 0))
    True
    """
    K = cap_coupling(dec_max_deg, lmax_out, lmax_in)
    mult = np.full(lmax_out + 1, 2.0)
    mult[0] = 1.0
    return np.einsum("m,mlk->lk", mult, K**2) / (2 * np.arange(lmax_out + 1) + 1.0)[:, None]


# -- the statistics of the partial-sky chapter -------------------------------------------------

def dipole_systematic_share(M, cl, fsky: float) -> float:
    """The quadrupole's share of the systematic error of the dipole estimate C~_1/f_sky.

    <C~_1>/f_sky - C_1 = (M_11/f_sky - 1) C_1 + sum_{l>=2} M_1l C_l/f_sky; the share is
    M_12 C_2 / (|M_11 - f_sky| C_1 + sum_{l>=2} M_1l C_l) (all terms of the sum are >= 0).  Ahlers
    (2014) expects this error to be "dominated by its coupling to the quadrupole".

    Parameters
    ----------
    M : array_like
        Coupling matrix of the mean pseudo-spectrum, rows l >= 1 (e.g. :func:`cap_mean_coupling`).
    cl : array_like
        Sky spectrum, indexed by l from 0, at least as long as a row of ``M``.
    fsky : float
        Sky fraction of the estimator.

    Examples
    --------
    >>> M = np.array([[1.0, 0, 0], [0, 0.3, 0.05], [0, 0.05, 0.3]])
    >>> round(dipole_systematic_share(M, [0.0, 1.0, 1.0], 0.3), 6)      # no own loss: all from l = 2
    1.0
    """
    M = np.asarray(validate.finite("M", M), dtype=float)
    cl = np.asarray(validate.nonnegative("cl", cl), dtype=float)
    fsky = validate.positive("fsky", fsky, allow_array=False)
    if M.ndim != 2 or M.shape[0] < 2 or M.shape[1] < 3 or cl.size < M.shape[1]:
        raise ValueError(f"M must be (>= 2, >= 3) with cl at least as long as a row, got {M.shape} and {cl.shape}")
    row = M[1] * cl[: M.shape[1]]
    total = abs(M[1, 1] - fsky) * cl[1] + np.sum(row[2:])
    if total <= 0:
        raise ValueError("the dipole estimate has no systematic error: the share is undefined")
    return float(row[2] / total)


def relative_sd_ratio(mean, cov, low, high) -> float:
    """Mean relative standard deviation sqrt(Cov_ll)/<C~_l> over the multipoles ``low`` = (a, b)
    over the same over ``high`` = (c, d) (inclusive ranges): > 1 when the low multipoles are the
    more uncertain ones.

    Examples
    --------
    >>> ell = np.arange(21.0)
    >>> round(relative_sd_ratio(np.ones(21), np.diag(2 / (2 * ell + 1)), (2, 4), (10, 20)), 3)
    2.115
    """
    mean = np.asarray(validate.finite("mean", mean), dtype=float)
    cov = np.asarray(validate.finite("cov", cov), dtype=float)
    if cov.shape != (mean.size, mean.size):
        raise ValueError(f"cov must be ({mean.size}, {mean.size}), got {cov.shape}")
    rel = np.sqrt(np.diag(cov)) / mean
    (a, b), (c, d) = low, high
    if not 0 <= a <= b < mean.size or not 0 <= c <= d < mean.size:
        raise ValueError(f"low and high must be ranges within 0..{mean.size - 1}, got {low} and {high}")
    return float(np.mean(rel[a: b + 1]) / np.mean(rel[c: d + 1]))

def scatter_ratio(pseudo_cl, fsky: float) -> np.ndarray:
    """Var(C~_l/f_sky) / <C~_l/f_sky>^2 over realisations (rows of ``pseudo_cl``, l = 0..lmax)
    divided by the estimate 2/((2l+1) f_sky) of :func:`variance_estimate`: 1 where the paper's
    estimate holds.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> cl = rng.chisquare(2 * np.arange(5) + 1, size=(4000, 5)) / (2 * np.arange(5) + 1)
    >>> bool(np.allclose(scatter_ratio(cl, 1.0), 1.0, atol=0.1))          # full sky: cosmic variance
    True
    """
    e = np.asarray(validate.finite("pseudo_cl", pseudo_cl), dtype=float) / fsky
    if e.ndim != 2 or e.shape[0] < 2:
        raise ValueError(f"pseudo_cl must be (n_real >= 2, lmax + 1), got shape {e.shape}")
    ell = np.arange(e.shape[1])
    return e.var(axis=0, ddof=1) / e.mean(axis=0) ** 2 / variance_estimate(ell, fsky)


def bootstrap_scatter_ratio(pseudo_cl, fsky: float, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """:func:`scatter_ratio` of ``n_boot`` bootstrap resamples of the realisations (drawn from
    ``rng``): array (n_boot, lmax + 1), whose spread is the Monte-Carlo error."""
    validate.generator("rng", rng)
    n_boot = validate.integer("n_boot", n_boot, minimum=2, allow_array=False)
    x = np.asarray(pseudo_cl)
    n = x.shape[0]
    return np.array([scatter_ratio(x[rng.integers(0, n, n)], fsky) for _ in range(n_boot)])


def band_variance_ratio(mean, cov, bands, fsky: float) -> np.ndarray:
    """For each band (a, b) of multipoles: the variance of the (2l+1)-weighted mean of
    C~_l/<C~_l> over the band, from the exact mean and covariance of the pseudo-spectrum, over the
    estimate 2/(f_sky sum(2l+1)) for a band power.

    Examples
    --------
    >>> ell = np.arange(6.0)
    >>> cov = np.diag(2.0 / (2 * ell + 1))                 # full sky, unit C_l
    >>> band_variance_ratio(np.ones(6), cov, [(2, 5)], 1.0).round(12).tolist()
    [1.0]
    """
    mean = np.asarray(mean, dtype=float)
    cov = np.asarray(cov, dtype=float)
    ell = np.arange(mean.size)
    out = []
    for a, b in bands:
        s = slice(int(a), int(b) + 1)
        w = (2 * ell[s] + 1) / mean[s]
        var = w @ cov[s, s] @ w / np.sum(2 * ell[s] + 1) ** 2
        out.append(var / (2 / (fsky * np.sum(2 * ell[s] + 1))))
    return np.array(out)


def dipole_leakage(mask, dec_max_deg: float, lshow: int, lmax_in: int) -> dict:
    """Where the power of a pure dipole goes through the cap, as C~_l/(f_sky C_1), l = 0..lshow:
    ``map`` (anafast of masked dipole maps, along the polar axis, m = 0, and in the equatorial
    plane, m = 1; over the pixel mask's f_sky), ``exact`` (the cap coupling, over the cap's
    f_sky) and ``isotropic`` (the exact average over dipole orientations), keyed "polar (m=0)"
    and "equatorial (m=1)".

    Examples
    --------
    >>> m = cap_mask(16, -20.0)
    >>> lk = dipole_leakage(m, -20.0, 3, 47)
    >>> bool(abs(lk["map"]["polar (m=0)"][1] - lk["exact"]["polar (m=0)"][1]) < 0.01)
    True
    """
    import healpy as hp

    m = np.asarray(mask, dtype=float)
    fsky, fsky_cap = sky_fraction(m), (1 + np.sin(np.radians(dec_max_deg))) / 2
    nside = hp.npix2nside(m.size)
    pix = np.array(hp.pix2vec(nside, np.arange(m.size)))
    c1_unit = 4 * np.pi / 9                        # C_1 of the map n . d for a unit vector d
    K = cap_coupling(dec_max_deg, lshow, lmax_in)
    two_l1 = 2 * np.arange(lshow + 1) + 1.0
    out = {"map": {}, "exact": {}}
    for name, d, m0 in [("polar (m=0)", np.array([0, 0, 1.0]), 0), ("equatorial (m=1)", np.array([1.0, 0, 0]), 1)]:
        out["map"][name] = hp.anafast((d @ pix) * m, lmax=lshow) / fsky / c1_unit
        # a dipole with only |m| = m0 has C~_l = (1 or 2) K^m_l1^2 |a_1m|^2/(2l+1), C_1 = (1 or 2)|a_1m|^2/3
        out["exact"][name] = 3 * K[m0, :, 1] ** 2 / two_l1 / fsky_cap
    out["isotropic"] = cap_pseudo_cl_moments(np.r_[0.0, 1.0, np.zeros(lmax_in - 1)], dec_max_deg, lshow)[0] / fsky_cap
    return out


def cap_sky_fraction(dec_max_deg: float) -> float:
    """f_sky of the ideal cap dec < dec_max_deg: (1 + sin dec_max)/2.

    Examples
    --------
    >>> round(cap_sky_fraction(-30.0), 12)
    0.25
    """
    dec = validate.finite("dec_max_deg", dec_max_deg, allow_array=False)
    if not -90.0 <= dec <= 90.0:
        raise ValueError(f"dec_max_deg must lie in [-90, 90], got {dec_max_deg!r}")
    return float((1 + np.sin(np.radians(dec_max_deg))) / 2)


def master_versus_cap(mask, cl, dec_max_deg: float, lmax: int) -> dict:
    """The MASTER kernel of a pixel mask against the exact mean of the ideal cap.

    The kernel needs the mask spectrum up to 2 l_k <= 3 Nside - 1, so both means use C_l truncated
    at l_k = (3 Nside - 1) // 2.  Returns ``M`` (rows l = 0..lmax, columns l' = 0..l_k),
    ``lk`` and ``deviation``: |<C~_l>_MASTER / <C~_l>_cap - 1| for l = 0..lmax.

    Raises
    ------
    ValueError
        ``lmax`` above l_k (the mask is too coarse for the kernel).

    Examples
    --------
    >>> out = master_versus_cap(cap_mask(16, -20.0), eq21_spectrum(47), -20.0, 10)
    >>> out["lk"], out["M"].shape, bool(out["deviation"][1:].max() < 0.05)
    (23, (11, 24), True)
    """
    import healpy as hp

    m = np.asarray(mask, dtype=float)
    cl = np.asarray(validate.finite("cl", cl), dtype=float)
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    lk = (3 * hp.npix2nside(m.size) - 1) // 2
    if lmax > lk:
        raise ValueError(f"lmax = {lmax} needs nside >= {int(np.ceil((2 * lmax + 1) / 3))} for the coupling kernel")
    if cl.size < lk + 1:
        raise ValueError(f"cl must reach l = {lk}, got {cl.size} values")
    M = coupling_matrix(m, lk)[: lmax + 1]
    mean_cap = cap_pseudo_cl_moments(np.r_[cl[: lk + 1], 0.0], dec_max_deg, lmax)[0]   # same truncation
    return {"M": M, "lk": lk, "deviation": np.abs(M @ cl[: lk + 1] / mean_cap - 1)}


def monte_carlo_z(samples, mean) -> np.ndarray:
    """(sample mean - ``mean``) / standard error, per column (l = 0..lmax) of ``samples``
    (realisations in rows): standard normal where the Monte Carlo agrees with the exact mean.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> monte_carlo_z(x, [2.0, 2.0]).tolist()
    [0.0, 1.0]
    """
    x = np.asarray(validate.finite("samples", samples), dtype=float)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"samples must be (n_real >= 2, lmax + 1), got shape {x.shape}")
    mean = np.asarray(validate.finite("mean", mean), dtype=float)
    if mean.shape != x.shape[1:]:
        raise ValueError(f"mean must have {x.shape[1]} values, got shape {mean.shape}")
    se = x.std(axis=0, ddof=1) / np.sqrt(x.shape[0])
    return (x.mean(axis=0) - mean) / se


def cosmic_variance_ratio(full, cl) -> np.ndarray:
    """Var(C^_l)/C_l^2 of full-sky spectra (realisations in rows, l = 0..lmax) over cosmic
    variance 2/(2l+1): 1 for Gaussian skies.  NaN where C_l = 0 (C_0 of Eq. 21).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> ell = np.arange(4)
    >>> full = rng.chisquare(2 * ell + 1, size=(20000, 4)) / (2 * ell + 1)
    >>> np.round(cosmic_variance_ratio(full, np.ones(4)), 1).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    x = np.asarray(validate.finite("full", full), dtype=float)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"full must be (n_real >= 2, lmax + 1), got shape {x.shape}")
    cl = np.asarray(validate.finite("cl", cl), dtype=float)
    if cl.size < x.shape[1]:
        raise ValueError(f"cl must have at least {x.shape[1]} values, got {cl.size}")
    ell = np.arange(x.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x.var(axis=0, ddof=1) / cl[: x.shape[1]] ** 2 / (2 / (2 * ell + 1))
    return np.where(cl[: x.shape[1]] > 0, out, np.nan)


def exact_scatter_ratio(mean, cov, fsky: float) -> np.ndarray:
    """Cov_ll / <C~_l>^2 of the pseudo-spectrum (exact moments, l = 0..lmax) over the paper's
    estimate 2/((2l+1) f_sky): the exact counterpart of :func:`scatter_ratio`.

    Examples
    --------
    >>> ell = np.arange(4.0)
    >>> exact_scatter_ratio(np.ones(4), np.diag(2 / (2 * ell + 1)), 1.0).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    mean = np.asarray(validate.finite("mean", mean), dtype=float)
    cov = np.asarray(validate.finite("cov", cov), dtype=float)
    if cov.shape != (mean.size, mean.size):
        raise ValueError(f"cov must be ({mean.size}, {mean.size}), got {cov.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):         # <C~_0> = 0 when C_0 = 0
        return np.diag(cov) / mean**2 / variance_estimate(np.arange(mean.size), fsky)


def adjacent_correlation(cov, lmin: int, lmax: int) -> float:
    """Mean correlation coefficient of C~_l and C~_(l+1) for lmin <= l < lmax, from the
    covariance (l = 0..) of the pseudo-spectrum.

    Examples
    --------
    >>> adjacent_correlation(np.array([[1.0, 0.5, 0], [0.5, 1.0, 0.2], [0, 0.2, 1.0]]), 0, 2)
    0.35
    """
    cov = np.asarray(validate.finite("cov", cov), dtype=float)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"cov must be square, got shape {cov.shape}")
    lmin = validate.integer("lmin", lmin, minimum=0, allow_array=False)
    lmax = validate.integer("lmax", lmax, minimum=lmin + 1, allow_array=False)
    if lmax >= cov.shape[0]:
        raise ValueError(f"lmax must be below {cov.shape[0]}, got {lmax}")
    corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    return float(np.mean(np.array([corr[l, l + 1] for l in range(lmin, lmax)])))


def pseudo_c1_sources(M, cl) -> np.ndarray:
    """Where the pseudo-dipole comes from: M_1l' C_l' for l' = 0.. (the terms of <C~_1> =
    sum_l' M_1l' C_l', Hivon et al. 2002), from a coupling matrix ``M`` (rows l = 0.., at least
    two) and the sky spectrum ``cl`` (from l = 0, at least as long as a row of ``M``).

    Examples
    --------
    >>> M = np.array([[1.0, 0, 0], [0.1, 0.3, 0.05]])
    >>> pseudo_c1_sources(M, [0.0, 1.0, 2.0]).tolist()
    [0.0, 0.3, 0.1]
    """
    M = np.asarray(validate.finite("M", M), dtype=float)
    cl = np.asarray(validate.finite("cl", cl), dtype=float)
    if M.ndim != 2 or M.shape[0] < 2 or cl.size < M.shape[1]:
        raise ValueError(f"M must have >= 2 rows and cl at least {M.shape[-1]} values, got {M.shape} and {cl.shape}")
    return M[1] * cl[: M.shape[1]]


def cut_sky_bias(mean, cl, fsky: float) -> np.ndarray:
    """<C~_l>/(f_sky C_l): the mean of the naive cut-sky estimator over the true spectrum (1:
    unbiased), for l = 0..len(mean) - 1; NaN where C_l = 0.

    Examples
    --------
    >>> cut_sky_bias([0.1, 0.5, 0.25], [0.0, 1.0, 1.0], 0.5).tolist()
    [nan, 1.0, 0.5]
    """
    mean = np.asarray(validate.finite("mean", mean), dtype=float)
    cl = np.asarray(validate.finite("cl", cl), dtype=float)
    if cl.size < mean.size:
        raise ValueError(f"cl must have at least {mean.size} values, got {cl.size}")
    return mean / fsky / np.where(cl[: mean.size] > 0, cl[: mean.size], np.nan)
