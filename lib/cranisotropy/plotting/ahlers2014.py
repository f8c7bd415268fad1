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
