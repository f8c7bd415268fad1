"""Figures of the data appendix: the nine IceCube 12-year spectra, C~_l against energy, and the
agreement of the two independent digitisations.

Each function draws one figure from the loaded data (:mod:`cranisotropy.data`) and returns it;
nothing here computes a number that a check or the text uses.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import plot_cl_vs_energy, plot_icecube_bin


def spectra_grid(ic, ylim):
    """The spectra of all energy bins in a 3 x 3 grid with their noise bands (``data-spectra``)."""
    fig, axes = plt.subplots(3, 3, figsize=(9.6, 7.6), sharex=True, sharey=True)
    for ax, b in zip(axes.flat, ic):
        plot_icecube_bin(ax, b, color="C0", ms=3, noise_label=(b is ic.bins[0]), axis_labels=False,
                         label="IceCube 12 yr (digitised)" if b is ic.bins[0] else "_")
        ax.set_title(f"median energy {b.label}", fontsize=10, pad=3)
        ax.set_ylim(*ylim)
        ax.set_xlim(0, 41)
    for ax in axes[-1]:
        ax.set_xlabel(r"multipole $\ell$")
    for ax in axes[:, 0]:
        ax.set_ylabel(r"$\widetilde{C}_\ell$")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=4, bbox_to_anchor=(0.5, 1.02))
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig


def cl_vs_energy(ic, cc, ells, nsigma: int, ymax: float):
    """C~_l of selected multipoles against energy, main reading (filled) and cross-check reading
    (open), with the upper noise edge (``data-cl-vs-energy``)."""
    fig, ax = plt.subplots(figsize=(7.4, 5.0))
    for k, ell in enumerate(ells):
        col = f"C{k}"
        plot_cl_vs_energy(ax, ic, ell, color=col, ms=4, label=rf"$\ell={ell}$", noise_sigma=nsigma)
        m = cc["ell"] == ell
        ax.plot(cc["E_TeV"][m], cc["C_CEfig"][m], "o", mfc="none", mec=col, ms=9, mew=1.0, zorder=4)
    ax.plot([], [], "o", mfc="none", mec="k", ms=9, label="cross-check reading")
    ax.plot([], [], ":", color="k", label=f"{nsigma}$\\sigma$ noise, upper edge")
    ax.set_xlabel("median primary energy [TeV]")
    ax.set_ylim(3e-12, ymax)
    ax.legend(ncol=3, fontsize=9, loc="lower right")
    ax.set_title("IceCube 12 yr (digitised): pseudo-power versus energy")
    return fig


def crosscheck(cc, ells, stats: dict, stats_all: dict, marker_dex: float, quant: float):
    """d = log10(C~ from the C~-vs-energy figure / C~ from the spectrum figure) per marker and as
    a histogram, with the quoted precision and the quantisation scatter (``data-crosscheck``)."""
    d = np.log10(cc["C_CEfig"] / cc["C_GIF"])
    occ = cc["occluded"]
    fig, (ax, axh) = plt.subplots(1, 2, figsize=(9.6, 4.4), gridspec_kw=dict(width_ratios=[1.6, 1]), sharey=True)
    ax.axhspan(-marker_dex, marker_dex, color="0.88", lw=0, label=f"quoted precision $\\pm${marker_dex:.3f} dex")
    ax.axhline(0, color="0.5", lw=0.8)
    for k, ell in enumerate(ells):
        sel = cc["ell"] == ell
        ax.plot(cc["E_TeV"][sel & ~occ], d[sel & ~occ], "o", color=f"C{k}", ms=5, label=rf"$\ell={ell}$")
        ax.plot(cc["E_TeV"][sel & occ], d[sel & occ], "x", color=f"C{k}", ms=7, mew=1.5)
    ax.plot([], [], "x", color="k", label="occluded marker")
    ax.set_xscale("log")
    ax.set_xlabel("median primary energy [TeV]")
    ax.set_ylabel(r"$d=\log_{10}(\widetilde{C}^{\rm CE}_\ell/\widetilde{C}^{\rm spec}_\ell)$ [dex]")
    lim = 1.15 * max(stats_all["max_abs"], marker_dex)
    ax.set_ylim(-lim, lim)
    ax.legend(ncol=5, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.17))
    axh.hist(d[~occ], bins=np.arange(-0.04, 0.0401, 0.004), orientation="horizontal", color="C0", alpha=0.8, zorder=2,
             label=f"{stats['n']} unoccluded")
    axh.axhline(stats["mean"], color="k", lw=1.2, label=f"mean {stats['mean']:+.4f} dex")
    axh.axhspan(stats["mean"] - quant, stats["mean"] + quant, color="C1", alpha=0.25, lw=0, zorder=0,
                label=f"$\\pm${quant:.4f} dex (quantisation)")
    axh.set_xlabel("markers")
    axh.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.17))
    fig.tight_layout()
    return fig
