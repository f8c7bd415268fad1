"""Isotropic turbulent magnetic field as a sum of plane waves (Giacalone & Jokipii 1999).

    b(x) = sum_n sqrt(2) A_n e_n cos(k_n . x + phi_n),   e_n . k_n = 0,  |e_n| = 1,

with M wave numbers log-spaced over [k_min, k_max], isotropic random directions k-hat_n, a random
linear polarisation e_n in the plane perpendicular to k_n (so div b = 0 exactly, term by term),
random phases, and A_n^2 proportional to E(k_n) dk_n with E(k) ~ k^-q (q = 5/3: Kolmogorov).
Normalised so that the spatial mean <b^2> = sum_n A_n^2 = 1; lengths are in units of the
correlation length l_c = (pi/2) sum_n A_n^2 / k_n / sum_n A_n^2 of the realised spectrum (set to 1
by scaling the k_n).  This is the field of the back-tracking experiment (design note,
numerical-experiment.md); the kernel that moves particles through it is :mod:`cranisotropy.boris`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import validate


@dataclass(frozen=True)
class TurbulentField:
    """One realisation: wave vectors ``k`` (M, 3), amplitude-times-polarisation ``amp`` (M, 3)
    (= sqrt(2) A_n e_n), phases ``phase`` (M,), and the parameters that made it."""

    k: np.ndarray
    amp: np.ndarray
    phase: np.ndarray
    n_modes: int
    k_ratio: float
    spectral_index: float
    seed: int

    @property
    def correlation_length(self) -> float:
        """l_c = (pi/2) sum A_n^2/k_n / sum A_n^2 (1 by construction)."""
        a2 = 0.5 * np.sum(self.amp**2, axis=1)
        kk = np.linalg.norm(self.k, axis=1)
        return float(np.pi / 2 * np.sum(a2 / kk) / np.sum(a2))

    @property
    def mean_square(self) -> float:
        """Spatial mean <b^2> = sum_n A_n^2 (1 by construction)."""
        return float(0.5 * np.sum(self.amp**2))

    def soa(self):
        """The mode table as seven contiguous float64 arrays (kx, ky, kz, ax, ay, az, phase)."""
        return tuple(np.ascontiguousarray(a, dtype=np.float64) for a in
                     (*self.k.T, *self.amp.T, self.phase))

    def __call__(self, x) -> np.ndarray:
        """b at positions ``x`` (..., 3), in units of the rms field."""
        x = np.asarray(validate.finite("x", x), dtype=float)
        if x.shape[-1] != 3:
            raise ValueError(f"x must have a last axis of length 3, got shape {x.shape}")
        return np.cos(x @ self.k.T + self.phase) @ self.amp

    def divergence(self, x) -> np.ndarray:
        """Analytic div b = -sum_n sqrt(2) A_n (e_n . k_n) sin(k_n . x + phi_n) at ``x`` (..., 3)."""
        x = np.asarray(validate.finite("x", x), dtype=float)
        if x.shape[-1] != 3:
            raise ValueError(f"x must have a last axis of length 3, got shape {x.shape}")
        return -np.sin(x @ self.k.T + self.phase) @ np.sum(self.amp * self.k, axis=1)


def make_field(n_modes: int = 256, k_ratio: float = 100.0, spectral_index: float = 5 / 3,
               seed: int = 0) -> TurbulentField:
    """A plane-wave turbulent field with ``n_modes`` modes over k_max/k_min = ``k_ratio``,
    E(k) ~ k^-spectral_index, fixed ``seed``; <b^2> = 1 and l_c = 1 exactly."""
    n_modes = validate.integer("n_modes", n_modes, minimum=1, allow_array=False)
    k_ratio = validate.positive("k_ratio", k_ratio, allow_array=False)
    if k_ratio < 1:
        raise ValueError(f"k_ratio must be >= 1, got {k_ratio!r}")
    q = validate.finite("spectral_index", spectral_index, allow_array=False)
    seed = validate.integer("seed", seed, minimum=0, allow_array=False)
    rng = np.random.default_rng(seed)
    kk = np.geomspace(1.0, k_ratio, n_modes)
    # log spacing: dk ~ k, so A^2 ~ E(k) k ~ k^(1 - q)
    a2 = kk ** (1.0 - q)
    a2 /= a2.sum()
    kk *= np.pi / 2 * np.sum(a2 / kk)          # rescale so that l_c = 1
    cos_t = rng.uniform(-1, 1, n_modes)
    phi = rng.uniform(0, 2 * np.pi, n_modes)
    sin_t = np.sqrt(1 - cos_t**2)
    khat = np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)
    e1 = np.stack([cos_t * np.cos(phi), cos_t * np.sin(phi), -sin_t], axis=1)
    e2 = np.stack([-np.sin(phi), np.cos(phi), np.zeros(n_modes)], axis=1)
    psi = rng.uniform(0, 2 * np.pi, n_modes)
    pol = np.cos(psi)[:, None] * e1 + np.sin(psi)[:, None] * e2
    phase = rng.uniform(0, 2 * np.pi, n_modes)
    return TurbulentField(k=kk[:, None] * khat, amp=np.sqrt(2 * a2)[:, None] * pol, phase=phase,
                          n_modes=n_modes, k_ratio=float(k_ratio), spectral_index=float(q), seed=seed)
