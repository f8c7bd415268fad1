"""The system packages the book needs beyond Python, from Debian: Chromium and ChromeDriver for
the browser test of the built pages (``make test``), and TeX for the PDF (``make pdf`` only).

    python tools/system_deps.py start       # begin installing the browser in the background (make test)
    python tools/system_deps.py install     # install the browser now, in the foreground (make system-deps)
    python tools/system_deps.py check       # say whether the browser is there, and if not why
    python tools/system_deps.py install-tex # install TeX (xelatex, latexmk) and poppler-utils (make pdf)

Installing needs root and apt-get (as on CI and the project's machines). Without them nothing is
installed: the browser tests are then skipped with the reason and the command that installs the
browser (:func:`browser_status`), never failed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".cache" / "system-deps"
PACKAGES = ("chromium", "chromium-driver", "fonts-liberation")
INSTALL_COMMAND = "sudo apt-get install --no-install-recommends chromium chromium-driver fonts-liberation"
TEX_PACKAGES = ("texlive-latex-recommended", "texlive-latex-extra", "texlive-fonts-recommended", "texlive-xetex",
                "latexmk", "fonts-freefont-otf", "xindy", "poppler-utils")
TEX_COMMANDS = ("xelatex", "latexmk", "xindy", "pdfinfo", "pdftotext")


def install_tex() -> int:
    """Install TeX for the PDF when a command of :data:`TEX_COMMANDS` is missing; 0 when present."""
    missing = [c for c in TEX_COMMANDS if not shutil.which(c)]
    if not missing:
        print("TeX present")
        return 0
    ok, why = can_install()
    cmd = "sudo apt-get install --no-install-recommends " + " ".join(TEX_PACKAGES)
    if not ok:
        print(f"error: {', '.join(missing)} missing and cannot be installed here ({why}); run: {cmd}")
        return 1
    print(f"[system] installing TeX ({' '.join(TEX_PACKAGES)}); a few minutes")
    res = subprocess.run(["bash", "-c", "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && "
                          "apt-get install -y -qq --no-install-recommends " + " ".join(TEX_PACKAGES)],
                         stdout=subprocess.DEVNULL)
    return 0 if res.returncode == 0 and all(shutil.which(c) for c in TEX_COMMANDS) else 1


def browser_present() -> bool:
    return bool(shutil.which("chromium") and shutil.which("chromedriver"))


def can_install() -> tuple[bool, str]:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False, "not running as root"
    if not shutil.which("apt-get"):
        return False, "no apt-get on this machine"
    return True, ""


def _apt_script() -> str:
    return ("export DEBIAN_FRONTEND=noninteractive; "
            "apt-get update -qq && apt-get install -y -qq --no-install-recommends " + " ".join(PACKAGES))


def start() -> str:
    """Begin the install in the background when the browser is missing; returns what it did."""
    if browser_present():
        return "chromium and chromedriver present"
    ok, why = can_install()
    if not ok:
        return f"browser missing and not installable here ({why}); browser tests will be skipped"
    STATE.mkdir(parents=True, exist_ok=True)
    pid_file = STATE / "pid"
    if pid_file.is_file():
        try:
            os.kill(int(pid_file.read_text()), 0)
            return "installation already running"
        except (OSError, ValueError):
            pass
    (STATE / "done").unlink(missing_ok=True)
    log = open(STATE / "log.txt", "w")
    script = _apt_script() + f"; echo $? > {STATE / 'done'}"
    # lowest CPU priority: the install has minutes until the browser test needs it, the chapters
    # that run meanwhile are the longest path of make test
    proc = subprocess.Popen(["nice", "-n", "19", "bash", "-c", script], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    pid_file.write_text(str(proc.pid))
    (STATE / "started").write_text(json.dumps({"time": time.time()}))
    return f"installing {' '.join(PACKAGES)} in the background (log: {STATE / 'log.txt'})"


def install() -> int:
    """Install now (foreground); 0 when the browser is then present."""
    if browser_present():
        print("chromium and chromedriver present")
        return 0
    ok, why = can_install()
    if not ok:
        print(f"cannot install the browser here ({why}); run: {INSTALL_COMMAND}")
        return 1
    res = subprocess.run(["bash", "-c", _apt_script()])
    return 0 if res.returncode == 0 and browser_present() else 1


def browser_status(wait_seconds: float = 600.0, install_if_missing: bool = True) -> tuple[bool, str]:
    """(True, "") when the browser can be used, after waiting for a background install (and
    installing it now when nobody started one and ``install_if_missing``); otherwise
    (False, the reason and the command that installs it)."""
    if browser_present():
        return True, ""
    pid_file, done = STATE / "pid", STATE / "done"
    t0 = time.time()
    while pid_file.is_file() and not done.is_file() and time.time() - t0 < wait_seconds:
        try:
            os.kill(int(pid_file.read_text()), 0)
        except (OSError, ValueError):
            break
        time.sleep(1.0)
    if browser_present():
        return True, ""
    if done.is_file():
        log = (STATE / "log.txt").read_text(errors="replace")[-800:] if (STATE / "log.txt").is_file() else ""
        return False, (f"installing the browser failed (exit {done.read_text().strip()}): {log.strip()} "
                       f"-- install it with: {INSTALL_COMMAND}")
    ok, why = can_install()
    if ok and not install_if_missing:
        return False, f"Chromium/ChromeDriver not installed -- install them with: {INSTALL_COMMAND}"
    if ok:   # nobody started an install: do it now
        if install() == 0:
            return True, ""
        return False, f"installing the browser failed -- install it with: {INSTALL_COMMAND}"
    return False, f"Chromium/ChromeDriver not installed and {why} -- install them with: {INSTALL_COMMAND}"


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "start":
        print(f"[system] {start()}")
        return 0
    if cmd == "install":
        return install()
    if cmd == "install-tex":
        return install_tex()
    if cmd == "check":
        ok, why = browser_status(wait_seconds=0, install_if_missing=False)
        print("browser: present" if ok else f"browser: {why}")
        return 0 if ok else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
