"""The overlay a painter looks at: what is still to do and what is off, numbered with the palette colours."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

__all__ = ["OFF_COLOUR", "TODO_COLOUR", "overlay"]

OFF_COLOUR = (0.86, 0.05, 0.55)  # magenta: nothing on a canvas is likely to be this colour
TODO_COLOUR = (0.05, 0.35, 0.85)  # blue
#: The overlay's long side at least this (numbers stay readable on small guides).
MIN_SIDE = 1024


def _outline(mask: np.ndarray, width: int) -> np.ndarray:
    import cv2

    kernel = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    mask = mask.astype(np.uint8)
    return (cv2.dilate(mask, kernel) > 0) & (cv2.erode(mask, np.ones((3, 3), np.uint8)) == 0)


def _number(canvas: np.ndarray, text: str, centre: tuple[float, float], radius: float, colour) -> None:
    """A number on a white disc at ``centre`` (row, col), sized to the region but always readable."""
    import cv2

    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), _ = cv2.getTextSize(text, font, 1.0, 2)
    scale = float(np.clip(1.4 * radius / max(tw, th), 0.45, 1.1))
    thickness = 1 if scale < 0.7 else 2
    (tw, th), _ = cv2.getTextSize(text, font, scale, thickness)
    row, col = centre
    disc = int(math.ceil(max(tw, th) * 0.75)) + 2
    ink = tuple(int(round(255 * v)) for v in colour)
    cv2.circle(canvas, (int(col), int(row)), disc, (255, 255, 255), -1, cv2.LINE_AA)
    cv2.circle(canvas, (int(col), int(row)), disc, ink, 1, cv2.LINE_AA)
    cv2.putText(canvas, text, (int(col - tw / 2), int(row + th / 2)), font, scale, ink, thickness, cv2.LINE_AA)


def overlay(canvas: np.ndarray, ids: np.ndarray, status: np.ndarray, numbers: np.ndarray, anchors: np.ndarray,
            depths: np.ndarray, *, next_regions: Iterable[int] = (), legend: bool = True) -> np.ndarray:
    """The corrected ``canvas`` with regions to do faded (outlined and numbered in blue when they are next) and
    regions off outlined and numbered in magenta; a legend underneath. float32 ``(H', W', 3)``."""
    import cv2

    from ..images import resize_longest, to_uint8

    height, width = ids.shape
    factor = max(1, math.ceil(MIN_SIDE / max(height, width)))
    size = (width * factor, height * factor)
    picture = cv2.resize(np.asarray(canvas, np.float32), size, interpolation=cv2.INTER_LINEAR)
    if picture.shape[:2] != (size[1], size[0]):
        picture = resize_longest(picture, max(size))
    big = cv2.resize(ids.astype(np.float32), size, interpolation=cv2.INTER_NEAREST).astype(np.int32)
    todo = (status == 0)[big]
    picture[todo] = picture[todo] * 0.45 + 0.55
    line = max(1, factor)
    upcoming = np.zeros(len(status), bool)
    upcoming[list(next_regions)] = True
    upcoming &= status == 0
    picture[_outline(upcoming[big], line)] = TODO_COLOUR
    off = (status == 2)[big]
    picture[_outline(off, line + 1)] = OFF_COLOUR
    picture = to_uint8(picture)  # OpenCV writes text on 8-bit pictures only
    for region in np.flatnonzero(upcoming | (status == 2)):
        colour = OFF_COLOUR if status[region] == 2 else TODO_COLOUR
        row, col = (anchors[region] * factor + factor / 2).tolist()
        _number(picture, str(int(numbers[region])), (row, col), float(depths[region]) * factor, colour)
    if legend:
        picture = np.concatenate([picture, _legend(picture.shape[1])], axis=0)
    return picture.astype(np.float32) / 255.0


def _legend(width: int) -> np.ndarray:
    import cv2

    band = np.full((44, width, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    x = 12
    for colour, text in ((OFF_COLOUR, "off: repaint (number = palette colour)"),
                         (TODO_COLOUR, "next step: still to do"), ((0.75, 0.75, 0.75), "faded: not painted yet")):
        cv2.rectangle(band, (x, 14), (x + 18, 30), tuple(int(round(255 * v)) for v in colour), -1)
        cv2.putText(band, text, (x + 26, 28), font, 0.55, (40, 40, 40), 1, cv2.LINE_AA)
        x += 36 + cv2.getTextSize(text, font, 0.55, 1)[0][0]
        if x > width - 40:
            break
    return band
