"""Written answers as Formgrader shows them (grader/instructor_views.py), through the renderer
Formgrader uses (nbconvert's Markdown renderer, raw HTML passed through) and nbgrader's formgrade
template itself: text and formatting stay, maths stays for MathJax, nothing can run or load.
The browser check is tests/grading/test_course_lab.py; every grading path, test_grading_paths.py.
"""

from __future__ import annotations

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from grader.feedback import KeepOnlyVerdicts
from grader.instructor_views import (
    MakeSubmissionInert,
    RestoreAnswersAsTyped,
    inert_markdown,
    unsafe_markup,
)
from grader.nbgrader_setup import nbgrader_config
from grader.settings import GradingSettings

PLAIN = [
    "It only sees $h_t = \\tanh(W x_t)$, so *entropy* is the floor; $a<b$ and $$\\sum_i p_i$$.",
    "YOUR ANSWER HERE",
    "- one\n- two with `code <b>`\n\n1. first\n\n> quoted **bold**",
    "| a | b |\n|:--|--:|\n| 1 | 2 |",
    "See [the notes](https://example.org/notes).",
]
HOSTILE = [
    "Answer <script>document.title='pwned'</script> with $x^2$",
    'Answer <img src=x onerror="document.title=1"> ok',
    "<div>\n<script>alert(1)</script>\n</div>",
    "<svg onload=alert(1)></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<a href='javascript:alert(1)'>x</a>",
    "![pixel](http://127.0.0.1:9/mark)",
    "[click](javascript:alert(1))",
    "# Heading that names an id\ntext",
    "<!-- hidden --> visible",
    "\\$<img src=x onerror=alert(1)>$",
    "<style>body{display:none}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("source", PLAIN)
def test_plain_formatting_and_maths_are_kept_as_written(source):
    assert inert_markdown(source) == source


@pytest.mark.parametrize("source", HOSTILE)
def test_markup_is_shown_as_text_and_nothing_can_run_or_load(source):
    shown = inert_markdown(source)
    html = markdown2html_mistune(shown)
    assert not unsafe_markup(shown), html
    for token in ("<script", "<img", "<svg", "<iframe", "<style", 'onerror="', 'href="javascript'):
        assert token not in html.lower(), html


def test_the_text_of_an_escaped_answer_reads_as_typed():
    html = markdown2html_mistune(inert_markdown("I think <b>memory</b> & $x<y$ matter"))
    assert "I think &lt;b&gt;memory&lt;/b&gt; &amp;" in html and "$x&lt;y$" in html


def answered(source: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_markdown_cell(source)
    answer.metadata["nbgrader"] = {
        "grade": True,
        "solution": True,
        "grade_id": "w",
        "points": 1,
        "schema_version": 3,
        "locked": False,
    }
    notebook.cells.append(answer)
    return notebook


def test_the_learners_feedback_shows_the_answer_as_typed():
    typed = "x<y and z>w, so <b>both</b>"
    notebook, _ = MakeSubmissionInert().preprocess(answered(typed), {})
    assert notebook.cells[0].source != typed
    notebook, _ = RestoreAnswersAsTyped().preprocess(notebook, {})
    notebook, _ = KeepOnlyVerdicts().preprocess(notebook, {})
    assert (
        notebook.cells[0].source == "    " + typed
        and "rnn_course" not in notebook.cells[0].metadata
    )


def test_formgraders_own_template_shows_the_answer_as_text(tmp_path):
    """nbgrader's formgrade template, set up as the course sets it up (its MathJax included)."""
    notebook, _ = MakeSubmissionInert().preprocess(
        answered("Mine <script>window.pwned=1</script> $x^2$"), {}
    )
    config = nbgrader_config(GradingSettings(folder=tmp_path))
    config.HTMLExporter.template_name = "formgrade"
    resources = {
        "base_url": "/",
        "index": 0,
        "total": 1,
        "notebook_id": "n",
        "assignment_id": "a",
        "submission_id": "s",
        "student": "x",
        "last_name": "",
        "first_name": "",
        "notebook_path": "",
    }
    page, _ = HTMLExporter(config=config).from_notebook_node(notebook, resources=resources)
    assert "Mine &lt;script&gt;window.pwned=1&lt;/script&gt; $x^2$" in page
    assert "<script>window.pwned" not in page
    assert "static/jupyter_server_mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe" in page
    assert "cdnjs" not in page


def test_every_grading_path_ends_with_the_rewrite(tmp_path):
    """`python -m grader`, nbgrader run from the repository or the grading folder and Formgrader
    all take their pipeline from grader.nbgrader_setup.configure."""
    config = nbgrader_config(GradingSettings(folder=tmp_path))
    pipeline = config.Autograde.autograde_preprocessors
    assert MakeSubmissionInert in pipeline
    assert pipeline.index(MakeSubmissionInert) > max(
        i
        for i, step in enumerate(pipeline)
        if step.__name__ in ("SaveAutoGrades", "SandboxedExecute")
    )
    assert config.HTMLExporter.sanitize_html is True
    feedback = config.GenerateFeedback.preprocessors
    assert feedback.index(RestoreAnswersAsTyped) + 1 == feedback.index(KeepOnlyVerdicts)
