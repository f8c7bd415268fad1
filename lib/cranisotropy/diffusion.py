"""Diffusion approximation of Ahlers (2014), Eqs. 3-6.

Units: Heaviside-Lorentz with c = 1, so the diffusion tensor has units of 1/rate.  ``nu`` is the
BGK relaxation rate and ``Omega`` the gyro-frequency vector e B/p of the regular field.
"""

from __future__ import annotations

import numpy as np

from . import validate


def diffusion_tensor(nu, Omega) -> np.ndarray:
    """The diffusion tensor K_ij of Eq. 5 for relaxation rate ``nu`` > 0 and gyro-vector ``Omega``.

    K = (nu^2 1 - nu [Omega x] + Omega Omega^T) / (3 nu (nu^2 + Omega^2)), where [Omega x] is the
    matrix of the cross product, (Omega_k eps_ikj)_ij.  It equals (1/3)(nu 1 + [Omega x])^-1
    (Fick's law from Eq. 4 with d Phi/dt = 0).

    Examples
    --------
    >>> K = diffusion_tensor(1.0, [0.0, 0.0, 1.0])
    >>> [round(float(v), 6) for v in (K[0, 0], K[0, 1], K[2, 2])]   # K_perp, Hall, K_par
    [0.166667, 0.166667, 0.333333]
    """
    nu = validate.positive("nu", nu, allow_array=False)
    Om = validate.vector3("Omega", Omega)
    cross = cross_matrix(Om)
    num = nu**2 * np.eye(3) - nu * cross + np.outer(Om, Om)
    return num / (3.0 * nu * (nu**2 + Om @ Om))


def cross_matrix(v) -> np.ndarray:
    """The matrix [v x] with [v x] w = v x w, i.e. entries v_k eps_ikj."""
    v = validate.vector3("v", v)
    return np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])


def coefficients(nu, Omega):
    """Parallel, perpendicular and Hall (antisymmetric) diffusion coefficients of Eq. 5.

    K_par = 1/(3 nu), K_perp = nu / (3 (nu^2 + Omega^2)), K_A = Omega / (3 (nu^2 + Omega^2)),
    for scalar |Omega| >= 0 (vectorised over ``Omega``).  The complex eigenvalues
    1/(3 (nu +- i Omega)) of K equal K_perp -+ i K_A.

    Examples
    --------
    >>> [round(float(k), 4) for k in coefficients(1.0, 1.0)]        # Hall = perpendicular at Omega = nu
    [0.3333, 0.1667, 0.1667]
    """
    nu = validate.positive("nu", nu)
    Om = validate.nonnegative("Omega", Omega)
    den = 3.0 * (nu**2 + Om**2)
    return 1.0 / (3.0 * nu) + 0.0 * Om, nu / den, Om / den


def symmetric_part(K) -> np.ndarray:
    """K_s = (K + K^T)/2, the only part of K that the diffusion equation sees (flag F1)."""
    K = np.asarray(validate.finite("K", K), dtype=float)
    if K.shape != (3, 3):
        raise ValueError(f"K must be a 3x3 matrix, got shape {K.shape}")
    return 0.5 * (K + K.T)


def green_function(t, x, K) -> np.ndarray:
    """Eq. 6: phi(t, x) = exp(-x^T K^-1 x / 4t) / ((4 pi t)^(3/2) sqrt(det K)), for x of shape (..., 3).

    Evaluated literally with the matrix ``K`` given.  Eq. 6 solves the diffusion equation with
    the right normalisation only for a symmetric K, i.e. with :func:`symmetric_part` (flag F1);
    passing the full tensor of Eq. 5 reproduces the printed formula, which is not normalised.
    """
    t = validate.positive("t", t, allow_array=False)
    K = np.asarray(validate.finite("K", K), dtype=float)
    if K.shape != (3, 3):
        raise ValueError(f"K must be a 3x3 matrix, got shape {K.shape}")
    det = np.linalg.det(K)
    if det <= 0:
        raise ValueError(f"K must have a positive determinant, got det K = {det:.3g}")
    x = np.asarray(validate.finite("x", x), dtype=float)
    if x.shape[-1] != 3:
        raise ValueError(f"x must have a last axis of length 3, got shape {x.shape}")
    Kinv = np.linalg.inv(K)
    quad = np.einsum("...i,ij,...j->...", x, Kinv, x)
    return np.exp(-quad / (4.0 * t)) / ((4.0 * np.pi * t) ** 1.5 * np.sqrt(det))


def normalisation(t, K, *, n: int = 161, extent: float = 7.0) -> float:
    """Integral of :func:`green_function` over all space, by the trapezoid rule on a cube.

    The cube is aligned with the principal axes of sym(K^-1) and extends ``extent`` Gaussian
    widths along each, with ``n`` points per axis; the truncation error is below 1e-10 for the
    default ``extent``.
    """
    t = validate.positive("t", t, allow_array=False)
    n = validate.integer("n", n, minimum=11, allow_array=False)
    extent = validate.positive("extent", extent, allow_array=False)
    K = np.asarray(validate.finite("K", K), dtype=float)
    Kinv = np.linalg.inv(K)
    w, R = np.linalg.eigh(0.5 * (Kinv + Kinv.T))
    if np.any(w <= 0):
        raise ValueError("the quadratic form x^T K^-1 x must be positive definite")
    widths = np.sqrt(2.0 * t / w)  # exp(-w y^2 / 4t) = exp(-y^2 / 2 width^2)
    axes = [np.linspace(-extent * s, extent * s, n) for s in widths]
    # slab by slab along the first axis (the innermost integral of each slab is the same
    # computation as on the whole cube, with n^2 instead of n^3 points in memory)
    Y = np.empty((n, n, 3))
    Y[..., 1], Y[..., 2] = np.meshgrid(axes[1], axes[2], indexing="ij")
    inner = np.empty((n, n))
    for i, y0 in enumerate(axes[0]):
        Y[..., 0] = y0
        X = Y @ R.T  # rotation: unit Jacobian
        inner[i] = np.trapezoid(green_function(t, X, K), axes[2])
    return float(np.trapezoid(np.trapezoid(inner, axes[1]), axes[0]))


def eigenvalue_deviation(rng: np.random.Generator, n: int = 200) -> float:
    """Largest relative deviation of the numerical eigenvalues of :func:`diffusion_tensor` from
    the values stated after Eq. 5 of Ahlers (2014), 1/3nu and 1/3(nu +- i Omega), over ``n``
    random (nu, Omega): nu uniform in [0.1, 10], Omega a Gaussian direction times a uniform
    length in [0, 10] (drawn in that order from ``rng``).

    Examples
    --------
    >>> bool(eigenvalue_deviation(np.random.default_rng(1), 20) < 1e-12)
    True
    """
    validate.generator("rng", rng)
    n = validate.integer("n", n, minimum=1, allow_array=False)
    worst = 0.0
    for _ in range(n):
        nu_i, Om_vec = rng.uniform(0.1, 10), rng.normal(size=3) * rng.uniform(0, 10)
        ev = np.linalg.eigvals(diffusion_tensor(nu_i, Om_vec))
        kpar, kperp, ka = coefficients(nu_i, np.linalg.norm(Om_vec))
        paper = np.array([kpar, kperp + 1j * ka, kperp - 1j * ka])
        worst = max(worst, max(np.min(np.abs(ev - v)) / abs(v) for v in paper))
    return float(worst)


def rms_distance(t, K) -> float:
    """Root-mean-square distance sqrt(<|x|^2>) = sqrt(2 tr(K_s) t) of the solution of the diffusion
    equation with phi(0, x) = delta(x), i.e. of Eq. 6 with the symmetric part K_s of ``K``.

    Ahlers (2014) estimates it as sqrt(T/nu) ("the average diffusive propagation distance according
    to Eq. (6)").  Only the trace of K_s enters, so the Hall part of Eq. 5 drops out.

    Examples
    --------
    >>> round(rms_distance(1.0, diffusion_tensor(1.0, [0.0, 0.0, 0.0])), 6)   # sqrt(2 t/nu)
    1.414214
    """
    t = validate.nonnegative("t", t, allow_array=False)
    K = np.asarray(validate.finite("K", K), dtype=float)
    if K.shape != (3, 3):
        raise ValueError(f"K must be a 3x3 matrix, got shape {K.shape}")
    trace = float(np.trace(K))
    if trace <= 0:
        raise ValueError(f"K must have a positive trace, got {trace:.3g}")
    return float(np.sqrt(2.0 * trace * t))


def eigendirection_deviation(rng: np.random.Generator, n: int = 200) -> float:
    """Largest relative residual of the reading of the eigenvalues after Eq. 5 of Ahlers (2014):
    1/3nu belongs to diffusion along the field, 1/3(nu +- i Omega) to diffusion across it.

    For ``n`` random (nu, Omega) -- nu uniform in [0.1, 10], Omega a Gaussian direction times a
    uniform length in [0.1, 10], drawn in that order from ``rng`` -- three residuals of
    :func:`diffusion_tensor`: |K b - b/3nu| 3nu with b = Omega/|Omega| (the eigenvector of 1/3nu lies
    along the field); |b . v| for the unit eigenvectors v of the complex pair (they lie across it);
    and |Re(1/3(nu + i Omega)) - e^T K e| / e^T K e for a unit vector e perpendicular to b (the real
    part is the diffusion coefficient across the field).

    Examples
    --------
    >>> bool(eigendirection_deviation(np.random.default_rng(1), 20) < 1e-12)
    True
    """
    validate.generator("rng", rng)
    n = validate.integer("n", n, minimum=1, allow_array=False)
    worst = 0.0
    for _ in range(n):
        nu_i, Om_vec = rng.uniform(0.1, 10), rng.normal(size=3)
        Om_vec = Om_vec / np.linalg.norm(Om_vec) * rng.uniform(0.1, 10)
        K = diffusion_tensor(nu_i, Om_vec)
        b = Om_vec / np.linalg.norm(Om_vec)
        along = np.linalg.norm(K @ b - b / (3 * nu_i)) * 3 * nu_i
        ev, vec = np.linalg.eig(K)
        pair = np.abs(ev.imag) > 1e-14 * np.abs(ev)
        across = float(np.max(np.abs(b @ vec[:, pair]) / np.linalg.norm(vec[:, pair], axis=0)))
        e = np.cross(b, [1.0, 0.0, 0.0] if abs(b[0]) < 0.9 else [0.0, 1.0, 0.0])
        e /= np.linalg.norm(e)
        kperp = e @ K @ e
        real = abs((1 / (3 * (nu_i + 1j * np.linalg.norm(Om_vec)))).real - kperp) / kperp
        worst = max(worst, along, across, real)
    return float(worst)
