"""The records of a brushstroke plan: its steps and pictures (no dependency on the guide).

:mod:`assistant.stroke_guide` makes them; :mod:`assistant.pipeline` holds one on a guide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .painter import Painting

__all__ = ["StrokePlan", "StrokeStep"]


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
        painting: the :class:`assistant.painter.Painting` (strokes in image px).
        steps: stroke steps in painting order.
        images: cumulative canvas after each step, uint8 RGB (long side <= 768 px).
        highlights: each step's new strokes at full strength over the faded canvas, uint8 RGB.
    """

    painting: Painting
    steps: tuple[StrokeStep, ...]
    images: tuple[np.ndarray, ...]
    highlights: tuple[np.ndarray, ...]
