"""Grading on a Dask cluster (`autograde --cluster ADDRESS`): per student, beyond one machine.

Dask (`distributed`) does the scheduling: one task per student, submitted with `Client.submit`
and gathered with `as_completed`; a task whose worker dies is run again on another worker by the
scheduler itself. Nothing here queues or places work.

Each task is the grading unit of `--jobs` (grader/parallel.py, `autograde_student`: nbgrader's
autograde with the course's configuration, so the same sandbox, limits and judging), run on the
worker in a *working copy* of its own: a grading folder under the worker's local directory, with
its own SQLite gradebook, set up by `generate` from the worker's checkout of the course (which
must be the client's: the task carries a digest of the course's code and the assignment's
solutions, and a worker whose digest differs refuses). The task carries the student's placed
submission (files of `submitted/STUDENT/ASSIGNMENT/` and its intake record), the grading limits
and the course's secret key; it returns the autograded files, the grades and comments nbgrader
wrote into the worker's gradebook, and the faults of that student. Only the client (this
process) writes the course's gradebook and grading folder, once per student, when the result
arrives: whatever happens to workers, a student's grade is written exactly once per run, and a
worker that dies mid-task leaves nothing behind but its own working copy.

The secret key travels with each task, over Dask's connection. On the worker it is on disk (its
working copy, mode 0600 in a 0700 folder) only while that task grades, like the student's files;
the hidden checks' cases are made from it there as they are locally, and the learner's kernel
sees neither (the sandbox is the same). A Dask worker runs whatever code a client of its
scheduler sends, so the cluster must be the instructor's alone; and the key and the submissions
must not cross a network in the clear: a `tcp://` address that is not loopback is refused, use
`tls://` (docs/INSTRUCTORS.md, Grading on a cluster).

A worker that cannot sandbox learners' kernels (bubblewrap missing or unable to run, the seccomp
filter missing) refuses, unless the instructor passed --no-sandbox: every worker is checked
before any student is sent, and again by each task. A refusing worker is retired from the
cluster (it would otherwise keep taking students) and reported; its student goes to another.
"""

from __future__ import annotations

import hashlib
import ipaddress
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from nbgrader.api import Gradebook, MissingEntry

from .faults import Fault, append_fault, read_faults
from .hidden_checks import load_or_create_secret
from .intake import INTAKE_RECORDS
from .layout import COURSE_ID, REPOSITORY, SOLUTIONS, course_files
from .nbgrader_setup import nbgrader_config
from .parallel import autograde_student
from .release import generate
from .sandbox import bubblewrap_problem, filter_problem, sandbox_problem
from .settings import GradingSettings

# `distributed` is imported where it is used (about 0.4 s): local grading and every other
# command of `python -m grader` import this module without needing it.
if TYPE_CHECKING:
    from distributed import Client

EVENT_TOPIC = "rnn-course-grading"  # a task's start, logged to the scheduler (moved students)
WORKER_FOLDER = "rnn-course-grading"  # the working copy, in the worker's local directory
CODE_PACKAGES = ("grader", "coursekit", "rnn_numpy")  # what grades (those present are digested)
CONNECT_SECONDS = 60


class ClusterProblem(RuntimeError):
    """The cluster cannot grade: unreachable, insecure address, or no worker can sandbox."""


class WorkerRefused(RuntimeError):
    """Raised by a task on a worker that must not grade: (address, label, why)."""


@dataclass
class ClusterReport:
    """What the cluster did besides grading: for the run's report."""

    address: str
    workers: list[str] = field(default_factory=list)  # workers that graded at least one student
    refused: dict[str, str] = field(default_factory=dict)  # worker -> why it refused
    # student -> the workers its grading started on that did not return its grade (lost, with
    # a result not yet fetched, or refusing)
    moved: dict[str, list[str]] = field(default_factory=dict)
    graded_by: dict[str, str] = field(default_factory=dict)  # student -> worker

    def lines(self) -> list[str]:
        lines = [
            f"Cluster {self.address}: {len(self.graded_by)} students graded by "
            f"{len(self.workers)} workers ({', '.join(self.workers) or 'none'})"
        ]
        lines += [f"Refused to grade ({len(self.refused)}): worker | why"]
        lines += [f"{worker} | {why}" for worker, why in sorted(self.refused.items())] or ["none"]
        lines += [
            f"Moved ({len(self.moved)}): student | started on, grade not returned (worker "
            f"lost or refused) | graded by"
        ]
        lines += [
            f"{student} | {', '.join(started)} | {self.graded_by.get(student, 'nobody')}"
            for student, started in sorted(self.moved.items())
        ] or ["none"]
        return lines


def address_problem(address: str) -> str | None:
    """Why the client must not send the key and submissions to `address` (None: it may)."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme == "tls":
        return None
    if parts.scheme != "tcp":
        return f"cluster address {address!r}: only tcp:// (loopback) and tls:// are supported"
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return (
            f"cluster address {address!r} is plain tcp:// to another machine: the course's "
            f"secret key and learners' submissions would cross the network in the clear. "
            f"Use tls:// with Dask's TLS configuration (docs/INSTRUCTORS.md, Grading on a "
            f"cluster)"
        )
    return None


def course_digest(assignment: str) -> str:
    """A digest of what grades `assignment`: the course's code and the assignment's solutions."""
    digest = hashlib.sha256()
    folders = [REPOSITORY / name for name in CODE_PACKAGES if (REPOSITORY / name).is_dir()]
    files = [path for folder in folders for path in course_files(folder) if path.suffix == ".py"]
    files += course_files(SOLUTIONS / assignment)
    for path in files:
        digest.update(str(path.relative_to(REPOSITORY)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# -- on a worker --------------------------------------------------------------------------------
_one_at_a_time = threading.Lock()  # a worker with several threads still grades one student
_prepared: set[tuple[str, str]] = set()  # (folder, assignment) set up in this process


def worker_label(address: str, name) -> str:
    """How the report names a worker: its name (`dask worker --name`) and address."""
    return address if str(name) in ("", "None", address) else f"{name} ({address})"


def worker_problem(sandbox: bool, digest: str, assignment: str) -> str | None:
    """Why this worker must not grade (None: it may): it cannot sandbox learners' kernels
    (with --no-sandbox: it cannot build the seccomp filter, which still holds then), or its
    course is not the client's."""
    problem = (sandbox_problem() or bubblewrap_problem()) if sandbox else filter_problem()
    if problem:
        return problem
    if course_digest(assignment) != digest:
        return (
            "its checkout of the course differs from the client's (code or solutions of "
            f"{assignment}); update it to the client's commit"
        )
    return None


def grade_on_worker(task: dict) -> dict:
    """One student's grading, on a worker (see the module's docstring for `task`'s fields)."""
    from distributed import get_worker

    worker = get_worker()
    with _one_at_a_time:
        problem = worker_problem(task["sandbox"], task["digest"], task["assignment"])
        label = worker_label(worker.address, worker.name)
        if problem:
            raise WorkerRefused(worker.address, label, problem)
        # ("grader": the scheduler overwrites a "worker" key with the address)
        worker.log_event(
            EVENT_TOPIC, {"run": task["run"], "student": task["student"], "grader": label}
        )
        settings = GradingSettings(
            folder=Path(worker.local_directory) / WORKER_FOLDER,
            sandbox=task["sandbox"],
            timeout=task["timeout"],
            memory_mb=task["memory_mb"],
            notebook_timeout=task["notebook_timeout"],
            db_url="",
        )  # its own SQLite gradebook, whatever the environment
        return dict(_grade_in_working_copy(settings, task), worker=label)


def _grade_in_working_copy(settings: GradingSettings, task: dict) -> dict:
    assignment, student = task["assignment"], task["student"]
    if (str(settings.folder), assignment) not in _prepared:
        generate(settings, [assignment])
        _prepared.add((str(settings.folder), assignment))
    _write_files(settings.folder / "submitted" / student / assignment, task["submitted"])
    _write_intake_record(settings.folder, assignment, student, task["intake_record"])
    settings.fault_log.unlink(missing_ok=True)
    key = settings.folder / "secret.key"
    key.unlink(missing_ok=True)
    key.touch(mode=0o600)
    key.write_text(task["secret"], encoding="ascii")
    autograded = settings.folder / "autograded" / student / assignment
    verdicts = settings.verdict_folder / assignment / student
    record = _intake_record_path(settings.folder, assignment, student)
    try:
        result = autograde_student(_api(settings), assignment, student)
        return dict(
            result,
            student=student,
            grades=_read_grades(settings, assignment, student),
            autograded=_read_files(autograded),
            verdicts=_read_files(verdicts),
            intake_record=record.read_bytes() if record.is_file() else None,
            faults=[vars(fault) for fault in read_faults(settings.fault_log)],
        )
    finally:
        # The key and the learner's files stay on the worker only while its task grades.
        key.unlink(missing_ok=True)
        record.unlink(missing_ok=True)
        shutil.rmtree(verdicts, ignore_errors=True)
        for stage in ("submitted", "autograded"):
            shutil.rmtree(settings.folder / stage / student / assignment, ignore_errors=True)


_apis: dict[str, object] = {}


def _api(settings: GradingSettings):
    from nbgrader.apps import NbGraderAPI

    key = repr(settings)
    if key not in _apis:
        _apis[key] = NbGraderAPI(config=nbgrader_config(settings))
    return _apis[key]


def _read_grades(settings: GradingSettings, assignment: str, student: str) -> dict | None:
    """What nbgrader's autograde wrote for the student: notebook -> {"grades": {cell:
    auto_score}, "comments": {cell: auto_comment}}; None if it wrote no submission."""
    with Gradebook(settings.gradebook_url, COURSE_ID) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return None
        return {
            notebook.name: {
                "grades": {grade.name: grade.auto_score for grade in notebook.grades},
                "comments": {comment.name: comment.auto_comment for comment in notebook.comments},
            }
            for notebook in submission.notebooks
        }


# -- files carried by tasks and results: relative POSIX path -> bytes ---------------------------
def _read_files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Replace `folder` with `files` (relative paths only: nothing is written outside it)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, content in files.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ValueError(f"refused file name {name!r}")
        path = folder.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _intake_record_path(folder: Path, assignment: str, student: str) -> Path:
    return folder / INTAKE_RECORDS / assignment / f"{student}.json"


def _write_intake_record(folder: Path, assignment: str, student: str, record: bytes | None) -> None:
    path = _intake_record_path(folder, assignment, student)
    path.unlink(missing_ok=True)
    if record is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(record)


# -- on the client --------------------------------------------------------------------------------
def connect(cluster: str | Client) -> Client:
    """A client of `cluster` (an address, refused if insecure; or a Client, used as it is)."""
    from distributed import Client

    if isinstance(cluster, Client):
        return cluster
    problem = address_problem(cluster)
    if problem:
        raise ClusterProblem(problem)
    try:
        return Client(cluster, timeout=CONNECT_SECONDS, set_as_default=False)
    except OSError as error:
        raise ClusterProblem(f"cannot reach the Dask scheduler at {cluster}: {error}") from error


def grade_students_on_cluster(
    settings: GradingSettings,
    assignment: str,
    students: list[str],
    cluster: str | Client,
    *,
    on_result=None,
) -> tuple[dict[str, dict], ClusterReport]:
    """Grade each student's placed submission on the cluster; write each result into the
    grading folder and gradebook as it arrives (once per student); (results as
    grader.grading.grade_students gives them, the cluster's report). `on_result()` is called
    after each student (a progress bar)."""
    client = connect(cluster)
    try:
        report = ClusterReport(str(client.scheduler.address))
        digest = course_digest(assignment)
        _check_workers(client, report, settings.sandbox, digest, assignment)
        secret = load_or_create_secret(settings.folder / "secret.key").hex()
        run = uuid.uuid4().hex
        futures = {}

        def submit(student: str):
            task = {
                "run": run,
                "assignment": assignment,
                "student": student,
                "secret": secret,
                "digest": digest,
                "sandbox": settings.sandbox,
                "timeout": settings.timeout,
                "memory_mb": settings.memory_mb,
                "notebook_timeout": settings.notebook_timeout,
                "submitted": _read_files(settings.folder / "submitted" / student / assignment),
                "intake_record": _read_intake_record(settings.folder, assignment, student),
            }
            future = client.submit(
                grade_on_worker,
                task,
                pure=False,
                key=f"autograde-{assignment}-{student}-{uuid.uuid4().hex}",
            )
            futures[future] = student
            return future

        from distributed import as_completed

        results = {}
        pending = as_completed([submit(student) for student in students], loop=client.loop)
        for future in pending:
            student = futures.pop(future)
            try:
                result = future.result()
            except WorkerRefused as refusal:
                address, label, why = refusal.args
                report.refused[label] = why
                _retire(client, address)
                if not _workers(client):
                    raise ClusterProblem(
                        "no worker of the cluster may grade: "
                        + "; ".join(f"{w}: {why}" for w, why in report.refused.items())
                    ) from refusal
                pending.add(submit(student))
                continue
            except Exception as error:  # noqa: BLE001 - killed too often, or the worker's error
                result = {
                    "success": False,
                    "student": student,
                    "grades": None,
                    "detail": f"grading on the cluster failed: {type(error).__name__}: {error}",
                }
            finally:
                # Forgotten by the scheduler once here: a worker lost later, which held this
                # result, does not make Dask grade the student again.
                future.release()
            results[student] = write_result(settings, assignment, result)
            if result.get("worker"):
                report.graded_by[student] = result["worker"]
            if on_result:
                on_result()
        report.workers = sorted(set(report.graded_by.values()))
        report.moved = _moved(client, run, report.graded_by)
        return results, report
    finally:
        if client is not cluster:
            client.close()


def _check_workers(
    client: Client, report: ClusterReport, sandbox: bool, digest: str, assignment: str
) -> None:
    """Ask every worker whether it may grade; retire and report those that may not."""
    if not _workers(client):
        raise ClusterProblem(f"the Dask scheduler at {report.address} has no workers")
    names = {
        address: info.get("name")
        for address, info in client.scheduler_info(n_workers=-1)["workers"].items()
    }
    problems = client.run(worker_problem, sandbox, digest, assignment, on_error="return")
    for worker, problem in problems.items():
        if isinstance(problem, BaseException):
            problem = f"its check failed: {type(problem).__name__}: {problem}"
        if problem:
            report.refused[worker_label(worker, names.get(worker))] = problem
            _retire(client, worker)
    if not _workers(client):
        raise ClusterProblem(
            "no worker of the cluster may grade: "
            + "; ".join(f"{worker}: {why}" for worker, why in report.refused.items())
        )


def _workers(client: Client) -> list[str]:
    return list(client.scheduler_info(n_workers=-1)["workers"])


def _retire(client: Client, worker: str | None) -> None:
    if worker:
        client.retire_workers([worker], close_workers=True)


def _moved(client: Client, run: str, graded_by: dict[str, str]) -> dict[str, list[str]]:
    """Students of this run whose grading started on a worker other than the one that graded
    them (from the start events the tasks logged to the scheduler)."""
    moved: dict[str, list[str]] = {}
    for _, event in client.get_events(EVENT_TOPIC):
        if not isinstance(event, dict) or event.get("run") != run:
            continue
        student, worker = event.get("student"), event.get("grader")
        if worker != graded_by.get(student):
            moved.setdefault(student, []).append(worker)
    return moved


def _read_intake_record(folder: Path, assignment: str, student: str) -> bytes | None:
    path = _intake_record_path(folder, assignment, student)
    return path.read_bytes() if path.is_file() else None


def write_result(settings: GradingSettings, assignment: str, result: dict) -> dict:
    """Write one student's result from the cluster into the grading folder and the gradebook
    (the autograded files, the intake record, the faults, the grades); the result as
    grader.grading.grade_students gives it (success, detail)."""
    student = result["student"]
    if result.get("autograded"):
        _write_files(settings.folder / "autograded" / student / assignment, result["autograded"])
    if "verdicts" in result:  # the judging step's records, for the class report
        _write_files(settings.verdict_folder / assignment / student, result["verdicts"])
    if "intake_record" in result:
        _write_intake_record(settings.folder, assignment, student, result["intake_record"])
    for fault in result.get("faults", []):
        append_fault(settings.fault_log, Fault(**fault))
    if result.get("grades") is not None:
        with Gradebook(nbgrader_config(settings).CourseDirectory.db_url, COURSE_ID) as gradebook:
            gradebook.update_or_create_student(student)
            gradebook.update_or_create_submission(assignment, student)
            for notebook, written in result["grades"].items():
                for cell, score in written["grades"].items():
                    grade = gradebook.find_grade(cell, notebook, assignment, student)
                    grade.auto_score = score
                    # nbgrader's SaveAutoGrades: a grade given by hand, or none from the
                    # autograder, needs a person
                    grade.needs_manual_grade = grade.manual_score is not None or score is None
                for cell, comment in written["comments"].items():
                    gradebook.find_comment(
                        cell, notebook, assignment, student
                    ).auto_comment = comment
            gradebook.db.commit()
    return {"success": bool(result["success"]), "detail": result.get("detail", "")}
