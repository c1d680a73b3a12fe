"""Judging a hidden check's record outside the kernel, with bounds on what it may cost.

A record is text a learner's kernel wrote, so how long judging it takes is the learner's to
choose (weights of a huge hidden size make the reference forward pass slow). Three bounds keep
that cost near an ordinary wrong answer's:

- **Numbers in a record.** `decode(..., max_values=MAX_RECORD_VALUES)` counts every number the
  record holds (array entries from their headers) before building anything; the largest correct
  record of the course holds about 10,000.
- **Sizes the exercise documents.** A check's `limits(case, value)` looks at the returned shapes
  before any arithmetic (framework.Check).
- **Time.** Each record is decoded and judged in a worker process of the grader's own (this
  module run as `python -m grader.judging`), and a record whose verdict is not back within
  `seconds` has its worker killed: that check scores zero. A grading thread keeps its worker from
  notebook to notebook (`judging_process`: starting one costs about 0.3 s of CPU, a tenth of a
  notebook's grading), and starts a fresh one after any record that did not judge as a plain
  verdict (past a limit, malformed, or the worker's own failure), so no such record's leftovers
  meet the next student's. A process, not a signal or a thread: it works in any thread and in the
  worker processes of `--jobs`, and a killed worker leaves no computation running.

Nothing the worker sends back is learner text beyond what `judge` puts in a verdict; it answers
in JSON, and the requests it reads come only from this process.
"""

from __future__ import annotations

import json
import os
import pickle
import selectors
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

MAX_RECORD_VALUES = 1_000_000
STARTUP_SECONDS = 120  # importing NumPy and the checks, on a loaded machine
HEADER = struct.Struct("!Q")


@dataclass(frozen=True)
class Outcome:
    """What judging one record gave: `kind` is "verdict" (then `passed`), or a fault's kind
    ("tampered record", "judging limit", "grader error"); `text` is what the cell shows (the
    verdict's explanation, or the reason it scores zero)."""

    kind: str
    text: str
    passed: bool = False
    detail: str = ""  # for the fault report (defaults to `text`)
    mistakes: tuple[str, ...] = ()  # the listed mistakes a failing verdict matched (Verdict)


# -- in the worker ----------------------------------------------------------------------------
def judge_record(name: str, cases: list, text: str) -> Outcome:
    """Decode `text` (a record of check `name`, as the kernel wrote it) and judge it on `cases`."""
    from coursekit.wire import TooLarge, WireError, decode

    from .checks import get_check, judge, outcome_from_record

    try:
        record = decode(text, live=False, max_values=MAX_RECORD_VALUES)
        if not isinstance(record, dict) or record.get("check") != name:
            raise WireError("record is for another check")
        results = record.get("results")
        if not isinstance(results, list):
            raise WireError("record has no results")
        outcomes = [outcome_from_record(item) for item in results]
    except TooLarge:
        reason = (
            f"your function's results hold more than {MAX_RECORD_VALUES} numbers, far more "
            f"than this exercise asks for, so they were not judged"
        )
        return Outcome("judging limit", reason)
    except Exception as error:  # noqa: BLE001 - whatever a forged record raises, it is not trusted
        # the error's text may quote the record (learner output): the report only, not the cell
        return Outcome(
            "tampered record",
            "the check's record could not be read, so it is not trusted",
            detail=f"record not readable: {str(error)[:200]}",
        )
    try:
        verdict = judge(get_check(name), cases, outcomes)
    except Exception as error:  # noqa: BLE001 - a fault of the grader's, never the learner's luck
        return Outcome(
            "grader error",
            "this check could not be judged; your instructor has been told",
            detail=f"{type(error).__name__}: {error}",
        )
    if verdict.over_limit:
        return Outcome("judging limit", verdict.explain())
    return Outcome("verdict", verdict.explain(), passed=verdict.passed, mistakes=verdict.mistakes)


def _serve() -> None:
    import warnings

    warnings.simplefilter("ignore")  # the reference's own warnings go nowhere
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    _write_frame(sink, b"ready")
    while True:
        request = _read_frame(source)
        if request is None:
            return
        name, cases, text = pickle.loads(request)  # from the grading process only
        outcome = judge_record(name, cases, text)
        _write_frame(sink, json.dumps(outcome.__dict__).encode())


def _write_frame(stream, data: bytes) -> None:
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def _read_frame(stream) -> bytes | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    return stream.read(HEADER.unpack(header)[0])


# -- in the grading process -------------------------------------------------------------------
_THREADS = threading.local()


def judging_process(seconds: float) -> JudgingProcess:
    """This thread's judging worker for records given `seconds` each (made on first use)."""
    workers = _THREADS.__dict__.setdefault("workers", {})
    if seconds not in workers:
        workers[seconds] = JudgingProcess(seconds)
    return workers[seconds]


class JudgingProcess:
    """A worker that judges records one at a time, each within `seconds`."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._process: subprocess.Popen | None = None
        self._errors = None

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs (None before the first record, after close)."""
        running = self._process is not None and self._process.poll() is None
        return self._process.pid if running else None

    def judge(self, name: str, cases: list, text: str) -> Outcome:
        try:
            process = self._worker()
        except Exception as error:  # noqa: BLE001 - no worker: the grader's fault, reported
            self.close()
            return _grader_error(f"the judging process could not start: {error}")
        started = time.monotonic()
        try:
            _write_frame(process.stdin, pickle.dumps((name, cases, text)))
        except (BrokenPipeError, OSError) as error:
            self.close()
            return _grader_error(f"the judging process stopped: {error}")
        answer = self._read_answer(started + self.seconds)
        if answer is None:
            self.close()
            return Outcome(
                "judging limit",
                f"judging your results took longer than {self.seconds:g} s (far more "
                f"than this check needs for a correct answer), so they were not "
                f"judged",
            )
        answer = json.loads(answer)
        return Outcome(**dict(answer, mistakes=tuple(answer.get("mistakes", ()))))

    def _worker(self) -> subprocess.Popen:
        if self._process is not None and self._process.poll() is None:
            return self._process
        root = str(Path(__file__).resolve().parents[1])
        # The worker judges with this checkout's code (`root`), whatever the environment has
        # installed. `-m` with cwd=root puts root first on sys.path, but not when the environment
        # sets PYTHONSAFEPATH: then only PYTHONPATH does, and without it the worker would import
        # the installed (editable) grader, which may be another checkout's (tests/grading/
        # test_kernel_judgements.py::test_the_judging_worker_runs_the_code_of_the_checkout_that_
        # started_it).
        env = dict(
            os.environ,
            OMP_NUM_THREADS="1",
            OPENBLAS_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
            PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        )
        self._errors = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "grader.judging"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env=env,
            cwd=root,
        )
        if self._read_answer(time.monotonic() + STARTUP_SECONDS) != b"ready":
            errors = self._error_tail()
            self.close()
            raise RuntimeError(f"no answer within {STARTUP_SECONDS} s; {errors}")
        return self._process

    def _read_answer(self, deadline: float) -> bytes | None:
        """One frame from the worker, or None if it is not complete by `deadline`."""
        stream = self._process.stdout
        data = b""
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            needed = HEADER.size
            while True:
                while len(data) < needed:
                    left = deadline - time.monotonic()
                    if left <= 0 or not selector.select(left):
                        return None
                    chunk = os.read(stream.fileno(), max(needed - len(data), 65536))
                    if not chunk:
                        return None
                    data += chunk
                if needed == HEADER.size:
                    needed += HEADER.unpack(data[: HEADER.size])[0]
                    if len(data) >= needed:
                        return data[HEADER.size : needed]
                else:
                    return data[HEADER.size : needed]

    def _error_tail(self) -> str:
        if self._errors is None:
            return ""
        self._errors.seek(0)
        return self._errors.read()[-600:].decode(errors="replace")

    def close(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self._process = None
        if self._errors is not None:
            self._errors.close()
            self._errors = None


def _grader_error(detail: str) -> Outcome:
    return Outcome(
        "grader error",
        "this check could not be judged; your instructor has been told",
        detail=detail,
    )


if __name__ == "__main__":
    _serve()
