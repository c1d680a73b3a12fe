"""What a learner's kernel can see and do inside the grader's sandbox, asked from inside it.

CI runs as root, so these tests are the root grader's case: the kernel must still be an
unprivileged uid with no capabilities, unable to change what it was given read-only.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from grader.course import REPOSITORY
from grader.sandbox import (COURSEKIT_DIR, JailedKernelManager, JailWatch, KernelJail, Limits,
                            unsandboxed_refusal)

PROBE = r"""
import json, os, socket, sys
seen = {"cwd": os.getcwd(), "path": sys.path}
for path in [%r, %r, %r, "/root", os.path.expanduser("~/.ssh")]:
    seen[path] = os.path.exists(path)
try:
    import grader.reference
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


def _run_in_jail(scratches: Path, *codes: str, sandboxed: bool = True,
                 limits: Limits | None = None, cases_file: Path | None = None) -> list:
    """Run each code cell in one jailed kernel whose scratch is a new folder in `scratches`;
    the JSON each printed (or its error text)."""
    async def run(jail):
        results = []
        async with _kernel(jail) as (_, client):
            for code in codes:
                printed = []
                await client.execute_interactive(code, timeout=60, output_hook=lambda message: (
                    printed.append(message["content"].get("text", "")
                                   or message["content"].get("evalue", ""))))
                text = "".join(printed)
                try:
                    results.append(json.loads(text))
                except ValueError:
                    results.append(text)
                jail.kill_strays()
        return results

    scratch = Path(tempfile.mkdtemp(prefix="rnn-course-kernel-", dir=scratches))
    with KernelJail(scratch, cases_file=cases_file, sandboxed=sandboxed,
                    limits=limits or Limits()) as jail:
        return asyncio.run(run(jail))


def test_a_jailed_kernel_sees_no_grader_no_network_and_has_a_memory_cap(tmp_path, scratches):
    grading_folder = tmp_path / "grading"
    grading_folder.mkdir()
    (grading_folder / "gradebook.db").write_text("secret")
    seen, = _run_in_jail(scratches, PROBE % (str(REPOSITORY / "grader"),
                                             str(REPOSITORY / "solutions"),
                                             str(grading_folder / "gradebook.db")))
    assert seen["cwd"].endswith("/work")
    assert "" not in seen["path"] and seen["cwd"] not in seen["path"]
    assert not seen[str(REPOSITORY / "grader")] and not seen[str(REPOSITORY / "solutions")]
    assert not seen[str(grading_folder / "gradebook.db")]
    assert not seen["grader"] and not seen["network"] and seen["memory_cap"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the root grader's case (CI runs as root)")
def test_a_root_graders_kernel_is_unprivileged_and_cannot_change_what_it_was_given(tmp_path, scratches):
    cases = tmp_path / "cases.json"
    cases.write_text("{}")
    done, = _run_in_jail(scratches, ESCAPES, cases_file=cases)
    assert done["uid"] != 0 and done["euid"] != 0 and 0 not in done["groups"], done
    assert set(done["caps"].values()) == {"0000000000000000"}, done["caps"]
    assert done["NoNewPrivs"] == "1"
    assert done["remounted"] == [], f"read-only binds remounted writable: {done['remounted']}"
    assert done["wrote"] == [], f"the kernel wrote to {done['wrote']}"
    assert cases.read_text() == "{}"
    assert not (COURSEKIT_DIR / "planted.py").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the root grader's case (CI runs as root)")
def test_two_kernels_have_two_uids_and_nothing_planted_reaches_the_second(tmp_path, scratches):
    with KernelJail(Path(tempfile.mkdtemp(dir=tmp_path))) as first, \
            KernelJail(Path(tempfile.mkdtemp(dir=tmp_path))) as second:
        assert first.uid != second.uid and 0 not in (first.uid, second.uid)
    cases = tmp_path / "cases.json"
    cases.write_text("{}")
    planted, = _run_in_jail(scratches, PLANT, cases_file=cases)
    found, = _run_in_jail(scratches, FIND_PLANTED, cases_file=cases)
    assert planted, "the first kernel could write nowhere at all: the probe is broken"
    assert found == [], f"a file planted by one kernel was seen by the next: {found}"
    # On the host: where the kernels' files come from, their scratches (this test's own), and
    # the top of the system's temporary folder (not the other processes' folders below it).
    on_host = [path for path in (COURSEKIT_DIR, Path(sys.prefix), REPOSITORY / "grader", scratches)
               if list(path.glob("**/planted_by_first_kernel.py"))]
    on_host += [path for path in [Path(tempfile.gettempdir()) / "planted_by_first_kernel.py"]
                if path.exists()]
    assert on_host == []


def test_a_fork_bomb_is_stopped_by_the_process_cap_and_its_strays_are_killed(scratches):
    bomb = "import os\nwhile True:\n    os.fork()"
    started = time.monotonic()
    after_bomb, = _run_in_jail(scratches, bomb + "\n", limits=Limits(processes=32))[:1]
    assert "Resource temporarily unavailable" in str(after_bomb) or "BlockingIOError" in str(after_bomb)
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
    filled, = _run_in_jail(scratches, fill, limits=limits)
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
def test_without_the_sandbox_a_root_grader_still_drops_to_its_own_uid_and_kills_daemons(tmp_path, scratches):
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
    seen = _run_in_jail(scratches, PROBE % ("/nonexistent-a", "/nonexistent-b", "/nonexistent-c"),
                        write, daemon, sandboxed=False)
    assert not seen[0]["grader"] and seen[0]["memory_cap"]
    assert "" not in seen[0]["path"] and str(REPOSITORY) not in seen[0]["path"]
    assert seen[1] == {"wrote": False, "uid": seen[1]["uid"]} and seen[1]["uid"] != 0
    assert not [process for process in psutil.process_iter(["uids", "status"])
                if process.info["uids"] and process.info["uids"].real == seen[1]["uid"]
                and process.info["status"] != psutil.STATUS_ZOMBIE]  # ended, not yet reaped


def test_grading_without_the_sandbox_is_refused_unless_the_instructor_insists():
    refusal = unsandboxed_refusal("autograde", insisted=False)
    assert refusal and "--trust-submissions" in refusal and "NOT hold" in refusal
    assert unsandboxed_refusal("autograde", insisted=True) is None
    assert unsandboxed_refusal("selfcheck", insisted=False) is None  # the course's own notebooks


def test_the_learner_package_ships_no_reference_code(tmp_path):
    """What `pip install .` gives a learner: coursekit only, never grader/ or solutions."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(tmp_path), str(REPOSITORY)], check=True,
                   capture_output=True)
    wheel, = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.startswith("coursekit/hidden.py") for name in names)
    assert not [name for name in names if name.startswith(("grader", "solutions", "tests"))]
