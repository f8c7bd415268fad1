"""The figures of the icecube_models chapter: each function draws what it is given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cranisotropy import decision_rules as D  # noqa: E402
from cranisotropy import folded_fit as F  # noqa: E402
from cranisotropy import observation as O  # noqa: E402
from cranisotropy import spectral_models as SM  # noqa: E402
from cranisotropy.data import load_icecube12yr  # noqa: E402
from cranisotropy.plotting import icecube_models as P  # noqa: E402


@pytest.fixture(scope="module")
def ic():
    return load_icecube12yr()


def test_noise_bands(ic):
    resp = O.response(-20.0, nside=64, lmax=40, lmax_sky=60)
    bins = [ic["13 TeV"], ic["470 TeV"]]
    levels = O.noise_levels(resp, bins, rng=np.random.default_rng(0), n_draws=2000)
    fig = P.noise_bands(bins, levels)
    axes = fig.axes
    assert len(axes) == 2 and [a.get_title() for a in axes] == ["13 TeV", "470 TeV"]
    # 3 band edges x 2 sides x (kept, removed) model lines on each panel, kept solid and removed dashed
    model_lines = [ln for ln in axes[0].lines if ln.get_linestyle() in ("-", "--") and len(ln.get_xdata()) == 40]
    assert sum(ln.get_linestyle() == "--" for ln in model_lines) == 6
    np.testing.assert_allclose(model_lines[-1].get_ydata(), levels.removed["13 TeV"].predicted[3])   # last drawn: the 1 sigma upper edge
    assert fig.legends and min(t.get_fontsize() for t in fig.legends[0].get_texts()) >= 9
    plt.close(fig)


def test_validation():
    nside = 16
    resp = O.response(-20.0, nside=nside, lmax=8, lmax_sky=3 * nside - 1)
    cl = SM.registry()["eq21"].spectrum(3 * nside - 1, 1.0)
    val = O.validate_mocks(resp, cl, 0.01, 200, 10, np.random.default_rng(1), nside=nside)
    fig = P.validation(val)
    top, bottom = fig.axes
    assert len(top.containers) == 2 and "healpy, 10 skies" in top.get_legend_handles_labels()[1]
    np.testing.assert_allclose(bottom.lines[0].get_ydata(), np.sqrt(val.var_ratio_healpy))
    plt.close(fig)


def test_model_grid_and_parameter_vs_energy(ic):
    reg = SM.registry()
    resp = O.response(-20.0, nside=None, lmax=12, lmax_sky=40)
    models = {"eq21": reg["eq21"], "noise-only": reg["noise-only"]}
    C = F.compare_models(resp, models, [ic["13 TeV"], ic["240 TeV"]], {"13 TeV": 1e-11, "240 TeV": 3e-10},
                         D.GoodnessOfFitRule(0.05, 20), rng=np.random.default_rng(2), ell_max=12, n_moment_mocks=100)
    bands = F.folded_bands(C, n_draws=300, rng=np.random.default_rng(3))
    fig = P.model_grid([ic["13 TeV"], ic["240 TeV"]], C, bands, ["eq21", "noise-only"])
    ax = fig.axes[0]
    assert len(fig.axes) == 9 and ax.texts[0].get_text() == "13 TeV"
    medians = [ln for ln in ax.lines if np.array_equal(ln.get_ydata(), bands["13 TeV", "eq21"].median)]
    assert len(medians) == 1
    assert medians[0].get_linestyle() == ("-" if C.rule.fits(C["13 TeV", "eq21"].p_value) else "--")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert F.MODEL_LABELS["eq21"] in labels and "does not fit (rule)" in labels
    plt.close(fig)

    rows = [{"energy_TeV": 13.0, "nuT": 0.3, "profile_68": [0.25, 0.35], "lower_limit_only": False, "fits": False},
            {"energy_TeV": 240.0, "nuT": 5.0, "profile_68": [1.2, 100.0], "lower_limit_only": True, "fits": True}]
    fig = P.parameter_vs_energy(rows)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log" and len(ax.texts) == 1   # one arrow: a lower limit
    assert any(np.array_equal(ln.get_xdata(), [13.0, 13.0]) and np.array_equal(ln.get_ydata(), [0.25, 0.35])
               for ln in ax.lines)
    plt.close(fig)
