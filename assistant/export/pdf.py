"""The printable A4 guide: cover, palette and recipes, a page per step, brushstrokes, outline."""

from __future__ import annotations

import datetime as _dt
import io

import numpy as np

from .. import __version__
from ..images import encode_jpeg
from ..pipeline import Guide

__all__ = ["to_pdf"]


def _latin1(text: str) -> str:
    """The PDF core fonts speak Latin-1; map the few typographic characters we use."""
    table = {"–": "-", "—": "-", "’": "'", "“": '"', "”": '"', "…": "...", "→": "->", "Δ": "d"}
    text = "".join(table.get(ch, ch) for ch in text)
    return text.encode("latin-1", "replace").decode("latin-1")


class _GuidePdf:
    """An A4 page writer with the guide's few text and picture styles."""

    margin = 15.0
    usable = 210.0 - 2 * 15.0

    def __init__(self, title: str):
        from fpdf import FPDF

        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_creation_date(_dt.datetime(2020, 1, 1, tzinfo=_dt.UTC))
        pdf.set_title(_latin1(title))
        pdf.set_creator(f"Painting Assistant {__version__}")
        pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf = pdf

    def heading(self, text: str, size: int = 18) -> None:
        self.pdf.set_text_color(0, 0, 0)
        self.pdf.set_font("helvetica", "B", size)
        self.pdf.cell(0, 10, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def body(self, text: str, size: int = 11) -> None:
        self.pdf.set_text_color(0, 0, 0)
        self.pdf.set_font("helvetica", "", size)
        self.pdf.multi_cell(0, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def caption(self, text: str, width: float = 0, *, size: int = 9, next_line: bool = True) -> None:
        self.pdf.set_font("helvetica", "I", size)
        if next_line:
            self.pdf.cell(width, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        else:
            self.pdf.cell(width, 5, _latin1(text))

    def picture(self, image: np.ndarray, x: float, y: float, w: float, h_max: float, *, quality: int = 92) -> float:
        """Place ``image`` at most ``w`` wide and ``h_max`` tall; returns its height in mm."""
        height, width = image.shape[:2]
        w_fit = min(w, h_max * width / height)
        self.pdf.image(io.BytesIO(encode_jpeg(image, quality=quality)), x=x, y=y, w=w_fit)
        return w_fit * height / width

    def swatch(self, rgb, x: float, y: float, w: float, h: float) -> None:
        self.pdf.set_fill_color(*rgb)
        self.pdf.set_draw_color(120, 120, 120)
        self.pdf.rect(x, y, w, h, style="DF")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def to_pdf(guide: Guide, *, title: str = "Your painting guide", grid: bool = False) -> bytes:
    """A printable A4 guide: cover, value study, palette, one page per step, brushstrokes, the outline.

    ``grid``: add the grid method (a reference picture and the outline with the same lettered grid).
    """
    doc = _GuidePdf(title)
    _cover_page(doc, guide, title)
    if guide.values is not None:
        _value_page(doc, guide)
    _palette_pages(doc, guide)
    _step_pages(doc, guide)
    if guide.strokes is not None:
        _stroke_pages(doc, guide)
    if grid:
        _grid_page(doc, guide)
    _outline_page(doc, guide, grid=grid)
    return doc.output()


def _outline_page(doc: _GuidePdf, guide: Guide, *, grid: bool) -> None:
    from .outline import outline_drawing
    from .tiles import draw_outline

    drawing = outline_drawing(guide)
    doc.pdf.add_page()
    doc.heading("Numbered outline")
    doc.body(f"Each number is a palette colour. This page is reduced; print outline_tiles.pdf (A4 or Letter pages) "
             f"or outline_full.pdf for the real {drawing.canvas.label} size.", 10)
    top = doc.pdf.get_y() + 3
    scale = min(doc.usable / drawing.width_mm, (282 - top) / drawing.height_mm)
    draw_outline(doc.pdf, drawing, doc.margin, top, scale, grid=grid)
    doc.pdf.set_draw_color(150, 150, 150)
    doc.pdf.rect(doc.margin, top, drawing.width_mm * scale, drawing.height_mm * scale)


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
    height = doc.picture(guide.target, doc.margin, top, doc.usable, 282 - top)
    scale = height / canvas.height_mm
    draw_grid(doc.pdf, canvas, doc.margin, top, scale)


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
    left = doc.picture(values.notan_image(), margin, y, half, 120)
    right = doc.picture(values.image(), margin + half + 6, y, half, 120)
    pdf.set_y(y + max(left, right) + 2)
    doc.caption("Notan: 2 values", half + 6, next_line=False)
    doc.caption(f"Value study: {values.levels} values", half)
    pdf.ln(3)
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
    doc.body(
        f"{len(guide.palette)} colours, {len(guide.steps)} steps, {len(guide.regions)} regions, "
        f"medium: {options.medium}, seed {options.seed}."
    )
    how = {"crop": "cropped to fit", "pad": "with a plain border to fit"}[options.fit]
    doc.body(
        f"Canvas: {guide.canvas.label} (photo {how}). Every region is at least {guide.min_region_mm2:.0f} mm2 "
        f"(small bright accents {guide.min_region_mm2 / 4:.0f} mm2) "
        "and wide enough for a no. 0 round brush; brushes are named by their usual size.",
        10,
    )
    if guide.style is not None:
        where = f", run on {guide.style.device}" if guide.style.device else ""
        doc.body(f"Brushstroke style: {guide.style.name}. Texture from {guide.style.network_description}{where}.")
    y = pdf.get_y() + 4
    half = (usable - 6) / 2
    styled = guide.is_stylised
    left = doc.picture(guide.photo, margin, y, half, 110)
    right = doc.picture(guide.target if styled else guide.quantized, margin + half + 6, y, half, 110)
    pdf.set_y(y + max(left, right) + 2)
    doc.caption("Your photo", half + 6, next_line=False)
    doc.caption("Stylised target" if styled else "What you will paint", half)
    pdf.ln(4)
    doc.picture(guide.quantized, margin, pdf.get_y(), usable, 100)


def _palette_pages(doc: _GuidePdf, guide: Guide) -> None:
    """The palette with a mixing recipe per colour: target, tubes and parts, predicted mix, ΔE."""
    pdf, margin = doc.pdf, doc.margin
    pdf.add_page()
    doc.heading("Palette and mixing recipes")
    if guide.paints is not None and guide.recipes:
        owned = ", ".join(p.name + (" *" if p.approximate else "") for p in guide.paints)
        doc.body(f"Mixed from your paints: {owned}.", 10)
        if guide.mixing_advice:
            doc.body(guide.mixing_advice, 10)
        doc.body(
            "Parts are by volume (for example palette-knife loads). \"A touch of\" means a tiny amount, less than "
            "1/12 of the mix: add it bit by bit. Left: the colour to paint; right: what the recipe should give. "
            "Match: close (hard to tell apart), noticeable, or far (your paints cannot reach it; the reason is "
            "given). Paints marked * are approximate: estimated from their usual colour, not measured. "
            "Amounts (ml) are rough, for two coats on your canvas; mix a little more than you think.",
            9,
        )
    else:
        doc.body("Mix each paint to match its swatch. Numbers match the outline sheet.")
    for note in guide.notes:
        doc.body(note, 9)
    pdf.ln(2)
    from ..color.mixing import paint_hex

    by_name = {p.name: p for p in guide.paints} if guide.paints is not None else {}
    tube_rgb = {name: tuple(int(paint_hex(p)[i : i + 2], 16) for i in (1, 3, 5)) for name, p in by_name.items()}
    amounts = guide.paint_amounts()
    for position, color in enumerate(guide.palette):
        recipe = guide.recipes[position] if guide.recipes else None
        if pdf.get_y() > (262 if recipe else 270):
            pdf.add_page()
        y = pdf.get_y()
        doc.swatch(color.rgb, margin, y, 16, 9)
        pdf.set_xy(margin + 20, y + 1.5)
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(10, 6, str(color.index))
        pdf.set_font("helvetica", "", 11)
        pdf.cell(62, 6, _latin1(color.name))
        pdf.set_font("helvetica", "", 9)
        ml = amounts[position][1]
        pdf.cell(34, 6, f"{color.coverage:.1f}%, about {ml:g} ml")
        if recipe is None:
            pdf.cell(0, 6, color.hex)
            pdf.set_y(y + 11)
            continue
        mix_rgb = tuple(int(recipe.hex[i : i + 2], 16) for i in (1, 3, 5))
        doc.swatch(mix_rgb, margin + 128, y, 16, 9)
        pdf.set_xy(margin + 146, y + 1.5)
        words = f"dE {recipe.delta_e:.1f} {recipe.verdict}"
        pdf.set_font("helvetica", "B" if recipe.verdict == "far" else "", 9)
        pdf.cell(0, 6, _latin1(words))
        x, row = margin + 20, y + 10.5
        pdf.set_font("helvetica", "", 9)
        for name, parts in recipe.parts:
            paint = by_name.get(name)
            if len(recipe.parts) == 1:
                label = f"{name}, straight from the tube"
            else:
                label = ("a touch of " if parts < 1 else f"{parts} part{'s' if parts != 1 else ''} ") + name
            label += " *" if paint is not None and paint.approximate else ""
            width = pdf.get_string_width(_latin1(label)) + 9
            if x + width > margin + doc.usable:
                x, row = margin + 20, row + 5.5
            if paint is not None:
                doc.swatch(tube_rgb[name], x, row + 0.6, 4, 4)
            pdf.set_xy(x + 5, row)
            pdf.cell(width - 5, 5, _latin1(label))
            x += width
        if recipe.reason:
            pdf.set_xy(margin + 20, row + 5)
            pdf.set_font("helvetica", "I", 8)
            pdf.cell(0, 4, _latin1(f"Out of reach: {recipe.reason}. Mix the nearest and adjust by eye."))
            row += 4
        pdf.set_y(row + 7)


def _recipe_line(guide: Guide, number: int) -> str:
    color = guide.palette[number - 1]
    if not guide.recipes:
        return f"{number} {color.name} ({color.hex})"
    recipe = guide.recipes[number - 1]
    return f"{number} ({color.name}): {recipe.text()}, {recipe.verdict} match"


def _step_pages(doc: _GuidePdf, guide: Guide) -> None:
    pdf, margin, usable = doc.pdf, doc.margin, doc.usable
    for step, highlight, image in zip(guide.steps, guide.steps.highlights, guide.steps.images):
        pdf.add_page()
        doc.heading(f"Step {step.index} of {len(guide.steps)}: {step.title}", 16)
        doc.body(step.instruction, 12)
        if step.colors:
            doc.body(f"Colours: {', '.join(str(c) for c in step.colors)} - {step.area:.1f}% of the canvas.", 10)
            doc.body("Mix: " + "; ".join(_recipe_line(guide, c) for c in step.colors), 9)
        y = pdf.get_y() + 3
        height = doc.picture(highlight, margin, y, usable, 150)
        pdf.set_y(y + height + 3)
        doc.caption("New in this step (outlined). Below: the canvas when this step is done." if step.regions
                    else "The value masses of this step. Below: the canvas when it is done.")
        doc.picture(image, margin, pdf.get_y() + 1, usable / 2, 265 - pdf.get_y())


def _stroke_pages(doc: _GuidePdf, guide: Guide) -> None:
    """Brushstroke layers: the finished painting, then one page per layer."""
    plan = guide.strokes
    painting = plan.painting
    doc.pdf.add_page()
    doc.heading("Painting it stroke by stroke")
    doc.body(
        f"{len(painting.strokes)} brushstrokes in {len(painting.layers)} layers, {len(plan.steps)} steps. "
        "Each stroke is one paint from the palette, opaque, painted in one movement. "
        "Work layer by layer; within a layer, one paint after the other in the order listed."
    )
    doc.body(f"Planned with: {painting.renderer}.", 9)
    doc.picture(painting.image, doc.margin, doc.pdf.get_y() + 3, doc.usable, 200)
    for layer in painting.layers:
        steps = [s for s in plan.steps if s.layer == layer.layer]
        if steps:
            _stroke_layer_page(doc, guide, layer, steps)


def _stroke_layer_page(doc: _GuidePdf, guide: Guide, layer, steps) -> None:
    pdf, margin, usable = doc.pdf, doc.margin, doc.usable
    plan = guide.strokes
    pdf.add_page()
    doc.heading(f"Layer {layer.layer} of {len(plan.painting.layers)}: {layer.strokes} strokes", 16)
    y = pdf.get_y() + 2
    # 768 px wide at most: at 90 mm that is 217 ppi, sharp when printed.
    height = doc.picture(plan.images[plan.steps.index(steps[-1])], margin, y, usable * 0.5, 110)
    pdf.set_y(y + height + 3)
    for step in steps:
        if pdf.get_y() > 272:
            pdf.add_page()
        y = pdf.get_y()
        doc.swatch(guide.palette[step.color - 1].rgb, margin, y + 0.5, 8, 5)
        pdf.set_xy(margin + 10, y)
        pdf.set_font("helvetica", "", 9)
        pdf.multi_cell(usable - 10, 4.5, _latin1(f"Step {step.index}: {step.instruction}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    # Where each step's strokes go: small pictures, new strokes at full strength.
    columns, gap = 4, 4.0
    thumb_w = (usable - gap * (columns - 1)) / columns
    for k, step in enumerate(steps):
        image = _thumbnail(plan.highlights[plan.steps.index(step)], 360)
        thumb_h = thumb_w * image.shape[0] / image.shape[1]
        if k % columns == 0:
            if pdf.get_y() + thumb_h + 8 > 282:
                pdf.add_page()
            row_y = pdf.get_y() + 2
        x = margin + (k % columns) * (thumb_w + gap)
        doc.picture(image, x, row_y, thumb_w, thumb_h + 1, quality=85)
        pdf.set_xy(x, row_y + thumb_h + 0.5)
        pdf.set_font("helvetica", "I", 7)
        paints = f"colours {', '.join(map(str, step.colors))}" if len(step.colors) > 1 else f"colour {step.color}"
        pdf.cell(thumb_w, 3.5, _latin1(f"Step {step.index}: {paints}, {step.count} strokes"))
        if k % columns == columns - 1 or k == len(steps) - 1:
            pdf.set_xy(margin, row_y + thumb_h + 5)


def _thumbnail(image: np.ndarray, max_side: int) -> np.ndarray:
    import cv2

    scale = max_side / max(image.shape[:2])
    if scale >= 1:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


