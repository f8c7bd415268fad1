"""The energy dependence of the angular power: Zhang & Liu (2024), Sec. 5 and Figs. 2-4, against
the IceCube 12-year spectra.

The power-law convection model gives C_l ~ lambda^(gamma-1) (Eq. 7 with Eq. 10), so with
lambda ~ E^delta every multipole scales as E^(delta (gamma-1)): :func:`power_law_energy_curve`.
With the SNR-injection spectrum (:mod:`cranisotropy.injection`) the scaling turns over near
lambda_c = (l+1/2)/k0: :func:`injection_energy_curve`, :func:`model_turnover_energy`.  The data
side, for the figures: the pseudo-power of each multipole across the energy bins
(:func:`bin_arrays`).  The tests of the paper's claims on the energy dependence go through the
forward model of the observation: :mod:`cranisotropy.energy_scaling_folded`.

References
----------
Y. Zhang & S. Liu, arXiv:2402.16554 (2024), Sec. 5, Figs. 2-4; Abbasi et al. (IceCube), ApJ
(2025) for the data.
"""

from __future__ import annotations

import numpy as np

from . import convection, injection, validate
from .data import DIGITISATION_DEX, log10_errors

__all__ = ["bin_arrays", "power_law_energy_curve", "injection_energy_curve", "model_turnover_energy"]


def bin_arrays(spectra, noise_sigma: int = 2, floor_dex: float = DIGITISATION_DEX, lmax: int = 40) -> dict:
    """The data per multipole across the energy bins, as arrays (lmax + 1, n_bins) indexed by l
    (row 0 unused: NaN / False): ``C``, ``measured`` (above the ``noise_sigma`` band),
    ``noise_edge`` (upper edge of that band), ``err_dex`` (:func:`cranisotropy.data.log10_errors`);
    and ``E`` (median energies, TeV).

    Examples
    --------
    >>> from cranisotropy.data import load_icecube12yr
    >>> d = bin_arrays(load_icecube12yr())
    >>> d["C"].shape, bool(d["measured"][3, 0])
    ((41, 9), True)
    """
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    bins = list(spectra)
    out = dict(E=np.array([b.median_energy_TeV for b in bins]), C=np.full((lmax + 1, len(bins)), np.nan),
               measured=np.zeros((lmax + 1, len(bins)), bool), noise_edge=np.full((lmax + 1, len(bins)), np.nan),
               err_dex=np.full((lmax + 1, len(bins)), np.nan))
    ell = np.arange(1, lmax + 1)
    for j, b in enumerate(bins):
        out["C"][1:, j] = b.select(ell)["C"]
        out["measured"][1:, j] = b.above_noise(noise_sigma)[ell - 1]
        out["noise_edge"][1:, j] = b.noise_hi[noise_sigma - 1, ell - 1]
        out["err_dex"][1:, j] = log10_errors(b, ell, floor_dex)
    return out


def power_law_energy_curve(C_ref, E, E_ref: float, delta: float, gamma: float):
    """C_l(E) = C_l(E_ref) (E/E_ref)^(delta (gamma-1)): the power-law model with lambda ~ E^delta.

    Examples
    --------
    >>> float(power_law_energy_curve(1.0, 10.0, 1.0, 1 / 3, 5 / 3)) == 10 ** (2 / 9)
    True
    """
    E = validate.positive("E", E)
    E_ref = validate.positive("E_ref", E_ref, allow_array=False)
    return np.asarray(C_ref) * (np.asarray(E) / E_ref) ** (delta * (gamma - 1))


def injection_energy_curve(ell: int, E, *, C_ref: float, E_ref: float, lam_ref: float, k0: float,
                           delta: float, gamma: float = 5.0 / 3.0):
    """C_l(E) with the SNR-injection spectrum (Fig. 4): lambda = lam_ref (E/E_ref)^delta,
    C_l = C_ref (lambda/lam_ref)^(gamma-1) F_l(k0 lambda) / S_l(gamma), normalised to the power-law
    model's ``C_ref`` at E_ref in the limit k0 -> 0 (:func:`cranisotropy.injection.shape`)."""
    E = np.asarray(validate.positive("E", E), dtype=float)
    lam = lam_ref * (E / E_ref) ** delta
    F = injection.shape(ell, k0 * lam, gamma=gamma)
    return C_ref * (lam / lam_ref) ** (gamma - 1) * F / convection.spectrum_shape(ell, gamma)


def model_turnover_energy(E_grid, curve) -> float:
    """The energy of the maximum of a model curve on ``E_grid``; NaN where the maximum sits at an
    end of the grid (no turnover inside it)."""
    i = int(np.argmax(curve))
    return float(E_grid[i]) if 0 < i < len(E_grid) - 1 else float("nan")
