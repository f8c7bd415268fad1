"""The angular auto-correlation function of a sky and its Legendre expansion (Ahlers 2014, Eqs. 9-13).

* :func:`xi_from_cl` is Eq. 10, xi(eta) = sum_l (2l+1) C_l P_l(cos eta) / 4 pi;
* :func:`pair_correlation` is Eq. 9 on a pixelised sky: the delta-shell of Eq. 9 has measure
  8 pi^2 = 4 pi x 2 pi, so xi(eta) is the mean product f(p1) f(p2) over all ordered pixel pairs
  with p1.p2 = cos eta, here binned in cos eta;
* :func:`power_sum_pixel` and :func:`power_sum_cl` are the two sides of the sum rule behind
  Eqs. 11-13, 4 pi xi(0) = int f^2 dOmega = sum_l (2l+1) C_l (Parseval).
"""

from __future__ import annotations

import numpy as np

from . import validate


def _cl_array(cl, name="cl") -> np.ndarray:
    """A power spectrum C_l, l = 0, 1, ...: 1-D, finite and >= 0 (a negative power is refused)."""
    cl = np.atleast_1d(validate.nonnegative(name, cl))
    if cl.ndim != 1 or cl.size < 1:
        raise ValueError(f"{name} must be a 1-D array with at least one entry (l = 0, 1, ...), got shape {cl.shape}")
    return cl


def _map_array(m, name="m") -> np.ndarray:
    import healpy as hp

    m = np.asarray(validate.finite(name, m), dtype=float)
    if m.ndim != 1 or not hp.isnpixok(m.size):
        raise ValueError(f"{name} must be a 1-D HEALPix map (12 Nside^2 pixels), got shape {m.shape}")
    return m


def xi_from_cl(cl, cos_eta) -> np.ndarray:
    """Eq. 10: xi(eta) = (1/4pi) sum_{l>=0} (2l+1) C_l P_l(cos eta), for C_l given from l = 0.

    Evaluated with the Clenshaw recurrence of :func:`numpy.polynomial.legendre.legval` (stable
    for the l of a HEALPix map).
    """
    cl = _cl_array(cl)
    mu = validate.finite("cos_eta", cos_eta)
    if np.any(np.abs(mu) > 1):
        raise ValueError(f"cos_eta must lie in [-1, 1], got values up to {np.max(np.abs(mu))!r}")
    ell = np.arange(cl.size)
    return np.polynomial.legendre.legval(mu, (2 * ell + 1) * cl / (4 * np.pi))


def power_sum_cl(cl) -> float:
    """Right-hand side of the sum rule: sum_l (2l+1) C_l (Eqs. 12-13 times 4 pi)."""
    cl = _cl_array(cl)
    return float(np.sum((2 * np.arange(cl.size) + 1) * cl))


def power_sum_pixel(m) -> float:
    """Left-hand side of the sum rule on a pixelised sky: int f^2 dOmega ~ 4 pi mean(f^2).

    HEALPix pixels have equal area, so the mean over pixels is the pixel-quadrature of the sphere
    average; equal to sum_l (2l+1) C_l (Parseval) up to the quadrature error of the pixelisation.
    """
    m = _map_array(m)
    return float(4 * np.pi * np.mean(m**2))


def pair_correlation(m, nbins: int, model=None, *, oversample: int = 64, chunk: int = 64):
    """Eq. 9 on a pixelised map: the mean of f_i f_j over all ordered pixel pairs, in bins of cos eta.

    Parameters
    ----------
    m : array
        A HEALPix map (RING ordering).
    nbins : int
        Number of equal bins in cos eta on [-1, 1].
    model : callable, optional
        A vectorised function of cos eta (e.g. Eq. 10 through :func:`xi_from_cl`).  When given,
        its mean over the same pairs as each bin is returned too, so that the model is compared
        with the data at the pairs' actual separations rather than at the bin centres: the pairs
        are also histogrammed in ``oversample`` sub-bins per bin and the model is evaluated at the
        mean cos eta of each sub-bin (error ~ (2/(nbins oversample))^2 |xi''| / 24).
    oversample : int
        Sub-bins per bin for the model average.
    chunk : int
        Rows of the Npix x Npix pair matrix handled at once (memory ~ 8 chunk Npix bytes per
        array; small chunks stay in the processor's cache).

    Returns
    -------
    edges, xi, counts, model_mean : arrays (edges has nbins + 1 entries; model_mean is None
    without a model).  The Npix self-pairs (cos eta = 1) fall in the last bin.

    Notes
    -----
    The pair (i, j) has the same cos eta and product as (j, i), so each block of rows i is paired
    with the columns j >= its first row only: the pairs within the diagonal block are binned as
    they are, those with j beyond it twice (once for each order).  Every ordered pair is counted
    once, as in the full Npix x Npix loop, at half its cost.

    Examples
    --------
    The same bins as a loop over the full pair matrix:

    >>> import healpy as hp
    >>> sky = np.random.default_rng(3).standard_normal(hp.nside2npix(4))
    >>> edges, xi, n, _ = pair_correlation(sky, 8, oversample=1, chunk=5)
    >>> v = np.array(hp.pix2vec(4, np.arange(sky.size))).T
    >>> idx = np.minimum(((np.clip(v @ v.T, -1, 1) + 1.0) * 4.0).astype(int), 7).ravel()
    >>> n_full = np.bincount(idx, minlength=8)
    >>> xi_full = np.bincount(idx, np.outer(sky, sky).ravel(), minlength=8) / n_full
    >>> bool(np.array_equal(n, n_full)), bool(np.allclose(xi, xi_full, rtol=1e-12, atol=1e-14))
    (True, True)
    """
    import healpy as hp

    m = _map_array(m)
    nbins = validate.integer("nbins", nbins, minimum=1, allow_array=False)
    oversample = validate.integer("oversample", oversample, minimum=1, allow_array=False)
    chunk = validate.integer("chunk", chunk, minimum=1, allow_array=False)
    if model is not None and not callable(model):
        raise TypeError(f"model must be callable, got {model!r}")
    nside = hp.npix2nside(m.size)
    vec = np.array(hp.pix2vec(nside, np.arange(m.size))).T
    nfine = nbins * oversample
    sums, counts, musum = np.zeros(nfine), np.zeros(nfine), np.zeros(nfine)
    buf_mu, buf_x, buf_prod = (np.empty(min(chunk, m.size) * m.size) for _ in range(3))
    buf_idx = np.empty(buf_mu.size, dtype=np.int64)
    for start in range(0, m.size, chunk):
        stop = min(start + chunk, m.size)
        # the diagonal block (every ordered pair in it) once, the columns beyond it twice
        for lo, hi, weight in ((start, stop, 1.0), (stop, m.size, 2.0)):
            if hi <= lo:
                continue
            size = (stop - start) * (hi - lo)
            mu = buf_mu[:size].reshape(stop - start, hi - lo)
            np.matmul(vec[start:stop], vec[lo:hi].T, out=mu)
            np.clip(mu, -1.0, 1.0, out=mu)
            x = buf_x[:size].reshape(mu.shape)
            np.add(mu, 1.0, out=x)
            x *= nfine / 2.0
            idx = buf_idx[:size].reshape(mu.shape)
            np.copyto(idx, x, casting="unsafe")             # truncation, as astype(int64)
            np.minimum(idx, nfine - 1, out=idx)
            prod = np.multiply(m[start:stop, None], m[None, lo:hi], out=buf_prod[:size].reshape(mu.shape))
            idx, mu, prod = idx.ravel(), mu.ravel(), prod.ravel()
            sums += weight * np.bincount(idx, weights=prod, minlength=nfine)
            counts += weight * np.bincount(idx, minlength=nfine)
            if model is not None:
                musum += weight * np.bincount(idx, weights=mu, minlength=nfine)
    edges = np.linspace(-1.0, 1.0, nbins + 1)
    n = counts.reshape(nbins, oversample).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xi = sums.reshape(nbins, oversample).sum(axis=1) / n
        model_mean = None
        if model is not None:
            filled = counts > 0
            vals = np.zeros(nfine)
            vals[filled] = np.asarray(model(musum[filled] / counts[filled]), dtype=float)
            model_mean = (vals * counts).reshape(nbins, oversample).sum(axis=1) / n
    return edges, xi, n, model_mean


def pair_check(cl, nside: int, nbins: int, rng: np.random.Generator, *, oversample: int = 64) -> dict:
    """Eq. 9 against Eq. 10 on one Gaussian sky with spectrum ``cl`` (band limit len(cl) - 1).

    The sky is drawn from ``rng`` (:func:`cranisotropy.skies.gaussian_alm`) and synthesised on
    ``nside``; its C_l are measured with ``anafast`` of the same map; :func:`pair_correlation`
    bins all ordered pixel pairs and averages Eq. 10 (with the measured C_l) over the same pairs.

    Returns
    -------
    dict
        ``sky``, ``cl`` (anafast), ``edges``, ``xi`` (pair-binned), ``n`` (pairs per bin),
        ``model`` (pair-averaged Eq. 10), ``xi0`` (Eq. 10 at eta = 0) and ``resid``
        (max |xi - model| / xi0).

    Examples
    --------
    >>> cl = np.r_[0.0, 1.0, 0.5, 0.2]
    >>> pc = pair_check(cl, 8, 10, np.random.default_rng(1), oversample=8)
    >>> int(pc["n"].sum()) == pc["sky"].size ** 2, bool(pc["resid"] < 0.05)
    (True, True)
    """
    import healpy as hp

    from .skies import gaussian_alm

    cl = _cl_array(cl)
    lmax = cl.size - 1
    alm = gaussian_alm(cl, rng)
    sky = hp.alm2map(alm, validate.integer("nside", nside, minimum=1, allow_array=False), lmax=lmax)
    cl_hat = hp.anafast(sky, lmax=lmax)
    edges, xi, npair, model = pair_correlation(sky, nbins, lambda c: xi_from_cl(cl_hat, c), oversample=oversample)
    xi0 = xi_from_cl(cl_hat, 1.0)
    return dict(sky=sky, cl=cl_hat, edges=edges, xi=xi, n=npair, model=model, xi0=xi0,
                resid=float(np.max(np.abs(xi - model)) / xi0))


def parseval_errors(alm, nsides, lmax: int) -> np.ndarray:
    """Relative errors of the two sides of the sum rule for the sky of ``alm`` (band limit
    ``lmax``) synthesised at each Nside: rows (nside, 4 pi mean(f^2) / S - 1, S_anafast / S - 1)
    with S = sum_l (2l+1) C_l of the alm themselves.  The pixel error falls as Nside^-2.

    Examples
    --------
    >>> import healpy as hp
    >>> from cranisotropy.skies import gaussian_alm
    >>> alm = gaussian_alm(np.r_[0.0, 1.0, 0.5], np.random.default_rng(2))
    >>> err = parseval_errors(alm, [8, 16], 2)
    >>> bool(abs(err[0, 1] / err[1, 1] - 4) < 0.5)
    True
    """
    import healpy as hp

    lmax = validate.integer("lmax", lmax, minimum=0, allow_array=False)
    exact = power_sum_cl(hp.alm2cl(alm))
    rows = []
    for ns in np.atleast_1d(validate.integer("nsides", nsides, minimum=1)):
        sky = hp.alm2map(alm, int(ns), lmax=lmax)
        rows.append((int(ns), power_sum_pixel(sky) / exact - 1, power_sum_cl(hp.anafast(sky, lmax=lmax)) / exact - 1))
    return np.array(rows)
