"""Random Gaussian skies with a given angular power spectrum.

The a_lm of a statistically isotropic Gaussian sky are independent with <|a_lm|^2> = C_l (the
assumption behind the partial-sky variance estimate after Ahlers 2014, Eq. 21).  Unlike
``healpy.synfast`` these draw from a ``numpy.random.Generator`` passed in, so that every sky of
the book is reproducible from an explicit seed without touching numpy's global state.
"""

from __future__ import annotations

import numpy as np

from . import validate


def gaussian_alm(cl, rng: np.random.Generator) -> np.ndarray:
    """a_lm (healpy ordering, lmax = len(cl) - 1) of a real Gaussian sky with <|a_lm|^2> = C_l.

    a_l0 is real with variance C_l; for m > 0 the real and imaginary parts each have variance C_l/2.

    Examples
    --------
    >>> alm = gaussian_alm([0.0, 1.0, 0.5], np.random.default_rng(0))
    >>> alm.shape, bool(alm[0] == 0)                                # (lmax+1)(lmax+2)/2 coefficients; C_0 = 0
    ((6,), True)
    """
    import healpy as hp

    cl = np.atleast_1d(validate.nonnegative("cl", cl))
    if cl.ndim != 1 or cl.size < 1:
        raise ValueError(f"cl must be a 1-D array from l = 0, got shape {cl.shape}")
    validate.generator("rng", rng)
    lmax = cl.size - 1
    ell, emm = hp.Alm.getlm(lmax)
    sd = np.sqrt(cl[ell])
    re = rng.standard_normal(ell.size)
    im = rng.standard_normal(ell.size)
    alm = np.where(emm == 0, sd * re, sd * (re + 1j * im) / np.sqrt(2)).astype(complex)
    return alm


def gaussian_map(cl, nside: int, rng: np.random.Generator) -> np.ndarray:
    """A HEALPix map (RING) of a Gaussian sky with spectrum ``cl`` (band-limited at len(cl) - 1)."""
    import healpy as hp

    nside = validate.integer("nside", nside, minimum=1, allow_array=False)
    if not hp.isnsideok(nside, nest=True):
        raise ValueError(f"nside must be a power of 2, got {nside!r}")
    alm = gaussian_alm(cl, rng)
    return hp.alm2map(alm, nside, lmax=len(np.atleast_1d(cl)) - 1)
