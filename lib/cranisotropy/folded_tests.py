"""Calibrated tests of statements about the IceCube 12-year spectra, through the forward model.

The statements of Ahlers (2014) about the measured spectrum are decided here with the observation
of :mod:`cranisotropy.observation` (field of view, ring means removed, ``anafast``, the noise of
the energy bin) and the folded likelihood of :mod:`cranisotropy.folded_fit` (Gaussian in
log10 C~_l with the model's mock covariance and the digitisation error).  Every test returns its
p-value together with the two numbers that say what the p-value is worth, both measured on mocks
(:class:`cranisotropy.decision_rules.RejectionRate`):

* the false-rejection rate: how often the rule rejects data drawn from the statement itself;
* the power: how often it rejects data drawn from a stated alternative.

Three kinds of test:

* :func:`goodness_of_fit` -- a model fits one energy bin.  The best fit comes from
  :func:`cranisotropy.folded_fit.fit_bin`; the p-value of its chi^2 is taken among mocks of the
  best fit, each refitted by generalised least squares in the metric of the best fit (mean offset
  b and covariance Sigma held, :func:`refit_chi2`; a non-linear refit, not the linear
  approximation of :func:`cranisotropy.folded_fit.mock_chi2`, because models with free low
  multipoles are far from linear).  Fresh mocks of the best fit and of the alternative, refitted
  the same way, give the false-rejection rate and the power.
* :func:`band_test` -- a one-sided test of a statistic of the band powers
  sum_l (2l+1) C~_l against mocks of a null sky; fresh mocks of the null and of an alternative give
  its rates.
* :func:`slope_consistency` -- the slope of the medium-scale spectrum is the same in every energy
  bin: X = sum_i (b_i - b_mean)^2 / sigma_i^2 of per-bin folded fits, calibrated on mocks of the
  common-slope fits with slopes re-estimated in the linear approximation about each fit.

References
----------
M. Ahlers, PRL 112, 021101 (2014); R. Abbasi et al. (IceCube), arXiv:2412.05046 (the spectra).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import linalg

from . import decision_rules, fit, folded_fit, validate
from .observation import Response, pseudo_cl_mocks
from .spectral_models import SpectralModel

__all__ = ["CalibratedTest", "calibrated_bins", "mock_spectra", "band_power", "folded_mean", "refit_chi2", "rejection_rates",
           "goodness_of_fit", "band_test", "band_statistic", "slope_trend", "power_law_tilt", "matched_amplitude", "replace_tail", "SlopeFit",
           "slope_fits", "slope_consistency"]


@dataclass(frozen=True)
class CalibratedTest:
    """A p-value with its calibration.

    Attributes
    ----------
    p_value : float
        The p-value of the data (``(k + 1)/(n + 1)`` among ``n_reference`` mocks of the null).
    statistic : float
        The observed statistic (chi^2, band-power ratio, X, ...).
    n_reference : int
        Mocks of the null behind the p-value.
    false_rejection : RejectionRate
        How often ``p < alpha`` for fresh mocks of the null (the statement, for a goodness-of-fit
        test).
    power : RejectionRate or None
        How often ``p < alpha`` for mocks of the alternative (None: no alternative given).
    alpha : float
        The nominal level of the rule.
    values : dict
        Further numbers worth keeping (best-fit parameters, reference quantiles, ...).
    """

    p_value: float
    statistic: float
    n_reference: int
    false_rejection: decision_rules.RejectionRate
    power: decision_rules.RejectionRate | None
    alpha: float
    values: dict = field(default_factory=dict)

    def false_rejection_record(self) -> dict:
        """``{"rate", "n_mocks", "nominal", "interval"}`` for :meth:`ChapterResults.judge`."""
        fr = self.false_rejection
        return {"rate": fr.rate, "n_mocks": fr.n, "nominal": self.alpha, "interval": [fr.lo, fr.hi]}

    def judged(self, description: str, alternative: str, *, keys=("dof", "mean_reference_chi2", "params",
                                                                   "mean_slope", "slopes", "errors", "reference_median")) -> dict:
        """The keyword arguments of :meth:`cranisotropy.book.results.ChapterResults.judge` for a
        p-value rule: statistic (with ``description``), p_value, false_rejection, power against
        ``alternative`` and the ``values`` named by ``keys`` that the test has."""
        p, n = float(self.p_value), int(self.n_reference)
        mc = {"n_reference": n, "p_value_mc_error": float(np.sqrt(p * (1 - p) / n))}   # binomial error of p
        return {"statistic": self.statistic, "p_value": self.p_value, "description": description,
                "false_rejection": self.false_rejection_record(), "power": self.power_record(alternative),
                "values": {**{k: self.values[k] for k in keys if k in self.values}, **mc}}

    def glue_items(self, prefix: str) -> list[tuple]:
        """(key, value, format) of the numbers a chapter quotes: ``<prefix>_stat``, ``_p``, ``_fr``
        (false-rejection rate), ``_power``, and ``_dof`` / ``_ref`` (mean reference chi^2) when known."""
        items = [(f"{prefix}_stat", self.statistic, ".3g"), (f"{prefix}_p", self.p_value, ".2g"),
                 (f"{prefix}_fr", self.false_rejection.rate, ".3f")]
        if self.power is not None:
            items.append((f"{prefix}_power", self.power.rate, ".2f"))
        for key, name, fmt in (("dof", "dof", "d"), ("mean_reference_chi2", "ref", ".0f")):
            if key in self.values:
                items.append((f"{prefix}_{name}", self.values[key], fmt))
        return items

    def power_of_rejection_claim(self, alternative: str) -> dict:
        """For a statement that *is* the rejection of the null ("significant power", "an excess"):
        how often its rule fails ("p < alpha" does not happen) when the null holds, on the fresh
        null mocks -- the power of that rule against ``alternative`` (the null)."""
        fr = self.false_rejection
        return {"alternative": alternative, "rate": 1.0 - fr.rate, "n_mocks": fr.n, "interval": [1.0 - fr.hi, 1.0 - fr.lo]}

    def power_record(self, alternative: str) -> dict:
        """``{"alternative", "rate", "n_mocks", "interval"}`` (or ``{"none": ...}`` without one)."""
        if self.power is None:
            return {"none": "no alternative was simulated"}
        return {"alternative": alternative, "rate": self.power.rate, "n_mocks": self.power.n,
                "interval": [self.power.lo, self.power.hi]}


def _rng(rng) -> np.random.Generator:
    validate.generator("rng", rng)
    return rng


def _alpha(alpha) -> float:
    a = validate.finite("alpha", alpha, allow_array=False)
    if not 0 < a < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    return a


def _check(resp, data):
    if not isinstance(resp, Response):
        raise TypeError(f"resp must be an observation.Response, got {type(resp).__name__}")
    if not isinstance(data, folded_fit.BinData):
        raise TypeError(f"data must be a folded_fit.BinData, got {type(data).__name__}")
    if data.ell[-1] > resp.lmax:
        raise ValueError(f"data reach l = {data.ell[-1]} > the response's lmax = {resp.lmax}")


def calibrated_bins(resp: Response, spectra, rng: np.random.Generator, *, ell_max: int = 40) -> dict:
    """{label: :class:`cranisotropy.folded_fit.BinData`} of every energy bin of ``spectra``
    (:func:`cranisotropy.data.load_icecube12yr`), l = 1..ell_max, with its white-noise level calibrated
    on the digitised scrambled-map bands as the forward-model chapter does it (noise maps with their
    ring means kept, :func:`cranisotropy.observation.noise_band_quantiles`)."""
    from .observation import calibrate_noise, noise_band_quantiles

    unit = noise_band_quantiles(resp, rng=_rng(rng), noise_m0=True)
    return {b.label: folded_fit.bin_data(b, calibrate_noise(b, unit).level, ell_max=ell_max) for b in spectra}


def mock_spectra(resp: Response, cl, data: folded_fit.BinData, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` mock spectra C~ (n, n_ell) at ``data.ell`` of a Gaussian sky with full-sky spectrum
    ``cl`` (indexed by l from 0) plus the bin's noise, through the observation, each marker times
    10^(digitisation_dex z) with z ~ N(0, 1) (as :func:`cranisotropy.folded_fit.simulate_bin`).

    Examples
    --------
    >>> from cranisotropy import observation
    >>> resp = observation.response(lmax=10, lmax_sky=20, nside=None)
    >>> d = folded_fit.BinData("toy", 10.0, np.arange(1, 11), np.ones(10), 1e-3)
    >>> mock_spectra(resp, np.r_[0.0, 1.0], d, 3, np.random.default_rng(1)).shape
    (3, 10)
    """
    _check(resp, data)
    n = validate.integer("n", n, minimum=1, allow_array=False)
    rng = _rng(rng)
    m = pseudo_cl_mocks(resp, cl, data.noise, n, rng)[:, data.ell]
    return m * 10.0 ** (data.digitisation_dex * rng.standard_normal(m.shape))


def band_power(C, ell, lo: int, hi: int) -> np.ndarray:
    """sum_{l = lo..hi} (2l+1) C_l along the last axis of ``C`` (multipoles ``ell``).

    Examples
    --------
    >>> float(band_power([1.0, 1.0, 1.0], [1, 2, 3], 2, 3))
    12.0
    """
    C = np.asarray(validate.finite("C", C), dtype=float)
    ell = np.atleast_1d(validate.integer("ell", ell, minimum=0))
    if C.shape[-1] != ell.size:
        raise ValueError(f"C must have {ell.size} multipoles on its last axis, got shape {C.shape}")
    sel = (ell >= lo) & (ell <= hi)
    if not np.any(sel):
        raise ValueError(f"no multipole of ell lies in {lo}..{hi}")
    return np.sum((2 * ell[sel] + 1) * C[..., sel], axis=-1)


def folded_mean(resp: Response, model: SpectralModel, data: folded_fit.BinData, theta0=None):
    """``mean(theta)``: the exact folded mean <C~_l> at ``data.ell`` of ``model`` at parameters
    ``theta`` plus the bin's noise (the model's function evaluated without re-validation, for fits).

    With ``theta0``, a model that is linear in all its parameters (checked at ``theta0`` and
    2 ``theta0``: the folded sky of the unit vectors must add up) is evaluated as B theta + noise
    with the matrix B computed once, which makes refits of many mocks cheap.

    Examples
    --------
    >>> from cranisotropy import observation, spectral_models
    >>> resp = observation.response(lmax=6, lmax_sky=20, nside=None)
    >>> d = folded_fit.BinData("toy", 10.0, np.arange(1, 7), np.ones(6), 1e-3)
    >>> m = folded_fit.low_multipoles_free(spectral_models.registry()["eq21"], 2)
    >>> slow, fast = folded_mean(resp, m, d), folded_mean(resp, m, d, theta0=[1.0, 0.5, 0.2])
    >>> bool(np.allclose(slow([2.0, 0.1, 0.3]), fast([2.0, 0.1, 0.3]), rtol=1e-12))
    True
    """
    _check(resp, data)
    if not isinstance(model, SpectralModel):
        raise TypeError(f"model must be a SpectralModel, got {type(model).__name__}")
    M = resp.mean_matrix[data.ell]
    noise = data.noise * resp.noise_mean[data.ell]
    ell_sky = np.arange(model.ell_min, resp.lmax_sky + 1)

    def mean(theta):
        sky = np.zeros(resp.lmax_sky + 1)
        sky[model.ell_min:] = model.function(ell_sky, *theta)
        return M @ sky + noise

    if theta0 is None or not model.params:
        return mean
    theta0 = np.asarray(validate.finite("theta0", theta0), dtype=float)
    try:
        B = np.column_stack([mean(np.eye(theta0.size)[i]) - noise for i in range(theta0.size)])
    except ValueError:                      # a unit vector outside the model's domain: not linear
        return mean
    scale = np.max(np.abs(mean(theta0)))
    if all(np.allclose(mean(k * theta0), B @ (k * theta0) + noise, rtol=1e-10, atol=1e-12 * scale) for k in (1.0, 2.0)):
        return lambda theta: B @ np.asarray(theta, dtype=float) + noise
    return mean


def refit_chi2(resp: Response, model: SpectralModel, result: fit.FitResult, data: folded_fit.BinData,
               mocks) -> np.ndarray:
    """chi^2 of each mock spectrum (rows of ``mocks``, C~ at ``data.ell``) after a generalised
    least-squares refit of ``model``, started at ``result``'s parameters, in the metric of ``result``:
    the offset b = mu - log10 <C~> and the covariance Sigma of the best fit are held (the last stage
    of :func:`cranisotropy.folded_fit.fit_bin`).

    Examples
    --------
    >>> from cranisotropy import observation, spectral_models
    >>> resp = observation.response(lmax=12, lmax_sky=40, nside=None)
    >>> model = spectral_models.registry()["eq21"]
    >>> d = folded_fit.BinData("toy", 10.0, np.arange(1, 13), np.ones(12), 1e-11)
    >>> rng = np.random.default_rng(1)
    >>> truth = folded_fit.BinData("toy", 10.0, d.ell, mock_spectra(resp, model.spectrum(40, 1e-7), d, 1, rng)[0], 1e-11)
    >>> res = folded_fit.fit_bin(resp, model, truth, rng=rng, n_moment_mocks=200)
    >>> chi2 = refit_chi2(resp, model, res, truth, mock_spectra(resp, model.spectrum(40, *res.values), truth, 20, rng))
    >>> chi2.shape, bool(5 < np.mean(chi2) < 25)
    ((20,), True)
    """
    if not isinstance(result, fit.FitResult):
        raise TypeError(f"result must be a FitResult, got {type(result).__name__}")
    mean = folded_mean(resp, model, data, theta0=result.values)
    mocks = np.atleast_2d(validate.positive("mocks", mocks))
    if mocks.shape[1] != data.ell.size:
        raise ValueError(f"mocks must have {data.ell.size} columns (data.ell), got shape {mocks.shape}")
    theta0 = np.asarray(result.values, dtype=float)
    bias = result.best_fit - np.log10(mean(theta0))
    cov = result.y_covariance
    if not model.params:
        L = linalg.cholesky(cov, lower=True)
        r = linalg.solve_triangular(L, (np.log10(mocks) - result.best_fit).T, lower=True)
        return np.sum(r**2, axis=0)
    bounds = model.bounds_for(np.arange(model.ell_min, model.ell_min + 2))

    def fn(ell, *theta):
        return np.log10(mean(theta)) + bias

    return np.array([fit.least_squares(fn, data.ell, y, theta0, names=model.params, cov=cov, bounds=bounds,
                                       model_name=model.name).chi2 for y in np.log10(mocks)])


def rejection_rates(statistics, reference, alpha: float, *, reject_above: bool = True) -> decision_rules.RejectionRate:
    """How often the rule "p < alpha" rejects, for each of ``statistics`` judged against the mocks
    ``reference`` of the null: p = (#{reference >= t} + 1)/(n + 1) (``reject_above``; else the lower
    tail).

    Examples
    --------
    >>> r = rejection_rates([0.5, 10.0, 20.0], np.arange(10.0), 0.2)
    >>> r.rejected, r.n
    (2, 3)
    """
    t = np.atleast_1d(validate.finite("statistics", statistics))
    ref = np.atleast_1d(validate.finite("reference", reference))
    alpha = _alpha(alpha)
    if ref.size < 1 or t.size < 1:
        raise ValueError("statistics and reference must not be empty")
    cmp = ref[None, :] >= t[:, None] if reject_above else ref[None, :] <= t[:, None]
    rejects = iter((np.sum(cmp, axis=1) + 1) / (ref.size + 1) < alpha)
    return decision_rules.rejection_rate(lambda r, rng: bool(r), lambda rng: next(rejects), t.size,
                                         np.random.default_rng(0))


def goodness_of_fit(resp: Response, model: SpectralModel, data: folded_fit.BinData, *, rng: np.random.Generator,
                    alpha: float = 0.05, n_reference: int = 500, n_calibration: int = 200,
                    alternative=None, **fit_kwargs) -> CalibratedTest:
    """Does ``model`` fit ``data``?  Fit (:func:`cranisotropy.folded_fit.fit_bin` with
    ``fit_kwargs``), then the p-value of the best-fit chi^2 among ``n_reference`` mocks of the best
    fit, each refitted (:func:`refit_chi2`); the false-rejection rate of "p < alpha" on
    ``n_calibration`` fresh mocks of the best fit, and its power on as many mocks of
    ``alternative(best_fit_sky) -> sky`` (a full-sky spectrum l = 0..lmax_sky), all refitted with
    ``model``.

    ``values`` of the result hold the best fit (``result``: the FitResult) and the mean chi^2 of the
    reference mocks next to the degrees of freedom.
    """
    rng = _rng(rng)
    alpha = _alpha(alpha)
    n_reference = validate.integer("n_reference", n_reference, minimum=20, allow_array=False)
    n_calibration = validate.integer("n_calibration", n_calibration, minimum=1, allow_array=False)
    res = folded_fit.fit_bin(resp, model, data, rng=rng, **fit_kwargs)
    sky = model.spectrum(resp.lmax_sky, *res.values)
    reference = refit_chi2(resp, model, res, data, mock_spectra(resp, sky, data, n_reference, rng))
    p, n = fit.mock_p_value(res.chi2, reference)
    fresh = refit_chi2(resp, model, res, data, mock_spectra(resp, sky, data, n_calibration, rng))
    power = None
    if alternative is not None:
        alt_sky = np.asarray(alternative(sky), dtype=float)
        if alt_sky.shape != sky.shape:
            raise ValueError(f"alternative must return a spectrum of shape {sky.shape}, got {alt_sky.shape}")
        alt = refit_chi2(resp, model, res, data, mock_spectra(resp, alt_sky, data, n_calibration, rng))
        power = rejection_rates(alt, reference, alpha)
    return CalibratedTest(p_value=p, statistic=float(res.chi2), n_reference=n,
                      false_rejection=rejection_rates(fresh, reference, alpha), power=power, alpha=alpha,
                      values={"result": res, "chi2": float(res.chi2), "dof": int(res.dof),
                              "mean_reference_chi2": float(np.mean(reference)),
                              "params": {k: float(v) for k, v in zip(res.names, res.values)}})


def band_test(statistic, data: folded_fit.BinData, null_mocks, fresh_null, *, alpha: float = 0.05,
              alternative_mocks=None, reject_above: bool = True) -> CalibratedTest:
    """A one-sided test of ``statistic(C~) -> float or array`` (applied to the rows of mock arrays)
    against mocks of a null: the p-value of ``data.C`` among ``null_mocks`` (n, n_ell); the
    false-rejection rate on ``fresh_null`` and the power on ``alternative_mocks`` (each an array of
    mock spectra), all judged against ``null_mocks``.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> d = folded_fit.BinData("toy", 10.0, np.arange(1, 5), np.full(4, 3.0), 0.0)
    >>> stat = lambda C: np.sum(C, axis=-1)
    >>> t = band_test(stat, d, rng.exponential(size=(500, 4)), rng.exponential(size=(200, 4)),
    ...               alternative_mocks=3 * rng.exponential(size=(200, 4)))
    >>> t.p_value < 0.01, t.false_rejection.rate < 0.12, t.power.rate > 0.5
    (True, True, True)
    """
    if not callable(statistic):
        raise TypeError("statistic must be callable on an array of spectra")
    if not isinstance(data, folded_fit.BinData):
        raise TypeError(f"data must be a folded_fit.BinData, got {type(data).__name__}")
    alpha = _alpha(alpha)
    ref = np.atleast_1d(statistic(np.atleast_2d(null_mocks)))
    t_obs = float(np.asarray(statistic(data.C)))
    k = np.sum(ref >= t_obs) if reject_above else np.sum(ref <= t_obs)
    p = float((k + 1) / (ref.size + 1))
    fr = rejection_rates(statistic(np.atleast_2d(fresh_null)), ref, alpha, reject_above=reject_above)
    pw = (None if alternative_mocks is None else
          rejection_rates(statistic(np.atleast_2d(alternative_mocks)), ref, alpha, reject_above=reject_above))
    return CalibratedTest(p_value=p, statistic=t_obs, n_reference=int(ref.size), false_rejection=fr, power=pw,
                      alpha=alpha, values={"reference_median": float(np.median(ref))})


def band_statistic(ell, lo: int, hi: int, *, over=None):
    """``statistic(C)``: the band power sum_{l=lo..hi} (2l+1) C_l of spectra at ``ell`` (last axis),
    or, with ``over`` = (lo2, hi2), its ratio to the band power over lo2..hi2.

    Examples
    --------
    >>> stat = band_statistic([1, 2, 3, 4], 2, 2, over=(3, 4))
    >>> round(float(stat(np.ones(4))), 6)                    # 5 / (7 + 9)
    0.3125
    """
    ell = np.atleast_1d(validate.integer("ell", ell, minimum=0))

    def statistic(C):
        top = band_power(C, ell, lo, hi)
        return top if over is None else top / band_power(C, ell, *over)

    statistic(np.ones(ell.size))                 # the bands must exist
    return statistic


def slope_trend(per_decade: float, pivot_TeV: float):
    """``alternative(energy_TeV, mean_slope)`` for :func:`slope_consistency`: slopes that change by
    ``per_decade`` per decade of energy about the mean slope at ``pivot_TeV``.

    Examples
    --------
    >>> slope_trend(0.5, 100.0)(1000.0, -3.0)
    -2.5
    """
    per_decade = validate.finite("per_decade", per_decade, allow_array=False)
    pivot = validate.positive("pivot_TeV", pivot_TeV, allow_array=False)
    return lambda energy, mean: float(mean + per_decade * np.log10(energy / pivot))


def power_law_tilt(start: int, exponent: float):
    """``tilt(sky) -> sky`` multiplying C_l by (l/start)^exponent for l >= ``start`` (an alternative
    spectrum: ``exponent`` = 1 makes the part from ``start`` on one power of l flatter).

    Examples
    --------
    >>> power_law_tilt(2, 1.0)(np.ones(4)).tolist()
    [1.0, 1.0, 1.0, 1.5]
    """
    start = validate.integer("start", start, minimum=1, allow_array=False)
    exponent = validate.finite("exponent", exponent, allow_array=False)

    def tilt(sky):
        sky = np.array(sky, dtype=float)
        ell = np.arange(sky.size)
        sky[start:] *= (ell[start:] / start) ** exponent
        return sky

    return tilt


def matched_amplitude(resp: Response, data: folded_fit.BinData, shape, lo: int, hi: int) -> float:
    """The factor A for which the folded mean of the sky A * ``shape`` (l = 0..lmax_sky) plus the
    bin's noise has the band power sum_{l=lo..hi} (2l+1) C~_l of the data.

    Examples
    --------
    >>> from cranisotropy import observation
    >>> resp = observation.response(lmax=10, lmax_sky=20, nside=None)
    >>> shape = np.r_[0.0, 18.0 / ((2 * np.arange(1, 21) + 1) * (np.arange(1, 21) + 2) * (np.arange(1, 21) + 1))]
    >>> C = 3.0 * resp.mean_matrix[1:11] @ shape
    >>> d = folded_fit.BinData("toy", 10.0, np.arange(1, 11), C, 0.0)
    >>> round(matched_amplitude(resp, d, shape, 6, 10), 10)
    3.0
    """
    _check(resp, data)
    shape = np.asarray(validate.nonnegative("shape", shape), dtype=float)
    if shape.shape != (resp.lmax_sky + 1,):
        raise ValueError(f"shape must have lmax_sky + 1 = {resp.lmax_sky + 1} entries, got {shape.shape}")
    folded = resp.mean_matrix[data.ell] @ shape
    noise = data.noise * resp.noise_mean[data.ell]
    signal = band_power(folded, data.ell, lo, hi)
    if signal <= 0:
        raise ValueError(f"the shape has no folded power in {lo}..{hi}")
    return float((band_power(data.C, data.ell, lo, hi) - band_power(noise, data.ell, lo, hi)) / signal)


def replace_tail(resp: Response, data: folded_fit.BinData, start: int, exponent: float):
    """``alternative(sky) -> sky``: C_l for l < ``start`` kept, C_l = A l^exponent from ``start`` on,
    with A such that the folded mean at l = ``start`` plus the noise equals the data's C~ there
    (A = 0 if the kept multipoles already exceed it).

    Examples
    --------
    >>> from cranisotropy import observation
    >>> resp = observation.response(lmax=10, lmax_sky=20, nside=None)
    >>> d = folded_fit.BinData("toy", 10.0, np.arange(1, 11), np.full(10, 1e-3), 0.0)
    >>> alt = replace_tail(resp, d, 6, -2.0)(np.r_[0.0, 1e-3, np.zeros(19)])
    >>> round(float((resp.mean_matrix[6] @ alt) / 1e-3), 10)
    1.0
    """
    _check(resp, data)
    start = validate.integer("start", start, minimum=int(data.ell[0]), allow_array=False)
    exponent = validate.finite("exponent", exponent, allow_array=False)
    if start > data.ell[-1]:
        raise ValueError(f"start = {start} lies beyond the data (l <= {data.ell[-1]})")
    row = resp.mean_matrix[start]
    target = data.C[data.ell == start][0] - data.noise * resp.noise_mean[start]
    ell = np.arange(resp.lmax_sky + 1)
    tail = np.where(ell >= start, np.maximum(ell, 1.0) ** exponent, 0.0)

    def alternative(sky):
        head = np.where(ell < start, np.asarray(sky, dtype=float), 0.0)
        A = max(0.0, (target - row @ head) / (row @ tail))
        return head + A * tail

    return alternative


@dataclass(frozen=True)
class SlopeFit:
    """A folded fit whose model has a parameter ``slope``, with what the linear re-estimation of
    the slope from a mock needs: the weights w with slope_mock - slope = w . (y_mock - mu)."""

    label: str
    energy_TeV: float
    slope: float
    error: float
    result: fit.FitResult
    weights: np.ndarray
    data: folded_fit.BinData


def _log_jacobian(mean, theta, bounds) -> np.ndarray:
    """d log10 mean / d theta by central differences (one-sided at a bound)."""
    lo, hi = (np.asarray(b, float) for b in bounds)
    base = np.log10(mean(theta))
    J = np.empty((base.size, theta.size))
    for i, t in enumerate(theta):
        h = 1e-5 * max(abs(t), 1e-300)
        up, dn = theta.copy(), theta.copy()
        up[i], dn[i] = min(t + h, hi[i]), max(t - h, lo[i])
        J[:, i] = (np.log10(mean(up)) - np.log10(mean(dn))) / (up[i] - dn[i])
    return J


def slope_fits(resp: Response, model: SpectralModel, bins: dict, *, rng: np.random.Generator,
               **fit_kwargs) -> list[SlopeFit]:
    """Folded fits of ``model`` (which must have a parameter ``slope``) to each
    :class:`cranisotropy.folded_fit.BinData` of ``bins`` ({label: data}), with the slope's error from
    the fit's covariance and the weights of its linear re-estimation."""
    if "slope" not in getattr(model, "params", ()):
        raise ValueError("model must have a parameter named 'slope'")
    rng = _rng(rng)
    out = []
    for label, data in bins.items():
        res = folded_fit.fit_bin(resp, model, data, rng=rng, **fit_kwargs)
        theta = np.asarray(res.values, float)
        D = np.where(theta != 0, np.abs(theta), 1.0)          # parameters in units of their values
        J = _log_jacobian(folded_mean(resp, model, data), theta,
                          model.bounds_for(np.arange(model.ell_min, model.ell_min + 2))) * D
        Sinv = linalg.inv(res.y_covariance)
        Ainv = np.linalg.pinv(J.T @ Sinv @ J, rcond=1e-10)     # directions the data do not fix drop out
        i = model.params.index("slope")
        w = D[i] * (Ainv @ J.T @ Sinv)[i]
        err = float(D[i] * np.sqrt(Ainv[i, i]))
        out.append(SlopeFit(label, data.energy_TeV, float(res.values[i]), err, res, w, data))
    return out


def _x_statistic(slopes, errors) -> tuple[float, float]:
    w = 1.0 / np.asarray(errors) ** 2
    mean = float(np.sum(w * slopes) / np.sum(w))
    return float(np.sum(w * (np.asarray(slopes) - mean) ** 2)), mean


def slope_consistency(resp: Response, model: SpectralModel, fits: list[SlopeFit], *, rng: np.random.Generator,
                      alpha: float = 0.05, n_reference: int = 1000, n_calibration: int = 200,
                      alternative=None) -> CalibratedTest:
    """Is the slope the same in every bin?  X = sum_i (b_i - b_mean)^2 / sigma_i^2 of the per-bin
    fits ``fits`` (:func:`slope_fits`), its p-value among mocks of the common-slope fits (each bin's
    best fit with its slope moved to b_mean), slopes re-estimated in the linear approximation
    (b_i + w_i . (y_mock - mu_i)); false-rejection rate on ``n_calibration`` fresh such mocks;
    power on mocks whose slope in bin i is ``alternative(energy_TeV, b_mean)``.
    """
    rng = _rng(rng)
    alpha = _alpha(alpha)
    if len(fits) < 2:
        raise ValueError("slope_consistency needs at least two bins")
    slopes = np.array([f.slope for f in fits])
    errors = np.array([f.error for f in fits])
    x_obs, b_mean = _x_statistic(slopes, errors)
    i_slope = model.params.index("slope")

    def draw(n, slope_of):
        """n mock sets of re-estimated slopes (n, n_bins) for bins whose true slope is slope_of(fit)."""
        out = np.empty((n, len(fits)))
        for j, f in enumerate(fits):
            theta = np.array(f.result.values, dtype=float)
            theta[i_slope] = slope_of(f)
            sky = model.spectrum(resp.lmax_sky, *theta)
            y = np.log10(mock_spectra(resp, sky, f.data, n, rng))
            out[:, j] = f.slope + (y - f.result.best_fit) @ f.weights
        return out

    def x_of(sl):
        w = 1.0 / errors**2
        m = sl @ w / np.sum(w)
        return np.sum(w * (sl - m[:, None]) ** 2, axis=1)

    n_reference = validate.integer("n_reference", n_reference, minimum=20, allow_array=False)
    reference = x_of(draw(n_reference, lambda f: b_mean))
    p, n = fit.mock_p_value(x_obs, reference)
    fresh = x_of(draw(n_calibration, lambda f: b_mean))
    power = None if alternative is None else rejection_rates(
        x_of(draw(n_calibration, lambda f: alternative(f.energy_TeV, b_mean))), reference, alpha)
    return CalibratedTest(p_value=p, statistic=x_obs, n_reference=n, false_rejection=rejection_rates(fresh, reference, alpha),
                      power=power, alpha=alpha, values={"mean_slope": b_mean, "dof": len(fits) - 1,
                                                        "slopes": slopes.tolist(), "errors": errors.tolist()})
