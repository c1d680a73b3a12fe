"""Test-session setup shared by every test.

- A missing or read-only HOME (some CI containers) must not turn IPython's "not a writable
  location" warning into failures: before anything imports IPython or Jupyter, their folders
  are pointed at writable ones (course.tool_environment, the same the `course.py` commands use).
- One BLAS thread per process (unless set already): the suite runs one worker per core, and
  NumPy's own threads on top of that oversubscribe the cores. Measured on a busy 2-core machine:
  notebook 01's first training took 28 s with OpenBLAS's default threads and 1.7 s with one.
  Kernels started by the notebook tests inherit the setting.
- Which worker runs what, and the record of each test's seconds: tests/scheduling.py.
"""

import os

import pytest

from course import tool_environment
from tests.scheduling import SecondsRecord, make_scheduler

os.environ.update(tool_environment())
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller (or a run without workers)
        config.pluginmanager.register(SecondsRecord(config), "rnn-course-test-seconds")


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadscope` (course.py's): tests/scheduling.py's units, costliest first."""
    if config.getvalue("dist") == "loadscope":
        return make_scheduler(config, log)
    return None
