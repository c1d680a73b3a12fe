"""grader/process_table.py: one look at /proc gives what psutil gives, process by process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil

from grader import process_table

# A child that starts a grandchild, says its pid and waits.
FAMILY = """
import subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(grandchild.pid, flush=True)
time.sleep(60)
"""
# A process whose name holds a line that would read as a uid, were names not escaped.
FORGED_NAME = """
import time
with open("/proc/self/comm", "w") as comm:
    comm.write("x\\nUid:\\t4242")
print("named", flush=True)
time.sleep(60)
"""


def _started(code: str) -> tuple[subprocess.Popen, str]:
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    return child, child.stdout.readline().strip()


def test_a_look_at_this_process_says_what_psutil_says():
    rows = process_table.snapshot()
    me, psutil_me = rows[os.getpid()], psutil.Process()
    assert me.ppid == os.getppid() and not me.zombie
    assert me.uids[:3] == tuple(psutil_me.uids())
    assert me.threads == psutil_me.num_threads()
    assert abs(me.resident_kb * 1024 - psutil_me.memory_info().rss) < 16 * 2**20
    assert os.getpid() in process_table.of_uid(rows, os.getuid())


def test_descendants_ancestors_and_zombies():
    child, grandchild = _started(FAMILY)
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while psutil.Process(exited.pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        rows = process_table.snapshot()
        assert process_table.descendants(rows, child.pid) == [child.pid, int(grandchild)]
        assert process_table.ancestors(rows, int(grandchild))[:2] == [child.pid, os.getpid()]
        assert rows[exited.pid].zombie and rows[exited.pid].resident_kb == 0
        assert process_table.living(rows, [exited.pid, child.pid, child.pid]) == [child.pid]
        assert process_table.descendants(rows, 2**22 + 1) == []  # no such process
    finally:
        for process in psutil.Process(child.pid).children(recursive=True) + [child]:
            process.kill()
        child.communicate()
        exited.wait()


def test_a_process_cannot_forge_its_uid_with_its_name():
    child, said = _started(FORGED_NAME)
    try:
        assert said == "named"
        assert "Uid:" in psutil.Process(child.pid).name()
        row = process_table.snapshot()[child.pid]
        assert row.uids[:3] == tuple(psutil.Process(child.pid).uids()) != (4242,) * 3
    finally:
        child.kill()
        child.communicate()
