"""The back-tracking test-particle experiment of Ahlers (2014), Eqs. 13 and 19-21: one task.

Rays leave an observer from the centres of the HEALPix pixels with p-hat = the pixel direction
and are back-tracked (dt < 0) through one realisation of the turbulent field
(:mod:`cranisotropy.magnetic_plane_waves`) with the Boris kernel (:mod:`cranisotropy.boris`).  By
Liouville's theorem f(0, x0, p) = f(-T, x(-T), p(-T)), so two initial conditions give two sky maps
from the same rays, for any axis n:

* set-up A (Ahlers' homogeneous dipole), f(-T, p) = 1 + p-hat . n: the map g_n = v(-T) . n;
* set-up B (a density gradient), f(-T, x) = 1 + x . n: the map Delta x(-T) . n.

Three orthogonal axes :data:`AXES` are analysed, each at the angle to the HEALPix pole where
P_2(n_z) = 0: the pixel quadrature of the initial second moment 4 pi mean((p-hat . n)^2) = 4 pi/3
is then exact, so S(T)/S(0) has no quadrature bias.  Their average over the three axes is the
same for every orthonormal triad (sum_n n n^T = 1), so it does not depend on how one anisotropic
field realisation is oriented against the axes.

What a task keeps (no maps): per observer and snapshot, the pixel second moments S_A, S_B of
each axis (Eq. 13 uses S = 4 pi mean(g^2), the complete sum_l (2l+1) C_l), and the tensors

    M_A[i, j] = mean_pixels v_i(-T) p_j,     M_B[i, j] = mean_pixels Delta x_i(-T) p_j,

from which the dipole vector of any axis' map follows (D_j = 3 n_i M_ij; the velocity
autocorrelation <v(-T).v(0)> = tr M_A); and the anafast spectra C_l of both set-ups averaged over
the axes (l from 0 to 3 Nside - 1).  The calibration task forward-tracks particles from random
points and keeps <|Delta x|^2>(t) and <v(t).v(0)>(t).

Randomness: every task receives :class:`numpy.random.SeedSequence` objects from
:func:`seed_tree`; nothing here reads a global random state.  The orchestration (dask, cache,
dataset) is :mod:`cranisotropy.testparticle_runs`; the statistics are
:mod:`cranisotropy.testparticle_statistics`.

Examples
--------
>>> import numpy as np
>>> bool(np.allclose(AXES @ AXES.T, np.eye(3))), bool(np.allclose(AXES[:, 2], 3 ** -0.5))
(True, True)
"""

from __future__ import annotations

import time

import healpy as hp
import numpy as np

from . import boris, fit, validate
from .magnetic_plane_waves import make_field

#: Three orthonormal dipole / gradient axes, each with n_z = 1/sqrt(3) (P_2(n_z) = 0).
AXES = np.array([[np.sqrt(2 / 3), 0.0, 1 / np.sqrt(3)],
                 [-1 / np.sqrt(6), 1 / np.sqrt(2), 1 / np.sqrt(3)],
                 [-1 / np.sqrt(6), -1 / np.sqrt(2), 1 / np.sqrt(3)]])


# -- seeds ---------------------------------------------------------------------------------------
def seed_tree(entropy: int, n_rigidities: int, n_seeds: int) -> list:
    """Independent seeds for every (rigidity, field seed): ``[r][s]`` is a dict of three
    :class:`numpy.random.SeedSequence` (``field``, ``observers``, ``particles``).

    Built by :meth:`numpy.random.SeedSequence.spawn` from ``SeedSequence(entropy)``: each
    rigidity has its own fields, observers and calibration particles; adding seeds or rigidities
    does not change the existing ones.

    Examples
    --------
    >>> t = seed_tree(16, 2, 3)
    >>> len(t), len(t[0]), t[1][2]["field"].spawn_key
    (2, 3, (1, 2, 0))
    """
    entropy = validate.integer("entropy", entropy, minimum=0, allow_array=False)
    n_rigidities = validate.integer("n_rigidities", n_rigidities, minimum=1, allow_array=False)
    n_seeds = validate.integer("n_seeds", n_seeds, minimum=1, allow_array=False)
    root = np.random.SeedSequence(entropy)
    return [[dict(zip(("field", "observers", "particles"), s.spawn(3))) for s in r.spawn(n_seeds)]
            for r in root.spawn(n_rigidities)]


# -- skies -------------------------------------------------------------------------------------
def sky_directions(nside: int) -> np.ndarray:
    """Unit vectors (Npix, 3) of the HEALPix pixel centres (RING order).

    Examples
    --------
    >>> sky_directions(1).shape
    (12, 3)
    """
    nside = validate.integer("nside", nside, minimum=1, allow_array=False)
    if nside & (nside - 1):
        raise ValueError(f"nside must be a power of 2, got {nside}")
    return np.ascontiguousarray(np.array(hp.pix2vec(nside, np.arange(hp.nside2npix(nside)))).T)


def second_moment(maps) -> np.ndarray:
    """Pixel-space second moment 4 pi mean(map^2) = sum_{l>=0} (2l+1) C_l (all l), per map.

    Examples
    --------
    >>> n = AXES[0]
    >>> float(second_moment(sky_directions(8) @ n) / (4 * np.pi / 3))
    1.0
    """
    m = validate.finite("maps", maps)
    return 4 * np.pi * np.mean(np.asarray(m) ** 2, axis=-1)


def spectra(maps, lmax: int | None = None, iter: int = 0) -> np.ndarray:
    """anafast C_l, l = 0..lmax (default 3 Nside - 1), of each map of ``maps`` (..., Npix).

    ``iter`` is healpy's number of Jacobi iterations of map2alm; 0 (plain quadrature) is exact to
    3e-10 relative for the initial dipole at Nside 64 (see the tests), and five times cheaper
    than iter = 3.

    Examples
    --------
    >>> cl = spectra(sky_directions(16) @ AXES[0])
    >>> cl.shape, bool(abs(cl[1] / (4 * np.pi / 9) - 1) < 1e-6)
    ((48,), True)
    """
    m = np.asarray(validate.finite("maps", maps), dtype=float)
    npix = m.shape[-1]
    nside = hp.npix2nside(npix)
    lmax = 3 * nside - 1 if lmax is None else validate.integer("lmax", lmax, minimum=0, allow_array=False)
    iter = validate.integer("iter", iter, minimum=0, allow_array=False)
    flat = m.reshape(-1, npix)
    alms = np.atleast_2d(hp.map2alm(flat, lmax=lmax, iter=iter, pol=False))
    ell, em = hp.Alm.getlm(lmax)
    w = np.where(em == 0, 1.0, 2.0)
    cl = np.array([np.bincount(ell, weights=w * np.abs(a) ** 2, minlength=lmax + 1) for a in alms])
    cl /= 2 * np.arange(lmax + 1) + 1
    return cl.reshape(*m.shape[:-1], lmax + 1)


def truncated_sum(cl) -> np.ndarray:
    """sum_{l <= lmax} (2l+1) C_l over the last axis of ``cl`` (l from 0).

    Examples
    --------
    >>> float(truncated_sum([0.0, 1.0, 0.5]))
    5.5
    """
    cl = np.asarray(validate.finite("cl", cl))
    ell = np.arange(cl.shape[-1])
    return np.sum((2 * ell + 1) * cl, axis=-1)


def observer_positions(n: int, rng: np.random.Generator, box: float = 1000.0) -> np.ndarray:
    """``n`` observer positions uniform in [0, box]^3 (l_c), far apart compared to sqrt(D T).

    Examples
    --------
    >>> observer_positions(2, np.random.default_rng(0), box=10.0).shape
    (2, 3)
    """
    n = validate.integer("n", n, minimum=1, allow_array=False)
    box = validate.positive("box", box, allow_array=False)
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator")
    return rng.uniform(0, box, size=(n, 3))


def snapshot_steps(nu_T, nu: float, dt: float) -> np.ndarray:
    """Whole numbers of steps of length ``dt`` closest to the times nu T in ``nu_T``.

    Examples
    --------
    >>> snapshot_steps([0, 0.5, 1.0], nu=2.0, dt=0.05).tolist()
    [0, 5, 10]
    """
    nu_T = np.atleast_1d(validate.nonnegative("nu_T", nu_T))
    nu = validate.positive("nu", nu, allow_array=False)
    dt = validate.positive("dt", dt, allow_array=False)
    steps = np.round(nu_T / (nu * dt)).astype(np.int64)
    if np.any(np.diff(steps) < 0):
        raise ValueError("nu_T must be non-decreasing")
    return steps


def backtrack(field, observers, nside: int, rigidity: float, dt: float, steps, *,
              axes=AXES, iter: int = 0) -> dict:
    """Back-track the pixel rays of every observer and summarise the maps at each snapshot.

    Parameters
    ----------
    field : TurbulentField
    observers : array_like, shape (n, 3)
        Observer positions.
    nside : int
        HEALPix resolution of the ray bundle (one ray per pixel centre).
    rigidity : float
        r_g / l_c.
    dt : float
        Step length (> 0); the rays run with -dt.
    steps : array_like of int
        Cumulative, non-decreasing step counts of the snapshots.
    axes : array_like, shape (k, 3)
        Unit axes n of the two set-ups.
    iter : int
        anafast iterations (:func:`spectra`).

    Returns
    -------
    dict
        ``S_A``, ``S_B`` (time, observer, axis); ``M_A``, ``M_B`` (time, observer, 3, 3);
        ``cl_A``, ``cl_B`` (time, observer, l), the axis-averaged anafast spectra.

    Examples
    --------
    >>> from cranisotropy.magnetic_plane_waves import make_field
    >>> out = backtrack(make_field(8), [[0.0, 0, 0]], 2, 1.0, 0.05, [0, 3])
    >>> out["S_A"].shape, out["M_A"].shape, out["cl_A"].shape
    ((2, 1, 3), (2, 1, 3, 3), (2, 1, 6))
    >>> bool(np.allclose(out["S_A"][0], 4 * np.pi / 3))
    True
    """
    x0 = np.asarray(validate.finite("observers", observers), dtype=float)
    if x0.ndim != 2 or x0.shape[1] != 3:
        raise ValueError(f"observers must have shape (n, 3), got {x0.shape}")
    dt = validate.positive("dt", dt, allow_array=False)
    steps = np.atleast_1d(validate.integer("steps", steps, minimum=0))
    if np.any(np.diff(steps) < 0):
        raise ValueError("steps must be non-decreasing")
    axes = np.atleast_2d(validate.finite("axes", axes))
    if axes.shape[-1] != 3 or not np.allclose(np.linalg.norm(axes, axis=1), 1, atol=1e-12):
        raise ValueError("axes must be unit vectors of shape (k, 3)")
    d = sky_directions(nside)
    n, npix, nt, k = len(x0), len(d), len(steps), len(axes)
    lmax = 3 * nside - 1
    x_start = np.repeat(x0, npix, axis=0)
    x = x_start.copy()                  # (a view of x_start would move the start with the rays)
    v = np.ascontiguousarray(np.tile(d, (n, 1)))
    out = dict(S_A=np.empty((nt, n, k)), S_B=np.empty((nt, n, k)), M_A=np.empty((nt, n, 3, 3)),
               M_B=np.empty((nt, n, 3, 3)), cl_A=np.empty((nt, n, lmax + 1)),
               cl_B=np.empty((nt, n, lmax + 1)))
    done = 0
    for j, s in enumerate(steps):
        boris.push(x, v, field, rigidity, -dt, int(s - done))
        done = int(s)
        vv = v.reshape(n, npix, 3)
        dx = (x - x_start).reshape(n, npix, 3)
        out["S_A"][j] = second_moment(np.moveaxis(vv @ axes.T, -1, -2))
        out["S_B"][j] = second_moment(np.moveaxis(dx @ axes.T, -1, -2))
        out["M_A"][j] = np.einsum("opi,pj->oij", vv, d) / npix
        out["M_B"][j] = np.einsum("opi,pj->oij", dx, d) / npix
        # the axis average of C_l equals the average over any orthonormal frame: use x, y, z
        out["cl_A"][j] = spectra(np.moveaxis(vv, -1, -2), iter=iter).mean(axis=1)
        out["cl_B"][j] = spectra(np.moveaxis(dx, -1, -2), iter=iter).mean(axis=1)
    return out


# -- the two tasks -------------------------------------------------------------------------------
def sky_task(rigidity: float, nu: float, nu_T, *, nside: int, n_observers: int, first: int,
             count: int, seeds: dict, dt_factor: float = 0.05, field_kw: dict | None = None,
             box: float = 1000.0, iter: int = 0) -> dict:
    """One sky task: observers ``first`` .. ``first + count - 1`` of the ``n_observers`` of one
    (rigidity, field seed), back-tracked to the snapshot times nu T in ``nu_T``.

    The field is drawn from ``seeds["field"]``, all ``n_observers`` positions from
    ``seeds["observers"]`` (so they do not depend on how the observers are split into tasks).
    Returns :func:`backtrack`'s arrays plus ``steps`` and ``seconds`` (wall time of the task).

    Examples
    --------
    >>> s = seed_tree(1, 1, 1)[0][0]
    >>> out = sky_task(1.0, 0.4, [0, 0.1], nside=2, n_observers=3, first=1, count=2, seeds=s,
    ...                field_kw=dict(n_modes=8))
    >>> out["S_A"].shape, out["steps"].tolist()
    ((2, 2, 3), [0, 5])
    """
    rigidity = validate.positive("rigidity", rigidity, allow_array=False)
    n_observers = validate.integer("n_observers", n_observers, minimum=1, allow_array=False)
    first = validate.integer("first", first, minimum=0, allow_array=False)
    count = validate.integer("count", count, minimum=1, allow_array=False)
    if first + count > n_observers:
        raise ValueError(f"observers first + count = {first + count} exceed n_observers = {n_observers}")
    t0 = time.perf_counter()
    dt = validate.positive("dt_factor", dt_factor, allow_array=False) * rigidity
    steps = snapshot_steps(nu_T, nu, dt)
    field = make_field(seed=seeds["field"], **(field_kw or {}))
    pos = observer_positions(n_observers, np.random.default_rng(seeds["observers"]), box)
    out = backtrack(field, pos[first:first + count], nside, rigidity, dt, steps, iter=iter)
    out["steps"] = steps
    out["seconds"] = time.perf_counter() - t0
    return out


def calibration_task(rigidity: float, *, seeds: dict, n_particles: int, t_max: float,
                     n_out: int = 300, dt_factor: float = 0.05, field_kw: dict | None = None,
                     box: float = 1000.0) -> dict:
    """Forward-track ``n_particles`` from random points with isotropic directions in the field of
    ``seeds["field"]`` (start points and directions from ``seeds["particles"]``).

    Returns ``t`` (n_out times up to about ``t_max``, units l_c/c), ``msd`` = <|Delta x|^2>(t),
    ``vacf`` = <v(t).v(0)>(t) (means over the particles), ``seconds``.  The diffusion
    coefficient follows from ``msd`` (:func:`diffusion_coefficient`);
    by Green and Kubo also D = (1/3) int_0^inf vacf dt.

    Examples
    --------
    >>> out = calibration_task(1.0, seeds=seed_tree(1, 1, 1)[0][0], n_particles=4, t_max=1.0,
    ...                        n_out=4, field_kw=dict(n_modes=8))
    >>> out["t"].tolist(), float(out["vacf"][0]) < 1
    ([0.25, 0.5, 0.75, 1.0], True)
    """
    rigidity = validate.positive("rigidity", rigidity, allow_array=False)
    n_particles = validate.integer("n_particles", n_particles, minimum=1, allow_array=False)
    t_max = validate.positive("t_max", t_max, allow_array=False)
    n_out = validate.integer("n_out", n_out, minimum=2, allow_array=False)
    t0 = time.perf_counter()
    dt = validate.positive("dt_factor", dt_factor, allow_array=False) * rigidity
    per = max(1, int(round(t_max / n_out / dt)))
    field = make_field(seed=seeds["field"], **(field_kw or {}))
    rng = np.random.default_rng(seeds["particles"])
    x0 = rng.uniform(0, validate.positive("box", box, allow_array=False), size=(n_particles, 3))
    v0 = boris.isotropic_directions(n_particles, rng)
    x, v = x0.copy(), v0.copy()
    msd, vacf = np.empty(n_out), np.empty(n_out)
    for j in range(n_out):
        boris.push(x, v, field, rigidity, dt, per)
        msd[j] = np.mean(np.sum((x - x0) ** 2, axis=1))
        vacf[j] = np.mean(np.sum(v * v0, axis=1))
    return dict(t=np.arange(1, n_out + 1) * per * dt, msd=msd, vacf=vacf,
                seconds=time.perf_counter() - t0)


def diffusion_coefficient(t, msd, late_fraction: float = 0.5) -> float:
    """D (units l_c c) from <|Delta x|^2>(t): one sixth of the slope of a straight line fitted
    (:func:`cranisotropy.fit.line`, equal weights) to the points with t >= (1 - late_fraction)
    t_max.  The relaxation rate of the experiment is nu = c^2 / (3 D) (Ahlers' Eqs. 4-5 with no
    regular field).

    The points of one run are correlated, so the fit's own error means nothing; the error of D
    comes from the scatter over field seeds (:mod:`cranisotropy.testparticle_statistics`).

    Examples
    --------
    >>> t = np.linspace(1, 10, 10)
    >>> round(diffusion_coefficient(t, 6 * 0.3 * t - 0.2), 12)
    0.3
    """
    t = np.atleast_1d(validate.finite("t", t))
    msd = np.atleast_1d(validate.nonnegative("msd", msd))
    if t.shape != msd.shape or t.ndim != 1:
        raise ValueError(f"t and msd must be 1-D of the same shape, got {t.shape} and {msd.shape}")
    late_fraction = validate.positive("late_fraction", late_fraction, allow_array=False)
    if late_fraction > 1:
        raise ValueError(f"late_fraction must be <= 1, got {late_fraction!r}")
    late = t >= (1 - late_fraction) * t.max()
    if late.sum() < 2:
        raise ValueError("need at least two points in the late part of the run")
    res = fit.line(t[late], msd[late], sigma=1.0, model_name="msd(t)")
    return res.value("slope") / 6
