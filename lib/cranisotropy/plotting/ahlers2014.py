"""Figures of the Ahlers (2014) chapters: diffusion, anomalous anisotropies, hierarchy, partial sky.

Each function draws one figure of the book from numbers the chapter computed and returns the
figure; nothing here computes a number that a check, a claim or the text uses.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from .. import correlation, diffusion, hierarchy
from . import paper_figure_notes, plot_icecube_bin

#: What the paper's figure showed and what differs in the book's version (the figures page).
PAPER_FIGURES = {
    "ahlers2014-fig1": {
        "original": "IceCube angular power spectrum at a median energy of 20 TeV (Santander et al. ICRC 2013, "
                    "68% CL, black dots) with Eq. 20 at nu T = 0.1 (blue dotted), nu T = 1 (green dashed), the "
                    "asymptote Eq. 21, and the scrambled (isotropised) data (grey crosses); normalisation not "
                    "stated.",
        "differences": "Data: IceCube 12-year partial-sky pseudo-spectrum (Abbasi et al. 2025), digitised, "
                       "bin {bin}, instead of the ICRC 2013 spectrum; isotropic-noise bands instead of "
                       "scrambled data; Eq. 20 with the F2 typos corrected, computed by a stable solver; "
                       "amplitudes fitted over l >= 6 (left) or set by C_1 (right), a choice the paper does not "
                       "state.",
    },
}


def paper_figure(fig_id: str, **fields) -> dict:
    """``original=``/``differences=`` of an Ahlers (2014) figure (:data:`PAPER_FIGURES`); ``fields``
    fill the choices the chapter made (``bin=``)."""
    return paper_figure_notes(PAPER_FIGURES, fig_id, **fields)


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
    axr.legend(loc="lower left", fontsize=9, ncol=3)
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
    ax.legend(fontsize=9, ncol=2, loc="lower left")
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
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax2.plot(tt, 3 * inc["cl"][:, 1] / S0, "o-", color="C0", label=r"$\ell=1$: $3C_1$")
    ax2.plot(tt, np.sum(((2 * ell + 1) * inc["cl"])[:, 2:], axis=1) / S0, "s-", color="C1",
             label=rf"$2\leq\ell\leq{lmax}$")
    ax2.set_ylim(-0.05, 1.05)
    ax2.set_xlabel(r"time $t$ [1/rms speed]")
    ax2.set_ylabel("share of $4\\pi/3$")
    ax2.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def eq20_error_map(taus, ells, log_err, overflow):
    """log10 relative error of Eq. 20 in float64 over (nu T, l), grey where the products overflow,
    white contour at 1e-10 (``hierarchy-eq20-error``); from
    :func:`cranisotropy.hierarchy.float64_error_map`."""
    fig, ax = plt.subplots(figsize=(6.6, 4.4))
    im = ax.pcolormesh(taus, ells, log_err, cmap="viridis", vmin=-16, vmax=3, shading="nearest")
    ax.pcolormesh(taus, ells, np.where(overflow, 1.0, np.nan), cmap=ListedColormap(["0.6"]), shading="nearest")
    ax.contour(taus, ells, log_err, levels=[-10], colors="w", linewidths=1.2)
    ax.set_xscale("log")
    ax.set_xlabel(r"$\nu T$")
    ax.set_ylabel(r"multipole $\ell$")
    ax.grid(False)
    cb = fig.colorbar(im, ax=ax)
    cb.set_label(r"$\log_{10}$ relative error of Eq. 20 in float64 (clipped to $[-16, 3]$)")
    ax.set_title("Eq. 20 evaluated literally in double precision")
    return fig


def hierarchy_cascade(taus, sums, truncations, surviving):
    """Partial sums sum_{l<=L} (2l+1)<C_l>/3C~_1 against nu T for several truncations L, the
    L -> infinity limit, the dipole alone and Eq. 13 (``hierarchy-cascade``); ``sums`` is
    (len(taus), Lmax + 1) indexed by L, ``surviving`` the closed-form limit over 3."""
    fig, ax = plt.subplots()
    for i, L in enumerate(truncations):
        ax.semilogx(taus, sums[:, L], color=plt.cm.viridis(i / len(truncations)), label=f"$L={L}$")
    ax.semilogx(taus, surviving, "k--", lw=1.2, label=r"$L\to\infty$ (closed form)")
    ax.semilogx(taus, np.exp(-2 * np.asarray(taus)), color="0.5", lw=0.8, ls="-.", label=r"dipole alone, $e^{-2\nu T}$")
    ax.axhline(1.0, color="C3", ls=":", label="Eq. 13")
    ax.set_xlabel(r"$\nu T$")
    ax.set_ylabel(r"$\sum_{\ell\leq L}(2\ell+1)\langle C_\ell\rangle / 3\widetilde{C}_1$")
    ax.set_ylim(0, 1.08)
    ax.legend(loc="lower left")
    ax.set_title("The hierarchy leaks to $\\ell=\\infty$")
    return fig


def ahlers_fig1(b, fit_mask, shapes: dict, amp: dict, amp_c1: dict, nuT):
    """Fig. 1 of Ahlers (2014) regenerated (``ahlers2014-fig1``): the energy bin ``b`` with the
    hierarchy at the two nu T and Eq. 21 (``shapes``: key -> C_l/C~_1 for l = 0..40), amplitudes
    fitted over ``fit_mask`` (left, ``amp``) or set by C_1 (right, ``amp_c1``)."""
    styles = {f"eq20_{nuT[0]:g}": dict(color="C0", ls=":", lw=2, label=rf"Eq. 20, $\nu T={nuT[0]:g}$"),
              f"eq20_{nuT[1]:g}": dict(color="C2", ls="--", lw=1.6, label=rf"Eq. 20, $\nu T={nuT[1]:g}$"),
              "eq21": dict(color="C3", ls="-", lw=1.2, label="Eq. 21 (asymptote)")}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    for ax, amps, title in ((axes[0], amp, r"amplitudes fitted over $\ell\geq6$"),
                            (axes[1], amp_c1, r"model $C_1$ = observed $\widetilde{C}_1$")):
        plot_icecube_bin(ax, b, color="k", label=f"IceCube 12 yr, {b.label} (digitised)")
        for k, s in shapes.items():
            ax.plot(np.arange(1, len(s)), amps[k] * s[1:], **styles[k])
        ax.set_xscale("log")
        ax.set_xlim(0.9, 42)
        ax.set_ylim(1e-12, 1e-6)
        ax.set_title(title)
        if ax is axes[0]:
            for l in (b.ell[fit_mask].min(), b.ell[fit_mask].max()):
                ax.axvline(l, color="0.4", lw=0.7, ls="-.")
        else:
            ax.set_ylabel("")
    axes[0].legend(loc="lower left", fontsize=9)
    return fig


def folded_models(b, bands: dict, styles: dict):
    """The energy bin ``b`` (points with error bars, boxes, noise bands) with models folded through
    the observation (``bands``: name -> :class:`cranisotropy.observation.FoldedBand`, drawn as the
    median and the central 68 % and 95 % bands; ``styles``: name -> dict(color, label)): the
    forward-folded counterpart of Fig. 1 (``hierarchy-folded``)."""
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    plot_icecube_bin(ax, b, boxes=True, label=f"IceCube 12 yr, {b.label} (digitised)")
    for name, band in bands.items():
        st = styles[name]
        ax.fill_between(band.ell, band.lo[-1], band.hi[-1], color=st["color"], alpha=0.10, lw=0)
        ax.fill_between(band.ell, band.lo[0], band.hi[0], color=st["color"], alpha=0.22, lw=0)
        ax.plot(band.ell, band.median, color=st["color"], lw=1.4, label=st["label"])
    ax.set_xscale("log")
    ax.set_xlim(0.9, 42)
    ax.set_ylim(1e-12, 1e-6)
    ax.legend(loc="upper right", fontsize=9)
    return fig


def partial_sky_variance(ratio_mc, ratio_err, ratio_exact, cv_full, bands, band_ratio, *, n_real, dec_max, fsky, nside):
    """Scatter of the cut-sky spectrum in units of the estimate 2/((2l+1) f_sky): Monte Carlo,
    exact, the full-sky control and band powers (``partial-sky-variance``); arrays indexed by l
    from 0 (``cv_full`` from l = 1)."""
    ell = np.arange(len(ratio_mc))
    fig, ax = plt.subplots(figsize=(6.6, 4.3))
    ax.axhline(1, color="0.3", lw=1, ls="--", label=r"paper: $2/((2\ell+1)f_{\rm sky})$")
    ax.errorbar(ell[1:], ratio_mc[1:], yerr=ratio_err[1:], fmt="o", ms=4, color="k", capsize=0,
                label=f"cut sky, Monte Carlo ({n_real} skies)")
    ax.plot(ell[1:], ratio_exact[1:], "-", color="C0", label="cut sky, exact (ideal cap)")
    ax.plot(ell[1:], cv_full, "x", color="C2", ms=4, label=r"full sky / $2/(2\ell+1)$ (control)")
    for i, ((a, b), r) in enumerate(zip(bands, band_ratio)):
        ax.hlines(r, a - 0.4, b + 0.4, color="C3", lw=2.5, label="band power, exact" if i == 0 else None)
    ax.set_xlabel(r"multipole $\ell$")
    ax.set_ylabel("measured variance / estimate")
    ax.set_xlim(0, ell[-1] + 1)
    ax.set_ylim(0, 3)
    ax.legend(fontsize=9, loc="upper right", ncol=2)
    ax.set_title(rf"$\delta<{dec_max:g}^\circ$, $f_{{\rm sky}}={fsky:.3f}$, $N_{{\rm side}}={nside}$")
    return fig


def partial_sky_leakage(leak: dict, mc_bias, mc_bias_err, bias):
    """Mode coupling of the cap: where a pure dipole's power goes (``leak`` from
    :func:`cranisotropy.partial_sky.dipole_leakage`) and the bias <C~_l>/(f_sky C_l) of the Eq. 21
    spectrum, Monte Carlo and exact (``partial-sky-leakage``)."""
    fig, (axl, axr) = plt.subplots(1, 2, figsize=(9.6, 3.9))
    lv = np.arange(len(leak["isotropic"]))
    wbar = 0.27
    for i, (k, col) in enumerate(zip(leak["map"], ["C0", "C1"])):
        axl.bar(lv + (i - 1) * wbar, leak["exact"][k], width=wbar, color=col, alpha=0.45, label=f"{k}, exact")
        axl.plot(lv + (i - 1) * wbar, leak["map"][k], "o", color=col, ms=4, label=f"{k}, masked map")
    axl.bar(lv + wbar, leak["isotropic"], width=wbar, color="0.5", alpha=0.6, label="isotropic average, exact")
    axl.set_xticks(lv)
    axl.set_xlabel(r"multipole $\ell$")
    axl.set_ylabel(r"$\tilde C_\ell/(f_{\rm sky}C_1)$")
    axl.set_title("pure dipole injected")
    axl.legend(fontsize=9)
    ell = np.arange(len(bias))
    axr.axhline(1, color="0.3", ls="--", lw=1)
    axr.errorbar(ell[1:], mc_bias[1:], yerr=mc_bias_err[1:], fmt="o", ms=3.5, color="k", label="Monte Carlo")
    axr.plot(ell[1:], bias[1:], "-", color="C0", label="exact (ideal cap)")
    axr.set_xlabel(r"multipole $\ell$")
    axr.set_ylabel(r"$\langle\tilde C_\ell\rangle/(f_{\rm sky}C_\ell)$")
    axr.set_title("Eq. 21 spectrum")
    axr.set_ylim(0, 1.8)
    axr.legend(fontsize=9, loc="lower right")
    fig.tight_layout()
    return fig
