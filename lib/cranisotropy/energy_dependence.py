"""The energy dependence of the angular power: Zhang & Liu (2024), Sec. 5 and Figs. 2-4, against
the IceCube 12-year spectra.

The power-law convection model gives C_l ~ lambda^(gamma-1) (Eq. 7 with Eq. 10), so with
lambda ~ E^delta every multipole scales as E^(delta (gamma-1)): :func:`power_law_energy_curve`.
With the SNR-injection spectrum (:mod:`cranisotropy.injection`) the scaling turns over near
lambda_c = (l+1/2)/k0: :func:`injection_energy_curve`, :func:`model_turnover_energy`.  The data
side: the pseudo-power of each multipole across the energy bins (:func:`bin_arrays`), its
energy slopes below and above a split energy (:func:`energy_slopes`, every slope by
:func:`cranisotropy.fit.power_law` with Birge-scaled errors) and the energy of its minimum
(:func:`data_turnovers`).

References
----------
Y. Zhang & S. Liu, arXiv:2402.16554 (2024), Sec. 5, Figs. 2-4; Abbasi et al. (IceCube), ApJ
(2025) for the data.
"""

from __future__ import annotations

import numpy as np

from . import convection, fit, injection, validate
from .data import DIGITISATION_DEX, log10_errors

__all__ = ["bin_arrays", "power_law_energy_curve", "injection_energy_curve", "model_turnover_energy", "slope_statistics",
           "energy_slopes", "data_turnovers"]


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


def energy_slopes(d: dict, ells, split_TeV: float, *, min_points: int = 3) -> list[dict]:
    """d log C_l / d log E below and above ``split_TeV`` for each l of ``ells``, from the bins
    above the noise band (at least ``min_points``): :func:`cranisotropy.fit.power_law` in E with
    the errors of the points, Birge-scaled slope errors.  Rows dict(ell, slope_low, err_low,
    n_low, slope_high, err_high, n_high) (NaN without enough points).

    Examples
    --------
    >>> from cranisotropy.data import load_icecube12yr
    >>> r = energy_slopes(bin_arrays(load_icecube12yr()), [3], 100.0)[0]
    >>> r["n_low"], round(r["slope_low"], 2)
    (4, -0.85)
    """
    split = validate.positive("split_TeV", split_TeV, allow_array=False)
    E = d["E"]
    rows = []
    for l in np.atleast_1d(validate.integer("ells", ells, minimum=1)):
        row = dict(ell=int(l))
        for side, sel in (("low", E < split), ("high", E > split)):
            m = sel & d["measured"][l]
            if m.sum() < min_points:
                row.update({f"slope_{side}": np.nan, f"err_{side}": np.nan, f"n_{side}": int(m.sum())})
                continue
            f = fit.power_law(E[m], d["C"][l][m], sigma=d["err_dex"][l][m])
            row.update({f"slope_{side}": f.value("slope"), f"err_{side}": float(fit.birge_errors(f)[1]),
                        f"n_{side}": int(m.sum())})
        rows.append(row)
    return rows


def data_turnovers(d: dict, ells) -> list[dict]:
    """For each l, the energy bin of minimal C_l among the bins above the noise band (the highest
    bin dropped when more than 3 are left: it is noise-dominated); ``interior`` when the minimum
    is not at the first or last such bin.  Rows dict(ell, E_change, interior)."""
    rows = []
    for l in np.atleast_1d(validate.integer("ells", ells, minimum=1)):
        m = d["measured"][l].copy()
        m[-1] = False if m.sum() > 3 else m[-1]
        idx = np.flatnonzero(m)
        i = idx[np.argmin(d["C"][l][idx])]
        rows.append(dict(ell=int(l), E_change=float(d["E"][i]), interior=bool(idx[0] < i < idx[-1])))
    return rows


def slope_statistics(slopes: list, expected: float, predictions=(2 / 9, 1 / 3)) -> dict:
    """Statistics of the energy slopes below the split (rows of :func:`energy_slopes`) over the
    multipoles that have one: ``n``, ``mean`` and ``sem`` (standard error), ``rms`` about
    ``expected``, ``min``/``max`` with the l where they occur (``ell_min``/``ell_max``), the
    correlation ``corr`` of slope with l, ``n_consistent`` (per prediction: slopes within twice
    their error), and for the slopes above the split ``n_high`` and ``median_high``.

    Examples
    --------
    >>> rows = [dict(ell=3, slope_low=0.1, err_low=0.1, slope_high=np.nan),
    ...         dict(ell=4, slope_low=0.5, err_low=0.1, slope_high=1.0)]
    >>> st = slope_statistics(rows, 0.3)
    >>> st["n"], round(st["rms"], 3), st["n_consistent"], st["n_high"]
    (2, 0.2, (1, 1), 1)
    """
    ells = np.array([r["ell"] for r in slopes])
    sl = np.array([r["slope_low"] for r in slopes], dtype=float)
    el = np.array([r["err_low"] for r in slopes], dtype=float)
    sh = np.array([r["slope_high"] for r in slopes], dtype=float)
    ok = np.isfinite(sl)
    if ok.sum() < 2:
        raise ValueError(f"slopes must hold at least 2 finite low-energy slopes, got {int(ok.sum())}")
    s, e, l = sl[ok], el[ok], ells[ok]
    return {"n": int(ok.sum()), "mean": float(np.mean(s)), "sem": float(np.std(s, ddof=1) / np.sqrt(ok.sum())),
            "rms": float(np.sqrt(np.mean((s - expected) ** 2))), "min": float(s.min()), "max": float(s.max()),
            "ell_min": int(l[np.argmin(s)]), "ell_max": int(l[np.argmax(s)]), "corr": float(np.corrcoef(l, s)[0, 1]),
            "n_consistent": tuple(int(np.sum(np.abs(s - p) <= 2 * e)) for p in predictions),
            "n_high": int(np.isfinite(sh).sum()),
            "median_high": float(np.nanmedian(sh)) if np.isfinite(sh).any() else float("nan")}
