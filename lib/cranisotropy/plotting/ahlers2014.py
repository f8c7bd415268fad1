"""Figures of the Ahlers (2014) chapters: diffusion, anomalous anisotropies, hierarchy, partial sky.

Each function draws one figure of the book from numbers the chapter computed and returns the
figure; nothing here computes a number that a check, a claim or the text uses.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from .. import correlation, diffusion, hierarchy
from . import plot_icecube_bin


def diffusion_coefficients(omega_min: float, omega_max: float, n: int = 400):
    """K_par, K_perp, K_A of Eq. 5 (units of 1/3nu) against Omega/nu (``diffusion-coefficients``)."""
    ratio = np.geomspace(omega_min, omega_max, n)
    kpar, kperp, ka = diffusion.coefficients(1.0, ratio)   # nu = 1: Omega/nu on the axis
    fig, ax = plt.subplots()
    ax.loglog(ratio, 3 * kpar, label=r"$K_\parallel$ (along $\bar{\mathbf{B}}$)", color="C0")
    ax.loglog(ratio, 3 * kperp, label=r"$K_\perp$", color="C1", ls="--")
    ax.loglog(ratio, 3 * ka, label=r"$K_A$ (Hall)", color="C2", ls="-.")
    ax.axvline(1.0, color="0.6", lw=0.8)
    ax.set_xlabel(r"$\Omega/\nu$")
    ax.set_ylabel(r"$3\nu\,K$")
    ax.set_ylim(1e-4, 2)
    ax.legend(loc="lower left")
    ax.set_title("Diffusion coefficients of Eq. 5")
    return fig


def pair_correlation(pc: dict, pc_coarse: dict, nside: int):
    """Eqs. 9-10 on a random sky: the pair-binned correlation against Eq. 10, and the residuals
    at two resolutions and against Eq. 10 at the bin centres (``anomalous-correlation``);
    ``pc``/``pc_coarse`` are results of :func:`cranisotropy.correlation.pair_check`."""
    centres = 0.5 * (pc["edges"][1:] + pc["edges"][:-1])
    fine = np.linspace(-1, 1, 2001)
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(6.4, 5.6), sharex=True, gridspec_kw=dict(height_ratios=[2, 1.2]))
    ax.plot(fine, correlation.xi_from_cl(pc["cl"], fine) / pc["xi0"], color="C0", lw=1,
            label=r"Eq. 10, $\frac{1}{4\pi}\sum(2\ell+1)\hat C_\ell P_\ell$")
    ax.plot(centres, pc["model"] / pc["xi0"], "x", color="C1", ms=5, label="Eq. 10 averaged over the bin's pairs")
    ax.plot(centres, pc["xi"] / pc["xi0"], "o", mfc="none", color="k", ms=5,
            label=rf"pixel pairs (Eq. 9), $N_{{\rm side}}={nside}$")
    ax.set_ylabel(r"$\xi(\eta)/\xi(0)$")
    ax.legend(loc="upper left", fontsize=9)
    axr.axhline(0, color="0.5", lw=0.8)
    axr.plot(centres, (pc["xi"] - pc["model"]) / pc["xi0"], "o-", ms=3, color="k", label=rf"$N_{{\rm side}}={nside}$")
    axr.plot(centres, (pc_coarse["xi"] - pc_coarse["model"]) / pc_coarse["xi0"], "s--", ms=3, color="C2",
             label=rf"$N_{{\rm side}}={nside // 2}$")
    axr.plot(centres, (pc["xi"] - correlation.xi_from_cl(pc["cl"], centres)) / pc["xi0"], ":", color="C3",
             label="vs Eq. 10 at bin centre")
    axr.set_ylim(-0.04, 0.04)
    axr.set_xlabel(r"$\cos\eta$")
    axr.set_ylabel("residual / $\\xi(0)$")
    axr.legend(loc="lower left", fontsize=8, ncol=3)
    return fig


def remap_spectra(cl: np.ndarray, times, nside: int):
    """C_l(t)/C_1(0) of the remapped dipole sky at each time, with the Eq. 21 shape for reference
    (``anomalous-remap-spectra``); ``cl`` is (len(times), lmax + 1)."""
    ell = np.arange(cl.shape[1])
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    cmap = plt.get_cmap("viridis")
    for i, t in enumerate(times):
        spec = cl[i] / cl[0, 1]
        if i == 0:
            ax.plot([1], [spec[1]], "o", color=cmap(0.0), label=f"$t={t:g}$ (pure dipole)")
        else:
            ax.loglog(ell[1:], spec[1:], "-", lw=1.2, color=cmap(i / (len(times) - 1)), label=f"$t={t:g}$")
    ax.loglog(ell[1:], hierarchy.asymptotic_ratio(ell[1:]), ":", color="0.4", label="Eq. 21 shape")
    ax.set_xlim(0.9, ell[-1] + 5)
    ax.set_ylim(1e-8, 2)
    ax.set_xlabel(r"multipole $\ell$")
    ax.set_ylabel(r"$C_\ell(t)/C_1(0)$")
    ax.legend(fontsize=8, ncol=2, loc="lower left")
    ax.set_title(rf"Area-preserving remapping of a dipole ($N_{{\rm side}}={nside}$)")
    return fig


def remap_sum_rule(times, inc: dict, dev_cmp: np.ndarray, S0: float):
    """The sum rule in the remapping toy: relative change of the sum for both flows with the
    pixelisation bound, and the shares of l = 1 and l >= 2 (``anomalous-remap-sumrule``);
    ``inc`` is the incompressible run of :func:`cranisotropy.remap.sum_rule_series`."""
    tt = np.asarray(times, dtype=float)
    tol = inc["bound"] / S0
    lmax = inc["cl"].shape[1] - 1
    ell = np.arange(lmax + 1)
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(8.4, 5.8), sharex=True, gridspec_kw=dict(height_ratios=[1.4, 1]))
    ax.fill_between(tt, -tol, tol, color="0.85", label="pixelisation bound")
    ax.plot(tt, inc["pix"] / S0 - 1, "o-", color="k", label=r"area-preserving: $4\pi\,\overline{g^2}$")
    ax.plot(tt, inc["ana"] / S0 - 1, "s--", color="0.5", ms=4, label=rf"area-preserving: anafast sum, $\ell\leq{lmax}$")
    ax.plot(tt, dev_cmp, "^-", color="C3", label=r"compressive control: $4\pi\,\overline{g^2}$")
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_ylabel(r"$\sum(2\ell+1)C_\ell\,/\,(4\pi/3)-1$")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax2.plot(tt, 3 * inc["cl"][:, 1] / S0, "o-", color="C0", label=r"$\ell=1$: $3C_1$")
    ax2.plot(tt, np.sum(((2 * ell + 1) * inc["cl"])[:, 2:], axis=1) / S0, "s-", color="C1",
             label=rf"$2\leq\ell\leq{lmax}$")
    ax2.set_ylim(-0.05, 1.05)
    ax2.set_xlabel(r"time $t$ [1/rms speed]")
    ax2.set_ylabel("share of $4\\pi/3$")
    ax2.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
