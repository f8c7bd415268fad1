"""Model spectra fitted to the IceCube 12-year pseudo-spectra through the forward model of the observation.

Every model of :mod:`cranisotropy.spectral_models` is a full-sky C_l(theta).  Folded through the
observation (:mod:`cranisotropy.observation`: field of view, ring means removed, ``anafast``, white
noise of the energy bin), it predicts the distribution of the measured pseudo-spectrum: its mean
and covariance exactly, and the distribution itself through cheap exact mocks.  The likelihood of
the digitised spectrum is Gaussian in y_l = log10 C~_l (l = ell_min..ell_max):

    chi^2(theta) = r^T Sigma^-1 r,    r = y - mu(theta),
    mu(theta) = log10 <C~>(theta) + b(theta),                                                (1)

where <C~> is the exact folded mean, and b (the mean of log10 C~ minus the log10 of its mean) and
Sigma (the covariance of log10 C~: cosmic variance seen through the field of view, noise, the
correlations between multipoles, and the digitisation error 0.012 dex of every marker) are the
moments of ``n_mocks`` mocks of the model (:func:`folded_moments`).  The logarithm is used because
the relative scatter of C~_l depends on the shape of the model but not on its amplitude: in C~
itself a Gaussian likelihood with the model's own covariance rewards inflating the amplitude
(larger variance, smaller chi^2), and the fits ran away to skies 100 times brighter than the data.
The moments come from mocks because analytic stand-ins (a gamma distribution per multipole with
the exact mean and variance, and the exact correlations of C~) overstate the correlation of the
logarithms where the dipole leaks into l = 2, 3 (0.98 against 0.90): mocks of the model then gave
chi^2 ~ 2 dof.  The statistical error bars and the shaded boxes of the figure are not added: the
first describe the noise, which Sigma already contains; the second, in the group's public scripts,
are the full-sky scatter of a Gaussian sky with the measured spectrum, i.e. cosmic variance again
(see the chapter).

Estimation (:func:`fit_bin`) is generalised least squares in two stages.  Stage 1 uses a metric
common to all models of the energy bin (b and Sigma of mocks of a non-negative deconvolution of
the data, :func:`reference_moments`), from several starting points; stage 2 recomputes b and Sigma
from mocks of the model at the stage-1 parameters and refits with them held fixed, so that the
final chi^2 uses the model's own covariance.  Iterating stage 2 to a fixed point was tried and
abandoned: for models that do not describe the data the parameters drift by a fraction of their
errors per iteration while chi^2 grows, and the fits became slow and erratic.  Because Sigma
differs between models, the comparison between models (AIC, :func:`comparison_record`) uses the
stage-1 chi^2 in the common metric, where ln det Sigma cancels and nested models stay nested.

Goodness of fit (:func:`mock_p_value`): the chi^2 at the best fit against the chi^2 of fresh mocks
of the best-fit model, each refitted in the linear approximation about the best fit
(chi^2 = r^T P r with P = Sigma^-1 - Sigma^-1 J (J^T Sigma^-1 J)^-1 J^T Sigma^-1), so that the fitted
parameters take their degrees of freedom.  The approximations in (1) therefore affect the power of
the test, not its calibration.  :mod:`cranisotropy.decision_rules` turns the p-value into a verdict
and measures the false-rejection rate of the whole procedure on mocks (:func:`simulate_bin`).

Examples
--------
>>> import numpy as np
>>> from cranisotropy import folded_fit, observation, spectral_models
>>> resp = observation.response(lmax=12, lmax_sky=40, nside=None)
>>> model = spectral_models.registry()["eq21"]
>>> truth = folded_fit.BinData("toy", 10.0, np.arange(1, 13), np.ones(12), 1e-11)
>>> rng = np.random.default_rng(1)
>>> mu = folded_fit.folded_moments(resp, model, [1e-7], truth, rng=rng)[0]     # <log10 C~>
>>> data = folded_fit.BinData("toy", 10.0, truth.ell, 10**mu, 1e-11)
>>> res = folded_fit.fit_bin(resp, model, data, rng=rng)
>>> 0.9 < res.value("C1") / 1e-7 < 1.1, res.chi2 < 1
(True, True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import linalg, stats

from . import fit, validate
from .observation import Response, folded_band, pseudo_cl_moments, pseudo_cl_mocks
from .spectral_models import SpectralModel

__all__ = ["DIGITISATION_DEX", "N_MOMENT_MOCKS", "N_REFERENCE_MOCKS", "profile_chi2", "profile_interval", "BinData", "bin_data", "low_multipoles_free", "folded_moments", "fit_bin",
           "tabulated", "reference_spectrum", "reference_moments", "mock_chi2", "mock_p_value", "simulate_bin", "assess", "mock_data", "comparison_record", "calibrate_rule", "delta_aic",
           "MODEL_LABELS", "FIT_OPTIONS", "tabulation_error", "tabulation_check", "Comparison", "rule_record",
           "compare_models", "folded_bands", "calibrate_rules", "Flagged", "delta_aic_rows", "verdict_rows"]

#: Digitisation precision of the markers (dex), data/icecube12yr/README.md.
DIGITISATION_DEX = 0.012
#: Mocks behind the log-space mean and covariance of Eq. (1).
N_MOMENT_MOCKS = 500
#: Mocks behind the common metric of the first fitting stage.
N_REFERENCE_MOCKS = 200


@dataclass(frozen=True)
class BinData:
    """The digitised pseudo-spectrum of one energy bin, ready for the likelihood (1).

    Attributes
    ----------
    label : str
        Energy-bin label ("13 TeV", ...).
    energy_TeV : float
        Median energy of the bin.
    ell : ndarray
        Multipoles fitted (consecutive integers >= 1).
    C : ndarray
        Digitised C~_l at ``ell``.
    noise : float
        White-noise power N of the bin (:func:`cranisotropy.observation.calibrate_noise`).
    digitisation_dex : float
        Digitisation error of each marker (dex), added to the covariance.
    """

    label: str
    energy_TeV: float
    ell: np.ndarray
    C: np.ndarray
    noise: float
    digitisation_dex: float = DIGITISATION_DEX

    def __post_init__(self):
        ell = np.atleast_1d(validate.integer("ell", self.ell, minimum=1))
        C = np.atleast_1d(validate.positive("C", self.C)).astype(float)
        if ell.ndim != 1 or C.shape != ell.shape:
            raise ValueError(f"ell and C must be 1-D of the same shape, got {ell.shape} and {C.shape}")
        if ell.size < 2 or np.any(np.diff(ell) != 1):
            raise ValueError(f"ell must be at least two consecutive multipoles, got {ell.tolist()}")
        validate.nonnegative("noise", self.noise, allow_array=False)
        validate.nonnegative("digitisation_dex", self.digitisation_dex, allow_array=False)
        object.__setattr__(self, "ell", ell)
        object.__setattr__(self, "C", C)

    @property
    def y(self) -> np.ndarray:
        """log10 C~_l, the fitted data."""
        return np.log10(self.C)


def bin_data(energy_bin, noise: float, *, ell_min: int = 1, ell_max: int = 40,
             digitisation_dex: float = DIGITISATION_DEX) -> BinData:
    """:class:`BinData` of one :class:`cranisotropy.data.EnergyBin` over ell_min..ell_max."""
    ell_min = validate.integer("ell_min", ell_min, minimum=1, allow_array=False)
    ell_max = validate.integer("ell_max", ell_max, minimum=ell_min + 1, allow_array=False)
    for attr in ("select", "label", "median_energy_TeV"):
        if not hasattr(energy_bin, attr):
            raise TypeError(f"energy_bin must be a cranisotropy.data.EnergyBin (lacks {attr!r})")
    ell = np.arange(ell_min, ell_max + 1)
    return BinData(label=energy_bin.label, energy_TeV=float(energy_bin.median_energy_TeV), ell=ell,
                   C=energy_bin.select(ell)["C"], noise=noise, digitisation_dex=digitisation_dex)


def low_multipoles_free(model: SpectralModel, upto: int = 2) -> SpectralModel:
    """``model`` with C_1..C_upto replaced by free parameters ``C_1``, ..., ``C_<upto>``.

    For models that describe only l > ``upto`` (Zhang & Liu: only l >= 3 is turbulence; l = 1, 2
    come from the mean-field terms) but are fitted, like every other model, to l >= 1: the dipole
    and quadrupole of the sky leak into the observed l >= 3 through the field of view, so they
    must be part of the sky model.
    """
    if not isinstance(model, SpectralModel):
        raise TypeError(f"model must be a SpectralModel, got {type(model).__name__}")
    upto = validate.integer("upto", upto, minimum=1, allow_array=False)
    k = len(model.params)
    base_lmin = max(upto + 1, model.ell_min)
    extra = tuple(f"C_{l}" for l in range(1, upto + 1))

    def function(ell, *theta):
        ell = np.asarray(ell)
        out = np.zeros(ell.shape)
        hi = ell >= base_lmin
        if np.any(hi):
            out[hi] = model.function(ell[hi], *theta[:k])
        for l in range(1, upto + 1):
            out[ell == l] = theta[k + l - 1]
        return out

    def bounds(lmin):
        lo, hi = model.bounds_for(np.arange(base_lmin, base_lmin + 2))
        return tuple(lo) + (0.0,) * upto, tuple(hi) + (np.inf,) * upto

    def guess(ell, C):
        ell, C = np.asarray(ell), np.asarray(C)
        sel = ell >= base_lmin
        low = [float(C[ell == l][0]) if np.any(ell == l) else float(np.max(C)) for l in range(1, upto + 1)]
        return list(model.guess(ell[sel], C[sel])) + low

    return SpectralModel(name=model.name, label=model.label + rf", $C_{{\ell\leq{upto}}}$ free",
                         params=model.params + extra, bounds=bounds, source=model.source, function=function,
                         guess=guess, fixed={**model.fixed, "free_low_multipoles": upto}, ell_min=1)


def _check(resp, model, data):
    if not isinstance(resp, Response):
        raise TypeError(f"resp must be an observation.Response, got {type(resp).__name__}")
    if not isinstance(model, SpectralModel):
        raise TypeError(f"model must be a SpectralModel, got {type(model).__name__}")
    if not isinstance(data, BinData):
        raise TypeError(f"data must be a folded_fit.BinData, got {type(data).__name__}")
    if data.ell[-1] > resp.lmax:
        raise ValueError(f"data reach l = {data.ell[-1]} > the response's lmax = {resp.lmax}")


def _theta(model, theta):
    theta = np.atleast_1d(np.asarray(validate.finite("theta", theta), dtype=float))
    if theta.shape != (len(model.params),):
        raise ValueError(f"model {model.name!r} takes {len(model.params)} parameters {model.params}, "
                         f"got {theta.size}")
    return theta


def _rng(rng) -> np.random.Generator:
    validate.generator("rng", rng)
    return rng


@functools.lru_cache(maxsize=64)
def _ells(lo: int, hi: int) -> np.ndarray:
    """np.arange(lo, hi + 1), read-only and built once (the fits evaluate models thousands of times)."""
    out = np.arange(lo, hi + 1)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=64)
def _rows(resp: Response, lo: int, hi: int):
    """Rows l = lo..hi of the response's mean matrix and unit-noise mean (read-only views)."""
    return resp.mean_matrix[lo: hi + 1], resp.noise_mean[lo: hi + 1]


def _sky(model, theta, lmax):
    """model.spectrum(lmax, *theta) without re-validating (inside fits: theta within the bounds)."""
    out = np.zeros(lmax + 1)
    out[model.ell_min:] = model.function(_ells(model.ell_min, lmax), *theta)
    return out


def _linear_mean(resp, model, theta, data):
    """<C~_l>(theta) at data.ell: M C(theta) + N <C~ of unit noise>."""
    M, noise_mean = _rows(resp, int(data.ell[0]), int(data.ell[-1]))
    return M @ _sky(model, theta, resp.lmax_sky) + data.noise * noise_mean


def simulate_bin(resp: Response, model: SpectralModel, theta, data: BinData, n: int,
                 rng: np.random.Generator) -> np.ndarray:
    """``n`` mock spectra C~ (n, n_ell) at ``data.ell`` from ``model`` at ``theta``: the observed
    pseudo-spectrum of Gaussian skies plus the bin's noise, times 10^(digitisation_dex z), z ~ N(0, 1)."""
    _check(resp, model, data)
    theta = _theta(model, theta)
    n = validate.integer("n", n, minimum=1, allow_array=False)
    rng = _rng(rng)
    mocks = pseudo_cl_mocks(resp, model.spectrum(resp.lmax_sky, *theta), data.noise, n, rng)[:, data.ell]
    return mocks * 10.0 ** (data.digitisation_dex * rng.standard_normal(mocks.shape))


def folded_moments(resp: Response, model: SpectralModel, theta, data: BinData, *,
                   n_mocks: int = N_MOMENT_MOCKS, rng: np.random.Generator):
    """mu(theta) and Sigma(theta) of Eq. (1) at ``data.ell``: mean and covariance of log10 C~ over
    ``n_mocks`` mocks (:func:`simulate_bin`, digitisation included).

    Sigma is scaled by (n - 1)/(n - n_ell - 2) so that its inverse is unbiased (Hartlap et al. 2007).

    Returns
    -------
    mean : ndarray, shape (n_ell,)
        Expected log10 C~_l.
    cov : ndarray, shape (n_ell, n_ell)
        Covariance of log10 C~_l (dex^2).
    """
    n_mocks = validate.integer("n_mocks", n_mocks, minimum=data.ell.size + 3 if isinstance(data, BinData) else 3,
                               allow_array=False)
    y = np.log10(simulate_bin(resp, model, theta, data, n_mocks, rng))
    return _mean_cov(y)


def _mean_cov(y):
    """Mean and Hartlap-scaled sample covariance of the rows of ``y`` (einsum: no threaded BLAS)."""
    n, p = y.shape
    mean = y.mean(axis=0)
    d = y - mean
    return mean, np.einsum("ni,nj->ij", d, d) / (n - p - 2.0)


def _start(resp, model, data):
    """Starting parameters from the model's guess applied to a rough full-sky estimate of the data."""
    nm = resp.noise_mean[data.ell] * data.noise
    rough = np.clip(data.C - nm, 0.05 * data.C, None) / resp.fsky
    sel = data.ell >= model.ell_min
    p0 = np.asarray(model.guess(data.ell[sel], rough[sel]), dtype=float)
    lo, hi = model.bounds_for(np.arange(model.ell_min, model.ell_min + 2))
    return np.clip(p0, np.asarray(lo, float) + 1e-12 * np.abs(p0), np.asarray(hi, float) - 1e-12 * np.abs(p0))


def _gls(resp, model, data, theta, bias, cov, bounds):
    return fit.least_squares(lambda ell, *th: np.log10(_linear_mean(resp, model, th, data)) + bias, data.ell,
                             data.y, theta, names=model.params, cov=cov, bounds=bounds, model_name=model.name)


def _step_sigma(new, old, errors) -> float:
    """Largest parameter step in units of its error (0 where the error is infinite or NaN)."""
    err = np.where(np.isfinite(errors) & (errors > 0), errors, np.inf)
    return float(np.max(np.abs(new - old) / err)) if len(new) else 0.0


def _fixed(model: SpectralModel, index: int, value: float) -> SpectralModel:
    """``model`` with parameter ``index`` held at ``value`` (removed from the free parameters)."""
    lo, hi = model.bounds_for(np.arange(model.ell_min, model.ell_min + 2))

    def function(ell, *theta):
        return model.function(ell, *theta[:index], value, *theta[index:])

    def guess(ell, C):
        g = list(model.guess(ell, C))
        return g[:index] + g[index + 1:]

    drop = lambda t: tuple(t[:index]) + tuple(t[index + 1:])   # noqa: E731
    return replace(model, params=drop(model.params), bounds=(drop(lo), drop(hi)), function=function, guess=guess)


def reference_spectrum(resp: Response, data: BinData) -> np.ndarray:
    """A full-sky spectrum (l = 0..lmax_sky, zero above the data) whose folded mean follows the data:
    min_C sum_l [((M C)_l - (C~_l - N n_l)) / C~_l]^2 over C_l >= 0 (l = 1..max data l), non-negative
    least squares.  It only sets the common metric of the first fitting stage (:func:`reference_moments`)."""
    from scipy.optimize import nnls

    if not isinstance(resp, Response):
        raise TypeError(f"resp must be an observation.Response, got {type(resp).__name__}")
    if not isinstance(data, BinData):
        raise TypeError(f"data must be a folded_fit.BinData, got {type(data).__name__}")
    if data.ell[-1] > resp.lmax:
        raise ValueError(f"data reach l = {data.ell[-1]} > the response's lmax = {resp.lmax}")
    top = int(data.ell[-1])
    M = resp.mean_matrix[data.ell][:, 1: top + 1]
    target = data.C - data.noise * resp.noise_mean[data.ell]
    w = 1.0 / data.C
    sol, _ = nnls(M * w[:, None], target * w)
    out = np.zeros(resp.lmax_sky + 1)
    out[1: top + 1] = sol
    return out


def reference_moments(resp: Response, data: BinData, *, n_mocks: int = N_REFERENCE_MOCKS,
                      rng: np.random.Generator):
    """(bias, Sigma) of Eq. (1) for mocks of :func:`reference_spectrum`: the metric, common to all
    models of an energy bin, of the first fitting stage of :func:`fit_bin`."""
    ref = reference_spectrum(resp, data)
    y = np.log10(pseudo_cl_mocks(resp, ref, data.noise, validate.integer("n_mocks", n_mocks, minimum=data.ell.size + 3,
                                                                         allow_array=False), _rng(rng))[:, data.ell])
    y = y + data.digitisation_dex * rng.standard_normal(y.shape)
    mean_lin = resp.mean_matrix[data.ell] @ ref + data.noise * resp.noise_mean[data.ell]
    mean, cov = _mean_cov(y)
    return mean - np.log10(mean_lin), cov


def fit_bin(resp: Response, model: SpectralModel, data: BinData, *, rng: np.random.Generator, reference=None,
            starts=None, profile=None, n_moment_mocks: int = N_MOMENT_MOCKS, updates: int = 1,
            select_delta: float = 4.0, max_candidates: int = 3) -> fit.FitResult:
    """Fit ``model`` to one energy bin with the likelihood (1), in two stages.

    1. With the metric common to all models of the bin (``reference``: b and Sigma of mocks of a
       non-negative deconvolution of the data, :func:`reference_moments`), one generalised least
       squares fit from each of the ``starts`` (and each value of a ``profile`` grid); the one with
       the smallest chi^2 is kept.
    2. ``updates`` times: b and Sigma from ``n_moment_mocks`` mocks of the model at the current parameters
       (the same random numbers each time), then :func:`cranisotropy.fit.least_squares` with them
       held fixed.  The final chi^2 therefore uses the model's own covariance.

    Parameters
    ----------
    resp : Response
        The observation (:func:`cranisotropy.observation.response`).
    model : SpectralModel
        Full-sky model (:func:`cranisotropy.spectral_models.registry`).
    data : BinData
    rng : numpy.random.Generator
        Source of the mocks' seeds.
    reference : (bias, Sigma), optional
        Output of :func:`reference_moments` for ``data`` (computed here when not given; pass it to
        share it between the models of a bin).
    starts : sequence of dict, optional
        Starting values {parameter: value} that replace the model's guess (computed from a rough
        full-sky estimate of the data) for the parameters they name; default: the guess alone.
    profile : (str, array_like), optional
        A parameter held at each value of a grid in stage 1 and at the best one afterwards (for a
        parameter on which the likelihood has kinks, such as the break of the broken power law at
        integer l).  It still counts as a fitted parameter (dof, AIC); its error is the half-width
        of the grid values with stage-1 Delta chi^2 <= 1 (at least half a grid step).
    n_moment_mocks : int
        Mocks behind b and Sigma.
    updates : int
        Model-based updates of b and Sigma (>= 1).
    select_delta, max_candidates : float, int
        Which stage-1 minima go on to stage 2.

    Returns
    -------
    cranisotropy.fit.FitResult
        y = log10 C~ (data), best_fit = mu(theta_hat), y_covariance = Sigma of the last update;
        ``extra`` holds energy_TeV, label, noise, ell_min, ell_max, free_low_multipoles, updates,
        last_step_sigma (the last update's largest parameter step in units of its error),
        chi2_common (the stage-1 minimum in the common metric), stage2_candidates, n_moment_mocks
        and log_det_cov (ln det Sigma), and the profile if any.  p_value is the
        chi^2-distribution one: use :func:`mock_p_value` for the calibrated one.
    """
    _check(resp, model, data)
    rng = _rng(rng)
    n_mocks = validate.integer("n_moment_mocks", n_moment_mocks, minimum=data.ell.size + 3, allow_array=False)
    updates = validate.integer("updates", updates, minimum=1, allow_array=False)
    select_delta = validate.nonnegative("select_delta", select_delta, allow_array=False)
    max_candidates = validate.integer("max_candidates", max_candidates, minimum=1, allow_array=False)
    starts = [{}] if starts is None else list(starts)
    for st in starts:
        if not isinstance(st, dict) or any(k not in model.params for k in st):
            raise ValueError(f"starts must be dicts keyed by parameters of {model.name!r} {model.params}, got {st!r}")
    seed = int(rng.integers(2**63))
    extra = dict(energy_TeV=data.energy_TeV, label=data.label, noise=data.noise, ell_min=int(data.ell[0]),
                 ell_max=int(data.ell[-1]), free_low_multipoles=model.fixed.get("free_low_multipoles", 0),
                 n_moment_mocks=n_mocks, updates=updates)

    if not model.params:
        mean, cov = folded_moments(resp, model, [], data, n_mocks=n_mocks, rng=np.random.default_rng(seed))
        chi2 = fit.chi2_of(data.y - mean, cov=cov)
        if reference is None:
            reference = reference_moments(resp, data, rng=rng)
        chi2_common = fit.chi2_of(data.y - np.log10(_linear_mean(resp, model, np.zeros(0), data)) - reference[0],
                                  cov=reference[1])
        return fit.FitResult(model=model.name, names=(), values=np.zeros(0), covariance=np.zeros((0, 0)),
                             chi2=chi2, dof=data.ell.size, p_value=float(stats.chi2.sf(chi2, data.ell.size)),
                             p_value_method="chi2", x=data.ell, y=data.y, y_covariance=cov, best_fit=mean,
                             extra={**extra, "last_step_sigma": 0.0, "chi2_common": chi2_common,
                                    "log_det_cov": float(np.linalg.slogdet(cov)[1])})
    if reference is None:
        reference = reference_moments(resp, data, rng=rng)
    ref_bias, ref_cov = reference
    if profile is None:
        index, grid = None, [None]
    else:
        name, grid = profile
        if name not in model.params:
            raise ValueError(f"profile names {name!r}, not a parameter of {model.name!r} {model.params}")
        index = model.params.index(name)
        grid = np.atleast_1d(validate.finite("profile grid", grid))
        lo, hi = model.bounds_for(np.arange(model.ell_min, model.ell_min + 2))
        if grid.ndim != 1 or grid.size < 2 or np.any(grid < lo[index]) or np.any(grid > hi[index]):
            raise ValueError(f"the profile grid of {name!r} must hold >= 2 values within [{lo[index]}, {hi[index]}]")
    base = _start(resp, model, data)
    candidates = []            # (stage-1 chi2, grid value, model used, its parameters)
    for value in grid:
        m = model if index is None else _fixed(model, index, float(value))
        bounds = m.bounds_for(np.arange(m.ell_min, m.ell_min + 2))
        for st in starts:
            p0 = base.copy()
            for k, v in st.items():
                p0[model.params.index(k)] = v
            if index is not None:
                p0 = np.delete(p0, index)
            p0 = np.clip(p0, np.asarray(bounds[0], float), np.asarray(bounds[1], float))
            res = _gls(resp, m, data, p0, ref_bias, ref_cov, bounds)
            candidates.append((res.chi2, value, m, res.values))
    candidates.sort(key=lambda c: c[0])
    best = candidates[0]
    chosen = [best]
    for c in candidates[1:]:
        if len(chosen) == max_candidates or c[0] > best[0] + select_delta:
            break
        # a distinct minimum: another grid value or other parameters, and a chi^2 that differs
        # (equal chi^2 at other parameters is a flat direction, not another candidate)
        if all((c[1] != o[1] or not np.allclose(c[3], o[3], rtol=1e-3, atol=0)) and abs(c[0] - o[0]) > 0.1
               for o in chosen):
            chosen.append(c)

    def stage2(cand):
        _, value, m, theta = cand
        bounds = m.bounds_for(np.arange(m.ell_min, m.ell_min + 2))
        step, res = np.nan, None
        for _ in range(updates):
            mean, cov = folded_moments(resp, m, theta, data, n_mocks=n_mocks, rng=np.random.default_rng(seed))
            res = _gls(resp, m, data, theta, mean - np.log10(_linear_mean(resp, m, theta, data)), cov, bounds)
            step = _step_sigma(res.values, theta, res.errors)
            theta = res.values
        return res, step, value

    res, step, value = min((stage2(c) for c in chosen), key=lambda r: r[0].chi2)
    extra["last_step_sigma"] = float(step)
    extra["chi2_common"] = float(best[0])
    extra["stage2_candidates"] = len(chosen)
    extra["log_det_cov"] = float(np.linalg.slogdet(res.y_covariance)[1])
    at = list(res.extra.get("at_bound", []))            # parameters whose best fit lies on a bound
    if index is None:
        return replace(res, extra={**extra, **({"at_bound": at} if at else {})})
    # put the profiled parameter back: it counts as fitted
    chi2_grid = {}
    for c in candidates:
        chi2_grid[c[1]] = min(c[0], chi2_grid.get(c[1], np.inf))
    g = np.array(sorted(chi2_grid))
    within = g[np.array([chi2_grid[v] for v in g]) <= best[0] + 1.0]
    err = max(float(np.max(np.abs(within - value))), 0.5 * float(np.min(np.diff(g))))
    k = len(model.params)
    cov = np.zeros((k, k))
    free = [i for i in range(k) if i != index]
    cov[np.ix_(free, free)] = res.covariance
    cov[index, index] = err**2
    dof = res.dof - 1
    return replace(res, model=model.name, names=model.params, values=np.insert(res.values, index, value),
                   covariance=cov, dof=dof, p_value=float(stats.chi2.sf(res.chi2, dof)) if dof > 0 else float("nan"),
                   extra={**extra, **({"at_bound": at + [model.params[index]] * (value in (g[0], g[-1]))}
                                      if at or value in (g[0], g[-1]) else {}),
                          "profile": {"parameter": model.params[index], "grid": g.tolist(),
                                               "stage1_chi2": [float(chi2_grid[v]) for v in g]}})


def tabulated(model: SpectralModel, lmax: int, grid, *, amplitude_at: int | None = None) -> SpectralModel:
    """``model`` evaluated from a table, for models C_l = A f_l(q) linear in their first parameter A
    with one more parameter q (the hierarchy, Ahlers Eq. 20, costs ~25 ms per exact evaluation).

    log f_l (l = ell_min..lmax, floored at 1e-300) is tabulated at the points ``grid`` of q (> 0,
    increasing) and interpolated by a cubic spline in log q; q outside the grid raises.  With
    ``amplitude_at = l0`` the first parameter becomes C_{l0} itself (named ``C_<l0>``): the shape is
    normalised to f_{l0} = 1.  For the hierarchy this makes the amplitude the dipole of the sky
    today instead of the initial one, C~_1 = C_1 exp(2 nu T) at large nu T, which removes the strong
    degeneracy between the two parameters.  The accuracy is the caller's to check (the tests and the
    chapter compare with exact evaluations).
    """
    from scipy.interpolate import CubicSpline

    if not isinstance(model, SpectralModel):
        raise TypeError(f"model must be a SpectralModel, got {type(model).__name__}")
    if len(model.params) != 2:
        raise ValueError(f"tabulated needs a model with 2 parameters (amplitude, q), {model.name!r} has {model.params}")
    lmax = validate.integer("lmax", lmax, minimum=model.ell_min, allow_array=False)
    g = np.atleast_1d(validate.positive("grid", grid))
    if g.ndim != 1 or g.size < 4 or np.any(np.diff(g) <= 0):
        raise ValueError("grid must be an increasing 1-D array of at least 4 positive values")
    ell = np.arange(model.ell_min, lmax + 1)
    if amplitude_at is not None:
        amplitude_at = validate.integer("amplitude_at", amplitude_at, minimum=model.ell_min, allow_array=False)
        if amplitude_at > lmax:
            raise ValueError(f"amplitude_at must be <= lmax = {lmax}, got {amplitude_at}")
    for q in (g[0], g[-1]):
        one, two = model.function(ell, 1.0, q), model.function(ell, 2.0, q)
        if not np.allclose(two, 2 * one, rtol=1e-12, atol=0):
            raise ValueError(f"model {model.name!r} is not linear in its first parameter {model.params[0]!r}")
    table = np.log(np.maximum([model.function(ell, 1.0, q) for q in g], 1e-300))
    if amplitude_at is not None:
        table = table - table[:, [amplitude_at - model.ell_min]]
    spline = CubicSpline(np.log(g), table, axis=0)
    lo, hi = g[0], g[-1]
    recent: dict = {}        # f_l at the last few q: a fit varies the amplitude at fixed q (Jacobian, profiles)

    def shape(q):
        f = recent.get(q)
        if f is None:
            if len(recent) >= 8:
                recent.pop(next(iter(recent)))
            f = recent[q] = np.exp(spline(np.log(q)))
        return f

    def function(ell_eval, amplitude, q):
        if not lo <= q <= hi:
            raise ValueError(f"{model.params[1]} = {q!r} lies outside the table [{lo:g}, {hi:g}]")
        ell_eval = np.asarray(ell_eval)
        if np.any(ell_eval > lmax):
            raise ValueError(f"the table of {model.name!r} stops at l = {lmax}")
        return amplitude * shape(float(q))[ell_eval - model.ell_min]

    params = model.params if amplitude_at is None else (f"C_{amplitude_at}", model.params[1])
    lo_b, hi_b = model.bounds_for(np.arange(model.ell_min, model.ell_min + 2))
    base_guess = model.guess

    def guess(ell_g, C):
        p = list(base_guess(ell_g, C))
        if amplitude_at is not None:
            p[0] = float(np.max(C))
        return p

    return replace(model, params=params, bounds=(tuple(lo_b), tuple(hi_b)), function=function, guess=guess,
                   fixed={**model.fixed, "tabulated": dict(lmax=lmax, n=int(g.size), lo=float(lo), hi=float(hi),
                                                           amplitude_at=amplitude_at)})


def _jacobian(resp, model, theta, data):
    """d mu / d theta at ``theta`` (bias term held fixed) by central differences (one-sided at a bound)."""
    lo, hi = (np.asarray(b, float) for b in model.bounds_for(np.arange(model.ell_min, model.ell_min + 2)))
    J = np.empty((data.ell.size, theta.size))
    for i, t in enumerate(theta):
        h = 1e-5 * max(abs(t), 1e-300)
        up, dn = theta.copy(), theta.copy()
        up[i] = min(t + h, hi[i])
        dn[i] = max(t - h, lo[i])
        J[:, i] = (np.log10(_linear_mean(resp, model, up, data) / _linear_mean(resp, model, dn, data))
                   / (up[i] - dn[i]))
    return J


def mock_chi2(resp: Response, model: SpectralModel, result: fit.FitResult, data: BinData, n_mocks: int,
              rng: np.random.Generator) -> np.ndarray:
    """chi^2 of ``n_mocks`` mocks of the best fit ``result``, each refitted in the linear approximation.

    chi^2 = r^T P r with r = log10 C~_mock - mu(theta_hat), P = Sigma^-1 - Sigma^-1 J (J^T Sigma^-1 J)^-1
    J^T Sigma^-1, and mu, Sigma the ones the fit ended with (``result.best_fit``, ``result.y_covariance``):
    the statistic the data got, exact for a model linear in its parameters.
    """
    _check(resp, model, data)
    if not isinstance(result, fit.FitResult):
        raise TypeError(f"result must be a FitResult, got {type(result).__name__}")
    if result.y.shape != data.ell.shape:
        raise ValueError("result was not fitted to these data (different multipoles)")
    n_mocks = validate.integer("n_mocks", n_mocks, minimum=1, allow_array=False)
    theta = _theta(model, result.values)
    y = simulate_bin(resp, model, theta, data, n_mocks, rng)
    Lc = linalg.cholesky(result.y_covariance, lower=True)
    rw = linalg.solve_triangular(Lc, (np.log10(y) - result.best_fit).T, lower=True)     # (n_ell, n_mocks)
    chi2 = np.sum(rw**2, axis=0)
    if theta.size:
        Jw = linalg.solve_triangular(Lc, _jacobian(resp, model, theta, data), lower=True)
        Q, _ = np.linalg.qr(Jw)
        chi2 = chi2 - np.sum((Q.T @ rw) ** 2, axis=0)
    return chi2


def mock_p_value(resp: Response, model: SpectralModel, result: fit.FitResult, data: BinData, n_mocks: int,
                 rng: np.random.Generator) -> fit.FitResult:
    """``result`` with its p-value calibrated on ``n_mocks`` mocks of itself (:func:`mock_chi2`)."""
    chi2 = mock_chi2(resp, model, result, data, n_mocks, rng)
    p, n = fit.mock_p_value(result.chi2, chi2)
    return result.with_p_value(p, f"mocks (n={n}, linearised refit)")


def _rescaled(resp, model, data, theta):
    """``theta`` with its first parameter rescaled so that the folded signal matches the data's excess
    over the noise (median ratio), when the model is linear in that parameter; else unchanged."""
    if not model.params or theta[0] <= 0:
        return theta
    noise = data.noise * resp.noise_mean[data.ell]
    M = resp.mean_matrix[data.ell]
    sig = M @ _sky(model, theta, resp.lmax_sky)
    two = theta.copy()
    two[0] *= 2
    if not np.allclose(M @ _sky(model, two, resp.lmax_sky), 2 * sig, rtol=1e-9, atol=0):
        return theta
    use = (data.C > 2 * noise) & (sig > 0)
    if not np.any(use):
        return theta
    out = theta.copy()
    out[0] *= float(np.exp(np.median(np.log((data.C[use] - noise[use]) / sig[use]))))
    return out


def profile_chi2(resp: Response, model: SpectralModel, data: BinData, result: fit.FitResult, name: str,
                 values) -> np.ndarray:
    """chi^2 of the best fit with parameter ``name`` held at each of ``values`` and the others refitted,
    with b and Sigma held at those of ``result`` (the final stage of :func:`fit_bin`)."""
    _check(resp, model, data)
    if name not in model.params:
        raise ValueError(f"{name!r} is not a parameter of {model.name!r} {model.params}")
    values = np.atleast_1d(validate.finite("values", values))
    i = model.params.index(name)
    theta = _theta(model, result.values)
    bias = result.best_fit - np.log10(_linear_mean(resp, model, theta, data))
    out = np.empty(values.size)
    for j, v in enumerate(values):
        m = _fixed(model, i, float(v))
        bounds = m.bounds_for(np.arange(m.ell_min, m.ell_min + 2))
        p0 = _rescaled(resp, m, data, np.clip(np.delete(theta, i), np.asarray(bounds[0], float),
                                              np.asarray(bounds[1], float)))
        out[j] = _gls(resp, m, data, p0, bias, result.y_covariance, bounds).chi2 if m.params else \
            fit.chi2_of(data.y - np.log10(_linear_mean(resp, m, p0, data)) - bias, cov=result.y_covariance)
    return out


def profile_interval(values, chi2, *, delta: float = 1.0) -> dict:
    """The interval of ``values`` with chi2 - min(chi2) <= ``delta`` (linear interpolation between
    grid points); ``lo_open`` / ``hi_open`` say that it reaches the end of the grid (a limit only)."""
    v = np.atleast_1d(validate.finite("values", values))
    c = np.atleast_1d(validate.finite("chi2", chi2))
    if v.shape != c.shape or v.ndim != 1 or v.size < 3 or np.any(np.diff(v) <= 0):
        raise ValueError("values must be increasing, 1-D, >= 3 points, with one chi2 each")
    delta = validate.positive("delta", delta, allow_array=False)
    d = c - c.min()
    i0 = int(np.argmin(d))
    inside = d <= delta
    lo_i = i0
    while lo_i > 0 and inside[lo_i - 1]:
        lo_i -= 1
    hi_i = i0
    while hi_i < v.size - 1 and inside[hi_i + 1]:
        hi_i += 1

    def cross(a, b):          # linear interpolation of d = delta between grid points a (inside) and b
        return v[a] + (delta - d[a]) * (v[b] - v[a]) / (d[b] - d[a])

    lo = float(v[0]) if lo_i == 0 else float(cross(lo_i, lo_i - 1))
    hi = float(v[-1]) if hi_i == v.size - 1 else float(cross(hi_i, hi_i + 1))
    return {"best": float(v[i0]), "lo": lo, "hi": hi, "lo_open": lo_i == 0, "hi_open": hi_i == v.size - 1}


def assess(resp: Response, model: SpectralModel, data: BinData, *, rng: np.random.Generator,
           n_mocks: int = 500, **fit_kwargs) -> fit.FitResult:
    """The whole procedure on one data set: :func:`fit_bin` (its own reference metric, ``fit_kwargs``
    such as starts and profile), then :func:`mock_p_value` with ``n_mocks`` mocks of the best fit."""
    res = fit_bin(resp, model, data, rng=rng, **fit_kwargs)
    return mock_p_value(resp, model, res, data, n_mocks, rng)


def mock_data(resp: Response, model: SpectralModel, theta, data: BinData, rng: np.random.Generator) -> BinData:
    """One mock of ``data`` (same multipoles, noise and digitisation error) drawn from ``model`` at ``theta``."""
    return replace(data, C=simulate_bin(resp, model, theta, data, 1, rng)[0])


def calibrate_rule(resp: Response, model: SpectralModel, theta, data: BinData, rule, n: int,
                   rng: np.random.Generator, **fit_kwargs):
    """False-rejection rate of ``rule`` (a :class:`cranisotropy.decision_rules.GoodnessOfFitRule`) for
    ``model``: ``n`` mocks of ``data`` drawn from the model at ``theta`` (:func:`mock_data`), each put
    through the whole procedure (:func:`assess` with ``fit_kwargs`` and ``rule.n_mocks`` mocks).

    Returns a :class:`cranisotropy.decision_rules.RejectionRate`.
    """
    from . import decision_rules

    _check(resp, model, data)
    theta = _theta(model, theta)

    def assess_p(d, n_mocks, r):
        return assess(resp, model, d, rng=r, n_mocks=n_mocks, **fit_kwargs).p_value

    def simulate(r):
        return mock_data(resp, model, theta, data, r)

    decide = decision_rules.goodness_of_fit_decider(rule, assess_p)
    return decision_rules.false_rejection_rate(decide, simulate, n, rng)


def comparison_record(result: fit.FitResult) -> dict:
    """One record of the model comparison.

    Keys: energy_TeV, label, model, params ({name: {value, error}}, and ``at_bound: True`` for a
    parameter whose best fit lies on its bound, where the error means little), chi2, dof, p_value and
    p_value_method (goodness of fit in the model's own covariance: stage 2 of :func:`fit_bin` and
    :func:`mock_p_value`), chi2_common and aic = chi2_common + 2k (the comparison between models, in
    the metric common to all models of the bin, so that ln det Sigma cancels and nested models stay
    nested), n and last_step_sigma.
    """
    if not isinstance(result, fit.FitResult):
        raise TypeError(f"result must be a FitResult, got {type(result).__name__}")
    for key in ("energy_TeV", "label", "chi2_common"):
        if key not in result.extra:
            raise ValueError(f"result.extra lacks {key!r}: make it with folded_fit.fit_bin")
    chi2_common = float(result.extra["chi2_common"])
    return {"energy_TeV": float(result.extra["energy_TeV"]), "label": result.extra["label"],
            "model": result.model,
            "params": {n: {"value": v, "error": e, **({"at_bound": True} if n in result.extra.get("at_bound", ())
                                                       else {})} for n, (v, e) in result.params.items()},
            "chi2": float(result.chi2), "dof": int(result.dof), "p_value": float(result.p_value),
            "p_value_method": result.p_value_method, "chi2_common": chi2_common,
            "aic": chi2_common + 2.0 * result.k, "n": int(result.n),
            "last_step_sigma": float(result.extra.get("last_step_sigma", 0.0))}


def delta_aic(records) -> dict:
    """{label: {model: AIC - min AIC of that energy bin}} from comparison records."""
    out: dict = {}
    for r in records:
        out.setdefault(r["label"], {})[r["model"]] = float(r["aic"])
    return {lab: {m: a - min(d.values()) for m, a in d.items()} for lab, d in out.items()}


#: How the comparison's models are named in its tables and figures (the letters of issue 14; (f), the
#: test-particle steady state, joins once the spectral-model registry holds it).
MODEL_LABELS = {
    "hierarchy": "(a) Eq. 20", "eq21": "(b) Eq. 21", "convection": "(c) convection", "power-law": "(d) power law",
    "broken-power-law": "(e) broken p.l.", "testparticle": "(f) test particles", "noise-only": "(g) noise only",
    "am15a": "AM15 (a)", "am15b": "AM15 (b)",
}

#: Keyword arguments of :func:`fit_bin` for the comparison's models: stage-1 starting points on both
#: sides of the likelihood's secondary minima, and the grid of half-integer multipoles on which the
#: break of the broken power law is profiled (the likelihood has kinks at integer l).
FIT_OPTIONS = {
    "hierarchy": {"starts": ({"nuT": 0.2}, {"nuT": 2.0})},
    "power-law": {"starts": ({"slope": -1.0}, {"slope": -3.0})},
    "broken-power-law": {"profile": ("l_break", np.r_[1.5:10.5:1.0, 12.5, 15.5, 19.5, 24.5, 30.5])},
    "convection": {"starts": ({"sigma": 10.0}, {"sigma": 100.0})},
    "am15a": {"starts": ({"beta": 0.05}, {"beta": 0.5})},
    "am15b": {"starts": ({"beta": 0.3}, {"beta": 1.5})},
}


def tabulation_error(table: SpectralModel, exact: SpectralModel, lmax: int, grid, *, every: int = 10) -> float:
    """Largest relative error of a :func:`tabulated` model against the exact one, between its nodes.

    Compared at the geometric midpoints of every ``every``-th pair of neighbouring nodes of ``grid``
    (the table's grid), over l = 1..lmax where the exact C_l exceeds 1e-30 C_1; the amplitude of the
    table is matched to the exact spectrum (its C_{l0} when the table is normalised at l0).

    Examples
    --------
    >>> import numpy as np
    >>> from cranisotropy import spectral_models
    >>> exact = spectral_models.registry()["hierarchy"]
    >>> grid = np.logspace(-2, 1, 61)
    >>> tabulation_error(tabulated(exact, 20, grid), exact, 20, grid) < 1e-4
    True
    """
    for name, m in (("table", table), ("exact", exact)):
        if not isinstance(m, SpectralModel):
            raise TypeError(f"{name} must be a SpectralModel, got {type(m).__name__}")
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    every = validate.integer("every", every, minimum=1, allow_array=False)
    g = np.atleast_1d(validate.positive("grid", grid))
    if g.ndim != 1 or g.size < 2 or np.any(np.diff(g) <= 0):
        raise ValueError("grid must be an increasing 1-D array of at least 2 positive values")
    at = (table.fixed.get("tabulated") or {}).get("amplitude_at")
    worst = 0.0
    for q in np.sqrt(g[:-1] * g[1:])[::every]:
        ex = exact.spectrum(lmax, 1.0, q)
        approx = table.spectrum(lmax, ex[at] if at else 1.0, q)
        ok = ex[1:] > 1e-30 * ex[1]
        worst = max(worst, float(np.max(np.abs(approx[1:] / ex[1:] - 1)[ok])))
    return worst


def tabulation_check(table: SpectralModel, exact: SpectralModel, lmax: int, grid, *, tolerance: float = 1e-4) -> dict:
    """The check that a :func:`tabulated` model agrees with the exact one between its nodes
    (:func:`tabulation_error` below ``tolerance``), as ``{"condition", "detail", "max_rel_err"}``:
    the keyword arguments of a chapter's ``R.check(name, **check)``."""
    tolerance = validate.positive("tolerance", tolerance, allow_array=False)
    err = tabulation_error(table, exact, lmax, grid)
    return {"condition": err < tolerance, "max_rel_err": err,
            "detail": f"the tabulated {exact.name} agrees with the exact solver to {tolerance:.0e} between "
                      "nodes".replace("e-0", "e-")}


@dataclass
class Comparison:
    """Every model fitted in every energy bin (:func:`compare_models`), with the declared rule's verdicts.

    Attributes
    ----------
    resp : Response
        The observation the models were folded through.
    models : dict
        Model name -> :class:`SpectralModel` (in the order of the fits).
    data : dict
        Energy-bin label -> :class:`BinData` (by energy).
    results : dict
        (label, model name) -> :class:`cranisotropy.fit.FitResult` with its mock p-value; also
        ``comparison[label, name]``.
    records : list of dict
        :func:`comparison_record` of each result plus ``fits`` and ``marginal`` (the rule's verdict
        and whether Monte Carlo noise could flip it); :meth:`profile` adds profile intervals.
    rule : cranisotropy.decision_rules.GoodnessOfFitRule
    options : dict
        The :func:`fit_bin` keyword arguments used per model.
    n_moment_mocks : int
    seconds : float
        Run time of the fits, p-values included.
    """

    resp: Response = field(repr=False)
    models: dict
    data: dict
    results: dict
    records: list
    rule: object
    options: dict
    n_moment_mocks: int
    seconds: float

    def __getitem__(self, key) -> fit.FitResult:
        return self.results[key]

    @property
    def labels(self) -> list:
        """The energy-bin labels, by energy."""
        return list(self.data)

    def fitting(self, *, model: str | None = None, label: str | None = None) -> list:
        """The bins where ``model`` fits by the rule, or the models that fit the bin ``label``."""
        if (model is None) == (label is None):
            raise ValueError("give exactly one of model= and label=")
        if model is not None:
            return [r["label"] for r in self.records if r["model"] == model and r["fits"]]
        return [r["model"] for r in self.records if r["label"] == label and r["fits"]]

    @property
    def n_fit(self) -> int:
        """(energy, model) pairs that fit by the rule."""
        return sum(r["fits"] for r in self.records)

    @property
    def n_marginal(self) -> int:
        """Verdicts whose p-value lies within the rule's Monte Carlo error of its threshold."""
        return sum(r["marginal"] for r in self.records)

    def check_none_fit(self, labels, models) -> dict:
        """The check that none of ``models`` fits any of the bins ``labels`` by the rule, as
        ``{"condition", "detail", "fitting"}`` (every pair that fits in those bins)."""
        labels, models = list(labels), list(models)
        unknown = [x for x in labels if x not in self.data] + [m for m in models if m not in self.models]
        if unknown:
            raise ValueError(f"not in the comparison: {unknown}")
        fitting = [(r["label"], r["model"]) for r in self.records if r["fits"] and r["label"] in labels]
        return {"condition": not any(m in models for _, m in fitting), "fitting": fitting,
                "detail": f"none of {', '.join(models)} fits the {' and '.join(labels)} bins"}

    def check_increasing(self, model: str, parameter: str, labels) -> dict:
        """The check that the best-fit ``parameter`` of ``model`` increases along the bins ``labels``,
        as ``{"condition", "detail", <parameter>: {label: value}}``."""
        labels = list(labels)
        if model not in self.models or any(x not in self.data for x in labels) or len(labels) < 2:
            raise ValueError(f"need >= 2 bins of the comparison and one of its models, got {model!r}, {labels}")
        v = {lab: self.results[lab, model].value(parameter) for lab in labels}
        return {"condition": bool(np.all(np.diff(list(v.values())) > 0)), parameter: v,
                "detail": f"the best-fit {parameter} of {model} grows from {' to '.join(labels)}"}

    def nearest(self, energy_TeV: float) -> str:
        """The label of the bin whose median energy is nearest to ``energy_TeV`` (in log E)."""
        e = validate.positive("energy_TeV", energy_TeV, allow_array=False)
        return min(self.data, key=lambda lab: abs(np.log(self.data[lab].energy_TeV / e)))

    def profile(self, model: str, parameter: str, grid, *, refine_dex: float = 0.3, refine_points: int = 25) -> list:
        """The profile-likelihood 68 % interval (Delta chi^2 = 1 in the model's own covariance,
        :func:`profile_chi2`, :func:`profile_interval`) of ``parameter`` in every bin.

        The chi^2 is profiled on ``grid`` plus ``refine_points`` points within ``refine_dex`` dex of
        the best fit (clipped to the grid's range).  Returns one row per bin: energy_TeV, label,
        ``<parameter>``, ``<parameter>_error_curvature``, profile_68 [lo, hi], lower_limit_only
        (the interval reaches the top of the grid) and fits; the interval and lower_limit_only are
        also added to that model's records under params[parameter].
        """
        if model not in self.models:
            raise ValueError(f"no model {model!r} in the comparison ({list(self.models)})")
        g = np.atleast_1d(validate.positive("grid", grid))
        if g.ndim != 1 or g.size < 3 or np.any(np.diff(g) <= 0):
            raise ValueError("grid must be an increasing 1-D array of at least 3 positive values")
        refine_dex = validate.nonnegative("refine_dex", refine_dex, allow_array=False)
        refine_points = validate.integer("refine_points", refine_points, minimum=0, allow_array=False)
        rows = []
        for label, d in self.data.items():
            res = self.results[label, model]
            best = res.value(parameter)
            fine = np.clip(best * np.logspace(-refine_dex, refine_dex, refine_points), g[0], g[-1])
            values = np.unique(np.r_[g, fine])
            iv = profile_interval(values, profile_chi2(self.resp, self.models[model], d, res, parameter, values))
            rows.append({"energy_TeV": d.energy_TeV, "label": label, parameter: best,
                         f"{parameter}_error_curvature": res.error(parameter), "profile_68": [iv["lo"], iv["hi"]],
                         "lower_limit_only": bool(iv["hi_open"]), "fits": self.rule.fits(res.p_value)})
        by_label = {r["label"]: r for r in rows}
        for rec in self.records:
            if rec["model"] == model:
                row = by_label[rec["label"]]
                rec["params"][parameter].update(profile_68=row["profile_68"], lower_limit_only=row["lower_limit_only"])
        return rows


def rule_record(rule, *, ell_max: int = 40, digitisation_dex: float = DIGITISATION_DEX) -> dict:
    """The declared verdict rule as a results entry: the rule (:class:`cranisotropy.decision_rules.GoodnessOfFitRule`),
    its alpha and mocks, and the likelihood and model comparison it applies to (:func:`compare_models`).

    Examples
    --------
    >>> from cranisotropy.decision_rules import GoodnessOfFitRule
    >>> rule_record(GoodnessOfFitRule(0.05, 200))["likelihood"]
    'Gaussian in log10 C~, l = 1..40, model moments from mocks + 0.012 dex'
    """
    from .decision_rules import GoodnessOfFitRule

    if not isinstance(rule, GoodnessOfFitRule):
        raise TypeError(f"rule must be a decision_rules.GoodnessOfFitRule, got {type(rule).__name__}")
    ell_max = validate.integer("ell_max", ell_max, minimum=2, allow_array=False)
    dex = validate.nonnegative("digitisation_dex", digitisation_dex, allow_array=False)
    return {"rule": rule.describe(), "alpha": rule.alpha, "n_mocks": rule.n_mocks,
            "likelihood": f"Gaussian in log10 C~, l = 1..{ell_max}, model moments from mocks + {dex:g} dex",
            "comparison": "delta AIC in the common metric of stage 1 (descriptive)"}


def compare_models(resp: Response, models: dict, bins, noise, rule, *, rng: np.random.Generator, ell_max: int = 40,
                   n_moment_mocks: int = N_MOMENT_MOCKS, options: dict | None = None) -> Comparison:
    """Fit every model in every energy bin with the likelihood (1) and judge each fit by ``rule``.

    For each bin of ``bins`` (:class:`cranisotropy.data.EnergyBin`, with the white-noise power
    ``noise[label]``): its :class:`BinData` over l = 1..``ell_max``, the common metric
    (:func:`reference_moments`), then for each model :func:`fit_bin` (with ``options[name]``,
    default :data:`FIT_OPTIONS`) and :func:`mock_p_value` with ``rule.n_mocks`` mocks of the best fit.
    All random numbers come from ``rng``, in that order.

    Parameters
    ----------
    resp : Response
    models : dict
        Name -> :class:`SpectralModel`; each name must be the model's own ``name``.
    bins : iterable of cranisotropy.data.EnergyBin
    noise : mapping
        Energy-bin label -> white-noise power N (:func:`cranisotropy.observation.calibrate_noise`).
    rule : cranisotropy.decision_rules.GoodnessOfFitRule
        The verdict rule, declared before the fits; its ``n_mocks`` sets the mocks behind each p-value.
    rng : numpy.random.Generator
    ell_max : int
        Largest multipole fitted.
    n_moment_mocks : int
        Mocks behind each model's log-space mean and covariance.
    options : dict, optional
        Name -> :func:`fit_bin` keyword arguments (starts, profile).

    Returns
    -------
    Comparison
    """
    import time

    from .decision_rules import GoodnessOfFitRule

    if not isinstance(resp, Response):
        raise TypeError(f"resp must be an observation.Response, got {type(resp).__name__}")
    if not isinstance(models, dict) or not models:
        raise ValueError("models must be a non-empty dict of name -> SpectralModel")
    for name, m in models.items():
        if not isinstance(m, SpectralModel):
            raise TypeError(f"models[{name!r}] must be a SpectralModel, got {type(m).__name__}")
        if m.name != name:
            raise ValueError(f"models[{name!r}] is the model {m.name!r}: key it by its own name")
    if not isinstance(rule, GoodnessOfFitRule):
        raise TypeError(f"rule must be a decision_rules.GoodnessOfFitRule, got {type(rule).__name__}")
    rng = _rng(rng)
    options = FIT_OPTIONS if options is None else options
    t0 = time.perf_counter()
    data, results, records = {}, {}, []
    for b in sorted(bins, key=lambda b: b.median_energy_TeV):
        if b.label not in noise:
            raise ValueError(f"noise has no level for the bin {b.label!r}")
        d = data[b.label] = bin_data(b, noise[b.label], ell_max=ell_max)
        ref = reference_moments(resp, d, rng=rng)
        for name, model in models.items():
            res = fit_bin(resp, model, d, rng=rng, reference=ref, n_moment_mocks=n_moment_mocks,
                          **options.get(name, {}))
            res = results[b.label, name] = mock_p_value(resp, model, res, d, rule.n_mocks, rng)
            records.append({**comparison_record(res), "fits": rule.fits(res.p_value),
                            "marginal": rule.marginal(res.p_value)})
    return Comparison(resp=resp, models=dict(models), data=data, results=results, records=records, rule=rule,
                      options=options, n_moment_mocks=n_moment_mocks, seconds=time.perf_counter() - t0)


def folded_bands(comparison: Comparison, *, levels=(0.68, 0.95), n_draws: int = 20000,
                 rng: np.random.Generator) -> dict:
    """(label, model) -> :func:`cranisotropy.observation.folded_band` of every best fit of ``comparison``:
    what IceCube would report for that model at its best fit, with the bin's noise (for figures)."""
    if not isinstance(comparison, Comparison):
        raise TypeError(f"comparison must be a Comparison, got {type(comparison).__name__}")
    rng = _rng(rng)
    resp = comparison.resp
    return {(label, name): folded_band(resp, model.spectrum(resp.lmax_sky, *comparison[label, name].values), d.noise,
                                       levels=levels, n_draws=n_draws, rng=rng)
            for label, d in comparison.data.items() for name, model in comparison.models.items()}


def calibrate_rules(comparison: Comparison, pairs, n: int, rng: np.random.Generator) -> dict:
    """False-rejection rate of the comparison's rule, measured on ``n`` mocks of each model of ``pairs``.

    ``pairs`` holds [model name, energy_TeV] pairs; each model is drawn at its best fit in the bin
    nearest that energy and every mock goes through the whole procedure (:func:`calibrate_rule` with
    the comparison's fit options and moment mocks).  Returns the record of the calibration:
    nominal (alpha), false_rejection (pooled), n_mocks (pooled), per_model ({"<model> @ <label>":
    rejected, n, rate, confidence, interval, binomial_p_vs_nominal}) and seconds.
    """
    import time

    from .decision_rules import consistent_with_nominal

    if not isinstance(comparison, Comparison):
        raise TypeError(f"comparison must be a Comparison, got {type(comparison).__name__}")
    pairs = [tuple(p) for p in pairs]
    if not pairs or any(len(p) != 2 or p[0] not in comparison.models for p in pairs):
        raise ValueError(f"pairs must be non-empty [model, energy_TeV] pairs with models of the comparison "
                         f"({list(comparison.models)}), got {pairs!r}")
    rule = comparison.rule
    t0 = time.perf_counter()
    per_model = {}
    for name, energy in pairs:
        label = comparison.nearest(energy)
        rate = calibrate_rule(comparison.resp, comparison.models[name], comparison[label, name].values, comparison.data[label],
                              rule, n, rng, n_moment_mocks=comparison.n_moment_mocks,
                              **comparison.options.get(name, {}))
        per_model[f"{name} @ {label}"] = {**rate.to_dict(),
                                          "binomial_p_vs_nominal": consistent_with_nominal(rate, rule.alpha)}
    rejected = sum(v["rejected"] for v in per_model.values())
    total = sum(v["n"] for v in per_model.values())
    return {"nominal": rule.alpha, "false_rejection": rejected / total, "n_mocks": total, "per_model": per_model,
            "seconds": time.perf_counter() - t0}


class Flagged(float):
    """A number that formats with a flag appended (a table cell such as ``12.3 †``); otherwise a float.

    Examples
    --------
    >>> format(Flagged(12.345, " †"), ".1f"), float(Flagged(2.0, "*")) + 1
    ('12.3 †', 3.0)
    """

    def __new__(cls, value, flag: str = ""):
        out = super().__new__(cls, value)
        out.flag = str(flag)
        return out

    def __format__(self, spec: str) -> str:
        return format(float(self), spec) + self.flag


def _records(records) -> list:
    records = list(records)
    if not records:
        raise ValueError("records must not be empty")
    return records


def delta_aic_rows(records, *, models=None, fail_flag: str = " †") -> list:
    """Rows of a delta-AIC table: one per energy bin (by energy), ``[label, dAIC of each model]``.

    Each delta-AIC is a :class:`Flagged` number carrying ``fail_flag`` where its record has
    ``"fits": False`` (format it like a float: ``".1f"`` gives ``"12.3 †"``); None where the bin
    lacks the model.  ``models`` sets the columns (default: in order of appearance).
    """
    records = _records(records)
    d = delta_aic(records)
    fits = {(r["label"], r["model"]): r.get("fits", True) for r in records}
    energy = {r["label"]: r["energy_TeV"] for r in records}
    models = list(models) if models is not None else list(dict.fromkeys(r["model"] for r in records))
    return [[lab] + [Flagged(d[lab][m], "" if fits[lab, m] else fail_flag) if m in d[lab] else None
                     for m in models]
            for lab in sorted(d, key=lambda k: energy[k])]


def verdict_rows(records, *, models=None, labels=None, marginal_mark: str = " (marginal)") -> list:
    """Rows of the verdict table: ``[model, bins where it fits, bins where it does not]`` per model.

    The bins are lists of labels by energy (None when empty), a label with ``marginal_mark`` where
    its record has ``"marginal": True`` (a p-value within its Monte Carlo error of the threshold).
    Every record needs ``"fits"`` (the verdict of the declared rule).  ``labels`` maps model names
    to the names shown (default: the model names).
    """
    records = _records(records)
    if any("fits" not in r for r in records):
        raise ValueError("every record needs a 'fits' entry (the verdict of the declared rule)")
    models = list(models) if models is not None else list(dict.fromkeys(r["model"] for r in records))
    labels = labels or {}
    rows = []
    for m in models:
        rs = sorted((r for r in records if r["model"] == m), key=lambda r: r["energy_TeV"])
        tag = [r["label"] + (marginal_mark if r.get("marginal") else "") for r in rs]
        yes = [t for t, r in zip(tag, rs) if r["fits"]]
        no = [t for t, r in zip(tag, rs) if not r["fits"]]
        rows.append([labels.get(m, m), yes or None, no or None])
    return rows
