"""Guide export: ``plan.json``, a ZIP of every image, and a printable PDF.

Everything returns bytes (no shared temporary files); :func:`write_guide` is the
one function that touches the disk, for the CLI. Outputs are byte-for-byte
reproducible: fixed ZIP timestamps and a fixed PDF creation date.

``plan.json`` (format ``painting-assistant/plan``, version 1)::

    {
      "format": "painting-assistant/plan", "version": 1,
      "options": {"n_colors": 12, "medium": "acrylic", "seed": 0, ...},
      "image": {"width": 1024, "height": 768},
      "palette": [{"index": 1, "hex": "#1b1a22", "rgb": [27, 26, 34],
                   "lab": [10.2, 2.1, -5.0], "name": "black", "coverage": 17.4}, ...],
      "steps": [{"index": 1, "title": "Dark background masses",
                 "instruction": "Block in ...", "colors": [1, 4], "area": 21.5,
                 "image": "steps/01.png", "highlight": "steps/01_new.png"}, ...],
      "files": {"original": "original.png", "quantized": "quantized.png", ...},
      ...extras (style, network, strokes) when those stages ran
    }

``coverage`` and ``area`` are percentages of the canvas; palette ``index`` is the
number written on the outline; ``colors`` lists palette indices.
"""

from __future__ import annotations

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


def _has_target(guide: Guide) -> bool:
    """True when the guide paints a stylised target rather than the photo itself."""
    return not np.array_equal(guide.target, guide.photo)


def plan_dict(guide: Guide) -> dict:
    """The machine-readable plan (see module docstring)."""
    height, width = guide.labels.shape
    files = {"original": "original.png", "quantized": "quantized.png", "outline": "outline.png"}
    if _has_target(guide):
        files["target"] = "stylized.png"
    if guide.strokes is not None:
        files.update(painting="painting.png", strokes="strokes.json", timelapse="timelapse.gif")
    plan = {
        "format": "painting-assistant/plan",
        "version": 1,
        "generator": f"painting-assistant {__version__}",
        "options": {
            "n_colors": guide.options.n_colors,
            "medium": guide.options.medium,
            "min_steps": guide.options.min_steps,
            "max_steps": guide.options.max_steps,
            "min_region": guide.options.min_region,
            "max_side": guide.options.max_side,
            "seed": guide.options.seed,
        },
        "image": {"width": int(width), "height": int(height)},
        "palette": [
            {
                "index": c.index,
                "hex": c.hex,
                "rgb": list(c.rgb),
                "lab": list(c.lab),
                "name": c.name,
                "coverage": c.coverage,
            }
            for c in guide.palette
        ],
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
    for key, value in guide.extras.items():
        if key not in plan and not isinstance(value, np.ndarray):
            plan[key] = value
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
    if _has_target(guide):
        files["stylized.png"] = guide.target
    for step, image, highlight in zip(guide.steps, guide.step_images, guide.step_highlights):
        files[_step_name(step.index)] = image
        files[_step_name(step.index, "_new")] = highlight
    if guide.strokes is not None:
        files["painting.png"] = guide.strokes.painting.image
        for step, image, highlight in zip(guide.strokes.steps, guide.strokes.images, guide.strokes.highlights):
            files[_stroke_step_name(step.index)] = image
            files[_stroke_step_name(step.index, "_new")] = highlight
    for name, value in guide.extras.items():
        if isinstance(value, np.ndarray) and value.ndim == 3:
            files[f"{name}.png"] = value
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


def to_pdf(guide: Guide, *, title: str = "Your painting guide") -> bytes:
    """A printable A4 guide: cover, palette, one page per step, the numbered outline."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creation_date(_dt.datetime(2020, 1, 1, tzinfo=_dt.timezone.utc))
    pdf.set_title(_latin1(title))
    pdf.set_creator(f"Painting Assistant {__version__}")
    pdf.set_auto_page_break(auto=True, margin=15)
    page_w, margin = 210.0, 15.0
    usable = page_w - 2 * margin

    def heading(text: str, size: int = 18) -> None:
        pdf.set_font("helvetica", "B", size)
        pdf.cell(0, 10, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def body(text: str, size: int = 11) -> None:
        pdf.set_font("helvetica", "", size)
        pdf.multi_cell(0, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def picture(image: np.ndarray, x: float, y: float, w: float, h_max: float) -> float:
        height, width = image.shape[:2]
        w_fit = min(w, h_max * width / height)
        pdf.image(io.BytesIO(encode_jpeg(image, quality=92)), x=x, y=y, w=w_fit)
        return w_fit * height / width

    # Cover
    pdf.add_page()
    heading(title, 22)
    options = guide.options
    body(
        f"{len(guide.palette)} colours, {len(guide.steps)} steps, {len(guide.regions)} regions, "
        f"medium: {options.medium}, seed {options.seed}."
    )
    network = guide.extras.get("style", {}).get("network") if isinstance(guide.extras.get("style"), dict) else None
    if network:
        body(f"Stylised with: {guide.extras['style'].get('name', 'a style')} - feature network: {network}.")
    y = pdf.get_y() + 4
    half = (usable - 6) / 2
    has_target = _has_target(guide)
    left = picture(guide.photo, margin, y, half, 110)
    right = picture(guide.target if has_target else guide.quantized, margin + half + 6, y, half, 110)
    pdf.set_y(y + max(left, right) + 2)
    pdf.set_font("helvetica", "I", 9)
    pdf.cell(half + 6, 5, "Your photo")
    pdf.cell(half, 5, "Stylised target" if has_target else "What you will paint", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    picture(guide.quantized, margin, pdf.get_y(), usable, 100)

    # Palette
    pdf.add_page()
    heading("Palette")
    body("Mix each paint to match its swatch. Numbers match the outline sheet.")
    pdf.ln(2)
    for color in guide.palette:
        if pdf.get_y() > 270:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_fill_color(*color.rgb)
        pdf.set_draw_color(120, 120, 120)
        pdf.rect(margin, y, 16, 9, style="DF")
        pdf.set_xy(margin + 20, y + 1.5)
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(12, 6, str(color.index))
        pdf.set_font("helvetica", "", 11)
        pdf.cell(70, 6, _latin1(color.name))
        pdf.cell(28, 6, color.hex)
        pdf.cell(0, 6, f"{color.coverage:.1f}% of canvas", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(y + 11)

    # Steps
    for step, highlight, image in zip(guide.steps, guide.step_highlights, guide.step_images):
        pdf.add_page()
        heading(f"Step {step.index} of {len(guide.steps)}: {step.title}", 16)
        body(step.instruction, 12)
        body(f"Colours: {', '.join(str(c) for c in step.colors)} - {step.area:.1f}% of the canvas.", 10)
        y = pdf.get_y() + 3
        height = picture(highlight, margin, y, usable, 150)
        pdf.set_y(y + height + 3)
        pdf.set_font("helvetica", "I", 9)
        pdf.cell(0, 5, "New in this step (outlined). Below: the canvas when this step is done.", new_x="LMARGIN", new_y="NEXT")
        picture(image, margin, pdf.get_y() + 1, usable / 2, 265 - pdf.get_y())

    if guide.strokes is not None:
        _stroke_pages(pdf, guide, heading, body, picture, margin, usable)

    # Outline
    pdf.add_page()
    heading("Numbered outline")
    body("Trace or print this sheet; each number is a palette colour.")
    picture(guide.outline, margin, pdf.get_y() + 2, usable, 240)
    return bytes(pdf.output())


def _stroke_pages(pdf, guide: Guide, heading, body, picture, margin: float, usable: float) -> None:
    """Brushstroke layers: the finished painting, then one page per layer."""
    plan = guide.strokes
    painting = plan.painting
    pdf.add_page()
    heading("Painting it stroke by stroke")
    body(
        f"{len(painting.strokes)} brushstrokes in {len(painting.layers)} layers, {len(plan.steps)} steps. "
        "Each stroke is one paint from the palette, opaque, painted in one movement. "
        "Work layer by layer; within a layer, one paint after the other in the order listed."
    )
    body(f"Planned with: {painting.renderer}.", 9)
    picture(painting.image, margin, pdf.get_y() + 3, usable, 200)
    for layer in painting.layers:
        steps = [s for s in plan.steps if s.layer == layer.layer]
        if not steps:
            continue
        pdf.add_page()
        heading(f"Layer {layer.layer} of {len(painting.layers)}: {layer.strokes} strokes", 16)
        last = plan.steps.index(steps[-1])
        y = pdf.get_y() + 2
        height = picture(plan.images[last], margin, y, usable * 0.55, 110)
        pdf.set_y(y + height + 3)
        for step in steps:
            if pdf.get_y() > 272:
                pdf.add_page()
            color = guide.palette[step.color - 1]
            y = pdf.get_y()
            pdf.set_fill_color(*color.rgb)
            pdf.set_draw_color(120, 120, 120)
            pdf.rect(margin, y + 0.5, 8, 5, style="DF")
            pdf.set_xy(margin + 10, y)
            pdf.set_font("helvetica", "", 9)
            pdf.multi_cell(usable - 10, 4.5, _latin1(f"Step {step.index}: {step.instruction}"), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        # Where each step's strokes go: small pictures, new strokes at full strength.
        columns, gap = 4, 4.0
        thumb_w = (usable - gap * (columns - 1)) / columns
        for k, step in enumerate(steps):
            index = plan.steps.index(step)
            image = _thumbnail(plan.highlights[index], 360)
            thumb_h = thumb_w * image.shape[0] / image.shape[1]
            if k % columns == 0:
                if pdf.get_y() + thumb_h + 8 > 282:
                    pdf.add_page()
                row_y = pdf.get_y() + 2
            x = margin + (k % columns) * (thumb_w + gap)
            pdf.image(io.BytesIO(encode_jpeg(image, quality=85)), x=x, y=row_y, w=thumb_w)
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


def write_guide(guide: Guide, outdir: str | Path) -> dict[str, Path]:
    """Write the guide to ``outdir`` (created if needed). Returns the paths written."""
    outdir = Path(outdir)
    files: dict[str, bytes] = {name: encode_png(image) for name, image in image_files(guide).items()}
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
