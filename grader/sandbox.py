"""Run a learner's kernel inside bubblewrap, so its code cannot reach what it must not.

Who the kernel is: never root and never privileged. A grader running as root (containers, CI)
gives each kernel a uid of its own from `KERNEL_UIDS` (no account, no process, no file of the
machine uses it; a lock held for the kernel's life keeps two kernels, even of two grader
processes, from sharing it) and drops to it with util-linux `setpriv`: no capabilities in any set,
no supplementary groups, no_new_privs. A grader running as an ordinary user runs bubblewrap
unprivileged, in a user namespace of its own, without capabilities either.

What the kernel sees, read-only: the system's /usr (and /etc without shadow files), the Python
installation and environment the grader runs in (third-party packages only: the reference
package is never installed into it), the learner-side `coursekit`, /proc/sys, /dev. Writable, each
a tmpfs of fixed size: its working folder (a copy of the files the course ships with the
assignment), /tmp, $HOME and /dev/shm; and the folder of its sockets, which a root grader closes
to writes once the kernel has started (an unprivileged grader's kernel owns it). It does not see
the gradebook, the solutions, the reference
package, the secret seed key or any other submission, and it has no network (a fresh network
namespace; it talks to the grader over Unix sockets).

System calls: bubblewrap loads a seccomp filter (`kernel_launcher.py`, built with libseccomp's
own Python binding, run by the system's python3) that denies, with EPERM, what a NumPy kernel
never needs: kernel keyrings, ptrace and reading other processes' memory, bpf, perf events,
userfaultfd, io_uring, mounts, new namespaces, modules, kexec, reboot, swap, clocks, terminal
injection. The kernel starts with a fresh, empty session keyring, and a root grader empties its
uid's user keyrings before and after each kernel. bubblewrap's --new-session detaches it from
the grader's terminal. Grading refuses to start when the filter cannot be built
(`sandbox_problem`).

Caps: address space and file size per process, number of processes per kernel (RLIMIT_NPROC, which
counts per uid, or per user namespace for an unprivileged grader), the whole kernel's resident
memory (a watch in the grader sums it over the kernel's processes; a root grader also puts the
kernel in a memory cgroup of its own, `memory_cgroup.py`, which bounds a burst between two polls),
and processes a cell leaves behind are killed when the cell ends (and at once, should they reach the
process cap: a fork bomb). The grader's side of the connection queues at most `RECEIVE_QUEUE`
messages, and the grader stops a kernel whose messages make it grow too much (`JailWatch`).

Without bubblewrap (`--no-sandbox`) see `UNSANDBOXED_LIMITS`: what still holds and what does not
(the launcher then loads the same seccomp filter itself).
"""

from __future__ import annotations

import fcntl
import functools
import grp
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Any as AnyTrait
from traitlets import DottedObjectName, Type, default

from . import process_table
from .font_cache import font_list
from .memory_cgroup import MemoryCgroup
from .settings import GradingSettings
from .system_tools import require_system_tool, system_tool

COURSEKIT_DIR = Path(__file__).resolve().parents[1] / "coursekit"
LAUNCHER = Path(__file__).resolve().with_name("kernel_launcher.py")
# libseccomp's own Python binding is a system package (Debian/Ubuntu: python3-seccomp), not on
# PyPI: the system's interpreter runs the launcher that uses it.
SYSTEM_PYTHON = "/usr/bin/python3"
SECCOMP_PACKAGE = "python3-seccomp"
SANDBOX_HOME = "/home/learner"
SANDBOX_LIB = "/opt/rnn-course"
COURSE_FILES = f"{SANDBOX_LIB}-files"  # the assignment's files, read-only, copied to the cwd
CASES_PATH = f"{SANDBOX_LIB}-cases/cases.json"
KERNEL_UIDS = range(1_900_000_000, 1_900_004_096)  # uids a root grader gives its kernels
RECEIVE_QUEUE = 32  # messages queued in the grader per socket
UNSANDBOXED_LIMITS = """\
Without the sandbox (--no-sandbox) these still hold: results are judged outside the kernel,
the seccomp filter and a fresh session keyring, the resource caps, the private module path (the
repository is not on it) and the scratch folder.
A root grader still runs each kernel as a uid of its own with no capabilities, so the kernel
cannot write the grading folder or the repository, and every process of the kernel is killed
when its cells end. These do NOT hold: the kernel can read every file that any user may read
(the repository with its reference package and solutions, if they are world-readable), can
reach the network, can fill the disk through its working folder (files of at most the file-size
cap each); and a grader that is not root runs the kernel as itself, so learner code can do
anything that user can, including editing the gradebook and the grader.""".replace("\n", " ")


def bubblewrap() -> str | None:
    """The bubblewrap executable, if this machine has it."""
    return system_tool("bwrap")


def runs_as_root() -> bool:
    return os.geteuid() == 0


def sandbox_problem() -> str | None:
    """Why learners' kernels cannot be sandboxed here (None if they can): bubblewrap missing,
    or the seccomp filter cannot be built. Grading then refuses: it never runs a kernel
    without the filter while believing it sandboxed."""
    if not bubblewrap():
        return (
            "bubblewrap (bwrap) is not installed, so learners' code cannot be isolated. "
            "Install it (Debian/Ubuntu: apt-get install bubblewrap)"
        )
    return exposed_packages() or filter_problem()


# Packages a kernel must never import: the course's library (every exercise solved), the
# grader and the corpus of known submissions (which quotes the solutions). Installed editable
# (`python3 course.py` does), they live in the repository, which the sandbox does not bind; a
# plain `pip install .` would copy them into the environment it binds.
NEVER_IN_A_KERNEL = ("rnn_numpy", "grader", "submissions")


# Before an unsandboxed kernel starts: forget the editable install's finders, which would map
# NEVER_IN_A_KERNEL to the repository (a sandboxed kernel cannot see the repository at all).
FORGET_EDITABLE_FINDERS = (
    "import runpy, sys; "
    "sys.meta_path[:] = [f for f in sys.meta_path "
    "if not getattr(f, '__module__', '').startswith('__editable__')]; "
    "sys.path[:] = [p for p in sys.path if '__editable__' not in p]; "
    "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)"
)


def without_editable_finders(arguments: list[str]) -> list[str]:
    """The kernel's arguments (`-m ipykernel_launcher ...`) with FORGET_EDITABLE_FINDERS first."""
    if arguments[:2] != ["-m", "ipykernel_launcher"]:
        raise RuntimeError(f"unexpected kernel command {arguments[:2]}: refusing to start it")
    return ["-c", FORGET_EDITABLE_FINDERS, *arguments[2:]]


def exposed_packages() -> str | None:
    """Why the environment would show a kernel the library or the grader (None if it would not):
    they were installed into it as copies, not editable."""
    import importlib.util

    prefixes = {os.path.realpath(path) for path in (sys.prefix, sys.base_prefix)}
    for name in NEVER_IN_A_KERNEL:
        spec = importlib.util.find_spec(name)
        origin = os.path.realpath(spec.origin) if spec and spec.origin else ""
        if any(origin.startswith(prefix + os.sep) for prefix in prefixes):
            return (
                f"the package {name} is installed inside the environment ({origin}), which "
                f"learners' kernels can read. Install the repository editable "
                f"(pip install -e ., as `python3 course.py` does)"
            )
    return None


def bubblewrap_problem() -> str | None:
    """Why bubblewrap, though installed, cannot make a kernel's namespaces here (None if it can):
    a machine that forbids unprivileged user namespaces (many clusters' nodes), or a broken
    bwrap. Runs `true` in the namespaces a kernel gets."""
    try:
        done = subprocess.run(
            [
                bubblewrap() or "bwrap",
                *_namespaces(),
                "--die-with-parent",
                "--ro-bind",
                "/",
                "/",
                "--proc",
                "/proc",
                "--dev",
                "/dev",
                "--",
                "true",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap cannot run here ({error})"
    if done.returncode != 0:
        return (
            f"bubblewrap cannot make a kernel's namespaces here "
            f"({(done.stderr or done.stdout).strip()[-300:]})"
        )
    return None


def _namespaces() -> list[str]:
    """bubblewrap's namespace options: a root grader runs it privileged without a user namespace
    (the kernel then drops to its own uid with setpriv); any other user gets one, and no
    capabilities."""
    return (
        ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        if runs_as_root()
        else ["--unshare-all", "--cap-drop", "ALL"]
    )


@functools.cache
def filter_problem() -> str | None:
    """Why the kernels' seccomp filter cannot be built here (None if it can)."""
    try:
        checked = subprocess.run(_launcher("check"), capture_output=True, text=True, timeout=120)
    except OSError as error:
        checked = subprocess.CompletedProcess([], 1, "", str(error))
    if checked.returncode != 0:
        return (
            f"the kernels' seccomp filter cannot be built ({checked.stderr.strip()[-300:]}). "
            f"It needs {SYSTEM_PYTHON} with libseccomp's Python binding (Debian/Ubuntu: "
            f"apt-get install {SECCOMP_PACKAGE})"
        )
    return None


def _launcher(*arguments: str) -> list[str]:
    """The launcher's command line. Its source is passed with -c, not its path: a kernel uid
    (which runs `clear-keyrings`) may not be able to read the repository's folder."""
    return [SYSTEM_PYTHON, "-I", "-c", LAUNCHER.read_text(encoding="utf-8"), *arguments]


def drop_to(uid: int) -> list[str]:
    """util-linux setpriv: become `uid` (and its gid) with no capabilities and no groups."""
    return [
        require_system_tool("setpriv", "util-linux"),
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def clear_keyrings_of(uid: int) -> None:
    """Empty the user and user-session keyrings of `uid` (a root grader's kernel uid), so
    that nothing a kernel stored there reaches a later kernel of the same uid."""
    done = subprocess.run(
        drop_to(uid) + _launcher("clear-keyrings"), capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"could not empty the keyrings of kernel uid {uid}: {done.stderr.strip()[-300:]}"
        )


def unsandboxed_refusal(command: str, insisted: bool) -> str | None:
    """Why `command` may not run learners' code without the sandbox, or None if it may.

    `selfcheck` grades only the course's own notebooks, a practice run; grading learners'
    submissions without the sandbox needs the instructor to insist (`--trust-submissions`)."""
    if command != "autograde" or insisted:
        return None
    return (
        "grading learners' submissions without the sandbox is refused: "
        + UNSANDBOXED_LIMITS
        + " Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), or, for "
        "submissions you trust, add --trust-submissions."
    )


@dataclass
class Limits:
    """Per-kernel resource caps."""

    # address space of each process, and resident memory of all
    memory_mb: int = GradingSettings.memory_mb
    file_size_mb: int = 256  # largest file the kernel may write
    tmp_mb: int = 256  # /tmp
    work_mb: int = 256  # the working folder
    shm_mb: int = 64  # /dev/shm
    home_mb: int = 16  # $HOME
    processes: int = 64  # tasks (processes and threads) of the kernel's uid

    @property
    def tmpfs_mb(self) -> int:
        """Memory all the kernel's tmpfs can hold together."""
        return self.tmp_mb + self.work_mb + self.shm_mb + self.home_mb

    @property
    def cgroup_mb(self) -> int:
        """The hard limit of a root grader's kernel's memory cgroup: the resident cap plus what
        its tmpfs may hold (tmpfs files are charged to the cgroup of the process writing them)."""
        return self.memory_mb + self.tmpfs_mb


# -- a uid for each kernel of a root grader ---------------------------------------------------
def _uid_lock_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "rnn-course-kernel-uids"
    folder.mkdir(mode=0o700, exist_ok=True)
    status = os.lstat(folder)
    if (
        not os.path.isdir(folder)
        or os.path.islink(folder)
        or status.st_uid != 0
        or status.st_mode & 0o077
    ):
        raise RuntimeError(f"{folder} must be a folder of root's, mode 0700; remove it and retry")
    return folder


def _subordinate_ranges() -> list[range]:
    ranges = []
    for path in ("/etc/subuid", "/etc/subgid"):
        try:
            lines = Path(path).read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            parts = line.strip().split(":")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                ranges.append(range(int(parts[1]), int(parts[1]) + int(parts[2])))
    return ranges


def _uid_in_use(uid: int, subordinate: list[range]) -> bool:
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
            return True
        except KeyError:
            pass
    if any(uid in taken for taken in subordinate):
        return True
    return bool(process_table.of_uid(process_table.snapshot(), uid))


class KernelUid:
    """An unused uid, held (by a lock file) until `release`."""

    def __init__(self):
        folder, subordinate = _uid_lock_folder(), _subordinate_ranges()
        for uid in KERNEL_UIDS:
            descriptor = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            if _uid_in_use(uid, subordinate):
                os.close(descriptor)
                continue
            self.uid, self._lock = uid, descriptor
            try:
                clear_keyrings_of(uid)  # whatever an earlier grader's kernel may have left
            except BaseException:
                self.release()
                raise
            return
        raise RuntimeError(f"no free kernel uid in {KERNEL_UIDS}")

    def release(self) -> None:
        """Empty the uid's keyrings (its processes must be gone) and give the uid back. Should
        that fail, the next lease of the uid empties them or refuses to start a kernel."""
        if self._lock is None:
            return
        try:
            clear_keyrings_of(self.uid)
        except (RuntimeError, OSError, subprocess.SubprocessError):
            pass
        finally:
            os.close(self._lock)
            self._lock = None


# -- the jail ---------------------------------------------------------------------------------
@dataclass
class KernelJail:
    """Where one kernel runs: its scratch folders, its cases file, its caps, its identity.

    Use as a context manager: entering creates the folders (and takes a uid for a root grader),
    leaving kills every process of the kernel and gives the uid back."""

    scratch: Path  # a fresh, empty folder of the grader's for this kernel
    course_files: Path | None = None  # files the course ships with the assignment
    cases_file: Path | None = None  # the hidden checks' inputs (read-only inside)
    limits: Limits = field(default_factory=Limits)
    sandboxed: bool = True
    uid: int | None = None  # the kernel's uid when the grader is root (set on entering)
    stop_reason: str | None = None  # why the grader killed the kernel, if it did

    def __post_init__(self):
        self.strays_killed = 0  # processes killed that the kernel had left running
        self._uid_lease: KernelUid | None = None
        self._launcher: int | None = None
        self._kernel_pid: int | None = None
        self.memory_cgroup: MemoryCgroup | None = None
        self._oom_kills_seen = 0

    @property
    def workdir(self) -> Path:
        return self.scratch / "work"

    @property
    def socket_dir(self) -> Path:
        return self.scratch / "sockets"

    @property
    def private_lib(self) -> Path:
        """Without the sandbox: a private copy of coursekit, so the repository (and with it the
        reference package) is not on the kernel's path."""
        return self.scratch / "lib"

    @property
    def shipped_files(self) -> Path:
        """In the sandbox: the assignment's files, bound read-only and copied into the cwd."""
        return self.scratch / "files"

    @property
    def private_cases(self) -> Path:
        return self.scratch / "cases.json"

    def __enter__(self) -> KernelJail:
        try:
            if runs_as_root():
                self._uid_lease = KernelUid()
                self.uid = self._uid_lease.uid
            if self.sandboxed:
                name = self.scratch.name  # unique while the grader's scratch folder lives
                self.memory_cgroup = MemoryCgroup.create(
                    name if name.startswith("rnn-course-") else f"rnn-course-{name}",
                    self.limits.cgroup_mb,
                )
            self._prepare()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.kill_all()
        if self.memory_cgroup is not None:
            self.memory_cgroup.remove()
        if self._uid_lease is not None:
            self._uid_lease.release()

    def _prepare(self) -> None:
        os.chmod(self.scratch, 0o711)  # traversable (the kernel's own folders sit below)
        group = self.uid if self.uid is not None else os.getegid()
        self.socket_dir.mkdir()
        self._own(self.socket_dir, 0, group, 0o770)
        if self.cases_file is not None:
            shutil.copyfile(self.cases_file, self.private_cases)
            self._own(self.private_cases, 0, group, 0o440)
        if self.sandboxed:
            self._copy_course_files(self.shipped_files)
            for path in [self.shipped_files, *self.shipped_files.rglob("*")]:
                self._own(path, 0, 0, 0o755 if path.is_dir() else 0o644)
            return
        shutil.copytree(
            COURSEKIT_DIR,
            self.private_lib / "coursekit",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        self._copy_course_files(self.workdir)
        fonts = font_list()
        if fonts is not None:
            Path(self.matplotlib_dir).mkdir()
            shutil.copy(fonts, self.matplotlib_dir)
        for path in [self.workdir, *self.workdir.rglob("*")]:
            self._own(path, self.uid, self.uid, 0o700 if path.is_dir() else 0o600)

    def _own(self, path: Path, uid: int | None, gid: int | None, mode: int) -> None:
        if runs_as_root():
            os.chown(
                path,
                uid if uid is not None else -1,
                gid if gid is not None else -1,
                follow_symlinks=False,
            )
        os.chmod(path, mode)

    def _copy_course_files(self, destination: Path) -> None:
        """The files the course ships with the assignment, never a notebook: nbgrader has put
        the instructor's versions there, and a learner's own files were never taken in."""
        if self.course_files is None:
            destination.mkdir()
            return
        shutil.copytree(
            self.course_files,
            destination,
            symlinks=False,
            ignore=shutil.ignore_patterns("*.ipynb", ".*"),
        )

    # -- the command ---------------------------------------------------------------------------
    def wrap(self, kernel_cmd: list[str]) -> list[str]:
        limits = self.limits
        caps = [
            require_system_tool("prlimit", "util-linux"),
            f"--as={limits.memory_mb * 2**20}",
            f"--fsize={limits.file_size_mb * 2**20}",
            "--core=0",
            f"--nproc={limits.processes}",
            "--",
        ]
        python_cmd = [kernel_cmd[0], "-P", *kernel_cmd[1:]]
        drop = drop_to(self.uid) if self.uid is not None else []
        if not self.sandboxed:  # still a fresh session keyring and the seccomp filter
            python_cmd = [kernel_cmd[0], "-P", *without_editable_finders(kernel_cmd[1:])]
            return [*_launcher("run", "--load-filter", "--"), *drop, *caps, *python_cmd]
        # The working folder is a tmpfs: fill it from the read-only course files, then start
        # (with a copy of matplotlib's font list, if the grader has one: grader/font_cache.py).
        fonts = font_list()
        copy_fonts = (
            f"{{ mkdir -p {self.matplotlib_dir} && cp {shlex.quote(str(fonts))} "
            f"{self.matplotlib_dir}/; }} 2>/dev/null; "
            if fonts
            else ""
        )
        fill = ["/bin/sh", "-c", f'{copy_fonts}cp -R {COURSE_FILES}/. . && exec "$0" "$@"']
        # In its own PID namespace the kernel's parent is bubblewrap's init (pid 1), which
        # ipykernel's parent poller reads as "the parent exited"; --die-with-parent does that job.
        # The launcher gives it a fresh session keyring and its memory cgroup, then execs
        # bubblewrap with the seccomp filter.
        cgroup = ["--cgroup", str(self.memory_cgroup.folder)] if self.memory_cgroup else []
        return [
            *_launcher("run", *cgroup, "--"),
            bubblewrap(),
            *self._bwrap_options(),
            "--",
            *drop,
            *caps,
            *fill,
            *python_cmd,
            "--IPKernelApp.parent_handle=1",
        ]

    @property
    def kernel_scratch(self) -> str:
        """Where the kernel keeps its own settings folders: its /tmp, or its working folder."""
        return "/tmp" if self.sandboxed else str(self.workdir)

    @property
    def matplotlib_dir(self) -> str:
        return f"{self.kernel_scratch}/.matplotlib"

    def environment(self) -> dict[str, str]:
        home = SANDBOX_HOME if self.sandboxed else str(self.workdir)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": home,
            "PYTHONPATH": SANDBOX_LIB if self.sandboxed else str(self.private_lib),
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "MPLCONFIGDIR": self.matplotlib_dir,
            "IPYTHONDIR": f"{self.kernel_scratch}/.ipython",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "JPY_PARENT_PID": "",
        }
        if self.cases_file is not None:
            env["RNN_COURSE_CASES"] = CASES_PATH if self.sandboxed else str(self.private_cases)
        return env

    def _bwrap_options(self) -> list[str]:
        limits = self.limits
        options = [
            *_namespaces(),
            "--die-with-parent",
            "--new-session",
            "--ro-bind",
            "/usr",
            "/usr",
            "--ro-bind",
            "/etc",
            "/etc",
            "--proc",
            "/proc",
            "--ro-bind",
            "/proc/sys",
            "/proc/sys",
            "--dev",
            "/dev",
            "--remount-ro",
            "/dev",
            *_tmpfs("/dev/shm", limits.shm_mb),
            *_tmpfs("/tmp", limits.tmp_mb),
            *_tmpfs("/home", limits.home_mb),
            "--perms",
            "1777",
            "--dir",
            SANDBOX_HOME,
        ]
        for secret in ("/etc/shadow", "/etc/gshadow"):
            if os.path.exists(secret):
                options += ["--ro-bind", "/dev/null", secret]
        for link in ("/bin", "/lib", "/lib64", "/sbin"):
            if os.path.islink(link):
                options += ["--symlink", os.readlink(link), link]
            elif os.path.isdir(link):
                options += ["--ro-bind", link, link]
        made = {"/", "/usr", "/etc", "/proc", "/dev", "/tmp", "/home"}
        binds = [
            (prefix, prefix, "--ro-bind")
            for prefix in sorted({sys.base_prefix, sys.prefix, os.path.realpath(sys.prefix)})
        ]
        binds += [
            (str(COURSEKIT_DIR), f"{SANDBOX_LIB}/coursekit", "--ro-bind"),
            (str(self.socket_dir), str(self.socket_dir), "--bind"),
        ]
        binds.append((str(self.shipped_files), COURSE_FILES, "--ro-bind"))
        if self.cases_file is not None:
            binds.append((str(self.private_cases), CASES_PATH, "--ro-bind"))
        for source, target, how in binds:
            options += _parents(target, made) + [how, source, target]
        options += _parents(str(self.workdir), made) + _tmpfs(str(self.workdir), limits.work_mb)
        return options + ["--chdir", str(self.workdir)]

    # -- the kernel's processes ----------------------------------------------------------------
    def started(self, launcher_pid: int) -> None:
        """The kernel is up and has run no learner code yet: remember which process it is, and
        close its socket folder to writes (the sockets are made; nothing else belongs there)."""
        self._launcher = launcher_pid
        rows = process_table.snapshot()
        tree = process_table.descendants(rows, launcher_pid)
        leaves = [pid for pid in tree if not any(rows[other].ppid == pid for other in tree)]
        self._kernel_pid = leaves[0] if len(leaves) == 1 else launcher_pid
        if runs_as_root():
            os.chmod(self.socket_dir, 0o750)

    def _living(self, rows: dict[int, process_table.ProcessRow], cgroup: list[int]) -> list[int]:
        """Every live process of this kernel in `rows` (one look at the machine; `cgroup`: its
        memory cgroup's members, read before that look): those below its launcher, and, for a
        root grader, every process of its uid wherever it went. (Not zombies: killed already,
        they wait for the kernel to reap them.)"""
        launcher = self._launcher
        pids = process_table.descendants(rows, launcher) if launcher is not None else []
        if self.uid is not None:
            pids += process_table.of_uid(rows, self.uid)
        return process_table.living(rows, [*pids, *cgroup])

    def _look(self) -> tuple[dict[int, process_table.ProcessRow], list[int]]:
        """(one look at the machine's processes, this kernel's live processes in it)"""
        cgroup = self.memory_cgroup.pids() if self.memory_cgroup is not None else []
        rows = process_table.snapshot()
        return rows, self._living(rows, cgroup)

    def processes(self) -> list[psutil.Process]:
        """Every live process of this kernel (see `_living`), to signal."""
        return _as_processes(self._look()[1])

    def strays(self) -> list[psutil.Process]:
        """Processes of the kernel that are not the kernel itself or bubblewrap's around it."""
        rows, living = self._look()
        keep = {self._launcher, self._kernel_pid}
        if self._kernel_pid is not None and self._kernel_pid in rows:
            keep.update(process_table.ancestors(rows, self._kernel_pid))
        return _as_processes(pid for pid in living if pid not in keep)

    def kill_strays(self) -> int:
        """Kill what a cell left running (daemons, fork bombs); how many were killed."""
        killed = _kill_until_gone(self.strays)
        self.strays_killed += killed
        return killed

    def kill_all(self, reason: str | None = None) -> None:
        if reason and not self.stop_reason:
            self.stop_reason = reason
        _kill_until_gone(self.processes)

    def note_oom_kills(self) -> None:
        """Record why, if the machine's OOM killer has killed a process of the kernel's cgroup."""
        kills = self.memory_cgroup.oom_kills() if self.memory_cgroup is not None else 0
        if kills > self._oom_kills_seen:
            self._oom_kills_seen = kills
            if not self.stop_reason:
                self.stop_reason = (
                    f"its processes reached the memory limit of its cgroup "
                    f"({self.memory_cgroup.limit_mb} MB with its tmpfs files); "
                    f"the largest was killed"
                )

    def usage(self) -> tuple[float, int]:
        """(MB resident, tasks) of the kernel's processes together, from one look at them (the
        watch asks 20 times a second): tasks are processes and threads, as RLIMIT_NPROC counts
        them."""
        rows, living = self._look()
        resident_kb = sum(rows[pid].resident_kb for pid in living)
        return resident_kb / 2**10, sum(rows[pid].threads for pid in living)


def _tmpfs(path: str, size_mb: int) -> list[str]:
    return ["--perms", "1777", "--size", str(size_mb * 2**20), "--tmpfs", path]


def _parents(path: str, made: set[str]) -> list[str]:
    """bubblewrap options making the missing parent folders of `path` traversable (0755)."""
    options = []
    for parent in reversed(Path(path).parents):
        if str(parent) not in made:
            made.add(str(parent))
            options += ["--perms", "0755", "--dir", str(parent)]
    return options


def _as_processes(pids) -> list[psutil.Process]:
    """psutil's handles on `pids`, to signal and wait for (those gone already are left out)."""
    found = []
    for pid in pids:
        try:
            found.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    return found


def _kill_until_gone(find, rounds: int = 50) -> int:
    killed = set()
    for _ in range(rounds):
        found = [process for process in find() if process.pid != os.getpid()]
        if not found:
            break
        for process in found:
            try:
                process.send_signal(signal.SIGKILL)
                killed.add(process.pid)
            except psutil.Error:
                pass
        psutil.wait_procs(found, timeout=0.5)
    return len(killed)


class JailWatch:
    """A thread that stops a kernel when it, or what it sends, grows too big.

    It kills every process of the jail when the kernel's processes together hold more than
    `limits.memory_mb` resident, or when this grading process has grown by more than
    `grader_growth_mb` since the kernel started (a flood of messages the caps above let
    through): a killed kernel is a dead kernel to the executor, which reports the reason. It
    kills the kernel's other processes when they reach the process cap (a fork bomb, whose
    copies would otherwise spin until the cell's timeout)."""

    def __init__(self, jail: KernelJail, grader_growth_mb: int, interval: float = 0.05):
        self.jail, self.grader_growth_mb, self.interval = jail, grader_growth_mb, interval
        self._stop = threading.Event()
        self._grader = psutil.Process()
        self._baseline = self._grader.memory_info().rss / 2**20
        self._thread = threading.Thread(target=self._run, name="jail-watch", daemon=True)

    def __enter__(self) -> JailWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.jail.note_oom_kills()
            grown = self._grader.memory_info().rss / 2**20 - self._baseline
            if grown > self.grader_growth_mb:
                self.jail.kill_all(
                    f"its output made the grader grow by more than {self.grader_growth_mb} MB"
                )
                continue
            resident_mb, tasks = self.jail.usage()
            if resident_mb > self.jail.limits.memory_mb:
                self.jail.kill_all(
                    f"its processes held more than {self.jail.limits.memory_mb} MB of memory"
                )
            elif tasks >= self.jail.limits.processes - 2:
                self.jail.kill_strays()


# -- jupyter_client glue ----------------------------------------------------------------------
def _bounded_context() -> zmq.asyncio.Context:
    """A ZeroMQ context whose sockets queue at most RECEIVE_QUEUE messages. (No cap on a
    message's size: ZeroMQ drops a connection that breaks it for good, which would cost the
    rest of the notebook; `JailWatch` bounds what a huge message costs the grader instead.)"""
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE)
    return context


class JailedKernelClient(AsyncKernelClient):
    @default("context")
    def _context_default(self):
        self._created_context = True
        return _bounded_context()


class JailedKernelManager(AsyncKernelManager):
    """A kernel manager that starts its kernel inside a `KernelJail`, talking over Unix sockets."""

    jail = AnyTrait(None, allow_none=True)
    client_class = DottedObjectName("grader.sandbox.JailedKernelClient")
    client_factory = Type(klass=JailedKernelClient)

    @default("context")
    def _context_default(self):
        self._created_context = True
        return _bounded_context()

    async def _async_pre_start_kernel(self, **kwargs):
        jail: KernelJail = self.jail
        self.transport = "ipc"
        self.ip = str(jail.socket_dir / "kernel")
        self.connection_file = str(jail.socket_dir / "connection.json")
        kwargs["env"] = jail.environment()
        kwargs["cwd"] = str(jail.scratch if jail.sandboxed else jail.workdir)
        return await super()._async_pre_start_kernel(**kwargs)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if runs_as_root():  # the kernel's uid reads it through its group; it cannot change it
            os.chown(self.connection_file, 0, self.jail.uid)
            os.chmod(self.connection_file, 0o440)

    def format_kernel_cmd(self, extra_arguments=None):
        return self.jail.wrap(super().format_kernel_cmd(extra_arguments))

    @property
    def launcher_pid(self) -> int | None:
        return getattr(self.provisioner, "pid", None)
