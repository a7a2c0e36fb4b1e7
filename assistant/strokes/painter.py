"""Turn a target image into an ordered list of opaque, single-colour brushstrokes.

The painter works coarse to fine, like a painter who blocks in masses and then adds
smaller and smaller strokes. Layer ``n`` splits the canvas into a ``g × g`` grid
(g = 1, 2, 4 …). Every cell owns a square *frame* (the cell plus a margin) in which
its strokes live; frame coordinates are what the learned renderer draws in.

For each layer:

1. **Placement.** In every frame, strokes start where the current canvas differs
   most from the target (the error map, blurred to the brush size), are oriented
   along the image structure (perpendicular to the dominant gradient of the
   structure tensor) and take the palette colour nearest to the target under them.
2. **Refinement.** All strokes of the layer are refined together by gradient
   descent (Adam) on the squared error of the composited frames; the composite is
   differentiable because the strokes are drawn by the learned renderer. Colours
   are re-picked from the palette halfway and at the end, so every stroke stays a
   single paint a person can mix.
3. **Commit.** The strokes are ordered within the layer by paint (dark to light for
   opaque media, light to dark for watercolour) and painted onto the canvas with
   the procedural brush, which is the ground truth the renderer imitates.

The final picture is composited with the procedural brush at full resolution.
Everything is seeded: same target, palette and options → same strokes.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..base import ProgressFn, check_image, check_int, check_number, no_progress, progress_span
from .brush import SHAPE_LAYOUT, WIDTH_RANGE, Stroke, paint_strokes, stroke_alpha

if TYPE_CHECKING:
    from .renderer import LearnedRenderer

#: Columns of :meth:`Painting.stroke_table`: layer, colour, three points (x, y), two widths.
STROKE_COLUMNS = 10
#: Most layers a painting has: ``PainterOptions.max_layers`` is at most this, and a focal layer never goes past it.
MAX_LAYERS = 7

__all__ = ["MAX_LAYERS", "PainterOptions", "Painting", "LayerReport", "paint", "focal_layer", "focus_layers", "plan_layers"]

# Initial brush width relative to "k strokes of aspect 3 tile the cell exactly".
# Below 1 the strokes overlap less and leave room for detail; measured with
# bench/strokes.py (mean ΔE on coffee/1000 and chelsea/2000: 1.2 → 5.35 / 4.90,
# 0.8 → 4.99 / 4.51, 0.6 → 4.81 / 4.33, 0.45 → 4.71 / 4.20).
_WIDTH_FACTOR = 0.5


@dataclass(frozen=True)
class PainterOptions:
    """Options of :func:`paint`.

    Attributes:
        n_strokes: stroke budget (the painting uses at most this many).
        min_brush: smallest brush diameter as a fraction of the canvas' long side.
        max_brush: largest brush diameter as a fraction of the canvas' long side.
        max_layers: most layers (grid 1, 2, 4 … 2^(max_layers-1)); fewer are used
            when the budget or the brush range cannot feed them.
        refine_steps: gradient steps per layer (0 = placement only).
        learning_rate: Adam step on frame coordinates.
        max_side: long side of the planning canvas in pixels.
        margin: frame margin around each cell, as a fraction of the cell.
        light_to_dark: order paints light to dark within a layer (watercolour).
        seed: seeds every random choice.
    """

    n_strokes: int = 1000
    min_brush: float = 0.006
    max_brush: float = 0.3
    max_layers: int = 5
    refine_steps: int = 30
    learning_rate: float = 0.01
    max_side: int = 512
    margin: float = 0.25
    light_to_dark: bool = False
    seed: int = 0

    @classmethod
    def from_brush_percent(cls, n_strokes: int, min_percent: float, max_percent: float,
                           **others: Any) -> PainterOptions:
        """Options with the brush range given in percent of the long side (as the UI and CLI show it)."""
        return cls(n_strokes=n_strokes, min_brush=min_percent / 100.0, max_brush=max_percent / 100.0, **others)

    def to_dict(self) -> dict:
        """The options as plain JSON values (``project.json``, ``strokes.json``)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PainterOptions:
        """Options from :meth:`to_dict`'s table, checked."""
        return cls(**data).validate()

    def validate(self) -> PainterOptions:
        for name, low, high in (("n_strokes", 1, 5000), ("max_layers", 1, MAX_LAYERS), ("refine_steps", 0, 1000),
                                ("max_side", 64, 2048), ("seed", 0, 2**32 - 1)):
            check_int(name, getattr(self, name), low, high)
        for name in ("min_brush", "max_brush", "learning_rate", "margin"):
            check_number(name, getattr(self, name), 0.0, 1.0)
        if not 0.0 < self.min_brush < self.max_brush <= 1.0:
            raise ValueError(
                f"Expected 0 < min_brush < max_brush <= 1. Received: min_brush={self.min_brush}, max_brush={self.max_brush}"
            )
        if not 1 <= self.max_layers <= MAX_LAYERS:
            raise ValueError(f"Expected 1 <= max_layers <= {MAX_LAYERS}. Received: max_layers={self.max_layers}")
        if not 0 <= self.refine_steps <= 1000:
            raise ValueError(f"Expected 0 <= refine_steps <= 1000. Received: refine_steps={self.refine_steps}")
        if not 0.0 < self.learning_rate <= 1.0:
            raise ValueError(f"Expected 0 < learning_rate <= 1. Received: learning_rate={self.learning_rate}")
        if not 64 <= self.max_side <= 2048:
            raise ValueError(f"Expected 64 <= max_side <= 2048. Received: max_side={self.max_side}")
        if not 0.0 <= self.margin <= 1.0:
            raise ValueError(f"Expected 0 <= margin <= 1. Received: margin={self.margin}")
        if self.seed < 0:
            raise ValueError(f"Expected seed >= 0. Received: seed={self.seed}")
        return self


@dataclass(frozen=True)
class LayerReport:
    """What one layer did.

    Attributes:
        layer: 1-based layer number.
        grid: cells per side.
        strokes: strokes painted in this layer.
        width_px: (min, max) brush diameter used, in planning-canvas pixels.
        error_before: mean CIEDE2000 of the canvas vs the target before the layer.
        error_placed: the same after painting the placed (unrefined) strokes.
        error_after: the same after painting the refined strokes.
        seconds: wall time of the layer.
    """

    layer: int
    grid: int
    strokes: int
    width_px: tuple[float, float]
    error_before: float
    error_placed: float
    error_after: float
    seconds: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LayerReport:
        return cls(**{**data, "width_px": tuple(data["width_px"])})


@dataclass(frozen=True)
class Painting:
    """Result of :func:`paint`.

    Attributes:
        strokes: in painting order; coordinates in pixels of the target image.
        size: (height, width) of the target image.
        image: the procedural composite at the target's full resolution, float32.
        layers: one report per layer.
        options: the options used.
        renderer: one line naming the renderer used for refinement.
        plan_size: (height, width) of the planning canvas (the unit of
            :attr:`LayerReport.width_px`).
    """

    strokes: tuple[Stroke, ...]
    size: tuple[int, int]
    image: np.ndarray
    layers: tuple[LayerReport, ...]
    options: PainterOptions
    renderer: str = ""
    plan_size: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict:
        """Everything but the picture and the strokes, as plain JSON values; those two travel as
        arrays (``image`` and :meth:`stroke_table`)."""
        return {"size": list(self.size), "plan_size": list(self.plan_size), "renderer": self.renderer,
                "options": self.options.to_dict(), "layers": [layer.to_dict() for layer in self.layers]}

    def stroke_table(self) -> np.ndarray:
        """The strokes as a float64 table, one row a stroke: layer, colour, x0, y0, x1, y1, x2, y2, w0, w1."""
        rows = [[s.layer, s.color, *(c for point in s.points for c in point), *s.widths] for s in self.strokes]
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), STROKE_COLUMNS)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, image: np.ndarray, table: np.ndarray) -> Painting:
        """The painting of :meth:`to_dict`, its picture and its :meth:`stroke_table`.

        Raises:
            ValueError: a table that is not one of strokes, or a picture of another size.
        """
        size = (int(data["size"][0]), int(data["size"][1]))
        if image.shape[:2] != size:
            raise ValueError(f"Expected a painting picture of {size[1]}×{size[0]} px. "
                             f"Received: {image.shape[1]}×{image.shape[0]}")
        if table.ndim != 2 or table.shape[1] != STROKE_COLUMNS or not np.isfinite(table).all():
            raise ValueError(f"Expected a stroke table of {STROKE_COLUMNS} finite columns. Received: {table.shape}")
        strokes = tuple(
            Stroke(int(r[0]), int(r[1]), ((float(r[2]), float(r[3])), (float(r[4]), float(r[5])),
                                          (float(r[6]), float(r[7]))), (float(r[8]), float(r[9])))
            for r in table
        )
        layers = tuple(LayerReport.from_dict(layer) for layer in data["layers"])
        return cls(strokes, size, image, layers, PainterOptions.from_dict(data["options"]), str(data["renderer"]),
                   (int(data["plan_size"][0]), int(data["plan_size"][1])))


#: The fixed work of starting a layer, in strokes' worth (see :func:`paint`'s progress).
_LAYER_START_STROKES = 80


def plan_layers(n_strokes: int, *, max_layers: int = 5, min_per_cell: float = 3.0) -> list[tuple[int, np.ndarray]]:
    """Grid size and strokes per cell of each layer for a stroke budget.

    Layers are added (grids 1, 2, 4 …) while the budget still gives every cell of
    every layer about ``min_per_cell`` strokes. The budget is split evenly over all
    cells; what is left over goes one stroke per cell to the finest layers.

    Returns:
        ``[(grid, counts)]`` with ``counts`` an int array of length grid² that sums,
        over all layers, to exactly ``n_strokes``.
    """
    if n_strokes < 1:
        raise ValueError(f"Expected n_strokes >= 1. Received: n_strokes={n_strokes}")
    grids = [1]
    while len(grids) < max_layers:
        nxt = grids[-1] * 2
        if n_strokes / sum(g * g for g in grids + [nxt]) < min_per_cell:
            break
        grids.append(nxt)
    total_cells = sum(g * g for g in grids)
    base = n_strokes // total_cells
    left = n_strokes - base * total_cells
    plan = []
    for g in reversed(grids):
        counts = np.full(g * g, base, dtype=np.int64)
        extra = min(left, g * g)
        counts[:extra] += 1
        left -= extra
        plan.append((g, counts))
    plan.reverse()
    if base == 0:  # tiny budget: drop empty layers
        plan = [(g, c) for g, c in plan if c.sum() > 0]
    return plan


#: How many times a layer's most crowded cell may hold more strokes with a detail map than without one. The
#: refinement pads every cell to the most crowded one, so its time and memory grow with this (95 strokes in one
#: face cell instead of 12 made a 1000-stroke painting take 9.5 GB and 200 s instead of 1.4 GB and 30 s).
FOCUS_CROWDING = 2.0


def focus_layers(layers: list[tuple[int, np.ndarray]], detail: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """The layers of :func:`plan_layers` with each layer's strokes (after the first) shared among its
    cells by the detail map's mean importance (:func:`assistant.plan.focus.importance`).

    Every layer keeps its total, so the budget is the same; every cell keeps at least one stroke
    where it had one, so nothing is left unpainted; no cell gets more than :data:`FOCUS_CROWDING`
    times the layer's most crowded cell without the map (the rest goes to the next most important).
    """
    import cv2

    from ..plan.focus import importance

    out = [layers[0]]
    for grid, counts in layers[1:]:
        cells = cv2.resize(np.asarray(detail, np.float32), (grid, grid), interpolation=cv2.INTER_AREA).ravel()
        share = importance(cells)
        total = int(counts.sum())
        cap = max(int(counts.max()), math.ceil(FOCUS_CROWDING * int(counts.max())))
        new = np.minimum(counts, 1).astype(np.int64)
        while (spare := total - int(new.sum())) > 0:
            room = cap - new
            if not (room > 0).any():
                break
            weights = np.where(room > 0, share, 0.0)
            wanted = np.minimum(weights / weights.sum() * spare, room)
            add = np.floor(wanted).astype(np.int64)
            if add.sum() == 0:  # fewer strokes left than cells to share them: the largest remainders
                order = np.argsort(-(wanted - add), kind="stable")
                add[order[:spare]] += (room[order[:spare]] > 0)
            new += add
        out.append((grid, new))
    return out


#: With a focal point, this share of the finest layer's strokes moves to one more layer, twice as fine, over the focal
#: area alone: strokes half as wide where the eyes and mouth are (the finest layer's frames were as wide as an eye).
FOCAL_LAYER_SHARE = 0.2
#: A cell of that layer belongs to the focal area from this mean detail (a face's skin is 0.9, the disc around 0.85).
FOCAL_CELL_DETAIL = 0.8


def focal_layer(layers: list[tuple[int, np.ndarray]], detail: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """``layers`` and, where the detail map has a focal area, one more layer twice as fine over it alone.

    Its :data:`FOCAL_LAYER_SHARE` of the finest layer's strokes come from that layer's most crowded cells (the
    focal area's, after :func:`focus_layers`), so the budget stays the same and no cell there loses its last
    stroke; they go to the new layer's focal cells (mean detail ≥ :data:`FOCAL_CELL_DETAIL`) by importance. The
    other cells of the new layer hold none and cost nothing. Unchanged without a focal area, with fewer than two
    layers, or at :data:`MAX_LAYERS` layers already.
    """
    import cv2

    from ..plan.focus import importance

    if len(layers) < 2 or len(layers) >= MAX_LAYERS:
        return layers
    grid, counts = layers[-1]
    fine = grid * 2
    cells = cv2.resize(np.asarray(detail, np.float32), (fine, fine), interpolation=cv2.INTER_AREA).ravel()
    focal = np.flatnonzero(cells >= FOCAL_CELL_DETAIL)
    moved = min(int(counts.sum() * FOCAL_LAYER_SHARE), int((counts - 1).clip(0).sum()))
    if not len(focal) or moved < len(focal):
        return layers
    kept = counts.astype(np.int64).copy()
    for _ in range(moved):  # one at a time from the most crowded cell (the first of equals)
        kept[int(np.argmax(kept))] -= 1
    share = importance(cells[focal])
    wanted = share / share.sum() * moved
    new = np.floor(wanted).astype(np.int64)
    order = np.argsort(-(wanted - new), kind="stable")
    new[order[:moved - int(new.sum())]] += 1
    added = np.zeros(fine * fine, np.int64)
    added[focal] = new
    return [*layers[:-1], (grid, kept), (fine, added)]


def paint(
    target: np.ndarray,
    palette_rgb: np.ndarray,
    options: PainterOptions = PainterOptions(),
    *,
    renderer: LearnedRenderer | None,
    on_progress: ProgressFn | None = None,
    detail: np.ndarray | None = None,
) -> Painting:
    """Paint ``target`` with opaque strokes of the palette's colours.

    Args:
        target: float32 (H, W, 3) in [0, 1]; not modified.
        palette_rgb: (K, 3) float RGB in [0, 1]; stroke colour ``c`` is row ``c - 1``.
        options: a :class:`PainterOptions`.
        renderer: a :class:`assistant.strokes.renderer.LearnedRenderer`, or ``None`` to
            place strokes without refinement.
        on_progress: ``on_progress(fraction, message, preview=None)``; after each layer
            ``preview`` is the canvas so far (planning size). May raise to cancel.
        detail: the detail map (float ``(H, W)`` in [0, 1], :mod:`assistant.plan.focus`), or
            None: each layer after the first shares its strokes among its cells by the
            map's importance, so the small strokes go where the detail is (a face) and
            big ones elsewhere.

    Returns:
        A :class:`Painting`.
    """
    options.validate()
    check_image(np.asarray(target), "target", min_side=16)
    palette_rgb = np.asarray(palette_rgb, dtype=np.float32)
    if palette_rgb.ndim != 2 or palette_rgb.shape[1] != 3 or len(palette_rgb) < 1:
        raise ValueError(f"Expected a palette of shape (K, 3). Received: {palette_rgb.shape}")
    report = on_progress or no_progress
    work = _Work.create(np.asarray(target, dtype=np.float32), palette_rgb, options)
    rng = np.random.default_rng(options.seed)
    canvas = np.ones_like(work.target)
    layers = plan_layers(options.n_strokes, max_layers=options.max_layers)
    if detail is not None:
        if np.shape(detail) != target.shape[:2]:
            raise ValueError(f"Expected a detail map of size {target.shape[:2]}. Received: {np.shape(detail)}")
        layers = focal_layer(focus_layers(layers, detail), detail)
    # Progress counts work: refinement pads every cell to the layer's most crowded one, so a layer costs
    # cells × most strokes in a cell, plus a fixed start (a new graph to trace, crops to cut) worth about 80
    # strokes (measured on 2 CPU cores, bench/eta.py), so the time-left estimate holds with a detail map too.
    work_of = [float(np.count_nonzero(c) * c.max()) + _LAYER_START_STROKES for _, c in layers]
    total = sum(work_of)
    reports: list[LayerReport] = []
    strokes_all: list[Stroke] = []
    done = 0.0
    error_before = work.error(canvas)
    for number, (grid, counts) in enumerate(layers, start=1):
        tick = progress_span(report, done / total * 0.9, work_of[number - 1] / total * 0.9)
        tick(0.0, f"Layer {number} of {len(layers)}: placing {int(counts.sum())} strokes")
        canvas, layer_strokes, layer_report = _paint_layer(
            work, canvas, number, grid, counts, error_before, options=options, renderer=renderer, rng=rng, tick=tick
        )
        strokes_all.extend(layer_strokes)
        reports.append(layer_report)
        error_before = layer_report.error_after
        done += work_of[number - 1]
        tick(1.0, f"Layer {number} of {len(layers)} done", canvas)
    report(0.92, "Painting at full resolution")
    full_h, full_w = target.shape[:2]
    h, w = work.target.shape[:2]
    strokes_full = tuple(s.scaled(full_w / w, full_h / h) for s in strokes_all)
    image = render_painting(strokes_full, palette_rgb, (full_h, full_w))
    report(1.0, "Done")
    name = "procedural placement only" if renderer is None else renderer.describe()
    return Painting(strokes_full, (full_h, full_w), image, tuple(reports), options, name, (h, w))


@dataclass(frozen=True)
class _Work:
    """The planning canvas: target at planning size, the palette in both spaces, paint order."""

    target: np.ndarray
    target_lab: np.ndarray
    palette_rgb: np.ndarray
    palette_lab: np.ndarray
    order_rank: np.ndarray  # rank of each paint in the order it is painted within a layer

    @classmethod
    def create(cls, target: np.ndarray, palette_rgb: np.ndarray, options: PainterOptions) -> _Work:
        import cv2

        from ..color.spaces import rgb_to_lab

        full_h, full_w = target.shape[:2]
        scale = min(1.0, options.max_side / max(full_h, full_w))
        h, w = max(16, round(full_h * scale)), max(16, round(full_w * scale))
        work = cv2.resize(target, (w, h), interpolation=cv2.INTER_AREA) if (h, w) != (full_h, full_w) else target.copy()
        palette_lab = rgb_to_lab(palette_rgb[None])[0]
        order_rank = np.argsort(np.argsort(palette_lab[:, 0]))  # rank by lightness
        if options.light_to_dark:
            order_rank = len(order_rank) - 1 - order_rank
        return cls(work, rgb_to_lab(work), palette_rgb, palette_lab, order_rank)

    def error(self, canvas: np.ndarray) -> float:
        """Mean CIEDE2000 of ``canvas`` against the target."""
        from ..color.spaces import delta_e2000, rgb_to_lab

        return float(np.mean(delta_e2000(rgb_to_lab(canvas), self.target_lab)))


def _paint_layer(work: _Work, canvas, number, grid, counts, error_before, *, options, renderer, rng, tick):
    """Place, refine and commit one layer; returns ``(canvas, strokes, report)``."""
    t0 = time.perf_counter()
    h, w = work.target.shape[:2]
    frames = _frames(h, w, grid, options.margin)
    bounds = _width_bounds(options, max(h, w), frames[0][2])
    if not counts.all():  # a focal layer: its cells without strokes are neither cut nor refined
        frames = [frame for frame, count in zip(frames, counts) if count]
        counts = counts[counts > 0]
    size = renderer.size if renderer is not None else 64
    crops = _crop_frames(work.target, canvas, frames, size, h, w)
    shapes, colors, valid = _place(crops, counts, work.palette_lab, bounds, size, options.margin, rng)
    layer_strokes = _to_strokes(shapes, colors, valid, frames, number, work.order_rank)
    placed_canvas = paint_strokes(canvas, layer_strokes, work.palette_rgb)
    error_placed = error_after = work.error(placed_canvas)
    if renderer is not None and options.refine_steps > 0:
        tick(0.1, f"Layer {number}: refining {int(counts.sum())} strokes")
        problem = _Strokes(shapes, colors, valid)
        refined = _refine(renderer, crops, problem, work, bounds, options,
                          tick=lambda f: tick(f, f"Layer {number}: refining strokes"))
        layer_strokes = _to_strokes(refined.shapes, refined.colors, refined.valid, frames, number, work.order_rank)
        canvas = paint_strokes(canvas, layer_strokes, work.palette_rgb)
        error_after = work.error(canvas)
    else:
        canvas = placed_canvas
    widths = [s.widths[i] for s in layer_strokes for i in (0, 1)] or [0.0]
    layer_report = LayerReport(
        number, grid, len(layer_strokes), (round(min(widths), 2), round(max(widths), 2)),
        round(error_before, 3), round(error_placed, 3), round(error_after, 3), round(time.perf_counter() - t0, 2),
    )
    return canvas, layer_strokes, layer_report


def _width_bounds(options: PainterOptions, long_side: int, frame_side: float) -> tuple[float, float]:
    """Brush width range of a layer in frame units, inside what the renderer can draw."""
    lo = max(WIDTH_RANGE[0], options.min_brush * long_side / frame_side)
    hi = min(WIDTH_RANGE[1], options.max_brush * long_side / frame_side)
    if lo > hi:  # brush range outside what this grid can draw: clamp to the nearest end
        lo = hi = float(np.clip(options.min_brush * long_side / frame_side, WIDTH_RANGE[0], WIDTH_RANGE[1]))
    return lo, hi


def render_painting(strokes: Sequence[Stroke], palette_rgb: np.ndarray, size: tuple[int, int], *,
                    bristles: float = 0.0, seed: int = 0) -> np.ndarray:
    """Procedural composite of strokes (in the pixels of ``size``) on a white canvas."""
    canvas = np.ones((size[0], size[1], 3), dtype=np.float32)
    return paint_strokes(canvas, strokes, palette_rgb, bristles=bristles, seed=seed)


# --- frames ---------------------------------------------------------------------


def _frames(h: int, w: int, grid: int, margin: float) -> list[tuple[float, float, float]]:
    """Square frames (left, top, side) in canvas px, one per cell, row-major."""
    ch, cw = h / grid, w / grid
    side = max(ch, cw) * (1.0 + 2.0 * margin)
    out = []
    for r in range(grid):
        for c in range(grid):
            cy, cx = (r + 0.5) * ch, (c + 0.5) * cw
            out.append((cx - side / 2, cy - side / 2, side))
    return out


@dataclass
class _Crops:
    target: np.ndarray  # (cells, S, S, 3)
    canvas: np.ndarray  # (cells, S, S, 3)
    weight: np.ndarray  # (cells, S, S): 1 inside the cell, less in the margin, 0 off-canvas


def _crop_frames(work, canvas, frames, size, h, w) -> _Crops:
    import cv2

    n = len(frames)
    tgt = np.empty((n, size, size, 3), np.float32)
    cnv = np.empty((n, size, size, 3), np.float32)
    wgt = np.empty((n, size, size), np.float32)
    grid = int(round(np.sqrt(n)))
    ch, cw = h / grid, w / grid
    coords = (np.arange(size) + 0.5) / size
    for k, (left, top, side) in enumerate(frames):
        m = np.array([[size / side, 0, -left * size / side], [0, size / side, -top * size / side]], np.float32)
        flags = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
        tgt[k] = cv2.warpAffine(work, m, (size, size), flags=flags, borderMode=cv2.BORDER_REPLICATE)
        cnv[k] = cv2.warpAffine(canvas, m, (size, size), flags=flags, borderMode=cv2.BORDER_REPLICATE)
        xs = left + coords * side
        ys = top + coords * side
        r, c = divmod(k, grid)
        in_x = (xs >= c * cw) & (xs < (c + 1) * cw)
        in_y = (ys >= r * ch) & (ys < (r + 1) * ch)
        on_x = (xs >= 0) & (xs < w)
        on_y = (ys >= 0) & (ys < h)
        wgt[k] = np.outer(on_y, on_x) * (0.3 + 0.7 * np.outer(in_y, in_x))
    return _Crops(tgt, cnv, wgt)


# --- placement ------------------------------------------------------------------


def _nearest_colors(rgb: np.ndarray, palette_lab: np.ndarray) -> np.ndarray:
    """1-based palette index nearest (CIELAB) to each colour of ``rgb`` (..., 3)."""
    from ..color.spaces import rgb_to_lab

    rgb = np.asarray(rgb, np.float32)
    lab = rgb_to_lab(rgb.reshape(1, -1, 3)).reshape(rgb.shape)
    return np.argmin(((lab[..., None, :] - palette_lab) ** 2).sum(-1), axis=-1) + 1


def _orientation(target: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Stroke direction (along edges) and coherence in [0, 1] from the structure tensor."""
    import cv2

    gray = target @ np.array([0.299, 0.587, 0.114], np.float32)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), sigma)
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), sigma)
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), sigma)
    gradient_angle = 0.5 * np.arctan2(2 * jxy, jxx - jyy)
    spread = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2)
    coherence = spread / (jxx + jyy + 1e-6)
    return gradient_angle + np.pi / 2, coherence


def _place(crops: _Crops, counts, palette_lab, width_bounds, size, margin, rng):
    """Initial strokes per frame: largest error first, along the structure."""
    import cv2

    cells = len(counts)
    kmax = int(max(1, counts.max()))
    shapes = np.zeros((cells, kmax, len(SHAPE_LAYOUT)), np.float32)
    colors = np.ones((cells, kmax), np.int64)
    valid = np.zeros((cells, kmax), bool)
    lo, hi = width_bounds
    cell_frac = 1.0 / (1.0 + 2.0 * margin)  # the cell's side as a fraction of its frame
    for c in range(cells):
        k_n = int(counts[c])
        if k_n == 0:
            continue
        # Width so that k_n strokes of aspect ~3 roughly cover the cell.
        wid = float(np.clip(np.sqrt(cell_frac**2 / (3.0 * k_n)) * _WIDTH_FACTOR, lo, hi))
        tgt = crops.target[c]
        err = ((crops.canvas[c] - tgt) ** 2).sum(-1) * crops.weight[c]
        sigma = max(1.0, wid * size / 2)
        direction, coherence = _orientation(tgt, sigma)
        for k in range(k_n):
            blurred = cv2.GaussianBlur(err, (0, 0), sigma)
            y, x = np.unravel_index(int(np.argmax(blurred)), blurred.shape)
            theta = direction[y, x] if coherence[y, x] > 0.2 else rng.uniform(0, np.pi)
            length = wid * rng.uniform(2.0, 4.0)
            cx, cy = (x + 0.5) / size, (y + 0.5) / size
            dx, dy = np.cos(theta) * length / 2, np.sin(theta) * length / 2
            bend = rng.uniform(-0.15, 0.15) * length
            vec = np.array([
                cx - dx, cy - dy,
                cx - np.sin(theta) * bend, cy + np.cos(theta) * bend,
                cx + dx, cy + dy,
                wid * rng.uniform(0.85, 1.15), wid * rng.uniform(0.85, 1.15),
            ], np.float32)
            vec[:6] = np.clip(vec[:6], 0.0, 1.0)
            vec[6:] = np.clip(vec[6:], lo, hi)
            alpha = stroke_alpha(vec, size)
            mass = float(alpha.sum())
            mean = (tgt * alpha[..., None]).sum((0, 1)) / max(mass, 1e-6) if mass > 0 else tgt[y, x]
            shapes[c, k] = vec
            colors[c, k] = _nearest_colors(mean, palette_lab)
            valid[c, k] = True
            err = err * (1.0 - alpha)
    return shapes, colors, valid


def _to_strokes(shapes, colors, valid, frames, layer, order_rank) -> list[Stroke]:
    """Frame-space parameters → canvas-px strokes, ordered by paint within the layer."""
    items = []
    ix = {name: SHAPE_LAYOUT.index(name) for name in SHAPE_LAYOUT.fields}
    for c, (left, top, side) in enumerate(frames):
        for k in range(shapes.shape[1]):
            if not valid[c, k]:
                continue
            v = shapes[c, k]
            x0, x1, x2 = (float(left + v[ix[f"x{i}"]] * side) for i in range(3))
            y0, y1, y2 = (float(top + v[ix[f"y{i}"]] * side) for i in range(3))
            pts = ((x0, y0), (x1, y1), (x2, y2))
            stroke = Stroke(layer, int(colors[c, k]), pts, (float(v[ix["w0"]] * side), float(v[ix["w1"]] * side)))
            items.append(((int(order_rank[colors[c, k] - 1]), c, k), stroke))
    items.sort(key=lambda item: item[0])
    return [s for _, s in items]


# --- refinement -----------------------------------------------------------------


@dataclass(frozen=True)
class _Strokes:
    """A layer's strokes per frame: shapes (cells, k, 8), 1-based colours and a validity mask (cells, k)."""

    shapes: np.ndarray
    colors: np.ndarray
    valid: np.ndarray

    def sorted_by_paint(self, order_rank: np.ndarray) -> _Strokes:
        """Within each frame, in the order the paints are painted (invalid strokes last)."""
        kmax = self.shapes.shape[1]
        key = np.where(self.valid, order_rank[self.colors - 1], 10**6) * kmax + np.arange(kmax)[None]
        idx = np.argsort(key, axis=1, kind="stable")

        def take(a):
            return np.take_along_axis(a, idx.reshape(idx.shape + (1,) * (a.ndim - 2)), axis=1)

        return _Strokes(take(self.shapes), take(self.colors), take(self.valid))


def _repick_colors(renderer, crops: _Crops, strokes: _Strokes, palette_lab) -> np.ndarray:
    """The palette paint nearest to the target under each stroke (unchanged where a stroke covers nothing)."""
    cells, kmax, n_par = strokes.shapes.shape
    size = renderer.size
    alpha = renderer.render(strokes.shapes.reshape(-1, n_par)).reshape(cells, kmax, size, size)
    mass = alpha.sum((2, 3))
    means = np.einsum("ckyx,cyxd->ckd", alpha, crops.target) / np.maximum(mass, 1e-6)[..., None]
    return np.where(mass > 1e-3, _nearest_colors(means, palette_lab), strokes.colors)


def _refine(renderer, crops: _Crops, strokes: _Strokes, work: _Work, width_bounds, options, *, tick) -> _Strokes:
    """Adam on frame coordinates through the learned renderer; colours stay palette paints.

    Within a frame, strokes are composited in paint order; re-sorting when the colours
    change keeps the optimised order equal to the order they are painted.
    """
    import keras
    import tensorflow as tf

    from ..models import GRADIENT_STEP_LOCK

    cells, kmax, n_par = strokes.shapes.shape
    low, high = np.zeros(n_par, np.float32), np.ones(n_par, np.float32)
    for name in ("w0", "w1"):
        low[SHAPE_LAYOUT.index(name)], high[SHAPE_LAYOUT.index(name)] = width_bounds
    low_t, high_t = tf.constant(low), tf.constant(high)
    strokes = strokes.sorted_by_paint(work.order_rank)
    target, canvas0 = tf.constant(crops.target), tf.constant(crops.canvas)
    weight = tf.constant(crops.weight[..., None])
    norm = float(crops.weight.sum() * 3) or 1.0
    var = tf.Variable(strokes.shapes.reshape(-1, n_par))
    optimizer = keras.optimizers.Adam(learning_rate=options.learning_rate)
    optimizer.build([var])
    size = renderer.size

    @tf.function
    def step(rgb, mask, softness):
        with tf.GradientTape() as tape:
            alpha = tf.reshape(renderer.alpha(var, softness=softness), (cells, kmax, size, size))
            painted = canvas0
            for k in range(kmax):
                a = alpha[:, k, :, :, None] * mask[:, k, None, None, None]
                painted = painted + a * (rgb[:, k, None, None, :] - painted)
            loss = tf.reduce_sum(weight * tf.square(painted - target)) / norm
        grads = tape.gradient(loss, [var])
        optimizer.apply_gradients(zip(grads, [var]))
        var.assign(tf.clip_by_value(var, low_t, high_t))
        return loss

    steps = options.refine_steps
    for phase in range(2):
        rgb = tf.constant(work.palette_rgb[strokes.colors - 1])
        mask = tf.constant(strokes.valid.astype(np.float32))
        n = steps // 2 if phase == 0 else steps - steps // 2
        for i in range(n):
            done = phase * (steps // 2) + i
            with GRADIENT_STEP_LOCK:  # another thread's gradient step at the same moment fails in TensorFlow
                step(rgb, mask, tf.constant(2.0 - 1.0 * done / max(steps - 1, 1), tf.float32))
            tick(0.1 + 0.9 * (done + 1) / steps)
        moved = _Strokes(var.numpy().reshape(cells, kmax, n_par), strokes.colors, strokes.valid)
        colors = _repick_colors(renderer, crops, moved, work.palette_lab)
        strokes = _Strokes(moved.shapes, colors, strokes.valid).sorted_by_paint(work.order_rank)
        var.assign(strokes.shapes.reshape(-1, n_par))
    valid = strokes.valid
    return _Strokes(np.where(valid[..., None], strokes.shapes, 0.0), np.where(valid, strokes.colors, 1), valid)
