#!/usr/bin/env python3
"""Set up the course and open it, or set up and run every test. Needs only Python 3.11+.

    python3 course.py lab     # learners, self-learners, instructors: open the course in JupyterLab
    python3 course.py test    # developers and CI: the whole test suite (extra pytest args pass on)

Both create `.venv/` beside this file on first use and install the pinned packages from
`requirements/` (again only when those files change). `test` also makes sure bubblewrap, the
sandbox the grader runs learners' code in, is installed (with apt-get when run as root).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
REQUIREMENTS = {"lab": ROOT / "requirements" / "grader.txt",
                "test": ROOT / "requirements" / "dev.txt"}
TOOL_FOLDERS = {"IPYTHONDIR": "ipython", "JUPYTER_CONFIG_DIR": "jupyter-config",
                "JUPYTER_DATA_DIR": "jupyter-data", "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
                "MPLCONFIGDIR": "matplotlib"}


def home_is_usable(environ=os.environ) -> bool:
    """Whether HOME (or, unset, the account's home) is an existing folder we may write to."""
    home = environ.get("HOME") or os.path.expanduser("~")
    return bool(home) and home != "~" and os.path.isdir(home) and os.access(home, os.W_OK)


def tool_environment(environ=os.environ) -> dict[str, str]:
    """Where IPython, Jupyter and matplotlib keep their files when HOME cannot hold them.

    A missing or read-only HOME (some CI containers) makes IPython warn "IPython parent ... is
    not a writable location" in every process that looks for kernels, and the test suite turns
    warnings into errors. With an unusable HOME this points each tool's folder (unless already
    set) at a writable folder of its own under .venv/home (or the temporary folder); with a
    usable HOME it changes nothing."""
    if home_is_usable(environ):
        return {}
    base = VENV / "home"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        base = Path(tempfile.gettempdir()) / f"rnn-course-home-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folders = {}
    for variable, name in TOOL_FOLDERS.items():
        if not environ.get(variable):
            (base / name).mkdir(parents=True, exist_ok=True)
            folders[variable] = str(base / name)
    return folders


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in REQUIREMENTS:
        print(__doc__)
        return 2
    command, extra = argv[0], argv[1:]
    if sys.version_info < (3, 11):
        print("The course needs Python 3.11 or newer.")
        return 2
    install(REQUIREMENTS[command])
    environment = {**os.environ, **tool_environment()}
    if command == "lab":
        return subprocess.call([str(PYTHON), "-m", "jupyter", "lab",
                                f"--notebook-dir={ROOT}", str(ROOT / "notebooks"), *extra],
                               env=environment)
    ensure_bubblewrap()
    # Two workers (one per core here); each test module stays on one worker, so a module's
    # shared grading run happens once. The slowest tests are listed at the end.
    return subprocess.call([str(PYTHON), "-m", "pytest", "-n", "auto", "--dist", "loadscope",
                            "--durations", "15", *extra], cwd=ROOT, env=environment)


def install(requirements: Path) -> None:
    """Create the environment and install `requirements` plus the course kit, if not done yet."""
    if not PYTHON.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256()
    for path in sorted((ROOT / "requirements").glob("*.txt")) + [ROOT / "pyproject.toml"]:
        digest.update(path.read_bytes())
    stamp = VENV / f".installed-{requirements.stem}-{digest.hexdigest()[:16]}"
    if stamp.exists():
        return
    print(f"Installing {requirements.relative_to(ROOT)} into {VENV} ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.check_call(pip + ["-r", str(requirements), "-e", str(ROOT)])
    stamp.touch()


def ensure_bubblewrap() -> None:
    """Install bubblewrap if it is missing and we can (the grading tests need the sandbox)."""
    if shutil.which("bwrap") or not sys.platform.startswith("linux"):
        return
    apt = ["apt-get", "install", "-y", "--no-install-recommends", "bubblewrap"]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing bubblewrap (the grader's sandbox) ...", flush=True)
        subprocess.call(apt, stdout=subprocess.DEVNULL)
        if not shutil.which("bwrap"):
            subprocess.call(["apt-get", "update"], stdout=subprocess.DEVNULL)
            subprocess.call(apt, stdout=subprocess.DEVNULL)
    if not shutil.which("bwrap"):
        print("bubblewrap is not installed and could not be installed here; the grading "
              "tests will fail. Install it (apt-get install bubblewrap) and run again.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
