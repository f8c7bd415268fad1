"""Decision rules for verdicts, and their calibration on mocks: false-rejection rate and power.

A verdict about a model is a *rule* applied to data: a function ``decide(data, rng) -> bool``
that returns True when the rule rejects the model ("does not fit", "differs").  A rule is only
as good as two numbers measured on simulated data:

* its false-rejection rate, the fraction of data sets drawn from the model itself that the rule
  rejects (:func:`false_rejection_rate`); a rule declared at a nominal level alpha should reject
  about alpha of them;
* its power against a stated alternative, the fraction of data sets drawn from the alternative
  that it rejects (:func:`power`); a test without power cannot support a "reproduced".

Both are binomial proportions, returned as a :class:`RejectionRate` with a Clopper-Pearson
interval.  :func:`consistent_with_nominal` asks whether a measured false-rejection rate agrees with
the nominal level (two-sided exact binomial test).

The book's goodness-of-fit rule is :class:`GoodnessOfFitRule`: a model *fits* an energy bin when
the p-value of its best-fit chi^2, calibrated on mocks drawn from that best fit, is at least alpha
(:func:`cranisotropy.folded_fit.mock_p_value`); :func:`goodness_of_fit_decider` turns it into a
``decide`` function for the calibration.

Examples
--------
>>> import numpy as np
>>> from scipy import stats
>>> from cranisotropy import decision_rules as D
>>> decide = lambda x, rng: stats.norm.sf(x) < 0.05          # one-sided z test at 5 %
>>> null = lambda rng: rng.standard_normal()
>>> r = D.false_rejection_rate(decide, null, 2000, np.random.default_rng(1))
>>> 0.03 < r.rate < 0.07, D.consistent_with_nominal(r, 0.05) > 0.01
(True, True)
>>> D.power(decide, lambda rng: rng.standard_normal() + 3.0, 500, np.random.default_rng(2)).rate > 0.8
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import stats

from . import validate

__all__ = ["RejectionRate", "rejection_rate", "false_rejection_rate", "power", "consistent_with_nominal",
           "GoodnessOfFitRule", "goodness_of_fit_decider", "calibration_check"]


@dataclass(frozen=True)
class RejectionRate:
    """How often a rule rejected, over ``n`` simulated data sets.

    Attributes
    ----------
    rejected : int
        Number of data sets the rule rejected.
    n : int
        Number of data sets.
    confidence : float
        Content of the interval ``(lo, hi)``.
    lo, hi : float
        Clopper-Pearson interval of the rejection probability.
    """

    rejected: int
    n: int
    confidence: float
    lo: float
    hi: float

    @property
    def rate(self) -> float:
        """rejected / n."""
        return self.rejected / self.n

    def to_dict(self) -> dict:
        return {"rejected": self.rejected, "n": self.n, "rate": self.rate, "confidence": self.confidence,
                "interval": [self.lo, self.hi]}


def _interval(k: int, n: int, confidence: float):
    a = 1.0 - confidence
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def rejection_rate(decide: Callable, simulate: Callable, n: int, rng: np.random.Generator, *,
                   confidence: float = 0.95) -> RejectionRate:
    """Fraction of ``n`` data sets ``simulate(rng)`` that ``decide(data, rng)`` rejects (returns True).

    Parameters
    ----------
    decide : callable
        ``decide(data, rng) -> bool``: the rule; True means "reject".
    simulate : callable
        ``simulate(rng) -> data``: one simulated data set.
    n : int
        Number of data sets.
    rng : numpy.random.Generator
        Drives both the simulation and any randomness of the rule.
    confidence : float
        Content of the Clopper-Pearson interval.

    Returns
    -------
    RejectionRate
    """
    if not callable(decide) or not callable(simulate):
        raise TypeError("decide and simulate must be callables: decide(data, rng) -> bool, simulate(rng) -> data")
    n = validate.integer("n", n, minimum=1, allow_array=False)
    validate.generator("rng", rng)
    confidence = validate.finite("confidence", confidence, allow_array=False)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    k = 0
    for _ in range(n):
        verdict = decide(simulate(rng), rng)
        if not isinstance(verdict, (bool, np.bool_)):
            raise TypeError(f"decide must return a bool, got {type(verdict).__name__}")
        k += bool(verdict)
    return RejectionRate(k, n, confidence, *_interval(k, n, confidence))


def false_rejection_rate(decide: Callable, simulate_null: Callable, n: int, rng: np.random.Generator, *,
                         confidence: float = 0.95) -> RejectionRate:
    """How often the rule rejects data drawn from the model it judges (``simulate_null``)."""
    return rejection_rate(decide, simulate_null, n, rng, confidence=confidence)


def power(decide: Callable, simulate_alternative: Callable, n: int, rng: np.random.Generator, *,
          confidence: float = 0.95) -> RejectionRate:
    """How often the rule rejects data drawn from a stated alternative (``simulate_alternative``)."""
    return rejection_rate(decide, simulate_alternative, n, rng, confidence=confidence)


def consistent_with_nominal(rate: RejectionRate, nominal: float) -> float:
    """Two-sided exact binomial p-value of the measured rejections under the nominal rate.

    Examples
    --------
    >>> round(consistent_with_nominal(RejectionRate(10, 200, 0.95, 0.0, 1.0), 0.05), 3)
    1.0
    """
    if not isinstance(rate, RejectionRate):
        raise TypeError(f"rate must be a RejectionRate, got {type(rate).__name__}")
    nominal = validate.finite("nominal", nominal, allow_array=False)
    if not 0 < nominal < 1:
        raise ValueError(f"nominal must lie in (0, 1), got {nominal!r}")
    return float(stats.binomtest(rate.rejected, rate.n, nominal).pvalue)


def calibration_check(per_model: dict, *, threshold: float = 1e-3) -> dict:
    """The check that every measured false-rejection rate agrees with the nominal level: each entry of
    ``per_model`` (name -> dict with ``rate`` and ``binomial_p_vs_nominal``, the two-sided binomial
    p-value of :func:`consistent_with_nominal`) has that p-value above ``threshold``.  Returns
    ``{"condition", "detail", "per_model": {name: rate}}`` (a chapter's ``R.check(name, **check)``).

    Examples
    --------
    >>> calibration_check({"m @ 42 TeV": {"rate": 0.05, "binomial_p_vs_nominal": 1.0}})["condition"]
    True
    """
    if not isinstance(per_model, dict) or not per_model:
        raise ValueError("per_model must be a non-empty dict of name -> {rate, binomial_p_vs_nominal}")
    threshold = validate.finite("threshold", threshold, allow_array=False)
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must lie in (0, 1), got {threshold!r}")
    return {"condition": all(v["binomial_p_vs_nominal"] > threshold for v in per_model.values()),
            "detail": f"the false-rejection rate agrees with the nominal alpha (two-sided binomial test, p > {threshold:g})",
            "per_model": {k: v["rate"] for k, v in per_model.items()}}


@dataclass(frozen=True)
class GoodnessOfFitRule:
    """A model fits an energy bin when its mock-calibrated p-value is at least ``alpha``.

    Attributes
    ----------
    alpha : float
        Nominal false-rejection rate.
    n_mocks : int
        Mocks of the best fit behind each p-value.
    """

    alpha: float = 0.05
    n_mocks: int = 1000

    def __post_init__(self):
        a = validate.finite("alpha", self.alpha, allow_array=False)
        if not 0 < a < 1:
            raise ValueError(f"alpha must lie in (0, 1), got {self.alpha!r}")
        validate.integer("n_mocks", self.n_mocks, minimum=1, allow_array=False)

    def fits(self, p_value: float) -> bool:
        """True when ``p_value`` >= alpha (the model is not rejected)."""
        p = validate.finite("p_value", p_value, allow_array=False)
        if not 0 <= p <= 1:
            raise ValueError(f"p_value must lie in [0, 1], got {p_value!r}")
        return bool(p >= self.alpha)

    def rejects(self, p_value: float) -> bool:
        """True when ``p_value`` < alpha."""
        return not self.fits(p_value)

    def marginal(self, p_value: float, n_mocks: int | None = None, *, k: float = 2.0) -> bool:
        """True when ``p_value`` lies within ``k`` Monte Carlo standard errors of alpha,
        sqrt(alpha (1 - alpha) / n_mocks): a verdict that another set of mocks could flip."""
        p = validate.finite("p_value", p_value, allow_array=False)
        n = validate.integer("n_mocks", self.n_mocks if n_mocks is None else n_mocks, minimum=1, allow_array=False)
        k = validate.positive("k", k, allow_array=False)
        return bool(abs(p - self.alpha) <= k * np.sqrt(self.alpha * (1 - self.alpha) / n))

    def describe(self) -> str:
        return (f"fits if the p-value of the best-fit chi^2 among {self.n_mocks} mocks of that best fit "
                f"is >= {self.alpha:g}; otherwise does not fit")


def goodness_of_fit_decider(rule: GoodnessOfFitRule, assess: Callable) -> Callable:
    """``decide(data, rng)`` for :func:`rejection_rate`: True when ``rule`` rejects the model on ``data``.

    ``assess(data, n_mocks, rng)`` must return the mock-calibrated p-value of the full procedure
    (fit, then :func:`cranisotropy.folded_fit.mock_p_value`) on ``data``.
    """
    if not isinstance(rule, GoodnessOfFitRule):
        raise TypeError(f"rule must be a GoodnessOfFitRule, got {type(rule).__name__}")
    if not callable(assess):
        raise TypeError("assess must be callable as assess(data, n_mocks, rng) -> p_value")

    def decide(data, rng):
        return rule.rejects(assess(data, rule.n_mocks, rng))

    return decide
