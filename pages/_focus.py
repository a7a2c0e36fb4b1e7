"""The "Where the detail goes" controls: focal point and the painter's own circles on the photo."""

from __future__ import annotations

import numpy as np
import streamlit as st

from assistant.plan.focus import FOCUS_RADIUS, parse_focus
from pages import _settings as prefs

MODES = {"Faces and what stands out": "auto", "The same everywhere": "none", "My own focal point": "point"}
CLICKS = {"sets the focal point": "point", "keeps detail here": "keep", "simplifies here": "simplify"}
MARKS = "focus_marks"  # the painter's circles, [(x, y, radius, keep)], fractions of the photo
POINT = "focus_point"  # the painter's focal point (x, y, radius) or None
_SHOWN = 480  # px: the width the clickable photo is drawn at


def focus_controls(photo: np.ndarray, previous, *, locked: bool) -> dict:
    """Draw the section; returns the GuideOptions fields ``focus`` and ``marks``."""
    mode, point = parse_focus(previous.focus)
    st.session_state.setdefault(MARKS, [tuple(m) for m in previous.marks])
    st.session_state.setdefault(POINT, point)
    prefs.keep("focus_mode", next(k for k, v in MODES.items() if v == mode), choices=list(MODES))
    prefs.keep("focus_click", "keeps detail here", choices=list(CLICKS))
    prefs.keep("focus_radius", 8)
    with st.expander("Where the detail goes", expanded=False):
        chosen = st.radio("Most detail for", list(MODES), key="focus_mode", horizontal=True, disabled=locked,
                          help="Painters keep detail where the eye goes (a face) and simplify the rest into big shapes")
        left, right = st.columns([2, 1])
        right.radio("A click on the photo", list(CLICKS), key="focus_click", disabled=locked,
                    help="Click the photo to place your focal point, or to mark a circle to keep sharp or to simplify")
        right.slider("Circle size", 2, 40, key="focus_radius", format="%d%%", disabled=locked,
                     help="How big a circle a click marks, as a share of the photo's shorter side")
        if right.button("Clear my circles", disabled=locked or not st.session_state[MARKS],
                        help="Forget every circle you marked on this photo"):
            st.session_state[MARKS] = []
        with left:
            _clickable(photo, locked=locked)
        right.caption(f"{len(st.session_state[MARKS])} circle(s) marked. Green keeps detail, grey simplifies, "
                      "the ring is the focal point.")
    prefs.remember("focus_mode", "focus_click", "focus_radius")
    point = st.session_state[POINT]
    focus = MODES[chosen]
    if focus == "point":
        focus = f"{point[0]:.3f},{point[1]:.3f},{point[2]:.3f}" if point else "auto"
    return {"focus": focus, "marks": tuple(tuple(m) for m in st.session_state[MARKS])}


def _clickable(photo: np.ndarray, *, locked: bool) -> None:
    """The photo with the circles drawn on it; a click adds a circle or moves the focal point."""
    from streamlit_image_coordinates import streamlit_image_coordinates

    from assistant.images import to_uint8

    height, width = photo.shape[:2]
    shown = _drawn(to_uint8(photo), st.session_state[MARKS], st.session_state[POINT])
    click = streamlit_image_coordinates(shown, key="focus_photo", width=_SHOWN)
    if locked or not click or click.get("unix_time") == st.session_state.get("focus_last_click"):
        return
    st.session_state["focus_last_click"] = click.get("unix_time")
    scale = width / float(click.get("width") or _SHOWN)
    x = min(max(click["x"] * scale / width, 0.0), 1.0)
    y = min(max(click["y"] * scale / height, 0.0), 1.0)
    radius = st.session_state["focus_radius"] / 100.0
    what = CLICKS[st.session_state["focus_click"]]
    if what == "point":
        st.session_state[POINT] = (round(x, 3), round(y, 3), round(max(radius, FOCUS_RADIUS / 3), 3))
        st.session_state["focus_mode"] = "My own focal point"
    else:
        st.session_state[MARKS] = [*st.session_state[MARKS], (round(x, 3), round(y, 3), round(radius, 3),
                                                              what == "keep")][-200:]
    st.rerun()


def _drawn(image: np.ndarray, marks, point) -> np.ndarray:
    """The photo (uint8) with each circle outlined: green to keep, grey to simplify, a white ring for the focus."""
    import cv2

    height, width = image.shape[:2]
    scale = _SHOWN / width
    shown = cv2.resize(image, (_SHOWN, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    short = min(shown.shape[:2])
    for x, y, radius, keep in marks:
        colour = (40, 200, 60) if keep else (150, 150, 150)
        cv2.circle(shown, (round(x * _SHOWN), round(y * shown.shape[0])), max(2, round(radius * short)), colour, 2,
                   cv2.LINE_AA)
    if point:
        centre = (round(point[0] * _SHOWN), round(point[1] * shown.shape[0]))
        cv2.circle(shown, centre, max(3, round(point[2] * short)), (255, 255, 255), 3, cv2.LINE_AA)
        cv2.circle(shown, centre, max(3, round(point[2] * short)), (200, 30, 30), 1, cv2.LINE_AA)
    return shown
