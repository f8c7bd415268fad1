"""Figures of the chapter "Models against IceCube at nine energies": the noise bands, the forward
model against mocks, every model folded through the observation in the nine energy bins, and the
hierarchy's nu T against energy.

Each function draws one figure of the book from numbers the chapter computed
(:mod:`cranisotropy.observation`, :mod:`cranisotropy.folded_fit`) and returns the figure; nothing
here computes a number that a check or the text uses.  The figures are sized for the page (about
6.5 inches wide, so that they show near their natural size) with legends at 9 pt.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import NOISE_COLORS, plot_icecube_bin

LEGEND_PT = 9
#: One colour per model of the comparison, the same in every figure.
MODEL_COLORS = {"hierarchy": "C0", "eq21": "C3", "convection": "C2", "testparticle": "C5", "noise-only": "0.35",
                "power-law": "C1", "broken-power-law": "C4", "am15a": "C9", "am15b": "C6"}
SIGMA_COLORS = ("C3", "C1", "C2")      # 1, 2, 3 sigma edges of the noise model


def _color(name: str, i: int) -> str:
    return MODEL_COLORS.get(name, f"C{i % 10}")


def noise_bands(bins, levels, *, lmax: int = 40):
    """The digitised noise bands of each bin of ``bins`` (grey) and the white-noise model fitted to
    them (68/95/99.7 % edges), with the noise maps' ring means kept (solid) or removed (dashed)
    (``icecube-models-noise``); ``levels`` is a :class:`cranisotropy.observation.NoiseLevels`."""
    fig, axes = plt.subplots(1, len(bins), figsize=(6.6, 3.4), sharey=True)
    for ax, b in zip(np.atleast_1d(axes), bins):
        plot_icecube_bin(ax, b, ell_max=lmax, ms=3, noise_label=False, axis_labels=False, label="_")
        for cal, ls in ((levels.kept[b.label], "-"), (levels.removed[b.label], "--")):
            for k, c in enumerate(SIGMA_COLORS[::-1]):          # 3, 2, 1 sigma: rows k and 5 - k
                ax.plot(b.ell, cal.predicted[k], color=c, ls=ls, lw=0.9)
                ax.plot(b.ell, cal.predicted[5 - k], color=c, ls=ls, lw=0.9)
        ax.set_xscale("log")
        ax.set_xlim(0.9, 42)
        ax.set_ylim(0.5 * np.min(b.noise_lo[2]), 3 * np.max(b.C))
        ax.set_title(b.label)
        ax.set_xlabel(r"multipole $\ell$")
    np.atleast_1d(axes)[0].set_ylabel(r"$\widetilde{C}_\ell$")
    handles = [Line2D([], [], color="k", marker="o", ls="", ms=3, label="IceCube 12 yr (digitised)"),
               Patch(color=NOISE_COLORS[1], label=r"digitised bands, 1/2/3$\sigma$")]
    handles += [Line2D([], [], color=c, lw=1.2, label=lab) for c, lab in zip(SIGMA_COLORS, ("68 %", "95 %", "99.7 %"))]
    handles += [Line2D([], [], color="k", lw=1, ls="-", label="ring means kept"),
                Line2D([], [], color="k", lw=1, ls="--", label="ring means removed")]
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=LEGEND_PT)
    fig.tight_layout()
    return fig


def validation(val):
    """Mean (top) and standard deviation (bottom) of the healpy mocks and of the per-m draws over the
    exact moments, with Monte Carlo errors (``icecube-models-validation``); ``val`` is a
    :class:`cranisotropy.observation.MockValidation`."""
    ell = val.ell
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.4, 4.8), sharex=True)
    a1.errorbar(ell - 0.12, val.healpy_mean / val.mean, yerr=val.sd / np.sqrt(val.n_healpy) / val.mean, fmt="o",
                ms=3, label=f"healpy, {val.n_healpy} skies")
    a1.errorbar(ell + 0.12, val.fast_mean / val.mean, yerr=val.sd / np.sqrt(val.n_fast) / val.mean, fmt="s", ms=3,
                label=f"per-$m$ draws, {val.n_fast}")
    a2.plot(ell - 0.12, np.sqrt(val.var_ratio_healpy), "o", ms=3)
    a2.plot(ell + 0.12, np.sqrt(val.var_ratio_fast), "s", ms=3)
    for a in (a1, a2):
        a.axhline(1, color="k", lw=0.8)
    a1.set_ylabel(r"mean / $\langle\widetilde C_\ell\rangle$")
    a2.set_ylabel(r"sd / exact sd")
    a2.set_xlabel(r"multipole $\ell$")
    a1.legend(fontsize=LEGEND_PT, ncol=2)
    fig.align_ylabels()
    return fig


def _boxes(ax, b):
    """The shaded boxes around the points, as one collection."""
    ok = np.isfinite(b.box_lo) & np.isfinite(b.box_hi)
    verts = [[(l - 0.3, lo), (l + 0.3, lo), (l + 0.3, hi), (l - 0.3, hi)]
             for l, lo, hi in zip(b.ell[ok], b.box_lo[ok], b.box_hi[ok])]
    ax.add_collection(PolyCollection(verts, facecolors="k", alpha=0.12, lw=0, zorder=1))


def model_grid(bins, comparison, bands, models, *, ylim=(3e-13, 1e-6)):
    """The energy bins of ``bins`` in a 3 x 3 grid: the data (points with error bars, boxes, grey noise
    bands) and each of ``models`` at its best fit folded through the observation, its median (line)
    and central 68 % (shaded) and 95 % (thin edges) intervals; dashed where the model does not fit
    that bin by the comparison's rule (``icecube-models-grid``, ``icecube-models-grid-empirical``).

    ``comparison`` is a :class:`cranisotropy.folded_fit.Comparison`, ``bands`` the output of
    :func:`cranisotropy.folded_fit.folded_bands` for it.
    """
    from ..folded_fit import MODEL_LABELS

    fig, axes = plt.subplots(3, 3, figsize=(6.8, 7.4), sharex=True, sharey=True)
    for ax, b in zip(axes.flat, bins):
        plot_icecube_bin(ax, b, ms=2.5, noise_label=False, axis_labels=False, label="_")
        _boxes(ax, b)
        for i, name in enumerate(models):
            band, c = bands[b.label, name], _color(name, i)
            fits = comparison.rule.fits(comparison[b.label, name].p_value)
            ax.fill_between(band.ell, band.lo[0], band.hi[0], color=c, alpha=0.22, lw=0, zorder=2)
            for edge in (band.lo[1], band.hi[1]):
                ax.plot(band.ell, edge, color=c, lw=0.5, alpha=0.7, zorder=2)
            ax.plot(band.ell, band.median, color=c, lw=1.3, ls="-" if fits else "--", zorder=2)
        ax.text(0.96, 0.95, b.label, transform=ax.transAxes, ha="right", va="top", fontsize=10)
        ax.set_xscale("log")
        ax.set_xlim(0.9, 42)
        ax.set_ylim(*ylim)
        ax.set_yticks([1e-12, 1e-10, 1e-8, 1e-6])
    for ax in axes[-1]:
        ax.set_xlabel(r"multipole $\ell$")
    for ax in axes[:, 0]:
        ax.set_ylabel(r"$\widetilde{C}_\ell$")
    handles = [(Patch(color=_color(n, i), alpha=0.3, lw=0), Line2D([], [], color=_color(n, i), lw=1.3))
               for i, n in enumerate(models)]
    labels = [MODEL_LABELS.get(n, n) for n in models]
    handles += [Line2D([], [], color="k", marker="o", ls="", ms=3), Patch(color=NOISE_COLORS[1], lw=0),
                Line2D([], [], color="0.3", lw=1.3, ls="--")]
    labels += ["IceCube 12 yr (digitised)", r"isotropic noise, 1/2/3$\sigma$", "does not fit (rule)"]
    fig.legend(handles, labels, loc="upper center", ncol=3, fontsize=LEGEND_PT, frameon=False,
               bbox_to_anchor=(0.5, 1.0), handlelength=2.2)
    fig.tight_layout(rect=(0, 0, 1, 0.9), h_pad=0.3, w_pad=0.3)
    return fig


def parameter_vs_energy(rows, parameter: str = "nuT", *, label: str = r"$\nu T$ (Ahlers Eq. 20)", top: float = 100.0):
    """Best fit of ``parameter`` in each energy bin with its 68 % profile-likelihood interval; where the
    interval reaches the top of the profiled range (``lower_limit_only``) only its lower end, with an
    arrow; filled where the model fits that bin by the rule, open where not (``icecube-models-nut``).
    ``rows`` as returned by :meth:`cranisotropy.folded_fit.Comparison.profile`."""
    fig, ax = plt.subplots(figsize=(6.0, 3.8))
    for r in rows:
        e, (lo, hi) = r["energy_TeV"], r["profile_68"]
        mfc = "C0" if r["fits"] else "white"
        if r["lower_limit_only"]:       # flat profile above lo: the best-fit value itself means nothing
            ax.plot(e, lo, "_", color="C0", ms=12, mew=2)
            ax.annotate("", xy=(e, top), xytext=(e, lo), arrowprops=dict(arrowstyle="->", color="C0", lw=1.2))
            ax.plot(e, lo, "o", color="C0", mfc=mfc, ms=5)
        else:
            ax.plot([e, e], [lo, hi], color="C0", lw=1.5)
            ax.plot(e, r[parameter], "o", color="C0", mfc=mfc, ms=6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-2, 1.5 * top)
    ax.set_xlabel(r"median energy $E$ [TeV]")
    ax.set_ylabel(label)
    ax.legend(handles=[Line2D([], [], color="C0", marker="o", ls="", label="fits the bin"),
                       Line2D([], [], color="C0", marker="o", mfc="white", ls="", label="does not fit")],
              fontsize=LEGEND_PT, loc="lower right")
    return fig
