import json

from cranisotropy.book import ledger


def _rec(cid, verdict="reproduced", measured=1.0):
    return dict(id=cid, paper="ahlers2014", where="Eq. 1", claim="c", verdict=verdict, chapter="ch", section="s",
                evidence=dict(measured=measured, expected=1.0, tolerance=0.1, relative=False))


def test_collect_and_summary(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"claims": [_rec("x"), _rec("y", "differs", 3.0)]}))
    (tmp_path / "b.json").write_text(json.dumps({"claims": []}))
    recs = ledger.collect(tmp_path)
    assert [r["id"] for r in recs] == ["x", "y"]
    assert ledger.summary(recs)["ahlers2014"]["reproduced"] == 1
    assert ledger.summary(recs)["ahlers2014"]["differs"] == 1
    assert ledger.problems(recs, required={}) == []


def test_problems_found():
    recs = [_rec("x"), _rec("x"), _rec("z", "reproduced", 5.0)]
    probs = ledger.problems(recs, required={"must": "a required claim"})
    text = " ".join(probs)
    assert "x: recorded 2 times" in text
    assert "z: verdict 'reproduced' not supported" in text
    assert "must: required claim has no record" in text
