"""The claims registry and its rules: each verdict follows from the number and the registered
rule, and every way of getting it wrong is caught."""

import pytest
import yaml

from cranisotropy.book import claims
from cranisotropy.book.results import ChapterResults

BASE = dict(paper="ahlers2014", where="Eq. (5)", quote="the paper's words", test="what we compute",
            chapter="demo", section="demo-sec")


def _write(tmp_path, entries):
    p = tmp_path / "claims.yml"
    p.write_text(yaml.safe_dump(entries))
    return p


def _claim(rule, kind="numerical", **crit):
    return claims._check_entry("ahlers2014-x", {**BASE, "kind": kind, "criterion": {"rule": rule, **crit}})


@pytest.mark.parametrize("rule, crit, kwargs, verdict", [
    ("within", dict(expected=2.0, tolerance=0.1), dict(statistic=2.05), "reproduced"),
    ("within", dict(expected=2.0, tolerance=0.1), dict(statistic=2.5), "differs"),
    ("within", dict(expected=2.0, tolerance=0.1, relative=True), dict(statistic=2.15), "reproduced"),
    ("range", dict(lo=1.0), dict(statistic=0.5), "differs"),
    ("range", dict(lo=1.0, hi=3.0), dict(statistic=2.0), "reproduced"),
    ("sigma", dict(expected=1.0, n=2), dict(statistic=1.3, uncertainty=0.1), "differs"),
    ("sigma", dict(expected=1.0, n=2), dict(statistic=1.15, uncertainty=0.1), "reproduced"),
    ("p_value", dict(alpha=0.05), dict(p_value=0.2), "reproduced"),
    ("p_value", dict(alpha=0.05), dict(p_value=0.01), "differs"),
    ("not_testable", dict(reason="no numbers"), dict(), "not testable"),
])
def test_rules(rule, crit, kwargs, verdict):
    assert claims.decide(_claim(rule, **crit), **kwargs) == verdict


def test_identity_is_for_derivations_only_and_fails_loudly():
    c = _claim("identity", kind="derivation", tolerance=1e-12)
    assert claims.decide(c, 1e-15) == "identity"
    with pytest.raises(ValueError, match="derivation is wrong"):
        claims.decide(c, 1e-3)
    with pytest.raises(claims.RegistryError, match="only for them"):
        _claim("identity", kind="numerical")
    with pytest.raises(claims.RegistryError, match="only for them"):
        _claim("within", kind="derivation", expected=1, tolerance=1)


@pytest.mark.parametrize("entry, match", [
    ({"kind": "numerical", "criterion": {"rule": "within", "expected": 1}}, "needs \\['tolerance'\\]"),
    ({"kind": "numerical", "criterion": {"rule": "guess"}}, "criterion.rule"),
    ({"kind": "opinion", "criterion": {"rule": "range", "lo": 1}}, "kind must be"),
    ({"kind": "numerical", "criterion": {"rule": "range"}}, "lo or hi"),
    ({"kind": "data", "criterion": {"rule": "p_value", "alpha": 1.5}}, "alpha"),
])
def test_malformed_entries_are_refused(entry, match):
    with pytest.raises(claims.RegistryError, match=match):
        claims._check_entry("ahlers2014-x", {**BASE, **entry})


def test_missing_fields_and_wrong_prefix():
    with pytest.raises(claims.RegistryError, match="missing \\['quote'\\]"):
        claims._check_entry("ahlers2014-x", {**{k: v for k, v in BASE.items() if k != "quote"},
                                             "kind": "numerical", "criterion": {"rule": "range", "lo": 0}})
    with pytest.raises(claims.RegistryError, match="must start with"):
        claims._check_entry("zhang-liu2024-x", {**BASE, "kind": "numerical", "criterion": {"rule": "range", "lo": 0}})


def test_judge_records_and_the_ledger_checks(tmp_path, monkeypatch):
    reg = {"ahlers2014-a": {**BASE, "kind": "numerical", "criterion": {"rule": "within", "expected": 1.0, "tolerance": 0.5}},
           "ahlers2014-b": {**BASE, "kind": "data", "criterion": {"rule": "p_value", "alpha": 0.05, "sided": "one"}},
           "ahlers2014-c": {**BASE, "kind": "derivation", "criterion": {"rule": "identity", "tolerance": 0}}}
    path = _write(tmp_path, reg)
    monkeypatch.setattr(claims, "registry_path", lambda: path)
    monkeypatch.setenv("CRANISOTROPY_BUILD", str(tmp_path / "build"))
    R = ChapterResults("demo")
    R.judge("ahlers2014-a", statistic=1.2, description="a ratio")
    fr = {"rate": 0.05, "n_mocks": 400, "nominal": 0.05}
    power = {"alternative": "a steeper spectrum", "rate": 0.8, "n_mocks": 400}
    with pytest.raises(ValueError, match=">= 200 mocks"):
        R.judge("ahlers2014-b", p_value=0.01, description="p", false_rejection={"rate": 0.05, "n_mocks": 50}, power=power)
    with pytest.raises(ValueError, match="power"):
        R.judge("ahlers2014-b", p_value=0.01, description="p", false_rejection=fr)
    R.judge("ahlers2014-b", p_value=0.01, description="p of chi2", false_rejection=fr, power=power)
    recs = R.data["verdicts"]
    assert [r["verdict"] for r in recs] == ["reproduced", "differs"]
    assert recs[0]["quote"] == "the paper's words" and "≤ 0.5" in recs[0]["criterion"]
    problems = claims.ledger_problems(recs, claims.load(path))
    assert problems == ["ahlers2014-c: registered but judged by no chapter (demo)"]
    tampered = [dict(recs[0], verdict="differs")]
    assert any("rule gives 'reproduced'" in p for p in claims.ledger_problems(tampered, claims.load(path)))
    with pytest.raises(KeyError, match="not in the registry"):
        R.judge("ahlers2014-zzz", statistic=1.0)
    with pytest.raises(ValueError, match="registered for chapter"):
        ChapterResults("other").judge("ahlers2014-a", statistic=1.0, description="x")


def test_a_precondition_decides_testability():
    c = _claim("within", expected=0.0, tolerance=0.4, precondition="the spectrum is stationary")
    assert claims.decide(c, 0.1, precondition=True) == "reproduced"
    assert claims.decide(c, 0.9, precondition=True) == "differs"
    assert claims.decide(c, 0.1, precondition=False) == "not testable"
    assert claims.decide(c, 0.9, precondition=False) == "not testable"
    with pytest.raises(ValueError, match="precondition"):
        claims.decide(c, 0.1)
    assert "only if the spectrum is stationary" in c.describe()
    rec = {"id": "ahlers2014-x", "verdict": "not testable", "chapter": "demo",
           "statistic": {"value": 0.1, "description": "d"},
           "precondition": {"text": "the spectrum is stationary", "met": False, "reason": "it is not"}}
    assert claims.record_problems(rec, {"ahlers2014-x": c}) == []
    rec["precondition"]["met"] = True
    assert "rule gives 'reproduced'" in claims.record_problems(rec, {"ahlers2014-x": c})[0]


def test_glue_many_records_each_value(tmp_path, monkeypatch):
    monkeypatch.setenv("CRANISOTROPY_BUILD", str(tmp_path))
    R = ChapterResults("demo-glue")
    R.glue_many({"a": 1.23456, "b": (2, "d"), "c": ("text", "")})
    assert {k: v["value"] for k, v in R.data["values"].items()} == {"a": 1.23456, "b": 2, "c": "text"}


def test_results_take_the_parameters_cell_from_the_namespace(tmp_path, monkeypatch):
    from cranisotropy.book import paths, results

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "demo.md").write_text(
        "# t\n```{code-cell} ipython3\n:tags: [parameters]\n\na = 1   # [> 0]\nb, c = 2, [3]\n```\n"
        "```{code-cell} ipython3\nd = 4\n```\n")
    (tmp_path / "book" / "none.md").write_text("```{code-cell} ipython3\nx = 1\n```\n")
    monkeypatch.setattr(paths, "repo_root", lambda: tmp_path)
    monkeypatch.setenv("CRANISOTROPY_BUILD", str(tmp_path / "build"))
    assert results.parameter_names("demo") == ["a", "b", "c"]
    R = ChapterResults("demo", namespace={"a": 1, "b": 5, "c": [3], "d": 4})
    assert R.data["parameters"] == {"a": 1, "b": 5, "c": [3]}
    with pytest.raises(ValueError, match=r"\['c'\] are not defined"):
        ChapterResults("demo", namespace={"a": 1, "b": 2})
    with pytest.raises(ValueError, match="no cell tagged 'parameters'"):
        results.parameter_names("none")
    with pytest.raises(FileNotFoundError):
        results.parameter_names("missing")


def test_a_powerless_data_test_reproduces_nothing():
    c = _claim("p_value", kind="data", alpha=0.05)
    weak, strong = {"rate": 0.03, "n_mocks": 200}, {"rate": 0.6, "n_mocks": 200}
    fr = {"rate": 0.04, "nominal": 0.05, "n_mocks": 200}
    assert claims.final_verdict(c, "reproduced", weak, fr) == "not testable"
    assert claims.final_verdict(c, "reproduced", strong, fr) == "reproduced"
    assert claims.final_verdict(c, "differs", weak, fr) == "differs"
    assert claims.final_verdict(_claim("within", expected=1, tolerance=1), "reproduced", weak, fr) == "reproduced"
    rec = {"id": "ahlers2014-x", "verdict": "reproduced", "chapter": "demo", "p_value": 0.5, "power": weak,
           "false_rejection": fr, "statistic": {"value": 1.0, "description": "d"}}
    assert "rule gives 'not testable'" in claims.record_problems(rec, {"ahlers2014-x": c})[0]
