"""Find the canvas in a photo and straighten it.

The canvas is the big four-sided shape in the picture. Candidates come from the outlines of
coloured areas (edges of the lightness and of the two colour channels, at two strengths, after a
filter that keeps edges and smooths wood grain and brush texture), each outline reduced to four
corners. Each candidate is scored by how much of its border is a real edge (a change of colour
across it), how big and how central it is, and how well its proportions, seen in perspective, fit
the canvas's. The winner's sides are then fitted again at a finer scale, each to the straight edge
that runs along it (the inner one where the canvas's own side shows as a second, parallel edge).

Corners are ``(4, 2)`` float32 ``(x, y)`` in the photo's pixels, clockwise on the screen.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["apparent_aspect", "find_canvas", "find_markers", "homography", "order_clockwise", "rectify",
           "refine_corners", "quad_candidates"]

#: Long side of the picture the candidates are searched in.
SEARCH_SIDE = 640
#: A phone's main camera: focal length / long side of the picture (about 26 mm equivalent).
PHONE_FOCAL = 0.8
#: Long side of the picture the sides are fitted again in.
REFINE_SIDE = 1600


def order_clockwise(corners: np.ndarray) -> np.ndarray:
    """The four corners clockwise on the screen (y down), starting with the one nearest the top-left."""
    corners = np.asarray(corners, dtype=np.float64).reshape(4, 2)
    centre = corners.mean(axis=0)
    angles = np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0])
    ordered = corners[np.argsort(angles)]  # increasing angle with y down = clockwise on the screen
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0).astype(np.float32)


def homography(corners: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The 3×3 homography taking the photo's ``corners`` (TL, TR, BR, BL) onto an ``(H, W)`` picture."""
    import cv2

    height, width = shape
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    return cv2.getPerspectiveTransform(np.asarray(corners, dtype=np.float32).reshape(4, 2), target)


def rectify(photo: np.ndarray, corners: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The canvas inside ``corners`` straightened to an ``(H, W)`` float32 picture.

    A photo much larger than the result is smoothed first, so that the straightened picture is
    averaged, not sampled (no moiré from the canvas weave).
    """
    import cv2

    matrix = homography(corners, shape)
    # How many photo pixels one canvas pixel covers (at the corners' average), to smooth before sampling.
    corners = np.asarray(corners, dtype=np.float64).reshape(4, 2)
    sides = np.linalg.norm(np.roll(corners, -1, axis=0) - corners, axis=1)
    ratio = max(sides[0] + sides[2], 1.0) / (2 * shape[1]), max(sides[1] + sides[3], 1.0) / (2 * shape[0])
    source = np.asarray(photo, dtype=np.float32)
    sigma = 0.45 * max(ratio) if max(ratio) > 1.5 else 0.0
    if sigma:
        source = np.asarray(cv2.GaussianBlur(source, (0, 0), sigma), np.float32)
    out = cv2.warpPerspective(source, matrix, (shape[1], shape[0]), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
    return np.clip(out, 0.0, 1.0)


def apparent_aspect(corners: np.ndarray, image_shape: tuple[int, int]) -> float | None:
    """Width / height of the rectangle whose perspective picture is ``corners`` (TL, TR, BR, BL).

    The camera's focal length is found from the corners themselves, the principal point taken as
    the picture's centre (Zhang and He, "Whiteboard scanning and image enhancement", 2007); when the
    corners cannot tell it (a canvas tilted about one of its sides), a phone's is assumed. None when the
    corners do not come from a rectangle seen by a pinhole camera.
    """
    height, width = image_shape
    points = np.asarray(corners, dtype=np.float64).reshape(4, 2) - (width / 2, height / 2)
    # Zhang's order: m1 = TL, m2 = TR, m3 = BL, m4 = BR.
    m1, m2, m4, m3 = (np.array([x, y, 1.0]) for x, y in points)
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    product = n2[2] * n3[2]
    f2 = -(n2[0] * n3[0] + n2[1] * n3[1]) / product if abs(product) > 1e-9 else float("nan")
    if not np.isfinite(f2) or f2 <= 0 or abs(n2[2]) < 1e-3 or abs(n3[2]) < 1e-3:
        # Tilted about one of its own sides (or not at all): the corners cannot tell the focal length;
        # a phone's main camera (about 26 mm equivalent) is assumed.
        f2 = (PHONE_FOCAL * max(height, width)) ** 2
    if not np.isfinite(f2) or f2 <= 0:
        return None
    a = np.diag([1 / f2, 1 / f2, 1.0])
    ratio = (n2 @ a @ n2) / (n3 @ a @ n3)
    return float(math.sqrt(ratio)) if ratio > 0 else None


def _edge_maps(small: np.ndarray) -> list[np.ndarray]:
    """Edge pictures of the lightness and colour channels at two strengths (uint8, 255 = edge)."""
    import cv2

    lab = cv2.cvtColor((np.clip(small, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2Lab)
    smooth = cv2.bilateralFilter(lab, 9, 40, 7)
    smooth = cv2.medianBlur(smooth, 5)
    maps = []
    for channel in range(3):
        plane = smooth[..., channel]
        gradient = cv2.magnitude(cv2.Sobel(plane, cv2.CV_32F, 1, 0), cv2.Sobel(plane, cv2.CV_32F, 0, 1))
        top = float(np.percentile(gradient, 97))
        if top < 8:
            continue
        for high in (0.6 * top, 1.2 * top):
            maps.append(cv2.Canny(plane, high / 2, high, L2gradient=True))
    return maps


def _to_quad(points: np.ndarray) -> np.ndarray | None:
    """Four corners for a closed outline: the polygon of its hull with the least area lost, down to 4 vertices."""
    import cv2

    hull = cv2.convexHull(points.astype(np.float32)).reshape(-1, 2).astype(np.float64)
    if len(hull) < 4:
        return None
    perimeter = cv2.arcLength(hull.astype(np.float32), True)
    hull = cv2.approxPolyDP(hull.astype(np.float32), 0.004 * perimeter, True).reshape(-1, 2).astype(np.float64)
    while len(hull) > 4:  # drop the vertex whose triangle with its neighbours is smallest (Visvalingam)
        before, after = np.roll(hull, 1, axis=0), np.roll(hull, -1, axis=0)
        areas = np.abs((hull[:, 0] - before[:, 0]) * (after[:, 1] - before[:, 1])
                       - (after[:, 0] - before[:, 0]) * (hull[:, 1] - before[:, 1]))
        hull = np.delete(hull, int(np.argmin(areas)), axis=0)
    if len(hull) < 4:
        return None
    return order_clockwise(hull)


def _quad_area(quad: np.ndarray) -> float:
    x, y = quad[:, 0], quad[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def quad_candidates(small: np.ndarray, *, min_area: float = 0.06) -> list[np.ndarray]:
    """Four-cornered outlines covering at least ``min_area`` of ``small`` (corners in its pixels)."""
    import cv2

    height, width = small.shape[:2]
    total = float(height * width)
    found: list[np.ndarray] = []
    kernel = np.ones((3, 3), np.uint8)
    for edges in _edge_maps(small):
        for closing in (1, 2):
            closed = cv2.dilate(edges, kernel, iterations=closing)
            contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
            for contour in contours:
                if cv2.contourArea(cv2.convexHull(contour)) < min_area * total:
                    continue
                quad = _to_quad(contour.reshape(-1, 2))
                if quad is None or _quad_area(quad) < min_area * total:
                    continue
                if not cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)):
                    continue
                if not any(np.abs(quad - other).max() < 0.01 * max(height, width) for other in found):
                    found.append(quad)
    return found


def _segments(small: np.ndarray) -> np.ndarray:
    """Straight segments (LSD) in the lightness and in the colour of ``small``: ``(n, 4)`` x1, y1, x2, y2."""
    import cv2

    lab = cv2.cvtColor((np.clip(small, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2Lab)
    smooth = cv2.bilateralFilter(lab, 7, 30, 5)
    detector = cv2.createLineSegmentDetector()
    chroma = np.clip(np.hypot(smooth[..., 1].astype(np.float32) - 128, smooth[..., 2].astype(np.float32) - 128) * 3,
                     0, 255).astype(np.uint8)
    hue = np.clip((smooth[..., 1].astype(np.float32) - smooth[..., 2].astype(np.float32)) * 2 + 128, 0, 255)
    found = []
    for plane in (smooth[..., 0], chroma, hue.astype(np.uint8)):
        lines = detector.detect(plane)[0]
        if lines is not None:
            found.append(lines.reshape(-1, 4))
    return np.concatenate(found) if found else np.zeros((0, 4), np.float32)


def _long_lines(segments: np.ndarray, size: float, *, count: int = 24):
    """Collinear segments merged into lines: ``[(point, unit direction, segments along it (t0, t1))]``, longest first."""
    if not len(segments):
        return []
    a, b = segments[:, :2].astype(np.float64), segments[:, 2:].astype(np.float64)
    length = np.linalg.norm(b - a, axis=1)
    keep = length > 0.015 * size
    a, b, length = a[keep], b[keep], length[keep]
    order = np.argsort(-length)
    used = np.zeros(len(a), bool)
    lines = []
    for i in order:
        if used[i]:
            continue
        unit = (b[i] - a[i]) / length[i]
        normal = np.array([-unit[1], unit[0]])
        # Segments on this line: nearly the same direction, both ends near it.
        cosine = np.abs(((b - a) / length[:, None]) @ unit)
        near = (np.abs((a - a[i]) @ normal) < 0.006 * size + 1) & (np.abs((b - a[i]) @ normal) < 0.006 * size + 1)
        members = np.flatnonzero(~used & near & (cosine > math.cos(math.radians(3))))
        used[members] = True
        spans = np.sort(np.stack([(a[members] - a[i]) @ unit, (b[members] - a[i]) @ unit], axis=1), axis=1)
        total = _covered(spans, -np.inf, np.inf)
        if total < 0.06 * size:
            continue
        points = np.concatenate([a[members], b[members]])
        centre = points.mean(axis=0)
        _, _, vt = np.linalg.svd(points - centre)
        direction = vt[0] if vt[0] @ unit >= 0 else -vt[0]
        spans = np.sort(np.stack([(a[members] - centre) @ direction, (b[members] - centre) @ direction], axis=1), axis=1)
        lines.append((centre, direction, spans, total))
    lines.sort(key=lambda line: -line[3])
    return lines[:count]


def _covered(spans: np.ndarray, low: float, high: float) -> float:
    """Length of ``[low, high]`` covered by the union of ``spans`` ``(n, 2)``."""
    total, reach = 0.0, low
    for start, end in sorted(spans.tolist()):
        start, end = max(start, reach), min(end, high)
        if end > start:
            total += end - start
            reach = end
    return total


def line_quads(small: np.ndarray, *, min_area: float = 0.06, keep: int = 12) -> list[np.ndarray]:
    """Quadrilaterals bounded by four long straight lines whose segments cover most of each side."""
    height, width = small.shape[:2]
    size = float(max(height, width))
    lines = _long_lines(_segments(small), size)
    n = len(lines)
    if n < 4:
        return []
    crossing = {}
    for i in range(n):
        for j in range(i + 1, n):
            if abs(float(lines[i][1] @ lines[j][1])) < math.cos(math.radians(30)):
                point = _intersect(lines[i][:2], lines[j][:2])
                if point is not None and -0.02 * size < point[0] < width + 0.02 * size and \
                        -0.02 * size < point[1] < height + 0.02 * size:
                    crossing[i, j] = crossing[j, i] = point
    # Opposite sides: two lines within 35° of each other that do not cross inside the picture.
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)
             if abs(float(lines[i][1] @ lines[j][1])) > math.cos(math.radians(35)) and (i, j) not in crossing]
    scored = []
    for p, (i, j) in enumerate(pairs):
        for k, m in pairs[p + 1:]:
            if len({i, j, k, m}) < 4:
                continue
            corners = [crossing.get(key) for key in ((i, k), (k, j), (j, m), (m, i))]
            if any(c is None for c in corners):
                continue
            quad = order_clockwise(np.array(corners))
            area = _quad_area(quad)
            if area < min_area * height * width:
                continue
            cover = 0.0
            for side, line in zip(((corners[3], corners[0]), (corners[0], corners[1]), (corners[1], corners[2]),
                                   (corners[2], corners[3])), (lines[i], lines[k], lines[j], lines[m])):
                centre, direction, spans, _ = line
                t0, t1 = sorted(((side[0] - centre) @ direction, (side[1] - centre) @ direction))
                cover += _covered(spans, t0, t1) / max(t1 - t0, 1.0)
            scored.append((cover / 4, quad))
    scored.sort(key=lambda item: -item[0])
    return [quad for cover, quad in scored[:keep] if cover > 0.35]


def _side_support(lab: np.ndarray, quad: np.ndarray, *, samples: int = 40) -> float:
    """Share of the border along which the colour changes across it (ΔE76 > 8 between 2 px in and out)."""
    height, width = lab.shape[:2]
    offset = max(2.0, 0.006 * max(height, width))
    supported = count = 0
    centre = quad.mean(axis=0)
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        direction = b - a
        length = float(np.linalg.norm(direction))
        if length < 1:
            return 0.0
        normal = np.array([-direction[1], direction[0]]) / length
        if np.dot(centre - (a + b) / 2, normal) < 0:
            normal = -normal  # pointing inwards
        t = np.linspace(0.08, 0.92, samples)[:, None]
        points = a + t * direction
        inner = np.rint(points + normal * offset).astype(int)
        outer = np.rint(points - normal * offset).astype(int)
        valid = ((inner >= 0).all(1) & (inner[:, 0] < width) & (inner[:, 1] < height)
                 & (outer >= 0).all(1) & (outer[:, 0] < width) & (outer[:, 1] < height))
        count += samples
        if valid.any():
            diff = lab[inner[valid, 1], inner[valid, 0]] - lab[outer[valid, 1], outer[valid, 0]]
            supported += int((np.linalg.norm(diff, axis=1) > 8.0).sum())
    return supported / max(count, 1)


def score_quad(quad: np.ndarray, lab: np.ndarray, aspect: float | None) -> float:
    """How much ``quad`` (in ``lab``'s pixels) looks like the canvas: 0 (not at all) to about 1."""
    height, width = lab.shape[:2]
    support = _side_support(lab, quad)
    area = _quad_area(quad) / float(height * width)
    centre = quad.mean(axis=0) / (width, height) - 0.5
    central = 1.0 - 0.6 * float(np.hypot(*centre))
    border = np.minimum.reduce([quad[:, 0], quad[:, 1], width - 1 - quad[:, 0], height - 1 - quad[:, 1]])
    touching = float((border < 2).sum())  # a shape cut by the picture's edge is rarely the whole canvas
    fit = 1.0
    if aspect is not None:
        seen = apparent_aspect(quad, (height, width))
        if seen is None:
            fit = 0.4
        else:
            error = min(abs(math.log(seen / aspect)), abs(math.log(seen * aspect)))  # either way round
            fit = math.exp(-((error / 0.2) ** 2))
            fit = 0.3 + 0.7 * fit
    return support**2 * math.sqrt(min(area, 0.9)) * central * fit * (0.5**touching)


def _lab(image: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(np.clip(image, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)


def find_canvas(photo: np.ndarray, *, aspect: float | None = None, count: int = 6) -> list[tuple[np.ndarray, float]]:
    """The likeliest canvases in ``photo``: up to ``count`` ``(corners, score)``, best first (empty: none).

    ``aspect``: the canvas's width / height, either way round (it may be photographed sideways).
    Corners are in the photo's pixels, clockwise from the one nearest the top-left; which corner is
    the painting's top-left is decided later, against the plan.
    """
    from ..images import resize_longest

    height, width = photo.shape[:2]
    small = resize_longest(photo, SEARCH_SIDE)
    factor = max(height, width) / max(small.shape[:2])
    lab = _lab(small)
    candidates = quad_candidates(small) + line_quads(small)
    scored = sorted(((score_quad(q, lab, aspect), q) for q in candidates), key=lambda item: -item[0])
    chosen: list[tuple[np.ndarray, float]] = []
    for score, quad in scored:
        if score < 0.05 or len(chosen) >= count:
            break
        corners = (quad + 0.5) * factor - 0.5
        if any(np.abs(corners - other).max() < 0.005 * max(height, width) for other, _ in chosen):
            continue
        chosen.append((corners.astype(np.float32), float(score)))
    return chosen


def refine_corners(photo: np.ndarray, corners: np.ndarray, *, search: float = 0.006) -> np.ndarray:
    """Fit each side of ``corners`` again to the straight edge along it, at up to ``REFINE_SIDE`` px.

    Along each side, the strongest colour edges within ``search`` (of the picture's long side) are
    collected; a line is fitted to them (RANSAC, then least squares on its inliers). Where two
    parallel straight edges run along a side (the painting's edge and the canvas's own side), the
    inner one is taken. A side that finds no straight edge keeps its place.
    """
    import cv2

    from ..images import resize_longest

    height, width = photo.shape[:2]
    work = resize_longest(photo, REFINE_SIDE)
    factor = max(height, width) / max(work.shape[:2])
    quad = (np.asarray(corners, dtype=np.float64) + 0.5) / factor - 0.5
    lab = cv2.GaussianBlur(_lab(work), (0, 0), 1.0)
    reach = max(4.0, search * max(work.shape[:2]))
    lines = []
    centre = quad.mean(axis=0)
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        lines.append(_fit_side(lab, a, b, centre, reach))
    refined = quad.copy()
    for i in range(4):
        previous, current = lines[i - 1], lines[i]
        if previous is None or current is None:
            continue
        point = _intersect(previous, current)
        if point is not None and np.linalg.norm(point - quad[i]) < 2.5 * reach:
            refined[i] = point
    return ((refined + 0.5) * factor - 0.5).astype(np.float32)


def _fit_side(lab: np.ndarray, a: np.ndarray, b: np.ndarray, centre: np.ndarray, reach: float):
    """``(point, direction)`` of the straight edge along side ``a``–``b``, or None."""
    height, width = lab.shape[:2]
    direction = b - a
    length = float(np.linalg.norm(direction))
    if length < 10:
        return None
    unit = direction / length
    normal = np.array([-unit[1], unit[0]])
    if np.dot(centre - (a + b) / 2, normal) < 0:
        normal = -normal  # inwards
    steps = np.arange(-reach, reach + 1.0)
    points = []
    for t in np.linspace(0.06, 0.94, 60):
        base = a + t * direction
        probe = base[None, :] + steps[:, None] * normal[None, :]
        xs, ys = np.rint(probe[:, 0]).astype(int), np.rint(probe[:, 1]).astype(int)
        inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
        if inside.sum() < 5:
            continue
        profile = lab[ys[inside], xs[inside]]
        offsets = steps[inside]
        contrast = np.linalg.norm(profile[2:] - profile[:-2], axis=1)
        if contrast.size < 3 or contrast.max() < 6.0:
            continue
        peaks = np.flatnonzero((contrast >= 0.45 * contrast.max()) & (contrast >= np.roll(contrast, 1))
                               & (contrast >= np.roll(contrast, -1)))
        for peak in peaks[:4]:
            offset = offsets[peak + 1]
            points.append(base + offset * normal)
    if len(points) < 12:
        return None
    point_array = np.array(points)
    lines = _ransac_lines(point_array, unit, tolerance=max(1.5, 0.08 * reach))
    if not lines:
        return None
    return lines[0][0], lines[0][1]


def _ransac_lines(points: np.ndarray, guess: np.ndarray, *, tolerance: float, tries: int = 120):
    """Up to two well-supported lines through ``points`` near the direction ``guess``: (point, dir, support, inliers)."""
    rng = np.random.default_rng(0)
    remaining = np.arange(len(points))
    found = []
    for _ in range(2):
        if len(remaining) < 10:
            break
        best = None
        for _ in range(tries):
            i, j = rng.choice(remaining, 2, replace=False)
            d = points[j] - points[i]
            norm = np.linalg.norm(d)
            if norm < 5 or abs(np.dot(d / norm, guess)) < 0.97:
                continue
            d = d / norm
            n = np.array([-d[1], d[0]])
            distance = np.abs((points[remaining] - points[i]) @ n)
            inliers = remaining[distance < tolerance]
            if best is None or len(inliers) > len(best[2]):
                best = (points[i], d, inliers)
        if best is None or len(best[2]) < 10:
            break
        inliers = best[2]
        centre = points[inliers].mean(axis=0)
        _, _, vt = np.linalg.svd(points[inliers] - centre)
        direction = vt[0]
        found.append((centre, direction, len(inliers), inliers))
        remaining = np.setdiff1d(remaining, inliers)
    return found


def _intersect(first, second) -> np.ndarray | None:
    (p, d), (q, e) = first, second
    matrix = np.array([[d[0], -e[0]], [d[1], -e[1]]])
    if abs(np.linalg.det(matrix)) < 1e-6:
        return None
    s, _ = np.linalg.solve(matrix, q - p)
    return p + s * d


def _whole_and_large(corners: np.ndarray, shape: tuple[int, int], min_area: float) -> bool:
    """True when ``corners`` lie inside a picture of ``shape`` (within 2 % of its long side) and enclose at
    least ``min_area`` of it."""
    height, width = shape
    margin = 0.02 * max(height, width)
    inside = bool((corners[:, 0] >= -margin).all() and (corners[:, 0] <= width + margin).all()
                  and (corners[:, 1] >= -margin).all() and (corners[:, 1] <= height + margin).all())
    return inside and _quad_area(np.asarray(corners, np.float64)) >= min_area * height * width


#: A printed corner marker's white margin, as a share of the marker's side (the sticker's corner is the canvas's).
MARKER_MARGIN = 0.25


def find_markers(photo: np.ndarray) -> np.ndarray | None:
    """Corners of the canvas from four printed ArUco markers (DICT_4X4_50, ids 0–3 at TL, TR, BR, BL).

    Each marker is printed upright with a white margin of :data:`MARKER_MARGIN` of its side and stuck in its
    corner of the canvas, the sticker's corner on the canvas's corner. Returns the canvas corners (TL, TR, BR,
    BL of the painting) or None unless all four are seen.
    """
    import cv2

    from ..images import to_uint8

    gray = cv2.cvtColor(to_uint8(photo), cv2.COLOR_RGB2GRAY)
    detector = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50),
                                       cv2.aruco.DetectorParameters())
    found, ids, _ = detector.detectMarkers(gray)
    if ids is None:
        return None
    corners = {}
    for quad, marker in zip(found, ids.ravel()):
        if 0 <= marker <= 3 and marker not in corners:
            quad = quad.reshape(4, 2).astype(np.float64)
            centre = quad.mean(axis=0)
            # Marker i's own corner i points out of the canvas; the sticker's corner lies beyond it by the margin.
            corners[int(marker)] = centre + (quad[int(marker)] - centre) * (1 + 2 * MARKER_MARGIN)
    if len(corners) < 4:
        return None
    return np.array([corners[i] for i in range(4)], dtype=np.float32)


def find_by_features(photo: np.ndarray, pictures: list[np.ndarray], *, min_inliers: int = 15,
                     min_area: float = 0.06) -> np.ndarray | None:
    """Corners of the canvas found by matching SIFT features of ``pictures`` (what the canvas may look like,
    e.g. the plan after each step) in ``photo``: the homography of the picture with the most RANSAC inliers.

    Works where the canvas's edges do not (a palette or a rag against an edge) once anything is painted;
    None when no picture has ``min_inliers`` (a bare canvas has no features to match). As for the edges
    (:func:`quad_candidates`), the canvas must cover ``min_area`` of the photo and lie inside it: a small
    print of the reference photo on the table matches the plan too, but it is not the canvas.
    """
    import cv2

    from ..images import resize_longest, to_uint8

    small = resize_longest(photo, 1024)
    factor = photo.shape[1] / small.shape[1]
    sift = cv2.SIFT.create(nfeatures=4000)
    points, descriptors = sift.detectAndCompute(cv2.cvtColor(to_uint8(small), cv2.COLOR_RGB2GRAY), None)
    if descriptors is None or len(points) < min_inliers:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    best, most = None, min_inliers - 1
    for picture in pictures:
        found, theirs = sift.detectAndCompute(cv2.cvtColor(to_uint8(picture), cv2.COLOR_RGB2GRAY), None)
        if theirs is None or len(found) < min_inliers:
            continue
        pairs = [p for p in matcher.knnMatch(theirs, descriptors, k=2) if len(p) == 2]
        good = [a for a, b in pairs if a.distance < 0.8 * b.distance]  # Lowe's ratio test
        if len(good) <= most:
            continue
        source = np.array([found[a.queryIdx].pt for a in good], np.float32).reshape(-1, 1, 2)
        target = np.array([points[a.trainIdx].pt for a in good], np.float32).reshape(-1, 1, 2) * factor
        matrix, inliers = cv2.findHomography(source, target, cv2.RANSAC, 4.0 * factor)
        if matrix is None or int(inliers.sum()) <= most:
            continue
        height, width = picture.shape[:2]
        box = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32).reshape(-1, 1, 2)
        corners = cv2.perspectiveTransform(box, matrix).reshape(4, 2)
        if np.isfinite(corners).all() and cv2.isContourConvex(corners.reshape(-1, 1, 2)) and _whole_and_large(
                corners, photo.shape[:2], min_area):
            best, most = corners.astype(np.float32), int(inliers.sum())
    return best
