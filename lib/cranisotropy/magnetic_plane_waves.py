"""Isotropic turbulent magnetic field as a sum of plane waves (Giacalone & Jokipii 1999).

    b(x) = sum_n sqrt(2) A_n e_n cos(k_n . x + phi_n),   e_n . k_n = 0,  |e_n| = 1,

with M wave numbers log-spaced over [k_min, k_max], isotropic random directions k-hat_n, a random
linear polarisation e_n in the plane perpendicular to k_n (so div b = 0 exactly, term by term),
random phases, and A_n^2 proportional to E(k_n) dk_n with E(k) ~ k^-q (q = 5/3: Kolmogorov).
Normalised so that the spatial mean <b^2> = sum_n A_n^2 = 1; lengths are in units of the
correlation length

    l_c = (pi/2) sum_n A_n^2 / k_n / sum_n A_n^2

of the realised spectrum (set to 1 by scaling the k_n).  This l_c is the integral length of the
trace correlation, l_c = int_0^inf R(r) dr / R(0) with R(r) = <b(x).b(x + r)> (one mode
contributes A_n^2 sin(k r)/(k r), whose integral is A_n^2 pi/(2 k)).  The correlation length L_c
that Harari, Mollerach & Roulet (2002) give and CRPropa computes for the same spectrum,
L_c = (L_max/2) ((q-1)/q) (1 - r^q)/(1 - r^(q-1)) with L_max = 2 pi/k_min and r = k_min/k_max,
is twice this one (:meth:`TurbulentField.harari_correlation_length`): L_c = 2 l_c, so
r_g/l_c = 1 here is r_g/L_c = 1/2 in CRPropa's units.

Each realisation is only statistically isotropic: its one-point tensor <b_i b_j> =
sum_n A_n^2 e_n,i e_n,j has eigenvalues that scatter around 1/3 (:meth:`TurbulentField.anisotropy`).
The mode table that the kernel reads is :mod:`cranisotropy.boris`'s.

References
----------
.. [1] J. Giacalone & J. R. Jokipii, ApJ 520, 204 (1999).
.. [2] D. Harari, S. Mollerach & E. Roulet, JHEP 03 (2002) 045 (their L_c, as CRPropa computes it).

Examples
--------
>>> f = make_field(64, seed=3)
>>> round(f.mean_square, 12), round(f.correlation_length, 12)
(1.0, 1.0)
>>> round(make_field(4096, k_ratio=1e4, seed=3).harari_correlation_length(), 2)
2.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import validate


@dataclass(frozen=True)
class TurbulentField:
    """One realisation of the plane-wave field.

    Attributes
    ----------
    k : ndarray, shape (M, 3)
        Wave vectors (units 1/l_c).
    amp : ndarray, shape (M, 3)
        sqrt(2) A_n e_n, the amplitude times the unit polarisation.
    phase : ndarray, shape (M,)
        Phases phi_n.
    n_modes, k_ratio, spectral_index
        The parameters that made it.
    seed : int or numpy.random.SeedSequence
        The seed it was drawn from.
    """

    k: np.ndarray
    amp: np.ndarray
    phase: np.ndarray
    n_modes: int
    k_ratio: float
    spectral_index: float
    seed: object

    @property
    def correlation_length(self) -> float:
        """l_c = (pi/2) sum A_n^2/k_n / sum A_n^2 (1 by construction)."""
        a2 = 0.5 * np.sum(self.amp**2, axis=1)
        kk = np.linalg.norm(self.k, axis=1)
        return float(np.pi / 2 * np.sum(a2 / kk) / np.sum(a2))

    def harari_correlation_length(self) -> float:
        """L_c of Harari et al. (2002) / CRPropa for this field's k range and spectral index.

        L_c = (L_max/2) ((q-1)/q) (1 - r^q)/(1 - r^(q-1)), L_max = 2 pi/k_min, r = k_min/k_max
        (CRPropa's ``turbulentCorrelationLength``); for q = 1 the limit of that formula.  For a
        continuous spectrum it is exactly 2 l_c; for M log-spaced modes it differs from 2 l_c by
        the discretisation of the spectrum.

        Examples
        --------
        >>> round(make_field(256, seed=1).harari_correlation_length(), 2)
        1.98
        """
        kk = np.linalg.norm(self.k, axis=1)
        kmin, kmax = float(kk.min()), float(kk.max())
        q, lmax = self.spectral_index, 2 * np.pi / kmin
        r = kmin / kmax
        if r == 1.0:
            return lmax / 2
        if abs(q - 1) < 1e-12:
            return lmax / 2 * (1 - r) / np.log(1 / r)
        return float(lmax / 2 * (q - 1) / q * (1 - r**q) / (1 - r ** (q - 1)))

    @property
    def mean_square(self) -> float:
        """Spatial mean <b^2> = sum_n A_n^2 (1 by construction)."""
        return float(0.5 * np.sum(self.amp**2))

    def anisotropy(self) -> np.ndarray:
        """The realisation's one-point tensor <b_i b_j> (spatial mean), trace 1.

        An isotropic ensemble has <b_i b_j> = delta_ij / 3; one realisation of M modes has
        eigenvalues that scatter around 1/3 by about sqrt(2 / (5 M_eff)), M_eff the effective
        number of modes (the amplitudes are unequal).

        Examples
        --------
        >>> t = make_field(256, seed=1).anisotropy()
        >>> round(float(np.trace(t)), 12), bool(np.allclose(t, t.T))
        (1.0, True)
        """
        return 0.5 * self.amp.T @ self.amp

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


def _seed(seed):
    """An int >= 0 or a SeedSequence, validated."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return validate.integer("seed", seed, minimum=0, allow_array=False)


def make_field(n_modes: int = 256, k_ratio: float = 100.0, spectral_index: float = 5 / 3,
               seed=0) -> TurbulentField:
    """A plane-wave turbulent field with <b^2> = 1 and l_c = 1 exactly.

    Parameters
    ----------
    n_modes : int
        Number of plane waves M.
    k_ratio : float
        k_max / k_min (>= 1); the wave numbers are log-spaced.
    spectral_index : float
        q of E(k) ~ k^-q (5/3: Kolmogorov).
    seed : int or numpy.random.SeedSequence
        Seed of the realisation (directions, polarisations, phases).

    Returns
    -------
    TurbulentField

    Raises
    ------
    ValueError, TypeError
        A non-positive ``n_modes``, ``k_ratio`` < 1, a non-finite index, a negative or
        non-integer seed.

    Examples
    --------
    >>> f = make_field(8, seed=np.random.SeedSequence(1).spawn(1)[0])
    >>> f.k.shape, f.amp.shape
    ((8, 3), (8, 3))
    """
    n_modes = validate.integer("n_modes", n_modes, minimum=1, allow_array=False)
    k_ratio = validate.positive("k_ratio", k_ratio, allow_array=False)
    if k_ratio < 1:
        raise ValueError(f"k_ratio must be >= 1, got {k_ratio!r}")
    q = validate.finite("spectral_index", spectral_index, allow_array=False)
    seed = _seed(seed)
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
