"""UI helpers shared by the pages: session-state keys, cached resources, progress.

The UI layer is the only code that imports streamlit. State that must survive a
page change lives under the plain keys below (never under widget keys, which
Streamlit drops when the widget is not on screen).
"""

from __future__ import annotations

import functools
import html
import logging
import secrets
import sys
from contextlib import contextmanager

import numpy as np
import streamlit as st

from assistant import GuideOptions, ImageError, decode_image, make_guide
from pages._jobs import BY_USER
from pages._sessions import StoreFull


def _keep_keras_state() -> None:
    """Stop Streamlit from clearing Keras' global state after every script run.

    Streamlit calls ``keras.backend.clear_session()`` (and with it a full ``gc.collect``)
    at the end of each script run once Keras is imported
    (``streamlit/runtime/scriptrunner/script_runner.py``, ``_clean_problem_modules``).
    Here the networks are loaded once and shared, and style and brushstroke jobs run in
    their own threads while other script runs end: the clearing races with them, and
    after a job thread has ended the collection deadlocks (reproduced in
    ``tests/test_app_pages.py``). The matplotlib part of that clean-up is kept.
    """
    from streamlit.runtime.scriptrunner import script_runner

    def clean_matplotlib_only() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = clean_matplotlib_only


_keep_keras_state()

PHOTO = "photo"  # float32 (H, W, 3) working image
PHOTO_NAME = "photo_name"
PHOTO_NOTES = "photo_notes"
TARGET = "target"  # stylised image or None
STYLE = "style_record"  # assistant.style.transfer.StyleRecord of TARGET, or None
STYLE_SOURCE = "style_source"  # {"styles": [ids]} (+ "image") of TARGET, for the project file
STYLE_IMAGE = "style_image"  # the user's own style picture that made TARGET, or None
OPTIONS = "guide_options"  # GuideOptions last used
GUIDE = "guide"  # assistant.Guide
EXPORTS = "exports"  # {"pdf": bytes, "zip": bytes, "json": bytes, "project": bytes} for the current guide
TIMELAPSE = "timelapse"  # (id of the stroke plan, GIF bytes)
SETTINGS = "settings"  # {widget key: value}: every control's value, kept across pages and reloads
SESSION_ID = "session_id"  # the id of this session's folder on the server (also in the URL as ?s=)
NOTICES = "notices"  # [(kind, text)] shown once at the top of the next page
SET_ASIDE = "set_aside"  # (options, target, Painting): brushstrokes of a palette the user changed away from
FAST_PREVIEW = "fast_preview"  # (what made it, image, StyleRecord): the Style page's instant picture

# When a key changes, everything derived from it is dropped: the one invalidation table.
DERIVED = {
    PHOTO: (PHOTO_NAME, PHOTO_NOTES, TARGET, STYLE, STYLE_SOURCE, STYLE_IMAGE, OPTIONS, GUIDE, EXPORTS, TIMELAPSE,
            SET_ASIDE, FAST_PREVIEW),
    TARGET: (STYLE, STYLE_SOURCE, STYLE_IMAGE, GUIDE, EXPORTS, TIMELAPSE),
    GUIDE: (EXPORTS, TIMELAPSE),
}
# The keys kept in the session folder (everything else is derived or transient).
_KEPT = {PHOTO, PHOTO_NAME, PHOTO_NOTES, TARGET, STYLE, STYLE_SOURCE, STYLE_IMAGE, OPTIONS, GUIDE}

SAMPLES = {"Astronaut": "astronaut", "Coffee": "coffee", "Cat": "chelsea"}


def get(key, default=None):
    return st.session_state.get(key, default)


def invalidate(key: str) -> None:
    """Drop everything derived from ``key`` (see :data:`DERIVED`)."""
    for derived in DERIVED.get(key, ()):
        st.session_state.pop(derived, None)


def put(key: str, value, **companions) -> None:
    """Set ``key`` (dropping what was derived from it), then its companions (e.g. its name); keep it on disk."""
    invalidate(key)
    st.session_state[key] = value
    for name, companion in companions.items():
        st.session_state[name] = companion
    if key in _KEPT:
        save(key)


def clear(key: str) -> None:
    invalidate(key)
    st.session_state.pop(key, None)
    if key in _KEPT:
        save(key)


def notify(kind: str, text: str) -> None:
    """A one-time message (kind: success, info, warning, error) at the top of the next page shown."""
    st.session_state.setdefault(NOTICES, []).append((kind, text))


def show_notices() -> None:
    for kind, text in st.session_state.pop(NOTICES, []):
        getattr(st, kind)(text)


def show_error(exc: Exception) -> None:
    """The app's error policy for a page that failed.

    Bad input or options and file problems (``ValueError`` and its kinds, ``OSError``) are
    shown as their one line. Anything else is a fault of ours: a short apology with a
    reference that the server log carries next to the full traceback. The session's work is
    in its folder and in the session state either way, so nothing is lost.
    """
    if isinstance(exc, ValueError | OSError):
        text = str(exc).strip()
        st.error(text.splitlines()[0] if text else "That did not work.")
        return
    if isinstance(exc, MemoryError):
        st.error("This is too large for the server's memory: try a smaller photo or working size. Your work is kept.")
        return
    reference = secrets.token_hex(4)
    logging.getLogger("painting_assistant").error("Unexpected error, reference %s", reference, exc_info=exc)
    st.error(f"Something went wrong on our side ({type(exc).__name__}). Your work is kept: reload the page to "
             f"carry on. If it happens again, quote reference {reference}.")


def set_photo(pixels: np.ndarray, name: str, notes: tuple[str, ...] = ()) -> None:
    """A new photo invalidates everything derived from the old one."""
    put(PHOTO, pixels, **{PHOTO_NAME: name, PHOTO_NOTES: tuple(notes)})


def open_upload(data: bytes, name: str, max_side: int = 1024) -> bool:
    """A project file reopens its work; anything else is decoded as a photo. One-line error on bad input."""
    from assistant.project import is_project, load_project

    if not (name.lower().endswith(".project") or is_project(data)):
        return decode_upload(data, name, max_side)
    try:
        project, guide = _reopen(lambda: load_project(data), "Opening the project…")
    except ValueError as exc:  # ProjectError is a ValueError
        st.error(f"{name}: {str(exc).splitlines()[0]}")
        return False
    save(PHOTO)
    st.success(f"Opened {name}: {project.photo_name or 'photo'}"
               + (f", {len(guide.palette)} paints" if guide is not None else "")
               + (", brushstrokes" if project.painting is not None else "") + ".")
    return True


def decode_upload(data: bytes, name: str, max_side: int = 1024) -> bool:
    """Decode an upload into the session; show a one-line error and return False on bad input."""
    try:
        decoded = decode_image(data, max_side=max_side)
    except ImageError as exc:
        st.error(f"{name}: {exc}")
        return False
    set_photo(decoded.pixels, name, decoded.notes)
    return True


@st.cache_data(show_spinner=False)
def sample_photo(name: str) -> np.ndarray:
    """One of the real photos bundled with scikit-image, as a float32 array."""
    from skimage import data

    return getattr(data, name)().astype(np.float32) / 255.0


def require(key: str, message: str, page: str | None = None) -> None:
    """Stop the page with a friendly hint when an earlier step is missing."""
    if get(key) is None:
        st.info(message)
        if page:
            st.page_link(page, label="Go there", icon="➡️")
        st.stop()


@contextmanager
def running():
    """Run a short core call in the page with a progress bar; yields its ``on_progress``.

    The bar always goes away; a bad input or option is shown as one line and stops the page.
    (Long, cancellable runs are background jobs: :func:`start_job`.)
    """
    bar = st.progress(0.0, text="Starting…")

    def on_progress(fraction: float, message: str, preview=None) -> None:
        bar.progress(min(1.0, max(0.0, float(fraction))), text=message)

    try:
        yield on_progress
    except ValueError as exc:
        st.error(str(exc).splitlines()[0] if str(exc) else "That did not work.")
        st.stop()
    finally:
        bar.empty()


def painting_target() -> np.ndarray:
    target = get(TARGET)
    return get(PHOTO) if target is None else target


def ensure_guide(options: GuideOptions) -> None:
    """(Re)build the guide when the options or the target changed, with a progress bar."""
    guide = get(GUIDE)
    target = painting_target()
    given = None if guide is None else guide.given_target
    if guide is not None and get(OPTIONS) == options and given.shape == target.shape and np.array_equal(given, target):
        return
    if guide is not None and guide.strokes is not None:  # set aside, so that setting the palette back restores them
        st.session_state[SET_ASIDE] = (guide.options, given, guide.strokes.painting)
    with running() as on_progress:
        guide = make_guide(get(PHOTO), options, target=target, style=get(STYLE), on_progress=on_progress)
    aside = get(SET_ASIDE)
    if aside is not None and aside[0] == options and aside[1].shape == target.shape and np.array_equal(aside[1], target):
        from assistant.work import attach_painting

        guide = attach_painting(guide, aside[2])
    put(GUIDE, guide, **{OPTIONS: options})


def set_value_levels(levels: int) -> None:
    """Redo only the value study and step 1 (palette, regions and brushstrokes stay as they are)."""
    from assistant.pipeline import with_value_levels

    guide = with_value_levels(get(GUIDE), levels)
    put(GUIDE, guide, **{OPTIONS: guide.options})


def picture(where, image, **options) -> None:
    """Show ``image`` in ``where`` (``st``, a column, the sidebar): float pictures as 8-bit, clipped to 0–1.

    Every picture a page shows goes through here: resampling can leave a float a hair above 1
    (1.0000002 from pure white), which ``st.image`` refuses with a traceback.
    """
    from assistant.images import to_uint8

    if isinstance(image, np.ndarray) and image.dtype != np.uint8:
        image = to_uint8(image)
    where.image(image, **options)


def step_viewer(steps, images, highlights, *, key: str, new_caption: str):
    """A slider over ``steps`` with the step's text, what is new and the canvas after it."""
    count = len(steps)
    number = 1
    if count > 1:
        keep(key, 1, choices=range(1, count + 1))
        number = st.slider("Step", 1, count, key=key, help="Move through the steps in painting order")
        remember(key)
    step = steps[number - 1]
    st.subheader(f"Step {step.index} of {count}: {step.title}")
    st.write(step.instruction)
    left, right = st.columns(2)
    picture(left, highlights[number - 1], caption=new_caption, width="stretch")
    picture(right, images[number - 1], caption="Canvas after this step", width="stretch")
    return step


def swatches_html(palette) -> str:
    cells = "".join(
        f'<div style="display:inline-block;margin:3px;text-align:center;width:92px;font-size:12px">'
        f'<div style="background:{c.hex};height:40px;border:1px solid #999;border-radius:4px"></div>'
        f"<b>{c.index}</b> {c.name}<br>{c.hex} · {c.coverage:.1f}%</div>"
        for c in palette
    )
    return f"<div>{cells}</div>"


def recipes_html(guide) -> str:
    """Each palette colour with its mixing recipe: target swatch, recipe, predicted mix, match in words."""
    if not guide.recipes:
        return swatches_html(guide.palette)
    approximate = {p.name for p in guide.paints if p.approximate} if guide.paints is not None else set()
    rows = []
    amounts = guide.paint_amounts()
    for (_, ml), color, recipe in zip(amounts, guide.palette, guide.recipes):
        words = html.escape(recipe.text())
        for name in approximate & {n for n, _ in recipe.parts}:
            words = words.replace(html.escape(name), html.escape(name) + "*")
        colour = {"close": "#2e7d32", "noticeable": "#b26a00", "far": "#c62828"}[recipe.verdict]
        why = f" · {html.escape(recipe.reason)}" if recipe.reason else ""
        # On a narrow screen (a 390 px phone) the row wraps: the recipe keeps the width it needs to be read
        # and the predicted mix with its match goes to a line of its own underneath, indented under the recipe.
        rows.append(
            '<div style="display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;padding:5px 0;'
            'border-bottom:1px solid #eee;font-size:14px">'
            f'<div title="colour to paint" style="background:{color.hex};width:44px;height:30px;'
            'border:1px solid #999;border-radius:4px;flex:none"></div>'
            f'<div style="flex:1 1 200px;min-width:0;overflow-wrap:anywhere"><b>{color.index}</b> '
            f'{html.escape(color.name)} · {color.coverage:.1f}% · about {ml:g} ml<br>'
            f'<span style="font-size:13px">{words}</span></div>'
            '<div style="display:flex;align-items:center;gap:10px;flex:0 1 204px;min-width:0;margin-left:54px">'
            f'<div title="what the recipe gives" style="background:{recipe.hex};width:44px;height:30px;'
            'border:1px solid #999;border-radius:4px;flex:none"></div>'
            f'<div style="flex:1;min-width:0;font-size:13px;color:{colour}">{recipe.verdict} match '
            f'(ΔE {recipe.delta_e:.1f}){why}</div></div>'
            "</div>"
        )
    legend = ('<div style="font-size:12px;color:#666">'
              "First swatch: the colour to paint; second: what the recipe gives. "
              "Parts by volume; “a touch” is under 1/12 of the mix. * approximate paint. "
              "Amounts: rough, for two coats on your canvas.</div>")
    return legend + "".join(rows)


@st.cache_resource(show_spinner="Loading the style network (once per server)…")
def _network_and_device():
    from assistant.models import device_description
    from assistant.style.features import build_feature_extractor

    return build_feature_extractor("auto"), device_description()


def get_network():
    """The VGG19 feature network (shared read-only by all sessions) and where it runs, in words.

    Stops the page with one line when no weights are installed.
    """
    from assistant.style.features import WeightsUnavailable

    try:
        return _network_and_device()
    except (WeightsUnavailable, ValueError) as exc:
        st.error(str(exc).splitlines()[0])
        st.stop()


@st.cache_resource(show_spinner="Loading the instant style network (once per server)…")
def _fast_style():
    from assistant.style.fast import load_fast_style

    return load_fast_style()


def get_fast_style():
    """The fast style networks (shared read-only by all sessions); stops the page with one line when missing."""
    from assistant.style.fast import FastStyleFileError

    try:
        return _fast_style()
    except FastStyleFileError as exc:
        st.error(str(exc).splitlines()[0])
        st.stop()


def fast_preview(networks, photo, mix, labels, options, device, controls, *, own=None):
    """The instant picture for these controls, ``(image, StyleRecord)``: made again only when they changed."""
    import hashlib
    import json

    from assistant.style.fast import stylize_fast

    guide_options = get(OPTIONS) or GuideOptions()
    made_from = (json.dumps(controls, sort_keys=True), id(photo), photo.shape,
                 None if own is None else hashlib.sha1(np.ascontiguousarray(own).tobytes()).hexdigest(),
                 guide_options.focus, guide_options.marks)
    kept = get(FAST_PREVIEW)
    if kept is None or kept[0] != made_from:
        result = stylize_fast(photo, mix, networks=networks, options=options,
                              detail=style_detail(photo, guide_options))
        record = result.record(labels, [w for _, w in mix], networks=networks, options=options, device=device,
                               preset="")
        kept = (made_from, result.image, record)
        st.session_state[FAST_PREVIEW] = kept
    return kept[1], kept[2]


def style_detail(photo, options: GuideOptions):
    """The detail map the instant style is gentler on (the faces, the painter's circles), or None; kept
    in the session while the photo and the focus settings stay the same."""
    from assistant.plan.focus import detail_map

    key = (id(photo), photo.shape, options.focus, options.marks)
    kept = st.session_state.get("style_detail")
    if kept is None or kept[0] != key:
        found = detail_map(photo, focus=options.focus, marks=options.marks)
        kept = (key, None if found.is_neutral else found.detail)
        st.session_state["style_detail"] = kept
    return kept[1]


@st.cache_data(show_spinner=False)
def bundled_styles():
    from assistant.style.assets import list_styles, load_style

    return [(asset, load_style(asset.id, max_side=512)[0]) for asset in list_styles()]


@st.cache_resource(show_spinner="Loading the stroke renderer (once per server)…")
def get_renderer():
    """The learned stroke renderer (manifest-checked), shared read-only by all sessions."""
    from assistant.strokes.renderer import load_renderer

    return load_renderer()


# --- the session folder: reload-safe work -------------------------------------------------------


@functools.cache
def session_store():
    """The server's session folders (see pages/_sessions.py), one store for the process.

    (A process-wide singleton rather than ``st.cache_resource``: tests and job threads
    reach the very same object outside a script run.)
    """
    from pages._sessions import store_from_environment

    return store_from_environment()


def _tab_connected(client: str) -> bool:
    """True while the browser tab (Streamlit session) ``client`` is connected to this server."""
    from streamlit import runtime

    return runtime.exists() and runtime.get_instance().is_active_session(client)


def _client_id() -> str | None:
    """This browser tab's Streamlit session id (None outside a script run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_id


@functools.cache
def job_board():
    """Background jobs of every session, by session id (see pages/_jobs.py), on the job queue.

    A job lives while a browser tab of its session is connected (or ran a script within the
    grace time), so a job watched on any page, or in a tab in the background, is never stopped.
    """
    from pages._jobs import JobBoard

    return JobBoard(connected=_tab_connected, **_job_queue())


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
    worker = EmbeddedWorker(session_store().root)
    return {"queue": JobQueue(worker.url), "keep_worker": worker.ensure}


#: Seconds between two passes of the janitor that frees what ended sessions held.
JANITOR_SECONDS = 30.0


def release_memory() -> None:
    """Free what ended sessions hold: their never-collected jobs, Streamlit's copies kept for a
    reconnect (after its 2-minute wait), and the heap pages the allocator keeps afterwards.

    The work itself is safe in each session's folder, so dropping the in-memory copies loses nothing.
    """
    import ctypes
    import gc

    job_board().forget_idle()
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
    job_board().heartbeat(session_id(), _client_id())


def session_id() -> str:
    if SESSION_ID not in st.session_state:  # a page run without app.py (a deep link on a fresh server)
        start_session()
    return st.session_state[SESSION_ID]


@st.cache_resource(show_spinner=False)
def _colour_tables() -> bool:
    """Import colour-science and build the CIE tables once per server, in the script thread:
    a first import inside a background job's thread, next to TensorFlow, is avoided."""
    from assistant.color.mixing import _observer

    _observer()
    return True


def start_session() -> None:
    """Run first on every script run: find (or make) this session's id, restore its work, collect jobs.

    The id lives in the URL (``?s=``), so a reload or the same link in another tab
    restores the work. A link whose folder is gone starts afresh and says so.
    """
    _colour_tables()
    _start_janitor()
    try:
        store = session_store()
        board = job_board()
    except ValueError as exc:  # a bad session or queue setting, an unsafe session folder: one line, not a traceback
        st.error(str(exc).splitlines()[0])
        st.stop()
    if SESSION_ID not in st.session_state:
        wanted = st.query_params.get("s")
        if store.valid_id(wanted) and (store.exists(wanted) or board.jobs(wanted)):
            st.session_state[SESSION_ID] = wanted
            _restore(store.read(wanted))
        else:
            if wanted:
                notify("info", "The work at that link is no longer kept (links last a day); this is a fresh start.")
            st.session_state[SESSION_ID] = store.new_id()
            try:
                store.write(st.session_state[SESSION_ID], {})  # the folder exists from now on: a reload finds it
            except StoreFull as exc:  # the server's store is full: work goes on, unkept across reloads
                notify("warning", str(exc))
            store.maybe_sweep(keep=st.session_state[SESSION_ID])  # at most every few minutes, in the background
            board.forget_idle()
    if st.query_params.get("s") != session_id():
        st.query_params["s"] = session_id()
    keep_alive()
    collect_jobs()


def _project():
    from assistant.project import Project

    guide = get(GUIDE)
    return Project(
        photo=get(PHOTO), photo_name=get(PHOTO_NAME, ""), photo_notes=tuple(get(PHOTO_NOTES, ())),
        options=get(OPTIONS), target=get(TARGET), style=get(STYLE), style_source=get(STYLE_SOURCE),
        style_image=get(STYLE_IMAGE), painting=None if guide is None or guide.strokes is None else guide.strokes.painting,
        settings=dict(get(SETTINGS, {})),
    )


# The array members each kept key writes (project.json is written on every save).
_ARRAYS = ("photo.npy", "target.npy", "style.npy", "painting.npy", "strokes.npy")
_ARRAYS_OF = {PHOTO: _ARRAYS, TARGET: _ARRAYS[1:], STYLE_IMAGE: ("style.npy",), GUIDE: _ARRAYS[3:]}


def save(key: str | None = None) -> None:
    """Keep the session's work in its folder: ``project.json`` always, and the arrays ``key`` changes.

    ``key=None`` writes only ``project.json`` (a setting or an option changed).
    """
    from assistant.project import project_arrays, project_json

    if SESSION_ID not in st.session_state:
        return
    store = session_store()
    if get(PHOTO) is None:  # nothing to keep (the folder stays, so that a reload is not a "lost link")
        try:
            store.write(session_id(), {}, remove=("project.json", *_ARRAYS))
        except StoreFull as exc:
            st.warning(str(exc))
        return
    project = _project()
    files = {"project.json": project_json(project)}
    affected = _ARRAYS_OF.get(key, ())
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
    """Put a project's members (session folder or project file) into the session; one line on failure."""
    from assistant.project import project_from_files

    if not files:
        return
    try:
        _reopen(lambda: project_from_files(files), "Restoring your work…")
    except ValueError as exc:  # ProjectError is a ValueError
        notify("error", f"Your earlier work could not be restored: {str(exc).splitlines()[0]}")


def _reopen(load, message: str):
    """Load a project, rebuild its guide (no style transfer, no brushstrokes) and make it the session's work.

    Returns (project, guide); raises ``ValueError`` (one line) before changing anything.
    """
    from assistant.project import rebuild_guide

    project = load()
    with st.spinner(message):
        guide = rebuild_guide(project)
    apply_project(project, guide)
    return project, guide


def apply_project(project, guide) -> None:
    """Make a reopened project (and its rebuilt guide, or None) the session's work."""
    for key in _KEPT | {SETTINGS, EXPORTS, TIMELAPSE, SET_ASIDE}:
        st.session_state.pop(key, None)
    st.session_state.update({
        PHOTO: project.photo, PHOTO_NAME: project.photo_name, PHOTO_NOTES: project.photo_notes,
        SETTINGS: dict(project.settings),
    })
    if project.target is not None:
        st.session_state.update({TARGET: project.target, STYLE: project.style, STYLE_SOURCE: project.style_source,
                                 STYLE_IMAGE: project.style_image})
    if project.options is not None:
        st.session_state[OPTIONS] = project.options
    if guide is not None:
        st.session_state[GUIDE] = guide
    for key in list(st.session_state):  # widgets show the project's settings, not the previous ones
        if isinstance(key, str) and key in project.settings:
            del st.session_state[key]


# --- settings: every control keeps its value across pages and reloads ---------------------------


def keep(key: str, default, *, choices=None) -> str:
    """Seed widget ``key`` from the kept settings before it is drawn; returns the key.

    Streamlit forgets a widget's value when its page is not on screen; the value is
    kept under :data:`SETTINGS` instead. A kept value no longer among ``choices``
    falls back to ``default``. Draw the widget with ``key=`` and no value of its own.
    """
    settings = st.session_state.setdefault(SETTINGS, {})
    if key not in st.session_state:
        value = settings.get(key, default)
        if isinstance(value, list):
            value = tuple(value)
        if choices is not None and value not in choices:
            value = default
        st.session_state[key] = value
    return key


def values(*keys: str) -> dict:
    """The controls' current values as plain JSON (tuples as lists), for comparing and keeping."""
    return {key: list(v) if isinstance(v := st.session_state.get(key), tuple) else v for key in keys}


def remember(*keys: str) -> None:
    """After the widgets: store their current values in the settings (and on disk when one changed)."""
    settings = st.session_state.setdefault(SETTINGS, {})
    changed = False
    for key, value in values(*keys).items():
        if settings.get(key) != value:
            settings[key] = value
            changed = True
    if changed and get(PHOTO) is not None:
        save()


# --- background jobs ----------------------------------------------------------------------------

KIND_PAGES = {"style": "2 · Style", "strokes": "5 · Brushstrokes"}  # each kind of job, and the page with its panel


def job(kind: str):
    """This session's job of ``kind`` (running or finished, not yet collected), or None."""
    return job_board().get(session_id(), kind)


def busy() -> list:
    """This session's running jobs."""
    return job_board().running(session_id())


def start_job(kind: str, work, *, label: str) -> None:
    """Start ``work(on_progress)`` in the background for this session; the result is collected on any page."""
    try:
        job_board().start(session_id(), kind, work, label=label)
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
        finished = job_board().take(session_id(), kind)
        if finished is None:
            continue
        snapshot = finished.snapshot()
        if snapshot.state == "cancelled":
            if finished.cancel_reason == BY_USER:
                notify("warning", f"Cancelled: {finished.label}. Your earlier results are kept.")
            else:
                notify("warning", f"{finished.label} was stopped because {finished.cancel_reason}. "
                                  "Your earlier results are kept; start it again when you are back.")
        elif snapshot.state == "failed":
            notify("error", f"{finished.label} stopped: {snapshot.error}")
        else:
            _APPLY[kind](finished)


def _apply_style(finished) -> None:
    image, record, source, style_image = finished.result
    put(TARGET, image, **{STYLE: record, STYLE_SOURCE: source, STYLE_IMAGE: style_image})
    if record.unfinished:
        notify("warning", f"{record.unfinished} Press “Continue repainting” on the Style page to finish it.")
    else:
        notify("success", f"Repainted in {record.name} in {_clock(record.seconds)}.")


def _apply_strokes(finished) -> None:
    guide = finished.result
    current = get(GUIDE)
    if finished.meta:  # a painting from a worker: it joins the guide it was painted for, if that is still the one
        from assistant.jobs import attach_result

        guide = attach_result(current, guide, finished.meta)
    if guide is None or current is None or current.options != guide.options or not np.array_equal(current.target,
                                                                                                  guide.target):
        notify("warning", "The palette changed while the brushstrokes were painted, so they were not used. "
                          "Paint them again on the Brushstrokes page.")
        return
    put(GUIDE, guide)
    notify("success", f"Painted {len(guide.strokes.painting.strokes)} brushstrokes in "
                      f"{_clock(finished.snapshot().elapsed)}.")


_APPLY = {"style": _apply_style, "strokes": _apply_strokes}


def _progress_row(current, *, key: str):
    """A job's bar (stage, time so far, time left) and its Cancel button; returns its snapshot."""
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
