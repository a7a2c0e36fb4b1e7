"""Colour spaces and human colour names.

* CIELAB via OpenCV (float input, D65, sRGB gamma handled by OpenCV).
* DIN99o, a re-shaping of CIELAB (DIN 6176) in which Euclidean distance follows
  perceived difference much more closely than in Lab: chroma is compressed
  logarithmically, so saturated colours no longer dominate k-means.
* CIEDE2000 (via scikit-image), the metric painters' colour tools and our bench use.
* ``color_name``: a short descriptive name ("dark muted blue") a person can read.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

__all__ = [
    "color_name",
    "delta_e2000",
    "delta_e2000_matrix",
    "din99o_to_lab",
    "distance_to",
    "lab_to_din99o",
    "lab_to_rgb",
    "rgb_to_lab",
]

_ROT = np.radians(26.0)
_COS, _SIN = np.cos(_ROT), np.sin(_ROT)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1], shape ``(..., 3)`` → CIELAB float32 (L in [0, 100])."""
    import cv2

    array = np.asarray(rgb, dtype=np.float32)
    flat = array.reshape(1, -1, 3)
    return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab).reshape(array.shape)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB ``(..., 3)`` → sRGB float32 in [0, 1] (out-of-gamut values are clipped)."""
    import cv2

    array = np.asarray(lab, dtype=np.float32)
    flat = array.reshape(1, -1, 3)
    return np.clip(cv2.cvtColor(flat, cv2.COLOR_Lab2RGB), 0.0, 1.0).reshape(array.shape)


def lab_to_din99o(lab: np.ndarray) -> np.ndarray:
    """CIELAB → DIN99o coordinates ``(L99, a99, b99)``."""
    lab = np.asarray(lab, dtype=np.float64)
    lightness, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    l99 = 303.67 * np.log1p(0.0039 * lightness)
    e = a * _COS + b * _SIN
    f = 0.83 * (-a * _SIN + b * _COS)
    chroma = np.log1p(0.075 * np.hypot(e, f)) / 0.0435
    hue = np.arctan2(f, e) + _ROT
    return np.stack([l99, chroma * np.cos(hue), chroma * np.sin(hue)], axis=-1)


def din99o_to_lab(din: np.ndarray) -> np.ndarray:
    """DIN99o → CIELAB (exact inverse of :func:`lab_to_din99o`)."""
    din = np.asarray(din, dtype=np.float64)
    l99, a99, b99 = din[..., 0], din[..., 1], din[..., 2]
    lightness = np.expm1(l99 / 303.67) / 0.0039
    g = np.expm1(0.0435 * np.hypot(a99, b99)) / 0.075
    hue = np.arctan2(b99, a99) - _ROT
    e, f = g * np.cos(hue), g * np.sin(hue) / 0.83
    return np.stack([lightness, e * _COS - f * _SIN, e * _SIN + f * _COS], axis=-1)


def distance_to(points: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Euclidean distance of each colour of ``points`` ``(N, 3)`` to ``centre`` (one colour, or one per point).

    The very numbers of ``np.linalg.norm(points - centre, axis=-1)`` (the same squares, added in the same order),
    three times faster: NumPy reduces a three-long axis slowly, and the clean-up and recentring ask for millions.
    """
    difference = np.asarray(points) - centre
    difference *= difference
    return np.sqrt(difference[:, 0] + difference[:, 1] + difference[:, 2])


def delta_e2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference, broadcasting over leading axes: the very numbers of scikit-image's
    ``deltaE_ciede2000`` (a test compares), without importing it (0.2 s of SciPy in a guide's process)."""
    lab1, lab2 = np.broadcast_arrays(np.asarray(lab1, np.float64), np.asarray(lab2, np.float64))
    lightness, a, b = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    return _ciede2000_column(lightness, a, b, np.hypot(a, b), (lab2[..., 0], lab2[..., 1], lab2[..., 2]))


def delta_e2000_matrix(lab: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """CIEDE2000 from each of ``lab`` ``(n, 3)`` to each of ``centres`` ``(k, 3)``: ``(n, k)``, the same numbers
    as :func:`delta_e2000` column by column, a centre at a time on two threads.

    The formula (Sharma, Wu & Dalal 2005) step for step as :func:`delta_e2000` (scikit-image) takes it, with
    each colour's own chroma worked out once for all the centres instead of once a centre.
    """
    from ..base import on_two_cores

    lab = np.asarray(lab, np.float64).reshape(-1, 3)
    centres = np.asarray(centres, np.float64).reshape(-1, 3)
    lightness, a, b = (np.ascontiguousarray(lab[:, i]) for i in range(3))
    chroma = np.hypot(a, b)
    columns = on_two_cores(lambda j: _ciede2000_column(lightness, a, b, chroma, centres[j]), len(centres))
    return np.stack(columns, axis=1) if columns else np.zeros((len(lab), 0))


def _ciede2000_column(L1: np.ndarray, a1: np.ndarray, b1: np.ndarray, chroma1: np.ndarray,
                      centre: Any) -> np.ndarray:
    """CIEDE2000 (kL = kC = kH = 1) from colours ``(L1, a1, b1)`` (chroma ``chroma1``) to one Lab ``centre``, or to
    ``(L2, a2, b2)`` arrays of the same shape, pair by pair."""
    L2, a2, b2 = centre
    two_pi = 2 * np.pi
    # a* stretched by how grey the pair is on average (G), then chroma and hue in that space.
    c7 = (0.5 * (chroma1 + np.hypot(a2, b2))) ** 7
    scale = 1 + 0.5 * (1 - np.sqrt(c7 / (c7 + 25**7)))
    x1, x2 = a1 * scale, a2 * scale
    C1, h1 = np.hypot(x1, b1), np.arctan2(b1, x1)
    h1 += np.where(h1 < 0.0, two_pi, 0)
    C2, h2 = np.hypot(x2, b2), np.arctan2(b2, x2)
    h2 += np.where(h2 < 0.0, two_pi, 0)
    # Lightness: weighted less far from L* 50.
    tmp = (0.5 * (L1 + L2) - 50) ** 2
    L_term = (L2 - L1) / (1 + 0.015 * tmp / np.sqrt(20 + tmp))
    # Chroma.
    Cbar = 0.5 * (C1 + C2)
    C_term = (C2 - C1) / (1 + 0.045 * Cbar)
    # Hue: the difference the short way round the circle, 0 when either colour is grey.
    h_diff, h_sum, CC = h2 - h1, h1 + h2, C1 * C2
    grey = CC == 0.0
    dH = np.where(h_diff > np.pi, h_diff - two_pi, np.where(h_diff < -np.pi, h_diff + two_pi, h_diff))
    dH[grey] = 0.0
    dH_term = 2 * np.sqrt(CC) * np.sin(dH / 2)
    apart = ~grey & (np.abs(h_diff) > np.pi)
    Hbar = np.where(apart & (h_sum < two_pi), h_sum + two_pi, np.where(apart & (h_sum >= two_pi), h_sum - two_pi,
                                                                        h_sum))
    Hbar = np.where(grey, Hbar * 2, Hbar)
    Hbar *= 0.5
    T = (1 - 0.17 * np.cos(Hbar - np.deg2rad(30)) + 0.24 * np.cos(2 * Hbar)
         + 0.32 * np.cos(3 * Hbar + np.deg2rad(6)) - 0.20 * np.cos(4 * Hbar - np.deg2rad(63)))
    H_term = dH_term / (1 + 0.015 * Cbar * T)
    # The blue region's rotation term.
    c7 = Cbar**7
    Rc = 2 * np.sqrt(c7 / (c7 + 25**7))
    dtheta = np.deg2rad(30) * np.exp(-(((np.rad2deg(Hbar) - 275) / 25) ** 2))
    R_term = -np.sin(2 * dtheta) * Rc * C_term * H_term
    dE2 = L_term**2
    dE2 += C_term**2
    dE2 += H_term**2
    dE2 += R_term
    return np.sqrt(np.maximum(dE2, 0))


# Hue sectors in CIELAB hue angle (degrees), each starting at the given angle.
#: Colour words painters use, each with a typical sRGB value (our own list: everyday and art-class
#: names, deliberately no pigment or brand names, so a colour's name is never mistaken for a tube).
NAMED_COLOURS = {
    "black": "#141414", "charcoal": "#36393b", "dark grey": "#545454", "grey": "#808080",
    "light grey": "#b4b4b4", "silver": "#cfcfcf", "white": "#f7f7f5", "off-white": "#eeeadf",
    "ivory": "#f3efd8", "cream": "#f2e6c4", "beige": "#ddcaa6", "sand": "#d2b98b", "tan": "#c09a6b",
    "khaki": "#b5a67a", "taupe": "#8b7d6b", "warm grey": "#8f877c", "cool grey": "#7d858c",
    "blue grey": "#66768a", "slate": "#4d5866", "dark brown": "#3e2a1e", "chocolate brown": "#5c3a21",
    "brown": "#7a4b2a", "coffee brown": "#6f4e37", "rust": "#a4471f", "terracotta": "#c06545",
    "caramel": "#b97a3c", "ochre": "#c38b2c", "mustard": "#c9a227", "golden yellow": "#e8b22a",
    "yellow": "#f2d023", "lemon yellow": "#f6ea4a", "pale yellow": "#f5eba0", "orange": "#e8772a",
    "pumpkin": "#d8641c", "peach": "#f2b48c", "apricot": "#eba26d", "skin": "#e0ab8b",
    "salmon": "#e8836f", "coral": "#f0705a", "red": "#d52b23", "scarlet": "#e53222",
    "brick red": "#9e3a2c", "crimson": "#b3152f", "maroon": "#6b1d22", "wine": "#6f2436",
    "pink": "#eea5b4", "dusty pink": "#c9919a", "rose": "#d4607a", "magenta": "#c2297a",
    "plum": "#6e3459", "mauve": "#a07f98", "lavender": "#b3a5d0", "violet": "#6c4ba0",
    "purple": "#5b2d7a", "indigo": "#33306e", "navy": "#1f2a55", "royal blue": "#2f4fb4",
    "blue": "#2f62c0", "denim blue": "#4a6a94", "steel blue": "#5a82ac", "sky blue": "#8cbde3",
    "pale blue": "#c4dcee", "turquoise": "#2fb3b0", "teal": "#1f7a7a", "aqua": "#7fd3cf",
    "mint green": "#a6dcb8", "sage green": "#98a886", "olive green": "#6b6b2e", "olive": "#857c3a",
    "moss green": "#6b7a3a", "lime green": "#92c13c", "leaf green": "#4f8f35", "green": "#3a8a4a",
    "forest green": "#2c5a30", "bottle green": "#1d4a35", "dark green": "#22352a",
}


@functools.lru_cache(maxsize=1)
def _named_lab() -> tuple[tuple[str, ...], np.ndarray]:
    names = tuple(NAMED_COLOURS)
    rgb = np.array([[int(NAMED_COLOURS[n][i : i + 2], 16) for i in (1, 3, 5)] for n in names], np.float32) / 255.0
    return names, rgb_to_lab(rgb[None])[0].astype(np.float64)


def color_name(lab: tuple[float, float, float] | np.ndarray) -> str:
    """The painter's word for a CIELAB colour: the CIEDE2000-nearest of :data:`NAMED_COLOURS`.

    A colour well away from every named one gets "light", "dark" or "muted" in front,
    e.g. ``"tan"``, ``"dark teal"``, ``"muted rose"``.
    """
    names, table = _named_lab()
    colour = np.asarray(lab, dtype=np.float64).reshape(1, 3)
    distance = delta_e2000(np.repeat(colour, len(names), axis=0), table)
    best = int(np.argmin(distance))
    name = names[best]
    if distance[best] > 8 and name not in ("black", "white"):
        lightness, reference = colour[0, 0], table[best, 0]
        chroma, reference_chroma = np.hypot(*colour[0, 1:]), np.hypot(*table[best, 1:])
        if lightness < reference - 8 and not name.startswith("dark"):
            name = "dark " + name
        elif lightness > reference + 8 and not name.startswith(("light", "pale")):
            name = "light " + name
        elif chroma < reference_chroma - 12:
            name = "muted " + name
    return name
