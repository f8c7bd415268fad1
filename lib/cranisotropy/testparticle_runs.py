"""The test-particle experiment on dask.distributed: task graph, cache, dataset, provenance.

The experiment of :mod:`cranisotropy.testparticle` is split into pure tasks:

1. one calibration task per (rigidity, field seed): <|Delta x|^2>(t) and <v(t).v(0)>(t);
2. from their ensemble, nu = c^2 / (3 D) per rigidity, which sets the snapshot steps;
3. one sky task per (run, rigidity, field seed, batch of observers).

Seeds come from :func:`cranisotropy.testparticle.seed_tree` (``SeedSequence.spawn``): every
(rigidity, seed) has its own field, observers and calibration particles.  The tasks run on a
``LocalCluster`` (processes, one thread each; numba, OpenMP (healpy) and BLAS pinned to one thread
per worker) or on any dask cluster given by its scheduler address, e.g. a SLURM or PBS cluster
from ``dask-jobqueue``::

    from dask_jobqueue import SLURMCluster
    cluster = SLURMCluster(cores=1, processes=1, memory="2GB", walltime="02:00:00",
                           job_script_prologue=["export NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1"])
    cluster.scale(jobs=64)
    ds = run(parameters("full"), cache_dir=".cache", scheduler=cluster.scheduler_address)

The result is an :class:`xarray.Dataset` (dims ``rigidity``, ``seed``, ``<run>_observer``,
``nu_T``, ``axis``, ``<run>_l``, ``cal_time``, ``i``, ``j``) written to netCDF (xarray's
``scipy`` engine, netCDF3: no extra package).  Its attributes record the full parameters, the
seeds, a hash of the library source that computes the numbers, the versions of numpy, numba,
healpy, xarray and dask, the git commit, the host, the machine load and the wall time.

It is also the cache: ``<cache_dir>/testparticle/<key>.nc``, ``key`` a hash of the parameters,
the source hash and the versions.  While it runs, each finished task is written to
``<cache_dir>/testparticle/<key>/`` (``.npz``, written to a unique temporary name and renamed,
so parallel writers never collide); a run that is interrupted resumes from there.

Command line (the full set of the book is made this way; see ``data/testparticle/README.md``)::

    python -m cranisotropy.testparticle_runs --preset full --output data/testparticle/full.nc
"""

from __future__ import annotations

import argparse
import ast
import copy
import datetime as _dt
import hashlib
import json
import logging
import math
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import testparticle as tp
from . import validate
from .magnetic_plane_waves import make_field

#: bump when the content or layout of the dataset changes
DATASET_VERSION = "testparticle-dataset-v1"

#: the modules whose code computes the numbers (the hash of their code is part of the cache key)
SOURCE_MODULES = ("boris.py", "magnetic_plane_waves.py", "testparticle.py")

_FIELD = dict(n_modes=256, k_ratio=100.0, spectral_index=5 / 3)

#: the quick set that ``make book`` runs (about 3e7 particle-steps)
QUICK = dict(
    entropy=1602, rigidities=[0.1, 0.25, 1.0], n_seeds=3, field=_FIELD, dt_factor=0.05,
    box=1000.0, anafast_iter=0, nu=None,
    calibration=dict(n_particles=300, t_max=[12.0, 24.0, 90.0], n_out=300),
    nu_T=[0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4],
    runs=[dict(name="sum", nside=16, n_observers=4, batch=4)],
)

#: the documented full set (about 1.6e10 particle-steps); its dataset is data/testparticle/full.nc
FULL = dict(
    entropy=1601, rigidities=[0.1, 0.25, 1.0], n_seeds=10, field=_FIELD, dt_factor=0.05,
    box=1000.0, anafast_iter=0, nu=None,
    calibration=dict(n_particles=1000, t_max=[12.0, 24.0, 90.0], n_out=300),
    nu_T=[0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 16],
    runs=[dict(name="sum", nside=16, n_observers=24, batch=12),
          dict(name="spec", nside=64, n_observers=10, batch=2)],
)

PRESETS = {"quick": QUICK, "full": FULL}


# -- parameters ----------------------------------------------------------------------------------
def parameters(preset: str = "quick", **overrides) -> dict:
    """A validated, canonical copy of the parameter set ``preset`` with ``overrides``.

    Parameters
    ----------
    preset : {"quick", "full"}
    **overrides
        Top-level keys to replace (``rigidities``, ``n_seeds``, ``nu_T``, ``runs``, ...).
        ``nu`` (one relaxation rate per rigidity) fixes the snapshot times instead of the run's
        own calibration (the quick run uses the full run's, so that both sample the same T).

    Returns
    -------
    dict
        Plain Python types only (ints stay ints), with the dipole axes added.

    Raises
    ------
    ValueError, TypeError
        An unknown preset or key, or a value out of range.

    Examples
    --------
    >>> p = parameters("quick", n_seeds=2)
    >>> p["n_seeds"], p["runs"][0]["nside"], len(p["axes"])
    (2, 16, 3)
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    p = copy.deepcopy(PRESETS[preset])
    for key, value in overrides.items():
        if key not in p:
            raise ValueError(f"unknown parameter {key!r}; parameters are {sorted(p)}")
        p[key] = copy.deepcopy(value)
    out = dict(
        entropy=validate.integer("entropy", p["entropy"], minimum=0, allow_array=False),
        rigidities=[validate.positive("rigidities", r, allow_array=False) for r in p["rigidities"]],
        n_seeds=validate.integer("n_seeds", p["n_seeds"], minimum=2, allow_array=False),
        field=dict(n_modes=validate.integer("n_modes", p["field"]["n_modes"], minimum=1, allow_array=False),
                   k_ratio=validate.positive("k_ratio", p["field"]["k_ratio"], allow_array=False),
                   spectral_index=validate.finite("spectral_index", p["field"]["spectral_index"],
                                                  allow_array=False)),
        dt_factor=validate.positive("dt_factor", p["dt_factor"], allow_array=False),
        box=validate.positive("box", p["box"], allow_array=False),
        anafast_iter=validate.integer("anafast_iter", p["anafast_iter"], minimum=0, allow_array=False),
        nu_T=[validate.nonnegative("nu_T", t, allow_array=False) for t in p["nu_T"]],
        axes=tp.AXES.tolist(),
    )
    if not out["rigidities"]:
        raise ValueError("rigidities must not be empty")
    if p.get("nu") is None:
        out["nu"] = None
    else:
        out["nu"] = [validate.positive("nu", n, allow_array=False) for n in p["nu"]]
        if len(out["nu"]) != len(out["rigidities"]):
            raise ValueError("nu needs one entry per rigidity (or None)")
    if out["nu_T"][0] != 0 or np.any(np.diff(out["nu_T"]) <= 0):
        raise ValueError("nu_T must start at 0 and increase")
    cal = p["calibration"]
    t_max = [validate.positive("calibration.t_max", t, allow_array=False) for t in cal["t_max"]]
    if len(t_max) != len(out["rigidities"]):
        raise ValueError("calibration.t_max needs one entry per rigidity")
    out["calibration"] = dict(
        n_particles=validate.integer("calibration.n_particles", cal["n_particles"], minimum=2, allow_array=False),
        t_max=t_max, n_out=validate.integer("calibration.n_out", cal["n_out"], minimum=4, allow_array=False))
    runs, names = [], set()
    for r in p["runs"]:
        nside = validate.integer("runs.nside", r["nside"], minimum=1, allow_array=False)
        if nside & (nside - 1):
            raise ValueError(f"runs.nside must be a power of 2, got {nside}")
        if not str(r["name"]).isidentifier() or r["name"] in names:
            raise ValueError(f"runs need distinct identifier names, got {r['name']!r}")
        names.add(r["name"])
        runs.append(dict(name=str(r["name"]), nside=nside,
                         n_observers=validate.integer("runs.n_observers", r["n_observers"], minimum=1,
                                                      allow_array=False),
                         batch=validate.integer("runs.batch", r["batch"], minimum=1, allow_array=False)))
    if not runs:
        raise ValueError("runs must not be empty")
    out["runs"] = runs
    return out


def particle_steps(params: dict, nu) -> dict:
    """Particle-steps of the calibration and of each sky run, for relaxation rates ``nu`` (one per
    rigidity; before calibrating, an estimate).

    Examples
    --------
    >>> p = parameters("quick")
    >>> w = particle_steps(p, [2.6, 1.6, 0.37])
    >>> sorted(w), f"{w['total']:.1e}"
    (['calibration', 'sum', 'total'], '3.2e+07')
    """
    nu = np.atleast_1d(validate.positive("nu", nu))
    cal = params["calibration"]
    work = dict(calibration=sum(
        int(round(t / cal["n_out"] / (params["dt_factor"] * r))) * cal["n_out"] * cal["n_particles"]
        * params["n_seeds"] for r, t in zip(params["rigidities"], cal["t_max"])))
    for run in params["runs"]:
        npix = 12 * run["nside"] ** 2
        work[run["name"]] = sum(
            int(tp.snapshot_steps(params["nu_T"], n, params["dt_factor"] * r)[-1]) * npix
            * run["n_observers"] * params["n_seeds"] for r, n in zip(params["rigidities"], nu))
    work["total"] = sum(work.values())
    return work


# -- cache key and provenance --------------------------------------------------------------------
def _canonical(obj):
    """JSON-ready copy: numpy scalars to Python numbers (ints stay ints), arrays to lists."""
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_canonical(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj)
    if isinstance(obj, np.random.SeedSequence):
        return dict(entropy=int(obj.entropy), spawn_key=list(obj.spawn_key))
    if obj is None or isinstance(obj, str):
        return obj
    raise TypeError(f"cannot put {type(obj).__name__} into a cache key")


def _code_of(path: Path) -> str:
    """The module's syntax tree without docstrings: what changes the numbers, not the prose."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def source_hash() -> str:
    """sha256 of the code of the modules that compute the numbers (:data:`SOURCE_MODULES`),
    docstrings and comments excluded (a corrected docstring does not invalidate a dataset).

    Examples
    --------
    >>> len(source_hash())
    64
    """
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in SOURCE_MODULES:
        h.update(name.encode() + b"\0" + _code_of(here / name).encode() + b"\0")
    return h.hexdigest()


def versions() -> dict:
    """Versions of the packages that compute or store the numbers."""
    import dask
    import distributed
    import healpy
    import numba
    import scipy
    import xarray
    return dict(python=platform.python_version(), numpy=np.__version__, numba=numba.__version__,
                healpy=healpy.__version__, scipy=scipy.__version__, xarray=xarray.__version__,
                dask=dask.__version__, distributed=distributed.__version__)


def cache_key(params: dict) -> str:
    """Hash of the parameters, :func:`source_hash`, the numpy/numba/healpy versions and
    :data:`DATASET_VERSION`.

    Examples
    --------
    >>> cache_key(parameters("quick")) == cache_key(parameters("quick"))
    True
    >>> cache_key(parameters("quick")) == cache_key(parameters("quick", entropy=1))
    False
    """
    v = versions()
    text = json.dumps(dict(version=DATASET_VERSION, parameters=_canonical(params), source=source_hash(),
                           numpy=v["numpy"], numba=v["numba"], healpy=v["healpy"]), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def git_commit() -> dict:
    """The commit of the checkout the library lives in and whether its lib/ differs from it."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", str(here)], cwd=here,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        return dict(commit=commit, lib_modified=bool(dirty))
    except (OSError, subprocess.SubprocessError):
        return dict(commit="unknown", lib_modified=None)


def _load() -> list:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return []


# -- cache files ---------------------------------------------------------------------------------
def _atomic_savez(path: Path, arrays: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem + ".", suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _load_npz(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError):      # a truncated file from a killed run: redo it
        return None


def _write_netcdf(ds, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem + ".", suffix=".tmp.nc")
    os.close(fd)
    try:
        ds.to_netcdf(tmp, engine="scipy")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def open_dataset(path):
    """Read a dataset written by :func:`run` (loaded into memory, file closed).

    The JSON attributes ``parameters``, ``provenance`` and ``seeds`` stay strings; use
    :func:`attrs` for them as dicts.
    """
    import xarray as xr
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no test-particle dataset at {path}")
    with xr.open_dataset(path, engine="scipy") as ds:
        return ds.load()


def attrs(ds) -> dict:
    """The dataset's JSON attributes (``parameters``, ``provenance``, ``seeds``) as dicts.

    ``parameters`` gets the keys that later versions added, with their defaults (``nu``: None),
    so that it compares equal to :func:`parameters` of the same set.
    """
    out = {k: json.loads(ds.attrs[k]) for k in ("parameters", "provenance", "seeds")}
    out["parameters"].setdefault("nu", None)
    return out


# -- the run -------------------------------------------------------------------------------------
def _client(scheduler, n_workers):
    """A distributed Client: to ``scheduler`` (an address or a Cluster), or to a new LocalCluster of
    ``n_workers`` single-threaded processes."""
    import dask
    from distributed import Client, LocalCluster
    if scheduler is not None:
        return Client(scheduler), None
    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    env.update(NUMBA_NUM_THREADS=1, OMP_NUM_THREADS=1, MKL_NUM_THREADS=1, OPENBLAS_NUM_THREADS=1)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _progress(total, enabled, desc):
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="step", unit_scale=True, disable=not enabled,
                file=sys.stderr, smoothing=0.05, mininterval=1.0)


def run(params: dict, *, cache_dir, scheduler=None, n_workers: int = 2, progress: bool = True,
        command: str = "", recompute: bool = False):
    """Run (or load) the experiment ``params`` and return its dataset.

    Parameters
    ----------
    params : dict
        From :func:`parameters`.
    cache_dir : path-like
        Root of the cache; the dataset is ``<cache_dir>/testparticle/<key>.nc``.
    scheduler : str or distributed cluster, optional
        Address of a running dask scheduler (or a cluster object); default: a LocalCluster of
        ``n_workers`` single-threaded processes.
    n_workers : int
        Workers of the LocalCluster.
    progress : bool
        A progress bar (particle-steps) on stderr.
    command : str
        How the run was started, for the provenance.
    recompute : bool
        Ignore a finished dataset in the cache (finished tasks are still reused).

    Returns
    -------
    xarray.Dataset
    """
    from distributed import as_completed

    params = _canonical(params)
    cache_dir = Path(cache_dir)
    key = cache_key(params)
    final = cache_dir / "testparticle" / f"{key}.nc"
    if final.is_file() and not recompute:
        return open_dataset(final)
    parts = cache_dir / "testparticle" / key
    n_workers = validate.integer("n_workers", n_workers, minimum=1, allow_array=False)
    tree = tp.seed_tree(params["entropy"], len(params["rigidities"]), params["n_seeds"])
    rig, cal = params["rigidities"], params["calibration"]
    field_kw = params["field"]
    started = time.time()
    load_start = _load()
    # provenance of the code as it is when the run starts (files may change while it runs)
    code = dict(git_commit(), source_sha256=source_hash(), versions=versions())
    resumed = 0
    client, cluster = _client(scheduler, n_workers)
    try:
        workers = client.scheduler_info()["workers"]
        # 1. calibration
        results = {}
        futures = {}
        for i, r in enumerate(rig):
            for s in range(params["n_seeds"]):
                name = f"cal-r{i}-s{s}"
                got = _load_npz(parts / f"{name}.npz")
                if got is not None:
                    results[name] = got
                    resumed += 1
                    continue
                futures[client.submit(tp.calibration_task, r, seeds=tree[i][s], n_particles=cal["n_particles"],
                                      t_max=cal["t_max"][i], n_out=cal["n_out"], dt_factor=params["dt_factor"],
                                      field_kw=field_kw, box=params["box"], key=f"{name}-{key}", pure=False)] = (name, i)
        work_cal = {i: int(round(cal["t_max"][i] / cal["n_out"] / (params["dt_factor"] * r))) * cal["n_out"]
                    * cal["n_particles"] for i, r in enumerate(rig)}
        with _progress(sum(work_cal[i] for _, i in futures.values()), progress and bool(futures),
                       "calibration") as bar:
            for fut in as_completed(list(futures)):
                name, i = futures[fut]
                results[name] = fut.result()
                _atomic_savez(parts / f"{name}.npz", results[name])
                bar.update(work_cal[i])
                fut.release()
        D_seed = np.array([[tp.diffusion_coefficient(results[f"cal-r{i}-s{s}"]["t"], results[f"cal-r{i}-s{s}"]["msd"])
                            for s in range(params["n_seeds"])] for i in range(len(rig))])
        # the relaxation rate that sets the snapshot times: this run's own, or the one given
        nu = 1.0 / (3.0 * D_seed.mean(axis=1)) if params.get("nu") is None else np.asarray(params["nu"], dtype=float)
        # 2. sky runs
        futures = {}
        todo = 0
        for run_ in params["runs"]:
            npix = 12 * run_["nside"] ** 2
            for i, r in enumerate(rig):
                steps_i = int(tp.snapshot_steps(params["nu_T"], nu[i], params["dt_factor"] * r)[-1])
                for s in range(params["n_seeds"]):
                    for first in range(0, run_["n_observers"], run_["batch"]):
                        count = min(run_["batch"], run_["n_observers"] - first)
                        name = f"sky-{run_['name']}-r{i}-s{s}-o{first}"
                        got = _load_npz(parts / f"{name}.npz")
                        if got is not None:
                            results[name] = got
                            resumed += 1
                            continue
                        fut = client.submit(tp.sky_task, r, float(nu[i]), params["nu_T"], nside=run_["nside"],
                                            n_observers=run_["n_observers"], first=first, count=count,
                                            seeds=tree[i][s], dt_factor=params["dt_factor"], field_kw=field_kw,
                                            box=params["box"], iter=params["anafast_iter"],
                                            key=f"{name}-{key}", pure=False)
                        futures[fut] = (name, steps_i * npix * count)
                        todo += steps_i * npix * count
        with _progress(todo, progress and bool(futures), "sky runs") as bar:
            for fut in as_completed(list(futures)):
                name, w = futures[fut]
                results[name] = fut.result()
                _atomic_savez(parts / f"{name}.npz", results[name])
                bar.update(w)
                fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    wall = time.time() - started
    prov = dict(code, host=socket.gethostname(),
                platform=platform.platform(), cpu_count=os.cpu_count(), load_start=load_start,
                load_end=_load(), started_utc=_dt.datetime.fromtimestamp(started, _dt.timezone.utc).isoformat(),
                wall_seconds=round(wall, 1), command=command or " ".join(sys.argv),
                scheduler=str(scheduler) if scheduler is not None else f"LocalCluster({n_workers} processes x 1 thread)",
                workers=len(workers), tasks_resumed=resumed, cache_key=key, dataset_version=DATASET_VERSION)
    ds = assemble(params, results, nu, D_seed, tree, prov)
    _write_netcdf(ds, final)
    return ds


def assemble(params: dict, results: dict, nu, D_seed, tree, provenance: dict):
    """The xarray Dataset of a finished run from its task results (see the module docstring)."""
    import xarray as xr

    rig = params["rigidities"]
    nr, ns, nt = len(rig), params["n_seeds"], len(params["nu_T"])
    cal0 = results["cal-r0-s0"]
    n_out = len(cal0["t"])
    f32 = np.float32
    data = dict(
        nu=(("rigidity",), np.asarray(nu, dtype=float)),
        D_seed=(("rigidity", "seed"), np.asarray(D_seed, dtype=float)),
        cal_t=(("rigidity", "cal_time"), np.array([results[f"cal-r{i}-s0"]["t"] for i in range(nr)])),
        cal_msd=(("rigidity", "seed", "cal_time"),
                 np.array([[results[f"cal-r{i}-s{s}"]["msd"] for s in range(ns)] for i in range(nr)])),
        cal_vacf=(("rigidity", "seed", "cal_time"),
                  np.array([[results[f"cal-r{i}-s{s}"]["vacf"] for s in range(ns)] for i in range(nr)])),
        cal_seconds=(("rigidity", "seed"),
                     np.array([[float(results[f"cal-r{i}-s{s}"]["seconds"]) for s in range(ns)] for i in range(nr)])),
        field_anisotropy=(("rigidity", "seed", "i", "j"), np.array(
            [[make_field(seed=tree[i][s]["field"], **params["field"]).anisotropy() for s in range(ns)]
             for i in range(nr)])),
    )
    steps = np.array([tp.snapshot_steps(params["nu_T"], nu[i], params["dt_factor"] * r) for i, r in enumerate(rig)])
    data["steps"] = (("rigidity", "nu_T"), steps.astype(np.int32))
    data["nu_T_realised"] = (("rigidity", "nu_T"), steps * params["dt_factor"] * np.asarray(rig)[:, None]
                             * np.asarray(nu)[:, None])
    coords = dict(rigidity=np.asarray(rig, dtype=float), seed=np.arange(ns, dtype=np.int32),
                  nu_T=np.asarray(params["nu_T"], dtype=float), axis=np.arange(3, dtype=np.int32),
                  i=np.arange(3, dtype=np.int32), j=np.arange(3, dtype=np.int32),
                  cal_time=np.arange(n_out, dtype=np.int32))
    for run_ in params["runs"]:
        name, no, lmax = run_["name"], run_["n_observers"], 3 * run_["nside"] - 1
        obs, ell = f"{name}_observer", f"{name}_l"
        coords[obs] = np.arange(no, dtype=np.int32)
        coords[ell] = np.arange(lmax + 1, dtype=np.int32)
        per_obs = {k: np.empty((nr, ns, no, nt) + shp) for k, shp in
                   (("S_A", (3,)), ("S_B", (3,)), ("M_A", (3, 3)), ("M_B", (3, 3)))}
        cl = {k: np.zeros((nr, ns, nt, lmax + 1)) for k in ("cl_A", "cl_B")}
        seconds = np.zeros((nr, ns))
        for i in range(nr):
            for s in range(ns):
                for first in range(0, no, run_["batch"]):
                    res = results[f"sky-{name}-r{i}-s{s}-o{first}"]
                    count = res["S_A"].shape[1]
                    for k in per_obs:
                        per_obs[k][i, s, first:first + count] = np.moveaxis(res[k], 0, 1)
                    for k in cl:
                        cl[k][i, s] += res[k].sum(axis=1)
                    seconds[i, s] += float(res["seconds"])
        for k in ("S_A", "S_B"):
            data[f"{name}_{k}"] = (("rigidity", "seed", obs, "nu_T", "axis"), per_obs[k].astype(f32))
        for k in ("M_A", "M_B"):
            data[f"{name}_{k}"] = (("rigidity", "seed", obs, "nu_T", "i", "j"), per_obs[k].astype(f32))
        for k in cl:
            data[f"{name}_{k}"] = (("rigidity", "seed", "nu_T", ell), (cl[k] / no).astype(f32))
        data[f"{name}_seconds"] = (("rigidity", "seed"), seconds)
    seeds = dict(entropy=params["entropy"], tree="SeedSequence(entropy).spawn(n_rigidities)[r].spawn(n_seeds)[s]"
                 ".spawn(3) = (field, observers, particles)",
                 spawn_keys={f"r{i}-s{s}": {k: list(v.spawn_key) for k, v in tree[i][s].items()}
                             for i in range(nr) for s in range(ns)})
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = dict(title="Back-tracking test-particle experiment (Ahlers 2014, Eqs. 13, 19-21)",
                    parameters=json.dumps(_canonical(params), sort_keys=True),
                    provenance=json.dumps(_canonical(provenance), sort_keys=True),
                    seeds=json.dumps(seeds, sort_keys=True),
                    commit=str(provenance.get("commit", "")), source_sha256=str(provenance.get("source_sha256", "")),
                    wall_seconds=float(provenance.get("wall_seconds", math.nan)), cache_key=str(provenance.get("cache_key", "")),
                    conventions=("units: c = 1, lengths l_c, field B_rms; rigidity = r_g/l_c; nu = 1/(3 D); "
                                 "S = 4 pi mean(map^2); M_A[i,j] = mean v_i(-T) p_j; M_B[i,j] = mean dx_i(-T) p_j; "
                                 "<run>_cl_* = observer means per seed, axis-averaged, l from 0"))
    ds["cal_msd"].attrs["long_name"] = "<|Delta x|^2>(t) of forward-tracked particles, l_c^2"
    ds["cal_vacf"].attrs["long_name"] = "<v(t).v(0)>(t)"
    ds["nu"].attrs["long_name"] = ("relaxation rate that sets the snapshot steps, c/l_c: nu = 1/(3 D) of the seed-mean D "
                                   "of this run, or the parameter nu when given")
    return ds


# -- command line -------------------------------------------------------------------------------
def main(argv=None) -> int:
    """``python -m cranisotropy.testparticle_runs --preset full --output PATH``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    ap.add_argument("--cache-dir", default=".cache", help="cache root (default .cache)")
    ap.add_argument("--output", help="also write the dataset here (netCDF)")
    ap.add_argument("--scheduler", help="address of a dask scheduler (default: a LocalCluster)")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    ap.add_argument("--recompute", action="store_true", help="ignore a finished dataset in the cache")
    a = ap.parse_args(argv)
    cmd = "python -m cranisotropy.testparticle_runs " + " ".join(sys.argv[1:] if argv is None else argv)
    ds = run(parameters(a.preset), cache_dir=a.cache_dir, scheduler=a.scheduler, n_workers=a.workers,
             command=cmd, recompute=a.recompute)
    if a.output:
        _write_netcdf(ds, Path(a.output))
    print(f"dataset: {Path(a.output) if a.output else Path(a.cache_dir) / 'testparticle' / (ds.attrs['cache_key'] + '.nc')}"
          f"  wall {ds.attrs['wall_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
