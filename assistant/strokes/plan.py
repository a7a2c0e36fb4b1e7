"""Brushstroke layers as painting steps: the plan's records, its steps and its pictures.

Each run of consecutive strokes with the same layer and paint is one step, so a person paints
layer by layer and, within a layer, one paint at a time (dark to light for opaque media, light
to dark for watercolour). The painter sorts each layer by paint, so a layer has one step per
paint. Strokes that come in another order (a project file made elsewhere) never make more steps
than that: such a layer is cut into as many steps as it has paints, and a step that holds several
paints says so. Step pictures are kept as 8-bit RGB (a quarter of float32).

Nothing here knows the guide: :mod:`assistant.work` attaches a plan to one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..canvas import nearest_brush
from ..images import to_uint8
from ..plan.steps import Medium
from .brush import Stroke, paint_strokes
from .painter import MAX_LAYERS, Painting

if TYPE_CHECKING:
    from ..color.palette import Palette

__all__ = ["StrokePlan", "StrokeStep", "plan_stroke_steps", "render_stroke_steps", "timelapse_frames"]

#: Canvas width (mm) used when a painting is laid out without a guide's canvas.
DEFAULT_CANVAS_WIDTH_MM = 400.0

@dataclass(frozen=True)
class StrokeStep:
    """One brushstroke step: one layer, one paint (several only for strokes not sorted by paint).

    Attributes:
        index: 1-based step number.
        layer: 1-based layer (coarse to fine).
        color: 1-based palette index (of the step's first stroke).
        title: short heading.
        instruction: one line a person can follow.
        start, stop: the step's strokes are ``plan.painting.strokes[start:stop]``.
        width_px: (min, max) brush diameter in image pixels.
        width_fraction: the same as fractions of the canvas width.
        width_mm: the same in millimetres on the real canvas.
        brush: the common brush named for it.
        colors: every paint of the step, in order of first use (``(color,)`` for one paint).
    """

    index: int
    layer: int
    color: int
    title: str
    instruction: str
    start: int
    stop: int
    width_px: tuple[float, float]
    width_fraction: tuple[float, float]
    width_mm: tuple[float, float] = (0.0, 0.0)
    brush: str = ""
    colors: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class StrokePlan:
    """A painting made of strokes, with its steps and step images.

    Attributes:
        painting: the :class:`assistant.strokes.painter.Painting` (strokes in image px).
        steps: stroke steps in painting order.
        images: cumulative canvas after each step, uint8 RGB (long side <= 768 px).
        highlights: each step's new strokes at full strength over the faded canvas, uint8 RGB.
    """

    painting: Painting
    steps: tuple[StrokeStep, ...]
    images: tuple[np.ndarray, ...]
    highlights: tuple[np.ndarray, ...]


def plan_stroke_steps(painting: Painting, palette: Palette, *, medium: Medium | str = Medium.ACRYLIC,
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


def _check_order(strokes: Sequence[Stroke], n_colors: int) -> None:
    previous = 1
    for i, stroke in enumerate(strokes):
        if not previous <= stroke.layer <= MAX_LAYERS:
            raise ValueError(f"Expected brushstrokes in layer order, layers 1 to {MAX_LAYERS}. "
                             f"Received: layer {stroke.layer} at stroke {i + 1}, after layer {previous}")
        if not 1 <= stroke.color <= n_colors:
            raise ValueError(f"Expected a palette index in 1..{n_colors}. Received: color={stroke.color} "
                             f"at stroke {i + 1}")
        previous = stroke.layer


def _layer_runs(strokes: Sequence[Stroke]) -> list[list[tuple[int, int, int, int]]]:
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


def _balanced(runs: list[tuple[int, int, int, int]], parts: int) -> list[list[tuple[int, int, int, int]]]:
    """``runs`` cut into at most ``parts`` consecutive groups of about the same number of strokes."""
    first, total = runs[0][2], runs[-1][3] - runs[0][2]
    groups: list[list[tuple[int, int, int, int]]] = []
    current: list[tuple[int, int, int, int]] = []
    for run in runs:
        current.append(run)
        if len(groups) < parts - 1 and run[3] - first >= total * (len(groups) + 1) / parts:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _stroke_step(index: int, strokes: Sequence[Stroke], start: int, stop: int, colors: tuple[int, ...],
                 palette: Palette, medium: Medium,
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
        what = (f" of colour {first.color} as shown, each in one movement from start to end (the line in the picture"
                " starts where the stroke starts; its arrow shows the way).")
    else:
        numbers = ", ".join(map(str, colors[:-1])) + f" and {colors[-1]}"
        names = ", ".join(palette[c - 1].name for c in colors)
        title = f"Layer {first.layer} of {n_layers}: colours {numbers} ({names})"
        what = (f" in {len(colors)} paints, colours {numbers}, in the order shown, each stroke in its own paint "
                "and in one movement from start to end (the line in the picture starts where the stroke starts; "
                "its arrow shows the way).")
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


def _display_strokes(painting: Painting, max_side: int) -> tuple[list[Stroke], np.ndarray]:
    """The painting's strokes scaled to a display size, and a white canvas of that size."""
    scale = min(1.0, max_side / max(painting.size))
    h, w = round(painting.size[0] * scale), round(painting.size[1] * scale)
    return [s.scaled(scale) for s in painting.strokes], np.ones((h, w, 3), np.float32)


def render_stroke_steps(painting: Painting, palette_rgb: npt.ArrayLike, steps: Iterable[StrokeStep], *,
                        max_side: int = 768) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Cumulative canvas after each step and a highlight of each step's strokes, as uint8 RGB pictures."""
    strokes, canvas = _display_strokes(painting, max_side)
    images, highlights = [], []
    for step in steps:
        new = strokes[step.start : step.stop]
        faded = canvas * 0.35 + 0.65
        highlights.append(_with_directions(to_uint8(paint_strokes(faded, new, palette_rgb)), new, palette_rgb))
        canvas = paint_strokes(canvas, new, palette_rgb)
        images.append(to_uint8(canvas))
    return images, highlights


def _with_directions(picture: np.ndarray, strokes: Sequence[Stroke], palette_rgb: npt.ArrayLike) -> np.ndarray:
    """``picture`` (uint8, changed in place and returned) with each stroke's path drawn along its middle, an arrow
    at its end: "each in one movement from start to end" needs to show where a stroke starts and which way it
    goes. The line is white on a dark paint and dark grey on a light one."""
    import cv2

    colours = np.asarray(palette_rgb, np.float64).reshape(-1, 3)
    thickness = max(1, round(max(picture.shape[:2]) / 400))
    t = np.linspace(0.0, 1.0, 16)[:, None]
    for stroke in strokes:
        start, control, end = (np.asarray(p, np.float64) for p in stroke.points)
        path = (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end  # the quadratic Bézier
        length = float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())
        if length < 6 * thickness:  # a dab: no direction to show
            continue
        r, g, b = colours[stroke.color - 1]
        ink = (255, 255, 255) if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else (60, 60, 60)
        points = np.round(path).astype(np.int32)
        cv2.polylines(picture, [points[:-3]], False, ink, thickness, cv2.LINE_AA)
        cv2.arrowedLine(picture, tuple(int(v) for v in points[-4]), tuple(int(v) for v in points[-1]), ink, thickness,
                        cv2.LINE_AA, tipLength=min(0.9, 5.0 * thickness / max(1.0, float(np.linalg.norm(path[-1] - path[-4])))))
    return picture


def timelapse_frames(painting: Painting, palette_rgb: npt.ArrayLike, *, max_side: int = 360, n_frames: int = 60) -> list[np.ndarray]:
    """uint8 frames of the painting being painted, stroke by stroke, in plan order."""
    strokes, canvas = _display_strokes(painting, max_side)
    cuts = np.unique(np.linspace(0, len(strokes), max(2, n_frames) + 1).round().astype(int))
    frames = [(canvas * 255).round().astype(np.uint8)]
    for a, b in zip(cuts[:-1], cuts[1:]):
        canvas = paint_strokes(canvas, strokes[a:b], palette_rgb)
        frames.append((canvas * 255).round().astype(np.uint8))
    return frames
