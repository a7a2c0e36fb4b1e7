"""Baseline for bench/strokes.py: Hertzmann's layered painterly renderer (SIGGRAPH 1998).

"Painterly Rendering with Curved Brush Strokes of Multiple Sizes", written here from
the paper's description, with two changes so that it competes on equal terms:

* the stroke colour is the palette paint nearest (CIELAB) to the blurred reference
  at the stroke's start, instead of the reference colour itself;
* a stroke budget: each layer gets a share of it (rolled over when unused), its
  grid is coarsened until it has about as many cells as its budget, and the
  cells with the largest area error are served first.

Per layer (radii 8, 4, 2 px by default), the reference is the target blurred with
sigma = f_sigma * R; grid cells of side f_grid * R whose mean error exceeds T start
a stroke at their worst pixel. A stroke follows the direction perpendicular to the
reference's luminance gradient in steps of R (with curvature filter f_c) for up to
``max_length`` points, ending early when the canvas already matches the reference
better than the stroke colour would. Strokes of a layer are painted in random
(seeded) order as anti-aliased opaque polylines of width 2R.
"""

from __future__ import annotations

import numpy as np


def hertzmann_paint(
    target: np.ndarray,
    palette_rgb: np.ndarray,
    n_strokes: int,
    *,
    radii=(8, 4, 2),
    shares=(0.5, 0.3, 0.2),
    threshold: float = 0.05,
    f_sigma: float = 0.5,
    f_grid: float = 1.0,
    f_curve: float = 1.0,
    min_length: int = 4,
    max_length: int = 16,
    seed: int = 0,
) -> tuple[np.ndarray, int]:
    """Paint ``target`` (float RGB [0, 1]) with at most ``n_strokes`` strokes.

    Returns:
        (painting float32 (H, W, 3), strokes used).
    """
    import cv2

    from assistant.color.spaces import rgb_to_lab

    rng = np.random.default_rng(seed)
    target = np.asarray(target, np.float32)
    h, w = target.shape[:2]
    palette_rgb = np.asarray(palette_rgb, np.float32)
    palette_lab = rgb_to_lab(palette_rgb[None])[0]
    canvas = np.ones_like(target)
    painted = np.zeros((h, w), np.uint8)
    used = 0
    carry = 0.0
    for radius, share in zip(radii, shares):
        budget = int(round(n_strokes * share + carry))
        sigma = f_sigma * radius
        ref = cv2.GaussianBlur(target, (0, 0), sigma)
        lum = ref @ np.array([0.299, 0.587, 0.114], np.float32)
        gx = cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3)
        diff = np.sqrt(((canvas - ref) ** 2).sum(-1))
        diff[painted == 0] = 10.0  # an unpainted canvas is infinitely wrong
        # Coarsen the grid so that its cells match the layer's budget; otherwise the
        # budget would be spent on the first rows of the canvas.
        grid = max(1, int(f_grid * radius), int(np.ceil(np.sqrt(h * w / max(budget, 1)))))
        candidates = []
        for y in range(0, h, grid):
            for x in range(0, w, grid):
                cell = diff[y : y + grid, x : x + grid]
                area_error = float(cell.mean())
                if area_error > threshold:
                    iy, ix = np.unravel_index(int(np.argmax(cell)), cell.shape)
                    candidates.append((area_error, y + iy, x + ix))
        rng.shuffle(candidates)  # ties (e.g. the blank canvas) in random order
        candidates.sort(key=lambda c: -c[0])
        chosen = candidates[:budget]
        carry = max(0, budget - len(chosen))
        strokes = []
        for _, y0, x0 in chosen:
            color_idx = _nearest(ref[y0, x0], palette_lab)
            color = palette_rgb[color_idx]
            points = _spline(x0, y0, radius, ref, canvas, gx, gy, color, f_curve, min_length, max_length)
            strokes.append((points, color))
        order = rng.permutation(len(strokes))
        for i in order:
            points, color = strokes[i]
            _draw(canvas, points, radius, color.tolist(), cv2.LINE_AA)
            _draw(painted, points, radius, 1, cv2.LINE_8)
        used += len(strokes)
    return canvas, used


def _draw(image, points, radius, color, line_type) -> None:
    """Round brush of width 2R along the polyline, in place (1/16 px precision)."""
    import cv2

    pts = np.round(np.array(points) * 16).astype(np.int32).reshape(-1, 1, 2)
    if len(points) > 1:
        cv2.polylines(image, [pts], False, color, 2 * radius, line_type, shift=4)
    for end in (pts[0, 0], pts[-1, 0]):
        cv2.circle(image, (int(end[0]), int(end[1])), radius * 16, color, -1, line_type, shift=4)


def _nearest(rgb: np.ndarray, palette_lab: np.ndarray) -> int:
    from assistant.color.spaces import rgb_to_lab

    lab = rgb_to_lab(np.asarray(rgb, np.float32)[None, None])[0, 0]
    return int(np.argmin(((palette_lab - lab) ** 2).sum(1)))


def _spline(x0, y0, radius, ref, canvas, gx, gy, color, f_curve, min_length, max_length):
    h, w = ref.shape[:2]
    points = [(x0 + 0.5, y0 + 0.5)]
    x, y = float(x0), float(y0)
    last_dx, last_dy = 0.0, 0.0
    for i in range(1, max_length):
        ix, iy = int(np.clip(round(x), 0, w - 1)), int(np.clip(round(y), 0, h - 1))
        if i > min_length and np.abs(ref[iy, ix] - canvas[iy, ix]).sum() < np.abs(ref[iy, ix] - color).sum():
            break
        g_x, g_y = float(gx[iy, ix]), float(gy[iy, ix])
        if g_x * g_x + g_y * g_y < 1e-10:
            break
        dx, dy = -g_y, g_x  # perpendicular to the gradient
        if last_dx * dx + last_dy * dy < 0:
            dx, dy = -dx, -dy
        dx = f_curve * dx + (1 - f_curve) * last_dx
        dy = f_curve * dy + (1 - f_curve) * last_dy
        norm = np.hypot(dx, dy)
        dx, dy = dx / norm, dy / norm
        x, y = x + radius * dx, y + radius * dy
        if not (0 <= x < w and 0 <= y < h):
            break
        last_dx, last_dy = dx, dy
        points.append((x + 0.5, y + 0.5))
    return points
