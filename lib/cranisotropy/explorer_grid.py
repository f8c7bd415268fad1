"""Precomputed, forward-folded model spectra for the book's interactive explorer.

For a model whose full-sky spectrum is an amplitude times a shape, C_l = a S_l(p) (Ahlers' Eq. 20:
a = C~_1, shape parameter nu T; Zhang & Liu's convection model: a = sigma^2, shape parameter
gamma), the observed pseudo-spectrum of :mod:`cranisotropy.observation` has, exactly,

    <C~_l>(a) = a A_l(p) + N_l,        Var C~_l(a) = alpha_l(p) a^2 + beta_l(p) a + c_l,

because the per-m covariances S^m are linear in a (Eq. 2 of :mod:`cranisotropy.observation`) and
the variance is quadratic in them (Eq. 3).  :func:`folded_coefficients` returns A, alpha, beta
(and N, c from the noise alone) for one shape; :func:`build` tabulates them for every energy bin
and a grid of shapes, with the amplitude that best fits each bin, as the JSON the explorer page
reads (``book/_static/explorer.js`` draws mean and lognormal 68 %/95 % bands from them).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from . import hierarchy, observation, spectral_models, validate

DIGITISATION_DEX = 0.012     # marker precision of the digitised points (data README)
C_KM_S = spectral_models.C_KM_S


def folded_coefficients(resp, shape, noise: float) -> dict:
    """A_l, alpha_l, beta_l of the shape ``shape`` (full-sky C_l per unit amplitude, from l = 0)
    and N_l, c_l of white noise of power ``noise``, for l = 0..lmax.

    Examples
    --------
    >>> import numpy as np
    >>> resp = observation.response(lmax=8, lmax_sky=16, nside=None)
    >>> co = folded_coefficients(resp, np.r_[0.0, 1.0], 0.5)
    >>> m, v = observation.pseudo_cl_moments(resp, 3.0 * np.r_[0.0, 1.0], 0.5)
    >>> bool(np.allclose(3.0 * co["A"] + co["N"], m) and np.allclose(9 * co["alpha"] + 3 * co["beta"] + co["c"], np.diag(v)))
    True
    """
    shape = np.asarray(validate.nonnegative("shape", shape), dtype=float)
    noise = validate.nonnegative("noise", noise, allow_array=False)
    m0, v0 = observation.pseudo_cl_moments(resp, np.zeros_like(shape), noise)
    m1, v1 = observation.pseudo_cl_moments(resp, shape, noise)
    m2, v2 = observation.pseudo_cl_moments(resp, 2.0 * shape, noise)
    d0, d1, d2 = np.diag(v0), np.diag(v1), np.diag(v2)
    alpha = (d2 - 2 * d1 + d0) / 2.0
    beta = d1 - d0 - alpha
    return {"A": m1 - m0, "alpha": alpha, "beta": beta, "N": m0, "c": d0}


def lognormal_dex(mean, var) -> np.ndarray:
    """Standard deviation in dex of the lognormal with this mean and variance."""
    mean = np.asarray(mean, dtype=float)
    return np.sqrt(np.log1p(np.asarray(var, dtype=float) / mean**2)) / np.log(10)


def best_amplitude(co: dict, ell, data, *, bounds=(1e-14, 1e2), sigma_dex: float = DIGITISATION_DEX) -> float:
    """The amplitude a that minimises sum_l [log10 d_l - log10 <C~_l>(a)]^2 / (s_l(a)^2 + sigma_dex^2),
    s_l the lognormal width (dex) of the model's scatter; over ``bounds`` (log-uniform search)."""
    ell = np.asarray(validate.integer("ell", ell, minimum=1))
    d = np.asarray(validate.positive("data", data), dtype=float)
    if d.shape != ell.shape:
        raise ValueError(f"data and ell must have the same shape, got {d.shape} and {ell.shape}")
    A, al, be, N, c = (np.asarray(co[k])[ell] for k in ("A", "alpha", "beta", "N", "c"))

    def chi2(log_a):
        a = 10.0**log_a
        m = a * A + N
        s = lognormal_dex(m, np.maximum(al * a * a + be * a + c, 0.0))
        return float(np.sum((np.log10(d) - np.log10(m)) ** 2 / (s**2 + sigma_dex**2)))

    lo, hi = np.log10(bounds[0]), np.log10(bounds[1])
    grid = np.linspace(lo, hi, 81)
    k = int(np.argmin([chi2(g) for g in grid]))
    a0, a1 = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    res = optimize.minimize_scalar(chi2, bounds=(a0, a1), method="bounded", options={"xatol": 1e-6})
    return float(10.0**res.x)


def _round(x, digits: int = 5):
    arr = np.asarray(x, dtype=float)
    out = np.array([float(f"{v:.{digits}g}") if np.isfinite(v) else np.nan for v in arr.ravel()]).reshape(arr.shape)
    return [None if not np.isfinite(v) else v for v in out.tolist()] if out.ndim else out.item()


def _bin_json(b) -> dict:
    lo = np.where(np.isfinite(b.stat_lo), b.stat_lo, np.nan)
    hi = np.where(np.isfinite(b.stat_hi), b.stat_hi, np.nan)
    return {"label": b.label, "E_TeV": float(b.median_energy_TeV), "C": _round(b.C), "err_lo": _round(lo),
            "err_hi": _round(hi), "noise_lo": [_round(b.noise_lo[k]) for k in range(3)],
            "noise_hi": [_round(b.noise_hi[k]) for k in range(3)]}


def build(resp, bins, noise: dict, *, nuT, gammas, lam_pc: float = 10.0, g: float = 4.7) -> dict:
    """The explorer's data: every energy bin of ``bins`` (``cranisotropy.data.EnergyBin``), the
    white-noise power of each (``noise``: label -> N), and for Ahlers' Eq. 20 (shape nu T in
    ``nuT``, amplitude C~_1) and Zhang & Liu's convection model (shape gamma in ``gammas``,
    amplitude sigma in km/s at scale ``lam_pc``) the folded coefficients and best-fit amplitudes."""
    nuT = np.asarray(validate.positive("nuT", nuT), dtype=float)
    gammas = np.asarray(validate.finite("gammas", gammas), dtype=float)
    lmax = resp.lmax
    ell = np.arange(1, lmax + 1)
    models = {"ahlers": {"key": "ahlers", "label": "Ahlers (2014), Eq. 20",
                         "shape": {"name": "nuT", "label": "ν T", "values": _round(nuT, 3),
                                   "default": int(np.argmin(np.abs(np.log(nuT / 1.0))))},
                         "amplitude": {"name": "C1", "label": "C̃₁ (full sky)", "power": 1, "min": 1e-10, "max": 1e-4,
                                       "unit": "", "best": []},
                         "folded": [],
                         "note": "Ahlers' hierarchy (Eq. 20, corrected) for a dipole of full-sky power C̃₁, folded "
                                 "through IceCube's field of view (dec < -20°, ring means removed) with the noise of "
                                 "the bin. Bands: lognormal with the exact mean and variance (an approximation to "
                                 "the skewed distribution)."},
              "zl": {"key": "zl", "label": "Zhang & Liu (2024), convection",
                     "shape": {"name": "gamma", "label": "γ", "values": _round(gammas, 3),
                               "default": int(np.argmin(np.abs(gammas - 5.0 / 3.0)))},
                     "amplitude": {"name": "sigma", "label": "σ (km/s)", "power": 2, "min": 1.0, "max": 1000.0,
                                   "unit": "km/s", "best": []},
                     "folded": [],
                     "note": f"Zhang & Liu's convection model (Eqs. 7 + 10, reconstructed; λ = {lam_pc:g} pc, g = {g:g}, "
                             "σ² = k E(k) at k = 1/λ) with no dipole of its own (ℓ ≥ 2), folded as above. "
                             "The paper's fit used 3 ≤ ℓ ≤ 30."}}
    shapes_a = [hierarchy.spectrum(t, resp.lmax_sky) for t in nuT]
    reg = spectral_models.registry(lam_pc=lam_pc, g=g)
    conv = reg["convection-gamma"]
    shapes_z = [conv.spectrum(resp.lmax_sky, 1.0, gm) for gm in gammas]   # per (km/s)^2
    out_bins, out_noise = [], []
    for b in bins:
        N = float(noise[b.label])
        out_bins.append(_bin_json(b))
        sel = np.asarray(b.ell)
        data = np.asarray(b.C, dtype=float)
        for key, shapes, bounds in (("ahlers", shapes_a, (1e-10, 1e-4)), ("zl", shapes_z, (1.0, 1e6))):
            cos = [folded_coefficients(resp, s, N) for s in shapes]
            best = [best_amplitude(co, sel, data, bounds=bounds) for co in cos]
            if key == "zl":
                best = [float(np.sqrt(a)) for a in best]
            models[key]["best"] = None
            models[key]["amplitude"]["best"].append(_round(best))
            models[key]["folded"].append([{k: _round(co[k][ell]) for k in ("A", "alpha", "beta")} for co in cos])
        base = folded_coefficients(resp, shapes_a[0] * 0.0, N)
        out_noise.append({"N": _round(base["N"][ell]), "c": _round(base["c"][ell])})
    for m in models.values():
        m.pop("best", None)
    return {"ell": ell.tolist(), "energies": out_bins, "noise": [n["N"] for n in out_noise],
            "noise_var": [n["c"] for n in out_noise], "models": [models["ahlers"], models["zl"]],
            "default_energy": int(np.argmin([abs(np.log(b.median_energy_TeV / 13.0)) for b in bins]))}
