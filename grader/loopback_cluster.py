"""A Dask cluster on this machine's loopback, as real processes: what the cluster tests and
benchmark grade on, and a way to try `autograde --cluster` before a real cluster."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .layout import REPOSITORY

STOP_SECONDS = 5


class LoopbackCluster:
    """A Dask cluster of real processes on 127.0.0.1 (the cluster tests and benchmark; an
    instructor trying `--cluster` on one machine): a
    `dask scheduler` (port 0: a free port, read back from its scheduler file) and `dask worker`s
    (one thread, no nanny: a killed worker stays dead), each worker with its own folder (its
    local directory, which holds its working copy of grading). Use it as a context manager;
    everything it started is stopped on exit."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen] = {}
        self.address = ""

    def __enter__(self) -> LoopbackCluster:
        scheduler_file = self.folder / "scheduler.json"
        self._start(
            "scheduler",
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            ],
        )
        deadline = time.monotonic() + 300
        while not scheduler_file.is_file() or not scheduler_file.read_text().strip():
            if self.processes["scheduler"].poll() is not None:
                raise RuntimeError("the scheduler stopped:\n" + self.log("scheduler"))
            if time.monotonic() > deadline:
                raise RuntimeError("the scheduler did not start")
            time.sleep(0.2)
        self.address = json.loads(scheduler_file.read_text())["address"]
        return self

    def add_worker(self, name: str, *, path: str | None = None) -> Path:
        """Start worker `name` (PATH: `path`, default this process's); its folder."""
        folder = self.folder / name
        folder.mkdir(exist_ok=True)
        self._start(
            name,
            [
                "worker",
                self.address,
                "--name",
                name,
                "--host",
                "127.0.0.1",
                "--nthreads",
                "1",
                "--no-nanny",
                "--local-directory",
                str(folder),
            ],
            path=path,
        )
        return folder

    def wait_for_workers(self, count: int, timeout: float = 300) -> None:
        from distributed import Client

        with Client(self.address, timeout=timeout, set_as_default=False) as client:
            client.wait_for_workers(count, timeout=timeout)

    def kill(self, name: str) -> None:
        """SIGKILL worker `name`: no goodbye to the scheduler."""
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(60)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]

    def _start(self, name: str, arguments: list[str], path: str | None = None) -> None:
        env = dict(
            os.environ,
            PYTHONPATH=str(REPOSITORY),
            PATH=path if path is not None else os.environ.get("PATH", os.defpath),
        )
        with open(self.folder / f"{name}.log", "wb") as log:
            self.processes[name] = subprocess.Popen(
                [str(Path(sys.executable).parent / "dask"), *arguments],
                cwd=REPOSITORY,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def __exit__(self, *exc) -> None:
        """Stop every process started, and what each left in its session (kernels, judges):
        asked to stop, then killed if it has not within STOP_SECONDS (a Dask process that waits
        on a peer already gone can take 30 s or more to give up)."""
        for process in reversed(list(self.processes.values())):
            for how in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, how)
                try:
                    process.wait(STOP_SECONDS if how == signal.SIGTERM else 60)
                    break
                except subprocess.TimeoutExpired:
                    continue
