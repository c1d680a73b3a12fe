"""Open a page the grader wrote in Debian's chromium (headless, via Playwright) and look at it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class SeenPage:
    title: str
    text: str  # the body's text as the browser lays it out
    tables: list[list[list[str]]]  # every table: rows of cell texts (header row first)
    images: list[tuple[int, int]]  # every image's natural size (0, 0: not loaded)
    screenshot: Path
    console_errors: list[str]  # what the page logged as errors (a blocked script would be)


def open_page(path: Path, screenshot: Path) -> SeenPage:
    """Load the file `path` in chromium, take a full-page screenshot to `screenshot`, and read
    back what it shows through the DOM."""
    assert CHROMIUM.exists(), "chromium is missing: `python3 course.py test` installs it as root"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            errors = []
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.goto(path.resolve().as_uri())
            page.wait_for_load_state("load")
            page.screenshot(path=str(screenshot), full_page=True)
            tables = page.eval_on_selector_all(
                "table",
                "ts => ts.map(t => Array.from(t.rows).map(r => "
                "Array.from(r.cells).map(c => c.innerText.trim())))",
            )
            images = page.eval_on_selector_all(
                "img", "is => is.map(i => [i.naturalWidth, i.naturalHeight])"
            )
            return SeenPage(
                page.title(),
                page.inner_text("body"),
                tables,
                [tuple(size) for size in images],
                screenshot,
                errors,
            )
        finally:
            browser.close()


def distinct_colours(screenshot: Path) -> int:
    """How many colours the screenshot holds (a blank page: one)."""
    import numpy as np
    from matplotlib.image import imread

    pixels = imread(screenshot)[..., :3].reshape(-1, 3)
    return len(np.unique((pixels * 255).astype(np.uint8), axis=0))
