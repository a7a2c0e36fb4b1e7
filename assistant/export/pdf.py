"""The printable A4 guide: cover, palette and recipes, a page per step, brushstrokes, outline."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .. import __version__
from ..images import encode_jpeg
from ..pipeline import Guide
from .tiles import paragraph

if TYPE_CHECKING:
    from ..color.mixing import Recipe, Tint
    from ..color.paints import Paint
    from ..strokes.painter import LayerReport
    from ..strokes.plan import StrokePlan, StrokeStep

__all__ = ["Placed", "layout_pdf", "to_pdf"]


def _latin1(text: str) -> str:
    """The PDF core fonts speak Latin-1; map the few typographic characters we use."""
    table = {"–": "-", "—": "-", "’": "'", "“": '"', "”": '"', "…": "...", "→": "->", "Δ": "d"}
    text = "".join(table.get(ch, ch) for ch in text)
    return text.encode("latin-1", "replace").decode("latin-1")


#: The lowest point (mm from the top of the A4 page) that text and pictures reach: the bottom margin.
_BOTTOM = 282.0
#: The height of a one-line picture caption, and the gap above it.
_CAPTION, _CAPTION_GAP = 4.5, 0.8


@dataclass(frozen=True)
class Placed:
    """Where a picture (or drawing) went: page number, top-left corner, size in mm, and its caption."""

    page: int
    x: float
    y: float
    w: float
    h: float
    caption: str

    @property
    def bottom(self) -> float:
        """The first free y below the picture and its caption."""
        return self.y + self.h + _CAPTION_GAP + _CAPTION


class _GuidePdf:
    """An A4 page writer with the guide's few text and picture styles.

    It keeps a record of what it placed, for the tests: ``pictures`` (every picture with its caption)
    and ``palette_rows`` (``(page, y, colour number)`` of each palette row).
    """

    margin = 15.0
    usable = 210.0 - 2 * 15.0

    def __init__(self, title: str) -> None:
        from fpdf import FPDF

        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_creation_date(_dt.datetime(2020, 1, 1, tzinfo=_dt.UTC))
        pdf.set_title(_latin1(title))
        pdf.set_creator(f"Painting Assistant {__version__}")
        pdf.set_auto_page_break(auto=True, margin=297.0 - _BOTTOM)
        self.pdf = pdf
        self.pictures: list[Placed] = []
        self.palette_rows: list[tuple[int, float, int]] = []

    def heading(self, text: str, size: int = 18) -> None:
        self.pdf.set_text_color(0, 0, 0)
        self.pdf.set_font("helvetica", "B", size)
        self.pdf.cell(0, 10, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def body(self, text: str, size: int = 11) -> None:
        self.pdf.set_text_color(0, 0, 0)
        self.pdf.set_font("helvetica", "", size)
        paragraph(self.pdf, 0, 6 * size / 11, _latin1(text))

    def picture(self, image: np.ndarray, x: float, y: float, w: float, h_max: float, caption: str, *,
                quality: int = 92, caption_size: float = 9) -> Placed:
        """Place ``image`` with ``caption`` under it, both within ``w`` × ``h_max`` mm from ``(x, y)``."""
        height, width = image.shape[:2]
        w_fit = min(w, (h_max - _CAPTION_GAP - _CAPTION) * width / height)
        self.pdf.image(io.BytesIO(encode_jpeg(image, quality=quality)), x=x, y=y, w=w_fit)
        return self.captioned(x, y, w_fit, w_fit * height / width, caption, size=caption_size)

    def captioned(self, x: float, y: float, w: float, h: float, caption: str, *, size: float = 9) -> Placed:
        """Write ``caption`` under what was drawn at ``(x, y)``, ``w`` × ``h`` mm, and record both."""
        pdf = self.pdf
        pdf.set_text_color(60, 60, 60)
        pdf.set_font("helvetica", "I", size)
        text = _latin1(caption)
        while size > 6 and pdf.get_string_width(text) > max(w, 30.0):  # a narrow picture: a smaller caption
            size -= 0.5
            pdf.set_font("helvetica", "I", size)
        while len(text) > 3 and pdf.get_string_width(text) > max(w, 30.0):
            text = text[:-4].rstrip(" ,;:") + "..."
        pdf.set_xy(x, y + h + _CAPTION_GAP)
        pdf.cell(max(w, 30.0), _CAPTION, text)
        pdf.set_text_color(0, 0, 0)
        placed = Placed(pdf.page, x, y, w, h, text)
        self.pictures.append(placed)
        return placed

    def swatch(self, rgb: tuple[int, ...], x: float, y: float, w: float, h: float) -> None:
        self.pdf.set_fill_color(*rgb)
        self.pdf.set_draw_color(120, 120, 120)
        self.pdf.rect(x, y, w, h, style="DF")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def to_pdf(guide: Guide, *, title: str = "Your painting guide", grid: bool = False) -> bytes:
    """A printable A4 guide: cover, value study, palette, one page per step, brushstrokes, the outline.

    ``grid``: add the grid method (a reference picture and the outline with the same lettered grid).
    """
    return layout_pdf(guide, title=title, grid=grid).output()


def layout_pdf(guide: Guide, *, title: str = "Your painting guide", grid: bool = False) -> _GuidePdf:
    """The guide laid out, not yet written: its ``pictures`` and ``palette_rows`` say where things went."""
    doc = _GuidePdf(title)
    _cover_page(doc, guide, title)
    _value_page(doc, guide)
    _palette_pages(doc, guide)
    _step_pages(doc, guide)
    if guide.strokes is not None:
        _stroke_pages(doc, guide, guide.strokes)
    if grid:
        _grid_page(doc, guide)
    _outline_page(doc, guide, grid=grid)
    return doc


def _outline_page(doc: _GuidePdf, guide: Guide, *, grid: bool) -> None:
    from .outline import outline_drawing
    from .tiles import draw_outline

    drawing = outline_drawing(guide)
    doc.pdf.add_page()
    doc.heading("Numbered outline")
    doc.body(f"Each number is a palette colour. This page is reduced; print outline_tiles.pdf (A4 or Letter pages) "
             f"or outline_full.pdf for the real {drawing.canvas.label} size.", 10)
    top = doc.pdf.get_y() + 3
    room = _BOTTOM - top - _CAPTION_GAP - _CAPTION
    scale = min(doc.usable / drawing.width_mm, room / drawing.height_mm)
    w, h = drawing.width_mm * scale, drawing.height_mm * scale
    draw_outline(doc.pdf, drawing, doc.margin, top, scale, grid=grid)
    doc.pdf.set_draw_color(150, 150, 150)
    doc.pdf.rect(doc.margin, top, w, h)
    doc.captioned(doc.margin, top, w, h, f"The numbered outline at {100 * scale:.0f}% of its real size")


def _grid_page(doc: _GuidePdf, guide: Guide) -> None:
    """The reference picture with the grid-method lines, lettered like the outline's."""
    from .tiles import draw_grid

    canvas = guide.canvas
    doc.pdf.add_page()
    doc.heading("Grid method: reference")
    step = "5 cm" if canvas.unit == "cm" else "2 in"
    doc.body(f"Draw the same grid lightly on your canvas, a line every {step}, lettered the same way, and copy "
             "one square at a time.", 10)
    top = doc.pdf.get_y() + 3
    placed = doc.picture(guide.target, doc.margin, top, doc.usable, _BOTTOM - top,
                         f"The picture to copy, with a grid line every {step} of the canvas")
    draw_grid(doc.pdf, canvas, doc.margin, top, placed.h / canvas.height_mm)


def _value_page(doc: _GuidePdf, guide: Guide) -> None:
    """The notan and the value study, first: teachers start with values, not colours."""
    pdf, margin, usable = doc.pdf, doc.margin, doc.usable
    values = guide.values
    pdf.add_page()
    doc.heading("Start with the values")
    doc.body(
        f"Squint at your subject: this is the picture in 2 values (the notan, left) and in {values.levels} values "
        "(right). Get these big light and dark shapes right and the painting will read, whatever the colours. "
        "Paint a small study like this first, or use it for step 1.",
        10,
    )
    y = pdf.get_y() + 3
    half = (usable - 6) / 2
    left = doc.picture(values.notan_image(), margin, y, half, 126, "Notan: 2 values")
    right = doc.picture(values.image(), margin + half + 6, y, half, 126, f"Value study: {values.levels} values")
    pdf.set_y(max(left.bottom, right.bottom) + 3)
    doc.body("Value scale to mix (darkest first), with the share of the canvas each value covers:", 10)
    y = pdf.get_y() + 1
    for k, (grey, share) in enumerate(zip(values.greys, values.shares())):
        level = int(round(float(grey) * 255))
        doc.swatch((level, level, level), margin + k * 34, y, 30, 12)
        pdf.set_xy(margin + k * 34, y + 13)
        pdf.set_font("helvetica", "", 9)
        pdf.cell(30, 5, f"value {k + 1}: {100 * share:.0f}%", align="C")


def _cover_page(doc: _GuidePdf, guide: Guide, title: str) -> None:
    pdf, margin, usable = doc.pdf, doc.margin, doc.usable
    pdf.add_page()
    doc.heading(title, 22)
    options = guide.options
    doc.body(f"{len(guide.palette)} colours, {len(guide.steps)} steps, {len(guide.regions)} regions to paint in "
             f"{options.medium}.")
    how = {"crop": "cropped to fit", "pad": "with a plain border to fit"}[options.fit]
    doc.body(f"Canvas: {guide.canvas.label} (photo {how}). {guide.region_words()}; brushes are named by their "
             "usual size.", 10)
    styled = guide.is_stylised
    if guide.style is not None:
        doc.body(f"Brushstroke style: {guide.style.name}. The photo was repainted in this style first, "
                 "and the guide paints from that picture.", 10)
    y = pdf.get_y() + 4
    half = (usable - 6) / 2
    left = doc.picture(guide.photo, margin, y, half, 120, "Your photo")
    right = doc.picture(guide.target if styled else guide.quantized, margin + half + 6, y, half, 120,
                        "Repainted in the style" if styled else f"What you will paint: {len(guide.palette)} colours")
    bottom = max(left.bottom, right.bottom) + 4
    if styled and _BOTTOM - 12 - bottom >= 50:
        placed = doc.picture(guide.quantized, margin, bottom, usable, _BOTTOM - 12 - bottom,
                             f"What you will paint: {len(guide.palette)} colours")
        bottom = placed.bottom + 4
    pdf.set_y(max(bottom, _BOTTOM - 10))
    pdf.set_font("helvetica", "", 8)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 4, _latin1(
        f"Made with Painting Assistant {__version__} (seed {options.seed}). The technical details (exact colour "
        "differences, the settings and any networks used) are in plan.json, in the ZIP."),
        new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


# --- the palette ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _RowSpacing:
    """The vertical spacing of a palette row (mm): the swatch's height, where the recipe's first line
    starts below the row's top, one recipe line, one italic note line, the last line's depth, the gap to the next row."""

    swatch: float
    recipe: float
    line: float
    note: float
    tail: float
    gap: float


#: The palette rows as they are laid out when they fit ...
_ROOMY = _RowSpacing(swatch=9.0, recipe=10.5, line=5.5, note=4.0, tail=5.0, gap=2.0)
#: ... and closer together, at most this close, when that keeps the whole palette on fewer pages (twelve colours on
#: one sheet to pin beside the easel, not ten and then two on a page of their own).
_COMPACT = _RowSpacing(swatch=8.0, recipe=9.0, line=4.8, note=3.6, tail=4.6, gap=1.2)


def _closer(share: float) -> _RowSpacing:
    """The spacing ``share`` of the way from :data:`_ROOMY` to :data:`_COMPACT`."""
    return _RowSpacing(*(a + share * (b - a) for a, b in zip(dataclasses.astuple(_ROOMY),
                                                               dataclasses.astuple(_COMPACT))))


def _part_labels(guide: Guide, recipe: Recipe, by_name: Mapping[str, Paint]) -> list[tuple[str, str | None]]:
    """``(words, paint name or None)`` of each paint in ``recipe``, in the order to read them."""
    labels = []
    for name, parts in recipe.parts:
        paint = by_name.get(name)
        if len(recipe.parts) == 1:
            label = f"{name}, straight from the tube"
        else:
            label = ("a touch of " if parts < 1 else f"{parts} part{'s' if parts != 1 else ''} ") + name
        label += " *" if paint is not None and paint.approximate else ""
        labels.append((label, name if paint is not None else None))
    return labels


def _palette_row(doc: _GuidePdf, guide: Guide, position: int, y: float, *, draw: bool,
                 by_name: Mapping[str, Paint], tube_rgb: Mapping[str, tuple[int, ...]],
                 amounts: list[tuple[float, float]], tints: Mapping[int, Tint],
                 spacing: _RowSpacing = _ROOMY) -> float:
    """One palette colour with its recipe (and, from ``tints``, how to mix it from a darker colour and white)
    from ``y``; returns its height (mm) including the gap below. With ``draw=False`` only measures."""
    pdf, margin, space = doc.pdf, doc.margin, spacing
    color = guide.palette[position]
    recipe = guide.recipes[position] if guide.recipes else None
    if draw:
        doc.palette_rows.append((pdf.page, y, color.index))
        doc.swatch(color.rgb, margin, y, 16, space.swatch)
        pdf.set_xy(margin + 20, y + space.swatch / 2 - 3)
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(10, 6, str(color.index))
        pdf.set_font("helvetica", "", 11)
        pdf.cell(62, 6, _latin1(color.name))
        pdf.set_font("helvetica", "", 9)
        pdf.cell(34, 6, f"{color.coverage:.1f}%, about {amounts[position][1]:g} ml")
    if recipe is None:
        if draw:
            pdf.cell(0, 6, color.hex)
        return space.swatch + space.gap
    if draw:
        mix_rgb = tuple(int(recipe.hex[i : i + 2], 16) for i in (1, 3, 5))
        doc.swatch(mix_rgb, margin + 128, y, 16, space.swatch)
        pdf.set_xy(margin + 146, y + space.swatch / 2 - 3)
        pdf.set_font("helvetica", "B" if recipe.verdict == "far" else "", 9)
        pdf.cell(0, 6, recipe.match)
    x, row = margin + 20, y + space.recipe
    pdf.set_font("helvetica", "", 9)
    for label, paint in _part_labels(guide, recipe, by_name):
        width = pdf.get_string_width(_latin1(label)) + 9
        if x + width > margin + doc.usable:
            x, row = margin + 20, row + space.line
        if draw:
            if paint is not None:
                doc.swatch(tube_rgb[paint], x, row + 0.6, 4, 4)
            pdf.set_xy(x + 5, row)
            pdf.cell(width - 5, 5, _latin1(label))
        x += width
    if recipe.reason:
        if draw:
            pdf.set_xy(margin + 20, row + space.tail)
            pdf.set_font("helvetica", "I", 8)
            pdf.cell(0, space.note, _latin1(recipe.note()))
        row += space.note
    tint = tints.get(color.index)
    if tint is not None:  # a lighter colour mixed from a darker pile: the shortcut painters take
        if draw:
            pdf.set_xy(margin + 20, row + space.tail)
            pdf.set_font("helvetica", "I", 8)
            pdf.cell(0, space.note, _latin1(f"{tint.text()[0].upper()}{tint.text()[1:]}: quicker, and the two stay "
                                            "related."))
        row += space.note
    return row + space.tail + space.gap - y


def _paginate(heights: list[float], first: float, page: float) -> list[int]:
    """Where the pages of palette rows start: the indices of the first row on each new page.

    Rows of ``heights`` mm go on a page with ``first`` mm left, then on fresh pages of ``page`` mm. No page
    holds a single row when there are two or more (no row alone at the top of a page, none left behind at
    the bottom), and the first page may hold none; as few pages as that allows, the earlier pages fuller.
    """
    n = len(heights)

    def fits(k: int, j: int, room: float) -> bool:
        return sum(heights[k:j]) <= room + 1e-9 and (j - k >= 2 or n < 2)

    # fewest[k]: the fewest fresh pages that hold rows k..n-1 (None: impossible), then the end of the first.
    fewest: list[tuple[int, int] | None] = [None] * n + [(0, n)]
    for k in range(n - 1, -1, -1):
        options = [(rest[0] + 1, -j) for j in range(k + 1, n + 1)
                   if (rest := fewest[j]) is not None and fits(k, j, page)]
        fewest[k] = (min(options)[0], -min(options)[1]) if options else None
    starts_first = [(rest[0], -j) for j in range(0, n + 1)
                    if (rest := fewest[j]) is not None and (j == 0 or fits(0, j, first))]
    if not starts_first:  # a row taller than a page: one after the other, as they come
        breaks, room = [], first
        for k, height in enumerate(heights):
            if height > room:
                breaks.append(k)
                room = page
            room -= height
        return breaks
    j = -min(starts_first)[1]
    breaks = []
    while j < n:
        breaks.append(j)
        rest = fewest[j]
        assert rest is not None, "each start chosen above has a way to the last row"
        j = rest[1]
    return breaks


def _palette_pages(doc: _GuidePdf, guide: Guide) -> None:
    """The palette with a mixing recipe per colour: target, tubes and parts, predicted mix, match in words."""
    pdf = doc.pdf
    pdf.add_page()
    doc.heading("Palette and mixing recipes")
    if guide.recipes:
        owned = ", ".join(p.name + (" *" if p.approximate else "") for p in guide.paints)
        doc.body(f"Mixed from your paints: {owned}.", 10)
        if guide.mixing_advice:
            doc.body(guide.mixing_advice, 10)
        doc.body(
            "Parts are by volume (for example palette-knife loads). \"A touch of\" means a tiny amount, less than "
            "1/12 of the mix: add it bit by bit. Left: the colour to paint; right: what the recipe should give. "
            "Match: close (hard to tell apart), noticeable, or far (your paints cannot reach it; the reason is "
            "given). " + ("Paints marked * are approximate: estimated from their usual colour, not measured. "
                          if any(p.approximate for p in guide.paints) else "")
            + "Amounts (ml) are rough, for two coats on your canvas; mix a little more than you think.",
            9,
        )
    else:
        doc.body("Mix each paint to match its swatch. Numbers match the outline sheet.")
    for note in guide.notes:
        doc.body(note, 9)
    pdf.ln(2)
    from ..color.mixing import paint_hex

    by_name = {p.name: p for p in guide.paints}
    tube_rgb = {name: tuple(int(paint_hex(p)[i : i + 2], 16) for i in (1, 3, 5)) for name, p in by_name.items()}
    amounts = guide.paint_amounts()
    tints = guide.tints
    top = doc.margin + 2
    first, page = _BOTTOM - pdf.get_y(), _BOTTOM - top
    layouts = []
    for share in (0.0, 1 / 3, 2 / 3, 1.0):
        spacing = _closer(share)
        heights = [_palette_row(doc, guide, k, 0.0, draw=False, by_name=by_name, tube_rgb=tube_rgb,
                                amounts=amounts, tints=tints, spacing=spacing) for k in range(len(guide.palette))]
        starts = _paginate(heights, first, page)
        layouts.append((len(starts), set(starts), spacing))
    # The fewest pages, and of those the roomiest spacing (min keeps the first of equals).
    _, new_page, spacing = min(layouts, key=lambda layout: layout[0])
    for position in range(len(guide.palette)):
        if position in new_page:
            pdf.add_page()
            pdf.set_y(top)
        y = pdf.get_y()
        height = _palette_row(doc, guide, position, y, draw=True, by_name=by_name, tube_rgb=tube_rgb,
                              amounts=amounts, tints=tints, spacing=spacing)
        pdf.set_y(y + height)


# --- the steps -----------------------------------------------------------------------------------------

def _picture_pair(doc: _GuidePdf, first: np.ndarray, second: np.ndarray, captions: tuple[str, str],
                  top: float) -> tuple[Placed, Placed]:
    """Two pictures of the canvas, equally large and as large as the page allows: side by side (a portrait)
    or one above the other (a landscape), each with its caption."""
    margin, usable, gap = doc.margin, doc.usable, 6.0
    ratio = max(first.shape[0] / first.shape[1], second.shape[0] / second.shape[1])
    caption = _CAPTION_GAP + _CAPTION
    room = _BOTTOM - top
    side = min((usable - gap) / 2, (room - caption) / ratio)
    stacked = min(usable, ((room - gap) / 2 - caption) / ratio)
    if stacked > side:
        x = margin + (usable - stacked) / 2
        a = doc.picture(first, x, top, stacked, stacked * ratio + caption, captions[0])
        b = doc.picture(second, x, a.bottom + gap, stacked, stacked * ratio + caption, captions[1])
    else:
        a = doc.picture(first, margin, top, side, side * ratio + caption, captions[0])
        b = doc.picture(second, margin + side + gap, top, side, side * ratio + caption, captions[1])
    return a, b


def _mix_list(doc: _GuidePdf, guide: Guide, numbers: Sequence[int]) -> None:
    """What to mix for a step: one line a colour, its swatch beside it (a paragraph of ten recipes was hard to
    follow with a brush in hand, and fpdf's line breaking slows down with the square of a paragraph's length)."""
    pdf, margin, usable = doc.pdf, doc.margin, doc.usable
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("helvetica", "B", 9)
    pdf.cell(0, 5, "Mix:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 9)
    for number in numbers:
        if pdf.get_y() > _BOTTOM - 5:
            pdf.add_page()
        y = pdf.get_y()
        doc.swatch(guide.palette[number - 1].rgb, margin, y + 0.5, 7, 3.5)
        pdf.set_xy(margin + 9, y)
        paragraph(pdf, usable - 9, 4.5, _latin1(f"{number} {guide.mix_words(number)}"))


def _step_pages(doc: _GuidePdf, guide: Guide) -> None:
    pdf = doc.pdf
    for step, highlight, image in zip(guide.steps, guide.steps.highlights, guide.steps.images):
        pdf.add_page()
        doc.heading(f"Step {step.index} of {len(guide.steps)}: {step.title}", 16)
        doc.body(step.instruction, 12)
        if step.colors:
            share = f"{step.area:.1f}%" if step.area >= 0.05 else "under 0.1%"  # not "0.0%" for a few dots
            doc.body(f"Colours: {', '.join(str(c) for c in step.colors)} - {share} of the canvas.", 10)
            _mix_list(doc, guide, step.colors)
        if np.array_equal(highlight, image):  # step 1: its value masses are the canvas after it, shown once
            top = pdf.get_y() + 3
            ratio = image.shape[0] / image.shape[1]
            width = min(doc.usable, (_BOTTOM - top - _CAPTION_GAP - _CAPTION) / ratio)
            doc.picture(image, doc.margin + (doc.usable - width) / 2, top, width, _BOTTOM - top,
                        "The value masses of this step: the canvas after it")
            continue
        new = "New in this step (outlined)" if step.regions else "The value masses of this step"
        _picture_pair(doc, highlight, image, (new, "The canvas after this step"), pdf.get_y() + 3)


# --- the brushstrokes ----------------------------------------------------------------------------------

def _stroke_pages(doc: _GuidePdf, guide: Guide, plan: StrokePlan) -> None:
    """Brushstroke layers (``plan``, the guide's): the finished painting, then one page per layer."""
    painting = plan.painting
    doc.pdf.add_page()
    doc.heading("Painting it stroke by stroke")
    doc.body(
        f"{len(painting.strokes)} brushstrokes in {len(painting.layers)} layers, {len(plan.steps)} steps. "
        "Each stroke is one paint from the palette, opaque, painted in one movement. "
        "Work layer by layer; within a layer, one paint after the other in the order listed."
    )
    top = doc.pdf.get_y() + 3
    doc.picture(painting.image, doc.margin, top, doc.usable, min(210.0, _BOTTOM - top),
                f"The finished painting: {len(painting.strokes)} brushstrokes")
    for layer in painting.layers:
        steps = [s for s in plan.steps if s.layer == layer.layer]
        if steps:
            _stroke_layer_page(doc, guide, plan, layer, steps)


def _stroke_layer_page(doc: _GuidePdf, guide: Guide, plan: StrokePlan, layer: LayerReport,
                       steps: list[StrokeStep]) -> None:
    pdf, margin, usable = doc.pdf, doc.margin, doc.usable
    pdf.add_page()
    doc.heading(f"Layer {layer.layer} of {len(plan.painting.layers)}: {layer.strokes} strokes", 16)
    y = pdf.get_y() + 2
    # 768 px wide at most: at 90 mm that is 217 ppi, sharp when printed.
    placed = doc.picture(plan.images[plan.steps.index(steps[-1])], margin, y, usable * 0.5, 116,
                         f"The canvas after layer {layer.layer}")
    pdf.set_y(placed.bottom + 3)
    for step in steps:
        if pdf.get_y() > 272:
            pdf.add_page()
        y = pdf.get_y()
        doc.swatch(guide.palette[step.color - 1].rgb, margin, y + 0.5, 8, 5)
        pdf.set_xy(margin + 10, y)
        pdf.set_font("helvetica", "", 9)
        paragraph(pdf, usable - 10, 4.5, _latin1(f"Step {step.index}: {step.instruction}"))
        pdf.ln(1)
    # Where each step's strokes go: small pictures, new strokes at full strength, in rows of four; a page
    # never holds a single row of them when there are more (like the palette rows).
    columns, gap = 4, 4.0
    thumb_w = (usable - gap * (columns - 1)) / columns
    images = [_thumbnail(plan.highlights[plan.steps.index(step)], 360) for step in steps]
    thumb_h = thumb_w * max(image.shape[0] / image.shape[1] for image in images)
    row_h = 2 + thumb_h + _CAPTION_GAP + _CAPTION + 1
    rows = -(-len(steps) // columns)
    breaks = set(_paginate([row_h] * rows, _BOTTOM - pdf.get_y(), _BOTTOM - margin))
    for k, (step, image) in enumerate(zip(steps, images)):
        if k % columns == 0:
            if k // columns in breaks:
                pdf.add_page()
            row_y = pdf.get_y() + 2
        x = margin + (k % columns) * (thumb_w + gap)
        paints = f"colours {', '.join(map(str, step.colors))}" if len(step.colors) > 1 else f"colour {step.color}"
        placed = doc.picture(image, x, row_y, thumb_w, thumb_h + _CAPTION_GAP + _CAPTION,
                             f"Step {step.index}: {paints}, {step.count} strokes", quality=85, caption_size=7)
        if k % columns == columns - 1 or k == len(steps) - 1:
            pdf.set_xy(margin, placed.bottom + 1)


def _thumbnail(image: np.ndarray, max_side: int) -> np.ndarray:
    import cv2

    scale = max_side / max(image.shape[:2])
    if scale >= 1:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


