"""Shared fixtures: the real sample photos that ship with scikit-image, as files and arrays."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image


def photo_array(name: str, max_side: int | None = None) -> np.ndarray:
    from skimage import data

    array = getattr(data, name)().astype(np.float32) / 255.0
    if max_side is not None:
        from assistant.images import resize_longest

        array = resize_longest(array, max_side)
    return array


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def chelsea_small() -> np.ndarray:
    return photo_array("chelsea", 160)


@pytest.fixture(scope="session")
def astronaut_jpeg() -> bytes:
    from skimage import data

    return encode(Image.fromarray(data.astronaut()), "JPEG", quality=90)


def pytest_collection_modifyitems(config, items):
    """Browser tests are slow tests too, so ``pytest -m "not slow"`` is the quick loop."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
