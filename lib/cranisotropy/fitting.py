"""Weighted least-squares fits of positive spectra in log space (for C_l versus l).

Both fits minimise chi^2 = sum_i [(log10 y_i - log10 model_i) / sigma_i]^2, with ``sigma`` the
uncertainty of log10 y in dex (e.g. the +-0.012 dex digitisation precision of the IceCube points,
combined in quadrature with the half-width of a visible error bar):

* :func:`amplitude_fit` -- a fixed shape times a free amplitude, log10 y = log10 A + log10 shape
  (e.g. Ahlers (2014) Eq. 21 with its amplitude free);
* :func:`power_law_fit` -- a free power law, log10 y = log10 A + slope * log10 x.

Each returns a :class:`FitResult` with the parameters, their formal errors (from ``sigma`` alone),
the errors inflated by the Birge ratio sqrt(chi^2/dof) when that exceeds 1 (a scatter-based
error: what the errors would be if ``sigma`` were scaled until chi^2/dof = 1), chi^2, dof and the
rms of the residuals in dex (a measure of fit quality that does not depend on ``sigma``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import validate


@dataclass(frozen=True)
class FitResult:
    """Outcome of a weighted linear least-squares fit in log10 space."""

    params: np.ndarray        # fitted parameters (log10 A first; then slope for power_law_fit)
    errors: np.ndarray        # formal 1-sigma errors from sigma alone
    errors_scaled: np.ndarray  # errors * max(1, sqrt(chi2/dof))
    chi2: float
    dof: int
    rms_dex: float            # rms of log10(y / model), unweighted
    residuals_dex: np.ndarray  # log10(y / model)

    @property
    def chi2_dof(self) -> float:
        return self.chi2 / self.dof if self.dof > 0 else float("nan")


def _check(y, sigma_dex, n_params, extra=None):
    y = validate.positive("y", y)
    y = np.atleast_1d(np.asarray(y, dtype=float))
    sigma = validate.positive("sigma_dex", sigma_dex)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), y.shape).copy()
    if y.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {y.shape}")
    if len(y) < n_params:
        raise ValueError(f"y needs at least {n_params} points for this fit, got {len(y)}")
    if extra is not None:
        name, arr = extra
        if arr.shape != y.shape:
            raise ValueError(f"{name} must have the shape of y {y.shape}, got {arr.shape}")
    return y, sigma


def _solve(X, z, sigma):
    w = 1.0 / sigma
    A = X * w[:, None]
    b = z * w
    params, *_ = np.linalg.lstsq(A, b, rcond=None)
    cov = np.linalg.inv(A.T @ A)
    resid = z - X @ params
    chi2 = float(np.sum((resid / sigma) ** 2))
    dof = len(z) - X.shape[1]
    errors = np.sqrt(np.diag(cov))
    birge = np.sqrt(chi2 / dof) if dof > 0 else 1.0
    return FitResult(params=params, errors=errors, errors_scaled=errors * max(1.0, birge), chi2=chi2,
                     dof=dof, rms_dex=float(np.sqrt(np.mean(resid**2))), residuals_dex=resid)


def amplitude_fit(y, shape, sigma_dex) -> FitResult:
    """Fit y = A * shape (free A > 0) in log space; ``params[0]`` is log10 A."""
    shape = np.atleast_1d(np.asarray(validate.positive("shape", shape), dtype=float))
    y, sigma = _check(y, sigma_dex, 1, ("shape", shape))
    X = np.ones((len(y), 1))
    return _solve(X, np.log10(y) - np.log10(shape), sigma)


def power_law_fit(x, y, sigma_dex) -> FitResult:
    """Fit y = A * x**slope in log space; ``params`` = (log10 A, slope)."""
    x = np.atleast_1d(np.asarray(validate.positive("x", x), dtype=float))
    y, sigma = _check(y, sigma_dex, 2, ("x", x))
    if np.ptp(x) == 0:
        raise ValueError("x must take at least two different values for a power-law fit")
    X = np.column_stack([np.ones(len(x)), np.log10(x)])
    return _solve(X, np.log10(y), sigma)
