"""Remapping a sky by the flow of a smooth random velocity field on the sphere.

A toy of the mechanism behind Ahlers (2014), Eqs. 11-13: Liouville's theorem makes the map
from arrival directions at time -T to those at time 0 area-preserving on the sphere, so
int f^2 dOmega = sum_l (2l+1) C_l is conserved while power moves between multipoles.

* :class:`ZonalField` is a smooth scalar field on the sphere built from low-l spherical
  harmonics: psi(r) = sum_j c_j P_{l_j}(a_j . r) with random axes a_j (each term is a zonal
  harmonic of degree l_j about a_j, so psi is band-limited at max l_j);
* :func:`velocity` gives either the incompressible flow u = r x grad psi (a rotated gradient:
  tangent to the sphere, surface divergence zero, so its flow map preserves area) or the
  compressive control u = grad_S psi (the surface gradient: divergence -lap psi != 0);
* :func:`flow_map` integrates dr/dt = u(r) with fixed-step RK4 (renormalising to |r| = 1), and
  :func:`remap` evaluates g = f o Phi_{-t} at the pixel centres by back-tracking them, i.e. the
  sky advected by the flow for a time t.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field

import numpy as np

from . import validate

KINDS = ("incompressible", "compressive")
_BLOCK = 2048          # points integrated together by flow_map (arrays of ~150 kB: in cache)


@dataclass(frozen=True)
class ZonalField:
    """psi(r) = sum_j coeffs[j] P_{degrees[j]}(axes[j] . r) on the unit sphere."""

    degrees: np.ndarray
    axes: np.ndarray
    coeffs: np.ndarray
    #: Power-series coefficients of P_l'(mu) for every term (mu^0 first), zero-padded to a common
    #: length, shape (max degree, terms, 1): the gradient evaluates all terms in one Horner scheme.
    _dpoly: np.ndarray = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self):
        deg = validate.integer("degrees", np.atleast_1d(self.degrees), minimum=1)
        axes = np.asarray(validate.finite("axes", self.axes), dtype=float).reshape(-1, 3)
        coeffs = np.atleast_1d(validate.finite("coeffs", self.coeffs))
        if not (len(deg) == len(axes) == len(coeffs)):
            raise ValueError("degrees, axes and coeffs must have the same length")
        norms = np.linalg.norm(axes, axis=1)
        if np.any(norms == 0):
            raise ValueError("axes must be non-zero vectors")
        deg = np.atleast_1d(deg)
        object.__setattr__(self, "degrees", deg)
        object.__setattr__(self, "axes", axes / norms[:, None])
        object.__setattr__(self, "coeffs", coeffs)
        dpoly = np.zeros((int(deg.max()), deg.size, 1))
        for j, l in enumerate(deg):
            basis = np.zeros(l + 1)
            basis[l] = 1.0
            dpoly[:l, j, 0] = np.polynomial.legendre.leg2poly(np.polynomial.legendre.legder(basis))
        object.__setattr__(self, "_dpoly", dpoly)

    def value(self, r: np.ndarray) -> np.ndarray:
        """psi at unit vectors r (shape (n, 3))."""
        mu = r @ self.axes.T
        out = np.zeros(len(r))
        for j, (deg, c) in enumerate(zip(self.degrees, self.coeffs)):
            basis = np.zeros(deg + 1)
            basis[deg] = 1.0
            out += c * np.polynomial.legendre.legval(mu[:, j], basis)
        return out

    def gradient(self, r: np.ndarray) -> np.ndarray:
        """3-D gradient of the extension psi(x) = sum c_j P_l(a_j . x): sum c_j P_l'(a_j . r) a_j."""
        return self._gradient_t(np.ascontiguousarray(np.asarray(r, dtype=float).T)).T

    def _gradient_t(self, rt: np.ndarray) -> np.ndarray:
        """:meth:`gradient` in the transposed layout: points as columns, rt of shape (3, n) ->
        (3, n).  Every array operation runs along the long axis of the n points."""
        mu = self.axes @ rt                          # (terms, n)
        dpl = self._dpoly[-1] * mu                   # P_l'(mu) of all terms at once (Horner)
        for a in self._dpoly[-2:0:-1]:
            dpl += a
            dpl *= mu
        dpl += self._dpoly[0]
        return self.axes.T @ (dpl * self.coeffs[:, None])


def random_field(lmin: int = 2, lmax: int = 4, terms_per_l: int = 3, *, rng: np.random.Generator) -> ZonalField:
    """A random smooth field: ``terms_per_l`` zonal harmonics of each degree lmin..lmax with
    isotropic random axes and Gaussian coefficients weighted 1/l(l+1) (so that every degree
    contributes comparable velocity)."""
    lmin = validate.integer("lmin", lmin, minimum=1, allow_array=False)
    lmax = validate.integer("lmax", lmax, minimum=lmin, allow_array=False)
    terms_per_l = validate.integer("terms_per_l", terms_per_l, minimum=1, allow_array=False)
    validate.generator("rng", rng)
    degrees = np.repeat(np.arange(lmin, lmax + 1), terms_per_l)
    axes = rng.standard_normal((degrees.size, 3))
    coeffs = rng.standard_normal(degrees.size) / np.sqrt(degrees * (degrees + 1.0))
    return ZonalField(degrees, axes, coeffs)


def velocity(field: ZonalField, r: np.ndarray, kind: str = "incompressible") -> np.ndarray:
    """Tangent velocity at unit vectors r: r x grad psi (``incompressible``) or grad_S psi
    = (1 - r r^T) grad psi (``compressive``)."""
    if not isinstance(field, ZonalField):
        raise TypeError(f"field must be a ZonalField, got {type(field).__name__}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    rt = np.ascontiguousarray(np.asarray(r, dtype=float).T)
    return _velocity_t(field, rt, kind).T


def _velocity_t(field: ZonalField, rt: np.ndarray, kind: str) -> np.ndarray:
    """:func:`velocity` in the transposed layout (points as columns, shape (3, n)), arguments
    already checked."""
    g = field._gradient_t(rt)
    if kind == "incompressible":        # r x g, component by component
        return np.array([rt[1] * g[2] - rt[2] * g[1], rt[2] * g[0] - rt[0] * g[2], rt[0] * g[1] - rt[1] * g[0]])
    return g - (g[0] * rt[0] + g[1] * rt[1] + g[2] * rt[2]) * rt


def rms_speed(field: ZonalField, kind: str = "incompressible", nside: int = 32) -> float:
    """Root-mean-square speed of the flow over the sphere (pixel average), in radians per unit time."""
    import healpy as hp

    r = np.array(hp.pix2vec(nside, np.arange(12 * nside**2))).T
    return float(np.sqrt(np.mean(np.sum(velocity(field, r, kind) ** 2, axis=1))))


def flow_map(field: ZonalField, r0, t: float, *, kind: str = "incompressible", dt: float = 0.01,
             scale: float = 1.0) -> np.ndarray:
    """Positions at time t of points starting at r0 under dr/dt = scale * u(r) (RK4, step <= dt).

    Negative t integrates backwards (the back-tracking of :func:`remap`).  Points are
    renormalised onto the unit sphere after each step.
    """
    r = np.array(validate.finite("r0", r0), dtype=float).reshape(-1, 3)
    norms = np.linalg.norm(r, axis=1)
    if np.any(np.abs(norms - 1) > 1e-6):
        raise ValueError("r0 must be unit vectors")
    t = validate.finite("t", t, allow_array=False)
    dt = validate.positive("dt", dt, allow_array=False)
    scale = validate.finite("scale", scale, allow_array=False)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    nsteps = int(np.ceil(abs(t) / dt))
    if nsteps == 0:
        return r / norms[:, None]
    h = t / nsteps

    def u(x):
        return scale * _velocity_t(field, x, kind)

    if not isinstance(field, ZonalField):
        raise TypeError(f"field must be a ZonalField, got {type(field).__name__}")
    r = (r / norms[:, None]).T                  # (3, n): the points as columns
    out = np.empty_like(r)
    # the points move independently: integrate them in blocks that stay in the processor's cache
    for lo in range(0, r.shape[1], _BLOCK):
        x = np.ascontiguousarray(r[:, lo:lo + _BLOCK])
        for _ in range(nsteps):
            k1 = u(x)
            k2 = u(x + 0.5 * h * k1)
            k3 = u(x + 0.5 * h * k2)
            k4 = u(x + h * k3)
            x = x + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
            x /= np.sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2])
        out[:, lo:lo + _BLOCK] = x
    return np.ascontiguousarray(out.T)


def remap(f, nside: int, field: ZonalField, t: float, *, kind: str = "incompressible",
          dt: float = 0.01, scale: float = 1.0) -> np.ndarray:
    """The sky g = f o Phi_{-t} at the pixel centres of a HEALPix map (RING) of ``nside``.

    ``f`` is a vectorised function of unit vectors (shape (n, 3)) evaluated at the back-tracked
    pixel centres, so no interpolation of a pixelised map enters.
    """
    r = _pixel_centres(f, nside)
    back = flow_map(field, r, -validate.finite("t", t, allow_array=False), kind=kind, dt=dt, scale=scale)
    return np.asarray(f(back), dtype=float)


def _pixel_centres(f, nside) -> np.ndarray:
    """Unit vectors of the HEALPix pixel centres (RING order) after checking ``f`` and ``nside``."""
    import healpy as hp

    if not callable(f):
        raise TypeError(f"f must be a callable of unit vectors, got {f!r}")
    nside = validate.integer("nside", nside, minimum=1, allow_array=False)
    if not hp.isnsideok(nside, nest=True):
        raise ValueError(f"nside must be a power of 2, got {nside!r}")
    return np.array(hp.pix2vec(nside, np.arange(12 * nside**2))).T


def flow_snapshots(field: ZonalField, r0, times, *, kind: str = "incompressible", dt: float = 0.01,
                   scale: float = 1.0) -> list[np.ndarray]:
    """Positions of r0 at each of the increasing ``times`` (>= 0; negative direction of time
    if ``scale`` < 0), integrating once and continuing from the previous snapshot (the flow is
    autonomous, so Phi_t2 = Phi_(t2 - t1) o Phi_t1)."""
    times = np.atleast_1d(validate.nonnegative("times", times))
    if times.ndim != 1 or np.any(np.diff(times) < 0):
        raise ValueError("times must be a non-decreasing 1-D array")
    out, r, now = [], np.array(validate.finite("r0", r0), dtype=float).reshape(-1, 3), 0.0
    for t in times:
        r = flow_map(field, r, t - now, kind=kind, dt=dt, scale=scale)
        now = t
        out.append(r.copy())
    return out


def remap_series(f, nside: int, field: ZonalField, times, *, kind: str = "incompressible",
                 dt: float = 0.01, scale: float = 1.0) -> np.ndarray:
    """:func:`remap` at each of the non-decreasing ``times`` (one integration): array (len(times), Npix)."""
    r = _pixel_centres(f, nside)
    scale = validate.finite("scale", scale, allow_array=False)
    snaps = flow_snapshots(field, r, times, kind=kind, dt=dt, scale=-scale)   # back-tracking
    return np.array([np.asarray(f(s), dtype=float) for s in snaps])


def area_ratio(field: ZonalField, kind: str, rng: np.random.Generator, *, t: float = 1.0, eps: float = 1e-7,
               n: int = 500, dt: float = 0.01, scale: float = 1.0) -> np.ndarray:
    """Local area ratio of the flow map Phi_t at ``n`` random points: the area of the image of an
    eps x eps tangent parallelogram over eps^2 (forward differences; 1 for an area-preserving
    flow up to O(eps x stretching)).  Points and tangent directions are drawn from ``rng``.

    Examples
    --------
    >>> f = random_field(2, 3, 2, rng=np.random.default_rng(7))
    >>> r = area_ratio(f, "incompressible", np.random.default_rng(1), n=20, dt=0.05)
    >>> bool(np.max(np.abs(r - 1)) < 1e-3)
    True
    """
    validate.generator("rng", rng)
    n = validate.integer("n", n, minimum=1, allow_array=False)
    eps = validate.positive("eps", eps, allow_array=False)
    r = rng.standard_normal((n, 3))
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    e1 = np.cross(r, rng.standard_normal(3))
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(r, e1)
    pts = [p / np.linalg.norm(p, axis=1, keepdims=True) for p in (r, r + eps * e1, r + eps * e2)]
    img = [flow_map(field, p, t, kind=kind, dt=dt, scale=scale) for p in pts]
    return np.linalg.norm(np.cross(img[1] - img[0], img[2] - img[0]), axis=1) / eps**2


def sum_rule_series(f, nside: int, field: ZonalField, times, *, kind: str = "incompressible",
                    dt: float = 0.01, scale: float = 1.0) -> dict:
    """The sky g = f o Phi_{-t} at each time and the two sides of the sum rule (Ahlers 2014,
    Eqs. 11-13): ``cl`` (anafast spectra to 3 Nside - 1, array (len(times), lmax + 1)), ``pix``
    (4 pi mean(g^2), pixel space, all scales), ``ana`` (sum_l (2l+1) C_l of ``cl``, truncated),
    ``bound`` (the pixelisation bound 4 pi std(g^2)/sqrt(Npix): the standard error of a mean of
    Npix values, what pixel centres achieve once g has structure finer than a pixel) and
    ``mean`` (the monopole of g).

    Examples
    --------
    >>> fld = random_field(2, 3, 2, rng=np.random.default_rng(7))
    >>> run = sum_rule_series(lambda r: r[:, 2], 8, fld, [0.0, 0.5], dt=0.05)
    >>> run["cl"].shape, bool(abs(run["pix"][1] / (4 * np.pi / 3) - 1) < 0.05)
    ((2, 24), True)
    """
    import healpy as hp

    from .correlation import power_sum_cl, power_sum_pixel

    maps = remap_series(f, nside, field, times, kind=kind, dt=dt, scale=scale)
    lmax = 3 * int(nside) - 1
    cls = np.array([hp.anafast(g, lmax=lmax) for g in maps])
    return dict(cl=cls, pix=np.array([power_sum_pixel(g) for g in maps]),
                ana=np.array([power_sum_cl(c) for c in cls]),
                bound=np.array([4 * np.pi * np.std(g**2) / np.sqrt(g.size) for g in maps]),
                mean=np.array([g.mean() for g in maps]))


def dipole_z(r) -> np.ndarray:
    """The initial dipole sky f(r) = r . z (C_1 = 4 pi/9, sum (2l+1) C_l = 4 pi/3)."""
    return np.asarray(r)[:, 2]


def power_transfer(cl, total: float) -> tuple[float, float]:
    """For one spectrum ``cl`` (l = 0..lmax) of a sky whose conserved sum is ``total``: the power
    in 2 <= l <= lmax, sum (2l+1) C_l, and the power lost by l <= 1, total - C_0 - 3 C_1.  Their
    ratio is 1 when all the power the dipole lost reappears at higher l (Ahlers 2014, after Eq. 13).

    Examples
    --------
    >>> higher, lost = power_transfer(np.array([0.0, 0.1, 0.06]), 0.6)
    >>> round(higher, 12), round(lost, 12)
    (0.3, 0.3)
    """
    cl = np.asarray(validate.nonnegative("cl", cl), dtype=float)
    ell = np.arange(cl.size)
    return float(np.sum(((2 * ell + 1) * cl)[2:])), float(total - 3 * cl[1] - cl[0])


def spectral_slopes(cl, times, *, ell_min: int = 10, ell_max: int = 60, t_min: float = 1.0) -> dict:
    """d ln C_l / d ln l over ell_min <= l <= ell_max (unweighted least squares in log-log,
    :func:`cranisotropy.fit.power_law`) of the spectra ``cl`` (len(times), lmax + 1) at each time
    >= ``t_min``: time -> slope."""
    from . import fit

    cl = np.asarray(cl, dtype=float)
    ell = np.arange(cl.shape[1])
    sel = (ell >= ell_min) & (ell <= min(ell_max, ell[-1]))
    return {t: fit.power_law(ell[sel], cl[i][sel], sigma=1.0).value("slope")
            for i, t in enumerate(times) if t >= t_min}
