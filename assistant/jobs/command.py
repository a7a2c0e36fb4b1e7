"""The ``worker`` and ``batch`` commands.

    python -m assistant worker --queue redis://host:6379/0 [--kinds style,strokes] [--jobs 1]
    python -m assistant batch PHOTO... -o OUT [--queue URL] [--workers N] [guide options]

``batch`` writes one guide folder per photo, ``OUT/<photo name>/``, as jobs on the queue. Without
``--queue`` (and without ``PAINTING_ASSISTANT_QUEUE``) it keeps a private queue and starts its own
workers (``--workers``, default 1); with one, the workers already serving that queue do the work.
A folder appears whole or not at all, so a batch run again skips the guides it already wrote. A
bad photo is one line in the summary and the others go on; the exit code is 0 when every photo
has its guide, 2 otherwise, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from .queue import JobQueue

__all__ = ["add_parsers", "run"]

# Options of ``guide`` that do not belong to a batch's photos.
_NOT_GUIDE_OPTIONS = ("help", "output", "quiet", "debug")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``worker`` and ``batch`` to the CLI's sub-commands (after ``guide``, whose options batch shares)."""
    queue_help = ("the queue: redis://HOST:PORT/DB (many machines) or sqlite:///PATH/queue.sqlite (one machine); "
                  "default: $PAINTING_ASSISTANT_QUEUE")
    worker = sub.add_parser("worker", help="run jobs from a queue (style, brushstrokes, batch guides)")
    worker.add_argument("--queue", default=None, help=queue_help)
    worker.add_argument("--kinds", default="style,strokes,guide,probe",
                        help="the kinds of job this worker takes, separated by commas (default: all: style, "
                             "strokes, guide, probe); e.g. style,strokes on a GPU machine")
    worker.add_argument("--jobs", type=int, default=1, help="jobs run at once (default 1)")
    worker.add_argument("--embedded", action="store_true", help=argparse.SUPPRESS)  # the app's own worker
    worker.add_argument("--parent", type=int, default=None, help=argparse.SUPPRESS)
    worker.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    batch = sub.add_parser("batch", help="a guide folder for each photo, in parallel over the workers")
    batch.add_argument("photos", nargs="+", type=Path, metavar="PHOTO", help="the photos (or guide.project files)")
    batch.add_argument("-o", "--output", type=Path, required=True,
                       help="folder for the guides: each photo's goes to OUT/<photo name>/")
    batch.add_argument("--queue", default=None, help=queue_help + " (none: a private queue with its own workers)")
    batch.add_argument("--workers", type=int, default=None,
                       help="worker processes to start on this machine (default: 1 with a private queue, "
                            "0 with --queue: the queue's workers do the work)")
    shared = [action for action in sub.choices["guide"]._actions
              if action.option_strings and action.dest not in _NOT_GUIDE_OPTIONS]
    for action in shared:
        batch._add_action(action)
    batch.set_defaults(guide_options=tuple(action.dest for action in shared))
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="on an unexpected error, print the whole traceback; workers' logs on the terminal")


def run(args: argparse.Namespace) -> int:
    return _worker(args) if args.command == "worker" else _batch(args)


def _queue_url(given: str | None) -> str | None:
    from .queue import QUEUE_ENV

    return given or os.environ.get(QUEUE_ENV) or None


def shown(url: str) -> str:
    """The queue's address without its password."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://…@{tail}"


def connect(url: str, **options: float) -> JobQueue:
    """The queue at ``url``, checked to answer; one line when it does not."""
    from .queue import JobQueue

    queue = JobQueue(url, **options)
    try:
        queue.huey("probe").pending_count()
    except Exception as exc:  # redis.ConnectionError, sqlite3.OperationalError, …: the queue cannot be reached
        raise ConnectionError(f"Cannot reach the queue at {shown(url)}: {str(exc).splitlines()[0]}") from None
    return queue


# --- worker -------------------------------------------------------------------------------------


def _worker(args: argparse.Namespace) -> int:
    import logging

    from .. import __version__
    from .embedded import hold_lock
    from .queue import KINDS, QUEUE_ENV, parse_url
    from .worker import WorkerProcess

    url = _queue_url(args.queue)
    if url is None:
        raise ValueError(f"Expected --queue redis://HOST:PORT/DB or sqlite:///PATH (or {QUEUE_ENV}).")
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"Expected --kinds among {','.join(KINDS)}. Received: --kinds {args.kinds!r}")
    if not 1 <= args.jobs <= 64:
        raise ValueError(f"Expected --jobs from 1 to 64. Received: {args.jobs}")
    queue = connect(url)
    lock = None
    if args.embedded:  # the app's own worker: one per data folder
        backend, where = parse_url(url)
        if backend != "sqlite":
            raise ValueError("--embedded takes a sqlite:/// queue.")
        for _ in range(20):  # the app may be looking at the lock this very moment
            lock = hold_lock(Path(where).parent / "worker.lock")
            if lock is not None:
                break
            time.sleep(0.1)
        else:
            return 0  # another worker serves this folder
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    for noisy in ("huey.consumer.Scheduler", "huey"):  # one line per job start and end is enough
        logging.getLogger(noisy).setLevel(logging.WARNING)
    print(f"painting-assistant {__version__} worker: {', '.join(kinds)} from {shown(url)}, {args.jobs} at a time "
          f"(process {os.getpid()}; Ctrl-C hands running jobs back and stops)", file=sys.stderr, flush=True)
    WorkerProcess(queue, kinds, workers=args.jobs, idle_exit=600.0 if args.embedded else None,
                  parent=args.parent).run()
    if lock is not None:
        lock.close()
    return 0


# --- batch --------------------------------------------------------------------------------------


def _guide_options(args: argparse.Namespace) -> dict:
    """The guide options of a batch, as the workers take them (files of this machine read here)."""
    from ..style.assets import list_styles
    from ..work import paint_spec, parse_style_mix

    options = {name: getattr(args, name) for name in args.guide_options}
    if options.get("paints"):
        options["paints"] = paint_spec(options["paints"])  # a .json file here becomes its spec
    if options.get("style") and options["style"].lower() != "none":
        bundled = {asset.id for asset in list_styles()}
        own = [name for name, _ in parse_style_mix(options["style"]) if name not in bundled]
        if own:
            raise ValueError(f"A batch takes the bundled styles only ({', '.join(sorted(bundled))}). "
                             f"Received: --style {options['style']!r}")
    return options


def _batch(args: argparse.Namespace) -> int:
    options = _guide_options(args)
    out = Path(os.path.abspath(args.output))
    if out.exists() and not out.is_dir():
        raise ValueError(f"Expected -o to be a folder. Received: {args.output} (a file)")
    out.mkdir(parents=True, exist_ok=True)
    if args.workers is not None and not 0 <= args.workers <= 64:
        raise ValueError(f"Expected --workers from 0 to 64. Received: {args.workers}")
    url = _queue_url(args.queue)
    scratch = Path(tempfile.mkdtemp(prefix="painting-assistant-batch-"))
    workers: list[subprocess.Popen] = []
    try:
        if url is None:
            url = f"sqlite://{scratch / 'queue.sqlite'}"
        workers_wanted = args.workers if args.workers is not None else (1 if url.startswith("sqlite://") and
                                                                           args.queue is None else 0)
        queue = connect(url)
        shown_logs = None if getattr(args, "debug", False) else subprocess.DEVNULL

        def start_workers() -> None:
            for _ in range(workers_wanted):
                workers.append(subprocess.Popen(
                    [sys.executable, "-m", "assistant", "worker", "--queue", url, "--kinds", "guide",
                     "--parent", str(os.getpid())],
                    stdin=subprocess.DEVNULL, stdout=shown_logs, stderr=shown_logs))

        return Batch(queue, out, options, quiet=args.quiet, url=url).run(args.photos, start_workers)
    finally:
        with _past_interrupts():
            _stop_workers(workers)
            shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def _past_interrupts() -> Iterator[None]:
    """Ctrl-C is ignored while the batch tidies up: its summary (or its "interrupted") is already said, and a second
    Ctrl-C then read "error: interrupted" under "1 photos: 1 written" (and left the workers and scratch behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop_workers(workers: list[subprocess.Popen]) -> None:
    for process in workers:
        process.terminate()
    for process in workers:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


class Batch:
    """One run of ``batch``: submit, follow, write each folder whole, sum up."""

    WAIT_NOTE_SECONDS = 20.0

    def __init__(self, queue: JobQueue, out: Path, options: dict, *, quiet: bool = False, url: str = "") -> None:
        self.queue, self.out, self.options, self.quiet, self.url = queue, out, options, quiet, url
        self.written: list[str] = []
        self.skipped: list[str] = []
        self.failed: list[tuple[str, str]] = []
        self._start = time.monotonic()
        self._shown = ""

    def run(self, photos: list[Path], start_workers: Callable[[], None] = lambda: None) -> int:
        """Submit a job per photo not done yet, start the workers (when there is work), follow, sum up."""
        from ..base import one_line
        from ..work import read_input
        from .tasks import guide_request

        jobs, stems = {}, set()
        for photo in photos:
            stem = photo.stem
            if stem in stems:
                self.failed.append((str(photo), f"another photo in this batch is also named {stem}"))
                continue
            stems.add(stem)
            if (self.out / stem).is_dir():
                self.skipped.append(str(photo))
                continue
            try:
                if not photo.is_file():
                    raise ValueError("no such file")
                request = guide_request(read_input(photo), photo.name, self.options)
            except (OSError, ValueError) as exc:
                self.failed.append((str(photo), one_line(exc)))
                continue
            job_id = self.queue.submit("guide", request.inputs, label=photo.name)
            jobs[job_id] = (photo, stem, self.queue.observe(job_id))
        if jobs:
            start_workers()
        try:
            self._follow(jobs, total=len(photos))
        except KeyboardInterrupt:
            for job_id in jobs:
                self.queue.cancel(job_id)
                self.queue.forget(job_id)
            print(f"\nerror: interrupted; {len(self.written)} guides written. Run the same command again to carry on.",
                  file=sys.stderr)
            return 130
        return self._summary(len(photos))

    def _follow(self, jobs: dict, *, total: int) -> None:
        noted = False
        fractions = dict.fromkeys(jobs, 0.0)
        while jobs:
            started = False
            for job_id, (photo, stem, observer) in list(jobs.items()):
                status = observer.poll()
                if status is None:
                    self.failed.append((str(photo), "the queue lost this job (its storage was cleared)"))
                elif not status.finished:
                    fractions[job_id] = status.fraction
                    started = started or status.state == "running"
                    continue
                elif status.state == "done":
                    self._write(photo, stem, cast("dict[str, bytes]", self.queue.result(job_id)))  # guide_folder's
                else:
                    self.failed.append((str(photo), status.error or status.reason or status.state))
                fractions[job_id] = 1.0
                self.queue.forget(job_id)
                del jobs[job_id]
            done = total - len(jobs)
            self._bar((done + sum(fractions[j] for j in jobs)) / max(total, 1),
                      f"{done} of {total} done" + (f", {len(jobs)} to go" if jobs else ""))
            if jobs and not started and not noted and time.monotonic() - self._start > self.WAIT_NOTE_SECONDS:
                noted = True
                print(f"\nnote: no worker has taken a job yet; start one with: python -m assistant worker "
                      f"--queue {shown(self.url)} --kinds guide", file=sys.stderr)
            if jobs:
                time.sleep(0.25)

    def _write(self, photo: Path, stem: str, files: dict[str, bytes]) -> None:
        """The guide folder appears whole (written beside it, then renamed) or not at all."""
        final = self.out / stem
        partial = self.out / f".{stem}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            for name, data in files.items():
                path = (partial / name).resolve()
                if partial.resolve() not in path.parents:
                    raise ValueError(f"a file name out of its folder: {name}")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            os.rename(partial, final)
        except (OSError, ValueError) as exc:
            shutil.rmtree(partial, ignore_errors=True)
            self.failed.append((str(photo), f"could not write {final}: {exc}"))
            return
        self.written.append(str(photo))

    def _bar(self, fraction: float, words: str) -> None:
        if self.quiet:
            return
        filled = int(round(min(1.0, fraction) * 30))
        line = f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:5.1f}%  {words:<40.40}"
        if line != self._shown:  # a log file gets a line per change, not four a second
            self._shown = line
            sys.stderr.write(line)
            sys.stderr.flush()

    def _summary(self, total: int) -> int:
        if not self.quiet:
            sys.stderr.write(f"  ({time.monotonic() - self._start:.1f} s)\n")
        parts = [f"{len(self.written)} written"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} already there")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        print(f"{total} photos: {', '.join(parts)} (in {self.out}).")
        for photo, error in self.failed:
            print(f"  {photo}: {error}")
        return 2 if self.failed else 0
