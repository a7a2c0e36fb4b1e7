"""Optional: repaint the target as an ordered list of real brushstrokes (a background job)."""

import streamlit as st

from assistant.export.media import encode_gif
from assistant.jobs import strokes_request
from assistant.strokes.painter import PainterOptions
from assistant.strokes.plan import timelapse_frames
from assistant.strokes.renderer import RendererFileError
from pages import _panels as panels
from pages import _resources as res
from pages import _settings as prefs
from pages import _state as state
from pages import _widgets as ui

st.title("Brushstrokes")
ui.require(state.GUIDE, "Choose a palette first.", "pages/palette.py")
guide = state.get(state.GUIDE)
try:
    res.get_renderer()  # loaded once, shared; here only to say early when it cannot be
except RendererFileError as exc:
    st.error(f"The stroke renderer cannot be loaded: {exc}")
    st.stop()
st.caption(
    "Repaints your picture as real brushstrokes, each one paint from your palette: big brushes first for the "
    "masses, small ones last for the details, in the order you would paint them. "
    "(Each stroke's shape comes from a learned stroke renderer: a small network that learned how a round brush "
    "lays paint along a curve.)"
)

running = panels.busy()
locked = bool(running)
prefs.keep("strokes_budget", 1000)
prefs.keep("strokes_brush", (0.6, 30.0))
left, right = st.columns(2)
budget = left.slider("Stroke budget", 200, 3000, step=50, key="strokes_budget", disabled=locked,
                     help="More strokes: more detail, and more painting time")
brush = right.slider("Brush size, % of the long side", 0.3, 40.0, step=0.1, key="strokes_brush", disabled=locked,
                     help="Your smallest and largest brush, as a share of the picture's long side")
prefs.remember("strokes_budget", "strokes_brush")
options = PainterOptions.from_brush_percent(budget, *brush)

panels.job_panel("strokes")
if running and panels.job("strokes") is None:
    st.info(f"{running[0].label} is running; brushstrokes can be painted once it is done.")
if st.button("Paint with brushstrokes", type="primary", key="strokes_run", disabled=locked,
             help="A minute or two for 1000 strokes; you can visit other pages meanwhile"):
    panels.start_job("strokes", strokes_request(guide, options), label=f"Painting {budget} brushstrokes")
    st.rerun()


def show_plan(guide, plan, *, chosen: tuple, locked: bool) -> None:
    """The finished brushstroke painting: how it was made, layer table, time-lapse, step viewer.

    ``chosen`` is (budget, min brush %, max brush %) as the controls show them now.
    """
    painting = plan.painting
    made_with = (painting.options.n_strokes, round(painting.options.min_brush * 100, 1),
                 round(painting.options.max_brush * 100, 1))
    if made_with != chosen and not locked:
        st.warning(f"These strokes were painted with a budget of {made_with[0]} and brushes {made_with[1]}–"
                   f"{made_with[2]} %: press “Paint with brushstrokes” to use the settings above.")
    before, after = st.columns(2)
    ui.picture(before, guide.target, caption="Target", width="stretch")
    ui.picture(after, painting.image, caption=f"{len(painting.strokes)} strokes in {len(painting.layers)} layers",
                width="stretch")
    with st.expander("Layer by layer: brushes and how close each layer gets"):
        # Brush widths in millimetres on the real canvas; closeness as the colour difference left (ΔE00).
        mm = max(guide.canvas.width_mm, guide.canvas.height_mm) / max(max(painting.plan_size), 1)
        st.table([
            {"layer": r.layer, "strokes": r.strokes,
             "brush width on the canvas": f"{r.width_px[0] * mm:.0f}–{r.width_px[1] * mm:.0f} mm",
             "colour difference left (lower is closer)": f"{r.error_after:.1f}"}
            for r in painting.layers
        ])

    cached = state.get(state.TIMELAPSE)
    if cached is None or cached[0] != id(plan):
        with st.spinner("Making the time-lapse…"):
            cached = (id(plan), encode_gif(timelapse_frames(painting, guide.palette.rgb)))
        state.put(state.TIMELAPSE, cached)
    ui.picture(st, cached[1], caption="Time-lapse, in painting order", width=420)

    ui.step_viewer(plan.steps, plan.images, plan.highlights, key="strokes_step", new_caption="Strokes of this step")
    st.page_link("pages/guide.py", label="Next: download the guide", icon="➡️")


plan = guide.strokes
if plan is None and not locked:
    st.info("No brushstrokes yet: choose a budget and press “Paint with brushstrokes”.")
if plan is not None:
    show_plan(guide, plan, chosen=(budget, round(brush[0], 1), round(brush[1], 1)), locked=locked)
