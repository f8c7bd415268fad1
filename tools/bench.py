"""Benchmark of the test-particle engine: `make bench` writes _build/bench/engine.json.

A list of records, one per (modes, threads): particle-steps per second of the compiled Boris
kernel (`cranisotropy.boris.push`) through a plane-wave field of 64, 256 and 1024 modes on 1 and 2
numba threads, each measured over at least one second of wall time, with the machine's load
average before and after (the machine may be shared: a record taken under load says so), the CPU
time the process got during the measurement (``cpu_share`` = CPU seconds / (wall seconds x
threads): below 1 when other processes took the cores), the CPU, the versions and the commit.  A benchmark, not a test: nothing is asserted; the target of issue 16
(>= 5e6 particle-steps/s at 256 modes on 2 threads, 8e6 the goal) is printed next to the numbers.

    python tools/bench.py [--output PATH] [--particles N] [--seconds S] [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def measure(boris, field, n_particles: int, threads: int, min_seconds: float, seed: int = 0) -> dict:
    """One record: push ``n_particles`` for a doubling number of steps until one push lasts
    ``min_seconds``; wall and CPU time of that push."""
    import time

    import numba
    import numpy as np

    numba.set_num_threads(threads)
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0, 100, size=(n_particles, 3))
    v0 = boris.isotropic_directions(n_particles, rng)
    rg = 0.25
    boris.push(x0[:2].copy(), v0[:2].copy(), field, rg, 0.05 * rg, 1)            # compile / load
    load_before = os.getloadavg()[0]
    steps = 1
    while True:
        x, v = x0.copy(), v0.copy()
        w0, c0 = time.perf_counter(), time.process_time()
        boris.push(x, v, field, rg, 0.05 * rg, steps)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if wall >= min_seconds:
            break
        steps = steps * 2 if wall < min_seconds / 4 else int(np.ceil(1.2 * steps * min_seconds / wall))
    return dict(steps_per_s=n_particles * steps / wall, seconds=wall, cpu_seconds=cpu,
                cpu_share=cpu / (wall * threads), steps=steps, particles=n_particles,
                load_before=load_before, load_after=os.getloadavg()[0])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", default=str(ROOT / "_build" / "bench" / "engine.json"))
    ap.add_argument("--particles", type=int, default=4096, help="particles pushed together (default 4096)")
    ap.add_argument("--seconds", type=float, default=1.0, help="shortest duration of one record (default 1 s)")
    ap.add_argument("--repeat", type=int, default=2,
                    help="measurements per record; the fastest is kept, all are listed (default 2)")
    ap.add_argument("--modes", type=int, nargs="+", default=[64, 256, 1024])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args(argv)

    import numba
    import numpy as np

    from cranisotropy import boris
    from cranisotropy.magnetic_plane_waves import make_field

    machine = dict(cpu=cpu_model(), cores=os.cpu_count(), numba_max_threads=numba.config.NUMBA_NUM_THREADS,
                   threading_layer=None, python=platform.python_version(), numpy=np.__version__,
                   numba=numba.__version__, host=platform.node(), commit=commit())
    records = []
    for modes in a.modes:
        field = make_field(modes, seed=1)
        for threads in a.threads:
            if threads > numba.config.NUMBA_NUM_THREADS:
                print(f"skip {threads} threads: numba allows {numba.config.NUMBA_NUM_THREADS}", file=sys.stderr)
                continue
            runs = [measure(boris, field, a.particles, threads, a.seconds) for _ in range(a.repeat)]
            best = max(runs, key=lambda r: r["steps_per_s"])
            machine["threading_layer"] = numba.threading_layer()
            rec = dict(modes=modes, threads=threads, **best, all_steps_per_s=[r["steps_per_s"] for r in runs],
                       ns_per_mode_evaluation=1e9 * best["cpu_seconds"] / (best["steps"] * best["particles"] * modes),
                       **machine)
            records.append(rec)
            print(f"{modes:5d} modes  {threads} thread(s)  {best['steps_per_s']:.3g} particle-steps/s  "
                  f"({best['seconds']:.2f} s, CPU share {best['cpu_share']:.2f}, "
                  f"load {best['load_before']:.2f} -> {best['load_after']:.2f})")
    out = Path(a.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(records, indent=1) + "\n")
    target = [r for r in records if r["modes"] == 256 and r["threads"] == 2]
    if target:
        rate = target[0]["steps_per_s"]
        print(f"256 modes, 2 threads: {rate:.3g} particle-steps/s (issue 16: >= 5e6, goal 8e6; "
              f"load {target[0]['load_before']:.2f} on {machine['cores']} cores)")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
