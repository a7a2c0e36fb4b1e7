"""Upload a photo (or pick a sample), or open a saved project."""

import streamlit as st

from pages import _panels as panels
from pages import _resources as res
from pages import _state as state
from pages import _widgets as ui

st.title("Upload a photo")
st.write("Any JPEG, PNG, WebP, GIF, TIFF or BMP photo; large photos are scaled to a working size. "
         "Or open a `guide.project` file you saved earlier to carry on where you left off.")

running = panels.busy()
notice = st.empty()  # one element either way, so the page does not shift when a run starts or ends
if running:
    notice.info(f"{running[0].label} is running: wait for it or cancel it (sidebar) before changing the photo.")
uploaded = st.file_uploader("Your photo or project file", key="upload_file", disabled=bool(running),
                            help="A photo to paint, or a guide.project saved from the Guide page")
if uploaded is not None and uploaded.file_id != st.session_state.get("upload_file_id"):
    st.session_state["upload_file_id"] = uploaded.file_id
    state.open_upload(uploaded.getvalue(), uploaded.name)

st.write("…or try a sample photo:")
columns = st.columns(len(state.SAMPLES))
for column, (label, name) in zip(columns, state.SAMPLES.items()):
    if column.button(label, key=f"upload_sample_{name}", width="stretch", disabled=bool(running),
                     help=f"A real photo to try the app with ({label.lower()})"):
        state.set_photo(res.sample_photo(name), f"sample: {label}")

photo = state.get(state.PHOTO)
if photo is not None:
    # In a column, not 480 px wide: on a 390 px phone the columns stack and the photo fits the screen.
    shown, _ = st.columns([2, 1])
    ui.picture(shown, photo, caption=f"{state.get(state.PHOTO_NAME)} · {photo.shape[1]}×{photo.shape[0]} px",
               width="stretch")
    for note in state.get(state.PHOTO_NOTES, ()):
        st.caption(f"ℹ️ {note}")
    st.page_link("pages/style.py", label="Next: pick a brushstroke style (or skip it)", icon="➡️")
