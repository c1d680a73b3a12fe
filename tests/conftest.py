"""Test-session setup shared by every test.

- A missing or read-only HOME (some CI containers) must not turn IPython's "not a writable
  location" warning into failures: before anything imports IPython or Jupyter, their folders
  are pointed at writable ones (course.tool_environment, the same the `course.py` commands use).
- One BLAS thread per process (unless set already): the suite runs one worker per core, and
  NumPy's own threads on top of that oversubscribe the cores. Measured on a busy 2-core machine:
  notebook 01's first training took 28 s with OpenBLAS's default threads and 1.7 s with one.
  Kernels started by the notebook tests inherit the setting.
- Which tests share a worker (`python3 course.py test` runs pytest-xdist with --dist loadgroup):
  those that share an instance of a module- or class-scoped fixture of the course's tests, so
  each grading run or server is made once; every other test on its own. Each assignment's
  grading in test_pipeline.py is its own group, so the seven share the workers.
"""
import os

import pytest

from course import tool_environment

os.environ.update(tool_environment())
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")


# -- which tests run on one worker (`python3 course.py test`: pytest-xdist's --dist loadgroup) --
def _shared_fixtures(item) -> set[tuple[str, str]]:
    """The fixture instances of the course's own tests that `item` shares with other tests
    (module or class scope: one grading run, one server): (fixture, its parameter)."""
    shared = set()
    for name in item.fixturenames:
        definitions = item._fixtureinfo.name2fixturedefs.get(name)
        if not definitions or definitions[-1].scope in ("function", "session", "package"):
            continue  # pytest's own session fixtures (tmp_path_factory) cost nothing to repeat
        definition = definitions[-1]
        if not getattr(definition.func, "__module__", "").startswith("tests."):
            continue
        callspec = getattr(item, "callspec", None)
        shared.add((name, repr(callspec.params[name]) if callspec and name in callspec.params
                    else ""))
    return shared


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Tests that share an expensive fixture instance go to one worker, so it is made once;
    every other test is scheduled on its own. Each module's tests are joined by the fixture
    instances they share (transitively); one group per set so joined, named after the module
    and its first test: e.g. each assignment's grading in test_pipeline.py is a group of its
    own, and the seven run on whichever worker is free. Without xdist the marks do nothing."""
    parent: dict = {}

    def root(key):
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    keyed = []
    for item in items:
        keys = [(item.module.__name__, *shared) for shared in sorted(_shared_fixtures(item))]
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
        keyed.append((item, keys))
    names: dict = {}
    for item, keys in keyed:
        if keys:
            group = names.setdefault(root(keys[0]), group_name(item))
            item.add_marker(pytest.mark.xdist_group(group))


def group_name(item) -> str:
    """The module and first test of a group, without the brackets and "@" that xdist would
    read as part of a test's own id (it takes what follows the last "@" after the last "]")."""
    return f"{item.module.__name__}:{item.name}".translate(str.maketrans("[]@", "()_"))
