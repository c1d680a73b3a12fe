"""Copying a folder that a learner can write to, without ever following a link.

nbgrader's collect copies a learner's inbound folder with `shutil.copytree`, which follows
symbolic links: a learner's `notes.html` pointing at the grading folder's `secret.key` would be
copied, with the instructor's rights, into `submitted/`, and from there into feedback that is
released to that learner. `copy_learner_folder` opens every folder and file relative to its
parent's descriptor with O_NOFOLLOW, so a link is skipped even if it is swapped in while the copy
runs, and copies regular files and folders only.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

NO_FOLLOW = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class TooLarge(RuntimeError):
    """The folder holds more bytes than the copy may take."""


def copy_learner_folder(
    source: str | Path, destination: str | Path, ignore, max_bytes: int, log
) -> None:
    """Copy the folder `source` to `destination` (which must not exist): regular files and
    folders only, never through a link; `ignore(folder, names)` names entries to leave out (as
    shutil.copytree's); past `max_bytes` in all, TooLarge. A `source` that is itself a link is
    refused (OSError)."""
    top = os.open(source, NO_FOLLOW | os.O_DIRECTORY)
    try:
        _copy_folder(top, str(source), Path(destination), ignore, [max_bytes], log)
    finally:
        os.close(top)


def _copy_folder(
    folder_fd: int, shown: str, destination: Path, ignore, budget: list[int], log
) -> None:
    destination.mkdir()
    names = os.listdir(folder_fd)
    skipped = set(ignore(shown, names)) if ignore else set()
    for name in names:
        if name in skipped:
            continue
        kind = os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode
        if not (stat.S_ISDIR(kind) or stat.S_ISREG(kind)):
            log.warning("Not collected (not a plain file or folder): %s", os.path.join(shown, name))
            continue
        flags = NO_FOLLOW | (os.O_DIRECTORY if stat.S_ISDIR(kind) else os.O_NONBLOCK)
        try:
            entry = os.open(name, flags, dir_fd=folder_fd)
        except OSError as error:  # swapped for a link (ELOOP) or something else meanwhile
            log.warning("Not collected (%s): %s", error.strerror, os.path.join(shown, name))
            continue
        try:
            if stat.S_ISDIR(os.fstat(entry).st_mode):
                _copy_folder(
                    entry, os.path.join(shown, name), destination / name, ignore, budget, log
                )
            elif stat.S_ISREG(os.fstat(entry).st_mode):
                _copy_file(entry, destination / name, budget)
        finally:
            os.close(entry)


def _copy_file(file_fd: int, destination: Path, budget: list[int]) -> None:
    with open(destination, "xb") as target:
        while chunk := os.read(file_fd, 1 << 20):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise TooLarge("the submission is larger than the exchange allows")
            target.write(chunk)
