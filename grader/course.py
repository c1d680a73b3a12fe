"""The course as nbgrader sees it: assignments, folders and the preprocessor pipeline.

All of nbgrader's working folders live in one *grading folder* (default `grading/` at the top of
the repository, ignored by git): `source/` (a copy of `solutions/`), `release/` (skeletons for
restoring submissions), `submitted/`, `autograded/`, `feedback/`, `gradebook.db`, `secret.key`
(the seed key of the hidden checks) and `reports/`.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests,
                                    ClearOutput, DeduplicateIds, GetGrades, IgnorePattern,
                                    LimitOutput, OverwriteCells, OverwriteKernelspec,
                                    SaveAutoGrades)
from traitlets.config import Config

from .execute import SandboxedExecute
from .gradebook_schema import use_in_process_alembic_head
from .hidden_checks import JudgeHiddenChecks, PrepareHiddenChecks
from .restore import RestoreNotebookStructure

REPOSITORY = Path(__file__).resolve().parents[1]
SOLUTIONS = REPOSITORY / "solutions"
NOTEBOOKS = REPOSITORY / "notebooks"
DEFAULT_GRADING_FOLDER = REPOSITORY / "grading"
COURSE_ID = "rnn-from-scratch"
ASSIGNMENTS = ("01_feedforward_limits", "02_rnn_recurrence", "03_bptt",
               "04_gradient_pathologies", "05_lstm", "06_gru_and_deep_rnns",
               "07_char_language_model")


def written_assignments() -> list[str]:
    """Assignments of the course map that have a solution notebook so far, in course order."""
    return [name for name in ASSIGNMENTS if (SOLUTIONS / name / f"{name}.ipynb").is_file()]


def written_answer_points(assignment: str) -> float:
    """Points of the assignment's written answers: graded markdown cells, graded by hand."""
    return sum(float(cell.metadata["nbgrader"].get("points", 0))
               for path in sorted((SOLUTIONS / assignment).glob("*.ipynb"))
               for cell in nbformat.read(path, as_version=4).cells
               if cell.cell_type == "markdown"
               and cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def notebook_names(assignment: str) -> list[str]:
    return sorted(path.stem for path in (SOLUTIONS / assignment).glob("*.ipynb"))


@dataclass
class GradingSettings:
    folder: Path = DEFAULT_GRADING_FOLDER
    sandbox: bool = True
    cell_timeout: int = 60
    memory_mb: int = 4096

    @property
    def fault_log(self) -> Path:
        return self.folder / "reports" / "current-run.jsonl"

    @property
    def release_directory(self) -> Path:
        return self.folder / "release"


def prepare_grading_folder(settings: GradingSettings) -> None:
    """Create the grading folder and refresh its copy of the solutions."""
    settings.folder.mkdir(parents=True, exist_ok=True)
    (settings.folder / "reports").mkdir(exist_ok=True)
    source = settings.folder / "source"
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(SOLUTIONS, source, ignore=shutil.ignore_patterns(
        ".ipynb_checkpoints", "__pycache__", "*.pyc"))


def nbgrader_config(settings: GradingSettings) -> Config:
    use_in_process_alembic_head()
    folder = settings.folder.resolve()
    config = Config()
    config.CourseDirectory.root = str(folder)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = f"sqlite:///{folder / 'gradebook.db'}"
    config.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".*"]
    config.Autograde.sanitize_preprocessors = [
        ClearOutput, RestoreNotebookStructure, DeduplicateIds, OverwriteKernelspec,
        OverwriteCells, CheckCellMetadata]
    config.Autograde.autograde_preprocessors = [
        PrepareHiddenChecks, SandboxedExecute, JudgeHiddenChecks, IgnorePattern,
        ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
        CheckCellMetadata]
    config.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests,
                                             CSSHTMLHeaderPreprocessor]
    config.RestoreNotebookStructure.release_directory = str(settings.release_directory)
    config.PrepareHiddenChecks.secret_file = str(folder / "secret.key")
    config.SandboxedExecute.sandbox = settings.sandbox
    config.SandboxedExecute.timeout = settings.cell_timeout
    config.SandboxedExecute.memory_mb = settings.memory_mb
    for reporter in ("SandboxedExecute", "JudgeHiddenChecks", "RestoreNotebookStructure"):
        config[reporter].fault_log = str(settings.fault_log)
    return config
