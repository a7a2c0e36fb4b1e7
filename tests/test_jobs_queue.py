"""The job queue with real parts: a real Redis server, a real SQLite file, real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
from jobs_helpers import ROOT, RedisServer, Workers, pid_of, wait_for

from assistant.jobs import BY_USER, SESSION_GONE, JobQueue, probe_request
from assistant.jobs import queue as queue_module

DEAD_AFTER = 5.0  # seconds without a beat before a worker counts as dead (15 in production; at 3 a worker
# starved of the CPU by a busy machine was once taken for dead in the middle of its job, and the killed-worker test failed)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def workers(tmp_path):
    started = Workers(tmp_path)
    yield started
    started.stop()


@pytest.fixture(params=["sqlite", "redis"])
def queue(request, tmp_path):
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        server.flush()
        url = server.url
    else:
        url = f"sqlite://{tmp_path / 'queue.sqlite'}"
    made = JobQueue(url, dead_after=DEAD_AFTER)
    yield made
    made.close()


def submit(queue, request, **options):
    return queue.submit(request.kind, request.inputs, **options)


def test_a_job_runs_on_a_worker_with_progress_time_left_preview_and_result(queue, workers):
    job = submit(queue, probe_request(30, 0.1, result={"answer": 42}, preview=True), label="Probing", session="s")
    observer = queue.observe(job)
    assert observer.poll().state == "queued"
    workers.start(queue.url)
    running = wait_for(observer, lambda s: s.state == "running" and s.fraction >= 0.3)
    assert running.label == "Probing" and running.message.startswith("step") and running.attempt == 1
    assert running.remaining is not None and running.remaining == pytest.approx(
        running.elapsed * (1 - running.fraction) / running.fraction)
    assert running.preview >= 1
    picture = cv2.imdecode(np.frombuffer(queue.preview(job), np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape == (8, 8, 3)
    done = wait_for(observer, lambda s: s.finished)
    assert done.state == "done" and done.fraction == 1.0 and done.elapsed >= 2.5 and done.remaining is None
    assert queue.result(job) == {"answer": 42}
    assert queue.session_job("s", "probe") == job
    queue.forget(job)
    assert queue.status(job) is None and queue.result(job) is None and queue.preview(job) is None
    assert queue.session_job("s", "probe") is None


def test_cancel_reaches_the_worker_and_a_queued_job_ends_at_once(queue, workers):
    workers.start(queue.url)
    job = submit(queue, probe_request(10_000, 0.01))
    observer = queue.observe(job)
    wait_for(observer, lambda s: s.state == "running" and s.fraction > 0)
    asked = time.monotonic()
    queue.cancel(job)
    ended = wait_for(observer, lambda s: s.finished)
    assert ended.state == "cancelled" and ended.reason == BY_USER and time.monotonic() - asked < 3
    assert queue.result(job) is None

    waiting = queue.submit("guide", {"photo": b""}, label="no worker takes guides here")
    assert queue.status(waiting).state == "queued" and waiting in queue.pending("guide")
    queue.cancel(waiting)
    assert queue.status(waiting).state == "cancelled"


def test_one_unfinished_job_per_kind_and_session(queue):
    first = submit(queue, probe_request(1), session="painter")
    with pytest.raises(RuntimeError, match="already running"):
        submit(queue, probe_request(1), session="painter")
    submit(queue, probe_request(1), session="someone else")
    queue.submit("guide", {}, session="painter")  # another kind
    queue.cancel(first)
    submit(queue, probe_request(1), session="painter")  # the first one has ended


def test_failures_are_one_line(queue, workers):
    workers.start(queue.url)
    job = submit(queue, probe_request(2, 0.01, fail="Expected a photo.\nmore detail"))
    ended = wait_for(queue.observe(job), lambda s: s.finished)
    assert ended.state == "failed" and ended.error == "Expected a photo."


def test_a_worker_killed_mid_job_does_not_lose_it(redis_server, workers):
    redis_server.flush()
    queue = JobQueue(redis_server.url, dead_after=DEAD_AFTER)
    workers.start(queue.url)
    workers.start(queue.url)
    job = submit(queue, probe_request(40, 0.1, result="painted"))
    observer = queue.observe(job)
    first = wait_for(observer, lambda s: s.state == "running" and s.fraction >= 0.2)
    os.kill(pid_of(first), signal.SIGKILL)
    again = wait_for(observer, lambda s: s.attempt == 2 and s.state == "running", timeout=DEAD_AFTER + 15)
    assert pid_of(again) != pid_of(first)
    done = wait_for(observer, lambda s: s.finished)
    assert done.state == "done" and queue.result(job) == "painted"


def test_a_job_whose_second_worker_dies_too_fails_with_one_line(tmp_path, workers):
    queue = JobQueue(f"sqlite://{tmp_path / 'queue.sqlite'}", dead_after=DEAD_AFTER)
    job = submit(queue, probe_request(1000, 0.05))
    observer = queue.observe(job)
    for attempt in (1, 2):
        worker = workers.start(queue.url)
        running = wait_for(observer, lambda s, a=attempt: s.state == "running" and s.attempt == a and s.fraction > 0,
                           timeout=DEAD_AFTER + 30)
        assert pid_of(running) == worker.pid
        os.killpg(worker.pid, signal.SIGKILL)
    failed = wait_for(observer, lambda s: s.finished, timeout=DEAD_AFTER + 15)
    assert failed.state == "failed" and failed.error == "The worker running this job stopped, twice; please try again."


def test_a_stopped_worker_hands_its_job_back_at_once(queue, workers):
    stopping = workers.start(queue.url)
    job = submit(queue, probe_request(60, 0.05, result="ok"))
    observer = queue.observe(job)
    wait_for(observer, lambda s: s.state == "running" and s.fraction > 0.1)
    stopping.send_signal(signal.SIGTERM)
    assert stopping.wait(20) == 0
    back = queue.status(job)
    assert back.state == "queued" and back.attempt == 1 and "was stopped" in back.message
    workers.start(queue.url)
    assert wait_for(observer, lambda s: s.finished).state == "done" and queue.result(job) == "ok"


def test_a_job_nobody_watches_any_more_stops(queue, workers):
    workers.start(queue.url)
    watched = submit(queue, probe_request(10_000, 0.01), watched_grace=1.5)
    unwatched = submit(queue, probe_request(10_000, 0.01), watched_grace=1.5)
    workers.start(queue.url)
    observers = queue.observe(watched), queue.observe(unwatched)
    deadline = time.monotonic() + 20
    while not observers[1].poll().finished and time.monotonic() < deadline:
        queue.watch(watched)
        time.sleep(0.2)
    assert queue.status(unwatched).state == "cancelled" and queue.status(unwatched).reason == SESSION_GONE
    assert observers[0].poll().state == "running"
    queue.cancel(watched)


def test_workers_take_only_their_kinds_and_the_same_version(tmp_path, workers):
    queue = JobQueue(f"sqlite://{tmp_path / 'queue.sqlite'}", dead_after=DEAD_AFTER)
    workers.start(queue.url, kinds="probe")
    job = queue.submit("guide", {"photo": b"", "name": "x.jpg", "options": {}})
    time.sleep(1.5)
    assert queue.status(job).state == "queued" and queue.pending("guide") == [job]
    record = queue.record(job)
    queue.write_record(dict(record, version="0.0.1"))
    workers.start(queue.url, kinds="guide")
    failed = wait_for(queue.observe(job), lambda s: s.finished)
    assert failed.state == "failed" and "run the same version everywhere" in failed.error


def test_storage_is_bounded(tmp_path, monkeypatch, workers):
    queue = JobQueue(f"sqlite://{tmp_path / 'queue.sqlite'}", dead_after=DEAD_AFTER, keep_hours=1)
    monkeypatch.setattr(queue_module, "MAX_PAYLOAD_BYTES", 1000)
    with pytest.raises(ValueError, match="too large for the queue"):
        queue.submit("probe", {"blob": b"x" * 2000})
    monkeypatch.undo()
    workers.start(queue.url)
    picture = np.random.default_rng(0).random((900, 1200, 3), dtype=np.float32)
    job = submit(queue, probe_request(1, 1.5, result=picture[:2]))
    # The probe's preview is tiny; a large one is shrunk before it is stored.
    from assistant.jobs.worker import PREVIEW_SIDE, _Run

    run = _Run(queue, dict(queue.record(job), id="local", state="queued"))
    run._store_preview(picture)
    run.close()
    stored = cv2.imdecode(np.frombuffer(queue.preview("local"), np.uint8), cv2.IMREAD_COLOR)
    assert max(stored.shape[:2]) == PREVIEW_SIDE
    wait_for(queue.observe(job), lambda s: s.finished)
    assert queue.sweep() == 0  # recent: kept
    assert queue.sweep(now=time.time() + 3601) == 2 and queue.status(job) is None and queue.result(job) is None


def test_bad_queue_addresses_are_one_line(tmp_path):
    with pytest.raises(ValueError, match="Expected a queue address"):
        JobQueue("http://example.org")
    result = subprocess.run([sys.executable, "-m", "assistant", "worker", "--queue", "redis://127.0.0.1:1/0"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.startswith("error: Cannot reach the queue at redis://127.0.0.1:1/0")
    assert len(result.stderr.strip().splitlines()) == 1
    result = subprocess.run([sys.executable, "-m", "assistant", "worker", "--queue", "sqlite:///x", "--kinds", "all"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Expected --kinds among" in result.stderr
