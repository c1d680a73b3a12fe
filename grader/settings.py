"""What one grading run is set up with: the grading folder, the sandbox and its limits, the
gradebook. Standard library only (the command line, the exchange and the workers import it).

The defaults of the limits are written here only: the command line's options (`--timeout`,
`--notebook-timeout`, `--memory-mb`), the course's nbgrader preprocessor (`SandboxedExecute`,
whose traits keep nbgrader's and nbclient's name `timeout`) and the sandbox's `Limits` read them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .layout import CLUSTER_VARIABLE, DB_URL_VARIABLE, DEFAULT_GRADING_FOLDER


@dataclass
class GradingSettings:
    folder: Path = DEFAULT_GRADING_FOLDER
    sandbox: bool = True
    timeout: int = 60  # seconds one cell may run (nbclient's `timeout`)
    notebook_timeout: int = 300  # seconds all the cells of one notebook may run together
    memory_mb: int = 4096  # memory cap of each learner kernel (MB)
    # empty: gradebook.db (SQLite) in the grading folder
    db_url: str = field(default_factory=lambda: os.environ.get(DB_URL_VARIABLE, ""))
    # empty: grade on this machine (--jobs); else a Dask scheduler's address (grader/cluster.py)
    cluster: str = field(default_factory=lambda: os.environ.get(CLUSTER_VARIABLE, ""))

    @property
    def gradebook_url(self) -> str:
        return self.db_url or f"sqlite:///{self.folder.resolve() / 'gradebook.db'}"

    @property
    def fault_log(self) -> Path:
        return self.folder / "reports" / "current-run.jsonl"

    @property
    def verdict_folder(self) -> Path:
        """The grader's verdict records (grader/verdict_records.py)."""
        return self.folder / "verdicts"

    @property
    def release_directory(self) -> Path:
        return self.folder / "release"
