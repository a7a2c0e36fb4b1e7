"""Brushstroke layers as painting steps: steps, images, time-lapse, ``strokes.json``.

:func:`add_strokes` paints a guide's target with :func:`assistant.painter.paint`
(palette of the guide, order by medium) and returns a new :class:`Guide` carrying
the :class:`StrokePlan`. Each run of consecutive strokes with the same layer and
paint is one step, so a person paints layer by layer and, within a layer, one
paint at a time (dark to light for opaque media, light to dark for watercolour).

The painter sorts each layer by paint, so a layer has one step per paint. Strokes that
come in another order (a project file made elsewhere) never make more steps than that:
such a layer is cut into as many steps as it has paints, and a step that holds several
paints says so. Step pictures are kept as 8-bit RGB (a quarter of float32).
"""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np

from .base import ProgressFn
from .canvas import nearest_brush
from .images import to_uint8
from .painter import PainterOptions, Painting, paint
from .pipeline import Guide
from .plan.steps import Medium
from .stroke_plan import StrokePlan, StrokeStep
from .strokes import SHAPE_LAYOUT, paint_strokes

__all__ = [
    "StrokeStep",
    "StrokePlan",
    "add_strokes",
    "attach_painting",
    "painter_inputs",
    "plan_stroke_steps",
    "strokes_dict",
    "timelapse_frames",
    "encode_gif",
    "encode_mp4",
    "render_stroke_steps",
]

#: Canvas width (mm) used when a painting is laid out without a guide's canvas.
DEFAULT_CANVAS_WIDTH_MM = 400.0
#: Most layers a painting has (``PainterOptions.max_layers`` is at most 7).
MAX_LAYERS = 7


def add_strokes(
    guide: Guide,
    options: PainterOptions = PainterOptions(),
    *,
    renderer,
    on_progress: ProgressFn | None = None,
) -> Guide:
    """Paint the guide's target with strokes and return a guide carrying the plan.

    The guide decides what is the guide's to decide: its medium sets the paint order
    inside a layer and its seed seeds the painter (both override ``options``).
    ``on_progress(fraction, message, preview)`` shows the canvas after each layer.
    """
    target, palette_rgb, options, detail = painter_inputs(guide, options)
    painting = paint(target, palette_rgb, options, renderer=renderer, on_progress=on_progress, detail=detail)
    return attach_painting(guide, painting)


def painter_inputs(guide: Guide, options: PainterOptions = PainterOptions()):
    """What :func:`~assistant.painter.paint` needs to paint ``guide``: (target, palette RGB, options, detail map).

    The guide's medium sets the paint order inside a layer and its seed seeds the painter; the
    detail map is None where the guide has none (a background job sends exactly these to a worker).
    """
    medium = Medium.parse(guide.options.medium)
    options = dataclasses.replace(options, light_to_dark=not medium.value.opaque, seed=guide.options.seed)
    detail = None if guide.focus is None or guide.focus.is_neutral else guide.focus.detail
    return guide.target, guide.palette.rgb, options, detail


def attach_painting(guide: Guide, painting: Painting) -> Guide:
    """The guide carrying ``painting`` as its stroke plan (steps and step images derived here)."""
    if tuple(painting.size) != tuple(guide.target.shape[:2]):
        raise ValueError(f"Expected a painting of size {guide.target.shape[:2]}. Received: {painting.size}")
    width_mm = guide.canvas.width_mm
    steps = plan_stroke_steps(painting, guide.palette, medium=guide.options.medium, canvas_width_mm=width_mm)
    images, highlights = render_stroke_steps(painting, guide.palette.rgb, steps)
    return dataclasses.replace(guide, strokes=StrokePlan(painting, steps, tuple(images), tuple(highlights)))


def plan_stroke_steps(painting: Painting, palette, *, medium: Medium | str = Medium.ACRYLIC,
                      canvas_width_mm: float = DEFAULT_CANVAS_WIDTH_MM) -> tuple[StrokeStep, ...]:
    """Group the painting's ordered strokes into (layer, paint) steps.

    ``canvas_width_mm`` turns stroke widths into millimetres and the nearest common brush
    (flat for the first layers, then filbert, round for the last; mop and round in watercolour).
    A layer whose strokes are not sorted by paint is cut into as many steps as it has paints
    (each step then names all of its paints), so there are never more steps than layers × paints.

    Raises:
        ValueError: strokes out of layer order, more than :data:`MAX_LAYERS` layers, or a paint
            the palette does not have.
    """
    medium = Medium.parse(medium)
    mm_per_px = canvas_width_mm / float(painting.size[1])
    strokes = painting.strokes
    width = float(painting.size[1])
    _check_order(strokes, len(palette))
    n_layers = max((s.layer for s in strokes), default=0)
    steps: list[StrokeStep] = []
    for runs in _layer_runs(strokes):
        paints = len({color for _, color, _, _ in runs})
        groups = [[run] for run in runs] if len(runs) <= paints else _balanced(runs, paints)
        for group in groups:
            start, stop = group[0][2], group[-1][3]
            colors = tuple(dict.fromkeys(color for _, color, _, _ in group))
            steps.append(_stroke_step(len(steps) + 1, strokes, start, stop, colors, palette, medium, n_layers,
                                      mm_per_px, width))
    return tuple(steps)


def _check_order(strokes, n_colors: int) -> None:
    previous = 1
    for i, stroke in enumerate(strokes):
        if not previous <= stroke.layer <= MAX_LAYERS:
            raise ValueError(f"Expected brushstrokes in layer order, layers 1 to {MAX_LAYERS}. "
                             f"Received: layer {stroke.layer} at stroke {i + 1}, after layer {previous}")
        if not 1 <= stroke.color <= n_colors:
            raise ValueError(f"Expected a palette index in 1..{n_colors}. Received: color={stroke.color} "
                             f"at stroke {i + 1}")
        previous = stroke.layer


def _layer_runs(strokes) -> list[list[tuple[int, int, int, int]]]:
    """Runs of consecutive strokes with one layer and one paint, ``(layer, color, start, stop)``, per layer."""
    layers: list[list[tuple[int, int, int, int]]] = []
    start = 0
    for i in range(1, len(strokes) + 1):
        if i < len(strokes) and (strokes[i].layer, strokes[i].color) == (strokes[start].layer, strokes[start].color):
            continue
        run = (strokes[start].layer, strokes[start].color, start, i)
        if layers and layers[-1][0][0] == run[0]:
            layers[-1].append(run)
        else:
            layers.append([run])
        start = i
    return layers


def _balanced(runs, parts: int) -> list[list[tuple[int, int, int, int]]]:
    """``runs`` cut into at most ``parts`` consecutive groups of about the same number of strokes."""
    first, total = runs[0][2], runs[-1][3] - runs[0][2]
    groups, current = [], []
    for run in runs:
        current.append(run)
        if len(groups) < parts - 1 and run[3] - first >= total * (len(groups) + 1) / parts:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _stroke_step(index: int, strokes, start: int, stop: int, colors: tuple[int, ...], palette, medium: Medium,
                 n_layers: int, mm_per_px: float, width: float) -> StrokeStep:
    group = strokes[start:stop]
    first = group[0]
    widths = [w for s in group for w in s.widths]
    w_lo, w_hi = min(widths), max(widths)
    stage = min(2, (first.layer - 1) * 3 // max(n_layers, 1))
    shape = (("flat", "filbert", "round") if medium.value.opaque else ("mop", "round", "round"))[stage]
    lo_mm, hi_mm = w_lo * mm_per_px, w_hi * mm_per_px
    brush = nearest_brush(hi_mm, shape)
    if brush.width_mm > hi_mm * 1.1 and shape != "round":  # narrower than any brush of that shape
        brush = nearest_brush(hi_mm, "round")
    marks = f"{hi_mm:.0f} mm" if hi_mm >= 1.5 else f"{hi_mm:.1f} mm"
    count = len(group)
    if len(colors) == 1:
        title = f"Layer {first.layer} of {n_layers}: colour {first.color} ({palette[first.color - 1].name})"
        what = f" of colour {first.color} as shown, each in one movement from start to end."
    else:
        numbers = ", ".join(map(str, colors[:-1])) + f" and {colors[-1]}"
        names = ", ".join(palette[c - 1].name for c in colors)
        title = f"Layer {first.layer} of {n_layers}: colours {numbers} ({names})"
        what = (f" in {len(colors)} paints, colours {numbers}, in the order shown, each stroke in its own paint "
                "and in one movement from start to end.")
    # Marks wider than the widest brush are laid as strokes side by side, not with a brush that does not exist.
    passes = math.ceil(hi_mm / brush.width_mm - 0.25)
    width_words = (f" Make marks up to {marks} wide" + (f": lay {passes} strokes side by side for the widest."
                                                        if passes > 1 else "."))
    instruction = (f"With {brush.words}, paint " + ("1 stroke" if count == 1 else f"{count} strokes") + what
                   + width_words)
    return StrokeStep(
        index, first.layer, first.color, title, instruction, start, stop,
        (round(w_lo, 1), round(w_hi, 1)), (round(w_lo / width, 4), round(w_hi / width, 4)),
        (round(lo_mm, 1), round(hi_mm, 1)), brush.words, colors,
    )


def _display_strokes(painting: Painting, max_side: int):
    """The painting's strokes scaled to a display size, and a white canvas of that size."""
    scale = min(1.0, max_side / max(painting.size))
    h, w = round(painting.size[0] * scale), round(painting.size[1] * scale)
    return [s.scaled(scale) for s in painting.strokes], np.ones((h, w, 3), np.float32)


def render_stroke_steps(painting: Painting, palette_rgb, steps, *, max_side: int = 768):
    """Cumulative canvas after each step and a highlight of each step's strokes, as uint8 RGB pictures."""
    strokes, canvas = _display_strokes(painting, max_side)
    images, highlights = [], []
    for step in steps:
        new = strokes[step.start : step.stop]
        faded = canvas * 0.35 + 0.65
        highlights.append(to_uint8(paint_strokes(faded, new, palette_rgb)))
        canvas = paint_strokes(canvas, new, palette_rgb)
        images.append(to_uint8(canvas))
    return images, highlights


def timelapse_frames(painting: Painting, palette_rgb, *, max_side: int = 360, n_frames: int = 60) -> list[np.ndarray]:
    """uint8 frames of the painting being painted, stroke by stroke, in plan order."""
    strokes, canvas = _display_strokes(painting, max_side)
    cuts = np.unique(np.linspace(0, len(strokes), max(2, n_frames) + 1).round().astype(int))
    frames = [(canvas * 255).round().astype(np.uint8)]
    for a, b in zip(cuts[:-1], cuts[1:]):
        canvas = paint_strokes(canvas, strokes[a:b], palette_rgb)
        frames.append((canvas * 255).round().astype(np.uint8))
    return frames


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
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w - w % 2, h - h % 2))
        if not writer.isOpened():
            return None
        for frame in frames + [frames[-1]] * fps * 2:
            writer.write(cv2.cvtColor(np.ascontiguousarray(frame[: h - h % 2, : w - w % 2]), cv2.COLOR_RGB2BGR))
        writer.release()
        data = path.read_bytes() if path.is_file() else b""
    return data or None


def strokes_dict(plan: StrokePlan, palette) -> dict:
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

