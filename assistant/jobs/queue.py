"""The job queue: long work as Huey tasks, in a SQLite file (one machine) or Redis (many machines).

A job is one call of a task of :mod:`assistant.jobs.tasks` on a worker process
(:mod:`assistant.jobs.worker`). Everything about a job lives in the queue's storage, so the app,
the workers and the batch command may run on different machines without a shared disk:

==========================  ==================================================================
``job:<id>``                its record (JSON, well under a kilobyte): state, progress, times, worker
``job:<id>:in``             its inputs (pickled), deleted when it ends
``job:<id>:out``            its result (pickled), until the owner collects it
``job:<id>:preview``        the latest preview: a PNG at most 256 px a side
``job:<id>:cancel``         why it must stop, once someone asked
``job:<id>:watch``          beats of the app that watches it: a job nobody watches any more stops
``session:<id>:<kind>``     the session's job of that kind (one at a time): a reload after a restart finds it
==========================  ==================================================================

Every kind of job has its own Huey queue, so a worker may take only some kinds (GPU machines
take style and strokes). Inputs and results are at most :data:`MAX_PAYLOAD_BYTES`; what nobody
collects goes after ``keep_hours`` (Redis expires it; the SQLite queue is swept by its worker).

A worker that dies stops its job's beat. Whoever watches the job (the app, the batch command)
notices through :class:`Observer` and puts the job back on its queue once; a job whose second
worker dies too fails with one line.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__

if TYPE_CHECKING:
    from huey import Huey

__all__ = ["BY_USER", "KINDS", "MAX_ATTEMPTS", "MAX_PAYLOAD_BYTES", "QUEUE_ENV", "SECRET_ENV", "SESSION_GONE",
           "JobQueue", "Observer", "Status", "describe_failure"]

#: The setting that points the app (and the CLI's default) at a queue: ``redis://host:6379/0`` or ``sqlite:///path``.
QUEUE_ENV = "PAINTING_ASSISTANT_QUEUE"
#: A shared secret: when set, every message and payload is signed (HMAC) and unsigned ones are refused.
SECRET_ENV = "PAINTING_ASSISTANT_QUEUE_SECRET"
#: The kinds of job, each on its own queue. ``probe`` does nothing but wait and report (health checks, benchmarks).
KINDS = ("style", "strokes", "guide", "probe")
#: Largest inputs or result of one job (a 2048 px float32 picture is 48 MB).
MAX_PAYLOAD_BYTES = 256 * 2**20
#: A job runs at most this often: once, and once more after its worker died.
MAX_ATTEMPTS = 2
#: ``reason`` of a job the painter cancelled.
BY_USER = "Cancelled."
#: ``reason`` of a job stopped because nobody watches it any more.
SESSION_GONE = "no browser tab had this work open for a while"

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
_TEXT = 300  # longest label, message or error kept in a record


def describe_failure(exc: BaseException) -> str:
    """One line for people: a ``ValueError``'s own first line, anything else named as unexpected."""
    first = (str(exc).splitlines() or [""])[0][:_TEXT]
    if isinstance(exc, ValueError):
        return first or "That did not work."
    if isinstance(exc, MemoryError):
        return "Not enough memory for this job; try a smaller working size."
    return f"Unexpected {type(exc).__name__}: {first}"


@dataclass(frozen=True)
class Status:
    """A job as its record says now.

    Attributes:
        id, kind, label, session: what it is and whose.
        state: queued, running, done, failed or cancelled.
        fraction: 0–1 of the work; message: the stage in words.
        elapsed: seconds it has run (on its worker), or waited while queued.
        remaining: estimated seconds left, or None while too early to tell.
        error: one line when failed; reason: why it was cancelled.
        attempt: 1, or 2 after its first worker died.
        worker: ``host:pid:thread`` of the worker running it.
        beat: rises every second while a worker runs it.
        preview: how many previews were stored (0: none yet).
        meta: small facts the submitter attached (what the result belongs to).
    """

    id: str
    kind: str
    label: str
    session: str
    state: str
    fraction: float
    message: str
    elapsed: float
    remaining: float | None
    error: str
    reason: str
    attempt: int
    worker: str
    beat: int
    preview: int
    meta: dict = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @classmethod
    def from_record(cls, record: dict) -> Status:
        state, fraction = record["state"], float(record["fraction"])
        elapsed = float(record["elapsed"])
        if state == QUEUED:
            elapsed = max(0.0, time.time() - float(record["submitted"]))
        remaining = None
        if state == RUNNING and fraction >= 0.02 and elapsed >= 1.0:
            remaining = elapsed * (1.0 - fraction) / fraction
        return cls(record["id"], record["kind"], record["label"], record["session"], state, fraction,
                   record["message"], elapsed, remaining, record["error"], record["reason"], int(record["attempt"]),
                   record["worker"], int(record["beat"]), int(record["preview"]), dict(record.get("meta") or {}))


def parse_url(url: str) -> tuple[str, str]:
    """``("redis", url)`` or ``("sqlite", path)``; one line for anything else."""
    text = str(url).strip()
    if text.startswith(("redis://", "rediss://", "unix://")):
        return "redis", text
    if text.startswith("sqlite://") and len(text) > len("sqlite://"):
        return "sqlite", text[len("sqlite://"):]
    raise ValueError(f"Expected a queue address redis://HOST:PORT/DB or sqlite:///PATH/queue.sqlite. Received: {text!r}")


class JobQueue:
    """The queue at ``url``: submit jobs, read their status, cancel them, collect their results.

    Args:
        url: ``redis://host:port/db`` (many machines) or ``sqlite:///path/queue.sqlite`` (one machine).
        dead_after: seconds without a beat after which a running job's worker counts as dead.
        keep_hours: what nobody collects (results, records) is dropped after this long.

    Safe to share between threads. Cheap to make, but keep one per process: each holds connections.
    """

    def __init__(self, url: str, *, dead_after: float = 15.0, keep_hours: float = 24.0) -> None:
        self.backend, where = parse_url(url)
        self.url = str(url).strip()
        self.dead_after = float(dead_after)
        self.keep_seconds = int(keep_hours * 3600)
        #: What runs a job in this process: set by a worker (:class:`~assistant.jobs.worker.WorkerProcess`).
        self.executor: Callable[[JobQueue, str, int], None] | None = None
        self._hueys = {name: self._make_huey(name, where) for name in ("painting-assistant", *KINDS)}
        self._kv = self._hueys["painting-assistant"].storage
        self._serializer = self._hueys["painting-assistant"].serializer
        self._tasks = {kind: self._register(kind) for kind in KINDS}

    # --- the engine ---------------------------------------------------------------------------

    def _make_huey(self, name: str, where: str) -> Huey:
        from huey import RedisExpireHuey, SqliteHuey
        from huey.serializer import SignedSerializer

        secret = os.environ.get(SECRET_ENV, "")
        options = {"results": False, "serializer": SignedSerializer(secret=secret) if secret else None}
        if self.backend == "redis":
            if not hasattr(self, "_pool"):
                from redis import ConnectionPool

                self._pool = ConnectionPool.from_url(where)
            # Not blocking: a worker polls the queues of several kinds in turn.
            return RedisExpireHuey(name=name, connection_pool=self._pool, blocking=False,
                                   expire_time=self.keep_seconds, **options)
        Path(where).parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name=name, filename=where, timeout=30, **options)

    def _register(self, kind: str) -> Callable[[str, int], object]:
        def run_job(job_id: str, attempt: int) -> None:
            if self.executor is None:  # only a worker runs jobs (the app and the batch only submit them)
                raise RuntimeError("This process has no worker to run the job.")
            self.executor(self, job_id, attempt)

        return self._hueys[kind].task(name="run_job")(run_job)

    def huey(self, kind: str) -> Huey:
        """The Huey instance of ``kind``'s queue (workers consume it)."""
        return self._hueys[kind]

    def _enqueue(self, kind: str, job_id: str, attempt: int) -> None:
        self._tasks[kind](job_id, attempt)

    def pending(self, kind: str) -> list[str]:
        """Ids of the jobs of ``kind`` waiting for a worker, first in line first."""
        return [task.args[0] for task in self._hueys[kind].pending()]

    # --- storage ------------------------------------------------------------------------------

    def _put(self, key: str, value: bytes) -> None:
        self._kv.put_data(key, value, is_result=True)  # Redis: expires after keep_hours, refreshed on every write

    def _peek(self, key: str) -> bytes | None:
        from huey.constants import EmptyData

        value = self._kv.peek_data(key)
        return None if value is EmptyData else bytes(value)

    def _delete(self, *keys: str) -> None:
        for key in keys:
            self._kv.delete_data(key)

    def _once(self, key: str) -> bool:
        """True for the first caller only (across every process on the queue)."""
        ttl = self.keep_seconds if self.backend == "redis" else None
        return bool(self._kv.put_if_empty(key, b"1", ttl))

    def dump(self, value: object, what: str) -> bytes:
        data = self._serializer.serialize(value)
        if len(data) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"The job's {what} is too large for the queue ({len(data) / 2**20:.0f} MB; "
                             f"at most {MAX_PAYLOAD_BYTES // 2**20} MB).")
        return data

    def load(self, data: bytes) -> object:
        return self._serializer.deserialize(data)

    def record(self, job_id: str) -> dict | None:
        data = self._peek(f"job:{job_id}")
        return None if data is None else json.loads(data)

    def write_record(self, record: dict) -> None:
        record["updated"] = time.time()
        self._put(f"job:{record['id']}", json.dumps(record).encode())

    # --- the owner's side ---------------------------------------------------------------------

    def submit(self, kind: str, inputs: object, *, label: str = "", session: str = "", meta: dict | None = None,
               watched_grace: float = 0.0) -> str:
        """Put a job on ``kind``'s queue; returns its id.

        Args:
            inputs: the task's inputs (pickled; at most :data:`MAX_PAYLOAD_BYTES`).
            label: words for people ("Painting 1000 brushstrokes").
            session: the owning session; it may have one unfinished job of each kind.
            meta: small JSON facts kept in the record (what the result belongs to).
            watched_grace: when > 0, the job stops once no :meth:`watch` beat came for this many seconds.

        Raises:
            RuntimeError: the session's job of this kind is still unfinished.
            ValueError: an unknown kind, or inputs too large.
        """
        if kind not in KINDS:
            raise ValueError(f"Expected a job kind among {', '.join(KINDS)}. Received: {kind!r}")
        if session:
            current = self.session_job(session, kind)
            status = None if current is None else self.status(current)
            if status is not None and not status.finished:
                raise RuntimeError(f"A {kind} job is already running.")
        payload = self.dump(inputs, "inputs")
        job_id = uuid.uuid4().hex
        self.write_record({
            "id": job_id, "kind": kind, "label": str(label)[:_TEXT] or kind, "session": session, "state": QUEUED,
            "attempt": 1, "submitted": time.time(), "elapsed": 0.0, "fraction": 0.0,
            "message": "Waiting for a worker", "error": "", "reason": "", "worker": "", "beat": 0, "preview": 0,
            "meta": dict(meta or {}), "grace": float(watched_grace), "version": __version__,
        })
        self._put(f"job:{job_id}:in", payload)
        if watched_grace > 0:
            self.watch(job_id)
        if session:
            self._put(f"session:{session}:{kind}", job_id.encode())
        self._enqueue(kind, job_id, 1)
        return job_id

    def status(self, job_id: str) -> Status | None:
        """The job's status, or None when the queue no longer knows it."""
        record = self.record(job_id)
        return None if record is None else Status.from_record(record)

    def session_job(self, session: str, kind: str) -> str | None:
        """The id of ``session``'s latest job of ``kind`` not yet forgotten, or None."""
        data = self._peek(f"session:{session}:{kind}")
        return None if data is None else data.decode()

    def cancel(self, job_id: str, reason: str = BY_USER) -> None:
        """Ask the job to stop (its worker stops at its next progress report); a queued job ends now."""
        self._kv.put_if_empty(f"job:{job_id}:cancel", reason.encode()[:_TEXT],
                              self.keep_seconds if self.backend == "redis" else None)
        record = self.record(job_id)
        if record is not None and record["state"] == QUEUED:
            record.update(state=CANCELLED, reason=self.cancel_reason(job_id) or reason, message="Cancelled")
            self.write_record(record)
            self._delete(f"job:{job_id}:in")

    def cancel_reason(self, job_id: str) -> str:
        data = self._peek(f"job:{job_id}:cancel")
        return "" if data is None else data.decode()

    def watch(self, job_id: str) -> None:
        """The owner is still there (a job submitted with ``watched_grace`` needs this now and then)."""
        self._put(f"job:{job_id}:watch", str(time.time()).encode())

    def watched(self, job_id: str) -> bytes | None:
        return self._peek(f"job:{job_id}:watch")

    def result(self, job_id: str) -> object:
        """The finished job's result (None when there is none)."""
        data = self._peek(f"job:{job_id}:out")
        return None if data is None else self.load(data)

    def preview(self, job_id: str) -> bytes | None:
        """The latest preview as PNG bytes, or None."""
        return self._peek(f"job:{job_id}:preview")

    def forget(self, job_id: str) -> None:
        """Drop everything the queue keeps of the job (after its result was collected)."""
        record = self.record(job_id)
        if record is not None and record["session"]:
            key = f"session:{record['session']}:{record['kind']}"
            if self._peek(key) == job_id.encode():
                self._delete(key)
        self._delete(*(f"job:{job_id}{part}" for part in ("", ":in", ":out", ":preview", ":cancel", ":watch")))

    def observe(self, job_id: str) -> Observer:
        return Observer(self, job_id)

    # --- a dead worker ------------------------------------------------------------------------

    def rescue(self, job_id: str, attempt: int) -> None:
        """The worker of attempt ``attempt`` is gone: queue the job once more, or fail it with one line.

        Exactly one caller acts, however many processes watch the job.
        """
        if not self._once(f"job:{job_id}:rescue:{attempt}"):
            return
        record = self.record(job_id)
        if record is None or record["attempt"] != attempt or record["state"] in FINISHED:
            return
        if self.cancel_reason(job_id):
            record.update(state=CANCELLED, reason=self.cancel_reason(job_id), ended=time.time())
            self.write_record(record)
        elif attempt < MAX_ATTEMPTS:
            record.update(state=QUEUED, attempt=attempt + 1, submitted=time.time(), fraction=0.0, beat=0,
                          worker="", message="The worker stopped; starting again on another worker")
            self.write_record(record)
            self._enqueue(record["kind"], job_id, attempt + 1)
            return
        else:
            record.update(state=FAILED, ended=time.time(),
                          error="The worker running this job stopped, twice; please try again.")
            self.write_record(record)
        self._delete(f"job:{job_id}:in")

    # --- bounded storage ----------------------------------------------------------------------

    def sweep(self, now: float | None = None) -> int:
        """Drop jobs nobody touched for ``keep_hours`` (SQLite; Redis expires them itself). Returns how many."""
        if self.backend != "sqlite":
            return 0
        now = time.time() if now is None else now
        # Huey's SQLite storage keeps data in its kv table; only the records' keys are read here.
        rows = self._kv.sql("select key from kv where queue = ? and key like 'job:%' and key not like 'job:%:%'",
                            (self._kv.name,), results=True)
        gone = 0
        for (key,) in rows:
            record = self.record(key[len("job:"):])
            if record is None:
                continue
            if now - float(record["updated"]) > self.keep_seconds:
                self.forget(record["id"])
                gone += 1
        return gone

    def close(self) -> None:
        for huey in self._hueys.values():
            huey.storage.close()


class Observer:
    """One process's watch over one job: its status, and a dead worker noticed and dealt with.

    A worker beats once a second while it runs a job. When the beat has not moved for the queue's
    ``dead_after`` seconds (measured on this machine's clock, so clocks of different machines need
    not agree), the worker is taken for dead and :meth:`JobQueue.rescue` runs. A job taken off its
    queue by a worker that died before it said so is found the same way.
    """

    def __init__(self, queue: JobQueue, job_id: str) -> None:
        self.queue = queue
        self.job_id = job_id
        self._seen: tuple | None = None
        self._since = time.monotonic()
        self._missing = 0  # consecutive checks that found a queued job on no queue
        self._lock = threading.Lock()

    def poll(self) -> Status | None:
        """The job's status now (None when the queue no longer knows it)."""
        with self._lock:
            status = self.queue.status(self.job_id)
            if status is None or status.finished:
                return status
            now = time.monotonic()
            seen = (status.state, status.attempt, status.beat)
            if seen != self._seen:
                self._seen, self._since, self._missing = seen, now, 0
                return status
            if now - self._since < self.queue.dead_after:
                return status
            if status.state == QUEUED:
                # Still in line is fine; off the queue but never started means its worker died taking it.
                self._missing = 0 if self.job_id in self.queue.pending(status.kind) else self._missing + 1
                self._since = now - self.queue.dead_after + 2.0  # look again in two seconds
                if self._missing < 2:
                    return status
            self.queue.rescue(self.job_id, status.attempt)
            self._seen, self._since, self._missing = None, now, 0
            return self.queue.status(self.job_id)
