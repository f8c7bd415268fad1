"""Figures of the test-particle chapter (``book/testparticle.md``).

Each function draws one figure from the section results of
:mod:`cranisotropy.testparticle_analysis` and returns it; nothing here computes a number that a
check, a claim or the text uses.  ``rigidities`` are the values r_g/l_c, ``nu_T`` the snapshot
times of the dataset.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["anisotropy", "calibration", "sum_rule", "c1_decay", "ratios", "stationarity", "setup_b"]

#: the snapshots whose ratio spectra :func:`ratios` draws as lines (those the dataset has)
RATIO_TIMES = (0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16)


def _label(r) -> str:
    return f"$r_g/l_c={r:g}$"


def anisotropy(eigenvalues, rigidities):
    """Eigenvalues of <b_i b_j> (rigidity, seed, 3) per field seed (``testparticle-anisotropy``)."""
    eig = np.asarray(eigenvalues)
    n_seeds = eig.shape[1]
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    for i, r in enumerate(rigidities):
        for k in range(3):
            ax.plot(np.arange(n_seeds) + 0.2 * (i - 1), eig[i, :, k], "o", ms=4, color=f"C{i}",
                    label=_label(r) if k == 0 else None)
    ax.axhline(1 / 3, color="k", lw=0.8)
    ax.set_xlabel("field seed")
    ax.set_ylabel(r"eigenvalues of $\langle b_ib_j\rangle$")
    ax.legend(fontsize=9, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))   # above the axes, clear of the points
    return fig


def calibration(cal: dict, rigidities):
    """Running diffusion coefficient and velocity autocorrelation against nu t
    (``testparticle-calibration``); ``cal`` is :func:`cranisotropy.testparticle_analysis.calibration`."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9.6, 3.8))
    for i, (r, c) in enumerate(zip(rigidities, cal["cal"])):
        t = cal["t"][i]
        ax.plot(c["nu"] * t, cal["msd_mean"][i] / (6 * t), color=f"C{i}", label=_label(r))
        ax.plot(c["nu"] * t, cal["running_gk"][i], color=f"C{i}", ls=":", lw=1.2)
        ax.axhline(c["D"], color=f"C{i}", ls="--", lw=0.8)
        bx.plot(c["nu"] * t, c["vacf"], color=f"C{i}", label=_label(r))
    tt = np.linspace(0, 6, 200)
    bx.plot(tt, np.exp(-tt), color="k", lw=1.2, label=r"$e^{-\nu t}$ (BGK)")
    bx.axhline(0, color="0.5", lw=0.6)
    ax.set_xlabel(r"$\nu t$")
    ax.set_ylabel(r"$\langle|\Delta\mathbf{x}|^2\rangle/6t$  ($l_c\,c$)")
    ax.set_yscale("log")
    ax.legend(loc="lower right", fontsize=9)
    bx.set_xlim(0, 6)
    bx.set_xlabel(r"$\nu t$")
    bx.set_ylabel(r"$\langle\mathbf{v}(t)\cdot\mathbf{v}(0)\rangle$")
    bx.legend(fontsize=9)
    return fig


def sum_rule(rule: dict, nu_T, rigidities):
    """Eq. 13: mean over fields of S(T)/S(0) per axis, single observers' range and the truncated
    anafast sums (``testparticle-sumrule``); ``rule`` is
    :func:`cranisotropy.testparticle_analysis.sum_rule`."""
    n = len(rigidities)
    fig, axes = plt.subplots(1, n, figsize=(4.1 * n, 3.8), sharey=True)
    axes = np.atleast_1d(axes)
    for i, (ax, r, s) in enumerate(zip(axes, rigidities, rule["per_rigidity"])):
        ax.fill_between(nu_T, s["q16"][:, 0], s["q84"][:, 0], color=f"C{i}", alpha=0.18, lw=0,
                        label="single observers (16-84 %)")
        ax.errorbar(nu_T, s["mean"][:, 0], s["se"][:, 0], fmt="o", ms=3.5, color=f"C{i}", capsize=2,
                    label=r"mean over fields, $S(T)/S(0)$")
        ax.plot(nu_T, s["mean"][:, 1:], "x", ms=3, color=f"C{i}", alpha=0.6)
        for run, ls in (("sum", "--"), ("spec", ":")):
            ax.plot(nu_T, rule["truncated"][i, run], ls=ls, color="0.3",
                    label=f"anafast sum, $\\ell\\leq{rule['lmax'][run]}$")
        ax.axhline(1, color="k", lw=0.8)
        ax.set_xscale("symlog", linthresh=1)
        ax.set_xlabel(r"$\nu T$")
        ax.set_title(f"$r_g/l_c = {r:g}$")
    axes[0].set_ylabel(r"$\sum_\ell (2\ell+1)C_\ell$ relative to $T=0$")
    axes[0].legend(loc="lower left", fontsize=9)
    return fig


def c1_decay(decay: dict, nu_T, rigidities):
    """Dipole power <C_1>/C_1(0), its coherent part and its local decay rate against nu T
    (``testparticle-c1-decay``); ``decay`` is :func:`cranisotropy.testparticle_analysis.dipole_decay`."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.9))
    for i, (r, d) in enumerate(zip(rigidities, decay["dip"])):
        ax.errorbar(nu_T, d["total"], d["total_err"], fmt="o", ms=3.5, color=f"C{i}",
                    label=rf"$\langle C_1\rangle$, $r_g/l_c={r:g}$")
        ax.plot(nu_T, decay["dsq"]["sum"][i].mean(0), "-", lw=0.8, color=f"C{i}")
        ax.plot(nu_T, np.where(d["coherent"] > 0, d["coherent"], np.nan), "s--", mfc="none", ms=3.5, lw=0.7,
                color=f"C{i}", label=rf"$\langle d\rangle^2$, $r_g/l_c={r:g}$")
        bx.plot(decay["decay"][i]["local_nu_T"], decay["decay"][i]["local"], "o-", ms=3, color=f"C{i}", label=_label(r))
    tt = np.linspace(0, nu_T[-1], 300)
    ax.plot(tt, np.exp(-2 * tt), color="k", lw=1.4, label=r"$e^{-2\nu T}$ (Eq. 20)")
    ax.set_yscale("log")
    ax.set_ylim(1e-5, 1.5)
    ax.set_xlabel(r"$\nu T$")
    ax.set_ylabel("dipole power relative to $T=0$")
    ax.legend(fontsize=9, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.16))   # below: the data fill the panel
    bx.axhline(2, color="k", lw=1.2, label="Eq. 20")
    bx.set_xscale("symlog", linthresh=1)
    bx.set_xlabel(r"$\nu T$")
    bx.set_ylabel(r"$-{\rm d}\ln\langle C_1\rangle/{\rm d}(\nu T)$")
    bx.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def ratios(spectra: dict, nu_T, rigidities, ell_compare: int):
    """Set-up A ratio spectra at several nu T against Eq. 21 (``testparticle-ratios``);
    ``spectra`` is :func:`cranisotropy.testparticle_analysis.ratio_spectra`."""
    n = len(rigidities)
    fig, axes = plt.subplots(1, n, figsize=(4.1 * n, 4.2), sharey=True)
    axes = np.atleast_1d(axes)
    show = [k for k, t in enumerate(nu_T) if t in RATIO_TIMES]
    cmap = plt.get_cmap("viridis")
    norm = mpl.colors.LogNorm(vmin=min(nu_T[k] for k in show), vmax=max(nu_T[k] for k in show))
    lmax = spectra["lmax"]
    ell = np.arange(lmax + 1)
    for i, (ax, r, s) in enumerate(zip(axes, rigidities, spectra["spec"])):
        for k in show:                 # the snapshots: colour = nu T (colour bar)
            ax.plot(ell[1:], np.where(s["ratio"][k, 1:] > 0, s["ratio"][k, 1:], np.nan),
                    color=cmap(norm(nu_T[k])), lw=0.9)
        for k, col, lab in ((s["kbest"], "C3", "closest to Eq. 21"), (len(nu_T) - 1, "k", "last")):
            pos = (s["ratio"][k] > 0) & (ell <= ell_compare)
            ax.errorbar(ell[pos][1:], s["ratio"][k][pos][1:], s["err"][k][pos][1:], fmt="o", ms=2.2, color=col,
                        capsize=0, label=rf"{lab}, $\nu T={nu_T[k]:g}$")
        ax.plot(ell[1:], spectra["eq21"][1:], color="k", lw=1.8, label="Eq. 21")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(1, lmax)
        ax.set_ylim(1e-7, 3)
        ax.set_xlabel(r"$\ell$")
        ax.set_title(f"$r_g/l_c = {r:g}$")
        ax.legend(loc="lower left", fontsize=9, frameon=True, framealpha=0.9, edgecolor="none")
    fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=list(axes), pad=0.01, fraction=0.025,
                 label=r"$\nu T$ of the lines")
    axes[0].set_ylabel(r"$\langle C_\ell\rangle / \langle C_1\rangle$")
    return fig


def stationarity(spectra: dict, nu_T, rigidities, ell_compare: int):
    """Distance from Eq. 21 and change to the last snapshot against nu T
    (``testparticle-stationarity``); ``spectra`` is :func:`cranisotropy.testparticle_analysis.ratio_spectra`."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.8))
    for i, (r, s, st) in enumerate(zip(rigidities, spectra["spec"], spectra["stat"])):
        ax.plot(nu_T[1:], s["dev21"][1:], "o-", ms=3.5, color=f"C{i}", label=_label(r))
        bx.plot(nu_T[1:-1], st["change"][1:-1], "o-", ms=3.5, color=f"C{i}", label=_label(r))
    ax.plot(nu_T[1:], spectra["eq20_dev"][1:], color="0.5", lw=1.5, label="Eq. 20")
    for a in (ax, bx):
        a.axhline(np.log(1.5), color="k", ls="--", lw=0.8)
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel(r"$\nu T$")
    ax.set_ylabel(r"max $|\ln(C_\ell/C_\ell^{\rm Eq.21})|$, $2\leq\ell\leq$" + f"{ell_compare}")
    bx.set_ylabel(r"max $|\Delta\ln(C_\ell/C_1)|$ to the last snapshot")
    ax.legend(fontsize=9)
    return fig


def setup_b(setup: dict, eq21, nu_T, rigidities):
    """Set-up B ratio spectra at the last time with Eq. 21 for reference (``testparticle-setupb``);
    ``setup`` is :func:`cranisotropy.testparticle_analysis.setup_b`."""
    eq21 = np.asarray(eq21)
    lmax = eq21.size - 1
    ell = np.arange(lmax + 1)
    fig, ax = plt.subplots()
    for i, (r, s) in enumerate(zip(rigidities, setup["spec"])):
        pos = s["ratio"][-1] > 0
        lab = _label(r) + (f": slope {s['slope']['slope']:.2f} $\\pm$ {s['slope']['err']:.2f}" if s["slope"] else "")
        ax.errorbar(ell[pos][1:], s["ratio"][-1][pos][1:], s["err"][-1][pos][1:], fmt="o", ms=2.5, color=f"C{i}",
                    label=lab)
    ax.plot(ell[1:], eq21[1:], color="k", lw=1.4, label="Eq. 21 (set-up A theory)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(1, lmax)
    ax.set_ylim(1e-7, 3)
    ax.set_xlabel(r"$\ell$")
    ax.set_ylabel(r"$\langle C_\ell\rangle/\langle C_1\rangle$")
    ax.legend(fontsize=9, loc="lower left")
    ax.set_title(rf"Set-up B at $\nu T = {nu_T[-1]:g}$")
    return fig
