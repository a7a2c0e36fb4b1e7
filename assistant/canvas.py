"""The real canvas: its size in millimetres, how the photo fits it, and what follows.

A guide is planned for a physical canvas. From its size come the scale (millimetres
per working pixel), the brushes named in each step (nearest common size and shape),
the smallest region worth painting, how much paint each colour needs, and the
real-size outline. Images stay float32 ``(H, W, 3)`` in [0, 1]; nothing here mutates
its inputs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CANVAS_SIZES",
    "Brush",
    "Canvas",
    "fit_image",
    "nearest_brush",
    "paint_ml",
    "parse_canvas",
    "parse_crop_anchor",
]

MM_PER_INCH = 25.4
#: A side between 5 cm and 3 m: smaller is a postcard, larger no printer tiles sensibly.
MIN_SIDE_MM, MAX_SIDE_MM = 50.0, 3000.0
#: Long side of the canvas when none is chosen (the photo's own proportions).
DEFAULT_LONG_SIDE_MM = 400.0

#: Common stretched-canvas sizes, portrait (width × height); the spec strings the CLI takes.
CANVAS_SIZES = (
    "20x25cm", "24x30cm", "30x40cm", "40x50cm", "50x70cm",
    "8x10in", "11x14in", "16x20in", "18x24in", "24x36in",
)

_SPEC = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[x×*]\s*(\d+(?:\.\d+)?)\s*(cm|mm|in|inch|inches|\")?\s*$", re.IGNORECASE)
_UNIT_MM = {"cm": 10.0, "mm": 1.0, "in": MM_PER_INCH, "inch": MM_PER_INCH, "inches": MM_PER_INCH, '"': MM_PER_INCH}


@dataclass(frozen=True)
class Canvas:
    """A canvas of ``width_mm`` × ``height_mm``; ``unit`` ("cm" or "in") is how people named it."""

    width_mm: float
    height_mm: float
    unit: str = "cm"

    def __post_init__(self) -> None:
        for side in (self.width_mm, self.height_mm):
            if not (math.isfinite(side) and MIN_SIDE_MM <= side <= MAX_SIDE_MM):
                raise ValueError(
                    f"Expected a canvas 5 cm to 300 cm a side. Received: {self.width_mm:g} x {self.height_mm:g} mm"
                )

    @property
    def aspect(self) -> float:
        """Width over height."""
        return self.width_mm / self.height_mm

    @property
    def label(self) -> str:
        """How a painter names it: ``"40 × 50 cm"`` or ``"16 × 20 in"``."""
        if self.unit == "in":
            return f"{self.width_mm / MM_PER_INCH:g} × {self.height_mm / MM_PER_INCH:g} in"
        return f"{self.width_mm / 10:g} × {self.height_mm / 10:g} cm"

    @property
    def area_cm2(self) -> float:
        return self.width_mm * self.height_mm / 100.0

    def mm_per_px(self, image_width_px: int) -> float:
        """Millimetres on the canvas per pixel of an image fitted to it ``image_width_px`` wide."""
        return self.width_mm / float(image_width_px)

    def grid_step_mm(self) -> float:
        """The grid-method spacing: every 5 cm, or every 2 inches on an inch canvas."""
        return 2 * MM_PER_INCH if self.unit == "in" else 50.0

    @classmethod
    def for_photo(cls, height: int, width: int, *, long_side_mm: float = DEFAULT_LONG_SIDE_MM) -> Canvas:
        """A canvas in the photo's own proportions (nothing cropped), ``long_side_mm`` on its long side."""
        scale = long_side_mm / max(height, width)
        return cls(round(width * scale, 1), round(height * scale, 1))


def parse_canvas(spec: str, *, photo_shape: tuple[int, int] | None = None) -> Canvas:
    """``"40x50cm"``, ``"16x20in"``, ``"300x400mm"`` (width × height) → :class:`Canvas`.

    An empty spec means the photo's own proportions, 40 cm on the long side
    (``photo_shape`` = ``(height, width)`` is needed then).

    Raises:
        ValueError: a spec that is not ``W x H unit`` or a side outside 5–300 cm.
    """
    text = str(spec or "").strip()
    if not text:
        if photo_shape is None:
            raise ValueError("Expected a canvas size such as 40x50cm. Received: canvas=''")
        return Canvas.for_photo(*photo_shape[:2])
    match = _SPEC.match(text)
    if match is None:
        raise ValueError(f"Expected a canvas size such as 40x50cm or 16x20in. Received: canvas={text!r}")
    unit = (match.group(3) or "cm").lower()
    scale = _UNIT_MM[unit]
    width, height = float(match.group(1)) * scale, float(match.group(2)) * scale
    try:
        return Canvas(width, height, "in" if scale == MM_PER_INCH else "cm")
    except ValueError:
        raise ValueError(f"Expected a canvas 5 cm to 300 cm a side. Received: canvas={text!r}") from None


_ANCHORS = {
    "center": (0.5, 0.5), "centre": (0.5, 0.5), "top": (0.5, 0.0), "bottom": (0.5, 1.0),
    "left": (0.0, 0.5), "right": (1.0, 0.5), "top-left": (0.0, 0.0), "top-right": (1.0, 0.0),
    "bottom-left": (0.0, 1.0), "bottom-right": (1.0, 1.0),
}


def parse_crop_anchor(text: str) -> tuple[float, float]:
    """``"center"``, ``"top-left"`` … or ``"x,y"`` with 0–1 each → ``(x, y)`` (0 = left / top)."""
    key = str(text).strip().lower()
    if key in _ANCHORS:
        return _ANCHORS[key]
    try:
        x, y = (float(part) for part in key.split(","))
    except ValueError:
        x = y = float("nan")
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        names = ", ".join(sorted(_ANCHORS))
        raise ValueError(f"Expected a crop anchor among {names} or 'x,y' within 0-1. Received: crop_anchor={text!r}")
    return x, y


def fit_box(height: int, width: int, aspect: float, *, fit: str, anchor: tuple[float, float] = (0.5, 0.5)
            ) -> tuple[int, int, int, int, tuple[int, int, int, int]]:
    """Where the photo goes on a canvas of ``aspect`` (width/height).

    Returns ``(out_h, out_w, top, left, crop)``: the fitted image size; for ``"crop"``,
    ``crop = (y0, y1, x0, x1)`` is the window kept from the photo; for ``"pad"`` the
    photo is pasted at ``(top, left)`` of the larger image.
    """
    if fit not in ("crop", "pad"):
        raise ValueError(f"Expected fit 'crop' or 'pad'. Received: fit={fit!r}")
    ax, ay = anchor
    if fit == "crop":
        out_w = min(width, max(1, round(height * aspect)))
        out_h = min(height, max(1, round(out_w / aspect)))
        x0 = round((width - out_w) * ax)
        y0 = round((height - out_h) * ay)
        return out_h, out_w, 0, 0, (y0, y0 + out_h, x0, x0 + out_w)
    out_w = max(width, round(height * aspect))
    out_h = max(height, round(out_w / aspect))
    return out_h, out_w, (out_h - height) // 2, (out_w - width) // 2, (0, height, 0, width)


def fit_image(
    image: np.ndarray,
    canvas: Canvas,
    *,
    fit: str = "crop",
    anchor: tuple[float, float] = (0.5, 0.5),
    pad_color: tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> np.ndarray:
    """A copy of ``image`` in the canvas's proportions: cropped (at ``anchor``) or padded (centred, white)."""
    height, width = image.shape[:2]
    out_h, out_w, top, left, (y0, y1, x0, x1) = fit_box(height, width, canvas.aspect, fit=fit, anchor=anchor)
    if fit == "crop":
        return np.array(image[y0:y1, x0:x1], dtype=np.float32, copy=True)
    result = np.empty((out_h, out_w, image.shape[2]), dtype=np.float32)
    result[:] = np.asarray(pad_color, dtype=np.float32)
    result[top : top + height, left : left + width] = image
    return result


@dataclass(frozen=True)
class Brush:
    """A common brush: ``shape`` (round, filbert, flat, mop), its size as sold, its width in mm."""

    shape: str
    size: str
    width_mm: float

    @property
    def words(self) -> str:
        """``"a no. 6 round (about 4.5 mm)"`` or ``"a 1-inch flat (25 mm)"``."""
        if self.size.startswith("no."):
            return f"a {self.size} {self.shape} (about {self.width_mm:g} mm)"
        return f"a {self.size} {self.shape} ({self.width_mm:g} mm)"


# Typical widths of synthetic artists' brushes; makers differ by a millimetre or so.
_ROUNDS = ((0, 1.5), (1, 2.0), (2, 2.5), (4, 3.5), (6, 4.5), (8, 5.5), (10, 6.5), (12, 8.0))
_WIDE = (("1/8-inch", 3.0), ("1/4-inch", 6.0), ("3/8-inch", 10.0), ("1/2-inch", 13.0), ("3/4-inch", 19.0),
         ("1-inch", 25.0), ("1.5-inch", 38.0), ("2-inch", 50.0))
BRUSHES = {
    "round": tuple(Brush("round", f"no. {n}", w) for n, w in _ROUNDS),
    "filbert": tuple(Brush("filbert", s, w) for s, w in _WIDE[:6]),
    "flat": tuple(Brush("flat", s, w) for s, w in _WIDE),
    "mop": tuple(Brush("mop", s, w) for s, w in _WIDE[4:]),
}


def nearest_brush(width_mm: float, shape: str = "round") -> Brush:
    """The largest common ``shape`` brush no wider than ``width_mm`` (the smallest if none is)."""
    if shape not in BRUSHES:
        raise ValueError(f"Expected a brush shape among {', '.join(BRUSHES)}. Received: shape={shape!r}")
    fitting = [b for b in BRUSHES[shape] if b.width_mm <= width_mm * 1.1]
    return fitting[-1] if fitting else BRUSHES[shape][0]


#: Smallest brush any guide names, and so the narrowest region it asks to paint.
SMALLEST_BRUSH = BRUSHES["round"][0]

# Rough wet paint per cm² for two opaque coats (~0.1 mm each) and for watercolour washes.
_ML_PER_CM2 = {"opaque": 0.02, "transparent": 0.003}


def paint_ml(area_cm2: float, *, opaque: bool = True) -> float:
    """About how much paint covers ``area_cm2``, rounded up to half a millilitre (at least 0.5 ml)."""
    ml = area_cm2 * _ML_PER_CM2["opaque" if opaque else "transparent"] * 1.2  # 20 % lost on the palette
    return max(0.5, math.ceil(ml * 2) / 2)
