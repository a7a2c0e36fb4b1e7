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


@pytest.fixture(scope="session", autouse=True)
def private_session_folders(tmp_path_factory):
    """The app keeps each session's work in a folder; tests use their own, never the user's."""
    import os

    folder = tmp_path_factory.mktemp("sessions")
    previous = os.environ.get("PAINTING_ASSISTANT_SESSION_DIR")
    os.environ["PAINTING_ASSISTANT_SESSION_DIR"] = str(folder)
    yield folder
    from assistant.jobs.embedded import stop_started

    stop_started()  # the app's own worker, when a test made the app start one
    if previous is None:
        os.environ.pop("PAINTING_ASSISTANT_SESSION_DIR", None)
    else:
        os.environ["PAINTING_ASSISTANT_SESSION_DIR"] = previous


@pytest.fixture(autouse=True)
def navigation_entry_point(monkeypatch):
    """Make AppTest run app.py on every run, as the server does.

    AppTest resets ``PagesManager.uses_pages_directory`` before each run, and because a
    ``pages/`` folder sits beside app.py, Streamlit then runs the page script alone (the
    old pages-folder mode), skipping app.py. The server sets the flag to False for good
    the first time app.py calls ``st.navigation``; this does the same for every run.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
