"""Background jobs owned by a session, not by a page script.

A job runs one long core call (style transfer, brushstroke painting). The page script
that started it may end, the user may visit other pages or reload the tab: the job keeps
running and any script run of the same session can read its progress, cancel it or
collect its result. Two kinds with one face:

- :class:`QueueJob`: a task on the job queue (:mod:`assistant.jobs`), run by a worker
  process (the app's own, or workers on other machines). What the page asked for is a
  :class:`assistant.jobs.Request`: the task's inputs, nothing of this process. The job
  survives a restart of the app: the board finds it again on the session's next visit.
- :class:`Job`: a call run in a thread of this process (work given as a function, or a
  request when the board has no queue).

Cancelling and session end are cooperative: the core calls ``on_progress`` often, and
that raises :class:`assistant.Cancelled` once cancel was asked or the session is gone,
so every job ends and nothing leaks.

No Streamlit here: ``pages/_state.py`` wires jobs to the session; tests drive them directly.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant import Cancelled
from assistant.jobs import BY_USER, SESSION_GONE, Request, describe_failure, run_task

__all__ = ["BY_USER", "SESSION_GONE", "Job", "JobBoard", "QueueJob", "Snapshot"]

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
_log = logging.getLogger("painting_assistant")


@dataclass(frozen=True)
class Snapshot:
    """What a job is doing now.

    Attributes:
        state: running, done, failed or cancelled.
        fraction: 0–1 of the work.
        message: the stage in words.
        preview: the latest preview image, or None.
        elapsed: seconds since start (or until the end).
        remaining: estimated seconds left, or None while too early to tell.
        error: one line when failed.
    """

    state: str
    fraction: float
    message: str
    preview: Any
    elapsed: float
    remaining: float | None
    error: str = ""


class Job:
    """One background run of ``work(on_progress) -> result``.

    Args:
        kind: what it is ("style", "strokes"); one running job per kind per session.
        work: the call to run; must call ``on_progress(fraction, message, preview=None)`` often.
        label: words for people ("Repainting in Impasto oil").
        alive: returns False once the owning session is gone; the job then stops.
        meta: what the result belongs to (as :class:`assistant.jobs.Request` says).
    """

    def __init__(self, kind: str, work: Callable, *, label: str = "", alive: Callable[[], bool] = lambda: True,
                 meta: dict | None = None):
        self.kind = kind
        self.label = label or kind
        self.meta = dict(meta or {})
        self._work = work
        self._alive = alive
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._state = RUNNING
        self._fraction = 0.0
        self._message = "Starting…"
        self._preview = None
        self._error = ""
        self._started = time.monotonic()
        self._ended: float | None = None
        self.result = None
        self.cancel_reason = ""
        self._thread = threading.Thread(target=self._run, name=f"painting-assistant-{kind}", daemon=True)

    def start(self) -> Job:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def cancel(self, reason: str = BY_USER) -> None:
        """Ask the job to stop at its next progress report."""
        if not self._cancel.is_set():
            self.cancel_reason = reason
            self._cancel.set()

    @property
    def state(self) -> str:
        return self._state

    @property
    def running(self) -> bool:
        return self._state == RUNNING

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _on_progress(self, fraction: float, message: str, preview=None) -> None:
        if self._cancel.is_set():
            raise Cancelled(self.cancel_reason)
        if not self._alive():
            self.cancel(SESSION_GONE)
            raise Cancelled(self.cancel_reason)
        with self._lock:
            self._fraction = max(self._fraction, min(1.0, max(0.0, float(fraction))))
            self._message = message
            if preview is not None:
                self._preview = preview

    def _run(self) -> None:
        try:
            result = self._work(self._on_progress)
        except Cancelled:
            state, error, result = CANCELLED, "", None
        except Exception as exc:  # bad input or option: one line for people; anything else named as unexpected
            state, error, result = FAILED, describe_failure(exc), None
        else:
            state, error = DONE, ""
        with self._lock:
            self.result = result
            self._error = error
            self._ended = time.monotonic()
            self._state = state
            if state == DONE:
                self._fraction = 1.0

    def snapshot(self) -> Snapshot:
        with self._lock:
            end = self._ended if self._ended is not None else time.monotonic()
            elapsed = end - self._started
            fraction = self._fraction
            remaining = None
            if self._state == RUNNING and fraction >= 0.02 and elapsed >= 1.0:
                remaining = elapsed * (1.0 - fraction) / fraction
            return Snapshot(self._state, fraction, self._message, self._preview, elapsed, remaining, self._error)


class QueueJob:
    """A job on the task queue, seen from the app: the face of :class:`Job`, its work on a worker.

    A thread here follows the job's record four times a second until it ends: while the
    session is alive it tells the queue so (a job nobody watches stops on its worker after
    the grace time, which covers an app that went away), once the session is gone it cancels
    the job, and its observer deals with a worker that died (the job runs once more, or
    fails with one line). ``keep_worker`` starts the app's own worker again if it is not running.
    """

    POLL_SECONDS = 0.25
    LOST_SECONDS = 60.0  # a queue that cannot be read this long: the job is reported as failed

    def __init__(self, queue, job_id: str, *, alive: Callable[[], bool] = lambda: True,
                 keep_worker: Callable | None = None):
        self.queue = queue
        self.id = job_id
        self._alive = alive
        self._keep_worker = keep_worker
        self._observer = queue.observe(job_id)
        self._status = self._observer.poll()
        if self._status is None:
            raise LookupError(f"The job queue does not know job {job_id}.")
        self.kind, self.label, self.meta = self._status.kind, self._status.label, self._status.meta
        self._asked = ""
        self._lost = ""
        self._ahead: int | None = None
        self._preview: tuple[int, Any] = (0, None)
        self._result: tuple[bool, Any] = (False, None)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._follow, name=f"painting-assistant-{self.kind}-follow", daemon=True)

    def start(self) -> QueueJob:
        self._thread.start()
        return self

    def cancel(self, reason: str = BY_USER) -> None:
        """Ask the job to stop (on its worker, at its next progress report)."""
        if not self._asked:
            self._asked = reason
            self.queue.cancel(self.id, reason)

    @property
    def cancel_reason(self) -> str:
        return self._asked or self._status.reason

    @property
    def state(self) -> str:
        if self._lost:
            return FAILED
        return self._status.state if self._status.finished else RUNNING

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the job has ended; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def result(self):
        """The finished job's result, read from the queue once."""
        with self._lock:
            if not self._result[0] and self.state == DONE:
                self._result = (True, self.queue.result(self.id))
            return self._result[1]

    def collect(self) -> None:
        """Keep the result here and drop everything the queue holds of the job."""
        _ = self.result
        self.queue.forget(self.id)

    def _follow(self) -> None:
        watched = ensured = trouble = 0.0
        while True:
            now = time.monotonic()
            try:
                status = self._observer.poll()
                if status is not None and status.state == "queued":
                    pending = self.queue.pending(status.kind)
                    self._ahead = pending.index(self.id) if self.id in pending else None
                trouble = 0.0
            except Exception:  # the queue's storage did not answer: try again, for a while
                _log.exception("Reading job %s from the queue failed", self.id)
                trouble = trouble or now
                if now - trouble > self.LOST_SECONDS:
                    self._lost = "The job queue cannot be reached; your earlier results are kept."
                    return
                time.sleep(1.0)
                continue
            if status is None:
                self._lost = "The job queue no longer knows this job; please start it again."
                return
            self._status = status
            if status.finished:
                return
            if not self._alive():
                self.cancel(SESSION_GONE)
            elif now - watched >= 1.0:
                watched = now
                self.queue.watch(self.id)
            if self._keep_worker is not None and now - ensured >= 5.0:
                ensured = now
                self._keep_worker()
            time.sleep(self.POLL_SECONDS)

    def snapshot(self) -> Snapshot:
        status = self._status
        message = status.message
        if status.state == "queued" and self._ahead:
            message = f"{message} ({self._ahead} {'job' if self._ahead == 1 else 'jobs'} ahead)"
        return Snapshot(self.state, status.fraction, message, self._picture(status.preview), status.elapsed,
                        status.remaining, self._lost or status.error)

    def _picture(self, version: int):
        """The latest preview (decoded once per new one), or None."""
        if version and version != self._preview[0]:
            import cv2
            import numpy as np

            data = self.queue.preview(self.id)
            if data is not None:
                decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
                picture = None if decoded is None else cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
                self._preview = (version, picture)
        return self._preview[1]


class JobBoard:
    """The jobs of every session on this server, by (session id, kind). Thread-safe.

    A session sees only the jobs under its own id. ``heartbeat(session)`` is called by
    every script run of a session; :meth:`alive` is what a job checks, so a job whose
    session sent no heartbeat for ``grace_seconds`` (the tab was closed) stops.

    With a ``queue`` (:class:`assistant.jobs.JobQueue`), a job started from a request runs on
    a worker (:class:`QueueJob`), and the first heartbeat of a session this board has not seen
    (after an app restart) finds its jobs on the queue again. ``keep_worker`` is called when a
    job is submitted and now and then while one waits: it starts the app's own worker if needed.
    """

    #: The worker stops a job whose app sent no sign of life for the grace time and this much more.
    WATCH_MARGIN = 60.0

    def __init__(self, *, grace_seconds: float = 120.0, connected: Callable[[str], bool] | None = None,
                 queue=None, keep_worker: Callable | None = None, kinds: tuple[str, ...] = ("style", "strokes")):
        self.grace_seconds = grace_seconds
        self.kinds = kinds  # the kinds of job found again after a restart
        self._connected = connected
        self.queue = queue
        self._keep_worker = keep_worker
        self._jobs: dict[tuple[str, str], Job | QueueJob] = {}
        self._beats: dict[str, float] = {}
        self._clients: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def heartbeat(self, session: str, client: str | None = None) -> None:
        """The session was seen now (a page ran or a progress panel refreshed), by browser tab ``client``."""
        with self._lock:
            new = session not in self._beats
            self._beats[session] = time.monotonic()
            if client is not None:
                self._clients.setdefault(session, set()).add(client)
        if new and self.queue is not None:
            self._adopt(session)

    def _adopt(self, session: str) -> None:
        """Follow the session's jobs that the queue has and this board does not (started before a restart)."""
        for kind in self.kinds:
            job_id = self.queue.session_job(session, kind)
            if job_id is None:
                continue
            with self._lock:
                if (session, kind) in self._jobs:
                    continue
                try:
                    job = QueueJob(self.queue, job_id, alive=lambda: self.alive(session), keep_worker=self._keep_worker)
                except LookupError:  # expired meanwhile
                    continue
                self._jobs[(session, kind)] = job.start()

    def alive(self, session: str) -> bool:
        """True while a browser tab of the session is connected, or was seen within ``grace_seconds``.

        A tab in the background may refresh its panels rarely (browsers throttle its timers),
        so a connected tab counts as alive however long ago it last ran a script.
        """
        with self._lock:
            beat = self._beats.get(session)
            clients = tuple(self._clients.get(session, ()))
        if beat is not None and time.monotonic() - beat < self.grace_seconds:
            return True
        if self._connected is not None:
            live = {client for client in clients if self._connected(client)}
            with self._lock:  # forget tabs that are gone (a tab that comes back registers again)
                self._clients[session] = live
            if live:
                self.heartbeat(session)
                return True
        return False

    def start(self, session: str, kind: str, work: Callable | Request, *, label: str = "") -> Job | QueueJob:
        """Start a job: ``work(on_progress)`` in a thread, or a :class:`~assistant.jobs.Request` (on the queue,
        when the board has one). Raises ``RuntimeError`` if one of this kind is still running for the session,
        or the queue cannot take it."""
        with self._lock:
            current = self._jobs.get((session, kind))
            if current is not None and current.running:
                raise RuntimeError(f"A {kind} job is already running.")
            self._beats.setdefault(session, time.monotonic())
            alive = functools.partial(self.alive, session)
            if isinstance(work, Request) and self.queue is not None:
                job = QueueJob(self.queue, self._submit(session, kind, work, label), alive=alive,
                               keep_worker=self._keep_worker)
            elif isinstance(work, Request):
                job = Job(kind, functools.partial(run_task, work.kind, work.inputs), label=label, alive=alive,
                          meta=work.meta)
            else:
                job = Job(kind, work, label=label, alive=alive)
            self._jobs[(session, kind)] = job
        return job.start()

    def _submit(self, session: str, kind: str, request: Request, label: str) -> str:
        try:
            job_id = self.queue.submit(kind, request.inputs, label=label, session=session, meta=request.meta,
                                       watched_grace=self.grace_seconds + self.WATCH_MARGIN)
        except (RuntimeError, ValueError):
            raise
        except Exception as exc:  # the queue's storage cannot be reached: one line on the page
            _log.exception("Submitting a %s job failed", kind)
            raise RuntimeError(f"The job queue cannot be reached ({type(exc).__name__}); please try again.") from None
        if self._keep_worker is not None:
            self._keep_worker()
        return job_id

    def get(self, session: str, kind: str) -> Job | None:
        with self._lock:
            return self._jobs.get((session, kind))

    def jobs(self, session: str) -> list[Job]:
        with self._lock:
            return [job for (owner, _), job in self._jobs.items() if owner == session]

    def running(self, session: str) -> list[Job]:
        return [job for job in self.jobs(session) if job.running]

    def take(self, session: str, kind: str) -> Job | None:
        """Remove and return the session's finished job of ``kind`` (None while running or absent)."""
        with self._lock:
            job = self._jobs.get((session, kind))
            if job is None or job.running:
                return None
            del self._jobs[(session, kind)]
        if isinstance(job, QueueJob):
            job.collect()
        return job

    def forget_idle(self) -> int:
        """Drop finished jobs of sessions gone quiet (results nobody will collect). Returns how many."""
        now = time.monotonic()
        with self._lock:
            gone = [key for key, job in self._jobs.items()
                    if not job.running and now - self._beats.get(key[0], 0.0) > self.grace_seconds]
            dropped = [self._jobs.pop(key) for key in gone]
            for session in [s for s, beat in self._beats.items() if now - beat > 10 * self.grace_seconds]:
                if not any(owner == session for owner, _ in self._jobs):
                    del self._beats[session]
                    self._clients.pop(session, None)
        for job in dropped:
            if isinstance(job, QueueJob):
                job.queue.forget(job.id)
        return len(gone)
