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
