"""Painting Assistant: the Streamlit entry point (run: streamlit run app.py)."""

import streamlit as st

st.set_page_config(page_title="Painting Assistant", page_icon="🎨", layout="wide")

pages = [
    st.Page("pages/upload.py", title="1 · Upload", icon=":material/photo_camera:", default=True),
    st.Page("pages/style.py", title="2 · Style", icon=":material/brush:"),
    st.Page("pages/palette.py", title="3 · Palette", icon=":material/palette:"),
    st.Page("pages/steps.py", title="4 · Steps", icon=":material/format_list_numbered:"),
    st.Page("pages/strokes.py", title="5 · Brushstrokes", icon=":material/gesture:"),
    st.Page("pages/guide.py", title="6 · Guide", icon=":material/description:"),
]
navigation = st.navigation(pages)

with st.sidebar:
    st.caption("Photo → palette → ordered steps → printable guide.")
    if st.session_state.get("photo_name"):
        st.write(f"Photo: **{st.session_state['photo_name']}**")
    guide = st.session_state.get("guide")
    if guide is not None:
        st.write(f"{len(guide.palette)} colours · {len(guide.steps)} steps")
        if guide.strokes is not None:
            st.write(f"{len(guide.strokes.painting.strokes)} brushstrokes · {len(guide.strokes.steps)} stroke steps")

navigation.run()
