"""UI helpers shared by the pages: session-state keys, cached resources, progress.

The UI layer is the only code that imports streamlit. State that must survive a
page change lives under the plain keys below (never under widget keys, which
Streamlit drops when the widget is not on screen).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import streamlit as st

from assistant import Cancelled, GuideOptions, ImageError, decode_image, make_guide

PHOTO = "photo"  # float32 (H, W, 3) working image
PHOTO_NAME = "photo_name"
PHOTO_NOTES = "photo_notes"
TARGET = "target"  # stylised image or None
STYLE = "style_record"  # assistant.style.transfer.StyleRecord of TARGET, or None
OPTIONS = "guide_options"  # GuideOptions last used
GUIDE = "guide"  # assistant.Guide
EXPORTS = "exports"  # {"pdf": bytes, "zip": bytes, "json": bytes} for the current guide
TIMELAPSE = "timelapse"  # (id of the stroke plan, GIF bytes)

# When a key changes, everything derived from it is dropped: the one invalidation table.
DERIVED = {
    PHOTO: (PHOTO_NAME, PHOTO_NOTES, TARGET, STYLE, OPTIONS, GUIDE, EXPORTS, TIMELAPSE),
    TARGET: (STYLE, GUIDE, EXPORTS, TIMELAPSE),
    GUIDE: (EXPORTS, TIMELAPSE),
}

SAMPLES = {"Astronaut": "astronaut", "Coffee": "coffee", "Cat": "chelsea"}


def get(key, default=None):
    return st.session_state.get(key, default)


def invalidate(key: str) -> None:
    """Drop everything derived from ``key`` (see :data:`DERIVED`)."""
    for derived in DERIVED.get(key, ()):
        st.session_state.pop(derived, None)


def put(key: str, value, **companions) -> None:
    """Set ``key`` (dropping what was derived from it), then its companions (e.g. its name)."""
    invalidate(key)
    st.session_state[key] = value
    for name, companion in companions.items():
        st.session_state[name] = companion


def clear(key: str) -> None:
    invalidate(key)
    st.session_state.pop(key, None)


def set_photo(pixels: np.ndarray, name: str, notes: tuple[str, ...] = ()) -> None:
    """A new photo invalidates everything derived from the old one."""
    put(PHOTO, pixels, **{PHOTO_NAME: name, PHOTO_NOTES: tuple(notes)})


def decode_upload(data: bytes, name: str, max_side: int = 1024) -> bool:
    """Decode an upload into the session; show a one-line error and return False on bad input."""
    try:
        decoded = decode_image(data, max_side=max_side)
    except ImageError as exc:
        st.error(f"{name}: {exc}")
        return False
    set_photo(decoded.pixels, name, decoded.notes)
    return True


@st.cache_data(show_spinner=False)
def sample_photo(name: str) -> np.ndarray:
    """One of the real photos bundled with scikit-image, as a float32 array."""
    from skimage import data

    return getattr(data, name)().astype(np.float32) / 255.0


def require(key: str, message: str, page: str | None = None) -> None:
    """Stop the page with a friendly hint when an earlier step is missing."""
    if get(key) is None:
        st.info(message)
        if page:
            st.page_link(page, label="Go there", icon="➡️")
        st.stop()


@contextmanager
def running(*, preview_width: int = 360):
    """Run a core call with a progress bar and live preview; yields its ``on_progress``.

    Owns the clean-up: the bar and preview always go away; a bad input or option is
    shown as one line and a cancelled run says so; both stop the page.
    """
    bar = st.progress(0.0, text="Starting…")
    preview = st.empty()

    def on_progress(fraction: float, message: str, image=None) -> None:
        bar.progress(min(1.0, max(0.0, float(fraction))), text=message)
        if image is not None:
            preview.image(image, caption=message, width=preview_width)

    try:
        yield on_progress
    except Cancelled:
        st.warning("Cancelled.")
        st.stop()
    except ValueError as exc:
        st.error(str(exc).splitlines()[0] if str(exc) else "That did not work.")
        st.stop()
    finally:
        bar.empty()
        preview.empty()


def painting_target() -> np.ndarray:
    target = get(TARGET)
    return get(PHOTO) if target is None else target


def ensure_guide(options: GuideOptions) -> None:
    """(Re)build the guide when the options or the target changed, with a progress bar."""
    guide = get(GUIDE)
    target = painting_target()
    if guide is not None and get(OPTIONS) == options and guide.target.shape == target.shape and np.array_equal(
        guide.target, target
    ):
        return
    with running() as on_progress:
        guide = make_guide(get(PHOTO), options, target=target, style=get(STYLE), on_progress=on_progress)
    put(GUIDE, guide, **{OPTIONS: options})


def step_viewer(steps, images, highlights, *, key: str, new_caption: str):
    """A slider over ``steps`` with the step's text, what is new and the canvas after it."""
    count = len(steps)
    number = st.slider("Step", 1, count, 1, key=key, help="Move through the steps in painting order") if count > 1 else 1
    step = steps[number - 1]
    st.subheader(f"Step {step.index} of {count}: {step.title}")
    st.write(step.instruction)
    left, right = st.columns(2)
    left.image(highlights[number - 1], caption=new_caption, width="stretch")
    right.image(images[number - 1], caption="Canvas after this step", width="stretch")
    return step


def swatches_html(palette) -> str:
    cells = "".join(
        f'<div style="display:inline-block;margin:3px;text-align:center;width:92px;font-size:12px">'
        f'<div style="background:{c.hex};height:40px;border:1px solid #999;border-radius:4px"></div>'
        f"<b>{c.index}</b> {c.name}<br>{c.hex} · {c.coverage:.1f}%</div>"
        for c in palette
    )
    return f"<div>{cells}</div>"


@st.cache_resource(show_spinner="Loading the style network (once per server)…")
def _network_and_device():
    from assistant.models import device_description
    from assistant.style.features import build_feature_extractor

    return build_feature_extractor("auto"), device_description()


def get_network():
    """The VGG19 feature network (shared read-only by all sessions) and where it runs, in words.

    Stops the page with one line when no weights are installed.
    """
    from assistant.style.features import WeightsUnavailable

    try:
        return _network_and_device()
    except (WeightsUnavailable, ValueError) as exc:
        st.error(str(exc).splitlines()[0])
        st.stop()


@st.cache_data(show_spinner=False)
def bundled_styles():
    from assistant.style.assets import list_styles, load_style

    return [(asset, load_style(asset.id, max_side=512)[0]) for asset in list_styles()]


@st.cache_resource(show_spinner="Loading the stroke renderer (once per server)…")
def get_renderer():
    """The learned stroke renderer (manifest-checked), shared read-only by all sessions."""
    from assistant.renderer import load_renderer

    return load_renderer()
