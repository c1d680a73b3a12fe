"""Take in a folder of submissions: one folder or zip per student.

Accepted layouts, for assignment A with notebook A.ipynb (the student id is the folder or zip
name): `alice/A.ipynb`, `alice/A/A.ipynb`, `alice.zip` holding either of those (optionally under
one top folder). A `timestamp.txt` beside the notebook (`nbgrader collect` writes one: when the
learner submitted) is kept, so late submissions are marked late. Only the assignment's notebooks
are taken; other files are ignored, so nothing shipped beside a submission can shadow a module.
A notebook that is missing, unreadable, too large or not a notebook is replaced by the blank
released notebook (it scores zero) and the reason is reported; one student's bad submission
never stops the others.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

MAX_NOTEBOOK_BYTES = 20 * 2**20
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")


@dataclass
class Submission:
    student: str
    notebooks: dict[str, bytes] = field(default_factory=dict)   # notebook name -> file content
    problems: list[tuple[str, str]] = field(default_factory=list)  # (notebook or "-", what)
    timestamp: str | None = None   # nbgrader's timestamp.txt, if the submission had one


def collect(folder: Path, assignment: str, notebook_names: list[str]) -> tuple[list[Submission], list[str]]:
    """The submissions in `folder`, and entries that could not be read as any student's."""
    submissions, skipped = [], []
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith("."):
            continue
        student = entry.stem if entry.suffix == ".zip" else entry.name
        if not STUDENT_ID.match(student):
            skipped.append(f"{entry.name}: not a valid student id (letters, digits, _ . @ -)")
            continue
        if entry.is_dir():
            files = _files_in_folder(entry)
        elif entry.suffix == ".zip":
            try:
                files = _files_in_zip(entry)
            except (zipfile.BadZipFile, OSError, ValueError) as error:
                submissions.append(Submission(student, problems=[("-", f"unreadable zip: {error}")]))
                continue
        else:
            skipped.append(f"{entry.name}: neither a folder nor a .zip")
            continue
        submission = _pick_notebooks(student, files, assignment, notebook_names)
        if entry.is_dir():
            submission.timestamp = _timestamp(entry, assignment)
        submissions.append(submission)
    return submissions, skipped


def _timestamp(folder: Path, assignment: str) -> str | None:
    for path in (folder / assignment / "timestamp.txt", folder / "timestamp.txt"):
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= 100:
            return path.read_text(encoding="utf-8", errors="replace").strip() or None
    return None


def _files_in_folder(folder: Path) -> dict[PurePosixPath, bytes]:
    files = {}
    for path in folder.rglob("*.ipynb"):
        if path.is_file() and not path.is_symlink() and ".ipynb_checkpoints" not in path.parts:
            relative = PurePosixPath(path.relative_to(folder).as_posix())
            files[relative] = path.read_bytes() if path.stat().st_size <= MAX_NOTEBOOK_BYTES else b""
    return files


def _files_in_zip(path: Path) -> dict[PurePosixPath, bytes]:
    files = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir() or name.suffix != ".ipynb" or ".ipynb_checkpoints" in name.parts \
                    or "__MACOSX" in name.parts:
                continue
            if name.is_absolute() or ".." in name.parts:
                raise ValueError(f"unsafe path in zip: {info.filename}")
            files[name] = archive.read(info) if info.file_size <= MAX_NOTEBOOK_BYTES else b""
    return files


def _pick_notebooks(student: str, files: dict[PurePosixPath, bytes], assignment: str,
                    notebook_names: list[str]) -> Submission:
    submission = Submission(student)
    for name in notebook_names:
        candidates = [path for path in files if path.name == f"{name}.ipynb"
                      and (len(path.parts) == 1 or path.parts[-2] in (assignment, *path.parts[:1]))
                      and len(path.parts) <= 3]
        if not candidates:
            found = ", ".join(str(path) for path in files) or "no notebooks"
            submission.problems.append((name, f"missing {name}.ipynb (found: {found[:200]}); "
                                              f"graded as blank"))
            continue
        if len(candidates) > 1:
            submission.problems.append((name, f"{len(candidates)} copies of {name}.ipynb; "
                                              f"graded {candidates[0]}"))
        content = files[sorted(candidates, key=lambda path: len(path.parts))[0]]
        problem = _unreadable(content)
        if problem:
            submission.problems.append((name, f"{problem}; graded as blank"))
            continue
        submission.notebooks[name] = content
    return submission


def _unreadable(content: bytes) -> str | None:
    if not content:
        return f"empty or larger than {MAX_NOTEBOOK_BYTES // 2**20} MB"
    try:
        notebook = nbformat.reads(content.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # any reason a notebook cannot be read is the same to the learner
        return f"corrupt notebook ({type(error).__name__}: {str(error)[:120]})"
    return None


def place(submission: Submission, assignment: str, notebook_names: list[str],
          submitted_folder: Path, blank_folder: Path) -> None:
    """Write the submission where nbgrader expects it, blanks where a notebook is unusable."""
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
    if submission.timestamp:
        (target / "timestamp.txt").write_text(submission.timestamp + "\n", encoding="utf-8")
