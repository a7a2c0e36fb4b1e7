"""Optional: repaint the target as an ordered list of real brushstrokes."""

import streamlit as st

from assistant.painter import PainterOptions
from assistant.renderer import RendererFileError
from assistant.stroke_guide import add_strokes, encode_gif, timelapse_frames
from pages import _state as state

st.title("Brushstrokes")
state.require(state.GUIDE, "Choose a palette first.", "pages/palette.py")
guide = state.get(state.GUIDE)
try:
    renderer = state.get_renderer()
except RendererFileError as exc:
    st.error(f"The stroke renderer cannot be loaded: {exc}")
    st.stop()
st.caption(
    f"Every stroke is one opaque paint from your palette. Strokes are placed coarse to fine and refined "
    f"with the {renderer.describe()}."
)

left, right = st.columns(2)
budget = left.slider("Stroke budget", 200, 3000, 1000, step=50, key="strokes_budget",
                     help="More strokes: more detail, and more painting time")
brush = right.slider("Brush size, % of the long side", 0.3, 40.0, (0.6, 30.0), step=0.1, key="strokes_brush",
                     help="Your smallest and largest brush, as a share of the picture's long side")
run, cancel = st.columns(2)
cancel.button("Cancel", key="strokes_cancel", help="Stops a running painting")
if run.button("Paint with brushstrokes", type="primary", key="strokes_run"):
    options = PainterOptions.from_brush_percent(budget, *brush)
    with state.running() as on_progress:
        guide = add_strokes(guide, options, renderer=renderer, on_progress=on_progress)
    state.put(state.GUIDE, guide)

plan = guide.strokes
if plan is None:
    st.info("No brushstrokes yet: choose a budget and press “Paint with brushstrokes”.")
    st.stop()

painting = plan.painting
before, after = st.columns(2)
before.image(guide.target, caption="Target", width="stretch")
after.image(painting.image, caption=f"{len(painting.strokes)} strokes in {len(painting.layers)} layers",
            width="stretch")
st.table(
    [
        {"layer": r.layer, "grid": f"{r.grid}×{r.grid}", "strokes": r.strokes,
         "brush (px)": f"{r.width_px[0]:.0f}–{r.width_px[1]:.0f}", "ΔE before": r.error_before,
         "ΔE placed": r.error_placed, "ΔE refined": r.error_after, "seconds": r.seconds}
        for r in painting.layers
    ]
)

cached = state.get(state.TIMELAPSE)
if cached is None or cached[0] != id(plan):
    with st.spinner("Making the time-lapse…"):
        cached = (id(plan), encode_gif(timelapse_frames(painting, guide.palette.rgb)))
    state.put(state.TIMELAPSE, cached)
st.image(cached[1], caption="Time-lapse, in painting order", width=420)

state.step_viewer(plan.steps, plan.images, plan.highlights, key="strokes_step", new_caption="Strokes of this step")
st.page_link("pages/guide.py", label="Next: download the guide", icon="➡️")
