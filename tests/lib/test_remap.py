import healpy as hp
import numpy as np
import pytest

from cranisotropy import remap


@pytest.fixture
def field():
    return remap.random_field(2, 3, 2, rng=np.random.default_rng(5))


def _area_ratio(field, kind, t=0.5, eps=1e-4, n=200):
    rng = np.random.default_rng(0)
    r = rng.standard_normal((n, 3))
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    e1 = np.cross(r, [0.3, 0.5, 0.8]); e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(r, e1)
    pts = [r, r + eps * e1, r + eps * e2]
    pts = [p / np.linalg.norm(p, axis=1, keepdims=True) for p in pts]
    img = [remap.flow_map(field, p, t, kind=kind, dt=0.01) for p in pts]
    return np.linalg.norm(np.cross(img[1] - img[0], img[2] - img[0]), axis=1) / eps**2


def test_velocity_tangent(field):
    r = np.array(hp.pix2vec(4, np.arange(192))).T
    for kind in remap.KINDS:
        assert np.max(np.abs(np.sum(remap.velocity(field, r, kind) * r, axis=1))) < 1e-12


def test_incompressible_flow_preserves_area(field):
    assert np.allclose(_area_ratio(field, "incompressible"), 1, atol=1e-3)
    assert np.max(np.abs(_area_ratio(field, "compressive") - 1)) > 0.05


def test_gradient_matches_finite_difference(field):
    r = np.array([[0.3, -0.4, np.sqrt(1 - 0.25)]])
    h = 1e-6
    fd = [(field.value(r + h * e) - field.value(r - h * e)) / (2 * h) for e in np.eye(3)]
    assert np.allclose(np.ravel(fd), field.gradient(r)[0], rtol=1e-6, atol=1e-8)


def test_gradient_equals_sum_of_legendre_derivatives():
    """All terms at once (Horner, power series) = term by term (numpy's Legendre series)."""
    fld = remap.random_field(1, 6, 2, rng=np.random.default_rng(8))
    r = np.random.default_rng(2).standard_normal((50, 3))
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    expected = np.zeros((50, 3))
    for l, a, c in zip(fld.degrees, fld.axes, fld.coeffs):
        dleg = np.polynomial.legendre.legder(np.eye(l + 1)[l])
        expected += c * np.polynomial.legendre.legval(r @ a, dleg)[:, None] * a
    assert np.allclose(fld.gradient(r), expected, rtol=1e-12, atol=1e-12)
    assert fld.gradient(r).shape == (50, 3)


def test_remap_conserves_second_moment(field):
    f = lambda r: r[:, 2]
    g = remap.remap(f, 16, field, 1.0, dt=0.02)
    assert 4 * np.pi * np.mean(g**2) == pytest.approx(4 * np.pi / 3, rel=3e-3)
    series = remap.remap_series(f, 16, field, [0.0, 1.0], dt=0.02)
    assert np.allclose(series[1], g, atol=1e-10)
    assert np.allclose(series[0], f(np.array(hp.pix2vec(16, np.arange(3072))).T))


def test_forward_backward_identity(field):
    r = np.array([[0.0, 0.6, 0.8]])
    back = remap.flow_map(field, remap.flow_map(field, r, 1.0, dt=0.01), -1.0, dt=0.01)
    assert np.allclose(back, r, atol=1e-8)


def test_errors(field):
    with pytest.raises(ValueError, match="kind"):
        remap.velocity(field, np.array([[0, 0, 1.0]]), "swirl")
    with pytest.raises(TypeError, match="field"):
        remap.velocity(None, np.array([[0, 0, 1.0]]))
    with pytest.raises(ValueError, match="r0"):
        remap.flow_map(field, [[0, 0, 2.0]], 1.0)
    with pytest.raises(ValueError, match="dt"):
        remap.flow_map(field, [[0, 0, 1.0]], 1.0, dt=0)
    with pytest.raises(ValueError, match="nside"):
        remap.remap(lambda r: r[:, 0], 3, field, 1.0)
    with pytest.raises(TypeError, match="f must"):
        remap.remap(None, 4, field, 1.0)
    with pytest.raises(ValueError, match="times"):
        remap.flow_snapshots(field, [[0, 0, 1.0]], [1.0, 0.5])
    with pytest.raises(ValueError, match="lmax"):
        remap.random_field(3, 2, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        remap.random_field(rng=1)
    with pytest.raises(ValueError, match="same length"):
        remap.ZonalField([2, 3], [[0, 0, 1.0]], [1.0, 1.0])


def test_area_ratio_and_sum_rule_series():
    f = remap.random_field(2, 3, 2, rng=np.random.default_rng(7))
    inc = remap.area_ratio(f, "incompressible", np.random.default_rng(1), n=30, dt=0.05)
    cmp_ = remap.area_ratio(f, "compressive", np.random.default_rng(1), n=30, dt=0.05)
    assert np.max(np.abs(inc - 1)) < 1e-3 and np.max(np.abs(cmp_ - 1)) > 0.01
    run = remap.sum_rule_series(remap.dipole_z, 8, f, [0.0, 0.5], dt=0.05)
    assert run["cl"].shape == (2, 24)
    assert run["pix"][0] == pytest.approx(4 * np.pi / 3, rel=1e-2)
    assert np.allclose(run["ana"], [correlation_sum(c) for c in run["cl"]])
    with pytest.raises(TypeError, match="rng"):
        remap.area_ratio(f, "incompressible", 1)


def correlation_sum(cl):
    return float(np.sum((2 * np.arange(cl.size) + 1) * cl))
