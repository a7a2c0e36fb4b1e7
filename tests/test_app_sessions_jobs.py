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


def _age(folder, seconds):
    then = time.time() - seconds
    os.utime(folder / ".last-used", (then, then))


def test_idle_sessions_expire_and_only_sessions_not_in_use_make_room(tmp_path):
    store = SessionStore(tmp_path, idle_seconds=3 * 3600, max_bytes=100, max_total_bytes=250, in_use_seconds=3600)
    old, recent, mine, late = (store.new_id() for _ in range(4))
    for session in (old, recent):
        store.write(session, {"photo.npy": b"x" * 100})
    _age(tmp_path / old, 2 * 3600)  # not used for two hours: not in use, not idle yet
    assert store.sweep() == []  # (the store learns of that change of the clock; removes nothing)
    store.write(mine, {"photo.npy": b"x" * 100})  # 300 bytes > 250: the session not in use makes room
    assert not store.exists(old) and store.read(mine) == {"photo.npy": b"x" * 100}
    with pytest.raises(StoreFull, match="full of work in use"):  # only sessions in use are left: refused
        store.write(late, {"photo.npy": b"x" * 100})
    assert store.members(late) == set() and store.read(recent) == {"photo.npy": b"x" * 100}
    store.write(late, {"project.json": b"{}"})  # small work still fits
    now = time.time()
    _age(tmp_path / recent, 4 * 3600)
    _age(tmp_path / mine, 4 * 3600)
    assert store.sweep(now, keep=mine) == [recent]  # idle for four hours; the caller's own is kept
    assert store.sweep(now + 10 * 3600) == [mine, late]  # least recently used first


def test_a_full_store_of_sessions_in_use_is_never_evicted(tmp_path):
    store = SessionStore(tmp_path, max_bytes=100, max_total_bytes=200)
    sessions = [store.new_id() for _ in range(2)]
    for session in sessions:
        store.write(session, {"photo.npy": b"x" * 100})
    for _ in range(3):
        with pytest.raises(StoreFull):
            store.write(store.new_id(), {"photo.npy": b"x" * 10})
    assert store.sweep() == [] and all(store.read(s) == {"photo.npy": b"x" * 100} for s in sessions)


def test_empty_folders_and_stale_temporary_files_are_swept(tmp_path):
    store = SessionStore(tmp_path, empty_seconds=600)
    visit, fresh, work = store.new_id(), store.new_id(), store.new_id()
    for session in (visit, fresh):
        store.write(session, {})
    store.write(work, {"photo.npy": b"x"})
    _age(tmp_path / visit, 1200)
    _age(tmp_path / work, 1200)
    stale, recent = tmp_path / work / ".tmp-dead", tmp_path / work / ".tmp-writing"
    stale.write_bytes(b"x" * 1000)
    recent.write_bytes(b"y")
    then = time.time() - 3600
    os.utime(stale, (then, then))
    assert store.sweep() == [visit]  # an empty folder of a visit that uploaded nothing
    assert store.exists(fresh) and store.exists(work)
    assert not stale.exists() and recent.exists()  # a write may still be using the recent one


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    import errno

    from pages import _sessions

    store = SessionStore(tmp_path)
    session = store.new_id()
    store.write(session, {"photo.npy": b"old"})

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_sessions.os, "replace", full)
    with pytest.raises(StoreFull, match="No space left on device") as info:
        store.write(session, {"photo.npy": b"x" * 2_000_000})
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    assert sorted(p.name for p in (tmp_path / session).iterdir()) == [".last-used", "photo.npy"]
    assert store.read(session) == {"photo.npy": b"old"}


def test_a_visit_does_not_pay_for_the_sweep(tmp_path):
    store = SessionStore(tmp_path, sweep_every=300)
    for _ in range(2000):
        store.write(store.new_id(), {})
    assert store.maybe_sweep(background=False)  # the first visit: a sweep (here in this thread)
    for _ in range(1000):  # every later visit within five minutes: no sweep (how cheap that is: bench/, not here)
        assert not store.maybe_sweep()
    store.sweep_every = 0
    assert store.maybe_sweep()  # due again: runs in a background thread
    for _ in range(500):
        if not store._sweep_lock.locked():
            break
        time.sleep(0.01)
    assert not store._sweep_lock.locked()


@pytest.mark.parametrize("name", ["PAINTING_ASSISTANT_SESSION_IDLE_HOURS", "PAINTING_ASSISTANT_SESSION_MAX_MB"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "abc", "0", "-1", "1e12"])
def test_bad_settings_are_one_line_naming_the_setting(tmp_path, monkeypatch, name, value):
    from pages._sessions import store_from_environment

    monkeypatch.setenv("PAINTING_ASSISTANT_SESSION_DIR", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as info:
        store_from_environment()
    message = str(info.value)
    assert name in message and repr(value) in message and "\n" not in message


def test_good_settings_are_used(tmp_path, monkeypatch):
    from pages._sessions import store_from_environment

    monkeypatch.setenv("PAINTING_ASSISTANT_SESSION_DIR", str(tmp_path))
    monkeypatch.setenv("PAINTING_ASSISTANT_SESSION_IDLE_HOURS", "0.5")
    monkeypatch.setenv("PAINTING_ASSISTANT_SESSION_MAX_MB", "8")
    store = store_from_environment()
    assert store.idle_seconds == 1800 and store.in_use_seconds == 1800
    assert store.max_bytes == 8 * 2**20 and store.max_total_bytes == 16 * 8 * 2**20


def test_default_folder_is_private_or_refused(tmp_path, monkeypatch):
    import tempfile

    from pages._sessions import store_from_environment

    monkeypatch.delenv("PAINTING_ASSISTANT_SESSION_DIR")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / f"painting-assistant-sessions-{os.getuid()}"
    store = store_from_environment()  # made with mode 0700
    assert store.root == folder and stat.S_IMODE(os.lstat(folder).st_mode) == 0o700
    os.chmod(folder, 0o777)  # made first by someone else, open to all: listing it reveals every session id
    with pytest.raises(ValueError, match="open to other users.*PAINTING_ASSISTANT_SESSION_DIR"):
        store_from_environment()
    folder.rmdir()
    (tmp_path / "theirs").mkdir(mode=0o700)
    folder.symlink_to(tmp_path / "theirs")
    with pytest.raises(ValueError, match="symbolic link"):
        store_from_environment()
    folder.unlink()
    folder.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(folder, 12345, -1)
        with pytest.raises(ValueError, match="belongs to another user"):
            store_from_environment()


def test_a_bad_setting_shows_one_line_in_the_app(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from pages import _persist

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.setenv("PAINTING_ASSISTANT_SESSION_MAX_MB", "abc")
    _persist.session_store.cache_clear()
    try:
        app = AppTest.from_file(os.path.join(root, "app.py"), default_timeout=60).run()
        assert not app.exception
        assert [e.value for e in app.error] == [
            "PAINTING_ASSISTANT_SESSION_MAX_MB must be a number above 0 and at most 1.04858e+06. Received: 'abc'"]
    finally:
        _persist.session_store.cache_clear()


# --- jobs ----------------------------------------------------------------------------------------


def _steps(n, pause=0.01, result="done"):
    def work(on_progress):
        for i in range(n):
            on_progress(i / n, f"step {i}", preview=i)
            time.sleep(pause)
        return result

    return work


def _until(release, message, fraction, result):
    """Work that reports ``message`` at ``fraction`` until ``release`` is set, then returns ``result``."""
    def work(on_progress):
        while not release.is_set():
            on_progress(fraction, message)
            time.sleep(0.01)
        return result

    return work


def test_job_runs_in_background_and_reports_progress():
    release = threading.Event()

    def work(on_progress):
        for i in range(5):
            on_progress(i / 10, f"step {i}", preview=i)
        release.wait(10)  # still running until the test has looked
        return "done"

    job = Job("style", work, label="Repainting").start()
    deadline = time.monotonic() + 10
    while (snap := job.snapshot()).message != "step 4" and time.monotonic() < deadline:
        release.wait(0.01)
    assert snap.state == "running" and snap.fraction == pytest.approx(0.4) and snap.preview == 4
    release.set()
    assert job.wait(10) and job.state == "done" and job.result == "done"
    final = job.snapshot()
    assert final.fraction == 1.0 and final.remaining is None and final.elapsed >= snap.elapsed > 0


def test_time_left_is_estimated_from_progress():
    release = threading.Event()

    def work(on_progress):
        on_progress(0.25, "a quarter")
        release.wait(5)
        on_progress(0.5, "half")
        return 1

    job = Job("style", work).start()
    deadline = time.monotonic() + 10
    while (snap := job.snapshot()).remaining is None and time.monotonic() < deadline:  # no estimate before 1 s
        release.wait(0.05)
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
    wait = _until(release, "waiting", 0.1, "result")
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
    job = board.start("painter", "strokes", _until(release, "painting", 0.5, "done"))
    time.sleep(0.6)  # three grace times without a heartbeat: the connected tab keeps it going
    assert job.running
    tabs["tab-1"] = False  # the tab is closed: the job stops after the grace time, and says why
    assert job.wait(5) and job.state == "cancelled" and job.cancel_reason == SESSION_GONE
    release.set()


def test_heartbeats_without_a_connection_probe_keep_a_job_alive():
    board = JobBoard(grace_seconds=1.0)  # a second: a busy machine may not run the beating thread for a while
    stop = threading.Event()

    def beats():
        while not stop.is_set():
            board.heartbeat("watched")  # what a progress panel refresh does, once a second in the app
            time.sleep(0.05)

    threading.Thread(target=beats, daemon=True).start()
    job = board.start("watched", "style", _steps(2500, 0.001))  # longer than the grace time
    assert job.wait(30) and job.state == "done"
    stop.set()
    cancelled = board.start("watched", "style", _steps(100_000, 0.001))
    cancelled.cancel()
    assert cancelled.wait(5) and cancelled.cancel_reason == BY_USER


def test_cancelled_is_the_core_exception():
    """What the work sees on cancel is the core's Cancelled, so core code can clean up on it."""
    seen = []

    def work(on_progress):
        try:
            while True:
                on_progress(0.1, "working")
                time.sleep(0.001)
        except BaseException as exc:
            seen.append(exc)
            raise

    job = Job("style", work).start()
    job.cancel()
    assert job.wait(5) and job.state == "cancelled"
    assert type(seen[0]) is Cancelled and job.result is None
