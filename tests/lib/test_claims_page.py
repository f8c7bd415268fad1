"""The claims-ledger page (tools/pages.py, claims_page): counts, grouping, identities apart, typeset
quotes, links to the judging cells, and the problems of the ledger."""

import json

import yaml

import pages
from cranisotropy.book import claims

BASE = dict(paper="ahlers2014", where="Eq. (20)", test="what we compute", chapter="demo", section="demo-sec")


def _setup(tmp_path, monkeypatch, verdicts):
    reg = {"ahlers2014-a": {**BASE, "kind": "numerical", "criterion": {"rule": "within", "expected": 1, "tolerance": 0.5},
                            "quote": r"simply $$x = \frac{1}{2} \,.$$ (20) and more"},
           "ahlers2014-b": {**BASE, "kind": "derivation", "criterion": {"rule": "identity", "tolerance": 0},
                            "quote": "an identity $a=a$"},
           "ahlers2014-c": {**BASE, "kind": "data", "criterion": {"rule": "p_value", "alpha": 0.05, "sided": "one"},
                            "quote": "agrees"},
           "ahlers2014-d": {**BASE, "kind": "statement", "criterion": {"rule": "not_testable", "reason": "no number"},
                            "quote": "never judged"}}
    path = tmp_path / "claims.yml"
    path.write_text(yaml.safe_dump(reg))
    monkeypatch.setattr(claims, "registry_path", lambda: path)
    results = tmp_path / "build" / "results"
    results.mkdir(parents=True)
    (results / "demo.json").write_text(json.dumps({"verdicts": verdicts}))
    return tmp_path / "build"


def _rec(cid, verdict, **kw):
    rec = {"id": cid, "paper": "ahlers2014", "verdict": verdict, "chapter": "demo",
           "statistic": {"value": kw.pop("value", None), "uncertainty": None, "description": "a number"}}
    rec.update(kw)
    return rec


def test_page_counts_groups_and_links(tmp_path, monkeypatch):
    build = _setup(tmp_path, monkeypatch, [
        _rec("ahlers2014-a", "differs", value=3.0),
        _rec("ahlers2014-b", "identity", value=0.0),
        _rec("ahlers2014-c", "reproduced", value=12.5, p_value=0.3,
             false_rejection={"rate": 0.04, "n_mocks": 200, "nominal": 0.05},
             power={"alternative": "a flatter tail", "rate": 0.7, "n_mocks": 200})])
    text = pages.claims_page(build, tmp_path)
    # counts: reproduced 1, differs 1, not testable 0, identities 1 (apart), not judged 1
    assert "* - [Ahlers (2014)](#claims-ahlers2014)\n  - 1\n  - 1\n  - 0\n  - 1\n  - 1" in text
    assert text.index("### Reproduced (1)") < text.index("### Differs (1)") < text.index("### Identities")
    assert "### Registered, not judged in this build (1)" in text
    assert "{ref}`the cell that judges it <claim-ahlers2014-a>`" in text
    assert "> $$x = \\frac{1}{2} \\,. \\tag{20}$$" in text          # display maths on its own line, tagged
    assert "False-rejection rate" in text and "0.04 on 200 mocks" in text and "0.7 on 200 mocks" in text
    assert "ahlers2014-d: registered but judged by no chapter" in text   # the problems, in an error box
    assert ":class: warning" in text and ":class: seealso" in text


def test_tex_numbers():
    assert pages._tex_num(0.123456) == "0.1235"
    assert pages._tex_num(2.5e-9) == "$2.5\\times10^{-9}$"
    assert pages._tex_num(None) == "–" and pages._tex_num(7) == "7"
