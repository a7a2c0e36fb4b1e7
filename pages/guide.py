"""Download the printable guide (PDF), the real-size outline, everything as a ZIP, plan.json and the project file."""

import streamlit as st

from assistant.export import outline_files, plan_json, to_pdf, to_zip
from assistant.export.tiles import tile_layout
from assistant.project import save_project
from assistant.work import to_project
from pages import _settings as prefs
from pages import _state as state
from pages import _widgets as ui

st.title("Your painting guide")
ui.require(state.GUIDE, "Choose a palette first.", "pages/palette.py")
guide = state.get(state.GUIDE)

downloads = st.container()  # filled once the print settings below are known
st.subheader("Real-size outline")
left, right = st.columns(2)
prefs.keep("guide_paper", "A4", choices=("A4", "Letter"))
prefs.keep("guide_grid", False)
paper = left.radio("Paper in your printer", ("A4", "Letter"), key="guide_paper", horizontal=True,
                   help="The real-size outline is printed in pieces on this paper and taped together")
grid = right.toggle("Add a drawing grid", key="guide_grid",
                    help="Lines every 5 cm (2 in on an inch canvas), lettered the same on the reference picture "
                         "and the outline, for drawing freehand")
prefs.remember("guide_paper", "guide_grid")
wanted = (paper.lower(), bool(grid))

exports = state.get(state.EXPORTS)
if exports is None or exports.get("print") != wanted:
    with st.spinner("Preparing the PDF, the real-size outline, the ZIP and the project file…"):
        pdf = to_pdf(guide, grid=wanted[1])
        outlines = outline_files(guide, paper=wanted[0], grid=wanted[1])
        project = to_project(state.current_work(), with_plan=True)
        exports = {"pdf": pdf, "zip": to_zip(guide, extra_files={"guide.pdf": pdf}, outlines=outlines),
                   "json": plan_json(guide), "project": save_project(project), "outlines": outlines, "print": wanted}
    state.put(state.EXPORTS, exports)

layout = tile_layout(guide.canvas, wanted[0])
st.write(f"For your {guide.canvas.label} canvas: {layout.count} {paper} pages ({layout.rows} × {layout.cols}), "
         "printed at 100 % (Actual size). Each page has a 10 cm bar to check the scale; the first page shows how "
         "they fit together.")
e, f, g = st.columns(3)
outlines = exports["outlines"]
e.download_button(f"Download outline on {paper} pages", outlines["print/outline_tiles.pdf"], "outline_tiles.pdf",
                  "application/pdf", key="guide_tiles", help="Print at actual size, trim, tape together, then trace")
f.download_button("Download outline, one big page", outlines["print/outline_full.pdf"], "outline_full.pdf",
                  "application/pdf", key="guide_full", help="For a print shop: one sheet the size of your canvas")
g.download_button("Download outline.svg", outlines["outline.svg"], "outline.svg", "image/svg+xml", key="guide_svg",
                  help="The outline as a drawing at real size; opens in Inkscape or a browser")
ui.picture(st, guide.outline, caption="Numbered outline (reduced)", width="stretch")

summary = (f"{guide.canvas.label} canvas, {len(guide.palette)} colours, {len(guide.steps)} steps, "
           f"medium {guide.options.medium}, variation {guide.options.seed}.")
if guide.strokes is not None:
    summary += (f" Brushstrokes: {len(guide.strokes.painting.strokes)} strokes in {len(guide.strokes.steps)} steps "
                "(pages in the PDF; painting.png, strokes.json and timelapse.gif in the ZIP).")
else:
    summary += " No brushstrokes yet (optional, on the Brushstrokes page)."
downloads.write(summary)
a, b, c, d = downloads.columns(4)
a.download_button("Download PDF guide", exports["pdf"], "painting-guide.pdf", "application/pdf", key="guide_pdf",
                  help="Print it: values, palette and recipes, every step and the numbered outline")
b.download_button("Download ZIP (all files)", exports["zip"], "painting-guide.zip", "application/zip",
                  key="guide_zip", help="Every picture of the guide as a file, with the PDF and the real-size outline")
c.download_button("Download plan.json", exports["json"], "plan.json", "application/json", key="guide_json",
                  help="The plan as data, for other programs")
d.download_button("Save project (guide.project)", exports["project"], "guide.project", "application/zip",
                  key="guide_project", help="Open it later on the Upload page to carry on exactly where you are")
