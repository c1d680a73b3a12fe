#!/usr/bin/env python3
"""Set up the course and open it, or set up and run every test. Needs only Python 3.11+.

    python3 course.py lab     # open the course in JupyterLab (instructors: with Formgrader)
    python3 course.py test    # developers and CI: the style gate (ruff), then the whole test
                              # suite (extra pytest args pass on)

Both create `.venv/` beside this file on first use and install the pinned packages from
`requirements/` (again only when those files change): in the repository, the grading tools
(nbgrader, Formgrader) too; in a learner kit (`python -m grader learner-kit`, no grader/ folder)
only what the notebooks need. `lab` also sets the grading folder up for Formgrader, passes
--allow-root when run as root (Docker), and stops JupyterLab when it is stopped itself (Ctrl-C,
SIGTERM). `test` also makes sure of the system packages the tests use (bubblewrap and
python3-seccomp, the grader's sandbox and its system-call filter; chromium, for the browser check of
Formgrader; PostgreSQL, for a hub's shared gradebook), with apt-get when run as root; set
RNN_COURSE_SKIP_SYSTEM_PACKAGES=1 to skip that check (a developer's quick loop: the tests that
need a missing package still say so).
"""

from __future__ import annotations

import glob
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
# A learner kit has no grader/: it installs (and opens) only what a learner needs.
INSTRUCTOR = (ROOT / "grader").is_dir()
REQUIREMENTS = {
    "lab": ROOT / "requirements" / ("grader.txt" if INSTRUCTOR else "learner.txt"),
    "test": ROOT / "requirements" / "dev.txt",
}
# System packages the tests use: (what shows it is installed, Debian package names).
SYSTEM_PACKAGES = {
    "bubblewrap (the grader's sandbox)": (lambda: system_tool("bwrap"), ["bubblewrap"]),
    "libseccomp's Python binding (the sandbox's system-call filter, for /usr/bin/python3)": (
        lambda: (
            subprocess.run(
                ["/usr/bin/python3", "-I", "-c", "import seccomp"], capture_output=True
            ).returncode
            == 0
            if os.path.exists("/usr/bin/python3")
            else False
        ),
        ["python3-seccomp"],
    ),
    "chromium (the browser check of Formgrader)": (
        lambda: os.path.exists("/usr/bin/chromium"),
        ["chromium", "chromium-driver"],
    ),
    "PostgreSQL (a hub's shared gradebook)": (
        lambda: glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        ["postgresql"],
    ),
}
LAB_STOP_SECONDS = 30
# Set (to anything but "" or "0"): `test` does not check or install SYSTEM_PACKAGES.
SKIP_SYSTEM_PACKAGES = "RNN_COURSE_SKIP_SYSTEM_PACKAGES"

TOOL_FOLDERS = {
    "IPYTHONDIR": "ipython",
    "JUPYTER_CONFIG_DIR": "jupyter-config",
    "JUPYTER_DATA_DIR": "jupyter-data",
    "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
    "MPLCONFIGDIR": "matplotlib",
}


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
        base = (
            Path(tempfile.gettempdir())
            / f"rnn-course-home-{os.getuid() if hasattr(os, 'getuid') else 0}"
        )
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
    if sys.version_info < (3, 11):  # noqa: UP036 (this file runs on whatever python3 a learner has)
        print("The course needs Python 3.11 or newer.")
        return 2
    if command == "test" and not INSTRUCTOR:
        print("This is a learner kit: it has no test suite (the repository has).")
        return 2
    install(REQUIREMENTS[command])
    write_validation_config()
    environment = {**os.environ, **tool_environment()}
    if command == "lab":
        return lab(extra, environment)
    if style_problems(environment):
        return 1
    if os.environ.get(SKIP_SYSTEM_PACKAGES, "") in ("", "0"):
        ensure_system_packages()
    # Two workers (one per core here); each test module stays on one worker (unless it says how
    # its tests split: tests/scheduling.py), so a module's shared grading run happens once; the
    # costliest start first. The slowest tests are listed at the end.
    return subprocess.call(
        [
            str(PYTHON),
            "-m",
            "pytest",
            "-n",
            "auto",
            "--dist",
            "loadscope",
            "--durations",
            "15",
            *extra,
        ],
        cwd=ROOT,
        env=environment,
    )


# The style gate, first: lint (the rules in pyproject.toml's [tool.ruff]) and format, notebooks
# included. `ruff check --fix . && ruff format .` (in .venv/bin) repairs most of what it finds.
STYLE_COMMANDS = (["check", "--quiet", "."], ["format", "--check", "--quiet", "."])


def style_problems(environment: dict[str, str]) -> bool:
    """Run the style gate; whether it found anything (it printed what)."""
    failed = [
        subprocess.call([str(PYTHON), "-m", "ruff", *command], cwd=ROOT, env=environment)
        for command in STYLE_COMMANDS
    ]
    if any(failed):
        print(
            "The style gate failed (above): run `.venv/bin/ruff check --fix . && "
            ".venv/bin/ruff format .`, fix what remains, and run the tests again."
        )
    return any(failed)


def lab_command(extra: list[str]) -> list[str]:
    """JupyterLab serving the whole course folder (so Formgrader finds the grading folder inside
    the server's root) and opening on notebooks/; --allow-root when run as root (JupyterLab
    refuses root without). No folder is passed as a positional argument: JupyterLab would take it
    as the server's root, and Formgrader needs the grading folder below that root."""
    command = [str(PYTHON), "-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT}"]
    if (ROOT / "notebooks").is_dir():
        command.append("--ContentsManager.preferred_dir=notebooks")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        print("Running as root (a container?): starting JupyterLab with --allow-root.", flush=True)
        command.append("--allow-root")
    return command + list(extra)


def grading_folder_outside_root(environment: dict[str, str]) -> str | None:
    """The grading folder that $RNN_COURSE_GRADING_FOLDER names, if it lies outside the lab's
    root (Formgrader then cannot serve it); None when it is inside (the default grading/ is)."""
    folder = environment.get("RNN_COURSE_GRADING_FOLDER")
    if not folder:
        return None
    resolved = (ROOT / Path(folder).expanduser()).resolve()
    return None if resolved == ROOT or ROOT in resolved.parents else str(resolved)


def lab_environment(environment: dict[str, str]) -> dict[str, str]:
    """`environment` with the course's bin first on PATH (nbgrader runs tools from it)."""
    return dict(environment, PATH=os.pathsep.join([str(BIN), environment.get("PATH", "")]))


def lab(extra: list[str], environment: dict[str, str]) -> int:
    env = lab_environment(environment)
    if INSTRUCTOR:
        # Formgrader shows the assignments of the grading folder: make sure it has them.
        if subprocess.call([str(PYTHON), "-m", "grader", "prepare"], cwd=ROOT, env=env):
            print(
                "warning: the grading folder could not be prepared; Formgrader may show no "
                "assignments (run `.venv/bin/python -m grader prepare` to see why)."
            )
        outside = grading_folder_outside_root(env)
        if outside:
            print(
                f"warning: the grading folder {outside} (RNN_COURSE_GRADING_FOLDER) is outside "
                f"{ROOT}, the lab's root: Formgrader can only serve a grading folder inside it. "
                f"Unset the variable, or point it at a folder inside {ROOT}.",
                flush=True,
            )
    return run_until_stopped(lab_command(extra), env)


def run_until_stopped(command: list[str], env: dict[str, str]) -> int:
    """Run `command` here; if this process is stopped (SIGTERM, SIGHUP, Ctrl-C), stop it too."""
    process = subprocess.Popen(command, cwd=ROOT, env=env)

    def stop(signum=None, frame=None):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:  # the terminal sent Ctrl-C to both; do not leave it asking
            stop()
            try:
                return process.wait(timeout=LAB_STOP_SECONDS)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                process.kill()
                return process.wait()


def install(requirements: Path) -> None:
    """Create the environment and install `requirements` plus the course kit, if not done yet."""
    if not PYTHON.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    if is_installed(requirements):
        return
    print(f"Installing {requirements.relative_to(ROOT)} into {VENV} ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.check_call(pip + ["-r", str(requirements), "-e", str(ROOT)])
    (VENV / f".installed-{requirements.stem}-{requirements_digest()}").touch()


def requirements_digest() -> str:
    """What the installed packages depend on: requirements/*.txt and pyproject.toml."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "requirements").glob("*.txt")) + [ROOT / "pyproject.toml"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def is_installed(requirements: Path) -> bool:
    """Whether `requirements` (or a larger set that includes it: dev.txt includes grader.txt,
    which includes learner.txt) was installed into .venv from the current files."""
    return any(
        (VENV / f".installed-{path.stem}-{requirements_digest()}").exists()
        for path in (ROOT / "requirements").glob("*.txt")
        if requirements in included(path)
    )


VALIDATION_CONFIG = """\
# Written by course.py: nbgrader's validation in this environment (the Validate button,
# `nbgrader validate` run from any folder) runs every cell and lists each visible check that
# fails (coursekit/validation.py). Rewritten on every run of course.py: do not edit.
from coursekit.validation import configure
configure(c)  # noqa: F821
"""


def write_validation_config() -> Path:
    """The environment's nbgrader_config.py (nbgrader reads <env>/etc/jupyter/ from any folder)."""
    path = VENV / "etc" / "jupyter" / "nbgrader_config.py"
    if not path.is_file() or path.read_text() != VALIDATION_CONFIG:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(VALIDATION_CONFIG)
    return path


def included(requirements: Path) -> set[Path]:
    """`requirements` and every file it includes with `-r`, recursively."""
    found = {requirements}
    for line in requirements.read_text().splitlines():
        if line.strip().startswith("-r "):
            found |= included(requirements.parent / line.strip()[3:].strip())
    return found


def system_tool(name: str) -> str | None:
    """The absolute path of the program `name`, /usr/sbin and /sbin included (the repository's
    grader.system_tools; only `test` looks for system tools, and a learner kit has no tests)."""
    from grader.system_tools import system_tool as find

    return find(name)


def ensure_system_packages() -> None:
    """Install the system packages the tests use, if missing and we can (root, apt-get)."""
    if not sys.platform.startswith("linux"):
        return
    missing = {
        what: packages for what, (present, packages) in SYSTEM_PACKAGES.items() if not present()
    }
    apt_get = system_tool("apt-get")
    can_install = hasattr(os, "geteuid") and os.geteuid() == 0 and apt_get
    if missing and can_install:
        print(f"Installing {', '.join(missing)} ...", flush=True)
        apt = [
            apt_get,
            "install",
            "-y",
            "--no-install-recommends",
            *[package for packages in missing.values() for package in packages],
        ]
        quiet = dict(
            stdout=subprocess.DEVNULL, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        )
        if subprocess.call(apt, **quiet):
            subprocess.call([apt_get, "update"], **quiet)
            subprocess.call(apt, **quiet)
    for what, (present, packages) in SYSTEM_PACKAGES.items():
        if not present():
            print(
                f"{what} is not installed and could not be installed here "
                f"(apt-get install {' '.join(packages)}); the tests that need it will "
                f"fail or say why they are skipped (set {SKIP_SYSTEM_PACKAGES}=1 to skip "
                f"this check)."
            )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
