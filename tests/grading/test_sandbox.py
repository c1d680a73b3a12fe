"""What a learner's kernel can see inside the grader's sandbox, asked from inside it."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import zipfile

import pytest

from grader.course import REPOSITORY
from grader.sandbox import JailedKernelManager, KernelJail

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


def _run_in_jail(tmp_path, code: str, *, sandboxed: bool = True) -> dict:
    async def run():
        (tmp_path / "work").mkdir()
        manager = JailedKernelManager(kernel_name="python3")
        manager.jail = KernelJail(tmp_path / "work", tmp_path / "sockets", cases_file=None,
                                  sandboxed=sandboxed)
        manager.jail.prepare()
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            printed = []
            await client.execute_interactive(code, timeout=60, output_hook=lambda message: (
                printed.append(message["content"].get("text", ""))))
            return json.loads("".join(printed))
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
    return asyncio.run(run())


def test_a_jailed_kernel_sees_no_grader_no_network_and_has_a_memory_cap(tmp_path):
    grading_folder = tmp_path / "grading"
    grading_folder.mkdir()
    (grading_folder / "gradebook.db").write_text("secret")
    seen = _run_in_jail(tmp_path, PROBE % (str(REPOSITORY / "grader"),
                                            str(REPOSITORY / "solutions"),
                                            str(grading_folder / "gradebook.db")))
    assert seen["cwd"] == str(tmp_path / "work")
    assert "" not in seen["path"] and str(tmp_path / "work") not in seen["path"]
    assert not seen[str(REPOSITORY / "grader")] and not seen[str(REPOSITORY / "solutions")]
    assert not seen[str(grading_folder / "gradebook.db")]
    assert not seen["grader"] and not seen["network"] and seen["memory_cap"]


def test_without_the_sandbox_the_kernel_still_has_no_reference_on_its_path(tmp_path):
    """The documented fallback: same caps and private path, but no filesystem isolation."""
    seen = _run_in_jail(tmp_path, PROBE % ("/nonexistent-a", "/nonexistent-b", "/nonexistent-c"),
                        sandboxed=False)
    assert not seen["grader"] and seen["memory_cap"]
    assert "" not in seen["path"] and str(REPOSITORY) not in seen["path"]


def test_the_learner_package_ships_no_reference_code(tmp_path):
    """What `pip install .` gives a learner: coursekit only, never grader/ or solutions."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(tmp_path), str(REPOSITORY)], check=True,
                   capture_output=True)
    wheel, = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.startswith("coursekit/hidden.py") for name in names)
    assert not [name for name in names if name.startswith(("grader", "solutions", "tests"))]
