"""Realistic phone photos of a canvas in progress, for the canvas check (issue 23) and its bench.

Seeded: the same guide, step and seed give the same photo. The photo is made the way a real one is:

1. **The painted canvas** (:func:`paint_canvas`): the guide's canvas after ``step`` steps, painted by hand.
   Each palette colour is mixed a little off (ΔE00 0.5–3 per colour and step), a few regions are mixed
   clearly wrong (ΔE00 10–20, the "off" truth), the toning wash is a little off too, region borders
   wander (a smooth displacement of about 0.4 % of the canvas) and are soft, every area carries brush
   texture and the canvas weave; in watercolour, step 1 is a pencil sketch of the value masses. Half the time the next step is started (under a third of its area),
   so that "the step reached" is not simply "everything painted".
2. **The scene** (:func:`photograph`): a stretched canvas (18 mm deep, its sides showing) in perspective
   (tilt up to ``max_tilt`` degrees about any axis in its plane, any rotation in the picture, 26 mm
   equivalent lens) on a wall and a table (plaster, wood, cloth), among clutter: paint tubes, brushes,
   sheets of paper, a palette, jars, another picture; sometimes a brush lies across an edge of the canvas.
3. **The light and the camera**: uneven light (fall-off, a gradient, often a soft shadow), black-body
   light of 2700–6500 K of which the camera's white balance removes 20–80 % (in log terms), flare,
   auto-exposure, lens blur, sensor noise, JPEG quality 60–90.

The truth comes with it: the canvas corners in the photo (top-left, top-right, bottom-right and
bottom-left of the painting), the step reached, and per region its status (0 to do, 1 done, 2 off)
and the ΔE00 of the paint that went on.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from assistant.check.light import linear_to_srgb, srgb_to_linear

TODO, DONE, OFF = 0, 1, 2
#: A region counts as "off" in the truth when its paint is at least this far from the plan.
OFF_SHIFT = (10.0, 20.0)
#: How far each colour is mixed off when the painter gets it right (ΔE00).
SLIGHT_SHIFT = (0.5, 3.0)
STRETCHER_MM = 18.0


def kelvin_gains(kelvin: float) -> np.ndarray:
    """Linear-RGB gains of black-body light at ``kelvin`` relative to daylight (D65), green = 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour

    def rgb(temperature: float) -> np.ndarray:
        xyz = colour.xy_to_XYZ(colour.temperature.CCT_to_xy(temperature, method="Kang 2002"))
        value = np.asarray(colour.XYZ_to_RGB(xyz, "sRGB", apply_cctf_encoding=False), dtype=np.float64)
        return value / value[1]

    return (rgb(kelvin) / rgb(6504.0)).astype(np.float32)


# --- the painted canvas -----------------------------------------------------------------------


@dataclass(frozen=True)
class PaintedCanvas:
    """The canvas as painted. ``image`` float32 (H, W, 3) at ``scale`` × the guide's working size."""

    image: np.ndarray
    step: int  # steps done: 0 = blank canvas, 1 = toned, k = steps 1..k done
    status: np.ndarray  # per region: TODO, DONE or OFF
    shift: np.ndarray  # per region: ΔE00 of the paint that went on (0 where nothing did)
    started: int  # regions of the next step already painted


def shifted_colour(lab: np.ndarray, delta_e: float, rng: np.random.Generator) -> np.ndarray:
    """A colour ``delta_e`` (ΔE00) from ``lab`` in a random direction, inside the sRGB gamut."""
    from assistant.color.spaces import delta_e2000, lab_to_rgb, rgb_to_lab

    lab = np.asarray(lab, dtype=np.float64)
    best = lab
    for _ in range(40):
        direction = rng.normal(size=3) * (1.6, 1.0, 1.0)
        direction /= np.linalg.norm(direction)
        low, high = 0.0, 80.0
        for _ in range(30):  # bisection on the distance along the direction
            mid = (low + high) / 2
            if float(delta_e2000(lab[None], (lab + mid * direction)[None])[0]) < delta_e:
                low = mid
            else:
                high = mid
        candidate = lab + high * direction
        rgb = lab_to_rgb(candidate.astype(np.float32))
        back = rgb_to_lab(rgb).astype(np.float64)
        if float(delta_e2000(candidate[None], back[None])[0]) < 0.5 and 3.0 < back[0] < 97.0:
            return back
        best = back
    return best


def _smooth_noise(shape, sigma: float, rng: np.random.Generator, *, angle: float | None = None,
                  stretch: float = 1.0) -> np.ndarray:
    """Zero-mean, unit-std noise smoothed over ``sigma`` px (elongated ``stretch`` × along ``angle``)."""
    import cv2

    noise = rng.normal(size=shape).astype(np.float32)
    if angle is None or stretch == 1.0:
        smooth = cv2.GaussianBlur(noise, (0, 0), sigma)
    else:
        length = int(max(3, sigma * stretch * 3)) | 1
        kernel = np.zeros((length, length), np.float32)
        c = length // 2
        dx, dy = math.cos(angle) * c, math.sin(angle) * c
        cv2.line(kernel, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1.0, 1)
        kernel = cv2.GaussianBlur(kernel, (0, 0), max(0.5, sigma / 2))
        smooth = cv2.filter2D(noise, -1, kernel / kernel.sum())
    return (smooth - smooth.mean()) / max(float(smooth.std()), 1e-6)


def paint_canvas(guide, step: int, *, seed: int = 0, scale: int = 2, off_share: float = 0.1,
                 start_next: bool | None = None) -> PaintedCanvas:
    """The canvas after ``step`` steps of ``guide`` (0 = blank, 1 = toned), painted by an imperfect hand."""
    import cv2

    from assistant.color.spaces import lab_to_rgb
    from assistant.plan.steps import Medium

    if not 0 <= step <= len(guide.steps):
        raise ValueError(f"Expected 0 <= step <= {len(guide.steps)}. Received: step={step}")
    rng = np.random.default_rng(seed)
    regions, palette = guide.regions, guide.palette
    n = len(regions)
    step_of = np.full(n, len(guide.steps) + 1, dtype=np.int32)  # 1-based step that paints each region
    for s in guide.steps:
        step_of[list(s.regions)] = s.index
    status = np.full(n, TODO, dtype=np.int8)
    shift = np.zeros(n, dtype=np.float32)
    painted = step_of <= step
    started = 0
    if start_next is None:
        start_next = bool(rng.random() < 0.5)
    if start_next and step + 1 <= len(guide.steps) and step >= 1:
        nxt = np.flatnonzero(step_of == step + 1)
        budget = 0.3 * regions.areas[nxt].sum()
        for region in rng.permutation(nxt):
            if regions.areas[region] <= budget and rng.random() < 0.6:
                painted[region] = True
                budget -= regions.areas[region]
                started += 1

    # The colour each region is painted with: one mix per colour and step, a few regions mixed wrong.
    lab = palette.lab.astype(np.float64)
    mixes: dict[tuple[int, int], np.ndarray] = {}
    region_lab = np.zeros((n, 3), dtype=np.float64)
    for region in np.flatnonzero(painted):
        colour = int(regions.labels[region])
        if rng.random() < off_share:
            amount = rng.uniform(*OFF_SHIFT)
            region_lab[region] = shifted_colour(lab[colour], amount, rng)
            status[region], shift[region] = OFF, amount
            continue
        key = (colour, int(step_of[region]))
        if key not in mixes:
            amount = rng.uniform(*SLIGHT_SHIFT)
            mixes[key] = (shifted_colour(lab[colour], amount, rng), amount)
        region_lab[region], shift[region] = mixes[key]
        status[region] = DONE

    height, width = regions.ids.shape
    size = (width * scale, height * scale)
    # Borders wander: a smooth displacement of the region map (about 0.4 % of the long side).
    amplitude = 0.004 * max(size)
    grid_y, grid_x = np.mgrid[0:size[1], 0:size[0]].astype(np.float32)
    dx = _smooth_noise((size[1], size[0]), 0.03 * max(size), rng) * amplitude / 2
    dy = _smooth_noise((size[1], size[0]), 0.03 * max(size), rng) * amplitude / 2
    map_x = np.clip((grid_x + dx + 0.5) / scale - 0.5, 0, width - 1).astype(np.float32)
    map_y = np.clip((grid_y + dy + 0.5) / scale - 0.5, 0, height - 1).astype(np.float32)
    ids = cv2.remap(regions.ids.astype(np.float32), map_x, map_y, cv2.INTER_NEAREST).astype(np.int32)

    opaque = Medium.parse(guide.options.medium).value.opaque
    white = np.array([0.95, 0.945, 0.925], dtype=np.float32)  # gesso, a little warm
    canvas = np.empty((size[1], size[0], 3), dtype=np.float32)
    canvas[:] = white
    if step >= 1 and opaque:  # the toning wash and the value underpainting, a little off as well
        ground = cv2.resize(guide.steps.picture(0), size, interpolation=cv2.INTER_LINEAR)
        ground = cv2.remap(ground, map_x * scale, map_y * scale, cv2.INTER_LINEAR)
        from assistant.color.spaces import rgb_to_lab

        direction = rng.normal(size=3)
        offset = direction / np.linalg.norm(direction) * rng.uniform(*SLIGHT_SHIFT)  # the wash mixed a little off
        ground = lab_to_rgb(rgb_to_lab(ground) + offset.astype(np.float32))
        wash = 1.0 + 0.05 * _smooth_noise(ground.shape[:2], 2.5 * scale, rng, angle=rng.uniform(0, np.pi), stretch=8)
        canvas = linear_to_srgb(srgb_to_linear(ground) * wash[..., None])
    if step >= 1 and not opaque:  # the pencil sketch of the value masses: thin grey lines
        values = cv2.remap(guide.values.labels.astype(np.float32), map_x, map_y, cv2.INTER_NEAREST)
        line = np.zeros(values.shape, bool)
        line[:, 1:] |= values[:, 1:] != values[:, :-1]
        line[1:, :] |= values[1:, :] != values[:-1, :]
        canvas[line] = canvas[line] * rng.uniform(0.55, 0.75)
    rgb = lab_to_rgb(region_lab.astype(np.float32)).astype(np.float32)
    on = painted[ids]
    canvas[on] = rgb[ids[on]]

    # Soft edges, then brush texture (two stroke directions) and the canvas weave.
    canvas = cv2.GaussianBlur(canvas, (0, 0), 0.7 * scale)
    angles = rng.uniform(0, np.pi, 2)
    strokes = [_smooth_noise(canvas.shape[:2], 1.2 * scale, rng, angle=a, stretch=6) for a in angles]
    texture = np.where((ids % 2 == 0), strokes[0], strokes[1])
    texture = np.where(on, texture * 0.05, texture * 0.015)
    weave = 0.012 * np.sin(grid_x * 2.1) * np.sin(grid_y * 2.1)
    linear = srgb_to_linear(canvas) * (1.0 + texture + weave)[..., None]
    return PaintedCanvas(linear_to_srgb(linear), step, status, shift, started)


# --- the scene and the camera -----------------------------------------------------------------


@dataclass(frozen=True)
class CanvasPhoto:
    """A photo of a canvas and what is true about it."""

    jpeg: bytes
    corners: np.ndarray  # (4, 2) x, y in the photo of the painting's top-left, top-right, bottom-right, bottom-left
    painted: PaintedCanvas | None
    settings: dict = field(default_factory=dict)

    def pixels(self) -> np.ndarray:
        from PIL import Image

        return np.asarray(Image.open(io.BytesIO(self.jpeg)).convert("RGB"), dtype=np.float32) / 255.0


def _rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    x, y, z = axis
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
                     [y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s],
                     [z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c)]])


def _pose(canvas_mm, size, rng, max_tilt: float, fill: tuple[float, float]):
    """Camera projection of the canvas box: ``(project(points_mm) → px, front corners px)``."""
    w_mm, h_mm = canvas_mm
    width, height = size
    focal = 0.75 * max(width, height)
    tilt = math.radians(rng.uniform(0.0, max_tilt))
    axis_angle = rng.uniform(0, 2 * np.pi)
    roll = rng.uniform(0, 2 * np.pi)
    rotation = _rotation(np.array([math.cos(axis_angle), math.sin(axis_angle), 0.0]), tilt) @ _rotation(
        np.array([0.0, 0.0, 1.0]), roll)
    front = np.array([[-w_mm / 2, -h_mm / 2, 0], [w_mm / 2, -h_mm / 2, 0], [w_mm / 2, h_mm / 2, 0],
                      [-w_mm / 2, h_mm / 2, 0]], dtype=np.float64)
    for _ in range(200):
        share = rng.uniform(*fill)
        distance = focal * max(w_mm, h_mm) / (share * min(width, height))
        centre = np.array([rng.uniform(-0.2, 0.2) * width, rng.uniform(-0.2, 0.2) * height]) * distance / focal
        shift = np.array([centre[0], centre[1], distance])

        def project(points, shift=shift):
            camera = points @ rotation.T + shift
            return np.stack([focal * camera[:, 0] / camera[:, 2] + width / 2,
                             focal * camera[:, 1] / camera[:, 2] + height / 2], axis=1)

        corners = project(front)
        back = project(front + [0, 0, STRETCHER_MM])
        every = np.concatenate([corners, back])
        margin = 0.03 * min(width, height)
        if (every[:, 0].min() > margin and every[:, 0].max() < width - margin and every[:, 1].min() > margin
                and every[:, 1].max() < height - margin):
            return project, corners, back, {"tilt": math.degrees(tilt), "roll": math.degrees(roll), "fill": share}
        fill = (fill[0] * 0.97, fill[1] * 0.97)
    raise RuntimeError("could not place the canvas in the picture")


def _texture(kind: str, shape, rng) -> np.ndarray:
    """Albedo (linear RGB) of a surface: plaster, wood, cloth or a plain board."""
    height, width = shape
    palettes = {
        "plaster": [(0.80, 0.78, 0.74), (0.70, 0.70, 0.68), (0.62, 0.66, 0.62), (0.55, 0.60, 0.68),
                    (0.85, 0.84, 0.82), (0.75, 0.62, 0.48)],
        "wood": [(0.45, 0.28, 0.14), (0.30, 0.18, 0.09), (0.60, 0.42, 0.25), (0.20, 0.12, 0.07)],
        "cloth": [(0.15, 0.15, 0.18), (0.50, 0.10, 0.10), (0.20, 0.30, 0.45), (0.55, 0.55, 0.50)],
        "board": [(0.08, 0.08, 0.08), (0.35, 0.35, 0.36), (0.82, 0.82, 0.80)],
    }
    base = np.array(palettes[kind][rng.integers(len(palettes[kind]))], dtype=np.float32)
    base = srgb_to_linear(np.clip(base * np.exp(rng.normal(0, 0.08, 3)), 0, 1))
    if kind == "wood":
        angle = rng.uniform(0, np.pi)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        along = xx * math.cos(angle) + yy * math.sin(angle)
        warp = 6.0 * _smooth_noise(shape, max(4.0, 0.05 * max(shape)), rng)
        grain = 0.5 + 0.5 * np.sin((along + warp) * rng.uniform(0.15, 0.4))
        factor = 0.75 + 0.45 * grain ** 3
    elif kind == "cloth":
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        factor = 1.0 + 0.06 * np.sin(xx * 1.3) * np.sin(yy * 1.3) + 0.1 * _smooth_noise(shape, 0.08 * max(shape), rng)
    else:
        factor = 1.0 + 0.05 * _smooth_noise(shape, 0.03 * max(shape), rng)
    return np.clip(base * factor[..., None], 0.0, 1.0).astype(np.float32)


def _clutter(scene: np.ndarray, rng, avoid: np.ndarray, count: int, scale: float) -> None:
    """Paint tubes, brushes, paper, a palette, jars and another picture, drawn into ``scene`` (linear)."""
    import cv2
    from skimage import data

    height, width = scene.shape[:2]
    for _ in range(count):
        kind = rng.choice(["tube", "tube", "brush", "brush", "paper", "palette", "jar", "picture", "rag"])
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        angle = rng.uniform(0, 180)
        colour = srgb_to_linear(rng.uniform(0.05, 0.95, 3))
        if kind == "tube":
            box = cv2.boxPoints(((cx, cy), (rng.uniform(0.1, 0.16) * scale, rng.uniform(0.025, 0.04) * scale), angle))
            cv2.fillConvexPoly(scene, box.astype(np.int32), colour.tolist(), cv2.LINE_AA)
            cap = cv2.boxPoints(((cx, cy), (0.03 * scale, 0.02 * scale), angle))
            cv2.fillConvexPoly(scene, cap.astype(np.int32), [0.85, 0.85, 0.85], cv2.LINE_AA)
        elif kind == "brush":
            length = rng.uniform(0.15, 0.3) * scale
            dx, dy = math.cos(math.radians(angle)) * length / 2, math.sin(math.radians(angle)) * length / 2
            handle = srgb_to_linear(rng.choice([(0.5, 0.3, 0.1), (0.1, 0.1, 0.1), (0.7, 0.1, 0.1), (0.8, 0.7, 0.5)]))
            cv2.line(scene, (int(cx - dx), int(cy - dy)), (int(cx + dx), int(cy + dy)), handle.tolist(),
                     max(2, int(0.008 * scale)), cv2.LINE_AA)
        elif kind == "paper":
            box = cv2.boxPoints(((cx, cy), (0.21 * scale * rng.uniform(0.6, 1.2), 0.297 * scale * rng.uniform(0.6, 1.2)),
                                 angle))
            cv2.fillConvexPoly(scene, box.astype(np.int32), srgb_to_linear(rng.uniform(0.82, 0.95, 3)).tolist(),
                               cv2.LINE_AA)
        elif kind == "palette":
            axes = (int(rng.uniform(0.12, 0.2) * scale), int(rng.uniform(0.08, 0.14) * scale))
            cv2.ellipse(scene, (int(cx), int(cy)), axes, angle, 0, 360, srgb_to_linear([0.85, 0.8, 0.7]).tolist(), -1,
                        cv2.LINE_AA)
            for _ in range(6):
                blob = srgb_to_linear(rng.uniform(0.05, 0.95, 3)).tolist()
                ox, oy = rng.uniform(-0.6, 0.6, 2) * axes
                cv2.circle(scene, (int(cx + ox), int(cy + oy)), int(0.015 * scale), blob, -1, cv2.LINE_AA)
        elif kind == "jar":
            cv2.ellipse(scene, (int(cx), int(cy)), (int(0.05 * scale), int(0.035 * scale)), angle, 0, 360,
                        (colour * 0.5 + 0.2).tolist(), -1, cv2.LINE_AA)
        elif kind == "rag":
            points = np.array([[cx + rng.uniform(-0.12, 0.12) * scale, cy + rng.uniform(-0.12, 0.12) * scale]
                               for _ in range(7)], dtype=np.float32)
            cv2.fillPoly(scene, [cv2.convexHull(points).astype(np.int32)], colour.tolist(), cv2.LINE_AA)
        else:  # another picture: a framed photo
            other = getattr(data, str(rng.choice(["rocket", "coffee", "immunohistochemistry", "retina"])))()
            pic_w = int(rng.uniform(0.12, 0.25) * scale)
            pic_h = int(pic_w * other.shape[0] / other.shape[1])
            picture = srgb_to_linear(cv2.resize(other[..., :3], (pic_w, pic_h)).astype(np.float32) / 255.0)
            x0, y0 = int(cx - pic_w / 2), int(cy - pic_h / 2)
            xs, ys = slice(max(0, x0), min(width, x0 + pic_w)), slice(max(0, y0), min(height, y0 + pic_h))
            if xs.stop > xs.start and ys.stop > ys.start:
                scene[ys, xs] = picture[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0]


def photograph(canvas: np.ndarray, canvas_mm: tuple[float, float], *, seed: int = 0,
               size: tuple[int, int] = (1600, 1200), max_tilt: float = 35.0, fill: tuple[float, float] = (0.45, 0.85),
               kelvin: float | None = None, quality: int | None = None, crossing_brush: bool | None = None):
    """Photograph the painted ``canvas`` (float32 sRGB) in a cluttered room; returns ``(jpeg, corners, settings)``.

    ``size``: the photo's (width, height) before a random choice of portrait or landscape.
    """
    import cv2
    from PIL import Image

    rng = np.random.default_rng(seed)
    width, height = size if rng.random() < 0.6 else size[::-1]
    scale = float(min(width, height))
    project, corners, back, settings = _pose(canvas_mm, (width, height), rng, max_tilt, fill)

    # Wall and table, textures made small and enlarged (cheap), the line between them anywhere.
    small = (max(8, height // 4), max(8, width // 4))
    wall = _texture(str(rng.choice(["plaster", "plaster", "board"])), small, rng)
    table = _texture(str(rng.choice(["wood", "wood", "cloth", "board"])), small, rng)
    yy, xx = np.mgrid[0:small[0], 0:small[1]].astype(np.float32)
    tilt_line = math.radians(rng.uniform(-25, 25)) + rng.choice([0.0, np.pi / 2])
    split = (xx - small[1] / 2) * math.sin(tilt_line) + (yy - small[0] * rng.uniform(0.3, 0.8)) * math.cos(tilt_line)
    scene = cv2.resize(np.where((split > 0)[..., None], table, wall), (width, height), interpolation=cv2.INTER_LINEAR)
    _clutter(scene, rng, corners, int(rng.integers(6, 18)), scale)

    # The stretched canvas: its sides (far ones first), then the painting on the front face.
    side_albedo = srgb_to_linear(np.array([0.93, 0.92, 0.9], np.float32))
    sides = []
    for i in range(4):
        j = (i + 1) % 4
        quad = np.array([corners[i], corners[j], back[j], back[i]])
        sides.append((float(np.mean(np.linalg.norm(quad - [width / 2, height / 2], axis=1))), quad))
    for _, quad in sorted(sides, key=lambda item: -item[0]):
        shade = rng.uniform(0.45, 0.95)
        cv2.fillConvexPoly(scene, np.round(quad * 16).astype(np.int32), (side_albedo * shade).tolist(), cv2.LINE_AA,
                           shift=4)
    h_px, w_px = canvas.shape[:2]
    source = np.array([[0, 0], [w_px, 0], [w_px, h_px], [0, h_px]], dtype=np.float32)
    homography = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    front = cv2.warpPerspective(srgb_to_linear(canvas), homography, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((h_px, w_px), np.float32), homography, (width, height), flags=cv2.INTER_LINEAR)
    scene = scene * (1 - mask[..., None]) + front * mask[..., None]
    if crossing_brush is None:
        crossing_brush = bool(rng.random() < 0.25)
    if crossing_brush:  # a brush lying across one edge of the canvas
        i = int(rng.integers(4))
        point = corners[i] + (corners[(i + 1) % 4] - corners[i]) * rng.uniform(0.2, 0.8)
        angle = rng.uniform(0, np.pi)
        length = rng.uniform(0.1, 0.2) * scale
        a = point + length / 2 * np.array([math.cos(angle), math.sin(angle)])
        b = point - length / 2 * np.array([math.cos(angle), math.sin(angle)])
        cv2.line(scene, tuple(int(v) for v in a), tuple(int(v) for v in b), srgb_to_linear([0.2, 0.1, 0.05]).tolist(),
                 max(2, int(0.008 * scale)), cv2.LINE_AA)

    # Light: fall-off, a gradient and often a soft shadow; black-body colour partly white-balanced away.
    gy, gx = np.mgrid[0:small[0], 0:small[1]].astype(np.float32)
    gx, gy = gx / small[1] - 0.5, gy / small[0] - 0.5
    direction = rng.uniform(0, 2 * np.pi)
    light = (1 - rng.uniform(0.1, 0.45) * (gx**2 + gy**2) * 2) * (
        1 + rng.uniform(0.0, 0.5) * (gx * math.cos(direction) + gy * math.sin(direction)))
    if rng.random() < 0.5:
        shadow = np.zeros(small, np.float32)
        points = np.array([[rng.uniform(-0.2, 1.2) * small[1], rng.uniform(-0.2, 1.2) * small[0]] for _ in range(5)])
        cv2.fillPoly(shadow, [cv2.convexHull(points.astype(np.float32)).astype(np.int32)], 1.0)
        shadow = cv2.GaussianBlur(shadow, (0, 0), 0.04 * max(small))
        light = light * (1 - rng.uniform(0.2, 0.5) * shadow)
    light = cv2.resize(light.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    kelvin = float(rng.uniform(2700, 6500)) if kelvin is None else float(kelvin)
    balanced = rng.uniform(0.2, 0.8)
    cast = kelvin_gains(kelvin) ** (1 - balanced)
    linear = scene * light[..., None] * cast
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    exposure = rng.uniform(0.8, 1.0) / max(float(np.percentile(luminance[::7, ::7], 99)), 1e-3)
    flare = rng.uniform(0.0, 0.012)
    linear = linear * exposure + flare
    photo = linear_to_srgb(linear)
    blur = rng.uniform(0.0, 1.2) * max(width, height) / 2000
    if blur > 0.3:
        photo = cv2.GaussianBlur(photo, (0, 0), blur)
    noise = rng.uniform(0.003, 0.012)
    photo = photo + rng.normal(0, noise, photo.shape[:2])[..., None].astype(np.float32)  # luminance noise
    photo = photo + rng.normal(0, noise / 2, photo.shape).astype(np.float32)  # colour noise
    quality = int(rng.integers(60, 91)) if quality is None else int(quality)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(np.rint(photo * 255), 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=quality)
    settings.update({"kelvin": kelvin, "white_balance": balanced, "blur": blur, "noise": noise, "quality": quality,
                     "flare": flare, "size": (width, height), "crossing_brush": crossing_brush})
    return buffer.getvalue(), corners.astype(np.float32), settings


def canvas_photo(guide, step: int, *, seed: int = 0, size: tuple[int, int] = (1600, 1200), **options) -> CanvasPhoto:
    """A photo of ``guide``'s canvas after ``step`` steps (0 = blank), with its truth."""
    painted = paint_canvas(guide, step, seed=seed)
    jpeg, corners, settings = photograph(painted.image, (guide.canvas.width_mm, guide.canvas.height_mm),
                                         seed=seed + 7919, size=size, **options)
    return CanvasPhoto(jpeg, corners, painted, settings)


def clutter_photo(*, seed: int = 0, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A photo of a cluttered table and wall without any canvas (JPEG)."""
    import cv2
    from PIL import Image

    rng = np.random.default_rng(seed)
    width, height = size
    small = (height // 4, width // 4)
    scene = cv2.resize(_texture("wood", small, rng), (width, height))
    _clutter(scene, rng, np.zeros((4, 2)), 14, float(min(size)))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(np.rint(linear_to_srgb(scene * 1.3) * 255), 0, 255).astype(np.uint8)).save(
        buffer, "JPEG", quality=80)
    return buffer.getvalue()
