"""UI helpers shared by the pages: session-state keys, cached resources, progress.

The UI layer is the only code that imports streamlit. State that must survive a
page change lives under the plain keys below (never under widget keys, which
Streamlit drops when the widget is not on screen).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from assistant import GuideOptions, ImageError, decode_image, make_guide

PHOTO = "photo"  # float32 (H, W, 3) working image
PHOTO_NAME = "photo_name"
PHOTO_NOTES = "photo_notes"
TARGET = "target"  # stylised image or None
TARGET_INFO = "target_info"  # dict of style provenance or None
OPTIONS = "guide_options"  # GuideOptions last used
GUIDE = "guide"  # assistant.Guide
EXPORTS = "exports"  # {"pdf": bytes, "zip": bytes, "json": bytes} for the current guide
TIMELAPSE = "timelapse"  # (id of the stroke plan, GIF bytes)

SAMPLES = {"Astronaut": "astronaut", "Coffee": "coffee", "Cat": "chelsea"}


def get(key, default=None):
    return st.session_state.get(key, default)


def set_photo(pixels: np.ndarray, name: str, notes: tuple[str, ...] = ()) -> None:
    """A new photo invalidates everything derived from the old one."""
    st.session_state[PHOTO] = pixels
    st.session_state[PHOTO_NAME] = name
    st.session_state[PHOTO_NOTES] = tuple(notes)
    for key in (TARGET, TARGET_INFO, GUIDE, EXPORTS, TIMELAPSE):
        st.session_state.pop(key, None)


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
    bar = st.progress(0.0, text="Starting…")
    extras = {"style": get(TARGET_INFO)} if get(TARGET_INFO) else {}
    try:
        guide = make_guide(
            get(PHOTO), options, target=target, extras=extras,
            on_progress=lambda fraction, message: bar.progress(min(1.0, fraction), text=message),
        )
    except ValueError as exc:
        bar.empty()
        st.error(str(exc))
        st.stop()
    bar.empty()
    st.session_state[GUIDE] = guide
    st.session_state[OPTIONS] = options
    st.session_state.pop(EXPORTS, None)


def swatches_html(palette) -> str:
    cells = "".join(
        f'<div style="display:inline-block;margin:3px;text-align:center;width:92px;font-size:12px">'
        f'<div style="background:{c.hex};height:40px;border:1px solid #999;border-radius:4px"></div>'
        f"<b>{c.index}</b> {c.name}<br>{c.hex} · {c.coverage:.1f}%</div>"
        for c in palette
    )
    return f"<div>{cells}</div>"


@st.cache_resource(show_spinner="Loading the feature network (once per server)…")
def get_network():
    """The perceptual network, shared read-only by all sessions."""
    from assistant.features import build_feature_extractor

    return build_feature_extractor("auto")


@st.cache_data(show_spinner=False)
def bundled_styles():
    from assistant.styles import list_styles, load_style

    return [(asset, load_style(asset.id, max_side=512)[0]) for asset in list_styles()]


@st.cache_resource(show_spinner="Loading the stroke renderer (once per server)…")
def get_renderer():
    """The learned stroke renderer (manifest-checked), shared read-only by all sessions."""
    from assistant.renderer import load_renderer

    return load_renderer()
