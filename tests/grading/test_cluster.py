"""Grading on a Dask cluster (`autograde --cluster`, grader/cluster.py), with real processes on
loopback: a `dask scheduler` and `dask worker`s, each worker with its own folder (its working
copy of grading).

One class of 16 submissions of notebook 01 (the solution, the blank release and the course's
wrong submissions, in turn) is graded by `python -m grader autograde --jobs 1` on this machine,
and by `python -m grader autograde --cluster ADDRESS` (a process of its own, as an instructor
runs it) on four workers: w1 and w2; w3, whose bubblewrap cannot make namespaces (a `bwrap`
that fails, first on its PATH: what a node that forbids user namespaces gives), so it refuses
when the workers are checked before grading; and w4, whose bubblewrap passes that check and fails
from then on (the namespaces run out), so it refuses in its first task. While w1 grades its
second student, w1 is killed (SIGKILL). The cluster's grades must be the local ones, every
student graded once, the student w1 was grading moved to w2 and named in the report, and w3 and
w4 reported as refusing and retired, having graded nobody.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client

from grader.cluster import EVENT_TOPIC, WORKER_FOLDER, address_problem
from grader.faults import read_faults
from grader.grading import open_gradebook, read_scores
from grader.layout import REPOSITORY
from grader.loopback_cluster import LoopbackCluster
from grader.settings import GradingSettings
from grader.verdict_records import read_records
from tests.grading.harness import (
    GRADING_CEILINGS,
    class_of,
    grade,
    run_grader,
    write_submissions,
)

ASSIGNMENT = "01_feedforward_limits"
STUDENTS = 16
REFUSAL = "bwrap: No permissions to create new namespace"
FAILING_BWRAP = f"#!/bin/sh\necho '{REFUSAL}' >&2\nexit 1\n"
# passes once (the check before grading), then fails
BREAKING_BWRAP = (
    f'#!/bin/sh\nif [ -e "$0.used" ]; then echo \'{REFUSAL}\' >&2; exit 1; fi\ntouch "$0.used"\n'
)


def fake_bwrap(folder: Path, script: str) -> str:
    """A folder holding `bwrap` running `script`, to put first on a worker's PATH."""
    folder.mkdir()
    (folder / "bwrap").write_text(script)
    (folder / "bwrap").chmod(0o755)
    return f"{folder}:{os.environ['PATH']}"


def working_copy(worker_folder: Path) -> Path | None:
    """The worker's working copy of grading, once it has one."""
    found = sorted(worker_folder.glob(f"**/{WORKER_FOLDER}"))
    return found[0] if found else None


def left_in(copy: Path | None) -> dict | None:
    """What a worker's working copy holds besides its set-up: the key, learners' files."""
    if copy is None:
        return None
    return {
        "gradebook": (copy / "gradebook.db").is_file(),
        "key": (copy / "secret.key").exists(),
        "learner files": [
            str(path)
            for stage in ("submitted", "autograded", "intake-records")
            for path in (copy / stage).rglob("*")
            if path.is_file()
        ],
    }


def started_on(client, worker: str) -> list[str]:
    """The students whose grading started on `worker` so far (the tasks' events), in order."""
    return [
        event["student"]
        for _, event in client.get_events(EVENT_TOPIC)
        if event["grader"].startswith(f"{worker} (")
    ]


def grades_another(started: list[str], folder: Path) -> bool:
    """Whether a worker that started `started` has returned its first grade to the client (the
    client has written it) and grades another. (A result still on a killed worker is lost with
    it, and Dask grades that student again: killing w1 before then would move two students.)"""
    return len(started) >= 2 and (folder / "autograded" / started[0] / ASSIGNMENT).is_dir()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(local scores, cluster scores, cluster faults, the command's output, the report, the
    student w1 was grading when it was killed, the grading settings, what w2's working copy
    held when grading ended (left_in),
    which of w3 and w4 had stopped when grading ended)."""
    root = tmp_path_factory.mktemp("cluster")
    submissions = write_submissions(
        root / "submissions", ASSIGNMENT, class_of(ASSIGNMENT, STUDENTS)
    )
    folder = root / "grading"
    ceilings = [item for pair in GRADING_CEILINGS.items() for item in pair]
    with LoopbackCluster(root / "cluster") as cluster:
        cluster.add_worker("w1")
        cluster.add_worker("w2")
        cluster.add_worker("w3", path=fake_bwrap(root / "failing", FAILING_BWRAP))
        cluster.add_worker("w4", path=fake_bwrap(root / "breaking", BREAKING_BWRAP))
        cluster.wait_for_workers(4)
        command = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "grader",
                "autograde",
                ASSIGNMENT,
                str(submissions),
                "--grading-folder",
                str(folder),
                "--cluster",
                cluster.address,
                *ceilings,
            ],
            cwd=REPOSITORY,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with Client(cluster.address, set_as_default=False) as watcher:
            deadline = time.monotonic() + 900
            while not grades_another(started_on(watcher, "w1"), folder):
                assert command.poll() is None and time.monotonic() < deadline, (
                    "w1 never started a second student"
                )
                time.sleep(0.05)
            cluster.kill("w1")
            moved = started_on(watcher, "w1")[-1]
        output, errors = command.communicate(timeout=1800)
        assert command.returncode == 0, errors[-3000:] + cluster.log("w2")
        retired = {name: cluster.processes[name].poll() is not None for name in ("w3", "w4")}
        on_w2 = left_in(working_copy(cluster.folder / "w2"))  # Dask deletes it when w2 stops
    settings = GradingSettings(folder=folder)
    report = Path(re.search(r"report: (\S+)", output).group(1)).read_text()
    # Local grading with the cluster run's secret key draws the same fresh cases for each student
    # (the key seeds them), so the two runs' judging records can be compared whole.
    (root / "local" / "grading").mkdir(parents=True)
    shutil.copy2(folder / "secret.key", root / "local" / "grading" / "secret.key")
    local_scores, _ = grade(root / "local", ASSIGNMENT, {}, "--jobs", "1", submissions=submissions)
    return (
        local_scores,
        read_scores(settings, ASSIGNMENT),
        read_faults(settings.fault_log),
        output,
        report,
        moved,
        settings,
        on_w2,
        retired,
    )


def test_the_cluster_gives_the_grades_of_local_grading(graded):
    local, on_cluster, *_ = graded
    assert len(local) == STUDENTS
    assert {s: v.cells for s, v in on_cluster.items()} == {s: v.cells for s, v in local.items()}
    assert {s: v.score for s, v in on_cluster.items()} == {s: v.score for s, v in local.items()}


def test_the_judging_records_come_back_from_the_workers(graded):
    """The class report counts named mistakes from the verdict records: the cluster's grading
    folder holds the verdicts local grading gives with the same key (the same fresh cases, so
    the same messages and the same mistakes named)."""
    settings = graded[6]
    local = GradingSettings(folder=settings.folder.parent / "local" / "grading")
    on_cluster = read_records(settings.verdict_folder, ASSIGNMENT)
    assert len(on_cluster) == STUDENTS
    assert on_cluster == read_records(local.verdict_folder, ASSIGNMENT)


def test_every_student_is_graded_once_into_the_gradebook(graded):
    settings = graded[6]
    with open_gradebook(settings) as gradebook:
        submissions = gradebook.find_assignment(ASSIGNMENT).submissions
        students = [submission.student.id for submission in submissions]
    assert sorted(students) == sorted(set(students)) and len(students) == STUDENTS
    autograded = sorted(p.name for p in (settings.folder / "autograded").iterdir())
    assert len(autograded) == STUDENTS


def test_a_killed_worker_loses_no_grade_and_the_report_names_who_moved(graded):
    _, on_cluster, faults, output, report, moved, *_ = graded
    assert moved in on_cluster and not any(f.kind == "autograde failed" for f in faults)
    lines = report.splitlines()
    moved_lines = [line for line in lines if line.startswith(f"{moved} | w1 (")]
    assert len(moved_lines) == 1 and moved_lines[0].split(" | ")[2].startswith("w2 ("), report
    assert "Moved (1)" in report and "Moved (1)" in output
    assert "16 students graded by 2 workers" in report


def test_a_worker_whose_bubblewrap_cannot_run_refuses_and_is_reported(graded):
    """w3 refuses when checked before grading, w4 in its first task (its student goes to
    another worker); both are retired and named in the report with the reason."""
    report, retired = graded[4], graded[8]
    assert retired == {"w3": True, "w4": True}, "a refusing worker was not retired"
    assert "Refused to grade (2)" in report
    for worker in ("w3", "w4"):
        refused = [line for line in report.splitlines() if line.startswith(f"{worker} (")]
        assert len(refused) == 1, report
        assert (
            "bubblewrap cannot make a kernel's namespaces" in refused[0] and REFUSAL in refused[0]
        )
    graders = re.search(r"graded by 2 workers \((.*)\)", report).group(1)
    assert "w1" in graders and "w2" in graders and "w3" not in graders and "w4" not in graders


def test_the_secret_key_and_submissions_are_on_a_worker_only_while_it_grades(graded):
    """w2 finished every task it took: neither the key nor a learner's files are left in its
    working copy. (w1, killed mid-task, may still hold them: docs/INSTRUCTORS.md says to delete
    the workers' folders.)"""
    assert graded[7] == {"gradebook": True, "key": False, "learner files": []}


def test_a_cluster_where_no_worker_can_sandbox_grades_nothing(tmp_path):
    submissions = write_submissions(tmp_path / "submissions", ASSIGNMENT, class_of(ASSIGNMENT, 2))
    with LoopbackCluster(tmp_path / "cluster") as cluster:
        cluster.add_worker("w1", path=fake_bwrap(tmp_path / "failing", FAILING_BWRAP))
        cluster.wait_for_workers(1)
        completed = run_grader(
            "autograde",
            ASSIGNMENT,
            str(submissions),
            "--grading-folder",
            str(tmp_path / "grading"),
            "--cluster",
            cluster.address,
        )
    assert completed.returncode == 2
    assert "no worker of the cluster may grade" in completed.stderr
    assert "bubblewrap cannot make a kernel's namespaces" in completed.stderr
    assert read_scores(GradingSettings(folder=tmp_path / "grading"), ASSIGNMENT) == {}


@pytest.mark.parametrize(
    "address, refused",
    [
        ("tcp://127.0.0.1:8786", False),
        ("localhost:8786", False),
        ("tls://grading.example:8786", False),
        ("tcp://10.1.2.3:8786", True),
        ("grading.example:8786", True),
        ("ws://127.0.0.1:8786", True),
    ],
)
def test_plain_tcp_beyond_loopback_is_refused(address, refused):
    """The secret key and the submissions never cross a network in the clear."""
    assert (address_problem(address) is not None) == refused
