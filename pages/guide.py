"""Download the printable guide (PDF), everything as a ZIP, plan.json and the project file."""

import streamlit as st

from assistant.export import plan_json, to_pdf, to_zip
from assistant.project import project_from_guide, save_project
from pages import _state as state

st.title("Your painting guide")
state.require(state.GUIDE, "Choose a palette first.", "pages/palette.py")
guide = state.get(state.GUIDE)

exports = state.get(state.EXPORTS)
if exports is None:
    with st.spinner("Preparing the PDF, ZIP and project file…"):
        pdf = to_pdf(guide)
        project = project_from_guide(guide, photo_name=state.get(state.PHOTO_NAME, ""),
                                     photo_notes=state.get(state.PHOTO_NOTES, ()),
                                     style_source=state.get(state.STYLE_SOURCE), style_image=state.get(state.STYLE_IMAGE),
                                     settings=state.get(state.SETTINGS, {}))
        exports = {"pdf": pdf, "zip": to_zip(guide, extra_files={"guide.pdf": pdf}), "json": plan_json(guide),
                   "project": save_project(project)}
    state.put(state.EXPORTS, exports)

summary = f"{len(guide.palette)} paints, {len(guide.steps)} steps, medium {guide.options.medium}, seed {guide.options.seed}."
if guide.strokes is not None:
    summary += (f" Brushstrokes: {len(guide.strokes.painting.strokes)} strokes in {len(guide.strokes.steps)} steps "
                "(pages in the PDF; painting.png, strokes.json and timelapse.gif in the ZIP).")
else:
    summary += " No brushstrokes yet (optional, on the Brushstrokes page)."
st.write(summary)
a, b, c, d = st.columns(4)
a.download_button("Download PDF guide", exports["pdf"], "painting-guide.pdf", "application/pdf", key="guide_pdf",
                  help="Print it: palette, numbered outline and every step")
b.download_button("Download ZIP (all images)", exports["zip"], "painting-guide.zip", "application/zip",
                  key="guide_zip", help="Every picture of the guide as a file, with the PDF")
c.download_button("Download plan.json", exports["json"], "plan.json", "application/json", key="guide_json",
                  help="The plan as data, for other programs")
d.download_button("Save project (guide.project)", exports["project"], "guide.project", "application/zip",
                  key="guide_project", help="Open it later on the Upload page to carry on exactly where you are")
st.image(guide.outline, caption="Numbered outline", width="stretch")
