"""What a learner's kernel can see and do inside the grader's sandbox, asked from inside it.

CI runs as root, so these tests are the root grader's case: the kernel must still be an
unprivileged uid with no capabilities, unable to change what it was given read-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest

from grader import sandbox
from grader.font_cache import FOLDER as FONT_FOLDER
from grader.font_cache import font_list
from grader.grading import read_scores
from grader.layout import REPOSITORY
from grader.learner_kit import build_learner_repository
from grader.sandbox import (
    COURSEKIT_DIR,
    LAUNCHER,
    SYSTEM_PYTHON,
    JailedKernelManager,
    JailWatch,
    KernelJail,
    Limits,
    unsandboxed_refusal,
)
from grader.settings import GradingSettings
from submissions import wrong as wrong_submissions
from submissions.wrong.feedforward_limits import WRONG_SUBMISSIONS
from tests.grading.harness import (
    answers,
    hidden_points,
    printed,
    solution_notebook,
    with_sources,
    write_submissions,
)

pytestmark = pytest.mark.sandbox

PROBE = r"""
import json, os, socket, sys
seen = {"cwd": os.getcwd(), "path": sys.path}
for path in [%r, %r, %r, "/root", os.path.expanduser("~/.ssh")]:
    seen[path] = os.path.exists(path)
try:
    import rnn_numpy
    seen["grader"] = True
except ImportError:
    seen["grader"] = False
try:
    socket.create_connection(("127.0.0.1", 22), timeout=2)
    seen["network"] = True
except OSError:
    seen["network"] = False
import numpy, coursekit.hidden
try:
    bytearray(8 * 2**30)
    seen["memory_cap"] = False
except MemoryError:
    seen["memory_cap"] = True
print(json.dumps(seen))
"""

# Everything a root kernel could once do to escape or to plant code: each line is tried, and
# what succeeded is printed. Nothing may succeed.
ESCAPES = r"""
import ctypes, json, os, subprocess, sys, coursekit
status = {line.split(":")[0]: line.split(":")[1].strip() for line in open("/proc/self/status")}
done = {"uid": os.getuid(), "euid": os.geteuid(), "groups": os.getgroups(),
        "caps": {key: status[key] for key in ("CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb")},
        "NoNewPrivs": status["NoNewPrivs"], "remounted": [], "wrote": []}
read_only = ["/usr", "/etc", os.path.dirname(coursekit.__file__), sys.prefix, sys.base_prefix,
             "/dev", "/proc/sys"] + ([os.environ["RNN_COURSE_CASES"]]
                                     if "RNN_COURSE_CASES" in os.environ else [])
for path in read_only:
    result = subprocess.run(["mount", "-o", "remount,bind,rw", path], capture_output=True)
    if result.returncode == 0:
        done["remounted"].append(path)
targets = [os.path.join(os.path.dirname(coursekit.__file__), "hidden.py"),
           os.path.join(os.path.dirname(coursekit.__file__), "planted.py"),
           os.path.join(sys.prefix, "planted.pth"), "/usr/planted", "/etc/planted",
           "/dev/planted", "/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches",
           "/proc/sysrq-trigger"] + read_only[-1:]
for path in targets:
    try:
        with open(path, "a") as handle:
            handle.write("1\n")
        done["wrote"].append(path)
    except OSError:
        pass
print(json.dumps(done))
"""

PLANT = r"""
import json, os, sys
planted = []
sockets = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])   # the connection file's folder
for folder in [".", "/tmp", "/dev/shm", os.path.expanduser("~"), "/opt/rnn-course-files",
               os.path.dirname(os.environ.get("RNN_COURSE_CASES", "/nonexistent/x")),
               sockets, os.path.dirname(sockets)]:
    try:
        path = os.path.join(folder, "planted_by_first_kernel.py")
        with open(path, "w") as handle:
            handle.write("raise SystemExit('planted')\n")
        planted.append(path)
    except OSError:
        pass
print(json.dumps(planted))
"""

FIND_PLANTED = r"""
import json, os, sys, coursekit
found = set()
for root in ["/tmp", "/dev", "/home", "/opt", os.getcwd(), sys.prefix,
             os.path.dirname(coursekit.__file__)]:
    for folder, _, files in os.walk(root):
        found |= {os.path.join(folder, name) for name in files
                  if name == "planted_by_first_kernel.py"}
print(json.dumps(sorted(found)))
"""


# Each system call a NumPy kernel never needs, tried from inside the kernel with arguments that
# would work without the filter; what each returned ("ok" or the errno's name), and whether
# threads, subprocesses, NumPy and matplotlib still work. `numbers`: this machine's syscall
# numbers.
SYSCALLS = r"""
import ctypes, errno, json, os, subprocess, threading, numpy
numbers = %r
libc = ctypes.PyDLL(None, use_errno=True)  # holds the GIL: a clone that works forks safely
libc.syscall.restype = ctypes.c_long
def call(name, *arguments):
    ctypes.set_errno(0)
    arguments = [ctypes.c_long(a) if isinstance(a, int) else a for a in arguments]
    result = libc.syscall(ctypes.c_long(numbers[name]), *arguments)
    if result == 0 and name == "clone":
        os._exit(0)  # the child of a clone that worked
    if result > 0 and name == "clone":
        os.waitpid(result, 0)
    return "ok" if result >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
done = {"Seccomp": status["Seccomp"].strip(),
        "add_key": call("add_key", b"user", b"planted", b"code", ctypes.c_size_t(4), -3),
        "keyctl": call("keyctl", 0, -3, 1),
        "request_key": call("request_key", b"user", b"planted", None, 0),
        "ptrace": call("ptrace", 16, os.getppid(), 0, 0),  # PTRACE_ATTACH
        "unshare": call("unshare", 0x10000000),
        "clone": call("clone", 0x10000000 | 17, 0, 0, 0, 0),
        "clone3": call("clone3", 0, 0),
        "setns": call("setns", os.open("/proc/self/ns/net", os.O_RDONLY), 0),
        "mount": call("mount", b"none", b"/tmp", b"tmpfs", 0, None),
        "bpf": call("bpf", 0, 0, 0),
        "perf_event_open": call("perf_event_open", 0, 0, -1, -1, 0),
        "userfaultfd": call("userfaultfd", 0),
        "process_vm_readv": call("process_vm_readv", os.getppid(), 0, 0, 0, 0, 0),
        "personality": call("personality", 0x0040000),
        "personality query": call("personality", 0xFFFFFFFF),
        "TIOCSTI": call("ioctl", 0, 0x5412, b"x")}
worked = []
thread = threading.Thread(target=worked.append, args=["thread"])
thread.start(); thread.join()
worked.append(subprocess.run(["echo", "subprocess"], capture_output=True, text=True).stdout.strip())
if os.fork() == 0:
    os._exit(0)
worked.append("fork")
worked.append(str(numpy.linalg.norm(numpy.ones(4))))
import io, matplotlib.pyplot as plt
figure = plt.figure()
plt.plot([1, 2])
figure.savefig(io.BytesIO(), format="png")
worked.append("matplotlib")
done["worked"] = worked
print(json.dumps(done))
"""
FILTERED_CALLS = (
    "add_key",
    "keyctl",
    "request_key",
    "ptrace",
    "unshare",
    "clone",
    "clone3",
    "setns",
    "mount",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "process_vm_readv",
    "personality",
    "ioctl",
)


def _syscall_numbers(names) -> dict[str, int]:
    """This machine's numbers of these system calls, from libseccomp."""
    found = subprocess.run(
        [
            SYSTEM_PYTHON,
            "-I",
            "-c",
            "import json, seccomp, sys; print(json.dumps({name: seccomp."
            "resolve_syscall(seccomp.Arch.NATIVE, name) for name in sys.argv[1:]}))",
            *names,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(found.stdout)


# Keyrings of a uid, used as that uid (not in a kernel, so without the filter): what a kernel
# could have stored before the filter, and what a later kernel of the same uid would find.
KEYRINGS = r"""
import ctypes, json, sys
sys.path.insert(0, sys.argv[1])
import kernel_launcher as launcher, seccomp
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
if sys.argv[2] == "plant":
    planted = {}
    launcher.join_fresh_session_keyring()  # possessed, so its keys' permissions can be set
    for keyring in (-4, -5):  # the user and the user-session keyring
        serial = libc.syscall(ctypes.c_long(seccomp.resolve_syscall(seccomp.Arch.NATIVE, "add_key")),
                              b"user", b"planted%d" % -keyring, b"def answer(): return 15",
                              ctypes.c_size_t(23), ctypes.c_long(-3))
        launcher._keyctl(5, serial, 0x3f3f3f3f)  # KEYCTL_SETPERM: anyone may read it
        launcher._keyctl(8, serial, keyring)     # KEYCTL_LINK into the uid's keyring
        planted[keyring] = serial
    print(json.dumps(planted))
else:
    found = {}
    for keyring in (-4, -5):
        serial = launcher._keyctl(0, keyring, 1)
        found[keyring] = launcher._keyctl(11, serial, 0, 0)  # KEYCTL_READ: size of the list
    for serial in sys.argv[3:]:
        try:
            found[serial] = launcher._keyctl(11, int(serial), 0, 0)
        except OSError as error:
            found[serial] = error.strerror
    print(json.dumps(found))
"""


def _keyrings_as(uid: int, *arguments: str) -> dict:
    done = subprocess.run(
        sandbox.drop_to(uid)
        + [SYSTEM_PYTHON, "-I", "-c", KEYRINGS, str(LAUNCHER.parent), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _a_free_uid_outside_the_pool() -> int:
    """A uid no account, process or other test uses: the only uid of a one-uid pool."""
    import pwd
    import random

    while True:
        uid = random.randrange(1_950_000_000, 1_990_000_000)
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid


FORK_BOMB_CEILING_SECONDS = 240
STOP_CEILING_SECONDS = 180


@contextlib.asynccontextmanager
async def _kernel(jail: KernelJail):
    """A started kernel in `jail` and a client ready to talk to it; shut down on leaving."""
    manager = JailedKernelManager(kernel_name="python3")
    manager.jail = jail
    await manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        jail.started(manager.launcher_pid)
        yield manager, client
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


@pytest.fixture
def scratches():
    """A folder of this test's own in the system's temporary folder, as the grader's scratch is
    (a kernel without the sandbox must be able to reach its folders; pytest's tmp_path is
    root's alone): each jail's scratch is made in it and kept until the test ends, so the test
    can look at what kernels left there, and at nothing of other processes."""
    folder = Path(tempfile.mkdtemp(prefix="rnn-course-sandbox-test-"))
    os.chmod(folder, 0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _run_in_jail(
    scratches: Path,
    *codes: str,
    sandboxed: bool = True,
    limits: Limits | None = None,
    cases_file: Path | None = None,
) -> list:
    """Run each code cell in one jailed kernel whose scratch is a new folder in `scratches`;
    the JSON each printed (or its error text)."""

    async def run(jail):
        results = []
        async with _kernel(jail) as (_, client):
            for code in codes:
                printed = []
                await client.execute_interactive(
                    code,
                    timeout=60,
                    output_hook=lambda message, printed=printed: printed.append(
                        message["content"].get("text", "") or message["content"].get("evalue", "")
                    ),
                )
                text = "".join(printed)
                try:
                    results.append(json.loads(text))
                except ValueError:
                    results.append(text)
                jail.kill_strays()
        return results

    scratch = Path(tempfile.mkdtemp(prefix="rnn-course-kernel-", dir=scratches))
    with KernelJail(
        scratch, cases_file=cases_file, sandboxed=sandboxed, limits=limits or Limits()
    ) as jail:
        return asyncio.run(run(jail))


FONT_PROBE = """
import json, os, pathlib
copied = sorted(p.name for p in pathlib.Path(os.environ["MPLCONFIGDIR"]).glob("fontlist-*.json"))
print(json.dumps({"copied": copied, "writable": os.access(%r, os.W_OK)}))
"""


@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandboxed", "without the sandbox"])
def test_each_kernel_starts_with_a_copy_of_the_graders_font_list(scratches, sandboxed):
    """matplotlib reads the list the grader built (grader/font_cache.py) instead of listing the
    fonts again; the kernel's copy is its own, and the grader's list is out of its reach (but
    for an ordinary user's kernel without the sandbox, which is that user)."""
    fonts = font_list()
    assert fonts is not None and fonts.parent == FONT_FOLDER
    (seen,) = _run_in_jail(scratches, FONT_PROBE % str(fonts), sandboxed=sandboxed)
    assert seen["copied"] == [fonts.name], seen
    if sandboxed or os.geteuid() == 0:
        assert not seen["writable"]


def test_a_jailed_kernel_sees_no_grader_no_network_and_has_a_memory_cap(tmp_path, scratches):
    grading_folder = tmp_path / "grading"
    grading_folder.mkdir()
    (grading_folder / "gradebook.db").write_text("secret")
    (seen,) = _run_in_jail(
        scratches,
        PROBE
        % (
            str(REPOSITORY / "grader"),
            str(REPOSITORY / "solutions"),
            str(grading_folder / "gradebook.db"),
        ),
    )
    assert seen["cwd"].endswith("/work")
    assert "" not in seen["path"] and seen["cwd"] not in seen["path"]
    assert not seen[str(REPOSITORY / "grader")] and not seen[str(REPOSITORY / "solutions")]
    assert not seen[str(grading_folder / "gradebook.db")]
    assert not seen["grader"] and not seen["network"] and seen["memory_cap"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the root grader's case (CI runs as root)")
def test_a_root_graders_kernel_is_unprivileged_and_cannot_change_what_it_was_given(
    tmp_path, scratches
):
    cases = tmp_path / "cases.json"
    cases.write_text("{}")
    (done,) = _run_in_jail(scratches, ESCAPES, cases_file=cases)
    assert done["uid"] != 0 and done["euid"] != 0 and 0 not in done["groups"], done
    assert set(done["caps"].values()) == {"0000000000000000"}, done["caps"]
    assert done["NoNewPrivs"] == "1"
    assert done["remounted"] == [], f"read-only binds remounted writable: {done['remounted']}"
    assert done["wrote"] == [], f"the kernel wrote to {done['wrote']}"
    assert cases.read_text() == "{}"
    assert not (COURSEKIT_DIR / "planted.py").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the root grader's case (CI runs as root)")
def test_two_kernels_have_two_uids_and_nothing_planted_reaches_the_second(tmp_path, scratches):
    with (
        KernelJail(Path(tempfile.mkdtemp(dir=tmp_path))) as first,
        KernelJail(Path(tempfile.mkdtemp(dir=tmp_path))) as second,
    ):
        assert first.uid != second.uid and 0 not in (first.uid, second.uid)
    cases = tmp_path / "cases.json"
    cases.write_text("{}")
    (planted,) = _run_in_jail(scratches, PLANT, cases_file=cases)
    (found,) = _run_in_jail(scratches, FIND_PLANTED, cases_file=cases)
    assert planted, "the first kernel could write nowhere at all: the probe is broken"
    assert found == [], f"a file planted by one kernel was seen by the next: {found}"
    # On the host: where the kernels' files come from, their scratches (this test's own), and
    # the top of the system's temporary folder (not the other processes' folders below it).
    on_host = [
        path
        for path in (COURSEKIT_DIR, Path(sys.prefix), REPOSITORY / "grader", scratches)
        if list(path.glob("**/planted_by_first_kernel.py"))
    ]
    on_host += [
        path
        for path in [Path(tempfile.gettempdir()) / "planted_by_first_kernel.py"]
        if path.exists()
    ]
    assert on_host == []


def test_a_kernels_system_calls_are_filtered_and_numpy_threads_and_subprocesses_still_work(
    scratches,
):
    """Keyrings, ptrace, namespaces, mounts, bpf, perf, userfaultfd, other processes' memory,
    personality changes and terminal injection fail with EPERM (clone3 with ENOSYS, so the C
    library falls back to clone), in the sandbox and without it (where the launcher loads the
    filter itself), while threads, fork, subprocesses, NumPy and matplotlib work; the same probe
    run unfiltered shows that it can tell."""
    numbers = _syscall_numbers(FILTERED_CALLS)
    for sandboxed in (True, False):
        (seen,) = _run_in_jail(scratches, SYSCALLS % numbers, sandboxed=sandboxed)
        assert seen["Seccomp"] == "2", seen  # a filter is loaded
        denied = {
            name: result
            for name, result in seen.items()
            if name not in ("Seccomp", "worked", "clone3", "personality query")
        }
        assert set(denied.values()) == {"EPERM"}, (sandboxed, denied)
        assert seen["clone3"] == "ENOSYS" and seen["personality query"] == "ok", seen
        assert seen["worked"] == ["thread", "subprocess", "fork", "2.0", "matplotlib"], seen
    # The control: the probe as an ordinary process (own uid if root, a fresh keyring of its own).
    fresh_keyring = (
        "import os, sys; sys.path.insert(0, sys.argv[1]); import kernel_launcher; "
        "kernel_launcher.join_fresh_session_keyring(); os.execv(sys.argv[2], sys.argv[2:])"
    )
    drop = sandbox.drop_to(_a_free_uid_outside_the_pool()) if os.geteuid() == 0 else []
    control = subprocess.run(
        [
            *drop,
            SYSTEM_PYTHON,
            "-I",
            "-c",
            fresh_keyring,
            str(LAUNCHER.parent),
            sys.executable,
            "-c",
            SYSCALLS % numbers,
        ],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
    )
    unfiltered = json.loads(control.stdout)
    assert unfiltered["Seccomp"] == "0" and unfiltered["add_key"] == "ok", unfiltered


def test_the_launcher_gives_a_fresh_empty_session_keyring():
    """What the kernel's session keyring is: a new anonymous one, not the grader's."""
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import kernel_launcher as launcher\n"
        "before = launcher._keyctl(0, -3, 1)\n"
        "launcher.join_fresh_session_keyring()\n"
        "after = launcher._keyctl(0, -3, 1)\n"
        "print(before, after, launcher._keyctl(11, after, 0, 0))"
    )
    done = subprocess.run(
        [SYSTEM_PYTHON, "-I", "-c", probe, str(LAUNCHER.parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    before, after, size = map(int, done.stdout.split())
    assert before != after and size == 0, done.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="the root grader's pooled uids (CI runs as root)")
def test_nothing_in_a_kernel_uids_keyrings_reaches_a_later_kernel_of_that_uid(
    scratches, monkeypatch
):
    """Two kernels on the same pooled uid: the first cannot store a key (the filter); a key
    put in that uid's user keyrings anyway (as a kernel without the filter could) is gone when
    the kernel ends: its keyrings are empty for the next kernel and the key unreadable by
    serial."""
    uid = _a_free_uid_outside_the_pool()
    monkeypatch.setattr(sandbox, "KERNEL_UIDS", range(uid, uid + 1))
    numbers = _syscall_numbers(FILTERED_CALLS)
    with KernelJail(Path(tempfile.mkdtemp(dir=scratches))) as jail:
        assert jail.uid == uid
        planted = _keyrings_as(uid, "plant")
        assert _keyrings_as(uid, "read", *map(str, planted.values()))[str(planted["-4"])] > 0
    seen = _keyrings_as(uid, "read", *map(str, planted.values()))
    assert seen["-4"] == 0 and seen["-5"] == 0, seen
    assert not [
        found
        for serial, found in seen.items()
        if serial in map(str, planted.values()) and isinstance(found, int)
    ], seen
    (first,) = _run_in_jail(scratches, SYSCALLS % numbers)
    (second,) = _run_in_jail(scratches, SYSCALLS % numbers)
    assert first["add_key"] == second["keyctl"] == "EPERM"
    assert _keyrings_as(uid, "read") == {"-4": 0, "-5": 0}


def test_a_fork_bomb_is_stopped_by_the_process_cap_and_its_strays_are_killed(scratches):
    bomb = "import os\nwhile True:\n    os.fork()"
    started = time.monotonic()
    (after_bomb,) = _run_in_jail(scratches, bomb + "\n", limits=Limits(processes=32))[:1]
    assert "Resource temporarily unavailable" in str(after_bomb) or "BlockingIOError" in str(
        after_bomb
    )
    # A generous ceiling, not a speed figure (a few seconds on a quiet machine): the cap stops
    # the bomb, and the jail's kill ends what it forked, long before this.
    assert time.monotonic() - started < FORK_BOMB_CEILING_SECONDS


def test_every_writable_tmpfs_has_a_size(scratches):
    fill = r"""
import json, os
filled = {}
for folder in ["/dev/shm", "/tmp", os.path.expanduser("~"), "."]:
    written = 0
    try:
        with open(os.path.join(folder, "fill"), "wb") as handle:
            for _ in range(64):
                handle.write(b"x" * 2**20)
                handle.flush()
                written += 1
    except OSError:
        pass
    filled[folder] = written
    os.remove(os.path.join(folder, "fill"))
print(json.dumps(filled))
"""
    limits = Limits(tmp_mb=8, work_mb=8, shm_mb=8, home_mb=8)
    (filled,) = _run_in_jail(scratches, fill, limits=limits)
    assert all(written <= 8 for written in filled.values()), filled


def test_a_kernel_holding_too_much_memory_over_many_processes_is_stopped(tmp_path):
    hog = r"""
import os, time
for _ in range(8):
    if os.fork() == 0:
        block = bytearray(200 * 2**20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(600)
        os._exit(0)
time.sleep(600)
print("survived")
"""

    async def run(jail):
        async with _kernel(jail) as (manager, client):
            with JailWatch(jail, grader_growth_mb=4096):
                client.execute(hog)
                # A generous ceiling (the watch stops it within seconds on a quiet machine);
                # the hog outlives it, so only the watch can pass this test.
                deadline = time.monotonic() + STOP_CEILING_SECONDS
                while await manager.is_alive() and time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
            return await manager.is_alive()

    with KernelJail(Path(tempfile.mkdtemp(dir=tmp_path)), limits=Limits(memory_mb=1000)) as jail:
        alive = asyncio.run(run(jail))
        assert not alive and "1000 MB" in (jail.stop_reason or "")


@pytest.mark.skipif(os.geteuid() != 0, reason="the root grader's memory cgroup (CI runs as root)")
def test_a_memory_burst_across_processes_is_bounded_by_the_kernels_cgroup_without_a_poll():
    """Eight processes fill 600 MB each at once (4.8 GB) with no watch polling at all: the
    kernel's memory cgroup holds them to --memory-mb plus the tmpfs sizes (1088 MB here), its
    OOM killer stops the largest, and the grader says why."""
    from submissions.hostile import run_memory_burst

    limits = Limits(memory_mb=1024, tmp_mb=16, work_mb=16, shm_mb=16, home_mb=16)
    seen = run_memory_burst(limits, processes=8, each_mb=600, watched=False)
    assert seen["cgroup_mb"] == 1088, seen
    assert 600 < seen["peak_mb"] <= 1088, seen  # the burst was charged there, and held
    assert seen["oom_kills"] > 0 and "memory limit of its cgroup" in seen["stop_reason"], seen


def test_a_kernel_whose_output_makes_the_grader_grow_too_much_is_stopped(tmp_path):
    async def run(jail):
        async with _kernel(jail) as (manager, _):
            with JailWatch(jail, grader_growth_mb=100):
                ballast = bytearray(300 * 2**20)  # what a flood of messages would hold
                ballast[::4096] = b"x" * len(ballast[::4096])
                for _ in range(100):
                    if not await manager.is_alive():
                        break
                    await asyncio.sleep(0.05)
                del ballast
            return await manager.is_alive()

    with KernelJail(Path(tempfile.mkdtemp(dir=tmp_path))) as jail:
        assert not asyncio.run(run(jail))
        assert "grader grow by more than 100 MB" in jail.stop_reason


@pytest.mark.skipif(os.geteuid() != 0, reason="the fallback's uid drop needs a root grader")
def test_without_the_sandbox_a_root_grader_still_drops_to_its_own_uid_and_kills_daemons(
    tmp_path, scratches
):
    """The fallback's guarantees: own uid (so not the grading folder), private path, and every
    process of the kernel killed with it, even a daemon that left the process tree."""
    grading = tmp_path / "grading"
    grading.mkdir(mode=0o700)
    daemon = r"""
import json, os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(300)
    os._exit(0)
time.sleep(0.5)
print(json.dumps(os.getpid()))
"""
    write = f"""
import json, os
try:
    open({str(grading / "gradebook.db")!r}, "w").write("edited")
    wrote = True
except OSError:
    wrote = False
print(json.dumps({{"wrote": wrote, "uid": os.getuid()}}))
"""
    seen = _run_in_jail(
        scratches,
        PROBE % ("/nonexistent-a", "/nonexistent-b", "/nonexistent-c"),
        write,
        daemon,
        sandboxed=False,
    )
    assert not seen[0]["grader"] and seen[0]["memory_cap"]
    assert "" not in seen[0]["path"] and str(REPOSITORY) not in seen[0]["path"]
    assert seen[1] == {"wrote": False, "uid": seen[1]["uid"]} and seen[1]["uid"] != 0
    assert not [
        process
        for process in psutil.process_iter(["uids", "status"])
        if process.info["uids"]
        and process.info["uids"].real == seen[1]["uid"]
        and process.info["status"] != psutil.STATUS_ZOMBIE
    ]  # ended, not yet reaped


def test_grading_refuses_when_the_filter_cannot_be_built(monkeypatch, tmp_path):
    """A system python3 without libseccomp's binding (here: the course's own, which has none):
    the command refuses with the reason, with and without the sandbox, and the course's
    preprocessor (what `nbgrader autograde` runs) raises before any kernel starts."""
    from grader.execute import SandboxedExecute
    from tests.grading.harness import run_grader

    monkeypatch.setattr(sandbox, "SYSTEM_PYTHON", sys.executable)
    sandbox.filter_problem.cache_clear()
    try:
        assert "python3-seccomp" in (sandbox.filter_problem() or "")
        for options in ((), ("--no-sandbox", "--trust-submissions")):
            refused = run_grader(
                "--grading-folder",
                str(tmp_path / "grading"),
                *options,
                "autograde",
                "01_feedforward_limits",
                str(tmp_path),
            )
            assert refused.returncode == 2 and "python3-seccomp" in refused.stderr, refused
        for sandboxed in (True, False):
            with pytest.raises(RuntimeError, match="seccomp filter cannot be built"):
                SandboxedExecute(sandbox=sandboxed).preprocess(
                    nbformat.v4.new_notebook(), {"metadata": {"path": str(tmp_path)}}
                )
        assert not (tmp_path / "grading").exists()
    finally:
        monkeypatch.undo()
        sandbox.filter_problem.cache_clear()


def test_grading_without_the_sandbox_is_refused_unless_the_instructor_insists():
    refusal = unsandboxed_refusal("autograde", insisted=False)
    assert refusal and "--trust-submissions" in refusal and "NOT hold" in refusal
    assert unsandboxed_refusal("autograde", insisted=True) is None
    assert unsandboxed_refusal("selfcheck", insisted=False) is None  # the course's own notebooks


def test_the_learner_package_ships_no_reference_code(tmp_path):
    """What `pip install .` gives a learner, in the learner kit: coursekit only, never the
    library, the grader, the tools or the solutions."""
    kit = build_learner_repository(tmp_path / "kit")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(kit),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.startswith("coursekit/hidden.py") for name in names)
    assert not [
        name
        for name in names
        if name.startswith(
            ("grader", "rnn_numpy", "submissions", "tools", "benchmarks", "solutions", "tests")
        )
    ]


def test_grading_refuses_an_environment_holding_a_copy_of_the_library(monkeypatch, tmp_path):
    """A plain `pip install .` of the repository would put rnn_numpy where kernels can read it."""
    assert sandbox.exposed_packages() is None  # the editable install keeps it in the repository
    monkeypatch.setattr(sys, "prefix", str(REPOSITORY))
    problem = sandbox.exposed_packages()
    assert problem and "rnn_numpy" in problem and "editable" in problem


ORDINARY_USER = "rnn-course-grader"
# What a kernel of an ordinary user's grader is, printed into the graded notebook.
ORDINARY_PROBE = r"""
import ctypes, json, os, socket
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
libc = ctypes.CDLL(None, use_errno=True)
ctypes.set_errno(0)
keyctl = libc.syscall(250, 0, -3, 1)  # x86_64: keyctl(GET_KEYRING_ID, the session keyring)
try:
    socket.create_connection(("127.0.0.1", 22), timeout=2)
    network = True
except OSError:
    network = False
print("PROBE", json.dumps({
    "uid": os.getuid(), "CapEff": status["CapEff"].strip(), "Seccomp": status["Seccomp"].strip(),
    "keyctl": os.strerror(ctypes.get_errno()) if keyctl < 0 else "ok",
    "user namespace": open("/proc/self/uid_map").read().split(),
    "repository": os.path.exists(%r), "grading folder": os.path.exists(%r), "network": network}))
"""


def _ordinary_user() -> str:
    """An ordinary account (made with useradd the first time) for the grader to run as."""
    import pwd

    try:
        pwd.getpwnam(ORDINARY_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--create-home", "--shell", "/bin/sh", ORDINARY_USER], check=True
        )
    return ORDINARY_USER


def _as_user(user: str, home: Path, *command: str) -> subprocess.CompletedProcess:
    """`command` as `user` with a plain user's environment (runuser is in /usr/sbin)."""
    return subprocess.run(
        [
            "/usr/sbin/runuser",
            "-u",
            user,
            "--",
            "/usr/bin/env",
            "-i",
            "PATH=/usr/local/bin:/usr/bin:/bin",
            f"HOME={home}",
            "LANG=C.UTF-8",
            *command,
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="making an ordinary user needs root (CI is root)")
@pytest.mark.skipif(platform.machine() != "x86_64", reason="the probe's keyctl number is x86_64's")
def test_an_ordinary_users_grader_sandboxes_filters_and_grades_alike(tmp_path):
    """`python -m grader autograde` run by an ordinary user: bubblewrap in a user namespace,
    the seccomp filter, no repository or grading folder or network in the kernel, and the
    grades the root grader gives (solution full marks, a wrong softmax what it earns)."""
    user = _ordinary_user()
    work = Path(tempfile.mkdtemp(prefix="rnn-course-ordinary-"))
    try:
        home, grading = work / "home", work / "grading"
        home.mkdir()
        assignment = "01_feedforward_limits"
        solution = solution_notebook(assignment)
        wrong = next(w for w in WRONG_SUBMISSIONS if w.name == "softmax_without_max_subtraction")
        probe = ORDINARY_PROBE % (str(REPOSITORY / "solutions"), str(grading))
        submissions = write_submissions(
            work / "submissions",
            assignment,
            {
                "solution": solution,
                "wrong": wrong_submissions.build(solution, wrong),
                "probe": with_sources(
                    solution,
                    {
                        "memoryless_loss_floor": answers(solution)["memoryless_loss_floor"]
                        + "\n"
                        + probe
                    },
                ),
            },
        )
        subprocess.run(["chown", "-R", f"{user}:{user}", str(work)], check=True)
        userns = _as_user(
            user, home, sandbox.bubblewrap(), "--unshare-user", "--ro-bind", "/", "/", "true"
        )
        if userns.returncode != 0:
            pytest.skip(f"this kernel forbids unprivileged user namespaces: {userns.stderr}")
        graded = _as_user(
            user,
            home,
            sys.executable,
            "-m",
            "grader",
            "--grading-folder",
            str(grading),
            "--jobs",
            "1",
            "autograde",
            assignment,
            str(submissions),
        )
        assert graded.returncode == 0, graded.stderr[-3000:]
        scores = read_scores(GradingSettings(folder=grading), assignment)
        points = hidden_points(assignment)
        full = sum(points.values())
        assert {student: score.score for student, score in scores.items()} == {
            "solution": full,
            "probe": full,
            "wrong": full - sum(points[check] for check in wrong.failing_checks),
        }
        notebook = nbformat.read(
            grading / "autograded" / "probe" / assignment / f"{assignment}.ipynb", as_version=4
        )
        (probe,) = [
            printed(cell)
            for cell in notebook.cells
            if cell.cell_type == "code" and printed(cell).startswith("PROBE ")
        ]
        seen = json.loads(probe.removeprefix("PROBE "))
        assert seen["Seccomp"] == "2" and seen["keyctl"] == "Operation not permitted", seen
        assert seen["CapEff"] == "0000000000000000" and seen["uid"] != 0, seen
        assert seen["user namespace"] != ["0", "0", "4294967295"], seen  # not the host's map
        assert not (seen["repository"] or seen["grading folder"] or seen["network"]), seen
    finally:
        shutil.rmtree(work, ignore_errors=True)
