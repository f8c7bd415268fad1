"""The back-tracking test-particle experiment of Ahlers (2014), Eqs. 13 and 19-21.

Rays leave an observer from the centres of the HEALPix pixels with p-hat = the pixel direction
and are back-tracked (dt < 0) through one realisation of the turbulent field
(:mod:`cranisotropy.magnetic_plane_waves`) with the Boris kernel (:mod:`cranisotropy.boris`).  By
Liouville's theorem f(0, x0, p) = f(-T, x(-T), p(-T)), so two initial conditions give two sky maps
from the same rays:

* set-up A (Ahlers' homogeneous dipole), f(-T, p) = 1 + p-hat . n: the map g = p-hat(-T) . n;
* set-up B (a density gradient), f(-T, x) = 1 + x . n: the map Delta z(-T) = (x(-T) - x0) . n.

The axis n (the "z" of the design note) is (1, 1, 1)/sqrt(3), at the angle to the HEALPix pole where
P_2(n_z) = 0: the pixel quadrature of the initial second moment 4 pi mean((p-hat . n)^2) is then
exact (for n along the pole it is off by 1.5e-3 at Nside 8), so S(T)/S(0) has no quadrature bias.

The sum rule (Eq. 13) is tested with the pixel-space second moment S = 4 pi mean(g^2), which is
the complete sum_l (2l+1) C_l; the anafast spectrum is truncated at l <= 3 Nside - 1.  The
relaxation rate is calibrated as nu = c^2 / (3 D) from the measured diffusion coefficient.
Long runs are cached under ``paths.cache_dir()/testparticle`` by a hash of their parameters.
"""

from __future__ import annotations

import hashlib
import json

import healpy as hp
import numpy as np

from . import boris, validate
from .book import paths  # TODO(issue 16): the cache moves out of the physics module
from .magnetic_plane_waves import make_field

CACHE_VERSION = "testparticle-v3"
AXIS = np.ones(3) / np.sqrt(3)     # dipole / gradient direction n (see the module docstring)   # bump when the computation changes


# -- caching ---------------------------------------------------------------------------------
def cache_key(tag: str, params: dict) -> str:
    """Stable hash of ``tag`` and ``params`` (JSON, sorted keys) plus :data:`CACHE_VERSION`."""
    text = json.dumps({"tag": tag, "version": CACHE_VERSION, **params}, sort_keys=True, default=float)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def cached(tag: str, params: dict, compute) -> tuple[dict, bool]:
    """Load ``<cache>/testparticle/<tag>-<hash>.npz`` or run ``compute()`` (a dict of arrays) and
    store it.  Returns (result, loaded_from_cache)."""
    path = paths.cache_dir() / "testparticle" / f"{tag}-{cache_key(tag, params)}.npz"
    if path.is_file():
        with np.load(path) as z:
            return {k: z[k] for k in z.files}, True
    out = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, **out)
    tmp.replace(path)
    return out, False


# -- skies -------------------------------------------------------------------------------------
def sky_directions(nside: int) -> np.ndarray:
    """Unit vectors (Npix, 3) of the HEALPix pixel centres (RING order)."""
    nside = validate.integer("nside", nside, minimum=1, allow_array=False)
    if nside & (nside - 1):
        raise ValueError(f"nside must be a power of 2, got {nside}")
    return np.ascontiguousarray(np.array(hp.pix2vec(nside, np.arange(hp.nside2npix(nside)))).T)


def second_moment(maps) -> np.ndarray:
    """Pixel-space second moment 4 pi mean(map^2) = sum_{l>=0} (2l+1) C_l (all l), per map."""
    m = validate.finite("maps", maps)
    return 4 * np.pi * np.mean(np.asarray(m) ** 2, axis=-1)


def spectra(maps, lmax: int | None = None, iter: int = 3) -> np.ndarray:
    """anafast C_l (l = 0..lmax, default 3 Nside - 1) of each map of ``maps`` (..., Npix)."""
    m = np.asarray(validate.finite("maps", maps), dtype=float)
    npix = m.shape[-1]
    nside = hp.npix2nside(npix)
    lmax = 3 * nside - 1 if lmax is None else validate.integer("lmax", lmax, minimum=0, allow_array=False)
    flat = m.reshape(-1, npix)
    alms = hp.map2alm(flat, lmax=lmax, iter=iter, pol=False)
    cl = np.array([hp.alm2cl(a) for a in np.atleast_2d(alms)])
    return cl.reshape(*m.shape[:-1], lmax + 1)


def truncated_sum(cl) -> np.ndarray:
    """sum_{l <= lmax} (2l+1) C_l over the last axis of ``cl``."""
    cl = np.asarray(validate.finite("cl", cl))
    ell = np.arange(cl.shape[-1])
    return np.sum((2 * ell + 1) * cl, axis=-1)


def backtrack_skies(field, observers, nside: int, rigidity: float, dt: float, steps) -> dict:
    """Back-track rays from the pixel centres of every observer in ``observers`` (n, 3) at once.

    ``steps`` are the (cumulative, non-decreasing) step counts at which the maps are taken.
    Returns ``g`` (set-up A: p-hat(-T) . n) and ``dz`` (set-up B: (x(-T) - x0) . n), each
    (len(steps), n, Npix), with n = :data:`AXIS`.  ``dt`` > 0 is the step length; the rays run with -dt.
    """
    x0 = np.asarray(validate.finite("observers", observers), dtype=float)
    if x0.ndim != 2 or x0.shape[1] != 3:
        raise ValueError(f"observers must have shape (n, 3), got {x0.shape}")
    dt = validate.positive("dt", dt, allow_array=False)
    steps = np.atleast_1d(validate.integer("steps", steps, minimum=0))
    if np.any(np.diff(steps) < 0):
        raise ValueError("steps must be non-decreasing")
    d = sky_directions(nside)
    n, npix = len(x0), len(d)
    x = np.ascontiguousarray(np.repeat(x0, npix, axis=0))
    v = np.ascontiguousarray(np.tile(d, (n, 1)))
    g = np.empty((len(steps), n, npix))
    dz = np.empty((len(steps), n, npix))
    done = 0
    for j, k in enumerate(steps):
        boris.push(x, v, field, rigidity, -dt, int(k - done))
        done = int(k)
        g[j] = (v @ AXIS).reshape(n, npix)
        dz[j] = ((x - np.repeat(x0, npix, axis=0)) @ AXIS).reshape(n, npix)
    return dict(g=g, dz=dz)


def backtrack_sky(field, observer, nside: int, rigidity: float, dt: float, steps) -> dict:
    """:func:`backtrack_skies` for one observer at ``observer`` (3,): maps (len(steps), Npix)."""
    x0 = validate.vector3("observer", observer)
    out = backtrack_skies(field, x0[None, :], nside, rigidity, dt, steps)
    return {k: v[:, 0] for k, v in out.items()}


def observers(n: int, seed: int, box: float = 1000.0) -> np.ndarray:
    """``n`` observer positions uniform in [0, box]^3 (far apart compared to sqrt(D T))."""
    n = validate.integer("n", n, minimum=1, allow_array=False)
    box = validate.positive("box", box, allow_array=False)
    return np.random.default_rng([seed, 7]).uniform(0, box, size=(n, 3))


# -- diffusion calibration -------------------------------------------------------------------
def calibrate(rigidity: float, *, seeds, n_particles: int, t_max: float, n_out: int = 40,
              dt_factor: float = 0.05, field_kw: dict | None = None, progress=None) -> dict:
    """Diffusion coefficient D (units l_c c) from <|Delta x|^2>(t) of ``n_particles`` per field
    seed with random start points and isotropic directions: D = slope / 6 of a straight-line
    fit over t_max/2 <= t <= t_max; its error is the seed-to-seed standard error.  nu = 1/(3 D)."""
    rigidity = validate.positive("rigidity", rigidity, allow_array=False)
    t_max = validate.positive("t_max", t_max, allow_array=False)
    n_out = validate.integer("n_out", n_out, minimum=4, allow_array=False)
    seeds = [validate.integer("seeds", s, minimum=0, allow_array=False) for s in seeds]
    dt = dt_factor * rigidity
    per = max(1, int(round(t_max / n_out / dt)))
    t = np.arange(1, n_out + 1) * per * dt
    msd = np.empty((len(seeds), n_out))
    for i, s in enumerate(seeds):
        field = make_field(seed=s, **(field_kw or {}))
        rng = np.random.default_rng([s, 11])
        x0 = rng.uniform(0, 1000.0, size=(n_particles, 3))
        x = x0.copy()
        v = boris.isotropic_directions(n_particles, rng)
        for j in range(n_out):
            boris.push(x, v, field, rigidity, dt, per)
            msd[i, j] = np.mean(np.sum((x - x0) ** 2, axis=1))
            if progress is not None:
                progress.update(per * n_particles)
    late = t >= t[-1] / 2
    d_seed = np.array([np.polyfit(t[late], m[late], 1)[0] / 6 for m in msd])
    D = float(d_seed.mean())
    D_err = float(d_seed.std(ddof=1) / np.sqrt(len(seeds))) if len(seeds) > 1 else float("nan")
    return dict(t=t, msd=msd, D=D, D_err=D_err, nu=1 / (3 * D), nu_err=D_err / (3 * D**2),
                D_seed=d_seed)


# -- the sky experiment ------------------------------------------------------------------------
def sky_experiment(rigidity: float, nu: float, nu_T, *, nside: int, n_observers: int, seeds,
                   dt_factor: float = 0.05, field_kw: dict | None = None, batch: int = 32,
                   progress=None) -> dict:
    """Both set-ups for ``n_observers`` observers in each field of ``seeds``, maps at the times
    nu T in ``nu_T`` (rounded to whole steps; the realised values are returned as ``nu_T``).

    Returns arrays indexed [seed, observer, time(, l)]: ``S_A`` (pixel second moment of g),
    ``d_A`` (the coherent dipole 3 mean(g n.p-hat), 1 at T = 0), ``d_B`` (3 mean(Delta z
    n.p-hat), whose ensemble mean tends to -3 D), ``cl_A``, ``cl_B`` (anafast,
    l <= 3 Nside - 1), ``S_B``, and ``nu_T``.
    """
    rigidity = validate.positive("rigidity", rigidity, allow_array=False)
    nu = validate.positive("nu", nu, allow_array=False)
    nu_T = np.atleast_1d(validate.nonnegative("nu_T", nu_T))
    seeds = [validate.integer("seeds", s, minimum=0, allow_array=False) for s in seeds]
    n_observers = validate.integer("n_observers", n_observers, minimum=1, allow_array=False)
    batch = validate.integer("batch", batch, minimum=1, allow_array=False)
    dt = dt_factor * rigidity
    steps = np.round(nu_T / (nu * dt)).astype(int)
    npix, lmax = hp.nside2npix(nside), 3 * nside - 1
    shape = (len(seeds), n_observers, len(steps))
    zpix = sky_directions(nside) @ AXIS
    out = dict(S_A=np.empty(shape), d_A=np.empty(shape), d_B=np.empty(shape), S_B=np.empty(shape),
               cl_A=np.empty(shape + (lmax + 1,)), cl_B=np.empty(shape + (lmax + 1,)), nu_T=steps * dt * nu)
    for i, s in enumerate(seeds):
        field = make_field(seed=s, **(field_kw or {}))
        pos = observers(n_observers, s)
        for j0 in range(0, n_observers, batch):
            j1 = min(j0 + batch, n_observers)
            maps = backtrack_skies(field, pos[j0:j1], nside, rigidity, dt, steps)
            g = maps["g"].transpose(1, 0, 2)            # (observers, times, Npix)
            dz = maps["dz"].transpose(1, 0, 2)
            out["S_A"][i, j0:j1] = second_moment(g)
            out["d_A"][i, j0:j1] = 3 * np.mean(g * zpix, axis=-1)
            out["d_B"][i, j0:j1] = 3 * np.mean(dz * zpix, axis=-1)
            out["S_B"][i, j0:j1] = second_moment(dz)
            out["cl_A"][i, j0:j1] = spectra(g)
            out["cl_B"][i, j0:j1] = spectra(dz)
            if progress is not None:
                progress.update(int(steps[-1]) * npix * (j1 - j0))
    return out


# -- statistics ----------------------------------------------------------------------------------
def mean_and_error(samples, axis=0):
    """Mean over ``axis`` and its standard error (ddof = 1)."""
    a = np.asarray(validate.finite("samples", samples))
    n = a.shape[axis]
    if n < 2:
        raise ValueError("samples needs at least two entries along axis")
    return a.mean(axis=axis), a.std(axis=axis, ddof=1) / np.sqrt(n)


def ratio_of_means(a, b, axis=0):
    """mean(a)/mean(b) over ``axis`` with its delta-method standard error (covariance included)."""
    a, b = np.asarray(validate.finite("a", a)), np.asarray(validate.finite("b", b))
    n = a.shape[axis]
    ma, mb = a.mean(axis=axis), b.mean(axis=axis)
    da, db = a - np.expand_dims(ma, axis), b - np.expand_dims(mb, axis)
    va, vb = (da**2).sum(axis) / (n - 1), (db**2).sum(axis) / (n - 1)
    cov = (da * db).sum(axis) / (n - 1)
    r = ma / mb
    var = (va / mb**2 + ma**2 * vb / mb**4 - 2 * ma * cov / mb**3) / n
    return r, np.sqrt(np.maximum(var, 0))


def fit_decay_rate(t, y, y_err) -> tuple[float, float]:
    """Rate gamma of y ~ exp(-gamma t) by a weighted straight-line fit of ln y; returns
    (gamma, its standard error)."""
    t, y, e = (np.asarray(validate.finite(n, v)) for n, v in (("t", t), ("y", y), ("y_err", y_err)))
    validate.positive("y", y)
    validate.positive("y_err", e)
    w = y / e                       # 1 / sigma of ln y
    coef, cov = np.polyfit(t, np.log(y), 1, w=w, cov="unscaled")
    return float(-coef[0]), float(np.sqrt(cov[0, 0]))


def log_slope(ell, c, c_err) -> tuple[float, float]:
    """Slope of ln C against ln l (weighted straight line) and its standard error."""
    ell, c, e = (np.asarray(validate.finite(n, v)) for n, v in (("ell", ell), ("c", c), ("c_err", c_err)))
    validate.positive("ell", ell)
    validate.positive("c", c)
    validate.positive("c_err", e)
    coef, cov = np.polyfit(np.log(ell), np.log(c), 1, w=c / e, cov="unscaled")
    return float(coef[0]), float(np.sqrt(cov[0, 0]))
