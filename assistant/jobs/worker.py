"""Worker processes: take jobs off the queue and run them.

    python -m assistant worker --queue redis://host:6379/0 [--kinds style,strokes] [--workers 1]

A worker is a Huey consumer (:class:`huey.consumer.Consumer`: its threads, signals, health
checks) whose threads poll the queues of the kinds it takes, in turn, and run one job at a time
each. While a job runs, a second thread beats once a second (the job's record says how far it
got and how long it has run), reads the cancel flag, and stops the job when its owner has not
been seen for the job's grace time. Stopping the worker (Ctrl-C, SIGTERM) hands its running jobs
back to their queues at once; a worker killed outright is found by the job's observers
(:class:`assistant.jobs.queue.Observer`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
from huey.consumer import Consumer, ConsumerStopped, Worker

if TYPE_CHECKING:
    import datetime

    from huey import Huey

from .. import __version__
from ..base import Cancelled
from .queue import CANCELLED, DONE, FAILED, QUEUED, RUNNING, SESSION_GONE, JobQueue, describe_failure
from .tasks import TASKS

__all__ = ["WorkerProcess", "execute"]

BEAT_SECONDS = 1.0  # a running job's record is rewritten at least this often
WRITE_SECONDS = 0.5  # progress reaches the record at most this often
PREVIEW_SECONDS = 1.0  # and a new preview at most this often
PREVIEW_SIDE = 256  # pixels on the long side of a stored preview
ORPHAN_GRACE = 5.0  # seconds a worker started by a batch (``--parent``) waits, idle, once that batch is gone

_log = logging.getLogger("painting_assistant.worker")
_active: set[_Run] = set()  # the jobs running in this process
_active_lock = threading.Lock()


def execute(queue: JobQueue, job_id: str, attempt: int) -> None:
    """Run attempt ``attempt`` of the job (the Huey task each kind's queue carries)."""
    record = queue.record(job_id)
    if record is None or record["state"] != QUEUED or record["attempt"] != attempt:
        return  # cancelled while it waited, already handed to another worker, or expired
    if record.get("version") != __version__:
        _end(queue, record, FAILED, error=f"This worker runs painting-assistant {__version__} and the job needs "
                                          f"{record.get('version')}: run the same version everywhere.")
        return
    if queue.cancel_reason(job_id):
        _end(queue, record, CANCELLED, reason=queue.cancel_reason(job_id))
        return
    data = queue._peek(f"job:{job_id}:in")
    if data is None:
        _end(queue, record, FAILED, error="The job's inputs are gone (kept only for a while); start it again.")
        return
    run = _Run(queue, record)
    _log.info("Job %s (%s, attempt %d): started", job_id, record["kind"], attempt)
    try:
        inputs = cast(dict, queue.load(data))  # what submit was given: a Request's inputs
        result = queue.dump(TASKS[record["kind"]](inputs, run.on_progress), "result")
    except Cancelled:
        if not run.let_go:
            _end(queue, run.close(), CANCELLED, reason=run.reason or queue.cancel_reason(job_id))
    except Exception as exc:
        if not isinstance(exc, ValueError):
            _log.exception("Job %s (%s) failed", job_id, record["kind"])
        if not run.let_go:
            _end(queue, run.close(), FAILED, error=describe_failure(exc))
    else:
        if not run.let_go:
            queue._put(f"job:{job_id}:out", result)
            _end(queue, run.close(), DONE)
    finally:
        ended = run.close()
        _log.info("Job %s: %s after %.1f s", job_id, "handed back" if run.let_go else "ended", ended["elapsed"])


def _end(queue: JobQueue, record: dict, state: str, *, error: str = "", reason: str = "") -> None:
    record = dict(record, state=state, error=error, reason=reason, ended=time.time())
    if state == DONE:
        record.update(fraction=1.0, message="Done")
    queue.write_record(record)
    queue._delete(f"job:{record['id']}:in")


class _Run:
    """One job running here: its record, its beat, its cancel flag."""

    def __init__(self, queue: JobQueue, record: dict) -> None:
        self.queue = queue
        self.id = record["id"]
        self.reason = ""
        self.let_go = False  # handed back or taken over: this run writes nothing any more
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._stop = threading.Event()
        self._written = self._previewed = 0.0
        self._watched = (queue.watched(self.id), self._started)
        self.record = dict(record, state=RUNNING, started=time.time(), elapsed=0.0, fraction=0.0, beat=0,
                           message="Starting…", worker=f"{socket.gethostname()}:{os.getpid()}:"
                                                      f"{threading.current_thread().name}")
        queue.write_record(self.record)
        with _active_lock:
            _active.add(self)
        self._thread = threading.Thread(target=self._beat, name=f"beat-{self.id[:8]}", daemon=True)
        self._thread.start()

    def on_progress(self, fraction: float, message: str, preview: npt.ArrayLike | None = None) -> None:
        if self._cancel.is_set():
            raise Cancelled(self.reason)
        now = time.monotonic()
        with self._lock:
            self.record["fraction"] = max(self.record["fraction"], min(1.0, max(0.0, float(fraction))))
            self.record["message"] = str(message)[:300]
            if preview is not None and now - self._previewed >= PREVIEW_SECONDS:
                self._previewed = now
                self._store_preview(preview)
            if now - self._written >= WRITE_SECONDS:
                self._write(now)

    def _store_preview(self, preview: npt.ArrayLike) -> None:
        from ..images import encode_png, resize_longest

        picture = np.asarray(preview, dtype=np.float32)
        if picture.ndim != 3 or picture.shape[2] != 3:
            return
        self.queue._put(f"job:{self.id}:preview", encode_png(resize_longest(picture, PREVIEW_SIDE)))
        self.record["preview"] += 1

    def _write(self, now: float) -> None:
        if self.let_go:
            return
        self._written = now
        self.record["elapsed"] = now - self._started
        self.queue.write_record(self.record)

    def _beat(self) -> None:
        """Twice a second: cancel asked? owner gone? taken over? Once a second: the beat."""
        last_beat = time.monotonic()
        while not self._stop.wait(BEAT_SECONDS / 2):
            try:
                self._check()
                now = time.monotonic()
                if now - last_beat >= BEAT_SECONDS:
                    last_beat = now
                    with self._lock:
                        self.record["beat"] += 1
                        self._write(now)
            except Exception:  # the storage hiccupped: the next beat tries again; the observers wait dead_after
                _log.exception("Beat of job %s failed", self.id)

    def _check(self) -> None:
        reason = self.queue.cancel_reason(self.id)
        if reason:
            self._stop_with(reason)
        stored = self.queue.record(self.id)
        if stored is None or stored["attempt"] != self.record["attempt"] or stored["state"] != RUNNING:
            self.let_go = True  # rescued elsewhere meanwhile (this worker was taken for dead): leave it be
            self._stop_with("")
        grace = float(self.record.get("grace") or 0)
        if grace > 0:
            seen = self.queue.watched(self.id)
            if seen != self._watched[0]:
                self._watched = (seen, time.monotonic())
            elif time.monotonic() - self._watched[1] > grace:
                self._stop_with(SESSION_GONE)

    def _stop_with(self, reason: str) -> None:
        if not self._cancel.is_set():
            self.reason = reason
            self._cancel.set()

    def hand_back(self) -> None:
        """This worker is stopping: put the job back on its queue now (its attempt is not used up)."""
        with self._lock:
            if self.let_go:
                return
            self.let_go = True
            self._cancel.set()
            record = dict(self.record, state=QUEUED, submitted=time.time(), fraction=0.0, beat=0, worker="",
                          message="Waiting for a worker (the last one was stopped)")
        self.queue.write_record(record)
        self.queue._enqueue(record["kind"], self.id, record["attempt"])

    def close(self) -> dict:
        """Stop the beat; returns the record as it stands (for the final write)."""
        self._stop.set()
        with _active_lock:
            _active.discard(self)
        with self._lock:
            self.record["elapsed"] = time.monotonic() - self._started
            return dict(self.record)


class _KindsWorker(Worker):
    """A Huey worker thread that takes jobs from several queues (one per kind), in turn."""

    def __init__(self, hueys: Sequence[Huey], **options: Any) -> None:
        self.hueys = hueys
        super().__init__(**options)

    def loop(self, now: datetime.datetime | None = None) -> None:
        for huey in self.hueys:
            try:
                task = huey.dequeue()
            except Exception:
                self._logger.exception("Error reading the %s queue", huey.name)
                self.sleep()
                return
            if task is not None:
                self.delay = self.default_delay
                try:
                    huey.execute(task, now)
                except Exception:
                    self._logger.exception("Unhandled error running task %s", task.id)
                return
        self.sleep()


class WorkerProcess(Consumer):
    """The consumer of one worker process.

    Args:
        queue: the queue to serve.
        kinds: the kinds of job it takes (its queues are polled in this order).
        workers: jobs it runs at once (threads).
        idle_exit: when set, it ends after this many seconds with nothing to do (the app's own worker).
        parent: a process id; once that process is gone it ends after 30 s with nothing to do (with ``idle_exit``),
            else after :data:`ORPHAN_GRACE`.
    """

    def __init__(self, queue: JobQueue, kinds: Iterable[str], *, workers: int = 1, idle_exit: float | None = None,
                 parent: int | None = None) -> None:
        self.queue = queue
        queue.executor = execute  # the queue's task runs the job here, in this worker
        self.kinds = tuple(kinds)
        self._hueys = [queue.huey(kind) for kind in self.kinds]
        self._idle_exit, self._parent = idle_exit, parent
        self._busy_at = self._looked_at = self._swept_at = time.monotonic()
        super().__init__(self._hueys[0], workers=workers, periodic=False, worker_type="thread",
                         initial_delay=0.05, backoff=1.3, max_delay=0.5, health_check_interval=5)

    def _create_worker(self) -> _KindsWorker:
        return _KindsWorker(self._hueys, huey=self.huey, stop_flag=self.stop_flag, default_delay=self.default_delay,
                            max_delay=self.max_delay, backoff=self.backoff, max_tasks=self.max_tasks)

    def loop(self, health_check_ts: float | None = None) -> float | None:
        health_check_ts = super().loop(health_check_ts)
        now = time.monotonic()
        if now - self._swept_at > 600:
            self._swept_at = now
            self.queue.sweep()
        if (self._idle_exit is not None or self._parent is not None) and now - self._looked_at >= 1.0:
            self._looked_at = now
            if _active or any(huey.pending_count() for huey in self._hueys):
                self._busy_at = now
            limit = self._idle_limit()
            if limit is not None and now - self._busy_at > limit:
                self._logger.info("Nothing to do for %.0f s: stopping.", limit)
                self.stop(graceful=True)
                raise ConsumerStopped
        return health_check_ts

    def _idle_limit(self) -> float | None:
        """Seconds with nothing to do after which this worker ends (None: never). Once its parent is gone: 30 s for
        the app's own worker (a restarted app finds it still there), 5 s for a batch's (the batch is over; its
        workers lived on for good when a Ctrl-C stopped the batch while it stopped them)."""
        if self._parent_alive():
            return self._idle_exit
        return ORPHAN_GRACE if self._idle_exit is None else min(self._idle_exit, 30.0)

    def _parent_alive(self) -> bool:
        if self._parent is None:
            return True
        try:
            os.kill(self._parent, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self, graceful: bool = False) -> None:
        """Stop taking jobs; the running ones go back to their queues for another worker."""
        with _active_lock:
            running = list(_active)
        for run in running:
            run.hand_back()
        self.shutdown_timeout = 10.0
        super().stop(graceful=True)
