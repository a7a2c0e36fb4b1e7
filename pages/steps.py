"""Step-by-step viewer."""

import streamlit as st

from pages import _state as state

st.title("Painting steps")
state.require(state.GUIDE, "Choose a palette first.", "pages/palette.py")
guide = state.get(state.GUIDE)

step = state.step_viewer(guide.steps, guide.steps.images, guide.steps.highlights, key="steps_number",
                         new_caption="New in this step")
st.caption(f"Colours {', '.join(map(str, step.colors))} · {step.area:.1f}% of the canvas")

with st.expander("All steps"):
    for s in guide.steps:
        st.markdown(f"**{s.index}. {s.title}** — {s.instruction}")
st.page_link("pages/strokes.py", label="Next: paint it with brushstrokes (optional)", icon="➡️")
st.page_link("pages/guide.py", label="Or go straight to the guide", icon="📄")
