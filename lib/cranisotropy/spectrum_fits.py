"""Model spectra fitted to the measured IceCube spectra: the fit procedures behind the verdicts.

Every fit goes through :mod:`cranisotropy.fit` (log10 C_l, errors of :func:`cranisotropy.data.log10_errors`).

Ahlers (2014), Eq. 21 against the data (the hierarchy chapter):

* :func:`fit_range` -- l = l_min .. the last l before the spectrum first enters the noise band;
* :func:`cosmic_variance_dex` -- the paper's estimate sqrt(2/((2l+1) f_sky)) as a scatter in dex
  (:func:`cranisotropy.partial_sky.variance_estimate`);
* :func:`eq21_scaling` / :func:`eq21_scaling_table` -- per energy bin: Eq. 21 with a free
  amplitude (measurement errors, and with cosmic variance), a free power law, and the verdict
  "describes the l > 5 scaling" (slope within twice its Birge-scaled error of Eq. 21's slope
  over the same l, at least 3 points).

Zhang & Liu (2024), the models of their Fig. 1 (the fit and energy chapters):

* :data:`ZHANG_LIU_MODELS` -- the book's names and labels of the models, keys of
  :func:`cranisotropy.spectral_models.registry`;
* :func:`fit_models` -- all of them to one spectrum (the paper's way: no forward model, digitisation
  errors); :func:`best_by_rss_bic`, :func:`fit_record`;
* :func:`single_ell_sigma` -- the velocity dispersion that one multipole alone gives;
* :func:`amplitude_linearity` -- whether a model is its amplitude times a shape (App. B).

The forward-folded fits of the convection model are in :mod:`cranisotropy.convection_folded`.
"""

from __future__ import annotations

import numpy as np

from . import convection, fit, hierarchy, partial_sky, spectral_models, validate
from .data import DIGITISATION_DEX, EnergyBin, log10_errors

__all__ = ["fit_range", "cosmic_variance_dex", "eq21_scaling", "eq21_scaling_table", "ZHANG_LIU_MODELS",
           "zhang_liu_registry", "fit_models", "best_by_rss_bic", "single_ell_sigma", "amplitude_linearity",
           "fit_record"]


# -- Ahlers (2014), Eq. 21 against the data ---------------------------------------------------

def fit_range(b: EnergyBin, ell_min: int = 6, nsigma: int = 3) -> np.ndarray:
    """Boolean mask over ``b.ell``: l = ``ell_min`` .. the last l before the first l >= ell_min
    inside the ``nsigma`` noise band (all l >= ell_min when none is).

    Examples
    --------
    >>> from cranisotropy.data import load_icecube12yr
    >>> b = load_icecube12yr().nearest(20.0)
    >>> m = fit_range(b, 6, 3)
    >>> int(b.ell[m].min()), int(b.ell[m].max())
    (6, 40)
    """
    if not isinstance(b, EnergyBin):
        raise TypeError(f"b must be an EnergyBin, got {type(b).__name__}")
    ell_min = validate.integer("ell_min", ell_min, minimum=1, allow_array=False)
    above = b.above_noise(nsigma)
    first_in = b.ell[(b.ell >= ell_min) & ~above]
    l_end = (first_in.min() - 1) if len(first_in) else b.ell.max()
    return (b.ell >= ell_min) & (b.ell <= l_end)


def cosmic_variance_dex(ell, f_sky: float) -> np.ndarray:
    """The cosmic-variance estimate of Ahlers (2014) (paragraph after Eq. 21),
    sqrt(2/((2l+1) f_sky)), as a scatter of log10 C_l: log10(e) times it.

    Examples
    --------
    >>> round(float(cosmic_variance_dex(10, 1 / 3)), 4)
    0.2321
    """
    return np.log10(np.e) * np.sqrt(partial_sky.variance_estimate(ell, f_sky))


def eq21_scaling(b: EnergyBin, *, ell_min: int = 6, nsigma: int = 3, floor_dex: float = DIGITISATION_DEX,
                 f_sky: float = 1 / 3) -> dict:
    """Ahlers (2014), Eq. 21 against one energy bin over :func:`fit_range`.

    Fits (all in log10 C with :func:`cranisotropy.data.log10_errors`): Eq. 21 with a free
    amplitude, with the measurement errors and with :func:`cosmic_variance_dex` added in
    quadrature; a free power law C ~ l^b; and the slope of Eq. 21 itself over the same l.  The
    verdict ``describes``: |b - b_21| <= 2 sigma_b with sigma_b the Birge-scaled slope error
    (:func:`cranisotropy.fit.birge_errors`), given at least 3 points.

    Returns
    -------
    dict
        bin, E_TeV, n, and (with >= 3 points) ell_min, ell_max, chi2_dof_meas, chi2_dof_cosmic,
        rms_dex, slope, slope_err, slope_eq21, pull, log10_amplitude, describes; else
        ``verdict = "too few points above noise"``.

    Examples
    --------
    >>> from cranisotropy.data import load_icecube12yr
    >>> r = eq21_scaling(load_icecube12yr().nearest(20.0))
    >>> r["n"], round(r["slope_eq21"], 2)
    (35, -2.8)
    """
    m = fit_range(b, ell_min, nsigma)
    n = int(m.sum())
    row = dict(bin=b.label, E_TeV=b.median_energy_TeV, n=n)
    if n < 3:
        row.update(verdict="too few points above noise")
        return row
    ell, C = b.ell[m], b.C[m]
    sig = log10_errors(b, ell, floor_dex)
    shape = hierarchy.asymptotic_ratio(ell)
    f21 = fit.amplitude(C, shape, sigma=sig, model_name="Eq. 21")
    f21cv = fit.amplitude(C, shape, sigma=np.hypot(sig, cosmic_variance_dex(ell, f_sky)), model_name="Eq. 21")
    fpl = fit.power_law(ell, C, sigma=sig)
    b21 = fit.power_law(ell, shape, sigma=1.0).value("slope")
    slope, slope_err = fpl.value("slope"), float(fit.birge_errors(fpl)[1])
    pull = abs(slope - b21) / slope_err
    row.update(ell_min=int(ell.min()), ell_max=int(ell.max()), chi2_dof_meas=f21.chi2_dof,
               chi2_dof_cosmic=f21cv.chi2_dof, rms_dex=f21.rms, slope=slope, slope_err=slope_err,
               slope_eq21=b21, pull=pull, log10_amplitude=f21.value("log10_amplitude"), describes=bool(pull <= 2))
    return row


def eq21_scaling_table(spectra, **kw) -> list[dict]:
    """:func:`eq21_scaling` for every energy bin of ``spectra`` (keywords passed on)."""
    return [eq21_scaling(b, **kw) for b in spectra]


# -- Zhang & Liu (2024), the models of Fig. 1 -------------------------------------------------

#: The models of Zhang & Liu's Fig. 1 as the book names them: book key -> (registry key, label).
ZHANG_LIU_MODELS = {
    "convection": ("convection", "convection, $\\gamma=5/3$ fixed"),
    "convection-gamma": ("convection-gamma", "convection, $\\gamma$ free"),
    "a14": ("eq21", "A14 (Eq. B1 = Ahlers Eq. 21)"),
    "am15a": ("am15a", "AM15 (a), reconstruction"),
    "am15b": ("am15b", "AM15 (b), reconstruction"),
}


def zhang_liu_registry(*, gamma=5.0 / 3.0, lam_pc=10.0, g=4.7, sigma_def="kE", half=False) -> dict:
    """book key -> :class:`cranisotropy.spectral_models.SpectralModel` of :data:`ZHANG_LIU_MODELS`
    for the flag-Z1 conventions given.

    Examples
    --------
    >>> sorted(zhang_liu_registry())
    ['a14', 'am15a', 'am15b', 'convection', 'convection-gamma']
    """
    reg = spectral_models.registry(gamma=gamma, lam_pc=lam_pc, g=g, sigma_def=sigma_def, half=half)
    return {k: reg[name] for k, (name, _) in ZHANG_LIU_MODELS.items()}


def fit_models(models: dict, ell, C, sigma) -> dict:
    """Fit every model of ``models`` (key -> SpectralModel) to C at ``ell`` with errors ``sigma``
    (dex) by :func:`cranisotropy.fit.spectrum`: key -> FitResult.

    Examples
    --------
    >>> from cranisotropy.data import load_icecube12yr, log10_errors
    >>> b = load_icecube12yr().nearest(10.0)
    >>> ell = np.arange(3, 31)
    >>> fits = fit_models(zhang_liu_registry(), ell, b.select(ell)["C"], log10_errors(b, ell))
    >>> round(fits["convection"].value("sigma"), 1), round(fits["convection-gamma"].value("gamma"), 2)
    (15.7, 3.1)
    """
    return {k: fit.spectrum(m, ell, C, sigma=sigma) for k, m in models.items()}


def best_by_rss_bic(fits: dict, *, tie: float = 1e-3) -> str:
    """The key of the fit with the lowest BIC from the residual sum of squares
    (:func:`cranisotropy.fit.rss_criteria`).  Fits within ``tie`` of the lowest BIC are tied (two
    models of the same shape, such as convection with free gamma and AM15 candidate (a), differ
    only by the minimiser's rounding), and the first of them in ``fits`` wins.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.arange(5.0), np.array([1.1, 2.8, 5.05, 7.1, 8.7])
    >>> a, b = fit.line(x, y, sigma=1.0), fit.line(x, y + 1e-12, sigma=1.0)
    >>> best_by_rss_bic({"first": a, "second": b}), best_by_rss_bic({"second": b, "first": a})
    ('first', 'second')
    """
    tie = validate.nonnegative("tie", tie, allow_array=False)
    bic = {k: fit.rss_criteria(f)[1] for k, f in fits.items()}
    lowest = min(bic.values())
    return next(k for k, v in bic.items() if v <= lowest + tie)


def fit_record(f, *, birge: bool = True) -> dict:
    """A JSON-ready summary of one fit: params, errors, errors_scaled (Birge), chi2, dof, rms_dex,
    aic, bic, aic_rss, bic_rss."""
    aic_rss, bic_rss = fit.rss_criteria(f)
    out = dict(params=dict(zip(f.names, f.values)), errors=dict(zip(f.names, f.errors)))
    if birge:
        out["errors_scaled"] = dict(zip(f.names, fit.birge_errors(f)))
    out.update(chi2=f.chi2, dof=f.dof, rms_dex=f.rms, aic=f.aic, bic=f.bic, aic_rss=aic_rss, bic_rss=bic_rss)
    return out


def single_ell_sigma(model, ell, C) -> np.ndarray:
    """sigma (km/s) of the convection model (parameter ``sigma`` only) that equals C at each multipole alone:
    sqrt(C_l / C_l(sigma = 1)) (no forward model: the paper's kind of comparison).

    Examples
    --------
    >>> m = zhang_liu_registry()["convection"]
    >>> [round(float(v), 6) for v in single_ell_sigma(m, [3, 30], m.cl([3, 30], 12.0))]
    [12.0, 12.0]
    """
    if getattr(model, "params", None) != ("sigma",):
        raise ValueError("model must be the convection model with the one parameter 'sigma'")
    C = np.atleast_1d(validate.positive("C", C))
    return np.sqrt(C / model.cl(ell, 1.0))


def amplitude_linearity(model, theta, ell) -> float:
    """max_l |C_l(10 A) / C_l(A) / 10 - 1| with A the first parameter of ``model`` at ``theta``: zero when the
    model is its amplitude times a shape, so that C_l / C_1 does not change with A (Zhang & Liu, App. B).

    Examples
    --------
    >>> amplitude_linearity(zhang_liu_registry()["a14"], [1e-7], [2, 3, 30])
    0.0
    """
    theta = np.atleast_1d(validate.finite("theta", theta)).astype(float)
    scaled = theta.copy()
    scaled[0] *= 10.0
    return float(np.max(np.abs(model.cl(ell, *scaled) / model.cl(ell, *theta) / 10.0 - 1.0)))
