"""Choose the number of paints and the medium; see swatches and the simplified picture."""

import streamlit as st

from assistant import GuideOptions
from assistant.palette import MAX_COLORS, MIN_COLORS
from assistant.steps import Medium
from pages import _state as state

st.title("Palette")
state.require(state.PHOTO, "Upload a photo first.", "pages/upload.py")

previous = state.get(state.OPTIONS) or GuideOptions()
left, middle, right = st.columns(3)
n_colors = left.slider("Number of paints", MIN_COLORS, MAX_COLORS, previous.n_colors, key="palette_n_colors",
                       help="How many different paint colours to mix; fewer is simpler, more keeps more detail")
media = list(Medium.choices())
medium = middle.selectbox("Medium", media, index=media.index(Medium.parse(previous.medium).value.label),
                          key="palette_medium",
                          help="Opaque paints go dark to light; watercolour goes light to dark and keeps the whites")
seed = right.number_input("Seed", 0, 2**31 - 1, previous.seed, key="palette_seed",
                          help="Another number gives a slightly different palette; the same number, the same guide")

options = GuideOptions(n_colors=n_colors, medium=medium, seed=int(seed), max_side=previous.max_side)
state.ensure_guide(options)
guide = state.get(state.GUIDE)

st.markdown(state.swatches_html(guide.palette), unsafe_allow_html=True)
a, b = st.columns(2)
a.image(guide.target, caption="Target", width="stretch")
b.image(guide.quantized, caption=f"With {len(guide.palette)} paints · {len(guide.regions)} regions", width="stretch")
with st.expander("Numbered outline"):
    st.image(guide.outline, width="stretch")
st.page_link("pages/steps.py", label="Next: the painting steps", icon="➡️")
