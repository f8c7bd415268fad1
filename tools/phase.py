"""Run one step of the build and print how long it took: ``python tools/phase.py NAME -- CMD ...``.

The Makefile wraps each phase of ``make book`` / ``make test`` in it, so that the log shows the
time per phase (set-up, system packages, execution, HTML, tests).
"""

import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") != 1:
        print("usage: phase.py NAME -- CMD ...", file=sys.stderr)
        return 2
    name, cmd = argv[0], argv[2:]
    t0 = time.perf_counter()
    rc = subprocess.call(cmd)
    print(f"[phase] {name}: {time.perf_counter() - t0:.1f} s{'' if rc == 0 else f' (failed, exit {rc})'}",
          flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
