"""The course as nbgrader sees it: assignments, folders and the preprocessor pipeline.

All of nbgrader's working folders live in one *grading folder* (default `grading/` at the top of
the repository, ignored by git; the environment variable RNN_COURSE_GRADING_FOLDER moves it):
`source/` (a copy of `solutions/`), `release/` (skeletons for restoring submissions),
`submitted/`, `autograded/`, `feedback/`, `gradebook.db`, `secret.key` (the seed key of the
hidden checks), `reports/` and `nbgrader_config.py` (generated: it applies `configure` below).

`configure` is the one place nbgrader is set up for this course. The grading command calls it,
and so do the two nbgrader_config.py files nbgrader itself reads (the repository's, and the
grading folder's), so `nbgrader autograde`, Formgrader's buttons and `python -m grader` all run
the same pipeline: structure restored, cases from the secret seed, kernel in the sandbox,
verdicts judged outside the kernel.
"""
from __future__ import annotations

import os
import shutil
from fnmatch import fnmatch
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbgrader as nbgrader_package
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests,
                                    ClearOutput, DeduplicateIds, GetGrades, IgnorePattern,
                                    LimitOutput, OverwriteCells, OverwriteKernelspec,
                                    SaveAutoGrades)
from traitlets.config import Config

from .execute import SandboxedExecute
from .feedback import KeepOnlyVerdicts
from .gradebook_schema import share_database_sessions, use_in_process_alembic_head
from .hidden_checks import JudgeHiddenChecks, PrepareHiddenChecks
from .lateness import AssignTrustedLatePenalties, LateIsZeroCsvExport, TimedCollect
from .instructor_views import MakeSubmissionInert, RestoreAnswersAsTyped
from .restore import RestoreNotebookStructure
from .submission_exporter import SubmissionExporter

REPOSITORY = Path(__file__).resolve().parents[1]
# The course's own nbconvert templates: Formgrader's MathJax served by the lab (no CDN).
COURSE_TEMPLATES = Path(__file__).resolve().parent / "templates"
NBGRADER_TEMPLATES = Path(nbgrader_package.__file__).parent / "server_extensions" / "formgrader" / "templates"
SOLUTIONS = REPOSITORY / "solutions"
NOTEBOOKS = REPOSITORY / "notebooks"
GRADING_FOLDER_VARIABLE = "RNN_COURSE_GRADING_FOLDER"
DB_URL_VARIABLE = "RNN_COURSE_DB_URL"   # a shared gradebook (e.g. PostgreSQL on a hub)
CLUSTER_VARIABLE = "RNN_COURSE_CLUSTER"  # a Dask scheduler to grade on (grader/cluster.py)
DEFAULT_GRADING_FOLDER = Path(os.environ.get(GRADING_FOLDER_VARIABLE) or REPOSITORY / "grading")
COURSE_ID = "rnn-from-scratch"
# The late-submission rule: a notebook submitted after its assignment's due date, or with a due
# date and no trusted submission time, scores zero ("none": no penalty). Due dates are set per
# assignment; times come only from instructor records (grader/lateness.py, docs/INSTRUCTORS.md).
LATE_PENALTY = "zero"
ASSIGNMENTS = ("01_feedforward_limits", "02_rnn_recurrence", "03_bptt",
               "04_gradient_pathologies", "05_lstm", "06_gru_and_deep_rnns",
               "07_char_language_model")


# What Jupyter and Python leave beside the notebooks (a learner opening the course makes
# .ipynb_checkpoints/): never part of the course, so never copied, released or compared.
NOT_COURSE_FILES = (".ipynb_checkpoints", "__pycache__", "*.pyc")


def course_files(folder: Path) -> list[Path]:
    """Every file under `folder` that belongs to the course (see NOT_COURSE_FILES)."""
    return sorted(path for path in Path(folder).rglob("*") if path.is_file()
                  and not any(fnmatch(part, pattern) for part in path.relative_to(folder).parts
                              for pattern in NOT_COURSE_FILES))


def written_assignments() -> list[str]:
    """Assignments of the course map that have a solution notebook so far, in course order."""
    return [name for name in ASSIGNMENTS if (SOLUTIONS / name / f"{name}.ipynb").is_file()]


def notebook_names(assignment: str) -> list[str]:
    return sorted(path.stem for path in (SOLUTIONS / assignment).glob("*.ipynb"))


@dataclass
class GradingSettings:
    folder: Path = DEFAULT_GRADING_FOLDER
    sandbox: bool = True
    cell_timeout: int = 60
    memory_mb: int = 4096
    notebook_timeout: int = 300   # seconds all the cells of one notebook may run together
    # empty: gradebook.db (SQLite) in the grading folder
    db_url: str = field(default_factory=lambda: os.environ.get(DB_URL_VARIABLE, ""))
    # empty: grade on this machine (--jobs); else a Dask scheduler's address (grader/cluster.py)
    cluster: str = field(default_factory=lambda: os.environ.get(CLUSTER_VARIABLE, ""))

    @property
    def gradebook_url(self) -> str:
        return self.db_url or f"sqlite:///{self.folder.resolve() / 'gradebook.db'}"

    @property
    def fault_log(self) -> Path:
        return self.folder / "reports" / "current-run.jsonl"

    @property
    def release_directory(self) -> Path:
        return self.folder / "release"


FOLDER_CONFIG = """\
# Generated by the course's grading command (grader/course.py, write_folder_config); do not edit.
# nbgrader reads this file when it runs in this folder (`nbgrader autograde ...`, Formgrader):
# it sets up the same grading pipeline as `python -m grader`.
import sys
from pathlib import Path
sys.path.insert(0, {repository!r})
from grader.course import GradingSettings, configure
settings = GradingSettings(folder=Path(__file__).resolve().parent)
{db_line}configure(c, settings)
"""


def prepare_grading_folder(settings: GradingSettings) -> None:
    """Create the grading folder, refresh its copy of the solutions, write its nbgrader config."""
    settings.folder.mkdir(parents=True, exist_ok=True)
    settings.folder.chmod(0o700)  # submissions, grades and the secret key: the grading user's only
    (settings.folder / "reports").mkdir(exist_ok=True)
    source = settings.folder / "source"
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(SOLUTIONS, source, ignore=shutil.ignore_patterns(*NOT_COURSE_FILES))
    write_folder_config(settings)


def write_folder_config(settings: GradingSettings) -> Path:
    """The grading folder's nbgrader_config.py (nbgrader run from inside the folder reads it)."""
    path = settings.folder / "nbgrader_config.py"
    db_line = (f"settings.db_url = {settings.db_url!r}  # the gradebook this folder was set up with\n"
               if settings.db_url else "")  # else $RNN_COURSE_DB_URL, or gradebook.db here
    text = FOLDER_CONFIG.format(repository=str(REPOSITORY), db_line=db_line)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def quiet_nbgrader_warnings() -> None:
    """nbgrader 0.9 builds a submission's rows before adding them to its session, and
    SQLAlchemy warns about it three times per autograde; the rows are added right after."""
    warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session")


def nbgrader_config(settings: GradingSettings) -> Config:
    return configure(Config(), settings)


def configure(config: Config, settings: GradingSettings) -> Config:
    """Set nbgrader's configuration `config` (a traitlets Config, or nbgrader_config.py's `c`)
    up for this course with the grading folder and limits of `settings`; returns it."""
    use_in_process_alembic_head()
    quiet_nbgrader_warnings()
    folder = settings.folder.resolve()
    config.CourseDirectory.root = str(folder)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = settings.gradebook_url
    share_database_sessions(settings.gradebook_url)  # several graders on one PostgreSQL gradebook
    config.CourseDirectory.ignore = [*NOT_COURSE_FILES, ".*", "nbgrader_config.py"]
    config.AssignTrustedLatePenalties.penalty_method = LATE_PENALTY
    config.AssignTrustedLatePenalties.grading_folder = str(folder)
    config.ExchangeFactory.collect = TimedCollect        # records each submission's trusted time
    config.ExportApp.plugin_class = LateIsZeroCsvExport  # `nbgrader export`: late work is zero
    config.Autograde.exporter_class = SubmissionExporter  # unreadable: blank; failed: zero
    config.SubmissionExporter.release_directory = str(settings.release_directory)
    # nbgrader release_assignment and Formgrader's Release: the course's exposure check first
    config.ExchangeFactory.release_assignment = "grader.exchange.CourseReleaseAssignment"
    config.Autograde.sanitize_preprocessors = [
        ClearOutput, RestoreNotebookStructure, DeduplicateIds, OverwriteKernelspec,
        OverwriteCells, CheckCellMetadata]
    config.Autograde.autograde_preprocessors = [
        PrepareHiddenChecks, SandboxedExecute, JudgeHiddenChecks, IgnorePattern,
        ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignTrustedLatePenalties,
        MakeSubmissionInert, CheckCellMetadata]
    # Formgrader's pages (and feedback): the course's templates first (its MathJax), then
    # nbgrader's; HTML in outputs sanitised (MakeSubmissionInert already keeps only text and
    # images in autograded notebooks; this also covers ones autograded before it existed).
    config.HTMLExporter.extra_template_basedirs = [str(COURSE_TEMPLATES), str(NBGRADER_TEMPLATES)]
    config.HTMLExporter.sanitize_html = True
    # RestoreAnswersAsTyped only right before KeepOnlyVerdicts, which shows answers verbatim.
    config.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, RestoreAnswersAsTyped,
                                             KeepOnlyVerdicts, CSSHTMLHeaderPreprocessor]
    config.RestoreNotebookStructure.release_directory = str(settings.release_directory)
    config.PrepareHiddenChecks.secret_file = str(folder / "secret.key")
    config.SandboxedExecute.sandbox = settings.sandbox
    config.SandboxedExecute.timeout = settings.cell_timeout
    config.SandboxedExecute.memory_mb = settings.memory_mb
    config.SandboxedExecute.notebook_timeout = settings.notebook_timeout
    for reporter in ("SandboxedExecute", "JudgeHiddenChecks", "RestoreNotebookStructure",
                     "SubmissionExporter"):
        config[reporter].fault_log = str(settings.fault_log)
    return config
