"""``python -m assistant batch``: one guide folder per photo, over real worker processes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import encode, photo_array
from jobs_helpers import ROOT, RedisServer, Workers
from PIL import Image

SMALL = ["--max-side", "160", "--colors", "5", "--focus", "none", "--quiet"]


def batch(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "assistant", "batch", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        (folder / f"{name}.jpg").write_bytes(encode(Image.fromarray((photo_array(name, 200) * 255).astype("uint8")),
                                                    "JPEG", quality=90))
    (folder / "notes.jpg").write_text("this is not a photo")
    return folder


@pytest.mark.slow
def test_a_batch_writes_each_guide_goes_on_past_a_bad_photo_and_resumes(photos, tmp_path):
    out = tmp_path / "guides"
    twin = tmp_path / "elsewhere" / "coffee.jpg"
    twin.parent.mkdir()
    twin.write_bytes((photos / "coffee.jpg").read_bytes())
    given = [photos / "coffee.jpg", photos / "notes.jpg", photos / "chelsea.jpg", tmp_path / "missing.jpg", twin]
    result = batch(*given, "-o", out, "--workers", "2", *SMALL)
    assert result.returncode == 2, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"5 photos: 2 written, 3 failed (in {out})."
    assert f"  {photos / 'notes.jpg'}: This file is not an image we can read" in result.stdout
    assert f"  {tmp_path / 'missing.jpg'}: no such file" in lines
    assert f"  {twin}: another photo in this batch is also named coffee" in lines
    assert sorted(p.name for p in out.iterdir()) == ["chelsea", "coffee"]  # nothing half-written beside them
    plan = json.loads((out / "coffee" / "plan.json").read_text())
    assert len(plan["palette"]) <= 5 and (out / "coffee" / "guide.pdf").stat().st_size > 10_000

    again = batch(photos / "coffee.jpg", photos / "chelsea.jpg", photos / "rocket.jpg", "-o", out, *SMALL)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [f"3 photos: 1 written, 2 already there (in {out})."]


@pytest.mark.slow
def test_an_interrupted_batch_leaves_whole_folders_and_carries_on(photos, tmp_path):
    out = tmp_path / "guides"
    given = [photos / f"{name}.jpg" for name in ("astronaut", "coffee", "chelsea", "rocket")]
    for photo in list(given):  # twice the work: the interrupt lands while guides are still to come, even when the
        copy = tmp_path / f"{photo.stem}-again.jpg"  # machine is busy and the first folder is seen late
        copy.write_bytes(photo.read_bytes())
        given.append(copy)
    process = subprocess.Popen([sys.executable, "-m", "assistant", "batch", *map(str, given), "-o", str(out),
                                "--workers", "1", *SMALL], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 240
    while not (out.is_dir() and any(p.name[0] != "." for p in out.iterdir())):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "Run the same command again to carry on" in err
    made = sorted(p.name for p in out.iterdir())
    assert made and all(not name.startswith(".") for name in made) and len(made) < len(given)
    again = batch(*given, "-o", out, *SMALL)
    assert again.returncode == 0 and f"{len(made)} already there" in again.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(photo.stem for photo in given)


def test_a_ctrl_c_after_the_summary_changes_nothing(photos, tmp_path):
    """The batch has said "1 photos: 1 written" and is stopping its worker: a Ctrl-C then read "error: interrupted"
    and exit 130 (4 times in 4 before the fix), or a -2 from the interpreter's shutdown."""
    out = tmp_path / "guides"
    process = subprocess.Popen([sys.executable, "-m", "assistant", "batch", str(photos / "rocket.jpg"), "-o", str(out),
                                "--workers", "1", *SMALL], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    summary = process.stdout.readline()
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=60)
    assert summary.startswith("1 photos: 1 written"), (summary, err)
    assert process.returncode == 0 and "interrupted" not in err, (process.returncode, err)
    assert sorted(p.name for p in out.iterdir()) == ["rocket"]


def test_a_batch_worker_ends_once_its_batch_is_gone(tmp_path):
    """A worker started for a batch (``--parent``) with the batch already gone: it ran on for good (found 11 minutes
    after a Ctrl-C had stopped the batch while the batch stopped it)."""
    from assistant.jobs.worker import ORPHAN_GRACE

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # reaped: its process id names no process now
    worker = subprocess.Popen([sys.executable, "-m", "assistant", "worker", "--queue",
                               f"sqlite://{tmp_path / 'queue.sqlite'}", "--kinds", "guide", "--parent", str(gone.pid)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = worker.communicate(timeout=ORPHAN_GRACE + 60)
    finally:
        worker.kill()
    assert worker.returncode == 0, err  # it ended by itself (before: the 65 s above ran out)


@pytest.mark.slow
def test_a_batch_on_redis_runs_on_the_queues_workers(photos, tmp_path):
    server = RedisServer(tmp_path)
    workers = Workers(tmp_path)
    try:
        workers.start(server.url, kinds="guide")
        workers.start(server.url, kinds="style,strokes")  # takes no guides
        out = tmp_path / "guides"
        result = batch(photos / "astronaut.jpg", photos / "rocket.jpg", "-o", out, "--queue", server.url, *SMALL)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("2 photos: 2 written")
        logs = [path.read_text() for path in sorted(tmp_path.glob("worker-*.log"))]
        assert logs[0].count("(guide, attempt 1): started") == 2 and "started" not in logs[1]
    finally:
        workers.stop()
        server.stop()


def test_batch_options_are_checked_first(photos, tmp_path):
    result = batch(photos / "coffee.jpg", "-o", tmp_path / "out", "--style", str(photos / "coffee.jpg"))
    assert result.returncode == 2 and result.stderr.startswith("error: A batch takes the bundled styles only")
    result = batch(photos / "coffee.jpg", "-o", tmp_path / "out", "--workers", "99")
    assert result.returncode == 2 and result.stderr == "error: Expected --workers from 0 to 64. Received: 99\n"
    result = batch(photos / "coffee.jpg", "-o", tmp_path / "out", "--queue", "redis://127.0.0.1:1/0")
    assert result.returncode == 2 and "Cannot reach the queue" in result.stderr
