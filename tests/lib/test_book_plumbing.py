"""The book's plumbing: validation helpers, results/claims records, figure manifest, angular moments."""

import json

import numpy as np
import pytest
import sympy as sp

from cranisotropy import angular, validate
from cranisotropy.book import figures, results


@pytest.fixture
def build(tmp_path, monkeypatch):
    monkeypatch.setenv("CRANISOTROPY_BUILD", str(tmp_path))
    return tmp_path


def test_validate_integer():
    assert validate.integer("l", 3.0, minimum=1) == 3
    assert list(validate.integer("l", [1, 2], minimum=1)) == [1, 2]
    with pytest.raises(ValueError, match="l must be >= 1"):
        validate.integer("l", 0, minimum=1)
    with pytest.raises(ValueError, match="integer-valued"):
        validate.integer("l", 2.5)
    with pytest.raises(ValueError, match="finite"):
        validate.integer("l", np.nan)
    with pytest.raises(TypeError):
        validate.integer("l", True)


def test_validate_positive_and_finite():
    with pytest.raises(ValueError, match="rate must be > 0"):
        validate.positive("rate", -1)
    with pytest.raises(ValueError, match="finite"):
        validate.finite("x", [1.0, np.inf])
    with pytest.raises(TypeError):
        validate.finite("x", "1")


def test_sphere_moments_against_direct_integration():
    th, ph = sp.symbols("theta phi")
    n = (sp.sin(th) * sp.cos(ph), sp.sin(th) * sp.sin(ph), sp.cos(th))
    for a, b, c in [(0, 0, 0), (2, 0, 0), (0, 2, 2), (4, 0, 0), (1, 1, 0), (2, 2, 2)]:
        direct = sp.integrate(sp.integrate(n[0]**a * n[1]**b * n[2]**c * sp.sin(th), (th, 0, sp.pi)), (ph, 0, 2 * sp.pi))
        assert sp.simplify(direct - angular.sphere_moment(a, b, c)) == 0
    with pytest.raises(ValueError):
        angular.sphere_moment(-1, 0, 0)


def test_results_record_check(build):
    R = results.ChapterResults("demo", parameters={"a": np.float64(1.5)})
    R.record("x", np.float32(2.0), unit="pc")
    assert R.check("ok", True, "fine") is None
    with pytest.raises(results.CheckFailed, match="demo.*bad"):
        R.check("bad", False, "broken identity")
    data = json.loads((build / "results" / "demo.json").read_text())
    assert data["parameters"] == {"a": 1.5}
    assert data["values"]["x"] == {"value": 2.0, "unit": "pc"}
    assert data["checks"]["ok"]["passed"] and not data["checks"]["bad"]["passed"]
    assert "claims" not in data and "verdicts" not in data


def test_figure_manifest(build):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    figures.save(fig, "demo-fig", chapter="demo", caption="a line", parameters={"k": 1})
    with pytest.raises(ValueError, match="original"):
        figures.save(fig, "ahlers2014-fig1", chapter="demo", caption="x")
    with pytest.raises(ValueError, match="figure id"):
        figures.save(fig, "Bad Id", chapter="demo", caption="x")
    m = figures.load_manifest()
    assert m["demo-fig"]["chapter"] == "demo"
    assert (build / m["demo-fig"]["png"]).is_file() and (build / m["demo-fig"]["pdf"]).is_file()
    pdf1 = (build / m["demo-fig"]["pdf"]).read_bytes()
    figures.save(fig, "demo-fig", chapter="demo", caption="a line")
    assert (build / m["demo-fig"]["pdf"]).read_bytes() == pdf1  # reproducible PDF
    plt.close(fig)


def test_figures_refuse_illegible_legends(build):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="small")
    ax.legend(fontsize=7)
    assert figures.legend_text_below(fig) == ["'small' at 7 pt"]
    with pytest.raises(ValueError, match="legend text below 9"):
        figures.save(fig, "demo-small-legend", chapter="demo", caption="c")
    ax.legend(fontsize=9)
    fig.legend(["figure-level"], fontsize=8)
    assert figures.legend_text_below(fig) == ["'figure-level' at 8 pt"]
    plt.close(fig)
