"""Take in a folder of submissions: one folder or zip per student.

Accepted layouts, for assignment A with notebook A.ipynb (the student id is the folder or zip
name): `alice/A.ipynb`, `alice/A/A.ipynb`, `alice.zip` holding either of those (optionally under
one top folder). Only the assignment's notebooks are taken; other files are ignored, so nothing
shipped beside a submission can shadow a module. Nothing in a submission dates it: a
`timestamp.txt` (which the learner's `nbgrader submit` writes, or the learner by hand) is ignored
in folders and zips alike; lateness comes from instructor records (grader/lateness.py).
The common renames are accepted and reported: a browser's `A (1).ipynb`, Jupyter's
`A-Copy1.ipynb`, another letter case.

Nothing a submission holds can stop the run or exhaust the grader: folders are listed (to a
depth of three, at most `MAX_LISTED` entries) and zips read lazily (the central directory's size
is checked before it is parsed, at most `MAX_LISTED` entries, and only the one chosen notebook is
decompressed, at most `MAX_NOTEBOOK_BYTES` of it). A notebook that is missing, ambiguous,
unreadable, too large or not a notebook, a zip that cannot be read, and a student with both a
folder and a zip, are graded as the blank released notebook (zero) and reported; the reason, in
plain words, is what that student's feedback says (`intake_record`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

from .faults import one_line

MAX_NOTEBOOK_BYTES = 20 * 2**20
MAX_LISTED = 2000  # entries of a submission folder or zip looked at
MAX_ZIP_DIRECTORY_BYTES = 2**20  # a zip's list of entries (about 20 000 names at most)
MAX_DEPTH = 3  # student/top/assignment/A.ipynb is the deepest layout
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
RENAMED = re.compile(r"^(?P<stem>.+?)(?:\s*\(\d+\)|-Copy\d*)?\.ipynb$", re.IGNORECASE)
# Intake records (why a notebook was graded blank) live in the grading folder, beside
# `submitted/`, never inside a submission: `nbgrader collect` copies whatever a learner put in
# their submission folder, so a record there could be the learner's.
INTAKE_RECORDS = "intake-records"


class Unreadable(Exception):
    """A submission (or one notebook of it) that cannot be taken in; the message says why."""


@dataclass
class Submission:
    student: str
    notebooks: dict[str, bytes] = field(default_factory=dict)  # notebook name -> file content
    problems: list[tuple[str, str]] = field(default_factory=list)  # (notebook or "-", what)
    blank: dict[str, str] = field(default_factory=dict)  # notebook -> why it is graded blank

    def refuse(self, notebook: str, why: str) -> None:
        self.blank[notebook] = why
        self.problems.append((notebook, f"{why}; graded as blank"))


def collect(
    folder: Path, assignment: str, notebook_names: list[str]
) -> tuple[list[Submission], list[str]]:
    """The submissions in `folder`, and entries that could not be read as any student's."""
    by_student: dict[str, list[Path]] = {}
    skipped = []
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith("."):
            continue
        is_zip = entry.suffix.lower() == ".zip" and entry.is_file() and not entry.is_symlink()
        student = entry.stem if is_zip else entry.name
        if not STUDENT_ID.match(student):
            skipped.append(
                f"{one_line(entry.name)}: not a valid student id (letters, digits, _ . @ -)"
            )
        elif not is_zip and not (entry.is_dir() and not entry.is_symlink()):
            skipped.append(f"{one_line(entry.name)}: neither a folder nor a .zip")
        else:
            by_student.setdefault(student, []).append(entry)
    submissions = []
    for student, entries in by_student.items():
        if len(entries) > 1:
            submission = Submission(student)
            names = " and ".join(entry.name + ("/" if entry.is_dir() else "") for entry in entries)
            for name in notebook_names:
                submission.refuse(
                    name,
                    f"there were {len(entries)} submissions under your id "
                    f"({names}), so none of them was graded",
                )
        else:
            submission = take_in(entries[0], student, assignment, notebook_names)
        submissions.append(submission)
    return submissions, skipped


def take_in(entry: Path, student: str, assignment: str, notebook_names: list[str]) -> Submission:
    """One student's submission; whatever is wrong with it becomes its problems, never an error."""
    submission = Submission(student)
    try:
        source = _ZipSource(entry) if entry.is_file() else _FolderSource(entry)
    except Exception as error:  # noqa: BLE001 - any unreadable zip is the same to the learner
        what = "zip file" if entry.is_file() else "folder"
        for name in notebook_names:
            submission.refuse(name, f"your {what} could not be read ({describe(error)})")
        return submission
    with source:
        for name in notebook_names:
            _take_notebook(submission, source, name, assignment)
    return submission


def _take_notebook(submission: Submission, source, name: str, assignment: str) -> None:
    paths = [path for path in source.paths if _in_place(path, assignment)]
    exact = sorted(
        (path for path in paths if path.name == f"{name}.ipynb"), key=lambda path: len(path.parts)
    )
    renamed = [
        path for path in paths if path not in exact and _renamed_from(path.name) == name.casefold()
    ]
    if exact:
        chosen = exact[0]
        if len(exact) > 1:
            submission.problems.append(
                (name, f"{len(exact)} copies of {name}.ipynb; graded {chosen}")
            )
    elif len(renamed) == 1:
        chosen = renamed[0]
        submission.problems.append(
            (name, f"renamed notebook accepted: graded {chosen} as {name}.ipynb")
        )
    elif renamed:
        listed = ", ".join(str(path) for path in renamed[:10])
        return submission.refuse(
            name,
            f"several files could be {name}.ipynb ({listed}); rename "
            f"the one to grade to {name}.ipynb",
        )
    else:
        found = ", ".join(str(path) for path in source.paths[:10]) or "nothing"
        return submission.refuse(
            name,
            f"no notebook named {name}.ipynb was found in your submission (it held: {found[:300]})",
        )
    try:
        content = source.read(chosen)
        read_notebook(content)
    except Exception as error:  # noqa: BLE001 - any reason a file cannot be read is the same
        return submission.refuse(
            name, f"{chosen} could not be read as a notebook ({describe(error)})"
        )
    submission.notebooks[name] = content


def _in_place(path: PurePosixPath, assignment: str) -> bool:
    """Where a notebook may sit: at the top, in one folder, or in `assignment/` under one."""
    return len(path.parts) <= MAX_DEPTH and (
        len(path.parts) == 1 or path.parts[-2] in (assignment, path.parts[0])
    )


def _renamed_from(filename: str) -> str | None:
    """The notebook name a renamed file stands for (case-folded), or None."""
    match = RENAMED.match(filename)
    return match["stem"].strip().casefold() if match else None


def read_notebook(content: bytes) -> nbformat.NotebookNode:
    """The notebook in a submitted file; raises if the file is not UTF-8 JSON, not a notebook, or
    not valid under nbformat's schema (a malformed output message makes a file invalid).
    nbgrader's path reads submissions by the same rule (grader/submission_exporter.py)."""
    notebook = nbformat.reads(content.decode("utf-8"), as_version=4)
    nbformat.validate(notebook)
    return notebook


def describe(error: Exception) -> str:
    if isinstance(error, Unreadable):
        return str(error)
    return f"{type(error).__name__}: {str(error)[:120]}"


class _FolderSource:
    """The notebooks of a submission folder, listed without following links."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.paths: list[PurePosixPath] = []
        self._seen = 0
        self._walk(folder, PurePosixPath(), 1)

    def _walk(self, folder: Path, relative: PurePosixPath, depth: int) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                self._seen += 1
                if self._seen > MAX_LISTED:
                    raise Unreadable(f"it holds more than {MAX_LISTED} files")
                if entry.name.startswith(".") or entry.is_symlink():
                    continue
                if entry.is_dir() and depth < MAX_DEPTH:
                    self._walk(Path(entry.path), relative / entry.name, depth + 1)
                elif entry.is_file() and entry.name.lower().endswith(".ipynb"):
                    self.paths.append(relative / entry.name)
        self.paths.sort()

    def read(self, path: PurePosixPath) -> bytes:
        with open(self.folder / path, "rb") as notebook:
            content = notebook.read(MAX_NOTEBOOK_BYTES + 1)
        if len(content) > MAX_NOTEBOOK_BYTES:
            raise Unreadable(f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
        return content

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


class _ZipSource(_FolderSource):
    """The notebooks of a submission zip, read lazily."""

    def __init__(self, path: Path):
        directory_bytes = _zip_directory_size(path)
        if directory_bytes > MAX_ZIP_DIRECTORY_BYTES:
            raise Unreadable(
                f"its list of files takes {directory_bytes} bytes; at most "
                f"{MAX_ZIP_DIRECTORY_BYTES} are read"
            )
        self.archive = zipfile.ZipFile(path)
        infos = self.archive.infolist()
        if len(infos) > MAX_LISTED:
            self.archive.close()
            raise Unreadable(f"it holds {len(infos)} files; at most {MAX_LISTED} are read")
        self.entries: dict[PurePosixPath, zipfile.ZipInfo] = {}
        for info in infos:
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts:
                self.archive.close()
                raise Unreadable(f"unsafe path in zip: {one_line(info.filename)[:100]}")
            if (
                info.is_dir()
                or not name.name.lower().endswith(".ipynb")
                or {"__MACOSX", ".ipynb_checkpoints"} & set(name.parts)
            ):
                continue
            self.entries[name] = info
        self.paths = sorted(self.entries)

    def read(self, path: PurePosixPath) -> bytes:
        info = self.entries[path]
        if info.file_size > MAX_NOTEBOOK_BYTES:
            raise Unreadable(f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
        with self.archive.open(info) as notebook:  # decompresses at most file_size bytes
            content = notebook.read(MAX_NOTEBOOK_BYTES + 1)
        if len(content) > MAX_NOTEBOOK_BYTES:
            raise Unreadable(f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
        return content

    def __exit__(self, *exc):
        self.archive.close()


def _zip_directory_size(path: Path) -> int:
    """The size of a zip's central directory, from its end record, before anything parses it
    (zipfile would read it whole). A Zip64 archive counts as too large: no notebook needs one."""
    with open(path, "rb") as archive:
        archive.seek(0, os.SEEK_END)
        size = archive.tell()
        archive.seek(max(0, size - 22 - 65_535))
        tail = archive.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise Unreadable("not a zip file")
    entries, directory_bytes = struct.unpack("<xxxxxxxxxxHI", tail[at : at + 16])
    zip64 = at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07"
    if zip64 or entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:
        return 2**32
    return directory_bytes


def place(
    submission: Submission,
    assignment: str,
    notebook_names: list[str],
    submitted_folder: Path,
    blank_folder: Path,
) -> None:
    """Write the submission where nbgrader expects it, blanks where a notebook is unusable, and
    the intake record (why a notebook is blank) beside them."""
    target = submitted_folder / submission.student / assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in notebook_names:
        destination = target / f"{name}.ipynb"
        if name in submission.notebooks:
            destination.write_bytes(submission.notebooks[name])
        else:
            shutil.copyfile(blank_folder / f"{name}.ipynb", destination)
    blank = {
        name: submission.blank.get(name, "the notebook was missing")
        for name in notebook_names
        if name not in submission.notebooks
    }
    _write_record(
        submitted_folder,
        submission.student,
        assignment,
        {name: (why, _digest(target / f"{name}.ipynb")) for name, why in blank.items()},
    )


def _record_path(submitted_folder: Path, student: str, assignment: str) -> Path:
    """Where the grader keeps the intake record of one student's submission of `assignment`."""
    return Path(submitted_folder).parent / INTAKE_RECORDS / assignment / f"{student}.json"


def intake_record(submitted_folder: Path, student: str, assignment: str) -> dict[str, str]:
    """The notebooks of a placed submission that were graded blank, with the reason: only those
    whose file in `submitted/` is still the one the record was made for (a later collect that
    replaced it makes the entry stale)."""
    folder = Path(submitted_folder) / student / assignment
    return {
        name: why
        for name, (why, digest) in _read_record(submitted_folder, student, assignment).items()
        if _digest(folder / f"{name}.ipynb") == digest
    }


def record_blank(placed_folder: Path, notebook: str, why: str) -> None:
    """Add `notebook` (graded blank, because `why`) to the intake record of a placed submission
    folder (nbgrader's path, which meets an unreadable notebook only while grading)."""
    placed = Path(placed_folder)  # submitted/<student>/<assignment>
    submitted, student, assignment = placed.parent.parent, placed.parent.name, placed.name
    record = _read_record(submitted, student, assignment)
    record[notebook] = (why, _digest(placed / f"{notebook}.ipynb"))
    _write_record(submitted, student, assignment, record)


def _read_record(submitted_folder: Path, student: str, assignment: str) -> dict:
    try:
        found = json.loads(_record_path(submitted_folder, student, assignment).read_text("utf-8"))
        return {str(name): (str(why), str(digest)) for name, (why, digest) in found.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _write_record(submitted_folder: Path, student: str, assignment: str, record: dict) -> None:
    path = _record_path(submitted_folder, student, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record), encoding="utf-8")


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
