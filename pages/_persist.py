"""The session folder: reload-safe work, one folder per browser session (see ``pages/_sessions.py``).

The id lives in the URL (``?s=``); every change of the work is written to the folder
(:func:`save`), and a reload or the same link in another tab restores it (:func:`start_session`).
A janitor thread frees what ended sessions held.
"""

from __future__ import annotations

import functools
import logging

import streamlit as st

from assistant import work as workflow
from pages import _panels as panels
from pages import _state as state
from pages._sessions import StoreFull


@functools.cache
def session_store():
    """The server's session folders (see pages/_sessions.py), one store for the process.

    (A process-wide singleton rather than ``st.cache_resource``: tests and job threads
    reach the very same object outside a script run.)
    """
    from pages._sessions import store_from_environment

    return store_from_environment()


def tab_connected(client: str) -> bool:
    """True while the browser tab (Streamlit session) ``client`` is connected to this server."""
    from streamlit import runtime

    return runtime.exists() and runtime.get_instance().is_active_session(client)


def _client_id() -> str | None:
    """This browser tab's Streamlit session id (None outside a script run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_id


JANITOR_SECONDS = 30.0


def release_memory() -> None:
    """Free what ended sessions hold: their never-collected jobs, Streamlit's copies kept for a
    reconnect (after its 2-minute wait), and the heap pages the allocator keeps afterwards.

    The work itself is safe in each session's folder, so dropping the in-memory copies loses nothing.
    """
    import ctypes
    import gc

    panels.job_board().forget_idle()
    _shut_down_expired_sessions()
    gc.collect()
    try:  # glibc keeps freed pages of large heaps; hand them back to the system
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _shut_down_expired_sessions() -> None:
    """Shut down the sessions of closed tabs once Streamlit's wait for a reconnect is over.

    Streamlit keeps a closed tab's session 2 minutes for a reconnect, but only drops it from
    its store when the store is next touched, and then without shutting it down, so the
    pictures it showed stay in the media store for good. This does both, on Streamlit's
    event loop (where its session store is kept). It reaches into Streamlit's runtime, so
    every step checks that what it needs is there.
    """
    import threading

    from streamlit import runtime

    if not runtime.exists():
        return
    instance = runtime.get_instance()
    manager = getattr(instance, "_session_mgr", None)
    cache = getattr(getattr(manager, "_session_storage", None), "_cache", None)
    objects = getattr(instance, "_get_async_objs", None)
    if not hasattr(cache, "expire") or objects is None:
        return
    done = threading.Event()

    def shut_down() -> None:
        try:
            for _, info in cache.expire():
                info.session.shutdown()
        finally:
            done.set()

    objects().eventloop.call_soon_threadsafe(shut_down)
    done.wait(30)


@functools.cache
def _start_janitor() -> None:
    """Start, once per server process, the thread that calls :func:`release_memory` now and then."""
    import threading
    import time

    def loop() -> None:
        while True:
            time.sleep(JANITOR_SECONDS)
            try:
                release_memory()
            except Exception:  # never let the janitor die; say what happened in the server log
                logging.getLogger("painting_assistant").exception("Releasing memory failed")

    threading.Thread(target=loop, name="painting-assistant-janitor", daemon=True).start()


def keep_alive() -> None:
    """Tell the job board this session is still here (every script run and every panel refresh)."""
    panels.job_board().heartbeat(session_id(), _client_id())


def session_id() -> str:
    if state.SESSION_ID not in st.session_state:  # a page run without app.py (a deep link on a fresh server)
        start_session()
    return st.session_state[state.SESSION_ID]


def start_session() -> None:
    """Run first on every script run: find (or make) this session's id, restore its work, collect jobs.

    The id lives in the URL (``?s=``), so a reload or the same link in another tab
    restores the work. A link whose folder is gone starts afresh and says so.
    """
    from pages._resources import colour_tables

    colour_tables()
    _start_janitor()
    try:
        store = session_store()
        board = panels.job_board()
    except ValueError as exc:  # a bad session or queue setting, an unsafe session folder: one line, not a traceback
        st.error(str(exc).splitlines()[0])
        st.stop()
    if state.SESSION_ID not in st.session_state:
        wanted = st.query_params.get("s")
        if store.valid_id(wanted) and (store.exists(wanted) or board.jobs(wanted)):
            st.session_state[state.SESSION_ID] = wanted
            _restore(store.read(wanted))
        else:
            if wanted:
                state.notify("info", "The work at that link is no longer kept (links last a day); this is a fresh start.")
            st.session_state[state.SESSION_ID] = store.new_id()
            try:
                store.write(st.session_state[state.SESSION_ID], {})  # the folder exists from now on: a reload finds it
            except StoreFull as exc:  # the server's store is full: work goes on, unkept across reloads
                state.notify("warning", str(exc))
            store.maybe_sweep(keep=st.session_state[state.SESSION_ID])  # at most every few minutes, in the background
            board.forget_idle()
    if st.query_params.get("s") != session_id():
        st.query_params["s"] = session_id()
    keep_alive()
    panels.collect_jobs()


# The array members each kept key writes (project.json is written on every save).
_ARRAYS = ("photo.npy", "target.npy", "style.npy", "painting.npy", "strokes.npy")
_ARRAYS_OF = {state.PHOTO: _ARRAYS, state.TARGET: _ARRAYS[1:], state.STYLE_IMAGE: ("style.npy",),
              state.GUIDE: _ARRAYS[3:]}


def save(*keys: str) -> None:
    """Keep the session's work in its folder: ``project.json`` always, and the arrays ``keys`` change.

    No key writes only ``project.json`` (a setting or an option changed).
    """
    from assistant.project import project_arrays, project_json

    if state.SESSION_ID not in st.session_state:
        return
    store = session_store()
    if state.get(state.PHOTO) is None:  # nothing to keep (the folder stays, so that a reload is not a "lost link")
        try:
            store.write(session_id(), {}, remove=("project.json", *_ARRAYS))
        except StoreFull as exc:
            st.warning(str(exc))
        return
    project = workflow.to_project(state.current_work())
    files = {"project.json": project_json(project)}
    affected = tuple(dict.fromkeys(name for key in keys for name in _ARRAYS_OF.get(key, ())))
    if "photo.npy" not in store.members(session_id()):  # first save of this work: everything
        affected = _ARRAYS
    arrays = project_arrays(project) if affected else {}
    files.update({name: data for name, data in arrays.items() if name in affected})
    stale = tuple(name for name in affected if name not in arrays)
    try:
        store.write(session_id(), files, remove=stale)
    except StoreFull as exc:
        st.warning(str(exc))


def _restore(files: dict[str, bytes]) -> None:
    """Put the work kept in the session folder back into the session; one line on failure."""
    from assistant.project import project_from_files

    if not files:
        return
    try:
        reopen(lambda: project_from_files(files), "Restoring your work…", keep=False)
    except ValueError as exc:  # ProjectError is a ValueError
        state.notify("error", f"Your earlier work could not be restored: {str(exc).splitlines()[0]}")


def reopen(load, message: str, *, keep: bool = True) -> workflow.Work:
    """Load a project, make its guide again (no style transfer, no brushstrokes) and make it the session's work.

    Returns the work; raises ``ValueError`` (one line) before changing anything.
    """
    project = load()
    with st.spinner(message):
        work = workflow.from_project(project)
    state.open_work(work, keep=keep)
    return work
