"""`learner-kit`: the course as a learner gets it, in one zip, with no instructor tooling.

The kit holds the released notebooks, the learner kit package `coursekit` (visible checks, data,
the hidden-check hook, which fails closed without the grader), the learner's documents, the
learner's requirements, `pyproject.toml` (so `pip install .` installs `coursekit`), a Binder
configuration and `course.py`, which in a kit (no grader/ folder) installs and opens only what
a learner needs. Never in it: solutions/, the grader and its reference package, the tests,
nbgrader, nbgrader_config.py, or anything generated beside the notebooks (checkpoints, caches).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .layout import NOTEBOOKS, REPOSITORY, course_files

KIT_ROOT = "rnn-course"
# (file or folder in the repository, where it goes in the kit)
CONTENTS = [
    (NOTEBOOKS, "notebooks"),
    (REPOSITORY / "coursekit", "coursekit"),
    (REPOSITORY / "docs" / "LEARNERS.md", "README.md"),
    (REPOSITORY / "requirements" / "learner.txt", "requirements/learner.txt"),
    (REPOSITORY / "course.py", "course.py"),
    (REPOSITORY / "binder", "binder"),
    (REPOSITORY / "LICENSE", "LICENSE"),
]
# Learner-facing documents beside LEARNERS.md, shipped when they exist.
LEARNER_DOCS = ("NOTATION.md",)


# The repository's pyproject.toml marks what only the instructors' repository has (its other
# packages, the local judge), and the lines only a kit has: the kit's copy leaves the first out
# and keeps the second, uncommented.
INSTRUCTORS_ONLY = ("# instructors-only: begin", "# instructors-only: end")
KIT_ONLY = "# learner-kit: "


def kit_pyproject() -> bytes:
    """The repository's pyproject.toml as a learner kit has it."""
    kept, skipping = [], False
    for line in (REPOSITORY / "pyproject.toml").read_text().splitlines(keepends=True):
        if line.strip() in INSTRUCTORS_ONLY:
            skipping = line.strip() == INSTRUCTORS_ONLY[0]
        elif not skipping:
            kept.append(line.removeprefix(KIT_ONLY))
    return "".join(kept).encode()


def kit_contents() -> dict[str, bytes]:
    """Path inside the kit -> its bytes."""
    return {
        "pyproject.toml": kit_pyproject(),
        **{name: path.read_bytes() for name, path in kit_files().items()},
    }


def kit_files() -> dict[str, Path]:
    """Path inside the kit -> file in the repository (all but pyproject.toml)."""
    files = {}
    contents = CONTENTS + [
        (REPOSITORY / "docs" / name, f"docs/{name}")
        for name in LEARNER_DOCS
        if (REPOSITORY / "docs" / name).is_file()
    ]
    for source, target in contents:
        if source.is_dir():
            for path in course_files(source):
                files[f"{target}/{path.relative_to(source).as_posix()}"] = path
        else:
            files[target] = source
    return files


def build_learner_kit(destination: Path) -> Path:
    """Write the kit to `destination` (a .zip); the path written."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(kit_contents().items()):
            info = zipfile.ZipInfo(f"{KIT_ROOT}/{name}", date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (
                0o755 if name in ("course.py", "binder/postBuild") else 0o644
            ) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return destination


LEARNER_REPOSITORY_AUTHOR = (
    "-c",
    "user.name=rnn-course learner kit",
    "-c",
    "user.email=learner-kit@invalid",
)


def build_learner_repository(destination: Path) -> Path:
    """The kit as a git repository of its own at `destination` (Binder is built from it): a new
    repository, or a new commit on one this command built before. Its history holds only kits,
    never the instructors' repository, so nothing of solutions/ or grader/ is in any commit."""
    import shutil
    import subprocess

    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    git = ["git", "-C", str(destination), *LEARNER_REPOSITORY_AUTHOR]
    if not (destination / ".git").exists():
        subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    for entry in destination.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for name, data in kit_contents().items():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o755 if name in ("course.py", "binder/postBuild") else 0o644)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "Learner kit"], check=True)
    return destination
