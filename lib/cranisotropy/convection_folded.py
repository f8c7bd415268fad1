"""Zhang & Liu's convection model against one IceCube 12-year energy bin, folded through the observation:
calibrated tests of the paper's Fig. 1 claims (Sec. 5, abstract).

The sky model is Eqs. 7 + 10 (:mod:`cranisotropy.convection`) for l >= 3 with the dipole C_1 and the
quadrupole C_2 free: the paper models only l >= 3 ("only anisotropies with [l >= 3] can be ascribed to
pure turbulent convection"), and through IceCube's field of view the sky's l = 1, 2 leak into the
observed l >= 3, so they must be part of the sky (:func:`cranisotropy.folded_fit.low_multipoles_free`).
Three variants (:func:`convection_model`): the velocity dispersion sigma held at a value (the paper's
20 km/s), sigma free, sigma and the turbulence index gamma free.

The likelihood is that of :mod:`cranisotropy.folded_fit` (Gaussian in log10 C~_l, mean and covariance
from mocks of the model).  A test fits the data once with :func:`cranisotropy.folded_fit.fit_bin` and
then holds its metric (the log-space bias b and covariance Sigma of the final stage) fixed.  The null
distribution of the statistic comes from ``n_null`` mocks of the best fit; the false-rejection rate of
the rule "p < alpha" from ``n_calibration`` further mocks of the best fit, each with its p-value among
the null mocks; the power from ``n_calibration`` mocks of a stated alternative.

* Goodness of fit (:func:`goodness_of_fit`): every mock is refitted in the linear approximation about
  the best fit, as in :func:`cranisotropy.folded_fit.mock_chi2` (the folded mean is linear in
  sigma^2, C_1 and C_2, so the linearisation is taken in those).  A nonlinear refit in a held metric is
  not safe here: it can move C_1 and C_2 far from the data's values, where the held covariance no
  longer describes the scatter, and reach a chi^2 the model's own covariance would not give.
* Likelihood ratio of gamma = 5/3 within gamma free (:func:`likelihood_ratio`): data and mocks are
  refitted both ways by :func:`cranisotropy.fit.least_squares` in the held metric (the best fit of
  gamma = 5/3 may sit at sigma ~ 0, where gamma has no effect and the linearisation fails).  The
  folded mean is precomputed where it is linear and tabulated in gamma, so the refits are cheap.

References
----------
Y. Zhang & S. Liu, arXiv:2402.16554 (2024), Sec. 5 and Fig. 1; equations.md, flags Z1 and Z3.

Examples
--------
>>> m = convection_model(sigma=20.0)
>>> m.params, m.fixed["variant"]
(('C_1', 'C_2'), 'held')
>>> convection_model(gamma_free=True).params
('sigma', 'gamma', 'C_1', 'C_2')
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.interpolate import CubicSpline

from . import convection, fit, folded_fit, spectral_models, validate
from .folded_fit import BinData
from .observation import Response
from .spectral_models import SpectralModel

__all__ = ["convection_model", "CalibratedTest", "folded_log_mean", "refit_chi2", "linearised_chi2", "goodness_of_fit",
           "likelihood_ratio", "single_ell_sigma", "SIGMA_CONVENTIONS", "sigma_table"]

_GAMMA_GRID = np.linspace(1.0, 4.95, 160)     # tabulation of the folded shape in gamma (variant "gamma")


def convection_model(*, gamma: float = 5.0 / 3.0, sigma: float | None = None, gamma_free: bool = False,
                     lam_pc: float = 10.0, g: float = 4.7, sigma_def: str = "kE", half: bool = False) -> SpectralModel:
    """The convection sky (Eqs. 7 + 10 for l >= 3) with C_1 and C_2 free.

    Parameters
    ----------
    gamma : float
        Turbulence index where it is fixed (Kolmogorov 5/3).
    sigma : float, optional
        Hold the velocity dispersion (km/s) at this value; the parameters are then (C_1, C_2).
    gamma_free : bool
        Fit gamma too (parameters sigma, gamma, C_1, C_2); excludes ``sigma``.
    lam_pc, g, sigma_def, half
        The conventions of flag Z1 (:mod:`cranisotropy.convection`).

    Returns
    -------
    SpectralModel
        ``fixed["variant"]`` is "held", "sigma" or "gamma".
    """
    if sigma is not None and gamma_free:
        raise ValueError("give sigma (held) or gamma_free, not both")
    if not isinstance(gamma_free, (bool, np.bool_)):
        raise TypeError(f"gamma_free must be a bool, got {gamma_free!r}")
    reg = spectral_models.registry(gamma=gamma, lam_pc=lam_pc, g=g, sigma_def=sigma_def, half=half)
    if gamma_free:
        base, variant = reg["convection-gamma"], "gamma"
    elif sigma is None:
        base, variant = reg["convection"], "sigma"
    else:
        s = validate.positive("sigma", sigma, allow_array=False)
        full = reg["convection"]
        base = replace(full, name="convection-held", label=rf"convection, $\gamma=5/3$, $\sigma={s:g}$ km/s",
                       params=(), bounds=((), ()), function=lambda ell: full.function(ell, s),
                       guess=lambda ell, C: [], fixed={**full.fixed, "sigma": s})
        variant = "held"
    out = folded_fit.low_multipoles_free(base, 2)
    return replace(out, fixed={**out.fixed, "variant": variant})


@dataclass(frozen=True)
class CalibratedTest:
    """A test statistic with its mock-calibrated p-value, false-rejection rate and power.

    Attributes
    ----------
    statistic : float
        The data's statistic (chi^2, or Delta chi^2 of a likelihood ratio).
    p_value : float
        (k + 1)/(n + 1), k the null mocks with a statistic at least the data's.
    n_null : int
        Null mocks behind the p-value.
    false_rejection : dict
        {"rate", "n_mocks", "nominal"}: how often "p < nominal" on further mocks of the null.
    power : dict
        {"alternative", "rate", "n_mocks"}: how often "p < nominal" on mocks of the alternative.
    result : FitResult or None
        The null model's best fit to the data, where there is one.
    extra : dict
        Other fits (the alternative's), the null statistics.
    """

    statistic: float
    p_value: float
    n_null: int
    false_rejection: dict
    power: dict
    result: fit.FitResult | None = None
    extra: dict = field(default_factory=dict)

    def judge_kwargs(self, description: str) -> dict:
        """The keyword arguments of a p-value judgement (``ChapterResults.judge``) for this test."""
        return dict(p_value=self.p_value, statistic=self.statistic, description=description,
                    false_rejection=self.false_rejection, power=self.power)


def _check(resp, model, data):
    if not isinstance(resp, Response):
        raise TypeError(f"resp must be an observation.Response, got {type(resp).__name__}")
    if not isinstance(model, SpectralModel) or model.fixed.get("variant") not in ("held", "sigma", "gamma"):
        raise TypeError("model must come from convection_folded.convection_model")
    if not isinstance(data, BinData):
        raise TypeError(f"data must be a folded_fit.BinData, got {type(data).__name__}")
    if data.ell[-1] > resp.lmax:
        raise ValueError(f"data reach l = {data.ell[-1]} > the response's lmax = {resp.lmax}")


def _folded_pieces(resp, model, data):
    """The folded mean as a fast function of theta: M C(theta) + N n at data.ell."""
    M = resp.mean_matrix[data.ell]
    noise = data.noise * resp.noise_mean[data.ell]
    low = M[:, 1], M[:, 2]
    variant = model.fixed["variant"]

    def sky(*theta):                                   # the l >= 3 part of the sky, folded
        C = np.zeros(resp.lmax_sky + 1)
        C[3:] = model.function(np.arange(3, resp.lmax_sky + 1), *theta)
        return M @ C

    if variant == "held":
        v0 = sky(0.0, 0.0)
        return lambda c1, c2: v0 + c1 * low[0] + c2 * low[1] + noise
    if variant == "sigma":
        v1 = sky(1.0, 0.0, 0.0)
        return lambda s, c1, c2: s**2 * v1 + c1 * low[0] + c2 * low[1] + noise
    table = CubicSpline(_GAMMA_GRID, np.array([sky(1.0, gam, 0.0, 0.0) for gam in _GAMMA_GRID]), axis=0)
    return lambda s, gam, c1, c2: s**2 * table(gam) + c1 * low[0] + c2 * low[1] + noise


def folded_log_mean(resp: Response, model: SpectralModel, theta, data: BinData) -> np.ndarray:
    """log10 <C~_l>(theta) at ``data.ell`` (no log-space bias): the folded mean of the convection sky plus the
    bin's noise.  For the variant "gamma" the shape is interpolated in gamma (cubic spline on 1 <= gamma <= 4.95).

    Examples
    --------
    >>> import numpy as np
    >>> from cranisotropy import observation
    >>> resp = observation.response(lmax=12, lmax_sky=40, nside=None)
    >>> data = folded_fit.BinData("toy", 10.0, np.arange(1, 13), np.ones(12), 1e-11)
    >>> m = convection_model()
    >>> exact = np.log10(resp.mean_matrix[data.ell] @ m.spectrum(40, 10.0, 1e-7, 1e-7) + 1e-11 * resp.noise_mean[data.ell])
    >>> bool(np.allclose(folded_log_mean(resp, m, [10.0, 1e-7, 1e-7], data), exact, rtol=1e-12))
    True
    """
    _check(resp, model, data)
    theta = np.atleast_1d(validate.finite("theta", theta)).astype(float)
    if theta.size != len(model.params):
        raise ValueError(f"theta must hold {len(model.params)} values {model.params}, got {theta.size}")
    return np.log10(_folded_pieces(resp, model, data)(*theta))


def _metric(resp, model, result, data):
    """(bias, Sigma) of a folded fit: the metric its final stage used."""
    bias = result.best_fit - np.log10(_folded_pieces(resp, model, data)(*result.values))
    return bias, result.y_covariance


def refit_chi2(resp: Response, model: SpectralModel, y, metric, data: BinData, starts) -> np.ndarray:
    """chi^2 of the best fit of ``model`` to each row of ``y`` (log10 C~ at data.ell) in a fixed ``metric``
    (bias, Sigma), by :func:`cranisotropy.fit.least_squares` from each of ``starts`` (the smallest kept)."""
    _check(resp, model, data)
    y = np.atleast_2d(validate.finite("y", y))
    if y.shape[1] != data.ell.size:
        raise ValueError(f"y must have {data.ell.size} columns (data.ell), got {y.shape[1]}")
    bias, cov = metric
    mean = _folded_pieces(resp, model, data)
    lo, hi = (np.asarray(b, float) for b in model.bounds_for(np.arange(1, 3)))
    starts = [np.clip(np.asarray(s, float), lo, hi) for s in starts]
    f = lambda ell, *th: np.log10(mean(*th)) + bias      # noqa: E731
    return np.array([min(fit.least_squares(f, data.ell, row, s, names=model.params, cov=cov, bounds=(lo, hi)).chi2
                         for s in starts) for row in y])


def linearised_chi2(resp: Response, model: SpectralModel, result: fit.FitResult, data: BinData, y) -> np.ndarray:
    """chi^2 of each row of ``y`` (log10 C~ at data.ell) refitted in the linear approximation about the best
    fit ``result`` of ``model`` (variant "held" or "sigma"), in its metric: r^T P r with r = y - mu(theta_hat),
    P = Sigma^-1 - Sigma^-1 J (J^T Sigma^-1 J)^-1 J^T Sigma^-1, J = d mu / d(C_1, C_2) or d(sigma^2, C_1, C_2)
    (exact derivatives: the folded mean is linear in them)."""
    _check(resp, model, data)
    variant = model.fixed["variant"]
    if variant not in ("held", "sigma"):
        raise ValueError("linearised_chi2 takes the variants 'held' and 'sigma' (gamma fixed)")
    y = np.atleast_2d(validate.finite("y", y))
    if y.shape[1] != data.ell.size:
        raise ValueError(f"y must have {data.ell.size} columns (data.ell), got {y.shape[1]}")
    mean = _folded_pieces(resp, model, data)
    lin = mean(*result.values)
    zero = np.zeros(len(model.params))
    cols = []
    for i in range(len(model.params)):             # unit steps in (C_1, C_2) or (sigma^2, C_1, C_2)
        e = zero.copy()
        e[i] = 1.0
        cols.append(mean(*e) - mean(*zero))
    J = np.array(cols).T / (lin[:, None] * np.log(10.0))
    Lc = np.linalg.cholesky(result.y_covariance)
    rw = np.linalg.solve(Lc, (y - result.best_fit).T)
    Q, _ = np.linalg.qr(np.linalg.solve(Lc, J))
    return np.sum(rw**2, axis=0) - np.sum((Q.T @ rw) ** 2, axis=0)


def _rate(p, alpha):
    return float(np.mean(np.asarray(p) < alpha))


def _p_values(stats_, null):
    null = np.asarray(null)
    return np.array([(np.sum(null >= s) + 1) / (null.size + 1) for s in np.atleast_1d(stats_)])


def goodness_of_fit(resp: Response, model: SpectralModel, data: BinData, *, rng: np.random.Generator,
                    alternative: tuple | None = None, n_null: int = 500, n_calibration: int = 200,
                    alpha: float = 0.05, **fit_kwargs) -> CalibratedTest:
    """chi^2 of the folded fit of ``model`` (variant "held" or "sigma") to ``data``, calibrated on mocks of
    its best fit, each refitted in the linear approximation (:func:`linearised_chi2`).

    Parameters
    ----------
    resp, model, data
        The observation, a :func:`convection_model` and the energy bin.
    rng : numpy.random.Generator
    alternative : (SpectralModel, str), optional
        A model whose fit to the same data (:func:`cranisotropy.folded_fit.fit_bin`) supplies the mocks that
        measure the power, and its description.  Any folded model works here.
    n_null, n_calibration : int
        Mocks behind the p-value, and behind the false-rejection rate and the power.
    alpha : float
        Nominal level of the rule "p < alpha rejects".
    fit_kwargs
        Passed to :func:`cranisotropy.folded_fit.fit_bin` (starts, n_moment_mocks, reference).

    Returns
    -------
    CalibratedTest
    """
    _check(resp, model, data)
    n_null = validate.integer("n_null", n_null, minimum=20, allow_array=False)
    n_calibration = validate.integer("n_calibration", n_calibration, minimum=20, allow_array=False)
    alpha = validate.positive("alpha", alpha, allow_array=False)
    res = folded_fit.fit_bin(resp, model, data, rng=rng, **fit_kwargs)

    def chi2_of_mocks(m, theta, n):
        return linearised_chi2(resp, model, res, data, np.log10(folded_fit.simulate_bin(resp, m, theta, data, n, rng)))

    null = chi2_of_mocks(model, res.values, n_null)
    p = float(_p_values(res.chi2, null)[0])
    cal = _p_values(chi2_of_mocks(model, res.values, n_calibration), null)
    power = {"none": "no alternative given"}
    extra = {"null_chi2": null}
    if alternative is not None:
        alt_model, label = alternative
        alt = folded_fit.fit_bin(resp, alt_model, data, rng=rng, **{k: v for k, v in fit_kwargs.items() if k != "starts"})
        pa = _p_values(chi2_of_mocks(alt_model, alt.values, n_calibration), null)
        power = {"alternative": label, "rate": _rate(pa, alpha), "n_mocks": n_calibration}
        extra["alternative_fit"] = alt
    return CalibratedTest(statistic=float(res.chi2), p_value=p, n_null=n_null,
                          false_rejection={"rate": _rate(cal, alpha), "n_mocks": n_calibration, "nominal": alpha},
                          power=power, result=res.with_p_value(p, f"mocks (n={n_null}, linearised refit)"), extra=extra)


def likelihood_ratio(resp: Response, null_model: SpectralModel, alt_model: SpectralModel, data: BinData, *,
                     rng: np.random.Generator, power_model: tuple | None = None, n_null: int = 200,
                     n_calibration: int = 200, alpha: float = 0.05, null_kwargs: dict | None = None,
                     alt_kwargs: dict | None = None) -> CalibratedTest:
    """Delta chi^2 = chi^2(null) - chi^2(alt) of two nested convection models in the null's metric,
    calibrated on mocks of the null's best fit (each refitted both ways).

    ``alt_model`` must contain ``null_model`` (variant "gamma" around "sigma": gamma free around gamma
    fixed).  ``power_model`` = (SpectralModel, description): the power is measured on mocks of its fit
    to the data.  Returns a :class:`CalibratedTest` whose ``result`` is the null's fit and
    ``extra["alternative_fit"]`` the alternative's.
    """
    _check(resp, null_model, data)
    _check(resp, alt_model, data)
    if (null_model.fixed["variant"], alt_model.fixed["variant"]) != ("sigma", "gamma"):
        raise ValueError("likelihood_ratio compares gamma fixed (variant 'sigma') with gamma free (variant 'gamma')")
    gamma0 = float(null_model.fixed["gamma"])
    n_null = validate.integer("n_null", n_null, minimum=20, allow_array=False)
    n_calibration = validate.integer("n_calibration", n_calibration, minimum=20, allow_array=False)
    alpha = validate.positive("alpha", alpha, allow_array=False)
    r0 = folded_fit.fit_bin(resp, null_model, data, rng=rng, **(null_kwargs or {}))
    r1 = folded_fit.fit_bin(resp, alt_model, data, rng=rng, **(alt_kwargs or {}))
    metric = _metric(resp, null_model, r0, data)
    s, c1, c2 = r0.values
    alt_starts = [r1.values, np.array([s, gamma0, c1, c2])]

    def delta(y, starts=alt_starts[1:]):          # mocks: the alternative from the null's point
        return (refit_chi2(resp, null_model, y, metric, data, [r0.values])
                - refit_chi2(resp, alt_model, y, metric, data, starts))

    def mocks(m, theta, n):
        return np.log10(folded_fit.simulate_bin(resp, m, theta, data, n, rng))

    stat = float(delta(data.y[None, :], alt_starts)[0])
    null = delta(mocks(null_model, r0.values, n_null))
    p = float(_p_values(stat, null)[0])
    cal = _p_values(delta(mocks(null_model, r0.values, n_calibration)), null)
    power = {"none": "no alternative given"}
    extra = {"null_delta_chi2": null, "alternative_fit": r1}
    if power_model is not None:
        pm, label = power_model
        rp = folded_fit.fit_bin(resp, pm, data, rng=rng, **{k: v for k, v in (null_kwargs or {}).items() if k != "starts"})
        pa = _p_values(delta(mocks(pm, rp.values, n_calibration)), null)
        power = {"alternative": label, "rate": _rate(pa, alpha), "n_mocks": n_calibration}
        extra["power_fit"] = rp
    return CalibratedTest(statistic=stat, p_value=p, n_null=n_null,
                          false_rejection={"rate": _rate(cal, alpha), "n_mocks": n_calibration, "nominal": alpha},
                          power=power, result=r0, extra=extra)


def single_ell_sigma(resp: Response, model: SpectralModel, data: BinData, c1: float, c2: float) -> np.ndarray:
    """sigma (km/s) that makes the folded mean equal the data at each multipole alone, with the sky's C_1 and
    C_2 held at ``c1``, ``c2`` (``model``: the variant "sigma"): sigma_l^2 = (C~_l - noise - leakage of C_1,
    C_2) / (M S)_l.  NaN where the data lie at or below the noise plus the leakage.

    Examples
    --------
    >>> import numpy as np
    >>> from cranisotropy import observation
    >>> resp = observation.response(lmax=8, lmax_sky=30, nside=None)
    >>> m = convection_model()
    >>> d = folded_fit.BinData("toy", 10.0, np.arange(1, 9), 10 ** folded_log_mean(resp, m, [7.0, 1e-7, 1e-8],
    ...     folded_fit.BinData("toy", 10.0, np.arange(1, 9), np.ones(8), 1e-12)), 1e-12)
    >>> np.round(single_ell_sigma(resp, m, d, 1e-7, 1e-8)[2:], 6).tolist()
    [7.0, 7.0, 7.0, 7.0, 7.0, 7.0]
    """
    _check(resp, model, data)
    if model.fixed["variant"] != "sigma":
        raise ValueError("single_ell_sigma needs the variant 'sigma' (gamma fixed, sigma free)")
    c1 = validate.nonnegative("c1", c1, allow_array=False)
    c2 = validate.nonnegative("c2", c2, allow_array=False)
    mean = _folded_pieces(resp, model, data)
    rest = mean(0.0, c1, c2)
    unit = mean(1.0, 0.0, 0.0) - mean(0.0, 0.0, 0.0)
    s2 = (data.C - rest) / unit
    return np.where(s2 > 0, np.sqrt(np.abs(s2)), np.nan)


#: The flag-Z1 conventions of the table of sigma: (column title, sigma_def, half, g).
SIGMA_CONVENTIONS = (("$kE$ at $k=1/\\lambda$ (default)", "kE", False, 4.7),
                     ("$kE$ at $k=2\\pi/\\lambda$", "kE-2pi", False, 4.7),
                     ("$\\int_{1/\\lambda}^\\infty E\\,dk$", "tail", False, 4.7),
                     ("½ in $E(k)$", "kE", True, 4.7),
                     ("$g=\\Gamma=2.7$", "kE", False, 2.7))


def sigma_table(rows) -> list[dict]:
    """sigma under every convention of :data:`SIGMA_CONVENTIONS` for fits made with the default one.

    ``rows``: dicts with "fit" (a label), "gamma" and "sigma" (km/s, default convention); returns them with
    "conventions": [sigma under each convention].  The conventions rescale sigma exactly
    (:func:`cranisotropy.convection.sigma_scale`), at the row's gamma.

    Examples
    --------
    >>> out = sigma_table([{"fit": "x", "gamma": 5 / 3, "sigma": 10.0}])
    >>> [round(v, 2) for v in out[0]["conventions"]]
    [10.0, 5.42, 12.25, 7.07, 17.41]
    """
    out = []
    for r in rows:
        gam, sig = float(r["gamma"]), float(r["sigma"])
        conv = [float(sig * convection.sigma_scale(gam, sigma_def=sd, half=h, g=g)) if np.isfinite(sig) else np.nan
                for _, sd, h, g in SIGMA_CONVENTIONS]
        out.append({**r, "conventions": conv})
    return out
