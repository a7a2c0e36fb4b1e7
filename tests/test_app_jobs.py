"""The app's jobs on the job queue: real worker processes, a real restart of the app in between.

``python tests/test_app_jobs.py start`` is the app before the restart: it makes a guide the way a
painter does (sample photo, palette), starts the brushstrokes, waits until a worker runs them,
then dies without any clean-up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]  # run as a script too
from jobs_helpers import ROOT, Workers, pid_of, wait_for  # noqa: E402

from assistant.jobs import SESSION_GONE, JobQueue, probe_request  # noqa: E402
from pages._jobs import Job, JobBoard, QueueJob  # noqa: E402


@pytest.fixture
def workers(tmp_path):
    started = Workers(tmp_path)
    yield started
    started.stop()


def test_a_request_runs_in_a_thread_when_there_is_no_queue():
    board = JobBoard()
    job = board.start("painter", "probe", probe_request(3, 0.01, result="here"), label="Probing")
    assert isinstance(job, Job) and job.wait(10) and job.result == "here" and job.label == "Probing"


def test_jobs_of_a_closed_session_are_cancelled_on_their_worker(tmp_path, workers):
    queue = JobQueue(f"sqlite://{tmp_path / 'queue.sqlite'}", dead_after=3)
    workers.start(queue.url)
    board = JobBoard(grace_seconds=1.0, queue=queue, kinds=("probe",))
    board.heartbeat("painter")
    job = board.start("painter", "probe", probe_request(10_000, 0.01), label="Probing")
    assert isinstance(job, QueueJob)
    wait_for(queue.observe(job.id), lambda s: s.state == "running")
    assert job.wait(15)  # no heartbeat since: the tab was closed
    assert job.state == "cancelled" and job.cancel_reason == SESSION_GONE
    assert queue.status(job.id).reason == SESSION_GONE


def test_progress_cancel_and_results_cross_processes(tmp_path, workers):
    queue = JobQueue(f"sqlite://{tmp_path / 'queue.sqlite'}", dead_after=3)
    board = JobBoard(queue=queue, kinds=("probe",))
    board.heartbeat("painter")
    job = board.start("painter", "probe", probe_request(40, 0.1, result=[1, 2], preview=True), label="Probing")
    assert job.snapshot().message == "Waiting for a worker" and job.running
    with pytest.raises(RuntimeError, match="already running"):
        board.start("painter", "probe", probe_request(1))
    workers.start(queue.url)
    deadline = time.monotonic() + 30
    while (snap := job.snapshot()).remaining is None or snap.preview is None:
        assert time.monotonic() < deadline, snap
        time.sleep(0.2)
    assert snap.state == "running" and 0 < snap.fraction < 1 and snap.preview.shape == (8, 8, 3)
    assert pid_of(queue.status(job.id)) != os.getpid()
    assert job.wait(30) and board.take("painter", "probe") is job and job.result == [1, 2]
    assert queue.status(job.id) is None  # collected: nothing left on the queue

    other = board.start("painter", "probe", probe_request(10_000, 0.01))
    wait_for(queue.observe(other.id), lambda s: s.state == "running")
    other.cancel()
    assert other.wait(5) and other.state == "cancelled" and other.cancel_reason == "Cancelled."


def test_a_restarted_app_finds_its_jobs_and_a_dead_worker_does_not_lose_them(tmp_path, workers):
    url = f"sqlite://{tmp_path / 'queue.sqlite'}"
    before = JobBoard(queue=JobQueue(url), kinds=("probe",))
    before.heartbeat("painter")
    job = before.start("painter", "probe", probe_request(60, 0.1, result="survived"), label="Probing")
    first = workers.start(url)
    wait_for(before.queue.observe(job.id), lambda s: s.state == "running" and s.fraction > 0.1)
    before.queue.close()  # the app stops here: nothing of it is used below

    after = JobBoard(queue=JobQueue(url, dead_after=3), kinds=("probe",))
    assert after.get("painter", "probe") is None
    after.heartbeat("painter")  # the session's first visit after the restart
    found = after.get("painter", "probe")
    assert isinstance(found, QueueJob) and found.running and found.label == "Probing"
    os.killpg(first.pid, signal.SIGKILL)  # and its worker dies too
    workers.start(url)
    assert found.wait(60) and found.state == "done" and after.queue.status(job.id).attempt == 2
    assert after.take("painter", "probe").result == "survived"


def _app_before_restart(photo_name: str) -> None:
    """The app's life before the restart (run in its own process; see the module docstring)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    app.button(key=f"upload_sample_{photo_name}").click().run()
    app.switch_page("pages/palette.py").run()
    app.switch_page("pages/strokes.py").run()
    app.slider(key="strokes_budget").set_value(200).run()
    app.button(key="strokes_run").click().run()
    assert not app.exception, app.exception
    from pages import _panels

    job = _panels.job_board().get(app.session_state["session_id"], "strokes")
    wait_for(job.queue.observe(job.id), lambda s: s.state == "running" and s.fraction > 0, timeout=180)
    print(app.session_state["session_id"], flush=True)
    os._exit(0)  # no clean-up at all, as when a server is killed


@pytest.mark.slow
@pytest.mark.parametrize("worker_dies", [False, True])
def test_brushstrokes_survive_an_app_restart(worker_dies):
    from streamlit.testing.v1 import AppTest

    from pages import _panels

    before = subprocess.run([sys.executable, __file__, "start"], cwd=ROOT, capture_output=True, text=True,
                            timeout=400)
    assert before.returncode == 0, before.stderr[-3000:]
    session = before.stdout.split()[-1]
    board = _panels.job_board()
    job_id = board.queue.session_job(session, "strokes")
    status = board.queue.status(job_id)
    assert status.state == "running"
    if worker_dies:
        os.kill(pid_of(status), signal.SIGKILL)

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params["s"] = session  # the painter reloads the page
    app.run()
    app.switch_page("pages/steps.py").run()
    assert not app.exception
    assert app.sidebar.button(key="sidebar_cancel_strokes")  # the job runs on, shown on every page
    job = board.get(session, "strokes")
    assert job.wait(300) and job.state == "done", job.snapshot()
    app.run()
    assert any("Painted 200 brushstrokes" in s.value for s in app.success), [w.value for w in app.warning]
    assert len(app.session_state["guide"].strokes.painting.strokes) == 200
    assert board.queue.status(job_id) is None
    if worker_dies:
        assert "attempt 2" in (Path(board.queue.url[len("sqlite://"):]).parent / "worker.log").read_text()


if __name__ == "__main__" and sys.argv[1:] == ["start"]:
    _app_before_restart("coffee")
