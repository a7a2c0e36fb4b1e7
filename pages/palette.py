"""Choose the number of paints and the medium; see swatches and the simplified picture."""

import streamlit as st

from assistant import GuideOptions
from assistant.color.palette import MAX_COLORS, MIN_COLORS
from assistant.steps import Medium
from pages import _state as state

st.title("Palette")
state.require(state.PHOTO, "Upload a photo first.", "pages/upload.py")

previous = state.get(state.OPTIONS) or GuideOptions()
media = list(Medium.choices())
state.keep("palette_n_colors", previous.n_colors)
state.keep("palette_medium", Medium.parse(previous.medium).value.label, choices=media)
state.keep("palette_seed", previous.seed)
painting = state.job("strokes")
locked = painting is not None and painting.running
notice = st.empty()  # one element either way, so the page does not shift when a run starts or ends
if locked:
    notice.info("Brushstrokes are being painted with this palette: it stays as it is until they are done or cancelled.")
left, middle, right = st.columns(3)
n_colors = left.slider("Number of paints", MIN_COLORS, MAX_COLORS, key="palette_n_colors", disabled=locked,
                       help="How many different paint colours to mix; fewer is simpler, more keeps more detail")
medium = middle.selectbox("Medium", media, key="palette_medium", disabled=locked,
                          help="Opaque paints go dark to light; watercolour goes light to dark and keeps the whites")
seed = right.number_input("Seed", 0, 2**31 - 1, key="palette_seed", disabled=locked,
                          help="Another number gives a slightly different palette; the same number, the same guide")
state.remember("palette_n_colors", "palette_medium", "palette_seed")

if locked:
    guide = state.get(state.GUIDE)
else:
    options = GuideOptions(n_colors=n_colors, medium=medium, seed=int(seed), max_side=previous.max_side)
    if state.get(state.GUIDE) is not None and state.get(state.GUIDE).strokes is not None and state.get(state.OPTIONS) != options:
        st.warning("The palette changed, so the brushstrokes made with the old one were set aside: paint them again "
                   "on the Brushstrokes page, or set the palette back (a saved guide.project keeps them too).")
    state.ensure_guide(options)
    guide = state.get(state.GUIDE)

st.markdown(state.swatches_html(guide.palette), unsafe_allow_html=True)
a, b = st.columns(2)
a.image(guide.target, caption="Target", width="stretch")
b.image(guide.quantized, caption=f"With {len(guide.palette)} paints · {len(guide.regions)} regions", width="stretch")
with st.expander("Numbered outline"):
    st.image(guide.outline, width="stretch")
st.page_link("pages/steps.py", label="Next: the painting steps", icon="➡️")
