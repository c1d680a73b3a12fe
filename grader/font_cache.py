"""Matplotlib's font list, built once per environment and copied into each kernel.

Every kernel starts with an empty MPLCONFIGDIR of its own (a tmpfs), so each
`import matplotlib.pyplot` in a notebook would list the machine's fonts again: about 0.2 s of
every notebook graded (measured in the sandbox: 0.51-0.53 s for the import without the list,
0.33-0.34 s with it). The grader builds the list once, with the environment's own Python, in a
folder beside that environment (`FOLDER`); kernels see the environment read-only at the same path
and each starts with a copy it may change. The list names font files only (the system's and
matplotlib's own, which kernels see read-only at the same paths), and nothing a kernel writes
comes back. Where the folder cannot be made (an environment the grader may not write to), kernels
list the fonts themselves, as before.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

FOLDER = Path(sys.prefix) / "var" / f"rnn-course-matplotlib-{version('matplotlib')}"


@functools.cache
def font_list() -> Path | None:
    """The file holding matplotlib's font list (made on first use), or None."""
    made = sorted(FOLDER.glob("fontlist-*.json"))
    if made:
        return made[0]
    try:
        FOLDER.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".building-", dir=FOLDER.parent))
    except OSError:
        return None
    try:
        subprocess.run(
            [sys.executable, "-c", "import matplotlib.font_manager"],
            env=dict(os.environ, MPLCONFIGDIR=str(building)),
            capture_output=True,
            check=True,
            timeout=300,
        )
        for path in building.iterdir():
            path.chmod(0o644)
        building.chmod(0o755)
        building.rename(FOLDER)  # whole or not at all; another grader may have been first
    except (OSError, subprocess.SubprocessError):
        pass
    finally:
        shutil.rmtree(building, ignore_errors=True)
    made = sorted(FOLDER.glob("fontlist-*.json"))
    return made[0] if made else None
