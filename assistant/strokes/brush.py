"""Brushstrokes: a named parameter layout and the procedural brush (the ground truth).

A stroke is a quadratic Bézier curve (start, control, end) swept by a round brush
whose diameter changes linearly from the start to the end (pen pressure). It is
painted in one colour and is opaque. The procedural brush here draws it exactly
(anti-aliased, any resolution); it generates the learned renderer's training data
and is the oracle in its tests. The learned renderer (``assistant.strokes.renderer``)
imitates :func:`stroke_alpha` on a small square canvas.

Shape parameters are stored in vectors whose layout is :data:`SHAPE_LAYOUT`; use
``SHAPE_LAYOUT.index("w0")`` or :meth:`ParamLayout.to_dict`, never bare numbers.
Coordinates are fractions of the frame the stroke lives in (``x`` to the right,
``y`` down, both in [0, 1]); widths are diameters as fractions of the frame side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "ParamLayout",
    "SHAPE_LAYOUT",
    "Footprint",
    "Stroke",
    "stroke_footprint",
    "stroke_alpha",
    "stroke_field",
    "field_to_alpha",
    "random_shapes",
    "paint_strokes",
]


@dataclass(frozen=True)
class ParamLayout:
    """A named, versioned layout of a parameter vector.

    Attributes:
        name: what the vector describes.
        version: bumped whenever fields change meaning or order; stored in model
            manifests and output files so that mismatches are caught on load.
        fields: field names, in vector order.
    """

    name: str
    version: int
    fields: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.fields)

    def index(self, field: str) -> int:
        """Position of ``field`` in the vector."""
        try:
            return self.fields.index(field)
        except ValueError:
            raise ValueError(f"Expected a field of {self.name} among {', '.join(self.fields)}. Received: {field!r}") from None

    def to_dict(self, vector: npt.ArrayLike) -> dict[str, float]:
        """Vector → ``{field: value}``."""
        values = np.asarray(vector, dtype=np.float64).reshape(-1)
        if values.size != len(self):
            raise ValueError(f"Expected {len(self)} values for {self.name}. Received: {values.size}")
        return {name: float(v) for name, v in zip(self.fields, values)}

    def from_dict(self, mapping: dict) -> np.ndarray:
        """``{field: value}`` → float32 vector (every field required, no extras)."""
        missing = [f for f in self.fields if f not in mapping]
        extra = [k for k in mapping if k not in self.fields]
        if missing or extra:
            raise ValueError(f"Expected exactly the fields {', '.join(self.fields)}. Missing: {missing}, unknown: {extra}")
        return np.array([float(mapping[f]) for f in self.fields], dtype=np.float32)

    def describe(self) -> dict:
        """JSON-ready description, written into manifests and plans."""
        return {"name": self.name, "version": self.version, "fields": list(self.fields)}


#: Shape of one stroke in its frame: start (x0, y0), Bézier control (x1, y1),
#: end (x2, y2), brush diameter at start and end (w0, w1), all as frame fractions.
SHAPE_LAYOUT = ParamLayout("stroke shape", 1, ("x0", "y0", "x1", "y1", "x2", "y2", "w0", "w1"))

#: Diameter range (fraction of the frame) the learned renderer is trained on.
WIDTH_RANGE = (0.04, 0.4)


@dataclass(frozen=True)
class Stroke:
    """One stroke on the canvas, in pixels of the canvas it was planned on.

    Attributes:
        layer: 1-based painting layer (coarse to fine).
        color: 1-based palette index (one paint, opaque).
        points: ((x0, y0), (x1, y1), (x2, y2)): start, Bézier control, end, in px.
        widths: brush diameter in px at the start and the end.
    """

    layer: int
    color: int
    points: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
    widths: tuple[float, float]

    def scaled(self, sx: float, sy: float | None = None) -> Stroke:
        """The same stroke on a canvas resized by (sx, sy); widths scale by their mean."""
        sy = sx if sy is None else sy
        s = 0.5 * (sx + sy)
        (x0, y0), (x1, y1), (x2, y2) = self.points
        return Stroke(
            self.layer,
            self.color,
            ((x0 * sx, y0 * sy), (x1 * sx, y1 * sy), (x2 * sx, y2 * sy)),
            (self.widths[0] * s, self.widths[1] * s),
        )

    def shape_vector(self, scale: float = 1.0) -> np.ndarray:
        """Layout vector in units of ``scale`` px (``scale`` = frame side)."""
        (x0, y0), (x1, y1), (x2, y2) = self.points
        w0, w1 = self.widths
        return np.array([x0, y0, x1, y1, x2, y2, w0, w1], dtype=np.float64) / float(scale)


def _as_shapes(shapes: npt.ArrayLike) -> np.ndarray:
    arr = np.asarray(shapes, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != len(SHAPE_LAYOUT):
        raise ValueError(f"Expected stroke shapes of shape (N, {len(SHAPE_LAYOUT)}). Received: {np.shape(shapes)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("Expected finite stroke parameters. Received: NaN or infinity")
    return arr


def _polyline(shape: np.ndarray, size_px: float, segments: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sample the Bézier: points (M, 2) in px and radii (M,) in px."""
    p0, p1, p2 = shape[0:2], shape[2:4], shape[4:6]
    if segments is None:
        # Enough segments that the chord error stays well below a pixel.
        length = (np.linalg.norm(p1 - p0) + np.linalg.norm(p2 - p1)) * size_px
        segments = int(np.clip(np.ceil(length / 3.0), 8, 64))
    t = np.linspace(0.0, 1.0, segments + 1)[:, None]
    pts = ((1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2) * size_px
    radii = 0.5 * ((1 - t[:, 0]) * shape[6] + t[:, 0] * shape[7]) * size_px
    return pts, np.maximum(radii, 0.25)


def _sweep(px: np.ndarray, py: np.ndarray, pts: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """max over segments of (radius - distance): positive inside the swept brush."""
    best = np.full(px.shape, -np.inf, dtype=np.float64)
    a = pts[:-1]
    d = pts[1:] - a
    dd = np.maximum((d**2).sum(1), 1e-12)
    for i in range(len(a)):
        u = np.clip(((px - a[i, 0]) * d[i, 0] + (py - a[i, 1]) * d[i, 1]) / dd[i], 0.0, 1.0)
        qx = a[i, 0] + u * d[i, 0] - px
        qy = a[i, 1] + u * d[i, 1] - py
        r = radii[i] + u * (radii[i + 1] - radii[i])
        np.maximum(best, r - np.sqrt(qx * qx + qy * qy), out=best)
    return best


def stroke_field(shapes: npt.ArrayLike, size: int, *, segments: int | None = None) -> np.ndarray:
    """Signed coverage field of strokes: brush radius minus distance, in pixels.

    Positive inside the stroke, negative outside; ``clip(field + 0.5, 0, 1)`` is the
    anti-aliased alpha of :func:`stroke_alpha`. The learned renderer is trained to
    predict this field (clipped to a few pixels), which is smooth and hence much
    easier to learn than the hard-edged alpha itself.

    Args:
        shapes: (N, 8) or (8,) vectors in :data:`SHAPE_LAYOUT`, frame fractions.
        size: side of the square frame in pixels.
        segments: curve samples per stroke (default: from the stroke length).

    Returns:
        float32 array (N, size, size) (or (size, size) for one vector).
    """
    if int(size) < 2:
        raise ValueError(f"Expected size >= 2. Received: size={size}")
    single = np.asarray(shapes).ndim == 1
    arr = _as_shapes(shapes)
    size = int(size)
    centres = np.arange(size, dtype=np.float64) + 0.5
    py, px = np.meshgrid(centres, centres, indexing="ij")
    out = np.empty((len(arr), size, size), dtype=np.float32)
    for k, shape in enumerate(arr):
        pts, radii = _polyline(shape, size, segments)
        out[k] = _sweep(px, py, pts, radii)
    return out[0] if single else out


def field_to_alpha(field: npt.ArrayLike) -> np.ndarray:
    """Anti-aliased coverage from a signed field (one pixel of soft edge)."""
    return np.clip(np.asarray(field, dtype=np.float32) + 0.5, 0.0, 1.0)


def stroke_alpha(shapes: npt.ArrayLike, size: int, *, segments: int | None = None) -> np.ndarray:
    """Draw strokes with the procedural brush, one alpha map each.

    Each pixel's coverage is the anti-aliased inside test of the swept round brush
    (one pixel of soft edge), computed from exact distances to the sampled curve.

    Args:
        shapes: (N, 8) or (8,) vectors in :data:`SHAPE_LAYOUT`, frame fractions.
        size: side of the square frame in pixels.
        segments: curve samples per stroke (default: from the stroke length).

    Returns:
        float32 array (N, size, size) in [0, 1] (or (size, size) for one vector).
    """
    return field_to_alpha(stroke_field(shapes, size, segments=segments))


def random_shapes(n: int, rng: np.random.Generator, *, width_range: tuple[float, float] = WIDTH_RANGE) -> np.ndarray:
    """Random stroke shapes in the renderer's training distribution.

    Start and end lie in the frame; the control point sits near the chord (so the
    curve bends but rarely folds back, like a real brush movement); diameters are
    log-uniform in ``width_range``.

    Args:
        n: number of strokes.
        rng: NumPy generator (seeded by the caller).
        width_range: (min, max) diameter as a frame fraction.

    Returns:
        float32 array (n, 8) in :data:`SHAPE_LAYOUT`.
    """
    p0 = rng.uniform(0.05, 0.95, (n, 2))
    p2 = rng.uniform(0.05, 0.95, (n, 2))
    mid = 0.5 * (p0 + p2)
    chord = p2 - p0
    normal = np.stack([-chord[:, 1], chord[:, 0]], axis=1)
    bend = rng.uniform(-0.6, 0.6, (n, 1))
    p1 = np.clip(mid + bend * normal + rng.normal(0, 0.05, (n, 2)), 0.0, 1.0)
    lo, hi = np.log(width_range[0]), np.log(width_range[1])
    widths = np.exp(rng.uniform(lo, hi, (n, 2)))
    out = np.concatenate([p0, p1, p2, widths], axis=1)
    return out.astype(np.float32)


def _bristle_profile(rng: np.random.Generator, n: int = 64) -> np.ndarray:
    """Across-the-brush density profile: bristle streaks between 1 - depth and 1."""
    raw = rng.uniform(0.0, 1.0, n)
    kernel = np.array([0.25, 0.5, 0.25])
    smooth = np.convolve(np.concatenate([raw[-1:], raw, raw[:1]]), kernel, mode="valid")
    return (smooth - smooth.min()) / max(float(np.ptp(smooth)), 1e-6)


def paint_strokes(
    canvas: np.ndarray,
    strokes: Iterable[Stroke],
    colors: npt.ArrayLike,
    *,
    bristles: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """Composite strokes, in order, onto a copy of ``canvas`` with the procedural brush.

    Args:
        canvas: float32 (H, W, 3) in [0, 1]; not modified.
        strokes: iterable of :class:`Stroke` in canvas pixels.
        colors: (K, 3) float RGB in [0, 1]; ``stroke.color`` indexes it from 1.
        bristles: 0 (flat, opaque) to 1 (strong bristle streaks inside strokes).
        seed: seeds the bristle streaks.

    Returns:
        The painted canvas, float32 (H, W, 3).
    """
    if not 0.0 <= bristles <= 1.0:
        raise ValueError(f"Expected bristles in [0, 1]. Received: bristles={bristles}")
    out = np.array(canvas, dtype=np.float32, copy=True)
    if out.ndim != 3 or out.shape[2] != 3:
        raise ValueError(f"Expected a canvas of shape (H, W, 3). Received: {np.shape(canvas)}")
    colors = np.asarray(colors, dtype=np.float32)
    h, w = out.shape[:2]
    rng = np.random.default_rng(seed)
    for stroke in strokes:
        if not 1 <= stroke.color <= len(colors):
            raise ValueError(f"Expected a palette index in 1..{len(colors)}. Received: color={stroke.color}")
        footprint = stroke_footprint(stroke, h, w)
        if footprint is None:
            continue
        alpha = footprint.alpha
        if bristles > 0:
            profile = _bristle_profile(rng)
            idx = np.floor(footprint.across / 1.5).astype(np.int64) % len(profile)
            alpha = alpha * (1.0 - bristles * 0.6 * profile[idx]).astype(np.float32)
        patch = out[footprint.box]
        patch += alpha[..., None] * (colors[stroke.color - 1] - patch)
    return out


@dataclass(frozen=True)
class Footprint:
    """Where one stroke lands on a canvas.

    Attributes:
        box: ``(rows, cols)`` slices of the canvas the stroke touches.
        alpha: coverage in [0, 1] over the box (anti-aliased edge).
        across: signed offset of each pixel from the stroke's chord, in px (bristle streaks
            run at constant ``across``).
        along: position along the chord, 0 at the start and 1 at the end (paint load).
    """

    box: tuple[slice, slice]
    alpha: np.ndarray
    across: np.ndarray
    along: np.ndarray


def stroke_footprint(stroke: Stroke, height: int, width: int) -> Footprint | None:
    """The procedural brush's footprint of ``stroke`` on a ``height`` × ``width`` canvas, or None when off it."""
    pts, radii = _polyline(stroke.shape_vector(), 1.0)
    reach = float(radii.max()) + 2.0
    x_lo = int(max(np.floor(pts[:, 0].min() - reach), 0))
    x_hi = int(min(np.ceil(pts[:, 0].max() + reach), width))
    y_lo = int(max(np.floor(pts[:, 1].min() - reach), 0))
    y_hi = int(min(np.ceil(pts[:, 1].max() + reach), height))
    if x_lo >= x_hi or y_lo >= y_hi:
        return None
    alpha = field_to_alpha(_box_field(pts, radii, x_lo, x_hi, y_lo, y_hi)).astype(np.float32)
    py, px = np.meshgrid(np.arange(y_lo, y_hi) + 0.5, np.arange(x_lo, x_hi) + 0.5, indexing="ij")
    # Chord coordinates are enough for gently curved strokes.
    a, d = pts[0], pts[-1] - pts[0]
    length = max(float(np.hypot(*d)), 1e-6)
    across = ((px - a[0]) * -d[1] + (py - a[1]) * d[0]) / length
    along = np.clip(((px - a[0]) * d[0] + (py - a[1]) * d[1]) / length**2, 0.0, 1.0)
    return Footprint((slice(y_lo, y_hi), slice(x_lo, x_hi)), alpha, across.astype(np.float32), along.astype(np.float32))


def _box_field(pts: np.ndarray, radii: np.ndarray, x_lo: int, x_hi: int, y_lo: int, y_hi: int, *,
               max_samples: int = 160) -> np.ndarray:
    """The signed field over a pixel box; large boxes are sampled coarsely and upsampled.

    The field (radius minus distance) changes by at most one unit per pixel and is
    smooth near the stroke's edge, so bilinear upsampling from a coarser grid keeps
    the edge exact to a small fraction of a pixel while the cost stays bounded.
    """
    import cv2

    w, h = x_hi - x_lo, y_hi - y_lo
    step = max(1, int(np.ceil(max(w, h) / max_samples)))
    if step == 1:
        py, px = np.meshgrid(np.arange(y_lo, y_hi) + 0.5, np.arange(x_lo, x_hi) + 0.5, indexing="ij")
        return _sweep(px, py, pts, radii)
    nw, nh = -(-w // step), -(-h // step)
    ys = y_lo + (np.arange(nh) + 0.5) * step
    xs = x_lo + (np.arange(nw) + 0.5) * step
    py, px = np.meshgrid(ys, xs, indexing="ij")
    coarse = _sweep(px, py, pts, radii).astype(np.float32)
    fine = cv2.resize(coarse, (nw * step, nh * step), interpolation=cv2.INTER_LINEAR)
    return fine[:h, :w]
