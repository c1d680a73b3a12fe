"""The grading command: `python -m grader <command>` from the top of the repository.

    release   [ASSIGNMENT ...] [--to FOLDER]   regenerate notebooks/ from solutions/
    autograde ASSIGNMENT SUBMISSIONS           grade a folder of submissions (folder or zip each)
    feedback  ASSIGNMENT                       HTML feedback per student
    export    [--to grades.csv]                all grades as CSV
    selfcheck [ASSIGNMENT ...]                 solutions score full marks, releases score zero

Common options: --grading-folder (default grading/), --no-sandbox, --timeout, --memory-mb.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import DEFAULT_GRADING_FOLDER, NOTEBOOKS, GradingSettings
from .grading import UnknownAssignment, autograde, check_assignment, export, feedback, selfcheck
from .release import release
from .sandbox import bubblewrap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = GradingSettings(folder=args.grading_folder.resolve(), sandbox=not args.no_sandbox,
                               cell_timeout=args.timeout, memory_mb=args.memory_mb)
    if settings.sandbox and args.command in ("autograde", "selfcheck") and not bubblewrap():
        print("error: bubblewrap (bwrap) is not installed, so learners' code cannot be "
              "isolated.\nInstall it (Debian/Ubuntu: apt-get install bubblewrap) or, knowing "
              "what that gives up (see README, threat model), pass --no-sandbox.", file=sys.stderr)
        return 2
    if not settings.sandbox and args.command in ("autograde", "selfcheck"):
        print("warning: grading without the sandbox: results are still judged outside the "
              "learners' kernels, but their code can read what this user can read.",
              file=sys.stderr)
    try:
        return COMMANDS[args.command](args, settings)
    except (UnknownAssignment, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _release(args, settings) -> int:
    for assignment in args.assignments:
        check_assignment(assignment)
    released = release(settings, args.assignments or None, destination=args.to.resolve())
    print(f"released {', '.join(released)} into {args.to}")
    return 0


def _autograde(args, settings) -> int:
    run = autograde(settings, args.assignment, args.submissions)
    print(f"graded {len(run.scores)} submissions of {run.assignment} in {run.seconds:.1f} s "
          f"({run.seconds / max(1, len(run.scores)):.1f} s each); "
          f"{len(run.faults)} faults; report: {run.report}")
    for fault in run.faults:
        print(f"  fault: {fault.line()}")
    for entry in run.skipped:
        print(f"  not taken in: {entry}")
    return 0


def _feedback(args, settings) -> int:
    written = feedback(settings, args.assignment)
    print(f"wrote {len(written)} feedback files under {settings.folder / 'feedback'}")
    return 0


def _export(args, settings) -> int:
    print(f"grades written to {export(settings, args.to.resolve())}")
    return 0


def _selfcheck(args, settings) -> int:
    for assignment in args.assignments:
        check_assignment(assignment)
    rows, faults = selfcheck(settings, args.assignments or None)
    print("assignment | solution | blank release | max | ok")
    for row in rows:
        print(f"{row.assignment} | {row.solution:g} | {row.blank:g} | {row.max_score:g} | "
              f"{'yes' if row.ok else 'NO'}")
    grader_faults = [fault for fault in faults if fault.kind in ("grader error", "autograde failed")]
    for fault in grader_faults:
        print(f"  grader fault: {fault.line()}")
    return 0 if all(row.ok for row in rows) and not grader_faults else 1


COMMANDS = {"release": _release, "autograde": _autograde, "feedback": _feedback,
            "export": _export, "selfcheck": _selfcheck}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grading-folder", type=Path, default=DEFAULT_GRADING_FOLDER,
                        help="nbgrader's working folder (default: grading/)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run learners' kernels without bubblewrap (see the threat model)")
    parser.add_argument("--timeout", type=int, default=60, help="seconds per cell (default 60)")
    parser.add_argument("--memory-mb", type=int, default=4096,
                        help="memory cap per learner kernel in MB (default 4096)")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("release", help="regenerate notebooks/ from solutions/")
    command.add_argument("assignments", nargs="*")
    command.add_argument("--to", type=Path, default=NOTEBOOKS)
    command = commands.add_parser("autograde", help="grade a folder of submissions")
    command.add_argument("assignment")
    command.add_argument("submissions", type=Path)
    command = commands.add_parser("feedback", help="HTML feedback per student")
    command.add_argument("assignment")
    command = commands.add_parser("export", help="grades as CSV")
    command.add_argument("--to", type=Path, default=Path("grades.csv"))
    command = commands.add_parser("selfcheck", help="solutions full marks, releases zero")
    command.add_argument("assignments", nargs="*")
    return parser
