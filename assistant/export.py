"""Guide export: ``plan.json``, a ZIP of every image, and a printable PDF.

Everything returns bytes (no shared temporary files); :func:`write_guide` is the
one function that touches the disk, for the CLI. Outputs are byte-for-byte
reproducible: fixed ZIP timestamps and a fixed PDF creation date.

``plan.json`` (format ``painting-assistant/plan``, version 1)::

    {
      "format": "painting-assistant/plan", "version": 1,
      "options": {"n_colors": 12, "medium": "acrylic", "seed": 0, ...},
      "image": {"width": 1024, "height": 768},
      "paints": [{"name": "titanium white", "source": "measured", "pigment": "PW6",
                  "hex": "#f9faf9"}, ...],     ("approximate" paints add "tinting_strength")
      "palette": [{"index": 1, "hex": "#1b1a22", "rgb": [27, 26, 34],
                   "lab": [10.2, 2.1, -5.0], "name": "black", "coverage": 17.4,
                   "recipe": {"paints": [{"name": "bone black", "parts": 3},
                                         {"name": "ultramarine blue", "parts": 1},
                                         {"name": "burnt umber", "parts": 0, "touch": true,
                                          "share": 0.02}],
                              "hex": "#20212a", "delta_e": 1.7, "match": "close"}}, ...],
      "notes": ["This photo needs only 11 distinct paints ..."],
      "steps": [{"index": 1, "title": "Dark background masses",
                 "instruction": "Block in ...", "colors": [1, 4], "area": 21.5,
                 "image": "steps/01.png", "highlight": "steps/01_new.png"}, ...],
      "files": {"original": "original.png", "quantized": "quantized.png", ...},
      "style": {...}, "brushstrokes": {...}   (when those stages ran)
    }

``coverage`` and ``area`` are percentages of the canvas; palette ``index`` is the
number written on the outline; ``colors`` lists palette indices. A recipe's ``parts``
are whole volume parts; a touch has ``parts`` 0 and its ``share`` of the whole mix;
``delta_e`` is CIEDE2000 between the predicted mix and the palette colour, ``match`` the
same in words (close < 3 ≤ noticeable < 6 ≤ far, with a ``reason`` when far), and a
recipe using an approximate paint says ``"approximate": true``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from . import __version__
from .images import encode_jpeg, encode_png
from .pipeline import Guide

__all__ = ["plan_dict", "plan_json", "to_pdf", "to_zip", "write_guide", "image_files"]

_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def _step_name(index: int, suffix: str = "") -> str:
    return f"steps/{index:02d}{suffix}.png"


def _paint_dict(paint) -> dict:
    from .color.mixing import paint_hex

    record = {"name": paint.name, "source": paint.source, "pigment": paint.pigment, "hex": paint_hex(paint)}
    if paint.approximate:
        record["tinting_strength"] = paint.strength
    return record


def plan_dict(guide: Guide) -> dict:
    """The machine-readable plan (see module docstring)."""
    height, width = guide.labels.shape
    files = {"original": "original.png", "quantized": "quantized.png", "outline": "outline.png"}
    if guide.is_stylised:
        files["target"] = "stylized.png"
    if guide.strokes is not None:
        files.update(painting="painting.png", strokes="strokes.json", timelapse="timelapse.gif")
    plan = {
        "format": "painting-assistant/plan",
        "version": 1,
        "generator": f"painting-assistant {__version__}",
        "options": dataclasses.asdict(guide.options),
        "image": {"width": int(width), "height": int(height)},
        "paints": [] if guide.paints is None else [_paint_dict(p) for p in guide.paints],
        "palette": [
            {
                "index": c.index,
                "hex": c.hex,
                "rgb": list(c.rgb),
                "lab": list(c.lab),
                "name": c.name,
                "coverage": c.coverage,
                **({"recipe": guide.recipes[i].as_dict()} if guide.recipes else {}),
            }
            for i, c in enumerate(guide.palette)
        ],
        "notes": list(guide.notes),
        "steps": [
            {
                "index": s.index,
                "title": s.title,
                "instruction": s.instruction,
                "colors": list(s.colors),
                "area": s.area,
                "image": _step_name(s.index),
                "highlight": _step_name(s.index, "_new"),
            }
            for s in guide.steps
        ],
        "regions": int(len(guide.regions)),
        "files": files,
    }
    if guide.strokes is not None:
        from .stroke_guide import strokes_dict

        plan["brushstrokes"] = strokes_dict(guide.strokes, guide.palette)
        for entry in plan["brushstrokes"]["steps"]:
            entry["image"] = _stroke_step_name(entry["index"])
            entry["highlight"] = _stroke_step_name(entry["index"], "_new")
    if guide.style is not None:
        plan["style"] = guide.style.to_dict()
    return plan


def _stroke_step_name(index: int, suffix: str = "") -> str:
    return f"strokes/{index:03d}{suffix}.png"


def stroke_files(guide: Guide) -> dict[str, bytes]:
    """``strokes.json`` and ``timelapse.gif`` of a guide with a stroke plan (else empty)."""
    return _stroke_media(guide)[0]


def _stroke_media(guide: Guide) -> tuple[dict[str, bytes], list[np.ndarray]]:
    """:func:`stroke_files` and the time-lapse frames they were made from."""
    if guide.strokes is None:
        return {}, []
    from .stroke_guide import encode_gif, strokes_dict, timelapse_frames

    data = json.dumps(strokes_dict(guide.strokes, guide.palette), indent=1, ensure_ascii=False) + "\n"
    frames = timelapse_frames(guide.strokes.painting, guide.palette.rgb)
    return {"strokes.json": data.encode("utf-8"), "timelapse.gif": encode_gif(frames)}, frames


def plan_json(guide: Guide) -> bytes:
    return (json.dumps(plan_dict(guide), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def image_files(guide: Guide) -> dict[str, np.ndarray]:
    """Every image of the guide under its file name (the ZIP / output-folder layout)."""
    files = {"original.png": guide.photo, "quantized.png": guide.quantized, "outline.png": guide.outline}
    if guide.is_stylised:
        files["stylized.png"] = guide.target
    for step, image, highlight in zip(guide.steps, guide.steps.images, guide.steps.highlights):
        files[_step_name(step.index)] = image
        files[_step_name(step.index, "_new")] = highlight
    if guide.strokes is not None:
        files["painting.png"] = guide.strokes.painting.image
        for step, image, highlight in zip(guide.strokes.steps, guide.strokes.images, guide.strokes.highlights):
            files[_stroke_step_name(step.index)] = image
            files[_stroke_step_name(step.index, "_new")] = highlight
    return files


def to_zip(
    guide: Guide, *, extra_files: dict[str, bytes] | None = None, stroke_media: dict[str, bytes] | None = None
) -> bytes:
    """ZIP with every PNG, ``plan.json``, the stroke files and ``extra_files`` (e.g. the PDF).

    ``stroke_media``: the result of :func:`stroke_files` when the caller already has it.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = {name: encode_png(image, compression=1) for name, image in image_files(guide).items()}
        entries["plan.json"] = plan_json(guide)
        entries.update(stroke_files(guide) if stroke_media is None else stroke_media)
        entries.update(extra_files or {})
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED if name.endswith((".png", ".gif")) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return buffer.getvalue()


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
        self.pdf.set_font("helvetica", "B", size)
        self.pdf.cell(0, 10, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def body(self, text: str, size: int = 11) -> None:
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


def to_pdf(guide: Guide, *, title: str = "Your painting guide") -> bytes:
    """A printable A4 guide: cover, palette, one page per step, brushstrokes, the numbered outline."""
    doc = _GuidePdf(title)
    _cover_page(doc, guide, title)
    _palette_pages(doc, guide)
    _step_pages(doc, guide)
    if guide.strokes is not None:
        _stroke_pages(doc, guide)
    doc.pdf.add_page()
    doc.heading("Numbered outline")
    doc.body("Trace or print this sheet; each number is a palette colour.")
    doc.picture(guide.outline, doc.margin, doc.pdf.get_y() + 2, doc.usable, 240)
    return doc.output()


def _cover_page(doc: _GuidePdf, guide: Guide, title: str) -> None:
    pdf, margin, usable = doc.pdf, doc.margin, doc.usable
    pdf.add_page()
    doc.heading(title, 22)
    options = guide.options
    doc.body(
        f"{len(guide.palette)} colours, {len(guide.steps)} steps, {len(guide.regions)} regions, "
        f"medium: {options.medium}, seed {options.seed}."
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
        doc.body(
            "Parts are by volume (for example palette-knife loads). \"A touch of\" means a tiny amount, less than "
            "1/12 of the mix: add it bit by bit. Left: the colour to paint; right: what the recipe should give. "
            "Match: close (hard to tell apart), noticeable, or far (your paints cannot reach it; the reason is "
            "given). Paints marked * are approximate: estimated from their usual colour, not measured.",
            9,
        )
    else:
        doc.body("Mix each paint to match its swatch. Numbers match the outline sheet.")
    for note in guide.notes:
        doc.body(note, 9)
    pdf.ln(2)
    from .color.mixing import paint_hex

    by_name = {p.name: p for p in guide.paints} if guide.paints is not None else {}
    tube_rgb = {name: tuple(int(paint_hex(p)[i : i + 2], 16) for i in (1, 3, 5)) for name, p in by_name.items()}
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
        pdf.cell(34, 6, f"{color.coverage:.1f}% of canvas")
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
        doc.body(f"Colours: {', '.join(str(c) for c in step.colors)} - {step.area:.1f}% of the canvas.", 10)
        doc.body("Mix: " + "; ".join(_recipe_line(guide, c) for c in step.colors), 9)
        y = pdf.get_y() + 3
        height = doc.picture(highlight, margin, y, usable, 150)
        pdf.set_y(y + height + 3)
        doc.caption("New in this step (outlined). Below: the canvas when this step is done.")
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
    height = doc.picture(plan.images[plan.steps.index(steps[-1])], margin, y, usable * 0.55, 110)
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
        pdf.cell(thumb_w, 3.5, _latin1(f"Step {step.index}: colour {step.color}, {step.count} strokes"))
        if k % columns == columns - 1 or k == len(steps) - 1:
            pdf.set_xy(margin, row_y + thumb_h + 5)


def _thumbnail(image: np.ndarray, max_side: int) -> np.ndarray:
    import cv2

    scale = max_side / max(image.shape[:2])
    if scale >= 1:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def write_guide(guide: Guide, outdir: str | Path, *, extra_files: dict[str, bytes] | None = None) -> dict[str, Path]:
    """Write the guide to ``outdir`` (created if needed), plus ``extra_files`` (e.g. ``guide.project``).

    Returns the paths written.
    """
    outdir = Path(outdir)
    files: dict[str, bytes] = {name: encode_png(image) for name, image in image_files(guide).items()}
    files.update(extra_files or {})
    media, frames = _stroke_media(guide)
    files.update(media)
    if frames:
        from .stroke_guide import encode_mp4

        mp4 = encode_mp4(frames)
        if mp4:
            files["timelapse.mp4"] = mp4
    pdf = to_pdf(guide)
    files.update(
        {"plan.json": plan_json(guide), "guide.pdf": pdf,
         "guide.zip": to_zip(guide, extra_files={"guide.pdf": pdf}, stroke_media=media)}
    )
    written: dict[str, Path] = {}
    for name, data in files.items():
        path = outdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[name] = path
    return written
