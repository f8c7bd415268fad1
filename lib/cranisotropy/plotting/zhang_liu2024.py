"""Figures of the Zhang & Liu (2024) chapters: Taylor terms, Eq. 7, the Monte Carlo of Eq. 10, the
data fit (Fig. 1) and the energy dependence (Figs. 2-4).

Each function draws one figure of the book from numbers the chapter computed and returns the
figure; nothing here computes a number that a check, a claim or the text uses.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import plot_icecube_bin


def taylor_content(power: dict, degree: int):
    """Fraction of the power of each Taylor term j in each l, one panel per field
    (``zl-taylor-content``); ``power`` maps a field's name to its (degree, lmax + 1) array."""
    lmax = next(iter(power.values())).shape[1] - 1
    fig, axes = plt.subplots(1, len(power), figsize=(11, 3.6), sharey=True)
    for ax, (name, P) in zip(np.atleast_1d(axes), power.items()):
        frac = P / P.sum(axis=1, keepdims=True)
        im = ax.imshow(np.where(frac > 1e-12, frac, np.nan), origin="lower", cmap="viridis", vmin=0, vmax=1,
                       extent=(-0.5, lmax + 0.5, 0.5, degree + 0.5), aspect="auto")
        ax.set_xlabel(r"multipole $\ell$")
        ax.set_title(name)
        ax.set_xticks(range(lmax + 1))
        ax.set_yticks(range(1, degree + 1))
    np.atleast_1d(axes)[0].set_ylabel("Taylor order $j$")
    fig.colorbar(im, ax=axes, label="fraction of the term's power", shrink=0.9)
    return fig


def eq7_check(rows: np.ndarray, gammas, tolerance: float):
    """I_l(gamma) in closed form (lines) and by quadrature (points), and their relative deviation
    (``zl-multipoles-eq7-check``); ``rows`` as returned by
    :func:`cranisotropy.velocity_multipoles.eq7_quadrature_check`."""
    rel_dev = np.abs(rows[:, 3] / rows[:, 2] - 1)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for i, g in enumerate(gammas):
        sel = rows[:, 0] == g
        c = f"C{i % 10}"
        a1.loglog(rows[sel, 1], rows[sel, 2], color=c, lw=1, label=rf"$\gamma={g:.3g}$")
        a1.loglog(rows[sel, 1], rows[sel, 3], "o", color=c, ms=3)
        a2.semilogy(rows[sel, 1], np.maximum(rel_dev[sel], 1e-17), "o-", color=c, ms=3, lw=0.7)
    a1.set_xlabel(r"multipole $\ell$")
    a1.set_ylabel(r"$I_\ell(\gamma)=\int_0^\infty x^{-\gamma}j_\ell^2\,dx$")
    a1.legend(fontsize=8, ncol=2)
    a2.axhline(tolerance, color="0.4", ls="--", lw=0.8, label="asserted tolerance")
    a2.set_xlabel(r"multipole $\ell$")
    a2.set_ylabel("|quadrature / closed form - 1|")
    a2.set_ylim(1e-17, 1e-8)
    a2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def eq7_large_l(ells: np.ndarray, ratios: dict, slopes: dict):
    """I_l over its large-l asymptote and the local slope against -(gamma+1), per gamma
    (``zl-multipoles-large-l``)."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for i, g in enumerate(slopes):
        a1.semilogx(ells, ratios[g], color=f"C{i}", label=rf"$\gamma={g:.3g}$")
        a2.semilogx(ells, slopes[g], color=f"C{i}", label=rf"$\gamma={g:.3g}$")
        a2.axhline(-(g + 1), color=f"C{i}", ls="--", lw=0.8)
    a1.axhline(1, color="0.5", lw=0.8)
    a1.set_xlabel(r"multipole $\ell$")
    a1.set_ylabel(r"$I_\ell / (c_\gamma\,\ell^{-\gamma-1})$")
    a1.legend(fontsize=8)
    a2.set_xlabel(r"multipole $\ell$")
    a2.set_ylabel(r"local slope $d\ln I_\ell/d\ln\ell$")
    a2.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    return fig


def coupling_monte_carlo(ell, C_mean, C_err, C_pred, C_cont, n_real: int, nside: int):
    """The Monte-Carlo mean C_l of n.u(lam n) against Eq. 10 with the same discrete spectrum and
    the continuous power law, and the deviation in units of the Monte-Carlo error
    (``zl-coupling-montecarlo``)."""
    z = (C_mean - C_pred) / C_err
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, gridspec_kw=dict(height_ratios=[2.2, 1]))
    a1.errorbar(ell, C_mean, C_err, fmt="o", ms=3, color="k", label=f"Monte Carlo ({n_real} fields, Nside {nside})")
    a1.plot(ell, C_pred, color="C1", label="Eq. 10, same discrete spectrum")
    a1.plot(ell, C_cont, color="C0", ls=":", label=r"Eqs. 7+10, continuous $k^{-5/3}$")
    a1.set_xscale("log")
    a1.set_yscale("log")
    a1.set_ylabel(r"$C_\ell$ of $\hat{\mathbf{n}}\cdot\mathbf{u}(\lambda\hat{\mathbf{n}})$ [units of $A\lambda^{\gamma-1}$]")
    a1.legend(fontsize=8)
    a2.axhspan(-1, 1, color="0.9")
    a2.axhline(0, color="0.5", lw=0.8)
    a2.plot(ell, z, "o-", ms=3, color="k", lw=0.7)
    a2.set_ylim(-4, 4)
    a2.set_xlabel(r"multipole $\ell$")
    a2.set_ylabel(r"(MC $-$ Eq. 10) / $\sigma$")
    a2.set_xticks([2, 3, 5, 10, 20, 30])
    a2.set_xticklabels(["2", "3", "5", "10", "20", "30"])
    a2.xaxis.set_minor_formatter(plt.NullFormatter())
    fig.tight_layout()
    return fig


ZL_STYLES = {"convection": ("C0", "-"), "convection-gamma": ("C1", "--"), "a14": ("C2", "-."),
             "am15a": ("C4", ":"), "am15b": ("C3", (0, (5, 1, 1, 1)))}


def zl_fig1(b, ell, fits: dict, models: dict, labels: dict):
    """Fig. 1 of Zhang & Liu (2024) regenerated (``zhang-liu2024-fig1``): the energy bin ``b``
    with the fitted models (key -> FitResult of :func:`cranisotropy.spectrum_fits.fit_models`,
    curves from ``models[key].cl``) over l = ell[0]..40, the fit range, and the log residuals."""
    lfine = np.arange(ell[0], 41)
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(6.6, 6.2), sharex=True, gridspec_kw=dict(height_ratios=[3, 1.3]))
    plot_icecube_bin(ax, b)
    for n, f in fits.items():
        c, ls = ZL_STYLES[n]
        ax.plot(lfine, models[n].cl(lfine, *f.values), color=c, ls=ls, lw=1.6,
                label=labels[n] + (f" ($\\sigma$={f.value('sigma'):.0f} km/s)" if n == "convection" else ""))
        axr.plot(ell, f.residuals, color=c, ls=ls, marker="o", ms=2.5, lw=1)
    for a in (ax, axr):
        a.axvline(ell[0] - 0.5, color="0.5", lw=0.7)
        a.axvline(ell[-1] + 0.5, color="0.5", lw=0.7)
    ax.set_xscale("log")
    ax.set_xlim(0.9, 42)
    ax.set_ylim(1e-12, 3e-7)
    ax.set_title(f"IceCube 12 yr, {b.label}: turbulent convection vs A14 and AM15")
    ax.legend(fontsize=7.5, loc="upper right", ncol=1)
    axr.axhline(0, color="k", lw=0.8)
    axr.set_ylabel(r"$\log_{10}(\widetilde{C}_\ell/C_\ell^{\rm model})$")
    axr.set_xlabel(r"multipole $\ell$")
    ax.set_xlabel("")
    axr.set_ylim(-1.3, 1.3)
    return fig
