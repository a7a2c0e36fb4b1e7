"""What all sessions share, loaded once per server and read-only: the networks, the sample photos, the styles."""

from __future__ import annotations

import sys

import numpy as np
import streamlit as st

from assistant import GuideOptions
from pages import _state as state


def _keep_keras_state() -> None:
    """Stop Streamlit from clearing Keras' global state after every script run.

    Streamlit calls ``keras.backend.clear_session()`` (and with it a full ``gc.collect``)
    at the end of each script run once Keras is imported
    (``streamlit/runtime/scriptrunner/script_runner.py``, ``_clean_problem_modules``).
    Here the networks are loaded once and shared, and style and brushstroke jobs run in
    their own threads while other script runs end: the clearing races with them, and
    after a job thread has ended the collection deadlocks (reproduced in
    ``tests/test_app_pages.py``). The matplotlib part of that clean-up is kept.
    """
    from streamlit.runtime.scriptrunner import script_runner

    def clean_matplotlib_only() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = clean_matplotlib_only


_keep_keras_state()


@st.cache_data(show_spinner=False)
def sample_photo(name: str) -> np.ndarray:
    """One of the real photos bundled with scikit-image, as a float32 array."""
    from skimage import data

    return getattr(data, name)().astype(np.float32) / 255.0


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


@st.cache_resource(show_spinner="Loading the instant style network (once per server)…")
def _fast_style():
    from assistant.style.fast import load_fast_style

    return load_fast_style()


def get_fast_style():
    """The fast style networks (shared read-only by all sessions); stops the page with one line when missing."""
    from assistant.style.fast import FastStyleFileError

    try:
        return _fast_style()
    except FastStyleFileError as exc:
        st.error(str(exc).splitlines()[0])
        st.stop()


def fast_preview(networks, photo, mix, labels, options, device, controls, *, own=None):
    """The instant picture for these controls, ``(image, StyleRecord)``: made again only when they changed."""
    import hashlib
    import json

    from assistant.style.fast import stylize_fast

    guide_options = state.get(state.OPTIONS) or GuideOptions()
    made_from = (json.dumps(controls, sort_keys=True), id(photo), photo.shape,
                 None if own is None else hashlib.sha1(np.ascontiguousarray(own).tobytes()).hexdigest(),
                 guide_options.focus, guide_options.marks)
    kept = state.get(state.FAST_PREVIEW)
    if kept is None or kept[0] != made_from:
        result = stylize_fast(photo, mix, networks=networks, options=options,
                              detail=style_detail(photo, guide_options))
        record = result.record(labels, [w for _, w in mix], networks=networks, options=options, device=device,
                               preset="")
        kept = (made_from, result.image, record)
        st.session_state[state.FAST_PREVIEW] = kept
    return kept[1], kept[2]


def style_detail(photo, options: GuideOptions):
    """The detail map the instant style is gentler on (the faces, the painter's circles), or None; kept
    in the session while the photo and the focus settings stay the same."""
    from assistant.plan.focus import detail_map

    key = (id(photo), photo.shape, options.focus, options.marks)
    kept = st.session_state.get(state.STYLE_DETAIL)
    if kept is None or kept[0] != key:
        found = detail_map(photo, focus=options.focus, marks=options.marks)
        kept = (key, None if found.is_neutral else found.detail)
        st.session_state[state.STYLE_DETAIL] = kept
    return kept[1]


@st.cache_data(show_spinner=False)
def bundled_styles():
    from assistant.style.assets import list_styles, load_style

    return [(asset, load_style(asset.id, max_side=512)[0]) for asset in list_styles()]


@st.cache_resource(show_spinner="Loading the stroke renderer (once per server)…")
def get_renderer():
    """The learned stroke renderer (manifest-checked), shared read-only by all sessions."""
    from assistant.strokes.renderer import load_renderer

    return load_renderer()


@st.cache_resource(show_spinner=False)
def colour_tables() -> bool:
    """Import colour-science and build the CIE tables once per server, in the script thread:
    a first import inside a background job's thread, next to TensorFlow, is avoided."""
    from assistant.color.mixing import _observer

    _observer()
    return True
