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


# -- the figures of the chapters: each draws from given numbers and returns a figure ------------
def test_chapter_figures_draw(ic):
    from cranisotropy import correlation, energy_dependence as ed, hierarchy, remap, spectrum_fits
    from cranisotropy.data import load_crosscheck, digitisation_stats
    from cranisotropy.plotting import ahlers2014 as A, icecube as I, zhang_liu2024 as Z
    figs = [A.diffusion_coefficients(0.1, 10.0, 50)]
    pc = correlation.pair_check(np.r_[0.0, 1.0, 0.5], 4, 8, np.random.default_rng(0), oversample=4)
    figs.append(A.pair_correlation(pc, pc, 4))
    f = remap.random_field(2, 2, 1, rng=np.random.default_rng(1))
    run = remap.sum_rule_series(remap.dipole_z, 4, f, [0.0, 0.5, 1.0], dt=0.1)
    figs += [A.remap_spectra(run["cl"], [0.0, 0.5, 1.0], 4), A.remap_sum_rule([0.0, 0.5, 1.0], run, run["pix"] * 0, 4.19)]
    taus, ells = np.geomspace(0.01, 10, 5), np.arange(1, 20)
    figs.append(A.eq20_error_map(taus, ells, *hierarchy.float64_error_map(taus, ells)))
    figs.append(A.hierarchy_cascade(taus, hierarchy.partial_sums(taus, 10) / 3, [5, 10], hierarchy.surviving_weight(taus) / 3))
    b = ic.nearest(20.0)
    shapes = {"eq20_0.1": hierarchy.spectrum(0.1, 40), "eq20_1": hierarchy.spectrum(1.0, 40),
              "eq21": np.r_[0.0, hierarchy.asymptotic_ratio(np.arange(1, 41))]}
    figs.append(A.ahlers_fig1(b, spectrum_fits.fit_range(b), shapes, {k: 1e-8 for k in shapes}, {k: 1e-8 for k in shapes}, [0.1, 1.0]))
    figs.append(A.partial_sky_variance(np.ones(6), np.full(6, 0.1), np.ones(6), np.ones(5), [(2, 4)], [1.0],
                                       n_real=10, dec_max=-20.0, fsky=0.33, nside=8))
    leak = {"map": {"polar (m=0)": np.ones(3), "equatorial (m=1)": np.ones(3)},
            "exact": {"polar (m=0)": np.ones(3), "equatorial (m=1)": np.ones(3)}, "isotropic": np.ones(3)}
    figs.append(A.partial_sky_leakage(leak, np.ones(6), np.full(6, 0.1), np.ones(6)))
    d = ed.bin_arrays(ic)
    E = np.geomspace(10, 1000, 10)
    curves = {l: E * 1e-9 for l in (3, 5, 10, 20)}
    figs.append(Z.energy_power_law(d, [3, 5, 10, 20], E, curves, 13.0, 0.2, 2, "t"))
    fig = Z.folded_energy_slopes({"a": ([3, 4], np.ones(2), np.ones(2), np.full(2, 0.1)),
                                  "b": ([3, 4], np.ones(2), np.ones(2), np.full(2, 0.1))})
    assert all(ax.has_data() for ax in fig.axes)
    plt.close(fig)
    figs.append(Z.energy_injection(d, [3, 5, 10, 20], E, curves, curves, curves, [50, 100, 1e4, 1e5], {l: 1e-9 for l in curves}, 2, 30.0))
    models = spectrum_fits.zhang_liu_registry()
    b10, ell = ic.nearest(10.0), np.arange(3, 31)
    fits = spectrum_fits.fit_models(models, ell, b10.select(ell)["C"], 0.02 + 0 * ell)
    figs.append(Z.zl_fig1(b10, ell, fits, models, {k: v[1] for k, v in spectrum_fits.ZHANG_LIU_MODELS.items()}))
    from cranisotropy.observation import FoldedBand
    band = FoldedBand(ell=np.arange(1, 41), mean=np.full(40, 1e-9), median=np.full(40, 1e-9), levels=(0.68, 0.95),
                      lo=np.full((2, 40), 5e-10), hi=np.full((2, 40), 2e-9))
    fig = Z.zl_fig1_folded(b10, {"m": band}, 30)
    assert fig.axes[0].has_data()
    plt.close(fig)
    figs.append(Z.taylor_content({"a": np.ones((2, 5)), "b": np.ones((2, 5))}, 2))
    rows = np.array([[0.5, 1, 1.0, 1.0], [0.5, 2, 0.5, 0.5]])
    figs.append(Z.eq7_check(rows, [0.5], 1e-10))
    figs.append(Z.eq7_large_l(np.array([2, 3]), {1.5: np.ones(2)}, {1.5: -np.ones(2)}))
    figs.append(Z.coupling_monte_carlo(np.arange(2, 6), np.ones(4), np.full(4, 0.1), np.ones(4), np.ones(4), 3, 8))
    cc = load_crosscheck()
    figs += [I.spectra_grid(ic, (1e-12, 1e-6)), I.cl_vs_energy(ic, cc, [1, 2], 3, 1e-6),
             I.crosscheck(cc, [1, 2], digitisation_stats(cc), digitisation_stats(cc, include_occluded=True), 0.012, 0.005)]
    for fig in figs:
        assert fig.axes and all(ax.has_data() for ax in fig.axes if ax.get_label() != "<colorbar>")
        plt.close(fig)


def test_folded_models_figure(ic):
    from cranisotropy import observation as O
    from cranisotropy.plotting import ahlers2014 as A
    resp = O.response(lmax=40, lmax_sky=60, nside=None)
    cl = np.r_[0.0, 1e-7 * 18.0 / ((2 * np.arange(1, 61) + 1) * (np.arange(1, 61) + 1) * (np.arange(1, 61) + 2))]
    band = O.folded_band(resp, cl, 1e-11, n_draws=200, rng=np.random.default_rng(0))
    fig = A.folded_models(ic.nearest(20.0), {"eq21": band}, {"eq21": dict(color="C3", label="Eq. 21")})
    ax = fig.axes[0]
    assert "Eq. 21" in ax.get_legend_handles_labels()[1] and ax.get_xscale() == "log"
    plt.close(fig)
