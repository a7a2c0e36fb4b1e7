"""How much a stylised picture changed the photo, in three numbers a person can read.

* ``change``: mean CIEDE2000 between photo and result, pixel by pixel (0 = identical;
  about 2 is just visible, above 20 the picture is repainted).
* ``edges_kept``: correlation of the two images' edge strength (Sobel magnitude of CIE L*,
  lightly smoothed): 1 = every edge where it was, 0 = unrelated edges.
* ``colour_drift``: mean CIEDE2000 between heavily blurred photo and result (Gaussian σ = 1/32
  of the long side): whether the large areas kept their colour (navy stays navy).

Used to choose the style defaults (``bench/style_defaults.py``) and in tests.

:func:`measure_look` gives issue 25's three numbers, in that issue's units, for the fast
style engine (``assistant.style.fast``); they differ from :func:`measure_change` in two ways:

* ``change`` is the mean absolute RGB difference in 0–1 (not ΔE00): 0.06 is about 15 of 255
  levels on every channel of every pixel;
* ``colour_drift`` blurs both pictures with a fixed σ = 4 px (not 1/32 of the long side)
  before the ΔE00, so it asks whether patches a few brush marks wide kept their colour.

``edges_kept`` is the same correlation as :func:`measure_change`'s (Sobel of CIE L* after a
σ = 1 px blur). With ``relative_edges=True`` that blur grows with the picture (σ = long
side / 512, at least 1 px), so a 1024 px picture is judged at the same scale of detail as a
512 px one: with a fixed 1 px blur the same painting scores lower at 1024 px only because
finer marks count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base import check_image

__all__ = ["StyleChange", "StyleLook", "measure_change", "measure_look"]


@dataclass(frozen=True)
class StyleChange:
    change: float
    edges_kept: float
    colour_drift: float


@dataclass(frozen=True)
class StyleLook:
    """Issue 25's look numbers (see the module's docstring)."""

    change: float  # mean |result − photo| over pixels and RGB channels, 0–1; goal ≥ 0.06
    edges_kept: float  # correlation of edge strength, −1–1; goal ≥ 0.6
    colour_drift: float  # mean ΔE00 after a σ = 4 px blur of both; goal ≤ 12


def _edge_strength(lightness: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    import cv2

    smooth = cv2.GaussianBlur(lightness, (0, 0), sigma)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    return np.hypot(gx, gy).ravel()


def measure_change(photo: np.ndarray, result: np.ndarray) -> StyleChange:
    """Compare a stylised ``result`` with its ``photo`` (same shape, float RGB in [0, 1])."""
    import cv2

    from ..color.spaces import delta_e2000, rgb_to_lab

    check_image(photo, "photo")
    check_image(result, "result")
    if photo.shape != result.shape:
        raise ValueError(f"Expected images of one shape. Received: {photo.shape} and {result.shape}")
    lab_a, lab_b = rgb_to_lab(photo), rgb_to_lab(result)
    sigma = max(photo.shape[:2]) / 32
    blur_a = rgb_to_lab(cv2.GaussianBlur(np.ascontiguousarray(photo, np.float32), (0, 0), sigma))
    blur_b = rgb_to_lab(cv2.GaussianBlur(np.ascontiguousarray(result, np.float32), (0, 0), sigma))
    edges_a, edges_b = _edge_strength(lab_a[..., 0]), _edge_strength(lab_b[..., 0])
    kept = float(np.corrcoef(edges_a, edges_b)[0, 1]) if edges_a.std() > 0 and edges_b.std() > 0 else 0.0
    return StyleChange(
        change=round(float(delta_e2000(lab_a, lab_b).mean()), 2),
        edges_kept=round(kept, 3),
        colour_drift=round(float(delta_e2000(blur_a, blur_b).mean()), 2),
    )


def measure_look(photo: np.ndarray, result: np.ndarray, *, relative_edges: bool = False) -> StyleLook:
    """Issue 25's numbers for a stylised ``result`` of ``photo`` (same shape, float RGB in [0, 1])."""
    import cv2

    from ..color.spaces import delta_e2000, rgb_to_lab

    check_image(photo, "photo")
    check_image(result, "result")
    if photo.shape != result.shape:
        raise ValueError(f"Expected images of one shape. Received: {photo.shape} and {result.shape}")
    photo = np.ascontiguousarray(photo, np.float32)
    result = np.ascontiguousarray(result, np.float32)
    sigma = max(1.0, max(photo.shape[:2]) / 512) if relative_edges else 1.0
    edges_a = _edge_strength(rgb_to_lab(photo)[..., 0], sigma)
    edges_b = _edge_strength(rgb_to_lab(result)[..., 0], sigma)
    kept = float(np.corrcoef(edges_a, edges_b)[0, 1]) if edges_a.std() > 0 and edges_b.std() > 0 else 0.0
    blur_a = rgb_to_lab(cv2.GaussianBlur(photo, (0, 0), 4.0))
    blur_b = rgb_to_lab(cv2.GaussianBlur(result, (0, 0), 4.0))
    return StyleLook(
        change=round(float(np.abs(result - photo).mean()), 4),
        edges_kept=round(kept, 3),
        colour_drift=round(float(delta_e2000(blur_a, blur_b).mean()), 2),
    )
