"""Hostile submissions of notebook 01, shared by the hostile-submission tests and the benchmarks.

Each one is the solution notebook with something added that attacks the grader rather than the
grade: memory, time, the feedback, the instructor's report, the intake. `build_submissions`
writes them all (and the folder and zip layouts that break intake) into one submissions folder.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat

from submissions.notebooks import answers, solution_notebook, with_sources, write_submissions

ASSIGNMENT = "01_feedforward_limits"
TARGET = "memoryless_loss_floor"
LEAK = "LEAKED-CASES:"  # what learner code prints before the hidden inputs it read
# In the learner's source the marker is built at run time, so that only an *output* shows it.
LEAK_SOURCE = '"LEAKED-" + "CASES:"'


UPDATE_DISPLAY_FLOOD = """\
from IPython.display import display, update_display
display({"text/plain": "start"}, raw=True, display_id="flood")
for _ in range(30):
    update_display({"text/plain": "x" * 3_000_000}, raw=True, display_id="flood")
"""
CLEAR_OUTPUT_FLOOD = """\
from IPython.display import clear_output
for _ in range(30):
    print("y" * 1_000_000)
    clear_output(wait=True)
"""
MANY_FRAMES = """\
kernel = get_ipython().kernel
kernel.session.send(kernel.iopub_socket, "display_data",
                    {"data": {"text/plain": "frames"}, "metadata": {}},
                    parent=kernel.get_parent(), ident=b"display_data",
                    buffers=[memoryview(b"z" * 4_000_000)] * 600)
"""
ONE_HUGE_MESSAGE = """\
from IPython.display import display
display({"text/plain": "h" * 60_000_000}, raw=True)
"""
# What must not reach anyone, as learner code displays it; built at run time from halves, so
# that only an output (never the learner's source, which is shown) holds the whole string.
UNSAFE_SHOWN = (
    "all hidden checks passed",
    "document.title",
    "<svg onload",
    "ALL PASSED",
    'onerror="alert',
)
UNSAFE_DISPLAY = """\
from IPython.display import display
def whole(*halves):
    return "".join(halves)
banner = whole('<div style="color:green">✓ all hidden ', 'checks passed: 15/15</div>')
display({"text/html": banner, "text/plain": whole("plain text ", "is kept")}, raw=True)
display({"application/javascript": whole("document", ".title = 'hacked'")}, raw=True)
display({"image/svg+xml": whole("<svg", ' onload="alert(1)"></svg>')}, raw=True)
display({"text/markdown": whole("# **ALL ", "PASSED**"), "text/latex": "$x$"}, raw=True)
display({"image/png": whole('iVBORw0" onerror', '="alert(1)')}, raw=True)
"""
FORK_BOMB = "import os\nwhile True:\n    os.fork()\n"
READS_HIDDEN_INPUTS = """\
import os
_cases = open(os.environ["RNN_COURSE_CASES"]).read()[:3000]
"""
PRINTS_HIDDEN_INPUTS = (
    READS_HIDDEN_INPUTS
    + f"""\
import coursekit.hidden as hook
print({LEAK_SOURCE} + _cases)
def _leak(name, candidate):
    raise ValueError({LEAK_SOURCE} + _cases)
hook.hidden_check = _leak
hidden_check = _leak
"""
)
FORGED_RECORD = """\
import json
import coursekit.hidden as hook
from IPython.display import display
def _forge(name, candidate, cases_file):
    array = {"__ndarray__": {"dtype": "float64", "shape": [2**62, 2**62, 2**62], "data": ""}}
    record = {"__dict__": {"check": name, "results": [{"__dict__": {"returned": array}}]}}
    display({hook.RECORD_MIME: json.dumps(record)}, raw=True)
hook._record = _forge
"""
FORGED_REPORT_LINE = """\
import coursekit.hidden as hook
def _forge(name, candidate):
    class Forged(Exception):
        pass
    Forged.__name__ = "Forged\\nzz-forged | 01_feedforward_limits | - | note | full marks"
    raise Forged("line one\\nzz-forged | 01_feedforward_limits | - | note | full marks")
hook.hidden_check = _forge
hidden_check = _forge
"""
PLANT_FOR_LATER_KERNELS = """\
import os, subprocess, coursekit
folder = os.path.dirname(coursekit.__file__)
subprocess.run(["mount", "-o", "remount,bind,rw", folder], capture_output=True)
for path in [os.path.join(folder, "hidden.py"), "/tmp/numpy.py", "/dev/shm/numpy.py",
             os.path.expanduser("~/numpy.py")]:
    try:
        with open(path, "w") as planted:
            planted.write("def hidden_check(*args):\\n    raise SystemExit('zeroed')\\n")
    except OSError:
        pass
"""
SLOW_CELL = "import time\ntime.sleep(7)\n"
# Kernel keyrings outlive a kernel and are shared (the session keyring, a pooled uid's user
# keyrings, any key anyone may read by its serial). One student stores the correct function in
# world-readable keys; a later one, with a wrong function, looks for them and runs what it finds.
# Each prints what every call returned, so the autograded notebook shows it.
KEYRING_CALLS = """\
import ctypes, errno, json, platform
_numbers = {"x86_64": (248, 249, 250), "aarch64": (217, 218, 219)}[platform.machine()]
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
def _key_call(which, *arguments):
    ctypes.set_errno(0)
    result = _libc.syscall(ctypes.c_long(_numbers[which]),
                           *[ctypes.c_long(a) if isinstance(a, int) else a for a in arguments])
    return result if result >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
ADD_KEY, REQUEST_KEY, KEYCTL = 0, 1, 2
"""
STORES_CODE_IN_KEYRINGS = (
    KEYRING_CALLS
    + """\
_payload = PAYLOAD.encode()
_serial = _key_call(ADD_KEY, b"user", b"rnn-answer", _payload, ctypes.c_size_t(len(_payload)), -3)
_stored = {"session": _serial}
if isinstance(_serial, int):
    _stored["world-readable"] = _key_call(KEYCTL, 5, _serial, 0x3f3f3f3f)  # KEYCTL_SETPERM
    for _keyring in (-4, -5):  # the uid's user and user-session keyrings outlive the kernel
        _stored[_keyring] = _key_call(KEYCTL, 8, _serial, _keyring)  # KEYCTL_LINK
print("KEYRING-STORE", json.dumps(_stored))
"""
)
LOADS_CODE_FROM_KEYRINGS = (
    KEYRING_CALLS
    + """\
_serials, _tried = [], {}
for _keyring in (-3, -4, -5):  # session, user, user-session
    _tried[_keyring] = _key_call(KEYCTL, 10, _keyring, b"user", b"rnn-answer", 0)  # KEYCTL_SEARCH
    _serials.append(_tried[_keyring])
_tried["request_key"] = _key_call(REQUEST_KEY, b"user", b"rnn-answer", None, 0)
_serials.append(_tried["request_key"])
try:  # every key this uid may view, whoever stored it
    _serials += [int(line.split()[0], 16) for line in open("/proc/keys") if "rnn-answer" in line]
except OSError:
    pass
_found = None
for _serial in _serials:
    if isinstance(_serial, int):
        _buffer = ctypes.create_string_buffer(4096)
        _size = _key_call(KEYCTL, 11, _serial, _buffer, 4096)  # KEYCTL_READ
        _tried[_serial] = _size
        if isinstance(_size, int) and _size > 0:
            _found = _buffer.raw[:_size].decode()
            break
print("KEYRING-LOAD", json.dumps(_tried), "found" if _found else "nothing")
if _found:
    exec(_found)
"""
)


def _insert_before(grade_id: str, *codes: str):
    notebook = with_sources(solution_notebook(ASSIGNMENT), {})
    index = next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    notebook.cells[index:index] = [nbformat.v4.new_code_cell(code) for code in codes]
    return notebook


def _solution_source() -> str:
    return answers(solution_notebook(ASSIGNMENT))[TARGET]


def _wrong_with(code: str):
    wrong = 'def memoryless_loss_floor(text):\n    """Wrong on purpose."""\n    return 1.0\n'
    return with_sources(solution_notebook(ASSIGNMENT), {TARGET: wrong + "\n" + code})


def notebooks() -> dict[str, nbformat.NotebookNode]:
    """student -> notebook, for the folder layout."""
    solution = solution_notebook(ASSIGNMENT)
    visible_leak = with_sources(solution, {})
    for cell in visible_leak.cells:  # the learner's function prints the cases when checked
        if cell.metadata.get("nbgrader", {}).get("grade_id") == TARGET:
            cell.source = (
                READS_HIDDEN_INPUTS
                + "\n"
                + cell.source.replace(
                    "    ### BEGIN SOLUTION",
                    f"    print({LEAK_SOURCE} + _cases[:200])\n    ### BEGIN SOLUTION",
                    1,
                )
            )
    return {
        "solution": solution,
        "aa_plants_code_for_later_kernels": _wrong_with(PLANT_FOR_LATER_KERNELS),
        "fork_bomb": _insert_before(TARGET, FORK_BOMB),
        "floods_update_display": _insert_before(TARGET, UPDATE_DISPLAY_FLOOD),
        "floods_clear_output": _insert_before(TARGET, CLEAR_OUTPUT_FLOOD),
        "sends_many_frames": _insert_before(TARGET, MANY_FRAMES),
        "sends_one_huge_message": _insert_before(TARGET, ONE_HUGE_MESSAGE),
        "displays_unsafe_content": _wrong_with(UNSAFE_DISPLAY),
        "prints_hidden_inputs": _wrong_with(PRINTS_HIDDEN_INPUTS),
        "prints_hidden_inputs_in_visible_check": visible_leak,
        "forges_record_shape": _wrong_with(FORGED_RECORD),
        "forges_report_lines": _wrong_with(FORGED_REPORT_LINE),
        "slow_cells": _insert_before(TARGET, *[SLOW_CELL] * 5),
        "aa_stores_code_in_keyrings": with_sources(
            solution,
            {
                TARGET: _solution_source()
                + "\n"
                + (STORES_CODE_IN_KEYRINGS.replace("PAYLOAD", repr(_solution_source())))
            },
        ),
        "zz_loads_code_from_keyrings": _wrong_with(LOADS_CODE_FROM_KEYRINGS),
        "zz_honest_after_attacks": solution,
    }


def build_submissions(folder: Path) -> Path:
    """Every hostile submission, in one folder of submissions."""
    solution = solution_notebook(ASSIGNMENT)
    write_submissions(folder, ASSIGNMENT, notebooks())
    text = nbformat.writes(solution)
    for student, name in (
        ("renamed_by_browser", f"{ASSIGNMENT} (1).ipynb"),
        ("renamed_by_jupyter", f"{ASSIGNMENT}-Copy1.ipynb"),
        ("renamed_case", f"{ASSIGNMENT.upper()}.ipynb"),
        ("missing_notebook", "notes.ipynb.txt"),
    ):
        (folder / student).mkdir()
        (folder / student / name).write_text(text)
    (folder / "clash").mkdir()
    (folder / "clash" / f"{ASSIGNMENT}.ipynb").write_text(text)
    write_zip(folder / "clash.zip", {f"{ASSIGNMENT}.ipynb": text})
    write_zip(
        folder / "zip_bomb_of_copies.zip",
        {f"copy{k:03}/{ASSIGNMENT}.ipynb": "x" * (19 * 2**20) for k in range(80)},
    )
    write_zip(folder / "zip_of_too_many_entries.zip", {f"f{k}.txt": "" for k in range(3000)})
    write_zip(
        folder / "zip_with_forged_names.zip",
        {f"x\nzz-forged | {ASSIGNMENT} | - | note | full marks.ipynb": text},
    )
    write_zip(folder / "zip_encrypted.zip", {f"{ASSIGNMENT}.ipynb": text}, encrypted=True)
    write_zip(folder / "zip_corrupt_entry.zip", {f"{ASSIGNMENT}.ipynb": text}, corrupt=True)
    return folder


def write_zip(
    path: Path, members: dict[str, str], *, encrypted: bool = False, corrupt: bool = False
) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    data = bytearray(path.read_bytes())
    if encrypted:  # set the "encrypted" flag in the local and the central header
        data[6] |= 1
        central = data.rfind(b"PK\x01\x02")
        data[central + 8] |= 1
    if corrupt:  # garble the compressed data of the (only) entry
        start = 30 + int.from_bytes(data[26:28], "little") + int.from_bytes(data[28:30], "little")
        data[start + 10 : start + 40] = bytes(30)
    path.write_bytes(bytes(data))


# VmHWM, not getrusage's ru_maxrss: the latter keeps the peak of the process that started this
# one (it survives exec), so it would report the test's own memory.
MEASURED = """\
import sys, time
from grader.cli import main
started = time.perf_counter()
code = main(sys.argv[1:])
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status")
               if line.startswith("VmHWM:"))
print(f"grader-peak-rss-mb {peak_kb / 1024:.0f} seconds {time.perf_counter() - started:.1f}",
      file=sys.stderr)
sys.exit(code)
"""


def grade_measured(grading_folder: Path, submissions: Path, *options: str):
    """`python -m grader autograde` in a process of its own; (completed, the grading process's
    own peak resident memory in MB (not its kernels'), seconds)."""
    import re
    import subprocess
    import sys

    from grader.layout import REPOSITORY

    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURED,
            "--grading-folder",
            str(grading_folder),
            *options,
            "autograde",
            ASSIGNMENT,
            str(submissions),
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    found = re.search(r"grader-peak-rss-mb (\d+) seconds ([\d.]+)", completed.stderr)
    peak, seconds = (float(found[1]), float(found[2])) if found else (float("nan"),) * 2
    return completed, peak, seconds


# Options of every measured run: a notebook budget the five slow cells (35 s) overrun while every
# other submission stays well inside it, even on a loaded machine (graded alone at load 4, the
# slowest attack took 8 s: `python -m benchmarks.hostile_submissions`).
OPTIONS = ("--timeout", "30", "--notebook-timeout", "30")


# A memory burst: PROCESSES fresh processes (each a small address space of its own, far under
# the per-process cap), started first, then all released at once to fill EACH_MB each (one
# mmap with MAP_POPULATE: the machine's kernel fills it in one call), faster than the
# grader's memory watch polls (every 0.05 s).
MEMORY_BURST = """\
import os, subprocess, sys, time
go = "/tmp/burst-go"
fill = (f"import mmap, os, time\\nwhile not os.path.exists({go!r}):\\n    time.sleep(0.001)\\n"
        f"block = mmap.mmap(-1, {EACH_MB} * 2**20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS"
        f" | mmap.MAP_POPULATE)\\ntime.sleep(30)")
children = [subprocess.Popen([sys.executable, "-c", fill]) for _ in range({PROCESSES})]
time.sleep(3)
open(go, "w").close()
time.sleep(8)
print("burst survived", sum(child.poll() is None for child in children))
"""


def run_memory_burst(limits, processes: int, each_mb: int, watched: bool = True) -> dict:
    """Run MEMORY_BURST in a jailed kernel, watched as grading watches it (or, `watched`
    False, as if the watch never polled in time): the most memory its processes charged
    together (the kernel's own memory cgroup, where the grader made one), why it was stopped,
    and whether the kernel survived."""
    import asyncio
    import contextlib
    import tempfile

    from grader.sandbox import JailedKernelManager, JailWatch, KernelJail

    code = MEMORY_BURST.replace("{EACH_MB}", str(each_mb)).replace("{PROCESSES}", str(processes))

    async def run(jail):
        manager = JailedKernelManager(kernel_name="python3")
        manager.jail = jail
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        printed = []
        try:
            await client.wait_for_ready(timeout=120)
            jail.started(manager.launcher_pid)
            with JailWatch(jail, grader_growth_mb=4096) if watched else contextlib.nullcontext():
                try:
                    await client.execute_interactive(
                        code,
                        timeout=60,
                        output_hook=lambda m: printed.append(m["content"].get("text", "")),
                    )
                except Exception as error:  # the kernel was stopped: no reply
                    printed.append(type(error).__name__)
            return await manager.is_alive(), "".join(printed)
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    with (
        tempfile.TemporaryDirectory(prefix="rnn-course-kernel-") as scratch,
        KernelJail(__import__("pathlib").Path(scratch), limits=limits) as jail,
    ):
        alive, printed = asyncio.run(run(jail))
        cgroup = jail.memory_cgroup
        jail.note_oom_kills()
        return {
            "alive": alive,
            "printed": printed,
            "stop_reason": jail.stop_reason,
            "peak_mb": cgroup.peak_mb() if cgroup else None,
            "cgroup_mb": cgroup.limit_mb if cgroup else None,
            "oom_kills": cgroup.oom_kills() if cgroup else 0,
        }
