"""Download the printable guide (PDF), everything as a ZIP, and plan.json."""

import streamlit as st

from assistant.export import plan_json, to_pdf, to_zip
from pages import _state as state

st.title("Your painting guide")
state.require(state.GUIDE, "Choose a palette first.", "pages/palette.py")
guide = state.get(state.GUIDE)

exports = state.get(state.EXPORTS)
if exports is None:
    with st.spinner("Preparing the PDF and ZIP…"):
        pdf = to_pdf(guide)
        exports = {"pdf": pdf, "zip": to_zip(guide, extra_files={"guide.pdf": pdf}), "json": plan_json(guide)}
    state.put(state.EXPORTS, exports)

summary = f"{len(guide.palette)} paints, {len(guide.steps)} steps, medium {guide.options.medium}, seed {guide.options.seed}."
if guide.strokes is not None:
    summary += (f" Brushstrokes: {len(guide.strokes.painting.strokes)} strokes in {len(guide.strokes.steps)} steps "
                "(pages in the PDF; painting.png, strokes.json and timelapse.gif in the ZIP).")
else:
    summary += " No brushstrokes yet (optional, on the Brushstrokes page)."
st.write(summary)
a, b, c = st.columns(3)
a.download_button("Download PDF guide", exports["pdf"], "painting-guide.pdf", "application/pdf", key="guide_pdf")
b.download_button("Download ZIP (all images)", exports["zip"], "painting-guide.zip", "application/zip", key="guide_zip")
c.download_button("Download plan.json", exports["json"], "plan.json", "application/json", key="guide_json")
st.image(guide.outline, caption="Numbered outline", width="stretch")
