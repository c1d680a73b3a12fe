"""nbgrader's gradebook schema version, found in-process.

nbgrader stamps a new gradebook with its alembic head by running the `alembic` executable, a
second Python process that takes about five seconds to start here. The head is a fixed property
of the installed nbgrader, so we read it once with alembic's Python API and give nbgrader that.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import nbgrader
import nbgrader.api
from alembic.config import Config
from alembic.script import ScriptDirectory


@cache
def alembic_head() -> str:
    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
    return ScriptDirectory.from_config(config).get_current_head()


def use_in_process_alembic_head() -> None:
    nbgrader.api.get_alembic_version = alembic_head
