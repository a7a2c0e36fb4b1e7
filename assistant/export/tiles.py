"""Real-size printing of the outline: tiles over A4 or Letter pages, or one big page.

``print/outline_tiles.pdf``: a first page shows how the tiles fit together; then one
page per tile with the outline at 1:1, the overlap with the neighbours shaded, crop
marks at the tile's corners, registration marks (a circle and cross) in each overlap
that land on the same spot of both neighbours, the sheet's name (row-column, "1-2")
and its neighbours' names, and a 10 cm scale bar to check the printer did not
rescale. ``print/outline_full.pdf`` is the same outline on one page the size of the
canvas plus a margin, for a print shop. Everything is vector: sharp at any size.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .. import __version__
from ..canvas import Canvas
from ..pipeline import Guide
from .outline import OutlineDrawing, grid_label, grid_lines, outline_drawing

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["PAPERS", "TileLayout", "draw_grid", "draw_outline", "full_size_pdf", "paragraph", "stroke_polyline", "tile_layout", "tiles_pdf"]

#: Paper sizes, portrait, in mm.
PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
#: Unprinted margin all round, the band above the tile (names) and below it (scale bar).
MARGIN, HEADER, FOOTER = 8.0, 8.0, 14.0
#: How far neighbouring tiles overlap, for glueing and lining up.
OVERLAP = 10.0
#: How far the sheet's header keeps from the crop marks at the tile's top corners (mm).
CROP_CLEAR = 3.0
SCALE_BAR_MM = 100.0


@dataclass(frozen=True)
class TileLayout:
    """How a canvas is cut into pages: ``rows`` × ``cols`` tiles of ``tile_w`` × ``tile_h`` mm."""

    paper: str
    page_w: float
    page_h: float
    tile_w: float
    tile_h: float
    rows: int
    cols: int

    @property
    def count(self) -> int:
        return self.rows * self.cols

    def origin(self, row: int, col: int) -> tuple[float, float]:
        """Canvas position (mm) of a tile's top-left corner."""
        return col * (self.tile_w - OVERLAP), row * (self.tile_h - OVERLAP)

    def name(self, row: int, col: int) -> str:
        """``"2-3"``: row 2, column 3 (numbers, so they never look like the drawing grid's "B3")."""
        return f"{row + 1}-{col + 1}"


def _check_paper(paper: str) -> str:
    key = str(paper).strip().lower()
    if key not in PAPERS:
        raise ValueError(f"Expected paper 'a4' or 'letter'. Received: paper={paper!r}")
    return key


def tile_layout(canvas: Canvas, paper: str = "a4") -> TileLayout:
    """The fewest pages of ``paper`` (portrait or landscape, portrait on a tie) that cover the canvas."""
    paper = _check_paper(paper)
    layouts = []
    for page_w, page_h in (PAPERS[paper], PAPERS[paper][::-1]):
        tile_w = page_w - 2 * MARGIN
        tile_h = page_h - 2 * MARGIN - HEADER - FOOTER
        cols = max(1, math.ceil((canvas.width_mm - OVERLAP) / (tile_w - OVERLAP)))
        rows = max(1, math.ceil((canvas.height_mm - OVERLAP) / (tile_h - OVERLAP)))
        layouts.append(TileLayout(paper, page_w, page_h, tile_w, tile_h, rows, cols))
    return min(layouts, key=lambda layout: layout.count)  # the first of the fewest: portrait on a tie


def _new_pdf(title: str) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(_dt.datetime(2020, 1, 1, tzinfo=_dt.UTC))
    pdf.set_title(title)
    pdf.set_creator(f"Painting Assistant {__version__}")
    pdf.set_auto_page_break(auto=False)
    return pdf


def draw_outline(pdf: FPDF, drawing: OutlineDrawing, x: float, y: float, scale: float = 1.0, *,
                 grid: bool = False, window: tuple[float, float, float, float] | None = None,
                 sheets: Sequence[tuple[float, float, float, float]] = ()) -> None:
    """Draw the outline with its top-left canvas corner at page ``(x, y)``, ``scale`` page mm per canvas mm.

    ``window`` = ``(x0, y0, x1, y1)`` in canvas mm: only paths and numbers that reach it are drawn. ``sheets``: the
    windows of every sheet the outline is printed on (overlapping): a number cut by this window's edge is left to
    the sheet that holds it whole (a painter found "6" and "8" cut in half along a sheet's top).
    """
    x0, y0, x1, y1 = window or (0.0, 0.0, drawing.width_mm, drawing.height_mm)
    pdf.set_draw_color(90, 90, 90)
    pdf.set_line_width(max(0.12, 0.25 * scale if scale < 1 else 0.25))
    for path in drawing.paths:
        if path[:, 0].max() < x0 or path[:, 0].min() > x1 or path[:, 1].max() < y0 or path[:, 1].min() > y1:
            continue
        stroke_polyline(pdf, path, x, y, scale)
    pdf.set_text_color(60, 60, 60)
    for nx, ny, size, text in drawing.numbers:
        if not (x0 - 10 <= nx <= x1 + 10 and y0 - 10 <= ny <= y1 + 10):
            continue
        height = max(1.2, size * scale) if scale < 1 else size
        pdf.set_font("helvetica", "", height / 0.72 / 0.3528)  # digit height → font size in pt
        width = pdf.get_string_width(text)
        box = (nx - width / 2 / scale, ny - height / 2 / scale, nx + width / 2 / scale, ny + height / 2 / scale)
        if sheets and not _holds((x0, y0, x1, y1), box) and any(_holds(sheet, box) for sheet in sheets):
            continue
        pdf.text(x + nx * scale - width / 2, y + ny * scale + height / 2, text)
    if grid:
        draw_grid(pdf, drawing.canvas, x, y, scale)


def _holds(window: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    """True when ``box`` lies wholly inside ``window`` (both ``(x0, y0, x1, y1)``)."""
    return window[0] <= box[0] and window[1] <= box[1] and box[2] <= window[2] and box[3] <= window[3]


def stroke_polyline(pdf: FPDF, path: np.ndarray, x: float, y: float, scale: float) -> None:
    """Stroke the ``(n, 2)`` mm points of ``path``, placed at page ``(x, y)`` and scaled: the very bytes
    ``pdf.polyline(points, style="D")`` writes, given to the page at once. fpdf adds the page content a point at a
    time (about 80 000 calls for the outlines of one guide: a fifth of a second); the coordinates are worked out
    for the whole path in the same float64 steps, so the numbers are the same."""
    xs = ((x + path[:, 0] * scale) * pdf.k).tolist()
    ys = ((pdf.h - (y + path[:, 1] * scale)) * pdf.k).tolist()
    if not xs:
        return
    lines = [f"{xs[0]:.2f} {ys[0]:.2f} m"] + [f"{px:.2f} {py:.2f} l" for px, py in zip(xs[1:], ys[1:])]
    pdf._out("\n".join(lines))  # fpdf's own writer: the same content polyline() makes, line by line
    pdf._out(" S")


def paragraph(pdf: FPDF, w: float, h: float, text: str) -> None:
    """``pdf.multi_cell(w, h, text)`` moving to the next line: a text that fits on one line goes to ``cell``,
    which writes the very same bytes without fpdf's line breaking (it measures the line again for every character
    it adds: a fifth of a second for the mixing lists of one guide)."""
    room = (w if w > 0 else pdf.w - pdf.r_margin - pdf.x) - 2 * pdf.c_margin
    if "\n" not in text and pdf.get_string_width(text) < room - 0.01:
        pdf.cell(w, h, text, new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(w, h, text, new_x="LMARGIN", new_y="NEXT")


def draw_grid(pdf: FPDF, canvas: Canvas, x: float, y: float, scale: float) -> None:
    """The grid-method lines (every 5 cm or 2 in), lettered columns and numbered rows, over a drawing of the canvas."""
    xs, ys = grid_lines(canvas)
    pdf.set_draw_color(61, 124, 201)
    pdf.set_text_color(61, 124, 201)
    pdf.set_line_width(0.3)
    w, h = canvas.width_mm * scale, canvas.height_mm * scale
    for gx in xs:
        pdf.line(x + gx * scale, y, x + gx * scale, y + h)
    for gy in ys:
        pdf.line(x, y + gy * scale, x + w, y + gy * scale)
    size = max(2.0, min(5.0, 40 * scale))
    pdf.set_font("helvetica", "B", size / 0.3528)
    edges_x, edges_y = [0.0, *xs, canvas.width_mm], [0.0, *ys, canvas.height_mm]
    for k in range(len(edges_x) - 1):
        label = grid_label(column=k)
        cx = x + (edges_x[k] + edges_x[k + 1]) / 2 * scale
        pdf.text(cx - pdf.get_string_width(label) / 2, y + size * 1.1, label)
    for k in range(len(edges_y) - 1):
        label = grid_label(row=k)
        pdf.text(x + size * 0.4, y + (edges_y[k] + edges_y[k + 1]) / 2 * scale + size / 3, label)


def colour_key(pdf: FPDF, guide: Guide, x: float, y: float, width: float, *, draw: bool = True) -> float:
    """The numbers' key, "Colours: [swatch] 1 black  [swatch] 2 dark brown …", in rows within ``width`` mm from
    ``(x, y)``; returns its height in mm (``draw=False``: only measures). An outline printed alone still tells the
    painter which colour each number is."""
    pdf.set_font("helvetica", "B", 8)
    label = "Colours:"
    room = width - pdf.get_string_width(label) - 2
    start = x + width - room
    if draw:
        pdf.set_text_color(0, 0, 0)
        pdf.text(x, y + 3.2, label)
    pdf.set_font("helvetica", "", 8)
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.15)
    cx, row = start, 0
    for color in guide.palette:
        text = f"{color.index} {color.name}"  # our own colour words: plain ASCII
        item = 5 + pdf.get_string_width(text) + 4
        if cx > start and cx + item > start + room:
            cx, row = start, row + 1
        if draw:
            pdf.set_fill_color(*color.rgb)
            pdf.rect(cx, y + row * 5 + 0.6, 3.6, 3.6, style="DF")
            pdf.text(cx + 5, y + row * 5 + 3.2, text)
        cx += item
    return (row + 1) * 5.0


def _scale_bar(pdf: FPDF, x: float, y: float) -> None:
    """A 100 mm bar, black and white centimetres, with its caption under it."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    for cm in range(10):
        pdf.set_fill_color(*((0, 0, 0) if cm % 2 == 0 else (255, 255, 255)))
        pdf.rect(x + cm * 10, y, 10, 3, style="DF")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("helvetica", "", 7)
    pdf.text(x, y + 6.5, "This bar must measure exactly 10 cm. If not, print again at 100 % (Actual size).")


def _crop_mark(pdf: FPDF, x: float, y: float, dx: int, dy: int) -> None:
    """An L of two 5 mm lines just outside a corner; ``dx``/``dy`` point away from the tile."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.line(x + dx * 1.5, y, x + dx * 6.5, y)
    pdf.line(x, y + dy * 1.5, x, y + dy * 6.5)


def _registration_mark(pdf: FPDF, x: float, y: float) -> None:
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.circle(x, y, 2.2, style="D")
    pdf.line(x - 3.5, y, x + 3.5, y)
    pdf.line(x, y - 3.5, x, y + 3.5)


#: How far a registration mark reaches from its centre (the cross's arms, 3.5 mm), plus a margin: no region number
#: may lie within it. A helvetica digit is 0.556 of the font size wide, and the font size is 1/0.72 of a digit's
#: height (:func:`draw_outline`).
MARK_CLEAR, DIGIT_WIDTH = 6.0, 0.556 / 0.72
#: How far a mark may slide along its strip from the middle, in steps of ``MARK_STEP`` mm, keeping this far from
#: the strip's ends (the crop marks and the other strip).
MARK_STEP, MARK_END = 3.0, 12.0


def _registration_points(layout: TileLayout, canvas: Canvas,
                         numbers: Sequence[tuple[float, float, float, str]] = ()) -> list[tuple[float, float]]:
    """Canvas points (mm) in every overlap strip between two tiles: the middle of the strip, or the nearest point
    along it whose mark covers no region number of ``numbers`` (a painter could not read a "6" under the circled
    cross, nor tell it from the mark)."""
    points = []
    for row in range(layout.rows):
        for col in range(layout.cols):
            ox, oy = layout.origin(row, col)
            right = min(ox + layout.tile_w, canvas.width_mm)
            bottom = min(oy + layout.tile_h, canvas.height_mm)
            if col + 1 < layout.cols:
                points.append(_clear_along((right - OVERLAP / 2, (oy + bottom) / 2), 1, oy, bottom, numbers))
            if row + 1 < layout.rows:
                points.append(_clear_along(((ox + right) / 2, bottom - OVERLAP / 2), 0, ox, right, numbers))
    return points


def _clear_along(middle: tuple[float, float], axis: int, start: float, end: float,
                 numbers: Sequence[tuple[float, float, float, str]]) -> tuple[float, float]:
    """The point nearest ``middle`` along ``axis`` (0: x, 1: y) within ``[start, end]`` (every :data:`MARK_STEP` mm,
    at least :data:`MARK_END` from either end) whose mark covers no number; ``middle`` when there is none."""
    reach = max(0.0, (end - start) / 2 - MARK_END)
    for step in range(int(reach // MARK_STEP) + 1):
        for offset in ((0.0,) if step == 0 else (-step * MARK_STEP, step * MARK_STEP)):
            point = (middle[0] + offset, middle[1]) if axis == 0 else (middle[0], middle[1] + offset)
            if not _covers_number(point, numbers):
                return point
    return middle


def _covers_number(point: tuple[float, float], numbers: Sequence[tuple[float, float, float, str]]) -> bool:
    """True when a registration mark at ``point`` comes within :data:`MARK_CLEAR` mm of a number's box."""
    for nx, ny, size, text in numbers:
        dx = max(abs(nx - point[0]) - len(text) * DIGIT_WIDTH * size / 2, 0.0)
        dy = max(abs(ny - point[1]) - size / 2, 0.0)
        if math.hypot(dx, dy) < MARK_CLEAR:
            return True
    return False


def tiles_pdf(guide: Guide, *, paper: str = "a4", grid: bool = False) -> bytes:
    """``outline_tiles.pdf``: the outline at 1:1 on ``paper`` tiles (see module docstring)."""
    drawing = outline_drawing(guide)
    canvas = drawing.canvas
    layout = tile_layout(canvas, paper)
    pdf = _new_pdf(f"Outline at real size, {canvas.label}")
    _overview_page(pdf, drawing, layout, guide)
    marks = _registration_points(layout, canvas, drawing.numbers)
    for row in range(layout.rows):
        for col in range(layout.cols):
            _tile_page(pdf, drawing, layout, row, col, marks, grid=grid)
    return bytes(pdf.output())


def _overview_page(pdf: FPDF, drawing: OutlineDrawing, layout: TileLayout, guide: Guide) -> None:
    canvas = drawing.canvas
    page_w, page_h = PAPERS[layout.paper]
    pdf.add_page(format=(page_w, page_h))
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("helvetica", "B", 16)
    pdf.text(15, 20, f"Real-size outline: {canvas.label} canvas")
    pdf.set_font("helvetica", "", 10)
    lines = [
        f"{layout.count} pages ({layout.rows} rows x {layout.cols} columns) of {layout.paper.upper()} paper. "
        "Print at 100 % / Actual size - never 'fit to page'.",
        "Check the 10 cm bar on each page with a ruler. Trim every sheet along its crop marks. The grey strip at "
        "a sheet's right and bottom is what the next sheet also prints: lay each sheet over the grey strips of the "
        "sheets to its left and above it, so the circled crosses match, and tape.",
        "Then transfer the lines to the canvas with graphite or carbon paper, or a light box.",
    ]
    pdf.set_left_margin(15)
    pdf.set_xy(15, 25)
    for text in lines:
        paragraph(pdf, page_w - 30, 5, text)
    top = pdf.get_y() + 6
    key = colour_key(pdf, guide, 15, 0, page_w - 30, draw=False)
    scale = min((page_w - 30) / canvas.width_mm, (page_h - top - 30 - key - 4) / canvas.height_mm)
    draw_outline(pdf, drawing, 15, top, scale)
    pdf.set_draw_color(200, 30, 120)
    pdf.set_text_color(200, 30, 120)
    pdf.set_line_width(0.4)
    pdf.set_font("helvetica", "B", 11)
    for row in range(layout.rows):
        for col in range(layout.cols):
            ox, oy = layout.origin(row, col)
            w = min(layout.tile_w, canvas.width_mm - ox)
            h = min(layout.tile_h, canvas.height_mm - oy)
            pdf.rect(15 + ox * scale, top + oy * scale, w * scale, h * scale)
            name = layout.name(row, col)
            # On a white patch: among the outline's own numbers "1-2" was easy to misread.
            nx, ny, nw = 15 + (ox + w / 2) * scale, top + (oy + h / 2) * scale, pdf.get_string_width(name)
            pdf.set_fill_color(255, 255, 255)
            pdf.rect(nx - nw / 2 - 1.2, ny - 4.6, nw + 2.4, 6.0, style="DF")
            pdf.text(nx - nw / 2, ny, name)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("helvetica", "", 9)
    pdf.text(15, top + canvas.height_mm * scale + 6, "Pink: the sheets, named row-column (1-2 = row 1, column 2).")
    colour_key(pdf, guide, 15, top + canvas.height_mm * scale + 9, page_w - 30)
    _scale_bar(pdf, 15, page_h - MARGIN - 10)


def _tile_page(pdf: FPDF, drawing: OutlineDrawing, layout: TileLayout, row: int, col: int,
               marks: list[tuple[float, float]], *, grid: bool) -> None:
    canvas = drawing.canvas
    pdf.add_page(format=(layout.page_w, layout.page_h))
    ox, oy = layout.origin(row, col)
    w = min(layout.tile_w, canvas.width_mm - ox)
    h = min(layout.tile_h, canvas.height_mm - oy)
    left, top = MARGIN, MARGIN + HEADER
    # Neighbours' overlap strips (right and bottom) are shaded: the next page is laid over them.
    pdf.set_fill_color(228, 228, 228)
    if col + 1 < layout.cols:
        pdf.rect(left + w - OVERLAP, top, OVERLAP, h, style="F")
    if row + 1 < layout.rows:
        pdf.rect(left, top + h - OVERLAP, w, OVERLAP, style="F")
    sheets = [(sx, sy, min(sx + layout.tile_w, canvas.width_mm), min(sy + layout.tile_h, canvas.height_mm))
              for sx, sy in (layout.origin(r, c) for r in range(layout.rows) for c in range(layout.cols))]
    with pdf.rect_clip(left, top, w, h):
        draw_outline(pdf, drawing, left - ox, top - oy, 1.0, grid=grid, window=(ox, oy, ox + w, oy + h),
                     sheets=sheets)
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.15)
    pdf.rect(left, top, w, h)
    for cx, cy in marks:
        if ox <= cx <= ox + w and oy <= cy <= oy + h:
            _registration_mark(pdf, left + cx - ox, top + cy - oy)
    for (x, y, dx, dy) in ((left, top, -1, -1), (left + w, top, 1, -1), (left, top + h, -1, 1), (left + w, top + h, 1, 1)):
        _crop_mark(pdf, x, y, dx, dy)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("helvetica", "B", 12)
    name = layout.name(row, col)
    # Between the crop marks at the tile's top corners, which a painter cuts along (they struck the "S" of "Sheet").
    start, end = left + CROP_CLEAR, left + w - CROP_CLEAR
    pdf.text(start, MARGIN + 4.5, f"Sheet {name}")
    details_x = start + pdf.get_string_width(f"Sheet {name}") + 4
    around = []
    if row > 0:
        around.append(f"above: {layout.name(row - 1, col)}")
    if row + 1 < layout.rows:
        around.append(f"below: {layout.name(row + 1, col)}")
    if col > 0:
        around.append(f"left: {layout.name(row, col - 1)}")
    if col + 1 < layout.cols:
        around.append(f"right: {layout.name(row, col + 1)}")
    where = f"canvas {ox / 10:.1f}-{(ox + w) / 10:.1f} cm across, {oy / 10:.1f}-{(oy + h) / 10:.1f} cm down"
    sheet = f"{canvas.label} canvas, row {row + 1} of {layout.rows}, column {col + 1} of {layout.cols}"
    neighbours = ", ".join(around)
    # The longest that fits before the right crop mark: smaller type first, then fewer words (a narrow last sheet).
    wordings = [" - ".join(p for p in (sheet, where, neighbours) if p), " - ".join(p for p in (sheet, neighbours) if p),
                sheet, f"row {row + 1}, column {col + 1}"]
    for text, size in ((text, size) for text in wordings for size in (8, 7, 6)):
        pdf.set_font("helvetica", "", size)
        if pdf.get_string_width(text) <= end - details_x:
            break
    pdf.text(details_x, MARGIN + 4.5, text)
    _scale_bar(pdf, left, top + h + 4)


def full_size_pdf(guide: Guide, *, grid: bool = False) -> bytes:
    """``outline_full.pdf``: one page the canvas's size plus a margin, the outline at 1:1."""
    drawing = outline_drawing(guide)
    canvas = drawing.canvas
    margin = 10.0
    pdf = _new_pdf(f"Outline at real size, {canvas.label}")
    key = colour_key(pdf, guide, margin, 0, canvas.width_mm, draw=False)
    footer = 15.0 + key + 2
    pdf.add_page(format=(canvas.width_mm + 2 * margin, canvas.height_mm + 2 * margin + footer))
    draw_outline(pdf, drawing, margin, margin, 1.0, grid=grid)
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.15)
    pdf.rect(margin, margin, canvas.width_mm, canvas.height_mm)
    for (x, y, dx, dy) in ((margin, margin, -1, -1), (margin + canvas.width_mm, margin, 1, -1),
                           (margin, margin + canvas.height_mm, -1, 1),
                           (margin + canvas.width_mm, margin + canvas.height_mm, 1, 1)):
        _crop_mark(pdf, x, y, dx, dy)
    _scale_bar(pdf, margin, margin + canvas.height_mm + 5)
    colour_key(pdf, guide, margin, margin + canvas.height_mm + 15, canvas.width_mm)
    return bytes(pdf.output())
