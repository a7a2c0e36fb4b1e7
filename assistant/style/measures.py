"""How much a stylised picture changed the photo, in three numbers a person can read.

* ``change``: mean CIEDE2000 between photo and result, pixel by pixel (0 = identical;
  about 2 is just visible, above 20 the picture is repainted).
* ``edges_kept``: correlation of the two images' edge strength (Sobel magnitude of CIE L*,
  lightly smoothed): 1 = every edge where it was, 0 = unrelated edges.
* ``colour_drift``: mean CIEDE2000 between heavily blurred photo and result (Gaussian σ = 1/32
  of the long side): whether the large areas kept their colour (navy stays navy).

Used to choose the style defaults (``bench/style_defaults.py``) and in tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base import check_image

__all__ = ["StyleChange", "measure_change"]


@dataclass(frozen=True)
class StyleChange:
    change: float
    edges_kept: float
    colour_drift: float


def _edge_strength(lightness: np.ndarray) -> np.ndarray:
    import cv2

    smooth = cv2.GaussianBlur(lightness, (0, 0), 1.0)
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
