"""The numbered outline as vector geometry in millimetres on the real canvas.

Each region's border is traced with marching squares (skimage ``find_contours`` at
level 0.5 of the region's mask), so two neighbours trace the *same* line between
their pixels; the line is smoothed twice with a small circular binomial filter and thinned
by Douglas–Peucker (OpenCV's approxPolyDP) within a quarter pixel. Numbers sit at each region's deepest
point, as large as the region allows. The SVG, the tiled PDF and the guide's outline
page all draw this one geometry.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from ..canvas import Canvas
from ..pipeline import Guide

__all__ = ["OutlineDrawing", "grid_lines", "outline_drawing"]

#: Smallest and largest digit height (mm) of a region number on the canvas.
MIN_NUMBER_MM, MAX_NUMBER_MM = 1.6, 6.0
_KERNEL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


@dataclass(frozen=True)
class OutlineDrawing:
    """Region borders and numbers, in mm from the canvas's top-left corner.

    Attributes:
        canvas: the canvas the drawing is sized for.
        paths: closed polylines, each an ``(n, 2)`` array of ``(x, y)`` mm.
        numbers: ``(x, y, height_mm, text)`` of each region number (centre of the digits).
    """

    canvas: Canvas
    paths: tuple[np.ndarray, ...]
    numbers: tuple[tuple[float, float, float, str], ...]

    @property
    def width_mm(self) -> float:
        return self.canvas.width_mm

    @property
    def height_mm(self) -> float:
        return self.canvas.height_mm


_LAST: tuple = (lambda: None, None)  # (weak reference to a guide, its drawing): PDF, SVG and tiles share one


def outline_drawing(guide: Guide) -> OutlineDrawing:
    """The guide's numbered outline at its canvas size (worked out once per guide object)."""
    global _LAST
    ref, drawing = _LAST
    if ref() is guide:
        return drawing
    drawing = _trace(guide)
    _LAST = (weakref.ref(guide), drawing)
    return drawing


def _trace(guide: Guide) -> OutlineDrawing:
    import cv2
    from scipy import ndimage
    from skimage.measure import find_contours

    canvas = guide.canvas
    regions = guide.regions
    scale = guide.mm_per_px
    boxes = ndimage.find_objects(regions.ids + 1)
    paths: list[np.ndarray] = []
    for region, box in enumerate(boxes):
        if box is None:
            continue
        rows, cols = box
        mask = np.pad(regions.ids[rows, cols] == region, 1).astype(np.float32)
        for contour in find_contours(mask, 0.5):
            if len(contour) < 4:
                continue
            points = contour[:-1] if np.allclose(contour[0], contour[-1]) else contour
            for _ in range(2 if len(points) >= len(_KERNEL) else 0):
                padded = np.concatenate([points[-2:], points, points[:2]])
                points = np.stack([np.convolve(padded[:, k], _KERNEL, mode="valid") for k in (0, 1)], axis=1)
            points = cv2.approxPolyDP(points.astype(np.float32)[:, None, :], 0.25, True)[:, 0, :].astype(np.float64)
            points = np.concatenate([points, points[:1]])
            # find_contours works in pixel-centre coordinates of the padded crop.
            xy = np.stack([points[:, 1] - 1 + cols.start + 0.5, points[:, 0] - 1 + rows.start + 0.5], axis=1)
            paths.append(np.clip(xy * scale, 0.0, [canvas.width_mm, canvas.height_mm]))
    numbers = []
    for region in range(len(regions)):
        row, col = regions.anchors[region]
        radius_mm = float(regions.depths[region]) * scale
        text = str(int(regions.labels[region]) + 1)
        height = min(MAX_NUMBER_MM, max(MIN_NUMBER_MM, 1.3 * radius_mm / max(1, len(text)) ** 0.5))
        numbers.append(((col + 0.5) * scale, (row + 0.5) * scale, round(height, 2), text))
    return OutlineDrawing(canvas, tuple(paths), tuple(numbers))


def grid_lines(canvas: Canvas, step_mm: float | None = None) -> tuple[list[float], list[float]]:
    """Positions (mm) of the grid-method lines across and down the canvas: every 5 cm or 2 in."""
    step = step_mm or canvas.grid_step_mm()
    xs = list(np.arange(step, canvas.width_mm - 1e-6, step))
    ys = list(np.arange(step, canvas.height_mm - 1e-6, step))
    return [float(x) for x in xs], [float(y) for y in ys]


def grid_label(column: int | None = None, row: int | None = None) -> str:
    """Grid cell names as on the reference picture: columns A, B, … (then AA), rows 1, 2, …"""
    if column is not None:
        name, n = "", column
        while True:
            name = chr(ord("A") + n % 26) + name
            n = n // 26 - 1
            if n < 0:
                return name
    return str((row or 0) + 1)
