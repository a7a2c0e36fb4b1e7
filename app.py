"""Painting Assistant: the Streamlit entry point (run: streamlit run app.py)."""

import streamlit as st

from pages import _panels as panels
from pages import _persist as persist
from pages import _state as state

st.set_page_config(page_title="Painting Assistant", page_icon="🎨", layout="wide")

pages = [
    st.Page("pages/upload.py", title="1 · Upload", icon=":material/photo_camera:", default=True),
    st.Page("pages/style.py", title="2 · Style", icon=":material/brush:"),
    st.Page("pages/palette.py", title="3 · Palette", icon=":material/palette:"),
    st.Page("pages/steps.py", title="4 · Steps", icon=":material/format_list_numbered:"),
    st.Page("pages/strokes.py", title="5 · Brushstrokes", icon=":material/gesture:"),
    st.Page("pages/guide.py", title="6 · Guide", icon=":material/description:"),
    st.Page("pages/check.py", title="7 · Check my canvas", icon=":material/fact_check:"),
]
navigation = st.navigation(pages)
persist.start_session()  # restores a reloaded session's work and collects finished background jobs
with st.container():  # always one element, so that a notice does not shift the page (an open expander stays open)
    state.show_notices()
panels.sidebar_jobs(navigation.title)


def sidebar_summary(slot) -> None:
    """What the session holds so far, in the sidebar."""
    with slot.container():
        st.caption("Photo → palette → ordered steps → printable guide.")
        if state.get(state.PHOTO_NAME):
            st.write(f"Photo: **{state.get(state.PHOTO_NAME)}**")
        if state.get(state.STYLE) is not None:
            st.write(f"Style: {state.get(state.STYLE).name}")
        guide = state.get(state.GUIDE)
        if guide is not None:
            st.write(f"{len(guide.palette)} colours · {len(guide.steps)} steps")
            if guide.strokes is not None:
                st.write(f"{len(guide.strokes.painting.strokes)} brushstrokes · {len(guide.strokes.steps)} stroke steps")
        st.caption("Your work is kept at this page's address for a day: bookmark it to come back.")


summary = st.sidebar.empty()
sidebar_summary(summary)  # drawn before the page (a page may stop early) …
try:
    navigation.run()
except Exception as exc:  # the error policy: one line for people, never a traceback (st.stop/rerun pass through)
    state.show_error(exc)
sidebar_summary(summary)  # … and again after it, so that it shows what the page just did
