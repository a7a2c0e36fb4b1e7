"""Step-by-step viewer."""

import streamlit as st

from pages import _state as state

st.title("Painting steps")
state.require(state.GUIDE, "Choose a palette first.", "pages/palette.py")
guide = state.get(state.GUIDE)

count = len(guide.steps)
number = st.slider("Step", 1, count, 1, key="steps_number") if count > 1 else 1
step = guide.steps[number - 1]
st.subheader(f"Step {step.index} of {count}: {step.title}")
st.write(step.instruction)
st.caption(f"Colours {', '.join(map(str, step.colors))} · {step.area:.1f}% of the canvas")
left, right = st.columns(2)
left.image(guide.step_highlights[number - 1], caption="New in this step", width="stretch")
right.image(guide.step_images[number - 1], caption="Canvas after this step", width="stretch")

with st.expander("All steps"):
    for s in guide.steps:
        st.markdown(f"**{s.index}. {s.title}** — {s.instruction}")
st.page_link("pages/strokes.py", label="Next: paint it with brushstrokes (optional)", icon="➡️")
st.page_link("pages/guide.py", label="Or go straight to the guide", icon="📄")
