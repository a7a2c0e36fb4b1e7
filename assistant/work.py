"""The workflow: a guide and the brushstrokes painted over it."""

from __future__ import annotations

import dataclasses

from .base import ProgressFn
from .pipeline import Guide
from .plan.steps import Medium
from .strokes.painter import PainterOptions, Painting, paint
from .strokes.plan import StrokePlan, plan_stroke_steps, render_stroke_steps

__all__ = ["add_strokes", "attach_painting", "painter_inputs"]


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
    """What :func:`~assistant.strokes.painter.paint` needs to paint ``guide``: (target, palette RGB, options, detail map).

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
