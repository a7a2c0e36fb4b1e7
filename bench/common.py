"""Helpers shared by the benchmark scripts (not part of the product)."""

from __future__ import annotations

import numpy as np

PHOTOS = ("astronaut", "coffee", "chelsea")


def photo(name: str) -> np.ndarray:
    from skimage import data

    return getattr(data, name)().astype(np.float32) / 255.0


def de2000_stats(reference: np.ndarray, image: np.ndarray) -> tuple[float, float]:
    """Mean and 95th percentile CIEDE2000 between two float RGB images."""
    from assistant.color.spaces import delta_e2000, rgb_to_lab

    error = delta_e2000(rgb_to_lab(reference), rgb_to_lab(image))
    return float(error.mean()), float(np.percentile(error, 95))
