"""Colour spaces and human colour names.

* CIELAB via OpenCV (float input, D65, sRGB gamma handled by OpenCV).
* DIN99o, a re-shaping of CIELAB (DIN 6176) in which Euclidean distance follows
  perceived difference much more closely than in Lab: chroma is compressed
  logarithmically, so saturated colours no longer dominate k-means.
* CIEDE2000 (via scikit-image), the metric painters' colour tools and our bench use.
* ``color_name``: a short descriptive name ("dark muted blue") a person can read.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "color_name",
    "delta_e2000",
    "din99o_to_lab",
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


def delta_e2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference, broadcasting over leading axes."""
    from skimage.color import deltaE_ciede2000

    lab1, lab2 = np.broadcast_arrays(np.asarray(lab1, np.float64), np.asarray(lab2, np.float64))
    return deltaE_ciede2000(lab1, lab2)


# Hue sectors in CIELAB hue angle (degrees), each starting at the given angle.
_HUES = (
    (0.0, "pink-red"),
    (20.0, "red"),
    (45.0, "orange"),
    (75.0, "yellow"),
    (105.0, "yellow-green"),
    (135.0, "green"),
    (175.0, "teal"),
    (215.0, "sky blue"),
    (245.0, "blue"),
    (315.0, "purple"),
    (345.0, "pink-red"),
)


def color_name(lab: tuple[float, float, float] | np.ndarray) -> str:
    """A short, human colour description for a CIELAB colour.

    Examples: ``"black"``, ``"warm light grey"``, ``"dark brown"``, ``"vivid orange"``.
    Names describe, they do not identify a paint brand.
    """
    lightness, a, b = (float(v) for v in lab)
    chroma = float(np.hypot(a, b))
    hue_deg = float(np.degrees(np.arctan2(b, a)) % 360.0)

    if chroma < 9.0:
        if lightness < 12:
            base = "black"
        elif lightness > 93:
            base = "white"
        elif lightness < 35:
            base = "charcoal grey"
        elif lightness < 62:
            base = "grey"
        else:
            base = "light grey"
        if chroma >= 4.0 and base not in ("black", "white"):
            warm = hue_deg < 110 or hue_deg > 330
            base = f"{'warm' if warm else 'cool'} {base}"
        return base

    hue = next(name for start, name in reversed(_HUES) if hue_deg >= start)
    # Dark or dull warm hues are what painters call browns, olives and skin tones.
    if hue in ("red", "orange", "yellow") and lightness < 55 and chroma < 45:
        hue = "brown" if hue != "yellow" else "olive brown"
    elif hue == "yellow-green" and lightness < 50:
        hue = "olive green"
    elif hue in ("orange", "yellow") and lightness >= 55 and chroma < 30:
        hue = "beige" if lightness > 75 else "tan"
    elif hue in ("pink-red", "red") and lightness > 70:
        hue = "pink"
    elif hue == "purple" and lightness > 70:
        hue = "lavender"

    words = []
    if lightness < 30:
        words.append("dark")
    elif lightness > 78 and hue not in ("pink", "lavender", "beige"):
        words.append("light")
    if chroma < 20 and hue not in ("beige", "tan"):
        words.append("muted")
    elif chroma > 65:
        words.append("vivid")
    words.append(hue)
    return " ".join(words)
