"""What IceCube's 12-year analysis would report for a model sky: the forward model of the observation.

The IceCube 12-year pseudo-power spectra (Abbasi et al. 2025, arXiv:2412.05046) are not the
angular power spectrum C_l of the sky.  They are the spectrum, computed with HEALPix ``anafast``,
of a *relative-intensity* map that covers only the southern sky and in which the mean of every
declination ring vanishes: the reference (background) map is built from the data themselves by
time scrambling, so it absorbs whatever depends on declination alone, i.e. every m = 0 mode in
equatorial coordinates (Ahlers et al. 2016).  This module computes, for a model sky, what
that analysis reports:

* the field of view dec < ``dec_max_deg`` (:data:`DEC_MAX_DEG`; see "Field of view" below), with
  the pixels outside it set to zero;
* the relative intensity with each declination ring's mean removed inside the field of view
  (the m = 0 modes are lost);
* the pseudo-power spectrum as ``anafast`` computes it on that map,
  C~_l = (2l+1)^-1 sum_m |a~_lm|^2 with a~_lm = int_FoV f Y*_lm dOmega: no 1/f_sky correction;
* isotropic (white) noise of full-sky power ``noise`` (C_l^noise = N for every l), through the
  same projector; :func:`calibrate_noise` sets N per energy bin from the digitised
  scrambled-map bands (whose isotropic maps, in the group's script, keep their m = 0 modes:
  ``noise_m0``).

Because the field of view is azimuthally symmetric and the ring-mean removal kills exactly m = 0,
the observation acts on the a_lm block-diagonally in m:

    a~_lm = sum_l' K^m_ll' a_l'm  (m >= 1),   a~_l0 = 0,
    K^m_ll' = 2 pi int_{-1}^{x_edge} lambda_lm(x) lambda_l'm(x) dx,         (1)

with lambda_lm the normalised associated Legendre functions (Y_lm = lambda_lm(cos theta) e^{i m phi})
and x_edge = sin(dec_max).  For a statistically isotropic Gaussian sky with spectrum C_l plus white
noise N, the observed a~_lm (m >= 1) are circular complex Gaussians, independent between different
m, with covariance

    S^m_ll' = sum_l'' K^m_ll'' C_l'' K^m_l'l'' + N K^m_ll',                   (2)

(the noise term is exact for continuous white noise: int_FoV Y_lm Y*_l'm dOmega = K^m_ll'), so that

    <C~_l> = 2 sum_{m>=1} S^m_ll / (2l+1),
    Cov(C~_l, C~_l') = 4 sum_{m>=1} (S^m_ll')^2 / ((2l+1)(2l'+1)),                (3)

and the marginal distribution of one C~_l is sum_{m=1}^{l} (2 S^m_ll/(2l+1)) E_m with independent
unit exponentials E_m (:func:`pseudo_cl_quantiles`).  Mocks are draws of the a~_lm from (2), per m
(:func:`pseudo_cl_mocks`).  :func:`observe_map` and :func:`healpy_mocks` do the same in map space with
healpy (map -> ring means removed -> outside set to zero -> anafast), as an independent check.

Field of view
-------------
The declination range of the 12-year maps could not be read from arXiv:2412.05046: the stored
copy of the paper that this project can search (arxiv.org/html/2412.05046v1) returns its title,
abstract and introduction only.  :data:`DEC_MAX_DEG` = -20 deg is therefore an assumption (the
value the forward-model audit used; the southern sky beyond about 70 deg from the zenith at the
South Pole).  Public analysis scripts of the same group (``github.com/fmcnallyi3/it_anisotropy``,
``power_spectrum/scripts/``, written for IceTop after the in-ice code, so only indicative) mask
dec > -25 deg by default (``getMap(..., mask=True)`` sets ``decmax = -25.``), form the relative
intensity as (data - bg)/bg with the time-scrambled background ``bg``, weight it by bg/<bg> before
``anafast(relint_w, lmax=3*nside-1)``, and draw the noise bands as the 0.15/2.5/16/84/97.5/99.85
percentiles of the spectra of Poisson-fluctuated isotropic maps.  The weighting by the exposure
is *not* modelled here (see the chapter).  :data:`NSIDE` = 64 is likewise an assumption; it enters
only through the pixel mask, whose area sets the effective edge x_edge (:func:`cap_edge`).

References
----------
.. [1] R. Abbasi et al. (IceCube), ApJ (2025), arXiv:2412.05046 (the 12-year spectra).
.. [2] M. Ahlers et al., ApJ 823, 10 (2016), arXiv:1601.07877 (reference maps lose m = 0).
.. [3] E. Hivon et al., ApJ 567, 2 (2002) (pseudo-C_l of a masked sky).

Examples
--------
>>> import numpy as np
>>> from cranisotropy import observation
>>> resp = observation.response(lmax=10, lmax_sky=20, nside=None)
>>> mean, cov = observation.pseudo_cl_moments(resp, np.r_[0.0, 1.0])   # a random dipole, C_1 = 1
>>> round(float(mean[2] / mean[1]), 3)                                 # the dipole leaks into l = 2
0.998
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from . import validate

__all__ = [
    "DEC_MAX_DEG", "NSIDE", "LMAX", "NOISE_BAND_PROBABILITIES", "Response", "response", "cap_edge",
    "mode_covariances", "pseudo_cl_moments", "pseudo_cl_mocks", "pseudo_cl_quantiles", "folded_band",
    "FoldedBand", "dipole_alm", "observe_alm", "observe_map", "healpy_mocks", "noise_band_quantiles",
    "NoiseCalibration", "calibrate_noise", "equivalent_event_count", "full_sky_scatter_quantiles",
    "DipoleResponse", "dipole_response", "dipole_response_map", "MockValidation", "validate_mocks", "NoiseLevels",
    "noise_levels", "box_residuals_dex", "response_checks", "validation_checks", "noise_checks",
]

#: Upper edge of the field of view, deg (assumption: see the module docstring).
DEC_MAX_DEG = -20.0
#: HEALPix resolution assumed for the 12-year maps (enters through the pixel mask's area).
NSIDE = 64
#: Largest multipole of the published spectra.
LMAX = 40
#: Cumulative probabilities of the edges of the 3, 2, 1 sigma noise bands (lower), then 1, 2, 3 (upper):
#: the percentiles of the group's band script (central 99.7, 95, 68 % intervals).
NOISE_BAND_PROBABILITIES = (0.0015, 0.025, 0.16, 0.84, 0.975, 0.9985)


# -- the response -------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Response:
    """The observation as a linear map on the a_lm (block-diagonal in m, m = 0 removed).

    Attributes
    ----------
    dec_max_deg : float
        Nominal upper edge of the field of view (deg).
    nside : int or None
        HEALPix resolution whose pixel mask sets ``x_edge`` (None: the ideal cap at dec_max).
    lmax : int
        Largest observed multipole.
    lmax_sky : int
        Band limit of the model skies (C_l for l > lmax_sky are taken as 0; noise is not band-limited).
    x_edge : float
        sin of the effective edge declination (the ideal cap with the pixel mask's area).
    coupling : ndarray
        K^m_ll' of Eq. (1), shape (lmax + 1, lmax + 1, lmax_sky + 1), indexed [m, l, l'].
    """

    dec_max_deg: float
    nside: int | None
    lmax: int
    lmax_sky: int
    x_edge: float
    coupling: np.ndarray = field(repr=False)

    @property
    def fsky(self) -> float:
        """Sky fraction of the field of view, (1 + x_edge)/2."""
        return (1.0 + self.x_edge) / 2.0

    @property
    def dec_edge_deg(self) -> float:
        """Declination of the effective edge (deg)."""
        return float(np.degrees(np.arcsin(self.x_edge)))

    @functools.cached_property
    def mean_matrix(self) -> np.ndarray:
        """M_ll' with <C~_l> = sum_l' M_ll' C_l' (noise-free), shape (lmax + 1, lmax_sky + 1)."""
        two_l1 = 2 * np.arange(self.lmax + 1) + 1.0
        return 2 * np.sum(self.coupling[1:] ** 2, axis=0) / two_l1[:, None]

    @functools.cached_property
    def noise_mean(self) -> np.ndarray:
        """<C~_l> of unit white noise (N = 1), l = 0..lmax: 2 sum_{m>=1} K^m_ll / (2l+1)."""
        two_l1 = 2 * np.arange(self.lmax + 1) + 1.0
        diag = np.einsum("mll->ml", self.coupling[1:, :, : self.lmax + 1])
        return 2 * diag.sum(axis=0) / two_l1


def _nside_ok(nside) -> int:
    import healpy as hp

    nside = validate.integer("nside", nside, minimum=1, allow_array=False)
    if not hp.isnsideok(nside, nest=True):
        raise ValueError(f"nside must be a power of 2, got {nside!r}")
    return nside


def _dec(dec_max_deg) -> float:
    dec = validate.finite("dec_max_deg", dec_max_deg, allow_array=False)
    if not -90 < dec <= 90:
        raise ValueError(f"dec_max_deg must lie in (-90, 90], got {dec_max_deg!r}")
    return dec


def _fov_pixels(nside: int, dec_max_deg: float) -> np.ndarray:
    """Boolean RING map: pixel centre below dec_max (whole HEALPix rings)."""
    import healpy as hp

    theta, _ = hp.pix2ang(nside, np.arange(12 * nside**2))
    return (90.0 - np.degrees(theta)) < dec_max_deg


def cap_edge(dec_max_deg: float = DEC_MAX_DEG, nside: int | None = NSIDE) -> float:
    """x_edge = sin(dec_edge) of the ideal cap with the area of the field of view.

    With ``nside`` the field of view is the set of HEALPix pixels whose centres lie below
    ``dec_max_deg`` (whole rings); its area fixes x_edge = 2 n_in/n_pix - 1.  Without it,
    x_edge = sin(dec_max).

    Examples
    --------
    >>> round(cap_edge(-20.0, None), 4), round(cap_edge(-20.0, 64), 4)
    (-0.342, -0.3385)
    """
    dec = _dec(dec_max_deg)
    if nside is None:
        return float(np.sin(np.radians(dec)))
    nside = _nside_ok(nside)
    n_in = int(np.count_nonzero(_fov_pixels(nside, dec)))
    if n_in == 0:
        raise ValueError(f"no HEALPix pixel of nside {nside} lies below dec_max_deg = {dec:g}")
    return 2.0 * n_in / (12 * nside**2) - 1.0


def _legendre_table(x: np.ndarray, lmax_out: int, lmax_in: int) -> np.ndarray:
    """lambda_lm(x) (normalised, Condon-Shortley phase) for m <= lmax_out, l <= lmax_in: [m, l, node]."""
    s = np.sqrt(np.clip(1.0 - x * x, 0.0, None))
    lam = np.zeros((lmax_out + 1, lmax_in + 1, x.size))
    pmm = np.full(x.size, np.sqrt(1.0 / (4.0 * np.pi)))
    for m in range(lmax_out + 1):
        if m > 0:
            pmm = -np.sqrt((2 * m + 1) / (2.0 * m)) * s * pmm
        lam[m, m] = pmm
        if m + 1 <= lmax_in:
            lam[m, m + 1] = x * np.sqrt(2 * m + 3.0) * pmm
        for l in range(m + 2, lmax_in + 1):
            a = np.sqrt((4.0 * l * l - 1) / (l * l - m * m))
            b = np.sqrt(((l - 1.0) ** 2 - m * m) / (4.0 * (l - 1) ** 2 - 1))
            lam[m, l] = a * (x * lam[m, l - 1] - b * lam[m, l - 2])
    return lam


def _cap_coupling(x_edge: float, lmax_out: int, lmax_in: int) -> np.ndarray:
    """K^m_ll' of Eq. (1) by Gauss-Legendre quadrature, exact for the polynomial integrand."""
    n = (lmax_in + lmax_out) // 2 + 8
    nodes, weights = np.polynomial.legendre.leggauss(n)
    x = -1.0 + (nodes + 1.0) * (x_edge + 1.0) / 2.0
    w = weights * (x_edge + 1.0) / 2.0
    lam = _legendre_table(x, lmax_out, lmax_in)
    return 2.0 * np.pi * np.einsum("mli,i,mki->mlk", lam[:, : lmax_out + 1], w, lam)


@functools.lru_cache(maxsize=16)
def _response(dec_max_deg: float, nside, lmax: int, lmax_sky: int) -> Response:
    x_edge = cap_edge(dec_max_deg, nside)
    K = _cap_coupling(x_edge, lmax, lmax_sky)
    K.setflags(write=False)
    return Response(dec_max_deg=dec_max_deg, nside=nside, lmax=lmax, lmax_sky=lmax_sky, x_edge=x_edge,
                    coupling=K)


def response(dec_max_deg: float = DEC_MAX_DEG, *, nside: int | None = NSIDE, lmax: int = LMAX,
             lmax_sky: int | None = None) -> Response:
    """The observation operator for a field of view dec < ``dec_max_deg`` (cached).

    Parameters
    ----------
    dec_max_deg : float
        Upper edge of the field of view (deg), in (-90, 90].
    nside : int or None
        HEALPix resolution whose pixel mask sets the effective edge (see :func:`cap_edge`).
    lmax : int
        Largest observed multipole (>= 1).
    lmax_sky : int, optional
        Band limit of model skies; default 3 nside - 1 (the largest l a map of that nside holds),
        or 4 lmax without ``nside``.

    Returns
    -------
    Response

    Raises
    ------
    ValueError
        dec_max_deg outside (-90, 90], nside not a power of 2, lmax < 1, lmax_sky < lmax.
    """
    dec = _dec(dec_max_deg)
    if nside is not None:
        nside = _nside_ok(nside)
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    if lmax_sky is None:
        lmax_sky = 3 * nside - 1 if nside is not None else 4 * lmax
    lmax_sky = validate.integer("lmax_sky", lmax_sky, minimum=lmax, allow_array=False)
    return _response(dec, nside, lmax, lmax_sky)


def _check_response(resp) -> Response:
    if not isinstance(resp, Response):
        raise TypeError(f"resp must be an observation.Response (see observation.response), got {type(resp).__name__}")
    return resp


def _spectrum(resp: Response, cl) -> np.ndarray:
    """C_l as an array of length lmax_sky + 1 (zero-padded)."""
    cl = np.atleast_1d(validate.nonnegative("cl", cl))
    if cl.ndim != 1:
        raise ValueError(f"cl must be 1-D (indexed by l from 0), got shape {cl.shape}")
    if cl.size > resp.lmax_sky + 1:
        if np.any(cl[resp.lmax_sky + 1:] > 0):
            raise ValueError(f"cl has power above the response's band limit lmax_sky = {resp.lmax_sky} "
                             f"(len(cl) = {cl.size}); build the response with a larger lmax_sky")
        cl = cl[: resp.lmax_sky + 1]
    out = np.zeros(resp.lmax_sky + 1)
    out[: cl.size] = cl
    return out


def _rng(rng) -> np.random.Generator:
    validate.generator("rng", rng)
    return rng


# -- moments, mocks, quantiles ------------------------------------------------------------------
def mode_covariances(resp: Response, cl, noise: float = 0.0, *, noise_m0: bool = False) -> np.ndarray:
    """S^m_ll' of Eq. (2): covariance of the observed a~_lm, shape (lmax + 1,)*3 indexed [m, l, l'].

    ``S[0]`` is zero (ring means removed), except with ``noise_m0=True``, where it holds the noise
    term N K^0 (isotropic noise maps whose ring means are *not* removed, as the group's band
    script makes them).  ``cl`` is the full-sky spectrum from l = 0 (at most lmax_sky + 1 entries;
    C_0 has no effect), ``noise`` the white-noise power N >= 0.
    """
    resp = _check_response(resp)
    c = _spectrum(resp, cl)
    n = validate.nonnegative("noise", noise, allow_array=False)
    K = resp.coupling
    top = int(np.flatnonzero(c)[-1]) + 1 if np.any(c) else 1     # C_l = 0 beyond: those terms vanish
    S = np.zeros((resp.lmax + 1,) * 3)
    Km = K[1:, :, :top]
    np.matmul(Km * c[:top], Km.transpose(0, 2, 1), out=S[1:])
    if n > 0:
        S[1:] += n * K[1:, :, : resp.lmax + 1]
        if noise_m0:
            S[0] = n * K[0, :, : resp.lmax + 1]
    return S


def pseudo_cl_moments(resp: Response, cl, noise: float = 0.0, *, noise_m0: bool = False):
    """Exact mean and covariance of C~_l (l = 0..lmax) for a Gaussian sky plus white noise, Eq. (3).

    Parameters
    ----------
    resp : Response
    cl : array_like
        Full-sky C_l from l = 0 (length <= lmax_sky + 1).
    noise : float
        White-noise power N (full-sky C_l of the noise).
    noise_m0 : bool
        Keep the m = 0 modes of the noise (see :func:`mode_covariances`).

    Returns
    -------
    mean : ndarray, shape (lmax + 1,)
    cov : ndarray, shape (lmax + 1, lmax + 1)

    Examples
    --------
    >>> import numpy as np
    >>> resp = response(lmax=6, lmax_sky=12, nside=None)
    >>> mean, cov = pseudo_cl_moments(resp, np.zeros(13), noise=1.0)
    >>> bool(np.allclose(mean, resp.noise_mean))
    True
    """
    S = mode_covariances(resp, cl, noise, noise_m0=noise_m0)
    two_l1 = 2 * np.arange(resp.lmax + 1) + 1.0
    mult = np.full(resp.lmax + 1, 2.0)
    mult[0] = 1.0                         # a~_l0 is real: |a|^2 once, variance 2 S^2
    mean = np.einsum("m,mll->l", mult, S) / two_l1
    cov = 2 * np.einsum("m,mij->ij", mult, S**2) / np.outer(two_l1, two_l1)
    return mean, cov


def _sqrt_psd(S: np.ndarray) -> np.ndarray:
    """A matrix square root R (R R^T ~ S) of a positive semi-definite S: Cholesky, with a jitter of
    1e-13 of the largest diagonal element where rounding makes S numerically singular (the usual case
    for the blocks of a masked sky: the cap's Gram matrices are nearly singular), else eigh.

    LAPACK's dpotrf is called directly: it reports failure instead of raising, which makes the
    common jittered case cheap (the factor is the one ``numpy.linalg.cholesky`` returns).
    """
    from scipy.linalg import lapack

    jitter = 1e-13 * max(float(np.max(np.diag(S))), 0.0)
    for eps in (0.0, jitter):
        chol, info = lapack.dpotrf(S + eps * np.eye(len(S)) if eps else S, lower=1, clean=1)
        if info == 0:
            return np.ascontiguousarray(chol)      # C order, as numpy's cholesky: einsum sums in that order
    w, v = np.linalg.eigh(S)
    return v * np.sqrt(np.clip(w, 0.0, None))


def pseudo_cl_mocks(resp: Response, cl, noise: float, n: int, rng: np.random.Generator, *,
                    noise_m0: bool = False) -> np.ndarray:
    """``n`` mock pseudo-spectra (n, lmax + 1) of Gaussian skies with spectrum ``cl`` plus white noise.

    Each mock draws the observed a~_lm (m = 1..lmax; also m = 0 with ``noise_m0``) from their
    covariance S^m (Eq. 2): exactly the distribution whose moments :func:`pseudo_cl_moments` gives.
    """
    S = mode_covariances(resp, cl, noise, noise_m0=noise_m0)
    n = validate.integer("n", n, minimum=1, allow_array=False)
    rng = _rng(rng)
    L = resp.lmax + 1
    out = np.zeros((n, L))
    if noise_m0:
        out += (rng.standard_normal((n, L)) @ _sqrt_psd(S[0]).T) ** 2
    for m in range(1, L):
        # a~_lm = (x + i y) R^T / sqrt(2) with real unit normals x, y; a~_lm = 0 for l < m.
        # Its contribution 2 |a~_lm|^2 to (2l+1) C~_l is |x R^T|^2 + |y R^T|^2, squared and summed in
        # place.  A BLAS product (3-50x faster than einsum here); its summation order, and so the
        # last bits of each draw, may differ between BLAS builds and CPUs: a mock is reproducible
        # to rounding, not bit for bit, across machines.
        b = rng.standard_normal((2 * n, L - m)) @ _sqrt_psd(S[m, m:, m:]).T
        np.square(b, out=b)
        top = b[:n]
        top += b[n:]
        out[:, m:] += top
    return out / (2 * np.arange(L) + 1.0)


def pseudo_cl_quantiles(resp: Response, cl, noise: float, probabilities, *, n_draws: int = 20000,
                        rng: np.random.Generator, noise_m0: bool = False) -> np.ndarray:
    """Quantiles of the marginal distribution of each C~_l, shape (len(probabilities), lmax + 1).

    C~_l = sum_{m=1}^{l} (2 S^m_ll/(2l+1)) E_m with independent unit exponentials E_m (exact; with
    ``noise_m0`` plus S^0_ll chi^2_1/(2l+1)); the quantiles are those of ``n_draws`` seeded draws of
    that sum (C~_0 is returned as 0).
    """
    S = mode_covariances(resp, cl, noise, noise_m0=noise_m0)
    p = np.atleast_1d(validate.finite("probabilities", probabilities))
    if p.ndim != 1 or np.any(p <= 0) or np.any(p >= 1):
        raise ValueError(f"probabilities must be a 1-D array in (0, 1), got {probabilities!r}")
    n_draws = validate.integer("n_draws", n_draws, minimum=10, allow_array=False)
    rng = _rng(rng)
    L = resp.lmax + 1
    weights = 2 * np.einsum("mll->lm", S) / (2 * np.arange(L) + 1.0)[:, None]    # [l, m]
    E = rng.standard_exponential((n_draws, L))
    chi1 = rng.standard_normal(n_draws) ** 2 if noise_m0 else None
    out = np.zeros((p.size, L))
    for l in range(1, L):        # one l at a time: as fast as one (n_draws, L) product, and the book's numbers
        x = E[:, 1: l + 1] @ weights[l, 1: l + 1]
        if noise_m0:
            x = x + S[0, l, l] / (2 * l + 1.0) * chi1
        out[:, l] = np.quantile(x, p)
    return out


@dataclass(frozen=True)
class FoldedBand:
    """The folded expectation of a model and its central bands (arrays indexed by ``ell``)."""

    ell: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    levels: tuple
    lo: np.ndarray      # (len(levels), n_ell): lower edges of the central intervals
    hi: np.ndarray      # upper edges


def folded_band(resp: Response, cl, noise: float = 0.0, *, levels=(0.68, 0.95), ell_min: int = 1,
                n_draws: int = 20000, rng: np.random.Generator) -> FoldedBand:
    """What IceCube would report for a model spectrum: <C~_l>, the median and central ``levels`` bands.

    Parameters
    ----------
    resp : Response
    cl : array_like
        Full-sky model C_l from l = 0.
    noise : float
        White-noise power of the energy bin (see :func:`calibrate_noise`).
    levels : sequence of float
        Central probability contents of the bands (0.68 and 0.95 by default).
    ell_min : int
        First multipole returned.
    n_draws : int
        Draws behind the quantiles (:func:`pseudo_cl_quantiles`).
    rng : numpy.random.Generator

    Returns
    -------
    FoldedBand
    """
    lv = np.atleast_1d(validate.finite("levels", levels))
    if lv.ndim != 1 or np.any(lv <= 0) or np.any(lv >= 1):
        raise ValueError(f"levels must lie in (0, 1), got {levels!r}")
    ell_min = validate.integer("ell_min", ell_min, minimum=1, allow_array=False)
    if ell_min > resp.lmax:
        raise ValueError(f"ell_min must be <= lmax = {resp.lmax}, got {ell_min}")
    mean, _ = pseudo_cl_moments(resp, cl, noise)
    probs = np.concatenate([(1 - lv) / 2, (1 + lv) / 2, [0.5]])
    q = pseudo_cl_quantiles(resp, cl, noise, probs, n_draws=n_draws, rng=rng)
    sel = slice(ell_min, resp.lmax + 1)
    return FoldedBand(ell=np.arange(ell_min, resp.lmax + 1), mean=mean[sel], median=q[-1, sel],
                      levels=tuple(float(v) for v in lv), lo=q[: lv.size, sel], hi=q[lv.size: 2 * lv.size, sel])


# -- fixed skies ----------------------------------------------------------------------------------
def dipole_alm(ra_deg: float, dec_deg: float, lmax: int = 1) -> np.ndarray:
    """a_lm (healpy ordering, m >= 0, up to ``lmax``) of the unit dipole f(n) = n . d.

    a_1m = (4 pi / 3) Y*_1m(d) for the direction d at (RA, Dec); every other a_lm is 0.

    Examples
    --------
    >>> import numpy as np
    >>> alm = dipole_alm(0.0, -90.0)
    >>> np.round(np.abs(alm), 6)   # pointing at the south pole: m = 0 only
    array([0.      , 2.046653, 0.      ])
    """
    import healpy as hp

    ra = validate.finite("ra_deg", ra_deg, allow_array=False)
    dec = validate.finite("dec_deg", dec_deg, allow_array=False)
    if not -90 <= dec <= 90:
        raise ValueError(f"dec_deg must lie in [-90, 90], got {dec_deg!r}")
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    theta, phi = np.radians(90.0 - dec), np.radians(ra)
    alm = np.zeros(hp.Alm.getsize(lmax), dtype=complex)
    alm[hp.Alm.getidx(lmax, 1, 0)] = (4 * np.pi / 3) * np.sqrt(3 / (4 * np.pi)) * np.cos(theta)
    # Y_11 = -sqrt(3/(8 pi)) sin(theta) e^{i phi}: a_11 = (4 pi/3) conj(Y_11(d))
    alm[hp.Alm.getidx(lmax, 1, 1)] = (4 * np.pi / 3) * (-np.sqrt(3 / (8 * np.pi)) * np.sin(theta) * np.exp(-1j * phi))
    return alm


def observe_alm(resp: Response, alm) -> np.ndarray:
    """C~_l (l = 0..lmax) that the observation reports for the fixed sky with coefficients ``alm``.

    ``alm`` in healpy ordering (m >= 0) with band limit at most lmax_sky; a~_lm = sum_l' K^m_ll' a_l'm
    for m >= 1, a~_l0 = 0 (Eq. 1), and C~_l = 2 sum_{m>=1} |a~_lm|^2/(2l+1).
    """
    import healpy as hp

    resp = _check_response(resp)
    alm = np.asarray(alm)
    if alm.ndim != 1 or alm.dtype.kind not in "fc" or not np.all(np.isfinite(alm)):
        raise ValueError("alm must be a finite 1-D array of healpy-ordered coefficients")
    lmax_alm = hp.Alm.getlmax(alm.size)
    if lmax_alm < 0:
        raise ValueError(f"alm has {alm.size} entries, not a healpy a_lm array size")
    if lmax_alm > resp.lmax_sky:
        raise ValueError(f"alm reaches l = {lmax_alm} > the response's lmax_sky = {resp.lmax_sky}")
    L = resp.lmax + 1
    out = np.zeros(L)
    for m in range(1, min(L, lmax_alm + 1)):
        idx = hp.Alm.getidx(lmax_alm, np.arange(m, lmax_alm + 1), m)
        a = resp.coupling[m, :, m: lmax_alm + 1] @ alm[idx]
        out += 2.0 * np.abs(a) ** 2
    return out / (2 * np.arange(L) + 1.0)


@dataclass(frozen=True)
class DipoleResponse:
    """What the observation reports for two noise-free unit dipoles: the response check of the chapter.

    Attributes
    ----------
    nside : int or None
        Resolution of the pixel mask (None: the ideal cap).
    dec_max_deg : float
        Nominal upper edge of the field of view (deg).
    equatorial : ndarray
        C~_l (l = 0..lmax) of the dipole pointing at RA 0, Dec 0 (pure m = +-1).
    polar : ndarray
        C~_l of the dipole pointing at Dec -90 (pure m = 0: it must vanish).
    random : ndarray or None
        <C~_l> of a random dipole (C_1 = 1) from :func:`pseudo_cl_moments`, the function the fits
        use; None for the map-space route.
    """

    nside: int | None
    dec_max_deg: float
    equatorial: np.ndarray
    polar: np.ndarray
    random: np.ndarray | None = None

    @property
    def ratio(self) -> np.ndarray:
        """C~_l / C~_1 of the equatorial dipole, l = 2..10."""
        return self.equatorial[2:11] / self.equatorial[1]

    @property
    def random_ratio(self) -> np.ndarray:
        """<C~_l> / <C~_1> of a random dipole, l = 2..10 (equal to :attr:`ratio`: an equatorial dipole is pure m = 1)."""
        if self.random is None:
            raise ValueError("no random-dipole moments on the map-space route")
        return self.random[2:11] / self.random[1]

    @property
    def c1(self) -> float:
        """C~_1 of the equatorial dipole."""
        return float(self.equatorial[1])

    @property
    def polar_c1_ratio(self) -> float:
        """C~_1 of the polar dipole over that of the equatorial one (0 for an exact response)."""
        return float(self.polar[1] / self.equatorial[1])

    def record(self) -> dict:
        """The results entry ``observation_check``: nside, dec_max_deg, equatorial_dipole_ratio
        (l = 2..10), polar_dipole_c1_ratio."""
        return {"nside": self.nside, "dec_max_deg": self.dec_max_deg, "equatorial_dipole_ratio": self.ratio.tolist(),
                "polar_dipole_c1_ratio": self.polar_c1_ratio}


def dipole_response(resp: Response) -> DipoleResponse:
    """The response check from the coupling matrices of Eq. (1), the ones the fits use.

    A unit dipole pointing at RA 0, Dec 0 (:func:`observe_alm`), one pointing at the south pole, and
    the folded mean of a random dipole (:func:`pseudo_cl_moments` with C_1 = 1).

    Examples
    --------
    >>> chk = dipole_response(response(-20.0, nside=None, lmax=10, lmax_sky=20))
    >>> round(float(chk.ratio[0]), 3), chk.polar_c1_ratio < 1e-25
    (0.998, True)
    """
    resp = _check_response(resp)
    if resp.lmax < 10:
        raise ValueError(f"the response check needs lmax >= 10, got {resp.lmax}")
    random, _ = pseudo_cl_moments(resp, np.r_[0.0, 1.0])
    return DipoleResponse(nside=resp.nside, dec_max_deg=resp.dec_max_deg,
                          equatorial=observe_alm(resp, dipole_alm(0.0, 0.0)),
                          polar=observe_alm(resp, dipole_alm(0.0, -90.0)), random=random)


def dipole_response_map(nside: int = NSIDE, dec_max_deg: float = DEC_MAX_DEG, lmax: int = LMAX) -> DipoleResponse:
    """The same dipoles observed in map space with healpy (:func:`observe_map`: pixel maps n . d, ring
    means removed, zero outside, ``anafast``), independent of the coupling matrices."""
    import healpy as hp

    nside = _nside_ok(nside)
    lmax = validate.integer("lmax", lmax, minimum=10, allow_array=False)
    vec = np.array(hp.pix2vec(nside, np.arange(12 * nside**2)))
    return DipoleResponse(nside=nside, dec_max_deg=_dec(dec_max_deg),
                          equatorial=observe_map(vec[0], dec_max_deg, lmax),   # n . x: the dipole at RA 0, Dec 0
                          polar=observe_map(-vec[2], dec_max_deg, lmax))       # the dipole at Dec -90


def _sci(x: float) -> str:
    """2e-3 -> '2e-3', 7.92e11 -> '7.92e11' (numbers in the text of a check)."""
    mant, exp = f"{x:e}".split("e")
    return f"{float(mant):g}e{int(exp)}"


def response_checks(coupling: DipoleResponse, healpy: DipoleResponse, *, ratio_tol: float = 2e-3,
                    c1_tol: float = 1e-3) -> dict:
    """The checks of the response, as ``{name: {"condition", "detail", numbers...}}`` (the keyword
    arguments of a chapter's ``R.check(name, **check)``).

    ``dipole-ratio-from-moments``: the equatorial dipole's ratios (:func:`dipole_response`) equal
    those of the folded mean of a random dipole, to 1e-10.  ``observation-check-vs-healpy``: the
    coupling-matrix route agrees with the map-space route (:func:`dipole_response_map`): ratios to
    ``ratio_tol``, C~_1 to ``c1_tol`` relative, and the polar dipole vanishes on both (below 1e-25 and
    1e-20 of the equatorial one: rounding and pixelisation).
    """
    for name, d in (("coupling", coupling), ("healpy", healpy)):
        if not isinstance(d, DipoleResponse):
            raise TypeError(f"{name} must be a DipoleResponse, got {type(d).__name__}")
    diff = float(np.max(np.abs(healpy.ratio - coupling.ratio)))
    c1_rel = healpy.c1 / coupling.c1 - 1
    return {
        "dipole-ratio-from-moments": {
            "condition": bool(np.allclose(coupling.ratio, coupling.random_ratio, rtol=1e-10)),
            "detail": "an equatorial dipole is pure m = 1, so its ratios equal those of the folded mean of a random dipole"},
        "observation-check-vs-healpy": {
            "condition": bool(diff < ratio_tol and abs(c1_rel) < c1_tol and coupling.polar_c1_ratio < 1e-25
                              and healpy.polar_c1_ratio < 1e-20),
            "detail": f"dipole response from the coupling matrices = healpy map space (ratios to {_sci(ratio_tol)}, "
                      f"C~_1 to {_sci(c1_tol)}; polar dipole 0)",
            "max_ratio_diff": diff, "c1_rel": c1_rel},
    }


# -- map space (healpy), the independent route --------------------------------------------------
def observe_map(sky, dec_max_deg: float = DEC_MAX_DEG, lmax: int = LMAX, *, iter: int = 3) -> np.ndarray:
    """The observation in map space: ring means removed inside dec < dec_max, zero outside, anafast.

    ``sky`` is a RING-ordered HEALPix map (relative intensity); returns C~_l, l = 0..lmax, as
    ``healpy.anafast(map, lmax=lmax, iter=iter)`` computes it (no 1/f_sky).
    """
    import healpy as hp

    m = np.asarray(validate.finite("sky", sky), dtype=float)
    if m.ndim != 1 or not hp.isnpixok(m.size):
        raise ValueError("sky must be a 1-D HEALPix map (RING ordering)")
    dec = _dec(dec_max_deg)
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    nside = hp.npix2nside(m.size)
    inside, ring, count = _ring_geometry(nside, dec)
    ring_mean = np.bincount(ring, weights=m) / count
    obs = np.where(inside, m - ring_mean[ring], 0.0)
    return hp.anafast(obs, lmax=lmax, iter=iter)


@functools.lru_cache(maxsize=8)
def _ring_geometry(nside: int, dec_max_deg: float):
    """(inside, ring index of each pixel, pixels per ring) of a RING map; arrays read-only."""
    import healpy as hp

    theta, _ = hp.pix2ang(nside, np.arange(12 * nside**2))
    _, ring = np.unique(theta, return_inverse=True)
    out = (_fov_pixels(nside, dec_max_deg), ring, np.bincount(ring))
    for a in out:
        a.setflags(write=False)
    return out


def healpy_mocks(cl, noise: float, n: int, rng: np.random.Generator, *, nside: int = NSIDE,
                 dec_max_deg: float = DEC_MAX_DEG, lmax: int = LMAX, iter: int = 3) -> np.ndarray:
    """Brute-force mocks (n, lmax + 1): Gaussian sky (band-limited at len(cl) - 1) plus white pixel noise
    of power ``noise`` (pixel variance noise / Omega_pix), observed with :func:`observe_map`."""
    import healpy as hp

    from .skies import gaussian_alm

    cl = np.atleast_1d(validate.nonnegative("cl", cl))
    nv = validate.nonnegative("noise", noise, allow_array=False)
    n = validate.integer("n", n, minimum=1, allow_array=False)
    nside = _nside_ok(nside)
    rng = _rng(rng)
    npix = 12 * nside**2
    sigma_pix = np.sqrt(nv * npix / (4 * np.pi))
    out = np.empty((n, validate.integer("lmax", lmax, minimum=1, allow_array=False) + 1))
    for i in range(n):
        sky = hp.alm2map(gaussian_alm(cl, rng), nside, lmax=cl.size - 1)
        if nv > 0:
            sky = sky + sigma_pix * rng.standard_normal(npix)
        out[i] = observe_map(sky, dec_max_deg, lmax, iter=iter)
    return out


@dataclass(frozen=True)
class MockValidation:
    """The forward model against mocks: exact moments of Eq. (3), per-m draws and healpy skies.

    Arrays are indexed by l = 1..lmax.  ``z_*`` are the mock means minus the exact mean in units of
    the standard error, ``var_ratio_*`` the mock variances over the exact ones.
    """

    ell: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    corr: np.ndarray
    n_fast: int
    fast_mean: np.ndarray
    fast_var: np.ndarray
    n_healpy: int
    healpy_mean: np.ndarray
    healpy_var: np.ndarray
    healpy_corr: np.ndarray
    seconds_per_mock_fast: float
    seconds_per_mock_healpy: float

    @property
    def z_fast(self) -> np.ndarray:
        return (self.fast_mean - self.mean) / (self.sd / np.sqrt(self.n_fast))

    @property
    def z_healpy(self) -> np.ndarray:
        return (self.healpy_mean - self.mean) / (self.sd / np.sqrt(self.n_healpy))

    @property
    def var_ratio_fast(self) -> np.ndarray:
        return self.fast_var / self.sd**2

    @property
    def var_ratio_healpy(self) -> np.ndarray:
        return self.healpy_var / self.sd**2

    @property
    def adjacent_corr(self) -> np.ndarray:
        """Exact correlation of C~_l with C~_{l+1}."""
        return np.diagonal(self.corr, 1)

    @property
    def adjacent_corr_healpy(self) -> np.ndarray:
        """The same from the healpy mocks."""
        return np.diagonal(self.healpy_corr, 1)

    def record(self) -> dict:
        """The results entry ``validation``."""
        return {"max_abs_z_fast": float(np.max(np.abs(self.z_fast))),
                "max_abs_z_healpy": float(np.max(np.abs(self.z_healpy))),
                "mean_z2_healpy": float(np.mean(self.z_healpy**2)),
                "mean_var_ratio_fast": float(np.mean(self.var_ratio_fast)),
                "mean_var_ratio_healpy": float(np.mean(self.var_ratio_healpy)),
                "adjacent_corr_exact": self.adjacent_corr[:5], "adjacent_corr_healpy": self.adjacent_corr_healpy[:5],
                "seconds_per_mock_fast": self.seconds_per_mock_fast,
                "seconds_per_mock_healpy": self.seconds_per_mock_healpy}


def validate_mocks(resp: Response, cl, noise: float, n_fast: int, n_healpy: int, rng: np.random.Generator, *,
                   nside: int = NSIDE, dec_max_deg: float = DEC_MAX_DEG) -> MockValidation:
    """Compare the exact moments (:func:`pseudo_cl_moments`) of a sky ``cl`` plus white noise with
    ``n_fast`` per-m draws (:func:`pseudo_cl_mocks`) and ``n_healpy`` brute-force skies
    (:func:`healpy_mocks`, map space), drawn in that order from ``rng``; each timed per mock."""
    import time

    resp = _check_response(resp)
    n_fast = validate.integer("n_fast", n_fast, minimum=2, allow_array=False)
    n_healpy = validate.integer("n_healpy", n_healpy, minimum=2, allow_array=False)
    rng = _rng(rng)
    mean, cov = pseudo_cl_moments(resp, cl, noise)
    t0 = time.perf_counter()
    fast = pseudo_cl_mocks(resp, cl, noise, n_fast, rng)
    t_fast = (time.perf_counter() - t0) / n_fast
    t0 = time.perf_counter()
    brute = healpy_mocks(cl, noise, n_healpy, rng, nside=nside, dec_max_deg=dec_max_deg, lmax=resp.lmax)
    t_brute = (time.perf_counter() - t0) / n_healpy
    sd = np.sqrt(np.diag(cov))[1:]
    return MockValidation(ell=np.arange(1, resp.lmax + 1), mean=mean[1:], sd=sd, corr=cov[1:, 1:] / np.outer(sd, sd),
                          n_fast=n_fast, fast_mean=fast.mean(0)[1:], fast_var=fast.var(0, ddof=1)[1:],
                          n_healpy=n_healpy, healpy_mean=brute.mean(0)[1:], healpy_var=brute.var(0, ddof=1)[1:],
                          healpy_corr=np.corrcoef(brute[:, 1:].T), seconds_per_mock_fast=t_fast,
                          seconds_per_mock_healpy=t_brute)


def validation_checks(val: MockValidation, *, z_max: float = 4.5) -> dict:
    """The checks of :func:`validate_mocks`, as ``{name: {"condition", "detail", numbers...}}``.

    ``validation-means``: every |z| < ``z_max`` for both kinds of mock and the mean z^2 of the healpy
    mocks within 0.5 of 1.  ``validation-variances``: the mean variance ratio within 5 % of 1 for the
    per-m draws, and within 3 sqrt(2/(n - 1))/sqrt(n_l) + 5 % for the healpy mocks (n_l multipoles).
    ``validation-correlations``: the rms difference of the adjacent-l correlations below 3/sqrt(n).
    """
    if not isinstance(val, MockValidation):
        raise TypeError(f"val must be a MockValidation, got {type(val).__name__}")
    zf, zh = float(np.max(np.abs(val.z_fast))), float(np.max(np.abs(val.z_healpy)))
    z2 = float(np.mean(val.z_healpy**2))
    vf, vh = float(np.mean(val.var_ratio_fast)), float(np.mean(val.var_ratio_healpy))
    se_v = np.sqrt(2 / (val.n_healpy - 1))          # rough scatter of a variance ratio (Gaussian limit)
    rms = float(np.sqrt(np.mean((val.adjacent_corr_healpy - val.adjacent_corr) ** 2)))
    return {
        "validation-means": {
            "condition": bool(zf < z_max and zh < z_max and abs(z2 - 1) < 0.5),
            "detail": f"per-m and healpy mock means agree with the exact mean (|z| < {z_max:g} at every l, mean z^2 ~ 1 "
                      "for healpy)", "max_z_fast": zf, "max_z_brute": zh, "mean_z2_brute": z2},
        "validation-variances": {
            "condition": bool(abs(vh - 1) < 3 * se_v / np.sqrt(val.ell.size) + 0.05 and abs(vf - 1) < 0.05),
            "detail": "mock variances over the exact ones average to 1 (healpy within its scatter + 5 %)",
            "mean_v_fast": vf, "mean_v_brute": vh},
        "validation-correlations": {
            "condition": bool(rms < 3 / np.sqrt(val.n_healpy)),
            "detail": "adjacent-l correlations of the healpy mocks match the exact ones (rms < 3/sqrt(n))", "rms": rms},
    }


# -- noise ---------------------------------------------------------------------------------------
def noise_band_quantiles(resp: Response, *, n_draws: int = 40000, rng: np.random.Generator,
                         noise_m0: bool = True) -> np.ndarray:
    """C~_l quantiles of unit white noise at :data:`NOISE_BAND_PROBABILITIES`, shape (6, lmax + 1).

    By default the isotropic maps keep their m = 0 modes (``noise_m0=True``), as in the group's band
    script, which fluctuates the background map and does not remove ring means; the chapter
    compares both choices with the digitised bands.
    """
    return pseudo_cl_quantiles(resp, np.zeros(1), 1.0, NOISE_BAND_PROBABILITIES, n_draws=n_draws, rng=rng,
                               noise_m0=noise_m0)


@dataclass(frozen=True)
class NoiseCalibration:
    """White-noise power of one energy bin fitted to its digitised noise bands.

    Attributes
    ----------
    level : float
        N, the full-sky power of the white noise (C~ of noise = N x unit quantiles).
    level_error : float
        Standard error of N from the scatter of the band edges about the model.
    ell : ndarray
        Multipoles of the bands (1..lmax).
    measured, predicted : ndarray
        Band edges (6, n_ell), ordered like :data:`NOISE_BAND_PROBABILITIES` (3/2/1 sigma lower,
        1/2/3 sigma upper); ``measured`` is NaN where the lower edge is set by the plot floor.
    residual_dex : ndarray
        log10(measured / predicted), NaN where not used.
    """

    level: float
    level_error: float
    ell: np.ndarray
    measured: np.ndarray
    predicted: np.ndarray
    residual_dex: np.ndarray

    @property
    def rms_dex(self) -> float:
        """rms of the residuals over the used edges (dex)."""
        r = self.residual_dex[np.isfinite(self.residual_dex)]
        return float(np.sqrt(np.mean(r**2)))

    def width_ratio(self, nsigma: int) -> np.ndarray:
        """Measured over predicted width log10(hi/lo) of the ``nsigma`` band, per l (NaN if clipped)."""
        k = validate.integer("nsigma", nsigma, minimum=1, allow_array=False)
        if k > 3:
            raise ValueError(f"nsigma must be 1, 2 or 3, got {nsigma}")
        lo, hi = 3 - k, 2 + k
        return (np.log10(self.measured[hi] / self.measured[lo])
                / np.log10(self.predicted[hi] / self.predicted[lo]))


def calibrate_noise(energy_bin, unit_quantiles) -> NoiseCalibration:
    """Fit the white-noise power N of one energy bin to its digitised 1/2/3 sigma noise bands.

    Model: each band edge is N times the corresponding quantile of unit noise
    (:func:`noise_band_quantiles`); log10 N is the mean of log10(edge / unit quantile) over all
    upper edges and the lower edges not set by the plot floor (``lo_clipped``).

    Parameters
    ----------
    energy_bin : cranisotropy.data.EnergyBin
    unit_quantiles : ndarray
        Output of :func:`noise_band_quantiles` (6, lmax + 1) for the response used.

    Returns
    -------
    NoiseCalibration
    """
    u = np.asarray(validate.finite("unit_quantiles", unit_quantiles), dtype=float)
    if u.ndim != 2 or u.shape[0] != len(NOISE_BAND_PROBABILITIES):
        raise ValueError(f"unit_quantiles must have shape (6, lmax + 1), got {u.shape}")
    for attr in ("ell", "noise_lo", "noise_hi", "lo_clipped"):
        if not hasattr(energy_bin, attr):
            raise TypeError(f"energy_bin must be a cranisotropy.data.EnergyBin (lacks {attr!r})")
    ell = np.asarray(energy_bin.ell)
    if ell.max() >= u.shape[1]:
        raise ValueError(f"unit_quantiles reach l = {u.shape[1] - 1}, the bin reaches l = {ell.max()}")
    measured = np.vstack([energy_bin.noise_lo[::-1], energy_bin.noise_hi]).astype(float)   # 3,2,1 lo; 1,2,3 hi
    measured[:3, np.asarray(energy_bin.lo_clipped, bool)] = np.nan
    unit = u[:, ell]
    if np.any(unit <= 0):
        raise ValueError("unit_quantiles must be > 0 at the bin's multipoles")
    d = np.log10(measured / unit)
    ok = np.isfinite(d)
    log_n = float(np.mean(d[ok]))
    resid = np.where(ok, d - log_n, np.nan)
    err = float(np.std(d[ok], ddof=1) / np.sqrt(ok.sum()) * np.log(10) * 10**log_n)
    return NoiseCalibration(level=10**log_n, level_error=err, ell=ell, measured=measured,
                            predicted=10**log_n * unit, residual_dex=resid)


@dataclass(frozen=True)
class NoiseLevels:
    """The white-noise power of every energy bin, fitted to its digitised bands (:func:`noise_levels`).

    Attributes
    ----------
    kept, removed : dict
        Energy-bin label -> :class:`NoiseCalibration`, with the noise maps' ring means kept (as the
        group's band script makes them) or removed (as the data have them).
    events : ndarray
        :func:`equivalent_event_count` of each bin's level (ring means kept).
    """

    kept: dict
    removed: dict
    events: np.ndarray

    @property
    def level(self) -> dict:
        """Label -> N (ring means kept: the calibration that reproduces the bands)."""
        return {k: c.level for k, c in self.kept.items()}

    @property
    def rms_kept(self) -> np.ndarray:
        """rms residual (dex) of the band edges per bin, ring means kept."""
        return np.array([c.rms_dex for c in self.kept.values()])

    @property
    def rms_removed(self) -> np.ndarray:
        """The same with the ring means removed."""
        return np.array([c.rms_dex for c in self.removed.values()])

    @property
    def width(self) -> np.ndarray:
        """Median over l of measured / predicted band width, (n_bins, 3) for 1, 2, 3 sigma."""
        return np.array([[np.nanmedian(c.width_ratio(k)) for k in (1, 2, 3)] for c in self.kept.values()])

    def l1_residual(self, *, removed: bool = False) -> np.ndarray:
        """Mean residual (dex) of the upper band edges at l = 1, per bin."""
        cals = self.removed if removed else self.kept
        return np.array([np.nanmean(c.residual_dex[3:, 0]) for c in cals.values()])

    @property
    def level_shift(self) -> float:
        """1 - median N(kept) / N(removed): how much lower the level is than the other calibration gives."""
        return float(1 - np.median([self.kept[k].level / self.removed[k].level for k in self.kept]))

    def record(self) -> dict:
        """The results entry ``noise_levels``: per bin N, N_error, N_ring_means_removed, rms_dex,
        rms_dex_ring_means_removed, equivalent_events."""
        return {k: {"N": c.level, "N_error": c.level_error, "N_ring_means_removed": self.removed[k].level,
                    "rms_dex": c.rms_dex, "rms_dex_ring_means_removed": self.removed[k].rms_dex,
                    "equivalent_events": float(e)}
                for (k, c), e in zip(self.kept.items(), self.events)}


def noise_levels(resp: Response, bins, *, rng: np.random.Generator, n_draws: int = 40000) -> NoiseLevels:
    """:func:`calibrate_noise` for every energy bin of ``bins``, with the unit-noise quantiles of
    :func:`noise_band_quantiles` drawn from ``rng`` first with the ring means kept, then removed."""
    resp = _check_response(resp)
    rng = _rng(rng)
    bins = list(bins)
    if not bins:
        raise ValueError("bins must hold at least one energy bin")
    u_kept = noise_band_quantiles(resp, n_draws=n_draws, rng=rng, noise_m0=True)
    u_removed = noise_band_quantiles(resp, n_draws=n_draws, rng=rng, noise_m0=False)
    kept = {b.label: calibrate_noise(b, u_kept) for b in bins}
    removed = {b.label: calibrate_noise(b, u_removed) for b in bins}
    events = np.array([equivalent_event_count(resp, c.level) for c in kept.values()])
    return NoiseLevels(kept=kept, removed=removed, events=events)


def noise_checks(levels: NoiseLevels, box_residuals, *, n_events: float = 7.92e11) -> dict:
    """The checks of the noise calibration and of the boxes, as ``{name: {"condition", "detail", numbers...}}``.

    ``noise-bands-prefer-m0-kept``: in every bin the bands are closer to noise maps whose ring means
    are kept.  ``noise-bands-reproduced``: white noise reproduces the band edges to < 0.11 dex rms and
    the 1 and 3 sigma widths to 10 %.  ``noise-event-count-order``: the levels imply an event count
    (:func:`equivalent_event_count`) within a factor 2 of ``n_events`` (the 12-year data set).
    ``boxes-are-full-sky-scatter``: the box residuals (:func:`box_residuals_dex`) are < 0.03 dex rms.
    """
    if not isinstance(levels, NoiseLevels):
        raise TypeError(f"levels must be a NoiseLevels, got {type(levels).__name__}")
    box = np.atleast_1d(validate.finite("box_residuals", box_residuals))
    n_events = validate.positive("n_events", n_events, allow_array=False)
    kept, removed, width, events = levels.rms_kept, levels.rms_removed, levels.width, levels.events
    rms_box = float(np.sqrt(np.mean(box**2)))
    return {
        "noise-bands-prefer-m0-kept": {
            "condition": bool(np.all(kept < removed)),
            "detail": "in every energy bin the digitised bands are closer to noise whose ring means are kept",
            "rms_kept": kept, "rms_removed": removed},
        "noise-bands-reproduced": {
            "condition": bool(np.all(kept < 0.11) and np.all(np.abs(width[:, [0, 2]] - 1) < 0.1)),
            "detail": "white noise reproduces the band edges to < 0.11 dex rms, the 1 and 3 sigma widths to 10 %",
            "rms_kept": kept, "width": width},
        "noise-event-count-order": {
            "condition": bool(0.5 < events.sum() / n_events < 2),
            "detail": f"the noise levels imply a total event count within a factor 2 of the {_sci(n_events)} events of "
                      "the data set", "implied": float(events.sum())},
        "boxes-are-full-sky-scatter": {
            "condition": rms_box < 0.03,
            "detail": "the box edges equal C~_l chi^2_{2l+1}(16 %, 84 %)/(2l+1) to < 0.03 dex rms (box digitisation "
                      "+-0.024-0.048 dex)", "rms": rms_box, "n": int(box.size)},
    }


def equivalent_event_count(resp: Response, noise: float) -> float:
    """Events in the field of view whose Poisson noise, spread uniformly, has white-noise power N.

    A relative-intensity map with n events per steradian has pixel variance 1/(n Omega_pix), i.e.
    white noise of power N = 1/n; the field of view (4 pi f_sky sr) then holds 4 pi f_sky / N events.
    For a non-uniform exposure the same N needs more events (N is set by the harmonic mean density).
    """
    resp = _check_response(resp)
    nv = validate.positive("noise", noise, allow_array=False)
    return 4 * np.pi * resp.fsky / nv


def full_sky_scatter_quantiles(ell, probabilities) -> np.ndarray:
    """Quantiles of C^_l / C_l for a Gaussian sky seen on the full sky: chi^2_{2l+1}/(2l+1).

    The group's public box script draws full-sky maps from the measured spectrum (``synfast``) and
    takes the 16 and 84 % points of their ``anafast`` spectra: these ratios times C~_l.  Returns an
    array (len(probabilities),) + shape of ``ell``.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(full_sky_scatter_quantiles([1, 10], [0.16, 0.84]), 3)   # rows: probabilities
    array([[0.28 , 0.698],
           [1.722, 1.302]])
    """
    from scipy import stats

    ell = np.asarray(validate.integer("ell", ell, minimum=0))
    p = np.atleast_1d(validate.finite("probabilities", probabilities))
    if p.ndim != 1 or np.any(p <= 0) or np.any(p >= 1):
        raise ValueError(f"probabilities must be a 1-D array in (0, 1), got {probabilities!r}")
    k = 2 * ell + 1.0
    return stats.chi2.ppf(p.reshape((-1,) + (1,) * ell.ndim), k) / k


def box_residuals_dex(bins, probabilities=(0.16, 0.84)) -> np.ndarray:
    """log10 of each digitised box edge over C~_l times the full-sky scatter quantile
    (:func:`full_sky_scatter_quantiles`): lower edges at ``probabilities[0]``, upper at ``[1]``,
    for every bin of ``bins`` where both edges were read; ~0 if the boxes are that scatter.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> q = full_sky_scatter_quantiles([1, 2], [0.16, 0.84])
    >>> b = SimpleNamespace(ell=np.array([1, 2]), C=np.ones(2), box_lo=q[0], box_hi=q[1])
    >>> bool(np.abs(box_residuals_dex([b])).max() < 1e-12)
    True
    """
    p = np.atleast_1d(validate.finite("probabilities", probabilities))
    if p.shape != (2,):
        raise ValueError(f"probabilities must be two values (lower, upper edge), got {probabilities!r}")
    out = []
    for b in bins:
        for attr in ("ell", "C", "box_lo", "box_hi"):
            if not hasattr(b, attr):
                raise TypeError(f"bins must hold cranisotropy.data.EnergyBin (lacks {attr!r})")
        ok = np.isfinite(b.box_lo) & np.isfinite(b.box_hi)
        q = full_sky_scatter_quantiles(b.ell, p)
        out.append(np.r_[np.log10(b.box_lo / b.C / q[0])[ok], np.log10(b.box_hi / b.C / q[1])[ok]])
    if not out:
        raise ValueError("bins must hold at least one energy bin")
    return np.concatenate(out)
