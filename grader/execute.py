"""Execute a submission in a jailed kernel, so that faults cost only what they should.

Differences from nbgrader's Execute:
- the kernel runs in a `sandbox.KernelJail` (bubblewrap, resource caps, scratch folder), always
  the course's Python kernel whatever the notebook's metadata says;
- each cell has a timeout; a cell that times out or kills its kernel is marked with the reason,
  the cells before it keep their results, and the cells after it are marked "not run";
- a cell's output is capped (a flood is cut, with a note) so one submission cannot exhaust the
  grader's memory;
- cells after the last graded cell are not run: they cannot change a grade (experiments at the
  end of a notebook are for learning), and skipping them makes grading several times faster.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from .faults import ReportsFaults, cell_name
from .sandbox import JailedKernelManager, KernelJail, Limits, bubblewrap

NOT_RUN = "NotRun"
AFTER_LAST_GRADED = "[not run while grading: cells after the last graded cell cannot change a grade]\n"


class SandboxedExecute(ReportsFaults, Execute):

    sandbox = Bool(True, help="Run kernels in bubblewrap (False: local process, same caps)"
                   ).tag(config=True)
    memory_mb = Integer(Limits.memory_mb, help="Address-space cap per kernel").tag(config=True)
    max_output_bytes = Integer(2_000_000, help="Output kept per cell").tag(config=True)
    timeout = Integer(60, help="Seconds a cell may run").tag(config=True)
    startup_timeout = Integer(60, help="Seconds a kernel may take to start").tag(config=True)
    skip_after_last_graded = Bool(True, help="Do not run cells after the last graded cell "
                                  "(they cannot change a grade)").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        if self.sandbox and not bubblewrap():
            raise RuntimeError("bubblewrap (bwrap) is not installed: install it "
                               "(apt-get install bubblewrap) or grade with --no-sandbox")
        notebook_dir = Path(resources.get("metadata", {}).get("path") or ".")
        cases_file = resources.get("rnn_course", {}).get("cases_file")
        with tempfile.TemporaryDirectory(prefix="rnn-course-kernel-") as scratch:
            jail = KernelJail(workdir=Path(scratch) / "work", socket_dir=Path(scratch) / "sockets",
                              cases_file=Path(cases_file) if cases_file else None,
                              limits=Limits(memory_mb=self.memory_mb), sandboxed=self.sandbox)
            _copy_course_files(notebook_dir, jail.workdir)
            jail.prepare()
            manager = JailedKernelManager(kernel_name="python3")
            manager.jail = jail
            return self._run_all_cells(nb, resources, manager)

    def _run_all_cells(self, nb, resources, manager):
        # As nbconvert's ExecutePreprocessor.preprocess does: re-initialise the client state.
        NotebookClient.__init__(self, nb, manager)
        self.owns_km = True  # given a manager, nbclient would otherwise leave the kernel running
        self.kernel_name = "python3"
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._output_bytes: dict[int, int] = {}
        stopped_because = None
        last_graded = max((index for index, cell in enumerate(self.nb.cells)     # autograded:
                           if cell.get("metadata", {}).get("nbgrader", {}).get("grade")  # a written
                           and cell.cell_type == "code"),                              # answer is
                          default=len(self.nb.cells) - 1)                                # graded by hand
        if not self.skip_after_last_graded:
            last_graded = len(self.nb.cells) - 1
        with self.setup_kernel():
            self.wait_for_reply(self.kc.kernel_info())
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code":
                    continue
                if index > last_graded:
                    cell.outputs = [new_output("stream", name="stdout", text=AFTER_LAST_GRADED)]
                    cell.execution_count = None
                    continue
                if stopped_because:
                    _mark_not_run(cell, stopped_because)
                    continue
                stopped_because = self._run_one_cell(cell, index, resources)
        return self.nb, self.resources

    def _run_one_cell(self, cell, index, resources) -> str | None:
        """Run a cell; the reason to stop the notebook, or None to go on."""
        name = cell_name(cell, index)
        try:
            self.execute_cell(cell, index, store_history=True)
            return None
        except CellTimeoutError:
            detail = f"still running after {self.timeout} s; the kernel was stopped"
            self.report(resources, name, "timeout", detail)
            cell.outputs.append(_error("CellTimeoutError", detail))
            return f"an earlier cell ({name}) timed out"
        except DeadKernelError:
            detail = (f"the kernel died (out of memory at {self.memory_mb} MB, a crash, "
                      f"or the code exited the process)")
            self.report(resources, name, "kernel died", detail)
            cell.outputs.append(_error("DeadKernelError", detail))
            return f"the kernel died in an earlier cell ({name})"

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {}), default=str))
        used = self._output_bytes.get(cell_index, 0)
        self._output_bytes[cell_index] = used + size
        if used + size <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if used <= self.max_output_bytes:
            note = f"[output cut by the grader after {self.max_output_bytes} bytes]\n"
            outs.append(new_output("stream", name="stdout", text=note))
            self.report(self.resources, cell_name(self.nb.cells[cell_index], cell_index),
                        "output flood", f"more than {self.max_output_bytes} bytes of output")
        return None


def _copy_course_files(notebook_dir: Path, workdir: Path) -> None:
    """The kernel's scratch folder: the files the course ships with the assignment, no notebook.

    nbgrader has already replaced these with the instructor's versions; files a learner added
    beside the notebook were never taken in (see intake), so none can shadow a module.
    """
    shutil.copytree(notebook_dir, workdir, ignore=shutil.ignore_patterns("*.ipynb", ".*"),
                    symlinks=False)


def _mark_not_run(cell, reason: str) -> None:
    cell.outputs = [_error(NOT_RUN, f"not run: {reason}")]
    cell.execution_count = None


def _error(name: str, value: str):
    return new_output("error", ename=name, evalue=value, traceback=[f"{name}: {value}"])
