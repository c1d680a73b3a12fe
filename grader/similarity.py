"""Submissions that look alike: `python -m grader similarity ASSIGNMENT`, after autograde.

It ranks pairs of students by how much of their solution code matches, with copydetect
(MOSS-style winnowing of token k-grams: names become one token, so renaming variables changes
nothing) and writes `reports/similarity-ASSIGNMENT.html` (the ranked pairs, and the matching code
of each pair above the threshold side by side) and `reports/similarity-ASSIGNMENT.csv`.

- Only the learner-written code is compared: the code solution cells of each autograded notebook
  (the cells the release marks as solution cells, found by their grade_id in the notebook
  autograde restored), never the course's own cells.
- The released notebook's code is boilerplate: what every learner was given matches nothing.
- A pair's similarity is the larger of the two shares (of each one's fingerprinted tokens) that
  match the other; pairs at or above `threshold` are shown with their code.

It ranks pairs for a person to read. It proves nothing: short exercises leave little room for
differences, so honest learners can write alike, and a copy can be disguised. The page says so.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .grading import check_assignment
from .html_pages import escape, page, spreadsheet_cell, table
from .settings import GradingSettings

NOISE_TOKENS = 25  # copydetect's noise threshold: shorter matches are ignored
GUARANTEE_TOKENS = 25  # matches this long are always found (window = guarantee - noise + 1)
DEFAULT_THRESHOLD = 0.6
PAIRS_LISTED = 50  # pairs in the ranking below the threshold too, for context
NOTICE = (
    "This page ranks pairs of submissions by how much of their solution code matches, for "
    "a person to read. It proves nothing: similar code can be written independently "
    "(short exercises leave little room for differences), and copied code can be "
    "disguised. Read the code, and the learners' own account, before drawing any "
    "conclusion."
)


@dataclass
class LearnerCode:
    student: str
    code: str  # the solution cells, one after another, each under a comment
    fingerprint: object = None


@dataclass
class Pair:
    first: str
    second: str
    share_first: float  # of first's fingerprinted code, the share that matches second's
    share_second: float
    first_html: str = ""  # the code with matches marked (escaped HTML)
    second_html: str = ""

    @property
    def similarity(self) -> float:
        return max(self.share_first, self.share_second)


@dataclass
class SimilarityRun:
    assignment: str
    students: list[str]
    pairs: list[Pair]  # every pair, most similar first
    threshold: float
    skipped: list[str]  # notebooks that could not be read, and why

    @property
    def above(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.similarity >= self.threshold]


def solution_cell_ids(release_notebook: Path) -> list[str]:
    """grade_ids of the release's code solution cells (what learners write)."""
    notebook = nbformat.read(release_notebook, as_version=4)
    return [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        and cell.metadata.get("nbgrader", {}).get("solution")
        and cell.metadata["nbgrader"].get("grade_id")
    ]


def release_code(release_notebook: Path) -> str:
    notebook = nbformat.read(release_notebook, as_version=4)
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def cell_sources(notebook_path: Path) -> dict[str, str]:
    """grade_id -> source of the notebook's code cells that have one."""
    notebook = nbformat.read(notebook_path, as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade_id")
    }


def learner_lines(source: str, released: str) -> str:
    """The lines of a solution cell the learner wrote: those not in the released cell (its
    signature, docstring and `return` line are the course's, the same for everyone)."""
    given = {line.strip() for line in released.splitlines() if line.strip()}
    return "\n".join(line for line in source.splitlines() if line.strip() not in given)


def learner_code(notebook_path: Path, released: dict[str, str]) -> str:
    """What the learner wrote in the solution cells `released` (grade_id -> the release's
    source), cell after cell in release order, each under a comment naming it."""
    sources = cell_sources(notebook_path)
    return "\n\n".join(
        f"# cell {cell_id}\n{learner_lines(sources[cell_id], release)}"
        for cell_id, release in released.items()
        if cell_id in sources
    )


# copydetect is imported where it is used: it loads matplotlib (about 0.5 s), which every other
# command of `python -m grader` would pay for.
def _fingerprint(name: str, code: str, boilerplate=None):
    from copydetect import CodeFingerprint

    return CodeFingerprint(
        name,
        NOISE_TOKENS,
        GUARANTEE_TOKENS - NOISE_TOKENS + 1,
        boilerplate=boilerplate,
        language="python",
        fp=io.StringIO(code),
    )


def compare_class(
    settings: GradingSettings, assignment: str, threshold: float = DEFAULT_THRESHOLD
) -> SimilarityRun:
    """Rank every pair of the autograded students of `assignment`."""
    check_assignment(assignment)
    releases = sorted((settings.release_directory / assignment).glob("*.ipynb"))
    if not releases:
        raise FileNotFoundError(
            f"no release of {assignment} in {settings.release_directory}: autograde it first"
        )
    codes: dict[str, list[str]] = {}
    skipped = []
    autograded = sorted((settings.folder / "autograded").glob(f"*/{assignment}"))
    for release in releases:
        given = cell_sources(release)
        released = {cell_id: given[cell_id] for cell_id in solution_cell_ids(release)}
        for folder in autograded:
            student = folder.parent.name
            try:
                code = learner_code(folder / release.name, released)
            except (OSError, ValueError) as error:  # missing or unreadable: nothing to compare
                skipped.append(f"{student}/{release.name}: {type(error).__name__}")
                code = ""
            codes.setdefault(student, []).append(code)
    boilerplate = set()
    for release in releases:
        boilerplate |= set(_fingerprint(release.name, release_code(release)).hashes)
    learners = [LearnerCode(student, "\n\n".join(parts)) for student, parts in codes.items()]
    for learner in learners:
        learner.fingerprint = _fingerprint(learner.student, learner.code, list(boilerplate))
    pairs = [_compare(first, second) for first, second in itertools.combinations(learners, 2)]
    pairs.sort(key=lambda pair: (-pair.similarity, pair.first, pair.second))
    return SimilarityRun(
        assignment, [learner.student for learner in learners], pairs, threshold, skipped
    )


def _compare(first: LearnerCode, second: LearnerCode) -> Pair:
    from copydetect import compare_files
    from copydetect.utils import highlight_overlap

    _, (share_first, share_second), slices = compare_files(first.fingerprint, second.fingerprint)
    pair = Pair(first.student, second.student, float(share_first), float(share_second))
    if len(slices[0]):
        pair.first_html = highlight_overlap(
            first.code, slices[0], "<mark>", "</mark>", escape_html=True
        )[0]
        pair.second_html = highlight_overlap(
            second.code, slices[1], "<mark>", "</mark>", escape_html=True
        )[0]
    return pair


def render_html(run: SimilarityRun) -> str:
    parts = [
        f'<p class="notice"><strong>{escape(NOTICE)}</strong></p>',
        f"<p>{len(run.students)} autograded submissions of "
        f"<code>{escape(run.assignment)}</code>, {len(run.pairs)} pairs compared on their "
        f"code solution cells only, with the released notebook's code as boilerplate "
        f"(copydetect, noise threshold {NOISE_TOKENS} tokens). Similarity: the larger "
        f"share of either one's code that matches the other's. Threshold: "
        f"{run.threshold:.0%}; pairs at or above it: {len(run.above)}.</p>",
    ]
    listed = run.pairs[: max(PAIRS_LISTED, len(run.above))]
    parts.append("<h2>Pairs, most similar first</h2>")
    parts.append(
        table(
            [
                "rank",
                "student",
                "student",
                "similarity",
                "share of first",
                "share of second",
                "at or above threshold",
            ],
            [
                [
                    rank,
                    pair.first,
                    pair.second,
                    f"{pair.similarity:.0%}",
                    f"{pair.share_first:.0%}",
                    f"{pair.share_second:.0%}",
                    "yes" if pair.similarity >= run.threshold else "",
                ]
                for rank, pair in enumerate(listed, 1)
            ],
            numeric={0, 3, 4, 5},
        )
    )
    if run.above:
        parts.append("<h2>Matching code of the pairs at or above the threshold</h2>")
    for rank, pair in enumerate(run.above, 1):
        parts.append(
            f"<h3>{rank}. {escape(pair.first)} and {escape(pair.second)}: "
            f"{pair.similarity:.0%}</h3>"
        )
        parts.append(
            '<table class="code"><tr>'
            f"<th>{escape(pair.first)}</th><th>{escape(pair.second)}</th></tr><tr>"
            f"<td><pre>{pair.first_html}</pre></td>"
            f"<td><pre>{pair.second_html}</pre></td></tr></table>"
        )
    if run.skipped:
        parts.append("<h2>Not compared</h2>")
        parts.append(table(["notebook", "why"], [item.split(": ", 1) for item in run.skipped]))
    return page(f"Similar submissions: {run.assignment}", "\n".join(parts))


def write_similarity_report(settings: GradingSettings, run: SimilarityRun) -> tuple[Path, Path]:
    folder = settings.folder / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"similarity-{run.assignment}.html"
    html_path.write_text(render_html(run), encoding="utf-8")
    csv_path = folder / f"similarity-{run.assignment}.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as output:
        writer = csv.writer(output)
        writer.writerow(["student_a", "student_b", "similarity", "share_a", "share_b"])
        writer.writerows(
            [
                spreadsheet_cell(pair.first),
                spreadsheet_cell(pair.second),
                f"{pair.similarity:.4f}",
                f"{pair.share_first:.4f}",
                f"{pair.share_second:.4f}",
            ]
            for pair in run.pairs
        )
    return html_path, csv_path
