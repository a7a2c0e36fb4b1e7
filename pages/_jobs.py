"""Background jobs owned by a session, not by a page script.

A :class:`Job` runs one long core call (style transfer, brushstroke painting) in a
thread. The page script that started it may end, the user may visit other pages or
reload the tab: the job keeps running and any script run of the same session can read
its progress, cancel it or collect its result. Cancelling and session end are
cooperative: the core calls ``on_progress`` often, and the job's ``on_progress``
raises :class:`assistant.Cancelled` once cancel was asked or ``alive()`` says the
session is gone, so the thread always ends and nothing leaks.

No Streamlit here: ``pages/_state.py`` wires jobs to the session; tests drive them directly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant import Cancelled

__all__ = ["BY_USER", "SESSION_GONE", "Job", "JobBoard", "Snapshot"]

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
#: ``Job.cancel_reason`` of a job stopped because no browser tab of its session was left.
SESSION_GONE = "no browser tab had this work open for a while"
#: ``Job.cancel_reason`` of a job the painter cancelled.
BY_USER = "Cancelled."


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
    """

    def __init__(self, kind: str, work: Callable, *, label: str = "", alive: Callable[[], bool] = lambda: True):
        self.kind = kind
        self.label = label or kind
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
        except ValueError as exc:  # bad input or option: one line for people
            state, error, result = FAILED, (str(exc).splitlines() or ["That did not work."])[0], None
        except Exception as exc:
            state, error, result = FAILED, f"Unexpected {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}", None
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


class JobBoard:
    """The jobs of every session on this server, by (session id, kind). Thread-safe.

    A session sees only the jobs under its own id. ``heartbeat(session)`` is called by
    every script run of a session; :meth:`alive` is what a job checks, so a job whose
    session sent no heartbeat for ``grace_seconds`` (the tab was closed) stops.
    """

    def __init__(self, *, grace_seconds: float = 120.0, connected: Callable[[str], bool] | None = None):
        self.grace_seconds = grace_seconds
        self._connected = connected
        self._jobs: dict[tuple[str, str], Job] = {}
        self._beats: dict[str, float] = {}
        self._clients: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def heartbeat(self, session: str, client: str | None = None) -> None:
        """The session was seen now (a page ran or a progress panel refreshed), by browser tab ``client``."""
        with self._lock:
            self._beats[session] = time.monotonic()
            if client is not None:
                self._clients.setdefault(session, set()).add(client)

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

    def start(self, session: str, kind: str, work: Callable, **job_options) -> Job:
        """Start a job; raises ``RuntimeError`` if one of this kind is still running for the session."""
        with self._lock:
            current = self._jobs.get((session, kind))
            if current is not None and current.running:
                raise RuntimeError(f"A {kind} job is already running.")
            self._beats.setdefault(session, time.monotonic())
            job = Job(kind, work, alive=lambda: self.alive(session), **job_options)
            self._jobs[(session, kind)] = job
        return job.start()

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
            return job

    def forget_idle(self) -> int:
        """Drop finished jobs of sessions gone quiet (results nobody will collect). Returns how many."""
        now = time.monotonic()
        with self._lock:
            gone = [key for key, job in self._jobs.items()
                    if not job.running and now - self._beats.get(key[0], 0.0) > self.grace_seconds]
            for key in gone:
                del self._jobs[key]
            for session in [s for s, beat in self._beats.items() if now - beat > 10 * self.grace_seconds]:
                if not any(owner == session for owner, _ in self._jobs):
                    del self._beats[session]
                    self._clients.pop(session, None)
            return len(gone)
