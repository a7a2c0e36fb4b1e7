"""The value study first, then the step-by-step viewer."""


import streamlit as st

from pages import _panels as panels
from pages import _settings as prefs
from pages import _state as state
from pages import _widgets as ui

st.title("Painting steps")
ui.require(state.GUIDE, "Choose a palette first.", "pages/palette.py")
guide = state.get(state.GUIDE)
painting = panels.job("strokes")
locked = painting is not None and painting.running

with st.expander("Value study: start here", expanded=True):
    prefs.keep("steps_values", f"{guide.options.value_levels} values", choices=("3 values", "5 values"))
    levels = st.radio("Values", ("3 values", "5 values"), key="steps_values", horizontal=True, disabled=locked,
                      help="How many greys the study uses: 3 for the big shapes, 5 for more modelling")
    prefs.remember("steps_values")
    wanted = int(levels.split()[0])
    if wanted != guide.options.value_levels and not locked:
        state.set_value_levels(wanted)
        guide = state.get(state.GUIDE)
    values = guide.values
    left, right = st.columns(2)
    ui.picture(left, values.notan_image(), caption="Notan: the picture in 2 values", width="stretch")
    ui.picture(right, values.image(), caption=f"Value study: {values.levels} values", width="stretch")
    shares = " · ".join(f"value {k + 1}: {100 * v:.0f}%" for k, v in enumerate(values.shares()))
    st.caption(f"Squint: get these light and dark shapes right first. Darkest to lightest, share of the canvas: {shares}.")

step = ui.step_viewer(guide.steps, guide.steps.images, guide.steps.highlights, key="steps_number",
                         new_caption="New in this step")
if step.colors:
    st.caption(f"Colours {', '.join(map(str, step.colors))} · {step.area:.1f}% of the canvas"
               + (f" · brush: {step.brush}" if step.brush else ""))
    st.markdown(ui.step_mix_html(guide, step.colors), unsafe_allow_html=True)  # what to mix, beside the brush

with st.expander("All steps"):
    for s in guide.steps:
        st.markdown(f"**{s.index}. {s.title}** — {s.instruction}")
st.page_link("pages/strokes.py", label="Next: paint it with brushstrokes (optional)", icon="➡️")
st.page_link("pages/guide.py", label="Or go straight to the guide", icon="📄")
