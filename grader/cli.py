"""The grading command: `python -m grader <command>` from the top of the repository.

    release   [ASSIGNMENT ...] [--to FOLDER]   regenerate notebooks/ from solutions/
    prepare                                    set the grading folder up for nbgrader/Formgrader
    autograde ASSIGNMENT|all [SUBMISSIONS]     grade a folder of submissions (folder or zip each);
                                               without SUBMISSIONS, what `nbgrader collect` put
                                               in the grading folder; `all`: every assignment
                                               --times FILE: submission times from the LMS
                                               (CSV: student_id,time; --times-zone ZONE for
                                               times written without a zone); --extensions
                                               FILE: per-learner due dates, as `extensions`
                                               --cluster ADDRESS: on a Dask cluster
                                               (docs/INSTRUCTORS.md, Grading on a cluster)
    times     ASSIGNMENT FILE                  record submission times from the LMS and apply
                                               lateness to the graded submissions, no regrading
    extensions [FILE]                          per-learner due dates (CSV: student_id,
                                               assignment,due; --times-zone ZONE for dates
                                               without a zone) kept in the grading folder, and
                                               lateness applied, no regrading; without FILE:
                                               the grading folder's extensions.csv again
    feedback  ASSIGNMENT                       HTML feedback per student
    export    [--to grades.csv]                all grades as CSV
    report    ASSIGNMENT                       what the class got wrong: checks lost, named and
                                               other mistakes, answers awaiting grading, plots
                                               (HTML + CSV in the grading folder's reports/)
    similarity ASSIGNMENT [--threshold 0.6]    pairs of submissions whose solution code looks
                                               alike, ranked for a person to read (proves
                                               nothing; HTML + CSV in reports/)
    selfcheck [ASSIGNMENT ...]                 solutions score full marks, releases score zero
                                               (in a grading folder of its own)
    learner-kit [--to FILE.zip]                the course for learners: notebooks, coursekit,
                                               docs, learner requirements; no instructor tools;
                                               refused while it gives away answers of an open
                                               assignment (--closed A, --expose-open-answers);
                                               --repository: into a git repository of its own
                                               (the learners' repository Binder is built from)

Common options, before or after the command: --grading-folder (default grading/), --jobs
(default: the number of cores), --no-sandbox (with --trust-submissions to grade learners' work
that way), --timeout, --notebook-timeout, --memory-mb, --db-url.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .class_report import build_class_report, write_class_report
from .cluster import ClusterProblem
from .extensions import extended_students, extensions_path
from .grading import (
    UnknownAssignment,
    apply_lateness,
    autograde,
    check_assignment,
    export,
    feedback,
    record_extensions,
    selfcheck,
)
from .lateness import BadTimes, StaleExtensions, read_times_file, write_record
from .layout import DEFAULT_GRADING_FOLDER, NOTEBOOKS, written_assignments
from .learner_kit import build_learner_kit, build_learner_repository
from .parallel import available_cores
from .release import generate, release, release_check
from .sandbox import UNSANDBOXED_LIMITS, filter_problem, sandbox_problem, unsandboxed_refusal
from .settings import GradingSettings
from .similarity import DEFAULT_THRESHOLD, compare_class, write_similarity_report


def main(argv: list[str] | None = None) -> int:
    args = argument_parser().parse_args(argv)
    settings = GradingSettings(
        folder=args.grading_folder.resolve(),
        sandbox=not args.no_sandbox,
        timeout=args.timeout,
        memory_mb=args.memory_mb,
        notebook_timeout=args.notebook_timeout,
    )
    if args.db_url is not None:
        settings.db_url = args.db_url
    if getattr(args, "cluster", None):
        settings.cluster = args.cluster
    # On a cluster the workers sandbox the kernels, and each checks it can before it grades
    # (grader/cluster.py); this machine only writes the gradebook.
    on_cluster = args.command == "autograde" and bool(settings.cluster)
    if args.jobs < 1:
        print(f"error: --jobs must be at least 1, got {args.jobs}", file=sys.stderr)
        return 2
    if (
        settings.sandbox
        and args.command in ("autograde", "selfcheck")
        and not on_cluster
        and sandbox_problem()
    ):
        print(
            f"error: {sandbox_problem()}.\nOr, knowing what that gives up (see README, threat "
            f"model), pass --no-sandbox.",
            file=sys.stderr,
        )
        return 2
    if not settings.sandbox and args.command in ("autograde", "selfcheck"):
        refusal = unsandboxed_refusal(args.command, args.trust_submissions) or (
            None if on_cluster else filter_problem()
        )
        if refusal:
            print(f"error: {refusal}", file=sys.stderr)
            return 2
        print(f"warning: grading without the sandbox. {UNSANDBOXED_LIMITS}", file=sys.stderr)
    try:
        return COMMANDS[args.command](args, settings)
    except (
        UnknownAssignment,
        FileNotFoundError,
        BadTimes,
        ClusterProblem,
        StaleExtensions,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _release(args, settings) -> int:
    for assignment in args.assignments:
        check_assignment(assignment)
    exposures = release_check(settings, args.assignments or None, closed=tuple(args.closed))
    for exposure in exposures:
        print(f"{'warning' if not exposure.closed else 'note'}: {exposure.line()}", file=sys.stderr)
    still_open = [exposure for exposure in exposures if not exposure.closed]
    if args.assignments and still_open and not args.expose_open_answers:
        # Releasing named assignments is releasing them to learners: answers of an assignment
        # still open need the instructor's say-so. (No names: the developers' regeneration of
        # notebooks/, which only warns.)
        print(
            "error: this release gives away answers of an assignment that is not closed. "
            "Release it after that assignment's due date, or pass --closed ASSIGNMENT (it "
            "is closed) or --expose-open-answers (give them away anyway).",
            file=sys.stderr,
        )
        return 2
    released = release(settings, args.assignments or None, destination=args.to.resolve())
    print(f"released {', '.join(released)} into {args.to}")
    return 0


def _prepare(args, settings) -> int:
    assignments = written_assignments()
    generate(settings, assignments)
    print(
        f"grading folder {settings.folder} ready for nbgrader and Formgrader: "
        f"{', '.join(assignments)}"
    )
    return 0


def _autograde(args, settings) -> int:
    assignments = written_assignments() if args.assignment == "all" else [args.assignment]
    for assignment in assignments:
        check_assignment(assignment)
    times = (
        {
            assignment: read_times_file(
                args.times,
                assignment,
                args.times_zone,
                needs_assignment_column=args.assignment == "all",
            )
            for assignment in assignments
        }
        if args.times
        else {}
    )
    if args.extensions:  # the students of the folder being graded are known students
        named = (
            {entry.name.removesuffix(".zip") for entry in args.submissions.iterdir()}
            if args.submissions and args.submissions.is_dir()
            else set()
        )
        record_extensions(settings, args.extensions, args.times_zone, also_known=named)
        print(f"extensions of {args.extensions} recorded in {extensions_path(settings.folder)}")
    for assignment in assignments:
        if (
            args.assignment == "all"
            and args.submissions is None
            and not any((settings.folder / "submitted").glob(f"*/{assignment}"))
        ):
            print(f"{assignment}: nothing collected")
            continue
        run = autograde(
            settings, assignment, args.submissions, jobs=args.jobs, times=times.get(assignment)
        )
        where = f"on the cluster {run.cluster.address}" if run.cluster else f"{args.jobs} jobs"
        print(
            f"graded {len(run.scores)} submissions of {run.assignment} in {run.seconds:.1f} s "
            f"({len(run.scores) / max(run.seconds, 1e-9):.2f} per second, {where}); "
            f"{len(run.faults)} faults; report: {run.report}"
        )
        if run.cluster:
            for line in run.cluster.lines():
                print(f"  {line}")
        for fault in run.faults:
            print(f"  fault: {fault.line()}")
        for entry in run.skipped:
            print(f"  not taken in: {entry}")
        if run.untimed:
            print(
                f"warning: {len(run.untimed)} submissions of {assignment} have no trusted time "
                f"and are graded as late ({', '.join(run.untimed[:20])}); see the report",
                file=sys.stderr,
            )
    return 0


def _times(args, settings) -> int:
    check_assignment(args.assignment)
    times = read_times_file(args.file, args.assignment, args.times_zone)
    write_record(settings.folder, args.assignment, times)
    verdicts = apply_lateness(settings, args.assignment)
    print(f"recorded {len(times)} submission times of {args.assignment} from {args.file}")
    print("student | submitted (UTC) | time from | lateness")
    for student, found in sorted(verdicts.items()):
        when = f"{found.trusted.time:%Y-%m-%d %H:%M:%S}" if found.trusted else "-"
        print(f"{student} | {when} | {found.source} | {found.status}")
    ungraded = sorted(set(times) - set(verdicts))
    if ungraded:
        print(f"  not graded yet (recorded for when they are): {', '.join(ungraded[:20])}")
    return 0


def _extensions(args, settings) -> int:
    verdicts = record_extensions(settings, args.file, args.times_zone)
    source = args.file or extensions_path(settings.folder)
    print(f"extensions of {source} recorded in {extensions_path(settings.folder)}")
    print("assignment | student | own due date (UTC) | lateness")
    for assignment, students in verdicts.items():
        for student, due in extended_students(assignment, settings).items():
            found = students.get(student)
            print(
                f"{assignment} | {student} | {due:%Y-%m-%d %H:%M:%S} | "
                f"{found.status if found else 'not graded here yet'}"
            )
    return 0


def _feedback(args, settings) -> int:
    run = feedback(settings, args.assignment)
    print(
        f"wrote {len(run.written)} feedback files under {settings.folder / 'feedback'}; "
        f"{len(run.faults)} faults; report: {run.report}"
    )
    for fault in run.faults:
        print(f"  fault: {fault.line()}")
    return 0


def _export(args, settings) -> int:
    print(f"grades written to {export(settings, args.to.resolve())}")
    return 0


def _report(args, settings) -> int:
    report = build_class_report(
        settings, args.assignment, extended_students(args.assignment, settings)
    )
    page, table = write_class_report(settings, report)
    print(
        f"class report of {args.assignment} ({len(report.students)} graded submissions): "
        f"{page}\n  CSV: {table}"
    )
    return 0


def _similarity(args, settings) -> int:
    if not 0 < args.threshold <= 1:
        print(f"error: --threshold must be in (0, 1], got {args.threshold}", file=sys.stderr)
        return 2
    run = compare_class(settings, args.assignment, args.threshold)
    page, table = write_similarity_report(settings, run)
    print(
        f"{len(run.pairs)} pairs of {len(run.students)} submissions compared; "
        f"{len(run.above)} at or above {args.threshold:.0%}: {page}\n  CSV: {table}\n"
        f"  (a ranking for a person to read: it proves nothing)"
    )
    return 0


def _selfcheck(args, settings) -> int:
    for assignment in args.assignments:
        check_assignment(assignment)
    rows, faults = selfcheck(settings, args.assignments or None, jobs=args.jobs)
    print("assignment | solution | blank release | max | ok")
    for row in rows:
        print(
            f"{row.assignment} | {row.solution:g} | {row.blank:g} | {row.max_score:g} | "
            f"{'yes' if row.ok else 'NO'}"
        )
    grader_faults = [
        fault for fault in faults if fault.kind in ("grader error", "autograde failed")
    ]
    for fault in grader_faults:
        print(f"  grader fault: {fault.line()}")
    return 0 if all(row.ok for row in rows) and not grader_faults else 1


def _learner_kit(args, settings) -> int:
    exposures = release_check(settings, None, closed=tuple(args.closed))
    still_open = [exposure for exposure in exposures if not exposure.closed]
    for exposure in exposures:
        print(f"{'warning' if not exposure.closed else 'note'}: {exposure.line()}", file=sys.stderr)
    if still_open and not args.expose_open_answers:
        # the kit holds every notebook: it gives away whatever they provide
        print(
            "error: the learner kit gives away answers of an assignment that is not closed. "
            "Build it after that assignment's due date, or pass --closed ASSIGNMENT (it is "
            "closed) or --expose-open-answers (self-study: give them away).",
            file=sys.stderr,
        )
        return 2
    if args.repository:
        print(
            f"learner repository committed at {build_learner_repository(args.to.resolve())} "
            f"(push it to the learners' repository; Binder is built from that)"
        )
    else:
        print(f"learner kit written to {build_learner_kit(args.to.resolve())}")
    return 0


COMMANDS = {
    "release": _release,
    "prepare": _prepare,
    "autograde": _autograde,
    "times": _times,
    "extensions": _extensions,
    "feedback": _feedback,
    "export": _export,
    "selfcheck": _selfcheck,
    "learner-kit": _learner_kit,
    "report": _report,
    "similarity": _similarity,
}


# Options every command takes, declared once here: (flags, argparse keywords). They are accepted
# before the command (`--jobs 1 autograde A`) and after it (`autograde A --jobs 1`). An option of
# one command alone is declared on that command's parser in argument_parser().
COMMON_OPTIONS = [
    (
        ("--grading-folder",),
        dict(
            type=Path,
            default=DEFAULT_GRADING_FOLDER,
            help="nbgrader's working folder (default: grading/)",
        ),
    ),
    (
        ("--no-sandbox",),
        dict(
            action="store_true",
            help="run learners' kernels without bubblewrap (see the threat model)",
        ),
    ),
    (
        ("--trust-submissions",),
        dict(action="store_true", help="with --no-sandbox: grade learners' submissions anyway"),
    ),
    (
        ("--timeout",),
        dict(
            type=int,
            default=GradingSettings.timeout,
            help=f"seconds per cell (default {GradingSettings.timeout})",
        ),
    ),
    (
        ("--notebook-timeout",),
        dict(
            type=int,
            default=GradingSettings.notebook_timeout,
            help=f"seconds all the cells of a notebook may run (default "
            f"{GradingSettings.notebook_timeout})",
        ),
    ),
    (
        ("--memory-mb",),
        dict(
            type=int,
            default=GradingSettings.memory_mb,
            help=f"memory cap per learner kernel in MB (default {GradingSettings.memory_mb})",
        ),
    ),
    (
        ("--jobs", "-j"),
        dict(
            type=int,
            default=available_cores(),
            help="submissions graded at once (default: the number of cores, "
            f"{available_cores()} here)",
        ),
    ),
    (
        ("--db-url",),
        dict(
            default=None,
            help="a shared gradebook, e.g. postgresql://... (default: gradebook.db "
            "in the grading folder, or $RNN_COURSE_DB_URL)",
        ),
    ),
]


def _add_common_options(parser: argparse.ArgumentParser, *, after_command: bool) -> None:
    """COMMON_OPTIONS on `parser`. After the command they have no defaults of their own
    (argparse.SUPPRESS), so that an option given before the command is not reset by the
    command's parser; the defaults are the main parser's."""
    for flags, keywords in COMMON_OPTIONS:
        parser.add_argument(
            *flags, **(dict(keywords, default=argparse.SUPPRESS) if after_command else keywords)
        )


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common_options(parser, after_command=False)
    commands = parser.add_subparsers(dest="command", required=True)

    def command_parser(name: str, help: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help)
        _add_common_options(command, after_command=True)
        return command

    command = command_parser("release", "regenerate notebooks/ from solutions/")
    command.add_argument("assignments", nargs="*")
    command.add_argument("--to", type=Path, default=NOTEBOOKS)
    command.add_argument(
        "--closed",
        action="append",
        default=[],
        metavar="ASSIGNMENT",
        help="an assignment that is closed (its answers may be given away)",
    )
    command.add_argument(
        "--expose-open-answers",
        action="store_true",
        help="release even if it gives away answers of an open assignment",
    )
    command_parser("prepare", "set the grading folder up for nbgrader and Formgrader")
    command = command_parser("autograde", "grade a folder of submissions")
    command.add_argument("assignment", help="an assignment, or `all` for every one")
    command.add_argument(
        "submissions",
        type=Path,
        nargs="?",
        default=None,
        help="one folder or .zip per student (default: the submissions "
        "`nbgrader collect` put in the grading folder)",
    )
    command.add_argument(
        "--cluster",
        default=None,
        metavar="ADDRESS",
        help="grade on the Dask cluster whose scheduler is at ADDRESS "
        "(tls://..., or tcp:// on loopback; default $RNN_COURSE_CLUSTER, "
        "else this machine with --jobs); see docs/INSTRUCTORS.md",
    )
    _times_options(command)
    command = command_parser("times", "record submission times from the LMS")
    command.add_argument("assignment")
    command.add_argument("file", type=Path, help="CSV: student_id,time (docs/INSTRUCTORS.md)")
    _times_options(command, with_file=False)
    command = command_parser("extensions", "record per-learner due dates (extensions)")
    command.add_argument(
        "file",
        type=Path,
        nargs="?",
        default=None,
        help="CSV: student_id,assignment,due (docs/INSTRUCTORS.md); default: "
        "the grading folder's extensions.csv, applied again",
    )
    _times_options(command, with_file=False)
    command = command_parser("feedback", "HTML feedback per student")
    command.add_argument("assignment")
    command = command_parser("export", "grades as CSV")
    command.add_argument("--to", type=Path, default=Path("grades.csv"))
    command = command_parser("report", "what the class got wrong (HTML and CSV)")
    command.add_argument("assignment")
    command = command_parser("similarity", "pairs of submissions that look alike (HTML and CSV)")
    command.add_argument("assignment")
    command.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="show the matching code of pairs at least this similar (0 to 1, "
        f"default {DEFAULT_THRESHOLD})",
    )
    command = command_parser("selfcheck", "solutions full marks, releases zero")
    command.add_argument("assignments", nargs="*")
    command = command_parser("learner-kit", "the course for learners, as a zip")
    command.add_argument("--to", type=Path, default=Path("dist/rnn-course-learner.zip"))
    command.add_argument(
        "--closed",
        action="append",
        default=[],
        metavar="ASSIGNMENT",
        help="an assignment that is closed (its answers may be given away)",
    )
    command.add_argument(
        "--expose-open-answers",
        action="store_true",
        help="build it even if it gives away answers of an open assignment",
    )
    command.add_argument(
        "--repository",
        action="store_true",
        help="--to is a folder: write the kit there as a git repository of its "
        "own (a new commit each time), the one Binder is built from",
    )
    return parser


def _times_options(command: argparse.ArgumentParser, with_file: bool = True) -> None:
    if with_file:
        command.add_argument(
            "--times",
            type=Path,
            default=None,
            metavar="FILE",
            help="submission times exported from the LMS (CSV with a header: "
            "student_id,time; see docs/INSTRUCTORS.md)",
        )
        command.add_argument(
            "--extensions",
            type=Path,
            default=None,
            metavar="FILE",
            help="per-learner due dates, recorded before grading (CSV: "
            "student_id,assignment,due; as the `extensions` command)",
        )
    command.add_argument(
        "--times-zone",
        default=None,
        metavar="ZONE",
        help="time zone of times written without one (IANA name, e.g. "
        "Europe/Berlin, or UTC); without it such times are refused",
    )
