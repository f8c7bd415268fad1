"""The claims of the two papers and the rules that decide them, fixed in advance.

Every claim the book tests is an entry of the registry ``book/claims/<paper>.yml``, written (and
committed) before the computation that judges it: the paper's words verbatim (``quote``), where
they stand (``where``), what the book computes (``test``) and the decision rule (``criterion``).
A chapter computes the statistic and hands it to :meth:`cranisotropy.book.results.ChapterResults.judge`,
which applies the registered rule; the verdict therefore follows from the number and from a rule
the chapter cannot change.  The verdicts:

``reproduced``
    the paper's statement holds by the rule;
``differs``
    it does not;
``not testable``
    it cannot be decided here (the rule says why: resolution of the data, a number the paper does
    not give, ...);
``identity``
    a statement that is true by construction (a check of our own derivation, e.g. that a solution
    solves its equation): shown apart, never counted as a reproduction.

Rules (``criterion.rule``):

``identity``
    ``|statistic| <= tolerance`` (the statistic is a residual); a failing identity is an error of
    the book, so the chapter fails.
``within``
    ``|statistic - expected| <= tolerance`` (``relative: true``: divided by ``|expected|``).
``range``
    ``lo <= statistic <= hi`` (either end may be omitted).
``sigma``
    ``|statistic - expected| <= n * uncertainty`` (for simulation results with ensemble errors).
``p_value``
    a calibrated test: ``reproduced`` when the p-value of the paper's claim is ``>= alpha``
    (the data do not reject it), ``differs`` otherwise.  The chapter supplies ``p_value``, the
    measured ``false_rejection`` rate of the rule on mocks of the claim itself, and its ``power``.
``not_testable``
    the verdict is ``not testable``; ``reason`` says why.

Every claim of kind ``data`` (a statement about measured spectra) must state the power of its
test: how often the rule says ``differs`` when the claim is false by a stated alternative, or why
it has none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import paths

__files__ = ("book/claims",)   # the registry is an input of every chapter that judges claims
VERDICTS = ("reproduced", "differs", "not testable", "identity")
PAPERS = {"ahlers2014": "Ahlers (2014), PRL 112, 021101",
          "zhang-liu2024": "Zhang & Liu (2024), arXiv:2402.16554"}
KINDS = ("derivation", "numerical", "data", "simulation", "statement")
RULES = ("identity", "within", "range", "sigma", "p_value", "not_testable")
_REQUIRED = ("paper", "where", "quote", "test", "kind", "criterion", "chapter", "section")


class RegistryError(ValueError):
    """A malformed entry of the claims registry (the message names the claim and the problem)."""


@dataclass(frozen=True)
class Claim:
    """One registered claim (see the module docstring for the fields)."""

    id: str
    paper: str
    where: str
    quote: str
    test: str
    kind: str
    criterion: dict
    chapter: str
    section: str
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def rule(self) -> str:
        return self.criterion["rule"]

    def describe(self) -> str:
        """The decision rule in words (MyST markdown)."""
        c = self.criterion
        rule = c["rule"]
        if rule == "identity":
            text = f"identity: the residual must vanish (|residual| ≤ {_num(c.get('tolerance', 0))})"
        elif rule == "within":
            rel = " (relative)" if c.get("relative") else ""
            text = f"reproduced when |statistic − {_num(c['expected'])}|{rel} ≤ {_num(c['tolerance'])}"
        elif rule == "range":
            lo, hi = c.get("lo"), c.get("hi")
            text = ("reproduced when " + (f"{_num(lo)} ≤ " if lo is not None else "") + "statistic"
                    + (f" ≤ {_num(hi)}" if hi is not None else ""))
        elif rule == "sigma":
            text = f"reproduced when |statistic − {_num(c['expected'])}| ≤ {_num(c['n'])} × its standard error"
        elif rule == "p_value":
            side = {"one": "one-sided", "two": "two-sided"}.get(c.get("sided", "two"), c.get("sided"))
            text = (f"{side} test at nominal level α = {_num(c['alpha'])}: reproduced when p ≥ α "
                    "(p calibrated on mocks)")
        else:
            text = "not testable: " + c.get("reason", "")
        if c.get("precondition"):
            text = f"only if {c['precondition']} (otherwise not testable); " + text
        return text + (f". {c['text']}" if c.get("text") else "")


def _num(x) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


def registry_path() -> Path:
    """The registry: a folder of YAML files, one per paper (or one file)."""
    return paths.repo_root() / "book" / "claims"


def _check_entry(cid: str, e: dict) -> Claim:
    if not isinstance(e, dict):
        raise RegistryError(f"{cid}: an entry must be a mapping, got {type(e).__name__}")
    missing = [k for k in _REQUIRED if not e.get(k)]
    if missing:
        raise RegistryError(f"{cid}: missing {missing}")
    if not cid.startswith(e["paper"] + "-"):
        raise RegistryError(f"{cid}: the id must start with the paper key '{e['paper']}-'")
    if e["paper"] not in PAPERS:
        raise RegistryError(f"{cid}: paper must be one of {list(PAPERS)}, got {e['paper']!r}")
    if e["kind"] not in KINDS:
        raise RegistryError(f"{cid}: kind must be one of {KINDS}, got {e['kind']!r}")
    c = e["criterion"]
    if not isinstance(c, dict) or c.get("rule") not in RULES:
        raise RegistryError(f"{cid}: criterion.rule must be one of {RULES}")
    need = {"within": ("expected", "tolerance"), "sigma": ("expected", "n"), "p_value": ("alpha",),
            "not_testable": ("reason",), "identity": (), "range": ()}[c["rule"]]
    lacking = [k for k in need if c.get(k) is None]
    if lacking:
        raise RegistryError(f"{cid}: rule {c['rule']!r} needs {lacking}")
    if c["rule"] == "range" and c.get("lo") is None and c.get("hi") is None:
        raise RegistryError(f"{cid}: rule 'range' needs lo or hi")
    if c["rule"] == "p_value" and not 0 < float(c["alpha"]) < 1:
        raise RegistryError(f"{cid}: alpha must lie in (0, 1)")
    if (c["rule"] == "identity") != (e["kind"] == "derivation"):
        raise RegistryError(f"{cid}: the rule 'identity' is for claims of kind 'derivation' (true by "
                            "construction), and only for them")
    known = set(_REQUIRED) | {"note"}
    return Claim(id=cid, **{k: e[k] for k in _REQUIRED}, note=e.get("note", ""),
                 extra={k: v for k, v in e.items() if k not in known})


def load(path: Path | None = None) -> dict[str, Claim]:
    """The registry (a YAML file, or a folder of them): claim id -> :class:`Claim` in file order;
    raises :class:`RegistryError`."""
    path = Path(path) if path else registry_path()
    files = sorted(path.glob("*.yml")) if path.is_dir() else [path]
    out: dict[str, Claim] = {}
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise RegistryError(f"{f}: the registry must be a mapping id -> entry")
        for cid, e in data.items():
            if cid in out:
                raise RegistryError(f"{cid}: registered twice ({f.name})")
            out[cid] = _check_entry(cid, e)
    return out


def decide(claim: Claim, statistic=None, uncertainty=None, p_value=None, precondition=None) -> str:
    """The verdict of ``claim`` for a measured ``statistic`` (and ``uncertainty`` / ``p_value``
    where its rule needs them), by the registered rule.

    A criterion with a ``precondition`` (text: what must hold for the statistic to decide, e.g. a
    stationary spectrum) needs ``precondition`` (bool, measured): when it is false the verdict is
    "not testable", whatever the statistic.

    Examples
    --------
    >>> c = Claim("ahlers2014-x", "ahlers2014", "Eq. 1", "q", "t", "numerical",
    ...           {"rule": "within", "expected": 2.0, "tolerance": 0.1}, "ch", "sec")
    >>> decide(c, 2.05), decide(c, 2.5)
    ('reproduced', 'differs')
    """
    c = claim.criterion
    rule = c["rule"]
    if rule == "not_testable":
        return "not testable"
    if c.get("precondition"):
        if precondition is None:
            raise ValueError(f"claim {claim.id}: its rule holds only if {c['precondition']}: "
                             "pass precondition=True or False (measured)")
        if not precondition:
            return "not testable"
    if rule == "p_value":
        if p_value is None or not 0 <= float(p_value) <= 1:
            raise ValueError(f"claim {claim.id}: rule 'p_value' needs a p_value in [0, 1], got {p_value!r}")
        return "reproduced" if float(p_value) >= float(c["alpha"]) else "differs"
    if statistic is None or not math.isfinite(float(statistic)):
        raise ValueError(f"claim {claim.id}: rule {rule!r} needs a finite statistic, got {statistic!r}")
    x = float(statistic)
    if rule == "identity":
        if abs(x) > float(c.get("tolerance", 0.0)):
            raise ValueError(f"claim {claim.id}: the identity does not hold (residual {x:g} > "
                             f"tolerance {c.get('tolerance', 0.0)}): the book's derivation is wrong")
        return "identity"
    if rule == "within":
        dev = abs(x - float(c["expected"]))
        if c.get("relative"):
            dev /= abs(float(c["expected"]))
        return "reproduced" if dev <= float(c["tolerance"]) else "differs"
    if rule == "range":
        ok = (c.get("lo") is None or x >= float(c["lo"])) and (c.get("hi") is None or x <= float(c["hi"]))
        return "reproduced" if ok else "differs"
    if rule == "sigma":
        if uncertainty is None or not float(uncertainty) > 0:
            raise ValueError(f"claim {claim.id}: rule 'sigma' needs an uncertainty > 0, got {uncertainty!r}")
        return "reproduced" if abs(x - float(c["expected"])) <= float(c["n"]) * float(uncertainty) else "differs"
    raise ValueError(f"claim {claim.id}: unknown rule {rule!r}")


def powerless(power, false_rejection) -> bool:
    """Whether a data test cannot tell its claim from the stated alternative: its power (the rate
    of "differs" when the alternative is true) is no larger than its false-rejection rate (measured,
    or else nominal). Such a test cannot reproduce a claim: a "reproduced" becomes "not testable".
    A rule of the whole ledger, added on 2026-11-29 after a referee found a reproduction whose test
    had power 0.025; it only ever turns "reproduced" into "not testable".

    >>> powerless({"rate": 0.025, "n_mocks": 200}, {"rate": 0.03, "nominal": 0.05, "n_mocks": 200})
    True
    >>> powerless({"rate": 0.4, "n_mocks": 200}, {"rate": 0.06, "nominal": 0.05, "n_mocks": 200})
    False
    """
    if not isinstance(power, dict) or "rate" not in power:
        return False
    fr = false_rejection if isinstance(false_rejection, dict) else {}
    floor = max(float(fr.get("rate", 0.0) or 0.0), float(fr.get("nominal", 0.0) or 0.0))
    return float(power["rate"]) <= floor


def final_verdict(claim: Claim, verdict: str, power=None, false_rejection=None) -> str:
    """The rule's verdict, with the ledger's power rule (:func:`powerless`) applied to data claims."""
    if claim.kind == "data" and verdict == "reproduced" and powerless(power, false_rejection):
        return "not testable"
    return verdict


def record_problems(rec: dict, registry: dict[str, Claim]) -> list[str]:
    """What is wrong with one recorded verdict (empty: it follows from its number and its rule)."""
    cid = rec.get("id", "<no id>")
    if cid not in registry:
        return [f"{cid}: not in the claims registry (book/claims/)"]
    claim = registry[cid]
    out = []
    if rec.get("verdict") not in VERDICTS:
        out.append(f"{cid}: verdict must be one of {VERDICTS}, got {rec.get('verdict')!r}")
        return out
    st = rec.get("statistic") or {}
    try:
        expected = final_verdict(claim, decide(claim, st.get("value"), st.get("uncertainty"), rec.get("p_value"),
                                               (rec.get("precondition") or {}).get("met")),
                                 rec.get("power"), rec.get("false_rejection"))
    except ValueError as exc:
        return [str(exc)]
    if expected != rec["verdict"]:
        out.append(f"{cid}: recorded verdict {rec['verdict']!r}, but the rule gives {expected!r}")
    if claim.rule != "not_testable" and not st.get("description"):
        out.append(f"{cid}: the statistic needs a description")
    if claim.kind == "data" and claim.rule != "not_testable" and not rec.get("power"):
        out.append(f"{cid}: a data-based verdict must state its power (or why it has none)")
    if claim.rule == "p_value":
        fr = rec.get("false_rejection") or {}
        if not (isinstance(fr, dict) and fr.get("n_mocks", 0) >= 200 and "rate" in fr):
            out.append(f"{cid}: a p-value rule needs its false-rejection rate measured on >= 200 mocks")
    if rec.get("chapter") != claim.chapter:
        out.append(f"{cid}: judged in chapter {rec.get('chapter')!r}, registered for {claim.chapter!r}")
    return out


def ledger_problems(records: list[dict], registry: dict[str, Claim] | None = None) -> list[str]:
    """Everything wrong with the ledger: each record against its rule, duplicates, and registered
    claims that no chapter judged."""
    registry = registry if registry is not None else load()
    out = []
    seen: dict[str, int] = {}
    for rec in records:
        out.extend(record_problems(rec, registry))
        seen[rec.get("id")] = seen.get(rec.get("id"), 0) + 1
    out.extend(f"{cid}: judged {n} times" for cid, n in seen.items() if n > 1)
    out.extend(f"{cid}: registered but judged by no chapter ({c.chapter})" for cid, c in registry.items()
               if cid not in seen)
    return out


def summary(records: list[dict]) -> dict:
    """paper -> verdict -> count."""
    table = {p: {v: 0 for v in VERDICTS} for p in PAPERS}
    for r in records:
        if r.get("paper") in table and r.get("verdict") in VERDICTS:
            table[r["paper"]][r["verdict"]] += 1
    return table
