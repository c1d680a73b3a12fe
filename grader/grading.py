"""Autograde, feedback, export and selfcheck over nbgrader's Python API.

Each function takes `GradingSettings` (the grading folder and the sandbox's limits) and returns
what it did, so the command line (`cli.py`) and the tests share one path.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import re
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from tqdm import tqdm

from .cluster import ClusterProblem, ClusterReport, address_problem, grade_students_on_cluster
from .extensions import (
    check_extensions,
    extensions_path,
    read_extensions,
    recorded_extensions,
    write_extensions,
)
from .faults import Fault, append_fault, read_faults
from .feedback import FeedbackRun, generate_feedback
from .intake import collect, place
from .lateness import (
    NO_TRUSTED_TIME,
    LateIsZeroCsvExport,
    TrustedTime,
    Verdict,
    apply_verdict,
    read_record,
    verdict,
    write_record,
    write_timestamp_files,
)
from .layout import COURSE_ID, SOLUTIONS, notebook_names, written_assignments
from .nbgrader_setup import LATE_PENALTY, nbgrader_config
from .parallel import autograde_in_worker, autograde_student, start_worker
from .release import generate
from .settings import GradingSettings
from .submission_exporter import GRADING_FAILED, zero_autograded


class UnknownAssignment(ValueError):
    pass


@dataclass
class StudentScore:
    student: str
    score: float
    max_score: float
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)  # grade_id -> (score, max)
    written: set[str] = field(default_factory=set)  # grade_ids of answers graded by hand
    # The written answers the learner answered, which wait for a person; one left as released
    # ("YOUR ANSWER HERE") is not among them: nbgrader scores it 0 itself.
    to_grade_by_hand: set[str] = field(default_factory=set)
    late_penalty: float = 0.0
    lateness: Verdict | None = None  # when it was submitted, from which record, late or not
    extended: bool = False  # the due date of lateness is the student's own (an extension)

    @property
    def auto_score(self) -> float:
        """Points from the autograded cells (hidden checks)."""
        return sum(score for cell, (score, _) in self.cells.items() if cell not in self.written)

    @property
    def auto_max(self) -> float:
        return sum(maximum for cell, (_, maximum) in self.cells.items() if cell not in self.written)


@dataclass
class AutogradeRun:
    assignment: str
    scores: dict[str, StudentScore]
    faults: list[Fault]
    skipped: list[str]
    seconds: float
    report: Path
    cluster: ClusterReport | None = None  # graded on a Dask cluster: refused workers, moves

    @property
    def untimed(self) -> list[str]:
        """Students with a due date and no trusted submission time (graded as late)."""
        return sorted(
            student
            for student, score in self.scores.items()
            if score.lateness and score.lateness.status == NO_TRUSTED_TIME
        )


def check_assignment(assignment: str) -> None:
    if assignment not in written_assignments():
        known = ", ".join(written_assignments())
        raise UnknownAssignment(f"unknown assignment {assignment!r}; the course has: {known}")


def autograde(
    settings: GradingSettings,
    assignment: str,
    submissions_folder: Path | None = None,
    *,
    jobs: int = 1,
    progress: bool = True,
    times: dict[str, TrustedTime] | None = None,
    cluster=None,
) -> AutogradeRun:
    """Grade every submission in `submissions_folder` (one folder or zip per student), or, with
    None, the submissions `nbgrader collect` put in the grading folder's `submitted/`; `jobs`
    submissions at a time. `times` (from an LMS times file) are the submissions' trusted times;
    without them, collected submissions keep the times the course's collect recorded, and a
    folder's submissions have none (grader/lateness.py). `cluster`: a Dask scheduler's address
    or a `distributed.Client` (default: settings.cluster) to grade on instead of `jobs` local
    processes (grader/cluster.py)."""
    check_assignment(assignment)
    cluster = cluster or settings.cluster or None
    if isinstance(cluster, str) and address_problem(cluster):
        raise ClusterProblem(address_problem(cluster))  # before anything is graded
    recorded_extensions(settings.folder)  # a record that cannot be read stops grading here
    collected = submissions_folder is None
    submissions_folder = Path(submissions_folder or settings.folder / "submitted")
    if not submissions_folder.is_dir():
        what = "no collected submissions" if collected else "no folder of submissions"
        raise FileNotFoundError(f"{what} at {submissions_folder}")
    started = time.perf_counter()
    generate(settings, [assignment])
    names = notebook_names(assignment)
    submissions, skipped = collect(submissions_folder, assignment, names)
    if collected:  # students who collected nothing for this assignment are not graded
        submissions = [
            s for s in submissions if (submissions_folder / s.student / assignment).is_dir()
        ]
        skipped = []
    settings.fault_log.unlink(missing_ok=True)
    if times is not None or not collected:  # the record of this run's students: `times` only
        write_record(
            settings.folder,
            assignment,
            {s.student: (times or {}).get(s.student) for s in submissions},
        )
    for submission in submissions:
        for notebook, problem in submission.problems:
            append_fault(
                settings.fault_log, Fault(submission.student, notebook, "-", "submission", problem)
            )
        secret = submission_secret(submissions_folder / submission.student, assignment)
        place(
            submission,
            assignment,
            names,
            settings.folder / "submitted",
            settings.release_directory / assignment,
        )
        if secret:  # nbgrader's release_feedback names the learner's feedback with it
            (
                settings.folder / "submitted" / submission.student / assignment / SUBMISSION_SECRET
            ).write_text(secret, encoding="ascii")
    students = [s.student for s in submissions]
    cluster_report = None
    if cluster:
        with _progress_bar(assignment, students, progress) as bar:
            results, cluster_report = grade_students_on_cluster(
                settings, assignment, students, cluster, on_result=bar.update
            )
    else:
        results = grade_students(settings, assignment, students, jobs=jobs, progress=progress)
    reported = {
        fault.student for fault in read_faults(settings.fault_log) if fault.kind == GRADING_FAILED
    }  # by the exporter, with the error itself
    for student, result in sorted(results.items()):
        if not result["success"]:
            if student not in reported:
                append_fault(
                    settings.fault_log, Fault(student, "-", "-", GRADING_FAILED, result["detail"])
                )
            zero_autograded_cells(settings, assignment, student)
    apply_lateness(settings, assignment, sorted(results))
    faults = sorted(read_faults(settings.fault_log), key=lambda fault: fault.student)
    # this run's students only: a shared gradebook also holds other graders' students
    scores = {
        student: score
        for student, score in read_scores(settings, assignment).items()
        if student in results
    }
    run = AutogradeRun(
        assignment,
        scores,
        faults,
        skipped,
        time.perf_counter() - started,
        settings.folder
        / "reports"
        / f"autograde-{assignment}-{time.strftime('%Y%m%d-%H%M%S')}.txt",
        cluster=cluster_report,
    )
    run.report.write_text(format_report(run), encoding="utf-8")
    return run


SUBMISSION_SECRET = "submission_secret.txt"
SECRET_FORM = re.compile(r"[0-9a-f]{32,256}")


def submission_secret(folder: Path, assignment: str) -> str | None:
    """The `submission_secret.txt` nbgrader's submit wrote beside a learner's submission (kept
    when the submission is rewritten, so `nbgrader release_feedback` can name the feedback the
    learner fetches). Written by the learner's own submit, so trusted for nothing but that name:
    only a regular file (no link) holding nbgrader's form of secret (hex) is kept."""
    for path in (folder / assignment / SUBMISSION_SECRET, folder / SUBMISSION_SECRET):
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > 1024:
                continue
            secret = path.read_text(encoding="ascii").strip()
        except (OSError, ValueError):
            continue
        if SECRET_FORM.fullmatch(secret):
            return secret
    return None


def grade_students(
    settings: GradingSettings,
    assignment: str,
    students: list[str],
    *,
    jobs: int = 1,
    progress: bool = True,
) -> dict[str, dict]:
    """nbgrader's autograde of each student's placed submission, `jobs` at a time (worker
    processes; see grader/parallel.py); each student's result (success, detail)."""
    bar = _progress_bar(assignment, students, progress)
    results = {}
    with bar:
        if jobs <= 1 or len(students) <= 1:
            api = NbGraderAPI(config=nbgrader_config(settings))
            for student in students:
                results[student] = autograde_student(api, assignment, student)
                bar.update()
            return results
        # Workers fork from a fresh server process that has imported the grader once: no
        # kernels, sockets or locks inherited from this process, and no import cost per worker.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["grader.parallel"])
        with ProcessPoolExecutor(
            min(jobs, len(students)),
            mp_context=context,
            initializer=start_worker,
            initargs=(settings,),
        ) as pool:
            futures = {
                pool.submit(autograde_in_worker, assignment, student): student
                for student in students
            }
            for future in as_completed(futures):
                try:
                    results[futures[future]] = future.result()
                except Exception as error:  # a worker died: that student has no grade
                    results[futures[future]] = {
                        "success": False,
                        "detail": f"grading worker failed: {type(error).__name__}: {error}",
                    }
                bar.update()
    return results


def _progress_bar(assignment: str, students: list[str], progress: bool) -> tqdm:
    return tqdm(
        total=len(students), desc=f"autograde {assignment}", unit="student", disable=not progress
    )


def open_gradebook(settings: GradingSettings) -> Gradebook:
    """The course's gradebook, configured as every grading path configures it."""
    return Gradebook(nbgrader_config(settings).CourseDirectory.db_url, COURSE_ID)


def zero_autograded_cells(settings: GradingSettings, assignment: str, student: str) -> None:
    """A submission whose grading failed scores zero on every autograded cell (never the grade
    of an earlier run); grades given by hand stay."""
    with open_gradebook(settings) as gradebook:
        zero_autograded(gradebook, assignment, student)


def apply_lateness(
    settings: GradingSettings, assignment: str, students: list[str] | None = None
) -> dict[str, Verdict]:
    """Apply the grading folder's trusted times to the graded submissions of `assignment` (of
    `students`, default all): each one's time, and its late penalty. Autograde does this per
    notebook too (AssignTrustedLatePenalties); here it also reaches a submission whose grading
    failed, and a record changed after grading (`python -m grader times`)."""
    record = read_record(settings.folder, assignment)
    extensions = recorded_extensions(settings.folder)
    verdicts = {}
    with open_gradebook(settings) as gradebook:
        try:
            graded = [s.student.id for s in gradebook.find_assignment(assignment).submissions]
        except MissingEntry:
            return {}
        for student in graded:
            if students is None or student in students:
                own = extensions.get((assignment, student))
                verdicts[student] = apply_verdict(
                    gradebook,
                    assignment,
                    student,
                    record.get(student),
                    LATE_PENALTY,
                    own_due=own.due if own else None,
                )
                write_timestamp_files(settings.folder, assignment, student, record.get(student))
    return verdicts


def record_extensions(
    settings: GradingSettings,
    path: Path | None,
    zone: str | None = None,
    also_known: set[str] = frozenset(),
) -> dict[str, dict[str, Verdict]]:
    """Take the instructor's extensions file `path` (None: the grading folder's record again,
    after editing it by hand) as the grading folder's record, once it is checked
    (grader/extensions.py: every line's student known to the gradebook, collected, or in
    `also_known`; every due date after its assignment's), and apply lateness to the submissions
    graded in this grading folder, without regrading. Returns assignment -> student -> verdict."""
    source = path or extensions_path(settings.folder)
    extensions = read_extensions(source, written_assignments(), "UTC" if path is None else zone)
    settings.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open_gradebook(settings) as gradebook:
        known = {student.id for student in gradebook.students}
        due_dates = {}
        for assignment in written_assignments():
            try:
                due_dates[assignment] = gradebook.find_assignment(assignment).duedate
            except MissingEntry:
                due_dates[assignment] = None
    known |= {folder.name for folder in (settings.folder / "submitted").glob("*")}
    check_extensions(extensions, known | set(also_known), due_dates, source)
    write_extensions(settings.folder, extensions)
    return {
        assignment: apply_lateness(settings, assignment, graded_here(settings, assignment))
        for assignment in written_assignments()
    }


def graded_here(settings: GradingSettings, assignment: str) -> list[str]:
    """The students whose submission of `assignment` is in this grading folder (a shared
    gradebook also holds students other grading folders graded)."""
    return sorted(
        folder.parent.name for folder in (settings.folder / "submitted").glob(f"*/{assignment}")
    )


def read_scores(settings: GradingSettings, assignment: str) -> dict[str, StudentScore]:
    scores = {}
    record = read_record(settings.folder, assignment)
    with open_gradebook(settings) as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            return {}
        for submission in found.submissions:
            student = StudentScore(
                submission.student.id,
                submission.score,
                submission.max_score,
                late_penalty=submission.late_submission_penalty or 0.0,
            )
            student.lateness = verdict(submission.duedate, record.get(student.student))
            student.extended = submission.extension is not None
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    student.cells[grade.name] = (grade.score, grade.max_score)
                    if grade.cell.cell_type == "markdown":
                        student.written.add(grade.name)
                        if grade.auto_score is None:  # changed from the release: answered
                            student.to_grade_by_hand.add(grade.name)
            scores[student.student] = student
    return scores


def format_report(run: AutogradeRun) -> str:
    lines = [
        f"Autograde of {run.assignment}: {len(run.scores)} submissions in {run.seconds:.1f} s",
        "",
        "student | score | max | written answers to grade by hand | late penalty | "
        "submitted (UTC) | time from | lateness",
    ]
    lines += [
        f"{s.student} | {s.score:g} | {s.max_score:g} | {len(s.to_grade_by_hand)} | "
        f"{s.late_penalty:g} | {_lateness_columns(s.lateness, s.extended)}"
        for s in sorted(run.scores.values(), key=lambda score: score.student)
    ]
    if run.untimed:
        lines += [
            "",
            f"No trusted time ({len(run.untimed)}): the assignment has a due date and "
            "nothing the instructor controls dates these submissions, so they are "
            "graded as late. Record their times with `python -m grader times "
            f"{run.assignment} FILE` (an LMS export; no regrading needed) or collect "
            "them with the course's exchange:",
        ] + run.untimed
    lines += ["", f"Faults ({len(run.faults)}): student | notebook | cell | what | detail"]
    lines += [fault.line() for fault in run.faults] or ["none"]
    if run.skipped:
        lines += ["", "Not taken in:"] + run.skipped
    if run.cluster:
        lines += ["", *run.cluster.lines()]
    return "\n".join(lines) + "\n"


def _lateness_columns(found: Verdict | None, extended: bool = False) -> str:
    if found is None:
        return "- | - | -"
    when = f"{found.trusted.time:%Y-%m-%d %H:%M:%S}" if found.trusted else "-"
    extension = f" (extension: due {found.due:%Y-%m-%d %H:%M:%S})" if extended else ""
    return f"{when} | {found.source} | {found.status}{extension}"


def feedback(settings: GradingSettings, assignment: str, *, progress: bool = True) -> FeedbackRun:
    """HTML feedback for every autograded student (see grader/feedback.py)."""
    check_assignment(assignment)
    graded_here = [
        student
        for student in sorted(read_scores(settings, assignment))
        if (settings.folder / "autograded" / student / assignment).is_dir()
    ]
    # (a shared gradebook also holds students other graders graded in their grading folders)
    return generate_feedback(
        nbgrader_config(settings), settings.folder, assignment, graded_here, progress=progress
    )


def export(settings: GradingSettings, destination: Path) -> Path:
    """Every grade in the gradebook as CSV (nbgrader's exporter; late work scores zero)."""
    plugin = LateIsZeroCsvExport()
    plugin.to = str(destination)
    plugin.grading_folder = str(settings.folder)
    with open_gradebook(settings) as gradebook:
        plugin.export(gradebook)
    return destination


@dataclass
class SelfcheckRow:
    assignment: str
    solution: float  # the solution's autograded points
    blank: float  # the blank release's autograded points
    max_score: float  # the autograded points there are (written answers are graded by hand)

    @property
    def ok(self) -> bool:
        return self.max_score > 0 and self.solution == self.max_score and self.blank == 0


def selfcheck(
    settings: GradingSettings,
    assignments: list[str] | None = None,
    *,
    jobs: int = 1,
    progress: bool = True,
) -> tuple[list[SelfcheckRow], list[Fault]]:
    """Grade each solution notebook (must score full marks) and each blank release (zero), in a
    grading folder of their own: nothing reaches `settings.folder`'s gradebook or reports."""
    rows, faults = [], []
    with tempfile.TemporaryDirectory(prefix="rnn-course-selfcheck-") as temporary:
        own = dataclasses.replace(settings, folder=Path(temporary) / "grading", db_url="")
        for assignment in assignments or written_assignments():
            generate(own, [assignment])
            submissions = Path(temporary) / "submissions" / assignment
            for student, source in (
                ("solution", SOLUTIONS / assignment),
                ("blank", own.release_directory / assignment),
            ):
                (submissions / student).mkdir(parents=True)
                for notebook in source.glob("*.ipynb"):
                    shutil.copyfile(notebook, submissions / student / notebook.name)
            run = autograde(own, assignment, submissions, jobs=jobs, progress=progress)
            faults += run.faults
            solution, blank = run.scores["solution"], run.scores["blank"]
            rows.append(
                SelfcheckRow(assignment, solution.auto_score, blank.auto_score, solution.auto_max)
            )
    return rows, faults
