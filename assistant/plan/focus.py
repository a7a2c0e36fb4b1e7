"""The detail map: where the painting keeps detail and where it simplifies.

Painting teachers simplify the background into big masses and keep detail, contrast and
the most values at the focal point. :func:`detail_map` says, pixel by pixel, how much
detail each part of the picture deserves, from

* faces and their features (eyes, nose, mouth), found by :mod:`assistant.faces`;
* a general saliency term: local contrast and the spectral residual (Hou & Zhang 2007),
  which picks out what stands apart from its surroundings;
* the painter's own choice: a focal point and circles marked "keep detail here" or
  "simplify here".

The map is float32 ``(H, W)`` in [0, 1]; :data:`NEUTRAL` (0.5) everywhere means "as a guide
without a detail map" (``focus="none"``). Every later stage reads it through two small
formulas: :func:`importance` (how much a pixel counts when the palette is chosen) and
:func:`area_scale` (how small a region may be there).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..base import check_image

if TYPE_CHECKING:
    from ..faces import Face

__all__ = ["COARSE", "FACE_DETAIL", "FEATURE_FRACTION", "FOCAL_DETAIL", "NEUTRAL", "DetailMap", "Mark", "area_scale", "detail_map", "importance", "parse_focus",
           "parse_marks", "skin_colours"]

#: The detail value of a guide without a detail map: every stage behaves as before.
NEUTRAL = 0.5
#: How much bigger the smallest region may be where the map says "simplify" (detail 0).
COARSE = 2.0
#: How much more a pixel of finest detail counts than a neutral one when the palette is chosen.
IMPORTANCE = 12.0
#: Detail of what stands out (saliency 1) away from a face, and of the plainest background (saliency 0).
SALIENT_DETAIL, PLAIN_DETAIL = 0.65, 0.3
#: ... and of what stands out in a picture with a face: a little above a guide without a map (0.5).
SALIENT_NEAR_FACE = 0.6
#: The smallest shape kept in a face, as a fraction of its width: half a pupil across.
FEATURE_FRACTION = 1 / 30
#: Detail of a face's skin (its features 1); the focal disc around a face (hair, neck) is 0.85.
FACE_DETAIL, FOCAL_DETAIL = 0.9, 0.85
#: Default focal radius, as a fraction of the picture's short side.
FOCUS_RADIUS = 0.15
_MODES = ("auto", "none")


@dataclass(frozen=True)
class Mark:
    """A circle the painter marked on the photo: keep detail there, or simplify it.

    ``x`` and ``y`` are fractions of the photo's width and height (0 = left / top);
    ``radius`` is a fraction of its short side.
    """

    x: float
    y: float
    radius: float = 0.08
    keep: bool = True

    def validate(self) -> Mark:
        for name in ("x", "y"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and 0.0 <= value <= 1.0):
                raise ValueError(f"Expected a mark's {name} between 0 and 1. Received: {name}={value!r}")
        if not (isinstance(self.radius, int | float) and math.isfinite(self.radius) and 0.005 <= self.radius <= 1.0):
            raise ValueError(f"Expected a mark's radius between 0.005 and 1. Received: radius={self.radius!r}")
        if not isinstance(self.keep, bool):
            raise ValueError(f"Expected a mark's keep True or False. Received: keep={self.keep!r}")
        return self

    def as_tuple(self) -> tuple[float, float, float, bool]:
        return (float(self.x), float(self.y), float(self.radius), bool(self.keep))


def parse_focus(text: str) -> tuple[str, tuple[float, float, float] | None]:
    """``"auto"``, ``"none"`` or ``"X,Y[,R]"`` → ``(mode, point)``; X, Y, R are fractions (see :class:`Mark`).

    Raises:
        ValueError: anything else, in one line.
    """
    if not isinstance(text, str):
        raise ValueError(f"Expected focus 'auto', 'none' or 'X,Y[,R]'. Received: focus={text!r}")
    spec = text.strip().lower()
    if spec in _MODES:
        return spec, None
    try:
        numbers = [float(part) for part in spec.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 2:
        numbers.append(FOCUS_RADIUS)
    if len(numbers) != 3 or not all(math.isfinite(v) for v in numbers):
        raise ValueError("Expected focus 'auto', 'none' or 'X,Y[,R]' (fractions of the photo, e.g. 0.4,0.3 or "
                         f"0.4,0.3,0.1). Received: focus={text!r}")
    x, y, radius = numbers
    Mark(x, y, radius).validate()
    return "point", (x, y, radius)


def parse_marks(marks: Iterable[Mark | Sequence[float | bool]] | None) -> tuple[Mark, ...]:
    """Marks from ``(x, y, radius, keep)`` sequences (as a project file or plan.json holds them) or :class:`Mark`."""
    if marks is None:
        return ()
    if not isinstance(marks, list | tuple) or len(marks) > 200:
        raise ValueError(f"Expected at most 200 marks as (x, y, radius, keep). Received: marks={marks!r:.80}")
    out = []
    for mark in marks:
        if isinstance(mark, Mark):
            out.append(mark.validate())
            continue
        if not isinstance(mark, list | tuple) or len(mark) != 4 or isinstance(mark[3], str):
            raise ValueError(f"Expected a mark as (x, y, radius, keep). Received: {mark!r:.80}")
        x, y, radius, keep = mark
        out.append(Mark(x, y, radius, bool(keep) if isinstance(keep, int | bool) else keep).validate())
    return tuple(out)


def importance(detail: np.ndarray) -> np.ndarray:
    """How much each pixel counts when the palette is chosen: 1 at :data:`NEUTRAL`, 12× at 1, 1/12 at 0."""
    return np.power(IMPORTANCE, 2.0 * np.asarray(detail, np.float64) - 1.0)


def area_scale(detail: np.ndarray, fine_ratio: float) -> np.ndarray:
    """Factor on the smallest region's area: 1 at :data:`NEUTRAL`, ``fine_ratio`` (< 1) at 1, :data:`COARSE` at 0.

    Geometric in between, so that halfway to the focal point is halfway in scale.
    """
    d = np.clip(np.asarray(detail, np.float64), 0.0, 1.0)
    fine = np.power(min(max(fine_ratio, 1e-3), 1.0), np.clip(2.0 * d - 1.0, 0.0, 1.0))
    coarse = np.power(COARSE, np.clip(1.0 - 2.0 * d, 0.0, 1.0))
    return fine * coarse


@dataclass(frozen=True)
class DetailMap:
    """How much detail each pixel deserves, and why.

    Attributes:
        detail: float32 ``(H, W)`` in [0, 1]; :data:`NEUTRAL` = as without a detail map.
        mode: ``"auto"``, ``"none"`` or ``"point"`` (the painter placed the focal point).
        faces: faces found (:class:`assistant.faces.Face`, in this map's pixels).
        focal_point: ``(x, y)`` of the focal point as fractions of the picture, or None.
        focal_radius: its radius, a fraction of the short side.
        marks: the painter's marks that were applied.
        note: one line when something was left out ("the face finder is not installed").
    """

    detail: np.ndarray
    mode: str = "none"
    faces: tuple = ()
    focal_point: tuple[float, float] | None = None
    focal_radius: float = FOCUS_RADIUS
    marks: tuple[Mark, ...] = ()
    note: str = ""

    @property
    def is_neutral(self) -> bool:
        return bool(np.all(self.detail == NEUTRAL))

    @property
    def name(self) -> str:
        """The focal point in a painter's words: "the face (upper centre)", "the focal point (lower left)"."""
        if self.focal_point is None:
            return ""
        x, y = self.focal_point
        where = ("upper", "middle", "lower")[min(2, int(y * 3))] + " " + ("left", "centre", "right")[min(2, int(x * 3))]
        where = "centre" if where == "middle centre" else where
        what = "the face" if len(self.faces) == 1 else "the faces" if self.faces else "the focal point"
        if self.mode == "point" and self.faces:
            what = "the focal point"
        return f"{what} ({where})"

    def region_detail(self, ids: np.ndarray, count: int) -> np.ndarray:
        """The mean detail of each region of ``ids`` (a region id per pixel, 0 … count − 1)."""
        sums = np.bincount(ids.ravel(), weights=self.detail.ravel(), minlength=count)
        return sums / np.maximum(np.bincount(ids.ravel(), minlength=count), 1)

    def fitted(self, shape: tuple[int, int], fit_box_args: tuple) -> DetailMap:
        """This map cut or padded like the photo (see :func:`assistant.canvas.fit_box`) to ``shape``."""
        out_h, out_w, top, left, (y0, y1, x0, x1) = fit_box_args
        if (out_h, out_w) != tuple(shape):
            raise ValueError(f"Expected the fitted shape {shape}. Received: {(out_h, out_w)}")
        height, width = self.detail.shape
        if (y0, y1, x0, x1) != (0, height, 0, width):  # cropped
            detail = self.detail[y0:y1, x0:x1]
            dx, dy = x0, y0
        else:  # padded: the border is blank canvas, nothing to paint there
            detail = np.zeros((out_h, out_w), np.float32)
            detail[top:top + height, left:left + width] = self.detail
            dx, dy = -left, -top
        faces = tuple(_moved(face, -dx, -dy) for face in self.faces)
        point = None
        if self.focal_point is not None:
            point = ((self.focal_point[0] * width - dx) / out_w, (self.focal_point[1] * height - dy) / out_h)
            point = (float(np.clip(point[0], 0, 1)), float(np.clip(point[1], 0, 1)))
        return DetailMap(np.ascontiguousarray(detail, np.float32), self.mode, faces, point,
                         self.focal_radius * min(height, width) / min(out_h, out_w), self.marks, self.note)

    def plan_dict(self) -> dict:
        """What plan.json records: the mode, the focal point, the faces found and the marks."""
        return {
            "mode": self.mode,
            "focal_point": None if self.focal_point is None else [round(v, 4) for v in self.focal_point],
            "focal_radius": round(float(self.focal_radius), 4),
            "faces": [face.plan_dict() for face in self.faces],
            "marks": [list(mark.as_tuple()) for mark in self.marks],
            "note": self.note,
        }


def detail_map(image: np.ndarray, *, focus: str = "auto", marks: Iterable[Mark | Sequence[float | bool]] = (),
               faces: Sequence[Face] | None = None) -> DetailMap:
    """The detail map of ``image`` (float32 ``(H, W, 3)`` in [0, 1]; not modified).

    Args:
        focus: ``"auto"`` (faces and saliency; the focal point is the largest face, else the
            most salient place), ``"none"`` (neutral everywhere: the guide as without a map), or
            ``"X,Y[,R]"`` (faces and saliency, and the painter's focal point there).
        marks: the painter's :class:`Mark` circles, applied last.
        faces: faces already found in ``image`` (skips the face finder), or None to look.

    Raises:
        ValueError: a bad focus, marks or image.
    """
    check_image(image, "image", min_side=1)
    mode, point = parse_focus(focus)
    marks = parse_marks(marks)
    height, width = image.shape[:2]
    if mode == "none":
        detail = np.full((height, width), NEUTRAL, np.float32)
        return DetailMap(_apply_marks(detail, marks), "none", marks=marks)
    from concurrent.futures import ThreadPoolExecutor

    note = ""
    # What stands out is measured on a second thread while the faces are looked for: both are mostly
    # NumPy and OpenCV work, which lets go of the interpreter (about 0.1 s less wait on two cores).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="painting-assistant-saliency") as pool:
        measuring = pool.submit(saliency, image)
        if faces is None:
            faces, note = _find_faces(image)
        salient = measuring.result()
    # With a face to paint, what stands out elsewhere gets little more detail than a guide without a map (teachers
    # simplify around the sitter): at 0.65 the background's contrast bought a portrait 10–20 % more regions, no
    # likeness; at 0.6 the regions the colour-aware smoothing saves pay for its colour (bench/likeness.py, ΔE00).
    top = SALIENT_NEAR_FACE if faces else SALIENT_DETAIL
    detail = (PLAIN_DETAIL + (top - PLAIN_DETAIL) * salient).astype(np.float32)
    for face in faces:
        detail = np.maximum(detail, _face_detail(face, height, width))
    radius = FOCUS_RADIUS
    if point is not None:
        x, y, radius = point
        focal = (x, y)
    elif faces:
        biggest = max(faces, key=lambda f: f.box[2] * f.box[3])
        bx, by, bw, bh = biggest.box
        focal = ((bx + bw / 2) / width, (by + bh / 2) / height)
        radius = max(bw, bh) / min(height, width) * 0.75
    else:
        focal = _peak(salient)
    detail = np.maximum(detail, _disc(height, width, focal[0] * width, focal[1] * height,
                                      radius * min(height, width), FOCAL_DETAIL))
    return DetailMap(_apply_marks(detail, marks), mode, tuple(faces), (float(focal[0]), float(focal[1])),
                     float(radius), marks, note)


def skin_colours(image: np.ndarray, faces: Sequence[Face]) -> list[np.ndarray]:
    """The skin of the faces in ``image`` as CIELAB colours a palette must keep: the lit skin and,
    when it differs by more than 8 ΔE00, the skin in shadow.

    Read from the cheeks and forehead band of each face box (its middle, away from the eyes,
    nostrils and mouth): the median colour of the lighter half of those pixels, and of their
    darkest quarter. K-means spends paints by area, so a small face's skin can otherwise end
    up painted with the grey of a big background. Faces count by their area.
    """
    from ..color.spaces import delta_e2000, rgb_to_lab

    height, width = image.shape[:2]
    pixels = []
    for face in faces:
        x, y, w, h = face.box
        x0, x1 = int(max(0, x + 0.2 * w)), int(min(width, x + 0.8 * w))
        y0, y1 = int(max(0, y + 0.2 * h)), int(min(height, y + 0.75 * h))
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        zone = np.ones((y1 - y0, x1 - x0), bool)
        rows, cols = np.ogrid[y0:y1, x0:x1]
        for px, py in face.landmarks.values():  # not the eyes, nostrils or lips
            zone &= (cols - px) ** 2 + (rows - py) ** 2 > (0.16 * w) ** 2
        pixels.append(rgb_to_lab(np.ascontiguousarray(image[y0:y1, x0:x1]))[zone].reshape(-1, 3))
    if not pixels or sum(len(p) for p in pixels) < 16:
        return []
    lab = np.concatenate(pixels).astype(np.float64)
    lightness = lab[:, 0]
    lit = np.median(lab[lightness >= np.median(lightness)], axis=0)
    shadow = np.median(lab[lightness <= np.percentile(lightness, 25)], axis=0)
    found = [lit]
    if float(delta_e2000(lit[None], shadow[None])[0]) > 8.0:
        found.append(shadow)
    return found


def saliency(image: np.ndarray) -> np.ndarray:
    """What stands out, float32 ``(H, W)`` in [0, 1]: local contrast of lightness and the spectral residual.

    Local contrast: the gradient of L* blurred over about 1/50 of the short side (edges and
    texture the eye goes to). Spectral residual (Hou & Zhang 2007): at 64 px, the log amplitude
    spectrum minus its local mean, transformed back, shows what differs from its surroundings.
    Each term is scaled by its 98th percentile; the map is their mean.
    """
    import cv2

    from ..color.spaces import rgb_to_lab

    height, width = image.shape[:2]
    lightness = np.ascontiguousarray(rgb_to_lab(image)[..., 0], np.float32)
    sigma = max(1.0, min(height, width) / 50)
    gx = cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3)
    contrast = cv2.GaussianBlur(np.hypot(gx, gy), (0, 0), sigma)

    small = cv2.resize(lightness, (64, 64), interpolation=cv2.INTER_AREA)
    spectrum = np.fft.fft2(small)
    log_amplitude = np.log(np.abs(spectrum) + 1e-6).astype(np.float32)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    back = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    back = cv2.GaussianBlur(back.astype(np.float32), (0, 0), 2.5)
    residual_map = cv2.resize(back, (width, height), interpolation=cv2.INTER_LINEAR)

    def scaled(values: np.ndarray) -> np.ndarray:
        top = float(np.percentile(values, 98))
        return np.clip(values / top, 0.0, 1.0) if top > 0 else np.zeros_like(values)

    return ((scaled(contrast) + scaled(residual_map)) / 2).astype(np.float32)


def _moved(face, dx: float, dy: float):
    """``face`` with its box and landmarks shifted by ``(dx, dy)`` pixels."""
    import dataclasses

    x, y, w, h = face.box
    landmarks = {name: (px + dx, py + dy) for name, (px, py) in face.landmarks.items()}
    return dataclasses.replace(face, box=(x + dx, y + dy, w, h), landmarks=landmarks)


def _find_faces(image: np.ndarray) -> tuple[tuple, str]:
    """Faces in ``image``, or none and a one-line note when the face finder cannot run."""
    from ..faces import FaceDetectorFileError, load_face_detector

    try:
        return load_face_detector().detect(image), ""
    except FaceDetectorFileError as exc:
        return (), f"Faces were not looked for: {exc}"


def _face_detail(face, height: int, width: int) -> np.ndarray:
    """:data:`FACE_DETAIL` over the face (an ellipse a little larger than its box), 1 at the eyes, nose and mouth.

    Worked out in the window the ellipse covers (0 outside it, as the formulas give there): a fifth of the time.
    """
    x, y, w, h = face.box
    detail = np.zeros((height, width), np.float32)
    _raise_ellipse(detail, x + w / 2, y + h / 2, 0.6 * w, 0.7 * h, 0.25, FACE_DETAIL)
    marks = face.landmarks
    for name in ("left_eye", "right_eye", "nose"):
        if name in marks:
            mx, my = marks[name]
            detail = np.maximum(detail, _disc(height, width, mx, my, w * (0.14 if "eye" in name else 0.1), 1.0))
    if "mouth_left" in marks and "mouth_right" in marks:  # the whole mouth: lips and teeth
        (lx, ly), (rx, ry) = marks["mouth_left"], marks["mouth_right"]
        span = max(math.hypot(rx - lx, ry - ly), 1.0)
        _raise_ellipse(detail, (lx + rx) / 2, (ly + ry) / 2, 0.75 * span, 0.45 * span, 0.35, 1.0)
    return detail


def _raise_ellipse(detail: np.ndarray, cx: float, cy: float, rx: float, ry: float, edge: float,
                   value: float) -> None:
    """Raise ``detail`` (float32, in place) to ``value`` inside an ellipse, falling smoothly to 0 over ``edge``
    of its (squared) radius: worked out only in the window the ellipse covers."""
    height, width = detail.shape
    (y0, y1), (x0, x1) = _span(cy, ry, height), _span(cx, rx, width)
    if y0 < y1 and x0 < x1:
        rows, cols = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        inside = ((cols - cx) / rx) ** 2 + ((rows - cy) / ry) ** 2
        detail[y0:y1, x0:x1] = np.maximum(detail[y0:y1, x0:x1], value * _soft(1.0 - inside, edge))


def _span(centre: float, radius: float, size: int) -> tuple[int, int]:
    """The pixels ``[start, stop)`` of ``0 … size`` within ``radius`` of ``centre`` (a pixel more each side)."""
    return max(0, math.floor(centre - abs(radius)) - 1), min(size, math.ceil(centre + abs(radius)) + 2)


def _disc(height: int, width: int, x: float, y: float, radius: float, value: float) -> np.ndarray:
    """``value`` inside a circle, falling smoothly to 0 over its outer third (worked out in its square only)."""
    disc = np.zeros((height, width), np.float32)
    radius = max(radius, 1e-6)
    (y0, y1), (x0, x1) = _span(y, radius, height), _span(x, radius, width)
    if y0 < y1 and x0 < x1:
        rows, cols = np.ogrid[y0:y1, x0:x1]
        distance = np.sqrt((cols - x) ** 2 + (rows - y) ** 2) / radius
        disc[y0:y1, x0:x1] = value * _soft(1.0 - distance, 0.35)
    return disc


def _soft(inside: np.ndarray, width: float) -> np.ndarray:
    """Smoothstep from 0 (``inside`` ≤ 0) to 1 (``inside`` ≥ ``width``)."""
    t = np.clip(inside / width, 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _apply_marks(detail: np.ndarray, marks: tuple[Mark, ...]) -> np.ndarray:
    height, width = detail.shape
    short = min(height, width)
    for mark in marks:
        disc = _disc(height, width, mark.x * width, mark.y * height, mark.radius * short, 1.0)
        detail = np.maximum(detail, disc) if mark.keep else detail * (1.0 - disc)
    return np.clip(detail, 0.0, 1.0).astype(np.float32)


def _peak(salient: np.ndarray) -> tuple[float, float]:
    """Where the saliency, blurred over a tenth of the picture, is highest: ``(x, y)`` fractions."""
    import cv2

    height, width = salient.shape
    blurred = cv2.GaussianBlur(salient, (0, 0), max(1.0, min(height, width) / 10))
    row, col = np.unravel_index(int(np.argmax(blurred)), blurred.shape)
    return ((col + 0.5) / width, (row + 0.5) / height)
