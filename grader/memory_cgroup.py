"""A memory cgroup around one kernel, so that the machine's kernel bounds its memory at once.

The grader's memory watch polls (`sandbox.JailWatch`): a burst of many processes that each
allocate fast can pass its figure between two polls. A root grader therefore also puts each
kernel in a memory cgroup of its own with a hard limit, made as a child of the grader's own
memory cgroup (so whatever bounds the grader still bounds its kernels): cgroup v2
(`memory.max`, `memory.swap.max`) where the grader's cgroup can give the memory controller to a
child, else cgroup v1's memory hierarchy (`memory.limit_in_bytes`, and
`memory.memsw.limit_in_bytes` where swap is accounted). Past the limit the machine's OOM killer
kills a process of that kernel, never one outside it. Where neither can be made (an ordinary
user's grader, a container without a writable cgroup), `MemoryCgroup.create` returns None and
the watch alone bounds memory.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def _own_cgroup_folders() -> dict[str, Path]:
    """'v2' and/or 'v1' -> the folder of this process's memory cgroup, where mounted."""
    membership = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        hierarchy, controllers, path = line.split(":", 2)
        if hierarchy == "0" and controllers == "":
            membership["v2"] = path
        elif "memory" in controllers.split(","):
            membership["v1"] = path
    folders = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, tail = line.partition(" - ")
        fields, tail = fields.split(), tail.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        root, mount_point, kind, options = fields[3], fields[4], tail[0], tail[2].split(",")
        version = (
            "v2"
            if kind == "cgroup2"
            else "v1"
            if kind == "cgroup" and "memory" in options
            else None
        )
        if version not in membership or version in folders:
            continue
        path = membership[version]
        if root != "/" and (path + "/").startswith(root.rstrip("/") + "/"):
            path = path[len(root.rstrip("/")) :]
        folder = Path(mount_point + "/" + path.strip("/"))
        if folder.is_dir():
            folders[version] = folder
    return folders


class MemoryCgroup:
    """A cgroup (made by `create`, removed by `remove`) whose processes may charge at most
    `limit_mb` of memory together: anonymous memory, page cache, and the files of the tmpfs
    they write."""

    def __init__(self, folder: Path, version: str, limit_mb: int):
        self.folder, self.version, self.limit_mb = folder, version, limit_mb

    @classmethod
    def create(cls, name: str, limit_mb: int) -> MemoryCgroup | None:
        if os.geteuid() != 0:
            return None
        try:
            folders = _own_cgroup_folders()
        except OSError:
            return None
        for version in ("v2", "v1"):
            if version in folders:
                made = cls._make(folders[version] / name, version, limit_mb)
                if made is not None:
                    return made
        return None

    @classmethod
    def _make(cls, folder: Path, version: str, limit_mb: int) -> MemoryCgroup | None:
        limit = str(limit_mb * 2**20)
        try:
            if version == "v2":
                parent = folder.parent / "cgroup.subtree_control"
                if "memory" not in parent.read_text().split():
                    parent.write_text("+memory")  # refused while the parent holds processes
            folder.mkdir(mode=0o755)
        except OSError:
            return None
        cgroup = cls(folder, version, limit_mb)
        try:
            if version == "v2":
                (folder / "memory.max").write_text(limit)
                if (folder / "memory.swap.max").exists():
                    (folder / "memory.swap.max").write_text("0")
            else:
                (folder / "memory.limit_in_bytes").write_text(limit)
                if (folder / "memory.memsw.limit_in_bytes").exists():
                    (folder / "memory.memsw.limit_in_bytes").write_text(limit)
        except OSError:
            cgroup.remove()
            return None
        return cgroup

    def _read(self, name: str) -> str:
        try:
            return (self.folder / name).read_text()
        except OSError:
            return ""

    def oom_kills(self) -> int:
        """Processes the machine's OOM killer has killed in this cgroup."""
        text = self._read("memory.events" if self.version == "v2" else "memory.oom_control")
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
        return 0

    def peak_mb(self) -> float | None:
        """The most memory its processes have charged together (None where not recorded)."""
        text = self._read("memory.peak" if self.version == "v2" else "memory.max_usage_in_bytes")
        return int(text) / 2**20 if text.strip().isdigit() else None

    def pids(self) -> list[int]:
        return [int(pid) for pid in self._read("cgroup.procs").split() if pid.isdigit()]

    def remove(self, timeout: float = 5.0) -> None:
        """Remove the (emptied) cgroup; its processes must have been killed first."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.folder.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return  # left behind, empty of live processes: harmless, reported by none
                time.sleep(0.05)
