"""A corpus of known submissions, and the helpers that write them into a submissions folder.

The tests and the benchmarks grade the same submissions, so they live here, installed with the
repository, rather than in either of them:

- `submissions.notebooks`: the solution notebook of an assignment, the notebooks made from it
  (its answers replaced), its hidden checks' points, and writing notebooks into a submissions
  folder as nbgrader collects them (one folder per student).
- `submissions.wrong`: per assignment, submissions with one realistic learner mistake each and
  the hidden checks each must fail.
- `submissions.hostile`: submissions that attack the grader rather than the grade.

Instructors' repository only: never in a learner kit (the wrong submissions quote the solutions).
"""
