"""Each figure of the test-particle chapter draws from its section's results."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cranisotropy import testparticle_analysis as ta  # noqa: E402
from cranisotropy.plotting import testparticle as plots  # noqa: E402

from test_testparticle_analysis import KW, ds  # noqa: E402,F401  (the tiny run)


@pytest.fixture(scope="module")
def sections(ds):  # noqa: F811
    rng = np.random.default_rng(2)
    cal = ta.calibration(ds, n_boot=20, rng=rng)
    spectra = ta.ratio_spectra(ds, n_boot=20, rng=rng, **KW)
    return dict(cal=cal, rule=ta.sum_rule(ds), dec=ta.dipole_decay(ds, [0.5, 2.0], n_boot=20, rng=rng),
                spectra=spectra, setup=ta.setup_b(ds, cal["cal"], n_boot=20, rng=rng, **KW),
                nu_T=ds["nu_T"].values, rig=ds["rigidity"].values.tolist(),
                eig=np.linalg.eigvalsh(ds["field_anisotropy"].values))


def _drawn(fig, n_axes):
    assert len(fig.axes) >= n_axes
    assert all(ax.lines or ax.collections for ax in fig.axes[:n_axes])
    plt.close(fig)


def test_every_figure_draws(sections):
    s = sections
    _drawn(plots.anisotropy(s["eig"], s["rig"]), 1)
    _drawn(plots.calibration(s["cal"], s["rig"]), 2)
    _drawn(plots.sum_rule(s["rule"], s["nu_T"], s["rig"]), 2)
    _drawn(plots.c1_decay(s["dec"], s["nu_T"], s["rig"]), 2)
    _drawn(plots.ratios(s["spectra"], s["nu_T"], s["rig"], KW["ell_compare"]), 2)
    _drawn(plots.stationarity(s["spectra"], s["nu_T"], s["rig"], KW["ell_compare"]), 2)
    _drawn(plots.setup_b(s["setup"], s["spectra"]["eq21"], s["nu_T"], s["rig"]), 1)
