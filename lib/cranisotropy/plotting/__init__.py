"""Plotting: the measured spectra (shared by every chapter that compares with data) and the
figures of the chapters.

The data are the digitised IceCube 12-year pseudo-power spectra of :mod:`cranisotropy.data`
(Abbasi et al. 2025): partial-sky pseudo-spectra, not corrected for sky coverage.  Default
labels say "digitised" so that no figure passes them off as the collaboration's numbers.

The figures of the chapters are drawn by the submodules, from numbers the chapters computed:
:mod:`.ahlers2014` (diffusion, anomalous anisotropies, hierarchy, partial sky),
:mod:`.zhang_liu2024` (the Zhang & Liu chapters) and :mod:`.icecube` (the data appendix).  They
compute nothing that a check or the text uses; each returns the :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

NOISE_COLORS = ("0.55", "0.72", "0.87")  # 1, 2, 3 sigma, darkest inside


def plot_noise_bands(ax, b, *, sigmas=(1, 2, 3), label: bool = True):
    """Shade the isotropic-noise bands of an :class:`~cranisotropy.data.EnergyBin` (l on the x axis)."""
    for k in sorted(sigmas, reverse=True):
        ax.fill_between(b.ell, b.noise_lo[k - 1], b.noise_hi[k - 1], step="mid", color=NOISE_COLORS[k - 1],
                        lw=0, zorder=0, label=f"isotropic noise, {k}$\\sigma$" if label else None)


def _yerr(C, lo, hi):
    """Asymmetric error-bar lengths; 0 where an end is hidden inside the marker (NaN)."""
    dlo = np.where(np.isfinite(lo), C - lo, 0.0)
    dhi = np.where(np.isfinite(hi), hi - C, 0.0)
    return [np.clip(dlo, 0, None), np.clip(dhi, 0, None)]


def plot_icecube_bin(ax, b, *, color="k", marker="o", ms=4, label=None, noise=True, boxes=False,
                     ell_max=None, noise_label: bool = True, axis_labels: bool = True):
    """Plot one energy bin of the IceCube 12-year pseudo-power spectrum on ``ax``.

    Points with their statistical error bars (where visible on the source figure), optionally the
    shaded boxes around the points and the 1/2/3-sigma noise bands.  ``ell_max`` limits l;
    ``noise_label=False`` keeps the bands out of the legend; ``axis_labels=False`` leaves the
    axis labels alone (for grids of panels).
    """
    sel = slice(None) if ell_max is None else b.ell <= ell_max
    ell, C = b.ell[sel], b.C[sel]
    if noise:
        nb = b if ell_max is None else _cut(b, sel)
        plot_noise_bands(ax, nb, label=noise_label)
    if boxes:
        for l, lo, hi in zip(ell, b.box_lo[sel], b.box_hi[sel]):
            if np.isfinite(lo) and np.isfinite(hi):
                ax.fill_between([l - 0.3, l + 0.3], lo, hi, color=color, alpha=0.12, lw=0, zorder=1)
    ax.errorbar(ell, C, yerr=_yerr(C, b.stat_lo[sel], b.stat_hi[sel]), fmt=marker, color=color, ms=ms,
                lw=1, capsize=0, zorder=3,
                label=label if label is not None else f"IceCube 12 yr, {b.label} (digitised)")
    ax.set_yscale("log")
    if axis_labels:
        ax.set_xlabel(r"multipole $\ell$")
        ax.set_ylabel(r"$\widetilde{C}_\ell$")
    return ax


def plot_cl_vs_energy(ax, spectra, ell: int, *, color="k", marker="o", ms=4, label=None, noise_sigma=None,
                      axis_labels: bool = True):
    """C~_l of one multipole ``ell`` against the median energy of the bins (log-log), with the
    statistical error bars where visible; ``noise_sigma`` (1, 2 or 3) adds the upper edge of that
    noise band as a dotted line in the same colour."""
    d = spectra.cl_vs_energy(ell)
    ax.errorbar(d["E_TeV"], d["C"], yerr=_yerr(d["C"], d["stat_lo"], d["stat_hi"]), fmt=marker + "-",
                color=color, ms=ms, lw=1, capsize=0, zorder=3,
                label=label if label is not None else rf"$\ell={ell}$ (IceCube 12 yr, digitised)")
    if noise_sigma is not None:
        ax.plot(d["E_TeV"], d["noise_hi"][int(noise_sigma) - 1], ls=":", color=color, lw=1, zorder=2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    if axis_labels:
        ax.set_xlabel("median energy [TeV]")
        ax.set_ylabel(r"$\widetilde{C}_\ell$")
    return ax


def _cut(b, sel):
    return replace(b, ell=b.ell[sel], C=b.C[sel], noise_lo=b.noise_lo[:, sel], noise_hi=b.noise_hi[:, sel])
