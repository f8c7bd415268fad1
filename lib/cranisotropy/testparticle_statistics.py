"""Seed-ensemble statistics of the test-particle experiment: what the chapter's verdicts use.

The unit of independence is the field realisation (a seed): observers in one field share its
large-scale modes, so every error here comes from the scatter *between seeds*.  Observers (and
the three axes) are first averaged within each seed; the ensemble estimate is the mean over
seeds; its uncertainty is the standard error over seeds or, for non-linear statistics (ratios,
fitted rates, e-folding times), the bootstrap over seeds (:func:`bootstrap`), which resamples
whole realisations with replacement.

The inputs are the arrays of a dataset written by :mod:`cranisotropy.testparticle_runs` for one
rigidity; the functions that take the dataset itself say so.  Spectra are indexed by l from 0.

References
----------
.. [1] M. Ahlers, PRL 112, 021101 (2014): Eq. 13 (sum rule), Eqs. 19-21 (hierarchy and its limit),
   Eqs. 4-5 (nu = c^2 / (3 D) without a regular field).
.. [2] B. Efron & R. Tibshirani, *An Introduction to the Bootstrap* (1993), Ch. 6 (standard errors).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
from scipy import stats

from . import fit, hierarchy, validate

#: the committed dataset of the full parameter set
DEFAULT_DATASET = Path(__file__).resolve().parents[2] / "data" / "testparticle" / "full.nc"


# -- generic ------------------------------------------------------------------------------------
def bootstrap(statistic, *samples, n_boot: int = 2000, rng: np.random.Generator) -> tuple:
    """Bootstrap over the seeds (axis 0) of a statistic of the seed means.

    Each resample draws the seeds with replacement (the same draw for every array of
    ``samples``); the statistic sees only the means over the drawn seeds, so the resampling is
    done for all resamples at once (multinomial counts).

    Parameters
    ----------
    statistic : callable
        ``statistic(*means)`` -> array whose first axis runs over the sets of means: each
        ``means`` array has shape (m, ...) (m = 1 for the full sample, ``n_boot`` for the
        resamples), ``...`` the shape of one seed's entry of the corresponding sample.
    *samples : array_like
        Arrays with the seeds along axis 0 (all of the same length >= 2).
    n_boot : int
        Number of resamples.
    rng : numpy.random.Generator

    Returns
    -------
    estimate, standard_error, replicates
        The statistic of the full sample, the standard deviation of the replicates (NaN-aware),
        and the replicates (n_boot, ...).

    Examples
    --------
    >>> x = np.arange(10.0)
    >>> est, se, _ = bootstrap(lambda m: m, x, rng=np.random.default_rng(0))
    >>> round(float(est), 12), bool(abs(se - x.std() / np.sqrt(10)) < 0.1)
    (4.5, True)
    """
    if not callable(statistic):
        raise TypeError("statistic must be callable")
    validate.generator("rng", rng)
    n_boot = validate.integer("n_boot", n_boot, minimum=2, allow_array=False)
    arrays = [np.asarray(validate.finite("samples", s), dtype=float) for s in samples]
    if not arrays:
        raise ValueError("samples must not be empty")
    n = arrays[0].shape[0] if arrays[0].ndim else 0
    if n < 2 or any(a.ndim == 0 or a.shape[0] != n for a in arrays):
        raise ValueError("samples need the same number (>= 2) of seeds along axis 0")
    full = np.full((1, n), 1.0 / n)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot) / n
    est = np.asarray(statistic(*(np.tensordot(full, a, axes=(1, 0)) for a in arrays)), dtype=float)[0]
    reps = np.asarray(statistic(*(np.tensordot(weights, a, axes=(1, 0)) for a in arrays)), dtype=float)
    with warnings.catch_warnings():                # replicates that are all NaN give NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        err = np.nanstd(reps, axis=0, ddof=1)
    return est, err, reps


def slope_weights(x) -> np.ndarray:
    """Weights w with ``fit.line(x, y, sigma=1).value("slope") == w @ y`` for every y.

    An equal-weight straight-line fit is linear in the data, so its slope is a fixed linear
    combination of y; w is read off by fitting the unit vectors with :func:`cranisotropy.fit.line`.
    Bootstrap loops use it to fit thousands of replicates at once.

    Examples
    --------
    >>> x = np.array([0.0, 1.0, 2.0, 4.0]); y = np.array([1.0, 2.5, 3.0, 7.0])
    >>> bool(np.isclose(slope_weights(x) @ y, fit.line(x, y, sigma=1.0).value("slope")))
    True
    """
    x = np.atleast_1d(validate.finite("x", x))
    return np.array([fit.line(x, e, sigma=1.0).value("slope") for e in np.eye(x.size)])


def seed_mean(samples) -> tuple:
    """Mean over the seeds (axis 0) and its standard error (ddof = 1).

    Examples
    --------
    >>> m, e = seed_mean([[1.0, 2.0], [3.0, 6.0]])
    >>> m.tolist(), e.tolist()
    ([2.0, 4.0], [1.0, 2.0])
    """
    a = np.asarray(validate.finite("samples", samples), dtype=float)
    if a.ndim == 0 or a.shape[0] < 2:
        raise ValueError("samples needs at least two seeds along axis 0")
    return a.mean(axis=0), a.std(axis=0, ddof=1) / np.sqrt(a.shape[0])


def student_threshold(n_seeds: int, n_tests: int, alpha: float = 0.05) -> float:
    """Two-sided family-wise (Bonferroni) threshold on |mean - expected| / standard error for
    ``n_tests`` tests of a mean over ``n_seeds`` seeds (Student t with n_seeds - 1 dof).

    Examples
    --------
    >>> round(student_threshold(10, 1), 3)
    2.262
    """
    n_seeds = validate.integer("n_seeds", n_seeds, minimum=2, allow_array=False)
    n_tests = validate.integer("n_tests", n_tests, minimum=1, allow_array=False)
    alpha = validate.positive("alpha", alpha, allow_array=False)
    return float(stats.t.isf(alpha / (2 * n_tests), n_seeds - 1))


def bonferroni_p(max_pull: float, n_seeds: int, n_tests: int) -> float:
    """Family-wise p-value of the largest of ``n_tests`` pulls |mean - expected| / standard error,
    each a mean over ``n_seeds`` seeds: min(1, n_tests x two-sided Student-t tail with
    n_seeds - 1 dof). The inverse of :func:`student_threshold`.

    Examples
    --------
    >>> round(bonferroni_p(student_threshold(10, 40), 10, 40), 6)
    0.05
    >>> bonferroni_p(0.0, 10, 40)
    1.0
    """
    max_pull = validate.nonnegative("max_pull", max_pull, allow_array=False)
    n_seeds = validate.integer("n_seeds", n_seeds, minimum=2, allow_array=False)
    n_tests = validate.integer("n_tests", n_tests, minimum=1, allow_array=False)
    return float(min(1.0, n_tests * 2 * stats.t.sf(max_pull, n_seeds - 1)))


# -- calibration --------------------------------------------------------------------------------
def efolding_rate(t, acf) -> float:
    """1 / t_e, t_e the first time the autocorrelation ``acf`` (1 at t = 0) falls to 1/e.

    Linear interpolation between the bracketing samples (with the point (0, 1) prepended).
    An exponential exp(-gamma t) gives gamma.

    Examples
    --------
    >>> t = np.linspace(0.05, 3, 60)
    >>> round(efolding_rate(t, np.exp(-2 * t)), 2)
    2.0
    """
    t = np.concatenate([[0.0], np.atleast_1d(validate.positive("t", t))])
    a = np.concatenate([[1.0], np.atleast_1d(validate.finite("acf", acf))])
    if t.shape != a.shape or np.any(np.diff(t) <= 0):
        raise ValueError("t must increase and match acf in shape")
    below = np.nonzero(a <= np.exp(-1))[0]
    if below.size == 0:
        raise ValueError("acf never falls to 1/e within the times given")
    k = below[0]
    te = t[k - 1] + (a[k - 1] - np.exp(-1)) / (a[k - 1] - a[k]) * (t[k] - t[k - 1])
    return float(1 / te)


def _efolding_rows(t, acf):
    """:func:`efolding_rate` of every row of ``acf`` (m, n_t) (NaN where it never falls to 1/e)."""
    t = np.concatenate([[0.0], t])
    a = np.hstack([np.ones((acf.shape[0], 1)), acf])
    below = a <= np.exp(-1)
    k = np.argmax(below, axis=1)
    ok = below.any(axis=1) & (k > 0)
    k = np.where(ok, k, 1)
    rows = np.arange(a.shape[0])
    a0, a1 = a[rows, k - 1], a[rows, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        te = t[k - 1] + (a0 - np.exp(-1)) / (a0 - a1) * (t[k] - t[k - 1])
        return np.where(ok, 1 / te, np.nan)


def first_minimum(y) -> int:
    """Index of the first local minimum of ``y`` (the first k with y[k-1] > y[k] <= y[k+1]; the
    last index if ``y`` falls throughout).

    Examples
    --------
    >>> first_minimum([1.0, 0.5, 0.2, 0.3, 0.1, -0.1])
    2
    """
    y = np.atleast_1d(validate.finite("y", y))
    for k in range(1, len(y) - 1):
        if y[k - 1] > y[k] <= y[k + 1]:
            return k
    return len(y) - 1


def green_kubo(t, vacf) -> float:
    """D = (1/3) int_0^t_max <v(t).v(0)> dt (trapezoid, with (0, 1) prepended), units l_c c.

    Examples
    --------
    >>> t = np.linspace(0.01, 40, 4000)
    >>> round(green_kubo(t, np.exp(-t / 2)), 3)     # (1/3) * 2
    0.667
    """
    t = np.concatenate([[0.0], np.atleast_1d(validate.positive("t", t))])
    v = np.concatenate([[1.0], np.atleast_1d(validate.finite("vacf", vacf))])
    if t.shape != v.shape:
        raise ValueError("t and vacf must have the same shape")
    return float(np.trapezoid(v, t) / 3)


def running_green_kubo(t, vacf) -> np.ndarray:
    """D(t) = (1/3) int_0^t <v(s).v(0)> ds at every t of ``t`` (trapezoid, (0, 1) prepended).

    Examples
    --------
    >>> running_green_kubo([1.0, 2.0], [1.0, 1.0]).tolist()
    [0.3333333333333333, 0.6666666666666666]
    """
    t = np.concatenate([[0.0], np.atleast_1d(validate.positive("t", t))])
    v = np.concatenate([[1.0], np.atleast_1d(validate.finite("vacf", vacf))])
    if t.shape != v.shape:
        raise ValueError("t and vacf must have the same shape")
    return np.cumsum(0.5 * (v[1:] + v[:-1]) * np.diff(t)) / 3


def calibration(t, msd, vacf, *, n_boot: int = 2000, rng: np.random.Generator) -> dict:
    """nu = c^2/(3 D) and the velocity autocorrelation of one rigidity, errors over seeds.

    Parameters
    ----------
    t : array_like (n_t,)
        Times of the calibration outputs (l_c / c).
    msd, vacf : array_like (seeds, n_t)
        <|Delta x|^2>(t) and <v(t).v(0)>(t) per seed.

    Returns
    -------
    dict
        ``D_seed`` (per seed, from :func:`cranisotropy.testparticle.diffusion_coefficient`),
        ``D``, ``D_err`` (mean and standard error over seeds), ``nu``, ``nu_err``, ``vacf``
        (seed mean), ``efold_rate`` and ``efold_rate_err`` (e-folding rate of the seed-mean
        autocorrelation in units of nu, bootstrap over seeds; 1 for Ahlers' BGK relaxation),
        ``D_green_kubo`` and its error (bootstrap).
    """
    from .testparticle import diffusion_coefficient
    t = np.atleast_1d(validate.positive("t", t))
    msd = np.atleast_2d(validate.nonnegative("msd", msd))
    vacf = np.atleast_2d(validate.finite("vacf", vacf))
    d_seed = np.array([diffusion_coefficient(t, m) for m in msd])
    D, D_err = seed_mean(d_seed)
    nu = 1 / (3 * D)

    def rates(d, v):                           # seed means of D (m,) and of the vacf (m, n_t)
        return np.stack([_efolding_rows(t, v) * 3 * d, np.trapezoid(np.hstack([np.ones((len(v), 1)), v]),
                                                                    np.concatenate([[0.0], t]), axis=-1) / 3], axis=-1)

    (efold, gk), (efold_err, gk_err), _ = bootstrap(rates, d_seed, vacf, n_boot=n_boot, rng=rng)
    return dict(D_seed=d_seed, D=float(D), D_err=float(D_err), nu=float(nu), nu_err=float(D_err / (3 * D**2)),
                vacf=vacf.mean(0), efold_rate=float(efold), efold_rate_err=float(efold_err),
                D_green_kubo=float(gk), D_green_kubo_err=float(gk_err))


# -- Eq. 13 ---------------------------------------------------------------------------------------
def sum_rule(S, n_tests: int | None = None) -> dict:
    """The sum rule (Eq. 13) from the pixel second moments S (seed, observer, time, axis), per axis.

    For every observer the three orthogonal axes' moments add up to 4 pi exactly (|v| = 1), so
    their average is conserved trivially; the test is per axis.  Its ensemble value, by the
    statistical isotropy of the fields, is S(0) = 4 pi/3 at every T: the ratio S(T)/S(0) of each
    observer is averaged within each seed, the ensemble value is the mean over seeds and its error
    the standard error over seeds.

    Returns
    -------
    dict
        ``mean``, ``se``, ``pull`` = |mean - 1|/se (0 where se = 0), each (time, axis);
        ``seed_means`` (seed, time, axis); ``q16``, ``q84``, ``sd`` (time, axis): the scatter of
        single observers (all seeds); ``triad_sum`` (largest |sum over axes of S/(4 pi) - 1| of
        any observer and time); ``threshold`` (family-wise Student threshold for ``n_tests``
        tests, default (times - 1) x axes).

    Examples
    --------
    >>> S = np.full((3, 2, 2, 3), 4 * np.pi / 3); S[:, 0, 1] *= [1.2, 0.9, 0.9]; S[:, 1, 1] *= [0.8, 1.1, 1.1]
    >>> r = sum_rule(S)
    >>> r["mean"][1].round(12).tolist(), float(r["triad_sum"]) < 1e-12
    ([1.0, 1.0, 1.0], True)
    """
    S = np.asarray(validate.positive("S", S), dtype=float)
    if S.ndim != 4:
        raise ValueError(f"S must have shape (seed, observer, time, axis), got {S.shape}")
    ratio = S / S[:, :, :1, :]
    per_seed = ratio.mean(axis=1)                                   # (seed, time, axis)
    m, se = seed_mean(per_seed)
    pooled = np.moveaxis(ratio, (2, 3), (0, 1)).reshape(S.shape[2], S.shape[3], -1)
    pull = np.where(se > 0, np.abs(m - 1) / np.where(se > 0, se, 1), 0.0)
    n_tests = (S.shape[2] - 1) * S.shape[3] if n_tests is None else n_tests
    return dict(mean=m, se=se, pull=pull, seed_means=per_seed, q16=np.percentile(pooled, 16, axis=-1),
                q84=np.percentile(pooled, 84, axis=-1), sd=pooled.std(axis=-1, ddof=1),
                triad_sum=float(np.max(np.abs(S.sum(axis=-1) / (4 * np.pi) - 1))),
                threshold=student_threshold(S.shape[0], max(n_tests, 1)))


# -- dipoles ----------------------------------------------------------------------------------------
def dipoles(M, axes) -> np.ndarray:
    """Dipole vectors D_j = 3 n_i M_ij of the map of each axis n: (..., axis, 3).

    For set-up A (M = M_A) the map is g = v(-T).n, so D is its dipole vector
    (C_1 = (4 pi/9)|D|^2 up to the pixel quadrature); for set-up B (M = M_B) the map is
    Delta x.n.

    Examples
    --------
    >>> dipoles(np.eye(3) / 3, np.eye(3)).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    M = np.asarray(validate.finite("M", M), dtype=float)
    axes = np.atleast_2d(validate.finite("axes", axes))
    if M.shape[-2:] != (3, 3) or axes.shape[-1] != 3:
        raise ValueError("M must end in (3, 3) and axes in 3")
    return 3 * np.einsum("ki,...ij->...kj", axes, M)


def dipole_power(M_A, axes, *, n_boot: int = 2000, rng: np.random.Generator) -> dict:
    """<C_1>(T)/C_1(0) split into the coherent part <d>^2 and the incoherent rest.

    ``M_A`` is (seed, observer, time, 3, 3).  With D the dipole vector of the map of axis n,
    ``total`` = <|D|^2> (= <C_1>/C_1(0)), ``coherent`` = |<D>|^2, ``d`` = <D.n> (the mean
    dipole along the axis; by isotropy <D> is parallel to n), ``incoherent`` = total -
    coherent; means over observers, axes and seeds.  ``vacf`` = <tr M_A> = <v(-T).v(0)>.
    Errors: bootstrap over seeds (``*_err``).
    """
    M_A = np.asarray(validate.finite("M_A", M_A), dtype=float)
    if M_A.ndim != 5:
        raise ValueError(f"M_A must have shape (seed, observer, time, 3, 3), got {M_A.shape}")
    axes = np.atleast_2d(axes)
    D = dipoles(M_A, axes)                                         # (seed, obs, time, axis, 3)
    sq = np.sum(D**2, axis=-1).mean(axis=(1, 3))                    # (seed, time)
    Dm = D.mean(axis=1)                                             # (seed, time, axis, 3)
    d = np.einsum("stkj,kj->stk", Dm, axes).mean(axis=-1)           # (seed, time)
    vacf = np.trace(M_A, axis1=-2, axis2=-1).mean(axis=1)           # (seed, time)

    def stat(sq_, Dm_, d_, v_):                # seed means: (m, time), (m, time, axis, 3), ...
        coh = np.sum(Dm_**2, axis=-1).mean(axis=-1)
        return np.stack([sq_, coh, d_, v_], axis=1)

    est, err, _ = bootstrap(stat, sq, Dm, d, vacf, n_boot=n_boot, rng=rng)
    total, coherent, dmean, v = est
    return dict(total=total, total_err=err[0], coherent=coherent, coherent_err=err[1],
                incoherent=total - coherent, d=dmean, d_err=err[2], vacf=v, vacf_err=err[3])


# -- spectra ----------------------------------------------------------------------------------------
def plateau(cl, width: int) -> np.ndarray:
    """The white aliasing plateau: mean of the top ``width`` multipoles of ``cl`` (..., l).

    Examples
    --------
    >>> float(plateau(np.array([0.0, 1.0, 0.1, 0.1]), 2))
    0.1
    """
    cl = np.asarray(validate.finite("cl", cl), dtype=float)
    width = validate.integer("width", width, minimum=1, allow_array=False)
    if width >= cl.shape[-1] - 1:
        raise ValueError(f"width must be smaller than lmax, got {width} for lmax = {cl.shape[-1] - 1}")
    return cl[..., -width:].mean(axis=-1)


def ratio_spectrum(cl, *, plateau_width: int | None = 16, n_boot: int = 2000,
                   rng: np.random.Generator) -> dict:
    """<C_l>/<C_1> from per-seed observer-mean spectra ``cl`` (seed, ..., l), plateau subtracted.

    Parameters
    ----------
    cl : array_like (seed, ..., l)
        l from 0; any axes between the seeds and l (times, for instance) are kept.
    plateau_width : int or None
        Subtract :func:`plateau` of each seed's spectrum (None: the raw ratio).
    n_boot : int
    rng : numpy.random.Generator

    Returns
    -------
    dict
        ``ratio`` (..., l) (entry 0 is C_0/C_1), ``err`` (bootstrap over seeds), ``replicates``
        (n_boot, ..., l), ``plateau_over_c1`` (..., the plateau relative to <C_1>).
    """
    cl = np.asarray(validate.finite("cl", cl), dtype=float)
    if cl.ndim < 2 or cl.shape[-1] < 3:
        raise ValueError("cl must have shape (seed, ..., l) with l up to at least 2")
    plat = plateau(cl, plateau_width)[..., None] if plateau_width else np.zeros(cl.shape[:-1] + (1,))
    c = cl - plat

    def stat(c_, p_):                          # seed means: (m, ..., l), (m, ..., 1)
        return np.concatenate([c_ / c_[..., 1:2], p_ / (c_ + p_)[..., 1:2]], axis=-1)

    est, err, reps = bootstrap(stat, c, plat, n_boot=n_boot, rng=rng)
    return dict(ratio=est[..., :-1], err=err[..., :-1], replicates=reps[..., :-1],
                plateau_over_c1=est[..., -1])


def _setup_a_spectra(rigidity: float, path, run: str):
    """(dataset, rigidity index, set-up A spectra (seed, time, l)) of a run of the committed dataset."""
    from .testparticle_runs import open_dataset
    ds = open_dataset(DEFAULT_DATASET if path is None else path)
    rig = validate.positive("rigidity", rigidity, allow_array=False)
    hit = np.nonzero(np.isclose(ds["rigidity"].values, rig))[0]
    if hit.size != 1:
        raise ValueError(f"rigidity must be one of {ds['rigidity'].values.tolist()}, got {rigidity!r}")
    name = f"{run}_cl_A"
    if name not in ds:
        raise ValueError(f"run must name a sky run of the dataset, got {run!r}")
    return ds, int(hit[0]), ds[name].values[hit[0]].astype(float)


def ratio_table(rigidity: float, lmax: int, *, path=None, run: str = "spec", plateau_width: int = 16) -> dict:
    """The set-up A ratio spectra <C_l>/<C_1> (l <= ``lmax``, plateau subtracted, seed means) of
    the committed full dataset at every snapshot where they are measured: nu T > 0 and every ratio
    for 1 <= l <= lmax positive (early snapshots, where the small-scale power is below the aliasing
    plateau, drop out). Model (f) of the IceCube comparison (``spectral_models.registry``).

    Returns
    -------
    dict
        ``nu_T`` (n,), ``ratio`` (n, lmax + 1) (l from 0; column 1 is 1), ``rigidity``,
        ``dropped`` (the nu T left out), ``origin`` (text).
    """
    lmax = validate.integer("lmax", lmax, minimum=2, allow_array=False)
    ds, i, cl = _setup_a_spectra(rigidity, path, run)
    if lmax >= cl.shape[-1] - plateau_width:
        raise ValueError(f"lmax must lie below the plateau (< {cl.shape[-1] - plateau_width}), got {lmax}")
    m = (cl - plateau(cl, plateau_width)[..., None]).mean(axis=0)    # (time, l)
    ratio = m[:, : lmax + 1] / m[:, 1:2]
    nu_T = ds["nu_T"].values.astype(float)
    keep = (nu_T > 0) & np.all(ratio[:, 1:] > 0, axis=1)
    return dict(nu_T=nu_T[keep], ratio=ratio[keep], rigidity=float(ds["rigidity"].values[i]),
                dropped=nu_T[~keep].tolist(),
                origin=(f"test-particle experiment, set-up A, r_g/l_c = {float(ds['rigidity'].values[i]):g}, seed means of "
                        f"{cl.shape[0]} fields, plateau of the top {plateau_width} multipoles subtracted "
                        "(data/testparticle/full.nc)"))


def eq21(lmax: int) -> np.ndarray:
    """Ahlers' Eq. 21, C_l/C_1 = 18/((2l+1)(l+1)(l+2)), for l = 0..lmax (entry 0 is 0).

    Examples
    --------
    >>> eq21(2).round(3).tolist()
    [0.0, 1.0, 0.3]
    """
    lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
    out = np.zeros(lmax + 1)
    out[1:] = hierarchy.asymptotic_ratio(np.arange(1, lmax + 1))
    return out


def eq20_ratios(nu_T, lmax: int) -> np.ndarray:
    """<C_l>/<C_1> of the hierarchy's solution (Eq. 20) at each nu T of ``nu_T``: (time, l).

    Examples
    --------
    >>> r = eq20_ratios([0.5, 50.0], 3)
    >>> r.shape, bool(np.allclose(r[1], eq21(3), rtol=1e-6))
    ((2, 4), True)
    """
    nu_T = np.atleast_1d(validate.nonnegative("nu_T", nu_T))
    out = []
    for t in nu_T:
        s = hierarchy.spectrum(float(t), lmax)
        out.append(s / s[1] if s[1] > 0 else np.full(lmax + 1, np.nan))
    return np.array(out)


def log_deviation(ratio, reference, ells) -> np.ndarray:
    """|ln(ratio_l / reference_l)| for l in ``ells`` (NaN where the ratio is not positive).

    Examples
    --------
    >>> log_deviation(np.array([0, 1, 0.6]), np.array([0, 1, 0.3]), [2]).round(3).tolist()
    [0.693]
    """
    ells = np.atleast_1d(validate.integer("ells", ells, minimum=0))
    r = np.asarray(ratio, dtype=float)[..., ells]
    ref = np.asarray(reference, dtype=float)[..., ells]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(r > 0, np.abs(np.log(np.where(r > 0, r, 1) / ref)), np.nan)


def max_log_deviation(ratio, reference, ells) -> np.ndarray:
    """Largest :func:`log_deviation` over ``ells`` along the last axis (NaN where no l has a
    positive ratio).

    Examples
    --------
    >>> max_log_deviation(np.array([[0, 1, 0.6, 0.1], [0, 1, -1, -1]]), np.array([0, 1, 0.3, 0.1]), [2, 3]).round(3).tolist()
    [0.693, nan]
    """
    dev = log_deviation(ratio, reference, ells)
    ok = np.isfinite(dev)
    return np.where(ok.any(axis=-1), np.max(np.where(ok, dev, -np.inf), axis=-1), np.nan)


def drift(spec: dict, k_from: int, k_to: int, ells) -> dict:
    """Change of ln(C_l/C_1) between the times with indices ``k_from`` and ``k_to`` of a
    :func:`ratio_spectrum` result over times, for l in ``ells``, with its bootstrap error
    (the replicates carry the correlation between the two times).

    Returns ``delta`` (l,), ``err`` (l,), ``max_abs`` (largest |delta|), ``max_pull``
    (largest |delta|/err).
    """
    ells = np.atleast_1d(validate.integer("ells", ells, minimum=1))
    r = spec["ratio"]
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log(r[k_to, ells] / r[k_from, ells])
        reps = spec["replicates"]
        dr = np.log(reps[:, k_to, ells] / reps[:, k_from, ells])
    with warnings.catch_warnings():                # columns without finite replicates give NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        err = np.nanstd(np.where(np.isfinite(dr), dr, np.nan), axis=0, ddof=1)
    ok = np.isfinite(delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        pull = np.abs(delta[ok]) / err[ok]
    return dict(delta=delta, err=err, max_abs=float(np.max(np.abs(delta[ok]))) if ok.any() else np.nan,
                max_pull=float(np.max(pull)) if ok.any() else np.nan)


def stationarity(spec: dict, nu_T, ells, *, tolerance: float = np.log(1.5)) -> dict:
    """Is the ratio spectrum T-independent at the end of the run?

    Compares each snapshot with the last one: ``change[k]`` = largest |ln R_l(T_k) - ln R_l(T_last)|
    over ``ells``.  The spectrum counts as stationary from the earliest time ``since`` after which
    every change stays below ``tolerance`` (the tolerance of the Eq. 21 comparison) *and* the change
    over the last doubling of T (from the snapshot nearest T_last/2) is below it.

    Returns
    -------
    dict
        ``change`` (time,), ``stationary`` (bool), ``since`` (nu T or NaN), ``last_doubling``
        (:func:`drift` from T_last/2 to T_last), ``k_half`` (its start index).
    """
    nu_T = np.atleast_1d(validate.nonnegative("nu_T", nu_T))
    tolerance = validate.positive("tolerance", tolerance, allow_array=False)
    last = len(nu_T) - 1
    change = np.array([drift(spec, k, last, ells)["max_abs"] if k < last else 0.0 for k in range(len(nu_T))])
    k_half = int(np.argmin(np.abs(nu_T - nu_T[-1] / 2)))
    half = drift(spec, k_half, last, ells)
    below = np.isfinite(change) & (change < tolerance)
    ok_from = last
    while ok_from > 0 and below[ok_from - 1]:
        ok_from -= 1
    stationary = bool(half["max_abs"] < tolerance and ok_from <= k_half)
    return dict(change=change, stationary=stationary, since=float(nu_T[ok_from]) if stationary else float("nan"),
                last_doubling=half, k_half=k_half)


def spectrum_difference(spec_a: dict, spec_b: dict, ells) -> dict:
    """How far apart two independent ratio spectra (:func:`ratio_spectrum` results over the same
    times) are: at each time the largest |ln(R_a/R_b)| over ``ells`` and the largest
    |R_a - R_b| / sqrt(err_a^2 + err_b^2) (independent fields: errors add in quadrature).

    Examples
    --------
    >>> a = dict(ratio=np.array([[0, 1, 0.2, 0.1]]), err=np.array([[0, 0, 0.01, 0.01]]))
    >>> b = dict(ratio=np.array([[0, 1, 0.1, 0.1]]), err=np.array([[0, 0, 0.01, 0.01]]))
    >>> r = spectrum_difference(a, b, [2, 3])
    >>> r["max_abs_ln"].round(3).tolist(), r["max_pull"].round(2).tolist()
    ([0.693], [7.07])
    """
    ells = np.atleast_1d(validate.integer("ells", ells, minimum=1))
    ra, rb = spec_a["ratio"][..., ells], spec_b["ratio"][..., ells]
    ok = (ra > 0) & (rb > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ln = np.where(ok, np.abs(np.log(np.where(ok, ra / rb, 1.0))), np.nan)
        pull = np.abs(ra - rb) / np.hypot(spec_a["err"][..., ells], spec_b["err"][..., ells])
    return dict(max_abs_ln=np.nanmax(ln, axis=-1), max_pull=np.nanmax(pull, axis=-1))


def spectral_slope(spec: dict, k: int, ell_range) -> dict:
    """The log-slope of <C_l>/<C_1> over ``ell_range`` = (l_lo, l_hi) at time index ``k`` by
    :func:`cranisotropy.fit.power_law` (errors of log10 R from the bootstrap, diagonal), with the
    bootstrap spread of the slope as its error (it keeps the correlations between multipoles).

    Returns ``slope``, ``err``, ``fit`` (the :class:`~cranisotropy.fit.FitResult`).
    """
    lo, hi = (validate.integer("ell_range", e, minimum=1, allow_array=False) for e in ell_range)
    ells = np.arange(lo, hi + 1)
    r, reps = spec["ratio"][k, ells], spec["replicates"][:, k, ells]
    if np.any(r <= 0):
        raise ValueError("the ratio spectrum is not positive over ell_range")
    good = np.all(reps > 0, axis=1)
    lr = np.log10(reps[good])
    res = fit.power_law(ells, r, sigma=np.maximum(lr.std(axis=0, ddof=1), 1e-6), pivot=10.0,
                        model_name="ratio spectrum slope")
    slopes = lr @ slope_weights(np.log10(ells / 10.0))         # equal-weight line through each replicate
    return dict(slope=res.value("slope"), err=float(np.std(slopes, ddof=1)), fit=res)


def decay_rate(nu_T, y_seed, window, *, n_boot: int = 2000, rng: np.random.Generator) -> dict:
    """Rate gamma of <y> ~ exp(-gamma nu T) over ``window`` = (lo, hi) in nu T, from per-seed
    values ``y_seed`` (seed, time): a straight line in ln <y> (:func:`cranisotropy.fit.line`),
    its error from the bootstrap over seeds.  Also the local rates -d ln<y>/d(nu T) between
    consecutive snapshots (``local``, at the midpoints ``local_nu_T``), which show whether the
    decay is exponential.
    """
    nu_T = np.atleast_1d(validate.nonnegative("nu_T", nu_T))
    y = np.atleast_2d(validate.finite("y_seed", y_seed))
    lo, hi = (validate.nonnegative("window", w, allow_array=False) for w in window)
    sel = (nu_T >= lo) & (nu_T <= hi)
    if sel.sum() < 2:
        raise ValueError("window must hold at least two snapshots")

    w = slope_weights(nu_T[sel])                # the fit of fit.line, applied to every replicate

    def rate(m_):                              # seed means (m, time)
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(np.log(np.where(m_[:, sel] > 0, m_[:, sel], np.nan)) @ w)

    est, err, reps = bootstrap(rate, y, n_boot=n_boot, rng=rng)
    if np.isfinite(est):                        # the estimate itself straight from the fitting layer
        est = -fit.line(nu_T[sel], np.log(y.mean(axis=0)[sel]), sigma=1.0).value("slope")
    m = y.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        local = -np.diff(np.log(np.where(m > 0, m, np.nan))) / np.diff(nu_T)
    return dict(rate=float(est), err=float(err), local=local,
                local_nu_T=0.5 * (nu_T[1:] + nu_T[:-1]))


# -- the dataset ------------------------------------------------------------------------------------
def late_time_ratio_spectrum(rigidity: float, *, path=None, run: str = "spec", plateau_width: int = 16,
                             ell_compare: int = 30, n_boot: int = 2000, seed: int = 0) -> dict:
    """The late-time set-up A ratio spectrum C_l/C_1 of the committed full dataset (for
    model comparisons, e.g. a forward-folded fit to IceCube).

    Parameters
    ----------
    rigidity : float
        r_g / l_c, one of the dataset's rigidities.
    path : path-like, optional
        The dataset (default :data:`DEFAULT_DATASET`, ``data/testparticle/full.nc``).
    run : str
        Which sky run (``"spec"``: Nside 64).
    plateau_width : int
        Top multipoles that estimate the aliasing plateau (subtracted).
    ell_compare : int
        Largest l of the stationarity test (from l = 2).
    n_boot, seed : int
        Bootstrap over seeds (fixed seed: reproducible errors).

    Returns
    -------
    dict
        ``ell`` (l from 0), ``ratio`` (C_l/C_1; entry 1 is 1), ``cov`` (bootstrap covariance over
        seeds, (l, l)), ``err``, ``rigidity``, ``nu_T`` (nominal) and ``nu_T_realised`` of the
        snapshot, ``nu`` (c/l_c), ``n_seeds``, ``stationary`` (bool) and ``stationarity`` (the
        :func:`stationarity` record over 2 <= l <= ell_compare), ``note``.

    Examples
    --------
    >>> s = late_time_ratio_spectrum(1.0)                  # doctest: +SKIP
    >>> s["ratio"][1], s["stationary"]                     # doctest: +SKIP
    (1.0, False)
    """
    ds, i, cl = _setup_a_spectra(rigidity, path, run)
    nu_T = ds["nu_T"].values
    spec = ratio_spectrum(cl, plateau_width=plateau_width, n_boot=n_boot, rng=np.random.default_rng(seed))
    st = stationarity(spec, nu_T, np.arange(2, ell_compare + 1))
    reps = spec["replicates"][:, -1]
    return dict(ell=np.arange(cl.shape[-1]), ratio=spec["ratio"][-1], err=spec["err"][-1],
                cov=np.cov(reps, rowvar=False), rigidity=float(ds["rigidity"].values[i]),
                nu_T=float(nu_T[-1]), nu_T_realised=float(ds["nu_T_realised"].values[i, -1]),
                nu=float(ds["nu"].values[i]), n_seeds=int(cl.shape[0]), stationary=st["stationary"],
                stationarity=st, note=("set-up A (homogeneous dipole), back-tracked test particles; plateau "
                                       f"of the top {plateau_width} multipoles subtracted; "
                                       f"{json.loads(ds.attrs['provenance'])['commit'][:10]}"))


# -- the quick run against the full one -----------------------------------------------------------
def observer_quantities(ds, run: str, rigidity_index: int, n_observers: int | None = None) -> dict:
    """Per-observer quantities of one rigidity of a dataset, (seed, observer, time) each:
    ``S_A/S_0 axis k`` (k = 0, 1, 2), ``|D|^2`` (the dipole power <C_1>/C_1(0) of set-up A in
    pixel space, averaged over the axes), ``v(-T).v(0)`` (= tr M_A, the coherent dipole <d>),
    ``Delta x.p`` (= tr M_B, whose mean tends to -3 D).  ``n_observers``: keep the first ones.
    """
    from .testparticle import AXES
    sl = slice(None, n_observers)
    S = ds[f"{run}_S_A"].values[rigidity_index][:, sl].astype(float)
    MA = ds[f"{run}_M_A"].values[rigidity_index][:, sl].astype(float)
    MB = ds[f"{run}_M_B"].values[rigidity_index][:, sl].astype(float)
    out = {f"S_A/S_0 axis {k}": S[..., k] / S[:, :, :1, k] for k in range(S.shape[-1])}
    out["|D|^2"] = np.sum(dipoles(MA, AXES) ** 2, axis=-1).mean(axis=-1)
    out["v(-T).v(0)"] = np.trace(MA, axis1=-2, axis2=-1)
    out["Delta x.p"] = np.trace(MB, axis1=-2, axis2=-1)
    return out


def two_sample(a, b) -> tuple:
    """Pooled two-sample t statistic of the means of ``a`` and ``b`` over axis 0 (the seeds),
    with its degrees of freedom; 0 where both samples are constant.

    Examples
    --------
    >>> t, dof = two_sample([1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0])
    >>> round(float(t), 3), dof
    (-1.66, 5)
    """
    a = np.asarray(validate.finite("a", a), dtype=float)
    b = np.asarray(validate.finite("b", b), dtype=float)
    na, nb = a.shape[0], b.shape[0]
    if na < 2 or nb < 2:
        raise ValueError("both samples need at least two seeds")
    sp2 = ((na - 1) * a.var(axis=0, ddof=1) + (nb - 1) * b.var(axis=0, ddof=1)) / (na + nb - 2)
    se = np.sqrt(sp2 * (1 / na + 1 / nb))
    diff = a.mean(axis=0) - b.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(se > 0, diff / np.where(se > 0, se, 1), 0.0)
    return t, na + nb - 2


def agreement(quick, full, *, run: str = "sum", alpha: float = 0.05) -> dict:
    """Does the quick run agree with the full one within errors?

    For every rigidity, every quantity of :func:`observer_quantities` and every snapshot time the
    two share (after T = 0), a pooled two-sample t test of the seed means, where the full run's
    seed means are taken over its first n observers, n the quick run's number, so that both
    samples have the same variance per seed; and a Welch test of the calibration's D per seed.
    The snapshot times must be the same physical ones (the quick run takes the full run's nu).
    The family-wise threshold is Bonferroni at level ``alpha`` over all tests.

    Returns
    -------
    dict
        ``rows`` (one per rigidity and quantity: largest |t| and where), ``worst`` (per quantity,
        the row of the rigidity with the largest |t|), ``max_t``, ``threshold``, ``n_tests``,
        ``dof``, ``agrees``.
    """
    rq, rf = quick["rigidity"].values, full["rigidity"].values
    nq = quick.sizes[f"{run}_observer"]
    tq, tf = quick["nu_T"].values, full["nu_T"].values
    common = [t for t in tq if t > 0 and np.any(np.isclose(tf, t))]
    if not common:
        raise ValueError("the runs share no snapshot time after T = 0")
    kq = [int(np.nonzero(np.isclose(tq, t))[0][0]) for t in common]
    kf = [int(np.nonzero(np.isclose(tf, t))[0][0]) for t in common]
    rows, dof = [], None
    for iq, r in enumerate(rq):
        hit = np.nonzero(np.isclose(rf, r))[0]
        if hit.size != 1:
            raise ValueError(f"rigidity {r} of the quick run is not in the full run")
        i_f = int(hit[0])
        if not np.array_equal(quick["steps"].values[iq][kq], full["steps"].values[i_f][kf]):
            raise ValueError(f"rigidity {r}: the snapshot steps differ (give the quick run the full run's nu)")
        q = observer_quantities(quick, run, iq)
        f = observer_quantities(full, run, i_f, n_observers=nq)
        for name in q:
            t, dof = two_sample(q[name].mean(axis=1)[:, kq], f[name].mean(axis=1)[:, kf])
            k = int(np.argmax(np.abs(t)))
            rows.append(dict(rigidity=float(r), quantity=name, max_abs_t=float(abs(t[k])), nu_T=float(common[k]),
                             quick=float(q[name].mean(axis=(0, 1))[kq[k]]), full=float(f[name].mean(axis=(0, 1))[kf[k]])))
        dq, df = quick["D_seed"].values[iq], full["D_seed"].values[i_f]
        se2q, se2f = dq.var(ddof=1) / dq.size, df.var(ddof=1) / df.size
        t_d = (dq.mean() - df.mean()) / np.sqrt(se2q + se2f)
        rows.append(dict(rigidity=float(r), quantity="D", max_abs_t=float(abs(t_d)), nu_T=float("nan"),
                         quick=float(dq.mean()), full=float(df.mean()),
                         dof=float((se2q + se2f) ** 2 / (se2q**2 / (dq.size - 1) + se2f**2 / (df.size - 1)))))
    n_tests = sum(len(common) if row["quantity"] != "D" else 1 for row in rows)
    threshold = float(stats.t.isf(alpha / (2 * n_tests), dof))
    d_thresholds = [float(stats.t.isf(alpha / (2 * n_tests), row["dof"])) for row in rows if row["quantity"] == "D"]
    for row in rows:
        row["threshold"] = threshold if row["quantity"] != "D" else float(stats.t.isf(alpha / (2 * n_tests), row["dof"]))
        row["agrees"] = bool(row["max_abs_t"] <= row["threshold"])
    worst = {}
    for row in rows:
        if row["quantity"] not in worst or row["max_abs_t"] > worst[row["quantity"]]["max_abs_t"]:
            worst[row["quantity"]] = row
    return dict(rows=rows, worst=list(worst.values()), max_t=max(r["max_abs_t"] for r in rows), threshold=threshold,
                d_threshold=min(d_thresholds), n_tests=n_tests, dof=dof,
                agrees=all(r["agrees"] for r in rows), nu_T=np.array(common))
