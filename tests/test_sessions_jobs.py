"""Session folders (limits, expiry, isolation) and background jobs (progress, cancel, session end)."""

import os
import stat
import threading
import time

import pytest

from assistant import Cancelled
from pages._jobs import BY_USER, SESSION_GONE, Job, JobBoard
from pages._sessions import SessionStore, StoreFull

# --- session folders ---------------------------------------------------------------------------


def test_ids_are_unguessable_and_checked(tmp_path):
    store = SessionStore(tmp_path)
    ids = {store.new_id() for _ in range(100)}
    assert len(ids) == 100 and all(store.valid_id(i) for i in ids)
    for bad in ("../../etc", "a" * 31, "a" * 33, "a/b" + "c" * 29, None, 12):
        assert not store.valid_id(bad)
        assert not store.exists(bad) if isinstance(bad, str) else True
    with pytest.raises(ValueError, match="session id"):
        store.write("../" + "a" * 29, {"project.json": b"{}"})
    with pytest.raises(ValueError, match="member name"):
        store.write(store.new_id(), {"../x.json": b"{}"})


def test_write_read_and_isolation(tmp_path):
    store = SessionStore(tmp_path)
    mine, theirs = store.new_id(), store.new_id()
    store.write(mine, {"project.json": b"{}", "photo.npy": b"1234"})
    assert store.read(mine) == {"project.json": b"{}", "photo.npy": b"1234"}
    assert store.members(mine) == {"project.json", "photo.npy"} and store.members(theirs) == set()
    assert store.read(theirs) == {}  # another id sees nothing
    store.write(mine, {"project.json": b"{ }"}, remove=("photo.npy",))
    assert store.read(mine) == {"project.json": b"{ }"}
    assert stat.S_IMODE(os.stat(tmp_path / mine).st_mode) == 0o700


def test_session_folder_is_bounded(tmp_path):
    store = SessionStore(tmp_path, max_bytes=1000, max_total_bytes=1000)
    session = store.new_id()
    store.write(session, {"photo.npy": b"x" * 600})
    with pytest.raises(StoreFull, match="too large to keep"):
        store.write(session, {"target.npy": b"x" * 600})
    assert store.read(session) == {"photo.npy": b"x" * 600}  # nothing half-written
    store.write(session, {"photo.npy": b"x" * 900})  # replacing a member counts its new size only


def test_idle_sessions_expire_and_the_oldest_go_when_full(tmp_path):
    store = SessionStore(tmp_path, idle_seconds=3600, max_bytes=100, max_total_bytes=250)
    old, recent, mine = store.new_id(), store.new_id(), store.new_id()
    for session in (old, recent, mine):
        store.write(session, {"photo.npy": b"x" * 100})
    now = time.time()
    os.utime(tmp_path / old / ".last-used", (now - 7200, now - 7200))
    os.utime(tmp_path / mine / ".last-used", (now - 7200, now - 7200))
    assert store.sweep(now, keep=mine) == [old]  # idle for two hours; the caller's own is kept
    assert store.exists(recent) and store.exists(mine)
    store.write(old, {"photo.npy": b"x" * 100})  # 300 bytes in all > 250: the least recently used goes
    assert store.sweep(now, keep=old) == [mine]
    assert store.sweep(now + 10 * 3600) == [recent, old]


def test_bad_limits_are_refused(tmp_path):
    with pytest.raises(ValueError, match="idle_seconds > 0"):
        SessionStore(tmp_path, idle_seconds=0)


# --- jobs ----------------------------------------------------------------------------------------


def _steps(n, pause=0.01, result="done"):
    def work(on_progress):
        for i in range(n):
            on_progress(i / n, f"step {i}", preview=i)
            time.sleep(pause)
        return result

    return work


def test_job_runs_in_background_and_reports_progress():
    job = Job("style", _steps(50, 0.02), label="Repainting").start()
    time.sleep(0.3)
    snap = job.snapshot()
    assert snap.state == "running" and 0 < snap.fraction < 1 and snap.message.startswith("step")
    assert snap.preview is not None
    assert job.wait(10) and job.state == "done" and job.result == "done"
    final = job.snapshot()
    assert final.fraction == 1.0 and final.remaining is None and final.elapsed >= 1.0


def test_time_left_is_estimated_from_progress():
    release = threading.Event()

    def work(on_progress):
        on_progress(0.25, "a quarter")
        release.wait(5)
        on_progress(0.5, "half")
        return 1

    job = Job("style", work).start()
    time.sleep(1.2)
    snap = job.snapshot()
    assert snap.remaining == pytest.approx(3 * snap.elapsed, rel=0.05)  # 1/4 done in t: 3t left
    release.set()
    assert job.wait(5)


def test_cancel_stops_the_thread_and_says_so():
    job = Job("strokes", _steps(10_000, 0.001)).start()
    time.sleep(0.1)
    job.cancel()
    assert job.wait(5) and job.state == "cancelled" and job.result is None


def test_a_job_whose_session_is_gone_stops():
    alive = threading.Event()
    alive.set()
    job = Job("style", _steps(10_000, 0.001), alive=alive.is_set).start()
    time.sleep(0.05)
    alive.clear()
    assert job.wait(5) and job.state == "cancelled" and job.cancel_reason == SESSION_GONE


def test_failures_become_one_line():
    def bad(on_progress):
        raise ValueError("Expected a photo.\nmore detail")

    def broken(on_progress):
        raise RuntimeError("boom")

    job = Job("style", bad).start()
    job.wait(5)
    assert job.state == "failed" and job.snapshot().error == "Expected a photo."
    job = Job("style", broken).start()
    job.wait(5)
    assert job.snapshot().error == "Unexpected RuntimeError: boom"


def test_board_one_job_per_kind_and_session_and_no_cross_talk():
    board = JobBoard(grace_seconds=60)
    release = threading.Event()

    def wait(on_progress):
        while not release.is_set():
            on_progress(0.1, "waiting")
            time.sleep(0.01)
        return "result"

    a = board.start("session-a", "style", wait)
    with pytest.raises(RuntimeError, match="already running"):
        board.start("session-a", "style", wait)
    b = board.start("session-b", "style", wait)
    board.start("session-a", "strokes", _steps(1))
    assert board.get("session-b", "style") is b and board.get("session-a", "style") is a
    assert [j.kind for j in board.running("session-b")] == ["style"]
    assert board.take("session-a", "style") is None  # still running: not taken
    release.set()
    a.wait(5), b.wait(5)
    assert board.take("session-a", "style") is a and board.get("session-a", "style") is None
    assert board.take("session-b", "style").result == "result"


def test_board_stops_jobs_of_a_silent_session():
    board = JobBoard(grace_seconds=0.3)
    board.heartbeat("gone")
    job = board.start("gone", "style", _steps(100_000, 0.001))
    assert job.wait(5) and job.state == "cancelled"
    time.sleep(0.35)
    assert board.forget_idle() == 1 and board.jobs("gone") == []


def test_a_job_lives_while_a_tab_is_connected_however_long_since_its_last_page_run():
    """Issue 20: jobs were killed at 2:00 while the painter watched the progress panel."""
    tabs = {"tab-1": True}
    board = JobBoard(grace_seconds=0.2, connected=lambda client: tabs.get(client, False))
    board.heartbeat("painter", "tab-1")
    release = threading.Event()

    def long_run(on_progress):
        while not release.is_set():
            on_progress(0.5, "painting")
            time.sleep(0.01)
        return "done"

    job = board.start("painter", "strokes", long_run)
    time.sleep(0.6)  # three grace times without a heartbeat: the connected tab keeps it going
    assert job.running
    tabs["tab-1"] = False  # the tab is closed: the job stops after the grace time, and says why
    assert job.wait(5) and job.state == "cancelled" and job.cancel_reason == SESSION_GONE
    release.set()


def test_heartbeats_without_a_connection_probe_keep_a_job_alive():
    board = JobBoard(grace_seconds=0.3)
    stop = threading.Event()

    def beats():
        while not stop.is_set():
            board.heartbeat("watched")  # what a progress panel refresh does, once a second in the app
            time.sleep(0.05)

    threading.Thread(target=beats, daemon=True).start()
    job = board.start("watched", "style", _steps(1000, 0.001))
    assert job.wait(5) and job.state == "done"
    stop.set()
    cancelled = board.start("watched", "style", _steps(100_000, 0.001))
    cancelled.cancel()
    assert cancelled.wait(5) and cancelled.cancel_reason == BY_USER


def test_cancelled_is_the_core_exception():
    job = Job("style", _steps(1000, 0.001)).start()
    job.cancel()
    job.wait(5)
    assert issubclass(Cancelled, Exception) and job.state == "cancelled"
