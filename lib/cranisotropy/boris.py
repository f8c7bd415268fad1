"""Time-reversible relativistic Boris push through a static plane-wave field.

Equation of motion at |v| = c = 1, lengths in units of l_c, field in units of B_rms:

    dx/dt = v,    dv/dt = v x b(x) / r_g,    r_g = p c / (|q| B_rms)  (the "rigidity" below).

One step is the symmetric drift-kick-drift form: x += v dt/2; v -> rotation of v about b(x) by
the Boris angle 2 arctan(|b| dt / 2 r_g); x += v dt/2.  The rotation preserves |v| to round-off,
the step with -dt is its exact inverse (time reversibility: back-tracking then forward-tracking
returns to the start) and each sub-step preserves phase-space volume, so Liouville's theorem
holds for the discrete map exactly (the basis of Ahlers 2014, Eq. 13).

Two implementations of the same kernel: :func:`push` with ``backend="numba"`` (compiled,
``prange`` over particles) and ``backend="numpy"`` (vectorised over particles, ``np.cos``), kept
as the reference and to measure the speed-up (:func:`benchmark`).

The cost is one cosine per mode and step.  The numba kernel evaluates it as

    cos(2 pi u) = 2 c^2 - 1,   c = cos(pi r),   r = u - rint(u) in [-1/2, 1/2],

with the phase u = k.x/(2 pi) + phi/(2 pi) in turns and c an even polynomial of degree 16 in r
(a least-squares fit on Chebyshev nodes of [0, 1/2], error 3e-16): no branch, no integer conversion, so LLVM vectorises the
loop over modes (AVX2: four modes per instruction).  The constant -1 is summed once per field,
b = sum_n (2 a_n) c_n^2 - sum_n a_n.  Positions and phases stay in float64: the phase of a
mode is rounded to ~1e-16 |u|, i.e. ~1e-12 at |k.x| ~ 1e4.

Examples
--------
>>> import numpy as np
>>> from cranisotropy.magnetic_plane_waves import make_field
>>> f = make_field(16, seed=1)
>>> x, v = np.zeros((2, 3)), np.array([[1.0, 0, 0], [0, 0, 1.0]])
>>> push(x, v, f, 0.5, -0.025, 200); push(x, v, f, 0.5, 0.025, 200)
>>> bool(np.allclose(x, 0, atol=1e-11) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-14))
True
"""

from __future__ import annotations

import math
import os
import time

import numba
import numpy as np

from . import validate
from .magnetic_plane_waves import TurbulentField

# c(r) = cos(pi r) = sum_k _E[k] r^(2k), |r| <= 1/2: least-squares (Chebyshev-node) fit in r^2
# computed in 40-digit arithmetic; largest error 3.3e-16 (tests/lib/test_boris.py checks it).
_E = (1.0, -4.934802200544676, 4.058712126416498, -1.335262768843456, 0.23533063012967062,
      -0.02580688873817758, 0.001929556278037417, -0.00010456656706174584, 4.149578027057121e-06)


@numba.njit(cache=True, fastmath=True, inline="always")
def _cos_pi_half_sq(u):
    """c^2 with c = cos(pi r), r = u - rint(u); cos(2 pi u) = 2 c^2 - 1."""
    r = u - np.floor(u + 0.5)           # np.floor keeps a float: no int round trip, vectorisable
    w = r * r
    p = _E[8]
    p = p * w + _E[7]
    p = p * w + _E[6]
    p = p * w + _E[5]
    p = p * w + _E[4]
    p = p * w + _E[3]
    p = p * w + _E[2]
    p = p * w + _E[1]
    p = p * w + _E[0]
    return p * p


@numba.njit(cache=True, fastmath=True)
def _fast_cos_array(u):
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = 2.0 * _cos_pi_half_sq(u[i]) - 1.0
    return out


@numba.njit(parallel=True, cache=True, fastmath=True)
def _push_numba(x, v, kx, ky, kz, ax, ay, az, ph, sx, sy, sz, dt, inv_rg, n_steps):
    # mode table in kernel units: k/(2 pi), phase/(2 pi) (turns), 2 * amp; (sx, sy, sz) = sum amp
    n = x.shape[0]
    m_modes = kx.shape[0]
    h = 0.5 * dt
    q = 0.5 * dt * inv_rg
    for i in numba.prange(n):
        px, py, pz = x[i, 0], x[i, 1], x[i, 2]
        ux, uy, uz = v[i, 0], v[i, 1], v[i, 2]
        for _ in range(n_steps):
            px += h * ux
            py += h * uy
            pz += h * uz
            bx = 0.0
            by = 0.0
            bz = 0.0
            for m in range(m_modes):
                c2 = _cos_pi_half_sq(kx[m] * px + ky[m] * py + kz[m] * pz + ph[m])
                bx += ax[m] * c2
                by += ay[m] * c2
                bz += az[m] * c2
            tx, ty, tz = q * (bx - sx), q * (by - sy), q * (bz - sz)
            s = 2.0 / (1.0 + tx * tx + ty * ty + tz * tz)
            wx = ux + (uy * tz - uz * ty)
            wy = uy + (uz * tx - ux * tz)
            wz = uz + (ux * ty - uy * tx)
            ux += s * (wy * tz - wz * ty)
            uy += s * (wz * tx - wx * tz)
            uz += s * (wx * ty - wy * tx)
            px += h * ux
            py += h * uy
            pz += h * uz
        x[i, 0], x[i, 1], x[i, 2] = px, py, pz
        v[i, 0], v[i, 1], v[i, 2] = ux, uy, uz


def _kernel_table(field: TurbulentField) -> tuple:
    """The mode table in the units of :func:`_push_numba` (see the module docstring)."""
    kx, ky, kz, ax, ay, az, ph = field.soa()
    inv = 1.0 / (2.0 * math.pi)
    return (kx * inv, ky * inv, kz * inv, 2.0 * ax, 2.0 * ay, 2.0 * az, ph * inv,
            float(ax.sum()), float(ay.sum()), float(az.sum()))


def _push_numpy(x, v, field, dt, inv_rg, n_steps):
    h, q = 0.5 * dt, 0.5 * dt * inv_rg
    kT, amp, ph = field.k.T, field.amp, field.phase
    for _ in range(n_steps):
        x += h * v
        t = q * (np.cos(x @ kT + ph) @ amp)
        s = 2.0 / (1.0 + np.sum(t * t, axis=1))
        w = v + np.cross(v, t)
        v += s[:, None] * np.cross(w, t)
        x += h * v


def fast_cos(theta) -> np.ndarray:
    """The numba kernel's cosine, 2 cos^2(pi r) - 1 with r the phase in turns reduced to [-1/2, 1/2].

    Exposed to test it against ``np.cos``.

    Parameters
    ----------
    theta : array_like
        Angles (radians), finite.

    Returns
    -------
    ndarray
        cos(theta), shape of ``theta``.

    Examples
    --------
    >>> th = np.linspace(-7, 7, 1001)
    >>> bool(np.max(np.abs(fast_cos(th) - np.cos(th))) < 4e-15)
    True
    """
    th = np.ascontiguousarray(validate.finite("theta", theta), dtype=np.float64)
    return _fast_cos_array((th / (2 * math.pi)).ravel()).reshape(th.shape)


def _check_state(x, v):
    for name, a in (("x", x), ("v", v)):
        if not isinstance(a, np.ndarray) or a.dtype != np.float64 or a.ndim != 2 or a.shape[1] != 3:
            raise TypeError(f"{name} must be a float64 array of shape (N, 3)")
        if not a.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous (it is updated in place)")
    if x.shape != v.shape:
        raise ValueError(f"x and v must have the same shape, got {x.shape} and {v.shape}")


def push(x: np.ndarray, v: np.ndarray, field: TurbulentField, rigidity: float, dt: float,
         n_steps: int, backend: str = "numba") -> None:
    """Advance ``x`` and ``v`` by ``n_steps`` Boris steps of ``dt`` in ``field``, in place.

    Parameters
    ----------
    x, v : ndarray, float64, shape (N, 3), C-contiguous
        Positions (units l_c) and velocities (|v| = 1); updated in place.
    field : TurbulentField
        The static field.
    rigidity : float
        r_g / l_c, > 0.
    dt : float
        Step length (units l_c / c); negative back-tracks.
    n_steps : int
        Number of steps, >= 0.
    backend : {"numba", "numpy"}
        Compiled kernel or the numpy reference.

    Raises
    ------
    TypeError, ValueError
        Arrays of the wrong type, shape or layout; a non-positive rigidity; an unknown backend.
    """
    _check_state(x, v)
    if not isinstance(field, TurbulentField):
        raise TypeError("field must be a TurbulentField")
    rigidity = validate.positive("rigidity", rigidity, allow_array=False)
    dt = validate.finite("dt", dt, allow_array=False)
    n_steps = validate.integer("n_steps", n_steps, minimum=0, allow_array=False)
    if backend == "numba":
        _push_numba(x, v, *_kernel_table(field), dt, 1.0 / rigidity, n_steps)
    elif backend == "numpy":
        _push_numpy(x, v, field, dt, 1.0 / rigidity, n_steps)
    else:
        raise ValueError(f"backend must be 'numba' or 'numpy', got {backend!r}")


def isotropic_directions(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` unit vectors drawn uniformly on the sphere with the Generator ``rng``.

    Examples
    --------
    >>> d = isotropic_directions(5, np.random.default_rng(0))
    >>> d.shape, bool(np.allclose(np.linalg.norm(d, axis=1), 1))
    ((5, 3), True)
    """
    n = validate.integer("n", n, minimum=1, allow_array=False)
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator")
    u = rng.normal(size=(n, 3))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def benchmark(field: TurbulentField, n_particles: int, *, backend: str = "numba",
              min_seconds: float = 1.0, threads: int | None = None, rigidity: float = 0.25,
              seed: int = 0) -> dict:
    """Particle-steps per second of :func:`push`, measured over at least ``min_seconds``.

    One warm-up call compiles (or loads) the kernel; then pushes of ``n_particles`` are
    repeated, doubling the number of steps per call, until one call lasts ``min_seconds``
    or more; that call is the measurement.

    Parameters
    ----------
    field : TurbulentField
    n_particles : int
        Particles pushed together.
    backend : {"numba", "numpy"}
    min_seconds : float
        Shortest duration of the measured call.
    threads : int, optional
        numba threads for the measurement (restored afterwards); default: as set.
    rigidity : float
        r_g / l_c (dt = 0.05 r_g).
    seed : int
        Seed of the random start points and directions.

    Returns
    -------
    dict
        ``backend``, ``modes``, ``particles``, ``steps``, ``particle_steps``, ``seconds``,
        ``steps_per_s`` (particle-steps per second), ``threads``, ``load_before`` and
        ``load_after`` (1-minute load averages, NaN where unknown).

    Examples
    --------
    >>> from cranisotropy.magnetic_plane_waves import make_field
    >>> r = benchmark(make_field(16), 64, min_seconds=0.01)
    >>> r["seconds"] >= 0.01 and r["steps_per_s"] > 0
    True
    """
    n_particles = validate.integer("n_particles", n_particles, minimum=1, allow_array=False)
    min_seconds = validate.positive("min_seconds", min_seconds, allow_array=False)
    old = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(validate.integer("threads", threads, minimum=1, allow_array=False))
    try:
        rng = np.random.default_rng(seed)
        x0 = rng.uniform(0, 100, size=(n_particles, 3))
        v0 = isotropic_directions(n_particles, rng)
        dt = 0.05 * rigidity
        push(x0[:2].copy(), v0[:2].copy(), field, rigidity, dt, 1, backend)   # compile / warm up
        load_before = _load()
        steps = 1
        while True:
            x, v = x0.copy(), v0.copy()
            t0 = time.perf_counter()
            push(x, v, field, rigidity, dt, steps, backend)
            wall = time.perf_counter() - t0
            if wall >= min_seconds:
                break
            steps *= 2 if wall < min_seconds / 4 else max(2, int(np.ceil(1.2 * min_seconds / wall)))
        return dict(backend=backend, modes=field.n_modes, particles=n_particles, steps=steps,
                    particle_steps=n_particles * steps, seconds=wall,
                    steps_per_s=n_particles * steps / wall, threads=numba.get_num_threads(),
                    load_before=load_before, load_after=_load())
    finally:
        numba.set_num_threads(old)


def _load() -> float:
    try:
        return float(os.getloadavg()[0])
    except (OSError, AttributeError):
        return float("nan")
