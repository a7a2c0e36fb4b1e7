"""Painting Assistant: the Streamlit entry point (run: streamlit run app.py)."""

import streamlit as st

st.set_page_config(page_title="Painting Assistant", page_icon="🎨", layout="wide")

pages = [
    st.Page("pages/upload.py", title="1 · Upload", icon="📷", default=True),
    st.Page("pages/style.py", title="2 · Style", icon="🖌️"),
    st.Page("pages/palette.py", title="3 · Palette", icon="🎨"),
    st.Page("pages/steps.py", title="4 · Steps", icon="🪜"),
    st.Page("pages/strokes.py", title="5 · Brushstrokes", icon="✍️"),
    st.Page("pages/guide.py", title="6 · Guide", icon="📄"),
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
