"""Background jobs of this session: start, watch (progress, time left, preview, Cancel), collect.

The jobs themselves live in ``pages/_jobs.py`` (no Streamlit there); what a finished job
changes goes through the workflow (:func:`pages._state.restyle`, :func:`pages._state.join_painting`).
"""

from __future__ import annotations

import functools

import streamlit as st

from pages import _state as state
from pages._jobs import BY_USER


@functools.cache
def job_board():
    """Background jobs of every session, by session id (see pages/_jobs.py), on the job queue.

    A job lives while a browser tab of its session is connected (or ran a script within the
    grace time), so a job watched on any page, or in a tab in the background, is never stopped.
    """
    from pages._jobs import JobBoard
    from pages._persist import tab_connected

    return JobBoard(connected=tab_connected, **_job_queue())


def _job_queue() -> dict:
    """``PAINTING_ASSISTANT_QUEUE`` (Redis: workers on other machines; ``off``: jobs in threads of this
    process, as before the queue), or the app's own queue: a SQLite file in the session folder's root
    and one worker process beside the app, started on demand."""
    import os

    from assistant.jobs import QUEUE_ENV, JobQueue
    from assistant.jobs.embedded import EmbeddedWorker

    url = os.environ.get(QUEUE_ENV, "").strip()
    if url.lower() == "off":
        return {}
    if url:
        return {"queue": JobQueue(url)}
    from pages._persist import session_store

    worker = EmbeddedWorker(session_store().root)
    return {"queue": JobQueue(worker.url), "keep_worker": worker.ensure}


#: Seconds between two passes of the janitor that frees what ended sessions held.


KIND_PAGES = {"style": "2 · Style", "strokes": "5 · Brushstrokes"}  # each kind of job, and the page with its panel


def job(kind: str):
    """This session's job of ``kind`` (running or finished, not yet collected), or None."""
    return job_board().get(_session_id(), kind)


def busy() -> list:
    """This session's running jobs."""
    return job_board().running(_session_id())


def start_job(kind: str, work, *, label: str) -> None:
    """Start ``work(on_progress)`` in the background for this session; the result is collected on any page."""
    try:
        job_board().start(_session_id(), kind, work, label=label)
    except RuntimeError as exc:
        st.warning(str(exc))


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_words(snapshot) -> str:
    words = f"{snapshot.message} · {_clock(snapshot.elapsed)} so far"
    if snapshot.remaining is not None:
        words += f" · about {_clock(snapshot.remaining)} left"
    return words


def collect_jobs() -> None:
    """Apply finished jobs to the session (any page, any script run) and say how they ended."""
    for kind in KIND_PAGES:
        finished = job_board().take(_session_id(), kind)
        if finished is None:
            continue
        snapshot = finished.snapshot()
        if snapshot.state == "cancelled":
            if finished.cancel_reason == BY_USER:
                state.notify("warning", f"Cancelled: {finished.label}. Your earlier results are kept.")
            else:
                state.notify("warning", f"{finished.label} was stopped because {finished.cancel_reason}. "
                                  "Your earlier results are kept; start it again when you are back.")
        elif snapshot.state == "failed":
            state.notify("error", f"{finished.label} stopped: {snapshot.error}")
        else:
            _APPLY[kind](finished)


def _apply_style(finished) -> None:
    image, record, source, style_image = finished.result
    state.restyle(image, record=record, source=source, style_image=style_image)
    if record.unfinished:
        state.notify("warning", f"{record.unfinished} Press “Continue repainting” on the Style page to finish it.")
    else:
        state.notify("success", f"Repainted in {record.name} in {_clock(record.seconds)}.")


def _apply_strokes(finished) -> None:
    # A painting from a worker comes with the key of the guide it was painted for; a thread's, as that guide.
    painted = finished.result
    if state.join_painting(painted, painted_for=(finished.meta or {}).get("guide")):
        from assistant.strokes.painter import Painting

        painting = painted if isinstance(painted, Painting) else painted.strokes.painting
        state.notify("success", f"Painted {len(painting.strokes)} brushstrokes in {_clock(finished.snapshot().elapsed)}.")


_APPLY = {"style": _apply_style, "strokes": _apply_strokes}


def _progress_row(current, *, key: str):
    """A job's bar (stage, time so far, time left) and its Cancel button; returns its snapshot."""
    from pages._persist import keep_alive

    keep_alive()  # a watched job is never stopped for want of a full page run
    snapshot = current.snapshot()
    st.progress(snapshot.fraction, text=f"{current.label}: {progress_words(snapshot)}")
    if st.button("Cancel", key=key, help="Stop it; what you had before stays"):
        current.cancel()
    return snapshot


def job_panel(kind: str, *, preview_width: int = 360) -> None:
    """The running job's progress, time left, live preview and Cancel; polls once a second.

    When the job ends the whole app reruns, which collects the result.
    """
    if job(kind) is None:
        return

    @st.fragment(run_every=1.0)
    def panel():
        current = job(kind)
        if current is None or not current.running:
            st.rerun(scope="app")
        snapshot = _progress_row(current, key=f"job_cancel_{kind}")
        if snapshot.preview is not None:
            from pages._widgets import picture

            picture(st, snapshot.preview, caption="So far", width=preview_width)

    panel()


def sidebar_jobs(page_title: str = "") -> None:
    """Every running job of this session in the sidebar, with Cancel, on every page but the job's own."""
    running = [j for j in busy() if KIND_PAGES.get(j.kind) != page_title]
    if not running:
        return

    @st.fragment(run_every=1.0)
    def panel():
        jobs = [j for j in busy() if KIND_PAGES.get(j.kind) != page_title]
        if len(jobs) != len(running):
            st.rerun(scope="app")
        for current in jobs:
            _progress_row(current, key=f"sidebar_cancel_{current.kind}")

    with st.sidebar:
        panel()


def _session_id() -> str:
    from pages._persist import session_id

    return session_id()
