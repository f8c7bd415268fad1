import math

import mpmath as mp
import numpy as np
import pytest
from scipy.linalg import expm

from cranisotropy import hierarchy as H


@pytest.mark.parametrize("tau", [1e-3, 0.1, 0.2, 1.0, 4.2, 100.0])
@pytest.mark.parametrize("ell", [1, 2, 7, 60, 400])
def test_spectrum_matches_mpmath(tau, ell):
    got = H.log_spectrum(tau, ell)[ell]
    ref = H.bateman_mp(tau, ell)
    assert abs(mp.exp(got) / ref - 1) < 1e-10


def test_log_spectrum_below_float_range():
    # l = 1000 at nu T = 1e-3 is ~1e-558 / 2001: finite in log space, 0 in spectrum
    logC = H.log_spectrum(1e-3, 1000)
    ref = H.bateman_mp(1e-3, 1000)
    assert np.isfinite(logC[1000])
    assert abs(logC[1000] - float(mp.log(ref))) < 1e-9
    assert H.spectrum(1e-3, 1000)[1000] == 0.0


def test_spectrum_matches_expm_small_lmax():
    A = H.rate_matrix(30)
    for tau in (0.05, 0.7, 3.0):
        D = expm(tau * A)[:, 0] * 3
        C = D / (2 * np.arange(1, 31) + 1)
        assert np.allclose(H.spectrum(tau, 30)[1:], C, rtol=1e-8, atol=0)


def test_initial_condition_and_shape():
    C0 = H.spectrum(0.0, 5)
    assert C0.tolist() == [0, 1, 0, 0, 0, 0]
    C = H.spectrum(0.3, 10)
    assert C.shape == (11,) and C[0] == 0 and np.all(C[1:] > 0)
    assert C[1] == pytest.approx(math.exp(-0.6), rel=1e-13)   # C_1 decays at nu_1 = 2 nu


def test_asymptote_eq21():
    ell = np.arange(1, 41)
    C = H.spectrum(30.0, 40)
    assert np.allclose(C[1:] / C[1], H.asymptotic_ratio(ell), rtol=1e-12)
    assert H.asymptotic_ratio(1) == 1.0
    assert H.asymptotic_ratio([2, 3]).tolist() == pytest.approx([0.3, 9 / 70])


def test_bateman_float64_agrees_where_well_conditioned_and_fails_where_not():
    assert H.bateman(1.0, 5) == pytest.approx(H.spectrum(1.0, 5)[5], rel=1e-12)
    bad = H.bateman(1e-3, 40)
    good = H.spectrum(1e-3, 40)[40]
    assert not (abs(bad / good - 1) < 1e-3)
    assert not np.isfinite(H.bateman(1.0, 200))          # products overflow


def test_as_printed_has_no_decay_of_c1():
    assert H.bateman_as_printed(5.0, 1) == 1.0
    assert H.bateman(5.0, 1) == pytest.approx(math.exp(-10))


def test_bateman_coefficients_are_eq20_products():
    from fractions import Fraction
    for l in range(1, 12):
        nu = [p * (p + 1) for p in range(1, l + 1)]
        pref = math.prod(nu[:-1])
        lit = [Fraction(pref, math.prod(nu[p] - nu[n] for p in range(l) if p != n)) for n in range(l)]
        assert lit == H.bateman_coefficients(l)


def test_partial_sums_leak_and_limit():
    tau, L, h = 1.0, 20, 1e-5
    dS = (H.partial_sums(tau + h, L)[-1] - H.partial_sums(tau - h, L)[-1]) / (2 * h)
    D_L = (2 * L + 1) * H.spectrum(tau, L)[L]
    assert dS == pytest.approx(-L * (L + 1) * D_L, rel=1e-6)
    assert H.partial_sums(0.0, 10)[-1] == 3.0
    assert H.surviving_weight(1.0) == pytest.approx(H.partial_sums(1.0, 3000)[-1], rel=1e-3)
    assert H.surviving_weight(0.01) == pytest.approx(3.0, abs=1e-12)


def test_rates_and_matrix():
    assert H.rates(3).tolist() == [0, 2, 6, 12]
    A = H.rate_matrix(3)
    assert A.tolist() == [[-2, 0, 0], [2, -6, 0], [0, 6, -12]]


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_rejects_bad_nu_T(bad):
    with pytest.raises(ValueError, match="nu_T"):
        H.spectrum(bad, 10)
    with pytest.raises(ValueError, match="nu_T"):
        H.bateman(bad, 3)


@pytest.mark.parametrize("bad", [0, -3, 2.5, np.nan])
def test_rejects_bad_ell(bad):
    with pytest.raises(ValueError, match="ell"):
        H.asymptotic_ratio(bad)
    with pytest.raises(ValueError, match="lmax"):
        H.spectrum(1.0, bad)


def test_rejects_bad_types():
    with pytest.raises(TypeError):
        H.spectrum("1", 10)
    with pytest.raises(TypeError):
        H.asymptotic_ratio("3")
    with pytest.raises(ValueError, match="ell"):
        H.asymptotic_ratio([1, 0, 2])
    with pytest.raises(ValueError, match="nu_T"):
        H.surviving_weight(0.0)


def test_both_branches_agree():
    # the series branch (well conditioned) and the Talbot branch give the same numbers
    for tau in (0.4, 1.0, 4.2):
        series, ok = H._log_D_series(tau, 200)
        talbot = H._log_D_talbot(tau, 200)
        assert ok.all()
        assert np.max(np.abs(series - talbot)) < 1e-10


# -- the API convention: l from 0, broadcasting over nu T, documented ranges refused -------------
def test_spectrum_broadcasts_over_nu_T():
    taus = np.array([[0.0, 0.1], [1.0, 10.0]])
    C = H.spectrum(taus, 12)
    assert C.shape == (2, 2, 13)
    for idx in np.ndindex(taus.shape):
        assert np.array_equal(C[idx], H.spectrum(float(taus[idx]), 12))
    assert H.log_spectrum([0.5], 3).shape == (1, 4)
    S = H.partial_sums(taus, 12)
    assert S.shape == (2, 2, 13) and np.all(S[..., 0] == 0)
    assert np.allclose(S[..., -1], [[H.partial_sums(float(t), 12)[-1] for t in row] for row in taus])
    w = H.surviving_weight(np.array([0.1, 1.0]))
    assert w.shape == (2,) and w[1] == H.surviving_weight(1.0)
    assert H.bateman_as_printed(np.array([0.5, 1.0]), [1, 2]).shape == (2, 2)


def test_documented_ranges_are_refused():
    # issue 12: bateman(1.0, 10**5) tried to allocate 74.5 GiB
    for f in (H.bateman, H.bateman_as_printed, H.bateman_mp):
        with pytest.raises(ValueError, match="ell must be <= 1000"):
            f(1.0, 10**5)
    with pytest.raises(ValueError, match="ell must be <= 1000"):
        H.bateman_coefficients(1001)
    with pytest.raises(ValueError, match="ell must be <= 1000"):
        H.bateman_sympy(2000)
    with pytest.raises(ValueError, match="lmax must be <= 10000"):
        H.spectrum(1.0, 10**5)
    with pytest.raises(ValueError, match="lmax must be <= 10000"):
        H.partial_sums(1.0, 20_000)
    with pytest.raises(ValueError, match="lmax must be <= 1000"):
        H.expm_agreement(5000)
    H.bateman(1.0, 1000)                                  # the limit itself is accepted (inf/nan)


def test_sympy_forms_of_eq20():
    T, nu, C1 = H.sympy_symbols()
    for l in (1, 2, 3):
        assert H.eq19_residuals(l) == (0, 0)
    ode, init = H.eq19_residuals(1, printed=True)
    assert ode == 2 * C1 * nu and init == 0
    import sympy as sp
    assert H.eq21_limit_sympy(4) == sp.Rational(18, 9 * 6 * 5)
    assert float(H.bateman_sympy(3).subs({T: 0.7, nu: 1.0, C1: 1.0})) == pytest.approx(H.bateman(0.7, 3), rel=1e-12)


def test_leak_rate_and_time_to_asymptote():
    for L in (5, 40):
        dS, leak = H.leak_rate(1.0, L)
        assert dS == pytest.approx(leak, rel=1e-6)
    with pytest.raises(ValueError, match="h must be <"):
        H.leak_rate(1e-6, 5)
    t = H.time_to_asymptote([5, 40])
    assert t[0] < t[1]
    C = H.spectrum(t[0], 5)
    assert abs(C[5] / C[1] / H.asymptotic_ratio(5) - 1) < 0.01
    assert np.isnan(H.time_to_asymptote(40, nu_T_grid=[0.01, 0.02]))


def test_accuracy_helpers():
    acc = H.solver_accuracy([1e-3, 1.0], [1, 5, 100])
    assert acc["n_points"] == 6 and acc["worst"] < 1e-10
    assert acc["smallest"][:2] == (1e-3, 100)
    log_err, bad = H.float64_error_map([0.01, 1.0, 100.0], [1, 5, 150])
    assert log_err.shape == bad.shape == (3, 3)
    assert bad[2].all() and not bad[0].any()
    assert np.all(log_err[0] < -12)
    err, seconds = H.expm_agreement(100, [1.0, 100.0])
    assert err < 1e-12 and seconds >= 0
    t = H.solver_timings(40, repeat=1)
    assert set(t) == {"full_ms", "full_fast_ms", "l40_ms"} and all(v > 0 for v in t.values())


def test_time_to_asymptote_stays():
    grid = np.geomspace(1e-2, 10.0, 301)
    first = H.time_to_asymptote([2, 10], rtol=0.1)
    stays = H.time_to_asymptote([2, 10], rtol=0.1, stays=True)
    assert np.all(stays >= first)
    C = H.spectrum(grid, 10)
    dev = np.abs(C[:, 10] / C[:, 1] / H.asymptotic_ratio(10) - 1)
    assert np.all(dev[grid >= stays[1]] < 0.1) and dev[grid < stays[1]][-1] >= 0.1


def test_decay_rates_late_and_early():
    late = H.decay_rates(20.0, 20)
    assert np.isnan(late[0]) and np.allclose(late[1:], 2.0, rtol=1e-6)
    early = H.decay_rates(0.05, 5)
    assert early[1] == pytest.approx(2.0, rel=1e-6) and np.all(early[2:] < 0)     # l >= 2 still growing
    with pytest.raises(ValueError, match="h must be"):
        H.decay_rates(1e-5, 3)
    with pytest.raises(ValueError, match="nu_T"):
        H.decay_rates(-1.0, 3)


def test_shape_spread_over_energy():
    E = [13.0, 42.0, 470.0, 5300.0]
    assert H.shape_spread_over_energy(E, 0.5) < 1e-10
    assert H.shape_spread_over_energy(E, 0.5, nu_T_min=0.3) > 0.1   # not yet asymptotic
    with pytest.raises(ValueError, match="energies"):
        H.shape_spread_over_energy([-1.0, 2.0], 0.5)
