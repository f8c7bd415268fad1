import numpy as np
import pytest
from scipy import stats

from cranisotropy import decision_rules as D


def z_test(x, rng):
    return bool(stats.norm.sf(x) < 0.05)


def test_rejection_rate_counts_and_interval():
    calls = []

    def decide(x, rng):
        calls.append(x)
        return x > 0.5

    r = D.rejection_rate(decide, lambda rng: rng.uniform(), 400, np.random.default_rng(0))
    assert r.n == 400 == len(calls) and r.rejected == sum(c > 0.5 for c in calls)
    assert r.lo < r.rate < r.hi and 0.4 < r.rate < 0.6
    assert r.to_dict()["interval"] == [r.lo, r.hi]
    never = D.rejection_rate(lambda x, rng: False, lambda rng: 0.0, 10, np.random.default_rng(0))
    assert never.rate == 0 and never.lo == 0.0 and never.hi == pytest.approx(1 - 0.025 ** (1 / 10))


def test_false_rejection_and_power_of_a_z_test():
    null = D.false_rejection_rate(z_test, lambda rng: rng.standard_normal(), 4000, np.random.default_rng(1))
    assert null.lo < 0.05 < null.hi
    assert D.consistent_with_nominal(null, 0.05) > 0.01
    alt = D.power(z_test, lambda rng: rng.standard_normal() + 2.5, 1000, np.random.default_rng(2))
    # exact power: P(Z + 2.5 > 1.645) = Phi(0.855)
    assert alt.lo < stats.norm.cdf(2.5 - stats.norm.isf(0.05)) < alt.hi
    biased = D.RejectionRate(30, 200, 0.95, 0.0, 1.0)
    assert D.consistent_with_nominal(biased, 0.05) < 1e-3


def test_goodness_of_fit_rule():
    rule = D.GoodnessOfFitRule(alpha=0.05, n_mocks=100)
    assert rule.fits(0.05) and rule.rejects(0.049) and not rule.rejects(0.5)
    assert "0.05" in rule.describe() and "100" in rule.describe()
    decide = D.goodness_of_fit_decider(rule, lambda data, n, rng: data)
    assert decide(0.01, None) is True and decide(0.2, None) is False
    # a calibrated p-value (uniform under the null) is rejected about alpha of the time
    r = D.false_rejection_rate(decide, lambda rng: rng.uniform(), 3000, np.random.default_rng(3))
    assert r.lo < 0.05 < r.hi


def test_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="callables"):
        D.rejection_rate("rule", lambda rng: 0.0, 5, rng)
    with pytest.raises(ValueError, match="n"):
        D.rejection_rate(z_test, lambda rng: 0.0, 0, rng)
    with pytest.raises(TypeError, match="rng"):
        D.rejection_rate(z_test, lambda rng: 0.0, 5, 1)
    with pytest.raises(ValueError, match="confidence"):
        D.rejection_rate(z_test, lambda rng: 0.0, 5, rng, confidence=1.5)
    with pytest.raises(TypeError, match="bool"):
        D.rejection_rate(lambda x, rng: 1, lambda rng: 0.0, 5, rng)
    with pytest.raises(ValueError, match="nominal"):
        D.consistent_with_nominal(D.RejectionRate(1, 10, 0.95, 0.0, 1.0), 0.0)
    with pytest.raises(TypeError, match="RejectionRate"):
        D.consistent_with_nominal(0.05, 0.05)
    with pytest.raises(ValueError, match="alpha"):
        D.GoodnessOfFitRule(alpha=1.5)
    with pytest.raises(ValueError, match="n_mocks"):
        D.GoodnessOfFitRule(n_mocks=0)
    with pytest.raises(ValueError, match="p_value"):
        D.GoodnessOfFitRule().fits(1.5)
    with pytest.raises(TypeError, match="GoodnessOfFitRule"):
        D.goodness_of_fit_decider(0.05, lambda d, n, r: 0.5)
    with pytest.raises(TypeError, match="assess"):
        D.goodness_of_fit_decider(D.GoodnessOfFitRule(), None)


def test_marginal_verdicts():
    rule = D.GoodnessOfFitRule(alpha=0.05, n_mocks=200)
    se = np.sqrt(0.05 * 0.95 / 200)
    assert rule.marginal(0.05 + 1.5 * se) and rule.marginal(0.05 - 1.9 * se)
    assert not rule.marginal(0.05 + 3 * se) and not rule.marginal(0.5)
    assert rule.marginal(0.07, n_mocks=20)
