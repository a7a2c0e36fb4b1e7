"""The session's work under plain session-state keys, changed only through the workflow (:mod:`assistant.work`).

The UI layer is the only code that imports streamlit. State that must survive a page change lives
under the plain keys below (never under widget keys, which Streamlit drops when the widget is not
on screen). The rules of what a change invalidates, which brushstrokes are set aside and which
finished job still applies live in :mod:`assistant.work`; here the session's keys are read into a
:class:`~assistant.work.Work`, a workflow function makes the new one, and :func:`adopt` writes it
back (dropping the page caches made from what changed, and keeping the work in the session folder).

The other UI helpers, by concern: ``_widgets`` (pictures, the step viewer, recipe rows, progress),
``_settings`` (controls kept across pages and reloads), ``_resources`` (networks shared by all
sessions), ``_persist`` (the session folder: reload-safe work), ``_panels`` (background jobs).
"""

from __future__ import annotations

import logging
import secrets

import numpy as np
import streamlit as st

from assistant import GuideOptions, ImageError, decode_image
from assistant import work as workflow

PHOTO = "photo"  # float32 (H, W, 3) working image
PHOTO_NAME = "photo_name"
PHOTO_NOTES = "photo_notes"
TARGET = "target"  # stylised image or None
STYLE = "style_record"  # assistant.style.transfer.StyleRecord of TARGET, or None
STYLE_SOURCE = "style_source"  # {"styles": [ids]} (+ "image") of TARGET, for the project file
STYLE_IMAGE = "style_image"  # the user's own style picture that made TARGET, or None
OPTIONS = "guide_options"  # GuideOptions last used
GUIDE = "guide"  # assistant.Guide
SET_ASIDE = "set_aside"  # assistant.work.SetAside: brushstrokes of a palette the user changed away from
SETTINGS = "settings"  # {widget key: value}: every control's value, kept across pages and reloads
EXPORTS = "exports"  # {"pdf": bytes, "zip": bytes, "json": bytes, "project": bytes} for the current guide
TIMELAPSE = "timelapse"  # (id of the stroke plan, GIF bytes)
SESSION_ID = "session_id"  # the id of this session's folder on the server (also in the URL as ?s=)
NOTICES = "notices"  # [(kind, text)] shown once at the top of the next page
FAST_PREVIEW = "fast_preview"  # (what made it, image, StyleRecord): the Style page's instant picture
STYLE_DETAIL = "style_detail"  # (what made it, detail map or None): what the instant style is gentler on

#: Each key of the session's work and the :class:`~assistant.work.Work` field it holds.
WORK_FIELDS = {PHOTO: "photo", PHOTO_NAME: "photo_name", PHOTO_NOTES: "photo_notes", TARGET: "target",
               STYLE: "style", STYLE_SOURCE: "style_source", STYLE_IMAGE: "style_image", OPTIONS: "options",
               GUIDE: "guide", SET_ASIDE: "set_aside", SETTINGS: "settings"}
#: The page caches made from a key of the work: dropped when that key changes.
CACHES = {PHOTO: (FAST_PREVIEW, STYLE_DETAIL), GUIDE: (EXPORTS, TIMELAPSE)}
# The keys kept in the session folder (everything else is derived or transient).
KEPT = {PHOTO, PHOTO_NAME, PHOTO_NOTES, TARGET, STYLE, STYLE_SOURCE, STYLE_IMAGE, OPTIONS, GUIDE}

SAMPLES = {"Astronaut": "astronaut", "Coffee": "coffee", "Cat": "chelsea"}


def get(key, default=None):
    return st.session_state.get(key, default)


def put(key: str, value) -> None:
    """Keep a page cache (:data:`EXPORTS`, :data:`TIMELAPSE`): the work itself changes through :func:`adopt`."""
    if key in WORK_FIELDS:
        raise ValueError(f"Expected a page cache key. Received: {key!r} (change the work through adopt())")
    st.session_state[key] = value


def current_work() -> workflow.Work:
    """The session's work, read from its keys."""
    present = {name: st.session_state[key] for key, name in WORK_FIELDS.items() if st.session_state.get(key) is not None}
    return workflow.Work(**present)


def adopt(work: workflow.Work, *, keep: bool = True) -> None:
    """Make ``work`` the session's: changed keys are written, the page caches made from them dropped,
    and (``keep``) the work kept in the session folder, the arrays only of what changed."""
    from pages import _persist

    changed = [key for key, name in WORK_FIELDS.items() if _differs(getattr(work, name), st.session_state.get(key))]
    for key in changed:
        for cache in CACHES.get(key, ()):
            st.session_state.pop(cache, None)
        value = getattr(work, WORK_FIELDS[key])
        if value is None:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value
    if keep and any(key in KEPT or key == SETTINGS for key in changed):
        _persist.save(*[key for key in changed if key in KEPT])


def _differs(new, old) -> bool:
    """Whether a work field changed: pictures and records by identity, plain values by value."""
    if new is None or old is None:
        return (new is None) != (old is None)
    if isinstance(new, str | tuple | dict | int | float):
        return new != old
    return new is not old


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


# --- the workflow's steps, as the pages ask for them ----------------------------------------------


def set_photo(pixels: np.ndarray, name: str, notes: tuple[str, ...] = ()) -> None:
    """A new photo: nothing made from the old one is kept (the controls' settings are)."""
    adopt(workflow.new_photo(pixels, name=name, notes=tuple(notes), settings=get(SETTINGS, {})))


def restyle(image: np.ndarray | None, *, record=None, source: dict | None = None, style_image=None) -> None:
    """A new stylised picture (None: back to the photo); the guide made from the old one goes."""
    adopt(workflow.restyle(current_work(), image, record=record, source=source, style_image=style_image))


def painting_target() -> np.ndarray:
    return current_work().painting_target


def ensure_guide(options: GuideOptions) -> None:
    """(Re)build the guide when the options or the target changed, with a progress bar."""
    from pages._widgets import running

    work = current_work()
    if workflow.guide_is_current(work, options):
        return
    with running() as on_progress:
        work = workflow.replan(work, options, on_progress=on_progress)
    adopt(work)


def set_value_levels(levels: int) -> None:
    """Redo only the value study and step 1 (palette, regions and brushstrokes stay as they are)."""
    adopt(workflow.with_value_levels(current_work(), levels))


def join_painting(painted, *, painted_for: str | None = None) -> bool:
    """Brushstrokes a job finished join the work if they were painted for its guide; False (and a
    notice) when the palette changed meanwhile."""
    try:
        adopt(workflow.join_painting(current_work(), painted, painted_for=painted_for))
    except workflow.StaleResult as exc:
        notify("warning", f"{exc} Paint them again on the Brushstrokes page.")
        return False
    return True


def open_work(work: workflow.Work, *, keep: bool = True) -> None:
    """Make a reopened project the session's work: what the session held before goes, widgets show its settings.

    ``keep=False`` when it came from the session's own folder (it is there already)."""
    for key in (*WORK_FIELDS, *{c for caches in CACHES.values() for c in caches}):
        st.session_state.pop(key, None)
    for key in list(st.session_state):  # widgets show the project's settings, not the previous ones
        if isinstance(key, str) and key in work.settings:
            del st.session_state[key]
    adopt(work, keep=keep)


def open_upload(data: bytes, name: str, max_side: int = 1024) -> bool:
    """A project file reopens its work; anything else is decoded as a photo. One-line error on bad input."""
    from assistant.project import is_project, load_project
    from pages._persist import reopen

    if not (name.lower().endswith(".project") or is_project(data)):
        return decode_upload(data, name, max_side)
    try:
        work = reopen(lambda: load_project(data), "Opening the project…")
    except ValueError as exc:  # ProjectError is a ValueError
        st.error(f"{name}: {str(exc).splitlines()[0]}")
        return False
    st.success(f"Opened {name}: {work.photo_name or 'photo'}"
               + (f", {len(work.guide.palette)} colours" if work.guide is not None else "")
               + (", brushstrokes" if work.painting is not None else "") + ".")
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
