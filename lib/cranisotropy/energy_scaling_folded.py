"""The energy dependence of the IceCube 12-year pseudo-spectra against Zhang & Liu's claims (Sec. 5, Figs. 2-4),
through the forward model of the observation, with mock-calibrated tests.

Zhang & Liu predict C_l ~ E^(delta (gamma - 1)) at every l >= 3 far from a break of the turbulence
spectrum (E^(2/9) or E^(1/3)), report a deviation in 10-100 TeV (an amplitude that decreases with
energy), a power law again above 100 TeV, and no strong l-dependence of the energy where the energy
dependence changes (against p_c ~ (l + 1/2)^(1/delta) of the SNR-injection model).  The data are
pseudo-spectra of a masked, ring-filtered sky with noise that grows with energy, so none of these
statements can be read off the measured C~_l(E) directly: every test here is calibrated on mocks
drawn through :mod:`cranisotropy.observation` with each bin's noise and the digitisation error.

* :func:`scaling_skies` fits the null "one energy slope s at every l >= 3": full-sky spectra
  C_l(E_b) = R_l (E_b / E_0)^s (l = 3..max data l) with C_1, C_2 free in every bin, by non-negative
  least squares of the folded means against the data (relative residuals), s by a scan.
* :func:`common_slope_test`: per l the weighted least-squares slope of log10 C~_l against log10 E
  (:func:`cranisotropy.fit.line_slopes`); the statistic T is the chi^2 of these slopes, less the
  mocks' mean slope, about one common offset, with the mocks' variances.  p from mocks of the null.
* :func:`slope_offset_test`: the common slope itself (the slopes' weighted mean, corrected by the
  mocks' mean) against a fixed s_0, one-sided.
* :func:`turnover_test`: the energy E_change of the minimum of C~_l(E) over the bins above the noise
  band (interior minima only) and the exponent s of E_change ~ (l + 1/2)^s; its scatter from mocks of
  each bin's own sky (the non-negative deconvolution of its data), shifted to the tested value.

References
----------
Y. Zhang & S. Liu, arXiv:2402.16554 (2024), Sec. 5 and Figs. 2-4; R. Abbasi et al. (IceCube),
arXiv:2412.05046 (the spectra).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

from . import fit, folded_fit, validate
from .convection_folded import CalibratedTest
from .folded_fit import BinData
from .observation import Response, pseudo_cl_mocks

__all__ = ["reference_energy", "scaling_skies", "fold_mocks", "ell_slopes", "common_slope_test",
           "slope_offset_test", "tilted_skies", "change_energies", "turnover_exponent", "turnover_test"]


def _check(resp, data):
    if not isinstance(resp, Response):
        raise TypeError(f"resp must be an observation.Response, got {type(resp).__name__}")
    data = list(data)
    if len(data) < 2 or not all(isinstance(d, BinData) for d in data):
        raise TypeError("data must be a sequence of at least two folded_fit.BinData (one per energy bin)")
    ell = data[0].ell
    if any(not np.array_equal(d.ell, ell) for d in data):
        raise ValueError("every energy bin must have the same multipoles")
    if ell[0] != 1 or ell[-1] > resp.lmax:
        raise ValueError(f"the bins must start at l = 1 and end at or below the response's lmax = {resp.lmax}")
    return data


def reference_energy(data) -> float:
    """E_0, the geometric mean of the bins' median energies (TeV)."""
    e = np.array([d.energy_TeV for d in data], dtype=float)
    return float(np.exp(np.mean(np.log(e))))


def _design(resp, data, s, lmin):
    """Stacked NNLS problem: unknowns R_lmin..R_top, then (C_1, C_2) per bin; rows the bins' l, weighted 1/C~."""
    top = int(data[0].ell[-1])
    n_b, nl = len(data), data[0].ell.size
    e0 = reference_energy(data)
    A = np.zeros((n_b * nl, (top - lmin + 1) + 2 * n_b))
    t = np.zeros(n_b * nl)
    for b, d in enumerate(data):
        M = resp.mean_matrix[d.ell]
        rows = slice(b * nl, (b + 1) * nl)
        w = 1.0 / d.C
        A[rows, : top - lmin + 1] = M[:, lmin: top + 1] * (d.energy_TeV / e0) ** s * w[:, None]
        A[rows, top - lmin + 1 + 2 * b] = M[:, 1] * w
        A[rows, top - lmin + 2 + 2 * b] = M[:, 2] * w
        t[rows] = (d.C - d.noise * resp.noise_mean[d.ell]) * w
    return A, t, top


def scaling_skies(resp: Response, data, s=None, *, s_grid=None, lmin: int = 3) -> tuple[np.ndarray, float]:
    """Full-sky spectra of the null "C_l(E) = R_l (E/E_0)^s for l >= lmin, C_1 and C_2 free per bin".

    Parameters
    ----------
    resp : Response
    data : sequence of BinData
        One per energy bin, the same multipoles 1..L.
    s : float, optional
        The common energy slope; without it, the value of ``s_grid`` (default -2..2 by 0.02) with the
        smallest residual.
    lmin : int
        Smallest multipole that follows the common slope (3: Zhang & Liu's pure turbulence).

    Returns
    -------
    skies : ndarray, shape (n_bins, lmax_sky + 1)
        C_l of every bin (zero above the data's largest l).
    s : float

    Examples
    --------
    >>> import numpy as np
    >>> from cranisotropy import observation
    >>> resp = observation.response(lmax=8, lmax_sky=20, nside=None)
    >>> sky = np.r_[0.0, 1e-7, 5e-8, 2e-8 * (np.arange(3, 9) / 3.0) ** -3, np.zeros(12)]
    >>> data = [folded_fit.BinData(f"{e:g}", e, np.arange(1, 9), (resp.mean_matrix[1:9] @ (sky * (e / 20.0) ** 0.3
    ...         * np.r_[1.0, 1.0, 1.0, np.ones(18)])) + 1e-12 * resp.noise_mean[1:9], 1e-12) for e in (10.0, 20.0, 40.0)]
    >>> round(scaling_skies(resp, data)[1], 2)
    0.3
    """
    data = _check(resp, data)
    lmin = validate.integer("lmin", lmin, minimum=2, allow_array=False)
    if s is None:
        grid = np.arange(-2.0, 2.0 + 1e-9, 0.02) if s_grid is None else np.atleast_1d(validate.finite("s_grid", s_grid))
        best = min(grid, key=lambda v: nnls(*_design(resp, data, float(v), lmin)[:2])[1])
        s = float(best)
    s = validate.finite("s", s, allow_array=False)
    A, t, top = _design(resp, data, s, lmin)
    x, _ = nnls(A, t)
    e0 = reference_energy(data)
    skies = np.zeros((len(data), resp.lmax_sky + 1))
    R = x[: top - lmin + 1]
    for b, d in enumerate(data):
        skies[b, lmin: top + 1] = R * (d.energy_TeV / e0) ** s
        skies[b, 1:3] = x[top - lmin + 1 + 2 * b: top - lmin + 3 + 2 * b]
    return skies, s


def tilted_skies(skies, data, ell, tilt) -> np.ndarray:
    """``skies`` with C_l(E_b) multiplied by (E_b / E_0)^tilt_l at the multipoles ``ell`` (an l-dependent
    change of the energy slope: the alternative of the common-slope tests)."""
    skies = np.array(skies, dtype=float)
    ell = np.atleast_1d(validate.integer("ell", ell, minimum=1))
    tilt = np.broadcast_to(np.asarray(validate.finite("tilt", tilt), dtype=float), ell.shape)
    e0 = reference_energy(data)
    for b, d in enumerate(data):
        skies[b, ell] *= (d.energy_TeV / e0) ** tilt
    return skies


def fold_mocks(resp: Response, skies, data, n: int, rng: np.random.Generator) -> np.ndarray:
    """log10 of ``n`` mock pseudo-spectra per bin, shape (n, n_bins, n_ell): each bin's sky through the
    observation with its noise, times 10^(digitisation_dex z)."""
    data = _check(resp, data)
    n = validate.integer("n", n, minimum=1, allow_array=False)
    validate.generator("rng", rng)
    out = np.empty((n, len(data), data[0].ell.size))
    for b, (sky, d) in enumerate(zip(skies, data)):
        m = pseudo_cl_mocks(resp, sky, d.noise, n, rng)[:, d.ell]
        out[:, b] = np.log10(m) + d.digitisation_dex * rng.standard_normal(m.shape)
    return out


def ell_slopes(y, data, ell, weights) -> np.ndarray:
    """Per multipole of ``ell``, the weighted slope of log10 C~_l (``y``: (..., n_bins, n_ell of data)) against
    log10 E: shape (..., len(ell)).  ``weights``: (n_bins, len(ell)), 1/variance."""
    x = np.log10([d.energy_TeV for d in data])
    idx = np.asarray(ell) - data[0].ell[0]
    yy = np.swapaxes(np.asarray(y)[..., idx], -1, -2)            # (..., n_ell_fit, n_bins)
    return fit.line_slopes(x, yy, np.asarray(weights).T)[0]


def _calibration(resp, skies, data, ell, n_ref, rng):
    """Weights, mean and variance of the per-l slopes from ``n_ref`` mocks of ``skies``."""
    idx = np.asarray(ell) - data[0].ell[0]
    ref = fold_mocks(resp, skies, data, n_ref, rng)
    w = 1.0 / np.var(ref[..., idx], axis=0, ddof=1)              # (n_bins, n_ell_fit)
    sl = ell_slopes(ref, data, ell, w)
    return w, sl.mean(axis=0), sl.var(axis=0, ddof=1)


def _spread_statistic(slopes, mean, var):
    """chi^2 of (slopes - mean) about their weighted mean offset, over the last axis."""
    d = slopes - mean
    c = np.sum(d / var, axis=-1, keepdims=True) / np.sum(1.0 / var)
    return np.sum((d - c) ** 2 / var, axis=-1)


def _offset_statistic(slopes, mean, var, s0):
    """The common slope: weighted mean of slopes - (mean - s0), over the last axis."""
    return np.sum((slopes - (mean - s0)) / var, axis=-1) / np.sum(1.0 / var)


def _p_upper(stat, null):
    null = np.asarray(null)
    return np.array([(np.sum(null >= v) + 1) / (null.size + 1) for v in np.atleast_1d(stat)])


def _p_lower(stat, null):
    null = np.asarray(null)
    return np.array([(np.sum(null <= v) + 1) / (null.size + 1) for v in np.atleast_1d(stat)])


def _sizes(n_ref, n_null, n_calibration, alpha):
    return (validate.integer("n_ref", n_ref, minimum=20, allow_array=False),
            validate.integer("n_null", n_null, minimum=20, allow_array=False),
            validate.integer("n_calibration", n_calibration, minimum=20, allow_array=False),
            validate.positive("alpha", alpha, allow_array=False))


def common_slope_test(resp: Response, data, ell, *, rng: np.random.Generator, spread: float = 0.5,
                      n_ref: int = 400, n_null: int = 400, n_calibration: int = 200, alpha: float = 0.05) -> CalibratedTest:
    """Do all multipoles ``ell`` share one energy slope?  The statistic T and its calibration (module doc).

    The power is measured on mocks of the null's skies tilted by slopes that change linearly with l,
    from -``spread`` at the first multipole of ``ell`` to +``spread`` at the last (:func:`tilted_skies`).
    ``extra`` holds the fitted common slope s, the data's per-l slopes and the mocks' mean and spread.
    """
    data = _check(resp, data)
    ell = np.atleast_1d(validate.integer("ell", ell, minimum=1))
    n_ref, n_null, n_calibration, alpha = _sizes(n_ref, n_null, n_calibration, alpha)
    skies, s = scaling_skies(resp, data)
    w, mean, var = _calibration(resp, skies, data, ell, n_ref, rng)

    def stat(skies_, n):
        return _spread_statistic(ell_slopes(fold_mocks(resp, skies_, data, n, rng), data, ell, w), mean, var)

    y = np.array([d.y for d in data])
    slopes = ell_slopes(y, data, ell, w)
    t_data = float(_spread_statistic(slopes, mean, var))
    null = stat(skies, n_null)
    p = float(_p_upper(t_data, null)[0])
    cal = _p_upper(stat(skies, n_calibration), null)
    tilt = np.linspace(-spread, spread, ell.size)
    alt = _p_upper(stat(tilted_skies(skies, data, ell, tilt), n_calibration), null)
    return CalibratedTest(
        statistic=t_data, p_value=p, n_null=n_null,
        false_rejection={"rate": float(np.mean(cal < alpha)), "n_mocks": n_calibration, "nominal": alpha},
        power={"alternative": f"energy slopes tilted linearly with l from -{spread:g} (l = {ell[0]}) to +{spread:g} "
                              f"(l = {ell[-1]})", "rate": float(np.mean(alt < alpha)), "n_mocks": n_calibration},
        extra={"s": s, "slopes": slopes, "mock_mean": mean, "mock_sd": np.sqrt(var), "dof": ell.size - 1})


def slope_offset_test(resp: Response, data, ell, s0: float, *, rng: np.random.Generator, s_alternative: float,
                      n_ref: int = 400, n_null: int = 400, n_calibration: int = 200,
                      alpha: float = 0.05) -> CalibratedTest:
    """Is the common energy slope of the multipoles ``ell`` below ``s0``?  One-sided.

    Null: the skies of :func:`scaling_skies` at s = ``s0``.  Statistic: the common slope estimate
    (:func:`_offset_statistic`); p = the fraction of null mocks with an estimate at or below the data's.
    The false-rejection rate of "p < alpha" is measured on mocks of the null, the power on mocks of the
    skies fitted at s = ``s_alternative``.  ``statistic`` is the data's common slope.
    """
    data = _check(resp, data)
    ell = np.atleast_1d(validate.integer("ell", ell, minimum=1))
    s0 = validate.finite("s0", s0, allow_array=False)
    n_ref, n_null, n_calibration, alpha = _sizes(n_ref, n_null, n_calibration, alpha)
    skies, _ = scaling_skies(resp, data, s0)
    w, mean, var = _calibration(resp, skies, data, ell, n_ref, rng)

    def stat(skies_, n):
        return _offset_statistic(ell_slopes(fold_mocks(resp, skies_, data, n, rng), data, ell, w), mean, var, s0)

    y = np.array([d.y for d in data])
    est = float(_offset_statistic(ell_slopes(y, data, ell, w), mean, var, s0))
    null = stat(skies, n_null)
    p = float(_p_lower(est, null)[0])
    cal = _p_lower(stat(skies, n_calibration), null)
    alt_skies, _ = scaling_skies(resp, data, s_alternative)
    alt = _p_lower(stat(alt_skies, n_calibration), null)
    return CalibratedTest(
        statistic=est, p_value=p, n_null=n_null,
        false_rejection={"rate": float(np.mean(cal < alpha)), "n_mocks": n_calibration, "nominal": alpha},
        power={"alternative": f"a common energy slope of {s_alternative:.3g}", "rate": float(np.mean(alt < alpha)),
               "n_mocks": n_calibration},
        extra={"s0": s0, "null_sd": float(np.std(null, ddof=1)), "null_mean": float(np.mean(null))})


def change_energies(y, energies, edges, ell):
    """E_change and whether it is interior, for each l of ``ell``: the energy of the minimum of C~_l over the
    bins above the noise band (C~ > ``edges``); interior when the minimum is neither the first nor the last
    of those bins.

    ``y``: log10 C~ (..., n_bins, n_ell of the bins) with l = 1 first; ``edges``: (n_bins, n_ell), the upper
    edge of the noise band.  Returns (E_change, interior), each (..., len(ell)); E_change is NaN where the
    minimum is not interior.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.log10([[5.0], [2.0], [3.0], [9.0]])              # 4 bins, l = 1
    >>> change_energies(y, [10.0, 20.0, 40.0, 80.0], np.ones((4, 1)), [1])
    (array([20.]), array([ True]))
    """
    y = np.asarray(y, dtype=float)
    E = np.asarray(validate.positive("energies", energies), dtype=float)
    idx = np.asarray(ell) - 1
    yl = y[..., idx]                                               # (..., n_bins, n_l)
    use = yl > np.log10(np.asarray(edges)[:, idx])
    i = np.argmin(np.where(use, yl, np.inf), axis=-2)
    first = np.argmax(use, axis=-2)
    final = E.size - 1 - np.argmax(np.flip(use, axis=-2), axis=-2)
    ok = use.any(axis=-2) & (i > first) & (i < final)
    return np.where(ok, E[i], np.nan), ok


def turnover_exponent(e_change, ell) -> np.ndarray:
    """s of E_change ~ (l + 1/2)^s over the multipoles with an interior minimum (least squares in log-log,
    :func:`cranisotropy.fit.line_slopes`); NaN with fewer than two."""
    e_change = np.atleast_2d(np.asarray(e_change, dtype=float))
    x = np.log10(np.asarray(ell) + 0.5)
    w = np.isfinite(e_change).astype(float)
    ok = (w.sum(axis=-1) >= 2) & np.array([np.ptp(x[r > 0]) > 0 if r.sum() else False for r in w])
    s = np.full(e_change.shape[0], np.nan)
    if np.any(ok):
        s[ok] = fit.line_slopes(x, np.where(w[ok] > 0, np.log10(np.where(w[ok] > 0, e_change[ok], 1.0)), 0.0), w[ok])[0]
    return s


def turnover_test(resp: Response, data, edges, ell, *, rng: np.random.Generator, s_null: float, side: str,
                  s_alternative: float, n_null: int = 400, n_calibration: int = 200,
                  alpha: float = 0.05) -> CalibratedTest:
    """The exponent s of E_change ~ (l + 1/2)^s (:func:`change_energies`, :func:`turnover_exponent`) against
    ``s_null``, one-sided: ``side="upper"`` rejects for large s (the claim "s <= s_null"), ``"lower"`` for
    small s (the claim "s >= s_null").

    The estimator's scatter comes from mocks of each bin's own sky (the non-negative deconvolution of its
    data, :func:`cranisotropy.folded_fit.reference_spectrum`): the null distribution is that scatter
    shifted to ``s_null`` (a location model), the false-rejection rate is measured on further mocks
    shifted the same way, the power on mocks shifted to ``s_alternative``.  Mocks without two interior
    minima are dropped (their number is in ``extra``).
    """
    data = _check(resp, data)
    ell = np.atleast_1d(validate.integer("ell", ell, minimum=1))
    s_null = validate.finite("s_null", s_null, allow_array=False)
    if side not in ("upper", "lower"):
        raise ValueError(f"side must be 'upper' or 'lower', got {side!r}")
    n_null = validate.integer("n_null", n_null, minimum=20, allow_array=False)
    n_calibration = validate.integer("n_calibration", n_calibration, minimum=20, allow_array=False)
    alpha = validate.positive("alpha", alpha, allow_array=False)
    energies = np.array([d.energy_TeV for d in data])
    skies = np.array([folded_fit.reference_spectrum(resp, d) for d in data])

    def estimates(n):
        y = fold_mocks(resp, skies, data, n, rng)
        s = turnover_exponent(change_energies(y, energies, edges, ell)[0], ell)
        return s[np.isfinite(s)], int(np.sum(~np.isfinite(s)))

    y_data = np.array([d.y for d in data])
    e_data, interior = change_energies(y_data, energies, edges, ell)
    s_data = float(turnover_exponent(e_data, ell)[0])
    if not np.isfinite(s_data):
        raise ValueError("the data have fewer than two multipoles with an interior minimum: no exponent to test")
    boot, dropped = estimates(n_null)
    centre = float(np.median(boot))
    null = s_null + boot - centre
    pval = _p_upper if side == "upper" else _p_lower
    p = float(pval(s_data, null)[0])
    cal_b, dropped_c = estimates(n_calibration)
    cal = pval(s_null + cal_b - float(np.median(cal_b)), null)
    alt = pval(s_alternative + cal_b - float(np.median(cal_b)), null)
    return CalibratedTest(
        statistic=s_data, p_value=p, n_null=int(boot.size),
        false_rejection={"rate": float(np.mean(cal < alpha)), "n_mocks": int(cal_b.size), "nominal": alpha},
        power={"alternative": f"an exponent s = {s_alternative:g}", "rate": float(np.mean(alt < alpha)),
               "n_mocks": int(cal_b.size)},
        extra={"E_change": e_data, "interior": interior, "scatter_sd": float(np.std(boot, ddof=1)),
               "mock_median": centre, "dropped": dropped + dropped_c})
