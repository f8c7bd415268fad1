"""Shared plotting of the measured spectra (every chapter that compares with data uses these)."""

from __future__ import annotations

import numpy as np

NOISE_COLORS = ("0.55", "0.72", "0.87")  # 1, 2, 3 sigma, darkest inside


def plot_noise_bands(ax, b, *, sigmas=(1, 2, 3), label: bool = True):
    """Shade the isotropic-noise bands of an :class:`~cranisotropy.data.EnergyBin` (l on the x axis)."""
    for k in sorted(sigmas, reverse=True):
        ax.fill_between(b.ell, b.noise_lo[k - 1], b.noise_hi[k - 1], step="mid", color=NOISE_COLORS[k - 1],
                        lw=0, zorder=0, label=f"isotropic noise, {k}$\\sigma$" if label else None)


def plot_icecube_bin(ax, b, *, color="k", marker="o", ms=4, label=None, noise=True, boxes=False,
                     ell_max=None):
    """Plot one energy bin of the IceCube 12-year pseudo-power spectrum on ``ax``.

    Points with their statistical error bars (where visible on the source figure), optionally the
    shaded boxes around the points and the 1/2/3-sigma noise bands.  ``ell_max`` limits l.
    """
    sel = slice(None) if ell_max is None else b.ell <= ell_max
    ell, C = b.ell[sel], b.C[sel]
    if noise:
        nb = b if ell_max is None else _cut(b, sel)
        plot_noise_bands(ax, nb)
    if boxes:
        for l, lo, hi in zip(ell, b.box_lo[sel], b.box_hi[sel]):
            if np.isfinite(lo) and np.isfinite(hi):
                ax.fill_between([l - 0.3, l + 0.3], lo, hi, color=color, alpha=0.12, lw=0, zorder=1)
    lo = np.where(np.isfinite(b.stat_lo[sel]), C - b.stat_lo[sel], 0.0)
    hi = np.where(np.isfinite(b.stat_hi[sel]), b.stat_hi[sel] - C, 0.0)
    ax.errorbar(ell, C, yerr=[np.clip(lo, 0, None), np.clip(hi, 0, None)], fmt=marker, color=color, ms=ms,
                lw=1, capsize=0, zorder=3,
                label=label if label is not None else f"IceCube 12 yr, {b.label} (digitised)")
    ax.set_yscale("log")
    ax.set_xlabel(r"multipole $\ell$")
    ax.set_ylabel(r"$\widetilde{C}_\ell$")
    return ax


def _cut(b, sel):
    from dataclasses import replace
    return replace(b, ell=b.ell[sel], C=b.C[sel], noise_lo=b.noise_lo[:, sel], noise_hi=b.noise_hi[:, sel])
