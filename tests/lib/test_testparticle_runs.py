import json

import numpy as np
import pytest

from cranisotropy import testparticle as tp
from cranisotropy import testparticle_runs as tr

TINY = dict(rigidities=[1.0, 0.5], n_seeds=2, field=dict(n_modes=8, k_ratio=100.0, spectral_index=5 / 3),
            calibration=dict(n_particles=8, t_max=[4.0, 4.0], n_out=8), nu_T=[0, 0.5, 1.0],
            runs=[dict(name="sum", nside=2, n_observers=3, batch=2), dict(name="spec", nside=4, n_observers=1, batch=1)])


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster
    # threads, not processes: starts in a second; one worker, so kernels never run concurrently
    c = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0")
    yield c
    c.close()


def test_parameters_are_canonical_and_validated():
    p = tr.parameters("full")
    assert p["n_seeds"] >= 8 and {r["name"] for r in p["runs"]} == {"sum", "spec"}
    assert isinstance(p["entropy"], int) and isinstance(p["runs"][0]["nside"], int)
    assert np.allclose(p["axes"], tp.AXES)
    for kw, msg in [(dict(n_seeds=1), "n_seeds"), (dict(nu_T=[0.1, 1]), "nu_T"), (dict(nu_T=[0, 2, 1]), "nu_T"),
                    (dict(calibration=dict(n_particles=5, t_max=[1.0], n_out=8)), "t_max"),
                    (dict(runs=[dict(name="a", nside=3, n_observers=1, batch=1)]), "nside"),
                    (dict(runs=[dict(name="a", nside=2, n_observers=1, batch=1)] * 2), "names"),
                    (dict(bogus=1), "unknown parameter")]:
        with pytest.raises(ValueError, match=msg):
            tr.parameters("quick", **kw)
    with pytest.raises(ValueError, match="preset"):
        tr.parameters("huge")


def test_cache_key_covers_everything_and_keeps_integers():
    base = tr.cache_key(tr.parameters("quick"))
    for kw in (dict(entropy=1), dict(box=500.0), dict(anafast_iter=3), dict(dt_factor=0.04),
               dict(runs=[dict(name="sum", nside=16, n_observers=4, batch=2)])):
        assert tr.cache_key(tr.parameters("quick", **kw)) != base, kw
    text = json.dumps(tr._canonical(dict(a=np.int64(3), b=[np.float32(0.5)], c=np.random.SeedSequence(4).spawn(1)[0])))
    assert json.loads(text) == dict(a=3, b=[0.5], c=dict(entropy=4, spawn_key=[0]))
    with pytest.raises(TypeError, match="cache key"):
        tr._canonical(object())


def test_particle_steps_count_the_work():
    p = tr.parameters("quick", **TINY)
    w = tr.particle_steps(p, [0.5, 1.0])
    # sum run: 3 observers x 48 pixels x 2 seeds x last step (rigidity 1: 1/(0.5*0.05) = 40; 0.5: 1/(1*0.025) = 40)
    assert w["sum"] == 3 * 48 * 2 * (40 + 40)
    assert w["total"] == w["calibration"] + w["sum"] + w["spec"]


def test_run_writes_resumes_and_reloads(tmp_path, cluster):
    p = tr.parameters("quick", **TINY)
    ds = tr.run(p, cache_dir=tmp_path, scheduler=cluster, progress=False, command="test")
    key = tr.cache_key(p)
    final = tmp_path / "testparticle" / f"{key}.nc"
    assert final.is_file() and not list(tmp_path.rglob("*.tmp*"))
    # dimensions and contents
    assert ds.sizes["rigidity"] == 2 and ds.sizes["seed"] == 2 and ds.sizes["sum_observer"] == 3
    assert ds["sum_S_A"].dims == ("rigidity", "seed", "sum_observer", "nu_T", "axis")
    assert ds["spec_cl_A"].sizes["spec_l"] == 12
    assert np.allclose(ds["sum_S_A"].isel(nu_T=0), 4 * np.pi / 3, rtol=1e-6)
    assert np.allclose(ds["nu"], 1 / (3 * ds["D_seed"].mean("seed")))
    assert np.allclose(np.trace(ds["field_anisotropy"], axis1=-2, axis2=-1), 1)
    meta = tr.attrs(ds)
    assert meta["parameters"] == tr._canonical(p)
    for k in ("commit", "source_sha256", "versions", "host", "cpu_count", "load_start", "wall_seconds", "command"):
        assert k in meta["provenance"], k
    assert meta["provenance"]["source_sha256"] == tr.source_hash() and meta["provenance"]["command"] == "test"
    assert meta["seeds"]["entropy"] == p["entropy"] and "r1-s1" in meta["seeds"]["spawn_keys"]
    # a finished dataset is loaded, not recomputed
    again = tr.run(p, cache_dir=tmp_path, scheduler=cluster, progress=False)
    assert again.identical(ds)
    # an interrupted run resumes: drop the dataset and one task, recompute only that task
    parts = tmp_path / "testparticle" / key
    n_tasks = len(list(parts.glob("*.npz")))
    (parts / "sky-sum-r1-s0-o2.npz").unlink()
    (parts / "cal-r0-s1.npz").write_bytes(b"truncated")            # a file cut short by a crash
    final.unlink()
    resumed = tr.run(p, cache_dir=tmp_path, scheduler=cluster, progress=False)
    assert tr.attrs(resumed)["provenance"]["tasks_resumed"] == n_tasks - 2
    for name in ("sum_S_A", "sum_M_B", "spec_cl_A", "cal_msd", "nu"):
        assert np.array_equal(resumed[name].values, ds[name].values), name
    # the file on disk reads back equal
    assert tr.open_dataset(final)["sum_M_A"].equals(resumed["sum_M_A"])


def test_open_dataset_names_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="test-particle dataset"):
        tr.open_dataset(tmp_path / "none.nc")


def test_source_hash_ignores_docstrings_and_comments(tmp_path):
    a, b, c = tmp_path / "a.py", tmp_path / "b.py", tmp_path / "c.py"
    a.write_text('"""Module."""\n\ndef f(x):\n    """Doc."""\n    return x + 1  # one\n')
    b.write_text('"""Another text."""\n\ndef f(x):\n    """Other doc."""\n    # a comment\n    return x + 1\n')
    c.write_text('"""Module."""\n\ndef f(x):\n    """Doc."""\n    return x + 2\n')
    assert tr._code_of(a) == tr._code_of(b) != tr._code_of(c)
    assert len(tr.source_hash()) == 64
