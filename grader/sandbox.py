"""Run a learner's kernel inside bubblewrap, so its code cannot reach what it must not.

The kernel sees, read-only: the system's /usr (and /etc without shadow files), the Python
installation and environment the grader runs in (third-party packages only: the reference
package is never installed into it), and the learner-side `coursekit`. It sees, writable: a
scratch copy of the submission's folder and a small /tmp. It does not see the gradebook, the
solutions, the reference package, the secret seed key or any other submission, and it has no
network (a fresh network namespace with no interfaces; the kernel talks to the grader over
Unix sockets in a folder bound for that purpose). Memory and file size are capped
with prlimit inside the sandbox.

Without bubblewrap (`--no-sandbox`, or a machine without it) the kernel runs as a plain local
process with the same resource caps, the same scratch copy and `python -P` (no module shadowing
from the working folder); the judging stays outside the kernel either way, so results cannot be
forged, but the kernel could read files the grading user can read.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any as AnyTrait

COURSEKIT_DIR = Path(__file__).resolve().parents[1] / "coursekit"
SANDBOX_HOME = "/home/learner"
SANDBOX_LIB = "/opt/rnn-course"


def bubblewrap() -> str | None:
    """The bubblewrap executable, if this machine has it."""
    return shutil.which("bwrap")


@dataclass
class Limits:
    """Per-kernel resource caps."""
    memory_mb: int = 4096        # address space of the kernel process
    file_size_mb: int = 256      # largest file the kernel may write
    tmp_mb: int = 256            # size of the sandbox's /tmp


@dataclass
class KernelJail:
    """Where one kernel runs: its scratch folder, its socket folder, its cases file, its caps."""
    workdir: Path                # scratch copy of the submission folder (the kernel's cwd)
    socket_dir: Path             # connection file and ipc sockets
    cases_file: Path | None      # the hidden checks' inputs (read-only inside)
    limits: Limits = field(default_factory=Limits)
    sandboxed: bool = True

    @property
    def unsandboxed_lib(self) -> Path:
        """Without the sandbox: a private copy of coursekit, so the repository (and with it the
        reference package) is not on the kernel's path."""
        return self.socket_dir.parent / "lib"

    def prepare(self) -> None:
        """Create the scratch folders the kernel needs (the caller fills `workdir`)."""
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if not self.sandboxed:
            shutil.copytree(COURSEKIT_DIR, self.unsandboxed_lib / "coursekit",
                            ignore=shutil.ignore_patterns("__pycache__"))

    def wrap(self, kernel_cmd: list[str]) -> list[str]:
        caps = ["prlimit", f"--as={self.limits.memory_mb * 2**20}",
                f"--fsize={self.limits.file_size_mb * 2**20}", "--core=0", "--"]
        python_cmd = [kernel_cmd[0], "-P", *kernel_cmd[1:]]
        if not self.sandboxed:
            return caps + python_cmd
        # In its own PID namespace the kernel's parent is bubblewrap's init (pid 1), which
        # ipykernel's parent poller reads as "the parent exited"; --die-with-parent does that job.
        return [bubblewrap(), *self._bwrap_options(), "--", *caps, *python_cmd,
                "--IPKernelApp.parent_handle=1"]

    def environment(self) -> dict[str, str]:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": SANDBOX_HOME if self.sandboxed else str(self.workdir),
            "PYTHONPATH": SANDBOX_LIB if self.sandboxed else str(self.unsandboxed_lib),
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "MPLCONFIGDIR": "/tmp/matplotlib" if self.sandboxed else str(self.workdir / ".mpl"),
            "IPYTHONDIR": "/tmp/ipython" if self.sandboxed else str(self.workdir / ".ipython"),
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "JPY_PARENT_PID": "",
        }
        if self.cases_file is not None:
            env["RNN_COURSE_CASES"] = (f"{SANDBOX_LIB}-cases/cases.json" if self.sandboxed
                                       else str(self.cases_file))
        return env

    def _bwrap_options(self) -> list[str]:
        options = ["--unshare-all", "--die-with-parent", "--new-session",
                   "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
                   "--proc", "/proc", "--dev", "/dev",
                   "--size", str(self.limits.tmp_mb * 2**20), "--tmpfs", "/tmp",
                   "--size", str(16 * 2**20), "--tmpfs", "/home",
                   "--dir", SANDBOX_HOME]
        for secret in ("/etc/shadow", "/etc/gshadow"):
            if os.path.exists(secret):
                options += ["--ro-bind", "/dev/null", secret]
        for link in ("/bin", "/lib", "/lib64", "/sbin"):
            if os.path.islink(link):
                options += ["--symlink", os.readlink(link), link]
            elif os.path.isdir(link):
                options += ["--ro-bind", link, link]
        for prefix in sorted({sys.base_prefix, sys.prefix, os.path.realpath(sys.prefix)}):
            options += ["--ro-bind", prefix, prefix]
        options += ["--ro-bind", str(COURSEKIT_DIR), f"{SANDBOX_LIB}/coursekit",
                    "--bind", str(self.workdir), str(self.workdir),
                    "--bind", str(self.socket_dir), str(self.socket_dir),
                    "--chdir", str(self.workdir)]
        if self.cases_file is not None:
            options += ["--ro-bind", str(self.cases_file), f"{SANDBOX_LIB}-cases/cases.json"]
        return options


class JailedKernelManager(AsyncKernelManager):
    """A kernel manager that starts its kernel inside a `KernelJail`, talking over Unix sockets."""

    jail = AnyTrait(None, allow_none=True)

    async def _async_pre_start_kernel(self, **kwargs):
        jail: KernelJail = self.jail
        self.transport = "ipc"
        self.ip = str(jail.socket_dir / "kernel")
        self.connection_file = str(jail.socket_dir / "connection.json")
        kwargs["env"] = jail.environment()
        kwargs["cwd"] = str(jail.workdir)
        return await super()._async_pre_start_kernel(**kwargs)

    def format_kernel_cmd(self, extra_arguments=None):
        return self.jail.wrap(super().format_kernel_cmd(extra_arguments))
