"""Time-reversible relativistic Boris push through a static plane-wave field.

Equation of motion at |v| = c = 1, lengths in units of l_c, field in units of B_rms:

    dx/dt = v,    dv/dt = v x b(x) / r_g,    r_g = p c / (|q| B_rms)  (the "rigidity" below).

One step is the symmetric drift-kick-drift form: x += v dt/2; v -> rotation of v about b(x) by
the Boris angle 2 arctan(|b| dt / 2 r_g); x += v dt/2.  The rotation preserves |v| to round-off,
the step with -dt is its exact inverse (time reversibility: back-tracking then forward-tracking
returns to the start) and each sub-step preserves phase-space volume, so Liouville's theorem
holds for the discrete map exactly (the basis of Ahlers 2014, Eq. 13).

Two implementations of the same kernel: :func:`push` with ``backend="numba"`` (compiled,
``prange`` over particles, cos by range reduction and an even Taylor polynomial, error ~1e-15
plus the rounding of the phase) and ``backend="numpy"`` (vectorised over particles, ``np.cos``),
kept to measure the speed-up that justifies numba (:func:`benchmark`).
"""

from __future__ import annotations

import math
import time

import numba
import numpy as np

from . import validate
from .magnetic_plane_waves import TurbulentField

_TWOPI = 2 * math.pi
_INV2PI = 1 / (2 * math.pi)
# cos(z) = sum_k (-1)^k z^(2k)/(2k)!, |z| <= pi/2: truncation after k = 10 is below 2e-17
_C = tuple((-1) ** k / math.factorial(2 * k) for k in range(11))


@numba.njit(cache=True, fastmath=True, inline="always")
def _cos(th):
    n = math.floor(th * _INV2PI + 0.5)
    y = abs(th - n * _TWOPI)                 # in [0, pi]
    sgn = 1.0 - 2.0 * (y > 0.5 * math.pi)    # cos(y) = -cos(pi - y)
    z = min(y, math.pi - y)
    z2 = z * z
    p = _C[10]
    p = p * z2 + _C[9]
    p = p * z2 + _C[8]
    p = p * z2 + _C[7]
    p = p * z2 + _C[6]
    p = p * z2 + _C[5]
    p = p * z2 + _C[4]
    p = p * z2 + _C[3]
    p = p * z2 + _C[2]
    p = p * z2 + _C[1]
    p = p * z2 + _C[0]
    return sgn * p


@numba.njit(cache=True, fastmath=True)
def _fast_cos_array(th):
    out = np.empty_like(th)
    for i in range(th.size):
        out[i] = _cos(th[i])
    return out


@numba.njit(parallel=True, cache=True, fastmath=True)
def _push_numba(x, v, kx, ky, kz, ax, ay, az, ph, dt, inv_rg, n_steps):
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
                c = _cos(kx[m] * px + ky[m] * py + kz[m] * pz + ph[m])
                bx += ax[m] * c
                by += ay[m] * c
                bz += az[m] * c
            tx, ty, tz = q * bx, q * by, q * bz
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
    """The numba kernel's cos (range reduction + even polynomial), for testing it against np.cos."""
    th = np.ascontiguousarray(validate.finite("theta", theta), dtype=np.float64)
    return _fast_cos_array(th.ravel()).reshape(th.shape)


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
    """Advance positions ``x`` and velocities ``v`` (N, 3; |v| = 1) by ``n_steps`` Boris steps of
    ``dt`` (negative: back-tracking) in ``field`` for r_g/l_c = ``rigidity``; in place."""
    _check_state(x, v)
    if not isinstance(field, TurbulentField):
        raise TypeError("field must be a TurbulentField")
    rigidity = validate.positive("rigidity", rigidity, allow_array=False)
    dt = validate.finite("dt", dt, allow_array=False)
    n_steps = validate.integer("n_steps", n_steps, minimum=0, allow_array=False)
    if backend == "numba":
        _push_numba(x, v, *field.soa(), dt, 1.0 / rigidity, n_steps)
    elif backend == "numpy":
        _push_numpy(x, v, field, dt, 1.0 / rigidity, n_steps)
    else:
        raise ValueError(f"backend must be 'numba' or 'numpy', got {backend!r}")


def isotropic_directions(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` unit vectors drawn uniformly on the sphere."""
    n = validate.integer("n", n, minimum=1, allow_array=False)
    u = rng.normal(size=(n, 3))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def benchmark(field: TurbulentField, n_particles: int, n_steps: int, backend: str = "numba",
              rigidity: float = 0.25, seed: int = 0) -> dict:
    """Particle-steps per second of :func:`push` (after one warm-up call that compiles)."""
    n_particles = validate.integer("n_particles", n_particles, minimum=1, allow_array=False)
    n_steps = validate.integer("n_steps", n_steps, minimum=1, allow_array=False)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, size=(n_particles, 3))
    v = isotropic_directions(n_particles, rng)
    push(x[:2].copy(), v[:2].copy(), field, rigidity, 0.05 * rigidity, 1, backend)   # compile/warm
    t0 = time.perf_counter()
    push(x, v, field, rigidity, 0.05 * rigidity, n_steps, backend)
    wall = time.perf_counter() - t0
    return dict(backend=backend, n_modes=field.n_modes, particle_steps=n_particles * n_steps,
                seconds=wall, rate=n_particles * n_steps / wall, threads=numba.get_num_threads())
