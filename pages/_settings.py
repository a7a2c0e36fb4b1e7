"""Every control keeps its value across pages and reloads (under :data:`pages._state.SETTINGS`)."""

from __future__ import annotations

import streamlit as st

from pages import _state as state


def keep(key: str, default, *, choices=None) -> str:
    """Seed widget ``key`` from the kept settings before it is drawn; returns the key.

    Streamlit forgets a widget's value when its page is not on screen; the value is
    kept under :data:`pages._state.SETTINGS` instead. A kept value no longer among ``choices``
    falls back to ``default``. Draw the widget with ``key=`` and no value of its own.
    """
    settings = st.session_state.setdefault(state.SETTINGS, {})
    if key not in st.session_state:
        value = settings.get(key, default)
        if isinstance(value, list):
            value = tuple(value)
        if choices is not None and value not in choices:
            value = default
        st.session_state[key] = value
    return key


def values(*keys: str) -> dict:
    """The controls' current values as plain JSON (tuples as lists), for comparing and keeping."""
    return {key: list(v) if isinstance(v := st.session_state.get(key), tuple) else v for key in keys}


def remember(*keys: str) -> None:
    """After the widgets: store their current values in the settings (and on disk when one changed)."""
    settings = st.session_state.setdefault(state.SETTINGS, {})
    changed = False
    for key, value in values(*keys).items():
        if settings.get(key) != value:
            settings[key] = value
            changed = True
    if changed and state.get(state.PHOTO) is not None:
        from pages import _persist

        _persist.save()
