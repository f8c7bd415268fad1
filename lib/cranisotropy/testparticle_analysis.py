"""The test-particle experiment, section by section: what the chapter reports from a dataset.

Each function turns a dataset of :mod:`cranisotropy.testparticle_runs` (or the engine itself)
into the numbers of one section of ``book/testparticle.md``: the arrays its figures and checks
use, the rows of its table, and ``glue``, a ``{key: (value, format)}`` dictionary of the numbers
its prose quotes (keys suffixed ``_i`` belong to rigidity ``i``).  The statistics themselves
(errors over field realisations, bootstrap over seeds) are those of
:mod:`cranisotropy.testparticle_statistics`; nothing here draws a figure.

Every function that resamples takes the numpy Generator ``rng`` and draws from it in a fixed
order, so that a chapter calling them in the order of its sections reproduces its numbers.

References
----------
.. [1] M. Ahlers, PRL 112, 021101 (2014): Eq. 13 (sum rule), Eqs. 20-21 (the hierarchy and its
   limit), Eqs. 4-5 (nu = c^2/(3 D) without a regular field).
"""

from __future__ import annotations

import numpy as np

from . import boris, fit, validate
from . import testparticle as tp
from . import testparticle_runs as tr
from . import testparticle_statistics as st

__all__ = ["engine_checks", "dataset_summary", "quick_parameters", "quick_summary", "calibration",
           "sum_rule", "dipole_decay", "ratio_spectra", "rigidity_comparison", "setup_b"]


def _rigidities(ds) -> list[float]:
    return ds["rigidity"].values.tolist()


def _window(name: str, pair, *, integer: bool = False) -> tuple:
    if len(pair) != 2:
        raise ValueError(f"{name} must be a pair (lo, hi), got {pair!r}")
    lo, hi = pair
    if integer:
        lo, hi = validate.integer(name, lo, minimum=0), validate.integer(name, hi, minimum=0)
    else:
        lo, hi = (validate.nonnegative(name, w, allow_array=False) for w in pair)
    if not lo < hi:
        raise ValueError(f"{name} must have lo < hi, got {pair!r}")
    return lo, hi


# -- the engine ------------------------------------------------------------------------------------
def engine_checks(field, rigidity: float, dt_factor: float, *, rng: np.random.Generator, n_points: int = 20000,
                  n_particles: int = 64, n_steps: int = 150, box: float = 1000.0) -> dict:
    """Self-checks of the field and the Boris push on one field realisation.

    The field's divergence and mean square at ``n_points`` uniform points of a cube of side
    ``box``; ``n_particles`` isotropic rays pushed ``n_steps`` back (step ``dt_factor`` x
    ``rigidity``) and as many forward again: the speed stays 1 and the map is reversible.

    Returns
    -------
    dict
        ``div_max`` (largest |div b|), ``b2_mean``, ``b2_err`` (sampled <b^2> and its standard
        error), ``mean_square`` (the exact sum of A_n^2), ``speed_err`` (largest ||v| - 1| after
        the steps back), ``rev_err`` (largest departure from the start after back and forth),
        ``glue`` (these with ``n_modes``, ``k_ratio``, ``harari_Lc``, the field's correlation
        length in Harari et al.'s units, and ``rg_check``, the rigidity).

    Examples
    --------
    >>> from cranisotropy.magnetic_plane_waves import make_field
    >>> e = engine_checks(make_field(seed=1, n_modes=16), 1.0, 0.05, rng=np.random.default_rng(0),
    ...                   n_points=500, n_particles=8, n_steps=20)
    >>> e["div_max"] < 1e-10, e["speed_err"] < 1e-12, e["rev_err"] < 1e-10
    (True, True, True)
    """
    rigidity = validate.positive("rigidity", rigidity, allow_array=False)
    dt_factor = validate.positive("dt_factor", dt_factor, allow_array=False)
    box = validate.positive("box", box, allow_array=False)
    n_points = validate.integer("n_points", n_points, minimum=2)
    n_particles = validate.integer("n_particles", n_particles, minimum=1)
    n_steps = validate.integer("n_steps", n_steps, minimum=1)
    xs = rng.uniform(0, box, size=(n_points, 3))
    div_max = float(np.max(np.abs(field.divergence(xs))))
    b2 = np.sum(field(xs) ** 2, axis=1)
    x = rng.uniform(0, box, size=(n_particles, 3))
    v = boris.isotropic_directions(n_particles, rng)
    x_start, v_start = x.copy(), v.copy()
    boris.push(x, v, field, rigidity, -dt_factor * rigidity, n_steps)
    speed_err = float(np.max(np.abs(np.linalg.norm(v, axis=1) - 1)))
    boris.push(x, v, field, rigidity, dt_factor * rigidity, n_steps)
    rev_err = float(max(np.max(np.abs(x - x_start)), np.max(np.abs(v - v_start))))
    out = dict(div_max=div_max, b2_mean=float(b2.mean()), b2_err=float(b2.std() / np.sqrt(len(b2))),
               mean_square=float(field.mean_square), speed_err=speed_err, rev_err=rev_err)
    out["glue"] = {"n_modes": (field.n_modes, "d"), "k_ratio": (field.k_ratio, "g"), "div_max": (div_max, ".1e"),
                   "b2_mean": (out["b2_mean"], ".4f"), "b2_err": (out["b2_err"], ".4f"), "speed_err": (speed_err, ".1e"),
                   "rev_err": (rev_err, ".1e"), "rg_check": (rigidity, "g"),
                   "harari_Lc": (field.harari_correlation_length(), ".2f")}
    return out


# -- the runs --------------------------------------------------------------------------------------
def dataset_summary(ds) -> dict:
    """How a dataset was made and what it holds.

    Returns
    -------
    dict
        ``is_full_set`` (made with the documented parameters ``testparticle_runs.FULL``),
        ``same_source`` (the library source that computed it is the current one) and ``glue``:
        ``full_seeds``, ``full_steps``, ``full_commit``, ``full_host``, ``full_cores``,
        ``full_load``, ``full_hours``, ``source_same`` (words), ``dt_factor``, ``box``,
        ``last_nuT``, ``nside_sum``, ``obs_sum``, ``nside_spec``, ``lmax_spec``, ``obs_spec``.
    """
    meta = tr.attrs(ds)
    P, prov = meta["parameters"], meta["provenance"]
    same = prov["source_sha256"] == tr.source_hash()
    glue = {"full_seeds": (ds.sizes["seed"], "d"),
            "full_steps": (tr.particle_steps(P, ds["nu"].values)["total"], ".2g"),
            "full_commit": (prov["commit"][:10], ""), "full_host": (prov["host"], ""),
            "full_cores": (prov["cpu_count"], "d"), "full_load": ((prov["load_start"] or [np.nan])[0], ".1f"),
            "full_hours": (prov["wall_seconds"] / 3600, ".1f"),
            "source_same": ("is identical to" if same else "differs from", ""),
            "dt_factor": (P["dt_factor"], "g"), "box": (P["box"], "g"), "last_nuT": (float(ds["nu_T"].values[-1]), "g"),
            "nside_sum": (ds.sizes["sum_l"] // 3, "d"), "obs_sum": (ds.sizes["sum_observer"], "d"),
            "nside_spec": (ds.sizes["spec_l"] // 3, "d"), "lmax_spec": (ds.sizes["spec_l"] - 1, "d"),
            "obs_spec": (ds.sizes["spec_observer"], "d")}
    return dict(is_full_set=P == tr.parameters("full"), same_source=same, glue=glue)


def quick_parameters(full, *, n_seeds: int, nu_T, n_particles: int, n_observers: int) -> dict:
    """The parameters of a quick run that ``full`` can check: new fields (the quick preset's
    entropy), ``n_seeds`` per rigidity, the full run's rigidities, field, step, box and relaxation rates nu
    (so both sample the same T), one sum-rule run at the full run's Nside with ``n_observers``
    per field, ``n_particles`` calibration particles."""
    P = tr.attrs(full)["parameters"]
    n_observers = validate.integer("n_observers", n_observers, minimum=1)
    n_particles = validate.integer("n_particles", n_particles, minimum=2)
    return tr.parameters("quick", rigidities=_rigidities(full), n_seeds=n_seeds, nu_T=list(nu_T),
                         nu=full["nu"].values.tolist(),
                         field=P["field"], dt_factor=P["dt_factor"], box=P["box"], anafast_iter=P["anafast_iter"],
                         calibration=dict(P["calibration"], n_particles=n_particles),
                         runs=[dict(name="sum", nside=full.sizes["sum_l"] // 3, n_observers=n_observers,
                                    batch=n_observers)])


#: MyST labels of the quantities of :func:`testparticle_statistics.observer_quantities` (and D)
_LABELS = {"|D|^2": r"$\lvert\mathbf D\rvert^2$", "v(-T).v(0)": r"$\mathbf v(-T)\cdot\mathbf v(0)$",
           "Delta x.p": r"$\Delta\mathbf x\cdot\hat{\mathbf p}$", "D": "$D$"}


def quick_summary(quick, full, seconds: float) -> dict:
    """The quick run against the full dataset (:func:`testparticle_statistics.agreement`).

    ``seconds`` is the wall time the chapter measured for :func:`testparticle_runs.run`; a run
    whose own recorded wall time exceeds it by more than a second came from the cache.

    Returns
    -------
    dict
        ``agreement`` (the record of :func:`~cranisotropy.testparticle_statistics.agreement`),
        ``particle_steps``, ``table`` (one row per quantity: name, largest |t|, where (MyST
        maths), quick, full) and ``glue``.
    """
    seconds = validate.nonnegative("seconds", seconds, allow_array=False)
    agree = st.agreement(quick, full)
    p_quick = tr.attrs(quick)["parameters"]
    steps = tr.particle_steps(p_quick, full["nu"].values)["total"]
    glue, table = {}, []
    for k, row in enumerate(agree["worst"]):
        where = f"r_g/l_c = {row['rigidity']:g}" + ("" if row["quantity"] == "D" else f", nu T = {row['nu_T']:g}")
        glue.update({f"agree_name_{k}": (row["quantity"], ""), f"agree_t_{k}": (row["max_abs_t"], ".1f"),
                     f"agree_where_{k}": (where, ""), f"agree_q_{k}": (row["quick"], ".3g"),
                     f"agree_f_{k}": (row["full"], ".3g")})
        at = f"$r_g/l_c={row['rigidity']:g}$" + ("" if row["quantity"] == "D" else f", $\\nu T={row['nu_T']:g}$")
        label = _LABELS.get(row["quantity"], row["quantity"].replace("S_A/S_0 axis", "$S(T)/S(0)$, axis"))
        table.append([label, row["max_abs_t"], at, row["quick"], row["full"]])
    cached = tr.attrs(quick)["provenance"]["wall_seconds"] > seconds + 1
    glue.update({"quick_steps": (steps, ".2g"), "quick_seconds": (seconds, ".0f"),
                 "quick_cached": ("loaded from the cache" if cached else "computed now", ""),
                 "agree_threshold": (agree["threshold"], ".1f"), "agree_n": (agree["n_tests"], "d"),
                 "agree_dof": (agree["dof"], "d"), "agree_max": (agree["max_t"], ".1f"),
                 "quick_seeds": (quick.sizes["seed"], "d"), "quick_observers": (quick.sizes["sum_observer"], "d"),
                 "quick_last": (float(quick["nu_T"].values[-1]), "g")})
    return dict(agreement=agree, particle_steps=steps, table=table, glue=glue)


# -- calibration -----------------------------------------------------------------------------------
def calibration(ds, *, n_boot: int, rng: np.random.Generator) -> dict:
    """nu from the diffusion coefficient, per rigidity (:func:`testparticle_statistics.calibration`).

    Returns
    -------
    dict
        ``cal`` (one calibration record per rigidity), ``nu_t_max`` (length of each calibration
        run in units of 1/nu), ``nu_dataset`` (the nu the dataset's snapshot times were set
        with), ``msd_mean`` (mean over seeds of <|Delta x|^2>, (rigidity, time)), ``t``
        (rigidity, time), ``running_gk`` (running Green-Kubo integrals) and ``glue``.
    """
    t_all = ds["cal_t"].values
    cal = [st.calibration(t_all[i], ds["cal_msd"].values[i], ds["cal_vacf"].values[i], n_boot=n_boot, rng=rng)
           for i in range(ds.sizes["rigidity"])]
    nu_t_max = [float(t_all[i, -1] * c["nu"]) for i, c in enumerate(cal)]
    glue = {"cal_particles": (tr.attrs(ds)["parameters"]["calibration"]["n_particles"], "d")}
    for i, (r, c) in enumerate(zip(_rigidities(ds), cal)):
        pull = (c["D_green_kubo"] - c["D"]) / np.hypot(c["D_green_kubo_err"], c["D_err"])
        glue.update({f"rg_{i}": (r, "g"), f"D_{i}": (c["D"], ".3f"), f"D_err_{i}": (c["D_err"], ".3f"),
                     f"nu_{i}": (c["nu"], ".3f"), f"nu_err_{i}": (c["nu_err"], ".3f"), f"mfp_{i}": (3 * c["D"], ".2f"),
                     f"cal_ntmax_{i}": (nu_t_max[i], ".0f"), f"efold_{i}": (c["efold_rate"], ".2f"),
                     f"efold_err_{i}": (c["efold_rate_err"], ".2f"), f"Dgk_{i}": (c["D_green_kubo"], ".3f"),
                     f"Dgk_err_{i}": (c["D_green_kubo_err"], ".3f"), f"Dgk_pull_{i}": (pull, "+.1f")})
    return dict(cal=cal, nu_t_max=nu_t_max, nu_dataset=ds["nu"].values, t=t_all,
                msd_mean=ds["cal_msd"].values.mean(axis=1),
                running_gk=[st.running_green_kubo(t_all[i], c["vacf"]) for i, c in enumerate(cal)], glue=glue)


# -- Eq. 13 ----------------------------------------------------------------------------------------
def sum_rule(ds, *, early: float = 0.05) -> dict:
    """The sum rule (Eq. 13) per rigidity and axis (:func:`testparticle_statistics.sum_rule`).

    Returns
    -------
    dict
        ``per_rigidity`` (the records of :func:`~cranisotropy.testparticle_statistics.sum_rule`),
        ``max_pull``, ``n_tests`` (times after 0 x axes x rigidities), ``threshold``
        (Bonferroni Student threshold over them), ``p_value`` (Bonferroni p of ``max_pull``),
        ``early_dev``, ``early_se`` (at 0 < nu T <= ``early``), ``max_se``, ``truncated``
        (``{(i, run): anafast sum over l <= 3 Nside - 1 relative to T = 0}``), ``lmax``
        (``{run: lmax}``), ``records`` and ``glue``.
    """
    early = validate.positive("early", early, allow_array=False)
    n_rig, n_seeds = ds.sizes["rigidity"], ds.sizes["seed"]
    nu_T = ds["nu_T"].values
    sel = (nu_T > 0) & (nu_T <= early)
    if not sel.any():
        raise ValueError(f"early must include a snapshot after T = 0, got {early!r}")
    rules = [st.sum_rule(ds["sum_S_A"].values[i].astype(float)) for i in range(n_rig)]
    glue, records = {}, {}
    for i, s in enumerate(rules):
        records[f"eq13_mean_{i}"], records[f"eq13_se_{i}"] = s["mean"], s["se"]
        glue.update({f"eq13_maxdev_{i}": (float(np.max(np.abs(s["mean"] - 1))), ".3f"),
                     f"eq13_maxse_{i}": (float(np.max(s["se"])), ".3f"),
                     f"eq13_maxpull_{i}": (float(np.max(s["pull"])), ".1f"), f"eq13_sd_{i}": (float(np.max(s["sd"])), ".2f"),
                     f"eq13_early_{i}": (float(np.max(np.abs(s["mean"][sel] - 1))), ".1e")})
    max_pull = max(float(np.max(s["pull"])) for s in rules)
    n_tests = n_rig * rules[0]["pull"][1:].size
    early_dev = max(float(np.max(np.abs(s["mean"][sel] - 1))) for s in rules)
    early_se = max(float(np.max(s["se"][sel])) for s in rules)
    max_se = max(float(np.max(s["se"])) for s in rules)
    threshold = float(st.student_threshold(n_seeds, n_tests))
    truncated, lmax = {}, {}
    for run in ("sum", "spec"):
        lmax[run] = ds.sizes[f"{run}_l"] - 1
        for i in range(n_rig):
            ts = tp.truncated_sum(ds[f"{run}_cl_A"].values[i].astype(float)).mean(axis=0)
            truncated[i, run] = ts / ts[0]
    glue.update({"eq13_maxpull": (max_pull, ".1f"), "eq13_threshold": (threshold, ".1f"), "eq13_ntests": (n_tests, "d"),
                 "dof_seeds": (n_seeds - 1, "d"), "eq13_early": (early_dev, ".1e"), "eq13_early_se": (early_se, ".1e"),
                 "triad_sum": (max(s["triad_sum"] for s in rules), ".0e"), "eq13_max_se": (max_se, ".3f"),
                 "eq13_se_goal": ("meets" if max_se <= 0.02 else "does not meet", ""),
                 "trunc_coarse": (float(truncated[n_rig - 1, "sum"][-1]), ".3f"),
                 "trunc_fine": (float(truncated[n_rig - 1, "spec"][-1]), ".3f")})
    return dict(per_rigidity=rules, max_pull=max_pull, n_tests=n_tests, threshold=threshold,
                p_value=st.bonferroni_p(max_pull, n_seeds, n_tests), early_dev=early_dev, early_se=early_se,
                max_se=max_se, truncated=truncated, lmax=lmax, records=records, glue=glue)


# -- the dipole ------------------------------------------------------------------------------------
def dipole_decay(ds, window, *, n_boot: int, rng: np.random.Generator) -> dict:
    """The decay of the set-up A dipole: <C_1> = <|D|^2>, its coherent part <d>^2, fitted rates.

    Draws from ``rng`` in this order: the dipole power of each rigidity, then the decay rate of
    <|D|^2> over ``window`` (spectrum run), the same for the sum-rule run, and the rate of
    <d> = <v(-T).v(0)> over 0 <= nu T <= 1, each for every rigidity.

    Returns
    -------
    dict
        ``dip`` (:func:`~cranisotropy.testparticle_statistics.dipole_power` per rigidity),
        ``dsq`` (``{run: [<|D|^2> per seed, (seed, time)]}``), ``decay``, ``decay_sum``,
        ``decay_vacf`` (:func:`~cranisotropy.testparticle_statistics.decay_rate` records per
        rigidity), ``pixels_equal_anafast`` (per rigidity: the pixel-tensor |D|^2 equals
        anafast's C_1/C_1(0)), ``rate_dev`` (largest |rate - 2|), ``farthest`` (the rate record
        farthest from 2), ``records`` and ``glue``.
    """
    lo, hi = _window("window", window)
    n_rig = ds.sizes["rigidity"]
    nu_T = ds["nu_T"].values
    M = {run: [ds[f"{run}_M_A"].values[i].astype(float) for i in range(n_rig)] for run in ("spec", "sum")}
    dip = [st.dipole_power(M["spec"][i], tp.AXES, n_boot=n_boot, rng=rng) for i in range(n_rig)]
    c1_anafast = [ds["spec_cl_A"].values[i][:, :, 1].astype(float) / ds["spec_cl_A"].values[i][:, :1, 1]
                  for i in range(n_rig)]
    dsq = {run: [np.sum(st.dipoles(M[run][i], tp.AXES) ** 2, axis=-1).mean(axis=(1, 3)) for i in range(n_rig)]
           for run in ("spec", "sum")}                                   # <|D|^2> per field
    decay = [st.decay_rate(nu_T, dsq["spec"][i], [lo, hi], n_boot=n_boot, rng=rng) for i in range(n_rig)]
    decay_sum = [st.decay_rate(nu_T, dsq["sum"][i], [lo, hi], n_boot=n_boot, rng=rng) for i in range(n_rig)]
    decay_vacf = [st.decay_rate(nu_T, np.trace(M["spec"][i], axis1=-2, axis2=-1).mean(axis=1), [0.0, 1.0],
                                n_boot=n_boot, rng=rng) for i in range(n_rig)]
    k2 = int(np.argmin(np.abs(nu_T - 2.0)))
    glue, records = {}, {}
    for i, (r, d) in enumerate(zip(_rigidities(ds), dip)):
        kmin = st.first_minimum(d["d"])
        neg = np.nonzero(d["d"] + 2 * d["d_err"] < 0)[0]                  # significantly negative
        glue.update({f"rate_{i}": (decay[i]["rate"], ".2f"), f"rate_err_{i}": (decay[i]["err"], ".2f"),
                     f"rate16_{i}": (decay_sum[i]["rate"], ".2f"), f"rate16_err_{i}": (decay_sum[i]["err"], ".2f"),
                     f"rate_vacf_{i}": (decay_vacf[i]["rate"], ".2f"),
                     f"rate_vacf_err_{i}": (decay_vacf[i]["err"], ".2f"),
                     f"dmin_{i}": (d["d"][kmin], "+.3f"), f"dmin_err_{i}": (d["d_err"][kmin], ".3f"),
                     f"dmin_nuT_{i}": (nu_T[kmin], "g"),
                     f"dneg_{i}": (f"{nu_T[neg[0]]:g}" if neg.size else "not within the run", ""),
                     f"tot2_{i}": (d["total"][k2], ".3f"), f"coh2_{i}": (d["coherent"][k2], ".4f"),
                     f"incoh_frac2_{i}": (d["incoherent"][k2] / d["total"][k2], ".2f")})
        records[f"dipole_power_{i}"] = dict(rigidity=r, nu_T=nu_T, total=d["total"], total_err=d["total_err"],
                                            coherent=d["coherent"], d=d["d"], d_err=d["d_err"])
    rate_dev = float(max(abs(d["rate"] - 2) for d in decay))
    glue.update({"decay_lo": (lo, "g"), "decay_hi": (hi, "g"), "nuT_2": (nu_T[k2], "g"), "rate_dev": (rate_dev, ".2f")})
    return dict(dip=dip, dsq=dsq, decay=decay, decay_sum=decay_sum, decay_vacf=decay_vacf,
                pixels_equal_anafast=[bool(np.allclose(dsq["spec"][i], c1_anafast[i], rtol=1e-3, atol=1e-6))
                                      for i in range(n_rig)],
                rate_dev=rate_dev, farthest=decay[int(np.argmax([abs(d["rate"] - 2) for d in decay]))],
                records=records, glue=glue)


# -- the ratio spectrum ----------------------------------------------------------------------------
def ratio_spectra(ds, *, ell_compare: int, plateau_width: int, slope_range, n_boot: int,
                  rng: np.random.Generator, tolerance: float = np.log(1.5)) -> dict:
    """Set-up A's ratio spectra <C_l>/<C_1> (spectrum run) against Eqs. 20-21, stationarity first.

    Per rigidity, in this order of draws from ``rng``: the plateau-subtracted ratio spectrum
    (``n_boot`` resamples) and the raw one (50 resamples).  Eq. 21 is compared over
    2 <= l <= ``ell_compare``; the slope is fitted over ``slope_range`` at the last time.

    Returns
    -------
    dict
        ``spec`` (ratio-spectrum records with ``dev21``, ``dev20``, ``raw``, ``dev21_raw`` and
        ``kbest``, the snapshot closest to Eq. 21), ``stat`` (stationarity records), ``ells``,
        ``lmax``, ``eq21``, ``eq20``, ``eq20_dev``, ``all_stationary``, ``worst_dev`` (the largest
        distance from Eq. 21 at the last time), ``reason_21`` (empty when every spectrum is
        stationary, else why Eq. 21 cannot be judged), ``records`` and ``glue``.
    """
    ell_compare = validate.integer("ell_compare", ell_compare, minimum=3)
    s_lo, s_hi = _window("slope_range", slope_range, integer=True)
    nu_T = ds["nu_T"].values
    lmax = ds.sizes["spec_l"] - 1
    if max(ell_compare, s_hi) > lmax:
        raise ValueError(f"ell_compare and slope_range must stay within lmax = {lmax} of the spectrum run")
    ells = np.arange(2, ell_compare + 1)
    eq21 = st.eq21(lmax)
    eq20 = st.eq20_ratios(nu_T, lmax)
    eq20_dev = st.max_log_deviation(eq20, eq21, ells)
    spec, stat, glue, records = [], [], {}, {}
    for i, r in enumerate(_rigidities(ds)):
        cl = ds["spec_cl_A"].values[i].astype(float)
        s = st.ratio_spectrum(cl, plateau_width=plateau_width, n_boot=n_boot, rng=rng)
        s["dev21"] = st.max_log_deviation(s["ratio"], eq21, ells)
        s["dev20"] = st.max_log_deviation(s["ratio"], eq20, ells)
        s["raw"] = st.ratio_spectrum(cl, plateau_width=None, n_boot=50, rng=rng)["ratio"]
        s["dev21_raw"] = st.max_log_deviation(s["raw"], eq21, ells)
        stat.append(st.stationarity(s, nu_T, ells, tolerance=tolerance))
        s["kbest"] = kbest = int(np.nanargmin(s["dev21"][1:])) + 1
        spec.append(s)
        sl = st.spectral_slope(s, len(nu_T) - 1, [s_lo, s_hi]) if np.all(s["ratio"][-1, s_lo:s_hi + 1] > 0) else None
        glue.update({f"A_best_{i}": (s["dev21"][kbest], ".2f"), f"A_best_nuT_{i}": (nu_T[kbest], "g"),
                     f"A_dev_last_{i}": (s["dev21"][-1], ".2f"), f"A_devraw_last_{i}": (s["dev21_raw"][-1], ".2f"),
                     f"A_half_{i}": (stat[i]["last_doubling"]["max_abs"], ".2f"),
                     f"A_half_pull_{i}": (stat[i]["last_doubling"]["max_pull"], ".0f"),
                     f"A_stationary_{i}": ("yes" if stat[i]["stationary"] else "no", ""),
                     f"A_C2_{i}": (s["ratio"][-1, 2], ".3f"), f"A_C2_err_{i}": (s["err"][-1, 2], ".3f"),
                     f"A_C10_{i}": (s["ratio"][-1, 10], ".2e"), f"A_plateau_{i}": (s["plateau_over_c1"][-1], ".1e"),
                     f"A_slope_{i}": (sl["slope"] if sl else np.nan, ".2f"),
                     f"A_slope_err_{i}": (sl["err"] if sl else np.nan, ".2f")})
        records[f"ratio_spectrum_A_{i}"] = dict(rigidity=r, nu_T=nu_T, ratio=s["ratio"][:, :ell_compare + 1],
                                                err=s["err"][:, :ell_compare + 1], stationary=stat[i]["stationary"],
                                                change_vs_last=stat[i]["change"])
    ell_sl = np.arange(s_lo, s_hi + 1)
    all_stationary = all(s["stationary"] for s in stat)
    reason = ("" if all_stationary else
              "no T-independent ratio spectrum within νT ≤ {:g}: over the last doubling of T the ratios still change "
              "by up to {:.2f} in ln (tolerance ln 1.5 = 0.41); the spectrum passes closest to Eq. 21 at νT = {} "
              "(largest |ln| = {}) and moves on".format(nu_T[-1], max(s["last_doubling"]["max_abs"] for s in stat),
                                                    "/".join(f"{nu_T[s['kbest']]:g}" for s in spec),
                                                    "/".join(f"{s['dev21'][s['kbest']]:.2f}" for s in spec)))
    glue.update({"eq20_settled": (float(nu_T[np.nonzero(eq20_dev < tolerance)[0][0]]), "g"),
                 "plateau_width": (plateau_width, "d"), "ell_compare": (ell_compare, "d"),
                 "eq21_C2": (eq21[2], ".3f"), "eq21_C10": (eq21[10], ".2e"),
                 "eq21_slope": (fit.power_law(ell_sl, eq21[ell_sl], sigma=0.01, pivot=10.0).value("slope"), ".2f"),
                 "half_nuT": (float(nu_T[stat[0]["k_half"]]), "g"),
                 "reason_21": (reason or "the ratio spectrum is stationary", "")})
    return dict(spec=spec, stat=stat, ells=ells, lmax=lmax, eq21=eq21, eq20=eq20, eq20_dev=eq20_dev,
                all_stationary=all_stationary, worst_dev=float(max(s["dev21"][-1] for s in spec)), reason_21=reason,
                records=records, glue=glue)


def rigidity_comparison(ds, spectra: dict, *, at_nu_T=(1, 2, 4, 8, 16)) -> dict:
    """The ratio spectra of the lowest and the highest rigidity at equal nu T.

    ``spectra`` is the result of :func:`ratio_spectra`.  The fields of different rigidities are
    independent, so the errors add in quadrature
    (:func:`~cranisotropy.testparticle_statistics.spectrum_difference`).

    Returns
    -------
    dict
        ``max_abs_ln``, ``max_pull`` (per time), ``both_stationary``, ``statistic`` (the
        difference at the last time), ``reason`` (empty when both spectra are stationary),
        ``record`` and ``glue`` (the values at the snapshots nearest ``at_nu_T``).
    """
    nu_T = ds["nu_T"].values
    rig = _rigidities(ds)
    d = st.spectrum_difference(spectra["spec"][0], spectra["spec"][-1], spectra["ells"])
    dev, pull = d["max_abs_ln"], d["max_pull"]
    glue = {}
    for j, t in enumerate(at_nu_T):
        k = int(np.argmin(np.abs(nu_T - t)))
        glue.update({f"rig_nuT_{j}": (nu_T[k], "g"), f"rig_dev_{j}": (dev[k], ".2f"), f"rig_pull_{j}": (pull[k], ".0f")})
    both = spectra["stat"][0]["stationary"] and spectra["stat"][-1]["stationary"]
    reason = ("" if both else
              f"the ratio spectra are not stationary within νT ≤ {nu_T[-1]:g}, so their asymptotic rigidity dependence "
              f"cannot be judged; at equal νT they differ by up to {np.nanmax(dev[1:]):.2f} in ln "
              f"({np.nanmax(pull[1:]):.0f}σ) between the rigidities r_g/l_c = {rig[0]:g} and {rig[-1]:g}")
    glue.update({"reason_rig": (reason or "both spectra are stationary", ""), "rg_lo": (rig[0], "g"),
                 "rg_hi": (rig[-1], "g")})
    return dict(max_abs_ln=dev, max_pull=pull, both_stationary=both, statistic=float(dev[-1]), reason=reason,
                record=dict(nu_T=nu_T, max_abs_ln=dev, max_pull=pull), glue=glue)


# -- set-up B --------------------------------------------------------------------------------------
def setup_b(ds, cal: list, *, ell_compare: int, plateau_width: int, slope_range, n_boot: int,
            rng: np.random.Generator) -> dict:
    """Set-up B (a density gradient): its dipole against -3D and its ratio spectra.

    ``cal`` are the calibration records of :func:`calibration` (``D`` and ``D_err`` per rigidity).
    Draws from ``rng`` once per rigidity (the ratio spectrum).  The spectra at the first snapshot
    after T = 0 onwards are analysed (at T = 0 the map is zero).

    Returns
    -------
    dict
        ``spec`` (ratio-spectrum records with ``slope``), ``checks`` (per rigidity: ``z``, the
        |t| of <Delta x . v(0)> + 3D at the last time, with ``dB``, ``dB_err``, ``minus_3D``),
        ``threshold`` (Bonferroni Student threshold over the rigidities), ``records`` and ``glue``.
    """
    s_lo, s_hi = _window("slope_range", slope_range, integer=True)
    nu_T = ds["nu_T"].values
    n_rig, n_seeds = ds.sizes["rigidity"], ds.sizes["seed"]
    if len(cal) != n_rig:
        raise ValueError(f"cal must hold one calibration per rigidity ({n_rig}), got {len(cal)}")
    zt = float(st.student_threshold(n_seeds, n_rig))
    spec, checks, glue, records = [], [], {}, {}
    for i, (r, c) in enumerate(zip(_rigidities(ds), cal)):
        s = st.ratio_spectrum(ds["spec_cl_B"].values[i][:, 1:].astype(float), plateau_width=plateau_width,
                              n_boot=n_boot, rng=rng)
        trB = np.trace(ds["sum_M_B"].values[i].astype(float), axis1=-2, axis2=-1).mean(axis=1)   # (seed, time)
        m, se = st.seed_mean(trB)
        z = abs(m[-1] + 3 * c["D"]) / np.hypot(se[-1], 3 * c["D_err"])
        checks.append(dict(z=float(z), dB=float(m[-1]), dB_err=float(se[-1]), minus_3D=-3 * c["D"]))
        sB = st.stationarity(s, nu_T[1:], np.arange(2, ell_compare + 1))
        sl = st.spectral_slope(s, len(nu_T) - 2, [s_lo, s_hi]) if np.all(s["ratio"][-1, s_lo:s_hi + 1] > 0) else None
        spec.append(dict(s, slope=sl))
        glue.update({f"B_dB_{i}": (float(m[-1]), ".3f"), f"B_dB_err_{i}": (float(se[-1]), ".3f"),
                     f"B_3D_{i}": (float(-3 * c["D"]), ".3f"), f"B_z_{i}": (float(z), ".1f"),
                     f"B_C2_{i}": (float(s["ratio"][-1, 2]), ".3f"), f"B_C10_{i}": (float(s["ratio"][-1, 10]), ".2e"),
                     f"B_half_{i}": (float(sB["last_doubling"]["max_abs"]), ".2f"),
                     f"B_slope_{i}": (float(sl["slope"] if sl else np.nan), ".2f"),
                     f"B_slope_err_{i}": (float(sl["err"] if sl else np.nan), ".2f"),
                     f"B_plateau_{i}": (float(s["plateau_over_c1"][-1]), ".1e")})
        records[f"ratio_spectrum_B_{i}"] = dict(rigidity=r, nu_T=float(nu_T[-1]), ratio=s["ratio"][-1, :ell_compare + 1],
                                                err=s["err"][-1, :ell_compare + 1])
    glue["B_threshold"] = (zt, ".1f")
    return dict(spec=spec, checks=checks, threshold=zt, records=records, glue=glue)
