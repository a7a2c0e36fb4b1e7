"""The app's own worker: one process beside the web server, started on demand, no extra service.

With no queue configured, the app keeps its queue in ``queue.sqlite`` in its data folder and starts
``python -m assistant worker --embedded`` there: a separate process, so TensorFlow never shares the
web server's process. The worker holds ``worker.lock`` while it lives, so at most one runs per folder;
it outlives an app restart (a restarted app finds its jobs running) and ends on its own once there
is nothing to do (30 s after the app that started it is gone, 10 minutes otherwise).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

__all__ = ["EmbeddedWorker", "hold_lock", "stop_started"]

WORKERS_ENV = "PAINTING_ASSISTANT_WORKERS"
LOG_BYTES = 4 * 2**20


def hold_lock(path: Path) -> BinaryIO | None:
    """The open lock file when this process now holds ``path``'s lock, else None (someone else holds it)."""
    handle = open(path, "a+b")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


class EmbeddedWorker:
    """Starts (and restarts) the worker process of the queue in ``folder``.

    Args:
        folder: the app's data folder (private to this user); holds queue.sqlite, worker.lock, worker.log.
        workers: jobs the worker runs at once (``PAINTING_ASSISTANT_WORKERS``, default 1).
    """

    def __init__(self, folder: str | os.PathLike, *, workers: int | None = None) -> None:
        self.folder = Path(folder)
        self.url = f"sqlite://{(self.folder / 'queue.sqlite').resolve()}"
        self.workers = workers if workers is not None else _workers_setting()
        self._lock = threading.Lock()
        self._checked = 0.0
        self.process: subprocess.Popen | None = None

    def running(self) -> bool:
        """True while a worker holds this folder's lock."""
        handle = hold_lock(self.folder / "worker.lock")
        if handle is None:
            return True
        handle.close()
        return False

    def ensure(self, *, every: float = 0.0) -> bool:
        """Start the worker unless one runs (checked at most every ``every`` seconds); True when started."""
        with self._lock:
            now = time.monotonic()
            if now - self._checked < every:
                return False
            self._checked = now
            if self.running():
                return False
            path = self.folder / "worker.log"
            if path.exists() and path.stat().st_size > LOG_BYTES:  # one old log is kept, so the two stay bounded
                os.replace(path, path.with_suffix(".log.1"))
            log = open(path, "ab")
            try:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "assistant", "worker", "--queue", self.url, "--embedded",
                     "--parent", str(os.getpid()), "--jobs", str(self.workers)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    cwd=str(Path(__file__).resolve().parents[2]))
            finally:
                log.close()
            _started.append(self)
            return True

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the worker this object started (its running jobs go back to the queue)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_started: list[EmbeddedWorker] = []


def stop_started() -> None:
    """Stop every worker this process started (tests; a server leaves its worker to end on its own)."""
    while _started:
        _started.pop().stop()


def _workers_setting() -> int:
    raw = os.environ.get(WORKERS_ENV, "").strip() or "1"
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 64:
        raise ValueError(f"{WORKERS_ENV} must be a whole number from 1 to 64. Received: {raw!r}")
    return value
