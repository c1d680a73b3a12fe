"""The instructor's HTML pages (class report, similarity): one frame, text always escaped.

Every page the grader writes for an instructor goes through `page`: a Content-Security-Policy
that allows no script, no request and no frame (images only as data: URIs, the plots), so even
text that escaped `escape` could not run or load anything; and `escape` for every value, since
student ids, messages and code all come, in part, from learners. CSV cells go through
`spreadsheet_cell`, so a value a spreadsheet would read as a formula is read as text.
"""

from __future__ import annotations

import base64
import html
import io

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)

STYLE = """
body { font-family: sans-serif; max-width: 72em; margin: 2em auto; line-height: 1.45;
       padding: 0 1em; color: #222 }
table { border-collapse: collapse; margin: 0.5em 0 1.5em }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; vertical-align: top }
th { background: #eee }
td.number { text-align: right }
.notice { border-left: 0.4em solid #c60; background: #fff4e5; padding: 0.6em 1em }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.9em;
      white-space: pre-wrap }
table.code { table-layout: fixed; width: 100% }
mark { background: #ffd54f }
img { max-width: 100% }
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<title>{title}</title>
<style>{style}</style></head>
<body>
<h1>{title}</h1>
{body}
</body></html>
"""


def escape(value) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: str) -> str:
    """A whole page: `title` is escaped here, `body` must already be HTML built with `escape`."""
    return PAGE.format(policy=CONTENT_SECURITY_POLICY, title=escape(title), style=STYLE, body=body)


def table(header: list[str], rows: list[list], numeric: set[int] = frozenset()) -> str:
    """An HTML table of escaped values (`numeric`: columns aligned right); `empty` if no rows."""
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="number">{escape(value)}</td>'
            if index in numeric
            else f"<td>{escape(value)}</td>"
            for index, value in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def png_image(figure, alt: str) -> str:
    """A matplotlib figure as an <img> holding its PNG (a data: URI: the page loads nothing)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """`value` as CSV text a spreadsheet shows as text (a leading ' before a formula start)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
