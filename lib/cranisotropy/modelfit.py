"""Fitting angular power spectra: weighted least squares in log10 C_l, and the models compared.

:func:`fit_log` is the generic fit: it minimises sum_i [(log10 C_i - m_i(theta)) / s_i]^2 with
:func:`scipy.optimize.least_squares`, takes the parameter covariance from the Jacobian,
(J^T W J)^-1, and reports chi^2, the number of degrees of freedom, the rms of the log residuals
and two information criteria (AIC = chi^2 + 2k, BIC = chi^2 + k ln n); because the digitised
errors understate the scatter about every model, it also gives the Birge-scaled errors
(times sqrt(chi^2/dof)) and AIC/BIC from the residual sum of squares (n ln(RSS/n) + ...), which
assume a common unknown variance.

:data:`MODELS` are the models of Zhang & Liu (2024), Fig. 1:

* ``"convection"``: Eqs. 7+10 with gamma fixed, parameter sigma (km/s) under the Z1 convention
  passed in (see :mod:`cranisotropy.convection`);
* ``"convection-gamma"``: the same with gamma free;
* ``"a14"``: Ahlers (2014) Eq. 21 (= Zhang & Liu Eq. B1), amplitude C_1 only;
* ``"am15a"`` / ``"am15b"``: the two *reconstructed* candidates of AM15 Eq. 16 (B2), amplitude
  (C_l at the pivot l = 10) and beta (:mod:`cranisotropy.am15`).

:func:`log_errors` turns the digitised IceCube errors into errors in dex.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from . import am15, convection, validate

C_KM_S = 299_792.458  # speed of light in km/s (v = c for TeV cosmic rays)
DIGITISATION_DEX = 0.012  # marker-centre precision of the digitised spectra (data README)
PIVOT_ELL = 10

__all__ = ["FitResult", "fit_log", "log_errors", "MODELS", "model_log10", "fit_model", "C_KM_S",
           "DIGITISATION_DEX", "PIVOT_ELL"]


@dataclass
class FitResult:
    """Outcome of :func:`fit_log` (parameters in the order of ``names``)."""

    names: tuple
    params: np.ndarray
    errors: np.ndarray           # from (J^T W J)^-1 with the errors as given
    cov: np.ndarray
    chi2: float
    n: int
    residuals: np.ndarray        # log10 data - log10 model (dex)
    success: bool
    message: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        return len(self.params)

    @property
    def dof(self) -> int:
        return self.n - self.k

    @property
    def chi2_red(self) -> float:
        return self.chi2 / self.dof if self.dof > 0 else float("nan")

    @property
    def errors_scaled(self) -> np.ndarray:
        """Errors times sqrt(chi2/dof) when that exceeds 1 (Birge ratio)."""
        return self.errors * max(1.0, np.sqrt(self.chi2_red)) if self.dof > 0 else self.errors

    @property
    def rms(self) -> float:
        return float(np.sqrt(np.mean(self.residuals**2)))

    @property
    def aic(self) -> float:
        return self.chi2 + 2.0 * self.k

    @property
    def bic(self) -> float:
        return self.chi2 + self.k * np.log(self.n)

    @property
    def aic_rss(self) -> float:
        return self.n * np.log(np.mean(self.residuals**2)) + 2.0 * self.k

    @property
    def bic_rss(self) -> float:
        return self.n * np.log(np.mean(self.residuals**2)) + self.k * np.log(self.n)

    def value(self, name):
        return float(self.params[self.names.index(name)])

    def error(self, name, scaled=False):
        e = self.errors_scaled if scaled else self.errors
        return float(e[self.names.index(name)])


def fit_log(model, x, y_log10, s_log10, p0, *, names=None, bounds=(-np.inf, np.inf)) -> FitResult:
    """Weighted least squares of ``model(x, *theta)`` (returns log10 values) to ``y_log10``.

    ``s_log10`` are the 1-sigma errors in dex (> 0).  Needs more points than parameters.
    """
    if not callable(model):
        raise TypeError("model must be a callable model(x, *theta)")
    y = validate.finite("y_log10", y_log10)
    s = validate.positive("s_log10", s_log10)
    y, s = np.atleast_1d(y), np.atleast_1d(s)
    if y.shape != s.shape:
        raise ValueError(f"y_log10 and s_log10 must have the same shape, got {y.shape} and {s.shape}")
    p0 = np.atleast_1d(validate.finite("p0", p0)).astype(float)
    if y.size <= p0.size:
        raise ValueError(f"need more data points ({y.size}) than parameters ({p0.size})")
    names = tuple(names) if names is not None else tuple(f"p{i}" for i in range(p0.size))
    if len(names) != p0.size:
        raise ValueError(f"names must have {p0.size} entries, got {len(names)}")

    def resid(theta):
        return (y - np.asarray(model(x, *theta), dtype=float)) / s

    sol = optimize.least_squares(resid, p0, bounds=bounds, x_scale="jac", method="trf",
                                 xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=2000)
    J = sol.jac
    try:
        cov = np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        cov = np.full((p0.size, p0.size), np.nan)
    r = sol.fun * s
    return FitResult(names=names, params=sol.x, errors=np.sqrt(np.abs(np.diag(cov))), cov=cov,
                     chi2=float(np.sum(sol.fun**2)), n=int(y.size), residuals=r,
                     success=bool(sol.success), message=str(sol.message))


def log_errors(b, ell, floor_dex=DIGITISATION_DEX):
    """1-sigma errors in dex of the digitised C~_l of energy bin ``b`` at multipoles ``ell``.

    sqrt(floor^2 + stat^2), with stat half the length of the visible error bar in dex, the one
    visible side where only one shows, and 0 where the bar hides inside the marker (< ~0.11 dex).
    """
    floor_dex = validate.positive("floor_dex", floor_dex, allow_array=False)
    row = b.select(ell)
    C, lo, hi = row["C"], row["stat_lo"], row["stat_hi"]
    with np.errstate(invalid="ignore", divide="ignore"):
        dlo = np.where(np.isfinite(lo) & (lo > 0), np.log10(C / lo), np.nan)
        dhi = np.where(np.isfinite(hi), np.log10(hi / C), np.nan)
    both = np.isfinite(dlo) & np.isfinite(dhi)
    stat = np.where(both, 0.5 * (np.nan_to_num(dlo) + np.nan_to_num(dhi)),
                    np.where(np.isfinite(dlo), np.nan_to_num(dlo), np.where(np.isfinite(dhi), np.nan_to_num(dhi), 0.0)))
    return np.sqrt(floor_dex**2 + np.abs(stat) ** 2)


# ------------------------------------------------------------------------------------------
# the models of Zhang & Liu (2024), Fig. 1
# ------------------------------------------------------------------------------------------

def _a14_ratio(ell):
    from . import hierarchy  # Ahlers (2014) Eq. 21, written by the hierarchy chapter's module
    return hierarchy.asymptotic_ratio(ell)


MODELS = {
    "convection": dict(names=("sigma",), label="convection, $\\gamma=5/3$ fixed"),
    "convection-gamma": dict(names=("sigma", "gamma"), label="convection, $\\gamma$ free"),
    "a14": dict(names=("C1",), label="A14 (Eq. B1 = Ahlers Eq. 21)"),
    "am15a": dict(names=("C_pivot", "beta"), label="AM15 (a), reconstruction"),
    "am15b": dict(names=("C_pivot", "beta"), label="AM15 (b), reconstruction"),
}


def model_log10(name, ell, theta, *, gamma=5.0 / 3.0, lam=10.0, g=4.7, sigma_def="kE", half=False):
    """log10 C_l of model ``name`` (a key of :data:`MODELS`) with parameters ``theta``.

    Convection: theta = (sigma [km/s],) or (sigma, gamma); ``lam`` in pc (cancels for
    sigma_def='kE'), v = c.  A14: (C1,).  AM15: (C_pivot, beta) with C_pivot = C_l at l = 10.
    """
    if name not in MODELS:
        raise ValueError(f"name must be one of {tuple(MODELS)}, got {name!r}")
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    if theta.size != len(MODELS[name]["names"]):
        raise ValueError(f"model {name!r} takes {len(MODELS[name]['names'])} parameters, got {theta.size}")
    ell = validate.integer("ell", ell, minimum=1)
    if name in ("convection", "convection-gamma"):
        gam = gamma if name == "convection" else theta[1]
        C = convection.C_ell_power_law(ell, gam, lam, sigma=theta[0], sigma_def=sigma_def, half=half, g=g, v=C_KM_S)
        return np.log10(C)
    if name == "a14":
        return np.log10(theta[0] * _a14_ratio(ell))
    cand = name[-1]
    return (np.log10(theta[0]) + np.log10(am15.shape(ell, theta[1], cand))
            - np.log10(am15.shape(PIVOT_ELL, theta[1], cand)))


def fit_model(name, ell, C, s_log10, *, gamma=5.0 / 3.0, lam=10.0, g=4.7, sigma_def="kE", half=False) -> FitResult:
    """Fit model ``name`` (see :data:`MODELS`) to the spectrum C at ``ell`` with errors in dex."""
    if name not in MODELS:
        raise ValueError(f"name must be one of {tuple(MODELS)}, got {name!r}")
    ell = np.atleast_1d(validate.integer("ell", ell, minimum=1))
    C = np.atleast_1d(validate.positive("C", C))
    if C.shape != ell.shape:
        raise ValueError(f"C and ell must have the same shape, got {C.shape} and {ell.shape}")
    y = np.log10(C)
    kw = dict(gamma=gamma, lam=lam, g=g, sigma_def=sigma_def, half=half)
    names = MODELS[name]["names"]
    i_piv = np.argmin(np.abs(ell - PIVOT_ELL))
    if name == "convection":
        s1 = 10 ** model_log10(name, ell, [1.0], **kw)
        p0, bounds = [np.sqrt(np.median(C / s1))], ([0.0], [np.inf])
    elif name == "convection-gamma":
        s1 = 10 ** model_log10("convection", ell, [1.0], **kw)
        gmax = 2 * (int(ell.min()) - 1) + 1 - 1e-6
        p0, bounds = [np.sqrt(np.median(C / s1)), gamma], ([0.0, -0.99], [np.inf, gmax])
    elif name == "a14":
        r = 10 ** model_log10(name, ell, [1.0])
        p0, bounds = [np.median(C / r)], ([0.0], [np.inf])
    else:
        lo, hi = am15.beta_bounds(int(ell.min()))
        p0, bounds = [C[i_piv], 0.5 if name == "am15b" else -0.3], ([0.0, lo + 1e-6], [np.inf, hi - 1e-6])

    def model(x, *theta):
        return model_log10(name, x, theta, **kw)

    res = fit_log(model, ell, y, s_log10, p0, names=names, bounds=bounds)
    res.extra.update(model=name, **kw)
    return res
