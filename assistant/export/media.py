"""Moving pictures and the stroke list of a brushstroke plan: GIF, MP4 and ``strokes.json``."""

from __future__ import annotations

import dataclasses
import io
from typing import TYPE_CHECKING

import numpy as np

from ..strokes.brush import SHAPE_LAYOUT
from ..strokes.plan import StrokePlan

if TYPE_CHECKING:
    from ..color.palette import Palette

__all__ = ["encode_gif", "encode_mp4", "strokes_dict"]


def encode_gif(frames: list[np.ndarray], *, frame_ms: int = 90, hold_ms: int = 2000) -> bytes:
    """Animated GIF (loops); the last frame is held ``hold_ms``."""
    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    palette_source = images[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    quantized = [im.quantize(palette=palette_source, dither=Image.Dither.NONE) for im in images]
    durations = [frame_ms] * (len(quantized) - 1) + [hold_ms]
    buffer = io.BytesIO()
    quantized[0].save(buffer, format="GIF", save_all=True, append_images=quantized[1:], duration=durations, loop=0, optimize=False)
    return buffer.getvalue()


def encode_mp4(frames: list[np.ndarray], *, fps: int = 12) -> bytes | None:
    """MP4 (mp4v) through OpenCV in a private temporary folder; None if OpenCV cannot write it."""
    import tempfile
    from pathlib import Path

    import cv2

    h, w = frames[0].shape[:2]
    with tempfile.TemporaryDirectory(prefix="painting-assistant-") as folder:
        path = Path(folder) / "timelapse.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w - w % 2, h - h % 2))
        if not writer.isOpened():
            return None
        for frame in frames + [frames[-1]] * fps * 2:
            writer.write(cv2.cvtColor(np.ascontiguousarray(frame[: h - h % 2, : w - w % 2]), cv2.COLOR_RGB2BGR))
        writer.release()
        data = path.read_bytes() if path.is_file() else b""
    return data or None


def strokes_dict(plan: StrokePlan, palette: Palette) -> dict:
    """The ordered stroke list, for ``strokes.json`` and ``plan.json``."""
    painting = plan.painting
    h, w = painting.size
    steps_of = {}
    for step in plan.steps:
        for i in range(step.start, step.stop):
            steps_of[i] = step.index
    return {
        "format": "painting-assistant/strokes",
        "version": 1,
        "layout": SHAPE_LAYOUT.describe(),
        "coordinates": "image pixels (x right, y down) of the guide's working image; fractions are of its width",
        "image": {"width": int(w), "height": int(h)},
        "renderer": painting.renderer,
        "options": dataclasses.asdict(painting.options),
        # Wall times are left out so that the same seed gives the same file.
        "layers": [{k: v for k, v in dataclasses.asdict(layer).items() if k != "seconds"} for layer in painting.layers],
        # "colors" only for a step of several paints (strokes that were not sorted by paint).
        "steps": [
            {
                "index": s.index, "layer": s.layer, "color": s.color,
                **({"colors": list(s.colors)} if len(s.colors) > 1 else {}), "title": s.title,
                "instruction": s.instruction, "strokes": [s.start, s.stop],
                "width_px": list(s.width_px), "width_fraction": list(s.width_fraction),
                "width_mm": list(s.width_mm), "brush": s.brush,
            }
            for s in plan.steps
        ],
        "strokes": [
            {
                "order": i + 1,
                "step": steps_of.get(i),
                "layer": s.layer,
                "color": s.color,
                "hex": palette[s.color - 1].hex,
                "width_px": [round(s.widths[0], 2), round(s.widths[1], 2)],
                "width_fraction": [round(s.widths[0] / w, 5), round(s.widths[1] / w, 5)],
                "points_px": [[round(x, 2), round(y, 2)] for x, y in s.points],
                "points_fraction": [[round(x / w, 5), round(y / h, 5)] for x, y in s.points],
            }
            for i, s in enumerate(painting.strokes)
        ],
    }
