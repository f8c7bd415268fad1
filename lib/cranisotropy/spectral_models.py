"""The angular power spectra that the book fits to data, in one registry.

Each :class:`SpectralModel` maps multipoles ``ell`` and parameters ``theta`` to the full-sky
angular power spectrum C_l of the relative intensity (linear, not log), knows its parameter names,
starting values and bounds, and says which paper and equation it implements.  The forward model of
the observation (what IceCube would report for such a sky) and the fits take a model from here;
nothing else in the book defines a model spectrum for fitting.

Models (:func:`registry` builds them for a set of fixed conventions):

* ``"eq21"``: Ahlers (2014), Eq. 21 (= Zhang & Liu 2024, Eq. B1, "A14"): C_l = C_1 18/((2l+1)(l+1)(l+2));
* ``"hierarchy"``: Ahlers (2014), Eq. 20 (corrected, flag F2): C_l = C~_1 <C_l>(nu T)/C~_1 from
  :func:`cranisotropy.hierarchy.spectrum`, parameters (C1, nuT);
* ``"convection"`` / ``"convection-gamma"``: Zhang & Liu (2024), Eqs. 7 + 10 (reconstructed), the
  velocity dispersion ``sigma`` in km/s under the flag-Z1 convention passed to :func:`registry`,
  with gamma fixed or free;
* ``"am15a"`` / ``"am15b"``: the two reconstructed candidates of Ahlers & Mertsch (2015), Eq. 16
  (Zhang & Liu Eq. B2), amplitude at the pivot l and beta;
* ``"power-law"``: C_l = C_p (l/l_p)^slope;
* ``"broken-power-law"``: slopes ``slope_low`` below and ``slope_high`` above a break ``l_break``,
  continuous at the break;
* ``"noise-only"``: C_l = 0 (an isotropic sky: all measured power is noise).

Examples
--------
>>> from cranisotropy import spectral_models
>>> models = spectral_models.registry()
>>> m = models["eq21"]
>>> m.params, float(m.cl([1, 2], 1e-6)[1] / 1e-6)
(('C1',), 0.3)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import am15, convection, hierarchy, validate

C_KM_S = 299_792.458   # speed of light in km/s (v = c for TeV cosmic rays)
PIVOT_ELL = 10         # pivot multipole of the amplitude parameters

__all__ = ["SpectralModel", "registry", "C_KM_S", "PIVOT_ELL"]


@dataclass(frozen=True)
class SpectralModel:
    """One model spectrum C_l(ell; theta).

    Attributes
    ----------
    name : str
        Registry key.
    label : str
        Label for figures and tables (may contain TeX between $).
    params : tuple of str
        Parameter names.
    bounds : (tuple, tuple) or callable
        Lower and upper bounds of the parameters, or ``bounds(ell_min)`` returning them where
        they depend on the smallest multipole fitted (use :meth:`bounds_for`).
    source : str
        Paper and equation the model implements.
    function : callable
        ``function(ell, *theta)`` -> C_l (array of the shape of ``ell``).
    guess : callable
        ``guess(ell, C)`` -> starting parameters from a spectrum ``C`` at ``ell``.
    fixed : dict
        Fixed conventions the model was built with.
    ell_min : int
        Smallest multipole at which the model is defined.
    """

    name: str
    label: str
    params: tuple
    bounds: tuple
    source: str
    function: Callable = field(repr=False)
    guess: Callable = field(repr=False)
    fixed: dict = field(default_factory=dict)
    ell_min: int = 1

    def bounds_for(self, ell) -> tuple:
        """(lower, upper) bounds of the parameters for a fit at the multipoles ``ell``."""
        lmin = int(np.min(validate.integer("ell", ell, minimum=self.ell_min)))
        return self.bounds(lmin) if callable(self.bounds) else self.bounds

    def cl(self, ell, *theta) -> np.ndarray:
        """C_l at the multipoles ``ell`` (integers >= 1) for parameters ``theta``."""
        ell = np.asarray(validate.integer("ell", ell, minimum=self.ell_min))
        if len(theta) != len(self.params):
            raise ValueError(f"model {self.name!r} takes {len(self.params)} parameters "
                             f"{self.params}, got {len(theta)}")
        theta = [validate.finite(n, t, allow_array=False) for n, t in zip(self.params, theta)]
        return np.asarray(self.function(ell, *theta), dtype=float)

    def spectrum(self, lmax: int, *theta) -> np.ndarray:
        """C_l for l = 0..lmax (0 below :attr:`ell_min`), the book's l-indexed convention."""
        lmax = validate.integer("lmax", lmax, minimum=1, allow_array=False)
        out = np.zeros(lmax + 1)
        out[self.ell_min:] = self.cl(np.arange(self.ell_min, lmax + 1), *theta)
        return out


def _pivot_index(ell) -> int:
    return int(np.argmin(np.abs(np.asarray(ell) - PIVOT_ELL)))


def _power_law(ell, c_p, slope):
    return c_p * (ell / PIVOT_ELL) ** slope


def _broken(ell, c_b, l_break, s_lo, s_hi):
    x = ell / l_break
    return c_b * np.where(x < 1, x**s_lo, x**s_hi)


def _hierarchy(ell, c1, nuT):
    if nuT <= 0:
        raise ValueError(f"nuT must be > 0 for the hierarchy model, got {nuT!r}")
    return c1 * hierarchy.spectrum(nuT, int(np.max(ell)))[ell]


def _testparticle_model(tp: dict) -> SpectralModel:
    """Model (f): the test-particle experiment's ratio spectrum, nu T free between snapshots."""
    if not isinstance(tp, dict) or not {"nu_T", "ratio", "origin"} <= set(tp):
        raise ValueError("testparticle must be a dict with 'nu_T', 'ratio' and 'origin'")
    grid = np.atleast_1d(np.asarray(validate.positive("testparticle nu_T", tp["nu_T"]), dtype=float))
    ratio = np.atleast_2d(np.asarray(validate.finite("testparticle ratio", tp["ratio"]), dtype=float))
    if ratio.shape[0] != grid.size or ratio.shape[1] < 3 or np.any(np.diff(grid) <= 0):
        raise ValueError(f"testparticle ratio must be (len(nu_T), L >= 3) with nu_T increasing; got {ratio.shape} "
                         f"for {grid.size} times")
    if not np.allclose(ratio[:, 1], 1.0) or np.any(ratio[:, 1:] <= 0):
        raise ValueError("testparticle ratio must have ratio[:, 1] = 1 and positive entries for l >= 1")
    lr, lg = np.log(ratio[:, 1:]), np.log(grid)
    lmax = ratio.shape[1] - 1

    def at(ell, nuT):
        ell = np.asarray(ell)
        if np.min(ell) < 1:
            raise ValueError(f"the test-particle spectrum starts at l = 1, asked for l = {np.min(ell)}")
        inside = np.minimum(ell, lmax) - 1
        if grid.size == 1:
            r = np.exp(lr[0, inside])
        else:
            x = np.clip(np.log(nuT), lg[0], lg[-1])
            j = min(int(np.searchsorted(lg, x, side="right")) - 1, grid.size - 2)
            w = (x - lg[j]) / (lg[j + 1] - lg[j])
            r = np.exp((1 - w) * lr[j, inside] + w * lr[j + 1, inside])
        return np.where(ell <= lmax, r, 0.0)       # no power above the simulated range

    if grid.size == 1:
        return SpectralModel("testparticle", "test particles", ("C1",), ((0.0,), (np.inf,)), str(tp["origin"]),
                             lambda ell, c1: c1 * at(ell, grid[0]),
                             lambda ell, C: [float(np.median(np.asarray(C) / at(ell, grid[0])))])
    return SpectralModel("testparticle", r"test particles, $\nu T$ free", ("C1", "nuT"),
                         ((0.0, grid[0]), (np.inf, grid[-1])), str(tp["origin"]),
                         lambda ell, c1, nuT: c1 * at(ell, nuT),
                         lambda ell, C: [float(np.median(np.asarray(C) / at(ell, np.sqrt(grid[0] * grid[-1])))),
                                         float(np.sqrt(grid[0] * grid[-1]))])


def registry(*, gamma: float = 5.0 / 3.0, lam_pc: float = 10.0, g: float = 4.7,
             sigma_def: str = "kE", half: bool = False, testparticle=None) -> dict[str, SpectralModel]:
    """All model spectra, keyed by name, for the fixed conventions of the convection model.

    Parameters
    ----------
    gamma : float
        Spectral index of the turbulence where it is fixed (Kolmogorov 5/3).
    lam_pc : float
        Scale lambda (pc) of the convection model (cancels for ``sigma_def="kE"``).
    g : float
        Compton-Getting factor of Zhang & Liu's Eq. 2.
    sigma_def, half : str, bool
        The flag-Z1 convention for the velocity dispersion (see :mod:`cranisotropy.convection`).
    testparticle : dict, optional
        The ratio spectra <C_l>/<C_1> of the book's test-particle experiment: ``ratio`` (n_T, L)
        indexed by l from 0 (ratio[:, 1] = 1, positive for l >= 1) at the snapshot times ``nu_T``
        (n_T,), and ``origin`` (where they come from). Adds the model "testparticle",
        C_l = C_1 x ratio(nu T)[l], with nu T free between the first and last snapshot
        (interpolated linearly in ln ratio against ln nu T); with one snapshot only C_1 is free.
        Above the table's largest l the model has no power (truncation: take the table as far as
        the sky that the fit folds reaches, or far enough that the coupling of what is left out
        into the fitted multipoles is negligible).

    Returns
    -------
    dict of str to SpectralModel
    """
    gamma = validate.finite("gamma", gamma, allow_array=False)
    lam_pc = validate.positive("lam_pc", lam_pc, allow_array=False)
    g = validate.positive("g", g, allow_array=False)
    conv = dict(sigma_def=sigma_def, half=half, g=g, v=C_KM_S)

    def conv_fixed(ell, sigma):
        return convection.C_ell_power_law(ell, gamma, lam_pc, sigma=sigma, **conv)

    def conv_free(ell, sigma, gam):
        return convection.C_ell_power_law(ell, gam, lam_pc, sigma=sigma, **conv)

    def am15_model(candidate):
        def f(ell, c_p, beta):
            return c_p * am15.shape(ell, beta, candidate) / am15.shape(PIVOT_ELL, beta, candidate)
        return f

    def guess_scale(shape_fn):
        def g0(ell, C):
            return [float(np.median(np.asarray(C) / shape_fn(np.asarray(ell))))]
        return g0

    def conv_guess(ell, C):
        s1 = conv_fixed(np.asarray(ell), 1.0)
        return [float(np.sqrt(np.median(np.asarray(C) / s1)))]

    models = [
        SpectralModel("eq21", "Ahlers Eq. 21", ("C1",), ((0.0,), (np.inf,)),
                      "Ahlers (2014), Eq. 21; Zhang & Liu (2024), Eq. B1",
                      lambda ell, c1: c1 * hierarchy.asymptotic_ratio(ell),
                      guess_scale(hierarchy.asymptotic_ratio)),
        SpectralModel("hierarchy", r"Ahlers Eq. 20, $\nu T$ free", ("C1", "nuT"),
                      ((0.0, 1e-3), (np.inf, 100.0)), "Ahlers (2014), Eq. 20 (corrected, flag F2)",
                      _hierarchy,
                      lambda ell, C: [float(np.max(C)) * 3.0, 1.0]),
        SpectralModel("convection", r"convection, $\gamma=5/3$", ("sigma",), ((0.0,), (np.inf,)),
                      "Zhang & Liu (2024), Eqs. 7 + 10 (reconstructed)", conv_fixed, conv_guess,
                      fixed=dict(gamma=gamma, lam_pc=lam_pc, g=g, sigma_def=sigma_def, half=half),
                      ell_min=int(np.floor((gamma + 1) / 2)) + 1),
        SpectralModel("convection-gamma", r"convection, $\gamma$ free", ("sigma", "gamma"),
                      lambda lmin: ((0.0, -0.99), (np.inf, 2 * (lmin - 1) + 1 - 1e-6)),
                      "Zhang & Liu (2024), Eqs. 7 + 10 (reconstructed)",
                      conv_free, lambda ell, C: conv_guess(ell, C) + [gamma],
                      fixed=dict(lam_pc=lam_pc, g=g, sigma_def=sigma_def, half=half), ell_min=2),
        *[SpectralModel(f"am15{c}", f"AM15 ({c}), reconstructed", ("C_pivot", "beta"),
                        lambda lmin: ((0.0, am15.beta_bounds(lmin)[0] + 1e-6), (np.inf, am15.beta_bounds(lmin)[1] - 1e-6)),
                        "Ahlers & Mertsch (2015), Eq. 16 = Zhang & Liu (2024), Eq. B2 (reconstructed)",
                        am15_model(c),
                        lambda ell, C: [float(np.asarray(C)[_pivot_index(ell)]), 0.5])
          for c in ("a", "b")],
        SpectralModel("power-law", "power law", ("C_pivot", "slope"), ((0.0, -10.0), (np.inf, 5.0)),
                      "empirical", _power_law,
                      lambda ell, C: [float(np.asarray(C)[_pivot_index(ell)]), -2.0]),
        SpectralModel("broken-power-law", "broken power law", ("C_break", "l_break", "slope_low", "slope_high"),
                      ((0.0, 1.5, -10.0, -10.0), (np.inf, 39.5, 5.0, 5.0)), "empirical", _broken,
                      lambda ell, C: [float(np.asarray(C)[_pivot_index(ell)]), 10.0, -1.0, -3.0]),
        SpectralModel("noise-only", "noise only", (), ((), ()), "isotropic sky",
                      lambda ell: np.zeros(np.shape(ell)), lambda ell, C: []),
    ]
    if testparticle is not None:
        models.append(_testparticle_model(testparticle))
    return {m.name: m for m in models}
