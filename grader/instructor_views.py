"""Written answers on the instructor's pages: text and formatting, never markup or script.

Formgrader shows a submission's autograded notebook on the instructor's logged-in Jupyter origin
(Manual Grading, and the submission view reached from Manage Students: both nbconvert's HTML of
that notebook), where a script could read secret.key and the solutions, set grades or open a
terminal. nbgrader's formgrade template renders a written answer's Markdown with its raw HTML
passed through (nbconvert's `sanitize_html` does not reach that template's Markdown cells). So
the autograde pipeline (every path: `python -m grader`, `nbgrader autograde`, Formgrader's
button; grader/nbgrader_setup.py) ends with MakeSubmissionInert, which rewrites each written answer (a
Markdown solution cell) of the autograded notebook:

- kept as written when nbconvert's own renderer makes plain formatting of it and nothing else
  (paragraphs, emphasis, lists, code, tables, maths, http(s) links: SAFE_TAGS);
- else with `&` and `<` as entities (outside maths when that is enough), so any HTML shows as
  the text the learner typed while Markdown and maths still render;
- else (what remains is still more than formatting, e.g. an image, which would load a URL when
  the page opens, or a heading, whose id the renderer takes from the learner's text) as an
  indented code block, shown verbatim, as feedback shows every answer (grader/feedback.py).

A rewritten answer is also kept as typed in the cell's metadata; RestoreAnswersAsTyped puts it
back for the learner's feedback, which shows every answer verbatim anyway.

Outputs of learner code are already reduced to text and real PNG images as they arrive
(grader/execute.py); the exporter's `sanitize_html` (grader/nbgrader_setup.py) covers them once more.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbformat import NotebookNode
from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import NbGraderPreprocessor

from .feedback import as_verbatim_text

# What nbconvert's Markdown renderer makes from plain Markdown (no raw HTML, no images).
SAFE_TAGS = {
    "p",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "span",
    "div",
    "ul",
    "ol",
    "li",
    "blockquote",
    "hr",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "sub",
}
# No `id`: a learner-chosen id on the page could shadow a global the page's scripts read.
SAFE_ATTRIBUTES = {"class", "href", "start", "align", "style"}
SAFE_LINK = re.compile(r"(https?://|#)", re.IGNORECASE)
# Table cells carry text-align only; anything else in a style is refused.
SAFE_STYLE = re.compile(r"\s*text-align\s*:\s*(left|right|center)\s*;?\s*", re.IGNORECASE)


class _Markup(HTMLParser):
    """Collects whether an HTML fragment uses anything outside SAFE_TAGS / SAFE_ATTRIBUTES."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.unsafe: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.unsafe.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if (
                name not in SAFE_ATTRIBUTES
                or (name == "href" and (tag != "a" or not SAFE_LINK.match(value)))
                or (name == "style" and not SAFE_STYLE.fullmatch(value))
            ):
                self.unsafe.append(f"<{tag} {name}>")

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.unsafe.append("<!-- -->")

    def handle_decl(self, decl):
        self.unsafe.append("<!decl>")

    def handle_pi(self, data):
        self.unsafe.append("<?pi>")

    def unknown_decl(self, data):
        self.unsafe.append("<![...]>")


def unsafe_markup(markdown: str) -> list[str]:
    """What the HTML that nbconvert renders from `markdown` holds outside the safe set."""
    parser = _Markup()
    parser.feed(markdown2html_mistune(markdown))
    parser.close()
    return parser.unsafe


def inert_markdown(source: str) -> str:
    """`source` as Markdown that renders to text and formatting only (see the module's doc)."""
    if not unsafe_markup(source):
        return source
    for escaped in (_escape_outside_maths(source), _escape(source)):
        if not unsafe_markup(escaped):
            return escaped
    verbatim = as_verbatim_text(source)
    return verbatim if not unsafe_markup(verbatim) else UNSHOWN


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _escape_outside_maths(source: str) -> str:
    """`source` with `&` and `<` as entities except in what looks like maths (`$...$`,
    `$$...$$`), which the renderer escapes itself: a formula `$a<b$` stays a formula. Only a
    guess at what the renderer reads as maths, so its result is checked like any other."""
    parts = MATHS.split(source)
    return "".join(part if index % 2 else _escape(part) for index, part in enumerate(parts))


MATHS = re.compile(r"(\$\$.+?\$\$|\$[^$\n]+?\$)", re.DOTALL)
UNSHOWN = "*[This written answer cannot be shown safely here: open the submitted notebook.]*"


# Where MakeSubmissionInert keeps an answer it rewrote, as the learner typed it (cell metadata,
# which no page shows), for the learner's own feedback.
AS_TYPED = ("rnn_course", "written_answer_as_typed")


class MakeSubmissionInert(NbGraderPreprocessor):
    """Rewrite the written answers of an autograded notebook so Formgrader shows them as text."""

    def preprocess(self, nb: NotebookNode, resources: dict):
        for cell in nb.cells:
            if cell.cell_type == "markdown" and nbgrader_utils.is_solution(cell):
                shown = inert_markdown(cell.source)
                if shown != cell.source:
                    cell.metadata.setdefault(AS_TYPED[0], {})[AS_TYPED[1]] = cell.source
                    cell.source = shown
                cell.pop("attachments", None)
        return nb, resources


class RestoreAnswersAsTyped(NbGraderPreprocessor):
    """For feedback, just before KeepOnlyVerdicts shows every written answer verbatim: the
    answers MakeSubmissionInert rewrote go back to what the learner typed, so a learner who
    wrote `x<y and z>w` reads that, not entities."""

    def preprocess(self, nb: NotebookNode, resources: dict):
        for cell in nb.cells:
            holder = cell.metadata.get(AS_TYPED[0])
            if not isinstance(holder, dict):
                continue
            kept = holder.pop(AS_TYPED[1], None)
            if not holder:
                del cell.metadata[AS_TYPED[0]]
            if (
                isinstance(kept, str)
                and cell.cell_type == "markdown"
                and nbgrader_utils.is_solution(cell)
            ):
                cell.source = kept
        return nb, resources
