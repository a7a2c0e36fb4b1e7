"""The machine-readable plan (``plan.json``) and the guide's files by name.

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
      "canvas": {"width_mm": 400.0, "height_mm": 500.0, "label": "40 × 50 cm", "fit": "crop",
                 "crop": [0.5, 0.5], "mm_per_px": 0.49, "min_region_mm2": 80.0},
      "value_study": {"levels": 3, "image": "value_study.png", "notan": "notan.png",
                      "thresholds_lightness": [31.5, 62.0], "shares": [0.3, 0.45, 0.25]},
      "notes": ["This photo needs only 11 distinct colours ..."],
      "steps": [{"index": 1, "title": "Dark background masses",
                 "instruction": "Block in ...", "colors": [1, 4], "area": 21.5,
                 "brush": "a 1-inch flat (25 mm)", "brush_mm": 25.0,
                 "image": "steps/01.png", "highlight": "steps/01_new.png"}, ...],
      "files": {"original": "original.png", "quantized": "quantized.png", ...},
      "style": {...}, "brushstrokes": {...}   (when those stages ran)
    }

Step 1 is the value study's step (toned canvas and underpainting, or for watercolour
the value sketch and the whites to save). Each palette entry also gives ``area_cm2`` on
the real canvas and ``paint_ml``, a rough amount of paint (two coats, rounded up).
``coverage`` and ``area`` are percentages of the canvas; palette ``index`` is the
number written on the outline; ``colors`` lists palette indices. A recipe's ``parts``
are whole volume parts; a touch has ``parts`` 0 and its ``share`` of the whole mix;
``delta_e`` is CIEDE2000 between the predicted mix and the palette colour, ``match`` the
same in words (close < 3 ≤ noticeable < 6 ≤ far, with a ``reason`` when far), and a
recipe using an approximate paint says ``"approximate": true``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np

from .. import __version__
from ..pipeline import Guide

__all__ = ["image_files", "plan_dict", "plan_json", "stroke_files"]


def _step_name(index: int, suffix: str = "") -> str:
    return f"steps/{index:02d}{suffix}.png"


def _paint_dict(paint) -> dict:
    from ..color.mixing import paint_hex

    record = {"name": paint.name, "source": paint.source, "pigment": paint.pigment, "hex": paint_hex(paint)}
    if paint.approximate:
        record["tinting_strength"] = paint.strength
    return record


def plan_dict(guide: Guide) -> dict:
    """The machine-readable plan (see module docstring)."""
    height, width = guide.labels.shape
    amounts = guide.paint_amounts()
    tint_of = guide.tints
    files = {"original": "original.png", "quantized": "quantized.png", "outline": "outline.png",
             "outline_svg": "outline.svg", "outline_tiles": "print/outline_tiles.pdf",
             "outline_full": "print/outline_full.pdf", "value_study": "value_study.png", "notan": "notan.png"}
    if guide.is_stylised:
        files["target"] = "stylized.png"
    if guide.strokes is not None:
        files.update(painting="painting.png", strokes="strokes.json", timelapse="timelapse.gif")
    plan: dict[str, Any] = {
        "format": "painting-assistant/plan",
        "version": 1,
        "generator": f"painting-assistant {__version__}",
        "options": dataclasses.asdict(guide.options),
        "image": {"width": int(width), "height": int(height)},
        "paints": [_paint_dict(p) for p in guide.paints],
        "palette": [
            {
                "index": c.index,
                "hex": c.hex,
                "rgb": list(c.rgb),
                "lab": list(c.lab),
                "name": c.name,
                "coverage": c.coverage,
                "area_cm2": amounts[i][0],
                "paint_ml": amounts[i][1],
                **({"recipe": guide.recipes[i].plan_dict()} if guide.recipes else {}),
                **({"tint": dataclasses.asdict(tint_of[i + 1]), "tint_text": tint_of[i + 1].text()}
                   if i + 1 in tint_of else {}),
            }
            for i, c in enumerate(guide.palette)
        ],
        "canvas": _canvas_dict(guide),
        "value_study": _values_dict(guide),
        "notes": list(guide.notes),
        "steps": [
            {
                "index": s.index,
                "title": s.title,
                "instruction": s.instruction,
                "colors": list(s.colors),
                "area": s.area,
                "brush": s.brush,
                "brush_mm": s.brush_mm,
                "image": _step_name(s.index),
                "highlight": _step_name(s.index, "_new"),
            }
            for s in guide.steps
        ],
        "regions": int(len(guide.regions)),
        "files": files,
    }
    if guide.strokes is not None:
        from ..export.media import strokes_dict

        plan["brushstrokes"] = strokes_dict(guide.strokes, guide.palette)
        for entry in plan["brushstrokes"]["steps"]:
            entry["image"] = _stroke_step_name(entry["index"])
            entry["highlight"] = _stroke_step_name(entry["index"], "_new")
    if guide.style is not None:
        plan["style"] = guide.style.plan_dict()
    plan["focus"] = guide.focus.plan_dict()
    return plan


def _canvas_dict(guide: Guide) -> dict:
    canvas = guide.canvas
    return {
        "width_mm": round(canvas.width_mm, 1),
        "height_mm": round(canvas.height_mm, 1),
        "label": canvas.label,
        "fit": guide.options.fit,
        "crop": [guide.options.crop_x, guide.options.crop_y],
        "mm_per_px": round(guide.mm_per_px, 4),
        "min_region_mm2": guide.min_region_mm2,
    }


def _values_dict(guide: Guide) -> dict:
    return {
        "levels": guide.values.levels,
        "image": "value_study.png",
        "notan": "notan.png",
        "thresholds_lightness": list(guide.values.thresholds),
        "shares": [round(float(v), 4) for v in guide.values.shares()],
    }


def _stroke_step_name(index: int, suffix: str = "") -> str:
    return f"strokes/{index:03d}{suffix}.png"


def stroke_files(guide: Guide) -> dict[str, bytes]:
    """``strokes.json`` and ``timelapse.gif`` of a guide with a stroke plan (else empty)."""
    return _stroke_media(guide)[0]


def _stroke_media(guide: Guide) -> tuple[dict[str, bytes], list[np.ndarray]]:
    """:func:`stroke_files` and the time-lapse frames they were made from."""
    if guide.strokes is None:
        return {}, []
    from ..export.media import encode_gif, strokes_dict
    from ..strokes.plan import timelapse_frames

    data = json.dumps(strokes_dict(guide.strokes, guide.palette), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    frames = timelapse_frames(guide.strokes.painting, guide.palette.rgb)
    return {"strokes.json": data.encode("utf-8"), "timelapse.gif": encode_gif(frames)}, frames


def plan_json(guide: Guide) -> bytes:
    return (json.dumps(plan_dict(guide), indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def image_files(guide: Guide) -> dict[str, np.ndarray]:
    """Every image of the guide under its file name (the ZIP / output-folder layout)."""
    files = {"original.png": guide.photo, "quantized.png": guide.quantized, "outline.png": guide.outline}
    files["value_study.png"] = guide.values.image()
    files["notan.png"] = guide.values.notan_image()
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


