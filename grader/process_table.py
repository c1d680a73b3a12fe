"""One look at every process of the machine, for the jail's watch (grader/sandbox.py).

The watch asks 20 times a second which processes belong to a kernel (its launcher's
descendants, its cgroup's members, every process of its uid) and what they hold. psutil answers
each of those questions with a walk over /proc of its own (children: every process's `stat`;
processes of a uid: every process's `status`; then each process again for its state, memory and
threads). One process's `/proc/PID/status` answers all of them at once, so `snapshot` reads it
once per process and per look: the same answers, for a few times less of the grader's CPU while
every kernel runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

_FIELDS = re.compile(rb"^(State|PPid|Uid|Threads|VmRSS):[ \t]*(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class ProcessRow:
    """What `/proc/PID/status` says of one process (a thread group)."""

    pid: int
    ppid: int
    uids: tuple[int, ...]  # real, effective, saved, filesystem
    zombie: bool
    threads: int
    resident_kb: int  # 0 for a kernel thread or a zombie, which hold no memory of their own


def snapshot(proc: str = "/proc") -> dict[int, ProcessRow]:
    """Every process alive now, by pid (a process that ends during the look is left out)."""
    rows = {}
    for name in os.listdir(proc):
        if name.isdigit():
            row = _read_row(int(name), f"{proc}/{name}/status")
            if row is not None:
                rows[row.pid] = row
    return rows


def descendants(rows: dict[int, ProcessRow], root: int) -> list[int]:
    """`root` (if alive) and every process below it, as `rows` saw them."""
    children: dict[int, list[int]] = {}
    for row in rows.values():
        children.setdefault(row.ppid, []).append(row.pid)
    found, waiting = [], [root] if root in rows else []
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting.extend(children.get(pid, ()))
    return found


def ancestors(rows: dict[int, ProcessRow], pid: int) -> list[int]:
    """The processes above `pid`, nearest first, as `rows` saw them."""
    found, seen = [], {pid}
    while pid in rows and rows[pid].ppid not in seen and rows[pid].ppid > 0:
        pid = rows[pid].ppid
        seen.add(pid)
        found.append(pid)
    return found


def of_uid(rows: dict[int, ProcessRow], uid: int) -> list[int]:
    """Processes whose real, effective or saved uid is `uid`."""
    return [row.pid for row in rows.values() if uid in row.uids[:3]]


def living(rows: dict[int, ProcessRow], pids: Iterable[int]) -> list[int]:
    """Of `pids`, those alive and not zombies (killed already, waiting to be reaped), once each."""
    return [pid for pid in dict.fromkeys(pids) if pid in rows and not rows[pid].zombie]


def _read_row(pid: int, path: str) -> ProcessRow | None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            text = os.read(descriptor, 1 << 16)
        finally:
            os.close(descriptor)
    except OSError:  # ended since the folder was listed
        return None
    fields: dict[bytes, list[bytes]] = {}
    for key, value in _FIELDS.findall(text):  # the first of each: a Name escapes line breaks
        fields.setdefault(key, value.split())
    try:
        return ProcessRow(
            pid=pid,
            ppid=int(fields[b"PPid"][0]),
            uids=tuple(int(uid) for uid in fields[b"Uid"]),
            zombie=fields[b"State"][0] in (b"Z", b"X"),
            threads=int(fields[b"Threads"][0]),
            resident_kb=int(fields[b"VmRSS"][0]) if b"VmRSS" in fields else 0,
        )
    except (KeyError, IndexError, ValueError):  # a process ending while its file was read
        return None
