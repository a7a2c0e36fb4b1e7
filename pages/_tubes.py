"""The painter's tubes, remembered in her own browser for her next session.

Nothing is kept on the server and nothing is shared: the tubes travel in one cookie of the painter's
own browser (``pa_tubes``, a paint spec such as ``titanium white, ultramarine blue, my sap green=#4a6b23``,
percent-encoded), written by a tiny script when they change and read back from ``st.context.cookies``
when a new session starts in that browser. Another browser, or another user, never sees them. A cookie
that is not a valid paint spec is ignored, so a tampered cookie costs nothing but the default tubes.

Wiring (the Palette page): ``recalled = _tubes.recall()`` for the default of ``paints_tubes`` (and the
painter's own paints) in a new session, and ``_tubes.remember(spec)`` once the tubes are chosen.
"""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

__all__ = ["COOKIE", "decode", "encode", "recall", "remember"]

COOKIE = "pa_tubes"
#: How long the browser keeps the tubes after their last change: a year.
MAX_AGE_S = 365 * 24 * 3600
#: Browsers keep cookies of up to about 4 KB; a longer spec is not remembered.
MAX_COOKIE_CHARS = 3800
_WRITTEN = "tubes_cookie_written"


def encode(spec: str) -> str | None:
    """The cookie value for a paint spec, or None when it is not a valid spec or too long to keep."""
    if not valid(spec):
        return None
    value = quote(spec, safe="")
    return value if len(value) <= MAX_COOKIE_CHARS else None


def valid(spec: str) -> bool:
    from assistant.color.paints import parse_paints

    try:
        parse_paints(spec)
    except (ValueError, TypeError):
        return False
    return True


def decode(value: str | None) -> tuple[tuple[str, ...], dict[str, str]] | None:
    """``(tube names in order, {own paint name: "#rrggbb"})`` from a cookie value; None when it is not one."""
    if not isinstance(value, str) or not value or len(value) > MAX_COOKIE_CHARS:
        return None
    spec = unquote(value)
    if not valid(spec):
        return None
    from assistant.color.paints import parse_paints

    names = tuple(parse_paints(spec).names)
    custom = {}
    for entry in spec.split(","):
        name, sep, colour = entry.partition("=")
        name = " ".join(name.lower().split())
        if sep and name in names and colour.strip().startswith("#"):
            custom[name] = colour.strip().lower()
    return names, custom


def recall() -> tuple[tuple[str, ...], dict[str, str]] | None:
    """The tubes this browser remembered from an earlier session (see :func:`decode`), or None."""
    import streamlit as st

    try:
        cookies = st.context.cookies
    except Exception:  # no browser (a script run, a test without a request)
        return None
    return decode(cookies.get(COOKIE))


def remember(spec: str) -> bool:
    """Keep ``spec`` in this browser for its next session; writes the cookie only when it changed.
    Returns whether a script was sent."""
    import streamlit as st
    import streamlit.components.v1 as components

    value = encode(spec)
    if value is None or st.session_state.get(_WRITTEN, _session_start_value()) == value:
        return False
    st.session_state[_WRITTEN] = value
    # The component's frame has the app's origin (srcdoc, allow-same-origin), so this is the app's cookie.
    script = (
        "<script>"
        f"const secure = window.parent.location.protocol === 'https:' ? '; Secure' : '';"
        f"document.cookie = {json.dumps(COOKIE + '=' + value)} + "
        f"{json.dumps(f'; Max-Age={MAX_AGE_S}; Path=/; SameSite=Strict')} + secure;"
        "</script>"
    )
    components.html(script, height=0)
    return True


def _session_start_value() -> str | None:
    import streamlit as st

    try:
        return st.context.cookies.get(COOKIE)
    except Exception:
        return None
