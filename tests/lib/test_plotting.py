"""Shared plotting of the measured spectra: what ends up on the axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cranisotropy import plotting  # noqa: E402
from cranisotropy.data import load_icecube12yr  # noqa: E402


@pytest.fixture(scope="module")
def ic():
    return load_icecube12yr()


def test_plot_icecube_bin(ic):
    fig, ax = plt.subplots()
    b = ic["130 TeV"]
    plotting.plot_icecube_bin(ax, b)
    assert ax.get_yscale() == "log"
    labels = ax.get_legend_handles_labels()[1]
    assert "IceCube 12 yr, 130 TeV (digitised)" in labels
    assert sum("isotropic noise" in s for s in labels) == 3
    line = ax.lines[0]
    np.testing.assert_array_equal(line.get_xdata(), b.ell)
    np.testing.assert_array_equal(line.get_ydata(), b.C)
    plt.close(fig)


def test_plot_icecube_bin_options(ic):
    fig, ax = plt.subplots()
    plotting.plot_icecube_bin(ax, ic["24 TeV"], ell_max=20, noise_label=False, boxes=True, label="x",
                              axis_labels=False)
    assert ax.get_legend_handles_labels()[1] == ["x"]
    assert len(ax.lines[0].get_xdata()) == 20
    assert ax.get_xlabel() == ""
    plt.close(fig)


def test_plot_cl_vs_energy(ic):
    fig, ax = plt.subplots()
    plotting.plot_cl_vs_energy(ax, ic, 4, noise_sigma=3)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), ic.energies_TeV)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [b.C[3] for b in ic])
    np.testing.assert_array_equal(ax.lines[-1].get_ydata(), [b.noise_hi[2, 3] for b in ic])
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="ell"):
        plotting.plot_cl_vs_energy(ax, ic, 0)
    plt.close(fig)
