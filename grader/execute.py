"""Execute a submission in a jailed kernel, so that faults cost only what they should.

Differences from nbgrader's Execute:
- the kernel runs in a `sandbox.KernelJail` (bubblewrap, its own uid, resource caps, tmpfs
  scratch), always the course's Python kernel whatever the notebook's metadata says;
- each cell has a timeout, and the notebook a time budget: a cell that times out, runs past the
  budget or kills its kernel is marked with the reason, the cells before it keep their results,
  and the cells after it are marked "not run";
- outputs are capped per cell and per notebook over every message that carries output (stream,
  display data and its updates, results, errors, clear-and-reprint), so one submission cannot
  exhaust the grader's memory; widget messages are ignored;
- only plain text, PNG images and tracebacks are kept from what learner code displays (no HTML,
  JavaScript, SVG, Markdown or LaTeX reaches the instructor's or the learner's screen), and a
  hidden check's record only in the test cell that asked for it;
- processes a cell leaves behind are killed when it ends;
- cells after the last graded code cell are not run: they cannot change a grade (experiments at
  the end of a notebook are for learning; a written answer, graded by hand, needs no code run),
  and skipping them makes grading several times faster.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import tempfile
import time
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from coursekit.hidden import RECORD_MIME

from .faults import ReportsFaults, cell_name
from .hidden_checks import is_test_cell
from .sandbox import (
    JailedKernelManager,
    JailWatch,
    KernelJail,
    Limits,
    filter_problem,
    sandbox_problem,
)
from .settings import GradingSettings

NOT_RUN = "NotRun"
AFTER_LAST_GRADED = (
    "[not run while grading: cells after the last graded cell cannot change a grade]\n"
)
SAFE_MIME_TYPES = ("text/plain", "image/png")
OUTPUT_MESSAGES = (
    "stream",
    "display_data",
    "execute_result",
    "update_display_data",
    "error",
    "clear_output",
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")


class SandboxedExecute(ReportsFaults, Execute):
    sandbox = Bool(True, help="Run kernels in bubblewrap (False: local process, same caps)").tag(
        config=True
    )
    memory_mb = Integer(GradingSettings.memory_mb, help="Memory cap per kernel (MB)").tag(
        config=True
    )
    processes = Integer(Limits.processes, help="Processes and threads per kernel").tag(config=True)
    max_output_bytes = Integer(2_000_000, help="Output kept per cell").tag(config=True)
    max_notebook_output_bytes = Integer(
        8_000_000,
        help="Output received per notebook, over all cells and every kind of output "
        "message; past it, outputs are dropped",
    ).tag(config=True)
    grader_growth_mb = Integer(
        512,
        help="How much this grading process may grow while one "
        "kernel runs before the kernel is stopped (MB)",
    ).tag(config=True)
    timeout = Integer(GradingSettings.timeout, help="Seconds a cell may run").tag(config=True)
    notebook_timeout = Integer(
        GradingSettings.notebook_timeout,
        help="Seconds all the cells of a notebook may run together",
    ).tag(config=True)
    startup_timeout = Integer(60, help="Seconds a kernel may take to start").tag(config=True)
    skip_after_last_graded = Bool(
        True, help="Do not run cells after the last graded cell (they cannot change a grade)"
    ).tag(config=True)
    store_widget_state = Bool(False)

    def preprocess(self, nb, resources=None, km=None):
        problem = sandbox_problem() if self.sandbox else filter_problem()
        if problem:  # never a kernel without the filter
            raise RuntimeError(problem + ("; or grade with --no-sandbox" if self.sandbox else ""))
        notebook_dir = Path(resources.get("metadata", {}).get("path") or ".")
        cases_file = resources.get("rnn_course", {}).get("cases_file")
        limits = Limits(memory_mb=self.memory_mb, processes=self.processes)
        with (
            tempfile.TemporaryDirectory(prefix="rnn-course-kernel-") as scratch,
            KernelJail(
                Path(scratch),
                course_files=notebook_dir,
                cases_file=Path(cases_file) if cases_file else None,
                limits=limits,
                sandboxed=self.sandbox,
            ) as jail,
            JailWatch(jail, self.grader_growth_mb),
        ):
            manager = JailedKernelManager(kernel_name="python3")
            manager.jail = jail
            self._jail = jail
            return self._run_all_cells(nb, resources, manager)

    def _run_all_cells(self, nb, resources, manager):
        # As nbconvert's ExecutePreprocessor.preprocess does: re-initialise the client state.
        NotebookClient.__init__(self, nb, manager)
        self.owns_km = True  # given a manager, nbclient would otherwise leave the kernel running
        self.kernel_name = "python3"
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._output_bytes: dict[int, int] = {}
        self._notebook_output_bytes = 0
        self._records: dict[int, int] = {}
        self._strays_reported = 0
        stopped_because = None
        last_graded = last_autograded_cell(self.nb.cells)
        if not self.skip_after_last_graded:
            last_graded = len(self.nb.cells) - 1
        configured = self.timeout  # self.timeout is lowered as the notebook's budget runs out
        with self.setup_kernel():
            self.wait_for_reply(self.kc.kernel_info())
            self._jail.started(manager.launcher_pid)
            deadline = time.monotonic() + self.notebook_timeout
            try:
                for index, cell in enumerate(self.nb.cells):
                    if cell.cell_type != "code":
                        continue
                    if index > last_graded:
                        cell.outputs = [new_output("stream", name="stdout", text=AFTER_LAST_GRADED)]
                        cell.execution_count = None
                        continue
                    if not stopped_because and time.monotonic() >= deadline:
                        stopped_because = self._out_of_time(cell_name(cell, index), resources)
                    if stopped_because:
                        _mark_not_run(cell, stopped_because)
                        continue
                    self.timeout = max(1, min(configured, math.ceil(deadline - time.monotonic())))
                    stopped_because = self._run_one_cell(
                        cell, index, resources, budget_ran_out=self.timeout < configured
                    )
            finally:
                self.timeout = configured
        return self.nb, self.resources

    def _out_of_time(self, name, resources) -> str:
        detail = f"the notebook's time budget of {self.notebook_timeout} s ran out before {name}"
        self.report(resources, name, "time budget", detail)
        return detail

    def _run_one_cell(self, cell, index, resources, *, budget_ran_out: bool) -> str | None:
        """Run a cell; the reason to stop the notebook, or None to go on."""
        name = cell_name(cell, index)
        try:
            self.execute_cell(cell, index, store_history=True)
            return None
        except CellTimeoutError:
            if budget_ran_out:
                detail = (
                    f"still running when the notebook's time budget of "
                    f"{self.notebook_timeout} s ran out; the kernel was stopped"
                )
                kind = "time budget"
            else:
                detail, kind = (
                    f"still running after {self.timeout} s; the kernel was stopped",
                    "timeout",
                )
            self.report(resources, name, kind, detail)
            cell.outputs.append(_error("CellTimeoutError", detail))
            return f"an earlier cell ({name}) ran out of time"
        except DeadKernelError:
            self._jail.note_oom_kills()
            detail = (
                f"the grader stopped the kernel: {self._jail.stop_reason}"
                if self._jail.stop_reason
                else f"the kernel died (out of memory at {self.memory_mb} MB, a crash, "
                f"or the code exited the process)"
            )
            self.report(resources, name, "kernel died", detail)
            cell.outputs.append(_error("DeadKernelError", detail))
            return f"the kernel died in an earlier cell ({name})"
        finally:
            self._jail.kill_strays()
            if self._jail.strays_killed > self._strays_reported:
                self.report(
                    resources,
                    name,
                    "processes killed",
                    f"{self._jail.strays_killed - self._strays_reported} processes of the "
                    f"kernel's were killed (left running by a cell, or at the process cap)",
                )
                self._strays_reported = self._jail.strays_killed

    def process_message(self, msg, cell, cell_index):
        """Every message that carries output passes here: count it against the caps, keep only
        safe content, then let nbclient handle it."""
        msg_type = msg.get("msg_type", "")
        if msg_type.startswith("comm"):
            return None  # widgets are not graded; their state is not kept
        if msg_type not in OUTPUT_MESSAGES:
            return super().process_message(msg, cell, cell_index)
        content = msg["content"]
        if not (self._is_record(msg, cell, cell_index) or self._within_caps(msg, cell_index)):
            return None
        if msg_type in ("display_data", "execute_result", "update_display_data"):
            content["data"] = _safe_data(content.get("data"), is_test_cell(cell))
            content["metadata"] = {}
            if not content["data"]:
                return None
        elif msg_type == "stream":
            if content.get("name") not in ("stdout", "stderr"):
                return None
            content["text"] = str(content.get("text", ""))
        elif msg_type == "error":
            traceback = content.get("traceback")
            content.update(
                ename=str(content.get("ename", "")),
                evalue=str(content.get("evalue", "")),
                traceback=[str(line) for line in traceback] if isinstance(traceback, list) else [],
            )
        return super().process_message(msg, cell, cell_index)

    def _is_record(self, msg, cell, cell_index) -> bool:
        """A hidden check's record in its test cell passes the output caps (learner code may
        have printed up to them before it), two at the most: the judge needs to see a second one
        to refuse both, and nothing more."""
        data = msg["content"].get("data")
        if (
            msg["msg_type"] != "display_data"
            or not isinstance(data, dict)
            or RECORD_MIME not in data
            or not is_test_cell(cell)
        ):
            return False
        self._records[cell_index] = self._records.get(cell_index, 0) + 1
        return self._records[cell_index] <= 2

    def _within_caps(self, msg, cell_index) -> bool:
        size = len(json.dumps(msg.get("content", {}), default=str))
        used = self._output_bytes.get(cell_index, 0)
        self._output_bytes[cell_index] = used + size
        notebook_used = self._notebook_output_bytes
        self._notebook_output_bytes += size
        if (
            used + size <= self.max_output_bytes
            and notebook_used + size <= self.max_notebook_output_bytes
        ):
            return True
        name = cell_name(self.nb.cells[cell_index], cell_index)
        if notebook_used <= self.max_notebook_output_bytes < notebook_used + size:
            self._note_cut(
                cell_index,
                f"more than {self.max_notebook_output_bytes} bytes of "
                f"output in the notebook; later output is dropped",
                name,
            )
        elif used <= self.max_output_bytes < used + size:
            self._note_cut(cell_index, f"more than {self.max_output_bytes} bytes of output", name)
        return False

    def _note_cut(self, cell_index, detail, name) -> None:
        self.nb.cells[cell_index].outputs.append(
            new_output("stream", name="stdout", text=f"[output cut by the grader: {detail}]\n")
        )
        self.report(self.resources, name, "output flood", detail)


def last_autograded_cell(cells) -> int:
    """Index of the last graded code cell (the last cell if there is none). A written answer
    graded by hand is a markdown cell: no code after it can change its grade, so it does not
    make grading run the experiments before it."""
    return max(
        (
            index
            for index, cell in enumerate(cells)
            if cell.get("cell_type") == "code"
            and cell.get("metadata", {}).get("nbgrader", {}).get("grade")
        ),
        default=len(cells) - 1,
    )


def _safe_data(data, test_cell: bool) -> dict:
    """The parts of a display's MIME bundle that cannot run or pretend: plain text and real PNG
    images (and, in a test cell, the hidden check's record, which the grader decodes strictly)."""
    if not isinstance(data, dict):
        return {}
    safe = {}
    if isinstance(data.get("text/plain"), str):
        safe["text/plain"] = data["text/plain"]
    if _is_png(data.get("image/png")):
        safe["image/png"] = data["image/png"]
    if test_cell and isinstance(data.get(RECORD_MIME), str):
        safe[RECORD_MIME] = data[RECORD_MIME]
    return safe


def _is_png(value) -> bool:
    if not isinstance(value, str) or not BASE64.fullmatch(value):
        return False
    head = "".join(value[:100].split())[:12]  # 12 base64 characters: the first 9 bytes
    try:
        return base64.b64decode(head)[:8] == PNG_SIGNATURE
    except (binascii.Error, ValueError):
        return False


def _mark_not_run(cell, reason: str) -> None:
    cell.outputs = [_error(NOT_RUN, f"not run: {reason}")]
    cell.execution_count = None


def _error(name: str, value: str):
    return new_output("error", ename=name, evalue=value, traceback=[f"{name}: {value}"])
